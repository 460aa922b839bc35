/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The history verbs of posturectl: history, summary, export and forget read
 * and delete the history that postured keeps, through org.postured.Recovery1
 * (root and the health group only, as the daemon decides).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bus-util.h"
#include "history-reply.h"
#include "json.h"
#include "posturectl.h"
#include "timestamp.h"

#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR   (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY    (24 * USEC_PER_HOUR)
/* export asks for this much at a time: 60 days of minutes stay below the daemon's bound. */
#define EXPORT_CHUNK_US (60 * USEC_PER_DAY)

/* A --since/--until/--before value; @what names the option in the error. */
static int parse_when_arg(const char *what, const char *s, uint64_t *ret)
{
        int r;

        r = parse_when(s, now_usec(), ret);
        if (r == -EDOM)
                return usage_error("invalid %s '%s': no such date or local time", what, s);
        if (r < 0)
                return usage_error("invalid %s '%s': expected now, today, yesterday, a local "
                                   "date 'YYYY-MM-DD', a date and time 'YYYY-MM-DD HH:MM[:SS]', "
                                   "or a time ago such as -3h, -2d",
                                   what, s);
        return VERB_GO_ON;
}

/* --bucket: 1m .. 1d as N followed by m, h or d. */
static int parse_bucket(const char *s, uint64_t *ret)
{
        char *end = NULL;
        unsigned long n;
        uint64_t unit;

        errno = 0;
        n = strtoul(s, &end, 10);
        if (errno != 0 || end == s || s[0] < '0' || s[0] > '9' || !end[0] || end[1])
                return usage_error("invalid --bucket '%s': expected 1h, 1d, or N followed by "
                                   "m, h or d",
                                   s);
        unit = end[0] == 'm'   ? USEC_PER_MINUTE
               : end[0] == 'h' ? USEC_PER_HOUR
               : end[0] == 'd' ? USEC_PER_DAY
                               : 0;
        if (unit == 0 || n == 0 || n * unit > USEC_PER_DAY)
                return usage_error("invalid --bucket '%s': from 1m to 1d, in m, h or d", s);
        *ret = n * unit;
        return VERB_GO_ON;
}

static void json_named(FILE *f, const char *key, const NamedValue *v, size_t n, bool *first,
                       int decimals)
{
        bool inner = true;

        json_key(f, key, first);
        fputc('{', f);
        for (size_t i = 0; i < n; i++) {
                json_key(f, v[i].name, &inner);
                json_double(f, v[i].value, decimals);
        }
        fputc('}', f);
}

/* The keys of a bucket, as GetHistory gives them, into the object open on @f. */
static void json_bucket_keys(FILE *f, const HistoryBucket *b, bool *first)
{
        const struct {
                const char *key;
                double v;
        } d[] = {
                { "duration_s", b->duration_s },
                { "not_worn_s", b->not_worn_s },
                { "flexion_mean_deg", b->flexion_mean_deg },
                { "flexion_peak_deg", b->flexion_peak_deg },
                { "lateral_mean_deg", b->lateral_mean_deg },
                { "lateral_peak_deg", b->lateral_peak_deg },
                { "strain_mean", b->strain_mean },
        };

        for (size_t i = 0; i < ELEMENTSOF(d); i++) {
                json_key(f, d[i].key, first);
                json_double(f, d[i].v, 3);
        }
        json_named(f, "posture_s", b->posture, b->n_posture, first, 3);
        json_named(f, "activity_s", b->activity, b->n_activity, first, 3);
}

static void json_bucket(FILE *f, const char *type, const HistoryBucket *b)
{
        char when[TIMESTAMP_TEXT_MAX];
        bool first = true;

        format_timestamp(when, b->t);
        fputc('{', f);
        json_key(f, "type", &first);
        json_string(f, type);
        json_key(f, "t", &first);
        fprintf(f, "%" PRIu64, b->t);
        json_key(f, "start", &first);
        json_string(f, when);
        json_bucket_keys(f, b, &first);
        fputs("}\n", f);
}

static double minutes(double s)
{
        return s / 60;
}

