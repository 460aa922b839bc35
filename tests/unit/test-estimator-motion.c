/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The estimator's motion analysis (estimator-motion.c, estimator-trunk.c):
 * the angular rate behind sudden-movement, the batches of the trunk
 * smoother, the motion path's angles and the walking parameters. Walking
 * itself: test-estimator-walk.c.
 */
#include <string.h>

#include "motion-harness.h"
#include "test-util.h"
#include "core/estimator/estimator.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/rate-view.h"

/* The motion path's flexion (posture_sample_motion_angles()). */
static double motion_flexion(const PostureSample *s)
{
        double flexion, lateral;

        posture_sample_motion_angles(s, &flexion, &lateral);
        return flexion;
}

/* The samples of a scene, to look up what the motion path said about an
 * instant once it has caught up. */
#define MAX_SAMPLES 20000

typedef struct Scene {
        PostureSample s[MAX_SAMPLES];
        size_t n;
} Scene;

static void record(Scene *sc, const Wearer *w)
{
        assert_true(sc->n < MAX_SAMPLES);
        sc->s[sc->n++] = w->last;
}

/* Largest and smallest rate, and largest motion-path flexion, that the
 * motion path reported for the instants [@from_s, @to_s]. */
static void motion_between(const Scene *sc, double from_s, double to_s, double *min, double *max,
                           double *max_flexion)
{
        *min = INFINITY;
        *max = *max_flexion = -INFINITY;
        for (size_t i = 0; i < sc->n; i++) {
                double t = (double) sc->s[i].motion_t_ns / 1e9;

                if (t < from_s || t > to_s)
                        continue;
                assert_false(isnan(sc->s[i].rate_dps));
                *min = MIN(*min, sc->s[i].rate_dps);
                *max = MAX(*max, sc->s[i].rate_dps);
                *max_flexion = MAX(*max_flexion, motion_flexion(&sc->s[i]));
        }
        assert_true(*max >= *min);
}

/* Turn from @from to @to (flexion, or lateral when @sideways) at a constant
 * rate over @seconds, with raw = filtered. */
static void turn(Wearer *w, Scene *sc, double from, double to, double seconds, bool sideways)
{
        double t0 = now_s(w);

        while (now_s(w) < t0 + seconds) {
                double a = from + (to - from) * (now_s(w) - t0) / seconds, g[3];

                if (sideways)
                        body_gravity(0, a, g);
                else
                        body_gravity(a, 0, g);
                feed(w, g, NULL, 0);
                record(sc, w);
        }
}

static void hold(Wearer *w, Scene *sc, double theta, double seconds)
{
        double g[3];

        body_gravity(theta, 0, g);
        for (double end = now_s(w) + seconds; now_s(w) < end;) {
                feed(w, g, NULL, 0);
                record(sc, w);
        }
}

