/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The detectors fed pending angles (angle-view.h) against the same samples
 * with their angles worked out: random walks near the rules' limits, reloads,
 * the calm path's edges, and samples whose angles are given.
 */
#include "test-util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "angle-harness.h"
#include "detect-pair.h"
#include "core/detect/detect-private.h"
#include "core/detect/detect.h"
#include "core/estimator/angle-view.h"
#include "core/estimator/estimator.h"
#include "core/estimator/rate-view.h"

/* A pending trunk rate of about @dps at 50 Hz blocks (rate-view.h), in @s:
 * two directions that far apart, the bound in rate_dps. */
static void pending_rate(PostureSample *s, double dps)
{
        double a = dps / 50 * M_PI / 180;

        s->rate_pending = (RatePending){ .y = fabs(sin(a)), .x = cos(a), .per_s = 50 };
        s->rate_dps = rate_pending_bound(s->rate_pending.y, s->rate_pending.x, 50);
}

/* The detectors fed samples with pending angles (and mostly pending rates)
 * and the same samples with them worked out: the same events and load
 * index, to the bit; and a third fed the pending samples in runs
 * (detectors_feed_run()). */
static void run_pair(const RuleParams *p, unsigned seed, int n, bool reload)
{
        static const double changes[] = { 2, 3, 6, 10 };
        static const double flexions[] = { -35, -33, -20, 13, 15, 18, 20, 45, 58, 60, 0, 5 };
        static const double laterals[] = { -20, -18, -10, -8, 0, 8, 10, 18, 20, 3 };
        static Run run;
        Detectors *a, *b, *c;
        double theta = 5, phi = 0, burst = 0;
        int64_t t = 0;

        rng_state = 0x9e3779b97f4a7c15ULL * (seed + 1);
        assert_int_equal(detectors_new(&a, p), 0);
        assert_int_equal(detectors_new(&b, p), 0);
        assert_int_equal(detectors_new(&c, p), 0);
        run.n = 0;
        for (int i = 0; i < n; i++) {
                PostureSample s;
                double r[3], u = uniform();

                /* Mostly stay (a static posture), sometimes move to a limit. */
                if (u < 0.01)
                        theta = near_limit(flexions, ELEMENTSOF(flexions), 4);
                else if (u < 0.02)
                        phi = near_limit(laterals, ELEMENTSOF(laterals), 4);
                else if (u < 0.03)
                        /* A step across a hysteresis band, within static_change_deg. */
                        theta += (uniform() - 0.5) * 8;
                else if (u < 0.5) {
                        theta += (uniform() - 0.5) * 0.2;
                        phi += (uniform() - 0.5) * 0.2;
                }
                theta = CLAMP(theta, -89.0, 89.0);
                vec(theta, phi, 9.80665 * (0.9 + 0.2 * uniform()), r);
                pending(&s, r);
                s.t_ns = t;
                s.motion_t_ns = t - 900000000;
                t += uniform() < 0.001 ? 3 * NSEC_PER_SEC : 20000000;
                /* A reload during episodes: the limits change under them. */
                if (reload && uniform() < 0.0002) {
                        RuleParams q = *p;

                        q.static_change_deg = changes[(size_t) (uniform() * 4) % 4];
                        q.extreme_deg = uniform() < 0.5 ? p->extreme_deg : p->extreme_deg - 5;
                        assert_int_equal(detectors_set_params(a, &q), 0);
                        assert_int_equal(detectors_set_params(b, &q), 0);
                        feed_run(c, &run);
                        assert_int_equal(detectors_set_params(c, &q), 0);
                }
                u = uniform();
                s.activity = u < 0.8   ? ACTIVITY_STILL
                             : u < 0.9 ? ACTIVITY_MOVING
                                       : ACTIVITY_WALKING;
                s.rate_dps = uniform() < 0.97 ? uniform() * 50 : uniform() * 300;
                /* Now and then a fast turn: a rise through the limits
                 * (half of sudden_rate_dps and all of it) and back. */
                if (burst <= 0 && uniform() < 0.003)
                        burst = 20 + uniform() * 60;
                if (burst > 0) {
                        burst -= 1;
                        s.rate_dps = near_limit((const double[]){ 60, 120, 150 }, 3, 40);
                        s.rate_dps = fabs(s.rate_dps);
                }
                if (uniform() < 0.9)
                        pending_rate(&s, s.rate_dps);
                if (uniform() < 0.002) {
                        s.rate_dps = NAN;
                        s.rate_pending = (RatePending){ 0 };
                }
                vec(theta + (uniform() - 0.5) * 30, phi, 9.8, s.motion_trunk);
                s.lying = uniform() < 0.01;
                s.motion_lying = s.lying;
                s.awaiting_neutral = uniform() < 0.005;
                s.worn = true;
                (void) feed_both(a, b, &run, &s);
                if (run.n == ELEMENTSOF(run.s) || uniform() < 0.05) {
                        feed_run(c, &run);
                        assert_true(same(detectors_strain_level(a), detectors_strain_level(c)));
                }
                /* The rate sudden-movement keeps for its crossings: the
                 * exact one, when worked out. */
                assert_int_equal(a->sudden.have_prev, b->sudden.have_prev);
                if (a->sudden.have_prev)
                        assert_true(
                                same(rate_view_value(a->sudden.prev_rate, &a->sudden.prev_pending),
                                     b->sudden.prev_rate));
        }
        feed_run(c, &run);
        assert_true(same(detectors_strain_level(a), detectors_strain_level(c)));
        detectors_free(a);
        detectors_free(b);
        detectors_free(c);
}

