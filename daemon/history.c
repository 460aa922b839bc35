/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The history store in SQLite (history.h). The schema's version is in
 * user_version and every version has its migration from the one before;
 * the columns of the postures and activities follow the core's names
 * (posture_upright, activity_walking, ...): a posture the core gains gets its
 * column when the store opens, with zeros in the minutes before.
 *
 * This file is the writer: opening, the minutes, events and notes pending
 * in memory and their commit. Retention, the size bound and forgetting are
 * history-maintain.c; the schema history-schema.c; the reads history-query.c.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "history-internal.h"
#include "history.h"
#include "log.h"
#include "util/macro.h"
#include "util/time-util.h"

/* A database busy for longer than this is retried at the next commit, not waited for. */
#define BUSY_TIMEOUT_MS 200
/* Minutes waiting in memory beyond this are written at once (a fast replay). */
#define COMMIT_BATCH 1024
/* With the database failing, no more than this waits (a week of minutes). */
#define MAX_PENDING (7u * 24 * 60)
/* Retention and the size bound (history-maintain.c) run every this many commits. */
#define MAINTAIN_EVERY 60

static void close_db(History *h)
{
        /* Nothing was opened, and SQLite may not even be loaded. */
        if (!h->db && !h->upsert && !h->rebuild && !h->unbuild)
                return;
        sqlite3_finalize(h->upsert);
        sqlite3_finalize(h->rebuild);
        sqlite3_finalize(h->unbuild);
        h->upsert = h->rebuild = h->unbuild = NULL;
        sqlite3_close_v2(h->db);
        h->db = NULL;
}

/* A damaged file is -EBADMSG, whether SQLite says so at once or only when checking. */
static int quick_check(History *h)
{
        sqlite3_stmt *st = NULL;
        bool ok = false;
        int rc;

        rc = sqlite3_prepare_v2(h->db, "PRAGMA quick_check(1)", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        const char *t = (const char *) sqlite3_column_text(st, 0);

                        ok = t && strcmp(t, "ok") == 0;
                        rc = SQLITE_OK;
                }
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK)
                return history_sqlite_errno(rc);
        return ok ? 0 : -EBADMSG;
}

