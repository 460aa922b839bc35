/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The estimator's per-sample shortcuts against the exact paths they stand
 * for, to the bit: the identity mount (mount_apply2()), the medians of the
 * motion path, the trunk kept between blocks (feed_second()) and the worn
 * sums, on random, grid and boundary inputs.
 */
#include <float.h>
#include <string.h>

#include "test-util.h"
#include "core/estimator/estimator.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "core/mount-matrix.h"

static uint64_t next(uint64_t *s)
{
        *s = *s * 6364136223846793005u + 1442695040888963407u;
        return *s >> 11;
}

/* A float of every kind: signed zeros, subnormals, the largest, infinities,
 * NaN, and ordinary values. */
static float any_float(uint64_t *s)
{
        static const float special[] = { 0.0f,       -0.0f,   FLT_MIN,  -FLT_MIN, 0x1p-149f,
                                         -0x1p-149f, FLT_MAX, -FLT_MAX, INFINITY, -INFINITY,
                                         NAN,        1.0f,    -1.0f,    9.80665f, -9.80665f };
        uint64_t r = next(s);

        switch (r % 4) {
        case 0:
                return special[(r >> 8) % ELEMENTSOF(special)];
        case 1: {
                uint32_t bits = (uint32_t) (r >> 12);
                float f;

                memcpy(&f, &bits, sizeof(f));
                return f;
        }
        default:
                return (float) (((double) (r >> 20) * 0x1p-32 - 0.5) * 40.0);
        }
}

/* mount_apply2() and mount_frames() are mount_apply() twice, to the bit,
 * whatever the inputs. */
static void test_mount_apply2(void **state)
{
        static const MountMatrix swap = { .m = { { 0, 1, 0 }, { -1, 0, 0 }, { 0, 0, 1 } } };
        const MountMatrix *const mounts[] = { &mount_matrix_identity, &swap };
        uint64_t seed = 0x9e3779b97f4a7c15u;

        for (size_t t = 0; t < 400000; t++) {
                const MountMatrix *mm = mounts[t % 2 == 0 ? 0 : (t / 2) % 2];
                bool identity = mm == &mount_matrix_identity;
                float a[3], b[3];
                double ra[3], rb[3], ea[3], eb[3];

                for (size_t k = 0; k < 3; k++) {
                        a[k] = any_float(&seed);
                        b[k] = any_float(&seed);
                }
                /* Ordinary samples, often. */
                if (t % 3 == 0)
                        for (size_t k = 0; k < 3; k++) {
                                a[k] = (float) ((double) (next(&seed) >> 20) * 0x1p-30 - 8);
                                b[k] = (float) ((double) (next(&seed) >> 20) * 0x1p-30 - 8);
                        }
                mount_apply2(mm, identity, a, b, ra, rb);
                mount_apply(mm, a, ea);
                mount_apply(mm, b, eb);
                assert_memory_equal(ra, ea, sizeof(ea));
                assert_memory_equal(rb, eb, sizeof(eb));
                /* The same from frames, whatever their flags. */
                {
                        Frame fa = { .t_ns = 1, .flags = (uint32_t) next(&seed) };
                        Frame fb = { .t_ns = 2, .flags = (uint32_t) next(&seed) };
                        bool all = true, copied;

                        for (size_t k = 0; k < 3; k++)
                                all = all && isfinite(a[k]) && a[k] != 0 && isfinite(b[k]) &&
                                      b[k] != 0;
                        memcpy(fa.v, a, sizeof(fa.v));
                        memcpy(fb.v, b, sizeof(fb.v));
                        memset(ra, 0x55, sizeof(ra));
                        memset(rb, 0x55, sizeof(rb));
                        copied = mount_frames(mm, identity, &fa, &fb, ra, rb);
                        assert_memory_equal(ra, ea, sizeof(ea));
                        assert_memory_equal(rb, eb, sizeof(eb));
                        /* The copy is taken exactly for six finite, non-zero values. */
                        assert_true(copied == (identity && all));
                }
        }
        /* mount_frames()'s test at the edges of its range of bits: the
         * zeros, the least subnormal, the least normal, the largest
         * float, the infinities and the NaNs, of either sign, in each
         * of the six places among ordinary values. */
        {
                static const uint32_t edges[] = { 0,          1,          2,          0x007fffff,
                                                  0x00800000, 0x7f7ffffe, 0x7f7fffff, 0x7f800000,
                                                  0x7f800001, 0x7fc00000, 0x7fffffff };

                for (size_t j = 0; j < 2 * ELEMENTSOF(edges); j++)
                        for (size_t at = 0; at < 6; at++) {
                                uint32_t bits = edges[j / 2] | (j % 2 ? 0x80000000u : 0);
                                Frame fa = { .v = { 1.5f, -2.25f, 9.75f } }, fb = fa;
                                float *v = at < 3 ? &fa.v[at] : &fb.v[at - 3], x;
                                double ra[3], rb[3], ea[3], eb[3];
                                bool copied;

                                memcpy(v, &bits, sizeof(bits));
                                x = *v;
                                copied = mount_frames(&mount_matrix_identity, true, &fa, &fb, ra,
                                                      rb);
                                mount_apply(&mount_matrix_identity, fa.v, ea);
                                mount_apply(&mount_matrix_identity, fb.v, eb);
                                assert_memory_equal(ra, ea, sizeof(ea));
                                assert_memory_equal(rb, eb, sizeof(eb));
                                assert_true(copied == (isfinite(x) && x != 0));
                        }
        }
        /* The extremes of the product's range: six of the least and of the
         * largest floats. */
        {
                const float lo[3] = { 0x1p-149f, -0x1p-149f, 0x1p-149f };
                const float hi[3] = { FLT_MAX, -FLT_MAX, FLT_MAX };
                double ra[3], rb[3], ea[3], eb[3];

                mount_apply2(&mount_matrix_identity, true, lo, lo, ra, rb);
                mount_apply(&mount_matrix_identity, lo, ea);
                mount_apply(&mount_matrix_identity, lo, eb);
                assert_memory_equal(ra, ea, sizeof(ea));
                assert_memory_equal(rb, eb, sizeof(eb));
                mount_apply2(&mount_matrix_identity, true, hi, hi, ra, rb);
                mount_apply(&mount_matrix_identity, hi, ea);
                mount_apply(&mount_matrix_identity, hi, eb);
                assert_memory_equal(ra, ea, sizeof(ea));
                assert_memory_equal(rb, eb, sizeof(eb));
        }
        (void) state;
}

