/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sensor's life cycle: load the plugin for the configured URI (or
 * discover one), open and start it, notice the end of a recording, an
 * unplugged device or a stalled one, and reopen with back-off or when udev
 * announces a new iio/input device. The read path (the plugin's host
 * callbacks, the polled sources, draining the ring) is sensor-read.c.
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "core/ring.h"
#include "log.h"
#include "plugin.h"
#include "sensor-internal.h"
#include "sensor.h"
#include "util/macro.h"
#include "util/time-util.h"

#define READ_BATCH_FRAMES 1024
#define RETRY_FIRST_US    (1 * USEC_PER_SEC)
#define RETRY_MAX_US      (10 * USEC_PER_SEC)
/* The stall check may come this much late: within it sd-event may run it
 * with other timers of the loop. */
#define STALL_ACCURACY_US (USEC_PER_SEC / 4)

static const char *const sensor_state_table[_SENSOR_STATE_MAX] = {
        [SENSOR_ACTIVE] = "active",
        [SENSOR_ABSENT] = "absent",
        [SENSOR_STALLED] = "stalled",
        [SENSOR_ERROR] = "error",
};

/** sensor_state_to_string() - the D-Bus spelling of @s. */
const char *sensor_state_to_string(SensorState s)
{
        return s >= 0 && s < _SENSOR_STATE_MAX ? sensor_state_table[s] : "error";
}

static void notify_changed(Sensor *s)
{
        if (s->callbacks.state_changed)
                s->callbacks.state_changed(s, s->userdata);
}

/**
 * sensor_set_state() - change the state, telling the owner on a real change.
 * @s: the sensor.
 * @state: the new state.
 */
void sensor_set_state(Sensor *s, SensorState state)
{
        if (s->state == state)
                return;
        s->state = state;
        notify_changed(s);
}

static bool source_is_live(const Sensor *s)
{
        return s->info.clock != POSTURED_CLOCK_RECORDING;
}

/**
 * sensor_arm_stall_check() - move the stall check to stall_timeout_s after
 * the latest frames: while they keep coming it never runs, so it costs no
 * wakeup of its own.
 * @s: the sensor.
 */
void sensor_arm_stall_check(Sensor *s)
{
        if (s->stall_timer)
                (void) sd_event_source_set_time(
                        s->stall_timer,
                        s->last_frame_us + (uint64_t) (s->stall_timeout_s * USEC_PER_SEC));
}

/*
 * Stop the producer thread, close the source, unload the plugin. The ring is
 * drained into the void: nothing of a closed source reaches the owner.
 */
static void sensor_close(Sensor *s)
{
        if (s->source) {
                const PosturedSourceV1 *ops = plugin_ops(s->plugin);

                atomic_store(&s->stopping, true);
                /* The descriptor is the plugin's: stop watching it before stop(). */
                s->poll_io = sd_event_source_disable_unref(s->poll_io);
                s->poll_timer = sd_event_source_disable_unref(s->poll_timer);
                ops->stop(s->source);
                ops->close(s->source);
                s->source = NULL;
        }
        s->plugin = plugin_free(s->plugin);
        while (s->batch && ring_read(s->ring, s->batch, s->batch_size) > 0)
                ;
        s->polled = false;
        atomic_store(&s->stopping, false);
        atomic_store(&s->finished, false);
        atomic_store(&s->error, 0);
        s->finished_handled = false;
        s->stall_logged = false;
        s->anchored = false;
}

static int sensor_open(Sensor *s, bool startup);

static int on_retry(sd_event_source *es, uint64_t usec, void *userdata)
{
        Sensor *s = userdata;

        if (!s->source)
                (void) sensor_open(s, false);
        return 0;
}

