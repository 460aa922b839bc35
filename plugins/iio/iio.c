/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iio source: an accelerometer of the kernel's IIO subsystem, read with
 * libiio, on this machine or from iiod on another one.
 *
 * URI: iio:[TARGET][?trigger=NAME][&rate=HZ] (grammar: iio_uri_parse()):
 *   iio:                       the first local device with accelerometer channels
 *   iio:local:NAME, iio:NAME   a local device by id ("iio:device0"), label or name
 *   iio:ip:HOST[:PORT][:NAME]  a device served by iiod (first accelerometer without NAME)
 *   iio:usb:…, iio:serial:…, iio:xml:…  other libiio contexts, then ":NAME"
 *   trigger=NAME               the trigger to attach (default: keep the current one,
 *                              else attach "DEVNAME-devN" when it exists)
 *   rate=HZ                    write sampling_frequency; also the polling rate
 *
 * When x, y and z are scan elements, the device streams through its buffer
 * (timestamp too when its clock is usable); otherwise, or when the buffer
 * cannot be enabled, in_accel_*_raw is polled (rate=, default 50 Hz).
 * Values are (raw + offset) × scale, in m/s².
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "iio-private.h"

/** iio_source_set_error() - see iio-private.h. */
void iio_source_set_error(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(buf, size, fmt, ap);
        va_end(ap);
}

/** iio_source_log() - see iio-private.h. */
void iio_source_log(Iio *s, int priority, const char *fmt, ...)
{
        char buf[512];
        int n;
        va_list ap;

        n = snprintf(buf, sizeof(buf), "%s: ", s->name ?: "iio");
        if (n < 0 || (size_t) n >= sizeof(buf))
                n = 0;
        va_start(ap, fmt);
        (void) vsnprintf(buf + n, sizeof(buf) - (size_t) n, fmt, ap);
        va_end(ap);
        s->host.log(s->host.userdata, priority, buf);
}

static void iio_close(void *source);

static inline void iio_closep(Iio **s)
{
        iio_close(*s);
}

static int iio_open(void **ret, const char *arg, const PosturedSourceHost *host, char *error,
                    size_t error_size)
{
        _cleanup_(iio_closep) Iio *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->host = *host;
        s->stop_fd = -EBADF;
        s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->stop_fd < 0)
                return -errno; /* cppcheck-suppress memleak ; freed by _cleanup_ */

        r = iio_uri_parse(&s->uri, arg, error, error_size);
        if (r < 0)
                return r;

        if (s->uri.local)
                s->ctx = iio_create_local_context();
        else {
                /* libiio 0.24 cuts the ":PORT" off the string it is given. */
                _cleanup_(freep) char *copy = strdup(s->uri.context);

                if (!copy)
                        return -ENOMEM;
                s->ctx = iio_create_context_from_uri(copy);
        }
        if (!s->ctx) {
                r = errno > 0 ? -errno : -EIO;
                iio_source_set_error(error, error_size, "cannot open the IIO context '%s': %s",
                                     s->uri.context, strerror(-r));
                /* No IIO on this machine, or iiod not (yet) reachable: the
                 * sensor is absent, and the daemon waits for it. */
                if (s->uri.local || r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH ||
                    r == -ETIMEDOUT || r == -EHOSTDOWN)
                        return -ENODEV;
                return r;
        }
        r = iio_source_setup(s, error, error_size);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

static int iio_describe(void *source, PosturedSourceInfo *info)
{
        Iio *s = source;

        *info = (PosturedSourceInfo){
                .name = s->name,
                .rate_hz = s->rate_hz,
                .clock = s->clock,
                .has_mount_matrix = s->has_mount_matrix,
        };
        memcpy(info->mount_matrix, s->mount_matrix, sizeof(info->mount_matrix));
        return 0;
}

static int iio_start(void *source)
{
        Iio *s = source;
        uint64_t counter;
        int r;

        if (s->running)
                return -EBUSY;
        /* A buffer cancelled by stop() cannot be used again. */
        if (s->buffered && !s->buf) {
                r = iio_source_create_buffer(s);
                if (r < 0)
                        return r;
        }
        (void) !read(s->stop_fd, &counter, sizeof(counter));
        atomic_store(&s->stopping, false);
        s->stage_len = 0;
        r = pthread_create(&s->thread, NULL, iio_source_thread, s);
        if (r != 0)
                return -r;
        s->running = true;
        return 0;
}

static void iio_stop(void *source)
{
        Iio *s = source;
        uint64_t one = 1;

        if (!s->running)
                return;
        atomic_store(&s->stopping, true);
        (void) !write(s->stop_fd, &one, sizeof(one));
        if (s->buf && s->blocking)
                iio_buffer_cancel(s->buf);
        (void) pthread_join(s->thread, NULL);
        s->running = false;
        if (s->buf && s->blocking) {
                iio_buffer_destroy(s->buf);
                s->buf = NULL;
        }
}

static void iio_close(void *source)
{
        Iio *s = source;

        if (!s)
                return;
        iio_stop(s);
        if (s->buf)
                iio_buffer_destroy(s->buf);
        if (s->ctx)
                iio_context_destroy(s->ctx);
        if (s->stop_fd >= 0)
                (void) close(s->stop_fd);
        iio_uri_done(&s->uri);
        free(s->stage);
        free(s->name);
        free(s);
}

static const PosturedSourceV1 iio_ops = {
        .abi_major = POSTURED_SOURCE_ABI_MAJOR,
        .abi_minor = POSTURED_SOURCE_ABI_MINOR,
        .scheme = "iio",
        .open = iio_open,
        .describe = iio_describe,
        .start = iio_start,
        .stop = iio_stop,
        .close = iio_close,
};

__attribute__((visibility("default"))) const PosturedSourceV1 *postured_source_v1(void)
{
        return &iio_ops;
}
