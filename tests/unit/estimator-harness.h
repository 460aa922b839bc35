/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A synthetic wearer for the estimator tests: frames at 50 Hz whose
 * filtered value is given, fed one by one, the latest sample kept.
 * Header-only, every function static: each tests/test-*.c is a program of
 * its own, linked with libpostured-core.a, and uses what it needs of this.
 */
#pragma once

#include <stdbool.h>

#include "test-util.h"
#include "core/estimator/estimator.h"

#define WINDOW 150 /* 3 s at 50 Hz */
#define SMOOTH 50  /* the angles' 1 s average of gravity, at 50 Hz */

/* Frames carry floats: angles computed through a Frame are good to ~1e-5°. */
#define FRAME_TOL_DEG 1e-3

typedef struct Wearer {
        Estimator *e;
        int64_t next;
        PostureSample last;
} Wearer;

_unused_ static void wearer_init(Wearer *w, const EstimatorParams *p)
{
        *w = (Wearer){ 0 };
        assert_int_equal(estimator_new(&w->e, p, RATE_HZ), 0);
}

_unused_ static void wearer_done(Wearer *w)
{
        w->e = estimator_free(w->e);
}

/* @n samples whose filtered value is @g and raw value @g + @dyn (alternating
 * in sign when @alternate, so a real filter would not follow it), both given
 * in the sensor frame. */
_unused_ static void feed_sensor(Wearer *w, const double g[3], const double dyn[3], bool alternate,
                                 size_t n)
{
        for (size_t i = 0; i < n; i++, w->next++) {
                double sign = alternate && (w->next % 2) ? -1 : 1;
                Frame raw = { .t_ns = w->next * STEP_NS }, filt = { .t_ns = w->next * STEP_NS };

                for (size_t k = 0; k < 3; k++) {
                        filt.v[k] = (float) g[k];
                        raw.v[k] = (float) (g[k] + (dyn ? sign * dyn[k] : 0));
                }
                estimator_feed(w->e, &raw, &filt, &w->last);
                assert_int_equal(w->last.t_ns, raw.t_ns);
        }
}

_unused_ static void feed_still(Wearer *w, double theta, double phi, size_t n)
{
        double g[3];

        body_gravity(theta, phi, g);
        feed_sensor(w, g, NULL, false, n);
}

/* The defaults for a sensor always worn: these frames are exactly constant,
 * with none of the micro-motion by which a worn sensor is recognised. */
_unused_ static void params_worn(EstimatorParams *p)
{
        estimator_params_default(p);
        p->not_worn_s = 0;
}

/* Calibrated while worn tilted @theta° forward: a still sample there reads 0°. */
_unused_ static void assert_neutral_at(Wearer *w, double theta)
{
        feed_still(w, theta, 0, 1);
        assert_true(w->last.calibrated);
        assert_near(w->last.flexion_deg, 0, FRAME_TOL_DEG);
}

/* @n samples at @theta° forward, with @shake on top alternating in sign. */
_unused_ static void feed_shaking(Wearer *w, double theta, const double shake[3], size_t n)
{
        double g[3];

        body_gravity(theta, 0, g);
        feed_sensor(w, g, shake, true, n);
}