/* Try again later, each time waiting twice as long, up to RETRY_MAX_US. */
static void schedule_retry(Sensor *s)
{
        uint64_t when;
        int r;

        s->retry_delay_us =
                s->retry_delay_us ? MIN(s->retry_delay_us * 2, RETRY_MAX_US) : RETRY_FIRST_US;
        when = now_us(CLOCK_MONOTONIC) + s->retry_delay_us;
        if (s->retry_timer) {
                (void) sd_event_source_set_time(s->retry_timer, when);
                (void) sd_event_source_set_enabled(s->retry_timer, SD_EVENT_ONESHOT);
                return;
        }
        r = sd_event_add_time(s->event, &s->retry_timer, CLOCK_MONOTONIC, when, 0, on_retry, s);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the sensor retry timer: %m");
}

/* No sensor to open: say so and look again later. */
static void sensor_absent(Sensor *s)
{
        sensor_set_state(s, SENSOR_ABSENT);
        schedule_retry(s);
}

/* Load the plugin for @uri and open it. Return: 0, or -errno with @error set. */
static int open_uri(Sensor *s, const char *uri, char *error, size_t error_size)
{
        _cleanup_(plugin_freep) Plugin *plugin = NULL;
        PosturedSourceInfo info = {};
        const PosturedSourceV1 *ops;
        char scheme[40];
        const char *arg;
        void *source = NULL;
        int r;

        arg = source_uri_split(uri, scheme, sizeof(scheme));
        if (!arg) {
                (void) snprintf(error, error_size,
                                "source URI '%s' has no valid scheme (auto, iio:, evdev:, "
                                "replay:PATH)",
                                uri);
                return -EINVAL;
        }
        r = plugin_load(&plugin, s->plugin_dir, scheme, error, error_size);
        if (r < 0)
                return r;

        ops = plugin_ops(plugin);
        s->host = sensor_host_ops;
        s->host.userdata = s;
        r = ops->open(&source, arg, &s->host, error, error_size);
        if (r < 0)
                return r;
        r = ops->describe(source, &info);
        if (r < 0 || !isfinite(info.rate_hz) || info.rate_hz <= 0) {
                (void) snprintf(error, error_size, "%s: the source reports no usable sample rate",
                                uri);
                ops->close(source);
                return r < 0 ? r : -EPROTO;
        }

        s->info = info;
        s->plugin = TAKE_PTR(plugin);
        s->source = source;
        return 0;
}

/*
 * Open the configured source, or for `auto` the first plugin that finds a
 * sensor. Return: 1 when a source runs, 0 when there is none yet (a retry is
 * scheduled), -errno at @startup for what retrying cannot fix (logged);
 * after startup every failure is retried, as the sensor worked before.
 */
static int sensor_open(Sensor *s, bool startup)
{
        char error[512] = "";
        char *name;
        int r;

        if (strcmp(s->uri, "auto") == 0) {
                /* Discovery walks the real-sensor plugins in order of preference. */
                static const char *const candidates[] = { "iio:", "evdev:" };

                for (size_t i = 0; i < ELEMENTSOF(candidates) && !s->source; i++) {
                        r = open_uri(s, candidates[i], error, sizeof(error));
                        if (r < 0)
                                log_debug("auto: %s", error);
                }
                if (!s->source) {
                        if (!s->retry_delay_us)
                                log_notice("No sensor found (auto); SensorState=absent until "
                                           "one appears.");
                        sensor_absent(s);
                        return 0;
                }
        } else {
                r = open_uri(s, s->uri, error, sizeof(error));
                /* A device not there (yet) is waited for; anything else is a mistake. */
                if (r == -ENODEV) {
                        if (!s->retry_delay_us)
                                log_notice("Sensor not present: %s; waiting for it.", error);
                        sensor_absent(s);
                        return 0;
                }
                if (r < 0 && !startup) {
                        log_debug("Reopening %s: %s", s->uri, error);
                        sensor_absent(s);
                        return 0;
                }
                if (r < 0)
                        return log_error_errno(r, "Cannot open source: %s", error);
        }

        name = strdup(s->info.name ?: s->uri);
        if (!name) {
                sensor_close(s);
                return log_oom();
        }
        free(s->name);
        s->name = name;
        r = s->callbacks.opened ? s->callbacks.opened(s, s->userdata) : 0;
        if (r < 0) {
                sensor_close(s);
                if (startup)
                        return r;
                sensor_absent(s);
                return 0;
        }

        s->last_frame_us = now_us(CLOCK_MONOTONIC);
        sensor_arm_stall_check(s);
        r = sensor_start_polled(s);
        if (r == -EOPNOTSUPP)
                r = plugin_ops(s->plugin)->start(s->source);
        if (r < 0) {
                log_error_errno(r, "Cannot start source %s: %m", s->name);
                sensor_close(s);
                schedule_retry(s);
                return 0;
        }
        s->retry_delay_us = 0;
        log_info("Reading %s at %.4g Hz.", s->name, s->info.rate_hz);
        notify_changed(s);
        return 1;
}

