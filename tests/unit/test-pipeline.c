/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline: its parameters, the events of a scene, batches, the short
 * way, the acute rules, the mount matrix, and the sample and summary
 * handlers. Its input's acceptance: test-pipeline-input.c.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline-harness.h"
#include "test-util.h"
#include "core/estimator/rate-view.h"
#include "core/pipeline.h"

static void test_params_default(void **state)
{
        PipelineParams p;
        EstimatorParams e;
        RuleParams r;

        pipeline_params_default(&p);
        estimator_params_default(&e);
        rule_params_default(&r);
        assert_int_equal(p.filter_order, 4);
        assert_near(p.cutoff_hz, 2.0, 0);
        assert_memory_equal(&p.estimator.mount, &e.mount, sizeof(MountMatrix));
        assert_near(p.estimator.still_window_s, e.still_window_s, 0);
        assert_near(p.estimator.flexion_deg, e.flexion_deg, 0);
        assert_int_equal(p.estimator.auto_calibrate, e.auto_calibrate);
        assert_memory_equal(&p.rules, &r, sizeof(r));
}

static void test_new_invalid(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *pl = NULL;
        const double bad_rates[] = { 0, -50, NAN, INFINITY };
        PipelineParams p;

        pipeline_params_default(&p);
        p.estimator.not_worn_s = 0; /* constant frames */
        for (size_t i = 0; i < ELEMENTSOF(bad_rates); i++) {
                assert_int_equal(pipeline_new(&pl, &p, bad_rates[i]), -EINVAL);
                assert_null(pl);
        }

        /* Nyquist at 50 Hz is 25 Hz: at or above it no low-pass exists. */
        p.cutoff_hz = 25;
        assert_int_equal(pipeline_new(&pl, &p, RATE_HZ), -EINVAL);
        p.cutoff_hz = 30;
        assert_int_equal(pipeline_new(&pl, &p, RATE_HZ), -EINVAL);
        assert_null(pl);

        pipeline_params_default(&p);
        p.estimator.not_worn_s = 0; /* constant frames */
        assert_int_equal(pipeline_new(&pl, &p, RATE_HZ), 0);
        assert_non_null(pl);
        assert_null(pipeline_last(pl));
        assert_int_equal(pipeline_dropped(pl), 0);
        assert_int_equal(pipeline_summary(pl)->frames, 0);
        assert_near(pipeline_summary(pl)->duration_s, 0, 0);
        assert_null(pipeline_free(NULL));
}

static void test_sustained(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *pl = NULL;
        _cleanup_(freep) Frame *f = NULL;
        const PipelineSummary *sum;
        const PostureSample *last;
        double total_s = 0;
        Recorder rec;
        size_t n;

        n = run_scene(&pl, &rec, &f);

        assert_int_equal(rec.n, 1);
        assert_int_equal(rec.ev[0].kind, EVENT_SUSTAINED_FLEXION);
        assert_int_equal(rec.ev[0].severity, SEVERITY_WARNING);
        assert_true(fired_after_bend_s(&rec.ev[0]) >= MAHT_40_S);
        assert_true(fired_after_bend_s(&rec.ev[0]) <= MAHT_40_S + FILTER_LAG_S);
        assert_near(rec.ev[0].duration_s, MAHT_40_S, FILTER_LAG_S);
        /* A 4th-order Butterworth overshoots a step by about 11 %. */
        assert_true(rec.ev[0].peak_deg >= BEND_DEG);
        assert_true(rec.ev[0].peak_deg <= BEND_DEG * 1.15);

        sum = pipeline_summary(pl);
        assert_int_equal(sum->events[EVENT_SUSTAINED_FLEXION], 1);
        assert_int_equal(sum->events[EVENT_EXTREME_FLEXION], 0);
        assert_int_equal(sum->frames, n);
        assert_int_equal(pipeline_dropped(pl), 0);

        last = pipeline_last(pl);
        assert_non_null(last);
        assert_int_equal(last->t_ns, f[n - 1].t_ns);
        assert_near(last->flexion_deg, BEND_DEG, 0.5);
        assert_near(last->lateral_deg, 0, 0.5);
        assert_true(last->calibrated);
        assert_int_equal(last->posture, POSTURE_FLEXED);

        /* The first sample opens the record; every later step is counted. */
        assert_near(sum->duration_s, (double) (n - 1) / RATE_HZ, 1e-6);
        /* The angles' 1 s average shows the instant bend half a second
         * late (the slouched band on the way lasts a sample or two). */
        assert_near(sum->posture_s[POSTURE_UPRIGHT] + sum->posture_s[POSTURE_UNKNOWN],
                    UPRIGHT_S + 0.5, 0.2);
        /* Until the first still window (3 s) gives the automatic neutral,
         * the posture is unknown, not the mount's upright. */
        assert_near(sum->posture_s[POSTURE_UNKNOWN], 3.0, 0.2);
        /* The bend is a jolt: until it leaves the 3 s still window the
         * wearer is moving, but the posture is the bend all along. */
        assert_true(sum->activity_s[ACTIVITY_MOVING] > 0);
        assert_true(sum->activity_s[ACTIVITY_MOVING] <= 3.5);
        assert_near(sum->posture_s[POSTURE_MOVING], 0, 0);
        assert_near(sum->posture_s[POSTURE_FLEXED], BEND_S - 0.6, 0.3);
        for (size_t i = 0; i < _POSTURE_MAX; i++)
                total_s += sum->posture_s[i];
        assert_near(total_s, sum->duration_s, 1e-6);
}

