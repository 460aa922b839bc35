/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The walking blocks on their time grid (motion_walk_blocks_until()): its
 * common case, one block of a fast sensor ending at the sample, against the
 * general loop written out here as it was (each block into
 * motion_walk_feed_raw()), at and around the block's end (the sample at the
 * end, a nanosecond before the next end, at it, gaps of many blocks and
 * past a whole window), for blocks of 1 to 4 samples, with and without the
 * forward EMA's direction: the same state to the bit. And the first sample
 * after motion_reset(), which starts the grid anew whatever its time.
 * Both sides feed the window through the same walk_feed() (the reference
 * through motion_walk_feed_raw()): this checks the grid and its common
 * case, not walk_feed() itself, whose rewrite (locals, single stores) only
 * tools/analyze-identity compares with the code before it.
 * And times far apart: a jump across the whole int64 range, and times at
 * INT64_MAX, end (an alarm fails the test if they do not).
 */
#include <string.h>
#include <unistd.h>

#include "test-util.h"
#include "core/estimator/estimator.h"
#include "core/estimator/estimator-motion-feed.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"

static uint64_t seed_next(uint64_t *s)
{
        *s = *s * 6364136223846793005u + 1442695040888963407u;
        return *s >> 11;
}

static double uniform(uint64_t *s)
{
        return (double) seed_next(s) * 0x1p-53;
}

/* motion_walk_blocks_until() as it was before its common case: the loop
 * alone, each block into motion_walk_feed_raw(). */
static void ref_blocks_until(Motion *m, int64_t t_ns, double v)
{
        size_t emitted = 0;

        if (!m->walk_have_t) {
                m->walk_have_t = true;
                m->walk_next_ns = t_ns + m->walk_period_ns;
                m->walk_prev_ns = t_ns;
                m->walk_prev_v = v;
                return;
        }
        while (t_ns >= m->walk_next_ns) {
                if (m->block == 1) {
                        double f = (double) (m->walk_next_ns - m->walk_prev_ns) /
                                   (double) (t_ns - m->walk_prev_ns);

                        m->walk_last_v = f >= 1 ? v : m->walk_prev_v + (v - m->walk_prev_v) * f;
                }
                if (m->walk_in_block > 0) {
                        if (m->block > 1)
                                m->walk_last_v = motion_walk_block_mean(m);
                        if (m->have_fwd && dot3(m->fwd_state, m->fwd_state) > 0)
                                memcpy(m->walk_last_s, m->fwd_state, sizeof(m->walk_last_s));
                        else
                                memcpy(m->walk_last_s, m->block_u, sizeof(m->walk_last_s));
                        m->walk_in_block = 0;
                        m->block_v = 0;
                        m->block_u[0] = m->block_u[1] = m->block_u[2] = 0;
                }
                if (emitted++ < m->n_blocks)
                        motion_walk_feed_raw(m, m->walk_last_v, m->walk_last_s);
                m->walk_next_ns += m->walk_period_ns;
                if (emitted > m->n_blocks && t_ns - m->walk_next_ns > m->walk_period_ns)
                        m->walk_next_ns +=
                                (t_ns - m->walk_next_ns) / m->walk_period_ns * m->walk_period_ns;
        }
        m->walk_prev_ns = t_ns;
        m->walk_prev_v = v;
}

static void check_same(const Motion *a, const Motion *b)
{
        size_t n = a->n_blocks;

        assert_int_equal(a->walk_have_t, b->walk_have_t);
        assert_int_equal(a->walk_next_ns, b->walk_next_ns);
        assert_int_equal(a->walk_prev_ns, b->walk_prev_ns);
        assert_memory_equal(&a->walk_prev_v, &b->walk_prev_v, sizeof(double));
        assert_memory_equal(&a->walk_last_v, &b->walk_last_v, sizeof(double));
        assert_memory_equal(a->walk_last_s, b->walk_last_s, sizeof(a->walk_last_s));
        assert_int_equal(a->walk_in_block, b->walk_in_block);
        assert_memory_equal(&a->block_v, &b->block_v, sizeof(double));
        assert_memory_equal(a->block_u, b->block_u, sizeof(a->block_u));
        assert_int_equal(a->head, b->head);
        assert_int_equal(a->count, b->count);
        assert_int_equal(a->u_raw, b->u_raw);
        assert_int_equal(a->walking, b->walking);
        assert_int_equal(a->q_sum, b->q_sum);
        assert_int_equal(a->q_sum2, b->q_sum2);
        assert_int_equal(a->q_wild, b->q_wild);
        assert_int_equal(a->n_flight, b->n_flight);
        assert_int_equal(a->sum_dirty, b->sum_dirty);
        assert_int_equal(a->sure_valid, b->sure_valid);
        assert_memory_equal(a->v, b->v, n * sizeof(a->v[0]));
        assert_memory_equal(a->u, b->u, n * sizeof(a->u[0]));
        if (a->block == 1)
                assert_memory_equal(a->rd, b->rd, n * sizeof(a->rd[0]));
}

