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
#include <stdlib.h>
#include <string.h>

#include "iio-private.h"

static void iio_close(void *source);

static inline void iio_closep(Iio **s)
{
        iio_close(*s);
}

static int iio_open(void **ret, const char *arg, const PosturedSourceHost *host, char *error,
                    size_t error_size)
{
        _cleanup_(iio_closep) Iio *s = NULL;
        _cleanup_(freep) char *msg = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->host = *host;
        r = source_thread_init(&s->thread);
        if (r < 0)
                return r; /* cppcheck-suppress memleak ; freed by _cleanup_ */

        r = iio_uri_parse(&s->uri, arg, &msg);
        if (r < 0)
                return msg ? plugin_set_error(error, error_size, r, "%s", msg) : r;

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
                (void) plugin_set_error(error, error_size, r,
                                        "cannot open the IIO context '%s': %s", s->uri.context,
                                        strerror(-r));
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
        int r;

        if (s->thread.running)
                return -EBUSY;
        /* A buffer cancelled by stop() cannot be used again. */
        if (s->buffered && !s->buf) {
                r = iio_source_create_buffer(s);
                if (r < 0)
                        return r;
        }
        s->stage_len = 0;
        return source_thread_start(&s->thread, iio_source_thread, s);
}

/*
 * A local buffer needs no thread: the daemon's loop polls its descriptor,
 * which the kernel makes readable once the watermark (a second of scans)
 * is queued, and calls iio_dispatch(). Polling sysfs and iiod keep theirs.
 */
static int iio_start_polled(void *source, int *ret_fd, uint64_t *ret_interval_ns)
{
        Iio *s = source;
        int r;

        if (!s->buffered || s->blocking)
                return -EOPNOTSUPP;
        if (s->thread.running)
                return -EBUSY;
        if (!s->buf) {
                r = iio_source_create_buffer(s);
                if (r < 0)
                        return r;
                if (s->blocking)
                        return -EOPNOTSUPP;
        }
        s->stage_len = 0;
        *ret_fd = iio_buffer_get_poll_fd(s->buf);
        *ret_interval_ns = 0;
        return 0;
}

static int iio_dispatch(void *source, int revents)
{
        return iio_source_dispatch(source, revents);
}

/* Over the network the thread blocks in a refill, which only this ends. */
static void cancel_refill(void *userdata)
{
        Iio *s = userdata;

        if (s->buf && s->blocking)
                iio_buffer_cancel(s->buf);
}

static void iio_stop(void *source)
{
        Iio *s = source;

        if (!source_thread_stop(&s->thread, cancel_refill, s))
                return;
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
        source_thread_done(&s->thread);
        if (s->buf)
                iio_buffer_destroy(s->buf);
        if (s->ctx)
                iio_context_destroy(s->ctx);
        iio_uri_done(&s->uri);
        free(s->stage);
        free(s->name);
        free(s);
}

PLUGIN_DEFINE_POLLED("iio", iio)
