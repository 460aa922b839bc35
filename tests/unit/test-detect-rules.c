/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The held-posture rules beyond flexion: unsupported-extension,
 * lateral-bend, slouch; the StrainLevel load index and the cool-downs. Each
 * at its limits, with and without the acute phase.
 */
#include <stdint.h>

#include "detect-harness.h"
#include "core/detect/detect-private.h"

/* @pose from 0 to @until_s, @dip (beyond the hysteresis) for 0.1 s, then
 * @after for @seconds, less than the limit: the dip ended the episode, so
 * nothing fires. */
static void assert_dip_ends(const RuleParams *p, Pose pose, double until_s, Pose dip, Pose after,
                            double seconds)
{
        Run r;

        run_init(&r, p);
        pose_until(&r, pose, until_s);
        pose_for(&r, dip, 0.1);
        pose_for(&r, after, seconds);
        assert_int_equal(r.n, 0);
        run_done(&r);
}

static void test_extension(void **state)
{
        const StrainEvent *e;
        RuleParams p;
        Run r;

        /* The strict rule, without the backrest allowance. */
        for (int acute = 0; acute <= 1; acute++) {
                params(&p, acute);
                p.backrest_support = false;
                assert_fires_after(&p, POSE(-21), EVENT_UNSUPPORTED_EXTENSION, acute ? 30 : 60);
                assert_never(&p, POSE(-19), EVENT_UNSUPPORTED_EXTENSION, 600);
                assert_never(&p, POSE(-20), EVENT_UNSUPPORTED_EXTENSION, 600);
        }

        /* By default a still lean down to −35° is leaning on a backrest. */
        for (int acute = 0; acute <= 1; acute++) {
                params(&p, acute);
                assert_never(&p, POSE(-21), EVENT_UNSUPPORTED_EXTENSION, 600);
                assert_never(&p, POSE(-35), EVENT_UNSUPPORTED_EXTENSION, 600);
                assert_fires_after(&p, POSE(-35.5), EVENT_UNSUPPORTED_EXTENSION, acute ? 30 : 60);
        }
        /* A limit further back than the backrest's stays. */
        params(&p, false);
        p.extension_deg = -40;
        assert_never(&p, POSE(-39), EVENT_UNSUPPORTED_EXTENSION, 600);
        assert_fires_after(&p, POSE(-41), EVENT_UNSUPPORTED_EXTENSION, 60);

        /* Within the hysteresis (up to −18°) the episode goes on without
         * time; beyond it the next lean starts afresh. Peak: the deepest. */
        params(&p, false);
        p.backrest_support = false;
        run_init(&r, &p);
        pose_until(&r, POSE(-30), 30);
        pose_for(&r, POSE(-19), 100);
        pose_until(&r, POSE(-25), 159.9);
        assert_int_equal(r.n, 0);
        pose_until(&r, POSE(-25), 160.2);
        assert_int_equal(r.n, 1);
        e = last_of(&r, EVENT_UNSUPPORTED_EXTENSION);
        assert_near(e->peak_deg, -30, 0);
        assert_int_equal(e->start_ns, 0);
        run_done(&r);

        assert_dip_ends(&p, POSE(-30), 30, POSE(-17), POSE(-25), 59.9);
}

static void test_lateral(void **state)
{
        const StrainEvent *e;
        RuleParams p;
        Run r;

        for (int acute = 0; acute <= 1; acute++) {
                double f = acute ? 0.5 : 1;

                params(&p, acute);
                /* Beyond 10° for a minute, to either side. */
                assert_fires_after(&p, POSE(0, 11), EVENT_LATERAL_BEND, 60 * f);
                assert_fires_after(&p, POSE(0, -11), EVENT_LATERAL_BEND, 60 * f);
                assert_fires_after(&p, POSE(0, 19.9), EVENT_LATERAL_BEND, 60 * f);
                assert_never(&p, POSE(0, 9.9), EVENT_LATERAL_BEND, 900);
                assert_never(&p, POSE(0, -10), EVENT_LATERAL_BEND, 900);
                /* Beyond 20° for 4 s. */
                assert_fires_after(&p, POSE(0, 20.1), EVENT_LATERAL_BEND, 4 * f);
                assert_fires_after(&p, POSE(0, -25), EVENT_LATERAL_BEND, 4 * f);
        }

        /* Peak: the signed bend of largest magnitude. */
        params(&p, false);
        run_init(&r, &p);
        pose_until(&r, POSE(0, -15), 30);
        pose_for(&r, POSE(0, -22), 3);
        pose_for(&r, POSE(0, -12), 40);
        assert_int_equal(r.n, 1);
        e = last_of(&r, EVENT_LATERAL_BEND);
        assert_near(e->peak_deg, -22, 0);
        /* All of it beyond 10°: a minute from the start. */
        assert_near(sec(e->t_ns), 60, 2 * STEP_S);
        run_done(&r);

        /* Beyond 20° in short stretches that return below 18° do not add up. */
        run_init(&r, &p);
        for (int i = 0; i < 10; i++) {
                pose_for(&r, POSE(0, 25), 3);
                pose_for(&r, POSE(0, 15), 2);
        }
        assert_int_equal(r.n, 0);
        run_done(&r);
}

