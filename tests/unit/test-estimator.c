/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <locale.h>

#include "test-util.h"
#include "core/estimator/estimator.h"

#define WINDOW 150 /* 3 s at 50 Hz */
#define SMOOTH 50  /* the angles' 1 s average of gravity, at 50 Hz */

/* Frames carry floats: angles computed through a Frame are good to ~1e-5°. */
#define FRAME_TOL_DEG 1e-3

typedef struct Wearer {
        Estimator *e;
        int64_t next;
        PostureSample last;
} Wearer;

static void wearer_init(Wearer *w, const EstimatorParams *p)
{
        *w = (Wearer){ 0 };
        assert_int_equal(estimator_new(&w->e, p, RATE_HZ), 0);
}

static void wearer_done(Wearer *w)
{
        w->e = estimator_free(w->e);
}

/* @n samples whose filtered value is @g and raw value @g + @dyn (alternating
 * in sign when @alternate, so a real filter would not follow it), both given
 * in the sensor frame. */
static void feed_sensor(Wearer *w, const double g[3], const double dyn[3], bool alternate, size_t n)
{
        for (size_t i = 0; i < n; i++, w->next++) {
                double sign = alternate && (w->next % 2) ? -1 : 1;
                Frame raw = { .t_ns = w->next * STEP_NS }, filt = { .t_ns = w->next * STEP_NS };

                for (size_t k = 0; k < 3; k++) {
                        filt.v[k] = (float) g[k];
                        raw.v[k] = (float) (g[k] + (dyn ? sign * dyn[k] : 0));
                }
                estimator_feed(w->e, &raw, &filt, &w->last);
                assert_int_equal(w->last.t_ns, raw.t_ns);
        }
}

static void feed_still(Wearer *w, double theta, double phi, size_t n)
{
        double g[3];

        body_gravity(theta, phi, g);
        feed_sensor(w, g, NULL, false, n);
}

/* The defaults for a sensor always worn: these frames are exactly constant,
 * with none of the micro-motion by which a worn sensor is recognised. */
static void params_worn(EstimatorParams *p)
{
        estimator_params_default(p);
        p->not_worn_s = 0;
}

static void test_strings(void **state)
{
        static const char *const expected[_POSTURE_MAX] = {
                "unknown", "upright",  "slouched", "flexed", "extreme-flexion",
                "lateral", "reclined", "lying",    "moving", "not-worn",
        };

        for (PostureClass p = 0; p < _POSTURE_MAX; p++)
                assert_string_equal(posture_class_to_string(p), expected[p]);
        assert_null(posture_class_to_string(_POSTURE_MAX));

        assert_string_equal(activity_to_string(ACTIVITY_STILL), "still");
        assert_string_equal(activity_to_string(ACTIVITY_MOVING), "moving");
        assert_string_equal(activity_to_string(ACTIVITY_WALKING), "walking");
        assert_null(activity_to_string(_ACTIVITY_MAX));
}

static void test_params_default(void **state)
{
        EstimatorParams p;

        estimator_params_default(&p);
        assert_memory_equal(&p.mount, &mount_matrix_identity, sizeof(MountMatrix));
        assert_near(p.still_window_s, 3, 0);
        assert_near(p.still_rms, 0.35, 0);
        assert_near(p.slouch_deg, 15, 0);
        assert_near(p.flexion_deg, 20, 0);
        assert_near(p.extreme_deg, 60, 0);
        assert_near(p.lateral_deg, 10, 0);
        assert_near(p.reclined_deg, -20, 0);
        assert_near(p.lying_deg, 60, 0);
        assert_false(p.auto_calibrate);
        assert_near(p.sensor_height_m, 0.45, 0);
        assert_near(p.walk_window_s, 4, 0);
        assert_near(p.walk_min_step_hz, 1.0, 0);
        assert_near(p.posture_smooth_s, 1.0, 0);
        assert_near(p.posture_max_rms, 4.0, 0);
        assert_near(p.walk_max_step_hz, 2.5, 0);
        assert_near(p.walk_min_rms, 0.5, 0);
        assert_near(p.walk_min_corr, 0.5, 0);
        assert_near(p.walk_max_sway_deg, 15, 0);
}