static void test_detectors(void **state)
{
        RuleParams p;

        rule_params_default(&p);
        /* Shorter holds and cool-downs: many events in a short run. */
        p.static_s = 120;
        p.slouch_hold_s = 5;
        p.lateral_hold_s = 5;
        p.extension_hold_s = 5;
        for (size_t k = 0; k < _EVENT_KIND_MAX; k++)
                p.cooldown_s[k] = 10;
        run_pair(&p, 1, 400000, false);

        rule_params_acute(&p);
        p.backrest_support = false;
        run_pair(&p, 2, 200000, false);

        rule_params_default(&p);
        p.slouch_enabled = false;
        p.repetitive_deg = 10;
        p.static_change_deg = 3;
        run_pair(&p, 3, 200000, false);

        /* Reloads mid-run (static_change_deg and extreme_deg changing). */
        rule_params_default(&p);
        p.static_s = 120;
        p.static_change_min_s = 5;
        run_pair(&p, 4, 400000, true);
}

/* A reload that narrows static_change_deg during a static-posture episode:
 * a move smaller than the old limit but larger than the new one is a change
 * for the shortcut as for the exact angles (the episode restarts). */
static void test_static_reload(void **state)
{
        Detectors *d[2];
        RuleParams p;
        int64_t fired_start[2] = { -1, -1 };

        rule_params_default(&p);
        p.static_s = 120;
        p.static_change_min_s = 5;
        for (int k = 0; k < 2; k++) {
                assert_int_equal(detectors_new(&d[k], &p), 0);
                for (int64_t i = 0; i < 200 * 100; i++) {
                        StrainEvent ev[_EVENT_KIND_MAX];
                        PostureSample s;
                        double r[3];
                        size_t n;

                        if (i == 20 * 100) {
                                RuleParams q = p;

                                q.static_change_deg = 2;
                                assert_int_equal(detectors_set_params(d[k], &q), 0);
                        }
                        vec(i < 20 * 100 ? 0 : 5, 0, 9.80665, r);
                        pending(&s, r);
                        s.t_ns = i * 10 * NSEC_PER_MSEC;
                        s.motion_t_ns = s.t_ns;
                        s.activity = ACTIVITY_STILL;
                        s.worn = true;
                        if (k == 1)
                                posture_sample_resolve_angles(&s);
                        n = detectors_feed(d[k], &s, ev, ELEMENTSOF(ev));
                        for (size_t j = 0; j < n; j++)
                                if (ev[j].kind == EVENT_STATIC_POSTURE && fired_start[k] < 0)
                                        fired_start[k] = ev[j].start_ns;
                }
                detectors_free(d[k]);
        }
        /* The 5 degree move at 20 s, held 5 s, opened the episode at 25 s or
         * so: never the one that began at the start. */
        assert_true(fired_start[1] >= 20 * NSEC_PER_SEC);
        assert_int_equal(fired_start[0], fired_start[1]);
        (void) state;
}