/* xorshift32: the same chunk sizes on every run and every libc. */
static void test_batch_independence(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *whole = NULL;
        _cleanup_(freep) Frame *f = NULL;
        Recorder rec_whole;
        size_t n;

        n = run_scene(&whole, &rec_whole, &f);
        assert_int_equal(rec_whole.n, 1);

        for (uint32_t seed = 1; seed <= 4; seed++) {
                _cleanup_(pipeline_freep) Pipeline *pl = NULL;
                uint32_t rnd = seed * 2654435761u;
                Recorder rec;

                new_pipeline(&pl, &rec, NULL);
                for (size_t i = 0; i < n;) {
                        size_t want = 1 + next_random(&rnd) % 700, k = MIN(want, n - i);

                        pipeline_feed(pl, f + i, k);
                        i += k;
                }
                assert_same_events(&rec, &rec_whole);
                assert_same_sample(pipeline_last(pl), pipeline_last(whole));
                assert_memory_equal(pipeline_summary(pl), pipeline_summary(whole),
                                    sizeof(PipelineSummary));
        }
}

static void on_summary(const PostureSample *prev, const PostureSample *s, double dt_s,
                       double strain, void *userdata)
{
        (*(size_t *) userdata)++;
}

/* A wearer who sits, slouches, bends, leans, walks about and takes the
 * sensor off, with gaps in the stream: segments of random postures, with
 * tremor (worn) or dead still (lying on a desk), 20 ms apart. Return: the
 * number of frames in *ret. */
static size_t make_day(Frame **ret, uint32_t rnd)
{
        static const double flexions[] = { -40, -10, 0, 8, 16, 18, 25, 40, 55, 70 };
        static const double laterals[] = { 0, 0, 5, -15, 25 };
        size_t cap = 200000, n = 0;
        Frame *f = calloc(cap, sizeof(Frame));
        int64_t t = T0_NS;

        assert_non_null(f);
        while (n < cap - 6000) {
                double theta = flexions[next_random(&rnd) % ELEMENTSOF(flexions)] * M_PI / 180;
                double phi = laterals[next_random(&rnd) % ELEMENTSOF(laterals)] * M_PI / 180;
                unsigned kind = next_random(&rnd) % 8; /* 0: off, 1: walking, else still */
                size_t len = 100 + next_random(&rnd) % (kind == 0 ? 5000 : 3000);
                bool gap = next_random(&rnd) % 6 == 0;

                for (size_t i = 0; i < len; i++) {
                        double tt = (double) (t - T0_NS) / NSEC_PER_SEC, wob = 0;
                        double body[3];

                        if (kind == 1)
                                wob = 2.0 * sin(2 * M_PI * 1.8 * tt);
                        else if (kind != 0)
                                wob = 0.02 * sin(2 * M_PI * 7.3 * tt + i);
                        body[0] = G * sin(phi) * cos(theta) + 0.3 * wob;
                        body[1] = G * cos(phi) * cos(theta) + wob;
                        body[2] = -G * sin(theta) + 0.5 * wob;
                        f[n].t_ns = t;
                        for (size_t j = 0; j < 3; j++)
                                f[n].v[j] = (float) body[j];
                        if (gap && i == 0)
                                f[n].flags |= FRAME_AFTER_GAP;
                        n++;
                        t += STEP_NS;
                }
                if (gap)
                        t += (int64_t) (1 + next_random(&rnd) % 5) * NSEC_PER_SEC;
        }
        *ret = f;
        return n;
}

static void on_neutral(const PostureSample *s, void *userdata)
{
        (*(size_t *) userdata)++;
}