static void test_angles_grid(void **state)
{
        static const double upright[3] = { 0, G, 0 }, upright_short[3] = { 0, 0.5, 0 };

        for (int theta = -85; theta <= 85; theta += 5)
                for (int phi = -85; phi <= 85; phi += 5) {
                        double g[3], f, l;

                        body_gravity(theta, phi, g);

                        estimator_angles(g, NULL, &f, &l);
                        assert_near(f, theta, 1e-6);
                        assert_near(l, phi, 1e-6);

                        estimator_angles(g, upright, &f, &l);
                        assert_near(f, theta, 1e-6);
                        assert_near(l, phi, 1e-6);

                        /* Only the direction of neutral matters. */
                        estimator_angles(g, upright_short, &f, &l);
                        assert_near(f, theta, 1e-6);
                        assert_near(l, phi, 1e-6);
                }
}

static void test_angles_relative(void **state)
{
        double n[3], g[3], f, l;

        /* Sensor worn tilted 10° forward: that tilt is neutral. */
        body_gravity(10, 0, n);
        for (int theta = -60; theta <= 60; theta += 5) {
                body_gravity(10 + theta, 0, g);
                estimator_angles(g, n, &f, &l);
                assert_near(f, theta, 1e-6);
                assert_near(l, 0, 1e-6);
        }

        /* Tilted 8° to the right. */
        body_gravity(0, 8, n);
        for (int phi = -60; phi <= 60; phi += 5) {
                body_gravity(0, 8 + phi, g);
                estimator_angles(g, n, &f, &l);
                assert_near(f, 0, 1e-6);
                assert_near(l, phi, 1e-6);
        }

        /* Neutral upside down: a half turn, no division by zero. */
        n[0] = 0, n[1] = -G, n[2] = 0;
        estimator_angles(n, n, &f, &l);
        assert_near(f, 0, 1e-9);
        assert_near(l, 0, 1e-9);

        /* Nothing to measure. */
        g[0] = g[1] = g[2] = 0;
        estimator_angles(g, NULL, &f, &l);
        assert_true(isnan(f) && isnan(l));
        body_gravity(0, 0, g);
        estimator_angles(g, (const double[3]){ 0, 0, 0 }, &f, &l);
        assert_true(isnan(f) && isnan(l));
}

static void test_mount_parse(void **state)
{
        static const char *const bad[] = {
                "",
                "1,0,0;0,1,0;0,0",       /* 8 numbers */
                "1,0,0;0,1,0;0,0,1,0",   /* 10 */
                "1,0,0;0,1,0",           /* 2 rows */
                "1,0,0;0,1,0;0,0,1;",    /* trailing separator */
                "1,0,0;0,1,0;0,0,1x",    /* junk */
                "1,0,0;0,1,0;0,0,1 2",   /* junk */
                "1,0,0,0,1,0,0,0,1",     /* no rows */
                "1;0;0,0,1,0,0,0,1",     /* separators swapped */
                "1,,0;0,1,0;0,0,1",      /* empty field */
                "nan,0,0;0,1,0;0,0,1",   /* not finite */
                "1,0,0;0,inf,0;0,0,1",   /* not finite */
                "1,0,0;0,1,0;0,0,1e999", /* overflow */
                "1,0,0;1,0,0;0,0,1",     /* singular */
                "0,0,0;0,0,0;0,0,0",     /* singular */
                "1,2,3;4,5,6;7,8,9",     /* singular */
                "1,0,0;0,1,0;1,1,1e-12", /* numerically singular */
        };
        MountMatrix m, untouched;

        assert_int_equal(mount_matrix_parse(&m, "1,0,0;0,1,0;0,0,1"), 0);
        assert_memory_equal(&m, &mount_matrix_identity, sizeof(m));

        assert_int_equal(mount_matrix_parse(&m, " 0, 1 ,0 ; -1,0, 0;0 ,0,\t1\n"), 0);
        assert_near(m.m[0][1], 1, 0);
        assert_near(m.m[1][0], -1, 0);
        assert_near(m.m[2][2], 1, 0);
        assert_near(m.m[0][0], 0, 0);

        assert_int_equal(mount_matrix_parse(&m, "0.5,0,0;0,-0.25,0;0,0,2.5e1"), 0);
        assert_near(m.m[0][0], 0.5, 0);
        assert_near(m.m[1][1], -0.25, 0);
        assert_near(m.m[2][2], 25, 0);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                untouched = mount_matrix_identity;
                m = untouched;
                if (mount_matrix_parse(&m, bad[i]) != -EINVAL)
                        fail_msg("accepted \"%s\"", bad[i]);
                assert_memory_equal(&m, &untouched, sizeof(m));
        }
}

