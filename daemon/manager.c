/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <grp.h>
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
#include "util/macro.h"
#include "manager.h"
#include "recorder.h"
#include "util/time-util.h"

/* Angles that moved less than this are not a change worth a signal. */
#define ANGLE_EPSILON_DEG 0.1
#define STRAIN_EPSILON    0.005

static void on_strain_event(const StrainEvent *e, void *userdata)
{
        Manager *m = userdata;

        log_info("Strain event %s (%s): held %.1f s, peak %.1f°.", event_kind_to_string(e->kind),
                 severity_to_string(e->severity), e->duration_s, e->peak_deg);
        (void) bus_emit_strain_event(m, e);
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
        manager_flush_changes(m, true);
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

void manager_set_sensor_state(Manager *m, SensorState s)
{
        if (m->sensor_state == s)
                return;
        m->sensor_state = s;
        m->changed |= CHANGED_SENSOR;
}

/* Compare the pipeline's latest sample with what was published. */
void manager_update_published(Manager *m)
{
        Pipeline *p = manager_pipeline(m);
        const PostureSample *s = p ? pipeline_last(p) : NULL;
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
        strain = detectors_strain_level(pipeline_detectors(p));
        if (fabs(strain - m->strain) >= STRAIN_EPSILON) {
                m->strain = strain;
                m->changed |= CHANGED_STRAIN;
        }
}

static int on_throttle(sd_event_source *s, uint64_t usec, void *userdata)
{
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
                                              m->last_angles_emit_us + interval, 1, on_throttle, m);
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

void manager_notify_status(Manager *m)
{
        (void) sd_notifyf(0, "STATUS=Sensor %s (%s), posture %s.", m->sensor_name ?: "none",
                          sensor_state_to_string(m->sensor_state),
                          posture_class_to_string(m->posture));
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

        *ret = TAKE_PTR(m);
        return 0;
}

/** manager_free() - stop the source first, then release everything. */
Manager *manager_free(Manager *m)
{
        if (!m)
                return NULL;
        sensor_free(m);
        record_free_all(m);
        m->health = health_free(m->health);
        sd_event_source_unref(m->throttle_timer);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        ring_free(m->ring);
        free(m->sensor_name);
        config_done(&m->config);
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

        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot watch SIGTERM: %m");
        r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot watch SIGINT: %m");
        (void) sd_event_set_watchdog(m->event, true);

        {
                const char *want = getenv("POSTURED_FILTER");

                r = filter_kernel_select(&m->kernel, want);
                if (r == -EINVAL)
                        return log_error_errno(r,
                                               "POSTURED_FILTER=%s: no such filter kernel (scalar, "
                                               "sse2, avx2, avx512, block-avx2, neon).",
                                               want);
                if (r < 0)
                        return log_error_errno(r, "POSTURED_FILTER=%s: this CPU cannot run it.",
                                               want);
        }
        r = health_new(&m->health, m->event, &m->config, &health_callbacks, m);
        if (r < 0)
                return r;
        lookup_health_group(m);
        r = bus_setup(m);
        if (r < 0)
                return r;
        r = sensor_setup(m);
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

/**
 * manager_calibrate() - take the last still window as neutral.
 *
 * Return: 0, -ENODATA without data, -EBUSY when the wearer is not still.
 */
int manager_calibrate(Manager *m)
{
        int r;

        r = coach_calibrate(health_coach(m->health));
        if (r < 0)
                return r;
        log_info("Calibrated: the current posture is the new neutral.");
        /* The published angles change with the neutral even before the next sample. */
        manager_update_published(m);
        manager_flush_changes(m, true);
        return 0;
}
