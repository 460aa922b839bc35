/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the history store (history.h): buckets of minutes, events, event
 * counts. Whole hours are read from the hours table (a year is 8784 rows,
 * not 527040), the minutes only at the edges of a range.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history-internal.h"
#include "history.h"
#include "util/macro.h"
#include "util/time-util.h"

#define USEC_PER_HOUR (USEC_PER_MINUTE * MINUTES_PER_HOUR)

typedef struct Buckets {
        HistoryMinute *b;
        size_t n, cap;
} Buckets;

static int64_t div_ceil(uint64_t x, uint64_t d)
{
        return (int64_t) (x / d + (x % d ? 1 : 0));
}

/* Add one row of a query to @out: the same bucket as the last is merged into it. */
static int add_row(Buckets *out, const HistoryMinute *m)
{
        if (out->n > 0 && out->b[out->n - 1].minute == m->minute) {
                history_minute_merge(&out->b[out->n - 1], m);
                return 0;
        }
        if (out->n >= HISTORY_MAX_ROWS)
                return -E2BIG;
        if (out->n >= out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 64;
                HistoryMinute *p = reallocarray(out->b, cap, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                out->b = p;
                out->cap = cap;
        }
        out->b[out->n++] = *m;
        return 0;
}

/*
 * The rows of @table (minutes or hours, of @unit_us each) with keys in
 * [@lo, @hi), summed by bucket (counted from @since_us), into @out.
 */
static int query_table(sqlite3 *db, const char *table, const char *key, uint64_t unit_us,
                       uint64_t since_us, uint64_t bucket_us, int64_t lo, int64_t hi, Buckets *out)
{
        _cleanup_(freep) char *sql = NULL, *cols = history_name_columns(true);
        sqlite3_stmt *st = NULL;
        int rc, r = 0;

        if (lo >= hi)
                return 0;
        if (!cols)
                return -ENOMEM;
        if (asprintf(&sql,
                     "SELECT (%s * ?2 - ?1) / ?3 AS b, total(duration_s), total(not_worn_s), "
                     "total(flexion_mean * duration_s), max(flexion_peak), "
                     "total(lateral_mean * duration_s), max(lateral_peak), "
                     "total(strain_mean * duration_s)%s FROM %s WHERE %s >= ?4 AND %s < ?5 "
                     "GROUP BY b ORDER BY b",
                     key, cols, table, key, key) < 0)
                return -ENOMEM;
        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return history_sqlite_errno(rc);
        sqlite3_bind_int64(st, 1, (int64_t) since_us);
        sqlite3_bind_int64(st, 2, (int64_t) unit_us);
        sqlite3_bind_int64(st, 3, (int64_t) bucket_us);
        sqlite3_bind_int64(st, 4, lo);
        sqlite3_bind_int64(st, 5, hi);
        while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                HistoryMinute m = {};
                int i = 1;

                m.minute =
                        (int64_t) ((since_us + (uint64_t) sqlite3_column_int64(st, 0) * bucket_us) /
                                   USEC_PER_MINUTE);
                m.duration_s = sqlite3_column_double(st, i++);
                m.not_worn_s = sqlite3_column_double(st, i++);
                m.flexion_mean_deg = sqlite3_column_double(st, i++);
                m.flexion_peak_deg = sqlite3_column_double(st, i++);
                m.lateral_mean_deg = sqlite3_column_double(st, i++);
                m.lateral_peak_deg = sqlite3_column_double(st, i++);
                m.strain_mean = sqlite3_column_double(st, i++);
                if (m.duration_s > 0) {
                        m.flexion_mean_deg /= m.duration_s;
                        m.lateral_mean_deg /= m.duration_s;
                        m.strain_mean /= m.duration_s;
                }
                for (size_t k = 0; k < _POSTURE_MAX; k++)
                        m.posture_s[k] = sqlite3_column_double(st, i++);
                for (size_t k = 0; k < _ACTIVITY_MAX; k++)
                        m.activity_s[k] = sqlite3_column_double(st, i++);
                r = add_row(out, &m);
        }
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        return rc == SQLITE_DONE ? 0 : history_sqlite_errno(rc);
}

/**
 * history_query_buckets() - the minutes of [@since_us, @until_us) summed in
 * buckets of @bucket_us counted from @since_us; empty buckets are left out.
 * A minute belongs to the range when it starts in it. One bucket at least
 * as long as the range is the range's summary.
 * @h: the store.
 * @since_us, @until_us: the range, µs since the epoch.
 * @bucket_us: a whole number of minutes.
 * @ret: the buckets, minute = the bucket's first minute; free() it.
 * @ret_n: how many.
 *
 * Return: 0, -E2BIG for more than HISTORY_MAX_ROWS buckets, or -errno.
 */
