/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * evdev source: an accelerometer of the input subsystem, read with libevdev.
 *
 * URIs: "evdev:" opens the first /dev/input/eventN (lowest N) that has
 * INPUT_PROP_ACCELEROMETER and ABS_X/Y/Z, or fails with -ENODEV;
 * "evdev:/dev/input/eventN" opens that device (ABS_X/Y/Z required, the
 * property only noted), -ENODEV when the node does not exist. Options after
 * '?', joined by '&': resolution=N (units per g, for drivers that report
 * none or a wrong one) and rate=HZ (instead of the estimate).
 *
 * Units: for accelerometers the kernel gives ABS_X/Y/Z in units per g in
 * absinfo.resolution, so a value v is v * 9.80665 / resolution m/s². Many
 * older drivers leave the resolution at 0; then open() takes the mean
 * magnitude over its first second as 1 g for all axes, if the sensor was
 * still (spread under 5 %), and warns; if it was not, open() fails asking
 * for ?resolution=N. Guessing a fixed unit instead would be off by up to
 * 1000x and break every threshold in m/s² (stillness, movement).
 *
 * Rate: evdev does not tell it, and the daemon needs it at open(): open()
 * reads up to 1 s (or 64 frames) and takes the median interval between
 * SYN_REPORTs; with fewer than 5 frames it assumes 100 Hz.
 *
 * Held values: the input core drops an axis event that repeats the previous
 * value (or moves less than the fuzz), and a frame without events, so a
 * still sensor may fall silent. While no frame arrives, the plugin repeats
 * the last values at the nominal rate, two periods behind the clock, so
 * that the filter and the sample-time detectors see a steady stream.
 *
 * Frames: each SYN_REPORT yields one frame with the latest value of every
 * axis, stamped with the event time: CLOCK_MONOTONIC through EVIOCSCLOCKID,
 * or CLOCK_REALTIME (the evdev default) when that ioctl fails. SYN_DROPPED
 * is followed by libevdev's resync (LIBEVDEV_READ_FLAG_SYNC) and the next
 * frame carries FRAME_AFTER_GAP; a value at the axis minimum or maximum
 * sets FRAME_SATURATED. A udev ACCEL_MOUNT_MATRIX property is the device's
 * mount matrix. Frames are pushed about four times a second, never waiting.
 *
 * Wakeups: the daemon's main loop calls evdev_dispatch() at an interval
 * (start_polled(); no thread, no wakeup per event). evdev cannot batch
 * like an IIO buffer's watermark, and its per-reader queue is small: the
 * input core sizes it 8 packets of (1 + ABS axes + REL axes + 7) events,
 * at least 64, rounded up to a power of two (128 events for x, y and z),
 * and a reader that falls behind loses events (SYN_DROPPED). The interval
 * lets three quarters of that queue fill at the nominal rate, with a frame
 * counted as 4 events, and at most a second: 240 ms at 100 Hz.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libevdev/libevdev.h>

#include "abi/source.h"
#include "common/plugin-util.h"
#include "common/source-thread.h"
#include "evdev-private.h"
#include "util/macro.h"
#include "util/time-util.h"
#include "util/uri-util.h"

#define PROBE_MAX    64
#define PROBE_NS     NSEC_PER_SEC
#define DEFAULT_RATE 100.0
#define BATCH_MAX    512
#define BATCH_NS     (250 * NSEC_PER_MSEC)
/* The input core's per-reader queue (drivers/input/evdev.c and input.c). */
#define EVDEV_BUF_PACKETS     8
#define EVDEV_MIN_BUFFER_SIZE 64
#define EVENTS_PER_FRAME      4

typedef struct Evdev {
        PosturedSourceHost host;
        char *path, *name;
        int fd;
        struct libevdev *dev;
        clockid_t clock_id;
        double rate_hz;
        int resolution; /* from ?resolution=, else 0 */
        double scale[3];
        int min[3], max[3];
        bool has_mount_matrix;
        double mount[3][3];
        Frame probe[PROBE_MAX]; /* in device units until open() knows the scale */
        size_t n_probe;
        bool syncing, after_gap;
        unsigned drops;
        int64_t last_t_ns;
        SourceThread thread;
} Evdev;