/**
 * verb_history() - `posturectl history [--since W] [--until W] [--bucket
 * 1h|1d] [--json]`: the history in buckets, a line each.
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_history(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(freep) HistoryBucket *b = NULL;
        const char *since_s = "today", *until_s = NULL, *bucket_s = "1h";
        bool json = false;
        const VerbOption options[] = {
                { "since", required_argument, .arg = &since_s },
                { "until", required_argument, .arg = &until_s },
                { "bucket", required_argument, .arg = &bucket_s },
                { "json", no_argument, .flag = &json },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        uint64_t since = 0, until = 0, bucket = 0;
        size_t n = 0;
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;
        r = parse_when_arg("--since", since_s, &since);
        if (r == VERB_GO_ON && until_s)
                r = parse_when_arg("--until", until_s, &until);
        if (r == VERB_GO_ON)
                r = parse_bucket(bucket_s, &bucket);
        if (r != VERB_GO_ON)
                return r;
        /* Buckets of whole hours start at an hour (the daemon's hours table serves them). */
        if (bucket % USEC_PER_HOUR == 0)
                since -= since % USEC_PER_HOUR;
        r = bus_connect(&bus);
        if (r >= 0)
                r = history_call_buckets(bus, since, until, bucket, &b, &n);
        if (r < 0)
                return bus_exit_status();

        if (json) {
                for (size_t i = 0; i < n; i++)
                        json_bucket(stdout, "bucket", &b[i]);
                return finish_output();
        }
        if (n == 0)
                printf("No history in this range.\n");
        else
                printf("%-19s %8s %8s %8s %8s %8s %8s %9s %9s %6s\n", "START", "WORN", "UPRIGHT",
                       "SLOUCHED", "FLEXED", "EXTREME", "WALKING", "FLEX MEAN", "FLEX PEAK",
                       "STRAIN");
        for (size_t i = 0; i < n; i++) {
                char when[TIMESTAMP_TEXT_MAX];
                const HistoryBucket *x = &b[i];

                format_timestamp(when, x->t);
                printf("%-19s %7.1fm %7.1fm %7.1fm %7.1fm %7.1fm %7.1fm %8.1f° %8.1f° %6.2f\n",
                       when, minutes(x->duration_s - x->not_worn_s),
                       minutes(named_value(x->posture, x->n_posture, "upright")),
                       minutes(named_value(x->posture, x->n_posture, "slouched")),
                       minutes(named_value(x->posture, x->n_posture, "flexed")),
                       minutes(named_value(x->posture, x->n_posture, "extreme-flexion")),
                       minutes(named_value(x->activity, x->n_activity, "walking")),
                       x->flexion_mean_deg, x->flexion_peak_deg, x->strain_mean);
        }
        return finish_output();
}

static void print_named(const char *title, const NamedValue *v, size_t n, double total)
{
        printf("%s\n", title);
        for (size_t i = 0; i < n; i++)
                if (v[i].value > 0)
                        printf("  %-18s %8.1f min  %5.1f%%\n", v[i].name, minutes(v[i].value),
                               total > 0 ? 100 * v[i].value / total : 0);
}

