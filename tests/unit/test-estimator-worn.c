/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Worn or not, and the automatic neutral (estimator.h "Worn or not",
 * "Neutral"), each at its boundary: sensor noise alone is not worn,
 * breathing is; 30 s without micro-motion; worn again within 2 s; upside
 * down; a neutral only within 30° of the mount's upright; ResetCalibration;
 * a neutral revised by walking; a posture held still a minute, for a
 * sensor tilted beyond 30°.
 */
#include "test-util.h"
#include "core/estimator/estimator.h"

/* The frames of a synthetic sensor: a trunk at THETA, PHI plus breathing
 * (tilt amplitude, degrees, at 0.25 Hz), white noise (m/s² per axis) and
 * walking (vertical bounce, m/s², at 1.8 Hz). */
typedef struct Body {
        Estimator *e;
        int64_t next;
        uint64_t rng;
        double theta, phi;
        double breath_deg, noise, bounce;
        PostureSample last;
} Body;

static double gauss(uint64_t *s)
{
        double u[2];

        for (size_t i = 0; i < 2; i++) {
                /* xorshift64*, deterministic */
                *s ^= *s >> 12;
                *s ^= *s << 25;
                *s ^= *s >> 27;
                u[i] = ((double) ((*s * UINT64_C(2685821657736338717)) >> 11) + 0.5) /
                       9007199254740992.0;
        }
        return sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]);
}

static void body_init(Body *b, const EstimatorParams *p)
{
        *b = (Body){ .rng = 88172645463325252u, .noise = 0.04 };
        assert_int_equal(estimator_new(&b->e, p, RATE_HZ), 0);
}

static void body_done(Body *b)
{
        b->e = estimator_free(b->e);
}

/* @seconds of samples; Return: how many of them were "not-worn". */
static size_t run(Body *b, double seconds)
{
        size_t n = (size_t) llround(seconds * RATE_HZ), not_worn = 0;

        for (size_t i = 0; i < n; i++, b->next++) {
                double t = (double) b->next * STEP_S, g[3], clean[3];
                double tilt = b->breath_deg * sin(2 * M_PI * 0.25 * t);
                double up = b->bounce * sin(2 * M_PI * 1.8 * t);
                Frame raw = { .t_ns = b->next * STEP_NS }, filt = raw;

                body_gravity(b->theta + tilt, b->phi, clean);
                body_gravity(b->theta, b->phi, g);
                for (size_t k = 0; k < 3; k++) {
                        filt.v[k] = (float) clean[k];
                        raw.v[k] = (float) (clean[k] * (1 + up / G) + b->noise * gauss(&b->rng));
                }
                estimator_feed(b->e, &raw, &filt, &b->last);
                not_worn += b->last.posture == POSTURE_NOT_WORN;
                assert_true(b->last.worn == (b->last.posture != POSTURE_NOT_WORN));
        }
        return not_worn;
}

static void params(EstimatorParams *p)
{
        estimator_params_default(p);
        assert_near(p->not_worn_s, 30, 0);
        assert_near(p->upright_max_deg, 30, 0);
}

/* A sensor on a desk (noise of a common MEMS sensor, 0.04 m/s²) is judged
 * not worn after the first 2 s; one breathing under the same noise is worn. */
static void test_desk_and_breathing(void **state)
{
        EstimatorParams p;
        Body b;

        params(&p);
        body_init(&b, &p);
        b.theta = 90;                       /* face-down */
        assert_int_equal(run(&b, 1.98), 0); /* not judged yet */
        run(&b, 0.02);
        assert_false(b.last.worn);
        assert_int_equal(run(&b, 60), 60 * RATE_HZ);
        body_done(&b);

        body_init(&b, &p);
        b.breath_deg = 0.5;
        assert_int_equal(run(&b, 120), 0);
        body_done(&b);
}

/* The noise ceiling: white noise of 0.05 m/s² per axis is a sensor alone,
 * 0.07 m/s² is more than any common sensor's noise: a body's. */
static void test_noise_ceiling(void **state)
{
        EstimatorParams p;
        Body b;

        params(&p);
        body_init(&b, &p);
        b.noise = 0.05;
        run(&b, 40);
        assert_false(b.last.worn);
        body_done(&b);

        body_init(&b, &p);
        b.noise = 0.07;
        assert_int_equal(run(&b, 40), 0);
        body_done(&b);
}

/* Put down: still worn 29.5 s later, not worn 32 s later (30 s of 2-s
 * windows without motion); put on again: worn
 * within 2 s. */
