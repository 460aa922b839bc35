/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Movement: sudden-movement, repetitive-bending, static-posture, and how
 * activity (moving, walking) gates the holding time. Each rule at its
 * limits, with and without the acute phase.
 */
#include "detect-harness.h"

/* Holding @pose: still @n events at @before_s; at @after_s one more, of @kind. */
static void next_between(Run *r, Pose pose, double before_s, double after_s, size_t n,
                         EventKind kind)
{
        pose_until(r, pose, before_s);
        assert_int_equal(r->n, n);
        pose_until(r, pose, after_s);
        assert_int_equal(r->n, n + 1);
        assert_int_equal(r->ev[n].kind, kind);
}

/* Holding time counts while still; movement shorter than the grace inside
 * the posture counts too, longer movement does not. */
static void test_moving(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);

        /* Bending into the posture is movement: 3 s of it count. */
        run_init(&r, &p);
        pose_for(&r, POSE(40, 0, 0, ACTIVITY_MOVING), 3);
        next_between(&r, POSE(40), 149.9, 150.1, 0, EVENT_SUSTAINED_FLEXION);
        assert_int_equal(r.ev[0].start_ns, 0);
        run_done(&r);

        /* 10 s of fidgeting at 40° count, just as much; 10.5 s do not. */
        run_init(&r, &p);
        pose_until(&r, POSE(40), 50);
        pose_for(&r, POSE(40, 0, 0, ACTIVITY_MOVING), 10);
        next_between(&r, POSE(40), 149.9, 150.1, 0, EVENT_SUSTAINED_FLEXION);
        run_done(&r);

        run_init(&r, &p);
        pose_until(&r, POSE(40), 50);
        pose_for(&r, POSE(40, 0, 0, ACTIVITY_MOVING), 10.5);
        next_between(&r, POSE(40), 160.4, 160.6, 0, EVENT_SUSTAINED_FLEXION);
        run_done(&r);

        /* Walking bent over (or rapid bending) never accumulates: the
         * swinging gravity estimate of a walk is no held bend. */
        run_init(&r, &p);
        pose_until(&r, POSE(40, 0, 0, ACTIVITY_WALKING), 1200);
        pose_for(&r, POSE(70, 0, 0, ACTIVITY_MOVING), 600);
        assert_int_equal(r.n, 0);
        assert_near(detectors_strain_level(r.d), 0, 1e-12);
        /* Then still: it starts counting from there. */
        pose_until(&r, POSE(70), now_s(&r) + 3.9);
        assert_int_equal(r.n, 0);
        pose_until(&r, POSE(70), now_s(&r) + 0.2);
        assert_int_equal(count_kind(&r, EVENT_EXTREME_FLEXION), 1);
        run_done(&r);

        /* Quick pick-up bends while walking (3.5 s at 66°, the wearer
         * moving), one a minute for ten minutes: the posture shows each
         * (see the estimator), but none is held: no event, no strain. */
        run_init(&r, &p);
        for (int i = 0; i < 10; i++) {
                pose_for(&r, POSE(0, 0, 0, ACTIVITY_WALKING), 56.5);
                pose_for(&r, POSE(66, 0, 0, ACTIVITY_MOVING), 3.5);
        }
        pose_for(&r, POSE(0, 0, 0, ACTIVITY_WALKING), 60);
        assert_int_equal(r.n, 0);
        /* A bend that the wearer then holds still counts from there (the
         * walk before it was longer than the moving grace). */
        pose_for(&r, POSE(66, 0, 0, ACTIVITY_MOVING), 3.5);
        pose_for(&r, POSE(66), 3.9);
        assert_int_equal(r.n, 0);
        pose_for(&r, POSE(66), 0.2);
        assert_int_equal(count_kind(&r, EVENT_EXTREME_FLEXION), 1);
        run_done(&r);

        /* Movement that ends below the band is dropped, even when it was short. */
        run_init(&r, &p);
        pose_until(&r, POSE(40), 100);
        pose_for(&r, POSE(40, 0, 0, ACTIVITY_MOVING), 5);
        pose_for(&r, POSE(10), 1);
        next_between(&r, POSE(40), 155.9, 156.1, 0, EVENT_SUSTAINED_FLEXION);
        run_done(&r);

        /* The gauge holds while moving in a bend and drains while walking upright. */
        run_init(&r, &p);
        pose_for(&r, POSE(40), 75);
        pose_for(&r, POSE(40, 0, 0, ACTIVITY_MOVING), 100);
        assert_near(detectors_strain_level(r.d), 0.5, 0.01);
        pose_for(&r, POSE(0, 0, 0, ACTIVITY_WALKING), 100);
        assert_near(detectors_strain_level(r.d), 0.25, 0.01);
        pose_for(&r, POSE(0, 0, 0, ACTIVITY_MOVING), 300);
        assert_near(detectors_strain_level(r.d), 0.125, 0.01);
        run_done(&r);
}