/* A value for the medians: ties, signed zeros and ordinary values. */
static double any_double(uint64_t *s)
{
        static const double special[] = { 0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 9.5 };
        uint64_t r = next(s);

        if (r % 3 == 0)
                return special[(r >> 8) % ELEMENTSOF(special)];
        return ((double) (r >> 20) * 0x1p-32 - 0.5) * 20.0;
}

/* motion_feed()'s dynamic part is the per-axis median of the last three
 * raw - gravity (the newest alone until there are three), with d2 its
 * dot3() with itself; its block sums add the medians of the raw vectors,
 * and the walking block's the vertical value of that median, dot3() with
 * up over norm3(up) (or its norm3() for an up shorter than MIN_NORM): as
 * median3(), dot3() and norm3() give them, to the bit. */
static void test_medians(void **state)
{
        EstimatorParams p;
        Motion *m = NULL;
        uint64_t seed = 0x0123456789abcdefu;
        double d_hist[3][3] = {}, r_hist[3][3] = {};
        size_t n = 0;
        int64_t t_ns = 0;

        estimator_params_default(&p);
        assert_int_equal(motion_new(&m, &p, 100), 0);
        assert_int_equal(m->block, 2);
        for (size_t t = 0; t < 200000; t++) {
                static const double ups[][3] = { { 0.3, 9.7, -0.8 },
                                                 { -4.1, 7.3, 5.9 },
                                                 { 0.2, 0.5, -0.4 },
                                                 { 0.0, -0.0, 0.0 } };
                const double *up = ups[(t / 7) % ELEMENTSOF(ups)];
                double raw[3], grav[3], d[3], dyn[3], med[3], d2, v, v_sum, before[3];
                double before_v = m->block_v;
                size_t before_w = m->walk_in_block;
                MotionResult r;

                if (t % 1000 == 999) {
                        motion_reset(m);
                        n = 0;
                }
                for (size_t k = 0; k < 3; k++) {
                        raw[k] = any_double(&seed);
                        grav[k] = any_double(&seed);
                        d[k] = raw[k] - grav[k];
                }
                n = MIN(n + 1, (size_t) 3);
                for (size_t k = 0; k < 3; k++) {
                        d_hist[2][k] = d_hist[1][k];
                        d_hist[1][k] = d_hist[0][k];
                        d_hist[0][k] = d[k];
                        r_hist[2][k] = r_hist[1][k];
                        r_hist[1][k] = r_hist[0][k];
                        r_hist[0][k] = raw[k];
                        dyn[k] = n < 3 ? d[k] : median3(d_hist[0][k], d_hist[1][k], d_hist[2][k]);
                        med[k] = n < 3 ? raw[k] : median3(r_hist[0][k], r_hist[1][k], r_hist[2][k]);
                }
                memcpy(before, m->block_raw, sizeof(before));
                t_ns += 10 * NSEC_PER_MSEC;
                (void) motion_feed(m, t_ns, raw, grav, up, &r);
                assert_memory_equal(r.dynamic, dyn, sizeof(dyn));
                d2 = dyn[0] * dyn[0] + dyn[1] * dyn[1] + dyn[2] * dyn[2];
                assert_memory_equal(&r.d2, &d2, sizeof(d2));
                v = norm3(up) >= MIN_NORM ? dot3(med, up) / norm3(up) : norm3(med);
                v_sum = before_v + v;
                if (m->walk_in_block == before_w + 1)
                        assert_memory_equal(&m->block_v, &v_sum, sizeof(v_sum));
                if (m->in_block == 1)
                        /* The block's first sample: its sum is the median added to 0. */
                        for (size_t k = 0; k < 3; k++) {
                                double e = before[k] + med[k];

                                assert_memory_equal(&m->block_raw[k], &e, sizeof(e));
                        }
                m->n_jobs = 0; /* no trunk passes needed here */
        }
        motion_free(m);
        (void) state;
}

