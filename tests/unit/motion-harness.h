/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A synthetic wearer for the motion tests: frames at any rate whose filtered
 * and raw values are given, fed one by one, the latest sample kept.
 * Header-only, every function static: each tests/test-*.c is a program of
 * its own, linked with libpostured-core.a, and uses what it needs of this.
 */
#pragma once

#include <stdint.h>

#include "test-util.h"
#include "core/estimator/estimator.h"

#define TWO_PI (2 * M_PI)

typedef struct Wearer {
        Estimator *e;
        double rate_hz;
        int64_t next;
        PostureSample last;
} Wearer;

_unused_ static void wearer_init_params(Wearer *w, const EstimatorParams *p, double rate_hz)
{
        *w = (Wearer){ .rate_hz = rate_hz };
        assert_int_equal(estimator_new(&w->e, p, rate_hz), 0);
}

_unused_ static void wearer_init(Wearer *w, double rate_hz)
{
        EstimatorParams p;

        estimator_params_default(&p);
        wearer_init_params(w, &p, rate_hz);
}

_unused_ static void wearer_done(Wearer *w)
{
        w->e = estimator_free(w->e);
}

_unused_ static double now_s(const Wearer *w)
{
        return (double) w->next / w->rate_hz;
}

/* One sample: filtered gravity @g, raw @g + @extra. */
_unused_ static void feed(Wearer *w, const double g[3], const double extra[3], uint32_t flags)
{
        Frame raw = { .t_ns = (int64_t) llround((double) w->next * 1e9 / w->rate_hz) };
        Frame filt = raw;

        for (size_t k = 0; k < 3; k++) {
                filt.v[k] = (float) g[k];
                raw.v[k] = (float) (g[k] + (extra ? extra[k] : 0));
        }
        raw.flags = filt.flags = flags;
        estimator_feed(w->e, &raw, &filt, &w->last);
        w->next++;
}

_unused_ static void still(Wearer *w, double theta, double seconds)
{
        double g[3];

        body_gravity(theta, 0, g);
        for (double end = now_s(w) + seconds; now_s(w) < end;)
                feed(w, g, NULL, 0);
}
