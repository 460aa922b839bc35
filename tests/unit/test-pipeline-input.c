/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline's input: refused frames (repeated or earlier times, bad
 * values, garbage) dropped and counted by reason without changing the run's
 * events and samples, and acceptance at and around every limit, in batches
 * of every size.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline-harness.h"
#include "test-util.h"
#include "core/pipeline.h"

static void test_drops(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *ref = NULL, *pl = NULL;
        _cleanup_(freep) Frame *f = NULL;
        Recorder rec_ref, rec;
        PostureSample before;
        unsigned long long dropped = 0;
        size_t n, mid;
        Frame bad;

        n = run_scene(&ref, &rec_ref, &f);
        assert_int_equal(rec_ref.n, 1);

        new_pipeline(&pl, &rec, NULL);

        /* Refused frames before the first good one leave nothing behind. */
        bad = (Frame){ .t_ns = f[0].t_ns, .v = { 0, NAN, 0 } };
        pipeline_feed(pl, &bad, 1);
        pipeline_feed(pl, f, 0);
        assert_null(pipeline_last(pl));
        assert_int_equal(pipeline_dropped(pl), ++dropped);
        assert_int_equal(pipeline_summary(pl)->frames, 0);

        /* Half way through the held bend: the episode is running, not fired. */
        mid = (size_t) llround((UPRIGHT_S + BEND_S / 2) * RATE_HZ);
        pipeline_feed(pl, f, mid);
        assert_int_equal(rec.n, 0);
        before = *pipeline_last(pl);
        assert_true(detectors_strain_level(pipeline_detectors(pl)) > 0.4);

        {
                const float poison[] = { NAN, INFINITY, -INFINITY };
                const int64_t t = f[mid - 1].t_ns;
                double level = detectors_strain_level(pipeline_detectors(pl));
                Frame seq[3 * ELEMENTSOF(poison) + 2];
                size_t k = 0;

                /* Repeated and earlier times, with perfectly good values. */
                seq[k++] = (Frame){ .t_ns = t, .v = { 0, G, 0 } };
                seq[k++] = (Frame){ .t_ns = t - STEP_NS, .v = { 0, G, 0 } };
                /* Later times, between two real samples, with a bad value on each axis. */
                for (size_t i = 0; i < ELEMENTSOF(poison); i++)
                        for (size_t j = 0; j < 3; j++) {
                                seq[k] = f[mid];
                                seq[k].t_ns = t + STEP_NS / 2;
                                seq[k++].v[j] = poison[i];
                        }
                for (size_t i = 0; i < k; i++) {
                        pipeline_feed(pl, &seq[i], 1);
                        assert_int_equal(pipeline_dropped(pl), ++dropped);
                        assert_same_sample(pipeline_last(pl), &before);
                        assert_near(detectors_strain_level(pipeline_detectors(pl)), level, 0);
                }
                pipeline_feed(pl, seq, k);
                dropped += k;
                assert_int_equal(pipeline_dropped(pl), dropped);
                assert_same_sample(pipeline_last(pl), &before);
                assert_int_equal(pipeline_summary(pl)->frames, mid);
        }

        /* Bad frames inside one batch, between good ones, including a time
         * that repeats the previous frame of the same batch. */
        {
                Frame seq[5] = { f[mid], f[mid + 1], f[mid + 1], f[mid + 1], f[mid + 2] };

                seq[1].v[0] = NAN;
                seq[1].t_ns -= STEP_NS / 2;
                pipeline_feed(pl, seq, ELEMENTSOF(seq));
                dropped += 2;
                assert_int_equal(pipeline_dropped(pl), dropped);
                assert_int_equal(pipeline_last(pl)->t_ns, f[mid + 2].t_ns);
                assert_true(isfinite(pipeline_last(pl)->flexion_deg));
        }
        pipeline_feed(pl, f + mid + 3, n - mid - 3);

        /* Nothing fired early, nothing was reset: the very same event. */
        assert_int_equal(pipeline_dropped(pl), dropped);
        assert_same_events(&rec, &rec_ref);
        assert_same_sample(pipeline_last(pl), pipeline_last(ref));
        assert_int_equal(pipeline_summary(pl)->frames, n);
        assert_memory_equal(pipeline_summary(pl), pipeline_summary(ref), sizeof(PipelineSummary));
}

/* The acceptance of frames as pipeline_feed() first had it, frame by frame. */
static bool ref_acceptable(const PipelineParams *p, PipelineDrops *d, const Frame *f, int64_t prev)
{
        double min_sq = (p->min_g * STANDARD_GRAVITY) * (p->min_g * STANDARD_GRAVITY);
        double max_sq = (p->max_g * STANDARD_GRAVITY) * (p->max_g * STANDARD_GRAVITY);
        double sq;

        if (f->t_ns <= prev) {
                d->time++;
                return false;
        }
        if (!isfinite(f->v[0]) || !isfinite(f->v[1]) || !isfinite(f->v[2])) {
                d->nonfinite++;
                return false;
        }
        if (f->flags & FRAME_SATURATED) {
                d->saturated++;
                return false;
        }
        sq = (double) f->v[0] * f->v[0] + (double) f->v[1] * f->v[1] + (double) f->v[2] * f->v[2];
        if (sq < min_sq || sq > max_sq) {
                d->magnitude++;
                return false;
        }
        return true;
}