/* An episode going on, and a sample in the calm band that must end or
 * change it: the calm path must not take that sample. Each script fires
 * no event when the episode ends where it should, one when it does not
 * (and the other way round for those that fire). Mostly a first stretch
 * sets static-posture's peak above the calm samples, so that its episode
 * takes them (static_stay()). */
static void test_calm_edges(void **state)
{
        /* slouch: 10 s in the band, 1 s below its hysteresis, 25 s. */
        static const Segment slouch[] = {
                { 8, 0, 10 }, { 17, 0, 10 }, { 12, 0, 1 }, { 17, 0, 25 }, { 0, 0, 2 },
        };
        /* slouch: 36 s in the band fires; also when the band is entered
         * from below static-posture's peak. */
        static const Segment slouch_long[] = {
                { 8, 0, 10 },
                { 18, 0, 1 },
                { 17, 0, 35 },
                { 0, 0, 2 },
        };
        /* slouch: its band entered a hair below flexion_min_deg, where
         * only the exact flexion tells (angle-view.h). */
        static const Segment slouch_edge[] = {
                { 8, 0, 10 },
                { 20 - 1e-10, 0, 0.02 },
                { 17, 0, 35 },
                { 0, 0, 2 },
        };
        static const Segment slouch_calm[] = {
                { 8, 0, 10 }, { 25, 0, 0.5 }, { 8, 0, 5 }, { 17, 0, 35 }, { 0, 0, 2 },
        };
        /* sudden-movement: a jerk of the trunk while upright (the motion
         * path bent), after calm samples and a rate unknown. */
        static const Segment sudden[] = {
                { 8, 0, 10 }, { 5, 0, 3 }, { 5, 0, 0.1, NAN }, { 5, 0, 0.5, 200, 30 }, { 5, 0, 3 },
        };
        /* sudden-movement after a run of calm samples whose rates differ:
         * the crossings interpolate from the last of them (calm_run() notes
         * it). A jump from 50 to 200 deg/s is abrupt (fires); a ramp from
         * 59.9 through 119.5 takes a little over sudden_rise_s (paced).
         * Samples at static-posture's peak (8°) go the long way; the calm
         * ones (5°) fill the runs detectors_feed_run() gets. */
        static const Segment sudden_jump[] = {
                { 8, 0, 10 },
                { 5, 0, 1.2, 50 },
                { 5, 0, 0.5, 200, 30 },
                { 5, 0, 3 },
        };
        static const Segment sudden_ramp[] = {
                { 8, 0, 10 },
                { 5, 0, 1.2 },
                { 5, 0, 0.2, 59.9 },
                { 5, 0, 0.02, 100, 30 },
                { 5, 0, 0.02, 102, 30 },
                { 5, 0, 0.02, 104, 30 },
                { 5, 0, 0.02, 106, 30 },
                { 5, 0, 0.02, 108, 30 },
                { 5, 0, 0.02, 110, 30 },
                { 5, 0, 0.02, 112, 30 },
                { 5, 0, 0.02, 114, 30 },
                { 5, 0, 0.02, 116, 30 },
                { 5, 0, 0.02, 119.5, 30 },
                { 5, 0, 0.5, 121, 30 },
                { 5, 0, 3 },
        };
        /* sustained-flexion: a dip of 5 s ends the episode. */
        static const Segment sustained[] = {
                { 8, 0, 10 }, { 40, 0, 100 }, { 5, 0, 5 }, { 40, 0, 100 }, { 0, 0, 2 },
        };
        /* lateral-bend: 1 s below the hysteresis ends it. */
        static const Segment lateral[] = {
                { 8, 0, 10 }, { 3, 12, 40 }, { 0, 5, 1 }, { 3, 12, 40 }, { 0, 0, 2 },
        };
        /* unsupported-extension (without a backrest): the same. */
        static const Segment extension[] = {
                { 8, 0, 10 }, { -25, 0, 40 }, { -10, 0, 1 }, { -25, 0, 40 }, { 0, 0, 2 },
        };
        /* static-posture: the peak rises, then 60 s below it fire; a change
         * of posture beyond static_change_deg (either angle, either way),
         * walking, lying or a reset starts the count again. */
        static const Segment static_peak[] = { { 8, 0, 10 }, { 12, 0, 1 }, { 5, 0, 60 } };
        static const Segment static_down[] = { { 12, 0, 1 }, { 8, 0, 30 }, { -5, 0, 40 } };
        static const Segment static_up[] = { { -5, 0, 1 }, { -8, 0, 30 }, { 6, 0, 40 } };
        static const Segment static_left[] = { { 8, 4, 1 }, { 5, 4, 30 }, { 5, -7, 40 } };
        static const Segment static_right[] = { { 8, -6, 1 }, { 5, -6, 30 }, { 5, 6, 40 } };
        static const Segment static_walk[] = {
                { 12, 0, 1 }, { 5, 0, 30 }, { 5, 0, 1, .walking = true }, { 5, 0, 40 }
        };
        static const Segment static_lie[] = {
                { 12, 0, 1 }, { 5, 0, 30 }, { 5, 0, 0.1, .lying = true }, { 5, 0, 40 }
        };
        static const Segment static_reset[] = { { 12, 0, 1 },
                                                { 5, 0, 30 },
                                                { 5, 0, 70, .reset = true } };
        /* Walking with static-posture closed (the calm path takes it): the
         * first still sample after the walk opens static-posture, which
         * fires 60 s later; a walk into the slouch band opens slouch, which
         * fires once held still (its start in the walk); a jerk while
         * walking fires sudden-movement. */
        static const Segment static_walk_on[] = {
                { 12, 0, 1 }, { 5, 0, 30 }, { 5, 0, 20, .walking = true }, { 5, 0, 65 }
        };
        static const Segment slouch_walk[] = {
                { 8, 0, 10 },
                { 8, 0, 5, .walking = true },
                { 17, 0, 20, .walking = true },
                { 17, 0, 35 },
                { 0, 0, 2 },
        };
        static const Segment sudden_walk[] = {
                { 8, 0, 10 },
                { 5, 0, 3, .walking = true },
                { 5, 0, 0.5, 200, 30, .walking = true },
                { 5, 0, 3, .walking = true },
        };
        /* static-posture: two changes shorter than static_change_min_s,
         * calm samples between them: the episode goes on. */
        static const Segment static_away_twice[] = {
                { 2, 0, 10 }, { 14, 0, 1 }, { 2, 0, 5 }, { 14, 0, 1.5 }, { 2, 0, 50 }
        };
        /* static-posture: back from a change within static_change_min_s,
         * but not as far back as the reference plus static_change_deg. */
        static const Segment static_back[] = {
                { 2, 0, 10 }, { 14, 0, 1 }, { 13, 0, 1.5 }, { 5, 0, 55 }
        };
        /* sustained-flexion, slouch off: its band entered from below
         * static-posture's peak. */
        static const Segment sustained_calm[] = { { 25, 0, 0.5 }, { 8, 0, 5 }, { 21, 0, 240 } };
        /* repetitive-bending: a bend every 15 s for over 300 s; bends
         * every 15 s for 105 s, a pause of 35 s more (the episode ends, a new one starts), bends
         * again for 375 s; bends every 25 s, four a minute asked for, then
         * two (the episode starts at once). */
        Segment bends[1 + 2 * 25] = { { 8, 0, 10 } };
        Segment pause[1 + 2 * 7 + 1 + 2 * 25] = { { 8, 0, 10 } };
        Segment per_min[1 + 2 * 5 + 2 + 2 * 14] = { { 8, 0, 10 } };
        RuleParams p, quiet, four;
        /* New limits while the calm path takes the samples: the same again
         * (nothing changes), and slouch turned on within its band. */
        const Segment same_params[] = { { 12, 0, 1 }, { 5, 0, 30 }, { 5, 0, 40, .params = &p } };
        const Segment slouch_on[] = {
                { 20, 0, 0.5 }, { 8, 0, 5 }, { 17, 0, 5 }, { 17, 0, 35, .params = &p }
        };

        for (size_t i = 1; i < ELEMENTSOF(bends); i += 2) {
                bends[i] = (Segment){ 30, 0, 1 };
                bends[i + 1] = (Segment){ 10, 0, 14 };
        }
        for (size_t i = 1; i < ELEMENTSOF(pause); i += 2) {
                if (i == 1 + 2 * 7) {
                        pause[i++] = (Segment){ 10, 0, 35 };
                }
                pause[i] = (Segment){ 30, 0, 1 };
                pause[i + 1] = (Segment){ 10, 0, 14 };
        }
        for (size_t i = 1; i < ELEMENTSOF(per_min); i += 2) {
                if (i == 1 + 2 * 5) {
                        per_min[i++] = (Segment){ 10, 0, 2 };
                        per_min[i++] = (Segment){ 10, 0, 3, .params = &p };
                }
                per_min[i] = (Segment){ 30, 0, 1 };
                per_min[i + 1] = (Segment){ 10, 0, 24 };
        }
        rule_params_default(&p);
        p.static_change_deg = 30; /* static-posture stays with every step */
        p.backrest_support = false;
        assert_int_equal(run_script(&p, slouch, ELEMENTSOF(slouch)), 0);
        assert_int_equal(run_script(&p, slouch_long, ELEMENTSOF(slouch_long)), 1);
        assert_int_equal(run_script(&p, slouch_calm, ELEMENTSOF(slouch_calm)), 1);
        assert_int_equal(run_script(&p, slouch_edge, ELEMENTSOF(slouch_edge)), 1);
        assert_int_equal(run_script(&p, sudden, ELEMENTSOF(sudden)), 1);
        assert_int_equal(run_script(&p, sudden_walk, ELEMENTSOF(sudden_walk)), 1);
        assert_int_equal(run_script(&p, sudden_jump, ELEMENTSOF(sudden_jump)), 1);
        assert_int_equal(run_script(&p, sudden_ramp, ELEMENTSOF(sudden_ramp)), 0);
        assert_int_equal(run_script(&p, slouch_walk, ELEMENTSOF(slouch_walk)), 1);
        assert_int_equal(run_script(&p, bends, ELEMENTSOF(bends)), 1);
        assert_int_equal(run_script(&p, pause, ELEMENTSOF(pause)), 1);
        four = p;
        four.repetitive_per_min = 4;
        assert_int_equal(run_script(&four, per_min, ELEMENTSOF(per_min)), 1);
        assert_int_equal(run_script(&p, sustained, ELEMENTSOF(sustained)), 0);
        assert_int_equal(run_script(&p, lateral, ELEMENTSOF(lateral)), 0);
        assert_int_equal(run_script(&p, extension, ELEMENTSOF(extension)), 0);
        quiet = p;
        quiet.slouch_enabled = false;
        assert_int_equal(run_script(&quiet, slouch_on, ELEMENTSOF(slouch_on)), 1);
        assert_int_equal(run_script(&quiet, sustained_calm, ELEMENTSOF(sustained_calm)), 1);

        p.static_s = 60;
        p.static_change_deg = 10;
        assert_int_equal(run_script(&p, static_peak, ELEMENTSOF(static_peak)), 1);
        assert_int_equal(run_script(&p, static_down, ELEMENTSOF(static_down)), 0);
        assert_int_equal(run_script(&p, static_up, ELEMENTSOF(static_up)), 0);
        assert_int_equal(run_script(&p, static_left, ELEMENTSOF(static_left)), 0);
        assert_int_equal(run_script(&p, static_right, ELEMENTSOF(static_right)), 0);
        assert_int_equal(run_script(&p, static_walk, ELEMENTSOF(static_walk)), 0);
        assert_int_equal(run_script(&p, static_walk_on, ELEMENTSOF(static_walk_on)), 1);
        assert_int_equal(run_script(&p, static_lie, ELEMENTSOF(static_lie)), 0);
        assert_int_equal(run_script(&p, static_reset, ELEMENTSOF(static_reset)), 1);
        assert_int_equal(run_script(&p, same_params, ELEMENTSOF(same_params)), 1);
        assert_int_equal(run_script(&p, static_back, ELEMENTSOF(static_back)), 0);
        assert_int_equal(run_script(&p, static_away_twice, ELEMENTSOF(static_away_twice)), 1);
}

