/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline tests' common ground (test-pipeline.c, test-pipeline-input.c):
 * a scene of an upright wearer who bends forward, a pipeline recording its
 * events, comparisons of samples and events, and a seeded random source.
 * Header-only, every function static, as estimator-harness.h.
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "core/pipeline.h"

/* A non-zero start, as a monotonic clock would give. */
#define T0_NS (7 * NSEC_PER_SEC)

#define UPRIGHT_S 10.0
#define BEND_S    160.0
#define BEND_DEG  40.0
/* MAHT(40°) = 240 − 4.5·20 s. */
#define MAHT_40_S 150.0
/* The 4th-order 2 Hz low-pass and the 1 s average of the angles' gravity
 * delay the bend by about a second. */
#define FILTER_LAG_S 1.0

typedef struct Recorder {
        StrainEvent ev[1024];
        size_t n;
} Recorder;

_unused_ static void on_event(const StrainEvent *e, const PostureSample *s, void *userdata)
{
        Recorder *rec = userdata;

        assert_int_equal(s->t_ns, e->t_ns);
        assert_true(rec->n < ELEMENTSOF(rec->ev));
        rec->ev[rec->n++] = *e;
}

_unused_ static int64_t bend_start_ns(void)
{
        return T0_NS + (int64_t) llround(UPRIGHT_S * RATE_HZ) * STEP_NS;
}

/* Upright, then a still forward bend of @theta_deg, both in the body frame of
 * DESIGN.md, written as a sensor mounted with @m would read them: body = M·sensor,
 * so sensor = Mᵀ·body. Return: the number of frames in *ret. */
_unused_ static size_t make_scene(Frame **ret, double theta_deg, const MountMatrix *m)
{
        size_t n_up = (size_t) llround(UPRIGHT_S * RATE_HZ), n = n_up + llround(BEND_S * RATE_HZ);
        Frame *f = calloc(n, sizeof(Frame));

        assert_non_null(f);
        for (size_t i = 0; i < n; i++) {
                double t = (i < n_up ? 0 : theta_deg) * M_PI / 180;
                double body[3] = { 0, G * cos(t), -G * sin(t) };

                f[i].t_ns = T0_NS + (int64_t) i * STEP_NS;
                for (size_t j = 0; j < 3; j++)
                        f[i].v[j] = (float) (m->m[0][j] * body[0] + m->m[1][j] * body[1] +
                                             m->m[2][j] * body[2]);
        }
        *ret = f;
        return n;
}

_unused_ static void new_pipeline(Pipeline **ret, Recorder *rec, const MountMatrix *m)
{
        PipelineParams p;

        pipeline_params_default(&p);
        p.estimator.not_worn_s = 0; /* constant frames */
        p.estimator.auto_calibrate = true;
        if (m)
                p.estimator.mount = *m;
        assert_int_equal(pipeline_new(ret, &p, RATE_HZ), 0);
        *rec = (Recorder){ 0 };
        pipeline_set_event_handler(*ret, on_event, rec);
}

_unused_ static void assert_same_sample(const PostureSample *a, const PostureSample *b)
{
        assert_int_equal(a->t_ns, b->t_ns);
        assert_memory_equal(&a->flexion_deg, &b->flexion_deg, sizeof(double));
        assert_memory_equal(&a->lateral_deg, &b->lateral_deg, sizeof(double));
        assert_memory_equal(a->gravity, b->gravity, sizeof(a->gravity));
        assert_memory_equal(a->raw, b->raw, sizeof(a->raw));
        assert_memory_equal(&a->dynamic_rms, &b->dynamic_rms, sizeof(double));
        assert_int_equal(a->activity, b->activity);
        assert_int_equal(a->posture, b->posture);
        assert_int_equal(a->calibrated, b->calibrated);
}

_unused_ static void assert_same_events(const Recorder *a, const Recorder *b)
{
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                assert_int_equal(a->ev[i].kind, b->ev[i].kind);
                assert_int_equal(a->ev[i].severity, b->ev[i].severity);
                assert_int_equal(a->ev[i].t_ns, b->ev[i].t_ns);
                assert_int_equal(a->ev[i].start_ns, b->ev[i].start_ns);
                assert_memory_equal(&a->ev[i].duration_s, &b->ev[i].duration_s, sizeof(double));
                assert_memory_equal(&a->ev[i].peak_deg, &b->ev[i].peak_deg, sizeof(double));
        }
}

/* Seconds from the bend to @e firing. */
_unused_ static double fired_after_bend_s(const StrainEvent *e)
{
        return (double) (e->t_ns - bend_start_ns()) / (double) NSEC_PER_SEC;
}

/* The scene with a BEND_DEG bend, in one call through a new pipeline.
 * Return: the number of frames in *ret_frames. */
_unused_ static size_t run_scene(Pipeline **ret, Recorder *rec, Frame **ret_frames)
{
        size_t n = make_scene(ret_frames, BEND_DEG, &mount_matrix_identity);

        new_pipeline(ret, rec, NULL);
        pipeline_feed(*ret, *ret_frames, n);
        return n;
}

_unused_ static uint32_t next_random(uint32_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}
