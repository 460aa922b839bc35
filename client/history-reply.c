/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the history's replies of org.postured.Recovery1 (history-reply.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "history-reply.h"
#include "posturectl.h"

/* An a{sd} or a{su} inside a variant, into @v (at most HISTORY_NAMES_MAX). */
static int read_named(sd_bus_message *m, const char *contents, NamedValue *v, size_t *n)
{
        const char *name;
        int r;

        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', contents + 1);
        if (r < 0)
                return r;
        *n = 0;
        for (;;) {
                double d = 0;
                uint32_t u = 0;

                if (contents[3] == 'd')
                        r = sd_bus_message_read(m, "{sd}", &name, &d);
                else {
                        r = sd_bus_message_read(m, "{su}", &name, &u);
                        d = u;
                }
                if (r <= 0)
                        break;
                if (*n < HISTORY_NAMES_MAX) {
                        snprintf(v[*n].name, sizeof(v[*n].name), "%s", name);
                        v[*n].value = d;
                        (*n)++;
                }
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/**
 * history_read_dict() - read an a{sv} of GetSummary or of a GetHistory
 * bucket into @b; keys this posturectl does not know are skipped.
 * @m: the message, before the a{sv}.
 * @b: filled; its t is left alone.
 *
 * Return: 0 or -errno.
 */
int history_read_dict(sd_bus_message *m, HistoryBucket *b)
{
        const struct {
                const char *key;
                double *value;
        } doubles[] = {
                { "duration_s", &b->duration_s },
                { "not_worn_s", &b->not_worn_s },
                { "flexion_mean_deg", &b->flexion_mean_deg },
                { "flexion_peak_deg", &b->flexion_peak_deg },
                { "lateral_mean_deg", &b->lateral_mean_deg },
                { "lateral_peak_deg", &b->lateral_peak_deg },
                { "strain_mean", &b->strain_mean },
        };
        const char *key;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                bool done = false;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ELEMENTSOF(doubles) && !done; i++)
                        if (strcmp(key, doubles[i].key) == 0) {
                                r = sd_bus_message_read(m, "v", "d", doubles[i].value);
                                done = true;
                        }
                if (!done && strcmp(key, "posture_s") == 0)
                        r = read_named(m, "a{sd}", b->posture, &b->n_posture);
                else if (!done && strcmp(key, "activity_s") == 0)
                        r = read_named(m, "a{sd}", b->activity, &b->n_activity);
                else if (!done && strcmp(key, "events") == 0)
                        r = read_named(m, "a{su}", b->events, &b->n_events);
                else if (!done)
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int call(sd_bus *bus, const char *member, const char *what, sd_bus_message **reply,
                const char *types, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = sd_bus_call_methodv(bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                POSTURED_RECOVERY_INTERFACE, member, &error, reply, types, ap);
        va_end(ap);
        if (r < 0)
                bus_log_call_error(what, &error, r);
        return r;
}

static int parse_failed(int r)
{
        fprintf(stderr, "Cannot read the reply of postured: %s\n", strerror(-r));
        return r;
}

/**
 * history_call_buckets() - GetHistory(@since, @until, @bucket) into an array.
 * Return: 0 or -errno (said on stderr).
 */
int history_call_buckets(sd_bus *bus, uint64_t since, uint64_t until, uint64_t bucket,
                         HistoryBucket **ret, size_t *ret_n)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) HistoryBucket *out = NULL;
        size_t n = 0, cap = 0;
        int r;

        r = call(bus, "GetHistory", "read the history", &reply, "ttt", since, until, bucket);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ta{sv})");
        if (r < 0)
                return parse_failed(r);
        while ((r = sd_bus_message_enter_container(reply, 'r', "ta{sv}")) > 0) {
                if (n >= cap) {
                        HistoryBucket *p;

                        cap = cap ? cap * 2 : 32;
                        p = reallocarray(out, cap, sizeof(*out));
                        if (!p)
                                return -ENOMEM;
                        out = p;
                }
                out[n] = (HistoryBucket){};
                r = sd_bus_message_read(reply, "t", &out[n].t);
                if (r >= 0)
                        r = history_read_dict(reply, &out[n]);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return parse_failed(r);
                n++;
        }
        if (r < 0)
                return parse_failed(r);
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}

/**
 * history_call_summary() - GetSummary(@since, @until) into @ret.
 * Return: 0 or -errno (said on stderr).
 */
int history_call_summary(sd_bus *bus, uint64_t since, uint64_t until, HistoryBucket *ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = call(bus, "GetSummary", "read the history", &reply, "tt", since, until);
        if (r < 0)
                return r;
        *ret = (HistoryBucket){};
        r = history_read_dict(reply, ret);
        return r < 0 ? parse_failed(r) : 0;
}

/**
 * history_call_events() - GetEvents(@since, @until) into an array.
 * Return: 0 or -errno (said on stderr).
 */
int history_call_events(sd_bus *bus, uint64_t since, uint64_t until, HistoryEventRow **ret,
                        size_t *ret_n)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) HistoryEventRow *out = NULL;
        const char *kind, *severity;
        size_t n = 0, cap = 0;
        uint64_t start;
        double duration, peak;
        int r;

        r = call(bus, "GetEvents", "read the strain events", &reply, "tt", since, until);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sstdd)");
        if (r < 0)
                return parse_failed(r);
        while ((r = sd_bus_message_read(reply, "(sstdd)", &kind, &severity, &start, &duration,
                                        &peak)) > 0) {
                if (n >= cap) {
                        HistoryEventRow *p;

                        cap = cap ? cap * 2 : 32;
                        p = reallocarray(out, cap, sizeof(*out));
                        if (!p)
                                return -ENOMEM;
                        out = p;
                }
                out[n] = (HistoryEventRow){ .start_usec = start,
                                            .duration_s = duration,
                                            .peak_deg = peak };
                snprintf(out[n].kind, sizeof(out[n].kind), "%s", kind);
                snprintf(out[n].severity, sizeof(out[n].severity), "%s", severity);
                n++;
        }
        if (r < 0)
                return parse_failed(r);
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}

/** named_value() - the value of @name among @n values @v; 0 when it is not there. */
double named_value(const NamedValue *v, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].name, name) == 0)
                        return v[i].value;
        return 0;
}
