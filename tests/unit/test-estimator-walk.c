/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The estimator's walking detection (estimator-walk.c, estimator-autocorr.c):
 * walks, gaits that are not walking, and the autocorrelation.
 */
#include <string.h>

#include "motion-harness.h"
#include "test-util.h"
#include "core/estimator/estimator.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"

typedef struct Walk {
        double step_hz;
        double amplitude; /* vertical, m/s² */
        double sway_deg;  /* forward sway of the filtered gravity */
        double sway_hz;   /* its frequency; 0 for half the step rate */
        double third;     /* third harmonic of the bounce, relative to it */
        bool turn;        /* the sway is the trunk turning about the hip, with
                           * the tangential acceleration a sensor 0.45 m above
                           * it feels, not the filter's leak of the steps */
} Walk;

/* Walk for @seconds; count the samples classed walking after @settle_s. */
static size_t walk(Wearer *w, Walk k, double seconds, double settle_s, size_t *n_after)
{
        double t0 = now_s(w);
        size_t walking = 0;

        *n_after = 0;
        while (now_s(w) < t0 + seconds) {
                /* The phase runs on across calls: one walk in pieces. */
                double t = now_s(w), g[3], e[3];

                double sway_hz = k.sway_hz > 0 ? k.sway_hz : k.step_hz / 2;

                body_gravity(k.sway_deg * sin(TWO_PI * sway_hz * t), 0, g);
                e[0] = 0.3 * sin(M_PI * k.step_hz * t);
                e[1] = k.amplitude *
                       (sin(TWO_PI * k.step_hz * t) + k.third * sin(3 * TWO_PI * k.step_hz * t));
                e[2] = 0.4 * k.amplitude * sin(TWO_PI * k.step_hz * t + 0.5);
                if (k.turn) {
                        double wt = TWO_PI * sway_hz;

                        e[2] -= 0.45 * k.sway_deg * M_PI / 180 * wt * wt * sin(wt * t);
                }
                feed(w, g, e, 0);
                if (t - t0 >= settle_s) {
                        (*n_after)++;
                        walking += w->last.activity == ACTIVITY_WALKING;
                }
        }
        return walking;
}

/* Walking after a full window, every sample from then on. */
static void assert_walking(double rate_hz, Walk k)
{
        size_t n, got;
        Wearer w;

        wearer_init(&w, rate_hz);
        still(&w, 0, 5);
        got = walk(&w, k, 3, 0, &n);
        assert_int_equal(got, 0);
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        got = walk(&w, k, 10, 1.5, &n);
        assert_int_equal(got, n);
        /* Walking upright reads upright. */
        assert_int_equal(w.last.posture, POSTURE_UPRIGHT);
        /* Back to still within a few seconds of stopping. */
        still(&w, 0, 4.5);
        assert_int_equal(w.last.activity, ACTIVITY_STILL);
        wearer_done(&w);
}

static void assert_not_walking(double rate_hz, Walk k)
{
        size_t n;
        Wearer w;

        wearer_init(&w, rate_hz);
        still(&w, 0, 5);
        assert_int_equal(walk(&w, k, 20, 0, &n), 0);
        wearer_done(&w);
}

