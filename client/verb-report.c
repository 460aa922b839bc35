/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `posturectl report`: a day or a week of the history drawn as PNG, SVG or
 * PDF (report-draw.c), or a recording, offline, through the core's pipeline
 * and the history's own minutes (core/history-minute.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "bus-util.h"
#include "core/config.h"
#include "core/pipeline.h"
#include "core/recording.h"
#include "history-reply.h"
#include "posturectl.h"
#include "report-draw.h"
#include "timestamp.h"
#include "verb-analyze.h"

#define USEC_PER_DAY (86400 * USEC_PER_SEC)
/* Used only when the recording has no "# rate_hz:" and fewer than two samples. */
#define FALLBACK_RATE_HZ 50.0

static int oom(void)
{
        fprintf(stderr, "report: out of memory\n");
        return 1;
}

typedef struct Collected {
        MinuteAccumulator acc;
        HistoryMinute *minutes;
        size_t n_minutes, cap_minutes;
        ReportEvent *events;
        size_t n_events, cap_events;
        int64_t t0_ns;
        bool oom;
} Collected;

static void *grow(void **array, size_t *n, size_t *cap, size_t size)
{
        if (*n >= *cap) {
                size_t c = *cap ? *cap * 2 : 256;
                void *p = reallocarray(*array, c, size);

                if (!p)
                        return NULL;
                *array = p;
                *cap = c;
        }
        return (char *) *array + size * (*n)++;
}

static void keep_minute(Collected *c, const HistoryMinute *m)
{
        HistoryMinute *slot =
                grow((void **) &c->minutes, &c->n_minutes, &c->cap_minutes, sizeof(*slot));

        if (slot)
                *slot = *m;
        else
                c->oom = true;
}

static void on_sample(const PostureSample *prev, const PostureSample *s, double dt_s, double strain,
                      void *userdata)
{
        Collected *c = userdata;
        HistoryMinute done;

        if (dt_s > 0 && minute_acc_add(&c->acc, (uint64_t) ((prev->t_ns - c->t0_ns) / 1000), prev,
                                       dt_s, strain, &done) > 0)
                keep_minute(c, &done);
}

static void on_event(const StrainEvent *e, const PostureSample *s, void *userdata)
{
        Collected *c = userdata;
        ReportEvent *slot = grow((void **) &c->events, &c->n_events, &c->cap_events, sizeof(*slot));

        if (!slot) {
                c->oom = true;
                return;
        }
        *slot = (ReportEvent){ .start_us = (uint64_t) MAX(e->start_ns - c->t0_ns, 0) / 1000,
                               .severity = e->severity };
        snprintf(slot->kind, sizeof(slot->kind), "%s", event_kind_to_string(e->kind) ?: "");
}

/* A recording through the pipeline (the settings and the auto neutral of analyze). */
static int collect_recording(const char *path, const PipelineArgs *pa, Collected *c,
                             double *ret_duration_s)
{
        _cleanup_(recording_reader_freep) RecordingReader *rr = NULL;
        _cleanup_(pipeline_freep) Pipeline *p = NULL;
        _cleanup_(freep) Frame *frames = NULL;
        size_t n = 0, cap = 0;
        PipelineParams params;
        HistoryMinute last;
        double rate;
        int r;

        r = recording_reader_open(&rr, path);
        if (r < 0) {
                fprintf(stderr, "report: %s: %s\n", path, strerror(-r));
                return EX_NOINPUT;
        }
        for (;;) {
                _cleanup_(freep) char *msg = NULL;
                Frame *f = grow((void **) &frames, &n, &cap, sizeof(*f));

                if (!f)
                        return oom();
                r = recording_reader_next(rr, f, &msg);
                if (r == 0) {
                        n--;
                        break;
                }
                if (r < 0) {
                        fprintf(stderr, "%s\n", msg ?: strerror(-r));
                        return r == -EBADMSG ? EX_DATAERR : EX_NOINPUT;
                }
        }
        if (n == 0) {
                fprintf(stderr, "%s: no samples in the recording\n", path);
                return EX_DATAERR;
        }
        rate = recording_reader_rate(rr);
        if (!(rate > 0))
                rate = n > 1 ? (double) (n - 1) * NSEC_PER_SEC /
                                       (double) (frames[n - 1].t_ns - frames[0].t_ns)
                             : FALLBACK_RATE_HZ;
        r = pipeline_args_params(pa, &params);
        if (r != 0)
                return r;
        params.estimator.auto_calibrate = true;
        r = pipeline_new(&p, &params, rate);
        if (r < 0) {
                fprintf(stderr, "%s: cannot analyse a recording of %.3g Hz\n", path, rate);
                return EX_DATAERR;
        }
        c->t0_ns = frames[0].t_ns;
        pipeline_set_summary_handler(p, on_sample, c);
        pipeline_set_event_handler(p, on_event, c);
        pipeline_feed(p, frames, n);
        if (minute_acc_flush(&c->acc, &last) > 0)
                keep_minute(c, &last);
        if (c->oom)
                return oom();
        *ret_duration_s = (double) (frames[n - 1].t_ns - frames[0].t_ns) / NSEC_PER_SEC;
        return 0;
}

