/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rotate_probe_many() (estimator-rotate.c), four samples at a time with AVX,
 * against rotate(), angle_probe() and rotated_clearly_upright() one sample
 * at a time, to the bit, on random, grid and boundary gravities (the probes'
 * range limits, signed zeros, NaN, infinities), every kind of rotation, any
 * validity and batch length; nothing else of a sample may change.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "core/estimator/angle-view.h"
#include "core/estimator/estimator-private.h"

/* A gravity component: ordinary values mostly, and the range limits of
 * angle_probe() (squares about ANGLE_VIEW_MIN_SQ and ANGLE_VIEW_MAX_SQ),
 * zeros, subnormals, NaN and infinities. */
static double any_component(uint64_t *s)
{
        static const double special[] = { 0.0,       -0.0,      1e-140, -1e-140,  7.07e-141,
                                          1.01e-140, 1e140,     -1e140, 7.07e139, 1.01e140,
                                          DBL_MIN,   0x1p-1074, NAN,    INFINITY, -INFINITY,
                                          9.80665,   -9.80665,  1.0,    -1.0,     1e-300 };
        uint64_t r = test_rng_next(s);

        if (r % 5 == 0)
                return special[(r >> 8) % ELEMENTSOF(special)];
        return test_rng_uniform(s, -12.0, 12.0);
}

static void any_gravity(uint64_t *s, double g[3])
{
        uint64_t kind = test_rng_next(s) % 8;

        for (size_t k = 0; k < 3; k++)
                g[k] = kind == 0 ? any_component(s) : test_rng_uniform(s, -12.0, 12.0);
        /* A whole vector about the range limits, with some scatter. */
        if (kind == 1 || kind == 2) {
                double scale = (kind == 1 ? 1e-140 : 1e140) * test_rng_uniform(s, 0.5, 1.5);

                for (size_t k = 0; k < 3; k++)
                        g[k] *= scale / 12.0;
        }
        /* Upright and about the lying limit: the upright test's boundary. */
        if (kind == 3) {
                g[1] = test_rng_uniform(s, -1.0, 12.0);
                g[0] *= 0.3;
        }
}

static void reference(const Rotation *rot, double c2, bool valid, PostureSample *s, bool *upright)
{
        if (valid)
                rotate(s->gravity, rot, s->rotated);
        else
                s->rotated[0] = s->rotated[1] = s->rotated[2] = NAN;
        angle_probe(s->rotated, s->probe);
        *upright = rotated_clearly_upright(c2, s->rotated);
}

static void check_batches(const Rotation *rot, double c2, uint64_t *seed, size_t rounds)
{
        enum { N = 64 };

        for (size_t t = 0; t < rounds; t++) {
                PostureSample a[N], b[N];
                bool valid[N], ua[N], ub[N];
                size_t n = test_rng_next(seed) % (N + 1);
                bool some_invalid = test_rng_next(seed) % 4 == 0;

                memset(a, (int) (test_rng_next(seed) & 0xff), sizeof(a));
                for (size_t i = 0; i < n; i++) {
                        any_gravity(seed, a[i].gravity);
                        valid[i] = !some_invalid || test_rng_next(seed) % 3 != 0;
                }
                memcpy(b, a, sizeof(a));
                for (size_t i = 0; i < n; i++)
                        reference(rot, c2, valid[i], &b[i], &ub[i]);
                for (int avx = 0; avx <= 1; avx++) {
                        PostureSample c[N];

                        memcpy(c, a, sizeof(a));
                        memset(ua, 0x55, sizeof(ua));
                        rotate_probe_many(rot, c2, avx && test_have_avx(), valid, c, n, ua);
                        assert_memory_equal(c, b, sizeof(c));
                        for (size_t i = 0; i < n; i++)
                                assert_int_equal(ua[i], ub[i]);
                }
        }
}

static void test_rotate_probe_many(void **state)
{
        EstimatorParams p;
        double c2;
        uint64_t seed = 0x243f6a8885a308d3u;
        Rotation rot;

        estimator_params_default(&p);
        c2 = lying_upright_cos2(&p);

        /* Neutrals of every kind: none, straight down, without a
         * direction, and random ones (Rodrigues). */
        rotation_prepare(&rot, NULL);
        check_batches(&rot, c2, &seed, 500);
        rotation_prepare(&rot, (const double[3]){ 0, -9.8, 0 });
        check_batches(&rot, c2, &seed, 500);
        rotation_prepare(&rot, (const double[3]){ 0, 0, 0 });
        check_batches(&rot, c2, &seed, 500);
        for (size_t t = 0; t < 300; t++) {
                double neutral[3];

                for (size_t k = 0; k < 3; k++)
                        neutral[k] = test_rng_uniform(&seed, -10.0, 10.0);
                if (t % 3 == 0)
                        neutral[1] = test_rng_uniform(&seed, 5.0, 10.0);
                rotation_prepare(&rot, neutral);
                check_batches(&rot, c2, &seed, 40);
        }
        (void) state;
}