/**
 * sensor_source_ended() - the source finished or failed: tell the owner of a
 * recording's end, or close a live sensor and retry it with back-off.
 * @s: the sensor.
 */
void sensor_source_ended(Sensor *s)
{
        int error = atomic_load(&s->error);

        sensor_set_state(s, error < 0 && error != -ENODEV ? SENSOR_ERROR : SENSOR_ABSENT);
        if (!source_is_live(s)) {
                /* A recording is over: nothing to reopen. */
                if (s->callbacks.finished)
                        s->callbacks.finished(s, error, s->userdata);
                return;
        }
        sensor_close(s);
        schedule_retry(s);
}

/*
 * No frame from a live sensor for stall_timeout_s: "stalled", logged once;
 * the device is reopened with back-off, which also notices one that is gone.
 */
static int on_stall_check(sd_event_source *es, uint64_t usec, void *userdata)
{
        Sensor *s = userdata;
        uint64_t limit = (uint64_t) (s->stall_timeout_s * USEC_PER_SEC);
        uint64_t now = now_us(CLOCK_MONOTONIC);

        if (!s->source || !source_is_live(s) || now - s->last_frame_us < limit) {
                (void) sd_event_source_set_time(es, s->source && now - s->last_frame_us < limit
                                                            ? s->last_frame_us + limit
                                                            : now + limit);
                return 0;
        }
        (void) sd_event_source_set_time(es, now + limit);
        if (!s->stall_logged) {
                log_warning("No data from %s for %.1f s: stalled; reopening it.", s->name,
                            s->stall_timeout_s);
                s->stall_logged = true;
        }
        sensor_set_state(s, SENSOR_STALLED);
        sensor_close(s);
        s->stall_logged = true;
        schedule_retry(s);
        return 0;
}

static int on_device(sd_device_monitor *monitor, sd_device *device, void *userdata)
{
        Sensor *s = userdata;
        sd_device_action_t action;
        const char *path = NULL;

        if (sd_device_get_action(device, &action) < 0 || action != SD_DEVICE_ADD)
                return 0;
        (void) sd_device_get_syspath(device, &path);
        log_debug("udev: %s appeared.", path ?: "a device");
        if (!s->source) {
                s->retry_delay_us = 0;
                (void) sensor_open(s, false);
        }
        return 0;
}

/* Hot-plug: udev's add events for iio and input devices. Not fatal without udev. */
static void watch_devices(Sensor *s)
{
        int r;

        r = sd_device_monitor_new(&s->device_monitor);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(s->device_monitor, "iio",
                                                                         NULL);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(s->device_monitor, "input",
                                                                         NULL);
        if (r >= 0)
                r = sd_device_monitor_attach_event(s->device_monitor, s->event);
        if (r >= 0)
                r = sd_device_monitor_start(s->device_monitor, on_device, s);
        if (r < 0) {
                log_notice_errno(r, "Cannot watch udev for sensors (%m); polling instead.");
                s->device_monitor = sd_device_monitor_unref(s->device_monitor);
        }
}