static int report_recording(const char *path, const PipelineArgs *pa, const char *out)
{
        Collected c = {};
        ReportDay d = {};
        double duration = 0;
        const char *base = strrchr(path, '/');
        int r;

        r = collect_recording(path, pa, &c, &duration);
        if (r == 0) {
                snprintf(d.title, sizeof(d.title), "Posture in %s", base ? base + 1 : path);
                d.start_us = 0;
                d.end_us = (uint64_t) (duration * USEC_PER_SEC) + 1;
                d.minutes = c.minutes;
                d.n_minutes = c.n_minutes;
                d.events = c.events;
                d.n_events = c.n_events;
                for (size_t i = 0; i < c.n_minutes; i++)
                        history_minute_merge(&d.total, &c.minutes[i]);
                r = report_draw_day(&d, out);
                if (r < 0) {
                        fprintf(stderr, "report: cannot write %s: %s\n", out, strerror(-r));
                        r = EX_CANTCREAT;
                }
        }
        free(c.minutes);
        free(c.events);
        return r;
}

static Severity severity_from(const char *s)
{
        return strcmp(s, "critical") == 0  ? SEVERITY_CRITICAL
               : strcmp(s, "warning") == 0 ? SEVERITY_WARNING
                                           : SEVERITY_INFO;
}

/* Move a bucket of the daemon's reply into a HistoryMinute, by the core's names. */
static void to_minute(const HistoryBucket *b, HistoryMinute *m)
{
        *m = (HistoryMinute){
                .minute = (int64_t) (b->t / USEC_PER_MINUTE),
                .duration_s = b->duration_s,
                .not_worn_s = b->not_worn_s,
                .flexion_mean_deg = b->flexion_mean_deg,
                .flexion_peak_deg = b->flexion_peak_deg,
                .lateral_mean_deg = b->lateral_mean_deg,
                .lateral_peak_deg = b->lateral_peak_deg,
                .strain_mean = b->strain_mean,
        };
        for (size_t p = 0; p < _POSTURE_MAX; p++)
                m->posture_s[p] = named_value(b->posture, b->n_posture,
                                              posture_class_to_string((PostureClass) p) ?: "");
        for (size_t a = 0; a < _ACTIVITY_MAX; a++)
                m->activity_s[a] = named_value(b->activity, b->n_activity,
                                               activity_to_string((Activity) a) ?: "");
}

static int report_day(sd_bus *bus, uint64_t start, const char *out)
{
        _cleanup_(freep) HistoryBucket *b = NULL;
        _cleanup_(freep) HistoryEventRow *ev = NULL;
        _cleanup_(freep) HistoryMinute *minutes = NULL;
        _cleanup_(freep) ReportEvent *events = NULL;
        uint64_t end = local_midnight(start + USEC_PER_DAY + USEC_PER_DAY / 4, 0);
        size_t n = 0, nev = 0;
        time_t sec = (time_t) (start / USEC_PER_SEC);
        ReportDay d = { .start_us = start, .end_us = end, .clock_labels = 1 };
        struct tm tm;
        int r;

        r = history_call_buckets(bus, start, end, USEC_PER_MINUTE, &b, &n);
        if (r >= 0)
                r = history_call_events(bus, start, end, &ev, &nev);
        if (r < 0)
                return 1;
        minutes = calloc(MAX(n, 1u), sizeof(*minutes));
        events = calloc(MAX(nev, 1u), sizeof(*events));
        if (!minutes || !events)
                return oom();
        for (size_t i = 0; i < n; i++) {
                to_minute(&b[i], &minutes[i]);
                history_minute_merge(&d.total, &minutes[i]);
        }
        for (size_t i = 0; i < nev; i++) {
                events[i] = (ReportEvent){ .start_us = ev[i].start_usec,
                                           .severity = severity_from(ev[i].severity) };
                snprintf(events[i].kind, sizeof(events[i].kind), "%s", ev[i].kind);
        }
        localtime_r(&sec, &tm);
        strftime(d.title, sizeof(d.title), "Posture on %A %-d %B %Y", &tm);
        d.minutes = minutes;
        d.n_minutes = n;
        d.events = events;
        d.n_events = nev;
        r = report_draw_day(&d, out);
        if (r < 0) {
                fprintf(stderr, "report: cannot write %s: %s\n", out, strerror(-r));
                return EX_CANTCREAT;
        }
        return 0;
}

