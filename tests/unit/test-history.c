/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history store (daemon/history.c) on real SQLite files in a temporary directory. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "history.h"
#include "log.h"
#include "test-util.h"
#include "util/time-util.h"

#define DAY_US (UINT64_C(86400) * USEC_PER_SEC)

static char dir[64];
static char path[128];

static int setup(void **state)
{
        snprintf(dir, sizeof(dir), "/tmp/test-history-XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/history.db", dir);
        log_set_max_level(LOG_CRIT); /* the tests provoke the warnings on purpose */
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        return 0;
}

static History *open_store(unsigned keep_days)
{
        History *h = NULL;

        assert_int_equal(history_new(&h, NULL,
                                     &(HistoryParams){ .path = path,
                                                       .keep_days = keep_days,
                                                       .max_bytes = 64 * 1024 * 1024 }),
                         0);
        return h;
}

/* @minutes minutes from @start_us: 40 s upright, 20 s flexed at 30°, a sample a second. */
static void feed(History *h, uint64_t start_us, unsigned minutes)
{
        PostureSample up = { .posture = POSTURE_UPRIGHT, .activity = ACTIVITY_STILL };
        PostureSample bent = { .posture = POSTURE_FLEXED,
                               .activity = ACTIVITY_STILL,
                               .flexion_deg = 30 };

        for (unsigned i = 0; i < minutes * 60; i++)
                history_add_sample(h, start_us + i * USEC_PER_SEC, i % 60 < 40 ? &up : &bent, 1,
                                   0.5);
}