static void test_walking(void **state)
{
        assert_walking(50, (Walk){ 1.8, 1.5, 2 });
        assert_walking(200, (Walk){ 1.8, 1.5, 2 });
        assert_walking(100, (Walk){ 2.0, 1.0, 4 });

        /* Step frequencies: 1..2.5 Hz, at 20 to 200 Hz. */
        assert_walking(50, (Walk){ 1.5, 1.5, 0 });
        assert_walking(50, (Walk){ 2.4, 1.5, 0 });
        assert_walking(50, (Walk){ 1.1, 1.5, 0 });
        assert_walking(20, (Walk){ 1.6, 1.5, 0 });
        assert_walking(20, (Walk){ 2.4, 1.5, 0 });
        assert_walking(200, (Walk){ 1.5, 1.5, 0 });
        assert_walking(200, (Walk){ 2.4, 1.5, 0 });
        assert_not_walking(50, (Walk){ 0.9, 1.5, 0 });

        /* A strong third harmonic of the heel strike: the autocorrelation's
         * first peak, at a third of the step, is low (r ≈ 0.17); the step's
         * own peak is the one that counts. */
        assert_walking(200, (Walk){ 1.6, 1.2, 0, 0, 0.9 });
        assert_walking(100, (Walk){ 2.0, 1.2, 0, 0, 0.9 });
        assert_not_walking(50, (Walk){ 2.7, 1.5, 0 });
        assert_not_walking(50, (Walk){ 0.5, 3, 0 });

        /* Amplitude: a standard deviation of 0.5 m/s². */
        assert_walking(50, (Walk){ 1.8, 0.75, 0 });
        assert_not_walking(50, (Walk){ 1.8, 0.65, 0 });

        /* The filtered gravity swaying by ±20° at the step rate, or ±12° at
         * half of it (the filter passes steps), is still walking; a trunk
         * bending by ±25° every 3 s or so is bending, not walking. */
        assert_walking(50, (Walk){ 1.8, 1.5, 12 });
        assert_walking(50, (Walk){ 1.8, 1.5, 20, 1.8 });
        assert_walking(200, (Walk){ 1.6, 1.5, 20, 1.6 });
        assert_not_walking(50, (Walk){ 1.8, 1.5, 25, 0.3 });

        /* Rapid repeated bending by ±20° at 1.1 Hz, a step rate: the
         * trunk's direction swings by some 36° (the kinematic acceleration
         * adds to the turn), so it is not walking; the same sway of the
         * filtered gravity from the steps' linear accelerations is. */
        assert_not_walking(50, (Walk){ 1.1, 1.5, 20, 1.1, 0, true });
        assert_not_walking(200, (Walk){ 1.4, 1.5, 15, 1.4, 0, true });
        assert_walking(50, (Walk){ 1.1, 1.5, 20, 1.1 });

        /* Too slow a sensor cannot tell, and never claims walking. */
        assert_not_walking(4, (Walk){ 1.8, 1.5, 0 });
}

/* Steps at 1.8 Hz, for @seconds, with a tone at 1.5 times the step rate of
 * @other times the step's amplitude: at the step's lag the tone is in
 * opposite phase, so the autocorrelation there is (1 − @other²) / (1 +
 * @other²). Return: the number of samples classed walking. */
static size_t uneven_walk(Wearer *w, double other, double seconds)
{
        double t0 = now_s(w), g[3];
        size_t walking = 0;

        body_gravity(0, 0, g);
        while (now_s(w) < t0 + seconds) {
                double t = now_s(w), e[3];

                e[0] = 0;
                e[1] = 1.5 * (sin(TWO_PI * 1.8 * t) + other * sin(1.5 * TWO_PI * 1.8 * t));
                e[2] = 0.6 * sin(TWO_PI * 1.8 * t + 0.5);
                feed(w, g, e, 0);
                walking += w->last.activity == ACTIVITY_WALKING;
        }
        return walking;
}

/* A walk whose rhythm weakens (the step's autocorrelation falls to 0.42,
 * under walk_min_corr but above 0.7 times it) goes on; the same steps from
 * a standstill are not a walk, and a rhythm weaker still (0.30) ends it. */
/* Steps at 1.8 Hz with white noise (uniform, from a fixed seed) @noise
 * times their amplitude: no rhythm at the step or the stride. */
static size_t noisy_walk(Wearer *w, double noise, double seconds)
{
        uint32_t x = 2463534242u;
        double t0 = now_s(w), g[3];
        size_t walking = 0;

        body_gravity(0, 0, g);
        while (now_s(w) < t0 + seconds) {
                double t = now_s(w), e[3], u;

                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                u = (double) (x % 20001) / 10000.0 - 1.0;
                e[0] = 0;
                e[1] = 1.5 * (sin(TWO_PI * 1.8 * t) + noise * u);
                e[2] = 0.6 * sin(TWO_PI * 1.8 * t + 0.5);
                feed(w, g, e, 0);
                walking += w->last.activity == ACTIVITY_WALKING;
        }
        return walking;
}

