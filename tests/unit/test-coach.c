/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Coach on a recording gives the events and advice that `posturectl
 * analyze` prints for it: the lists below are analyze's output for
 * tests/data/flexion-boundaries.csv (type, t, kind or id).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/coach.h"
#include "core/config.h"
#include "core/recording.h"
#include "util/macro.h"

#define BATCH_FRAMES 1024
/* analyze's time base: sample time plus 30 days. */
#define EPOCH_USEC (UINT64_C(30) * 24 * 3600 * USEC_PER_SEC)
#define HOUR_USEC  (UINT64_C(3600) * USEC_PER_SEC)

typedef struct Run {
        char lines[32][80];
        unsigned n;
        unsigned phase_changes;
        RecoveryPhase last_phase;
} Run;

static void add(Run *run, const char *type, uint64_t now_usec, const char *what)
{
        assert_true(run->n < ELEMENTSOF(run->lines));
        snprintf(run->lines[run->n++], sizeof(run->lines[0]), "%s %.3f %s", type,
                 (double) (now_usec - EPOCH_USEC) / 1e6, what);
}

static uint64_t event_time(int64_t t_ns, void *userdata)
{
        return EPOCH_USEC + (uint64_t) (t_ns / 1000);
}

static void on_event(const StrainEvent *e, const PostureSample *s, void *userdata)
{
        add(userdata, "event", event_time(e->t_ns, NULL), event_kind_to_string(e->kind));
}

static void on_advice(const AdviceItem *it, uint64_t now_usec, void *userdata)
{
        add(userdata, "advice", now_usec, it->id);
}

static void on_alert(const AdviceItem *it, uint64_t now_usec, void *userdata)
{
        add(userdata, "alert", now_usec, it->id);
}

static void on_phase_changed(RecoveryPhase phase, void *userdata)
{
        Run *run = userdata;

        run->phase_changes++;
        run->last_phase = phase;
}

static const CoachCallbacks callbacks = {
        .strain_event = on_event,
        .advice = on_advice,
        .alert = on_alert,
        .phase_changed = on_phase_changed,
        .event_time = event_time,
};

typedef struct Fixture {
        Catalogue *catalogue;
        Frame *frames;
        size_t n_frames;
        double rate_hz;
} Fixture;

static int setup(void **state)
{
        const char *top = getenv("TOP_SRCDIR") ?: ".";
        RecordingReader *rr = NULL;
        Fixture *f = calloc(1, sizeof(*f));
        char *path = NULL, *error = NULL;
        size_t size = 0;
        int r;

        assert_non_null(f);
        assert_true(asprintf(&path, "%s/conf/advice.conf", top) > 0);
        assert_int_equal(catalogue_load(&f->catalogue, path, &error), 0);
        free(path);
        assert_true(asprintf(&path, "%s/tests/data/flexion-boundaries.csv", top) > 0);
        assert_int_equal(recording_reader_open(&rr, path), 0);
        free(path);
        for (;;) {
                if (f->n_frames == size) {
                        size = size ? 2 * size : 4096;
                        f->frames = realloc(f->frames, size * sizeof(Frame));
                        assert_non_null(f->frames);
                }
                r = recording_reader_next(rr, &f->frames[f->n_frames], NULL);
                assert_true(r >= 0);
                if (r == 0)
                        break;
                f->n_frames++;
        }
        f->rate_hz = recording_reader_rate(rr);
        recording_reader_free(rr);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;

        catalogue_free(f->catalogue);
        free(f->frames);
        free(f);
        return 0;
}

/* What analyze does: the first still window is the neutral; the phase
 * follows the sample time after every batch. */
static Coach *new_coach(const Fixture *f, Run *run, bool with_catalogue)
{
        CoachParams p;
        Config config;
        Coach *c = NULL;
        const FilterKernel *k;

        /* analyze's settings: the configuration's defaults. */
        coach_params_default(&p);
        assert_int_equal(config_init(&config, "", ""), 0);
        p.pipeline = config.pipeline;
        config_done(&config);
        p.pipeline.estimator.auto_calibrate = true;
        p.catalogue = with_catalogue ? f->catalogue : NULL;
        assert_int_equal(coach_new(&c, &p, &callbacks, run), 0);
        assert_null(coach_pipeline(c));
        assert_int_equal(coach_calibrate(c), CALIBRATE_NO_DATA);
        assert_int_equal(coach_start(c, f->rate_hz, NULL, NULL), 0);
        assert_non_null(coach_pipeline(c));
        assert_int_equal(filter_kernel_select(&k, getenv("POSTURED_FILTER")), 0);
        filter_set_kernel(pipeline_filter(coach_pipeline(c)), k);
        return c;
}

static void feed_all(const Fixture *f, Coach *c)
{
        for (size_t i = 0; i < f->n_frames; i += BATCH_FRAMES) {
                size_t n = MIN(BATCH_FRAMES, f->n_frames - i);
                const PostureSample *last;

                coach_feed(c, f->frames + i, n);
                last = pipeline_last(coach_pipeline(c));
                if (n == BATCH_FRAMES && last)
                        assert_true(coach_tick(c, event_time(last->t_ns, NULL)) >= 0);
        }
}

static void assert_lines(const Run *run, const char *const *expected, size_t n)
{
        for (size_t i = 0; i < MIN(n, run->n); i++)
                assert_string_equal(run->lines[i], expected[i]);
        assert_int_equal(run->n, n);
}

