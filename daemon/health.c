/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The wearer's recovery: the advice catalogue, the Coach, the timer of the
 * next phase change, and the reports of the Recovery1 calls, each stored
 * (health-state.c) before it is applied.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/recovery-state.h"
#include "health-internal.h"
#include "health.h"
#include "log.h"
#include "util/macro.h"
#include "util/time-util.h"

/**
 * health_now() - the Health's clock: the owner's, or CLOCK_REALTIME.
 * @h: the Health.
 *
 * Return: realtime µs.
 */
uint64_t health_now(const Health *h)
{
        return h->cb.now ? h->cb.now(h->userdata) : now_us(CLOCK_REALTIME);
}

static void notify(Health *h, unsigned what)
{
        if (h->cb.changed)
                h->cb.changed(what, h->userdata);
}

static void on_strain_event(const StrainEvent *e, const PostureSample *s, void *userdata)
{
        Health *h = userdata;

        if (h->cb.strain_event)
                h->cb.strain_event(e, h->userdata);
}

static void on_advice(const AdviceItem *item, uint64_t now_usec, void *userdata)
{
        Health *h = userdata;

        /* Health data: in the journal only at the debug level (DESIGN.md, "D-Bus API"). */
        log_debug("Advice %s (%s): %s", item->id, severity_to_string(item->severity), item->text);
        if (h->cb.advice)
                h->cb.advice(item, h->userdata);
}

static void on_alert(const AdviceItem *item, uint64_t now_usec, void *userdata)
{
        Health *h = userdata;

        log_debug("Alert %s (%s) raised.", item->id, severity_to_string(item->severity));
        if (h->cb.alert)
                h->cb.alert(item, h->userdata);
        notify(h, HEALTH_CHANGED_ALERTS);
}

static void on_phase_changed(RecoveryPhase phase, void *userdata)
{
        log_debug("Recovery phase: %s.", recovery_phase_to_string(phase));
}

static uint64_t on_event_time(int64_t t_ns, void *userdata)
{
        Health *h = userdata;

        if (h->cb.event_time)
                return h->cb.event_time(t_ns, h->userdata);
        return t_ns > 0 ? (uint64_t) t_ns / 1000 : 0;
}

static int on_phase_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* The timer runs on the real clock; the transition is due in Health's own. */
static void arm_phase_timer(Health *h)
{
        uint64_t next = recovery_next_transition(coach_recovery(h->coach));
        uint64_t now = health_now(h), when;
        int r;

        if (next == UINT64_MAX) {
                if (h->phase_timer)
                        (void) sd_event_source_set_enabled(h->phase_timer, SD_EVENT_OFF);
                return;
        }
        when = now_us(CLOCK_REALTIME) + (next > now ? next - now : 0);
        if (h->phase_timer) {
                (void) sd_event_source_set_time(h->phase_timer, when);
                (void) sd_event_source_set_enabled(h->phase_timer, SD_EVENT_ONESHOT);
                return;
        }
        r = sd_event_add_time(h->event, &h->phase_timer, CLOCK_REALTIME, when, USEC_PER_SEC,
                              on_phase_timer, h);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the recovery phase timer: %m");
}

/* After anything that may have moved the phase or the onset. */
static void phase_may_have_changed(Health *h)
{
        notify(h, HEALTH_CHANGED_PHASE);
        arm_phase_timer(h);
}

static int on_phase_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Health *h = userdata;
        int r;

        r = coach_tick(h->coach, health_now(h));
        if (r < 0)
                log_warning_errno(
                        r, "Cannot apply the rules of the %s phase: %m",
                        recovery_phase_to_string(recovery_phase(coach_recovery(h->coach))));
        phase_may_have_changed(h);
        return 0;
}

/* The catalogue of @config; a broken one is logged with its file and line. */
static int load_catalogue(const Config *config, Catalogue **ret)
{
        _cleanup_(freep) char *error = NULL;
        int r;

        r = catalogue_load(ret, config->catalogue_path, &error);
        if (r == -ENOENT)
                return log_error_errno(r, "Advice catalogue %s: %m ([Advice] Catalogue=).",
                                       config->catalogue_path);
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Cannot load the advice catalogue.");
        return 0;
}

