/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The angles' shortcut (angle-view.h) against the exact angles: every
 * comparison at and around each limit (grid) and at random, and the
 * estimator's class against its documented rules. The detectors fed
 * pending angles: test-angle-view-detect.c.
 */
#include "test-util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "angle-harness.h"
#include "core/detect/detect-private.h"
#include "core/detect/detect.h"
#include "core/estimator/angle-view.h"
#include "core/estimator/estimator.h"
#include "core/estimator/rate-view.h"

/* Offsets from a limit, degrees: within the margin, at it, and beyond. */
static const double deltas[] = { 0,    1e-15, -1e-15, 1e-13, -1e-13, 1e-11, -1e-11, 1e-9,  -1e-9,
                                 1e-8, -1e-8, 1e-7,   -1e-7, 1e-6,   -1e-6, 1e-3,   -1e-3, 0.5,
                                 -0.5, 2,     -2,     10,    -10,    45,    -45 };
static const double magnitudes[] = { 9.80665, 1e-3, 1e3, 1e-120, 1e120, 0.37 };

/* Every flexion comparison of @r with @l against the exact flexion; true
 * when the shortcut answered them all without it. */
static bool check_flexion(const double r[3], const AngleLimit *l)
{
        double f = vector_flexion(r);
        PostureSample s;
        AngleView v;
        bool shortcut = true;

        pending(&s, r);
#define CHECK(fn, op)                                                              \
        do {                                                                       \
                angle_view_init(&v, &s);                                           \
                if (fn(&v, l) != (f op l->deg))                                    \
                        fail_msg(#fn " of %.17g against %.17g: wrong", f, l->deg); \
                shortcut = shortcut && !v.have_flexion;                            \
        } while (0)
        CHECK(angle_flexion_gt, >);
        CHECK(angle_flexion_ge, >=);
        CHECK(angle_flexion_lt, <);
        CHECK(angle_flexion_le, <=);
#undef CHECK
        angle_view_init(&v, &s);
        assert_true(angle_view_finite(&v) == isfinite(f));
        return shortcut;
}

static bool check_lateral_abs(const double r[3], const AngleLimit *l)
{
        double a = fabs(vector_lateral(r));
        PostureSample s;
        AngleView v;
        bool shortcut;

        pending(&s, r);
        angle_view_init(&v, &s);
        if (angle_lateral_abs_gt(&v, l) != (a > l->deg))
                fail_msg("|lateral| %.17g > %.17g: wrong", a, l->deg);
        shortcut = !v.have_lateral;
        angle_view_init(&v, &s);
        if (angle_lateral_abs_ge(&v, l) != (a >= l->deg))
                fail_msg("|lateral| %.17g >= %.17g: wrong", a, l->deg);
        return shortcut && !v.have_lateral;
}

/* The signed lateral side against a sine limit: never wrong; true when it answered. */
static bool check_lateral_side(const double r[3], const AngleLimit *l)
{
        double p = vector_lateral(r);
        PostureSample s;
        AngleView v;
        int side;

        pending(&s, r);
        angle_view_init(&v, &s);
        side = angle_lateral_side(&v, l);
        if ((side > 0 && !(p > l->deg)) || (side < 0 && !(p < l->deg)))
                fail_msg("lateral %.17g side %d of %.17g: wrong", p, side, l->deg);
        return side != 0;
}

static void test_flexion_grid(void **state)
{
        static const double limits[] = { -90, -89.5, -60, -35, -33, -20, -1, 0,  1,  8,
                                         13,  15,    18,  20,  45,  58,  60, 85, 90, 95 };
        static const double laterals[] = { 0, 5, -30, 120, -179, 180 };

        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                AngleLimit l;

                angle_limit_sine(&l, limits[i]);
                for (size_t j = 0; j < ELEMENTSOF(deltas); j++)
                        for (size_t k = 0; k < ELEMENTSOF(laterals); k++)
                                for (size_t m = 0; m < ELEMENTSOF(magnitudes); m++) {
                                        double theta = limits[i] + deltas[j], r[3];
                                        bool shortcut;

                                        if (fabs(theta) > 90)
                                                continue;
                                        vec(theta, laterals[k], magnitudes[m], r);
                                        shortcut = check_flexion(r, &l);
                                        /* Beyond a micro-degree the shortcut decides
                                         * (where the sine is not too flat). */
                                        if (fabs(deltas[j]) >= 1e-6 && fabs(limits[i]) <= 80 &&
                                            fabs(theta) <= 80)
                                                assert_true(shortcut);
                                }
        }
}

