/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * postured.prom for the Prometheus node exporter's textfile collector
 * (metrics.h). Replaced atomically (write_file_atomic(): the collector reads
 * only *.prom, never the temporary file) and readable by every user: it
 * holds posture counters only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "metrics.h"
#include "util/fileio.h"
#include "util/macro.h"

static const char *const sensor_states[] = { "active", "absent", "stalled", "error" };

struct Metrics {
        char *path;
        sd_event_source *timer;
        uint64_t interval_us;
        MetricsCallbacks cb;
        void *userdata;

        double posture_s[_POSTURE_MAX];
        double activity_s[_ACTIVITY_MAX];
        unsigned long long events[_EVENT_KIND_MAX][_SEVERITY_MAX];
        bool failing;
};

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void label(FILE *f, const char *s)
{
        fputc('"', f);
        for (; *s; s++) {
                if (*s == '\\' || *s == '"')
                        fputc('\\', f);
                if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
        }
        fputc('"', f);
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int write_metrics(FILE *f, const void *userdata)
{
        const Metrics *m = userdata;
        const char *state = m->cb.sensor_state ? m->cb.sensor_state(m->userdata) : "";

        /* Readable by the exporter's user, whatever the daemon's umask: no health data. */
        if (fchmod(fileno(f), 0644) < 0)
                return -errno;
        header(f, "postured_posture_seconds_total", "counter",
               "Seconds in each posture since postured started.");
        for (size_t i = 0; i < _POSTURE_MAX; i++) {
                fputs("postured_posture_seconds_total{posture=", f);
                label(f, posture_class_to_string((PostureClass) i) ?: "unknown");
                fprintf(f, "} %.3f\n", m->posture_s[i]);
        }
        header(f, "postured_activity_seconds_total", "counter",
               "Seconds in each activity since postured started.");
        for (size_t i = 0; i < _ACTIVITY_MAX; i++) {
                fputs("postured_activity_seconds_total{activity=", f);
                label(f, activity_to_string((Activity) i) ?: "unknown");
                fprintf(f, "} %.3f\n", m->activity_s[i]);
        }
        header(f, "postured_strain_events_total", "counter",
               "Strain events by kind and severity since postured started.");
        for (size_t k = 0; k < _EVENT_KIND_MAX; k++)
                for (size_t s = 0; s < _SEVERITY_MAX; s++) {
                        fputs("postured_strain_events_total{kind=", f);
                        label(f, event_kind_to_string((EventKind) k) ?: "unknown");
                        fputs(",severity=", f);
                        label(f, severity_to_string((Severity) s) ?: "unknown");
                        fprintf(f, "} %llu\n", m->events[k][s]);
                }
        header(f, "postured_strain_level", "gauge", "The current StrainLevel, from 0 to 1.");
        fprintf(f, "postured_strain_level %.4f\n",
                m->cb.strain_level ? m->cb.strain_level(m->userdata) : 0.0);
        header(f, "postured_sensor_state", "gauge", "1 for the sensor's current state.");
        for (size_t i = 0; i < ELEMENTSOF(sensor_states); i++) {
                fputs("postured_sensor_state{state=", f);
                label(f, sensor_states[i]);
                fprintf(f, "} %d\n", strcmp(state, sensor_states[i]) == 0);
        }
        header(f, "postured_samples_dropped_total", "counter",
               "Samples dropped before the filter (impossible values, time not increasing).");
        fprintf(f, "postured_samples_dropped_total %llu\n",
                m->cb.dropped ? m->cb.dropped(m->userdata) : 0ULL);
        return ferror(f) ? -EIO : 0;
}

/**
 * metrics_write() - replace postured.prom with the counters now. A failure
 * is logged once until a write succeeds again.
 * @m: the writer.
 *
 * Return: 0 or -errno.
 */
int metrics_write(Metrics *m)
{
        int r;

        r = write_file_atomic(m->path, 0644, write_metrics, m);
        if (r < 0) {
                if (!m->failing)
                        log_warning_errno(r,
                                          "Cannot write %s ([Metrics] TextfileDirectory=): %m; "
                                          "retried every minute.",
                                          m->path);
                m->failing = true;
                return r;
        }
        m->failing = false;
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Metrics *m = userdata;

        (void) metrics_write(m);
        (void) sd_event_source_set_time(s, usec + m->interval_us);
        return 0;
}

/**
 * metrics_new() - the writer of @dir/postured.prom, written now and every
 * @interval_us.
 * @ret: the new writer.
 * @event: the loop.
 * @dir: the textfile collector's directory.
 * @interval_us: how often.
 * @cb: what to ask at each write; copied.
 * @userdata: for @cb.
 *
 * Return: 0 or -errno.
 */
int metrics_new(Metrics **ret, sd_event *event, const char *dir, uint64_t interval_us,
                const MetricsCallbacks *cb, void *userdata)
{
        _cleanup_(metrics_freep) Metrics *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        if (asprintf(&m->path, "%s/postured.prom", dir) < 0) {
                m->path = NULL;
                return -ENOMEM;
        }
        m->interval_us = interval_us;
        m->cb = *cb;
        m->userdata = userdata;
        r = sd_event_add_time_relative(event, &m->timer, CLOCK_MONOTONIC, interval_us,
                                       USEC_PER_SEC / 10, on_timer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->timer, SD_EVENT_ON);
        *ret = TAKE_PTR(m);
        return 0;
}

/** metrics_free() - write the last counters, then stop. */
Metrics *metrics_free(Metrics *m)
{
        if (!m)
                return NULL;
        if (m->timer)
                (void) metrics_write(m);
        sd_event_source_disable_unref(m->timer);
        free(m->path);
        free(m);
        return NULL;
}

/** metrics_add_sample() - @dt_s seconds of @s's posture and activity. */
void metrics_add_sample(Metrics *m, const PostureSample *s, double dt_s)
{
        if (!m)
                return;
        m->posture_s[s->posture] += dt_s;
        m->activity_s[s->activity] += dt_s;
}

/** metrics_add_event() - count a strain event by kind and severity. */
void metrics_add_event(Metrics *m, const StrainEvent *e)
{
        if (m && (size_t) e->kind < _EVENT_KIND_MAX && (size_t) e->severity < _SEVERITY_MAX)
                m->events[e->kind][e->severity]++;
}