/* Samples at @rate_hz into both, a walk now and then, at times that fall
 * on, just before and just after the blocks' ends, with gaps. */
static void run(double rate_hz, uint64_t seed, size_t *n_common, size_t *n_walking)
{
        EstimatorParams p;
        Motion *a = NULL, *b = NULL;
        int64_t t = 1000000;
        size_t n_samples = 0;

        estimator_params_default(&p);
        assert_int_equal(motion_new(&a, &p, rate_hz), 0);
        assert_int_equal(motion_new(&b, &p, rate_hz), 0);
        assert_true(a->walk_enabled);
        for (size_t i = 0; i < 40000; i++) {
                double r = uniform(&seed), v, up[3], gn;
                bool common;

                /* The step to this sample. */
                if (r < 0.6)
                        t += (int64_t) ((double) NSEC_PER_SEC / rate_hz);
                else if (r < 0.7 && a->walk_have_t)
                        t = MAX(t, a->walk_next_ns); /* on a block's end */
                else if (r < 0.8 && a->walk_have_t)
                        t = MAX(t,
                                a->walk_next_ns + a->walk_period_ns - 1); /* just before the next */
                else if (r < 0.85 && a->walk_have_t)
                        t = MAX(t, a->walk_next_ns + a->walk_period_ns); /* two blocks */
                else if (r < 0.86)
                        t += (int64_t) (uniform(&seed) * 3 * (double) a->n_blocks *
                                        (double)
                                                a->walk_period_ns); /* a gap, maybe past a window */
                else
                        t += (int64_t) (uniform(&seed) * 2 * (double) a->walk_period_ns);
                if (r > 0.999) {
                        motion_reset(a);
                        motion_reset(b);
                }
                /* Its vertical value: a walk, or still. */
                v = STANDARD_GRAVITY + ((i / 3000) % 2 ? 3 * sin((double) t * 1e-9 * 2 * M_PI * 1.8)
                                                       : 0.01 * (uniform(&seed) - 0.5));
                up[0] = 0.1 * (uniform(&seed) - 0.5);
                up[1] = STANDARD_GRAVITY;
                up[2] = 0.3 * (uniform(&seed) - 0.5);
                gn = norm3(up);
                /* The forward EMA's direction: there, none, or zero. */
                r = uniform(&seed);
                a->have_fwd = b->have_fwd = r > 0.05;
                for (size_t k = 0; k < 3; k++)
                        a->fwd_state[k] = b->fwd_state[k] = r < 0.1 ? 0 : up[k] + uniform(&seed);

                common = a->walk_have_t && a->block > 1 && a->walk_in_block > 0 &&
                         t >= a->walk_next_ns && t < a->walk_next_ns + a->walk_period_ns;
                *n_common += common;
                if (!a->walk_have_t || t >= a->walk_next_ns) {
                        motion_walk_blocks_until(a, t, v);
                        ref_blocks_until(b, t, v);
                } else {
                        a->walk_prev_ns = b->walk_prev_ns = t;
                        a->walk_prev_v = b->walk_prev_v = v;
                }
                if (a->block == 1) {
                        motion_walk_read(a, v);
                        motion_walk_read(b, v);
                }
                for (size_t k = 0; k < 3; k++) {
                        a->block_u[k] += up[k] / gn;
                        b->block_u[k] += up[k] / gn;
                }
                a->block_v += v;
                b->block_v += v;
                a->walk_in_block++;
                b->walk_in_block++;
                check_same(a, b);
                *n_walking += a->walking;
                n_samples++;
        }
        assert_int_equal(n_samples, 40000);
        motion_free(a);
        motion_free(b);
}

static void test_blocks_common_case(void **state)
{
        static const double rates[] = { 50, 100, 150, 200 };
        size_t n_common = 0;

        for (size_t i = 0; i < ELEMENTSOF(rates); i++) {
                size_t before = n_common, n_walking = 0;

                run(rates[i], 0x853c49e6748fea9bu + i, &n_common, &n_walking);
                /* Walks were recognised, and not all the time. */
                assert_true(n_walking > 1000 && n_walking < 30000);
                /* The common case came up for the fast sensors (block > 1). */
                if (rates[i] > 75)
                        assert_true(n_common - before > 5000);
                else
                        assert_int_equal(n_common, before);
        }
        (void) state;
}