/* The trunk's backward passes, in runs of TRUNK_RUN blocks (with AVX2 and
 * without) or one at a time, against the recursion written out here over
 * the forward values as they came: the same to the bit, across the forward
 * buffer's slides (trunk_slide()), gaps (motion_reset()) and batches of
 * every size; for the default sensor height (trunk_lag 43 at 100 Hz) and
 * the extremes, the smallest lag (fwd_size nearest MOTION_BATCH, where a
 * slide has the most jobs pending for its size) and the largest. */
static void test_trunk_backward(void **state)
{
        static const double heights_m[] = { 0.45, 1e-6, 3 };
        EstimatorParams p;
        uint64_t seed = 0x5851f42d4c957f2du;

        estimator_params_default(&p);
        for (size_t variant = 0; variant < 2 * ELEMENTSOF(heights_m); variant++) {
                enum { MAX_FWD = 40000 };
                double(*hist)[3] = calloc(MAX_FWD, sizeof(*hist));
                size_t n_hist = 0, n_jobs = 0, n_runs = 0;
                Motion *m = NULL;
                int64_t t_ns = 0;

                assert_non_null(hist);
                p.sensor_height_m = heights_m[variant / 2];
                assert_int_equal(motion_new(&m, &p, 100), 0);
                if (variant % 2 == 1)
                        m->avx2 = false;
                while (n_hist + MOTION_BATCH < MAX_FWD) {
                        size_t size = (size_t) (next(&seed) % MOTION_BATCH) + 1;
                        size_t at[MOTION_BATCH];
                        int job[MOTION_BATCH];

                        if (next(&seed) % 40 == 0)
                                motion_reset(m);
                        for (size_t i = 0; i < size; i++) {
                                double raw[3], up[3] = { 0.3, 9.7, -0.8 };
                                size_t head = m->fwd_head;
                                MotionResult r;

                                for (size_t k = 0; k < 3; k++)
                                        raw[k] = up[k] + any_double(&seed);
                                t_ns += 10 * NSEC_PER_MSEC;
                                job[i] = motion_feed(m, t_ns, raw, up, up, &r);
                                if (m->fwd_head != head)
                                        memcpy(hist[n_hist++], m->fwd_state, sizeof(hist[0]));
                                at[i] = n_hist - 1;
                        }
                        n_runs += m->n_jobs >= TRUNK_RUN;
                        motion_trunk_run(m);
                        for (size_t i = 0; i < size; i++) {
                                if (job[i] < 0)
                                        continue;
                                for (size_t k = 0; k < 3; k++) {
                                        double b = hist[at[i]][k];

                                        for (size_t l = 1; l <= m->trunk_lag; l++)
                                                b = m->ema_a * b + m->ema_b * hist[at[i] - l][k];
                                        assert_memory_equal(&m->job_b[k][job[i]], &b, sizeof(b));
                                }
                                n_jobs++;
                        }
                }
                /* Both ways ran, and the buffer slid many times. */
                assert_true(n_runs > 100);
                assert_true(n_jobs > 10 * m->fwd_size);
                motion_free(m);
                free(hist);
        }
        (void) state;
}