/* A summary handler's previous sample: its angles and rate worked out. */
static void on_summary_resolved(const PostureSample *prev, const PostureSample *s, double dt_s,
                                double strain, void *userdata)
{
        if (prev) {
                assert_false(prev->angles_pending);
                assert_false(rate_is_pending(&prev->rate_pending));
        }
        (*(size_t *) userdata)++;
}

/* The short way leaves the last sample's angles and rate to be worked out
 * when asked for: pipeline_last() gives them as the sample by sample way
 * does, also after a calibration or its reset restated the angles, and a
 * summary handler installed later gets them worked out in its previous
 * sample. */
static void test_short_way_last(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *ref = NULL, *pl = NULL;
        _cleanup_(freep) Frame *f = NULL;
        PipelineParams p;
        uint32_t rnd = 977u;
        size_t n = make_day(&f, 12345u), calls = 0, calls_ref = 0, calibrated = 0;

        pipeline_params_default(&p);
        p.estimator.auto_calibrate = true;
        assert_int_equal(pipeline_new(&ref, &p, RATE_HZ), 0);
        assert_int_equal(pipeline_new(&pl, &p, RATE_HZ), 0);
        pipeline_set_summary_handler(ref, on_summary_resolved, &calls_ref);
        for (size_t i = 0; i < n;) {
                size_t want = 1 + next_random(&rnd) % 700, k = MIN(want, n - i);
                uint32_t r = next_random(&rnd);
                const PostureSample *a, *b;

                pipeline_feed(ref, f + i, k);
                pipeline_feed(pl, f + i, k);
                i += k;
                if (r % 5 == 0) {
                        int x = pipeline_calibrate(ref);

                        assert_int_equal(pipeline_calibrate(pl), x);
                        calibrated += x == 0;
                } else if (r % 5 == 1) {
                        pipeline_reset_calibration(ref);
                        pipeline_reset_calibration(pl);
                }
                /* Asked for now and then only: mostly still pending. */
                if (r % 3 == 0 || i == n) {
                        a = pipeline_last(pl);
                        b = pipeline_last(ref);
                        assert_same_sample(a, b);
                        assert_memory_equal(&a->rate_dps, &b->rate_dps, sizeof(double));
                }
                /* After a chunk whose last sample nothing asked for. */
                if (i > n / 2 && r % 15 == 2 && !calls)
                        pipeline_set_summary_handler(pl, on_summary_resolved, &calls);
        }
        assert_true(calibrated > 0);
        assert_true(calls > 0);
        assert_int_equal(calls_ref, n);
        (void) state;
}

/* The short way's summary at the edges of summary_dt(): intervals of
 * exactly SUMMARY_MAX_DT_NS (2 s), a nanosecond either side of it, of one
 * nanosecond and jittered around the rate's step (the kept interval
 * changing and coming back): the same sums, to the bit, as with a summary
 * handler, in chunks of any size. */
static void test_short_way_intervals(void **state)
{
        static const int64_t steps[] = { STEP_NS,
                                         STEP_NS + 1,
                                         STEP_NS - 1,
                                         2 * NSEC_PER_SEC,
                                         2 * NSEC_PER_SEC + 1,
                                         2 * NSEC_PER_SEC - 1,
                                         1,
                                         STEP_NS / 2 };

        for (uint32_t seed = 1; seed <= 3; seed++) {
                _cleanup_(pipeline_freep) Pipeline *ref = NULL, *pl = NULL;
                _cleanup_(freep) Frame *f = NULL;
                PipelineParams p;
                uint32_t rnd = seed * 2246822519u;
                size_t n = make_day(&f, seed * 69069u), calls = 0, neutrals_ref = 0, neutrals = 0;
                int64_t t = T0_NS;

                for (size_t i = 0; i < n; i++) {
                        uint32_t r = next_random(&rnd);

                        f[i].t_ns = t;
                        t += r % 4 ? STEP_NS : steps[(r >> 8) % ELEMENTSOF(steps)];
                }
                pipeline_params_default(&p);
                p.estimator.auto_calibrate = true;
                assert_int_equal(pipeline_new(&ref, &p, RATE_HZ), 0);
                assert_int_equal(pipeline_new(&pl, &p, RATE_HZ), 0);
                pipeline_set_summary_handler(ref, on_summary, &calls);
                pipeline_set_calibration_handler(ref, on_neutral, &neutrals_ref);
                pipeline_set_calibration_handler(pl, on_neutral, &neutrals);
                pipeline_feed(ref, f, n);
                for (size_t i = 0; i < n;) {
                        size_t want = 1 + next_random(&rnd) % 700, k = MIN(want, n - i);

                        pipeline_feed(pl, f + i, k);
                        i += k;
                }
                assert_int_equal(calls, n);
                /* The neutral taken (the calibration handler is called at
                 * the sample, also on the short way). */
                assert_true(neutrals > 0);
                assert_int_equal(neutrals, neutrals_ref);
                assert_true(pipeline_summary(pl)->duration_s > 0);
                assert_same_sample(pipeline_last(pl), pipeline_last(ref));
                assert_memory_equal(pipeline_summary(pl), pipeline_summary(ref),
                                    sizeof(PipelineSummary));
        }
        (void) state;
}