static int open_once(History *h)
{
        _cleanup_(closep) int fd = -EBADF;
        char *mode = NULL;
        sqlite3_stmt *st = NULL;
        int r;

        /* Created here so that it is 0600 whatever the umask: it is health data. */
        r = history_sqlite_load();
        if (r < 0)
                return r;
        fd = open(h->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = history_sqlite_errno(
                sqlite3_open_v2(h->path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL));
        if (r < 0)
                return r;
        sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);
        (void) sqlite3_extended_result_codes(h->db, 0);

        /* Before any table exists, so that deleted pages can be given back. */
        r = history_exec(h, "PRAGMA auto_vacuum = INCREMENTAL");
        if (r < 0)
                return r;
        if (sqlite3_prepare_v2(h->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
                return history_sqlite_errno(sqlite3_errcode(h->db));
        if (sqlite3_step(st) == SQLITE_ROW)
                mode = strdupa((const char *) sqlite3_column_text(st, 0) ?: "");
        r = history_sqlite_errno(sqlite3_errcode(h->db));
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        if (!mode || strcmp(mode, "wal") != 0)
                return -EBUSY;
        r = history_exec(h, "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON");
        if (r < 0)
                return r;
        r = quick_check(h);
        if (r < 0)
                return r;
        r = history_migrate(h);
        if (r < 0)
                return r;
        return history_prepare_upsert(h);
}

/* history.db → history.db.corrupt-20261204T231500 (with its -wal and -shm). */
static void move_aside(History *h)
{
        static const char *const suffixes[] = { "", "-wal", "-shm" };
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;

        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", gmtime_r(&now, &tm));
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                _cleanup_(freep) char *from = NULL, *to = NULL;

                if (asprintf(&from, "%s%s", h->path, suffixes[i]) < 0 ||
                    asprintf(&to, "%s.corrupt-%s%s", h->path, stamp, suffixes[i]) < 0)
                        return;
                if (rename(from, to) < 0 && errno != ENOENT)
                        log_warning_errno(-errno, "Cannot move %s aside: %m", from);
                else if (i == 0)
                        log_error("History database %s is damaged: moved aside to %s, "
                                  "a new one is started.",
                                  h->path, to);
        }
}

static void log_failure(History *h, int r, const char *what)
{
        if (h->failing)
                return;
        h->failing = true;
        if (r == -EBUSY)
                log_warning("History database %s is busy (locked by another process); %s is "
                            "retried every minute.",
                            h->path, what);
        else
                log_warning_errno(r, "History database %s: cannot %s (%m); retried every minute.",
                                  h->path, what);
}

/**
 * history_open_db() - open the database unless it is open; a damaged one is
 * moved aside and a new one started.
 * @h: the store.
 *
 * Return: 0, or -errno (logged once until it works again).
 */
int history_open_db(History *h)
{
        int r;

        if (h->db)
                return 0;
        r = open_once(h);
        if (r == -EBADMSG) {
                close_db(h);
                move_aside(h);
                r = open_once(h);
        }
        if (r < 0) {
                close_db(h);
                log_failure(h, r, "open it");
                return r;
        }
        if (h->failing)
                log_info("History database %s is open again.", h->path);
        h->failing = false;
        return 0;
}

static int bind_minute(sqlite3_stmt *st, const HistoryMinute *m)
{
        int i = 1;

        sqlite3_bind_int64(st, i++, m->minute);
        sqlite3_bind_double(st, i++, m->duration_s);
        sqlite3_bind_double(st, i++, m->not_worn_s);
        sqlite3_bind_double(st, i++, m->flexion_mean_deg);
        sqlite3_bind_double(st, i++, m->flexion_peak_deg);
        sqlite3_bind_double(st, i++, m->lateral_mean_deg);
        sqlite3_bind_double(st, i++, m->lateral_peak_deg);
        sqlite3_bind_double(st, i++, m->strain_mean);
        for (size_t k = 0; k < _POSTURE_MAX; k++)
                sqlite3_bind_double(st, i++, m->posture_s[k]);
        for (size_t k = 0; k < _ACTIVITY_MAX; k++)
                sqlite3_bind_double(st, i++, m->activity_s[k]);
        return sqlite3_step(st);
}

static int write_pending(History *h)
{
        sqlite3_stmt *ev = NULL, *pain = NULL, *phase = NULL;
        int rc = SQLITE_OK;

        int64_t lo = INT64_MAX, hi = INT64_MIN;

        for (size_t i = 0; i < h->n_minutes && rc == SQLITE_OK; i++) {
                rc = bind_minute(h->upsert, &h->minutes[i]);
                rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
                sqlite3_reset(h->upsert);
                lo = MIN(lo, h->minutes[i].minute / MINUTES_PER_HOUR);
                hi = MAX(hi, h->minutes[i].minute / MINUTES_PER_HOUR + 1);
        }
        if (rc == SQLITE_OK && h->n_minutes > 0) {
                int r = history_rebuild_hours(h, lo, hi);

                if (r < 0)
                        return r;
        }
        if (rc == SQLITE_OK && h->n_events > 0)
                rc = sqlite3_prepare_v2(h->db,
                                        "INSERT INTO events (start_us, kind, severity, "
                                        "duration_s, peak_deg) VALUES (?, ?, ?, ?, ?)",
                                        -1, &ev, NULL);
        for (size_t i = 0; i < h->n_events && rc == SQLITE_OK; i++) {
                const HistoryEvent *e = &h->events[i];

                sqlite3_bind_int64(ev, 1, (int64_t) e->start_us);
                sqlite3_bind_text(ev, 2, e->kind, -1, SQLITE_STATIC);
                sqlite3_bind_text(ev, 3, e->severity, -1, SQLITE_STATIC);
                sqlite3_bind_double(ev, 4, e->duration_s);
                sqlite3_bind_double(ev, 5, e->peak_deg);
                rc = sqlite3_step(ev);
                rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
                sqlite3_reset(ev);
        }
        if (rc == SQLITE_OK && h->n_notes > 0)
                rc = sqlite3_prepare_v2(h->db,
                                        "INSERT INTO pain (t_us, level, context) VALUES (?, ?, ?)",
                                        -1, &pain, NULL);
        if (rc == SQLITE_OK && h->n_notes > 0)
                rc = sqlite3_prepare_v2(h->db,
                                        "INSERT INTO phases (t_us, phase, onset_us) "
                                        "VALUES (?, ?, ?)",
                                        -1, &phase, NULL);
        for (size_t i = 0; i < h->n_notes && rc == SQLITE_OK; i++) {
                const PendingNote *n = &h->notes[i];
                sqlite3_stmt *st = n->is_pain ? pain : phase;

                sqlite3_bind_int64(st, 1, (int64_t) n->t_us);
                if (n->is_pain) {
                        sqlite3_bind_int(st, 2, (int) n->level);
                        sqlite3_bind_text(st, 3, n->text, -1, SQLITE_STATIC);
                } else {
                        sqlite3_bind_text(st, 2, n->text, -1, SQLITE_STATIC);
                        sqlite3_bind_int64(st, 3, (int64_t) n->onset);
                }
                rc = sqlite3_step(st);
                rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
                sqlite3_reset(st);
        }
        sqlite3_finalize(ev);
        sqlite3_finalize(pain);
        sqlite3_finalize(phase);
        return history_sqlite_errno(rc);
}

/**
 * history_clear_pending() - forget what waits in memory to be written.
 * @h: the store.
 */
void history_clear_pending(History *h)
{
        for (size_t i = 0; i < h->n_notes; i++)
                free(h->notes[i].text);
        h->n_minutes = h->n_events = h->n_notes = 0;
}

/* One transaction with everything pending. */
static int commit(History *h)
{
        int r;

        if (h->n_minutes == 0 && h->n_events == 0 && h->n_notes == 0)
                return 0;
        r = history_open_db(h);
        if (r < 0)
                return r;
        r = history_exec(h, "BEGIN IMMEDIATE");
        if (r >= 0)
                r = write_pending(h);
        if (r >= 0)
                r = history_exec(h, "COMMIT");
        if (r < 0) {
                (void) history_exec(h, "ROLLBACK");
                if (r == -EBADMSG) {
                        /* Damaged while running: aside, and the next commit starts anew. */
                        close_db(h);
                        move_aside(h);
                }
                log_failure(h, r, "write the history");
                return r;
        }
        if (h->failing)
                log_info("History database %s is written again.", h->path);
        h->failing = false;
        history_clear_pending(h);
        if (++h->commits % MAINTAIN_EVERY == 0)
                (void) history_maintain(h, now_us(CLOCK_REALTIME));
        return 0;
}

/* Grow @array (of @size-byte items) to hold one more; drop the older half when full. */
static void *reserve(History *h, void **array, size_t *n, size_t *cap, size_t size)
{
        void *p;

        if (*n >= MAX_PENDING) {
                if (!h->dropped_logged)
                        log_warning("History database %s has not been writable for a long "
                                    "time: the oldest unwritten history is dropped.",
                                    h->path);
                h->dropped_logged = true;
                memmove(*array, (char *) *array + size * (*n / 2), size * (*n - *n / 2));
                *n -= *n / 2;
        }
        if (*n >= *cap) {
                size_t c = *cap ? *cap * 2 : 64;

                p = reallocarray(*array, c, size);
                if (!p)
                        return NULL;
                *array = p;
                *cap = c;
        }
        return (char *) *array + size * (*n)++;
}

static void push_minute(History *h, const HistoryMinute *m)
{
        HistoryMinute *slot =
                reserve(h, (void **) &h->minutes, &h->n_minutes, &h->cap_minutes, sizeof(*slot));

        if (slot)
                *slot = *m;
        /* A fast replay makes minutes faster than the timer writes them. */
        if (h->n_minutes >= COMMIT_BATCH && !h->failing)
                (void) commit(h);
}

/**
 * history_add_sample() - count @dt_s seconds of @s's state at realtime @t_us.
 * @h: the store; NULL does nothing.
 * @t_us: µs since the epoch of @s.
 * @s: the sample whose state held for @dt_s seconds.
 * @dt_s: as the pipeline's summary counts them.
 * @strain: the StrainLevel during them.
 */
void history_add_sample(History *h, uint64_t t_us, const PostureSample *s, double dt_s,
                        double strain)
{
        HistoryMinute done;

        if (h && minute_acc_add(&h->acc, t_us, s, dt_s, strain, &done) > 0)
                push_minute(h, &done);
}

/**
 * history_add_event() - a strain event, written with the next commit. The
 * kind is the core's spelling (event_kind_to_string()).
 * @h: the store; NULL does nothing.
 * @start_us: when the episode began, µs since the epoch.
 * @e: the event.
 */
void history_add_event(History *h, uint64_t start_us, const StrainEvent *e)
{
        HistoryEvent *slot;

        if (!h)
                return;
        slot = reserve(h, (void **) &h->events, &h->n_events, &h->cap_events, sizeof(*slot));
        if (!slot)
                return;
        *slot = (HistoryEvent){ .start_us = start_us,
                                .duration_s = e->duration_s,
                                .peak_deg = e->peak_deg };
        snprintf(slot->kind, sizeof(slot->kind), "%s", event_kind_to_string(e->kind) ?: "unknown");
        snprintf(slot->severity, sizeof(slot->severity), "%s",
                 severity_to_string(e->severity) ?: "unknown");
}

static void add_note(History *h, const PendingNote *n)
{
        PendingNote *slot;
        char *text;

        if (!h)
                return;
        text = strdup(n->text ?: "");
        if (!text)
                return;
        slot = reserve(h, (void **) &h->notes, &h->n_notes, &h->cap_notes, sizeof(*slot));
        if (!slot) {
                free(text);
                return;
        }
        *slot = *n;
        slot->text = text;
}

/** history_add_pain() - a pain report (0..10) and its context. */
void history_add_pain(History *h, uint64_t t_us, unsigned level, const char *context)
{
        add_note(h,
                 &(PendingNote){
                         .t_us = t_us, .level = level, .text = (char *) context, .is_pain = true });
}

/** history_add_phase() - the recovery phase changed to @phase (onset @onset_us). */
void history_add_phase(History *h, uint64_t t_us, const char *phase, uint64_t onset_us)
{
        add_note(h, &(PendingNote){ .t_us = t_us, .onset = onset_us, .text = (char *) phase });
}

/**
 * history_sync() - the open minute so far (later seconds of it are added to
 * it) and everything pending, in one transaction.
 * @h: the store.
 *
 * Return: 0, or -errno when the database cannot be written now (logged once).
 */
int history_sync(History *h)
{
        HistoryMinute m;
        HistoryMinute *slot;

        if (minute_acc_flush(&h->acc, &m) > 0) {
                slot = reserve(h, (void **) &h->minutes, &h->n_minutes, &h->cap_minutes,
                               sizeof(*slot));
                if (slot)
                        *slot = m;
        }
        return commit(h);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        History *h = userdata;

        (void) history_sync(h);
        (void) sd_event_source_set_time(s, usec + h->p.commit_interval_us);
        return 0;
}

/**
 * history_new() - the store at @p->path, opened now if it can be (else at
 * the next commit; that is logged, not fatal), retention applied.
 * @ret: the new store.
 * @event: the loop for the commit timer, or NULL (commits at sync and free only).
 * @p: the parameters, copied.
 *
 * Return: 0 or -ENOMEM.
 */
int history_new(History **ret, sd_event *event, const HistoryParams *p)
{
        _cleanup_(history_freep) History *h = NULL;
        size_t len = strlen(p->path);
        int r;

        /* The path lives right after the struct. */
        h = calloc(1, sizeof(*h) + len + 1);
        if (!h)
                return -ENOMEM;
        h->p = *p;
        if (h->p.commit_interval_us == 0)
                h->p.commit_interval_us = 60 * USEC_PER_SEC;
        h->path = memcpy((char *) (h + 1), p->path, len + 1);
        h->p.path = h->path;

        if (history_open_db(h) >= 0)
                (void) history_maintain(h, now_us(CLOCK_REALTIME));
        if (event) {
                h->event = sd_event_ref(event);
                r = sd_event_add_time_relative(event, &h->timer, CLOCK_MONOTONIC,
                                               h->p.commit_interval_us, USEC_PER_SEC, on_timer, h);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_enabled(h->timer, SD_EVENT_ON);
        }
        *ret = TAKE_PTR(h);
        return 0;
}

/** history_free() - write the open minute and what is pending, then close. */
History *history_free(History *h)
{
        if (!h)
                return NULL;
        (void) history_sync(h);
        sd_event_source_disable_unref(h->timer);
        sd_event_unref(h->event);
        close_db(h);
        history_clear_pending(h);
        free(h->minutes);
        free(h->events);
        free(h->notes);
        free(h);
        return NULL;
}

/** history_is_open() - whether the database is open now. */
bool history_is_open(const History *h)
{
        return h && h->db;
}

/**
 * history_ready_for_query() - write the open minute and what is pending
 * (a busy database only delays that), and make sure the database is open.
 * @h: the store.
 * @ret: the database.
 *
 * Return: 0 or -errno.
 */
int history_ready_for_query(History *h, sqlite3 **ret)
{
        int r;

        r = history_sync(h);
        if (r < 0 && r != -EBUSY)
                return r;
        r = history_open_db(h);
        if (r < 0)
                return r;
        *ret = h->db;
        return 0;
}
