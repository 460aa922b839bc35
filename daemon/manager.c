/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager owns the loop, the bus and the runtime objects, and wires
 * them: the Sensor's frames go to the Recorder and the core pipeline, the
 * pipeline's strain events to the bus and the wearer's recovery, and what
 * changed to PropertiesChanged (manager-properties.c). Start-up and the
 * loop are here; SIGHUP's reload is manager-reload.c.
 */
#include <errno.h>
#include <grp.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "bus.h"
#include "calibration.h"
#include "log.h"
#include "manager-internal.h"
#include "manager.h"
#include "recorder.h"
#include "sensor.h"
#include "util/macro.h"
#include "util/time-util.h"

static void on_strain_event(const StrainEvent *e, void *userdata)
{
        Manager *m = userdata;
        LogField f[4];

        /* prolonged-rest has no peak angle. */
        if (!isfinite(e->peak_deg)) {
                log_struct(LOG_INFO, MESSAGE_ID_STRAIN_EVENT,
                           LOG_FIELDS(log_field(&f[0], "POSTURED_EVENT=%s",
                                                event_kind_to_string(e->kind)),
                                      log_field(&f[1], "POSTURED_SEVERITY=%s",
                                                severity_to_string(e->severity)),
                                      log_field(&f[2], "POSTURED_DURATION_S=%.1f", e->duration_s)),
                           "Strain event %s (%s): held %.1f s.", event_kind_to_string(e->kind),
                           severity_to_string(e->severity), e->duration_s);
                (void) bus_emit_strain_event(m, e);
                return;
        }

        log_struct(LOG_INFO, MESSAGE_ID_STRAIN_EVENT,
                   LOG_FIELDS(log_field(&f[0], "POSTURED_EVENT=%s", event_kind_to_string(e->kind)),
                              log_field(&f[1], "POSTURED_SEVERITY=%s",
                                        severity_to_string(e->severity)),
                              log_field(&f[2], "POSTURED_PEAK_DEG=%.1f", e->peak_deg),
                              log_field(&f[3], "POSTURED_DURATION_S=%.1f", e->duration_s)),
                   "Strain event %s (%s): held %.1f s, peak %.1f°.", event_kind_to_string(e->kind),
                   severity_to_string(e->severity), e->duration_s, e->peak_deg);
        (void) bus_emit_strain_event(m, e);
        history_add_event(m->history, manager_history_time_us(m, e->start_ns), e);
        metrics_add_event(m->metrics, e);
        /* Static strings of the core: they outlive the event. */
        m->last_event_kind = event_kind_to_string(e->kind);
        m->last_event_severity = severity_to_string(e->severity);
        m->last_event_start_us = manager_to_realtime_us(m, e->start_ns);
        m->last_event_duration_s = e->duration_s;
        m->last_event_peak_deg = e->peak_deg;
        m->changed |= CHANGED_LAST_EVENT;
        manager_flush_changes(m, false);
}

static void on_advice(const AdviceItem *item, void *userdata)
{
        (void) bus_emit_advice(userdata, item);
}

static void on_alert(const AdviceItem *item, void *userdata)
{
        (void) bus_emit_alert(userdata, item);
}

static void on_health_changed(unsigned what, void *userdata)
{
        Manager *m = userdata;

        if (what & HEALTH_CHANGED_PHASE)
                m->changed |= CHANGED_PHASE;
        if (what & HEALTH_CHANGED_PAIN)
                m->changed |= CHANGED_PAIN;
        if (what & HEALTH_CHANGED_ALERTS)
                m->changed |= CHANGED_ALERTS;
        manager_history_note_health(m, what);
        manager_flush_changes(m, true);
}

static void on_sample(const PostureSample *prev, const PostureSample *s, double dt_s, double strain,
                      void *userdata)
{
        Manager *m = userdata;

        if (dt_s > 0 && m->history)
                history_add_sample(m->history, manager_history_time_us(m, prev->t_ns), prev, dt_s,
                                   strain);
        if (dt_s > 0)
                metrics_add_sample(m->metrics, prev, dt_s);
}

static uint64_t on_event_time(int64_t t_ns, void *userdata)
{
        return manager_to_realtime_us(userdata, t_ns);
}

/**
 * manager_pipeline() - the pipeline of the Coach, which the sensor feeds.
 * @m: the manager.
 *
 * Return: the pipeline, or NULL before a source was opened.
 */
Pipeline *manager_pipeline(const Manager *m)
{
        return m->health ? coach_pipeline(health_coach(m->health)) : NULL;
}
/**
 * manager_notify_status() - the sensor and the posture as the service's STATUS=.
 * @m: the manager.
 */
void manager_notify_status(Manager *m)
{
        (void) sd_notifyf(0, "STATUS=Sensor %s (%s), posture %s.", sensor_name(m->sensor) ?: "none",
                          sensor_state_to_string(sensor_state(m->sensor)),
                          posture_class_to_string(m->posture));
}