static void test_rate(void **state)
{
        static const double rates[] = { 50, 200 };
        double min, max, flex;
        Wearer w;

        for (size_t i = 0; i < ELEMENTSOF(rates); i++) {
                static Scene sc;

                sc.n = 0;
                wearer_init(&w, rates[i]);

                /* Nothing until the motion path has filled: 4·sqrt(0.45 / g). */
                feed(&w, (const double[3]){ 0, G, 0 }, NULL, 0);
                assert_true(isnan(w.last.rate_dps));
                assert_true(isnan(motion_flexion(&w.last)));
                hold(&w, &sc, 0, 2);
                assert_near(w.last.rate_dps, 0, 1e-3);
                assert_near((double) (w.last.t_ns - w.last.motion_t_ns) / 1e9, 4 * sqrt(0.45 / G),
                            1.5 / rates[i] + 0.02);

                /* Forward at 30°/s (2..4 s), held, back at 60°/s (6..7 s),
                 * sideways at 22.5°/s (9..11 s) and back (11..13 s), back
                 * at 150°/s (14..14.3 s); more than 3τ (τ = 0.21 s) from the
                 * corners the smoothing keeps the rate. */
                turn(&w, &sc, 0, 60, 2, false);
                hold(&w, &sc, 60, 2);
                turn(&w, &sc, 60, 0, 1, false);
                hold(&w, &sc, 0, 2);
                turn(&w, &sc, 0, 45, 2, true);
                turn(&w, &sc, 45, 0, 2, true);
                hold(&w, &sc, 0, 1);
                turn(&w, &sc, 0, -45, 0.3, false);
                hold(&w, &sc, -45, 2);
                motion_between(&sc, 2.7, 3.3, &min, &max, &flex);
                assert_near(min, 30, 1);
                assert_near(max, 30, 1);
                assert_near(flex, 30 * (3.3 - 2.02), 1);
                motion_between(&sc, 4.7, 5.3, &min, &max, &flex);
                assert_near(max, 0, 1);
                assert_near(flex, 60, 0.5);
                /* Only 0.5 s from the corners: 60 · (1 − e^(−0.5/τ)) = 54°/s. */
                motion_between(&sc, 6.3, 6.7, &min, &max, &flex);
                assert_near(max, 54.5, 1.5);
                motion_between(&sc, 9.8, 10.2, &min, &max, &flex);
                assert_near(min, 22.5, 1);
                assert_near(max, 22.5, 1);
                /* A quick turn without the tangential acceleration a sensor
                 * above the hip would feel (test_kinematics) is smoothed:
                 * 150 · (1 − e^(−0.15/τ)) = 75°/s. */
                motion_between(&sc, 13.9, 14.5, &min, &max, &flex);
                assert_near(max, 150 * (1 - exp(-0.15 / sqrt(0.45 / G))), 3);

                /* Settled within a second. */
                assert_near(w.last.rate_dps, 0, 0.5);
                assert_near(motion_flexion(&w.last), -45, 0.5);
                wearer_done(&w);
        }
}

/* A sensor 0.45 m above the hip, the trunk bending 0..40° at 1.1 Hz (about
 * 140°/s): the tangential acceleration triples the apparent swing of the
 * raw signal, the motion path sees through it. */
static void test_kinematics(void **state)
{
        static Scene sc;
        double min, max, flex, raw_max = -INFINITY, w2 = TWO_PI * 1.1;
        Wearer w;

        sc.n = 0;
        wearer_init(&w, 50);
        hold(&w, &sc, 0, 3);
        while (now_s(&w) < 13) {
                double t = now_s(&w) - 3, r = 0.45;
                double th = DEG(20) * (1 - cos(w2 * t)), om = DEG(20) * w2 * sin(w2 * t);
                double al = DEG(20) * w2 * w2 * cos(w2 * t), g[3], e[3], raw_flex;

                body_gravity(th * 180 / M_PI, 0, g);
                e[0] = 0;
                e[1] = -r * om * om;
                e[2] = r * al;
                feed(&w, g, e, 0);
                record(&sc, &w);
                raw_flex = atan2(-(g[2] + e[2]), g[1] + e[1]) * 180 / M_PI;
                raw_max = MAX(raw_max, raw_flex);
        }
        hold(&w, &sc, 0, 2);

        assert_true(raw_max > 60);
        motion_between(&sc, 4, 12, &min, &max, &flex);
        assert_near(flex, 40, 3);
        /* The true peak rate is 138°/s; what is left over comes from the
         * centripetal part and the large angles. */
        assert_true(max > 0.9 * 20 * TWO_PI * 1.1);
        assert_true(max < 1.25 * 20 * TWO_PI * 1.1);
        wearer_done(&w);
}

/* The smoothed specific force of a turning trunk stays near g; when the
 * sensor's own acceleration takes it more than 25 % away (running, an
 * impact), the rate is not known. Boundary: a steady extra 0.2 g along the
 * trunk (1.2 g in all) keeps the rate; 0.3 g (1.3 g) or -0.3 g (0.7 g)
 * makes it NaN, and it comes back once the force is near g again. */
static void test_rate_force(void **state)
{
        static const double extra_g[] = { 0.2, -0.2, 0.3, -0.3 };
        double g[3] = { 0, G, 0 };

        for (size_t i = 0; i < ELEMENTSOF(extra_g); i++) {
                double e[3] = { 0, extra_g[i] * G, 0 };
                bool known = fabs(extra_g[i]) < 0.25;
                Wearer w;

                wearer_init(&w, 50);
                still(&w, 0, 3);
                assert_near(w.last.rate_dps, 0, 1e-3);
                for (double end = now_s(&w) + 3; now_s(&w) < end;)
                        feed(&w, g, e, 0);
                assert_true(known ? isfinite(w.last.rate_dps) : isnan(w.last.rate_dps));
                still(&w, 0, 3);
                assert_near(w.last.rate_dps, 0, 1e-3);
                wearer_done(&w);
        }
}