/* A walk whose steps become uneven (the step's autocorrelation falls to
 * 0.42, but the pattern repeats every stride) goes on, and the same steps
 * from a standstill are a walk too, once the window has filled (see
 * test_walking_stride); steps drowned in noise end it. */
static void test_walking_keeps(void **state)
{
        Wearer w;

        wearer_init(&w, 50);
        still(&w, 0, 5);
        uneven_walk(&w, 0, 8);
        assert_int_equal(w.last.activity, ACTIVITY_WALKING);
        assert_int_equal(uneven_walk(&w, 0.64, 30), 30 * 50);
        noisy_walk(&w, 3.5, 10);
        assert_int_not_equal(w.last.activity, ACTIVITY_WALKING);
        wearer_done(&w);

        wearer_init(&w, 50);
        still(&w, 0, 5);
        assert_true(uneven_walk(&w, 0.64, 30) >= 26 * 50);
        wearer_done(&w);
}

/* Steps at @step_hz whose left and right differ: every other step's bounce
 * is @other times as strong and of the other sign at its start, as on
 * stairs, where one leg leads. The step's autocorrelation is low, the
 * stride's (two steps) high. Return: samples classed walking after 5 s. */
static size_t limping_walk(double rate_hz, double step_hz, double other, double seconds)
{
        double g[3];
        size_t walking = 0;
        Wearer w;

        wearer_init(&w, rate_hz);
        still(&w, 0, 5);
        body_gravity(0, 0, g);
        for (double t0 = now_s(&w); now_s(&w) < t0 + seconds;) {
                double t = now_s(&w) - t0, e[3];
                double ph = step_hz * t; /* in steps */
                double left = fmod(ph, 2.0) < 1.0 ? 1.0 : other;

                e[0] = 0;
                /* Each step a full sine of its own amplitude, and a dip
                 * halfway through a stride (the leading leg's push). */
                e[1] = 1.5 * left * sin(TWO_PI * ph) + 0.7 * sin(M_PI * ph);
                e[2] = 0.6 * sin(TWO_PI * ph + 0.5);
                feed(&w, g, e, 0);
                if (t >= 5)
                        walking += w.last.activity == ACTIVITY_WALKING;
        }
        wearer_done(&w);
        return walking;
}

/* An uneven gait, periodic at the stride, is a walk: the step's own peak
 * is r ≈ 0.2, the stride's (1.1 to 1.4 s, beyond the longest step) ≈ 1.
 * A rhythm as weak at the stride as at the step (0.42) is not a walk from
 * a standstill (test_walking_keeps). */
static void test_walking_stride(void **state)
{
        assert_int_equal(limping_walk(50, 1.6, 0.4, 15), 10 * 50);
        assert_int_equal(limping_walk(200, 1.8, 0.4, 15), 10 * 200);
        assert_int_equal(limping_walk(20, 1.4, 0.4, 15), 10 * 20);
        /* Uneven steps at 2 a second: the stride, 1 s, is the highest peak,
         * refined to a little under the slowest step rate; its step, half
         * as far, is within the step rates, and the stride repeats. */
        assert_int_equal(limping_walk(50, 2.0, 0.4, 15), 10 * 50);
        assert_int_equal(limping_walk(20, 2.0, 0.4, 15), 10 * 20);
        assert_int_equal(limping_walk(200, 2.0, 0.4, 15), 10 * 200);
}

/* Steps at @step_hz whose vertical reading drops to @floor_g g for @share
 * of each step, a half sine of the same mean the rest of it: with a floor
 * near 0 g the body is in the air, a run's flight phase. Return: samples
 * classed walking after 5 s of it. */
static size_t bouncing_gait(double rate_hz, double step_hz, double share, double floor_g,
                            double seconds)
{
        double g[3], dip = G * (1 - floor_g), peak = share * dip * M_PI / (2 * (1 - share));
        size_t walking = 0;
        Wearer w;

        wearer_init(&w, rate_hz);
        still(&w, 0, 5);
        body_gravity(0, 0, g);
        for (double t0 = now_s(&w); now_s(&w) < t0 + seconds;) {
                double t = now_s(&w) - t0, ph = fmod(step_hz * t, 1.0), e[3];

                e[0] = 0.3 * sin(M_PI * step_hz * t);
                e[1] = ph < share ? -dip : peak * sin(M_PI * (ph - share) / (1 - share));
                e[2] = 0.3 * peak * sin(TWO_PI * step_hz * t + 0.5);
                feed(&w, g, e, 0);
                if (t >= 5)
                        walking += w.last.activity == ACTIVITY_WALKING;
        }
        wearer_done(&w);
        return walking;
}