/* The state calm_run() keeps in locals, in @c (fed in runs) as in @b (fed
 * the same samples with their angles worked out, rule by rule). */
static void assert_same_state(const Detectors *b, const Detectors *c)
{
        assert_int_equal(b->have_last, c->have_last);
        assert_int_equal(b->last_t_ns, c->last_t_ns);
        assert_true(same(b->moving_s, c->moving_s));
        assert_true(same(b->statics.held_s, c->statics.held_s));
        assert_true(same(b->statics.away_s, c->statics.away_s));
        assert_true(same(b->strain, c->strain));
}

/*
 * calm_run()'s stretches of one step (calm_steady()) and what ends them:
 * a step a nanosecond longer or shorter, none, backwards, beyond
 * MAX_STEP_S, times up to INT64_MAX and from below zero, still, moving and
 * walking stretches (the walking box, its own half-life, also after a
 * reset or a lying sample left the decay cached for the other), a rate whose
 * bound lies above half of sudden_rate_dps while the rate does not, and
 * static-posture firing at the sample its held time reaches static_s
 * (held_s summed step by step), a new step whose first sample loads the
 * index the long way (the decay cached is the old step's until a calm
 * sample works out the new one). Against the same samples worked out, rule
 * by rule: the same events, load index and kept sums, to the bit.
 */
