/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "core/coach.h"
#include "util/macro.h"

struct Coach {
        CoachParams params;
        CoachCallbacks cb;
        void *userdata;

        Recovery *recovery;
        AdviceEngine *engine;      /* NULL without a catalogue */
        Pipeline *pipeline;        /* NULL before coach_start() */
        RecoveryPhase rules_phase; /* the phase the pipeline's rules are for */
};

/**
 * coach_params_default() - the defaults of the pipeline, the recovery and
 * the advice engine, and no catalogue.
 * @p: filled in.
 */
void coach_params_default(CoachParams *p)
{
        *p = (CoachParams){};
        pipeline_params_default(&p->pipeline);
        recovery_params_default(&p->recovery);
        advice_params_default(&p->advice);
}

static void on_advice(const AdviceItem *item, uint64_t now_usec, void *userdata)
{
        Coach *c = userdata;

        if (c->cb.advice)
                c->cb.advice(item, now_usec, c->userdata);
}

static void on_alert(const AdviceItem *item, uint64_t now_usec, void *userdata)
{
        Coach *c = userdata;

        if (c->cb.alert)
                c->cb.alert(item, now_usec, c->userdata);
}

/* The owner hears of the event first, then the advice engine at its time. */
static void on_strain_event(const StrainEvent *e, const PostureSample *s, void *userdata)
{
        Coach *c = userdata;
        uint64_t t;

        if (c->cb.strain_event)
                c->cb.strain_event(e, s, c->userdata);
        if (!c->engine)
                return;
        t = c->cb.event_time ? c->cb.event_time(e->t_ns, c->userdata)
                             : (uint64_t) (e->t_ns > 0 ? e->t_ns / 1000 : 0);
        (void) advice_engine_event(c->engine, event_kind_to_string(e->kind), t);
}

/**
 * coach_new() - a Coach in phase none, without a pipeline yet.
 * @ret: the new Coach.
 * @p: parameters; NULL for coach_params_default().
 * @cb: callbacks, copied; NULL for none.
 * @userdata: passed to every callback.
 *
 * Return: 0, -EINVAL for recovery parameters out of range, -ENOMEM.
 */
int coach_new(Coach **ret, const CoachParams *p, const CoachCallbacks *cb, void *userdata)
{
        _cleanup_(coach_freep) Coach *c = NULL;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (p)
                c->params = *p;
        else
                coach_params_default(&c->params);
        if (cb)
                c->cb = *cb;
        c->userdata = userdata;
        c->rules_phase = PHASE_NONE;

        r = recovery_new(&c->recovery, &c->params.recovery);
        if (r < 0)
                return r;
        if (c->params.catalogue) {
                r = advice_engine_new(&c->engine, c->params.catalogue, c->recovery,
                                      &c->params.advice);
                if (r < 0)
                        return r;
                advice_engine_set_handlers(c->engine, on_advice, on_alert, c);
        }
        *ret = TAKE_PTR(c);
        return 0;
}

/**
 * coach_free() - free the pipeline, the engine and the recovery state (not
 * the catalogue).
 * @c: may be NULL.
 *
 * Return: NULL.
 */
Coach *coach_free(Coach *c)
{
        if (!c)
                return NULL;
        /* The engine borrows the recovery state: it goes first. */
        advice_engine_free(c->engine);
        recovery_free(c->recovery);
        pipeline_free(c->pipeline);
        free(c);
        return NULL;
}

/**
 * coach_start() - a new pipeline, for a (new) source.
 * @c: the Coach.
 * @rate_hz: the source's sample rate.
 * @mount: the source's mount matrix, or NULL for the configured one.
 * @kernel: the filter kernel, or NULL for the pipeline's choice.
 *
 * The pipeline gets the rules of the current phase and the neutral of the
 * previous pipeline, if that had one; the previous pipeline goes.
 *
 * Return: 0, -EINVAL when the parameters do not fit @rate_hz, -ENOMEM.
 */