/**
 * verb_summary() - `posturectl summary [--today|--week|--since W] [--json]`:
 * the history of a range summed up, with the keys of analyze's summary.
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_summary(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *since_s = NULL;
        bool today = false, week = false, json = false;
        const VerbOption options[] = {
                { "today", no_argument, .flag = &today },
                { "week", no_argument, .flag = &week },
                { "since", required_argument, .arg = &since_s },
                { "json", no_argument, .flag = &json },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        char from[TIMESTAMP_TEXT_MAX];
        HistoryBucket s;
        uint64_t since;
        bool first = true;
        unsigned events = 0;
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;
        if (today + week + !!since_s > 1)
                return usage_error("summary: --today, --week and --since exclude each other");
        if (since_s) {
                r = parse_when_arg("--since", since_s, &since);
                if (r != VERB_GO_ON)
                        return r;
        } else
                since = local_midnight(now_usec(), week ? 6 : 0);
        r = bus_connect(&bus);
        if (r >= 0)
                r = history_call_summary(bus, since, 0, &s);
        if (r < 0)
                return bus_exit_status();

        if (json) {
                fputc('{', stdout);
                json_key(stdout, "type", &first);
                json_string(stdout, "summary");
                json_key(stdout, "since", &first);
                printf("%" PRIu64, since);
                json_bucket_keys(stdout, &s, &first);
                json_named(stdout, "events", s.events, s.n_events, &first, 0);
                fputs("}\n", stdout);
                return finish_output();
        }
        format_timestamp(from, since);
        printf("Since %s: %.1f min worn.\n", from, minutes(s.duration_s - s.not_worn_s));
        print_named("Posture:", s.posture, s.n_posture, s.duration_s);
        print_named("Activity:", s.activity, s.n_activity, s.duration_s);
        printf("Flexion: mean %.1f°, peak %.1f°. Lateral bend: mean %.1f°, peak %.1f°.\n",
               s.flexion_mean_deg, s.flexion_peak_deg, s.lateral_mean_deg, s.lateral_peak_deg);
        printf("Mean StrainLevel: %.2f (0 to 1).\n", s.strain_mean);
        for (size_t i = 0; i < s.n_events; i++)
                events += (unsigned) s.events[i].value;
        printf("Strain events: %u\n", events);
        for (size_t i = 0; i < s.n_events; i++)
                if (s.events[i].value > 0)
                        printf("  %-22s %u\n", s.events[i].name, (unsigned) s.events[i].value);
        printf("postured gives general guidance, not diagnosis.\n");
        return finish_output();
}

static void csv_header(const HistoryBucket *b)
{
        fputs("start_usec,start,duration_s,not_worn_s,flexion_mean_deg,flexion_peak_deg,"
              "lateral_mean_deg,lateral_peak_deg,strain_mean",
              stdout);
        for (size_t i = 0; i < b->n_posture; i++)
                printf(",posture_%s_s", b->posture[i].name);
        for (size_t i = 0; i < b->n_activity; i++)
                printf(",activity_%s_s", b->activity[i].name);
        putchar('\n');
}

static void csv_row(const HistoryBucket *b)
{
        char when[TIMESTAMP_TEXT_MAX];

        format_timestamp(when, b->t);
        printf("%" PRIu64 ",%s,%.3f,%.3f,%.2f,%.2f,%.2f,%.2f,%.4f", b->t, when, b->duration_s,
               b->not_worn_s, b->flexion_mean_deg, b->flexion_peak_deg, b->lateral_mean_deg,
               b->lateral_peak_deg, b->strain_mean);
        for (size_t i = 0; i < b->n_posture; i++)
                printf(",%.3f", b->posture[i].value);
        for (size_t i = 0; i < b->n_activity; i++)
                printf(",%.3f", b->activity[i].value);
        putchar('\n');
}

static void json_event(const HistoryEventRow *e)
{
        char when[TIMESTAMP_TEXT_MAX];
        bool first = true;

        format_timestamp(when, e->start_usec);
        fputc('{', stdout);
        json_key(stdout, "type", &first);
        json_string(stdout, "event");
        json_key(stdout, "start_usec", &first);
        printf("%" PRIu64, e->start_usec);
        json_key(stdout, "start", &first);
        json_string(stdout, when);
        json_key(stdout, "kind", &first);
        json_string(stdout, e->kind);
        json_key(stdout, "severity", &first);
        json_string(stdout, e->severity);
        json_key(stdout, "duration_s", &first);
        json_double(stdout, e->duration_s, 1);
        json_key(stdout, "peak_deg", &first);
        json_double(stdout, e->peak_deg, 1);
        fputs("}\n", stdout);
}

/* A CSV field as RFC 4180 has it: quoted, quotes doubled, if it holds a comma, quote or newline. */
static void csv_field(const char *s)
{
        if (!s[strcspn(s, ",\"\r\n")]) {
                fputs(s, stdout);
                return;
        }
        putchar('"');
        for (; *s; s++) {
                if (*s == '"')
                        putchar('"');
                putchar(*s);
        }
        putchar('"');
}

static void csv_event(const HistoryEventRow *e)
{
        char when[TIMESTAMP_TEXT_MAX];

        format_timestamp(when, e->start_usec);
        printf("%" PRIu64 ",", e->start_usec);
        csv_field(when);
        putchar(',');
        csv_field(e->kind);
        putchar(',');
        csv_field(e->severity);
        printf(",%.1f,%.1f\n", e->duration_s, e->peak_deg);
}

