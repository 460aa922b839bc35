/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "macro.h"
#include "manager.h"

#define READ_BATCH 1024
/* Angles that moved less than this are not a change worth a signal. */
#define ANGLE_EPSILON_DEG 0.1
#define STRAIN_EPSILON    0.005

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

static uint64_t now_us(clockid_t clock)
{
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
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

static void host_finished(void *userdata, int error, const char *message)
{
        Manager *m = userdata;

        if (error < 0)
                log_error("Source %s failed: %s", m->sensor_name ?: "?", message ?: "");
        else
                log_info("Source %s: %s.", m->sensor_name ?: "?", message ?: "finished");
        atomic_store(&m->source_error, error);
        atomic_store(&m->source_finished, true);
        wake_main_loop(m);
}

static void host_log(void *userdata, int priority, const char *message)
{
        (void) userdata;
        log_internal(priority, 0, "%s", message);
}

/**
 * manager_to_realtime_us() - sample time to CLOCK_REALTIME microseconds,
 * through the anchor taken at the first frame.
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

static void on_strain_event(const StrainEvent *e, const PostureSample *s, void *userdata)
{
        Manager *m = userdata;

        (void) s;
        log_info("Strain event %s (%s): held %.1f s, peak %.1f°.", event_kind_to_string(e->kind),
                 severity_to_string(e->severity), e->duration_s, e->peak_deg);
        (void) bus_emit_strain_event(m, e);
}

static void set_sensor_state(Manager *m, SensorState s)
{
        if (m->sensor_state == s)
                return;
        m->sensor_state = s;
        m->changed |= CHANGED_SENSOR;
}

/* Compare the pipeline's latest sample with what was published. */
static void update_published(Manager *m)
{
        const PostureSample *s = m->pipeline ? pipeline_last(m->pipeline) : NULL;
        double strain;

        if (!s)
                return;
        if (s->posture != m->posture) {
                m->posture = s->posture;
                m->changed |= CHANGED_POSTURE;
        }
        if (s->activity != m->activity) {
                m->activity = s->activity;
                m->changed |= CHANGED_ACTIVITY;
        }
        if (s->calibrated != m->calibrated) {
                m->calibrated = s->calibrated;
                m->changed |= CHANGED_CALIBRATED;
        }
        if (fabs(s->flexion_deg - m->flexion) >= ANGLE_EPSILON_DEG ||
            fabs(s->lateral_deg - m->lateral) >= ANGLE_EPSILON_DEG) {
                m->flexion = s->flexion_deg;
                m->lateral = s->lateral_deg;
                m->changed |= CHANGED_ANGLES;
        }
        strain = detectors_strain_level(pipeline_detectors(m->pipeline));
        if (fabs(strain - m->strain) >= STRAIN_EPSILON) {
                m->strain = strain;
                m->changed |= CHANGED_STRAIN;
        }
}

static int on_throttle(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void) s;
        (void) usec;
        manager_flush_changes(userdata, true);
        return 0;
}

/**
 * manager_flush_changes() - emit what changed. Angles and strain are sent at
 * most PropertyRateHz times a second (a timer catches up later); the rest at
 * once. @force sends the throttled ones too.
 */
void manager_flush_changes(Manager *m, bool force)
{
        const unsigned throttled = CHANGED_ANGLES | CHANGED_STRAIN;
        uint64_t interval = (uint64_t) (USEC_PER_SEC / m->config.property_rate_hz);
        uint64_t now = now_us(CLOCK_MONOTONIC);
        unsigned send = m->changed & ~throttled;
        int r;

        if (m->changed & throttled) {
                /* A new posture goes out with the angles that explain it. */
                if (force || (send & CHANGED_POSTURE) || now >= m->last_angles_emit_us + interval) {
                        send |= m->changed & throttled;
                        m->last_angles_emit_us = now;
                } else if (!m->throttle_timer) {
                        r = sd_event_add_time(m->event, &m->throttle_timer, CLOCK_MONOTONIC,
                                              m->last_angles_emit_us + interval, 0, on_throttle, m);
                        if (r < 0)
                                log_warning_errno(r, "Cannot arm the property timer: %m");
                        else
                                (void) sd_event_source_set_enabled(m->throttle_timer,
                                                                   SD_EVENT_ONESHOT);
                } else {
                        (void) sd_event_source_set_time(m->throttle_timer,
                                                        m->last_angles_emit_us + interval);
                        (void) sd_event_source_set_enabled(m->throttle_timer, SD_EVENT_ONESHOT);
                }
        }
        if (send == 0)
                return;
        m->changed &= ~send;
        (void) bus_emit_properties(m, send);
}

