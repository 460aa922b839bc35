/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IIO source's producer thread: buffered refills (decoded with
 * iio-scan.c) or raw polling, into the daemon's ring with
 * host->push(wait=0): a live sensor does not wait for a slow reader.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iio-private.h"
#include "util/time-util.h"

#define BATCH 256

/* Errors that mean the device (or the connection to iiod) is gone. */
static bool is_removal(int r)
{
        switch (-r) {
        case ENODEV:
        case ENXIO:
        case ENOENT:
        case EIO:
        case EBADF:
        case EPIPE:
        case ECONNRESET:
        case ECONNABORTED:
        case ENOTCONN:
        case ESHUTDOWN:
                return true;
        default:
                return false;
        }
}

/* The end of the stream, reported once; the thread returns right after. */
static void fail(Iio *s, int r, const char *what)
{
        if (source_thread_stopping(&s->thread))
                return;
        if (is_removal(r)) {
                iio_source_log(s, POSTURED_LOG_WARNING, "%s: %s; the device is gone", what,
                               strerror(-r));
                source_thread_finish(&s->thread, &s->host, -ENODEV, "device removed");
                return;
        }
        iio_source_log(s, POSTURED_LOG_ERR, "%s: %s", what, strerror(-r));
        source_thread_finish(&s->thread, &s->host, r, "%s: %s", what, strerror(-r));
}

static void push(Iio *s, const Frame *f, size_t n)
{
        if (n > 0)
                (void) s->host.push(s->host.userdata, f, n, 0);
}

/*
 * Time of scan @k of @n read at @now when the device gives none: evenly
 * between the previous frame and now when the scans arrived faster than
 * the nominal rate (a backlog), else one period apart, ending at now.
 */
static int64_t spread_time(const Iio *s, size_t k, size_t n, int64_t now)
{
        int64_t period = (int64_t) ((double) NSEC_PER_SEC / s->rate_hz);
        int64_t first = now - (int64_t) (n - 1) * period;

        if (s->last_t_ns > 0 && first <= s->last_t_ns)
                return s->last_t_ns + (int64_t) (k + 1) * (now - s->last_t_ns) / (int64_t) n;
        return first + (int64_t) k * period;
}

static void scan_to_frame(const Iio *s, const uint8_t *scan, Frame *f)
{
        IioScanValue v;

        f->flags = 0;
        for (int i = 0; i < 3; i++) {
                const IioScanType *t = &s->elem[i].type;

                iio_scan_type_decode(t, scan + s->elem[i].offset, 0, &v);
                f->v[i] = (float) ((iio_scan_value_to_double(t, &v) + s->offset[i]) * s->scale[i]);
                if (v.saturated)
                        f->flags |= FRAME_SATURATED;
        }
        if (s->device_time) {
                iio_scan_type_decode(&s->elem[IIO_TS].type, scan + s->elem[IIO_TS].offset, 0, &v);
                f->t_ns = v.i;
        }
}

/* Append @len bytes read at @now, decode every complete scan, keep the rest. */
static int consume(Iio *s, const void *data, size_t len, int64_t now)
{
        Frame batch[BATCH];
        size_t n_scans, done = 0;

        if (s->stage_len + len > s->stage_size) {
                uint8_t *p = realloc(s->stage, s->stage_len + len);

                if (!p)
                        return -ENOMEM;
                s->stage = p;
                s->stage_size = s->stage_len + len;
        }
        memcpy(s->stage + s->stage_len, data, len);
        s->stage_len += len;
        n_scans = s->stage_len / s->scan_bytes;

        while (done < n_scans) {
                size_t n = MIN(n_scans - done, (size_t) BATCH);

                for (size_t k = 0; k < n; k++) {
                        scan_to_frame(s, s->stage + (done + k) * s->scan_bytes, &batch[k]);
                        if (!s->device_time)
                                batch[k].t_ns = spread_time(s, done + k, n_scans, now);
                }
                push(s, batch, n);
                done += n;
        }
        if (n_scans > 0 && !s->device_time)
                s->last_t_ns = now;
        s->stage_len -= n_scans * s->scan_bytes;
        memmove(s->stage, s->stage + n_scans * s->scan_bytes, s->stage_len);
        return 0;
}

/* Read everything the buffer holds now. Return: whether anything was read, or -errno. */
static int drain(Iio *s)
{
        bool got = false;

        for (;;) {
                ssize_t n = iio_buffer_refill(s->buf);
                int r;

                if (n == -EAGAIN || n == -ETIMEDOUT || n == 0)
                        return got;
                if (n < 0)
                        return (int) n;
                r = consume(s, iio_buffer_start(s->buf), (size_t) n, now_ns(CLOCK_MONOTONIC));
                if (r < 0)
                        return r;
                got = true;
                /* A short read: nothing more is waiting. */
                if ((size_t) n < s->refill_bytes || s->blocking ||
                    source_thread_stopping(&s->thread))
                        return got;
        }
}

/**
 * iio_source_dispatch() - the daemon's main loop saw the buffer's descriptor
 * ready (@revents), which the kernel makes it once the watermark (a second
 * of scans) is queued: read them all and push them.
 *
 * Return: 0, or -errno after host->finished() (a read error; a hang-up
 * with nothing to read: the device is gone).
 */
