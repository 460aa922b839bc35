/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsqlite3, loaded when the first history is opened (history-sqlite.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>

#include "history-sqlite.h"
#include "log.h"

HistorySqlite history_sqlite;

/**
 * history_sqlite_load() - load libsqlite3 and fill history_sqlite, once.
 *
 * Return: 0, or -ELIBACC when it cannot be loaded (the reason logged
 * as a warning, the first time).
 */
int history_sqlite_load(void)
{
        static bool loaded, warned;
        void *handle;

        if (loaded)
                return 0;
        /* The soname the build linked against: SQLite 3 keeps its ABI. */
        handle = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
                /* Once: the caller retries, and logs its own failure each time. */
                if (!warned)
                        log_warning("Cannot load libsqlite3.so.0 for the history (%s); "
                                    "install SQLite 3 (Debian: libsqlite3-0).",
                                    dlerror());
                warned = true;
                return -ELIBACC;
        }
        /* POSIX allows the object-to-function pointer conversion dlsym() needs. */
#define HISTORY_SQLITE_RESOLVE(f)                                                \
        if (!(*(void **) &history_sqlite.f = dlsym(handle, "sqlite3_" #f))) {    \
                log_debug("Cannot load SQLite for the history: no sqlite3_" #f); \
                (void) dlclose(handle);                                          \
                return -ELIBACC;                                                 \
        }
        HISTORY_SQLITE_FUNCS(HISTORY_SQLITE_RESOLVE)
#undef HISTORY_SQLITE_RESOLVE
        /* Kept loaded for the daemon's life: a history may be reopened. */
        loaded = true;
        return 0;
}
