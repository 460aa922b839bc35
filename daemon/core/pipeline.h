/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "core/detect/detect.h"
#include "core/estimator/estimator.h"
#include "core/filter/filter.h"

/*
 * The whole core path for one sensor: batch low-pass filter, posture
 * estimator, strain detectors, and a running summary. No I/O: the daemon and
 * `posturectl analyze` both feed it frames and receive events through a
 * callback.
 */

typedef struct PipelineParams {
        unsigned filter_order; /* 4 */
        double cutoff_hz;      /* 2 */
        /* A sample whose magnitude lies outside [min_g, max_g] × g cannot be a
         * worn sensor's reading (a stuck all-zero sensor, a glitch): dropped. */
        double min_g; /* 0.05 */
        double max_g; /* 8 */
        EstimatorParams estimator;
        RuleParams rules;
} PipelineParams;

void pipeline_params_default(PipelineParams *p);

/** struct PipelineSummary - totals since the pipeline was created. */
typedef struct PipelineSummary {
        double duration_s;
        double posture_s[_POSTURE_MAX];
        double activity_s[_ACTIVITY_MAX];
        /* The same seconds by activity and posture: posture and activity
         * are separate (a bend while walking is walking and flexed). */
        double posture_by_activity_s[_ACTIVITY_MAX][_POSTURE_MAX];
        unsigned events[_EVENT_KIND_MAX];
        unsigned long long frames;
} PipelineSummary;

typedef void (*PipelineEventFn)(const StrainEvent *e, const PostureSample *s, void *userdata);
typedef void (*PipelineSampleFn)(const PostureSample *s, void *userdata);

/*
 * Every sample, as the summary counts it: @dt_s seconds (0 for the first
 * sample and after a gap) are credited to @prev's posture and activity, with
 * @strain the StrainLevel that held during them.
 */
typedef void (*PipelineSummaryFn)(const PostureSample *prev, const PostureSample *s, double dt_s,
                                  double strain, void *userdata);
/* The neutral was set, revised or reset (sample @s; estimator_get_calibration() says how). */
typedef void (*PipelineCalibrationFn)(const PostureSample *s, void *userdata);

typedef struct Pipeline Pipeline;

/** pipeline_new() - Return: 0, -EINVAL for bad params or rate, -ENOMEM. */
int pipeline_new(Pipeline **ret, const PipelineParams *p, double rate_hz);
Pipeline *pipeline_free(Pipeline *p);

static inline void pipeline_freep(Pipeline **p)
{
        pipeline_free(*p);
}

void pipeline_set_event_handler(Pipeline *p, PipelineEventFn fn, void *userdata);
void pipeline_set_calibration_handler(Pipeline *p, PipelineCalibrationFn fn, void *userdata);

/** pipeline_set_summary_handler() - @fn sees every sample the summary counts (the history). */
void pipeline_set_summary_handler(Pipeline *p, PipelineSummaryFn fn, void *userdata);

/** pipeline_set_sample_handler() - @fn gets the first sample, then one every @every_ns of sample
 * time. */
void pipeline_set_sample_handler(Pipeline *p, int64_t every_ns, PipelineSampleFn fn,
                                 void *userdata);

/** struct PipelineDrops - frames refused before the filter, by reason. */
typedef struct PipelineDrops {
        unsigned long long time;      /* time not after the previous frame */
        unsigned long long nonfinite; /* NaN or infinite value */
        unsigned long long saturated; /* FRAME_SATURATED: at the sensor's range limit */
        unsigned long long magnitude; /* outside [min_g, max_g] */
} PipelineDrops;

/** pipeline_feed() - process @n frames in sample order. */
void pipeline_feed(Pipeline *p, const Frame *frames, size_t n);

/**
 * pipeline_last() - the latest PostureSample, or NULL before the first frame.
 *
 * Works out the sample's angles and rate first if they are still pending
 * (the short way of pipeline_feed() leaves them so), in @p: hence not const.
 */
const PostureSample *pipeline_last(Pipeline *p);

const PipelineSummary *pipeline_summary(const Pipeline *p);
unsigned long long pipeline_dropped(const Pipeline *p);
const PipelineDrops *pipeline_drops(const Pipeline *p);

Estimator *pipeline_estimator(Pipeline *p);
Filter *pipeline_filter(Pipeline *p);
Detectors *pipeline_detectors(Pipeline *p);

/** pipeline_calibrate() - take the last still window as the wearer's neutral. */
int pipeline_calibrate(Pipeline *p);

/** pipeline_reset_calibration() - forget the neutral: automatic again. */
void pipeline_reset_calibration(Pipeline *p);

/** pipeline_set_rules() - e.g. on a recovery-phase change. */
int pipeline_set_rules(Pipeline *p, const RuleParams *r);
