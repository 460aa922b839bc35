/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "core/pipeline.h"

/* A non-zero start, as a monotonic clock would give. */
#define T0_NS (7 * NSEC_PER_SEC)

#define UPRIGHT_S 10.0
#define BEND_S    160.0
#define BEND_DEG  40.0
/* MAHT(40°) = 240 − 4.5·20 s. */
#define MAHT_40_S 150.0
/* The 4th-order 2 Hz low-pass and the 1 s average of the angles' gravity
 * delay the bend by about a second. */
#define FILTER_LAG_S 1.0

typedef struct Recorder {
        StrainEvent ev[1024];
        size_t n;
} Recorder;

static void on_event(const StrainEvent *e, const PostureSample *s, void *userdata)
{
        Recorder *rec = userdata;

        assert_int_equal(s->t_ns, e->t_ns);
        assert_true(rec->n < ELEMENTSOF(rec->ev));
        rec->ev[rec->n++] = *e;
}

static int64_t bend_start_ns(void)
{
        return T0_NS + (int64_t) llround(UPRIGHT_S * RATE_HZ) * STEP_NS;
}

/* Upright, then a still forward bend of @theta_deg, both in the body frame of
 * DESIGN.md, written as a sensor mounted with @m would read them: body = M·sensor,
 * so sensor = Mᵀ·body. Return: the number of frames in *ret. */
static size_t make_scene(Frame **ret, double theta_deg, const MountMatrix *m)
{
        size_t n_up = (size_t) llround(UPRIGHT_S * RATE_HZ), n = n_up + llround(BEND_S * RATE_HZ);
        Frame *f = calloc(n, sizeof(Frame));

        assert_non_null(f);
        for (size_t i = 0; i < n; i++) {
                double t = (i < n_up ? 0 : theta_deg) * M_PI / 180;
                double body[3] = { 0, G * cos(t), -G * sin(t) };

                f[i].t_ns = T0_NS + (int64_t) i * STEP_NS;
                for (size_t j = 0; j < 3; j++)
                        f[i].v[j] = (float) (m->m[0][j] * body[0] + m->m[1][j] * body[1] +
                                             m->m[2][j] * body[2]);
        }
        *ret = f;
        return n;
}

static void new_pipeline(Pipeline **ret, Recorder *rec, const MountMatrix *m)
{
        PipelineParams p;

        pipeline_params_default(&p);
        p.estimator.not_worn_s = 0; /* constant frames */
        p.estimator.auto_calibrate = true;
        if (m)
                p.estimator.mount = *m;
        assert_int_equal(pipeline_new(ret, &p, RATE_HZ), 0);
        *rec = (Recorder){ 0 };
        pipeline_set_event_handler(*ret, on_event, rec);
}

static void assert_same_sample(const PostureSample *a, const PostureSample *b)
{
        assert_int_equal(a->t_ns, b->t_ns);
        assert_memory_equal(&a->flexion_deg, &b->flexion_deg, sizeof(double));
        assert_memory_equal(&a->lateral_deg, &b->lateral_deg, sizeof(double));
        assert_memory_equal(a->gravity, b->gravity, sizeof(a->gravity));
        assert_memory_equal(a->raw, b->raw, sizeof(a->raw));
        assert_memory_equal(&a->dynamic_rms, &b->dynamic_rms, sizeof(double));
        assert_int_equal(a->activity, b->activity);
        assert_int_equal(a->posture, b->posture);
        assert_int_equal(a->calibrated, b->calibrated);
}

static void assert_same_events(const Recorder *a, const Recorder *b)
{
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                assert_int_equal(a->ev[i].kind, b->ev[i].kind);
                assert_int_equal(a->ev[i].severity, b->ev[i].severity);
                assert_int_equal(a->ev[i].t_ns, b->ev[i].t_ns);
                assert_int_equal(a->ev[i].start_ns, b->ev[i].start_ns);
                assert_memory_equal(&a->ev[i].duration_s, &b->ev[i].duration_s, sizeof(double));
                assert_memory_equal(&a->ev[i].peak_deg, &b->ev[i].peak_deg, sizeof(double));
        }
}

/* Seconds from the bend to @e firing. */
static double fired_after_bend_s(const StrainEvent *e)
{
        return (double) (e->t_ns - bend_start_ns()) / (double) NSEC_PER_SEC;
}

/* The scene with a BEND_DEG bend, in one call through a new pipeline.
 * Return: the number of frames in *ret_frames. */
static size_t run_scene(Pipeline **ret, Recorder *rec, Frame **ret_frames)
{
        size_t n = make_scene(ret_frames, BEND_DEG, &mount_matrix_identity);

        new_pipeline(ret, rec, NULL);
        pipeline_feed(*ret, *ret_frames, n);
        return n;
}

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
static uint32_t next_random(uint32_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}

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
                        size_t k = MIN(1 + next_random(&rnd) % 700, n - i);

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
                        size_t k = MIN(1 + next_random(&rnd) % 700, n - i);

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

/* Garbage never reaches the detectors: saturated frames, a stuck all-zero
 * sensor and impossible magnitudes are dropped and counted by reason, and
 * the run's events and last sample stay those of the clean data. */
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
                cmocka_unit_test(test_params_default), cmocka_unit_test(test_new_invalid),
                cmocka_unit_test(test_sustained),      cmocka_unit_test(test_batch_independence),
                cmocka_unit_test(test_drops),          cmocka_unit_test(test_accept_boundaries),
                cmocka_unit_test(test_acute_rules),    cmocka_unit_test(test_mount_matrix),
                cmocka_unit_test(test_garbage),        cmocka_unit_test(test_samples_and_summary),
                cmocka_unit_test(test_short_way),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
