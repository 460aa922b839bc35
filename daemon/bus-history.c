/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The history's members of org.postured.Recovery1: GetSummary, GetHistory,
 * GetEvents and Forget. Health data: the same access check as every other
 * Recovery1 member (bus.c), after the arguments are checked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "abi/bus-names.h"
#include "bus-history.h"
#include "bus.h"
#include "history.h"
#include "log.h"
#include "manager.h"
#include "util/macro.h"
#include "util/time-util.h"

#define POSTURED_ERROR_NO_HISTORY "org.postured.Error.NoHistory"
#define MAX_BUCKET_US             (UINT64_C(86400) * USEC_PER_SEC)

/* until_usec 0 is "no end"; otherwise it must come after since_usec. */
static int read_range(sd_bus_message *msg, uint64_t *since, uint64_t *until, sd_bus_error *error)
{
        int r;

        r = sd_bus_message_read(msg, "tt", since, until);
        if (r < 0)
                return r;
        if (*until == 0)
                *until = UINT64_MAX;
        if (*until <= *since)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "until_usec %" PRIu64 " is not after since_usec %" PRIu64
                                         " (0 means no end).",
                                         *until, *since);
        if (*since > (uint64_t) INT64_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "since_usec %" PRIu64 " is beyond any time kept.", *since);
        return 0;
}

static int history_error(Manager *m, sd_bus_error *error, int r)
{
        if (!m->history)
                return sd_bus_error_set(error, POSTURED_ERROR_NO_HISTORY,
                                        "No history is kept: postured has no state directory "
                                        "and no [History] File=.");
        if (r == -E2BIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The range holds more than %u results; ask for a "
                                         "shorter range or a larger bucket_usec.",
                                         HISTORY_MAX_ROWS);
        return sd_bus_error_setf(error, POSTURED_ERROR_NO_HISTORY,
                                 "The history cannot be read now (%s); see the daemon's log.",
                                 strerror(-r));
}

static int append_seconds(sd_bus_message *reply, const char *key, const double *v, size_t n,
                          const char *(*name)(size_t i))
{
        int r;

        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "a{sd}");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sd}");
        for (size_t i = 0; i < n && r >= 0; i++)
                r = sd_bus_message_append(reply, "{sd}", name(i), v[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static const char *posture_name(size_t i)
{
        return posture_class_to_string((PostureClass) i) ?: "unknown";
}

static const char *activity_name(size_t i)
{
        return activity_to_string((Activity) i) ?: "unknown";
}

/* The keys of a bucket or a summary (without "events"). */
static int append_minute(sd_bus_message *reply, const HistoryMinute *b)
{
        int r;

        r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}", "duration_s", "d",
                                  b->duration_s, "not_worn_s", "d", b->not_worn_s,
                                  "flexion_mean_deg", "d", b->flexion_mean_deg, "flexion_peak_deg",
                                  "d", b->flexion_peak_deg, "lateral_mean_deg", "d",
                                  b->lateral_mean_deg, "lateral_peak_deg", "d", b->lateral_peak_deg,
                                  "strain_mean", "d", b->strain_mean);
        if (r >= 0)
                r = append_seconds(reply, "posture_s", b->posture_s, _POSTURE_MAX, posture_name);
        if (r >= 0)
                r = append_seconds(reply, "activity_s", b->activity_s, _ACTIVITY_MAX,
                                   activity_name);
        return r;
}