/* A locale with a decimal comma must not change the syntax. Reported as
 * skipped (not passed) where no such locale is installed. */
static void test_mount_parse_locale(void **state)
{
        MountMatrix m;

        if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
                skip();
        assert_int_equal(mount_matrix_parse(&m, "0.5,0,0;0,1,0;0,0,1"), 0);
        (void) setlocale(LC_NUMERIC, "C");
        assert_near(m.m[0][0], 0.5, 0);
}

static void test_mount_apply(void **state)
{
        EstimatorParams p;
        double b[3], s[3];
        Wearer w;

        /* Sensor x along the body's y (head), y along z, z along x. */
        params_worn(&p);
        assert_int_equal(mount_matrix_parse(&p.mount, "0,0,1;1,0,0;0,1,0"), 0);
        wearer_init(&w, &p);

        body_gravity(30, -15, b);
        s[0] = b[1], s[1] = b[2], s[2] = b[0];
        feed_sensor(&w, s, NULL, false, 10);

        for (size_t k = 0; k < 3; k++) {
                assert_near(w.last.gravity[k], b[k], 1e-5);
                assert_near(w.last.raw[k], b[k], 1e-5);
        }
        assert_near(w.last.flexion_deg, 30, FRAME_TOL_DEG);
        assert_near(w.last.lateral_deg, -15, FRAME_TOL_DEG);
        assert_int_equal(w.last.posture, POSTURE_FLEXED);

        /* Upright in the sensor frame reads along sensor x (once the
         * second that the angles average has passed). */
        s[0] = G, s[1] = 0, s[2] = 0;
        feed_sensor(&w, s, NULL, false, SMOOTH);
        assert_near(w.last.flexion_deg, 0, FRAME_TOL_DEG);
        assert_near(w.last.lateral_deg, 0, FRAME_TOL_DEG);
        assert_int_equal(w.last.posture, POSTURE_UPRIGHT);
        wearer_done(&w);
}

/* Calibrated while worn tilted @theta° forward: a still sample there reads 0°. */
static void assert_neutral_at(Wearer *w, double theta)
{
        feed_still(w, theta, 0, 1);
        assert_true(w->last.calibrated);
        assert_near(w->last.flexion_deg, 0, FRAME_TOL_DEG);
}

/* @n samples at @theta° forward, with @shake on top alternating in sign. */
static void feed_shaking(Wearer *w, double theta, const double shake[3], size_t n)
{
        double g[3];

        body_gravity(theta, 0, g);
        feed_sensor(w, g, shake, true, n);
}

static void test_calibrate_tilted(void **state)
{
        EstimatorParams p;
        double n[3], expected[3];
        Wearer w;

        params_worn(&p);
        wearer_init(&w, &p);

        /* Worn tilted 10° forward, sitting upright. */
        feed_still(&w, 10, 0, WINDOW);
        assert_false(w.last.calibrated);
        assert_false(estimator_get_neutral(w.e, n));
        assert_near(w.last.flexion_deg, 10, FRAME_TOL_DEG);
        assert_int_equal(w.last.activity, ACTIVITY_STILL);

        assert_int_equal(estimator_calibrate(w.e), 0);
        assert_true(estimator_get_neutral(w.e, n));
        body_gravity(10, 0, expected);
        for (size_t k = 0; k < 3; k++)
                assert_near(n[k], expected[k], 1e-5);

        assert_neutral_at(&w, 10);
        assert_near(w.last.lateral_deg, 0, FRAME_TOL_DEG);
        assert_int_equal(w.last.posture, POSTURE_UPRIGHT);

        /* A 30° bend reads 30°, not 40°. */
        feed_still(&w, 40, 0, SMOOTH);
        assert_near(w.last.flexion_deg, 30, FRAME_TOL_DEG);
        assert_near(w.last.lateral_deg, 0, FRAME_TOL_DEG);
        assert_int_equal(w.last.posture, POSTURE_FLEXED);
        wearer_done(&w);
}