/* Field by field (the compiler may write a struct's padding as it likes). */
#define SAME_FIELD(a, b, f) assert_memory_equal(&(a)->f, &(b)->f, sizeof((a)->f))

static void assert_same_sample(const PostureSample *a, const PostureSample *b)
{
        SAME_FIELD(a, b, t_ns);
        SAME_FIELD(a, b, flexion_deg);
        SAME_FIELD(a, b, lateral_deg);
        SAME_FIELD(a, b, gravity);
        SAME_FIELD(a, b, rotated);
        SAME_FIELD(a, b, raw);
        SAME_FIELD(a, b, dynamic_rms);
        SAME_FIELD(a, b, motion_t_ns);
        SAME_FIELD(a, b, rate_dps);
        SAME_FIELD(a, b, motion_trunk);
        SAME_FIELD(a, b, lying);
        SAME_FIELD(a, b, motion_lying);
        SAME_FIELD(a, b, activity);
        SAME_FIELD(a, b, posture);
        SAME_FIELD(a, b, calibrated);
        SAME_FIELD(a, b, awaiting_neutral);
        SAME_FIELD(a, b, worn);
        SAME_FIELD(a, b, neutral_changed);
}

/* Two estimators on the same frames: @fast as it is, @slow with its
 * shortcuts off (a mount that is not the identity by its bits, and the
 * trunk worked out at every sample), sample by sample. */