_printf_(7, 0) static void libevdev_log(const struct libevdev *dev,
                                        enum libevdev_log_priority priority, void *data,
                                        const char *file, int line, const char *func,
                                        const char *format, va_list args)
{
        Evdev *e = data;
        char buf[512];

        (void) vsnprintf(buf, sizeof(buf), format, args);
        buf[strcspn(buf, "\n")] = '\0';
        plugin_log(&e->host, NULL,
                   priority == LIBEVDEV_LOG_ERROR ? POSTURED_LOG_ERR : POSTURED_LOG_INFO,
                   "%s: libevdev: %s", libevdev_get_name(dev) ?: "?", buf);
}

static void make_frame(Evdev *e, int64_t t_ns, Frame *f)
{
        *f = (Frame){ .t_ns = t_ns };
        for (int i = 0; i < 3; i++) {
                int v = libevdev_get_event_value(e->dev, EV_ABS, ABS_X + i);

                f->v[i] = (float) (v * e->scale[i]);
                if (e->min[i] < e->max[i] && (v <= e->min[i] || v >= e->max[i]))
                        f->flags |= FRAME_SATURATED;
        }
        if (e->after_gap)
                f->flags |= FRAME_AFTER_GAP;
        e->after_gap = false;
        e->last_t_ns = t_ns;
}

/* Read what the device has, appending frames to @out up to @max. Return: 0 or -errno. */
static int read_frames(Evdev *e, Frame *out, size_t max, size_t *n)
{
        while (*n < max) {
                struct input_event ev;
                int64_t t;
                int r;

                /* Nothing queued and nothing to read: no read() that only says EAGAIN. */
                if (!e->syncing && libevdev_has_event_pending(e->dev) == 0)
                        return 0;
                r = libevdev_next_event(
                        e->dev, e->syncing ? LIBEVDEV_READ_FLAG_SYNC : LIBEVDEV_READ_FLAG_NORMAL,
                        &ev);
                if (r == -EAGAIN && e->syncing) {
                        e->syncing = false; /* resync complete */
                        continue;
                }
                if (r == -EAGAIN)
                        return 0;
                if (r < 0)
                        return r;
                if (r == LIBEVDEV_READ_STATUS_SYNC && !e->syncing) {
                        /* SYN_DROPPED: libevdev queried the state again and now hands out
                         * the differences, ending in a SYN_REPORT. */
                        e->syncing = true;
                        e->after_gap = true;
                        /* Logged at the 1st, 2nd, 4th, 8th... time: a slow reader must
                         * not flood the journal. */
                        e->drops++;
                        if ((e->drops & (e->drops - 1)) == 0)
                                plugin_log(
                                        &e->host, NULL, POSTURED_LOG_WARNING,
                                        "%s: the kernel dropped events (SYN_DROPPED, %u so far); "
                                        "resynchronised",
                                        e->path, e->drops);
                        continue;
                }
                if (ev.type != EV_SYN || ev.code != SYN_REPORT)
                        continue;
                t = (int64_t) ev.input_event_sec * NSEC_PER_SEC +
                    (int64_t) ev.input_event_usec * 1000;
                /* Not after a held frame: its values reach the next frame. */
                if (t > e->last_t_ns)
                        make_frame(e, t, &out[(*n)++]);
        }
        return 0;
}

/* Repeat the held values while the device is silent; see the top of the file. */
static size_t hold(Evdev *e, Frame *out, size_t max)
{
        int64_t period = (int64_t) (NSEC_PER_SEC / e->rate_hz), now = now_ns(e->clock_id);
        size_t n = 0;

        while (n < max && e->last_t_ns + 3 * period <= now)
                make_frame(e, e->last_t_ns + period, &out[n++]);
        return n;
}

