/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the Manager publishes: the pipeline's latest sample compared with
 * what the bus last heard, PropertiesChanged throttled to PropertyRateHz,
 * and the calls that change it at once (Calibrate(), ResetCalibration(),
 * Snooze()).
 */
#include <math.h>
#include <stdbool.h>

#include "bus.h"
#include "calibration.h"
#include "log.h"
#include "manager-internal.h"
#include "manager.h"
#include "util/time-util.h"

/* Angles that moved less than this are not a change worth a signal. */
#define ANGLE_EPSILON_DEG 0.1
#define STRAIN_EPSILON    0.005

/**
 * manager_update_published() - compare the pipeline's latest sample with
 * what was published, and mark what changed.
 * @m: the manager.
 */
void manager_update_published(Manager *m)
{
        Pipeline *p = manager_pipeline(m);
        const PostureSample *s = p ? pipeline_last(p) : NULL;
        double strain;

        if (!s)
                return;
        /* Still since the last change of posture, or since a walk ended. */
        if (s->posture != m->posture ||
            (s->activity != m->activity && m->activity == ACTIVITY_WALKING)) {
                m->still_since_us = manager_to_realtime_us(m, s->t_ns);
                m->changed |= CHANGED_STILL;
        }
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
        calibration_update(m);
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
 * once.
 * @m: the manager.
 * @force: send the throttled ones too.
 */
void manager_flush_changes(Manager *m, bool force)
{
        const unsigned throttled = CHANGED_ANGLES | CHANGED_STRAIN;
        uint64_t interval = (uint64_t) (USEC_PER_SEC / m->config.property_rate_hz);
        uint64_t now = now_us(CLOCK_MONOTONIC);
        unsigned send = m->changed & ~throttled;
        int r;

        if (m->changed & throttled) {
                /* A new posture goes out with the angles that explain it. Batches
                 * come once a second (issue 14): one up to an eighth of the interval
                 * early sends them too, and no timer needs a wakeup of its own. */
                if (force || (send & CHANGED_POSTURE) ||
                    now + interval / 8 >= m->last_angles_emit_us + interval) {
                        send |= m->changed & throttled;
                        m->last_angles_emit_us = now;
                        if (m->throttle_timer)
                                (void) sd_event_source_set_enabled(m->throttle_timer, SD_EVENT_OFF);
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

/**
 * manager_calibrate() - take the last still window as the wearer's neutral.
 * @m: the manager.
 *
 * Return: CALIBRATE_DONE (0) when calibrated; CALIBRATE_NO_DATA when no
 * sensor data came yet, CALIBRATE_NOT_STILL when the wearer was not still
 * over the last window.
 */
int manager_calibrate(Manager *m)
{
        int r;

        r = coach_calibrate(health_coach(m->health));
        if (r != CALIBRATE_DONE)
                return r;
        log_info_ratelimited("Calibrated: the current posture is the new neutral.");
        /* The published angles change with the neutral even before the next sample. */
        manager_update_published(m);
        manager_flush_changes(m, true);
        return 0;
}

/**
 * manager_reset_calibration() - forget the neutral, saved one included: the
 * next worn, still window near upright is taken (calibration_reset()).
 */
void manager_reset_calibration(Manager *m)
{
        calibration_reset(m);
        manager_update_published(m);
        manager_flush_changes(m, true);
}

static int on_snooze_end(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;

        m->changed |= CHANGED_SNOOZE;
        manager_flush_changes(m, false);
        return 0;
}

/**
 * manager_snoozed() - Snooze() was called: send SnoozedUntil now, and again
 * (as 0) when the snooze ends.
 * @m: the Manager.
 */
void manager_snoozed(Manager *m)
{
        uint64_t until = health_snoozed_until(m->health);
        int r;

        m->changed |= CHANGED_SNOOZE;
        manager_flush_changes(m, false);
        if (until == 0) {
                if (m->snooze_timer)
                        (void) sd_event_source_set_enabled(m->snooze_timer, SD_EVENT_OFF);
                return;
        }
        if (m->snooze_timer) {
                (void) sd_event_source_set_time(m->snooze_timer, until + 1000);
                (void) sd_event_source_set_enabled(m->snooze_timer, SD_EVENT_ONESHOT);
                return;
        }
        /* A little late rather than early: the snooze has ended when it fires. */
        r = sd_event_add_time(m->event, &m->snooze_timer, CLOCK_REALTIME, until + 1000, 1000,
                              on_snooze_end, m);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the timer for the end of the snooze: %m");
}