static void test_sudden(void **state)
{
        const StrainEvent *e;
        RuleParams p;
        Run r;

        for (int acute = 0; acute <= 1; acute++) {
                params(&p, acute);

                /* An abrupt start to over 120°/s while bent over 20°, held for
                 * 0.1 s: fires 1 s after the movement is over (rate below
                 * 60°/s from 5.64 s), the trunk not having come to lie. */
                run_init(&r, &p);
                pose_until(&r, POSE(10, 0, 30), 5);
                pose_for(&r, POSE(21, 0, 121), 0.14);
                pose_for(&r, POSE(25, 0, 61), 0.5);
                pose_for(&r, POSE(25, 0, 30), 0.99);
                assert_int_equal(r.n, 0);
                pose_for(&r, POSE(25, 0, 30), 0.02);
                assert_int_equal(count_kind(&r, EVENT_SUDDEN_MOVEMENT), 1);
                e = last_of(&r, EVENT_SUDDEN_MOVEMENT);
                assert_near(sec(e->start_ns), 5 + STEP_S, 1e-9);
                assert_near(sec(e->t_ns), 6.64 + STEP_S, 1e-9);
                assert_near(e->peak_deg, 25, 0);
                assert_int_equal(e->severity, SEVERITY_WARNING);
                run_done(&r);

                /* Above the limit for less than 0.1 s: not due. */
                run_init(&r, &p);
                pose_until(&r, POSE(10, 0, 30), 5);
                pose_for(&r, POSE(21, 0, 121), 0.08);
                pose_for(&r, POSE(21, 0, 30), 1);
                assert_int_equal(r.n, 0);
                run_done(&r);

                /* Sideways too. */
                run_init(&r, &p);
                pose_for(&r, POSE(0, -21, 200), 1);
                pose_for(&r, POSE(0, -21, 0), 1.1);
                assert_int_equal(count_kind(&r, EVENT_SUDDEN_MOVEMENT), 1);
                run_done(&r);

                /* Just under either limit: never. */
                assert_never(&p, POSE(21, 0, 119), EVENT_SUDDEN_MOVEMENT, 60);
                assert_never(&p, POSE(19, 19, 500), EVENT_SUDDEN_MOVEMENT, 60);
                /* Fast but upright (walking, fidgeting): never. */
                assert_never(&p, POSE(5, 5, 300, ACTIVITY_WALKING), EVENT_SUDDEN_MOVEMENT, 60);
                /* Turning over in bed: the trunk lies, never. */
                assert_never(&p, POSE(-80, 90, 300, ACTIVITY_MOVING, true), EVENT_SUDDEN_MOVEMENT,
                             60);
        }

        /* A rate that flickers above the limit for a sample or two (the
         * bounce of walking) does not fire; nor does a NaN rate. */
        params(&p, false);
        run_init(&r, &p);
        for (int i = 0; i < 200; i++) {
                pose_for(&r, POSE(30, 0, 150), 2 * STEP_S);
                pose_for(&r, POSE(30, 0, 110), 3 * STEP_S);
        }
        pose_for(&r, POSE(30, 0, NAN), 10);
        assert_int_equal(r.n, 0);
        run_done(&r);

        /* The rate must stay above the limit; the episode ends below half of it. */
        run_init(&r, &p);
        pose_for(&r, POSE(30, 0, 130), 0.06);
        pose_for(&r, POSE(30, 0, 70), 0.5);
        pose_for(&r, POSE(30, 0, 130), 0.06);
        pose_for(&r, POSE(30, 0, 20), 2);
        assert_int_equal(r.n, 0);
        pose_for(&r, POSE(30, 0, 130), 0.12);
        pose_for(&r, POSE(30, 0, 20), 2);
        assert_int_equal(r.n, 1);
        run_done(&r);

        /* Due, but the trunk comes to lie within the second after the
         * movement (lying down, by the gravity estimate that runs ahead
         * of the motion path), or the rate is lost (an impact): none. */
        run_init(&r, &p);
        pose_for(&r, POSE(40, 0, 200), 0.3);
        pose_for(&r, POSE(-40, 0, 20), 0.5);
        {
                PostureSample s = { .flexion_deg = -80, .lying = true };

                body_gravity(-45, 0, s.motion_trunk);
                feed_until(&r, s, true, now_s(&r) + 2);
        }
        pose_for(&r, POSE(0, 0, 0), 2);
        assert_int_equal(r.n, 0);
        pose_for(&r, POSE(40, 0, 200), 0.3);
        pose_for(&r, POSE(-20, 0, 20), 0.5);
        pose_for(&r, POSE(-20, 0, NAN), 0.1);
        pose_for(&r, POSE(-20, 0, 0), 2);
        assert_int_equal(r.n, 0);
        /* A movement out of bed (the trunk lay at its start): none. */
        pose_for(&r, POSE(-80, 0, 200, ACTIVITY_MOVING, true), 0.2);
        pose_for(&r, POSE(40, 0, 200), 0.3);
        pose_for(&r, POSE(40, 0, 0), 2);
        assert_int_equal(r.n, 0);
        /* SuddenSettleSec=0: at the end of the movement itself. */
        p.sudden_settle_s = 0;
        assert_int_equal(detectors_set_params(r.d, &p), 0);
        pose_for(&r, POSE(40, 0, 200), 0.3);
        pose_for(&r, POSE(40, 0, 0), STEP_S);
        assert_int_equal(r.n, 1);
        run_done(&r);
}