static void test_minutes_round_trip(void **state)
{
        _cleanup_(history_freep) History *h = open_store(365);
        _cleanup_(freep) HistoryMinute *b = NULL;
        uint64_t start = now_us(CLOCK_REALTIME) / USEC_PER_MINUTE * USEC_PER_MINUTE - DAY_US;
        struct stat st;
        size_t n = 0;

        assert_true(history_is_open(h));
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        feed(h, start, 90);
        /* Hour buckets: the first 60 minutes, then 30 (the last one still open: synced). */
        assert_int_equal(
                history_query_buckets(h, start, start + DAY_US, 3600 * USEC_PER_SEC, &b, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(b[0].minute, (int64_t) (start / USEC_PER_MINUTE));
        assert_near(b[0].duration_s, 3600, 1e-6);
        assert_near(b[0].posture_s[POSTURE_UPRIGHT], 2400, 1e-6);
        assert_near(b[0].posture_s[POSTURE_FLEXED], 1200, 1e-6);
        assert_near(b[0].flexion_mean_deg, 10, 1e-6);
        assert_near(b[0].flexion_peak_deg, 30, 1e-6);
        assert_near(b[0].strain_mean, 0.5, 1e-6);
        assert_near(b[1].duration_s, 1800, 1e-6);
        free(TAKE_PTR(b));

        /* A restart in the same minute adds to it instead of replacing it. */
        h = history_free(h);
        h = open_store(365);
        feed(h, start + 90 * USEC_PER_MINUTE, 1);
        assert_int_equal(history_query_buckets(h, start, start + DAY_US, DAY_US, &b, &n), 0);
        assert_int_equal(n, 1);
        assert_near(b[0].duration_s, 91 * 60, 1e-6);
        free(TAKE_PTR(b));
        /* From an hour's edge, the whole hours come from the hours table: the same sums. */
        assert_int_equal(history_query_buckets(h, 0, UINT64_MAX, UINT64_MAX, &b, &n), 0);
        assert_int_equal(n, 1);
        assert_near(b[0].duration_s, 91 * 60, 1e-6);
        assert_near(b[0].posture_s[POSTURE_FLEXED], 91 * 20, 1e-6);
        assert_near(b[0].flexion_mean_deg, 10, 1e-6);
        assert_near(b[0].flexion_peak_deg, 30, 1e-6);
        free(TAKE_PTR(b));
        assert_int_equal(history_query_buckets(h,
                                               start / (3600 * USEC_PER_SEC) * 3600 * USEC_PER_SEC,
                                               UINT64_MAX, 3600 * USEC_PER_SEC, &b, &n),
                         0);
        assert_true(n >= 2 && n <= 3);
        assert_near(b[0].duration_s + b[1].duration_s + (n > 2 ? b[2].duration_s : 0), 91 * 60,
                    1e-6);
        /* Forget in the middle of an hour: that hour keeps only its later minutes. */
        free(TAKE_PTR(b));
        assert_int_equal(history_forget(h, start + 30 * USEC_PER_MINUTE), 0);
        assert_int_equal(history_query_buckets(h, 0, UINT64_MAX, UINT64_MAX, &b, &n), 0);
        assert_near(b[0].duration_s, 61 * 60, 1e-6);
}

static void test_events_pain_phase(void **state)
{
        _cleanup_(history_freep) History *h = open_store(365);
        _cleanup_(freep) HistoryEvent *ev = NULL;
        _cleanup_(freep) HistoryEventCount *cnt = NULL;
        uint64_t t = now_us(CLOCK_REALTIME) - 3600 * USEC_PER_SEC;
        StrainEvent e = { .kind = EVENT_EXTREME_FLEXION,
                          .severity = SEVERITY_WARNING,
                          .duration_s = 5,
                          .peak_deg = 70 };
        size_t n = 0;

        history_add_event(h, t, &e);
        history_add_event(h, t + 10 * USEC_PER_SEC, &e);
        e.kind = EVENT_STATIC_POSTURE;
        history_add_event(h, t + 20 * USEC_PER_SEC, &e);
        history_add_pain(h, t, 4, "after lifting");
        history_add_phase(h, t, "acute", t);
        assert_int_equal(history_sync(h), 0);

        assert_int_equal(history_query_events(h, t + 1, t + DAY_US, &ev, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(ev[0].kind, event_kind_to_string(EVENT_EXTREME_FLEXION));
        assert_string_equal(ev[0].severity, "warning");
        assert_int_equal(ev[0].start_us, t + 10 * USEC_PER_SEC);
        assert_near(ev[0].peak_deg, 70, 1e-9);
        assert_int_equal(history_count_events(h, 0, UINT64_MAX, &cnt, &n), 0);
        assert_int_equal(n, 2);

        /* Forget before the second event: one event is left. */
        assert_int_equal(history_forget(h, t + 5 * USEC_PER_SEC), 0);
        free(TAKE_PTR(ev));
        assert_int_equal(history_query_events(h, 0, UINT64_MAX, &ev, &n), 0);
        assert_int_equal(n, 2);
        /* Forget everything. */
        assert_int_equal(history_forget(h, 0), 0);
        free(TAKE_PTR(ev));
        assert_int_equal(history_query_events(h, 0, UINT64_MAX, &ev, &n), 0);
        assert_int_equal(n, 0);
}

static void test_retention(void **state)
{
        _cleanup_(history_freep) History *h = open_store(30);
        _cleanup_(freep) HistoryMinute *b = NULL;
        uint64_t now = now_us(CLOCK_REALTIME) / USEC_PER_MINUTE * USEC_PER_MINUTE;
        size_t n = 0;

        feed(h, now - 40 * DAY_US, 2);
        feed(h, now - 10 * DAY_US, 2);
        assert_int_equal(history_sync(h), 0);
        assert_int_equal(history_maintain(h, now), 0);
        assert_int_equal(history_query_buckets(h, 0, UINT64_MAX / 4, DAY_US, &b, &n), 0);
        assert_int_equal(n, 1);
        assert_near(b[0].duration_s, 120, 1e-6);
}

static void exec_sql(const char *sql)
{
        sqlite3 *db = NULL;

        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
}

/* The integer columns of the first row of @sql, from a connection of its own. */
static void query_ints(const char *sql, int64_t *v, int n)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;

        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        for (int i = 0; i < n; i++)
                v[i] = sqlite3_column_int64(st, i);
        sqlite3_finalize(st);
        sqlite3_close(db);
}

/* The bytes the database holds: its pages less the free ones. */
static uint64_t used_bytes(void)
{
        int64_t pages, free_pages, size;

        query_ints("PRAGMA page_count", &pages, 1);
        query_ints("PRAGMA freelist_count", &free_pages, 1);
        query_ints("PRAGMA page_size", &size, 1);
        return (uint64_t) (pages - free_pages) * (uint64_t) size;
}

/* [History] MaxSizeMB=: beyond it the oldest minutes go, the newest stay, none between. */
static void test_size_bound(void **state)
{
        const uint64_t max_bytes = 512 * 1024;
        _cleanup_(history_freep) History *h = NULL;
        PostureSample up = { .posture = POSTURE_UPRIGHT };
        uint64_t start = now_us(CLOCK_REALTIME) / USEC_PER_MINUTE * USEC_PER_MINUTE - 20 * DAY_US;
        const int64_t first = (int64_t) (start / USEC_PER_MINUTE), last = first + 20 * 1440 - 1;
        int64_t v[3], count;

        assert_int_equal(history_new(&h, NULL,
                                     &(HistoryParams){ .path = path,
                                                       .keep_days = 36500,
                                                       .max_bytes = max_bytes }),
                         0);
        /* Twenty days of minutes, a second each. */
        for (int64_t m = first; m <= last; m++)
                history_add_sample(h, (uint64_t) m * USEC_PER_MINUTE, &up, 1, 0);
        assert_int_equal(history_sync(h), 0);
        query_ints("SELECT count(*), min(minute), max(minute) FROM minutes", v, 3);
        assert_int_equal(v[0], last - first + 1);
        assert_true(used_bytes() > max_bytes);

        assert_int_equal(history_maintain(h, now_us(CLOCK_REALTIME)), 0);
        assert_true(used_bytes() <= max_bytes);
        query_ints("SELECT count(*), min(minute), max(minute) FROM minutes", v, 3);
        assert_true(v[0] > 0);
        assert_true(v[1] > first);               /* the oldest went */
        assert_int_equal(v[2], last);            /* the newest stayed */
        assert_int_equal(v[0], v[2] - v[1] + 1); /* and nothing between them */
        /* The hours kept for long ranges agree with the minutes left. */
        count = v[0];
        query_ints("SELECT CAST(round(sum(duration_s)) AS INTEGER) FROM hours", v, 1);
        assert_int_equal(v[0], count);
}

/* A database of version 1 made by a postured that knew fewer postures gains their columns. */
static void test_migration_adds_columns(void **state)
{
        _cleanup_(history_freep) History *h = NULL;
        _cleanup_(freep) HistoryMinute *b = NULL;
        size_t n = 0;

        exec_sql("PRAGMA journal_mode=WAL;"
                 "CREATE TABLE minutes (minute INTEGER PRIMARY KEY, duration_s REAL NOT NULL,"
                 " not_worn_s REAL NOT NULL DEFAULT 0, flexion_mean REAL NOT NULL DEFAULT 0,"
                 " flexion_peak REAL NOT NULL DEFAULT 0, lateral_mean REAL NOT NULL DEFAULT 0,"
                 " lateral_peak REAL NOT NULL DEFAULT 0, strain_mean REAL NOT NULL DEFAULT 0,"
                 " posture_upright REAL NOT NULL DEFAULT 0);"
                 "CREATE TABLE events (id INTEGER PRIMARY KEY, start_us INTEGER NOT NULL,"
                 " kind TEXT NOT NULL, severity TEXT NOT NULL, duration_s REAL NOT NULL,"
                 " peak_deg REAL NOT NULL);"
                 "CREATE TABLE pain (id INTEGER PRIMARY KEY, t_us INTEGER NOT NULL,"
                 " level INTEGER NOT NULL, context TEXT NOT NULL);"
                 "CREATE TABLE phases (id INTEGER PRIMARY KEY, t_us INTEGER NOT NULL,"
                 " phase TEXT NOT NULL, onset_us INTEGER NOT NULL);"
                 "INSERT INTO minutes (minute, duration_s, posture_upright) VALUES (1000, 60, 60);"
                 "PRAGMA user_version = 1;");
        h = open_store(36500);
        assert_true(history_is_open(h));
        assert_int_equal(history_query_buckets(h, 0, 2000 * USEC_PER_MINUTE, DAY_US, &b, &n), 0);
        assert_int_equal(n, 1);
        assert_near(b[0].posture_s[POSTURE_UPRIGHT], 60, 1e-9);
        assert_near(b[0].posture_s[POSTURE_FLEXED], 0, 0);
}

/* An empty file is version 0: the migrations build it from the start. */
static void test_migration_from_empty(void **state)
{
        _cleanup_(history_freep) History *h = NULL;
        _cleanup_(closep) int fd = open(path, O_CREAT | O_WRONLY, 0600);

        assert_true(fd >= 0);
        h = open_store(365);
        assert_true(history_is_open(h));
}

static void test_newer_schema_refused(void **state)
{
        _cleanup_(history_freep) History *h = NULL;

        exec_sql("PRAGMA user_version = 99");
        h = open_store(365);
        assert_false(history_is_open(h));
        /* Not damaged, only newer: left where it is. */
        assert_int_equal(access(path, F_OK), 0);
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static unsigned count_corrupt(void)
{
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (strstr(de->d_name, "history.db.corrupt-") && !strstr(de->d_name, "-wal") &&
                    !strstr(de->d_name, "-shm"))
                        n++;
        return n;
}

static void test_corrupt_moved_aside(void **state)
{
        _cleanup_(history_freep) History *h = NULL;
        FILE *f = fopen(path, "w");
        _cleanup_(freep) HistoryMinute *b = NULL;
        size_t n = 0;

        assert_non_null(f);
        for (int i = 0; i < 512; i++)
                fputs("this is not a database ", f);
        fclose(f);
        h = open_store(365);
        assert_true(history_is_open(h));
        assert_int_equal(count_corrupt(), 1);
        feed(h, now_us(CLOCK_REALTIME) - 3600 * USEC_PER_SEC, 1);
        assert_int_equal(history_query_buckets(h, 0, UINT64_MAX / 4, DAY_US, &b, &n), 0);
        assert_int_equal(n, 1);
}

/* Another process holds the write lock: nothing is lost, the next commit writes it. */
static void test_locked_by_another(void **state)
{
        _cleanup_(history_freep) History *h = open_store(365);
        _cleanup_(freep) HistoryMinute *b = NULL;
        uint64_t start = now_us(CLOCK_REALTIME) / USEC_PER_MINUTE * USEC_PER_MINUTE - DAY_US;
        sqlite3 *other = NULL;
        size_t n = 0;

        assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
        assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        feed(h, start, 3);
        assert_int_equal(history_sync(h), -EBUSY);
        assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(other);
        assert_int_equal(history_sync(h), 0);
        assert_int_equal(history_query_buckets(h, start, start + DAY_US, DAY_US, &b, &n), 0);
        assert_int_equal(n, 1);
        assert_near(b[0].duration_s, 180, 1e-6);
}

static void test_too_many_buckets(void **state)
{
        _cleanup_(history_freep) History *h = open_store(36500);
        _cleanup_(freep) HistoryMinute *b = NULL;
        PostureSample up = { .posture = POSTURE_UPRIGHT };
        uint64_t start = now_us(CLOCK_REALTIME) / USEC_PER_MINUTE * USEC_PER_MINUTE - 80 * DAY_US;
        size_t n = 0;

        /* One second in each of 100001 minutes. */
        for (uint64_t i = 0; i <= HISTORY_MAX_ROWS; i++)
                history_add_sample(h, start + i * USEC_PER_MINUTE, &up, 1, 0);
        assert_int_equal(history_query_buckets(h, start, UINT64_MAX / 4, USEC_PER_MINUTE, &b, &n),
                         -E2BIG);
        assert_int_equal(history_query_buckets(h, start, UINT64_MAX / 4, DAY_US, &b, &n), 0);
        assert_int_equal(n, 70);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_minutes_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_events_pain_phase, setup, teardown),
                cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
                cmocka_unit_test_setup_teardown(test_size_bound, setup, teardown),
                cmocka_unit_test_setup_teardown(test_migration_adds_columns, setup, teardown),
                cmocka_unit_test_setup_teardown(test_migration_from_empty, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_moved_aside, setup, teardown),
                cmocka_unit_test_setup_teardown(test_locked_by_another, setup, teardown),
                cmocka_unit_test_setup_teardown(test_too_many_buckets, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