static void test_slouch(void **state)
{
        const StrainEvent *e;
        RuleParams p;
        Run r;

        params(&p, false);
        assert_fires_after(&p, POSE(15.1), EVENT_SLOUCH, 30);
        assert_fires_after(&p, POSE(19.9), EVENT_SLOUCH, 30);
        assert_never(&p, POSE(14.9), EVENT_SLOUCH, 900);
        /* Bends of 20° and more are the flexion rules' business. */
        assert_never(&p, POSE(20), EVENT_SLOUCH, 900);
        assert_never(&p, POSE(40), EVENT_SLOUCH, 900);

        /* Off in the acute phase, and whenever turned off. */
        params(&p, true);
        assert_never(&p, POSE(17), EVENT_SLOUCH, 900);
        params(&p, false);
        p.slouch_enabled = false;
        assert_never(&p, POSE(17), EVENT_SLOUCH, 900);

        /* Time above the band keeps the episode without adding; below 13°
         * it ends. Peak: the deepest flexion within the band. */
        params(&p, false);
        run_init(&r, &p);
        pose_until(&r, POSE(18), 20);
        pose_for(&r, POSE(25), 30);
        pose_for(&r, POSE(14), 30);
        pose_for(&r, POSE(16), 9.9);
        assert_int_equal(r.n, 0);
        pose_for(&r, POSE(16), 0.2);
        assert_int_equal(count_kind(&r, EVENT_SLOUCH), 1);
        e = last_of(&r, EVENT_SLOUCH);
        assert_near(e->peak_deg, 18, 0);
        assert_int_equal(e->start_ns, 0);
        assert_int_equal(e->severity, SEVERITY_INFO);
        run_done(&r);

        assert_dip_ends(&p, POSE(18), 20, POSE(12.9), POSE(18), 29.9);

        /* Turning it off (the daemon does so in the recovering phase) ends
         * the episode; turning it on again starts afresh. */
        run_init(&r, &p);
        pose_until(&r, POSE(18), 20);
        p.slouch_enabled = false;
        assert_int_equal(detectors_set_params(r.d, &p), 0);
        pose_for(&r, POSE(18), 60);
        p.slouch_enabled = true;
        assert_int_equal(detectors_set_params(r.d, &p), 0);
        pose_for(&r, POSE(18), 30);
        assert_int_equal(r.n, 0);
        pose_for(&r, POSE(18), 0.2);
        assert_int_equal(r.n, 1);
        run_done(&r);
}

/* The StrainLevel gauge: a load index that fills in a bend's holding time
 * and drains with a half-life in neutral posture. */
static void test_strain_level(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);
        run_init(&r, &p);

        pose_for(&r, POSE(0), 10);
        assert_near(detectors_strain_level(r.d), 0, 1e-12);
        pose_for(&r, POSE(40), 75); /* half of MAHT(40°) = 150 s; the first sample adds nothing */
        assert_near(detectors_strain_level(r.d), 0.5, 0.01);
        pose_for(&r, POSE(40), 100);
        assert_near(detectors_strain_level(r.d), 1.0, 1e-12);
        /* Upright: halves every 5 minutes. */
        pose_for(&r, POSE(0), 300);
        assert_near(detectors_strain_level(r.d), 0.5, 0.01);
        pose_for(&r, POSE(10), 300);
        assert_near(detectors_strain_level(r.d), 0.25, 0.01);
        /* Beyond 60° twice as fast: 60 s / 2 fill it. */
        pose_for(&r, POSE(0), 3000);
        assert_near(detectors_strain_level(r.d), 0, 0.001);
        pose_for(&r, POSE(70), 15);
        assert_near(detectors_strain_level(r.d), 0.5, 0.01);
        run_done(&r);

        /* Acute: half the holding time, so twice as fast. */
        rule_params_acute(&p);
        run_init(&r, &p);
        pose_for(&r, POSE(40), 37.5);
        assert_near(detectors_strain_level(r.d), 0.5, 0.01);
        /* Beyond the acute extreme limit of 45°: MAHT(50°) · 0.5 / 2 = 26.25 s. */
        pose_for(&r, POSE(50), 26.25);
        assert_near(detectors_strain_level(r.d), 1.0, 1e-12);
        run_done(&r);
}

