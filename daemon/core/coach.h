/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/advice.h"
#include "core/catalogue.h"
#include "core/pipeline.h"
#include "core/recovery.h"

/*
 * The Coach: the pipeline, the wearer's recovery and the advice engine,
 * composed once for the daemon and `posturectl analyze`. The detectors
 * follow the rules of the current recovery phase; strain events go to the
 * caller first, then to the advice engine; advice and alerts come back
 * through the callbacks. No I/O and no clock: every call that depends on
 * time gets "now" in the recovery time base (recovery.h).
 *
 * The recovery state and the engine live from coach_new(); the pipeline
 * from coach_start(), which may be called again for a new source (the
 * wearer's neutral carries over, episodes start afresh). Without a
 * catalogue no advice is given, but the phase still moves and adapts the
 * rules.
 */

/**
 * struct CoachCallbacks - what the Coach tells its owner; any may be NULL.
 * @strain_event: a detector fired, before the advice engine hears of it.
 * @advice: a non-critical advice item.
 * @alert: the red-flag alert.
 * @phase_changed: the recovery phase moved; the rules already follow it.
 * @event_time: sample time (ns) to the recovery time base (µs); NULL: t_ns / 1000.
 */
typedef struct CoachCallbacks {
        void (*strain_event)(const StrainEvent *e, const PostureSample *s, void *userdata);
        void (*advice)(const AdviceItem *item, uint64_t now_usec, void *userdata);
        void (*alert)(const AdviceItem *item, uint64_t now_usec, void *userdata);
        void (*phase_changed)(RecoveryPhase phase, void *userdata);
        uint64_t (*event_time)(int64_t t_ns, void *userdata);
} CoachCallbacks;

/**
 * struct CoachParams - see coach_params_default().
 * @pipeline: as configured; the phase adapts its rules.
 * @catalogue: borrowed, must outlive the Coach; NULL gives no advice.
 */
typedef struct CoachParams {
        PipelineParams pipeline;
        RecoveryParams recovery;
        AdviceParams advice;
        const Catalogue *catalogue;
} CoachParams;

void coach_params_default(CoachParams *p);

typedef struct Coach Coach;

/** coach_new() - Return: 0, -EINVAL for bad recovery parameters, -ENOMEM. */
int coach_new(Coach **ret, const CoachParams *p, const CoachCallbacks *cb, void *userdata);
Coach *coach_free(Coach *c);

static inline void coach_freep(Coach **c)
{
        coach_free(*c);
}

/** coach_start() - a new pipeline for a source of @rate_hz. Return: 0, -EINVAL, -ENOMEM. */
int coach_start(Coach *c, double rate_hz, const MountMatrix *mount, const FilterKernel *kernel);

/** coach_reconfigure() - reloaded rules and advice; the state stays. Return: 0 or -errno. */
int coach_reconfigure(Coach *c, const RuleParams *rules, const Catalogue *catalogue,
                      const AdviceParams *advice);

/** coach_feed() - @n frames into the pipeline, if there is one. */
void coach_feed(Coach *c, const Frame *frames, size_t n);

/** coach_pipeline() - the current pipeline, or NULL before coach_start(). */
Pipeline *coach_pipeline(const Coach *c);

/** coach_calibrate() - the last still window becomes the neutral; a CalibrateResult. */
int coach_calibrate(Coach *c);

/** coach_tick() - let time pass; the phase may move. Return: 1 when it did, else 0 or -errno. */
int coach_tick(Coach *c, uint64_t now_usec);

int coach_report_injury(Coach *c, uint64_t onset_usec, uint64_t now_usec);
int coach_report_recovered(Coach *c, uint64_t now_usec);
int coach_report_pain(Coach *c, unsigned level, const char *context, uint64_t now_usec);
int coach_report_symptoms(Coach *c, char *const *symptoms, uint64_t now_usec);

/** coach_recovery() - the recovery state, for reading and for restoring it. */
Recovery *coach_recovery(const Coach *c);

/** coach_engine() - the advice engine (alerts, snooze), or NULL without a catalogue. */
AdviceEngine *coach_engine(const Coach *c);

/** coach_follow_phase() - after the recovery state was changed directly (a restore). */
int coach_follow_phase(Coach *c);