static void run_pair(const EstimatorParams *p, const MountMatrix *mount, const double up[3],
                     uint64_t seed)
{
        EstimatorParams q = *p;
        Estimator *fast = NULL, *slow = NULL;
        enum { N = 60000 };
        Frame *raw = calloc(N, sizeof(Frame)), *filt = calloc(N, sizeof(Frame));
        PostureSample *a = calloc(N, sizeof(PostureSample)), *b = calloc(N, sizeof(PostureSample));
        double g[3] = { up[0] * G, up[1] * G, up[2] * G };
        size_t n_neutral = 0, n_valid = 0, n_neutral_trunk = 0;

        assert_non_null(raw && filt && a && b);
        q.mount = *mount;
        assert_int_equal(estimator_new(&fast, &q, 100), 0);
        assert_int_equal(estimator_new(&slow, &q, 100), 0);
        slow->mount_identity = false;
        slow->avx = false;
        slow->upright_shortcut = false;
        slow->exact_only = true;

        for (size_t i = 0; i < N; i++) {
                uint64_t r = next(&seed);

                /* A posture that changes now and then, with noise and moves. */
                if (r % 2000 == 0) {
                        double len;

                        for (size_t k = 0; k < 3; k++)
                                g[k] = (double) (next(&seed) >> 20) * 0x1p-32 * 8 - 4 + up[k] * 6;
                        len = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
                        for (size_t k = 0; k < 3; k++)
                                g[k] *= G / len;
                }
                raw[i].t_ns = (int64_t) i * 10 * NSEC_PER_MSEC;
                filt[i].t_ns = raw[i].t_ns;
                for (size_t k = 0; k < 3; k++) {
                        double noise = ((double) (next(&seed) >> 20) * 0x1p-32 - 0.5) *
                                       (i % 8000 < 5000 ? 0.05 : 3);

                        raw[i].v[k] = (float) (g[k] + noise);
                        filt[i].v[k] = (float) (g[k] + noise / 8);
                }
                /* Zeros, signed zeros, non-finite values and gaps, now and then. */
                if (r % 97 == 1)
                        raw[i].v[(r >> 8) % 3] = (r >> 10) % 2 ? 0.0f : -0.0f;
                if (r % 251 == 2)
                        filt[i].v[(r >> 8) % 3] = (r >> 10) % 2 ? NAN : INFINITY;
                if (r % 1009 == 3)
                        raw[i].flags |= FRAME_AFTER_GAP;
        }

        for (size_t i = 0; i < N;) {
                size_t want = (size_t) (next(&seed) % 150) + 1, k = MIN(want, N - i);

                estimator_feed_many(fast, raw + i, filt + i, k, a + i);
                i += k;
        }
        for (size_t i = 0; i < N; i++) {
                slow->trunk_cached = false;
                estimator_feed(slow, &raw[i], &filt[i], &b[i]);
                /* Where the neutral changes, the trunk is in the new
                 * neutral's frame already, as the gravity is: both sides
                 * share the second pass (estimator_feed() is a batch of
                 * one), so this is checked against the rotation itself. */
                if (b[i].neutral_changed && isfinite(slow->trunk_in[0])) {
                        double r[3];

                        rotate(slow->trunk_in, &slow->rotation, r);
                        assert_memory_equal(r, b[i].motion_trunk, sizeof(r));
                        n_neutral_trunk++;
                }
        }
        for (size_t i = 0; i < N; i++) {
                /* estimator_feed_many() may leave the angles pending;
                 * estimator_feed() works them out. */
                posture_sample_resolve_angles(&a[i]);
                assert_same_sample(&a[i], &b[i]);
                n_neutral += a[i].neutral_changed;
                n_valid += isfinite(a[i].rate_dps);
        }
        /* The runs went through the cases. */
        if (p->auto_calibrate)
                assert_true(n_neutral > 0 && n_neutral_trunk > 0);
        assert_true(n_valid > N / 4);

        estimator_free(fast);
        estimator_free(slow);
        free(raw);
        free(filt);
        free(a);
        free(b);
}

static void test_shortcuts(void **state)
{
        static const MountMatrix swap = { .m = { { 0, 1, 0 }, { -1, 0, 0 }, { 0, 0, 1 } } };
        /* The sensor's upright for each mount. */
        const double y[3] = { 0, 1, 0 }, minus_x[3] = { -1, 0, 0 };
        /* Turned 30° about z, and the sensor's upright for it, M^T (0, 1, 0). */
        const double c = sqrt(3) / 2, s = 0.5;
        const MountMatrix turned = { .m = { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } } };
        const double turned_up[3] = { s, c, 0 };
        EstimatorParams p;

        estimator_params_default(&p);
        run_pair(&p, &mount_matrix_identity, y, 1);
        run_pair(&p, &swap, minus_x, 2);
        p.auto_calibrate = true;
        run_pair(&p, &mount_matrix_identity, y, 3);
        run_pair(&p, &swap, minus_x, 4);
        /* A mount turned 30° about z: the body frame's values are whole
         * doubles, not floats, so the sums' rounding depends on the order
         * of their operations (with floats in, a sum of a ring is nearly
         * always exact: its values are of similar size, as gravity's
         * components mostly are, though not always: 1e-9 beside 9.8
         * needs more than 53 bits). */
        run_pair(&p, &turned, turned_up, 6);
        p.auto_calibrate = false;
        run_pair(&p, &turned, turned_up, 7);
        /* Lying close to upright, and a sensor soon judged not worn:
         * feed_class()'s upright shortcut must leave both to the rules. */
        p.lying_deg = 8;
        p.not_worn_s = 3;
        run_pair(&p, &mount_matrix_identity, y, 5);
        (void) state;
}

