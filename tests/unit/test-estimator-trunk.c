/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trunk's direction and rate worked out for a whole batch at once
 * (motion_trunk_prepare(), with AVX2 and without) against the arithmetic of one
 * block at a time, written out here over the smoothed vectors the backward
 * passes gave (test-estimator-fast checks those): the same to the bit, for
 * every kind of block (a norm under MIN_NORM, far from g, a turn past 90°,
 * NaN-free but random), across gaps, batches of every size, and jobs left
 * out (so that the prepared values do not apply to the next one).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "core/estimator/estimator.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "core/estimator/rate-view.h"

static uint64_t next(uint64_t *s)
{
        *s = *s * 6364136223846793005u + 1442695040888963407u;
        return *s >> 11;
}

static double uniform(uint64_t *s)
{
        return (double) (next(s) >> 21) * 0x1p-32;
}

/* The trunk as one block at a time works it out (the code before
 * motion_trunk_prepare(), written out). */
typedef struct Ref {
        bool have_trunk, force_ok;
        double trunk[3], rate_dps;
        RatePending rate;
} Ref;

static void ref_finish(Ref *r, const double b_in[3], double block_rate_hz)
{
        double b[3] = { b_in[0], b_in[1], b_in[2] }, n, c[3];
        bool ok;

        n = norm3(b);
        if (!(n >= MIN_NORM) || !isfinite(n)) {
                r->have_trunk = false;
                return;
        }
        for (size_t j = 0; j < 3; j++)
                b[j] /= n;
        ok = fabs(n - STANDARD_GRAVITY) <= 0.25 * STANDARD_GRAVITY;
        r->rate.per_s = 0;
        if (r->have_trunk && !(ok && r->force_ok))
                r->rate_dps = NAN;
        else if (r->have_trunk) {
                c[0] = r->trunk[1] * b[2] - r->trunk[2] * b[1];
                c[1] = r->trunk[2] * b[0] - r->trunk[0] * b[2];
                c[2] = r->trunk[0] * b[1] - r->trunk[1] * b[0];
                r->rate.y = norm3(c);
                r->rate.x = dot3(r->trunk, b);
                r->rate.per_s = block_rate_hz;
                r->rate_dps = r->rate.x > 0 ? r->rate.y / r->rate.x * (180.0 / M_PI) *
                                                              block_rate_hz * (1 + 0x1p-40) +
                                                      DBL_MIN
                                            : INFINITY;
        } else
                r->rate_dps = 0;
        memcpy(r->trunk, b, sizeof(r->trunk));
        r->have_trunk = true;
        r->force_ok = ok;
}

static void ref_next(Ref *r, double *rate_dps, RatePending *rate, double trunk[3])
{
        *rate_dps = r->have_trunk ? r->rate_dps : NAN;
        *rate = r->rate;
        if (!r->have_trunk)
                rate->per_s = 0;
        for (size_t k = 0; k < 3; k++)
                trunk[k] = r->have_trunk ? r->trunk[k] : NAN;
}

/* A raw sample of segment kind @kind: still near g, turning, in free fall
 * (the smoothed norm under MIN_NORM), pushed to 2 g, or wild (random
 * directions: turns past 90° between blocks, x <= 0). */
static void raw_sample(uint64_t *s, unsigned kind, double phase, double raw[3])
{
        switch (kind) {
        case 0:
                raw[0] = 0.3 + 0.05 * (uniform(s) - 0.5);
                raw[1] = 9.7 + 0.05 * (uniform(s) - 0.5);
                raw[2] = -0.8 + 0.05 * (uniform(s) - 0.5);
                break;
        case 1:
                raw[0] = 9.8 * sin(phase);
                raw[1] = 9.8 * cos(phase);
                raw[2] = 0.5 * (uniform(s) - 0.5);
                break;
        case 2:
                for (size_t k = 0; k < 3; k++)
                        raw[k] = 0.4 * (uniform(s) - 0.5);
                break;
        case 3:
                raw[0] = 0.3;
                raw[1] = 19.6 + uniform(s);
                raw[2] = -0.8;
                break;
        default:
                for (size_t k = 0; k < 3; k++)
                        raw[k] = 60.0 * (uniform(s) - 0.5);
                break;
        }
}

static void check_same(double rate_dps, const RatePending *rate, const double trunk[3],
                       const Ref *ref)
{
        double e_dps, e_trunk[3];
        RatePending e_rate;

        ref_next((Ref *) ref, &e_dps, &e_rate, e_trunk);
        assert_memory_equal(&rate_dps, &e_dps, sizeof(e_dps));
        assert_memory_equal(&rate->y, &e_rate.y, sizeof(e_rate.y));
        assert_memory_equal(&rate->x, &e_rate.x, sizeof(e_rate.x));
        assert_memory_equal(&rate->per_s, &e_rate.per_s, sizeof(e_rate.per_s));
        assert_memory_equal(trunk, e_trunk, sizeof(e_trunk));
}

