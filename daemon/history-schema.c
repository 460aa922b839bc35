/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The history store's schema: its version in user_version, a migration for
 * each version from the first, the columns of the postures and activities
 * the core knows, and the statements that write minutes and keep the hours.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history-internal.h"
#include "log.h"
#include "util/macro.h"

#define SCHEMA_VERSION 2

/* migrations[v] takes a database of version v to v + 1. */
static const char *const migrations[SCHEMA_VERSION] = {
        "CREATE TABLE minutes (minute INTEGER PRIMARY KEY, duration_s REAL NOT NULL,"
        " not_worn_s REAL NOT NULL DEFAULT 0,"
        " flexion_mean REAL NOT NULL DEFAULT 0, flexion_peak REAL NOT NULL DEFAULT 0,"
        " lateral_mean REAL NOT NULL DEFAULT 0, lateral_peak REAL NOT NULL DEFAULT 0,"
        " strain_mean REAL NOT NULL DEFAULT 0);"
        "CREATE TABLE events (id INTEGER PRIMARY KEY, start_us INTEGER NOT NULL,"
        " kind TEXT NOT NULL, severity TEXT NOT NULL, duration_s REAL NOT NULL,"
        " peak_deg REAL NOT NULL);"
        "CREATE INDEX events_start ON events (start_us);"
        "CREATE TABLE pain (id INTEGER PRIMARY KEY, t_us INTEGER NOT NULL,"
        " level INTEGER NOT NULL, context TEXT NOT NULL);"
        "CREATE TABLE phases (id INTEGER PRIMARY KEY, t_us INTEGER NOT NULL,"
        " phase TEXT NOT NULL, onset_us INTEGER NOT NULL);",
        /* 2: the minutes summed by the hour, so that a year answers at once. */
        "CREATE TABLE hours (hour INTEGER PRIMARY KEY, duration_s REAL NOT NULL,"
        " not_worn_s REAL NOT NULL DEFAULT 0,"
        " flexion_mean REAL NOT NULL DEFAULT 0, flexion_peak REAL NOT NULL DEFAULT 0,"
        " lateral_mean REAL NOT NULL DEFAULT 0, lateral_peak REAL NOT NULL DEFAULT 0,"
        " strain_mean REAL NOT NULL DEFAULT 0);",
};

/** history_sqlite_errno() - a SQLite result code as -errno (0 for OK, ROW, DONE). */
int history_sqlite_errno(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CANTOPEN:
        case SQLITE_AUTH:
                return -EACCES;
        default:
                return -EIO;
        }
}

/** history_exec() - run @sql. Return: 0 or -errno. */
int history_exec(History *h, const char *sql)
{
        return history_sqlite_errno(sqlite3_exec(h->db, sql, NULL, NULL, NULL));
}

/** history_query_int() - the first column of the first row of @sql. Return: 0 or -errno. */
int history_query_int(History *h, const char *sql, int64_t *ret)
{
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW)
                        *ret = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        return history_sqlite_errno(rc);
}

/* "posture_extreme_flexion" for ("posture", "extreme-flexion"). */
static void column_name(char *buf, size_t size, const char *prefix, const char *name)
{
        snprintf(buf, size, "%s_%s", prefix, name);
        for (char *c = buf; *c; c++)
                if (*c == '-')
                        *c = '_';
}

static const char *posture_name(size_t i)
{
        return posture_class_to_string((PostureClass) i) ?: "unknown";
}

static const char *activity_name(size_t i)
{
        return activity_to_string((Activity) i) ?: "unknown";
}

/* Add the column of each posture and activity the core knows and @table lacks. */
static int add_name_columns(History *h, const char *table)
{
        char col[96], sql[192];
        sqlite3_stmt *st = NULL;
        int64_t have;
        int r;

        for (size_t k = 0; k < _POSTURE_MAX + _ACTIVITY_MAX; k++) {
                if (k < _POSTURE_MAX)
                        column_name(col, sizeof(col), "posture", posture_name(k));
                else
                        column_name(col, sizeof(col), "activity", activity_name(k - _POSTURE_MAX));
                have = 0;
                if (sqlite3_prepare_v2(h->db,
                                       "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?",
                                       -1, &st, NULL) != SQLITE_OK)
                        return history_sqlite_errno(sqlite3_errcode(h->db));
                sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW)
                        have = sqlite3_column_int64(st, 0);
                sqlite3_finalize(st);
                if (have)
                        continue;
                snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s REAL NOT NULL DEFAULT 0",
                         table, col);
                r = history_exec(h, sql);
                if (r < 0)
                        return r;
        }
        return 0;
}

