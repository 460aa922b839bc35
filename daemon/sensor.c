/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sensor's life cycle: load the plugin for the configured URI (or
 * discover one), open and start it, drain the ring on each wakeup, notice
 * the end of a recording, an unplugged device or a stalled one, and reopen
 * with back-off or when udev announces a new iio/input device.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "util/macro.h"
#include "manager.h"
#include "recorder.h"
#include "util/time-util.h"

#define READ_BATCH_FRAMES 1024
#define RETRY_FIRST_US    (1 * USEC_PER_SEC)
#define RETRY_MAX_US      (10 * USEC_PER_SEC)

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

static void wake_main_loop(Manager *m)
{
        uint64_t one = 1;

        /* EAGAIN means the counter is already non-zero: the loop wakes anyway. */
        (void) !write(m->wake_fd, &one, sizeof(one));
}

/* Plugin thread: the single producer of the ring. */
static size_t host_push(void *userdata, const Frame *frames, size_t n, int wait)
{
        Manager *m = userdata;
        size_t done = 0;

        if (!wait) {
                done = ring_write(m->ring, frames, n);
                wake_main_loop(m);
                return done;
        }
        while (done < n && !atomic_load(&m->source_stopping)) {
                size_t space = ring_space(m->ring);

                if (space == 0) {
                        wake_main_loop(m);
                        (void) nanosleep(&(struct timespec){ .tv_nsec = 2 * NSEC_PER_MSEC }, NULL);
                        continue;
                }
                done += ring_write(m->ring, frames + done, MIN(space, n - done));
        }
        wake_main_loop(m);
        return done;
}

/* Plugin thread. Logging here is thread-safe (one write() a line). */
static void host_finished(void *userdata, int error, const char *message)
{
        Manager *m = userdata;

        if (error == -ENODEV)
                log_notice("Sensor %s went away: %s.", m->sensor_name ?: "?",
                           message ?: "device removed");
        else if (error < 0)
                log_error("Source %s failed: %s", m->sensor_name ?: "?", message ?: "");
        else
                log_info("Source %s: %s.", m->sensor_name ?: "?", message ?: "finished");
        atomic_store(&m->source_error, error);
        atomic_store(&m->source_finished, true);
        wake_main_loop(m);
}

static void host_log(void *userdata, int priority, const char *message)
{
        log_internal(priority, 0, "%s", message);
}

static const PosturedSourceHost host_ops_template = {
        .push = host_push,
        .finished = host_finished,
        .log = host_log,
};

/**
 * manager_to_realtime_us() - sample time to CLOCK_REALTIME microseconds,
 * through the anchor taken at the latest frames.
 */
uint64_t manager_to_realtime_us(const Manager *m, int64_t t_ns)
{
        int64_t us;

        if (!m->anchored)
                return now_us(CLOCK_REALTIME);
        us = (int64_t) m->anchor_realtime_us + (t_ns - m->anchor_t_ns) / 1000;
        return us > 0 ? (uint64_t) us : 0;
}

static void anchor(Manager *m, int64_t t_ns)
{
        m->anchor_t_ns = t_ns;
        if (m->info.clock == POSTURED_CLOCK_REALTIME)
                m->anchor_realtime_us = (uint64_t) (t_ns / 1000);
        else if (m->info.clock == POSTURED_CLOCK_MONOTONIC)
                m->anchor_realtime_us = now_us(CLOCK_REALTIME) -
                                        (now_us(CLOCK_MONOTONIC) - (uint64_t) (t_ns / 1000));
        else
                m->anchor_realtime_us = now_us(CLOCK_REALTIME);
        m->anchored = true;
}

static bool source_is_live(const Manager *m)
{
        return m->info.clock != POSTURED_CLOCK_RECORDING;
}

/**
 * sensor_close() - stop the producer thread, close the source, unload the
 * plugin. The ring is drained into the void: nothing of a closed source
 * reaches the pipeline.
 */