/* A grid of gravities about upright and about the lying limit, for a
 * slightly tilted neutral: the upright test and the probes at their
 * boundaries, four lanes at a time. */
static void test_rotate_probe_grid(void **state)
{
        enum { N = 64 };
        EstimatorParams p;
        double c2;
        Rotation rot;
        PostureSample a[N], b[N];
        bool valid[N], ua[N], ub[N];
        size_t n = 0;

        estimator_params_default(&p);
        c2 = lying_upright_cos2(&p);
        rotation_prepare(&rot, (const double[3]){ 0.3, 9.7, -0.4 });
        memset(a, 0, sizeof(a));
        for (int i = -40; i <= 40; i++)
                for (int j = -8; j <= 8; j++) {
                        double ang = i * (M_PI / 80.0), side = j * (M_PI / 64.0);

                        a[n].gravity[0] = 9.8 * sin(side);
                        a[n].gravity[1] = 9.8 * cos(ang) * cos(side);
                        a[n].gravity[2] = 9.8 * sin(ang) * cos(side);
                        valid[n] = true;
                        if (++n < N)
                                continue;
                        memcpy(b, a, sizeof(a));
                        for (size_t k = 0; k < n; k++)
                                reference(&rot, c2, true, &b[k], &ub[k]);
                        rotate_probe_many(&rot, c2, test_have_avx(), valid, a, n, ua);
                        assert_memory_equal(a, b, sizeof(a));
                        for (size_t k = 0; k < n; k++)
                                assert_int_equal(ua[k], ub[k]);
                        n = 0;
                }
        (void) state;
}

/* Four copies of @g each side of the upright test's two boundaries, lane
 * by lane, against the reference. */
static void check_four(const Rotation *rot, double c2, const double g[4][3])
{
        PostureSample a[4], b[4];
        bool valid[4] = { true, true, true, true }, ua[4], ub[4];

        memset(a, 0, sizeof(a));
        for (size_t i = 0; i < 4; i++)
                memcpy(a[i].gravity, g[i], sizeof(a[i].gravity));
        memcpy(b, a, sizeof(a));
        for (size_t i = 0; i < 4; i++)
                reference(rot, c2, true, &b[i], &ub[i]);
        rotate_probe_many(rot, c2, test_have_avx(), valid, a, 4, ua);
        assert_memory_equal(a, b, sizeof(a));
        for (size_t i = 0; i < 4; i++)
                assert_int_equal(ua[i], ub[i]);
}

static void test_rotate_probe_bounds(void **state)
{
        Rotation level, tilted;
        uint64_t seed = 0x13198a2e03707344u;
        size_t exact = 0;

        /* Neutral straight up: a Rodrigues rotation by v = 0, r = g. y² about
         * DBL_MIN with x and z in range (c2 = 0: that test alone decides). */
        rotation_prepare(&level, (const double[3]){ 0, 9.8, 0 });
        assert_int_equal(level.kind, ROTATION_RODRIGUES);
        {
                double y = sqrt(DBL_MIN);
                const double g[4][3] = { { 1e-139, y, 1e-139 },
                                         { 1e-139, nextafter(y, 0), 1e-139 },
                                         { 1e-139, y * 1.5, -1e-139 },
                                         { -1e-139, y / 4, 1e-139 } };

                check_four(&level, 0.0, g);
        }
        /* y² = c2 · |r|² exactly, and its neighbours: the strict comparison. */
        for (size_t t = 0; t < 20000; t++) {
                double n[3] = { test_rng_uniform(&seed, -3, 3), test_rng_uniform(&seed, 5, 10),
                                test_rng_uniform(&seed, -3, 3) };
                double g[4][3];
                PostureSample s;
                bool up;
                double y2, rr, c2;

                rotation_prepare(&tilted, n);
                for (size_t k = 0; k < 3; k++)
                        s.gravity[k] = test_rng_uniform(&seed, -10, 10);
                reference(&tilted, 0, true, &s, &up);
                y2 = s.rotated[1] * s.rotated[1];
                rr = s.rotated[0] * s.rotated[0] + y2 + s.rotated[2] * s.rotated[2];
                if (!(s.rotated[1] > 0))
                        continue;
                c2 = y2 / rr;
                if (c2 * rr != y2)
                        continue;
                exact++;
                for (size_t i = 0; i < 4; i++)
                        memcpy(g[i], s.gravity, sizeof(g[i]));
                check_four(&tilted, c2, g);
                check_four(&tilted, nextafter(c2, 0), g);
                check_four(&tilted, nextafter(c2, 1), g);
        }
        assert_true(exact > 100);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rotate_probe_many),
                cmocka_unit_test(test_rotate_probe_grid),
                cmocka_unit_test(test_rotate_probe_bounds),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