static void notify_status(Manager *m)
{
        (void) sd_notifyf(0, "STATUS=Sensor %s (%s), posture %s.", m->sensor_name ?: "none",
                          sensor_state_to_string(m->sensor_state),
                          posture_class_to_string(m->posture));
}

static void source_ended(Manager *m)
{
        int error = atomic_load(&m->source_error);

        set_sensor_state(m, error < 0 ? SENSOR_ERROR : SENSOR_ABSENT);
        manager_flush_changes(m, true);
        notify_status(m);
        if (m->exit_on_eof)
                (void) sd_event_exit(m->event, error < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Manager *m = userdata;
        bool finished;
        uint64_t counter, overruns;
        size_t n;

        (void) s;
        (void) revents;
        (void) !read(fd, &counter, sizeof(counter));

        /* Read the flag before draining: every frame pushed before it was set gets processed. */
        finished = atomic_load(&m->source_finished);

        while ((n = ring_read(m->ring, m->batch, m->batch_size)) > 0) {
                /* A recording's clock runs at the replay speed: tie its latest frame to now,
                 * so event start times lie in the past by their sample-time duration. */
                if (!m->anchored || m->info.clock == POSTURED_CLOCK_RECORDING)
                        anchor(m, m->batch[n - 1].t_ns);
                pipeline_feed(m->pipeline, m->batch, n);
                if (m->sensor_state != SENSOR_ACTIVE)
                        set_sensor_state(m, SENSOR_ACTIVE);
        }

        overruns = ring_overruns(m->ring);
        if (overruns != m->overruns_reported) {
                log_warning("Ring overrun: %llu frames lost (%llu in all); the main loop is "
                            "not keeping up with the sensor.",
                            (unsigned long long) (overruns - m->overruns_reported),
                            (unsigned long long) overruns);
                m->overruns_reported = overruns;
        }

        update_published(m);
        manager_flush_changes(m, false);
        if (finished && !m->source_finished_handled) {
                m->source_finished_handled = true;
                source_ended(m);
        }
        return 0;
}

static const PosturedSourceHost host_ops_template = {
        .push = host_push,
        .finished = host_finished,
        .log = host_log,
};

/* Load the plugin for @uri and open it. Return: 0, or -errno with @error set. */
static int open_source(Manager *m, const char *uri, char *error, size_t error_size)
{
        _cleanup_(plugin_freep) Plugin *plugin = NULL;
        PosturedSourceHost host = host_ops_template;
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
        host.userdata = m;
        r = ops->open(&source, arg, &host, error, error_size);
        if (r < 0)
                return r;
        r = ops->describe(source, &m->info);
        if (r < 0 || !isfinite(m->info.rate_hz) || m->info.rate_hz <= 0) {
                (void) snprintf(error, error_size, "%s: the source reports no usable sample rate",
                                uri);
                ops->close(source);
                return r < 0 ? r : -EPROTO;
        }

        m->plugin = TAKE_PTR(plugin);
        m->source = source;
        return 0;
}

static int setup_pipeline(Manager *m)
{
        PipelineParams params = m->config.pipeline;
        int r;

        if (!m->config.mount_matrix_set && m->info.has_mount_matrix)
                memcpy(params.estimator.mount.m, m->info.mount_matrix,
                       sizeof(params.estimator.mount.m));

        r = pipeline_new(&m->pipeline, &params, m->info.rate_hz);
        if (r == -EINVAL)
                return log_error_errno(r,
                                       "Filter order %u with cut-off %.3g Hz does not fit the "
                                       "sensor's rate of %.3g Hz ([Filter] CutoffHz= must be "
                                       "below half the rate).",
                                       params.filter_order, params.cutoff_hz, m->info.rate_hz);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the signal path: %m");
        pipeline_set_event_handler(m->pipeline, on_strain_event, m);
        return 0;
}

/**
 * manager_new() - create the manager, taking over *@config (left zeroed).
 *
 * Return: 0 or -errno.
 */
int manager_new(Manager **ret, Config *config, bool system_bus, bool exit_on_eof)
{
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->wake_fd = -EBADF;
        m->config = *config;
        *config = (Config){};
        m->system_bus = system_bus;
        m->exit_on_eof = exit_on_eof;
        m->sensor_state = SENSOR_ABSENT;
        m->posture = POSTURE_UNKNOWN;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        r = ring_new(&m->ring, m->config.ring_frames);
        if (r < 0)
                return r;
        m->batch_size = READ_BATCH;
        m->batch = calloc(m->batch_size, sizeof(Frame));
        if (!m->batch)
                return -ENOMEM;
        m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->wake_fd < 0)
                return -errno;

        *ret = TAKE_PTR(m);
        return 0;
}