void sensor_close(Manager *m)
{
        if (m->source) {
                const PosturedSourceV1 *ops = plugin_ops(m->plugin);

                atomic_store(&m->source_stopping, true);
                ops->stop(m->source);
                ops->close(m->source);
                m->source = NULL;
        }
        m->plugin = plugin_free(m->plugin);
        while (m->batch && ring_read(m->ring, m->batch, m->batch_size) > 0)
                ;
        atomic_store(&m->source_stopping, false);
        atomic_store(&m->source_finished, false);
        atomic_store(&m->source_error, 0);
        m->source_finished_handled = false;
        m->stall_logged = false;
        m->anchored = false;
}

static int sensor_open(Manager *m, bool startup);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;

        if (!m->source)
                (void) sensor_open(m, false);
        return 0;
}

/* Try again later, each time waiting twice as long, up to RETRY_MAX_US. */
static void schedule_retry(Manager *m)
{
        uint64_t when;
        int r;

        m->retry_delay_us =
                m->retry_delay_us ? MIN(m->retry_delay_us * 2, RETRY_MAX_US) : RETRY_FIRST_US;
        when = now_us(CLOCK_MONOTONIC) + m->retry_delay_us;
        if (m->retry_timer) {
                (void) sd_event_source_set_time(m->retry_timer, when);
                (void) sd_event_source_set_enabled(m->retry_timer, SD_EVENT_ONESHOT);
                return;
        }
        r = sd_event_add_time(m->event, &m->retry_timer, CLOCK_MONOTONIC, when, 0, on_retry, m);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the sensor retry timer: %m");
}

/* No sensor to open: say so on the bus and look again later. */
static void sensor_absent(Manager *m)
{
        manager_set_sensor_state(m, SENSOR_ABSENT);
        manager_flush_changes(m, true);
        schedule_retry(m);
}

/* Load the plugin for @uri and open it. Return: 0, or -errno with @error set. */
static int open_uri(Manager *m, const char *uri, char *error, size_t error_size)
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
        r = plugin_load(&plugin, m->config.plugin_dir, scheme, error, error_size);
        if (r < 0)
                return r;

        ops = plugin_ops(plugin);
        /* Plugins may keep the host pointer until close(): it lives in the Manager. */
        m->host = host_ops_template;
        m->host.userdata = m;
        r = ops->open(&source, arg, &m->host, error, error_size);
        if (r < 0)
                return r;
        r = ops->describe(source, &info);
        if (r < 0 || !isfinite(info.rate_hz) || info.rate_hz <= 0) {
                (void) snprintf(error, error_size, "%s: the source reports no usable sample rate",
                                uri);
                ops->close(source);
                return r < 0 ? r : -EPROTO;
        }

        m->info = info;
        m->plugin = TAKE_PTR(plugin);
        m->source = source;
        return 0;
}

/*
 * A new pipeline for each opened source: its clock and rate may differ from
 * the last one's. The wearer's neutral carries over; episodes start afresh.
 */
static int setup_pipeline(Manager *m)
{
        const PipelineParams *params = &m->config.pipeline;
        MountMatrix mount;
        bool device_mount = !m->config.mount_matrix_set && m->info.has_mount_matrix;
        int r;

        if (device_mount)
                memcpy(mount.m, m->info.mount_matrix, sizeof(mount.m));
        /* The Coach gives it the rules of the wearer's recovery phase. */
        r = coach_start(health_coach(m->health), m->info.rate_hz, device_mount ? &mount : NULL,
                        m->kernel);
        if (r == -EINVAL)
                return log_error_errno(r,
                                       "Filter order %u with cut-off %.3g Hz does not fit the "
                                       "sensor's rate of %.3g Hz ([Filter] CutoffHz= must be "
                                       "below half the rate).",
                                       params->filter_order, params->cutoff_hz, m->info.rate_hz);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the signal path: %m");
        return 0;
}

/*
 * Open the configured source, or for `auto` the first plugin that finds a
 * sensor. Return: 1 when a source runs, 0 when there is none yet (a retry is
 * scheduled), -errno at @startup for what retrying cannot fix (logged);
 * after startup every failure is retried, as the sensor worked before.
 */
