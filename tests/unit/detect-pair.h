/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Detectors in pairs for the tests of their fast paths: one fed samples with
 * pending angles (detectors_feed(), the calm path and the skips), one the
 * same samples with their angles worked out (the rules one by one), and a
 * third fed the pending samples in runs (detectors_feed_run()); the same
 * events and load index to the bit. Header-only, every function static.
 */
#pragma once

#include <stdbool.h>
#include <string.h>

#include "angle-harness.h"
#include "test-util.h"
#include "core/detect/detect-private.h"
#include "core/detect/detect.h"

_unused_ static void assert_same_events(const StrainEvent *ea, const StrainEvent *eb, size_t n)
{
        for (size_t k = 0; k < n; k++) {
                assert_int_equal(ea[k].kind, eb[k].kind);
                assert_int_equal(ea[k].t_ns, eb[k].t_ns);
                assert_int_equal(ea[k].start_ns, eb[k].start_ns);
                assert_true(same(ea[k].peak_deg, eb[k].peak_deg));
                assert_true(same(ea[k].duration_s, eb[k].duration_s));
        }
}

/* A run of pending samples, and what detectors_feed() returned for each. */
typedef struct Run {
        PostureSample s[64];
        StrainEvent ev[64][_EVENT_KIND_MAX];
        size_t n_ev[64];
        size_t n;
} Run;

/* detectors_feed_run() of @run's samples into @c, in runs of the random
 * lengths it stops at: the events detectors_feed() gave, to the bit. */
_unused_ static void feed_run(Detectors *c, Run *run)
{
        for (size_t i = 0; i < run->n;) {
                StrainEvent ec[_EVENT_KIND_MAX];
                size_t k, took;

                took = detectors_feed_run(c, &run->s[i], run->n - i, ec, ELEMENTSOF(ec), &k);
                assert_true(took >= 1 && took <= run->n - i);
                for (size_t j = i; j + 1 < i + took; j++)
                        assert_int_equal(run->n_ev[j], 0);
                i += took;
                assert_int_equal(k, run->n_ev[i - 1]);
                assert_same_events(ec, run->ev[i - 1], k);
        }
        run->n = 0;
}

/* @s (pending) into @a, the same sample worked out into @b: the same events
 * and load index, to the bit; @s and @a's events queued in @run for
 * feed_run(). Return: the number of events. */
_unused_ static size_t feed_both(Detectors *a, Detectors *b, Run *run, const PostureSample *s)
{
        StrainEvent ea[_EVENT_KIND_MAX], eb[_EVENT_KIND_MAX];
        PostureSample g = *s;
        size_t na, nb;

        posture_sample_resolve_angles(&g);
        na = detectors_feed(a, s, ea, ELEMENTSOF(ea));
        nb = detectors_feed(b, &g, eb, ELEMENTSOF(eb));
        assert_int_equal(na, nb);
        assert_same_events(ea, eb, na);
        assert_true(same(detectors_strain_level(a), detectors_strain_level(b)));
        run->s[run->n] = *s;
        memcpy(run->ev[run->n], ea, na * sizeof(ea[0]));
        run->n_ev[run->n++] = na;
        return na;
}

/* A scripted stretch: @theta and @phi (degrees) held for @s seconds, with
 * the motion path's @rate (°/s) and its flexion @dtheta beyond @theta,
 * walking or lying when said; before it the detectors are reset or take
 * new @params when said. */
typedef struct Segment {
        double theta, phi, s, rate, dtheta;
        bool walking, lying, reset;
        const RuleParams *params;
} Segment;

/* The script at 50 Hz, still and slow, through detectors fed the samples
 * with pending angles (detectors_feed(), whose calm path takes most), with
 * their angles worked out (the rules one by one) and in runs
 * (detectors_feed_run()): the same events and load index, to the bit.
 * Return: the number of events. */
_unused_ static size_t run_script(const RuleParams *p, const Segment *seg, size_t n_seg)
{
        static Run run;
        Detectors *a, *b, *c;
        size_t n_events = 0;
        int64_t t = 0;

        assert_int_equal(detectors_new(&a, p), 0);
        assert_int_equal(detectors_new(&b, p), 0);
        assert_int_equal(detectors_new(&c, p), 0);
        run.n = 0;
        for (size_t j = 0; j < n_seg; j++) {
                if (seg[j].reset || seg[j].params) {
                        feed_run(c, &run);
                        for (size_t k = 0; k < 3; k++) {
                                Detectors *d = k == 0 ? a : k == 1 ? b : c;

                                if (seg[j].reset)
                                        detectors_reset(d);
                                if (seg[j].params)
                                        assert_int_equal(detectors_set_params(d, seg[j].params), 0);
                        }
                }
                for (int i = 0; i < (int) (seg[j].s * 50); i++) {
                        PostureSample s;
                        double r[3];

                        vec(seg[j].theta, seg[j].phi, 9.80665, r);
                        pending(&s, r);
                        s.t_ns = t;
                        s.motion_t_ns = t;
                        s.rate_dps = seg[j].rate;
                        s.activity = seg[j].walking ? ACTIVITY_WALKING : ACTIVITY_STILL;
                        s.lying = s.motion_lying = seg[j].lying;
                        s.worn = true;
                        vec(seg[j].theta + seg[j].dtheta, seg[j].phi, 9.80665, s.motion_trunk);
                        t += 20000000;
                        n_events += feed_both(a, b, &run, &s);
                        assert_int_equal(a->sudden.have_prev, b->sudden.have_prev);
                        if (run.n == ELEMENTSOF(run.s))
                                feed_run(c, &run);
                }
        }
        feed_run(c, &run);
        assert_true(same(detectors_strain_level(a), detectors_strain_level(c)));
        detectors_free(a);
        detectors_free(b);
        detectors_free(c);
        return n_events;
}
