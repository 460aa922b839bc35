/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <syslog.h>

#include "util/macro.h"

/*
 * Logging to stderr; under systemd (JOURNAL_STREAM set and matching stderr)
 * each line carries a "<N>" syslog priority prefix, which journald parses.
 * Thread-safe: one write() per message.
 */

/** log_set_max_level() - drop messages above @level (LOG_DEBUG shows all). */
void log_set_max_level(int level);
int log_get_max_level(void);

/** log_internal() - format and write one message. */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

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