static void recorder_describe(void *userdata, double *ret_rate_hz, const char **ret_name)
{
        Manager *m = userdata;
        const PosturedSourceInfo *info = sensor_info(m->sensor);

        *ret_rate_hz = info ? info->rate_hz : 0;
        *ret_name = sensor_name(m->sensor);
}

static const RecorderCallbacks recorder_callbacks = {
        .describe = recorder_describe,
};

/*
 * A new pipeline for each opened source: its clock and rate may differ from
 * the last one's. The Coach gives it the rules of the wearer's recovery
 * phase; the neutral carries over, episodes start afresh.
 */
static int on_sensor_opened(Sensor *sensor, void *userdata)
{
        const PosturedSourceInfo *info = sensor_info(sensor);
        Manager *m = userdata;
        const PipelineParams *params = &m->config.pipeline;
        bool device_mount = !m->config.mount_matrix_set && info->has_mount_matrix;
        MountMatrix mount;
        int r;

        if (device_mount)
                memcpy(mount.m, info->mount_matrix, sizeof(mount.m));
        if (manager_pipeline(m))
                m->dropped_before += pipeline_dropped(manager_pipeline(m));
        r = coach_start(health_coach(m->health), info->rate_hz, device_mount ? &mount : NULL,
                        m->kernel);
        if (r == -EINVAL)
                return log_error_errno(r,
                                       "Filter order %u with cut-off %.3g Hz does not fit the "
                                       "rate of %.3g Hz of %s ([Filter] CutoffHz= must be below "
                                       "half the rate).",
                                       params->filter_order, params->cutoff_hz, info->rate_hz,
                                       sensor_name(sensor));
        if (r < 0)
                return log_error_errno(r, "Cannot set up the signal path for %s: %m",
                                       sensor_name(sensor));
        m->history_anchored = false;
        if (m->history || m->metrics)
                pipeline_set_summary_handler(manager_pipeline(m), on_sample, m);
        log_debug("Filtering %s with the %s kernel.", sensor_name(sensor),
                  filter_kernel(pipeline_filter(manager_pipeline(m)))->name);
        calibration_restore(m, sensor_name(sensor),
                            device_mount ? &mount : &params->estimator.mount);
        return 0;
}

/* Tell the detectors how sample time maps to local time of day, for the
 * day window of prolonged-rest: the realtime anchor of the sensor plus the
 * current offset of the time zone, so a change of either is followed. */
static void update_local_clock(Manager *m, const Frame *f)
{
        Pipeline *p = manager_pipeline(m);
        uint64_t rt_us;
        time_t secs;
        struct tm tm;

        if (!p)
                return;
        rt_us = sensor_to_realtime_us(m->sensor, f->t_ns);
        secs = (time_t) (rt_us / USEC_PER_SEC);
        if (!localtime_r(&secs, &tm))
                return;
        detectors_set_local_clock(pipeline_detectors(p),
                                  (int64_t) (rt_us * 1000) + (int64_t) tm.tm_gmtoff * NSEC_PER_SEC -
                                          f->t_ns);
}

static void on_sensor_frames(Sensor *sensor, const Frame *frames, size_t n, void *userdata)
{
        Manager *m = userdata;

        if (n > 0)
                update_local_clock(m, &frames[n - 1]);
        recorder_feed(m->recorder, frames, n);
        coach_feed(health_coach(m->health), frames, n);
        manager_update_published(m);
        manager_flush_changes(m, false);
}

static void on_sensor_state_changed(Sensor *sensor, void *userdata)
{
        Manager *m = userdata;
        const char *state = sensor_state_to_string(sensor_state(sensor));
        const char *name = sensor_name(sensor) ?: "none";
        LogField f[2];

        log_struct(sensor_state(sensor) == SENSOR_ACTIVE ? LOG_INFO : LOG_NOTICE,
                   MESSAGE_ID_SENSOR_STATE,
                   LOG_FIELDS(log_field(&f[0], "POSTURED_SENSOR=%s", name),
                              log_field(&f[1], "POSTURED_SENSOR_STATE=%s", state)),
                   "Sensor %s is %s.", name, state);

        m->changed |= CHANGED_SENSOR;
        /* "active" goes out with the posture its frames give. */
        if (sensor_state(sensor) == SENSOR_ACTIVE)
                return;
        manager_flush_changes(m, true);
        manager_notify_status(m);
}