/* Running is not walking, whatever its step rate: a gait that spends a
 * quarter of its time near free fall (0.1 g) is not a walk at 2.2 or 1.8
 * steps a second, at 50 or 20 Hz; the same steps whose reading bottoms out
 * at 0.45 g (a foot still on the ground) are, and so are steps that read
 * 0.1 g for only 8 % of the time (less than the tenth that is running). */
static void test_walking_not_running(void **state)
{
        assert_int_equal(bouncing_gait(50, 2.2, 0.25, 0.1, 15), 0);
        assert_int_equal(bouncing_gait(20, 1.8, 0.25, 0.1, 15), 0);
        assert_int_equal(bouncing_gait(50, 2.2, 0.15, 0.1, 15), 0);
        assert_int_equal(bouncing_gait(50, 2.2, 0.25, 0.45, 15), 10 * 50);
        assert_int_equal(bouncing_gait(20, 1.8, 0.25, 0.45, 15), 10 * 20);
        assert_int_equal(bouncing_gait(200, 2.0, 0.08, 0.1, 15), 10 * 200);
}

static void test_walking_noise_and_gap(void **state)
{
        uint32_t x = 12345;
        double g[3];
        size_t n;
        Wearer w;

        /* Shaking at random: moving, not walking. */
        wearer_init(&w, 50);
        body_gravity(0, 0, g);
        for (int i = 0; i < 50 * 20; i++) {
                double e[3];

                for (size_t k = 0; k < 3; k++) {
                        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                        e[k] = 3.0 * ((double) (x % 2001) / 1000.0 - 1.0);
                }
                feed(&w, g, e, 0);
                assert_int_not_equal(w.last.activity, ACTIVITY_WALKING);
        }
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        wearer_done(&w);

        /* A gap in the stream forgets the walk seen so far. */
        wearer_init(&w, 50);
        walk(&w, (Walk){ 1.8, 1.5, 0 }, 6, 0, &n);
        assert_int_equal(w.last.activity, ACTIVITY_WALKING);
        feed(&w, g, NULL, FRAME_AFTER_GAP);
        assert_int_not_equal(w.last.activity, ACTIVITY_WALKING);
        assert_int_equal(walk(&w, (Walk){ 1.8, 1.5, 0 }, 3, 0, &n), 0);
        wearer_done(&w);
}

/* A walk whose readings reach the estimator each followed by @copies exact
 * copies of itself, one sample apart (a transport that holds the last value,
 * as a Bluetooth sensor's does): @rate_hz samples a second carry
 * rate_hz / (1 + copies) readings. Return: samples classed walking after
 * 5 s of @seconds. */
static size_t held_walk(double rate_hz, Walk k, unsigned copies, double seconds)
{
        double g[3], e[3] = { 0, 0, 0 };
        size_t walking = 0;
        Wearer w;

        wearer_init(&w, rate_hz);
        still(&w, 0, 5);
        body_gravity(0, 0, g);
        for (double t0 = now_s(&w); now_s(&w) < t0 + seconds;) {
                double t = now_s(&w) - t0;

                if (w.next % (1 + copies) == 0) {
                        e[0] = 0.3 * sin(M_PI * k.step_hz * t);
                        e[1] = k.amplitude * sin(TWO_PI * k.step_hz * t);
                        e[2] = 0.4 * k.amplitude * sin(TWO_PI * k.step_hz * t + 0.5);
                }
                feed(&w, g, e, 0);
                if (t >= 5)
                        walking += w.last.activity == ACTIVITY_WALKING;
        }
        wearer_done(&w);
        return walking;
}