/* The rate climbing linearly from @from to @to over @seconds, bent 40°,
 * held at @to for 0.3 s, then the movement ends (upright, or lying when
 * @ends_lying, or in an impact that hides the rate when @impact). */
static size_t sudden_ramp(double from, double to, double seconds, bool ends_lying, bool impact)
{
        RuleParams p;
        size_t n;
        Run r;

        params(&p, false);
        run_init(&r, &p);
        pose_until(&r, POSE(0, 0, from), 2);
        for (double t0 = now_s(&r); now_s(&r) < t0 + seconds;)
                pose_for(&r, POSE(40, 0, from + (to - from) * (now_s(&r) - t0) / seconds), STEP_S);
        pose_for(&r, POSE(40, 0, to), 0.3);
        if (impact)
                pose_for(&r, POSE(-70, 0, NAN), 0.2);
        pose_for(&r, ends_lying ? POSE(-80, 0, 0, ACTIVITY_STILL, true) : POSE(0, 0, 0), 2);
        n = count_kind(&r, EVENT_SUDDEN_MOVEMENT);
        run_done(&r);
        return n;
}

static void test_sudden_paced(void **state)
{
        /* From 30 to 180°/s: half the limit (60) to the limit (120) is 0.4
         * of the climb. Within 0.2 s: abrupt, it fires; longer: paced. */
        assert_int_equal(sudden_ramp(30, 180, 0.45, false, false), 1); /* 0.18 s */
        assert_int_equal(sudden_ramp(30, 180, 0.55, false, false), 0); /* 0.22 s */
        assert_int_equal(sudden_ramp(0, 300, 0.05, false, false), 1);
        /* Sitting or lying down at a normal pace: 1 s to 150°/s. */
        assert_int_equal(sudden_ramp(0, 150, 1, false, false), 0);
        /* Abrupt, but it ends lying (flopping onto a bed) or in an impact. */
        assert_int_equal(sudden_ramp(0, 300, 0.05, true, false), 0);
        assert_int_equal(sudden_ramp(0, 300, 0.05, false, true), 0);
}