static void test_steady_steps(void **state)
{
        static const int64_t steps[] = { 10000000, 10000001, 9999999,    0,        -3,
                                         20000000, 1,        2000000000, 999999999 };
        static const int64_t starts[] = { 0, -5 * NSEC_PER_SEC, INT64_MAX - 3000 * 10000000LL,
                                          INT64_MAX - 100 * 10000000LL - 7, INT64_MIN + 1 };
        static Run run;
        RuleParams p;
        size_t total = 0;

        rule_params_default(&p);
        p.static_s = 20;
        for (size_t k = 0; k < _EVENT_KIND_MAX; k++)
                p.cooldown_s[k] = 1;
        for (size_t j = 0; j < ELEMENTSOF(starts); j++) {
                Detectors *a, *b, *c;
                int64_t t = starts[j], step = steps[0];
                Activity activity = ACTIVITY_STILL;
                size_t events = 0;
                bool lift_next = false;
                int bend = 0;

                rng_state = 0x9e3779b97f4a7c15ULL * (j + 11);
                assert_int_equal(detectors_new(&a, &p), 0);
                assert_int_equal(detectors_new(&b, &p), 0);
                assert_int_equal(detectors_new(&c, &p), 0);
                run.n = 0;
                for (int i = 0; i < 30000; i++) {
                        PostureSample s;
                        double r[3], u = uniform();
                        int64_t was = step;
                        bool lift = lift_next;

                        /* Runs of one step, now and then another for a sample or a run. */
                        if (u < 0.02)
                                step = steps[(size_t) (uniform() * ELEMENTSOF(steps)) %
                                             ELEMENTSOF(steps)];
                        else if (u < 0.06)
                                step = steps[0];
                        /* The next sample is the first at the new step. */
                        lift_next = step != was && uniform() < 0.5;
                        if (uniform() < 0.001) {
                                double v = uniform();

                                activity = v < 0.6   ? ACTIVITY_STILL
                                           : v < 0.8 ? ACTIVITY_MOVING
                                                     : ACTIVITY_WALKING;
                                /* A reset (a gap): the load index's decay
                                 * cache kept from a still sample, then
                                 * walking samples with static-posture
                                 * closed. */
                                if (uniform() < 0.5) {
                                        feed_run(c, &run);
                                        detectors_reset(a);
                                        detectors_reset(b);
                                        detectors_reset(c);
                                }
                        }
                        /* Now and then a bend that loads the index. */
                        if (uniform() < 0.001)
                                bend = 100;
                        /* Now and then, the first sample at a new step
                         * leans back to -25 deg: it loads the index (below
                         * -20 deg) but opens no episode (backrest_support:
                         * not below -35 deg), so the long way takes it and
                         * the calm samples after it come at the new step
                         * while the decay cached is the old step's. */
                        vec(bend-- > 0          ? 45
                            : lift              ? -25
                            : uniform() < 0.002 ? 14
                                                : 5 + 0.1 * uniform(),
                            0, 9.80665, r);
                        pending(&s, r);
                        s.t_ns = t;
                        s.motion_t_ns = t;
                        s.activity = activity;
                        s.rate_dps = 10 * uniform();
                        /* The bound above 60 deg/s, the rate below. */
                        if (uniform() < 0.01) {
                                s.rate_pending = (RatePending){ .y = 0.01, .x = 1, .per_s = 100 };
                                s.rate_dps = 61;
                        }
                        /* A still sample lying: static-posture closes,
                         * the decay cache holds the still half-life. */
                        s.lying = s.motion_lying = uniform() < 0.002;
                        if (s.lying)
                                s.activity = ACTIVITY_STILL;
                        s.worn = true;
                        events += feed_both(a, b, &run, &s);
                        if (run.n == ELEMENTSOF(run.s) || uniform() < 0.05) {
                                feed_run(c, &run);
                                assert_same_state(b, c);
                                assert_same_state(b, a);
                        }
                        /* Past INT64_MAX the time wraps around (for the
                         * detectors a step back of almost 2^64: where
                         * calm_steady() must not take last + step as the
                         * next time); below INT64_MIN it stays. */
                        if (step > 0 && t > INT64_MAX - step)
                                t = (int64_t) ((uint64_t) t + (uint64_t) step);
                        else if (step >= 0 || t >= INT64_MIN - step)
                                t += step;
                }
                feed_run(c, &run);
                assert_same_state(b, c);
                total += events;
                detectors_free(a);
                detectors_free(b);
                detectors_free(c);
        }
        /* static-posture fired, again and again (not once the time
         * wrapped). */
        assert_true(total >= 10);
        (void) state;
}

