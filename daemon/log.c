/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"

/* Fields of one structured message beyond the standard ones; more are dropped. */
#define LOG_STRUCT_MAX_FIELDS 16
#define IOVEC_STR(s)          ((struct iovec){ .iov_base = (char *) (s), .iov_len = strlen(s) })

static int max_level = LOG_INFO;
/* -1 until the first message; both threads may log, so it is atomic. */
static _Atomic int use_journal = -1;

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

/* One entry in the native protocol; fails when journald is gone (then: stderr). */
static int send_journal(int level, int error, const char *message_id, const char *const *fields,
                        const char *msg)
{
        char message[1100], priority[16], id[48], errno_field[32];
        struct iovec iov[6 + LOG_STRUCT_MAX_FIELDS];
        size_t n = 0;

        (void) snprintf(message, sizeof(message), "MESSAGE=%s", msg);
        (void) snprintf(priority, sizeof(priority), "PRIORITY=%d", level);
        (void) snprintf(id, sizeof(id), "MESSAGE_ID=%s", message_id);
        iov[n++] = IOVEC_STR(message);
        iov[n++] = IOVEC_STR(priority);
        iov[n++] = IOVEC_STR(id);
        iov[n++] = IOVEC_STR("SYSLOG_IDENTIFIER=postured");
        if (error != 0) {
                (void) snprintf(errno_field, sizeof(errno_field), "ERRNO=%d", -error);
                iov[n++] = IOVEC_STR(errno_field);
        }
        for (size_t i = 0; fields && fields[i] && i < LOG_STRUCT_MAX_FIELDS; i++)
                iov[n++] = IOVEC_STR(fields[i]);
        return sd_journal_sendv(iov, (int) n);
}

/* The message, to the journal with its fields, or as one line to stderr. */
static int log_dispatch(int level, int error, const char *message_id, const char *const *fields,
                        const char *fmt, va_list ap)
{
        char msg[1024], line[1100];
        int n;

        if (error > 0)
                error = -error;
        if (level > max_level)
                return error;
        if (atomic_load(&use_journal) < 0)
                atomic_store(&use_journal, stderr_is_journal());

        errno = -error;
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);

        /* Errors carry an id of their own, so that journalctl -x explains them too. */
        if (!message_id && level <= LOG_ERR)
                message_id = MESSAGE_ID_ERROR;
        if (atomic_load(&use_journal) && message_id &&
            send_journal(level, error, message_id, fields, msg) >= 0) {
                errno = -error;
                return error;
        }

        if (atomic_load(&use_journal))
                n = snprintf(line, sizeof(line), "<%d>%s\n", level, msg);
        else
                n = snprintf(line, sizeof(line), "postured: %s\n", msg);
        if (n > 0)
                (void) !write(STDERR_FILENO, line, MIN((size_t) n, sizeof(line) - 1));
        errno = -error;
        return error;
}

/**
 * log_internal() - format and write one message, one line to stderr. "%m"
 * prints strerror(-error) when @error is non-zero. An error (LOG_ERR and
 * above) goes to the journal, when stderr is the journal, with
 * MESSAGE_ID_ERROR and ERRNO=.
 *
 * Return: a negative errno for @error (so callers can "return log_error_errno(r, ...)"):
 * @error when it is negative, else -abs(error); 0 when @error is 0.
 */
int log_internal(int level, int error, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = log_dispatch(level, error, NULL, NULL, fmt, ap);
        va_end(ap);
        return r;
}

/**
 * log_struct_internal() - a message with a MESSAGE_ID and fields: to the
 * journal through sd_journal_sendv() when stderr is the journal, else the
 * message alone as a line on stderr, as log_internal().
 * @level: the syslog priority.
 * @error: 0, or an errno (either sign) for "%m" and ERRNO=.
 * @message_id: one of the MESSAGE_ID_* (32 hex digits).
 * @fields: NULL-terminated "KEY=value" strings (LOG_FIELDS()), or NULL; a
 *          key is upper case, digits and '_'.
 * @fmt: the message.
 *
 * Return: as log_internal().
 */
int log_struct_internal(int level, int error, const char *message_id, const char *const *fields,
                        const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = log_dispatch(level, error, message_id, fields, fmt, ap);
        va_end(ap);
        return r;
}

/**
 * log_field() - format one "KEY=value" field of a structured message.
 * @f: the buffer, which must live until the message is sent.
 * @fmt: "KEY=%s" and the like; a longer value is cut at LOG_FIELD_MAX.
 *
 * Return: the text in @f.
 */
const char *log_field(LogField *f, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(f->text, sizeof(f->text), fmt, ap);
        va_end(ap);
        return f->text;
}

/**
 * log_ratelimit() - whether one more message of a call site may be logged.
 * @rl: the call site's state (static, zeroed at start).
 *
 * At most LOG_RATELIMIT_BURST messages per LOG_RATELIMIT_INTERVAL_S; when a
 * new interval begins after some were left out, says how many first.
 *
 * Return: true when the message may go.
 */
bool log_ratelimit(LogRateLimit *rl)
{
        struct timespec ts;
        uint64_t now;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
        if (rl->begin_usec == 0 || now - rl->begin_usec >= LOG_RATELIMIT_INTERVAL_S * 1000000ull) {
                if (rl->suppressed > 0)
                        log_info("%u messages like the next were left out in %d s.", rl->suppressed,
                                 LOG_RATELIMIT_INTERVAL_S);
                rl->begin_usec = now;
                rl->n = 0;
                rl->suppressed = 0;
        }
        if (rl->n >= LOG_RATELIMIT_BURST) {
                rl->suppressed++;
                return false;
        }
        rl->n++;
        return true;
}