/* Without summary and sample handlers the pipeline takes its short way
 * (the summary a chunk at once, the detectors in runs): the same events,
 * latest sample and summary, to the bit, as with a summary handler, in
 * chunks of any size. */
static void test_short_way(void **state)
{
        for (uint32_t seed = 1; seed <= 3; seed++) {
                _cleanup_(pipeline_freep) Pipeline *ref = NULL, *pl = NULL;
                _cleanup_(freep) Frame *f = NULL;
                PipelineParams p;
                Recorder rec_ref, rec;
                uint32_t rnd = seed * 2654435761u;
                size_t n = make_day(&f, seed * 40503u), calls = 0;

                pipeline_params_default(&p);
                p.estimator.auto_calibrate = true;
                /* Shorter holds and cool-downs: many events. */
                p.rules.static_s = 120;
                p.rules.slouch_hold_s = 5;
                p.rules.lateral_hold_s = 5;
                p.rules.extension_hold_s = 5;
                for (size_t k = 0; k < _EVENT_KIND_MAX; k++)
                        p.rules.cooldown_s[k] = 10;
                assert_int_equal(pipeline_new(&ref, &p, RATE_HZ), 0);
                assert_int_equal(pipeline_new(&pl, &p, RATE_HZ), 0);
                rec_ref = rec = (Recorder){ 0 };
                pipeline_set_event_handler(ref, on_event, &rec_ref);
                pipeline_set_event_handler(pl, on_event, &rec);
                pipeline_set_summary_handler(ref, on_summary, &calls);

                pipeline_feed(ref, f, n);
                for (size_t i = 0; i < n;) {
                        size_t want = 1 + next_random(&rnd) % 700, k = MIN(want, n - i);

                        pipeline_feed(pl, f + i, k);
                        i += k;
                }
                assert_int_equal(calls, n);
                assert_true(rec.n > 0);
                assert_same_events(&rec, &rec_ref);
                assert_same_sample(pipeline_last(pl), pipeline_last(ref));
                assert_memory_equal(pipeline_summary(pl), pipeline_summary(ref),
                                    sizeof(PipelineSummary));
        }
}

static void test_acute_rules(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *pl = NULL;
        _cleanup_(freep) Frame *f = NULL;
        Recorder rec;
        RuleParams r;
        size_t n;

        n = make_scene(&f, BEND_DEG, &mount_matrix_identity);
        new_pipeline(&pl, &rec, NULL);

        rule_params_default(&r);
        r.holding_time_factor = 0;
        assert_int_equal(pipeline_set_rules(pl, &r), -EINVAL);

        rule_params_default(&r);
        rule_params_acute(&r);
        assert_int_equal(pipeline_set_rules(pl, &r), 0);
        pipeline_feed(pl, f, n);

        /* 40° stays under the acute extreme limit of 45°, so only one event. */
        assert_int_equal(rec.n, 1);
        assert_int_equal(rec.ev[0].kind, EVENT_SUSTAINED_FLEXION);
        assert_true(fired_after_bend_s(&rec.ev[0]) >= MAHT_40_S / 2);
        assert_true(fired_after_bend_s(&rec.ev[0]) <= MAHT_40_S / 2 + FILTER_LAG_S);
        assert_int_equal(pipeline_summary(pl)->events[EVENT_SUSTAINED_FLEXION], 1);
}