static void test_calibrate_errors(void **state)
{
        EstimatorParams p;
        Wearer w;

        params_worn(&p);

        /* Not a full window yet. */
        wearer_init(&w, &p);
        assert_int_equal(estimator_calibrate(w.e), CALIBRATE_NO_DATA);
        feed_still(&w, 0, 0, WINDOW - 1);
        assert_int_equal(estimator_calibrate(w.e), CALIBRATE_NO_DATA);
        feed_still(&w, 0, 0, 1);
        assert_int_equal(estimator_calibrate(w.e), 0);
        wearer_done(&w);

        /* A gap starts the window again. */
        wearer_init(&w, &p);
        feed_still(&w, 0, 0, WINDOW);
        {
                Frame f = { .t_ns = w.next * STEP_NS, .v = { 0, G, 0 }, .flags = FRAME_AFTER_GAP };

                estimator_feed(w.e, &f, &f, &w.last);
                w.next++;
        }
        assert_int_equal(estimator_calibrate(w.e), CALIBRATE_NO_DATA);
        feed_still(&w, 0, 0, WINDOW - 1);
        assert_int_equal(estimator_calibrate(w.e), 0);
        wearer_done(&w);

        /* Shaking: not still, and not calibrated. */
        wearer_init(&w, &p);
        feed_shaking(&w, 0, (const double[3]){ 1, 0, 0 }, WINDOW);
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        assert_int_equal(estimator_calibrate(w.e), CALIBRATE_NOT_STILL);
        assert_false(estimator_get_neutral(w.e, NULL));
        wearer_done(&w);

        /* A slow lean: the dynamic part is nil, but gravity turned by 10°. */
        wearer_init(&w, &p);
        for (size_t i = 0; i < WINDOW; i++)
                feed_still(&w, 10.0 * (double) i / WINDOW, 0, 1);
        assert_int_equal(w.last.activity, ACTIVITY_STILL);
        assert_int_equal(estimator_calibrate(w.e), CALIBRATE_NOT_STILL);
        feed_still(&w, 10, 0, WINDOW);
        assert_int_equal(estimator_calibrate(w.e), 0);
        assert_neutral_at(&w, 10);
        wearer_done(&w);
}

static void test_auto_calibrate(void **state)
{
        EstimatorParams p;
        Wearer w;

        params_worn(&p);
        p.auto_calibrate = true;
        wearer_init(&w, &p);

        /* Moving first: no calibration however long it lasts, and no
         * posture claimed against the mount's upright meanwhile. */
        feed_shaking(&w, 10, (const double[3]){ 0, 0, 1.5 }, 4 * WINDOW);
        assert_false(w.last.calibrated);
        assert_true(w.last.awaiting_neutral);
        assert_int_equal(w.last.activity, ACTIVITY_MOVING);
        assert_int_equal(w.last.posture, POSTURE_UNKNOWN);

        /* Then still, tilted 10° forward: calibrates on the first full still
         * window, and that very sample reads 0°. */
        for (size_t i = 0; i < 2 * WINDOW && !w.last.calibrated; i++) {
                feed_still(&w, 10, 0, 1);
                if (!w.last.calibrated)
                        assert_near(w.last.flexion_deg, 10, FRAME_TOL_DEG);
        }
        assert_true(w.last.calibrated);
        assert_false(w.last.awaiting_neutral);
        assert_int_equal(w.last.posture, POSTURE_UPRIGHT);
        assert_near(w.last.flexion_deg, 0, FRAME_TOL_DEG);
        wearer_done(&w);

        /* Still from the start: exactly one window. */
        wearer_init(&w, &p);
        feed_still(&w, 10, 0, WINDOW - 1);
        assert_false(w.last.calibrated);
        assert_neutral_at(&w, 10);
        /* And it does not move neutral afterwards. */
        feed_still(&w, 30, 0, 3 * WINDOW);
        assert_near(w.last.flexion_deg, 20, FRAME_TOL_DEG);
        wearer_done(&w);

        /* Off by default. */
        params_worn(&p);
        wearer_init(&w, &p);
        feed_still(&w, 10, 0, 3 * WINDOW);
        assert_false(w.last.calibrated);
        wearer_done(&w);
}

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

