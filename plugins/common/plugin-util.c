/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "common/plugin-util.h"

/**
 * plugin_set_error() - format a message into open()'s error buffer.
 * @buf: the buffer the daemon handed to open().
 * @size: its size; a longer message is cut.
 * @error: the -errno that open() returns.
 * @fmt: printf() format of the message, which names what failed and where.
 *
 * Return: @error, so that open() can return plugin_set_error(...).
 */
int plugin_set_error(char *buf, size_t size, int error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        return error;
}

/**
 * plugin_log() - hand a message to the daemon's log.
 * @host: the daemon's callbacks; host->log() may be called from any thread.
 * @prefix: what the message is about (e.g. the sensor's name), written
 *          before it with ": ", or NULL.
 * @priority: a POSTURED_LOG_* priority.
 * @fmt: printf() format of the message; up to 511 bytes are kept.
 */
void plugin_log(const PosturedSourceHost *host, const char *prefix, int priority, const char *fmt,
                ...)
{
        char buf[512];
        size_t n = 0;
        va_list ap;

        if (prefix) {
                int k = snprintf(buf, sizeof(buf), "%s: ", prefix);

                n = k > 0 && (size_t) k < sizeof(buf) ? (size_t) k : 0;
        }
        va_start(ap, fmt);
        (void) vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
        va_end(ap);
        host->log(host->userdata, priority, buf);
}