static void on_sensor_finished(Sensor *sensor, int error, void *userdata)
{
        Manager *m = userdata;

        /* The end of a replay is in the history at once. */
        if (m->history)
                (void) history_sync(m->history);
        if (m->exit_on_eof)
                (void) sd_event_exit(m->event, error < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static const SensorCallbacks sensor_callbacks = {
        .opened = on_sensor_opened,
        .frames = on_sensor_frames,
        .state_changed = on_sensor_state_changed,
        .finished = on_sensor_finished,
};

/**
 * manager_to_realtime_us() - a sample time of the current source in
 * CLOCK_REALTIME microseconds, through the Sensor's anchor.
 * @m: the manager.
 * @t_ns: the sample time.
 *
 * Return: microseconds since the epoch.
 */
uint64_t manager_to_realtime_us(const Manager *m, int64_t t_ns)
{
        return sensor_to_realtime_us(m->sensor, t_ns);
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
        m->config = *config;
        *config = (Config){};
        m->system_bus = system_bus;
        m->exit_on_eof = exit_on_eof;
        m->posture = POSTURE_UNKNOWN;
        r = calibration_setup(m);
        if (r < 0)
                return r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        r = sensor_new(&m->sensor, m->event,
                       &(SensorParams){
                               .uri = m->config.source_uri,
                               .plugin_dir = m->config.plugin_dir,
                               .ring_frames = m->config.ring_frames,
                               .stall_timeout_s = m->config.stall_timeout_s,
                       },
                       &sensor_callbacks, m);
        if (r < 0)
                return r;
        r = recorder_new(&m->recorder, m->event, &recorder_callbacks, m);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

/** manager_free() - stop the source first, then release everything. */
Manager *manager_free(Manager *m)
{
        if (!m)
                return NULL;
        /* The last metrics while the sensor still says its state. */
        metrics_free(m->metrics);
        sensor_free(m->sensor);
        recorder_free(m->recorder);
        /* The current minute is written at a clean stop. */
        history_free(m->history);
        health_free(m->health);
        sd_event_source_unref(m->throttle_timer);
        sd_bus_track_unref(m->recovery_subscribers);
        sd_event_source_unref(m->snooze_timer);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        config_done(&m->config);
        free(m->neutral_path);
        free(m->neutral_sensor);
        free(m);
        return NULL;
}

/* On the system bus, Recovery1 is for root and the members of [Bus] HealthGroup=. */
static void lookup_health_group(Manager *m)
{
        struct group gr, *grp = NULL;
        char buf[4096];

        if (!m->system_bus)
                return;
        if (getgrnam_r(m->config.health_group, &gr, buf, sizeof(buf), &grp) == 0 && grp) {
                m->health_gid = grp->gr_gid;
                m->health_gid_valid = true;
        } else
                log_notice("Group '%s' ([Bus] HealthGroup=) does not exist: only root may use "
                           "org.postured.Recovery1.",
                           m->config.health_group);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        (void) manager_reload(userdata);
        return 0;
}

static int on_sigusr(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        log_notice("Signal %s ignored.", si->ssi_signo == SIGUSR1 ? "SIGUSR1" : "SIGUSR2");
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
        static const HealthCallbacks health_callbacks = {
                .strain_event = on_strain_event,
                .advice = on_advice,
                .alert = on_alert,
                .changed = on_health_changed,
                .event_time = on_event_time,
        };
        int r;

        /* Blocked here, before any plugin thread starts and inherits the mask. SIGTERM
         * and SIGINT end the loop (no handler); SIGUSR1/2 are caught because their
         * default action would end the daemon with a signal no one meant for it. */
        static const struct {
                int signo;
                sd_event_signal_handler_t handler;
        } signals[] = {
                { SIGTERM, NULL },      { SIGINT, NULL },       { SIGHUP, on_sighup },
                { SIGUSR1, on_sigusr }, { SIGUSR2, on_sigusr },
        };
        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                /* Without a handler sd-event exits the loop with the userdata as the
                 * exit code: NULL, 0. */
                r = sd_event_add_signal(m->event, NULL, signals[i].signo | SD_EVENT_SIGNAL_PROCMASK,
                                        signals[i].handler, signals[i].handler ? m : NULL);
                if (r < 0)
                        return log_error_errno(r, "Cannot watch SIG%s: %m",
                                               sigabbrev_np(signals[i].signo));
        }
        (void) sd_event_set_watchdog(m->event, true);

        {
                const char *want = getenv("POSTURED_FILTER");
                char names[FILTER_KERNEL_NAMES_SIZE];

                r = filter_kernel_select(&m->kernel, want);
                if (r == -EINVAL)
                        return log_error_errno(r, "POSTURED_FILTER=%s: no such filter kernel (%s).",
                                               want, filter_kernel_names(names, sizeof(names)));
                if (r < 0)
                        return log_error_errno(r, "POSTURED_FILTER=%s: this CPU cannot run it.",
                                               want);
        }
        r = health_new(&m->health, m->event, &m->config, &health_callbacks, m);
        if (r < 0)
                return r;
        lookup_health_group(m);
        r = manager_history_open(m);
        if (r < 0)
                return r;
        r = manager_metrics_open(m);
        if (r < 0)
                return r;
        r = bus_setup(m);
        if (r < 0)
                return r;
        r = sensor_start(m->sensor);
        if (r < 0)
                return r;

        (void) sd_notify(0, "READY=1");
        manager_notify_status(m);
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
