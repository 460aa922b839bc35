/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;
/* -1 until the first message; both threads may log, so it is atomic. */
static _Atomic int use_prefix = -1;

/** log_set_max_level() - messages of lower priority (higher number) are dropped. */
void log_set_max_level(int level)
{
        max_level = level;
}

/** log_get_max_level() - the current maximum level. */
int log_get_max_level(void)
{
        return max_level;
}

/* systemd sets JOURNAL_STREAM=DEV:INODE for the stream stderr is connected to. */
static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
}

/**
 * log_internal() - format and write one message, one line to stderr. "%m"
 * prints strerror(-error) when @error is non-zero.
 *
 * Return: a negative errno for @error (so callers can "return log_error_errno(r, ...)"):
 * @error when it is negative, else -abs(error); 0 when @error is 0.
 */
int log_internal(int level, int error, const char *fmt, ...)
{
        char msg[1024], line[1100];
        va_list ap;
        int n;

        if (error > 0)
                error = -error;
        if (level > max_level)
                return error;
        if (atomic_load(&use_prefix) < 0)
                atomic_store(&use_prefix, stderr_is_journal());

        errno = -error;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (use_prefix)
                n = snprintf(line, sizeof(line), "<%d>%s\n", level, msg);
        else
                n = snprintf(line, sizeof(line), "postured: %s\n", msg);
        if (n > 0)
                (void) !write(STDERR_FILENO, line, MIN((size_t) n, sizeof(line) - 1));
        errno = -error;
        return error;
}