/* Read up to PROBE_NS of frames; learn the rate and, when needed, the scale. */
static int probe(Evdev *e, bool need_scale, char *error, size_t error_size)
{
        int64_t end = now_ns(CLOCK_MONOTONIC) + PROBE_NS;
        double g;

        while (e->n_probe < PROBE_MAX) {
                int64_t left = end - now_ns(CLOCK_MONOTONIC);
                struct pollfd p = { .fd = e->fd, .events = POLLIN };
                int r;

                if (left <= 0)
                        break;
                r = poll(&p, 1, (int) (left / NSEC_PER_MSEC) + 1);
                if (r < 0 && errno != EINTR)
                        r = -errno;
                else
                        r = read_frames(e, e->probe, PROBE_MAX, &e->n_probe);
                if (r < 0)
                        return plugin_set_error(error, error_size, r, "%s: cannot read events: %s",
                                                e->path, strerror(-r));
        }

        if (e->rate_hz <= 0)
                e->rate_hz = evdev_estimate_rate(e->probe, e->n_probe);
        if (e->rate_hz <= 0) {
                e->rate_hz = DEFAULT_RATE;
                plugin_log(&e->host, NULL, POSTURED_LOG_NOTICE,
                           "%s: %zu frames in the first second; assuming %.0f Hz (set "
                           "evdev:%s?rate=HZ)",
                           e->path, e->n_probe, DEFAULT_RATE, e->path);
        }
        if (!need_scale)
                return 0;
        g = evdev_estimate_gravity(e->probe, e->n_probe);
        if (g <= 0)
                return plugin_set_error(
                        error, error_size, -EINVAL,
                        "%s reports no axis resolution and was not still long enough to "
                        "measure 1 g; give it as evdev:%s?resolution=UNITS_PER_G",
                        e->path, e->path);
        for (int i = 0; i < 3; i++)
                e->scale[i] = STANDARD_GRAVITY / g;
        plugin_log(&e->host, NULL, POSTURED_LOG_WARNING,
                   "%s reports no axis resolution; took the %.0f units measured while still as "
                   "1 g (set evdev:%s?resolution=N to override)",
                   e->path, g, e->path);
        return 0;
}

static void evdev_close(void *source);

/* Clock, units, rate and mount matrix of the open device. */
static int set_up(Evdev *e, char *error, size_t error_size)
{
        bool need_scale = false;
        double unit[3];
        char bad[128];
        int r;

        e->clock_id = CLOCK_MONOTONIC;
        r = libevdev_set_clock_id(e->dev, CLOCK_MONOTONIC);
        if (r < 0) {
                e->clock_id = CLOCK_REALTIME;
                plugin_log(&e->host, NULL, POSTURED_LOG_NOTICE,
                           "%s: cannot switch event times to CLOCK_MONOTONIC (%s); using "
                           "CLOCK_REALTIME",
                           e->path, strerror(-r));
        }

        for (int i = 0; i < 3; i++) {
                const struct input_absinfo *a = libevdev_get_abs_info(e->dev, ABS_X + i);
                int res = e->resolution > 0 ? e->resolution : a->resolution;

                e->min[i] = a->minimum;
                e->max[i] = a->maximum;
                unit[i] = res > 0 ? STANDARD_GRAVITY / res : 0;
                need_scale = need_scale || res <= 0;
        }

        /* The state libevdev read at open is the first held value. */
        e->last_t_ns = now_ns(e->clock_id);
        /* Probe in device units; convert once the scale is known. */
        e->scale[0] = e->scale[1] = e->scale[2] = 1.0;
        if (e->rate_hz <= 0 || need_scale) {
                r = probe(e, need_scale, error, error_size);
                if (r < 0)
                        return r;
        }
        if (!need_scale)
                memcpy(e->scale, unit, sizeof(unit));
        for (size_t i = 0; i < e->n_probe; i++)
                for (int j = 0; j < 3; j++)
                        e->probe[i].v[j] = (float) (e->probe[i].v[j] * e->scale[j]);

        r = evdev_udev_mount_matrix(e->path, e->mount, bad, sizeof(bad));
        if (r < 0)
                plugin_log(&e->host, NULL, POSTURED_LOG_WARNING,
                           "%s: ignoring udev ACCEL_MOUNT_MATRIX=%s: not a mount matrix", e->path,
                           bad);
        e->has_mount_matrix = r > 0;
        return 0;
}

