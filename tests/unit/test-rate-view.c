/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trunk rate's put-off atan2() (rate-view.h) against the exact rate:
 * the bound lies above the rate, and every comparison at and around the
 * rate, the bound and the detectors' limits answers as the exact rate's
 * does (grid and random); resolving works the exact rate out.
 */
#include "test-util.h"

#include <float.h>
#include <stdbool.h>
#include <string.h>

#include "core/estimator/estimator.h"
#include "core/estimator/rate-view.h"

static unsigned long long rng_state = 0x6a09e667f3bcc909ULL;

static double uniform(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return (double) (rng_state >> 11) / 9007199254740992.0;
}

/* Block rates: 50 Hz blocks of 100 Hz and 1 kHz sensors, odd ones, a slow sensor. */
static const double per_s[] = { 50, 50.0 / 3, 33.333333333333336, 52.5, 12.5, 1, 4000 };
/* The detectors' limits and around them. */
static const double levels[] = { 60, 120, 0.5, 1, 5000, 1e-300, 0, DBL_MIN, 179.99 };

static bool same_bits(double a, double b)
{
        return memcmp(&a, &b, sizeof(a)) == 0;
}

/* The rate as the estimator worked it out before it was put off. */
static double exact(double y, double x, double b)
{
        return atan2(y, x) * (180.0 / M_PI) * b;
}

/* rate_view_gt() at @level against the exact rate @r. */
static void check_level(double hi, const RatePending *p, double r, double level)
{
        assert_int_equal(rate_view_gt(hi, p, level), r > level);
}

/* Everything about the pending rate of @y, @x at @b. */
static void check(double y, double x, double b)
{
        RatePending p = { .y = y, .x = x, .per_s = b };
        double r = exact(y, x, b), hi = rate_pending_bound(y, x, b);
        double around[] = { r,
                            nextafter(r, -INFINITY),
                            nextafter(r, INFINITY),
                            hi,
                            nextafter(hi, -INFINITY),
                            nextafter(hi, INFINITY),
                            r * (1 + 0x1p-45),
                            r * (1 - 0x1p-45),
                            0.5 * (r + hi) };
        PostureSample s = { .rate_dps = hi, .rate_pending = p };

        assert_true(rate_is_pending(&p));
        /* The same operations on the same values. */
        assert_memory_equal(&(double){ rate_pending_value(&p) }, &r, sizeof(r));
        assert_memory_equal(&(double){ rate_view_value(hi, &p) }, &r, sizeof(r));
        assert_true(rate_view_finite(hi, &p));
        /* The bound lies strictly above the rate. */
        assert_true(r < hi);
        for (size_t i = 0; i < ELEMENTSOF(around); i++)
                check_level(hi, &p, r, around[i]);
        for (size_t i = 0; i < ELEMENTSOF(levels); i++)
                for (int k = -3; k <= 3; k++)
                        check_level(hi, &p, r, levels[i] + k * 1e-9 * levels[i]);
        posture_sample_resolve_angles(&s);
        assert_false(rate_is_pending(&s.rate_pending));
        assert_memory_equal(&s.rate_dps, &r, sizeof(r));
}

/* Two directions @deg apart (unit vectors, as the trunk's are), at @b. */
static void check_angle(double deg, double b)
{
        double a = deg * M_PI / 180, scale = 1 + (uniform() - 0.5) * 0x1p-40;

        check(fabs(sin(a)) * scale, cos(a) * scale, b);
}

/* Rates from still (a thousandth of a degree a second) to a turn a block,
 * on a grid about the detectors' limits. */
static void test_grid(void **state)
{
        static const double rates[] = { 0,           1e-9, 1e-6,        1e-3,  0.1,        1,
                                        10,          59,   59.999999,   60,    60.0000001, 61,
                                        119.9999999, 120,  120.0000001, 121,   500,        1000,
                                        4000,        8999, 9000,        9000.1 };

        for (size_t i = 0; i < ELEMENTSOF(per_s); i++)
                for (size_t j = 0; j < ELEMENTSOF(rates); j++)
                        for (int k = 0; k < 20; k++)
                                check_angle(rates[j] / per_s[i] * (1 + k * 1e-12), per_s[i]);
        (void) state;
}

/* Odd values: y = 0, x <= 0 (no bound), tiny and subnormal y, huge y / x. */
static void test_odd(void **state)
{
        static const double ys[] = {
                0, 5e-324, 1e-310, DBL_MIN, 1e-200, 1e-20, 1e-8, 0.5, 1, 1e300
        };
        static const double xs[] = { 1, 0.999, 0.5, 1e-300, 5e-324, 0, -0.0, -0.5, -1, 1e300 };

        for (size_t i = 0; i < ELEMENTSOF(ys); i++)
                for (size_t j = 0; j < ELEMENTSOF(xs); j++)
                        for (size_t k = 0; k < ELEMENTSOF(per_s); k++)
                                check(ys[i], xs[j], per_s[k]);
        /* No bound without x > 0: the exact rate decides. */
        assert_true(isinf(rate_pending_bound(0.1, 0, 50)));
        assert_true(isinf(rate_pending_bound(0.1, -1, 50)));
        (void) state;
}

/* Random directions, mostly the small angles of a still or slow trunk. */
static void test_random(void **state)
{
        for (int i = 0; i < 300000; i++) {
                double u = uniform(), deg;

                if (u < 0.6)
                        deg = uniform() * 1e-3 * pow(10, -10 * uniform());
                else if (u < 0.9)
                        deg = uniform() * 3;
                else
                        deg = uniform() * 180;
                check_angle(deg, per_s[i % ELEMENTSOF(per_s)]);
        }
        (void) state;
}

/* Not pending: rate_dps is the rate, NaN included. */
static void test_given(void **state)
{
        RatePending p = { 0 };
        static const double rates[] = { 0, 1, 60, 120, 1e9, NAN, INFINITY };

        assert_false(rate_is_pending(&p));
        for (size_t i = 0; i < ELEMENTSOF(rates); i++) {
                assert_true(same_bits(rate_view_value(rates[i], &p), rates[i]));
                assert_int_equal(rate_view_finite(rates[i], &p), isfinite(rates[i]));
                for (size_t j = 0; j < ELEMENTSOF(levels); j++)
                        assert_int_equal(rate_view_gt(rates[i], &p, levels[j]),
                                         rates[i] > levels[j]);
        }
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_grid),
                cmocka_unit_test(test_odd),
                cmocka_unit_test(test_random),
                cmocka_unit_test(test_given),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