/**
 * health_new() - load the catalogue (a broken one is a configuration error,
 * named by file and line), set up the Coach and restore the saved state,
 * before the bus is up.
 * @ret: the new Health.
 * @event: the loop, for the phase timer.
 * @config: the catalogue, the [Recovery] and [Advice] settings and the
 *          pipeline's; read here only.
 * @cb: callbacks, copied; they may be called before this returns (a
 *      restored alert).
 * @userdata: passed to the callbacks.
 *
 * Return: 0 or -errno (logged).
 */
int health_new(Health **ret, sd_event *event, const Config *config, const HealthCallbacks *cb,
               void *userdata)
{
        static const CoachCallbacks coach_callbacks = {
                .strain_event = on_strain_event,
                .advice = on_advice,
                .alert = on_alert,
                .phase_changed = on_phase_changed,
                .event_time = on_event_time,
        };
        _cleanup_(health_freep) Health *h = NULL;
        CoachParams params;
        int r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return log_oom();
        h->event = sd_event_ref(event);
        if (cb)
                h->cb = *cb;
        h->userdata = userdata;

        r = load_catalogue(config, &h->catalogue);
        if (r < 0)
                return r;

        coach_params_default(&params);
        params.pipeline = config->pipeline;
        params.catalogue = h->catalogue;
        params.recovery.acute_hours = config->acute_hours;
        params.recovery.recovering_days = config->recovering_days;
        {
                time_t now = (time_t) (health_now(h) / USEC_PER_SEC);
                struct tm tm;

                if (localtime_r(&now, &tm))
                        params.recovery.utc_offset_s = tm.tm_gmtoff;
        }
        params.advice.repeat_interval_usec = (uint64_t) (config->advice_repeat_s * USEC_PER_SEC);
        r = coach_new(&h->coach, &params, &coach_callbacks, h);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the recovery state and advice: %m");

        r = health_state_path(config, &h->state_path);
        if (r < 0)
                return log_oom();
        if (!h->state_path)
                log_debug("No [Recovery] StateFile= and no $STATE_DIRECTORY: the recovery state "
                          "lives in memory only.");
        health_load(h);
        arm_phase_timer(h);

        *ret = TAKE_PTR(h);
        return 0;
}

/**
 * health_reload() - the reloaded catalogue, rules and advice settings. The
 * recovery state, the alert, the snooze and the phase timer stay; [Recovery]
 * settings apply at the next start.
 * @h: the Health.
 * @config: the new configuration; read here only.
 *
 * Return: 0, or -errno (logged, naming the file and line of a broken
 * catalogue) with the old catalogue and rules still in force.
 */
int health_reload(Health *h, const Config *config)
{
        _cleanup_(catalogue_freep) Catalogue *catalogue = NULL;
        AdviceParams advice;
        int r;

        r = load_catalogue(config, &catalogue);
        if (r < 0)
                return r;

        advice_params_default(&advice);
        advice.repeat_interval_usec = (uint64_t) (config->advice_repeat_s * USEC_PER_SEC);
        r = coach_reconfigure(h->coach, &config->pipeline.rules, catalogue, &advice);
        if (r == -EINVAL)
                return log_error_errno(r, "The [Rules] of the configuration are not valid for "
                                          "the current recovery phase.");
        if (r < 0)
                return log_error_errno(r, "Cannot apply the new rules and advice: %m");

        catalogue_free(h->catalogue);
        h->catalogue = TAKE_PTR(catalogue);
        return 0;
}

/**
 * health_free() - stop the timer, free the Coach, then the catalogue it borrows.
 * @h: may be NULL.
 *
 * Return: NULL.
 */