static int sensor_open(Manager *m, bool startup)
{
        const char *uri = m->config.source_uri;
        char error[512] = "";
        int r;

        if (strcmp(uri, "auto") == 0) {
                /* Discovery walks the real-sensor plugins in order of preference. */
                static const char *const candidates[] = { "iio:", "evdev:" };

                for (size_t i = 0; i < ELEMENTSOF(candidates) && !m->source; i++) {
                        r = open_uri(m, candidates[i], error, sizeof(error));
                        if (r < 0)
                                log_debug("auto: %s", error);
                }
                if (!m->source) {
                        if (!m->retry_delay_us)
                                log_notice("No sensor found (auto); SensorState=absent until "
                                           "one appears.");
                        sensor_absent(m);
                        return 0;
                }
        } else {
                r = open_uri(m, uri, error, sizeof(error));
                /* A device not there (yet) is waited for; anything else is a mistake. */
                if (r == -ENODEV) {
                        if (!m->retry_delay_us)
                                log_notice("Sensor not present: %s; waiting for it.", error);
                        sensor_absent(m);
                        return 0;
                }
                if (r < 0 && !startup) {
                        log_debug("Reopening %s: %s", uri, error);
                        sensor_absent(m);
                        return 0;
                }
                if (r < 0)
                        return log_error_errno(r, "Cannot open source: %s", error);
        }

        free(m->sensor_name);
        m->sensor_name = strdup(m->info.name ? m->info.name : uri);
        if (!m->sensor_name) {
                sensor_close(m);
                return log_oom();
        }
        r = setup_pipeline(m);
        if (r < 0) {
                sensor_close(m);
                if (startup)
                        return r;
                sensor_absent(m);
                return 0;
        }

        m->last_frame_us = now_us(CLOCK_MONOTONIC);
        r = plugin_ops(m->plugin)->start(m->source);
        if (r < 0) {
                log_error_errno(r, "Cannot start source %s: %m", m->sensor_name);
                sensor_close(m);
                schedule_retry(m);
                return 0;
        }
        m->retry_delay_us = 0;
        m->changed |= CHANGED_SENSOR;
        log_info("Reading %s at %.4g Hz with the %s filter.", m->sensor_name, m->info.rate_hz,
                 filter_kernel(pipeline_filter(manager_pipeline(m)))->name);
        return 1;
}

