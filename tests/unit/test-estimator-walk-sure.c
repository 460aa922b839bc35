/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sure look at the walking window (estimator-walk-sure.c): each verdict
 * the same as the full evaluation's, for windows built just below, at and
 * just above each of its boundaries (amplitude, quarters, sway, step
 * frequency, peak height, the stride), with and without AVX2; and its
 * bounds of the autocorrelation around the full evaluation's values.
 */
#include <string.h>

#include "test-util.h"
#include "core/estimator/estimator.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"

/* Three states fed the same blocks: the sure look with and without AVX2,
 * and the full evaluation alone. */
typedef struct Pair3 {
        Motion *sure, *plain, *full;
        size_t n_blocks, n_eval, n_sure_true, n_sure_false, n_full;
        uint64_t seed;
        double t; /* blocks fed */
} Pair3;

static void pair_init(Pair3 *p, const EstimatorParams *ep)
{
        memset(p, 0, sizeof(*p));
        assert_int_equal(motion_new(&p->sure, ep, 100), 0);
        assert_int_equal(motion_new(&p->plain, ep, 100), 0);
        assert_int_equal(motion_new(&p->full, ep, 100), 0);
        assert_true(p->sure->sure_on);
        p->plain->avx2 = false;
        p->full->sure_on = false;
        p->seed = 0x9e3779b97f4a7c15u;
}

static void pair_done(Pair3 *p)
{
        motion_free(p->sure);
        motion_free(p->plain);
        motion_free(p->full);
}

static double uniform(Pair3 *p)
{
        p->seed = p->seed * 6364136223846793005u + 1442695040888963407u;
        return (double) (p->seed >> 11) * 0x1p-53;
}