/**
 * history_name_columns() - ", posture_upright, ...", or with @total
 * ", total(posture_upright), ...": the columns of the postures and
 * activities, in the order of the core's enums.
 *
 * Return: a new string, or NULL without memory.
 */
char *history_name_columns(bool total)
{
        char *buf = NULL, col[96];
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (size_t k = 0; k < _POSTURE_MAX + _ACTIVITY_MAX; k++) {
                if (k < _POSTURE_MAX)
                        column_name(col, sizeof(col), "posture", posture_name(k));
                else
                        column_name(col, sizeof(col), "activity", activity_name(k - _POSTURE_MAX));
                fprintf(f, total ? ", total(%s)" : ", %s", col);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* The statements that sum the minutes of [?1, ?2) into their hours. */
static int prepare_rebuild(History *h)
{
        _cleanup_(freep) char *cols = history_name_columns(false),
                              *totals = history_name_columns(true);
        _cleanup_(freep) char *sql = NULL;
        int rc;

        if (!cols || !totals)
                return -ENOMEM;
#define MEAN(c)                                         \
        "CASE WHEN total(duration_s) > 0 THEN total(" c \
        " * duration_s) / total(duration_s) ELSE 0 END"
        if (asprintf(
                    &sql,
                    "INSERT INTO hours (hour, duration_s, not_worn_s, flexion_mean, flexion_peak, "
                    "lateral_mean, lateral_peak, strain_mean%s) SELECT minute / 60, "
                    "total(duration_s), total(not_worn_s), " MEAN(
                            "flexion_mean") ", max(flexion_peak), " MEAN("lateral_mean") ", "
                                                                                         "max("
                                                                                         "lateral_"
                                                                                         "peak),"
                                                                                         " " MEAN(
                                                                                                 "s"
                                                                                                 "t"
                                                                                                 "r"
                                                                                                 "a"
                                                                                                 "i"
                                                                                                 "n"
                                                                                                 "_"
                                                                                                 "m"
                                                                                                 "e"
                                                                                                 "a"
                                                                                                 "n") "%s FROM minutes WHERE minute >= ?1 * 60 AND "
                                                                                                      "minute < ?2 * 60 GROUP BY minute / 60",
                    cols, totals) < 0)
                return -ENOMEM;
#undef MEAN
        rc = sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &h->rebuild, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v3(h->db, "DELETE FROM hours WHERE hour >= ?1 AND hour < ?2",
                                        -1, SQLITE_PREPARE_PERSISTENT, &h->unbuild, NULL);
        return history_sqlite_errno(rc);
}

/** history_rebuild_hours() - sum the hours [@lo, @hi) afresh from their minutes (in a transaction).
 * Return: 0 or -errno. */
int history_rebuild_hours(History *h, int64_t lo, int64_t hi)
{
        sqlite3_stmt *st[] = { h->unbuild, h->rebuild };
        int rc = SQLITE_OK;

        for (size_t i = 0; i < ELEMENTSOF(st) && rc == SQLITE_OK; i++) {
                sqlite3_bind_int64(st[i], 1, lo);
                sqlite3_bind_int64(st[i], 2, hi);
                rc = sqlite3_step(st[i]);
                rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
                sqlite3_reset(st[i]);
        }
        return history_sqlite_errno(rc);
}

/**
 * history_migrate() - bring the schema from its user_version to SCHEMA_VERSION,
 * give the tables a column for each posture and activity the core knows,
 * prepare the statements that keep the hours.
 *
 * Return: 0, -EPROTO for a schema newer than this postured, or -errno.
 */
int history_migrate(History *h)
{
        char sql[64];
        int64_t version = 0;
        int r;

        r = history_query_int(h, "PRAGMA user_version", &version);
        if (r < 0)
                return r;
        if (version > SCHEMA_VERSION) {
                log_error("%s: schema version %" PRId64 " is newer than this postured knows (%d); "
                          "the history is not written.",
                          h->path, version, SCHEMA_VERSION);
                return -EPROTO;
        }
        r = history_exec(h, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        for (int64_t v = version; v < SCHEMA_VERSION && r >= 0; v++)
                r = history_exec(h, migrations[v]);
        if (r >= 0)
                r = add_name_columns(h, "minutes");
        if (r >= 0)
                r = add_name_columns(h, "hours");
        if (r >= 0)
                r = prepare_rebuild(h);
        /* A store from before the hours: sum them from all its minutes. */
        if (r >= 0 && version > 0 && version < 2)
                r = history_rebuild_hours(h, 0, INT64_MAX / 120);
        if (r >= 0) {
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
                r = history_exec(h, sql);
        }
        if (r >= 0)
                r = history_exec(h, "COMMIT");
        if (r < 0)
                (void) history_exec(h, "ROLLBACK");
        return r;
}

/** history_prepare_upsert() - the statement that adds a minute to one of the same number. Return: 0
 * or -errno. */
int history_prepare_upsert(History *h)
{
        char *sql = NULL, *cols = NULL, *vals = NULL, *sets = NULL;
        size_t ns = 0, nc = 0, nv = 0;
        FILE *fs, *fc, *fv;
        char col[96];
        int rc;

        fs = open_memstream(&sets, &ns);
        fc = open_memstream(&cols, &nc);
        fv = open_memstream(&vals, &nv);
        if (!fs || !fc || !fv) {
                if (fs)
                        fclose(fs);
                if (fc)
                        fclose(fc);
                if (fv)
                        fclose(fv);
                free(sets);
                free(cols);
                free(vals);
                return -ENOMEM;
        }
        for (size_t k = 0; k < _POSTURE_MAX + _ACTIVITY_MAX; k++) {
                if (k < _POSTURE_MAX)
                        column_name(col, sizeof(col), "posture", posture_name(k));
                else
                        column_name(col, sizeof(col), "activity", activity_name(k - _POSTURE_MAX));
                fprintf(fc, ", %s", col);
                fputs(", ?", fv);
                fprintf(fs, ", %s = %s + excluded.%s", col, col, col);
        }
        fclose(fs);
        fclose(fc);
        fclose(fv);
#define WEIGHTED(c)                                                                          \
        c " = CASE WHEN duration_s + excluded.duration_s > 0 THEN (" c " * duration_s + "    \
          "excluded." c " * excluded.duration_s) / (duration_s + excluded.duration_s) ELSE " \
          "0 END"
        if (asprintf(
                    &sql,
                    "INSERT INTO minutes (minute, duration_s, not_worn_s, flexion_mean, "
                    "flexion_peak, lateral_mean, lateral_peak, strain_mean%s) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?%s) ON CONFLICT (minute) DO UPDATE SET "
                    "duration_s = duration_s + excluded.duration_s, "
                    "not_worn_s = not_worn_s + excluded.not_worn_s, " WEIGHTED(
                            "flexion_mean") ", " WEIGHTED("lateral_mean") ", " WEIGHTED("strain_"
                                                                                        "mean") ", "
                                                                                                "fl"
                                                                                                "ex"
                                                                                                "io"
                                                                                                "n_"
                                                                                                "pe"
                                                                                                "ak"
                                                                                                " ="
                                                                                                " m"
                                                                                                "ax"
                                                                                                "(f"
                                                                                                "le"
                                                                                                "xi"
                                                                                                "on"
                                                                                                "_p"
                                                                                                "ea"
                                                                                                "k,"
                                                                                                " e"
                                                                                                "xc"
                                                                                                "lu"
                                                                                                "de"
                                                                                                "d."
                                                                                                "fl"
                                                                                                "ex"
                                                                                                "io"
                                                                                                "n_"
                                                                                                "pe"
                                                                                                "ak"
                                                                                                "),"
                                                                                                " "
                                                                                                "la"
                                                                                                "te"
                                                                                                "ra"
                                                                                                "l_"
                                                                                                "pe"
                                                                                                "ak"
                                                                                                " ="
                                                                                                " m"
                                                                                                "ax"
                                                                                                "(l"
                                                                                                "at"
                                                                                                "er"
                                                                                                "al"
                                                                                                "_p"
                                                                                                "ea"
                                                                                                "k,"
                                                                                                " e"
                                                                                                "xc"
                                                                                                "lu"
                                                                                                "de"
                                                                                                "d."
                                                                                                "la"
                                                                                                "te"
                                                                                                "ra"
                                                                                                "l_"
                                                                                                "pe"
                                                                                                "ak"
                                                                                                ")%"
                                                                                                "s",
                    cols, vals, sets) < 0)
                sql = NULL;
#undef WEIGHTED
        free(sets);
        free(cols);
        free(vals);
        if (!sql)
                return -ENOMEM;
        rc = sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &h->upsert, NULL);
        free(sql);
        return history_sqlite_errno(rc);
}
