/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The angles' shortcut tests' common ground (test-angle-view.c,
 * test-angle-view-detect.c): a seeded random source, the DESIGN.md vector
 * at given angles, samples with their angles pending, and angles near the
 * rules' limits. Header-only, every function static, as estimator-harness.h.
 */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "test-util.h"
#include "core/estimator/angle-view.h"
#include "core/estimator/estimator.h"

static unsigned long long rng_state = 0x2545f4914f6cdd1dULL;

_unused_ static double uniform(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return (double) (rng_state >> 11) / 9007199254740992.0;
}

/* The DESIGN.md vector at flexion @theta and lateral bend @phi, degrees. */
_unused_ static void vec(double theta, double phi, double m, double r[3])
{
        r[0] = -m * sin(DEG(phi)) * cos(DEG(theta));
        r[1] = m * cos(DEG(phi)) * cos(DEG(theta));
        r[2] = -m * sin(DEG(theta));
}

/* A sample of the estimator: @r rotated, its angles pending. */
_unused_ static void pending(PostureSample *s, const double r[3])
{
        *s = (PostureSample){ .angles_pending = true, .flexion_deg = NAN, .lateral_deg = NAN };
        memcpy(s->rotated, r, sizeof(s->rotated));
        angle_probe(r, s->probe);
}

_unused_ static bool same(double a, double b)
{
        return memcmp(&a, &b, sizeof(a)) == 0 || (isnan(a) && isnan(b));
}

/* An angle for the detectors' walk: near one of the rules' limits, or anywhere. */
_unused_ static double near_limit(const double *limits, size_t n, double spread)
{
        double u = uniform();
        double base = limits[(size_t) (uniform() * n) % n];

        if (u < 0.3)
                return base + (uniform() - 0.5) * 1e-9 * pow(10, uniform() * 6);
        if (u < 0.9)
                return base + (uniform() - 0.5) * spread;
        return (uniform() - 0.5) * 170;
}