/* Every job of every batch, in order (@skip 0) or with jobs left out now
 * and then (@skip 1): motion_trunk_next() against ref_finish(). */
static void run_trunk(bool avx2, bool skip_some, size_t *n_rates, size_t *n_kinds)
{
        EstimatorParams p;
        Motion *m = NULL;
        uint64_t seed = avx2 ? 0x853c49e6748fea9bu : 0xda3e39cb94b95bdbu;
        int64_t t_ns = 0;
        double phase = 0;
        unsigned kind = 0;
        Ref ref = { 0 };

        estimator_params_default(&p);
        assert_int_equal(motion_new(&m, &p, 100), 0);
        if (avx2 && !m->avx2) {
                motion_free(m);
                return;
        }
        m->avx2 = avx2;
        for (size_t batch = 0; batch < 6000; batch++) {
                size_t size = (size_t) (next(&seed) % MOTION_BATCH) + 1;
                int job[MOTION_BATCH];
                bool gap[MOTION_BATCH];

                for (size_t i = 0; i < size; i++) {
                        double raw[3], up[3] = { 0.3, 9.7, -0.8 };
                        MotionResult r;

                        if (next(&seed) % 300 == 0)
                                kind = (unsigned) (next(&seed) % 5);
                        gap[i] = next(&seed) % 2000 == 0;
                        if (gap[i])
                                motion_reset(m);
                        phase += 0.02 + 0.05 * uniform(&seed);
                        raw_sample(&seed, kind, phase, raw);
                        t_ns += 10 * NSEC_PER_MSEC;
                        job[i] = motion_feed(m, t_ns, raw, up, up, &r);
                }
                motion_trunk_run(m);
                /* A second run with no job changes nothing. */
                if (next(&seed) % 7 == 0)
                        motion_trunk_run(m);
                for (size_t i = 0; i < size; i++) {
                        double rate_dps, trunk[3];
                        RatePending rate;

                        if (gap[i]) {
                                motion_trunk_reset(m);
                                ref.have_trunk = false;
                                ref.rate_dps = 0;
                                ref.rate.per_s = 0;
                        }
                        /* A job left out: the next one's prepared values
                         * were worked out against a direction the trunk
                         * never took. */
                        if (skip_some && job[i] >= 0 && next(&seed) % 5 == 0)
                                continue;
                        if (job[i] >= 0) {
                                const double b[3] = { m->job_b[0][job[i]], m->job_b[1][job[i]],
                                                      m->job_b[2][job[i]] };

                                ref_finish(&ref, b, m->block_rate_hz);
                                *n_rates += ref.have_trunk && ref.rate.per_s > 0;
                                n_kinds[0] += !ref.have_trunk;
                                n_kinds[1] += ref.have_trunk && isnan(ref.rate_dps);
                                n_kinds[2] +=
                                        ref.have_trunk && ref.rate.per_s > 0 && !(ref.rate.x > 0);
                        }
                        motion_trunk_next(m, job[i], &rate_dps, &rate, trunk);
                        check_same(rate_dps, &rate, trunk, &ref);
                }
        }
        motion_free(m);
}

/* A direction @angle away from @a (unit), about a random axis; now and then
 * an axis or its opposite with zeros of either sign, so that x = a · u is
 * exactly 0, -0 or -1. */
static void turn(uint64_t *s, const double a[3], double angle, double u[3])
{
        double w[3], p[3], n;

        if (next(s) % 8 == 0) {
                for (size_t k = 0; k < 3; k++)
                        u[k] = next(s) % 2 ? 0.0 : -0.0;
                u[next(s) % 3] = next(s) % 2 ? 1.0 : -1.0;
                return;
        }
        for (size_t k = 0; k < 3; k++)
                w[k] = uniform(s) - 0.5;
        /* p: w without its part along a, unit length. */
        n = dot3(w, a);
        for (size_t k = 0; k < 3; k++)
                p[k] = w[k] - n * a[k];
        n = norm3(p);
        if (!(n > 0))
                p[0] = 1, p[1] = p[2] = 0, n = 1;
        for (size_t k = 0; k < 3; k++)
                u[k] = a[k] * cos(angle) + p[k] / n * sin(angle);
}

