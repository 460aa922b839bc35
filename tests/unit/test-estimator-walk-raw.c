/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The walking window's directions made unit length late
 * (motion_walk_feed_raw(), walk_u_settle()): the same verdicts, the same
 * sure-look sums and, once settled, the same ring to the bit as a window
 * fed the unit vectors at once (motion_walk_feed() of motion_walk_unit()),
 * through walks, still spells long enough for every entry to wait, zero,
 * tiny and huge vectors, and resets. And a block's mean by its inverse
 * length (motion_walk_block_mean()), the same as the division.
 */
#include <float.h>
#include <string.h>

#include "test-util.h"
#include "core/estimator/estimator.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"

/* @unit fed unit vectors; @raw and @settled the vectors themselves,
 * @settled settled by the test now and then as well. */
typedef struct Trio {
        Motion *unit, *raw, *settled;
        uint64_t seed;
        size_t n_fed, n_settle_checks, n_sure_blocks, n_walking;
} Trio;

static double uniform(Trio *p)
{
        p->seed = p->seed * 6364136223846793005u + 1442695040888963407u;
        return (double) (p->seed >> 11) * 0x1p-53;
}

static void trio_feed(Trio *p, double v, const double s[3])
{
        double u[3];

        motion_walk_unit(u, s);
        motion_walk_feed(p->unit, v, u);
        motion_walk_feed_raw(p->raw, v, s);
        motion_walk_feed_raw(p->settled, v, s);
        p->n_fed++;
        assert_int_equal(p->unit->u_raw, 0);
        assert_int_equal(p->unit->walking, p->raw->walking);
        assert_int_equal(p->unit->walking, p->settled->walking);
        assert_int_equal(p->unit->n_sure, p->raw->n_sure);
        assert_int_equal(p->unit->sure_valid, p->raw->sure_valid);
        p->n_walking += p->unit->walking;
        if (p->unit->sure_valid) {
                p->n_sure_blocks++;
                assert_memory_equal(p->unit->sure_su, p->raw->sure_su, sizeof(p->unit->sure_su));
                assert_memory_equal(&p->unit->sure_dmin, &p->raw->sure_dmin, sizeof(double));
                assert_memory_equal(p->unit->sp, p->raw->sp,
                                    (p->unit->max_lag + 3) * sizeof(int64_t));
        }
        /* Now and then (and always right after a long still spell's
         * entries all wait), the ring itself. */
        if (uniform(p) < 0.02 || p->settled->u_raw == p->settled->n_blocks) {
                walk_u_settle(p->settled);
                assert_int_equal(p->settled->u_raw, 0);
                assert_memory_equal(p->unit->u, p->settled->u,
                                    p->unit->n_blocks * sizeof(p->unit->u[0]));
                p->n_settle_checks++;
        }
}

/* A direction of length @len, @deg degrees off y in the y-z plane, with a
 * little of x. */
static void direction(Trio *p, double len, double deg, double s[3])
{
        double th = deg * M_PI / 180;

        s[0] = len * 0.01 * (uniform(p) - 0.5);
        s[1] = len * cos(th);
        s[2] = len * sin(th);
}

static void walk(Trio *p, double seconds, double a, double sway_deg)
{
        double rate = p->unit->block_rate_hz;

        for (double t = 0; t < seconds; t += 1 / rate) {
                double ph = 2 * M_PI * 1.8 * t, s[3];

                /* The forward vector is about g long; the block's sum of
                 * unit vectors about the block's length: both kinds. */
                direction(p, uniform(p) < 0.5 ? STANDARD_GRAVITY : 2, sway_deg * sin(ph / 2), s);
                trio_feed(p, STANDARD_GRAVITY + a * sin(ph) + 0.1 * (uniform(p) - 0.5), s);
        }
}

