/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What every source plugin writes the same way: open()'s error message, a
 * message through host->log(), and the ops table with its entry point. */

#include <stddef.h>

#include "abi/source.h"
#include "util/macro.h"

/** plugin_set_error() - format open()'s message into @buf of @size bytes; returns @error. */
int plugin_set_error(char *buf, size_t size, int error, const char *fmt, ...) _printf_(4, 5);

/** plugin_log() - a message through @host->log(), after "@prefix: " unless @prefix is NULL. */
void plugin_log(const PosturedSourceHost *host, const char *prefix, int priority, const char *fmt,
                ...) _printf_(4, 5);

/*
 * The plugin's ops table, from PREFIX_open(), PREFIX_describe(),
 * PREFIX_start(), PREFIX_stop() and PREFIX_close(), and the one symbol the
 * plugin exports, postured_source_v1(), which returns it.
 * PLUGIN_DEFINE_POLLED() adds PREFIX_start_polled() and PREFIX_dispatch().
 */
#define PLUGIN_DEFINE(scheme_, prefix) PLUGIN_DEFINE_OPS(scheme_, prefix, NULL, NULL)
#define PLUGIN_DEFINE_POLLED(scheme_, prefix) \
        PLUGIN_DEFINE_OPS(scheme_, prefix, prefix##_start_polled, prefix##_dispatch)
#define PLUGIN_DEFINE_OPS(scheme_, prefix, start_polled_, dispatch_)                             \
        static const PosturedSourceV1 prefix##_ops = {                                           \
                .abi_major = POSTURED_SOURCE_ABI_MAJOR,                                          \
                .abi_minor = POSTURED_SOURCE_ABI_MINOR,                                          \
                .scheme = scheme_,                                                               \
                .open = prefix##_open,                                                           \
                .describe = prefix##_describe,                                                   \
                .start = prefix##_start,                                                         \
                .stop = prefix##_stop,                                                           \
                .close = prefix##_close,                                                         \
                .start_polled = start_polled_,                                                   \
                .dispatch = dispatch_,                                                           \
        };                                                                                       \
        __attribute__((visibility("default"))) const PosturedSourceV1 *postured_source_v1(void); \
        const PosturedSourceV1 *postured_source_v1(void)                                         \
        {                                                                                        \
                return &prefix##_ops;                                                            \
        }