/* A norm at and around each limit trunk_finish() compares with (MIN_NORM,
 * 0.75 g and 1.25 g, overflow of the squares), zero, NaN, infinity, g and
 * random ones. */
static double any_norm(uint64_t *s)
{
        static const double special[] = { 0.0,
                                          1e-300,
                                          MIN_NORM,
                                          0.75 * STANDARD_GRAVITY,
                                          1.25 * STANDARD_GRAVITY,
                                          1e160,
                                          DBL_MAX,
                                          INFINITY,
                                          NAN };
        uint64_t r = next(s);
        double v;

        if (r % 3 != 0)
                return STANDARD_GRAVITY * (1 + 0.1 * (uniform(s) - 0.5));
        v = special[(r >> 8) % ELEMENTSOF(special)];
        switch ((r >> 16) % 3) {
        case 0:
                return v;
        case 1:
                return nextafter(v, 0);
        default:
                return nextafter(v, INFINITY);
        }
}

/* motion_trunk_prepare() on vectors made at and around its limits: the
 * angle to the direction before near 0, 90° (x = 0 exactly, too) and 180°,
 * norms from any_norm(); the jobs taken in order, after resets, or some
 * left out; with AVX2 and without. */
static void test_trunk_limits(void **state)
{
        static const double angles[] = {
                0,        1e-300,          1e-12,       1e-6, M_PI / 2 - 1e-9,
                M_PI / 2, M_PI / 2 + 1e-9, M_PI - 1e-9, M_PI
        };
        EstimatorParams p;
        uint64_t seed = 0x6a09e667f3bcc909u;

        estimator_params_default(&p);
        for (unsigned v = 0; v < 2; v++) {
                Motion *m = NULL;
                Ref ref = { 0 };
                double dir[3] = { 0, 1, 0 };
                size_t n_rates = 0, n_right = 0, n_wide = 0;

                assert_int_equal(motion_new(&m, &p, 100), 0);
                if (v == 1 && !m->avx2) {
                        motion_free(m);
                        skip();
                        return;
                }
                m->avx2 = v == 1;
                for (size_t round = 0; round < 20000; round++) {
                        size_t n = (size_t) (next(&seed) % MOTION_BATCH) + 1;

                        for (size_t j = 0; j < n; j++) {
                                uint64_t r = next(&seed);
                                double angle = r % 2 ? angles[(r >> 8) % ELEMENTSOF(angles)]
                                                     : M_PI * uniform(&seed);
                                double norm = any_norm(&seed), u[3];

                                turn(&seed, dir, angle, u);
                                memcpy(dir, u, sizeof(dir));
                                for (size_t k = 0; k < 3; k++)
                                        m->job_b[k][j] = norm * u[k];
                        }
                        m->n_jobs = n;
                        motion_trunk_prepare(m);
                        m->n_jobs = 0;
                        for (size_t j = 0; j < n; j++) {
                                double rate_dps, trunk[3];
                                RatePending rate;
                                uint64_t r = next(&seed);

                                if (r % 50 == 0) {
                                        motion_trunk_reset(m);
                                        ref.have_trunk = false;
                                        ref.rate_dps = 0;
                                        ref.rate.per_s = 0;
                                }
                                if ((r >> 8) % 40 == 0)
                                        continue;
                                {
                                        const double b[3] = { m->job_b[0][j], m->job_b[1][j],
                                                              m->job_b[2][j] };

                                        ref_finish(&ref, b, m->block_rate_hz);
                                }
                                if (ref.have_trunk && ref.rate.per_s > 0) {
                                        n_rates++;
                                        n_right += ref.rate.x == 0;
                                        n_wide += ref.rate.x < 0;
                                }
                                motion_trunk_next(m, (int) j, &rate_dps, &rate, trunk);
                                check_same(rate_dps, &rate, trunk, &ref);
                        }
                }
                /* Turns of exactly 90° and past it were among the rates. */
                assert_true(n_rates > 10000);
                assert_true(n_right > 100);
                assert_true(n_wide > 1000);
                motion_free(m);
        }
}

static void test_trunk_prepared(void **state)
{
        for (unsigned v = 0; v < 4; v++) {
                size_t n_rates = 0, n_kinds[3] = { 0 };

                run_trunk(v & 1, v & 2, &n_rates, n_kinds);
                if ((v & 1) && n_rates == 0)
                        continue; /* no AVX2 */
                /* Every kind of block came: rates, bad norms, far from g
                 * (turns past 90°: test_trunk_limits()). */
                assert_true(n_rates > 10000);
                assert_true(n_kinds[0] > 100);
                assert_true(n_kinds[1] > 100);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_trunk_prepared),
                cmocka_unit_test(test_trunk_limits),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
