/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "history-sqlite.h"
#include <stdbool.h>

#include <systemd/sd-event.h>

#include "history.h"

/* What history.c, history-maintain.c, history-schema.c and history-query.c
 * share, and no one else. */

typedef struct PendingNote {
        uint64_t t_us;
        unsigned level; /* pain */
        uint64_t onset; /* phase */
        char *text;     /* the pain's context, or the phase */
        bool is_pain;
} PendingNote;

struct History {
        HistoryParams p;
        char *path;
        sqlite3 *db;
        sqlite3_stmt *upsert;
        sqlite3_stmt *rebuild, *unbuild; /* the hours from the minutes */
        sd_event *event;
        sd_event_source *timer;

        MinuteAccumulator acc;
        HistoryMinute *minutes;
        size_t n_minutes, cap_minutes;
        HistoryEvent *events;
        size_t n_events, cap_events;
        PendingNote *notes;
        size_t n_notes, cap_notes;

        bool failing; /* logged once until it works again */
        bool dropped_logged;
        unsigned commits;
};

#define MINUTES_PER_HOUR 60

int history_sqlite_errno(int rc);
int history_open_db(History *h);
void history_clear_pending(History *h);
char *history_name_columns(bool total);
int history_ready_for_query(History *h, sqlite3 **ret);
int history_exec(History *h, const char *sql);
int history_query_int(History *h, const char *sql, int64_t *ret);
int history_migrate(History *h);
int history_prepare_upsert(History *h);
int history_rebuild_hours(History *h, int64_t lo, int64_t hi);
