/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The source plugin ABI. A plugin is a shared object in the plugin
 * directory, named after its URI scheme ("replay.so" for "replay:..."),
 * built with -fvisibility=hidden, exporting one symbol:
 *
 *     const PosturedSourceV1 *postured_source_v1(void);
 *
 * The daemon refuses a plugin whose abi_major differs from
 * POSTURED_SOURCE_ABI_MAJOR; a larger abi_minor only adds members at the end
 * of the structures, so older daemons keep working with newer plugins.
 *
 * Threads: open(), start(), stop(), close() and describe() are called from
 * the daemon's main thread. Between start() and stop() the plugin produces
 * frames on a thread of its own and hands them over with host->push(), the
 * single producer of the daemon's ring buffer. host->finished() and
 * host->log() may be called from any thread.
 *
 * Since abi_minor 1 a plugin may instead be driven by the daemon's main
 * loop (start_polled() and dispatch()): no thread of its own, so no second
 * thread to wake, and the main loop wakes once per batch of the device
 * (issue 14). Then push(), finished() and log() come from the main thread,
 * inside dispatch().
 */

#include <stddef.h>
#include <stdint.h>

#include "abi/frame.h"

#define POSTURED_SOURCE_ABI_MAJOR 1
#define POSTURED_SOURCE_ABI_MINOR 1
#define POSTURED_SOURCE_SYMBOL    "postured_source_v1"

/* Syslog priorities, as in <syslog.h>, for host->log(). */
enum {
        POSTURED_LOG_ERR = 3,
        POSTURED_LOG_WARNING = 4,
        POSTURED_LOG_NOTICE = 5,
        POSTURED_LOG_INFO = 6,
        POSTURED_LOG_DEBUG = 7,
};

typedef enum PosturedClock {
        /* t_ns is CLOCK_MONOTONIC. */
        POSTURED_CLOCK_MONOTONIC,
        /* t_ns counts from the start of a recording. */
        POSTURED_CLOCK_RECORDING,
        /* t_ns is CLOCK_REALTIME (IIO timestamps by default). */
        POSTURED_CLOCK_REALTIME,
} PosturedClock;

/**
 * struct PosturedSourceHost - what the daemon offers a plugin.
 * @userdata: passed back to every call.
 * @push: hand over @n frames; returns how many fit in the ring. With @wait
 *        non-zero it blocks until all fit or the source is being stopped
 *        (for recordings, which must not lose frames); without, frames
 *        that do not fit are counted as overrun (for live sensors).
 * @finished: the stream ended: @error 0 at the end of a recording,
 *            -ENODEV when the device went away (unplugged), other -errno
 *            for a failure, with a message naming what failed. The daemon
 *            then calls stop() and close() from its main thread.
 * @log: a message at a POSTURED_LOG_* priority.
 */
typedef struct PosturedSourceHost {
        void *userdata;
        size_t (*push)(void *userdata, const Frame *frames, size_t n, int wait);
        void (*finished)(void *userdata, int error, const char *message);
        void (*log)(void *userdata, int priority, const char *message);
} PosturedSourceHost;

/**
 * struct PosturedSourceInfo - what describe() fills in.
 * @name: a human-readable name of the sensor (e.g. the file or device),
 *        owned by the plugin, valid until close().
 * @rate_hz: nominal sample rate, > 0.
 * @clock: the clock of Frame.t_ns.
 * @has_mount_matrix: when non-zero, @mount_matrix (rows map sensor axes to
 *                    body axes) comes from the device.
 */
typedef struct PosturedSourceInfo {
        const char *name;
        double rate_hz;
        PosturedClock clock;
        int has_mount_matrix;
        double mount_matrix[3][3];
} PosturedSourceInfo;

/**
 * struct PosturedSourceV1 - the plugin's operations.
 * @abi_major, @abi_minor: POSTURED_SOURCE_ABI_* the plugin was built with.
 * @scheme: the URI scheme it serves ("replay", "iio", "evdev").
 * @open: parse @arg (the URI after "scheme:") and open the sensor (@host
 *        stays valid until close(): a plugin may keep the pointer); on
 *        failure return -errno and write a message naming what failed to
 *        @error (size @error_size). An empty @arg means "discover": open
 *        the first suitable device, or return -ENODEV when there is none
 *        (the `auto` source then tries the next plugin, and waits for
 *        hot-plug).
 * @describe: fill @info; valid after open().
 * @start: start the producer thread. Return 0 or -errno.
 * @stop: stop and join the thread; no push() after it returns.
 * @close: release everything; accepts NULL.
 * @start_polled: (abi_minor >= 1; may be NULL) start without a thread: set
 *        *@ret_fd to a descriptor the daemon watches for POLLIN (owned by
 *        the plugin, valid until stop(); -1 for none) and *@ret_interval_ns
 *        to how often the daemon calls dispatch() anyway (0: only when the
 *        descriptor is ready). Return 0, -EOPNOTSUPP when this source needs
 *        its thread (the daemon then calls start()), or -errno. stop() ends
 *        it; no dispatch() after that.
 * @dispatch: (with start_polled()) on the main thread: read what the device
 *        has, hand it over with host->push(), or end the stream with
 *        host->finished(). @revents: the descriptor's poll() revents, 0
 *        when the interval passed. Return 0, or -errno once finished() was
 *        called (the daemon stops calling it).
 */
typedef struct PosturedSourceV1 {
        uint16_t abi_major;
        uint16_t abi_minor;
        const char *scheme;
        int (*open)(void **ret, const char *arg, const PosturedSourceHost *host, char *error,
                    size_t error_size);
        int (*describe)(void *source, PosturedSourceInfo *info);
        int (*start)(void *source);
        void (*stop)(void *source);
        void (*close)(void *source);
        /* abi_minor >= 1 */
        int (*start_polled)(void *source, int *ret_fd, uint64_t *ret_interval_ns);
        int (*dispatch)(void *source, int revents);
} PosturedSourceV1;

typedef const PosturedSourceV1 *(*PosturedSourceEntry)(void);