int coach_start(Coach *c, double rate_hz, const MountMatrix *mount, const FilterKernel *kernel)
{
        _cleanup_(pipeline_freep) Pipeline *p = NULL;
        PipelineParams params = c->params.pipeline;
        double neutral[3];
        int64_t t_ns;
        int r;

        recovery_rule_params(c->recovery, &params.rules);
        if (mount)
                params.estimator.mount = *mount;

        r = pipeline_new(&p, &params, rate_hz);
        if (r < 0)
                return r;
        pipeline_set_event_handler(p, on_strain_event, c);
        if (kernel)
                filter_set_kernel(pipeline_filter(p), kernel);
        if (c->pipeline && estimator_get_neutral(pipeline_estimator(c->pipeline), neutral))
                (void) estimator_set_neutral_how(
                        pipeline_estimator(p), neutral,
                        estimator_get_calibration(pipeline_estimator(c->pipeline), &t_ns), t_ns);

        pipeline_free(c->pipeline);
        c->pipeline = TAKE_PTR(p);
        c->rules_phase = recovery_phase(c->recovery);
        return 0;
}

/**
 * coach_reconfigure() - reloaded settings: the configured rules, the
 * catalogue and the advice parameters. The pipeline (its filter, estimator
 * and neutral, the detectors' running episodes), the recovery state and the
 * engine's snooze, alert and rate limits stay.
 * @c: the Coach.
 * @rules: the configured rules; the current phase adapts them.
 * @catalogue: the new catalogue, borrowed (the old one may be freed once
 *             this returns); NULL for none.
 * @advice: the new advice parameters.
 *
 * Return: 0; -EINVAL when the rules, as the current phase adapts them, are
 * not valid; -ENOMEM. On error nothing changed.
 */
int coach_reconfigure(Coach *c, const RuleParams *rules, const Catalogue *catalogue,
                      const AdviceParams *advice)
{
        _cleanup_(advice_engine_freep) AdviceEngine *engine = NULL;
        RuleParams adapted = *rules;
        int r;

        rule_params_for_phase(recovery_phase(c->recovery), &adapted);
        if (!rule_params_are_valid(&adapted))
                return -EINVAL;

        if (catalogue && !c->engine) {
                r = advice_engine_new(&engine, catalogue, c->recovery, advice);
                if (r < 0)
                        return r;
                advice_engine_set_handlers(engine, on_advice, on_alert, c);
        } else if (catalogue) {
                r = advice_engine_set_catalogue(c->engine, catalogue, advice);
                if (r < 0)
                        return r;
        }
        if (c->pipeline)
                /* Checked above: it cannot fail. */
                (void) pipeline_set_rules(c->pipeline, &adapted);

        if (!catalogue)
                c->engine = advice_engine_free(c->engine);
        else if (engine)
                c->engine = TAKE_PTR(engine);
        c->params.pipeline.rules = *rules;
        c->params.catalogue = catalogue;
        c->params.advice = *advice;
        return 0;
}

/**
 * coach_feed() - process frames in sample order (pipeline_feed()); events,
 * advice and alerts reach the callbacks before this returns.
 * @c: the Coach.
 * @frames: the frames.
 * @n: how many.
 */
void coach_feed(Coach *c, const Frame *frames, size_t n)
{
        if (c->pipeline)
                pipeline_feed(c->pipeline, frames, n);
}

/**
 * coach_pipeline() - the pipeline, for its latest sample, summary, filter
 * and estimator.
 * @c: the Coach.
 *
 * Return: the pipeline, or NULL before coach_start().
 */
Pipeline *coach_pipeline(const Coach *c)
{
        return c->pipeline;
}

/**
 * coach_calibrate() - take the last still window as the wearer's neutral
 * (pipeline_calibrate()).
 * @c: the Coach.
 *
 * Return: a CalibrateResult: CALIBRATE_NO_DATA also without a sample yet.
 */
int coach_calibrate(Coach *c)
{
        if (!c->pipeline || !pipeline_last(c->pipeline))
                return CALIBRATE_NO_DATA;
        return pipeline_calibrate(c->pipeline);
}

/* Give the detectors the rules of the current phase, if it moved. */
static int follow_phase(Coach *c, bool notify)
{
        RuleParams rules = c->params.pipeline.rules;
        int r = 0;

        if (recovery_phase(c->recovery) == c->rules_phase)
                return 0;
        c->rules_phase = recovery_phase(c->recovery);
        rule_params_for_phase(c->rules_phase, &rules);
        if (c->pipeline)
                r = pipeline_set_rules(c->pipeline, &rules);
        if (notify && c->cb.phase_changed)
                c->cb.phase_changed(c->rules_phase, c->userdata);
        return r < 0 ? r : 1;
}