/* Held values: a slow sensor's walking grid draws its line between
 * readings, over the copies, so a walk whose every other or two of three
 * samples are copies is a walk all the same. A still sensor repeats its
 * value for real (a coarse ADC, evdev's integer axes): copies longer than
 * half the shortest step are readings, so a walk that stops dead ends
 * as promptly as ever (assert_walking() at 20 Hz), and a still sensor whose
 * integer reading flips by one count now and then is never walking. */
static void test_walking_held(void **state)
{
        double g[3];
        Wearer w;

        assert_int_equal(held_walk(25, (Walk){ 1.8, 1.5, 0 }, 1, 15), 10 * 25);
        assert_int_equal(held_walk(30, (Walk){ 2.2, 1.5, 0 }, 2, 15), 10 * 30);
        assert_int_equal(held_walk(20, (Walk){ 1.6, 1.5, 0 }, 1, 15), 10 * 20);

        wearer_init(&w, 20);
        body_gravity(0, 0, g);
        for (int i = 0; i < 20 * 30; i++) {
                /* One count of a ±2 g, 8-bit axis: 1/64 g, every 1.3 s. */
                double e[3] = { 0, (i / 26) % 2 ? G / 64 : 0, 0 };

                feed(&w, g, e, 0);
                assert_int_not_equal(w.last.activity, ACTIVITY_WALKING);
        }
        assert_int_equal(w.last.activity, ACTIVITY_STILL);
        wearer_done(&w);
}

/* The autocorrelation, lags side by side (and with AVX2 where the CPU has
 * it), against the sums of one lag at a time, in the order of i: the same
 * to the bit, for windows of several lengths and groups of lags starting
 * anywhere, whatever lies after the window (NaN here). The window ends in
 * zeros for some, so that the last lags' sums are exactly zero (+0, as one
 * lag at a time gives). */
static void test_walking_autocorr(void **state)
{
        static const double windows_s[] = { 2.0, 2.5, 4.0, 4.1, 6.7 };
        uint64_t seed = 0x9e3779b97f4a7c15u;

        for (size_t w = 0; w < ELEMENTSOF(windows_s); w++)
                for (int zeros = 0; zeros < 2; zeros++)
                        for (int avx2 = 0; avx2 < 2; avx2++) {
                                EstimatorParams p;
                                Motion *m = NULL;
                                size_t n;
                                double var = 0;

                                estimator_params_default(&p);
                                p.walk_window_s = windows_s[w];
                                assert_int_equal(motion_new(&m, &p, 50), 0);
                                n = m->n_blocks;
                                if (avx2 && !m->avx2) {
                                        motion_free(m);
                                        continue;
                                }
                                m->avx2 = avx2;
                                /* What follows lin is scratch: no lag may read it. */
                                for (size_t i = 0; i < n; i++)
                                        for (size_t j = 0; j < 4; j++)
                                                m->sum[i][j] = NAN;
                                for (size_t i = 0; i < n; i++) {
                                        seed = seed * 6364136223846793005u + 1442695040888963407u;
                                        m->lin[i] = zeros && i + 40 >= n
                                                            ? 0.0
                                                            : (double) (int64_t) (seed >> 11) *
                                                                              0x1p-51 -
                                                                      0.37;
                                        var += m->lin[i] * m->lin[i];
                                }
                                var /= (double) n;
                                for (size_t from = 0; from < n; from += 7)
                                        for (size_t to = from + 1; to <= n; to += 13) {
                                                size_t got = motion_walk_autocorr(m, var, from, to);

                                                assert_true(got >= to && got <= n);
                                                for (size_t k = from; k < got; k++) {
                                                        double sum = 0, r;

                                                        for (size_t i = 0; i + k < n; i++)
                                                                sum += m->lin[i] * m->lin[i + k];
                                                        r = sum / (double) (n - k) / var;
                                                        assert_memory_equal(&r, &m->r[k],
                                                                            sizeof(r));
                                                }
                                        }
                                motion_free(m);
                        }
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_walking),
                cmocka_unit_test(test_walking_keeps),
                cmocka_unit_test(test_walking_stride),
                cmocka_unit_test(test_walking_not_running),
                cmocka_unit_test(test_walking_noise_and_gap),
                cmocka_unit_test(test_walking_held),
                cmocka_unit_test(test_walking_autocorr),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
