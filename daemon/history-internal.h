/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>

#include "history.h"

/* What history.c shares with history-query.c, and no one else. */

#define MINUTES_PER_HOUR 60

int history_sqlite_errno(int rc);
char *history_name_columns(bool total);
int history_ready_for_query(History *h, sqlite3 **ret);