/* Jogging-level bounce (impacts of 2.5 g, flight at -0.5 g, 2.8 strides a
 * second) at 200 Hz: whatever the motion path makes of it, no rate above
 * 120°/s is reported. */
static void test_rate_jogging(void **state)
{
        double g[3] = { 0, G, 0 }, max_rate = 0;
        Wearer w;

        wearer_init(&w, 200);
        still(&w, 0, 3);
        while (now_s(&w) < 23) {
                double ph = fmod(2.8 * now_s(&w), 1.0);
                double v = G * (3.0 * exp(-pow((ph - 0.3) / 0.1, 2)) - 0.3 * sqrt(M_PI));
                double e[3] = { 4 * sin(M_PI * 2.8 * now_s(&w)), v,
                                4 * sin(TWO_PI * 2.8 * now_s(&w) + 0.5) };

                feed(&w, g, e, 0);
                if (isfinite(w.last.rate_dps))
                        max_rate = MAX(max_rate, w.last.rate_dps);
        }
        assert_true(max_rate < 120);
        wearer_done(&w);
}

static void test_rate_glitch(void **state)
{
        static const double spikes[][3] = {
                { 0, 0, 40 }, { 0, -30, 0 }, { 25, 0, 0 }, { 0, -G, 0 }, { 0, 60, -60 },
        };
        double g[3];
        Wearer w;

        wearer_init(&w, 50);
        body_gravity(30, 0, g);
        still(&w, 30, 4);

        /* A single wild sample moves neither the rate nor the activity. */
        for (size_t i = 0; i < ELEMENTSOF(spikes); i++) {
                feed(&w, g, spikes[i], 0);
                for (int k = 0; k < 100; k++) {
                        assert_near(w.last.rate_dps, 0, 1e-3);
                        assert_near(motion_flexion(&w.last), 30, 1e-3);
                        assert_int_equal(w.last.activity, ACTIVITY_STILL);
                        feed(&w, g, NULL, 0);
                }
        }

        /* Non-finite input: no rate; after a gap the motion path fills again. */
        {
                const double bad[3] = { NAN, 0, 0 };

                feed(&w, g, bad, 0);
                assert_true(isnan(w.last.rate_dps));
                assert_true(isnan(motion_flexion(&w.last)));
                feed(&w, g, NULL, FRAME_AFTER_GAP);
                assert_true(isnan(w.last.rate_dps));
                still(&w, 30, 1);
                assert_near(w.last.rate_dps, 0, 1e-3);
        }
        wearer_done(&w);
}

/* The trunk's backward passes and the walking check, with AVX2 (four or
 * eight passes at a time) and without: the same to the bit, for batches of
 * every size. Skipped where the CPU has no AVX2. */