static int evdev_init(Evdev *e, const char *arg, char *error, size_t error_size)
{
        _cleanup_(uri_done) Uri uri = {};
        _cleanup_(freep) char *uri_error = NULL;
        int r;

        r = uri_parse(&uri, "evdev", arg, 0, &uri_error);
        if (r < 0)
                return plugin_set_error(error, error_size, r, "%s", uri_error ?: strerror(-r));
        r = evdev_parse_options(&uri, &e->resolution, &e->rate_hz, error, error_size);
        if (r < 0)
                return r;
        r = evdev_open_sensor(uri.path, libevdev_log, e, &e->path, &e->fd, &e->dev, error,
                              error_size);
        if (r < 0)
                return r;
        if (r == 0)
                plugin_log(&e->host, NULL, POSTURED_LOG_NOTICE,
                           "%s does not say it is an accelerometer (INPUT_PROP_ACCELEROMETER); "
                           "reading its ABS_X/Y/Z as one",
                           e->path);
        if (asprintf(&e->name, "%s (%s)", e->path, libevdev_get_name(e->dev)) < 0) {
                e->name = NULL;
                return -ENOMEM;
        }
        return set_up(e, error, error_size);
}

static int evdev_open(void **ret, const char *arg, const PosturedSourceHost *host, char *error,
                      size_t error_size)
{
        Evdev *e;
        int r;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->host = *host;
        e->fd = -EBADF;
        r = source_thread_init(&e->thread);
        if (r >= 0)
                r = evdev_init(e, arg, error, error_size);
        if (r < 0) {
                evdev_close(e);
                return r;
        }
        *ret = e;
        return 0;
}

static int evdev_describe(void *source, PosturedSourceInfo *info)
{
        Evdev *e = source;

        *info = (PosturedSourceInfo){
                .name = e->name,
                .rate_hz = e->rate_hz,
                .clock = e->clock_id == CLOCK_MONOTONIC ? POSTURED_CLOCK_MONOTONIC
                                                        : POSTURED_CLOCK_REALTIME,
                .has_mount_matrix = e->has_mount_matrix,
        };
        memcpy(info->mount_matrix, e->mount, sizeof(info->mount_matrix));
        return 0;
}

static void *evdev_thread(void *userdata)
{
        Evdev *e = userdata;
        Frame batch[BATCH_MAX];
        size_t n = e->n_probe, k, enough = (size_t) CLAMP(e->rate_hz / 4, 16, BATCH_MAX);
        int64_t last_push = now_ns(CLOCK_MONOTONIC);
        bool behind = false;
        int r = 0;

        /* The frames open() read to learn the rate come first. */
        memcpy(batch, e->probe, n * sizeof(Frame));
        while (!source_thread_stopping(&e->thread)) {
                int64_t wait = last_push + BATCH_NS - now_ns(CLOCK_MONOTONIC);
                int revents;

                /* Sleep until the next hand-over, unless held frames are still due. */
                revents = source_thread_wait(&e->thread, e->fd,
                                             wait > 0 && !behind ? wait + NSEC_PER_MSEC : 0);
                if (revents == -ECANCELED)
                        break;
                if (revents < 0) {
                        r = revents;
                        break;
                }
                if (revents != 0) {
                        size_t before = n;

                        r = read_frames(e, batch, BATCH_MAX, &n);
                        /* Unplugged: evdev reads fail with ENODEV and poll() says POLLHUP
                         * (an emulated device's pseudo-terminal fails with EIO). */
                        if (r < 0 && (r == -ENODEV || (revents & POLLHUP)))
                                r = -ENODEV;
                        else if (r == 0 && n == before && n < BATCH_MAX &&
                                 (revents & (POLLHUP | POLLERR | POLLNVAL)))
                                r = -ENODEV; /* nothing to read, yet woken: do not spin */
                        if (r < 0)
                                break;
                }
                k = hold(e, batch + n, BATCH_MAX - n);
                n += k;
                behind = n == BATCH_MAX && k > 0;
                if (n >= enough || now_ns(CLOCK_MONOTONIC) - last_push >= BATCH_NS) {
                        if (n > 0)
                                (void) e->host.push(e->host.userdata, batch, n, 0);
                        n = 0;
                        last_push = now_ns(CLOCK_MONOTONIC);
                }
        }
        if (source_thread_stopping(&e->thread))
                return NULL;
        if (n > 0)
                (void) e->host.push(e->host.userdata, batch, n, 0);
        if (r == -ENODEV)
                source_thread_finish(&e->thread, &e->host, -ENODEV, "device removed");
        else
                source_thread_finish(&e->thread, &e->host, r, "cannot read %s: %s", e->path,
                                     strerror(-r));
        return NULL;
}

