/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The wearer's recovery: the advice catalogue, the recovery phase and its
 * timer, and the advice engine, wired to the detectors (the phase chooses
 * the rules) and to the bus (Advice and Alert signals).
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util/macro.h"
#include "manager.h"
#include "util/time-util.h"

static void on_advice(const AdviceItem *item, uint64_t now_usec, void *userdata)
{
        Manager *m = userdata;

        log_info("Advice %s (%s): %s", item->id, severity_to_string(item->severity), item->text);
        (void) bus_emit_advice(m, item);
}

static void on_alert(const AdviceItem *item, uint64_t now_usec, void *userdata)
{
        Manager *m = userdata;

        log_warning("Alert %s (%s) raised.", item->id, severity_to_string(item->severity));
        (void) bus_emit_alert(m, item);
        m->changed |= CHANGED_ALERTS;
}

/* The detectors follow the phase: the configured rules, tightened while acute. */
static void apply_phase_rules(Manager *m)
{
        RuleParams rules = m->config.pipeline.rules;
        int r;

        recovery_rule_params(m->recovery, &rules);
        m->config_rules_phase = recovery_phase(m->recovery);
        if (!m->pipeline)
                return;
        r = pipeline_set_rules(m->pipeline, &rules);
        if (r < 0)
                log_warning_errno(r, "Cannot apply the rules of the %s phase: %m",
                                  recovery_phase_to_string(recovery_phase(m->recovery)));
}

static int on_phase_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void arm_phase_timer(Manager *m)
{
        uint64_t next = recovery_next_transition(m->recovery);
        int r;

        if (next == UINT64_MAX) {
                if (m->phase_timer)
                        (void) sd_event_source_set_enabled(m->phase_timer, SD_EVENT_OFF);
                return;
        }
        if (m->phase_timer) {
                (void) sd_event_source_set_time(m->phase_timer, next);
                (void) sd_event_source_set_enabled(m->phase_timer, SD_EVENT_ONESHOT);
                return;
        }
        r = sd_event_add_time(m->event, &m->phase_timer, CLOCK_REALTIME, next, USEC_PER_SEC,
                              on_phase_timer, m);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the recovery phase timer: %m");
}

/**
 * health_phase_changed() - after anything that may have moved the phase:
 * rules, properties, the timer for the next transition.
 */
void health_phase_changed(Manager *m)
{
        if (recovery_phase(m->recovery) != m->config_rules_phase) {
                log_info("Recovery phase: %s.",
                         recovery_phase_to_string(recovery_phase(m->recovery)));
                apply_phase_rules(m);
        }
        m->changed |= CHANGED_PHASE;
        arm_phase_timer(m);
        manager_flush_changes(m, true);
}

static int on_phase_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;

        (void) advice_engine_tick(m->advice, now_us(CLOCK_REALTIME));
        health_phase_changed(m);
        return 0;
}

/**
 * health_on_event() - a strain event reaches the advice engine at the
 * realtime of its sample.
 */
void health_on_event(Manager *m, const StrainEvent *e)
{
        if (m->advice)
                (void) advice_engine_event(m->advice, event_kind_to_string(e->kind),
                                           manager_to_realtime_us(m, e->t_ns));
}

/**
 * health_setup() - load the catalogue (a broken one is a configuration
 * error, named by file and line) and start in phase none.
 *
 * Return: 0 or -errno (logged).
 */
int health_setup(Manager *m)
{
        _cleanup_(freep) char *error = NULL;
        RecoveryParams rp;
        AdviceParams ap;
        int r;

        r = catalogue_load(&m->catalogue, m->config.catalogue_path, &error);
        if (r == -ENOENT)
                return log_error_errno(r, "Advice catalogue %s: %m ([Advice] Catalogue=).",
                                       m->config.catalogue_path);
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Cannot load the advice catalogue.");

        recovery_params_default(&rp);
        rp.acute_hours = m->config.acute_hours;
        rp.recovering_days = m->config.recovering_days;
        {
                time_t now = time(NULL);
                struct tm tm;

                if (localtime_r(&now, &tm))
                        rp.utc_offset_s = tm.tm_gmtoff;
        }
        r = recovery_new(&m->recovery, &rp);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the recovery state: %m");

        advice_params_default(&ap);
        ap.repeat_interval_usec = (uint64_t) (m->config.advice_repeat_s * USEC_PER_SEC);
        r = advice_engine_new(&m->advice, m->catalogue, m->recovery, &ap);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the advice engine: %m");
        advice_engine_set_handlers(m->advice, on_advice, on_alert, m);

        if (m->config.state_file && *m->config.state_file)
                m->state_path = strdup(m->config.state_file);
        else if (getenv("STATE_DIRECTORY") && !strchr(getenv("STATE_DIRECTORY"), ':'))
                if (asprintf(&m->state_path, "%s/recovery", getenv("STATE_DIRECTORY")) < 0)
                        m->state_path = NULL;
        if (!m->state_path)
                log_debug("No [Recovery] StateFile= and no $STATE_DIRECTORY: the recovery state "
                          "lives in memory only.");
        (void) health_load(m);
        m->config_rules_phase = PHASE_NONE;
        if (recovery_phase(m->recovery) != PHASE_NONE)
                apply_phase_rules(m);
        arm_phase_timer(m);

        if (m->system_bus) {
                struct group gr, *grp = NULL;
                char buf[4096];

                if (getgrnam_r(m->config.health_group, &gr, buf, sizeof(buf), &grp) == 0 && grp) {
                        m->health_gid = grp->gr_gid;
                        m->health_gid_valid = true;
                } else
                        log_notice("Group '%s' ([Bus] HealthGroup=) does not exist: only root "
                                   "may use org.postured.Recovery1.",
                                   m->config.health_group);
        }
        return 0;
}

/** health_free() - the engine first: it borrows the catalogue and the state. */
void health_free(Manager *m)
{
        m->phase_timer = sd_event_source_unref(m->phase_timer);
        m->advice = advice_engine_free(m->advice);
        m->recovery = recovery_free(m->recovery);
        m->catalogue = catalogue_free(m->catalogue);
        free(m->state_path);
        m->state_path = NULL;
}