static void test_mount_matrix(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *ident = NULL, *mounted = NULL;
        _cleanup_(freep) Frame *fi = NULL, *fm = NULL;
        const PostureSample *a, *b;
        Recorder rec_i, rec_m;
        MountMatrix m;
        size_t n;

        assert_int_equal(mount_matrix_parse(&m, "0,0,-1;0,1,0;1,0,0"), 0);

        n = make_scene(&fi, BEND_DEG, &mount_matrix_identity);
        assert_int_equal(make_scene(&fm, BEND_DEG, &m), n);
        /* The sensor really is turned: its z axis carries body −x, its x axis body z. */
        assert_near(fm[n - 1].v[0], fi[n - 1].v[2], 0);
        assert_near(fm[n - 1].v[2], 0, 0);

        new_pipeline(&ident, &rec_i, NULL);
        new_pipeline(&mounted, &rec_m, &m);
        pipeline_feed(ident, fi, n);
        pipeline_feed(mounted, fm, n);

        a = pipeline_last(ident);
        b = pipeline_last(mounted);
        assert_true(b->calibrated);
        assert_near(b->flexion_deg, BEND_DEG, 0.5);
        assert_near(b->flexion_deg, a->flexion_deg, 1e-3);
        assert_near(b->lateral_deg, a->lateral_deg, 1e-3);
        assert_int_equal(b->posture, a->posture);
        for (size_t i = 0; i < 3; i++)
                assert_near(b->gravity[i], a->gravity[i], 1e-4);

        assert_int_equal(rec_m.n, 1);
        assert_int_equal(rec_i.n, 1);
        assert_near(fired_after_bend_s(&rec_m.ev[0]), fired_after_bend_s(&rec_i.ev[0]), 0.05);
}

typedef struct Samples {
        int64_t t_ns[64];
        PostureClass posture[64];
        size_t n;
} Samples;

static void on_sample(const PostureSample *s, void *userdata)
{
        Samples *got = userdata;

        assert_true(got->n < ELEMENTSOF(got->t_ns));
        got->t_ns[got->n] = s->t_ns;
        got->posture[got->n++] = s->posture;
}

/* The sample handler gets the first sample, then one every interval of
 * sample time, in chunks of any size; the summary splits the posture
 * seconds by activity, and they add up to the totals. */
static void test_samples_and_summary(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *pl = NULL;
        _cleanup_(freep) Frame *f = NULL;
        const PipelineSummary *sum;
        Samples got = {};
        Recorder rec;
        size_t n = make_scene(&f, BEND_DEG, &mount_matrix_identity);

        new_pipeline(&pl, &rec, NULL);
        pipeline_set_sample_handler(pl, 5 * NSEC_PER_SEC, on_sample, &got);
        for (size_t i = 0; i < n; i += 77)
                pipeline_feed(pl, f + i, MIN((size_t) 77, n - i));

        /* 0, 5, ..., 165 s */
        assert_int_equal(got.n, 34);
        for (size_t i = 0; i < got.n; i++)
                assert_int_equal(got.t_ns[i], T0_NS + (int64_t) i * 5 * NSEC_PER_SEC);
        /* No neutral yet at 0 s (automatic), one by 5 s. */
        assert_int_equal(got.posture[0], POSTURE_UNKNOWN);
        assert_int_equal(got.posture[1], POSTURE_UPRIGHT);
        assert_int_equal(got.posture[got.n - 1], POSTURE_FLEXED);

        sum = pipeline_summary(pl);
        for (PostureClass c = 0; c < _POSTURE_MAX; c++) {
                double total = 0;

                for (Activity a = 0; a < _ACTIVITY_MAX; a++)
                        total += sum->posture_by_activity_s[a][c];
                assert_near(total, sum->posture_s[c], 1e-6);
        }
        for (Activity a = 0; a < _ACTIVITY_MAX; a++) {
                double total = 0;

                for (PostureClass c = 0; c < _POSTURE_MAX; c++)
                        total += sum->posture_by_activity_s[a][c];
                assert_near(total, sum->activity_s[a], 1e-6);
        }
        /* The instant bend is a jolt (moving) and flexed at once. */
        assert_true(sum->posture_by_activity_s[ACTIVITY_MOVING][POSTURE_FLEXED] > 1);
        assert_near(sum->posture_by_activity_s[ACTIVITY_STILL][POSTURE_FLEXED],
                    BEND_S - 0.6 - sum->posture_by_activity_s[ACTIVITY_MOVING][POSTURE_FLEXED],
                    0.3);

        /* Off again. */
        pipeline_set_sample_handler(pl, 0, on_sample, &got);
        got.n = 0;
        pipeline_feed(pl, &(Frame){ .t_ns = f[n - 1].t_ns + STEP_NS, .v = { 0, G, 0 } }, 1);
        assert_int_equal(got.n, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_params_default),
                cmocka_unit_test(test_new_invalid),
                cmocka_unit_test(test_sustained),
                cmocka_unit_test(test_batch_independence),
                cmocka_unit_test(test_acute_rules),
                cmocka_unit_test(test_mount_matrix),
                cmocka_unit_test(test_samples_and_summary),
                cmocka_unit_test(test_short_way),
                cmocka_unit_test(test_short_way_intervals),
                cmocka_unit_test(test_short_way_last),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