static int report_week(sd_bus *bus, uint64_t start, const char *out)
{
        ReportWeek w = {};
        uint64_t day = start;
        time_t sec = (time_t) (start / USEC_PER_SEC);
        struct tm tm;
        int r;

        localtime_r(&sec, &tm);
        strftime(w.title, sizeof(w.title), "Posture in the week from %-d %B %Y", &tm);
        for (int i = 0; i < 7; i++) {
                uint64_t next = local_midnight(day + USEC_PER_DAY + USEC_PER_DAY / 4, 0);
                HistoryBucket s;

                r = history_call_summary(bus, day, next, &s);
                if (r < 0)
                        return 1;
                s.t = day;
                to_minute(&s, &w.days[i]);
                for (size_t k = 0; k < s.n_events; k++)
                        w.events[i] += (unsigned) s.events[k].value;
                sec = (time_t) (day / USEC_PER_SEC);
                localtime_r(&sec, &tm);
                strftime(w.day_label[i], sizeof(w.day_label[i]), "%a %-d %b", &tm);
                day = next;
        }
        r = report_draw_week(&w, out);
        if (r < 0) {
                fprintf(stderr, "report: cannot write %s: %s\n", out, strerror(-r));
                return EX_CANTCREAT;
        }
        return 0;
}

static int parse_mount_matrix(const char *arg, void *userdata)
{
        return pipeline_args_mount_matrix(userdata, arg);
}

/**
 * verb_report() - `posturectl report [--day DATE | --week DATE | --from
 * FILE.csv [--config FILE] [--mount-matrix M]] -o FILE.png|.svg|.pdf`: draw
 * a day (default: today), a week from DATE, or a recording offline with the
 * pipeline settings of analyze.
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_DATAERR or EX_NOINPUT for a bad recording; EX_CANTCREAT when the
 * picture cannot be written.
 */
int verb_report(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(freep) char **args = NULL;
        const char *day_s = NULL, *week_s = NULL, *from = NULL, *out = NULL;
        PipelineArgs pa = {};
        const VerbOption options[] = {
                { "day", required_argument, .arg = &day_s },
                { "week", required_argument, .arg = &week_s },
                { "from", required_argument, .arg = &from },
                { "config", required_argument, .arg = &pa.config },
                { "mount-matrix", required_argument, .parse = parse_mount_matrix },
                { "output", required_argument, .arg = &out },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        uint64_t when = 0;
        int r;

        /* -o FILE is --output FILE: the verbs' option parser knows long options only. */
        args = calloc((size_t) argc + 1, sizeof(char *));
        if (!args)
                return oom();
        for (int i = 0; i < argc; i++)
                args[i] = strcmp(argv[i], "-o") == 0 ? (char *) "--output" : argv[i];
        r = verb_parse_argv(argc, args, &syntax, &pa);
        if (r >= 0)
                return r;
        if (!out)
                return usage_error("report: -o FILE.png, FILE.svg or FILE.pdf is required");
        if (!report_format_ok(out))
                return usage_error("report: '%s': the file must end in .png, .svg or .pdf", out);
        if (!!day_s + !!week_s + !!from > 1)
                return usage_error("report: --day, --week and --from exclude each other");
        if (!from && (pa.config || pa.have_mount))
                return usage_error("report: --config and --mount-matrix go with --from");
        /* Before any work: without cairo there is no picture to draw. */
        if (from) {
                if (report_draw_load() < 0)
                        return EX_UNAVAILABLE;
                r = report_recording(from, &pa, out);
                report_draw_done();
                return r;
        }
        r = parse_when(day_s ?: week_s ?: "today", now_usec(), &when);
        if (r < 0)
                return usage_error("report: invalid date '%s': expected YYYY-MM-DD, today or "
                                   "yesterday",
                                   day_s ?: week_s);
        when = local_midnight(when, 0);
        if (report_draw_load() < 0)
                return EX_UNAVAILABLE;
        r = bus_connect(&bus);
        if (r < 0)
                return bus_exit_status();
        r = week_s ? report_week(bus, when, out) : report_day(bus, when, out);
        report_draw_done();
        return r;
}