static void bends(Run *r, double deg, double period_s, double bend_s, double seconds)
{
        double end = now_s(r) + seconds;

        while (now_s(r) + period_s <= end + 1e-9) {
                pose_for(r, POSE(deg), bend_s);
                pose_for(r, POSE(0), period_s - bend_s);
        }
}

static void test_repetitive(void **state)
{
        const StrainEvent *e;
        RuleParams p;
        Run r;

        for (int acute = 0; acute <= 1; acute++) {
                params(&p, acute);

                /* Twice a minute exactly: fires once the first bend is 5 min old. */
                run_init(&r, &p);
                pose_until(&r, POSE(0), 10);
                bends(&r, 30, 30, 2, 299.9);
                assert_int_equal(count_kind(&r, EVENT_REPETITIVE_BENDING), 0);
                bends(&r, 30, 30, 2, 60);
                assert_int_equal(count_kind(&r, EVENT_REPETITIVE_BENDING), 1);
                e = last_of(&r, EVENT_REPETITIVE_BENDING);
                assert_near(sec(e->start_ns), 10 + STEP_S, 1e-9);
                /* Counted once the bend in progress has lasted 0.2 s. */
                assert_near(e->duration_s, 300.2, 1.5 * STEP_S);
                assert_near(e->peak_deg, 30, 0);
                assert_int_equal(e->severity, SEVERITY_WARNING);
                run_done(&r);

                /* Every 31 s is just under twice a minute: never. */
                run_init(&r, &p);
                bends(&r, 30, 31, 2, 1200);
                assert_int_equal(r.n, 0);
                run_done(&r);

                /* Bends to 19.9° are no bends beyond 20°. */
                run_init(&r, &p);
                bends(&r, 19.9, 10, 2, 1200);
                assert_int_equal(count_kind(&r, EVENT_REPETITIVE_BENDING), 0);
                run_done(&r);
        }

        /* Blips shorter than 0.2 s (a glitch through the low-pass) do not count. */
        params(&p, false);
        run_init(&r, &p);
        bends(&r, 40, 5, 0.16, 1200);
        assert_int_equal(r.n, 0);
        run_done(&r);

        /* A dip that stays within the hysteresis (18°) is the same bend. */
        run_init(&r, &p);
        for (int i = 0; i < 60; i++) {
                pose_for(&r, POSE(25), 5);
                pose_for(&r, POSE(19), 5);
        }
        assert_int_equal(count_kind(&r, EVENT_REPETITIVE_BENDING), 0);
        run_done(&r);

        /* Rapid bending counts whatever the activity. */
        run_init(&r, &p);
        for (int i = 0; i < 350; i++) {
                pose_for(&r, POSE(35, 0, 0, ACTIVITY_MOVING), 0.45);
                pose_for(&r, POSE(5, 0, 0, ACTIVITY_MOVING), 0.45);
        }
        assert_int_equal(count_kind(&r, EVENT_REPETITIVE_BENDING), 1);
        run_done(&r);
}