Health *health_free(Health *h)
{
        if (!h)
                return NULL;
        sd_event_source_unref(h->phase_timer);
        coach_free(h->coach);
        catalogue_free(h->catalogue);
        sd_event_unref(h->event);
        free(h->state_path);
        free(h);
        return NULL;
}

/**
 * health_coach() - the Coach: its pipeline is the sensor's.
 * @h: the Health.
 *
 * Return: the Coach, owned by @h.
 */
Coach *health_coach(const Health *h)
{
        return h->coach;
}

/**
 * health_recovery() - the recovery state, for the Recovery1 properties.
 * @h: the Health.
 *
 * Return: the state, owned by @h.
 */
const Recovery *health_recovery(const Health *h)
{
        return coach_recovery(h->coach);
}

/**
 * health_active_alerts() - the ids of the active alerts (ActiveAlerts).
 * @h: the Health.
 *
 * Return: a NULL-terminated list, valid until the next report or acknowledgement.
 */
char *const *health_active_alerts(const Health *h)
{
        return advice_engine_active_alerts(coach_engine(h->coach));
}

/**
 * health_report_injury() - ReportInjury(): the saved state, then the phase
 * of the onset and its advice.
 * @h: the Health.
 * @onset_usec: CLOCK_REALTIME µs, 0 for now.
 *
 * The new onset is stored first, then applied: a report that cannot be
 * stored changes nothing.
 *
 * Return: 0, -EINVAL (onset in the future), -ERANGE (more than a year ago),
 * or -errno when the state file cannot be written.
 */
int health_report_injury(Health *h, uint64_t onset_usec)
{
        uint64_t now = health_now(h);
        RecoveryState state;
        int r;

        if (onset_usec == 0)
                onset_usec = now;
        if (onset_usec > now)
                return -EINVAL;
        if (now - onset_usec > RECOVERY_MAX_ONSET_AGE)
                return -ERANGE;
        health_capture(h, &state);
        state.onset_usec = onset_usec;
        state.recovered = false;
        r = health_write_state(h, &state);
        if (r < 0)
                return r;

        r = coach_report_injury(h->coach, onset_usec, now);
        if (r < 0)
                return r;
        phase_may_have_changed(h);
        return 0;
}

/**
 * health_report_recovered() - ReportRecovered(): stored, then applied.
 * @h: the Health.
 *
 * Return: 0 (also when already recovered), RECOVERY_NOT_INJURED when no
 * injury was reported, or -errno when the state file cannot be written
 * (nothing changed then).
 */
int health_report_recovered(Health *h)
{
        RecoveryPhase phase = recovery_phase(coach_recovery(h->coach));
        RecoveryState state;
        int r;

        if (phase == PHASE_NONE)
                return RECOVERY_NOT_INJURED;
        if (phase == PHASE_RECOVERED)
                return 0;
        health_capture(h, &state);
        state.recovered = true;
        r = health_write_state(h, &state);
        if (r < 0)
                return r;

        r = coach_report_recovered(h->coach, health_now(h));
        if (r < 0)
                return r;
        phase_may_have_changed(h);
        return 0;
}

/**
 * health_report_pain() - ReportPain().
 * @h: the Health.
 * @level: 0..10.
 * @context: what the wearer was doing.
 *
 * The report is stored first, then applied: one that cannot be stored
 * changes nothing.
 *
 * Return: 0, -EINVAL (level above 10, context too long), or -errno when
 * the state file cannot be written.
 */
int health_report_pain(Health *h, unsigned level, const char *context)
{
        char *const *alerts;
        uint64_t now = health_now(h);
        RecoveryState state;
        int r;

        if (!context)
                context = "";
        if (level > PAIN_LEVEL_MAX || strlen(context) > PAIN_CONTEXT_MAX)
                return -EINVAL;
        /* The new report joins those in memory, then what was set aside joins in time order. */
        alerts = health_active_alerts(h);
        recovery_state_capture(&state, coach_recovery(h->coach), alerts && alerts[0]);
        if (state.n_pain == ELEMENTSOF(state.pain)) {
                memmove(state.pain, state.pain + 1, sizeof(state.pain) - sizeof(state.pain[0]));
                state.n_pain--;
        }
        state.pain[state.n_pain++] = (PainReport){ .t_usec = now, .level = level };
        strcpy(state.pain_context, context);
        recovery_state_merge(&state, &h->future);
        r = health_write_state(h, &state);
        if (r < 0)
                return r;

        r = coach_report_pain(h->coach, level, context, now);
        if (r < 0)
                return r;
        notify(h, HEALTH_CHANGED_PAIN);
        return 0;
}