static void test_motion_avx2(void **state)
{
        EstimatorParams p;
        Motion *m[2] = { NULL, NULL };
        uint64_t seed = 0x2545f4914f6cdd1du;
        int64_t t_ns = 0;
        double phase = 0;
        size_t n_walking = 0;

        estimator_params_default(&p);
        for (size_t i = 0; i < 2; i++)
                assert_int_equal(motion_new(&m[i], &p, 100), 0);
        if (!m[1]->avx2) {
                for (size_t i = 0; i < 2; i++)
                        motion_free(m[i]);
                skip();
                return;
        }
        m[0]->avx2 = false;
        for (size_t batch = 1; batch <= 3 * MOTION_BATCH; batch++) {
                size_t size = batch % MOTION_BATCH + 1;
                int job[2][MOTION_BATCH];
                bool walking[2][MOTION_BATCH];

                for (size_t i = 0; i < size; i++) {
                        double raw[3], up[3] = { 0.3, 9.7, -0.8 };
                        MotionResult r[2];

                        /* Steps at 1.8 Hz, with noise and a slow sway. */
                        seed = seed * 6364136223846793005u + 1442695040888963407u;
                        phase += TWO_PI * 1.8 / 100;
                        raw[0] = 0.3 + 2 * sin(phase / 9) + (double) (seed >> 40) * 0x1p-24;
                        raw[1] = 9.7 + 3 * sin(phase) + (double) ((seed >> 20) & 0xfffff) * 0x1p-20;
                        raw[2] = -0.8 + cos(phase / 7);
                        t_ns += 10 * NSEC_PER_MSEC;
                        for (size_t k = 0; k < 2; k++) {
                                job[k][i] = motion_feed(m[k], t_ns, raw, up, up, &r[k]);
                                walking[k][i] = r[k].walking;
                        }
                        n_walking += walking[1][i];
                }
                for (size_t k = 0; k < 2; k++)
                        motion_trunk_run(m[k]);
                for (size_t i = 0; i < size; i++) {
                        double rate[2], trunk[2][3];
                        RatePending pending[2];

                        assert_int_equal(job[0][i], job[1][i]);
                        assert_int_equal(walking[0][i], walking[1][i]);
                        for (size_t k = 0; k < 2; k++) {
                                motion_trunk_next(m[k], job[k][i], &rate[k], &pending[k], trunk[k]);
                                rate[k] = rate_view_value(rate[k], &pending[k]);
                        }
                        assert_memory_equal(&rate[0], &rate[1], sizeof(rate[0]));
                        assert_memory_equal(trunk[0], trunk[1], sizeof(trunk[0]));
                }
        }
        /* The walking check ran its autocorrelation. */
        assert_true(n_walking > 0);
        for (size_t i = 0; i < 2; i++)
                motion_free(m[i]);
        (void) state;
}

/* posture_sample_motion_angles() is estimator_angles() of the rotated
 * trunk direction against upright, to the bit; NaN without a direction. */
static void test_motion_angles(void **state)
{
        static const double odd[][3] = {
                { 0, 0, 0 }, { NAN, 1, 0 }, { 0, INFINITY, 0 }, { 0, -1, 0 }, { 1e-300, 0, 0 },
        };
        PostureSample s = { 0 };
        double f1, l1, f2, l2;

        for (double th = -180; th <= 180; th += 7.5)
                for (double ph = -180; ph <= 180; ph += 7.5) {
                        body_gravity(th, ph, s.motion_trunk);
                        posture_sample_motion_angles(&s, &f1, &l1);
                        estimator_angles(s.motion_trunk, NULL, &f2, &l2);
                        assert_memory_equal(&f1, &f2, sizeof(f1));
                        assert_memory_equal(&l1, &l2, sizeof(l1));
                }
        for (size_t i = 0; i < ELEMENTSOF(odd); i++) {
                memcpy(s.motion_trunk, odd[i], sizeof(s.motion_trunk));
                posture_sample_motion_angles(&s, &f1, &l1);
                estimator_angles(s.motion_trunk, NULL, &f2, &l2);
                assert_true(isnan(f1) == isnan(f2) && isnan(l1) == isnan(l2));
                if (!isnan(f1))
                        assert_true(f1 == f2 && l1 == l2);
        }
}

static void test_params(void **state)
{
        EstimatorParams p;
        Estimator *e = NULL;

        /* The window must hold two of the slowest steps. */
        estimator_params_default(&p);
        p.walk_window_s = 1.4;
        assert_int_equal(estimator_new(&e, &p, 50), -EINVAL);
        p.walk_window_s = 2 / p.walk_min_step_hz;
        assert_int_equal(estimator_new(&e, &p, 50), 0);
        e = estimator_free(e);

        estimator_params_default(&p);
        p.walk_min_corr = 1.01;
        assert_int_equal(estimator_new(&e, &p, 50), -EINVAL);
        estimator_params_default(&p);
        p.walk_max_sway_deg = -1;
        assert_int_equal(estimator_new(&e, &p, 50), -EINVAL);
        estimator_params_default(&p);
        p.walk_min_rms = INFINITY;
        assert_int_equal(estimator_new(&e, &p, 50), -EINVAL);
        estimator_params_default(&p);
        p.sensor_height_m = 0;
        assert_int_equal(estimator_new(&e, &p, 50), -EINVAL);
        assert_null(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rate),          cmocka_unit_test(test_kinematics),
                cmocka_unit_test(test_rate_glitch),   cmocka_unit_test(test_rate_force),
                cmocka_unit_test(test_rate_jogging),  cmocka_unit_test(test_motion_avx2),
                cmocka_unit_test(test_motion_angles), cmocka_unit_test(test_params),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