static void test_set_neutral(void **state)
{
        static const double bad[][3] = {
                { NAN, 9.8, 0 },
                { 0, INFINITY, 0 },
                { 0, 0, 0 },
                { 0.5, 0.5, 0.5 },
        };
        EstimatorParams p;
        double n[3], got[3];
        Wearer w;

        params_worn(&p);
        wearer_init(&w, &p);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(estimator_set_neutral(w.e, bad[i]), -EINVAL);
        assert_false(estimator_get_neutral(w.e, got));

        body_gravity(-5, 0, n);
        assert_int_equal(estimator_set_neutral(w.e, n), 0);
        assert_true(estimator_get_neutral(w.e, got));
        assert_memory_equal(n, got, sizeof(n));

        feed_still(&w, 15, 0, 1);
        assert_true(w.last.calibrated);
        assert_near(w.last.flexion_deg, 20, FRAME_TOL_DEG);
        assert_near(w.last.lateral_deg, 0, FRAME_TOL_DEG);
        wearer_done(&w);
}

static void test_new_bad(void **state)
{
        EstimatorParams p;
        Estimator *e = NULL;

        params_worn(&p);
        assert_int_equal(estimator_new(&e, &p, 0), -EINVAL);
        assert_int_equal(estimator_new(&e, &p, -50), -EINVAL);
        assert_int_equal(estimator_new(&e, &p, NAN), -EINVAL);
        assert_int_equal(estimator_new(&e, &p, INFINITY), -EINVAL);

        p.still_window_s = 0;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), -EINVAL);
        p.still_window_s = -3;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), -EINVAL);
        p.still_window_s = NAN;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), -EINVAL);

        params_worn(&p);
        p.still_rms = NAN;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), -EINVAL);

        params_worn(&p);
        p.extreme_deg = INFINITY;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), -EINVAL);

        params_worn(&p);
        p.mount.m[2][2] = 0;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), -EINVAL);
        assert_null(e);

        /* Walking and rate limits (more in test-estimator-motion). */
        params_worn(&p);
        p.walk_min_step_hz = p.walk_max_step_hz;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), -EINVAL);
        params_worn(&p);
        p.sensor_height_m = NAN;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), -EINVAL);
        assert_null(e);

        /* A window shorter than one sample still holds one. */
        params_worn(&p);
        p.still_window_s = 0.001;
        p.auto_calibrate = true;
        assert_int_equal(estimator_new(&e, &p, RATE_HZ), 0);
        {
                Frame f = { .v = { 0, G, 0 } };
                PostureSample s;

                estimator_feed(e, &f, &f, &s);
                assert_true(s.calibrated);
        }
        e = estimator_free(e);
        assert_null(estimator_free(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_params_default),
                cmocka_unit_test(test_angles_grid),
                cmocka_unit_test(test_angles_relative),
                cmocka_unit_test(test_mount_parse),
                cmocka_unit_test(test_mount_parse_locale),
                cmocka_unit_test(test_mount_apply),
                cmocka_unit_test(test_calibrate_tilted),
                cmocka_unit_test(test_calibrate_errors),
                cmocka_unit_test(test_auto_calibrate),
                cmocka_unit_test(test_activity),
                cmocka_unit_test(test_moving_posture),
                cmocka_unit_test(test_gravity_smooth),
                cmocka_unit_test(test_posture_classes),
                cmocka_unit_test(test_lying_while_moving),
                cmocka_unit_test(test_lying_shortcut),
                cmocka_unit_test(test_unknown),
                cmocka_unit_test(test_set_neutral),
                cmocka_unit_test(test_new_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