static void test_cooldown(void **state)
{
        const EventKind X = EVENT_EXTREME_FLEXION;
        double first;
        RuleParams p;
        Run r;

        params(&p, false);

        /* A second extreme bend within 5 min of the first event stays silent
         * while it ends before the cool-down does ... */
        run_init(&r, &p);
        pose_until(&r, POSE(65), 5);
        assert_int_equal(count_kind(&r, X), 1);
        first = sec(last_of(&r, X)->t_ns);
        pose_for(&r, POSE(0), 10);
        pose_for(&r, POSE(65), 10);
        pose_for(&r, POSE(0), 10);
        assert_int_equal(count_kind(&r, X), 1);
        /* ... fires when the cool-down ends if it is still going on ... */
        pose_for(&r, POSE(65), 400);
        assert_int_equal(count_kind(&r, X), 2);
        assert_near(sec(last_of(&r, X)->t_ns), first + 300, 1e-9);
        assert_near(sec(last_of(&r, X)->start_ns), 35 + STEP_S, 1e-9);
        /* ... and one after the cool-down fires in time. */
        pose_for(&r, POSE(0), 300);
        pose_for(&r, POSE(65), 3.9);
        assert_int_equal(count_kind(&r, X), 2);
        pose_for(&r, POSE(65), 0.3);
        assert_int_equal(count_kind(&r, X), 3);
        run_done(&r);

        /* Per kind: other kinds are not held back. */
        run_init(&r, &p);
        pose_until(&r, POSE(65), 5);
        pose_for(&r, POSE(0, 25), 5);
        assert_int_equal(r.n, 2);
        assert_int_equal(r.ev[0].kind, X);
        assert_int_equal(r.ev[1].kind, EVENT_LATERAL_BEND);
        run_done(&r);

        /* Configurable, zero included. */
        p.cooldown_s[X] = 0;
        run_init(&r, &p);
        for (int i = 0; i < 5; i++) {
                pose_for(&r, POSE(65), 5);
                pose_for(&r, POSE(0), 1);
        }
        assert_int_equal(count_kind(&r, X), 5);
        run_done(&r);

        /* A new time base (times before the last event) ends the cool-down;
         * detectors_reset() alone does not. */
        params(&p, false);
        run_init(&r, &p);
        pose_until(&r, POSE(0), 100);
        pose_for(&r, POSE(65), 5);
        detectors_reset(r.d);
        pose_for(&r, POSE(65), 5);
        assert_int_equal(count_kind(&r, X), 1);
        detectors_reset(r.d);
        r.next = 0;
        pose_until(&r, POSE(65), 4.5);
        assert_int_equal(count_kind(&r, X), 2);
        run_done(&r);
}

static void assert_closed_is_zero(const HoldState *st)
{
        if (!st->active)
                assert_true(!st->fired && st->start_ns == 0 && st->held_s == 0 &&
                            st->pending_s == 0 && st->peak == 0);
}

/* A closed static-posture episode is all zero too (the calm path takes
 * walking samples on that: detect.c, calm_box_update()). */
static void assert_static_closed_is_zero(const StaticState *st)
{
        const AngleLimit *l[] = { &st->flexion_above, &st->flexion_below, &st->lateral_above,
                                  &st->lateral_below, &st->peak_limit };

        if (st->active)
                return;
        assert_true(!st->fired && st->start_ns == 0 && st->held_s == 0 && st->away_s == 0 &&
                    st->ref_flexion == 0 && st->ref_lateral == 0 && st->peak == 0);
        for (size_t i = 0; i < ELEMENTSOF(l); i++)
                assert_true(l[i]->deg == 0 && l[i]->lo == 0 && l[i]->hi == 0);
}

