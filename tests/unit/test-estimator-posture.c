/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The estimator's activity and posture: still or moving, a bend while
 * moving, the angles' gravity under steps, the posture classes, lying, and
 * unknown.
 */
#include <float.h>

#include "estimator-harness.h"
#include "core/estimator/estimator-private.h"

static void test_activity(void **state)
{
        EstimatorParams p;
        double g[3], d[3] = { 0, 0, 0 };
        Wearer w;

        params_worn(&p);
        body_gravity(0, 0, g);

        /* |raw − filtered| = 0.34 m/s² throughout: still. */
        wearer_init(&w, &p);
        d[0] = 0.34;
        feed_sensor(&w, g, d, true, 2 * WINDOW);
        assert_int_equal(w.last.activity, ACTIVITY_STILL);
        assert_near(w.last.dynamic_rms, 0.34, 1e-5);
        assert_int_equal(w.last.posture, POSTURE_UPRIGHT);
        wearer_done(&w);

        /* 0.36 m/s², spread over the axes: moving, from the first sample
         * on; the posture still comes from the angles. */
        wearer_init(&w, &p);
        d[0] = 0.36 * 0.6, d[1] = 0.36 * 0.8;
        feed_sensor(&w, g, d, true, 1);
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        assert_int_equal(w.last.posture, POSTURE_UPRIGHT);
        feed_sensor(&w, g, d, true, 2 * WINDOW);
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        assert_near(w.last.dynamic_rms, 0.36, 1e-5);
        assert_int_equal(w.last.posture, POSTURE_UPRIGHT);
        /* Angles are still reported while moving. */
        assert_near(w.last.flexion_deg, 0, FRAME_TOL_DEG);

        /* Calming down: still as soon as the RMS over the window falls below
         * the limit, 0.36² · (150 − k) / 150 < 0.35², i.e. after k = 9 still
         * samples, long before a full window of stillness. */
        feed_still(&w, 0, 0, 8);
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        feed_still(&w, 0, 0, 1);
        assert_int_equal(w.last.activity, ACTIVITY_STILL);
        feed_still(&w, 0, 0, WINDOW);
        assert_int_equal(w.last.activity, ACTIVITY_STILL);
        assert_near(w.last.dynamic_rms, 0, 1e-6);
        wearer_done(&w);
}

/* Posture and activity are separate: a bend while moving is a bend; the
 * posture is "moving" only from posture_max_rms (4 m/s²) of dynamic
 * acceleration on. */
static void test_moving_posture(void **state)
{
        EstimatorParams p;
        double g[3], d[3] = { 0, 0, 0 };
        Wearer w;

        estimator_params_default(&p);

        /* A 66° pick-up bend while moving (1.5 m/s²): extreme flexion. */
        wearer_init(&w, &p);
        body_gravity(66, 0, g);
        d[2] = 1.5;
        feed_sensor(&w, g, d, true, 2 * WINDOW);
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        assert_int_equal(w.last.posture, POSTURE_EXTREME_FLEXION);
        body_gravity(30, 0, g);
        feed_sensor(&w, g, d, true, SMOOTH);
        assert_int_equal(w.last.posture, POSTURE_FLEXED);
        wearer_done(&w);

        /* Just under the limit: the angles decide; at it: moving. */
        body_gravity(30, 0, g);
        wearer_init(&w, &p);
        d[2] = 3.99;
        feed_sensor(&w, g, d, true, 2 * WINDOW);
        assert_near(w.last.dynamic_rms, 3.99, 1e-5);
        assert_int_equal(w.last.posture, POSTURE_FLEXED);
        wearer_done(&w);
        wearer_init(&w, &p);
        d[2] = 4.01;
        feed_sensor(&w, g, d, true, 2 * WINDOW);
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        assert_int_equal(w.last.posture, POSTURE_MOVING);
        /* The angles are still reported. */
        assert_near(w.last.flexion_deg, 30, FRAME_TOL_DEG);
        wearer_done(&w);
}

/* The angles' gravity: steps that pass the 2 Hz filter do not sway it, and
 * a posture change reaches it within the smoothing second. */
static void test_gravity_smooth(void **state)
{
        EstimatorParams p;
        Wearer w;

        estimator_params_default(&p);
        wearer_init(&w, &p);
        feed_still(&w, 0, 0, WINDOW);

        /* The filtered gravity sways ±20° at 1.4..2.5 Hz: the angles stay
         * within a fifth of that once a second has passed. */
        for (double hz = 1.4; hz <= 2.51; hz += 0.1) {
                double worst = 0;

                for (size_t i = 0; i < 4 * RATE_HZ; i++) {
                        double t = (double) i / RATE_HZ;

                        feed_still(&w, 20 * sin(2 * M_PI * hz * t), 0, 1);
                        if (i >= RATE_HZ)
                                worst = MAX(worst, fabs(w.last.flexion_deg));
                }
                assert_true(worst < 4.5);
        }

        /* A bend to 40° shows as flexed within 1.5 s (with the filter's
         * delay, which this test leaves out: within the second). */
        feed_still(&w, 0, 0, SMOOTH);
        feed_still(&w, 40, 0, SMOOTH / 2 + 1);
        assert_int_equal(w.last.posture, POSTURE_FLEXED);
        feed_still(&w, 40, 0, SMOOTH / 2);
        assert_near(w.last.flexion_deg, 40, FRAME_TOL_DEG);

        /* 0 s: no smoothing at all. */
        wearer_done(&w);
        p.posture_smooth_s = 0;
        wearer_init(&w, &p);
        feed_still(&w, 0, 0, WINDOW);
        feed_still(&w, 40, 0, 1);
        assert_near(w.last.flexion_deg, 40, FRAME_TOL_DEG);
        wearer_done(&w);
        p.posture_smooth_s = -1;
        assert_int_equal(estimator_new(&w.e, &p, RATE_HZ), -EINVAL);
}

