/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include <stdbool.h>

#include <syslog.h>

#include "util/macro.h"

/*
 * Logging to stderr. Under systemd (JOURNAL_STREAM set and matching stderr)
 * messages go to the journal instead: plain ones as "<N>"-prefixed lines on
 * stderr, which journald parses; structured ones (log_struct(), and every
 * error) through sd_journal_sendv() with a MESSAGE_ID and POSTURED_* fields.
 * Thread-safe: one write() or one datagram per message.
 */

/*
 * The MESSAGE_ID of each kind of structured message; systemd/postured.catalog
 * explains them (journalctl -x). Fixed: never change one.
 */
#define MESSAGE_ID_STRAIN_EVENT  "2b204412c71d4853a559146bac71e6e5"
#define MESSAGE_ID_SENSOR_STATE  "4310c9278dd84f36a0782f7bd76c7cbc"
#define MESSAGE_ID_ERROR         "03462282cee343559e87382484a2125b"
#define MESSAGE_ID_RELOADED      "f9e0bb45c15b490a8ea2adfb638b8220"
#define MESSAGE_ID_RELOAD_FAILED "e9dbb9b941f54a73bdd389e977f65ee3"

/** log_set_max_level() - drop messages above @level (LOG_DEBUG shows all). */
void log_set_max_level(int level);
int log_get_max_level(void);

/** log_internal() - format and write one message. */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define LOG_FIELD_MAX 256

/* One "KEY=value" field of a structured message, in a buffer of its own. */
typedef struct LogField {
        char text[LOG_FIELD_MAX];
} LogField;

/** log_field() - format a "KEY=value" field into @f. Return: its text. */
const char *log_field(LogField *f, const char *fmt, ...) _printf_(2, 3);

/** log_struct_internal() - a message with a MESSAGE_ID and fields. */
int log_struct_internal(int level, int error, const char *message_id, const char *const *fields,
                        const char *fmt, ...) _printf_(5, 6);

/* A NULL-terminated list of fields for log_struct(). */
#define LOG_FIELDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define log_struct(level, message_id, fields, ...) \
        log_struct_internal(level, 0, message_id, fields, __VA_ARGS__)
#define log_struct_errno(level, error, message_id, fields, ...) \
        log_struct_internal(level, error, message_id, fields, __VA_ARGS__)

#define log_full_errno(level, error, ...) log_internal(level, error, __VA_ARGS__)
#define log_debug(...)                    log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)                     log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)                   log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...)                  log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)                    log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_notice_errno(error, ...)      log_internal(LOG_NOTICE, error, __VA_ARGS__)
#define log_warning_errno(error, ...)     log_internal(LOG_WARNING, error, __VA_ARGS__)
#define log_error_errno(error, ...)       log_internal(LOG_ERR, error, __VA_ARGS__)
#define log_oom()                         log_internal(LOG_ERR, -ENOMEM, "Out of memory.")

/*
 * A message that a caller can repeat at will (a loop of Calibrate calls):
 * at most LOG_RATELIMIT_BURST from one call site per LOG_RATELIMIT_INTERVAL_S,
 * then a count of those left out when the next one may go.
 */
#define LOG_RATELIMIT_INTERVAL_S 60
#define LOG_RATELIMIT_BURST      10

typedef struct LogRateLimit {
        uint64_t begin_usec;
        unsigned n, suppressed;
} LogRateLimit;

/** log_ratelimit() - whether one more message of @rl may go now. */
bool log_ratelimit(LogRateLimit *rl);

#define log_info_ratelimited(...)              \
        do {                                   \
                static LogRateLimit _rl;       \
                if (log_ratelimit(&_rl))       \
                        log_info(__VA_ARGS__); \
        } while (0)
