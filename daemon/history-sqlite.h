/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqlite3.h>

/*
 * libsqlite3 is loaded when a history is first opened, not linked: a daemon
 * that keeps no history (no state directory, no [History] File=) does not
 * map it (0.2 MiB of Rss, 40 KiB of it private relocated data). The history
 * calls the functions below by their usual names; these macros route them
 * through the table that history_sqlite_load() fills.
 */
/* clang-format off */
#define HISTORY_SQLITE_FUNCS(X) \
        X(bind_double) \
        X(bind_int) \
        X(bind_int64) \
        X(bind_text) \
        X(busy_timeout) \
        X(close_v2) \
        X(column_double) \
        X(column_int64) \
        X(column_text) \
        X(errcode) \
        X(exec) \
        X(extended_result_codes) \
        X(finalize) \
        X(open_v2) \
        X(prepare_v2) \
        X(prepare_v3) \
        X(reset) \
        X(step)
/* clang-format on */

typedef struct HistorySqlite {
#define HISTORY_SQLITE_POINTER(f) __typeof__(sqlite3_##f) *f;
        HISTORY_SQLITE_FUNCS(HISTORY_SQLITE_POINTER)
#undef HISTORY_SQLITE_POINTER
} HistorySqlite;

extern HistorySqlite history_sqlite;

/** history_sqlite_load() - load libsqlite3 once. Return: 0, or -ELIBACC. */
int history_sqlite_load(void);

#define sqlite3_bind_double           (history_sqlite.bind_double)
#define sqlite3_bind_int              (history_sqlite.bind_int)
#define sqlite3_bind_int64            (history_sqlite.bind_int64)
#define sqlite3_bind_text             (history_sqlite.bind_text)
#define sqlite3_busy_timeout          (history_sqlite.busy_timeout)
#define sqlite3_close_v2              (history_sqlite.close_v2)
#define sqlite3_column_double         (history_sqlite.column_double)
#define sqlite3_column_int64          (history_sqlite.column_int64)
#define sqlite3_column_text           (history_sqlite.column_text)
#define sqlite3_errcode               (history_sqlite.errcode)
#define sqlite3_exec                  (history_sqlite.exec)
#define sqlite3_extended_result_codes (history_sqlite.extended_result_codes)
#define sqlite3_finalize              (history_sqlite.finalize)
#define sqlite3_open_v2               (history_sqlite.open_v2)
#define sqlite3_prepare_v2            (history_sqlite.prepare_v2)
#define sqlite3_prepare_v3            (history_sqlite.prepare_v3)
#define sqlite3_reset                 (history_sqlite.reset)
#define sqlite3_step                  (history_sqlite.step)