static void test_posture_classes(void **state)
{
        static const struct {
                double theta, phi;
                PostureClass expected;
        } cases[] = {
                { 0, 0, POSTURE_UPRIGHT },
                { 14.99, 0, POSTURE_UPRIGHT },
                { 15.01, 0, POSTURE_SLOUCHED },
                { 19.99, 0, POSTURE_SLOUCHED },
                { 20.01, 0, POSTURE_FLEXED },
                { 59.99, 0, POSTURE_FLEXED },
                { 60.01, 0, POSTURE_EXTREME_FLEXION },
                { 85, 0, POSTURE_EXTREME_FLEXION },
                { 0, 9.99, POSTURE_UPRIGHT },
                { 0, -9.99, POSTURE_UPRIGHT },
                { 0, 10.01, POSTURE_LATERAL },
                { 0, -10.01, POSTURE_LATERAL },
                { 0, 59.99, POSTURE_LATERAL },
                { 0, 60.01, POSTURE_LYING },
                { 0, -60.01, POSTURE_LYING },
                { -19.99, 0, POSTURE_UPRIGHT },
                { -20.01, 0, POSTURE_RECLINED },
                { -59.99, 0, POSTURE_RECLINED },
                { -60.01, 0, POSTURE_LYING },
                { -85, 0, POSTURE_LYING },
                /* Priorities: flexed over lateral, lateral over slouched,
                 * lying over everything but extreme flexion. */
                { 20.01, 15, POSTURE_FLEXED },
                { 15.01, 10.01, POSTURE_LATERAL },
                { 30, 70, POSTURE_LYING },
                /* Lying: the trunk more than 60° from upright and not mainly
                 * bent forward. On a side, half-way to the back, or on the
                 * back with the ill-defined lateral angle of a trunk near
                 * horizontal; a deep bend with a little sideways lean (its
                 * lateral angle large for the same reason) stays a bend. */
                { 0, 60.01, POSTURE_LYING },
                { 0, 90, POSTURE_LYING },
                { -45, 90, POSTURE_LYING },
                { -88, 178, POSTURE_LYING },
                { 44, 90, POSTURE_LYING },
                { 65, 70, POSTURE_EXTREME_FLEXION },
                { 85, 120, POSTURE_EXTREME_FLEXION },
                { 50, 90, POSTURE_FLEXED },
                { -30, 15, POSTURE_RECLINED },
        };
        EstimatorParams p;

        params_worn(&p);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Wearer w;

                wearer_init(&w, &p);
                feed_still(&w, cases[i].theta, cases[i].phi, 1);
                if (w.last.posture != cases[i].expected)
                        fail_msg("θ=%g φ=%g: got %s, expected %s", cases[i].theta, cases[i].phi,
                                 posture_class_to_string(w.last.posture),
                                 posture_class_to_string(cases[i].expected));
                wearer_done(&w);
        }
}

/* PostureSample.lying follows the angles whatever the activity: turning
 * over in bed is "moving", and still lying for the rules; a deep bend while
 * moving is not. */
static void test_lying_while_moving(void **state)
{
        static const double shake[3] = { 2, 2, 2 };
        static const struct {
                double theta, phi;
                bool lying;
        } cases[] = {
                { -88, 0, true }, { 0, 90, true },   { -45, 90, true },
                { 0, 55, false }, { 85, 20, false }, { -55, 0, false },
        };
        EstimatorParams p;

        estimator_params_default(&p);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                double g[3];
                Wearer w;

                wearer_init(&w, &p);
                feed_still(&w, 0, 0, 4 * RATE_HZ);
                body_gravity(cases[i].theta, cases[i].phi, g);
                feed_sensor(&w, g, shake, true, 2 * RATE_HZ);
                assert_int_equal(w.last.activity, ACTIVITY_MOVING);
                if (w.last.lying != cases[i].lying)
                        fail_msg("θ=%g φ=%g: lying %d", cases[i].theta, cases[i].phi, w.last.lying);
                assert_true(estimator_angles_are_lying(&p, cases[i].theta, cases[i].phi) ==
                            cases[i].lying);
                wearer_done(&w);
        }
        assert_false(estimator_angles_are_lying(&p, NAN, 90));
}