int history_query_buckets(History *h, uint64_t since_us, uint64_t until_us, uint64_t bucket_us,
                          HistoryMinute **ret, size_t *ret_n)
{
        _cleanup_(freep) HistoryMinute *b = NULL;
        Buckets out = {};
        int64_t lo, hi, hlo, hhi;
        bool one_bucket;
        sqlite3 *db;
        int r;

        assert(bucket_us >= USEC_PER_MINUTE);
        r = history_ready_for_query(h, &db);
        if (r < 0)
                return r;
        until_us = MIN(until_us, (uint64_t) INT64_MAX / 2);
        bucket_us = MIN(bucket_us, (uint64_t) INT64_MAX / 2);
        lo = div_ceil(since_us, USEC_PER_MINUTE);
        hi = div_ceil(until_us, USEC_PER_MINUTE);
        one_bucket = until_us <= since_us || bucket_us >= until_us - since_us;

        /* Whole hours from the hours table when no hour can straddle two buckets. */
        hlo = (lo + MINUTES_PER_HOUR - 1) / MINUTES_PER_HOUR;
        hhi = hi / MINUTES_PER_HOUR;
        if (!(one_bucket || (bucket_us % USEC_PER_HOUR == 0 && since_us % USEC_PER_HOUR == 0)) ||
            hlo >= hhi)
                hlo = hhi = lo / MINUTES_PER_HOUR;
        r = query_table(db, "minutes", "minute", USEC_PER_MINUTE, since_us, bucket_us, lo,
                        hlo == hhi ? hi : hlo * MINUTES_PER_HOUR, &out);
        if (r >= 0)
                r = query_table(db, "hours", "hour", USEC_PER_HOUR, since_us, bucket_us, hlo, hhi,
                                &out);
        if (r >= 0 && hlo < hhi)
                r = query_table(db, "minutes", "minute", USEC_PER_MINUTE, since_us, bucket_us,
                                hhi * MINUTES_PER_HOUR, hi, &out);
        b = out.b;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        *ret_n = out.n;
        return 0;
}

/**
 * history_query_events() - the strain events that began in [@since_us,
 * @until_us), oldest first.
 *
 * Return: 0, -E2BIG for more than HISTORY_MAX_ROWS, or -errno.
 */
int history_query_events(History *h, uint64_t since_us, uint64_t until_us, HistoryEvent **ret,
                         size_t *ret_n)
{
        _cleanup_(freep) HistoryEvent *out = NULL;
        size_t n = 0, cap = 0;
        sqlite3_stmt *st = NULL;
        sqlite3 *db;
        int rc, r;

        r = history_ready_for_query(h, &db);
        if (r < 0)
                return r;
        rc = sqlite3_prepare_v2(db,
                                "SELECT kind, severity, start_us, duration_s, peak_deg FROM events "
                                "WHERE start_us >= ? AND start_us < ? ORDER BY start_us, id",
                                -1, &st, NULL);
        if (rc != SQLITE_OK)
                return history_sqlite_errno(rc);
        sqlite3_bind_int64(st, 1, (int64_t) MIN(since_us, (uint64_t) INT64_MAX));
        sqlite3_bind_int64(st, 2, (int64_t) MIN(until_us, (uint64_t) INT64_MAX));
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                HistoryEvent *e;

                if (n >= HISTORY_MAX_ROWS) {
                        sqlite3_finalize(st);
                        return -E2BIG;
                }
                if (n >= cap) {
                        cap = cap ? cap * 2 : 64;
                        e = reallocarray(out, cap, sizeof(*out));
                        if (!e) {
                                sqlite3_finalize(st);
                                return -ENOMEM;
                        }
                        out = e;
                }
                e = &out[n++];
                snprintf(e->kind, sizeof(e->kind), "%s",
                         (const char *) sqlite3_column_text(st, 0) ?: "");
                snprintf(e->severity, sizeof(e->severity), "%s",
                         (const char *) sqlite3_column_text(st, 1) ?: "");
                e->start_us = (uint64_t) sqlite3_column_int64(st, 2);
                e->duration_s = sqlite3_column_double(st, 3);
                e->peak_deg = sqlite3_column_double(st, 4);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
                return history_sqlite_errno(rc);
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}

/**
 * history_count_events() - how many events of each kind began in
 * [@since_us, @until_us), by kind (at most 256 kinds).
 *
 * Return: 0 or -errno.
 */
int history_count_events(History *h, uint64_t since_us, uint64_t until_us, HistoryEventCount **ret,
                         size_t *ret_n)
{
        _cleanup_(freep) HistoryEventCount *out = NULL;
        size_t n = 0;
        sqlite3_stmt *st = NULL;
        sqlite3 *db;
        int rc, r;

        r = history_ready_for_query(h, &db);
        if (r < 0)
                return r;
        rc = sqlite3_prepare_v2(db,
                                "SELECT kind, COUNT(*) FROM events WHERE start_us >= ? AND "
                                "start_us < ? GROUP BY kind ORDER BY kind LIMIT 256",
                                -1, &st, NULL);
        if (rc != SQLITE_OK)
                return history_sqlite_errno(rc);
        out = calloc(256, sizeof(*out));
        if (!out) {
                sqlite3_finalize(st);
                return -ENOMEM;
        }
        sqlite3_bind_int64(st, 1, (int64_t) MIN(since_us, (uint64_t) INT64_MAX));
        sqlite3_bind_int64(st, 2, (int64_t) MIN(until_us, (uint64_t) INT64_MAX));
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 256) {
                snprintf(out[n].kind, sizeof(out[n].kind), "%s",
                         (const char *) sqlite3_column_text(st, 0) ?: "");
                out[n++].count = (unsigned) sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                return history_sqlite_errno(rc);
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}
