/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "core/detect/detect.h"
#include "core/history-minute.h"

/*
 * The history store (DESIGN.md "History store"): every minute, every strain
 * event, pain report and phase change in SQLite. Minutes and events wait in
 * memory and are written in one transaction a minute (and at a stop, and
 * before a query); a busy or failing database is logged once and retried, a
 * corrupt one moved aside. Nothing here is fatal to the daemon.
 */

typedef struct History History;

/**
 * struct HistoryParams - where and how long.
 * @path: the database file.
 * @keep_days: minutes and events older than this are deleted.
 * @max_bytes: beyond this the oldest days are deleted.
 * @commit_interval_us: how often pending rows are written (60 s; tests less).
 */
typedef struct HistoryParams {
        const char *path;
        unsigned keep_days;
        uint64_t max_bytes;
        uint64_t commit_interval_us;
} HistoryParams;

/** struct HistoryEvent - a stored strain event. */
typedef struct HistoryEvent {
        char kind[48];
        char severity[16];
        uint64_t start_us;
        double duration_s;
        double peak_deg;
} HistoryEvent;

/** struct HistoryEventCount - events of one kind in a range. */
typedef struct HistoryEventCount {
        char kind[48];
        unsigned count;
} HistoryEventCount;

/* Most buckets or events one query returns. */
#define HISTORY_MAX_ROWS 100000u

/** history_new() - open (or create) the store; @event may be NULL (no timer). Return: 0 or -ENOMEM.
 */
int history_new(History **ret, sd_event *event, const HistoryParams *p);
History *history_free(History *h);

static inline void history_freep(History **h)
{
        history_free(*h);
}

/** history_is_open() - whether the database is open now. */
bool history_is_open(const History *h);

void history_add_sample(History *h, uint64_t t_us, const PostureSample *s, double dt_s,
                        double strain);
void history_add_event(History *h, uint64_t start_us, const StrainEvent *e);
void history_add_pain(History *h, uint64_t t_us, unsigned level, const char *context);
void history_add_phase(History *h, uint64_t t_us, const char *phase, uint64_t onset_us);

/** history_sync() - the open minute and everything pending into the database. Return: 0 or -errno.
 */
int history_sync(History *h);

/** history_maintain() - retention and the size bound. Return: 0 or -errno. */
int history_maintain(History *h, uint64_t now_us);

int history_query_buckets(History *h, uint64_t since_us, uint64_t until_us, uint64_t bucket_us,
                          HistoryMinute **ret, size_t *ret_n);
int history_query_events(History *h, uint64_t since_us, uint64_t until_us, HistoryEvent **ret,
                         size_t *ret_n);
int history_count_events(History *h, uint64_t since_us, uint64_t until_us, HistoryEventCount **ret,
                         size_t *ret_n);

/** history_forget() - delete everything before @before_us (0: everything). Return: 0 or -errno. */
int history_forget(History *h, uint64_t before_us);
