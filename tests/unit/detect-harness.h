/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A synthetic wearer for the detector tests: samples at 50 Hz, every event
 * kept. Header-only, every function static: each tests/test-*.c is a program
 * of its own, linked with libpostured-core.a and nothing else, and uses what
 * it needs of this.
 */
#pragma once

#include <stdbool.h>

#include "test-util.h"
#include "core/detect/detect.h"

typedef struct Pose {
        double flexion, lateral, rate;
        Activity activity;
        bool lying; /* PostureSample.lying and .motion_lying */
} Pose;

#define POSE(...) ((Pose){ __VA_ARGS__ })

typedef struct Run {
        Detectors *d;
        int64_t next; /* index of the next sample */
        StrainEvent ev[64];
        size_t n;
} Run;

_unused_ static void run_init(Run *r, const RuleParams *p)
{
        *r = (Run){ 0 };
        assert_int_equal(detectors_new(&r->d, p), 0);
}

_unused_ static void run_done(Run *r)
{
        r->d = detectors_free(r->d);
}

_unused_ static double now_s(const Run *r)
{
        return (double) (r->next * STEP_NS) / (double) NSEC_PER_SEC;
}

/*
 * Feed @s for every sample time up to and including @until_s, with t_ns set
 * to each; with @motion, motion_t_ns too (the motion path, as if it had no
 * lag), else it stays as it is in @s.
 */
_unused_ static void feed_until(Run *r, PostureSample s, bool motion, double until_s)
{
        int64_t last = (int64_t) llround(until_s * RATE_HZ);

        for (; r->next <= last; r->next++) {
                StrainEvent ev[_EVENT_KIND_MAX];
                size_t k;

                s.t_ns = r->next * STEP_NS;
                if (motion)
                        s.motion_t_ns = s.t_ns;
                k = detectors_feed(r->d, &s, ev, ELEMENTSOF(ev));
                assert_true(k <= ELEMENTSOF(ev));
                for (size_t i = 0; i < k; i++) {
                        assert_true(r->n < ELEMENTSOF(r->ev));
                        r->ev[r->n++] = ev[i];
                }
        }
}

/* Feed @pose for every sample time up to and including @until_s. */
_unused_ static void pose_until(Run *r, Pose pose, double until_s)
{
        PostureSample s = {
                .flexion_deg = pose.flexion,
                .lateral_deg = pose.lateral,
                .rate_dps = pose.rate,
                .activity = pose.activity,
                .lying = pose.lying,
                .motion_lying = pose.lying,
        };

        body_gravity(pose.flexion, pose.lateral, s.motion_trunk);

        feed_until(r, s, true, until_s);
}

/* @pose for @seconds more, starting with the next sample. */
_unused_ static void pose_for(Run *r, Pose pose, double seconds)
{
        pose_until(r, pose, now_s(r) - STEP_S + seconds);
}

_unused_ static size_t count_kind(const Run *r, EventKind k)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n; i++)
                if (r->ev[i].kind == k)
                        n++;
        return n;
}

_unused_ static const StrainEvent *last_of(const Run *r, EventKind k)
{
        for (size_t i = r->n; i > 0; i--)
                if (r->ev[i - 1].kind == k)
                        return &r->ev[i - 1];
        fail_msg("no %s event", event_kind_to_string(k));
        return NULL;
}

_unused_ static double sec(int64_t ns)
{
        return (double) ns / (double) NSEC_PER_SEC;
}

_unused_ static void params(RuleParams *p, bool acute)
{
        rule_params_default(p);
        if (acute)
                rule_params_acute(p);
}

/* Hold @pose for just under and just over @limit_s: @kind fires only after. */
_unused_ static void assert_fires_after(const RuleParams *p, Pose pose, EventKind kind,
                                        double limit_s)
{
        const StrainEvent *e;
        Run r;

        run_init(&r, p);
        pose_until(&r, pose, limit_s - 0.1);
        assert_int_equal(count_kind(&r, kind), 0);
        pose_until(&r, pose, limit_s + 0.1);
        assert_int_equal(count_kind(&r, kind), 1);
        e = last_of(&r, kind);
        assert_int_equal(e->start_ns, 0);
        assert_near(e->duration_s, limit_s, 1.5 * STEP_S);
        assert_int_equal(e->severity, event_kind_severity(kind));
        /* Once per episode. */
        pose_until(&r, pose, 4 * limit_s + 60);
        assert_int_equal(count_kind(&r, kind), 1);
        run_done(&r);
}

_unused_ static void assert_never(const RuleParams *p, Pose pose, EventKind kind, double seconds)
{
        Run r;

        run_init(&r, p);
        pose_until(&r, pose, seconds);
        assert_int_equal(count_kind(&r, kind), 0);
        run_done(&r);
}