static void test_put_down_and_on(void **state)
{
        EstimatorParams p;
        Body b;

        params(&p);
        body_init(&b, &p);
        b.breath_deg = 0.5;
        assert_int_equal(run(&b, 20), 0);
        b.breath_deg = 0;
        assert_int_equal(run(&b, 29.5), 0);
        run(&b, 2.5);
        assert_false(b.last.worn);
        b.breath_deg = 0.5;
        run(&b, 2.5);
        assert_true(b.last.worn);
        body_done(&b);
}

/* Upside down (more than 135° from the mount's upright) is never worn;
 * 120°, a head-down slope, can be. */
static void test_upside_down(void **state)
{
        EstimatorParams p;
        Body b;

        params(&p);
        body_init(&b, &p);
        b.breath_deg = 0.5;
        b.theta = 140;
        run(&b, 4);
        assert_false(b.last.worn);
        b.theta = 120;
        run(&b, 4);
        assert_true(b.last.worn);
        body_done(&b);
}

/* The automatic neutral: never from a desk, never beyond 30° of the
 * mount's upright, and from a worn still window within it. */
static void test_auto_neutral_upright(void **state)
{
        EstimatorParams p;
        int64_t t;
        Body b;

        params(&p);
        p.auto_calibrate = true;
        body_init(&b, &p);
        b.theta = 90; /* face-down on a desk */
        run(&b, 10);
        assert_false(b.last.calibrated);
        b.breath_deg = 0.3; /* worn, bent 32° */
        b.theta = 32;
        run(&b, 10);
        assert_true(b.last.worn);
        assert_false(b.last.calibrated);
        assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_NONE);
        b.theta = 28;
        run(&b, 4);
        assert_true(b.last.calibrated);
        assert_int_equal(estimator_get_calibration(b.e, &t), NEUTRAL_AUTO);
        assert_true(t > 20 * NSEC_PER_SEC && t <= 24 * NSEC_PER_SEC);
        body_done(&b);
}

/* A chest sensor tilted 45° back from the mount's upright (an inclined
 * sternum or strap), on a wearer seated still from the start: no neutral,
 * and so no posture claimed and no lying, until the posture has been held
 * still for a minute (its first still window comes after 3 s); then it is
 * the automatic neutral. */
static void test_held_neutral_tilted(void **state)
{
        EstimatorParams p;
        double n[3];
        Body b;

        params(&p);
        p.auto_calibrate = true;
        body_init(&b, &p);
        b.breath_deg = 0.3;
        b.theta = -45;
        run(&b, 62);
        assert_true(b.last.worn);
        assert_false(b.last.calibrated);
        assert_true(b.last.awaiting_neutral);
        assert_int_equal(b.last.posture, POSTURE_UNKNOWN);
        assert_false(b.last.lying);
        run(&b, 2);
        assert_true(b.last.calibrated);
        assert_false(b.last.awaiting_neutral);
        assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_AUTO);
        assert_true(estimator_get_neutral(b.e, n));
        assert_near(atan2(-n[2], n[1]) * 180 / M_PI, -45, 1);
        assert_int_equal(b.last.posture, POSTURE_UPRIGHT);
        body_done(&b);
}

/* The held posture: never one beyond lying_deg (60°) of the mount's
 * upright (reclined on a sofa, or lying), however long; one within it,
 * yes; a still posture more than 10° from the held one starts the minute
 * afresh, one within 10° holds it. */
static void test_held_neutral_bounds(void **state)
{
        EstimatorParams p;
        double n[3];
        Body b;

        params(&p);
        p.auto_calibrate = true;
        body_init(&b, &p);
        b.breath_deg = 0.3;
        b.theta = -62;
        run(&b, 180);
        assert_false(b.last.calibrated);
        assert_int_equal(b.last.posture, POSTURE_UNKNOWN);
        assert_false(b.last.lying);
        b.theta = -58;
        run(&b, 60);
        assert_false(b.last.calibrated);
        run(&b, 5);
        assert_true(b.last.calibrated);
        body_done(&b);

        body_init(&b, &p);
        b.breath_deg = 0.3;
        b.theta = 40;
        run(&b, 40);
        b.theta = 52;
        run(&b, 40);
        assert_false(b.last.calibrated);
        b.theta = 45;
        run(&b, 30);
        assert_true(b.last.calibrated);
        assert_true(estimator_get_neutral(b.e, n));
        assert_near(atan2(-n[2], n[1]) * 180 / M_PI, 45, 1);
        body_done(&b);
}