/* Frames at and around every limit, in batches of every size (a whole
 * chunk without a refused frame is taken without a copy): the same frames
 * refused, for the same reasons, and the same samples, as frame by frame
 * with the first rules; also with a max_g whose square overflows. */
static void test_accept_boundaries(void **state)
{
        const double max_gs[] = { 8.0, 1e300 };

        for (size_t v = 0; v < ELEMENTSOF(max_gs); v++) {
                _cleanup_(pipeline_freep) Pipeline *pl = NULL, *ref = NULL;
                _cleanup_(freep) Frame *f = NULL;
                PipelineParams p;
                PipelineDrops d = { 0 };
                uint32_t rnd = 12345 + (uint32_t) v;
                int64_t prev = INT64_MIN;
                size_t n = 40000, n_ok = 0;
                const float lim_lo = (float) (0.05 * G), lim_hi = (float) (8.0 * G);
                const float special[] = { 0.0f,
                                          -0.0f,
                                          NAN,
                                          INFINITY,
                                          -INFINITY,
                                          lim_lo,
                                          -lim_lo,
                                          lim_hi,
                                          -lim_hi,
                                          nextafterf(lim_lo, 0),
                                          FLT_MAX,
                                          0x1p-149f,
                                          nextafterf(lim_hi, INFINITY) };

                pipeline_params_default(&p);
                p.max_g = max_gs[v];
                assert_int_equal(pipeline_new(&pl, &p, RATE_HZ), 0);
                assert_int_equal(pipeline_new(&ref, &p, RATE_HZ), 0);
                f = calloc(n, sizeof(Frame));
                assert_non_null(f);
                for (size_t i = 0; i < n; i++) {
                        uint32_t r = next_random(&rnd);

                        f[i].t_ns = T0_NS + (int64_t) i * STEP_NS;
                        f[i].v[1] = (float) G;
                        if (r % 40 == 0)
                                f[i].v[r / 40 % 3] = special[r / 120 % ELEMENTSOF(special)];
                        if (r % 300 == 1)
                                f[i].flags |= FRAME_SATURATED;
                        if (r % 350 == 2)
                                f[i].t_ns -= STEP_NS * (r / 350 % 3);
                }
                for (size_t i = 0; i < n;) {
                        size_t want = 1 + next_random(&rnd) % 700, k = MIN(want, n - i);

                        pipeline_feed(pl, f + i, k);
                        i += k;
                }
                for (size_t i = 0; i < n; i++)
                        if (ref_acceptable(&p, &d, &f[i], prev)) {
                                pipeline_feed(ref, &f[i], 1);
                                prev = f[i].t_ns;
                                n_ok++;
                        }
                assert_memory_equal(pipeline_drops(pl), &d, sizeof(d));
                assert_int_equal(pipeline_dropped(pl), n - n_ok);
                assert_true(d.time > 0 && d.nonfinite > 0 && d.saturated > 0);
                if (v == 0)
                        assert_true(d.magnitude > 0);
                assert_same_sample(pipeline_last(pl), pipeline_last(ref));
                assert_memory_equal(pipeline_summary(pl), pipeline_summary(ref),
                                    sizeof(PipelineSummary));
        }
        (void) state;
}

/* Garbage never reaches the detectors: saturated frames, a stuck all-zero
 * sensor and impossible magnitudes are dropped and counted by reason, and
 * the run's events and last sample stay those of the clean data. */
static void test_garbage(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *clean = NULL, *dirty = NULL;
        _cleanup_(freep) Frame *f = NULL, *g = NULL;
        Recorder rc, rd;
        size_t n, m = 0;
        const PipelineDrops *d;

        n = make_scene(&f, 40, &mount_matrix_identity);
        g = calloc(n * 2, sizeof(Frame));
        assert_non_null(g);
        for (size_t i = 0; i < n; i++) {
                g[m++] = f[i];
                if (i % 500 == 250) { /* one garbage frame just after each good one */
                        Frame bad = f[i];

                        bad.t_ns += STEP_NS / 2;
                        switch ((i / 500) % 3) {
                        case 0:
                                bad.flags |= FRAME_SATURATED;
                                break;
                        case 1:
                                bad.v[0] = bad.v[1] = bad.v[2] = 0; /* stuck at zero */
                                break;
                        default:
                                bad.v[1] = 200; /* ~20 g */
                                break;
                        }
                        g[m++] = bad;
                }
        }

        new_pipeline(&clean, &rc, NULL);
        new_pipeline(&dirty, &rd, NULL);
        pipeline_feed(clean, f, n);
        pipeline_feed(dirty, g, m);

        d = pipeline_drops(dirty);
        assert_true(d->saturated > 0);
        assert_true(d->magnitude > 0);
        assert_int_equal(d->time + d->nonfinite, 0);
        assert_int_equal(pipeline_dropped(dirty), m - n);
        assert_int_equal(d->saturated + d->magnitude, m - n);
        assert_same_events(&rc, &rd);
        assert_same_sample(pipeline_last(clean), pipeline_last(dirty));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_drops),
                cmocka_unit_test(test_accept_boundaries),
                cmocka_unit_test(test_garbage),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