static void test_static(void **state)
{
        const StrainEvent *e;
        RuleParams p;
        Run r;

        for (int acute = 0; acute <= 1; acute++) {
                params(&p, acute);
                assert_fires_after(&p, POSE(3, 2), EVENT_STATIC_POSTURE, 1800);
                e = NULL;

                /* Changes of 9.9° do not reset it, nor do changes of 12° for 1.9 s. */
                run_init(&r, &p);
                pose_until(&r, POSE(0), 600);
                pose_for(&r, POSE(9.9, -9.9), 600);
                pose_for(&r, POSE(0), 300);
                pose_for(&r, POSE(12), 1.9);
                pose_for(&r, POSE(0), 10);
                pose_for(&r, POSE(-12), 1.9);
                pose_for(&r, POSE(0), 10);
                pose_for(&r, POSE(0, 12), 1.9);
                next_between(&r, POSE(0), 1799.9, 1800.1, 0, EVENT_STATIC_POSTURE);
                e = last_of(&r, EVENT_STATIC_POSTURE);
                assert_int_equal(e->severity, SEVERITY_INFO);
                assert_near(e->peak_deg, 12, 0);
                run_done(&r);
        }

        /* A change of 12° for 2 s starts over from the new posture. */
        params(&p, false);
        run_init(&r, &p);
        pose_until(&r, POSE(0), 1000);
        pose_for(&r, POSE(0, 12), 2);
        pose_until(&r, POSE(0, 12), 2801.9);
        assert_int_equal(count_kind(&r, EVENT_STATIC_POSTURE), 0);
        pose_until(&r, POSE(0, 12), 2802.1);
        assert_int_equal(count_kind(&r, EVENT_STATIC_POSTURE), 1);
        assert_near(sec(last_of(&r, EVENT_STATIC_POSTURE)->start_ns), 1002, 2 * STEP_S);
        run_done(&r);

        /* A walk is a break; fidgeting (moving) is not. */
        run_init(&r, &p);
        pose_until(&r, POSE(0, 0, 0, ACTIVITY_MOVING), 1000);
        pose_for(&r, POSE(0, 0, 0, ACTIVITY_WALKING), 10);
        next_between(&r, POSE(0), 2809.9, 2810.1, 0, EVENT_STATIC_POSTURE);
        run_done(&r);

        /* The reminder repeats after the next episode, no sooner than 30 min. */
        p.static_s = 600;
        run_init(&r, &p);
        pose_until(&r, POSE(0), 600.1);
        assert_int_equal(r.n, 1);
        pose_for(&r, POSE(0, 0, 0, ACTIVITY_WALKING), 5);
        next_between(&r, POSE(0), 2399.9, 2400.2, 1, EVENT_STATIC_POSTURE);
        run_done(&r);
}

/* A single wild sample (a glitch that got through) never fires an event,
 * however often it comes; not even with every cool-down off. */
static void test_glitches(void **state)
{
        static const Pose wild[] = {
                POSE(80, 0, 500),  POSE(-60, 0, 500),   POSE(0, 50, 500),
                POSE(0, -50, 500), POSE(NAN, NAN, NAN), POSE(18, 0, 500),
        };
        RuleParams p;
        Run r;

        for (int acute = 0; acute <= 1; acute++) {
                params(&p, acute);
                for (size_t k = 0; k < _EVENT_KIND_MAX; k++)
                        p.cooldown_s[k] = 0;
                run_init(&r, &p);
                for (int i = 0; i < 20 * 60; i++) {
                        pose_for(&r, POSE(0), 1 - STEP_S);
                        pose_for(&r, wild[i % ELEMENTSOF(wild)], STEP_S);
                }
                /* Twenty minutes: too short for a break reminder. */
                assert_int_equal(r.n, 0);
                run_done(&r);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_moving),       cmocka_unit_test(test_sudden),
                cmocka_unit_test(test_sudden_paced), cmocka_unit_test(test_repetitive),
                cmocka_unit_test(test_static),       cmocka_unit_test(test_glitches),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