/**
 * verb_export() - `posturectl export --format csv|json [--what
 * minutes|events] [--since W] [--until W]`: the minutes of the history
 * and/or its strain events, as CSV (a header, then a row each; minutes
 * unless --what events) or as JSON Lines (both unless --what says one).
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_export(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(freep) HistoryEventRow *ev = NULL;
        const char *format = NULL, *what = NULL, *since_s = NULL, *until_s = NULL;
        const VerbOption options[] = {
                { "format", required_argument, .arg = &format },
                { "what", required_argument, .arg = &what },
                { "since", required_argument, .arg = &since_s },
                { "until", required_argument, .arg = &until_s },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        uint64_t since = 0, until;
        bool csv, header = false, minutes, events;
        size_t nev = 0;
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;
        if (!format)
                return usage_error("export: --format csv or --format json is required");
        if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
                return usage_error("invalid --format '%s': expected csv or json", format);
        csv = strcmp(format, "csv") == 0;
        if (what && strcmp(what, "minutes") != 0 && strcmp(what, "events") != 0)
                return usage_error("invalid --what '%s': expected minutes or events", what);
        minutes = !what ? true : strcmp(what, "minutes") == 0;
        events = !what ? !csv : strcmp(what, "events") == 0;
        until = now_usec() + USEC_PER_DAY;
        r = VERB_GO_ON;
        if (since_s)
                r = parse_when_arg("--since", since_s, &since);
        if (r == VERB_GO_ON && until_s)
                r = parse_when_arg("--until", until_s, &until);
        if (r != VERB_GO_ON)
                return r;
        if (until <= since)
                return usage_error("export: --until must come after --since");
        r = bus_connect(&bus);
        if (r < 0)
                return bus_exit_status();

        /* Without --since: from the first minute kept, found with a day-bucket query. */
        if (!since_s && minutes) {
                _cleanup_(freep) HistoryBucket *days = NULL;
                size_t nd = 0;

                r = history_call_buckets(bus, 0, until, USEC_PER_DAY, &days, &nd);
                if (r < 0)
                        return 1;
                if (nd == 0)
                        return finish_output();
                since = days[0].t;
        }
        for (uint64_t from = since; minutes && from < until; from += EXPORT_CHUNK_US) {
                _cleanup_(freep) HistoryBucket *b = NULL;
                size_t n = 0;

                r = history_call_buckets(bus, from, MIN(from + EXPORT_CHUNK_US, until),
                                         USEC_PER_MINUTE, &b, &n);
                if (r < 0)
                        return 1;
                for (size_t i = 0; i < n; i++) {
                        if (csv && !header) {
                                csv_header(&b[i]);
                                header = true;
                        }
                        if (csv)
                                csv_row(&b[i]);
                        else
                                json_bucket(stdout, "minute", &b[i]);
                }
        }
        if (events) {
                r = history_call_events(bus, since, until, &ev, &nev);
                if (r < 0)
                        return 1;
                if (csv)
                        puts("start_usec,start,kind,severity,duration_s,peak_deg");
                for (size_t i = 0; i < nev; i++) {
                        if (csv)
                                csv_event(&ev[i]);
                        else
                                json_event(&ev[i]);
                }
        }
        return finish_output();
}

/* Ask on the terminal; true for y or yes. */
static bool confirm(const char *question)
{
        char line[16];

        printf("%s [y/N] ", question);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
                return false;
        line[strcspn(line, "\n")] = '\0';
        return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/**
 * verb_forget() - `posturectl forget [--before W | --all] [--yes]`: delete
 * the history, asking first on a terminal.
 *
 * Return: 0; 1 when postured refuses or the answer is no; a usage error.
 */
int verb_forget(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *before_s = NULL;
        bool all = false, yes = false;
        const VerbOption options[] = {
                { "before", required_argument, .arg = &before_s },
                { "all", no_argument, .flag = &all },
                { "yes", no_argument, .flag = &yes },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        char when[TIMESTAMP_TEXT_MAX], question[96];
        uint64_t before = 0;
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;
        if (all == !!before_s)
                return usage_error("forget: give either --before WHEN or --all");
        if (before_s) {
                r = parse_when_arg("--before", before_s, &before);
                if (r != VERB_GO_ON)
                        return r;
                if (before == 0)
                        before = 1;
                format_timestamp(when, before);
                snprintf(question, sizeof(question), "Delete the posture history before %s?", when);
        } else
                snprintf(question, sizeof(question), "Delete all of the posture history?");
        if (!yes) {
                if (!isatty(STDIN_FILENO)) {
                        fprintf(stderr, "forget: no terminal to ask on; pass --yes to delete "
                                        "without asking.\n");
                        return 1;
                }
                if (!confirm(question)) {
                        printf("Nothing was deleted.\n");
                        return 1;
                }
        }
        r = bus_connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "Forget", "delete the history",
                                 NULL, "t", before);
        if (r < 0)
                return bus_exit_status();
        if (all)
                printf("The history is deleted.\n");
        else
                printf("The history before %s is deleted.\n", when);
        return finish_output();
}