/* How long the kernel's queue for us takes to fill three quarters at the rate. */
static uint64_t drain_interval_ns(const Evdev *e)
{
        unsigned hint = 1 + 7, events = 1;
        double frames;

        for (unsigned c = 0; c < ABS_CNT; c++)
                hint += libevdev_has_event_code(e->dev, EV_ABS, c);
        for (unsigned c = 0; c < REL_CNT; c++)
                hint += libevdev_has_event_code(e->dev, EV_REL, c);
        while (events < MAX(hint * EVDEV_BUF_PACKETS, EVDEV_MIN_BUFFER_SIZE))
                events *= 2;
        frames = 0.75 * events / EVENTS_PER_FRAME;
        return (uint64_t) MIN(frames / e->rate_hz * NSEC_PER_SEC, (double) NSEC_PER_SEC);
}

static int evdev_start_polled(void *source, int *ret_fd, uint64_t *ret_interval_ns)
{
        Evdev *e = source;

        if (e->thread.running)
                return -EBUSY;
        *ret_fd = -1;
        *ret_interval_ns = drain_interval_ns(e);
        return 0;
}

/* On the daemon's main loop: read what the kernel queued, add held frames, push. */
static int evdev_dispatch(void *source, int unused)
{
        Evdev *e = source;
        struct pollfd p = { .fd = e->fd, .events = POLLIN };
        Frame batch[BATCH_MAX];
        size_t n = e->n_probe;
        int r = 0;

        /* The frames open() read to learn the rate come first. */
        memcpy(batch, e->probe, n * sizeof(Frame));
        e->n_probe = 0;
        for (;;) {
                size_t before = n, k;

                if (poll(&p, 1, 0) < 0)
                        p.revents = 0;
                if (p.revents != 0) {
                        r = read_frames(e, batch, BATCH_MAX, &n);
                        if (r < 0 && (r == -ENODEV || (p.revents & POLLHUP)))
                                r = -ENODEV;
                        else if (r == 0 && n == before && n < BATCH_MAX &&
                                 (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
                                r = -ENODEV;
                }
                k = r < 0 ? 0 : hold(e, batch + n, BATCH_MAX - n);
                n += k;
                if (n > 0)
                        (void) e->host.push(e->host.userdata, batch, n, 0);
                if (r < 0 || n < BATCH_MAX)
                        break;
                n = 0;
        }
        if (r == -ENODEV)
                e->host.finished(e->host.userdata, -ENODEV, "device removed");
        else if (r < 0) {
                char msg[512];

                (void) snprintf(msg, sizeof(msg), "cannot read %s: %s", e->path, strerror(-r));
                e->host.finished(e->host.userdata, r, msg);
        }
        return r;
}

static int evdev_start(void *source)
{
        Evdev *e = source;

        return source_thread_start(&e->thread, evdev_thread, e);
}

static void evdev_stop(void *source)
{
        Evdev *e = source;

        if (source_thread_stop(&e->thread, NULL, NULL))
                e->n_probe = 0; /* pushed already */
}

static void evdev_close(void *source)
{
        Evdev *e = source;

        if (!e)
                return;
        source_thread_done(&e->thread);
        libevdev_free(e->dev);
        if (e->fd >= 0)
                (void) close(e->fd);
        free(e->path);
        free(e->name);
        free(e);
}

PLUGIN_DEFINE_POLLED("evdev", evdev)
