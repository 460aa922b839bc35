/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The history store's maintenance: retention ([History] KeepDays=), the size
 * bound (MaxSizeMB=), and Forget(), which deletes and then checkpoints so
 * that what is forgotten leaves the files too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>

#include "history-internal.h"
#include "history.h"
#include "log.h"
#include "util/macro.h"
#include "util/time-util.h"

static int delete_before(History *h, uint64_t before_us)
{
        sqlite3_stmt *st = NULL;
        static const char *const sql[] = {
                "DELETE FROM minutes WHERE minute < ?1 / 60000000",
                "DELETE FROM hours WHERE hour < ?1 / 3600000000",
                "DELETE FROM events WHERE start_us < ?1",
                "DELETE FROM pain WHERE t_us < ?1",
                "DELETE FROM phases WHERE t_us < ?1",
        };
        int rc = SQLITE_OK;

        for (size_t i = 0; i < ELEMENTSOF(sql) && rc == SQLITE_OK; i++) {
                rc = sqlite3_prepare_v2(h->db, sql[i], -1, &st, NULL);
                if (rc != SQLITE_OK)
                        break;
                sqlite3_bind_int64(st, 1, (int64_t) MIN(before_us, (uint64_t) INT64_MAX));
                rc = sqlite3_step(st);
                rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
                sqlite3_finalize(st);
        }
        if (rc != SQLITE_OK)
                return history_sqlite_errno(rc);
        /* The hour that holds @before_us keeps only the minutes after it. */
        before_us = MIN(before_us, (uint64_t) INT64_MAX);
        return history_rebuild_hours(
                h, (int64_t) (before_us / (USEC_PER_MINUTE * MINUTES_PER_HOUR)),
                (int64_t) (before_us / (USEC_PER_MINUTE * MINUTES_PER_HOUR)) + 1);
}

static int used_bytes(History *h, uint64_t *ret)
{
        int64_t pages = 0, free_pages = 0, size = 0;
        int r;

        r = history_query_int(h, "PRAGMA page_count", &pages);
        if (r >= 0)
                r = history_query_int(h, "PRAGMA freelist_count", &free_pages);
        if (r >= 0)
                r = history_query_int(h, "PRAGMA page_size", &size);
        *ret = (uint64_t) MAX(pages - free_pages, 0) * (uint64_t) size;
        return r;
}

/**
 * history_maintain() - delete what is older than KeepDays, then the oldest
 * days while the database holds more than MaxSizeMB, and give the pages back.
 * @h: the store.
 * @now_us: the realtime now.
 *
 * Return: 0 or -errno.
 */
int history_maintain(History *h, uint64_t now_us)
{
        uint64_t keep = (uint64_t) h->p.keep_days * 86400 * USEC_PER_SEC, used = 0;
        int64_t oldest = 0, newest = 0;
        int r;

        if (!h->db)
                return -EIO;
        r = history_exec(h, "BEGIN IMMEDIATE");
        if (r >= 0 && now_us > keep)
                r = delete_before(h, now_us - keep);
        for (int i = 0; r >= 0 && h->p.max_bytes > 0 && i < 64; i++) {
                r = used_bytes(h, &used);
                if (r < 0 || used <= h->p.max_bytes)
                        break;
                r = history_query_int(h, "SELECT min(minute) FROM minutes", &oldest);
                if (r >= 0)
                        r = history_query_int(h, "SELECT max(minute) FROM minutes", &newest);
                if (r < 0 || newest <= oldest)
                        break;
                /* A tenth of the span, at least a day, goes at a time. */
                r = delete_before(h, (uint64_t) (oldest + MAX((newest - oldest) / 10, 1440) + 1) *
                                             USEC_PER_MINUTE);
                if (r >= 0)
                        log_notice("History database %s is larger than [History] MaxSizeMB=%" PRIu64
                                   ": the oldest days are deleted.",
                                   h->path, h->p.max_bytes / (1024 * 1024));
        }
        if (r >= 0)
                r = history_exec(h, "COMMIT");
        if (r < 0) {
                (void) history_exec(h, "ROLLBACK");
                return r;
        }
        return history_exec(h, "PRAGMA incremental_vacuum");
}

/**
 * history_forget() - delete the history before @before_us, everything with
 * 0 (what waits in memory too), and checkpoint the log so that it is gone
 * from the files as well (secure_delete overwrites the pages).
 * @h: the store.
 * @before_us: µs since the epoch, or 0.
 *
 * Return: 0 or -errno.
 */
int history_forget(History *h, uint64_t before_us)
{
        uint64_t before = before_us == 0 ? UINT64_MAX : before_us;
        int r;

        if (before_us == 0) {
                h->acc = (MinuteAccumulator){};
                history_clear_pending(h);
        }
        r = history_sync(h);
        if (r < 0)
                return r;
        r = history_open_db(h);
        if (r < 0)
                return r;
        r = history_exec(h, "BEGIN IMMEDIATE");
        if (r >= 0)
                r = delete_before(h, before);
        if (r >= 0)
                r = history_exec(h, "COMMIT");
        if (r < 0) {
                (void) history_exec(h, "ROLLBACK");
                return r;
        }
        (void) history_exec(h, "PRAGMA incremental_vacuum");
        (void) history_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)");
        return 0;
}