/**
 * sensor_start() - watch the ring, the stall timer and udev, then open the
 * configured source.
 * @s: the sensor.
 *
 * Return: 0 (also when no sensor is there yet: it is retried, and
 * SensorState is absent), or -errno for what cannot work (a bad URI, a
 * missing plugin, a recording that cannot be read, an owner that refuses
 * the source), logged.
 */
int sensor_start(Sensor *s)
{
        uint64_t limit = (uint64_t) (s->stall_timeout_s * USEC_PER_SEC);
        int r;

        r = sensor_watch_ring(s);
        if (r < 0)
                return r;
        r = sd_event_add_time(s->event, &s->stall_timer, CLOCK_MONOTONIC,
                              now_us(CLOCK_MONOTONIC) + limit, STALL_ACCURACY_US, on_stall_check,
                              s);
        if (r < 0)
                return log_error_errno(r, "Cannot arm the stall check: %m");
        (void) sd_event_source_set_enabled(s->stall_timer, SD_EVENT_ON);
        watch_devices(s);

        r = sensor_open(s, true);
        return r < 0 ? r : 0;
}

/** sensor_state() - active, absent, stalled or error. */
SensorState sensor_state(const Sensor *s)
{
        return s->state;
}

/** sensor_name() - the name of the last source opened (the device or file), or NULL. */
const char *sensor_name(const Sensor *s)
{
        return s->name;
}

/** sensor_info() - the open source's rate, clock and mount matrix; NULL while none is open. */
const PosturedSourceInfo *sensor_info(const Sensor *s)
{
        return s->source ? &s->info : NULL;
}

/**
 * sensor_new() - a Sensor that sensor_start() opens.
 * @ret: the new Sensor.
 * @event: the loop; a reference is taken.
 * @p: the source and its limits; the strings are copied.
 * @callbacks: copied; any member may be NULL.
 * @userdata: handed to the callbacks.
 *
 * Return: 0, -EINVAL for a ring of no frames, or -ENOMEM.
 */
int sensor_new(Sensor **ret, sd_event *event, const SensorParams *p,
               const SensorCallbacks *callbacks, void *userdata)
{
        _cleanup_(sensor_freep) Sensor *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->wake_fd = -EBADF;
        s->event = sd_event_ref(event);
        s->state = SENSOR_ABSENT;
        if (callbacks)
                s->callbacks = *callbacks;
        s->userdata = userdata;
        s->stall_timeout_s = p->stall_timeout_s;
        s->uri = strdup(p->uri ?: "auto");
        s->plugin_dir = strdup(p->plugin_dir ?: "");
        if (!s->uri || !s->plugin_dir)
                return -ENOMEM; /* cppcheck-suppress memleak ; freed by _cleanup_ */
        r = ring_new(&s->ring, p->ring_frames);
        if (r < 0)
                return r;
        s->batch_size = READ_BATCH_FRAMES;
        /* Not zeroed: ring_read() fills what is used, so a batch of 100
         * frames touches 2.4 KiB of these 24, not all of them. */
        s->batch = reallocarray(NULL, s->batch_size, sizeof(Frame));
        if (!s->batch)
                return -ENOMEM;

        *ret = TAKE_PTR(s);
        return 0;
}

/**
 * sensor_free() - close the source (its thread first), drop the watches.
 * @s: the sensor, or NULL.
 *
 * Return: NULL.
 */
Sensor *sensor_free(Sensor *s)
{
        if (!s)
                return NULL;
        sensor_close(s);
        sd_event_source_disable_unref(s->wake_source);
        sd_event_source_disable_unref(s->stall_timer);
        sd_event_source_disable_unref(s->retry_timer);
        sd_event_source_disable_unref(s->poll_io);
        sd_event_source_disable_unref(s->poll_timer);
        sd_device_monitor_unref(s->device_monitor);
        if (s->wake_fd >= 0)
                (void) close(s->wake_fd);
        free(s->batch);
        ring_free(s->ring);
        free(s->name);
        free(s->uri);
        free(s->plugin_dir);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}