/* Still frames of a gravity a hair to the side of upright, and lateral_deg
 * at its lateral bend and just under it: within the probes' margin, so the
 * exact angle decides (lateral or upright), with and without the shortcut. */
static void test_lateral_limit(void **state)
{
        enum { N = 600 };
        const float g[3] = { -1.7017f, 9.6509f, 0.2f };
        Frame raw[N], filt[N];
        PostureSample a[N], b[N];
        EstimatorParams p;
        Estimator *e = NULL;
        double lateral;

        memset(raw, 0, sizeof(raw));
        for (size_t i = 0; i < N; i++) {
                raw[i].t_ns = (int64_t) i * 10 * NSEC_PER_MSEC;
                memcpy(raw[i].v, g, sizeof(g));
        }
        memcpy(filt, raw, sizeof(raw));
        estimator_params_default(&p);
        assert_int_equal(estimator_new(&e, &p, 100), 0);
        estimator_feed(e, &raw[0], &filt[0], &a[0]);
        lateral = fabs(a[0].lateral_deg);
        estimator_free(e);
        for (int t = 0; t < 2; t++) {
                Estimator *fast = NULL, *slow = NULL;
                size_t n_lateral = 0, n_upright = 0;

                p.lateral_deg = t == 0 ? lateral : nextafter(lateral, 0);
                assert_int_equal(estimator_new(&fast, &p, 100), 0);
                assert_int_equal(estimator_new(&slow, &p, 100), 0);
                slow->upright_shortcut = false;
                slow->exact_only = true;
                estimator_feed_many(fast, raw, filt, N, a);
                for (size_t i = 0; i < N; i++) {
                        estimator_feed(slow, &raw[i], &filt[i], &b[i]);
                        posture_sample_resolve_angles(&a[i]);
                        assert_same_sample(&a[i], &b[i]);
                        n_lateral += a[i].posture == POSTURE_LATERAL;
                        n_upright += a[i].posture == POSTURE_UPRIGHT;
                }
                /* Both sides of the limit were seen. */
                assert_true(t == 0 ? n_upright > 0 : n_lateral > 0);
                estimator_free(fast);
                estimator_free(slow);
        }
        (void) state;
}

/* An upright sensor without any motion, soon not worn: not-worn, with
 * and without feed_class()'s upright shortcut. */
static void test_still_not_worn(void **state)
{
        enum { N = 1000 };
        const float g[3] = { 0.3f, 9.79f, -0.2f };
        Frame raw[N];
        PostureSample a[N], b[N];
        EstimatorParams p;
        Estimator *fast = NULL, *slow = NULL;
        size_t n_not_worn = 0, n_upright = 0;

        memset(raw, 0, sizeof(raw));
        for (size_t i = 0; i < N; i++) {
                raw[i].t_ns = (int64_t) i * 10 * NSEC_PER_MSEC;
                memcpy(raw[i].v, g, sizeof(g));
        }
        estimator_params_default(&p);
        p.not_worn_s = 2;
        assert_int_equal(estimator_new(&fast, &p, 100), 0);
        assert_int_equal(estimator_new(&slow, &p, 100), 0);
        slow->upright_shortcut = false;
        slow->exact_only = true;
        estimator_feed_many(fast, raw, raw, N, a);
        for (size_t i = 0; i < N; i++) {
                estimator_feed(slow, &raw[i], &raw[i], &b[i]);
                posture_sample_resolve_angles(&a[i]);
                assert_same_sample(&a[i], &b[i]);
                n_not_worn += a[i].posture == POSTURE_NOT_WORN;
                n_upright += a[i].posture == POSTURE_UPRIGHT;
        }
        assert_true(n_not_worn > 0 && n_upright > 0);
        estimator_free(fast);
        estimator_free(slow);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mount_apply2),   cmocka_unit_test(test_medians),
                cmocka_unit_test(test_trunk_backward), cmocka_unit_test(test_shortcuts),
                cmocka_unit_test(test_lateral_limit),  cmocka_unit_test(test_still_not_worn),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