static void still(Trio *p, double seconds)
{
        double rate = p->unit->block_rate_hz, s[3];

        for (double t = 0; t < seconds; t += 1 / rate) {
                double r = uniform(p);

                if (r < 0.02)
                        s[0] = s[1] = s[2] = 0; /* no direction: 0 */
                else if (r < 0.04) {
                        /* Its squares under the smallest number: 0 too. */
                        s[0] = 0;
                        s[1] = 0x1p-1070;
                        s[2] = -0x1p-1073;
                } else if (r < 0.06)
                        direction(p, 0x1p500, 3, s); /* its square overflows */
                else
                        direction(p, 0.5 + 20 * uniform(p), 2 * uniform(p), s);
                trio_feed(p, STANDARD_GRAVITY + 0.01 * (uniform(p) - 0.5), s);
        }
}

static void test_raw_same(void **state)
{
        EstimatorParams ep;
        Trio p = { .seed = 0x2545f4914f6cdd1du };

        estimator_params_default(&ep);
        assert_int_equal(motion_new(&p.unit, &ep, 100), 0);
        assert_int_equal(motion_new(&p.raw, &ep, 100), 0);
        assert_int_equal(motion_new(&p.settled, &ep, 100), 0);
        for (int round = 0; round < 3; round++) {
                /* A still spell longer than the window and its n / 2
                 * windows of the sure look's sums kept. */
                still(&p, 2.5 * ep.walk_window_s);
                walk(&p, 2 * ep.walk_window_s, 1.5, 4);
                still(&p, 0.3 * ep.walk_window_s);
                walk(&p, 1.5 * ep.walk_window_s, 1.5, 2 * ep.walk_max_sway_deg);
                walk(&p, 1.5 * ep.walk_window_s, 1.5, ep.walk_max_sway_deg / 2);
                still(&p, 0.6 * ep.walk_window_s);
                if (round == 1) {
                        motion_reset(p.unit);
                        motion_reset(p.raw);
                        motion_reset(p.settled);
                }
        }
        /* The paths it means to cover were taken. */
        assert_true(p.n_walking > 100);
        assert_true(p.n_sure_blocks > 100);
        assert_true(p.n_settle_checks > 20);
        motion_free(p.unit);
        motion_free(p.raw);
        motion_free(p.settled);
        (void) state;
}

/* motion_walk_block_mean() against the division, for blocks of 1 to 9
 * samples (powers of two and not) and sums on a grid of binades, with the
 * edges: subnormal, the largest, infinite, NaN, signed zeros. */
static void test_block_mean(void **state)
{
        static const double edge[] = {
                0.0,     -0.0,     0x1p-1074, 0x1p-1022, 0x1.fffffffffffffp-1023,
                DBL_MAX, -DBL_MAX, INFINITY,  -INFINITY, NAN
        };
        Trio p = { .seed = 0x9e3779b97f4a7c15u };
        Motion m = { 0 };
        size_t n = 0;

        for (size_t block = 2; block <= 9; block++) {
                m.block = block;
                /* as motion_new() sets it */
                m.block_inv = (block & (block - 1)) == 0 ? 1.0 / (double) block : 0;
                for (size_t in = 1; in <= block + 1; in++) {
                        m.walk_in_block = in;
                        for (int e = -1074; e <= 1023; e += 7)
                                for (int i = 0; i < 8; i++, n++) {
                                        double x = ldexp(1 + uniform(&p), e) * (i % 2 ? -1 : 1);
                                        double want = x / (double) in, got;

                                        m.block_v = x;
                                        got = motion_walk_block_mean(&m);
                                        assert_memory_equal(&got, &want, sizeof(got));
                                }
                        for (size_t i = 0; i < ELEMENTSOF(edge); i++) {
                                double want = edge[i] / (double) in, got;

                                m.block_v = edge[i];
                                got = motion_walk_block_mean(&m);
                                assert_memory_equal(&got, &want, sizeof(got));
                        }
                }
        }
        assert_true(n > 10000);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_raw_same),
                cmocka_unit_test(test_block_mean),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