static void test_phase_none(void **state)
{
        static const char *const expected[] = {
                "event 156.860 sustained-flexion",
                "advice 156.860 sustained-flexion",
                "event 185.380 extreme-flexion",
                "advice 185.380 extreme-flexion",
        };
        Fixture *f = *state;
        Run run = {};
        Coach *c = new_coach(f, &run, true);

        assert_true(f->rate_hz == 50.0);
        feed_all(f, c);
        assert_lines(&run, expected, ELEMENTSOF(expected));
        assert_int_equal(run.phase_changes, 0);
        assert_int_equal(pipeline_summary(coach_pipeline(c))->frames, 9950);
        assert_int_equal(pipeline_summary(coach_pipeline(c))->events[EVENT_SUSTAINED_FLEXION], 1);
        coach_free(c);
}

static void test_phase_acute(void **state)
{
        static const char *const expected[] = {
                "advice 0.000 acute-no-stretch",         "advice 0.000 acute-pause-activity",
                "advice 0.000 acute-ice-heat",           "advice 0.000 acute-pain-relief",
                "advice 0.000 acute-keep-moving",        "event 81.840 sustained-flexion",
                "advice 81.840 acute-sustained-flexion", "event 184.940 extreme-flexion",
                "advice 184.940 acute-extreme-flexion",
        };
        Fixture *f = *state;
        Run run = {};
        Coach *c = new_coach(f, &run, true);

        /* analyze --phase acute: the injury at the start of the recording. */
        assert_int_equal(coach_report_injury(c, EPOCH_USEC, EPOCH_USEC), 0);
        assert_int_equal(run.phase_changes, 1);
        assert_int_equal(run.last_phase, PHASE_ACUTE);
        feed_all(f, c);
        assert_lines(&run, expected, ELEMENTSOF(expected));
        coach_free(c);
}

/* The acute phase ends 60 s into the recording: from then on the detectors
 * follow the configured rules again, and the recovering advice is given. */
static void test_phase_moves_during_recording(void **state)
{
        Fixture *f = *state;
        uint64_t onset = EPOCH_USEC + 60 * USEC_PER_SEC - 48 * HOUR_USEC;
        Run run = {};
        Coach *c = new_coach(f, &run, true);
        bool entered = false, found = false;

        assert_int_equal(coach_report_injury(c, onset, EPOCH_USEC), 0);
        feed_all(f, c);
        assert_int_equal(run.phase_changes, 2);
        assert_int_equal(run.last_phase, PHASE_RECOVERING);
        for (unsigned i = 0; i < run.n; i++)
                if (strstr(run.lines[i], " recovering-keep-moving"))
                        entered = true;
        assert_true(entered);
        /* The sustained bend is judged by the acute rules until 61.44 s (the
         * first batch after the end), then by the recovering (configured)
         * ones: later than acute alone, earlier than the configured alone. */
        for (unsigned i = 0; i < run.n; i++) {
                double t;

                if (sscanf(run.lines[i], "event %lf sustained-flexion", &t) != 1)
                        continue;
                assert_true(t > 81.88 && t < 156.94);
                assert_true(i + 1 < run.n);
                assert_non_null(strstr(run.lines[i + 1], " recovering-sustained-flexion"));
                found = true;
                break;
        }
        assert_true(found);
        coach_free(c);
}

/* Without a catalogue: the same events, no advice, the phase still moves. */
static void test_no_catalogue(void **state)
{
        static const char *const expected[] = {
                "event 81.840 sustained-flexion",
                "event 184.940 extreme-flexion",
        };
        Fixture *f = *state;
        Run run = {};
        Coach *c = new_coach(f, &run, false);

        assert_null(coach_engine(c));
        assert_int_equal(coach_report_injury(c, EPOCH_USEC, EPOCH_USEC), 0);
        assert_int_equal(recovery_phase(coach_recovery(c)), PHASE_ACUTE);
        feed_all(f, c);
        assert_lines(&run, expected, ELEMENTSOF(expected));
        assert_int_equal(coach_report_recovered(c, EPOCH_USEC + HOUR_USEC), 0);
        assert_int_equal(run.last_phase, PHASE_RECOVERED);
        coach_free(c);
}

/* A new source: a new pipeline, the wearer's neutral carried over. */
static void test_restart_keeps_neutral(void **state)
{
        Fixture *f = *state;
        Run run = {};
        Coach *c = new_coach(f, &run, true);
        double before[3], after[3];

        coach_feed(c, f->frames, 1000);
        assert_true(estimator_get_neutral(pipeline_estimator(coach_pipeline(c)), before));
        assert_int_equal(coach_start(c, 100.0, NULL, NULL), 0);
        assert_null(pipeline_last(coach_pipeline(c)));
        assert_int_equal(coach_calibrate(c), CALIBRATE_NO_DATA);
        assert_true(estimator_get_neutral(pipeline_estimator(coach_pipeline(c)), after));
        assert_memory_equal(before, after, sizeof(before));
        assert_int_equal(coach_start(c, 1.0, NULL, NULL), -EINVAL);
        coach_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_phase_none),
                cmocka_unit_test(test_phase_acute),
                cmocka_unit_test(test_phase_moves_during_recording),
                cmocka_unit_test(test_no_catalogue),
                cmocka_unit_test(test_restart_keeps_neutral),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