/** manager_free() - stop the source first, then release everything. */
Manager *manager_free(Manager *m)
{
        if (!m)
                return NULL;
        if (m->source) {
                const PosturedSourceV1 *ops = plugin_ops(m->plugin);

                atomic_store(&m->source_stopping, true);
                ops->stop(m->source);
                ops->close(m->source);
        }
        plugin_free(m->plugin);
        sd_event_source_unref(m->wake_source);
        sd_event_source_unref(m->throttle_timer);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        pipeline_free(m->pipeline);
        ring_free(m->ring);
        free(m->batch);
        free(m->sensor_name);
        if (m->wake_fd >= 0)
                (void) close(m->wake_fd);
        config_done(&m->config);
        free(m);
        return NULL;
}

static int start_source(Manager *m)
{
        const char *uri = m->config.source_uri;
        char error[512] = "";
        int r;

        if (strcmp(uri, "auto") == 0) {
                /* Discovery walks the real-sensor plugins in order of preference. */
                static const char *const candidates[] = { "iio:", "evdev:" };

                for (size_t i = 0; i < ELEMENTSOF(candidates) && !m->source; i++) {
                        r = open_source(m, candidates[i], error, sizeof(error));
                        if (r < 0)
                                log_debug("auto: %s", error);
                }
                if (!m->source) {
                        log_notice("No sensor found (auto); waiting with SensorState=absent.");
                        return 0;
                }
        } else {
                r = open_source(m, uri, error, sizeof(error));
                if (r < 0)
                        return log_error_errno(r, "Cannot open source: %s", error);
        }

        m->sensor_name = strdup(m->info.name ? m->info.name : uri);
        if (!m->sensor_name)
                return log_oom();
        r = setup_pipeline(m);
        if (r < 0)
                return r;

        r = sd_event_add_io(m->event, &m->wake_source, m->wake_fd, EPOLLIN, on_wake, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the ring's eventfd: %m");

        r = plugin_ops(m->plugin)->start(m->source);
        if (r < 0)
                return log_error_errno(r, "Cannot start source %s: %m", m->sensor_name);
        log_info("Reading %s at %.4g Hz with the %s filter.", m->sensor_name, m->info.rate_hz,
                 filter_kernel(pipeline_filter(m->pipeline))->name);
        return 0;
}

/**
 * manager_start() - bus first (so the name is there even without a
 * sensor), then the source; READY=1 once both are up.
 *
 * Return: 0 or -errno (logged).
 */
int manager_start(Manager *m)
{
        int r;

        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot watch SIGTERM: %m");
        r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot watch SIGINT: %m");
        (void) sd_event_set_watchdog(m->event, true);

        r = bus_setup(m);
        if (r < 0)
                return r;
        r = start_source(m);
        if (r < 0)
                return r;

        (void) sd_notify(0, "READY=1");
        notify_status(m);
        return 0;
}

/** manager_run() - the loop. Return: the exit code of sd_event_loop() or -errno. */
int manager_run(Manager *m)
{
        int r;

        r = sd_event_loop(m->event);
        (void) sd_notify(0, "STOPPING=1");
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return r;
}

/**
 * manager_calibrate() - take the last still window as neutral.
 *
 * Return: 0, -ENODATA without data, -EBUSY when the wearer is not still.
 */
int manager_calibrate(Manager *m)
{
        int r;

        if (!m->pipeline || !pipeline_last(m->pipeline))
                return -ENODATA;
        r = estimator_calibrate(pipeline_estimator(m->pipeline));
        if (r < 0)
                return r;
        /* Episodes measured against the old neutral no longer mean anything. */
        detectors_reset(pipeline_detectors(m->pipeline));
        log_info("Calibrated: the current posture is the new neutral.");
        /* The published angles change with the neutral even before the next sample. */
        m->calibrated = true;
        m->changed |= CHANGED_CALIBRATED;
        manager_flush_changes(m, true);
        return 0;
}
