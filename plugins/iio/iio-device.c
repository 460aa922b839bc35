/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IIO source's device setup: which device, its calibration, mount
 * matrix, rate, clock and trigger, and whether it streams through its
 * buffer or is polled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mount-matrix.h"
#include "iio-private.h"
#include "util/parse-util.h"

/* An attribute of @chn (or of the device when NULL) without its trailing
 * blanks. Return: 0, -ENOENT when there is no such attribute, -errno. */
static int read_attr(const Iio *s, const struct iio_channel *chn, const char *attr, char *buf,
                     size_t size)
{
        ssize_t n;

        if (chn ? !iio_channel_find_attr(chn, attr) : !iio_device_find_attr(s->dev, attr))
                return -ENOENT;
        n = chn ? iio_channel_attr_read(chn, attr, buf, size)
                : iio_device_attr_read(s->dev, attr, buf, size);
        if (n < 0)
                return (int) n;
        buf[size - 1] = '\0';
        for (size_t len = strlen(buf); len > 0 && strchr(" \t\n", buf[len - 1]); len--)
                buf[len - 1] = '\0';
        return 0;
}

/* A number, read whatever the locale. Return: 0, -ENOENT, -EINVAL, -errno. */
static int read_attr_double(const Iio *s, const struct iio_channel *chn, const char *attr,
                            double *ret)
{
        char buf[128];
        int r;

        r = read_attr(s, chn, attr, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_double(buf, strlen(buf), ret);
}

/* The input accelerometer axes of @dev and its timestamp, if any. */
static bool find_channels(struct iio_device *dev, struct iio_channel *chn[_IIO_ELEMENTS])
{
        unsigned n = iio_device_get_channels_count(dev);

        memset(chn, 0, sizeof(*chn) * _IIO_ELEMENTS);
        for (unsigned i = 0; i < n; i++) {
                struct iio_channel *c = iio_device_get_channel(dev, i);
                enum iio_modifier mod = iio_channel_get_modifier(c);

                if (iio_channel_is_output(c))
                        continue;
                if (iio_channel_get_type(c) == IIO_TIMESTAMP)
                        chn[IIO_TS] = c;
                else if (iio_channel_get_type(c) == IIO_ACCEL &&
                         (mod == IIO_MOD_X || mod == IIO_MOD_Y || mod == IIO_MOD_Z))
                        chn[IIO_X + (mod - IIO_MOD_X)] = c;
        }
        return chn[IIO_X] && chn[IIO_Y] && chn[IIO_Z];
}

static void list_devices(const Iio *s, char *buf, size_t size)
{
        unsigned n = iio_context_get_devices_count(s->ctx);
        size_t len = 0;

        buf[0] = '\0';
        for (unsigned i = 0; i < n && len < size; i++) {
                const struct iio_device *d = iio_context_get_device(s->ctx, i);
                int k = snprintf(buf + len, size - len, "%s%s (%s)", i ? ", " : "",
                                 iio_device_get_id(d), iio_device_get_name(d) ?: "no name");

                if (k < 0)
                        break;
                len += (size_t) k;
        }
}

static int pick_device(Iio *s, char *error, size_t error_size)
{
        char devices[256];

        if (s->uri.device) {
                s->dev = iio_context_find_device(s->ctx, s->uri.device);
                if (s->dev && find_channels(s->dev, s->chn))
                        return 0;
                list_devices(s, devices, sizeof(devices));
                return plugin_set_error(error, error_size, -ENODEV, "%s '%s' in '%s' (devices: %s)",
                                        s->dev ? "no accelerometer x, y, z channels in"
                                               : "no IIO device with the id, label or name",
                                        s->uri.device, s->uri.context,
                                        devices[0] ? devices : "none");
        }

        for (unsigned i = 0; i < iio_context_get_devices_count(s->ctx); i++) {
                struct iio_device *d = iio_context_get_device(s->ctx, i);

                if (!iio_device_is_trigger(d) && find_channels(d, s->chn)) {
                        s->dev = d;
                        return 0;
                }
        }
        list_devices(s, devices, sizeof(devices));
        return plugin_set_error(error, error_size, -ENODEV,
                                "no IIO accelerometer in '%s' (devices: %s)", s->uri.context,
                                devices[0] ? devices : "none");
}

static void read_calibration(Iio *s)
{
        for (int i = 0; i < 3; i++) {
                double v;

                s->scale[i] = 1.0;
                s->offset[i] = 0.0;
                if (read_attr_double(s, s->chn[i], "scale", &v) == 0 && v != 0)
                        s->scale[i] = v;
                else
                        iio_source_log(s, POSTURED_LOG_WARNING,
                                       "%s has no usable scale; taking raw values as m/s²",
                                       iio_channel_get_id(s->chn[i]));
                if (read_attr_double(s, s->chn[i], "offset", &v) == 0)
                        s->offset[i] = v;
        }
}

static void read_mount_matrix(Iio *s)
{
        static const char *const names[] = { "mount_matrix", "in_accel_mount_matrix" };
        MountMatrix mm;
        char buf[256];

        /* Shared "in_accel_mount_matrix" shows up as a channel attribute; a
         * device-wide "mount_matrix" as a device one. */
        if (read_attr(s, s->chn[IIO_X], "mount_matrix", buf, sizeof(buf)) < 0 &&
            read_attr(s, NULL, names[0], buf, sizeof(buf)) < 0 &&
            read_attr(s, NULL, names[1], buf, sizeof(buf)) < 0)
                return;
        if (mount_matrix_parse(&mm, buf) < 0) {
                iio_source_log(s, POSTURED_LOG_WARNING, "ignoring the unusable mount matrix '%s'",
                               buf);
                return;
        }
        memcpy(s->mount_matrix, mm.m, sizeof(mm.m));
        s->has_mount_matrix = 1;
}

/* sampling_frequency is a device attribute, or in_accel_sampling_frequency. */
static const struct iio_channel *rate_owner(const Iio *s)
{
        return iio_device_find_attr(s->dev, "sampling_frequency") ? NULL : s->chn[IIO_X];
}

static void setup_rate(Iio *s)
{
        const struct iio_channel *owner = rate_owner(s);
        double hz;

        if (s->uri.rate_hz > 0) {
                char buf[64];
                long long milli = (long long) (s->uri.rate_hz * 1000 + 0.5);
                ssize_t n;

                /* Formatted by hand: a decimal comma would not parse in sysfs. */
                (void) snprintf(buf, sizeof(buf), "%lld.%03lld", milli / 1000, milli % 1000);
                n = owner ? iio_channel_attr_write(owner, "sampling_frequency", buf)
                          : iio_device_attr_write(s->dev, "sampling_frequency", buf);
                if (n < 0)
                        iio_source_log(s, POSTURED_LOG_WARNING,
                                       "cannot set sampling_frequency=%s: %s", buf,
                                       strerror((int) -n));
        }
        if (read_attr_double(s, owner, "sampling_frequency", &hz) == 0 && hz > 0)
                s->rate_hz = hz;
        else
                s->rate_hz = s->uri.rate_hz > 0 ? s->uri.rate_hz : IIO_DEFAULT_RATE_HZ;
}

/* Use the device's timestamps when their clock is one the daemon knows:
 * realtime (the kernel's default) or, on this machine, monotonic. */
static void setup_clock(Iio *s)
{
        char buf[64];
        int r;

        s->clock = POSTURED_CLOCK_MONOTONIC;
        s->device_time = false;
        if (!s->chn[IIO_TS] || !iio_channel_is_scan_element(s->chn[IIO_TS]))
                return;
        r = read_attr(s, NULL, "current_timestamp_clock", buf, sizeof(buf));
        if (r == -ENOENT) /* older kernels: always realtime */
                strcpy(buf, "realtime");
        else if (r < 0)
                strcpy(buf, "unreadable");
        if (strcmp(buf, "realtime") == 0 || strcmp(buf, "realtime_coarse") == 0) {
                s->clock = POSTURED_CLOCK_REALTIME;
                s->device_time = true;
        } else if (s->uri.local &&
                   (strcmp(buf, "monotonic") == 0 || strcmp(buf, "monotonic_coarse") == 0))
                s->device_time = true;
        else
                iio_source_log(s, POSTURED_LOG_INFO,
                               "timestamps on the %s clock%s; using the time of each read instead",
                               buf, s->uri.local ? "" : " of another machine");
}

static const struct iio_device *find_trigger(const Iio *s, const char *name)
{
        for (unsigned i = 0; i < iio_context_get_devices_count(s->ctx); i++) {
                const struct iio_device *d = iio_context_get_device(s->ctx, i);
                const char *n = iio_device_get_name(d);

                if (iio_device_is_trigger(d) &&
                    ((n && strcmp(n, name) == 0) || strcmp(iio_device_get_id(d), name) == 0))
                        return d;
        }
        return NULL;
}

static int setup_trigger(Iio *s, char *error, size_t error_size)
{
        const struct iio_device *cur = NULL, *trig;
        char conventional[128];
        const char *id = iio_device_get_id(s->dev);
        int r;

        if (s->uri.trigger) {
                trig = find_trigger(s, s->uri.trigger);
                if (!trig)
                        return plugin_set_error(error, error_size, -ENOENT,
                                                "%s: no IIO trigger named '%s'", s->name,
                                                s->uri.trigger);
        } else {
                /* No trigger support (-ENOENT…), or one already attached: leave it. */
                r = iio_device_get_trigger(s->dev, &cur);
                if (r < 0 || cur)
                        return 0;
                /* The kernel's usual name for a device's own trigger. */
                (void) snprintf(conventional, sizeof(conventional), "%s-dev%s",
                                iio_device_get_name(s->dev) ?: "",
                                strncmp(id, "iio:device", 10) == 0 ? id + 10 : id);
                trig = find_trigger(s, conventional);
                if (!trig)
                        return 0;
        }
        r = iio_device_set_trigger(s->dev, trig);
        if (r < 0)
                return plugin_set_error(
                        error, error_size, r, "%s: cannot attach trigger '%s': %s", s->name,
                        iio_device_get_name(trig) ?: iio_device_get_id(trig), strerror(-r));
        iio_source_log(s, POSTURED_LOG_INFO, "trigger %s attached",
                       iio_device_get_name(trig) ?: iio_device_get_id(trig));
        return 0;
}

/* The scan elements' formats, as the layout code wants them. */
static int setup_layout(Iio *s)
{
        s->n_elem = s->device_time ? 4 : 3;
        for (size_t i = 0; i < s->n_elem; i++) {
                const struct iio_data_format *f = iio_channel_get_data_format(s->chn[i]);
                char type[IIO_SCAN_TYPE_STRLEN];

                if (f->length > 64 || f->bits > 64 || f->shift > 64 || f->repeat > 255)
                        return -EINVAL;
                s->elem[i] = (IioScanElement){
                        .index = (int) iio_channel_get_index(s->chn[i]),
                        .timestamp = i == IIO_TS,
                        .type = { .big_endian = f->is_be,
                                  .is_signed = f->is_signed,
                                  .bits = (uint8_t) f->bits,
                                  .storage = (uint8_t) f->length,
                                  .shift = (uint8_t) f->shift,
                                  .repeat = (uint8_t) (f->repeat ?: 1) },
                };
                if (iio_scan_type_format(&s->elem[i].type, type, sizeof(type)) < 0) {
                        iio_source_log(s, POSTURED_LOG_WARNING, "%s: unusable scan type",
                                       iio_channel_get_id(s->chn[i]));
                        return -EINVAL;
                }
                iio_source_log(s, POSTURED_LOG_DEBUG, "%s: %s", iio_channel_get_id(s->chn[i]),
                               type);
        }
        return iio_scan_layout(s->elem, s->n_elem, &s->scan_bytes);
}

/**
 * iio_source_create_buffer() - enable the scan elements, size the kernel
 * buffer and its watermark (locally), create the libiio buffer.
 *
 * Return: 0 or -errno.
 */
int iio_source_create_buffer(Iio *s)
{
        ssize_t sample_size;
        char buf[32];
        int r;

        for (size_t i = 0; i < s->n_elem; i++)
                iio_channel_enable(s->chn[i]);

        if (s->uri.local) {
                /* The kernel wakes a reader once the watermark is reached; it
                 * must not exceed the length, so set that first. */
                (void) snprintf(buf, sizeof(buf), "%zu", 4 * s->buffer_samples);
                (void) iio_device_attr_write(s->dev, "buffer/length", buf);
                if (iio_device_find_buffer_attr(s->dev, "watermark"))
                        (void) iio_device_buffer_attr_write_longlong(s->dev, "watermark",
                                                                     (long long) s->buffer_samples);
        }

        s->buf = iio_device_create_buffer(s->dev, s->buffer_samples, false);
        if (!s->buf)
                return -errno ?: -EIO;

        sample_size = iio_device_get_sample_size(s->dev);
        s->refill_bytes = s->buffer_samples * (size_t) MAX(sample_size, 0);

        /* Locally: poll() with our own stop eventfd, then read what is there.
         * Over the network: refill blocks, iio_buffer_cancel() ends it. */
        s->blocking = !s->uri.local || iio_buffer_get_poll_fd(s->buf) < 0;
        if (!s->blocking) {
                r = iio_buffer_set_blocking_mode(s->buf, false);
                if (r < 0)
                        s->blocking = true;
        }
        return 0;
}

static int setup_buffer(Iio *s)
{
        int r;

        for (int i = 0; i < 3; i++)
                if (!iio_channel_is_scan_element(s->chn[i]))
                        return -EOPNOTSUPP;
        r = setup_layout(s);
        if (r < 0)
                return r;
        s->buffer_samples =
                (size_t) CLAMP(s->rate_hz * (double) IIO_WAKE_NS / NSEC_PER_SEC + 0.5, 1, 4096);

        r = iio_source_create_buffer(s);
        if (r < 0)
                return r;

        /* Room for one refill plus a partial scan left over from the previous one. */
        s->stage_size = MAX(s->refill_bytes, s->buffer_samples * s->scan_bytes) + s->scan_bytes;
        s->stage = malloc(s->stage_size);
        if (!s->stage)
                return -ENOMEM;
        s->buffered = true;
        return 0;
}

static int setup_polling(Iio *s, char *error, size_t error_size)
{
        for (int i = 0; i < 3; i++)
                if (!iio_channel_find_attr(s->chn[i], "raw"))
                        return plugin_set_error(error, error_size, -EOPNOTSUPP,
                                                "%s: neither a usable buffer nor %s raw", s->name,
                                                iio_channel_get_id(s->chn[i]));
        s->rate_hz = s->uri.rate_hz > 0 ? s->uri.rate_hz : IIO_DEFAULT_POLL_RATE_HZ;
        s->clock = POSTURED_CLOCK_MONOTONIC;
        s->device_time = false;
        /* The scan types, when there are any, tell what "saturated" means. */
        s->poll_types_known = iio_channel_is_scan_element(s->chn[IIO_X]) &&
                              iio_channel_is_scan_element(s->chn[IIO_Y]) &&
                              iio_channel_is_scan_element(s->chn[IIO_Z]) && setup_layout(s) == 0;
        return 0;
}

/**
 * iio_source_setup() - with @s->ctx open: pick the device (@s->uri.device or
 * the first accelerometer), read its calibration, mount matrix, rate and
 * clock, attach a trigger, create the buffer or prepare polling.
 *
 * Return: 0, -ENODEV when there is no such device, other -errno, with
 * @error set.
 */
int iio_source_setup(Iio *s, char *error, size_t error_size)
{
        const char *dev_name;
        const char *how;
        int r;

        r = pick_device(s, error, error_size);
        if (r < 0)
                return r;

        dev_name = iio_device_get_name(s->dev);
        if (asprintf(&s->name, "%s (%s)%s%s", iio_device_get_id(s->dev), dev_name ?: "no name",
                     s->uri.local ? "" : " on ", s->uri.local ? "" : s->uri.context) < 0) {
                s->name = NULL;
                return -ENOMEM;
        }

        read_calibration(s);
        read_mount_matrix(s);
        setup_rate(s);
        setup_clock(s);
        r = setup_trigger(s, error, error_size);
        if (r < 0)
                return r;

        r = setup_buffer(s);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (r != -EOPNOTSUPP)
                        iio_source_log(s, POSTURED_LOG_WARNING,
                                       "cannot stream through the buffer (%s); polling instead",
                                       strerror(-r));
                r = setup_polling(s, error, error_size);
                if (r < 0)
                        return r;
        }
        how = !s->device_time                       ? "time of read"
              : s->clock == POSTURED_CLOCK_REALTIME ? "device timestamps (realtime)"
                                                    : "device timestamps (monotonic)";
        iio_source_log(s, POSTURED_LOG_INFO, "%s at %.4g Hz, %s",
                       s->buffered ? "buffered" : "polled", s->rate_hz, how);

        return 0;
}
