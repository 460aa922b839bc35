/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "libsystemd-dl.h"

/*
 * The history as Recovery1 returns it (GetSummary, GetHistory, GetEvents),
 * read into plain structs for the verbs that print, export and draw it.
 */

#define HISTORY_NAMES_MAX 32

typedef struct NamedValue {
        char name[48];
        double value;
} NamedValue;

/* A bucket of GetHistory, or the summary of GetSummary (t = 0). */
typedef struct HistoryBucket {
        uint64_t t;
        double duration_s, not_worn_s;
        double flexion_mean_deg, flexion_peak_deg;
        double lateral_mean_deg, lateral_peak_deg;
        double strain_mean;
        NamedValue posture[HISTORY_NAMES_MAX];
        size_t n_posture;
        NamedValue activity[HISTORY_NAMES_MAX];
        size_t n_activity;
        NamedValue events[HISTORY_NAMES_MAX];
        size_t n_events;
} HistoryBucket;

typedef struct HistoryEventRow {
        char kind[48];
        char severity[16];
        uint64_t start_usec;
        double duration_s, peak_deg;
} HistoryEventRow;

/** history_read_dict() - an a{sv} of GetSummary or of a bucket into @b. Return: 0 or -errno. */
int history_read_dict(sd_bus_message *m, HistoryBucket *b);

/** history_call_buckets() - GetHistory. Return: 0 or -errno (said on stderr). */
int history_call_buckets(sd_bus *bus, uint64_t since, uint64_t until, uint64_t bucket,
                         HistoryBucket **ret, size_t *ret_n);

/** history_call_summary() - GetSummary. Return: 0 or -errno (said on stderr). */
int history_call_summary(sd_bus *bus, uint64_t since, uint64_t until, HistoryBucket *ret);

/** history_call_events() - GetEvents. Return: 0 or -errno (said on stderr). */
int history_call_events(sd_bus *bus, uint64_t since, uint64_t until, HistoryEventRow **ret,
                        size_t *ret_n);

/** named_value() - the value of @name among @v, 0 when absent. */
double named_value(const NamedValue *v, size_t n, const char *name);
