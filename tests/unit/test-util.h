/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the unit tests share: cmocka and the assertions it lacks, the sample
 * rate of the synthetic wearers, and the body frame of DESIGN.md.
 * Header-only: each tests/unit/test-*.c is a program of its own.
 */
#pragma once

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/macro.h"

/* cmocka's assert_float_equal() works in float; times and angles need double. */
#define assert_near(a, b, tol)                                                          \
        do {                                                                            \
                double _a_ = (a), _b_ = (b), _t_ = (tol);                               \
                if (!(fabs(_a_ - _b_) <= _t_))                                          \
                        fail_msg("%s = %.12g, expected %.12g ± %g", #a, _a_, _b_, _t_); \
        } while (0)

/* The rate of the synthetic wearers, unless a test says otherwise. */
#define RATE_HZ 50
#define STEP_NS (NSEC_PER_SEC / RATE_HZ)
#define STEP_S  (1.0 / RATE_HZ)

#define G      STANDARD_GRAVITY
#define DEG(x) ((x) *M_PI / 180)

/* DESIGN.md: gravity in the body frame, bent forward by θ and leaning right by φ. */
_unused_ static void body_gravity(double theta_deg, double phi_deg, double g[3])
{
        double t = DEG(theta_deg), f = DEG(phi_deg);

        g[0] = -G * sin(f) * cos(t);
        g[1] = G * cos(f) * cos(t);
        g[2] = -G * sin(t);
}