/**
 * coach_tick() - let time pass: the phase moves when due, with its
 * phase-entered advice and its rules.
 * @c: the Coach.
 * @now_usec: the current time.
 *
 * Return: 1 when the phase moved, 0 when not, -EINVAL when the rules of the
 * new phase are not valid (the phase moved; the old rules stay).
 */
int coach_tick(Coach *c, uint64_t now_usec)
{
        if (c->engine)
                (void) advice_engine_tick(c->engine, now_usec);
        else
                (void) recovery_tick(c->recovery, now_usec);
        return follow_phase(c, true);
}

/**
 * coach_report_injury() - an injury began at @onset_usec, with the advice of
 * the phase it leads to (advice_engine_report_injury()).
 * @c: the Coach.
 * @onset_usec: the onset, 0 for @now_usec.
 * @now_usec: the current time.
 *
 * Return: 0, -EINVAL (onset in the future), -ERANGE (more than a year ago).
 */
int coach_report_injury(Coach *c, uint64_t onset_usec, uint64_t now_usec)
{
        int r;

        if (c->engine)
                r = advice_engine_report_injury(c->engine, onset_usec, now_usec);
        else
                r = recovery_report_injury(c->recovery, onset_usec, now_usec);
        if (r < 0)
                return r;
        (void) follow_phase(c, true);
        return 0;
}

/**
 * coach_report_recovered() - the wearer says the back has recovered.
 * @c: the Coach.
 * @now_usec: the current time.
 *
 * Return: 0 (also when already recovered), RECOVERY_NOT_INJURED when no
 * injury was reported.
 */
int coach_report_recovered(Coach *c, uint64_t now_usec)
{
        int r;

        if (c->engine)
                r = advice_engine_report_recovered(c->engine, now_usec);
        else {
                (void) recovery_tick(c->recovery, now_usec);
                r = recovery_report_recovered(c->recovery, now_usec);
        }
        (void) follow_phase(c, true);
        return r == RECOVERY_NOT_INJURED ? r : 0;
}

/**
 * coach_report_pain() - a pain report, with the pain-rising and
 * pain-worsening advice it calls for.
 * @c: the Coach.
 * @level: 0..10.
 * @context: what the wearer was doing, or NULL.
 * @now_usec: the current time.
 *
 * Return: 0, -EINVAL (level above 10, context too long; state unchanged).
 */
int coach_report_pain(Coach *c, unsigned level, const char *context, uint64_t now_usec)
{
        int r;

        if (c->engine)
                r = advice_engine_report_pain(c->engine, level, context, now_usec);
        else {
                (void) recovery_tick(c->recovery, now_usec);
                r = recovery_report_pain(c->recovery, level, context, now_usec);
        }
        (void) follow_phase(c, true);
        return r < 0 ? r : 0;
}

/**
 * coach_report_symptoms() - red-flag symptoms; any known one raises the alert.
 * @c: the Coach.
 * @symptoms: NULL-terminated names, or NULL.
 * @now_usec: the current time.
 *
 * Return: 0, -EINVAL for an unknown name (nothing recorded, no alert).
 */
int coach_report_symptoms(Coach *c, char *const *symptoms, uint64_t now_usec)
{
        int r;

        if (c->engine)
                r = advice_engine_report_symptoms(c->engine, symptoms, now_usec);
        else
                r = recovery_report_symptoms(c->recovery, symptoms, now_usec);
        (void) follow_phase(c, true);
        return r < 0 ? r : 0;
}

/**
 * coach_recovery() - the recovery state: phase, onset, pain, symptoms.
 * @c: the Coach.
 *
 * Change it through the coach_report_*() calls, which give advice; only a
 * restore of saved state changes it directly, then calls coach_follow_phase().
 *
 * Return: the recovery state, owned by @c.
 */
Recovery *coach_recovery(const Coach *c)
{
        return c->recovery;
}

/**
 * coach_engine() - the advice engine, for the active alerts, acknowledging
 * them and snoozing.
 * @c: the Coach.
 *
 * Return: the engine, owned by @c, or NULL when there is no catalogue.
 */
AdviceEngine *coach_engine(const Coach *c)
{
        return c->engine;
}

/**
 * coach_follow_phase() - give the detectors the rules of the phase after
 * the recovery state was restored directly. The phase_changed callback is
 * not called: the caller knows.
 * @c: the Coach.
 *
 * Return: 1 when the rules changed, 0 when not, -EINVAL when the phase's
 * rules are not valid.
 */
int coach_follow_phase(Coach *c)
{
        return follow_phase(c, false);
}