/* Calibrate(): 29° is taken, 31° is NotUpright; ResetCalibration returns
 * to the automatic neutral. */
static void test_calibrate_upright_and_reset(void **state)
{
        EstimatorParams p;
        double n[3];
        Body b;

        params(&p);
        body_init(&b, &p);
        b.breath_deg = 0.2;
        b.theta = 31;
        run(&b, 5);
        assert_int_equal(estimator_calibrate(b.e), CALIBRATE_NOT_UPRIGHT);
        assert_false(estimator_get_neutral(b.e, NULL));
        b.theta = 29;
        run(&b, 5);
        assert_int_equal(estimator_calibrate(b.e), CALIBRATE_DONE);
        assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_GIVEN);
        assert_true(estimator_get_neutral(b.e, n));
        assert_near(atan2(-n[2], n[1]) * 180 / M_PI, 29, 0.5);

        estimator_reset_neutral(b.e);
        assert_false(estimator_get_neutral(b.e, NULL));
        assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_NONE);
        run(&b, 1);
        assert_false(b.last.calibrated);
        body_done(&b);

        /* With auto_calibrate, the next still window is taken again. */
        p.auto_calibrate = true;
        body_init(&b, &p);
        b.breath_deg = 0.2;
        run(&b, 5);
        assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_AUTO);
        estimator_reset_neutral(b.e);
        run(&b, 0.1);
        assert_true(b.last.calibrated);
        assert_true(b.last.neutral_changed || estimator_get_calibration(b.e, NULL) == NEUTRAL_AUTO);
        body_done(&b);
}

/* Taken off and put on again: an automatic neutral is taken afresh, a
 * given one stays. */
static void test_put_on_again(void **state)
{
        EstimatorParams p;
        double n[3];
        Body b;

        params(&p);
        p.auto_calibrate = true;
        for (int given = 0; given <= 1; given++) {
                body_init(&b, &p);
                b.breath_deg = 0.5;
                b.theta = 5;
                run(&b, 5);
                assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_AUTO);
                if (given)
                        assert_int_equal(estimator_calibrate(b.e), CALIBRATE_DONE);
                b.breath_deg = 0; /* on the desk, upright on its edge */
                run(&b, 40);
                assert_false(b.last.worn);
                assert_true(b.last.calibrated);
                b.breath_deg = 0.5; /* on again, sitting differently */
                b.theta = 20;
                run(&b, 8);
                assert_true(estimator_get_neutral(b.e, n));
                assert_near(atan2(-n[2], n[1]) * 180 / M_PI, given ? 5 : 20, 1);
                assert_int_equal(estimator_get_calibration(b.e, NULL),
                                 given ? NEUTRAL_GIVEN : NEUTRAL_AUTO);
                body_done(&b);
        }
}

/* Walking is upright: an automatic neutral 15° off is revised after 20 s of
 * walking; a given one is not. */
static void test_revised_by_walking(void **state)
{
        EstimatorParams p;
        double n[3];
        Body b;

        params(&p);
        p.auto_calibrate = true;
        for (int given = 0; given <= 1; given++) {
                body_init(&b, &p);
                b.breath_deg = 0.2;
                b.theta = 15; /* sitting slumped: the first still window */
                run(&b, 5);
                assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_AUTO);
                if (given)
                        assert_int_equal(estimator_calibrate(b.e), CALIBRATE_DONE);
                b.theta = 0;
                b.bounce = 2.0;
                run(&b, 40);
                assert_int_equal(b.last.activity, ACTIVITY_WALKING);
                assert_true(estimator_get_neutral(b.e, n));
                if (given) {
                        assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_GIVEN);
                        assert_near(atan2(-n[2], n[1]) * 180 / M_PI, 15, 0.5);
                } else {
                        assert_int_equal(estimator_get_calibration(b.e, NULL), NEUTRAL_REVISED);
                        assert_near(atan2(-n[2], n[1]) * 180 / M_PI, 0, 1);
                }
                body_done(&b);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_desk_and_breathing),
                cmocka_unit_test(test_noise_ceiling),
                cmocka_unit_test(test_put_down_and_on),
                cmocka_unit_test(test_upside_down),
                cmocka_unit_test(test_auto_neutral_upright),
                cmocka_unit_test(test_calibrate_upright_and_reset),
                cmocka_unit_test(test_put_on_again),
                cmocka_unit_test(test_revised_by_walking),
                cmocka_unit_test(test_held_neutral_tilted),
                cmocka_unit_test(test_held_neutral_bounds),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