/* Given angles are the detectors' whatever the probe says: a sample with
 * its angles given (estimator_feed(), or made by hand) never takes the calm
 * path, which reads the probe. */
static void test_given_angles(void **state)
{
        Detectors *d;
        RuleParams p;
        size_t n = 0;
        double r[3];

        rule_params_default(&p);
        assert_int_equal(detectors_new(&d, &p), 0);
        vec(3, 0, 9.80665, r);
        for (int i = 0; i < 200 * 50; i++) {
                StrainEvent ev[_EVENT_KIND_MAX];
                PostureSample s;

                pending(&s, r); /* the probe of 3°, below the peak */
                s.angles_pending = false;
                s.flexion_deg = i < 10 * 50 ? 5 : 40;
                s.lateral_deg = 0;
                s.t_ns = (int64_t) i * 20000000;
                s.motion_t_ns = s.t_ns;
                s.activity = ACTIVITY_STILL;
                s.worn = true;
                n += detectors_feed(d, &s, ev, ELEMENTSOF(ev));
        }
        /* sustained-flexion after MAHT(40°) = 150 s. */
        assert_int_equal(n, 1);
        detectors_free(d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_detectors),     cmocka_unit_test(test_calm_edges),
                cmocka_unit_test(test_steady_steps),  cmocka_unit_test(test_given_angles),
                cmocka_unit_test(test_static_reload),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