int iio_source_dispatch(Iio *s, int revents)
{
        int r = drain(s);

        if (r == 0 && (revents & (POLLERR | POLLHUP | POLLNVAL)))
                r = -ENODEV;
        if (r < 0) {
                fail(s, r, "cannot read the buffer");
                return r;
        }
        return 0;
}

/* poll() on the buffer and our stop eventfd; wake at most every IIO_WAKE_NS. */
static void run_polled_buffer(Iio *s)
{
        int fd = iio_buffer_get_poll_fd(s->buf);

        for (;;) {
                int64_t woke;
                int r;

                r = source_thread_wait(&s->thread, fd,
                                       (int64_t) IIO_IDLE_TIMEOUT_MS * NSEC_PER_MSEC);
                if (r == -ECANCELED)
                        return;
                woke = now_ns(CLOCK_MONOTONIC);
                /* Also on a timeout: a removed device shows up as a read error. */
                r = r < 0 ? r : MIN(drain(s), 0);
                if (r < 0) {
                        fail(s, r, "cannot read the buffer");
                        return;
                }

                /* Let samples gather (the kernel buffer holds four times as many): a
                 * device without a watermark would wake us at every scan. */
                r = source_thread_wait(&s->thread, -1,
                                       MAX(woke + IIO_WAKE_NS - now_ns(CLOCK_MONOTONIC), 0));
                if (r == -ECANCELED)
                        return;
        }
}

/* Network: refill blocks until the buffer is full; stop() cancels it. */
static void run_blocking_buffer(Iio *s)
{
        while (!source_thread_stopping(&s->thread)) {
                int r = drain(s);

                if (r < 0) {
                        fail(s, r, "cannot read the buffer");
                        return;
                }
        }
}

static int read_raw(Iio *s, int axis, double *ret, bool *saturated)
{
        char buf[64], *end;
        long long v;
        ssize_t n;

        n = iio_channel_attr_read(s->chn[axis], "raw", buf, sizeof(buf));
        if (n < 0)
                return (int) n;
        buf[sizeof(buf) - 1] = '\0';
        errno = 0;
        v = strtoll(buf, &end, 10);
        while (*end == '\n' || *end == ' ')
                end++;
        if (errno != 0 || end == buf || *end != '\0')
                return -EINVAL;
        *ret = ((double) v + s->offset[axis]) * s->scale[axis];
        *saturated = false;
        if (s->poll_types_known) {
                const IioScanType *t = &s->elem[axis].type;
                uint64_t mask = t->bits == 64 ? UINT64_MAX : (UINT64_C(1) << t->bits) - 1;
                long long max = t->is_signed ? (long long) (mask >> 1) : (long long) mask;
                long long min = t->is_signed ? -max - 1 : 0;

                *saturated = t->bits < 63 && (v <= min || v >= max);
        }
        return 0;
}

/* No buffer: read in_accel_*_raw at the rate, hand over a batch a few times
 * a second. A sysfs read may fail now and then (a bus error): only a device
 * that is gone, or a second of failures in a row, ends the stream. */
static void run_polling(Iio *s)
{
        int64_t period = (int64_t) ((double) NSEC_PER_SEC / s->rate_hz),
                next = now_ns(CLOCK_MONOTONIC), batch_start = next;
        unsigned failures = 0, max_failures = (unsigned) MAX(s->rate_hz, 1.0);
        Frame batch[BATCH];
        size_t n = 0;

        for (;;) {
                Frame *f = &batch[n];
                int64_t now;
                int r = 0;

                f->flags = 0;
                for (int i = 0; i < 3 && r >= 0; i++) {
                        double v = 0;
                        bool sat = false;

                        r = read_raw(s, i, &v, &sat);
                        f->v[i] = (float) v;
                        if (sat)
                                f->flags |= FRAME_SATURATED;
                }
                now = now_ns(CLOCK_MONOTONIC);
                if (r < 0 && (r == -ENOENT || r == -ENODEV || ++failures >= max_failures)) {
                        push(s, batch, n);
                        fail(s, r, "cannot read raw values");
                        return;
                }
                if (r >= 0) {
                        failures = 0;
                        f->t_ns = now;
                        n++;
                }
                if (n == BATCH || (n > 0 && now - batch_start >= IIO_WAKE_NS)) {
                        push(s, batch, n);
                        n = 0;
                        batch_start = now;
                }

                next += period;
                if (next < now - period) /* fell behind: do not catch up in a burst */
                        next = now;
                r = source_thread_wait(&s->thread, -1, MAX(next - now_ns(CLOCK_MONOTONIC), 0));
                if (r == -ECANCELED)
                        return;
        }
}

/**
 * iio_source_thread() - the producer thread: buffered refills or raw
 * polling until stop(); on a read error it calls host->finished() once
 * and returns.
 */
void *iio_source_thread(void *userdata)
{
        Iio *s = userdata;

        if (!s->buffered)
                run_polling(s);
        else if (s->blocking)
                run_blocking_buffer(s);
        else
                run_polled_buffer(s);
        return NULL;
}