/* estimator_angles_are_lying() decides angles near upright without the
 * cosines: the same answer as the formula everywhere, for the whole range of
 * LyingDeg and at and around its edge. */
static void test_lying_shortcut(void **state)
{
        static const double lying[] = { 30, 44.5, 60, 89.75, 90 };
        EstimatorParams p;

        estimator_params_default(&p);
        for (size_t i = 0; i < ELEMENTSOF(lying); i++) {
                double c = cos(lying[i] / (180.0 / M_PI));

                p.lying_deg = lying[i];
                for (double th = -180; th <= 180; th += 0.25)
                        for (double ph = -180; ph <= 180; ph += 0.25) {
                                double t = th / (180.0 / M_PI), f = ph / (180.0 / M_PI);
                                bool want = cos(t) * cos(f) < c &&
                                            th <= fabs(asin(CLAMP(cos(t) * sin(f), -1.0, 1.0))) *
                                                            (180.0 / M_PI);

                                if (estimator_angles_are_lying(&p, th, ph) != want)
                                        fail_msg("LyingDeg %g, θ=%g φ=%g: %d", lying[i], th, ph,
                                                 !want);
                        }
        }
}

/* vector_is_lying() against the angles of the vector: the same answer on a
 * grid of directions for the whole range of LyingDeg (the shortcut's edge,
 * one degree inside lying_deg, on the grid), at magnitudes from tiny to
 * huge, and for vectors with no direction. */
static void check_vector_lying(const EstimatorParams *p, double c2, const double r[3])
{
        double flexion, lateral;

        estimator_angles(r, NULL, &flexion, &lateral);
        if (vector_is_lying(p, c2, r) != estimator_angles_are_lying(p, flexion, lateral))
                fail_msg("LyingDeg %g, (%g, %g, %g)", p->lying_deg, r[0], r[1], r[2]);
}

static void test_vector_lying(void **state)
{
        static const double lying[] = { 1, 30, 44.5, 60, 89.75, 90, 180, 200 };
        static const double scale[] = { 1, 1e-150, 1e150, 1e-300 };
        static const double odd[][3] = {
                { NAN, 1, 0 }, { 0, INFINITY, 0 }, { 0, 0, 0 },           { 0, DBL_MAX, DBL_MAX },
                { 0, 1, 0 },   { 0, -1, 0 },       { 1e-320, 1e-320, 0 },
        };
        EstimatorParams p;

        estimator_params_default(&p);
        for (size_t i = 0; i < ELEMENTSOF(lying); i++) {
                double c2;

                p.lying_deg = lying[i];
                c2 = lying_upright_cos2(&p);
                for (double th = -180; th <= 180; th += 0.5)
                        for (double ph = -180; ph <= 180; ph += 0.5)
                                for (size_t k = 0; k < ELEMENTSOF(scale); k++) {
                                        double r[3];

                                        body_gravity(th, ph, r);
                                        for (size_t j = 0; j < 3; j++)
                                                r[j] *= scale[k];
                                        check_vector_lying(&p, c2, r);
                                }
                for (size_t k = 0; k < ELEMENTSOF(odd); k++)
                        check_vector_lying(&p, c2, odd[k]);
        }
        p.lying_deg = 60;
        {
                double r[3];

                /* Just inside the shortcut's degree; and just past lying. */
                body_gravity(58.9, 0, r);
                assert_false(vector_is_lying(&p, lying_upright_cos2(&p), r));
                body_gravity(-60.01, 0, r);
                assert_true(vector_is_lying(&p, lying_upright_cos2(&p), r));
        }
}

static void test_unknown(void **state)
{
        EstimatorParams p;
        Wearer w;
        Frame f = { .v = { NAN, G, 0 } };

        params_worn(&p);
        wearer_init(&w, &p);

        estimator_feed(w.e, &f, &f, &w.last);
        assert_int_equal(w.last.posture, POSTURE_UNKNOWN);
        assert_true(isnan(w.last.flexion_deg));
        w.next++;

        /* Zero gravity carries no direction either. */
        f.t_ns = w.next++ * STEP_NS;
        f.v[0] = f.v[1] = f.v[2] = 0;
        estimator_feed(w.e, &f, &f, &w.last);
        assert_int_equal(w.last.posture, POSTURE_UNKNOWN);

        /* The bad sample did not poison the window. */
        feed_still(&w, 25, 0, WINDOW);
        assert_int_equal(w.last.posture, POSTURE_FLEXED);
        assert_near(w.last.dynamic_rms, 0, 1e-6);
        assert_int_equal(estimator_calibrate(w.e), 0);
        wearer_done(&w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_activity),           cmocka_unit_test(test_moving_posture),
                cmocka_unit_test(test_gravity_smooth),     cmocka_unit_test(test_posture_classes),
                cmocka_unit_test(test_lying_while_moving), cmocka_unit_test(test_lying_shortcut),
                cmocka_unit_test(test_vector_lying),       cmocka_unit_test(test_unknown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