static void source_ended(Manager *m)
{
        int error = atomic_load(&m->source_error);
        bool live = source_is_live(m);

        manager_set_sensor_state(m, error < 0 && error != -ENODEV ? SENSOR_ERROR : SENSOR_ABSENT);
        manager_flush_changes(m, true);
        manager_notify_status(m);

        if (!live) {
                /* A recording is over: nothing to reopen. */
                if (m->exit_on_eof)
                        (void) sd_event_exit(m->event, error < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
                return;
        }
        sensor_close(m);
        schedule_retry(m);
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Manager *m = userdata;
        size_t budget = ring_capacity(m->ring), n;
        uint64_t counter, overruns;
        bool finished;

        (void) !read(fd, &counter, sizeof(counter));
        if (!m->source)
                return 0;

        /* Read the flag before draining: every frame pushed before it was set gets processed. */
        finished = atomic_load(&m->source_finished);

        /* At most one ring's worth per wakeup, so a fast producer cannot starve the
         * bus, the timers and the watchdog; the rest waits for the next round. */
        while (budget > 0 && (n = ring_read(m->ring, m->batch, MIN(m->batch_size, budget))) > 0) {
                record_frames(m, m->batch, n);
                budget -= n;
                /* Tie the latest frame to now: a recording's clock runs at the replay
                 * speed, and a monotonic one stops during suspend. */
                anchor(m, m->batch[n - 1].t_ns);
                coach_feed(health_coach(m->health), m->batch, n);
                m->last_frame_us = now_us(CLOCK_MONOTONIC);
                if (m->stall_logged) {
                        log_info("Sensor %s sends data again.", m->sensor_name);
                        m->stall_logged = false;
                }
                manager_set_sensor_state(m, SENSOR_ACTIVE);
        }

        overruns = ring_overruns(m->ring);
        if (overruns != m->overruns_reported) {
                log_warning("Ring overrun: %llu frames lost (%llu in all); the main loop is "
                            "not keeping up with the sensor.",
                            (unsigned long long) (overruns - m->overruns_reported),
                            (unsigned long long) overruns);
                m->overruns_reported = overruns;
        }

        manager_update_published(m);
        manager_flush_changes(m, false);
        if (budget == 0 && ring_available(m->ring) > 0) {
                wake_main_loop(m); /* more to do: come back after the others had their turn */
                return 0;
        }
        if (finished && !m->source_finished_handled) {
                m->source_finished_handled = true;
                source_ended(m);
        }
        return 0;
}

/*
 * No frame from a live sensor for StallTimeoutSec=: "stalled", logged once;
 * the device is reopened with back-off, which also notices one that is gone.
 */
static int on_stall_check(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;
        uint64_t limit = (uint64_t) (m->config.stall_timeout_s * USEC_PER_SEC);
        uint64_t now = now_us(CLOCK_MONOTONIC);

        (void) sd_event_source_set_time(s, now + limit / 2);

        if (!m->source || !source_is_live(m) || now - m->last_frame_us < limit)
                return 0;
        if (!m->stall_logged) {
                log_warning("No data from %s for %.1f s: stalled; reopening it.", m->sensor_name,
                            m->config.stall_timeout_s);
                m->stall_logged = true;
        }
        manager_set_sensor_state(m, SENSOR_STALLED);
        manager_flush_changes(m, true);
        manager_notify_status(m);
        sensor_close(m);
        m->stall_logged = true;
        schedule_retry(m);
        return 0;
}

static int on_device(sd_device_monitor *monitor, sd_device *device, void *userdata)
{
        Manager *m = userdata;
        sd_device_action_t action;
        const char *path = NULL;

        if (sd_device_get_action(device, &action) < 0 || action != SD_DEVICE_ADD)
                return 0;
        (void) sd_device_get_syspath(device, &path);
        log_debug("udev: %s appeared.", path ?: "a device");
        if (!m->source) {
                m->retry_delay_us = 0;
                (void) sensor_open(m, false);
        }
        return 0;
}

/* Hot-plug: udev's add events for iio and input devices. Not fatal without udev. */
static void watch_devices(Manager *m)
{
        int r;

        r = sd_device_monitor_new(&m->device_monitor);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(m->device_monitor, "iio",
                                                                         NULL);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(m->device_monitor, "input",
                                                                         NULL);
        if (r >= 0)
                r = sd_device_monitor_attach_event(m->device_monitor, m->event);
        if (r >= 0)
                r = sd_device_monitor_start(m->device_monitor, on_device, m);
        if (r < 0) {
                log_notice_errno(r, "Cannot watch udev for sensors (%m); polling instead.");
                m->device_monitor = sd_device_monitor_unref(m->device_monitor);
        }
}

/**
 * sensor_setup() - see manager.h.
 */
int sensor_setup(Manager *m)
{
        uint64_t limit = (uint64_t) (m->config.stall_timeout_s * USEC_PER_SEC);
        int r;

        m->batch_size = READ_BATCH_FRAMES;
        m->batch = calloc(m->batch_size, sizeof(Frame));
        if (!m->batch)
                return log_oom();
        m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->wake_fd < 0)
                return log_error_errno(-errno, "Cannot create the ring's eventfd: %m");
        r = sd_event_add_io(m->event, &m->wake_source, m->wake_fd, EPOLLIN, on_wake, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the ring's eventfd: %m");
        r = sd_event_add_time(m->event, &m->stall_timer, CLOCK_MONOTONIC,
                              now_us(CLOCK_MONOTONIC) + limit / 2, 0, on_stall_check, m);
        if (r < 0)
                return log_error_errno(r, "Cannot arm the stall check: %m");
        (void) sd_event_source_set_enabled(m->stall_timer, SD_EVENT_ON);
        watch_devices(m);

        r = sensor_open(m, true);
        return r < 0 ? r : 0;
}

/** sensor_free() - close the source and drop the watches. */
void sensor_free(Manager *m)
{
        sensor_close(m);
        m->wake_source = sd_event_source_unref(m->wake_source);
        m->stall_timer = sd_event_source_unref(m->stall_timer);
        m->retry_timer = sd_event_source_unref(m->retry_timer);
        m->device_monitor = sd_device_monitor_unref(m->device_monitor);
        free(m->batch);
        m->batch = NULL;
        if (m->wake_fd >= 0)
                (void) close(m->wake_fd);
        m->wake_fd = -EBADF;
}