/* After motion_reset(), the first sample starts the grid: its block ends a
 * period after it, even when it comes before the old grid's next end. */
static void test_blocks_after_reset(void **state)
{
        EstimatorParams p;
        Motion *m = NULL;
        const double up[3] = { 0.2, 9.7, -0.5 };
        int64_t t = 0;
        MotionResult r;

        estimator_params_default(&p);
        assert_int_equal(motion_new(&m, &p, 100), 0);
        assert_int_equal(m->walk_have_t, false);
        for (size_t i = 0; i < 50; i++) {
                t += 10 * NSEC_PER_MSEC;
                (void) motion_feed(m, t, up, up, up, &r);
        }
        assert_true(m->walk_have_t);
        for (int64_t back = 0; back < 3; back++) {
                int64_t at = back == 0 ? m->walk_next_ns - 1 : t + back;

                motion_reset(m);
                assert_int_equal(m->walk_have_t, false);
                (void) motion_feed(m, at, up, up, up, &r);
                assert_true(m->walk_have_t);
                assert_int_equal(m->walk_next_ns, at + m->walk_period_ns);
                assert_int_equal(m->walk_prev_ns, at);
                t = at;
        }
        motion_free(m);
        (void) state;
}

/* @n samples through estimator_feed() from @t on, @step_ns apart (the last
 * at @t + (n - 1) step_ns, which must not overflow); after each, the
 * walking grid's next block end is after the last sample on it (a slow
 * sensor's reading, see motion_walk_reading(), may be an earlier sample's)
 * and at most a period later, or INT64_MAX when that is past every time. */
static void feed_times(Estimator *e, int64_t t, int64_t step_ns, size_t n)
{
        const Motion *m = e->motion;

        for (size_t i = 0; i < n; i++, t += i < n ? step_ns : 0) {
                Frame raw = { .t_ns = t, .v = { 0.2f, 9.7f, -0.5f } }, filt = raw;
                PostureSample out;

                estimator_feed(e, &raw, &filt, &out);
                assert_int_equal(out.t_ns, t);
                assert_true(m->walk_have_t);
                assert_true(m->walk_next_ns > m->walk_prev_ns || m->walk_next_ns == INT64_MAX);
                assert_true(m->walk_next_ns == INT64_MAX ||
                            (uint64_t) m->walk_next_ns - (uint64_t) m->walk_prev_ns <=
                                    (uint64_t) m->walk_period_ns);
        }
}

/* Times further apart than INT64_MAX: from the recording reader's earliest
 * (-9.2e9 s) to its latest (9.2e9 s) with no gap flagged (posturectl
 * analyze's gap test, a difference of int64 times, wraps there), and up to
 * INT64_MAX through the API, repeated, then back to INT64_MIN, and a first
 * sample just before INT64_MAX. Each call ends with the grid after the
 * sample; a loop over 2^64 / period blocks (the grid's sums overflowing)
 * would not end, and the alarm fails the test. */
static void test_blocks_time_jump(void **state)
{
        static const double rates[] = { 50, 100 };
        const int64_t far = INT64_C(9200000000000000000);

        alarm(60);
        for (size_t i = 0; i < ELEMENTSOF(rates); i++) {
                int64_t step = (int64_t) ((double) NSEC_PER_SEC / rates[i]);
                EstimatorParams p;
                Estimator *e = NULL;

                estimator_params_default(&p);
                assert_int_equal(estimator_new(&e, &p, rates[i]), 0);
                assert_int_equal(e->motion->walk_slow, rates[i] < 75);
                feed_times(e, -far, step, 500);
                feed_times(e, far, step, 500);
                feed_times(e, INT64_MAX - 100 * step, step, 101);
                feed_times(e, INT64_MAX, 0, 3);
                feed_times(e, INT64_MIN, step, 3);
                e = estimator_free(e);

                assert_int_equal(estimator_new(&e, &p, rates[i]), 0);
                feed_times(e, INT64_MAX - 1, 1, 2);
                e = estimator_free(e);
        }
        alarm(0);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_blocks_common_case),
                cmocka_unit_test(test_blocks_after_reset),
                cmocka_unit_test(test_blocks_time_jump),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