static double gauss(Pair3 *p)
{
        double u = uniform(p) + 0x1p-54, v = uniform(p);

        return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* One block into all three; their verdicts must agree. */
static void pair_feed(Pair3 *p, double v, const double u[3])
{
        size_t before = p->sure->n_sure;
        bool eval;

        motion_walk_feed(p->sure, v, u);
        motion_walk_feed(p->plain, v, u);
        motion_walk_feed(p->full, v, u);
        p->t += 1;
        p->n_blocks++;
        if (p->sure->walking != p->full->walking || p->plain->walking != p->full->walking)
                fail_msg("block %zu (v %.17g): sure %d, without AVX2 %d, full %d", p->n_blocks, v,
                         p->sure->walking, p->plain->walking, p->full->walking);
        assert_int_equal(p->sure->n_sure, p->plain->n_sure);
        /* With AVX2 and without, the same bounds to the bit. */
        assert_memory_equal(p->sure->s_lo, p->plain->s_lo, (p->sure->max_lag + 3) * sizeof(double));
        assert_memory_equal(p->sure->s_hi, p->plain->s_hi, (p->sure->max_lag + 3) * sizeof(double));
        assert_memory_equal(p->sure->sp, p->plain->sp, (p->sure->max_lag + 3) * sizeof(int64_t));
        assert_memory_equal(p->sure->sab, p->plain->sab, (p->sure->max_lag + 3) * sizeof(int64_t));
        eval = p->sure->count == p->sure->n_blocks && p->sure->sure_valid;
        if (!eval)
                return;
        p->n_eval++;
        if (p->sure->n_sure > before) {
                if (p->sure->walking)
                        p->n_sure_true++;
                else
                        p->n_sure_false++;
        } else
                p->n_full++;
}

/*
 * A walk: the vertical value g + a (sin + third · sin 3) of the step phase
 * plus noise, the stride's other step scaled by @other, each quarter of
 * @quarter_s seconds scaled by @quarter (1: not), the trunk swaying by
 * @sway_deg about x at half the step rate.
 */
typedef struct Gait {
        double step_hz, a, third, noise, other, sway_deg, quarter, quarter_s;
} Gait;

static void gait(Pair3 *p, Gait g, double seconds)
{
        double rate = p->sure->block_rate_hz;

        for (double end = p->t + seconds * rate; p->t < end;) {
                double t = p->t / rate, ph = 2 * M_PI * g.step_hz * t, s, v, u[3], th;
                double a = g.a;

                if (g.quarter_s > 0 && fmod(t, 4 * g.quarter_s) < g.quarter_s)
                        a *= g.quarter;
                s = sin(ph) + g.third * sin(3 * ph);
                /* every other step (sin > 0 in odd half strides) */
                if (fmod(g.step_hz * t, 2.0) >= 1.0)
                        s *= g.other;
                v = STANDARD_GRAVITY + a * s + g.noise * gauss(p);
                th = g.sway_deg * M_PI / 180 * sin(ph / 2);
                u[0] = 0;
                u[1] = cos(th);
                u[2] = sin(th);
                pair_feed(p, v, u);
        }
}

static void still(Pair3 *p, double seconds)
{
        double rate = p->sure->block_rate_hz, u[3] = { 0, 1, 0 };

        for (double end = p->t + seconds * rate; p->t < end;)
                pair_feed(p, STANDARD_GRAVITY + 0.01 * gauss(p), u);
}

static const Gait WALK = { 1.8, 1.5, 0.3, 0.2, 1.0, 4, 1, 0 };

/* The boundaries, each crossed in small steps, between still spells. */
static void test_sure_boundaries(void **state)
{
        static const double near[] = { 0.9, 0.98, 0.995, 0.999, 1.0, 1.001, 1.005, 1.02, 1.1 };
        size_t sure_true = 0, sure_false = 0, full = 0;
        EstimatorParams ep;
        Pair3 p;

        estimator_params_default(&ep);
        pair_init(&p, &ep);
        for (size_t i = 0; i < ELEMENTSOF(near); i++) {
                double f = near[i];
                Gait g;

                /* Amplitude: sine rms a / √2 against walk_min_rms. */
                g = WALK;
                g.third = 0;
                g.noise = 0.01;
                g.a = ep.walk_min_rms * sqrt(2) * f;
                gait(&p, g, 8);
                still(&p, 5);

                /* One quarter in four at half walk_min_rms. */
                g = WALK;
                g.third = 0;
                g.noise = 0.01;
                g.quarter_s = ep.walk_window_s / WALK_QUARTERS;
                g.quarter = 0.5 * ep.walk_min_rms * sqrt(2) * f / g.a;
                gait(&p, g, 10);
                still(&p, 5);

                /* Sway about walk_max_sway_deg (within the sure look's
                 * reach at half of it, beyond it past that). */
                g = WALK;
                g.sway_deg = ep.walk_max_sway_deg * f;
                gait(&p, g, 8);
                g.sway_deg = ep.walk_max_sway_deg / 2 * f;
                gait(&p, g, 8);
                still(&p, 5);

                /* Step rates at both ends. */
                g = WALK;
                g.step_hz = ep.walk_min_step_hz * f;
                gait(&p, g, 8);
                g.step_hz = ep.walk_max_step_hz * f;
                gait(&p, g, 8);
                still(&p, 5);

                /* Noise that brings the peak near walk_min_corr, and near
                 * its share WALK_KEEP_CORR once walking. */
                g = WALK;
                for (double noise = 1.0; noise <= 2.6; noise += 0.2) {
                        g.noise = noise * f;
                        gait(&p, g, 4);
                }
                still(&p, 5);

                /* A limp: the stride's peak near the step's. */
                g = WALK;
                g.other = 0.3 + 0.4 * f;
                gait(&p, g, 8);
                g.step_hz = 2.3 * f;
                g.other = 0.2;
                gait(&p, g, 8);
                still(&p, 5);
        }
        sure_true += p.n_sure_true;
        sure_false += p.n_sure_false;
        full += p.n_full;
        pair_done(&p);
        /* Every kind of verdict was reached, by either way. */
        assert_true(sure_true > 1000 && sure_false > 1000 && full > 100);
        (void) state;
}

/* Random walks, amplitudes and noises around the boundaries, with resets. */
static void test_sure_random(void **state)
{
        EstimatorParams ep;
        Pair3 p;

        estimator_params_default(&ep);
        pair_init(&p, &ep);
        for (int i = 0; i < 120; i++) {
                Gait g = WALK;

                g.step_hz = 0.8 + 2.0 * uniform(&p);
                g.a = ep.walk_min_rms * (0.5 + 2.5 * uniform(&p));
                g.third = 0.5 * uniform(&p);
                g.noise = 2 * uniform(&p) * g.a;
                g.other = 0.2 + 0.8 * uniform(&p);
                g.sway_deg = 20 * uniform(&p);
                gait(&p, g, 2 + 6 * uniform(&p));
                if (uniform(&p) < 0.2) {
                        motion_reset(p.sure);
                        motion_reset(p.plain);
                        motion_reset(p.full);
                }
                if (uniform(&p) < 0.3)
                        still(&p, 3 * uniform(&p));
        }
        assert_true(p.n_sure_true > 0 && p.n_sure_false > 0 && p.n_full > 0);
        pair_done(&p);
        (void) state;
}

/* Past WALK_SURE_LIMIT the sure look steps aside; back within, it returns. */
static void test_sure_wild(void **state)
{
        EstimatorParams ep;
        Pair3 p;
        double u[3] = { 0, 1, 0 };

        estimator_params_default(&ep);
        pair_init(&p, &ep);
        gait(&p, WALK, 8);
        pair_feed(&p, WALK_SURE_LIMIT * 1.5, u);
        gait(&p, WALK, 2);
        assert_true(p.sure->sq_wild > 0);
        gait(&p, WALK, 8);
        assert_int_equal(p.sure->sq_wild, 0);
        pair_feed(&p, NAN, u);
        gait(&p, WALK, 8);
        pair_done(&p);
        (void) state;
}

/* The sums are kept through a short still spell (n / 2 windows), then
 * dropped, and rebuilt when the wearer moves again. */
static void test_sure_still_spell(void **state)
{
        EstimatorParams ep;
        Pair3 p;
        size_t half;

        estimator_params_default(&ep);
        pair_init(&p, &ep);
        half = p.sure->n_blocks / 2;
        gait(&p, WALK, 8);
        assert_true(p.sure->walking && p.sure->sure_valid);
        /* Until the window is surely still, then n / 2 windows more. */
        while (p.sure->sure_still == 0)
                still(&p, 1 / p.sure->block_rate_hz);
        still(&p, (double) (half - 1) / p.sure->block_rate_hz);
        assert_int_equal(p.sure->sure_still, half);
        assert_true(p.sure->sure_valid);
        still(&p, 1 / p.sure->block_rate_hz);
        assert_false(p.sure->sure_valid);
        gait(&p, WALK, 8);
        assert_true(p.sure->walking && p.sure->sure_valid);
        pair_done(&p);
        (void) state;
}

/* The bounds hold the full evaluation's r[k], and are narrow. */
static void test_sure_bounds(void **state)
{
        EstimatorParams ep;
        Pair3 p;
        size_t checked = 0;

        estimator_params_default(&ep);
        pair_init(&p, &ep);
        for (int i = 0; i < 60; i++) {
                Gait g = WALK;
                size_t last = p.full->max_lag + 2;

                g.step_hz = 1.2 + uniform(&p);
                g.a = ep.walk_min_rms * (0.8 + 3 * uniform(&p));
                g.noise = uniform(&p) * g.a;
                g.sway_deg = 0;
                for (int b = 0; b < 150; b++) {
                        for (size_t k = 0; k <= last; k++) {
                                p.sure->s_lo[k] = p.plain->s_lo[k] = p.full->r[k] = NAN;
                                p.sure->s_hi[k] = p.plain->s_hi[k] = NAN;
                        }
                        gait(&p, g, 1 / p.sure->block_rate_hz);
                        if (isnan(p.sure->s_lo[1]) || isnan(p.full->r[last]))
                                continue;
                        for (size_t k = 0; k <= last; k++) {
                                if (!(p.sure->s_lo[k] <= p.full->r[k] &&
                                      p.full->r[k] <= p.sure->s_hi[k]))
                                        fail_msg("r[%zu] = %.17g outside [%.17g, %.17g]", k,
                                                 p.full->r[k], p.sure->s_lo[k], p.sure->s_hi[k]);
                                assert_true(p.sure->s_hi[k] - p.sure->s_lo[k] < 1e-2);
                        }
                        checked++;
                }
        }
        assert_true(checked > 1000);
        pair_done(&p);
        (void) state;
}

/* walk_sure_may_peak(), with AVX2 and without, against the comparisons it
 * stands for, lag by lag: bounds drawn from a few values (ties are common),
 * NaN now and then, every start, windows of lags across 64-bit words,
 * ending at a word's end (last a multiple of 64: the AVX2 loop's flush of
 * a whole word) and just before or after it; no word outside those of
 * [from, last) written. */
static void test_sure_may_peak(void **state)
{
        static const double vals[] = { -0.5, 0, 0.25, 0.5, 0.5000000000000001, 1, NAN };
        EstimatorParams ep;
        Motion *m;
        uint64_t seed = 0x2545f4914f6cdd1du;

        estimator_params_default(&ep);
        /* Slow steps: some 200 lags, four words of them. */
        ep.walk_min_step_hz = 0.25;
        ep.walk_window_s = 10;
        assert_int_equal(motion_new(&m, &ep, 100), 0);
        assert_true(m->sure_on);
        assert_true(m->max_lag + 2 > 3 * 64);
        for (int round = 0; round < 300; round++) {
                static const size_t lasts[] = { 0, 63, 64, 65, 128, 129, 191, 192 };
                size_t last = lasts[(round / 2) % ELEMENTSOF(lasts)];

                if (last == 0)
                        last = m->max_lag + 2 - (size_t) (round % 5);

                for (size_t k = 0; k <= m->max_lag + 2; k++) {
                        seed = seed * 6364136223846793005u + 1442695040888963407u;
                        m->s_lo[k] = vals[(seed >> 33) % (ELEMENTSOF(vals) - (round % 2))];
                        m->s_hi[k] = vals[(seed >> 45) % (ELEMENTSOF(vals) - (round % 2))];
                }
                for (size_t from = 1; from < last; from += 1 + (size_t) (round % 3)) {
                        for (int avx2 = 0; avx2 < 2; avx2++) {
                                uint64_t may[WALK_SURE_MAX_BLOCKS / 64 + 1];
                                bool had = m->avx2;

                                if (avx2 && !had)
                                        continue;
                                memset(may, 0xa5, sizeof(may));
                                m->avx2 = avx2;
                                walk_sure_may_peak(m, from, last, may);
                                m->avx2 = had;
                                for (size_t w = 0; w < ELEMENTSOF(may); w++)
                                        if (w < from / 64 || w > (last - 1) / 64)
                                                assert_true(may[w] == 0xa5a5a5a5a5a5a5a5u);
                                for (size_t k = from / 64 * 64; k < (last + 63) / 64 * 64; k++) {
                                        bool want = k >= from && k < last &&
                                                    !(m->s_hi[k] < m->s_lo[k - 1] ||
                                                      m->s_hi[k] <= m->s_lo[k + 1]);

                                        if (((may[k / 64] >> (k % 64)) & 1) != want)
                                                fail_msg("avx2 %d, from %zu, last %zu: lag %zu",
                                                         avx2, from, last, k);
                                }
                        }
                }
        }
        motion_free(m);
        (void) state;
}

/*
 * walk_sure_at_least_sq() (a quarter's spread against its minimum, from
 * squares) against the spread worked out in long double from the exact
 * D = cnt · Σq² − (Σq)² (an __int128): 1 only when the full evaluation's
 * spread, within η and a relative 2^-40 of √D / (cnt · S), is surely at
 * least @min; 0 only when surely under it; and a verdict once the spread
 * is a relative 2^-26 beyond those bounds. The sums are drawn about each
 * bound, within a relative 2^-20 to 2^-45 of it (steps of D by cnt), on a
 * grid and at random, for several counts, minimums and means.
 */
static void test_sure_at_least_sq(void **state)
{
        static const int64_t cnts[] = { 25, 50, 62, 1024 };
        static const double mins[] = { 0.25, 0.1, 1.3, 0x1p-12 };
        Pair3 p = { .seed = 0x853c49e6748fea9bu };
        size_t n_true = 0, n_false = 0, n_band = 0;

        for (size_t ci = 0; ci < ELEMENTSOF(cnts); ci++)
                for (size_t mi = 0; mi < ELEMENTSOF(mins); mi++)
                        for (int i = 0; i < 4000; i++) {
                                int64_t cnt = cnts[ci], s, s2;
                                double min = mins[mi], dcnt = (double) cnt;
                                double eta = 1 / WALK_SURE_SCALE + (4.0 * dcnt + 8) * 0x1p-44;
                                long double lmin = min, leta = eta, sig, tgt, want_hi, want_lo,
                                            band;
                                __int128 d;
                                int r, side = i % 3;

                                /* The mean: about g, or anywhere in range. */
                                s = cnt * (int64_t) ((i % 2 ? 9.81 : 200 * (uniform(&p) - 0.5)) *
                                                     WALK_SURE_SCALE);
                                want_hi = (lmin / (1 - 0x1p-40L) + leta);
                                want_lo = (lmin / (1 + 0x1p-40L) - leta);
                                /* About the 1 bound, the 0 bound, or min. */
                                tgt = side == 0 ? want_hi : side == 1 ? want_lo : lmin;
                                if (tgt <= 0)
                                        continue;
                                tgt *= 1 +
                                       (i % 4 < 2 ? 1 : -1) * ldexpl(i % 8 < 4 ? uniform(&p) : 1,
                                                                     -20 - (i / 8) % 26);
                                tgt = tgt * dcnt * WALK_SURE_SCALE;
                                s2 = (int64_t) ceill((tgt * tgt + (long double) s * s) / dcnt);
                                d = (__int128) cnt * s2 - (__int128) s * s;
                                assert_true(d >= 0);
                                sig = sqrtl((long double) d) / (dcnt * WALK_SURE_SCALE);
                                r = walk_sure_at_least_sq(dcnt, s, s2, eta, min);
                                if (r == 1) {
                                        n_true++;
                                        assert_true((sig * (1 - 0x1p-58L) - leta) *
                                                            (1 - 0x1p-40L) >=
                                                    lmin);
                                } else if (r == 0) {
                                        n_false++;
                                        assert_true((sig * (1 + 0x1p-58L) + leta) * (1 + 0x1p-40L) <
                                                    lmin);
                                } else
                                        n_band++;
                                /* The sums' own rounding (b, see sure_spread()) widens
                                 * the band where the mean is large against the spread. */
                                band = 0x1p-26L +
                                       ldexpl((long double) dcnt * s2, -48) / (long double) d;
                                if (sig >= (lmin + leta) * (1 + band))
                                        assert_int_equal(r, 1);
                                if (lmin - leta > 0 && sig <= (lmin - leta) * (1 - band))
                                        assert_int_equal(r, 0);
                        }
        assert_true(n_true > 1000 && n_false > 1000 && n_band > 1000);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sure_boundaries),  cmocka_unit_test(test_sure_random),
                cmocka_unit_test(test_sure_wild),        cmocka_unit_test(test_sure_still_spell),
                cmocka_unit_test(test_sure_bounds),      cmocka_unit_test(test_sure_may_peak),
                cmocka_unit_test(test_sure_at_least_sq),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