static void test_lateral_grid(void **state)
{
        static const double limits[] = { 0, 2, 8, 10, 18, 20, 45, 89, 90, 91, 135, 179, 180, 185 };
        static const double flexions[] = { 0, 30, -60, 85, -89.99 };

        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                AngleLimit l;

                angle_limit_cosine(&l, limits[i]);
                for (size_t j = 0; j < ELEMENTSOF(deltas); j++)
                        for (size_t k = 0; k < ELEMENTSOF(flexions); k++)
                                for (size_t m = 0; m < ELEMENTSOF(magnitudes); m++)
                                        for (int sign = -1; sign <= 1; sign += 2) {
                                                double phi = sign * (limits[i] + deltas[j]), r[3];
                                                bool shortcut;

                                                if (fabs(phi) > 180)
                                                        continue;
                                                vec(flexions[k], phi, magnitudes[m], r);
                                                shortcut = check_lateral_abs(r, &l);
                                                if (fabs(deltas[j]) >= 1e-6 && limits[i] >= 5 &&
                                                    limits[i] <= 175 && fabs(phi) >= 5 &&
                                                    fabs(phi) <= 175 && fabs(flexions[k]) < 89)
                                                        if (!shortcut)
                                                                fail_msg("%g %g %g %g", limits[i],
                                                                         phi, flexions[k],
                                                                         magnitudes[m]);
                                        }
        }
}

static void test_lateral_side_grid(void **state)
{
        static const double limits[] = { -95, -90, -45, -12, 0, 3, 10, 45, 89, 90, 100 };

        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                AngleLimit l;

                angle_limit_sine(&l, limits[i]);
                for (size_t j = 0; j < ELEMENTSOF(deltas); j++)
                        for (size_t m = 0; m < ELEMENTSOF(magnitudes); m++) {
                                double phi = limits[i] + deltas[j], r[3];
                                bool answered;

                                vec(20, phi, magnitudes[m], r);
                                answered = check_lateral_side(r, &l);
                                if (fabs(deltas[j]) >= 1e-6 && fabs(limits[i]) <= 80 &&
                                    fabs(phi) <= 80)
                                        assert_true(answered);
                        }
        }
}

/* A component: mostly ordinary, sometimes zero, tiny, huge or not finite. */
static double component(void)
{
        double u = uniform(), x = (uniform() - 0.5) * 20;

        if (u < 0.02)
                return 0;
        if (u < 0.03)
                return -0.0;
        if (u < 0.04)
                return x * 1e-160;
        if (u < 0.05)
                return x * 1e160;
        if (u < 0.055)
                return NAN;
        if (u < 0.06)
                return u < 0.0575 ? INFINITY : -INFINITY;
        if (u < 0.1)
                return x * 1e-9;
        return x;
}

static void test_random(void **state)
{
        for (int i = 0; i < 300000; i++) {
                double r[3] = { component(), component(), component() };
                AngleLimit sine, cosine;

                angle_limit_sine(&sine, (uniform() - 0.5) * 200);
                angle_limit_cosine(&cosine, uniform() * 200 - 10);
                (void) check_flexion(r, &sine);
                (void) check_lateral_abs(r, &cosine);
                (void) check_lateral_side(r, &sine);
                /* And limits at the vector's own angles, to the ulp. */
                if (isfinite(vector_flexion(r))) {
                        angle_limit_sine(&sine, vector_flexion(r));
                        (void) check_flexion(r, &sine);
                        angle_limit_sine(&sine, nextafter(vector_flexion(r), INFINITY));
                        (void) check_flexion(r, &sine);
                        angle_limit_cosine(&cosine, fabs(vector_lateral(r)));
                        (void) check_lateral_abs(r, &cosine);
                        angle_limit_sine(&sine, vector_lateral(r));
                        (void) check_lateral_side(r, &sine);
                }
        }
}