/**
 * health_report_symptoms() - ReportSymptoms(): raises the red-flag alert.
 * @h: the Health.
 * @symptoms: NULL-terminated names, or NULL.
 *
 * The symptoms and the alert they raise are stored first, then applied:
 * a report that cannot be stored changes nothing.
 *
 * Return: 0, -EINVAL for an unknown name (nothing recorded), or -errno
 * when the state file cannot be written.
 */
int health_report_symptoms(Health *h, char *const *symptoms)
{
        uint64_t now = health_now(h);
        RecoveryState state;
        unsigned mask = 0;
        int r;

        for (size_t i = 0; symptoms && symptoms[i]; i++) {
                int k = symptom_from_string(symptoms[i]);

                if (k < 0)
                        return -EINVAL;
                mask |= 1u << k;
        }
        health_capture(h, &state);
        /* Any known symptom raises the alert, saved with every symptom so far. */
        if (mask)
                state.alert_symptoms = recovery_symptoms(coach_recovery(h->coach)) | mask;
        r = health_write_state(h, &state);
        if (r < 0)
                return r;

        r = coach_report_symptoms(h->coach, symptoms, now);
        if (r < 0)
                return r;
        notify(h, HEALTH_CHANGED_ALERTS);
        return 0;
}

/**
 * health_acknowledge_alert() - AcknowledgeAlert(): stored, then applied.
 * @h: the Health.
 * @id: the alert's id.
 *
 * Return: 0, -ENOENT when no active alert has @id, or -errno when the
 * state file cannot be written (the alert stays active then).
 */
int health_acknowledge_alert(Health *h, const char *id)
{
        char *const *alerts = health_active_alerts(h);
        RecoveryState state;
        bool active = false;
        int r;

        for (size_t i = 0; alerts && alerts[i]; i++)
                if (strcmp(alerts[i], id) == 0)
                        active = true;
        if (!active)
                return -ENOENT;
        /* Saved as it will be: with no alert active (there is at most one). */
        recovery_state_capture(&state, coach_recovery(h->coach), false);
        recovery_state_merge(&state, &h->future);
        r = health_write_state(h, &state);
        if (r < 0)
                return r;

        r = advice_engine_acknowledge(coach_engine(h->coach), id);
        if (r < 0)
                return r;
        log_debug("Alert %s acknowledged.", id);
        notify(h, HEALTH_CHANGED_ALERTS);
        return 0;
}

/**
 * health_snoozed_until() - when the snooze ends.
 * @h: the Health.
 *
 * Return: the end of the snooze in realtime µs, 0 when advice is not snoozed.
 */
uint64_t health_snoozed_until(const Health *h)
{
        const AdviceEngine *e = coach_engine(h->coach);

        return e ? advice_engine_snoozed_until(e, health_now(h)) : 0;
}

/**
 * health_snooze() - Snooze(): no advice for @seconds, alerts still go out.
 * @h: the Health.
 * @seconds: 0 ends a snooze.
 *
 * Return: 0, -EINVAL above ADVICE_SNOOZE_MAX_SEC.
 */
int health_snooze(Health *h, unsigned seconds)
{
        int r;

        r = advice_engine_snooze(coach_engine(h->coach), seconds, health_now(h));
        if (r < 0)
                return r;
        if (seconds > 0)
                log_info_ratelimited("Advice snoozed for %u s (alerts still go out).", seconds);
        else
                log_info_ratelimited("Snooze cancelled.");
        return 0;
}