/** bus_history_get_summary() - Recovery1.GetSummary (see dbus/org.postured.Posture1.xml). */
int bus_history_get_summary(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) HistoryMinute *b = NULL;
        _cleanup_(freep) HistoryEventCount *counts = NULL;
        HistoryMinute total = {};
        Manager *m = userdata;
        uint64_t since, until;
        size_t n = 0, nc = 0;
        int r;

        r = read_range(msg, &since, &until, error);
        if (r < 0)
                return r;
        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        if (!m->history)
                return history_error(m, error, -ENOENT);
        /* One bucket as long as the range: its summary. */
        r = history_query_buckets(m->history, since, until, UINT64_MAX, &b, &n);
        if (r >= 0)
                r = history_count_events(m->history, since, until, &counts, &nc);
        if (r < 0)
                return history_error(m, error, r);
        for (size_t i = 0; i < n; i++)
                history_minute_merge(&total, &b[i]);

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = append_minute(reply, &total);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "events");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "a{su}");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{su}");
        /* Every kind the core knows, as analyze prints them; then any other stored one. */
        for (EventKind k = 0; k < _EVENT_KIND_MAX && r >= 0; k++) {
                const char *kind = event_kind_to_string(k) ?: "unknown";
                uint32_t c = 0;

                for (size_t i = 0; i < nc; i++)
                        if (strcmp(counts[i].kind, kind) == 0) {
                                c = counts[i].count;
                                counts[i].kind[0] = '\0';
                        }
                r = sd_bus_message_append(reply, "{su}", kind, c);
        }
        for (size_t i = 0; i < nc && r >= 0; i++)
                if (counts[i].kind[0])
                        r = sd_bus_message_append(reply, "{su}", counts[i].kind,
                                                  (uint32_t) counts[i].count);
        for (int i = 0; i < 4 && r >= 0; i++)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/** bus_history_get_history() - Recovery1.GetHistory (see dbus/org.postured.Posture1.xml). */
int bus_history_get_history(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) HistoryMinute *b = NULL;
        Manager *m = userdata;
        uint64_t since, until, bucket;
        size_t n = 0;
        int r;

        r = read_range(msg, &since, &until, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "t", &bucket);
        if (r < 0)
                return r;
        if (bucket < USEC_PER_MINUTE || bucket > MAX_BUCKET_US || bucket % USEC_PER_MINUTE != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "bucket_usec %" PRIu64 " is not a whole number of "
                                         "minutes from one minute (60000000) to one day.",
                                         bucket);
        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        if (!m->history)
                return history_error(m, error, -ENOENT);
        r = history_query_buckets(m->history, since, until, bucket, &b, &n);
        if (r < 0)
                return history_error(m, error, r);

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ta{sv})");
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = sd_bus_message_open_container(reply, 'r', "ta{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "t",
                                                  (uint64_t) b[i].minute * USEC_PER_MINUTE);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "{sv}");
                if (r >= 0)
                        r = append_minute(reply, &b[i]);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/** bus_history_get_events() - Recovery1.GetEvents (see dbus/org.postured.Posture1.xml). */
int bus_history_get_events(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) HistoryEvent *ev = NULL;
        Manager *m = userdata;
        uint64_t since, until;
        size_t n = 0;
        int r;

        r = read_range(msg, &since, &until, error);
        if (r < 0)
                return r;
        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        if (!m->history)
                return history_error(m, error, -ENOENT);
        r = history_query_events(m->history, since, until, &ev, &n);
        if (r < 0)
                return history_error(m, error, r);

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sstdd)");
        for (size_t i = 0; i < n && r >= 0; i++)
                r = sd_bus_message_append(reply, "(sstdd)", ev[i].kind, ev[i].severity,
                                          ev[i].start_us, ev[i].duration_s, ev[i].peak_deg);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/** bus_history_forget() - Recovery1.Forget (see dbus/org.postured.Posture1.xml). */
int bus_history_forget(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        uint64_t before;
        int r;

        r = sd_bus_message_read(msg, "t", &before);
        if (r < 0)
                return r;
        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        if (!m->history)
                return history_error(m, error, -ENOENT);
        r = history_forget(m->history, before);
        if (r < 0)
                return sd_bus_error_setf(error, POSTURED_ERROR_NOT_SAVED,
                                         "The history cannot be deleted now (%s); nothing was "
                                         "deleted.",
                                         strerror(-r));
        log_info("History forgotten %s.", before == 0 ? "entirely" : "up to a given time");
        return sd_bus_reply_method_return(msg, NULL);
}