static void test_resolve(void **state)
{
        for (int i = 0; i < 10000; i++) {
                double r[3] = { component(), component(), component() }, f, l;
                PostureSample s;

                estimator_angles(r, NULL, &f, &l);
                pending(&s, r);
                posture_sample_resolve_angles(&s);
                assert_false(s.angles_pending);
                assert_true(same(s.flexion_deg, f));
                assert_true(same(s.lateral_deg, l));
                posture_sample_resolve_angles(&s); /* given: kept */
                assert_true(same(s.flexion_deg, f));
        }
}

/* The class of DESIGN.md's rules, from the angles worked out. */
static PostureClass expected_class(const EstimatorParams *p, const PostureSample *s)
{
        if (!isfinite(s->flexion_deg) || !isfinite(s->lateral_deg))
                return POSTURE_UNKNOWN;
        if (estimator_angles_are_lying(p, s->flexion_deg, s->lateral_deg))
                return POSTURE_LYING;
        if (s->flexion_deg < p->reclined_deg)
                return POSTURE_RECLINED;
        if (s->flexion_deg > p->extreme_deg)
                return POSTURE_EXTREME_FLEXION;
        if (s->flexion_deg >= p->flexion_deg)
                return POSTURE_FLEXED;
        if (fabs(s->lateral_deg) > p->lateral_deg)
                return POSTURE_LATERAL;
        if (s->flexion_deg >= p->slouch_deg)
                return POSTURE_SLOUCHED;
        return POSTURE_UPRIGHT;
}

static void test_classify(void **state)
{
        static const double flexions[] = { -20, 15, 20, 60, 0, 40, -60, 80 };
        static const double laterals[] = { -10, 10, 0, 60, -70 };
        const double neutrals[][3] = { { 0, 9.81, 0 }, { 1.2, 9.6, -2.5 } };
        EstimatorParams p;

        estimator_params_default(&p);
        p.not_worn_s = 0;
        p.posture_smooth_s = 0; /* the gravity as filtered: angles where put */
        rng_state = 42;
        for (size_t k = 0; k < ELEMENTSOF(neutrals); k++) {
                Estimator *e;
                int64_t t = 0;

                assert_int_equal(estimator_new(&e, &p, 50), 0);
                assert_int_equal(estimator_set_neutral(e, neutrals[k]), 0);
                for (int i = 0; i < 60000; i++) {
                        double r[3], theta = near_limit(flexions, ELEMENTSOF(flexions), 2);
                        double phi = near_limit(laterals, ELEMENTSOF(laterals), 2);
                        Frame f = { .t_ns = t };
                        PostureSample s;

                        vec(theta, phi, 9.81, r);
                        for (size_t j = 0; j < 3; j++)
                                f.v[j] = (float) (r[j] + neutrals[k][j] - (j == 1 ? 9.81 : 0));
                        t += 20000000;
                        estimator_feed(e, &f, &f, &s);
                        assert_false(s.angles_pending);
                        if (s.posture != POSTURE_MOVING)
                                assert_int_equal(s.posture, expected_class(&p, &s));
                        assert_int_equal(s.lying, estimator_angles_are_lying(&p, s.flexion_deg,
                                                                             s.lateral_deg));
                }
                estimator_free(e);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_flexion_grid),      cmocka_unit_test(test_lateral_grid),
                cmocka_unit_test(test_lateral_side_grid), cmocka_unit_test(test_random),
                cmocka_unit_test(test_resolve),           cmocka_unit_test(test_classify),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