static uint64_t xorshift(uint64_t *x)
{
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

/* hold_feed() returns at once for a closed episode the sample does not open,
 * as hold_step() would leave it: all zero (HoldState). A random wearer
 * (angles around every limit and its hysteresis, NaN, lying, awaiting a
 * neutral, each activity, resets, slouch turned off and on) never finds a
 * closed episode that is not. */
static void test_closed_episode_is_zero(void **state)
{
        static const double flexion[] = { -40, -36, -34, -30, -20,  -19, -17, 0,  12, 13.5, 14, 15,
                                          16,  19,  20,  30,  57.5, 58,  59,  60, 61, 90,   NAN };
        static const double lateral[] = { 0, 7.5, 8.5, 10, 11, 17.5, 18.5, 20, 25, -9, -21, NAN };
        uint64_t seed = 1;
        RuleParams p;
        Run r;

        rule_params_default(&p);
        run_init(&r, &p);
        for (unsigned i = 0; i < 200000; i++) {
                PostureSample s = {
                        .t_ns = (int64_t) i * STEP_NS,
                        .flexion_deg = flexion[xorshift(&seed) % ELEMENTSOF(flexion)],
                        .lateral_deg = lateral[xorshift(&seed) % ELEMENTSOF(lateral)],
                        .activity = (Activity) (xorshift(&seed) % 3),
                        .lying = xorshift(&seed) % 64 == 0,
                        .awaiting_neutral = xorshift(&seed) % 64 == 0,
                        .worn = true,
                };
                StrainEvent ev[_EVENT_KIND_MAX];
                uint64_t x = xorshift(&seed);

                /* Poses held for a while, now and then. */
                if (i % 400 > 200) {
                        s.flexion_deg = flexion[(i / 400) % ELEMENTSOF(flexion)];
                        s.lateral_deg = lateral[(i / 400) % ELEMENTSOF(lateral)];
                }
                s.motion_t_ns = s.t_ns;
                body_gravity(s.flexion_deg, s.lateral_deg, s.motion_trunk);
                if (x % 20000 == 0)
                        detectors_reset(r.d);
                if (x % 30011 == 0) {
                        p.slouch_enabled = !p.slouch_enabled;
                        assert_int_equal(detectors_set_params(r.d, &p), 0);
                }
                (void) detectors_feed(r.d, &s, ev, ELEMENTSOF(ev));
                assert_closed_is_zero(&r.d->extreme);
                assert_closed_is_zero(&r.d->extension);
                assert_closed_is_zero(&r.d->slouch);
                assert_closed_is_zero(&r.d->lateral.low);
                assert_closed_is_zero(&r.d->lateral.high);
                assert_static_closed_is_zero(&r.d->statics);
        }
        run_done(&r);
}

/* Each sample's step, MIN(step / 1 s, 1 s) of the time since the last
 * sample that went forward (none when it does not): static-posture's held
 * time is their sum, in order, so it fires at the first sample at which that
 * sum reaches static_s. Steps that repeat, change by a nanosecond, jitter,
 * exceed a second, stand still and go back. */
static void test_step_time(void **state)
{
        static const int64_t steps[] = { 20000000,  20000000, 20000001, 19999999,   20000000,
                                         0,         -5000000, 25000000, 3000000000, 1000000000,
                                         999999999, 20000000, 1,        10000000,   20000000 };
        uint64_t seed = 7;
        RuleParams p;
        Run r;

        rule_params_default(&p);
        p.static_s = 30;
        run_init(&r, &p);
        {
                int64_t t = 1000 * NSEC_PER_SEC, last = t;
                double held = 0;
                long fire_at = -1, fired = -1;

                for (long i = 0; i < 20000 && fired < 0; i++) {
                        PostureSample s = {
                                .flexion_deg = 5,
                                .activity = ACTIVITY_STILL,
                                .worn = true,
                        };
                        StrainEvent ev[_EVENT_KIND_MAX];
                        uint64_t x = xorshift(&seed);
                        size_t k;

                        if (i > 0) {
                                /* Runs of one step, now and then another. */
                                t += x % 8 == 0 ? (int64_t) (x >> 8) % 30000000
                                                : steps[(i / 16) % ELEMENTSOF(steps)];
                                if (t > last) {
                                        held += MIN((double) (t - last) / (double) NSEC_PER_SEC,
                                                    1.0);
                                        last = t;
                                }
                                if (fire_at < 0 && held >= p.static_s)
                                        fire_at = i;
                        }
                        s.t_ns = s.motion_t_ns = t;
                        k = detectors_feed(r.d, &s, ev, ELEMENTSOF(ev));
                        for (size_t j = 0; j < k; j++)
                                if (ev[j].kind == EVENT_STATIC_POSTURE)
                                        fired = i;
                }
                assert_true(fire_at > 0);
                assert_int_equal(fired, fire_at);
        }
        run_done(&r);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_extension), cmocka_unit_test(test_lateral),
                cmocka_unit_test(test_slouch),    cmocka_unit_test(test_strain_level),
                cmocka_unit_test(test_cooldown),  cmocka_unit_test(test_closed_episode_is_zero),
                cmocka_unit_test(test_step_time),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
