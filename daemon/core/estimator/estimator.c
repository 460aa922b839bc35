/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The estimator: the still window and the posture's smoothed gravity, and
 * the feeding of samples into the class, activity and angles. Its names,
 * parameters and construction are in estimator-params.c. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/estimator/estimator-motion-feed.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "core/estimator/estimator.h"
#include "util/macro.h"

/* Walking: seconds of it whose mean gravity may revise the neutral, and
 * how far (degrees) it must lie from the neutral to do so. */
#define REVISE_WALK_S  20.0
#define REVISE_MIN_DEG 10.0

/* The still window and the smoothing ring are cleared at a gap, each in
 * its own pass over a batch (estimator_feed_many()). */
static void window_clear(Estimator *e)
{
        e->count = e->head = 0;
        e->count_d = 0;
        e->sum_g[0] = e->sum_g[1] = e->sum_g[2] = e->sum_d2 = 0;
        e->run_g[0] = e->run_g[1] = e->run_g[2] = e->run_d2 = 0;
}

static void smooth_clear(Estimator *e)
{
        e->smooth_count = e->smooth_head = 0;
        e->smooth_sum[0] = e->smooth_sum[1] = e->smooth_sum[2] = 0;
        e->smooth_run[0] = e->smooth_run[1] = e->smooth_run[2] = 0;
}

static inline void pair_store(double *p, Pair v)
{
        memcpy(p, &v, sizeof(v));
}

/* @g into the smoothing ring; @sum the ring's sum and @n its count, whose
 * quotient (gravity_many()) is the mean (see "Gravity"). x and y as a
 * pair: each lane is the scalar operation on its axis. */
static void smooth_push(Estimator *e, const double g[3], double sum[3], double *n)
{
        double *w = e->smooth[e->smooth_head], z = e->smooth_sum[2];
        Pair xy = pair_load(e->smooth_sum), gxy = pair_load(g);
        Pair run_xy = pair_load(e->smooth_run) + gxy;
        double run_z = e->smooth_run[2] + g[2];

        if (e->smooth_count == e->smooth_size) {
                xy -= pair_load(w);
                z -= w[2];
        } else
                e->smooth_count++;
        memcpy(w, g, 3 * sizeof(double));
        xy += gxy;
        z += g[2];
        if (++e->smooth_head == e->smooth_size) {
                /* Each axis summed in the order of the ring, from zero:
                 * the ring holds smooth_size entries (smooth_count went up
                 * with the head since the last clear), each written once
                 * since the head was last at 0, at its own index, in that
                 * order; smooth_run added them so as they were written,
                 * from zero, a lane each (see smooth_run_check() in
                 * test-estimator-fast.c). */
                e->smooth_head = 0;
                xy = run_xy;
                z = run_z;
                run_xy = (Pair){ 0, 0 };
                run_z = 0;
        }
        pair_store(e->smooth_sum, xy);
        e->smooth_sum[2] = z;
        pair_store(e->smooth_run, run_xy);
        e->smooth_run[2] = run_z;
        pair_store(sum, xy);
        sum[2] = z;
        /* At most smooth_size: the same double through int64_t, in one conversion. */
        *n = (double) (int64_t) e->smooth_count;
}

/* The still window's sums (z, d2) and an entry's (g[2], d2): two doubles
 * in a row each, for a load or a store of a pair. */
_Static_assert(offsetof(Estimator, sum_d2) == offsetof(Estimator, sum_g) + 3 * sizeof(double),
               "sum_d2 follows sum_g");
_Static_assert(offsetof(WindowEntry, d2) == offsetof(WindowEntry, g) + 3 * sizeof(double),
               "d2 follows g");
_Static_assert(offsetof(Estimator, run_d2) == offsetof(Estimator, run_g) + 3 * sizeof(double),
               "run_d2 follows run_g");

/* The entry and the sums as pairs (x, y) and (z, d2): each lane is the
 * scalar operation on its own value. */
static void window_push(Estimator *e, const double g[3], double d2)
{
        WindowEntry *w = &e->window[e->head];
        /* The bytes of the pairs, within *e and *w. */
        void *zd_sum = (char *) e + offsetof(Estimator, sum_g) + 2 * sizeof(double);
        void *zd_entry = (char *) w + offsetof(WindowEntry, g) + 2 * sizeof(double);
        void *zd_run = (char *) e + offsetof(Estimator, run_g) + 2 * sizeof(double);
        Pair xy = pair_load(e->sum_g), zd, old, run_xy = pair_load(e->run_g), run_zd;
        Pair nxy = pair_load(g), nzd = { g[2], d2 };

        memcpy(&zd, zd_sum, sizeof(zd));
        memcpy(&run_zd, zd_run, sizeof(run_zd));
        if (e->count == e->size) {
                xy -= pair_load(w->g);
                memcpy(&old, zd_entry, sizeof(old));
                zd -= old;
        } else
                /* At most size: the same double through int64_t, in one conversion. */
                e->count_d = (double) (int64_t) ++e->count;

        pair_store(w->g, nxy);
        memcpy(zd_entry, &nzd, sizeof(nzd));
        xy += nxy;
        zd += nzd;
        run_xy += nxy;
        run_zd += nzd;

        if (++e->head == e->size) {
                /* Exact sums from the entries, so rounding errors cannot
                 * build up: each of the four summed in the order of the
                 * ring, from zero. The window holds size entries (count
                 * went up with the head since the last clear), each
                 * written once since the head was last at 0, at its own
                 * index, in that order: the run's sums, which added them
                 * so as they were written, from zero, a lane each. */
                e->head = 0;
                xy = run_xy;
                zd = run_zd;
                run_xy = run_zd = (Pair){ 0, 0 };
        }
        pair_store(e->sum_g, xy);
        memcpy(zd_sum, &zd, sizeof(zd));
        pair_store(e->run_g, run_xy);
        memcpy(zd_run, &run_zd, sizeof(run_zd));
}

/* The first matching rule wins, so the order is the priority: not worn →
 * not-worn; no usable data
 * (non-finite angles) → unknown; a dynamic RMS of posture_max_rms or more →
 * moving (the direction of gravity is unknowable; otherwise the angles
 * decide, whatever the activity); awaiting an automatic neutral → unknown
 * (see "Neutral" in estimator.h); @lying (estimator_angles_are_lying() of
 * the angles) → lying;
 * flexion < reclined_deg → reclined; flexion > extreme_deg → extreme-flexion;
 * flexion >= flexion_deg → flexed; |lateral| > lateral_deg → lateral;
 * flexion >= slouch_deg → slouched; else upright. Forward flexion beyond
 * lying_deg stays extreme-flexion (also with a lateral part smaller than the
 * flexion, whose lateral angle is ill-defined): a deep bend and lying prone cannot be told
 * apart from the angles alone, and the bend is the one that matters.
 */
static PostureClass classify(const Estimator *e, bool worn, bool awaiting, double dynamic_rms,
                             bool lying, AngleView *v)
{
        const ClassLimits *l = &e->limits;

        if (!worn)
                return POSTURE_NOT_WORN;
        if (!angle_view_finite(v))
                return POSTURE_UNKNOWN;
        if (dynamic_rms >= e->params.posture_max_rms)
                return POSTURE_MOVING;
        if (awaiting)
                return POSTURE_UNKNOWN;
        if (lying)
                return POSTURE_LYING;
        /* The angles' comparisons, mostly without the angles (angle-view.h);
         * the upright band's shortcut answers them all at once. */
        if (v->sin_flexion > l->upright_sin_lo && v->sin_flexion < l->upright_sin_hi &&
            v->cos_lateral > l->lateral.hi)
                return POSTURE_UPRIGHT;
        if (angle_flexion_lt(v, &l->reclined))
                return POSTURE_RECLINED;
        if (angle_flexion_gt(v, &l->extreme))
                return POSTURE_EXTREME_FLEXION;
        if (angle_flexion_ge(v, &l->flexed))
                return POSTURE_FLEXED;
        if (angle_lateral_abs_gt(v, &l->lateral))
                return POSTURE_LATERAL;
        if (angle_flexion_ge(v, &l->slouched))
                return POSTURE_SLOUCHED;
        return POSTURE_UPRIGHT;
}

/* What the later passes need of a sample (estimator_feed_many()). */
typedef struct SampleNote {
        double filt[3]; /* the filtered frame, body frame */
        int job;        /* motion_feed()'s */
        bool valid;
        bool gap;
        bool walking; /* motion_feed()'s */
} SampleNote;

/* Automatic neutral (see estimator.h "Neutral"), for a valid sample of a worn sensor. */
static void auto_neutral(Estimator *e, const PostureSample *s)
{
        double mean[3], cos_min;

        /* Far from upright (a sensor on a desk, a deep bend), no window need
         * be looked at sample by sample. */
        if (!e->calibrated && s->activity == ACTIVITY_STILL && e->count == e->size &&
            near_upright(e, e->sum_g))
                (void) calibrate_how(e, NEUTRAL_AUTO);
        /* held_neutral() does nothing once calibrated: no call for that. */
        if (!e->calibrated)
                held_neutral(e, s);

        if (s->activity != ACTIVITY_WALKING || e->how == NEUTRAL_GIVEN)
                return;
        for (size_t k = 0; k < 3; k++)
                e->walk_sum[k] += s->gravity[k];
        e->walk_s += 1.0 / e->rate_hz;
        if (e->walk_s < REVISE_WALK_S)
                return;

        for (size_t k = 0; k < 3; k++)
                mean[k] = e->walk_sum[k] * (1.0 / e->rate_hz) / e->walk_s;
        e->walk_sum[0] = e->walk_sum[1] = e->walk_sum[2] = e->walk_s = 0;
        if (!(norm3(mean) >= MIN_GRAVITY))
                return;
        cos_min = cos(REVISE_MIN_DEG / DEG_PER_RAD);
        if (e->calibrated &&
            (mean[0] * e->neutral[0] + mean[1] * e->neutral[1] + mean[2] * e->neutral[2]) /
                            (norm3(mean) * norm3(e->neutral)) >=
                    cos_min)
                return;
        (void) estimator_set_neutral_how(e, mean, e->calibrated ? NEUTRAL_REVISED : NEUTRAL_AUTO,
                                         s->t_ns);
}

/*
 * The smoothing ring's part of one sample's pre-pass (pre_pass(), after
 * the mount): the ring's sum goes into out->gravity and its count into
 * @n, for gravity_many() to divide (an invalid sample's gravity is its
 * filtered frame: that over 1, itself to the bit, a NaN's payload kept).
 * Nothing else reads or writes the ring, and nothing here depends on the
 * rest of the estimator: run over a whole batch before its first pass,
 * each sample meets the ring as it would one sample at a time.
 */
static void feed_pre_ring(Estimator *e, PostureSample *out, const SampleNote *note, double *n)
{
        if (note->gap)
                smooth_clear(e);
        if (note->valid)
                smooth_push(e, note->filt, out->gravity, n);
        else {
                memcpy(out->gravity, note->filt, sizeof(note->filt));
                *n = 1.0;
        }
}

/*
 * The pre-pass of samples @from..@to-1: the mount, the smoothing ring
 * (feed_pre_ring()) and the worn check (the worn sums, cleared at a gap,
 * and out->worn, the decision after the sample). Nothing else reads or
 * writes Worn, and it depends on nothing of the rest: here each sample
 * meets it in the same order as in the first pass.
 *
 * The steady state of the worn sums, a valid sample after no gap, is
 * worn_feed() with the sums and the block's count in registers: the same
 * additions of the same values (x and y as a pair, then z). That of the
 * ring, also into a full ring whose head does not wrap, is smooth_push()
 * likewise: the same subtraction of the oldest entry, then addition of
 * the new one, on the same values in the same order, the new one added
 * to smooth_run, and the same count,
 * smooth_size, through int64_t; the ring's entry written alike. Every
 * other sample (a gap, an invalid sample, a ring not yet full, the wrap
 * and its resum) takes the code of one sample, with the state written
 * back before and read again after; so does the end of a worn block
 * (worn_block_done()).
 */
static void pre_pass(Estimator *e, const Frame *raw, const Frame *filtered, PostureSample *out,
                     SampleNote *notes, double *gn, size_t from, size_t to)
{
        double(*const ring)[3] = e->smooth;
        const size_t size = e->smooth_size;
        const double n_full = (double) (int64_t) size;
        const bool identity = e->mount_identity, steady = !e->exact_only;
        Worn *const wn = e->worn;
        const size_t block = wn->block;
        Pair xy = pair_load(e->smooth_sum), ws = pair_load(wn->sum), ws2 = pair_load(wn->sum2);
        Pair run_xy = pair_load(e->smooth_run);
        double z = e->smooth_sum[2], wz = wn->sum[2], wz2 = wn->sum2[2], run_z = e->smooth_run[2];
        size_t head = e->smooth_head, in_block = wn->in_block;
        bool full = e->smooth_count == size, worn = wn->worn;

        for (size_t i = from; i < to; i++) {
                SampleNote *note = &notes[i];
                PostureSample *o = &out[i];
                bool valid;

                valid = mount_frames(&e->params.mount, identity, &raw[i], &filtered[i], o->raw,
                                     note->filt) ||
                        (finite3(o->raw) && finite3(note->filt));
                note->valid = valid;
                note->gap = (raw[i].flags | filtered[i].flags) & FRAME_AFTER_GAP;
                if (steady && valid && !note->gap) {
                        Pair rxy = pair_load(o->raw);
                        double rz = o->raw[2];

                        ws += rxy;
                        ws2 += rxy * rxy;
                        wz += rz;
                        wz2 += rz * rz;
                        if (++in_block == block) {
                                pair_store(wn->sum, ws);
                                pair_store(wn->sum2, ws2);
                                wn->sum[2] = wz;
                                wn->sum2[2] = wz2;
                                wn->in_block = in_block;
                                worn_block_done(wn);
                                ws = pair_load(wn->sum);
                                ws2 = pair_load(wn->sum2);
                                wz = wn->sum[2];
                                wz2 = wn->sum2[2];
                                in_block = wn->in_block;
                                worn = wn->worn;
                        }
                        o->worn = worn;
                        if (full && head + 1 < size) {
                                double *w = ring[head];
                                Pair gxy = pair_load(note->filt);
                                double gz = note->filt[2];

                                xy -= pair_load(w);
                                z -= w[2];
                                pair_store(w, gxy);
                                w[2] = gz;
                                xy += gxy;
                                z += gz;
                                run_xy += gxy;
                                run_z += gz;
                                head++;
                                pair_store(o->gravity, xy);
                                o->gravity[2] = z;
                                gn[i] = n_full;
                                continue;
                        }
                } else {
                        pair_store(wn->sum, ws);
                        pair_store(wn->sum2, ws2);
                        wn->sum[2] = wz;
                        wn->sum2[2] = wz2;
                        wn->in_block = in_block;
                        if (note->gap)
                                worn_reset(wn);
                        if (valid)
                                worn_feed(wn, o->raw);
                        o->worn = worn = worn_get(wn);
                        ws = pair_load(wn->sum);
                        ws2 = pair_load(wn->sum2);
                        wz = wn->sum[2];
                        wz2 = wn->sum2[2];
                        in_block = wn->in_block;
                }
                pair_store(e->smooth_sum, xy);
                e->smooth_sum[2] = z;
                pair_store(e->smooth_run, run_xy);
                e->smooth_run[2] = run_z;
                e->smooth_head = head;
                feed_pre_ring(e, o, note, &gn[i]);
                xy = pair_load(e->smooth_sum);
                z = e->smooth_sum[2];
                run_xy = pair_load(e->smooth_run);
                run_z = e->smooth_run[2];
                head = e->smooth_head;
                full = e->smooth_count == size;
        }
        pair_store(e->smooth_sum, xy);
        e->smooth_sum[2] = z;
        pair_store(e->smooth_run, run_xy);
        e->smooth_run[2] = run_z;
        e->smooth_head = head;
        pair_store(wn->sum, ws);
        pair_store(wn->sum2, ws2);
        wn->sum[2] = wz;
        wn->sum2[2] = wz2;
        wn->in_block = in_block;
}

/*
 * The first pass over a sample, after pre_pass() and the norm @gn of its
 * gravity: everything but the trunk's rate and angles, its dynamic RMS
 * and the activity that follows from it. Those rms_many() works out for
 * the batch from the still window's sum and count, put into @rms_sum and
 * @rms_n, and feed_class() puts them in. Only auto_neutral() of a sample
 * without a neutral looks at the activity before that: it gets it here,
 * worked out alike (window_rms()); with a neutral it looks for walking
 * alone, which is known.
 */
static void feed_first(Estimator *e, int64_t t_ns, double gn, PostureSample *out, SampleNote *note,
                       double *rms_sum, double *rms_n)
{
        MotionResult m = {};
        bool neutral, worn;

        /* Every field is written below, in pre_pass() or in feed_second(). */
        out->t_ns = t_ns;

        if (note->gap) {
                window_clear(e);
                e->have_held = false;
                motion_reset(e->motion);
        }
        e->last_t_ns = t_ns;
        e->neutral_changed = false;

        if (note->valid) {
                note->job =
                        motion_feed_gn(e->motion, t_ns, out->raw, note->filt, out->gravity, gn, &m);
                window_push(e, note->filt, m.d2);
                /* motion_lag_ns >= 0; held at INT64_MIN rather than
                 * overflowing for a time within the lag of it (the API
                 * takes any time; a recording's lie within +-9.2e9 s). */
                out->motion_t_ns =
                        t_ns >= INT64_MIN + e->motion_lag_ns ? t_ns - e->motion_lag_ns : INT64_MIN;
        } else {
                note->job = -1;
                out->motion_t_ns = t_ns;
        }
        /* The worn check is in pre_pass(). */
        worn = out->worn;
        /* was_worn changes only with worn. Put on again: an automatic
         * neutral belonged to the last wearing. */
        if (worn != e->was_worn) {
                if (worn && e->calibrated && e->how != NEUTRAL_GIVEN)
                        estimator_reset_neutral(e);
                e->was_worn = worn;
        }

        /* Before the window is full, judge on what has been seen so far. */
        *rms_sum = e->sum_d2;
        *rms_n = e->count_d;
        note->walking = m.walking;
        out->activity = m.walking ? ACTIVITY_WALKING : ACTIVITY_MOVING;

        /* The steady state: a valid sample with a neutral (not reset just
         * now). auto_neutral() neither calibrates nor holds then: only
         * walking revises; no window_rms() (for a sample without a
         * neutral); and unless auto_neutral() ran, nothing changed the
         * neutral in this sample (only the reset above or auto_neutral()
         * do), so the flags below are true, false and false. */
        if (!e->exact_only && note->valid && e->calibrated) {
                if (!(m.walking && e->params.auto_calibrate && worn)) {
                        out->calibrated = true;
                        out->neutral_changed = false;
                        out->awaiting_neutral = false;
                        return;
                }
                auto_neutral(e, out);
        } else {
                neutral = e->params.auto_calibrate && worn && note->valid;
                if (neutral && !m.walking && !e->calibrated)
                        out->activity = window_rms(e) < e->params.still_rms ? ACTIVITY_STILL
                                                                            : ACTIVITY_MOVING;
                if (neutral)
                        auto_neutral(e, out);
        }

        out->calibrated = e->calibrated;
        out->neutral_changed = e->neutral_changed;
        out->awaiting_neutral = e->params.auto_calibrate && !e->calibrated;
}

/* The rest of the first pass, once rotate_probe_many() has rotated the
 * gravity of @out and worked out its probes (@upright: rotated_clearly_upright()),
 * and rms_many() its dynamic RMS @rms: that, the activity that follows
 * from it unless @walking (see feed_first()), and the class. */
static void feed_class(const Estimator *e, PostureSample *out, bool upright, double rms,
                       bool walking)
{
        const ClassLimits *l = &e->limits;
        AngleView view;
        bool lying;

        out->dynamic_rms = rms;
        if (!walking)
                out->activity = rms < e->params.still_rms ? ACTIVITY_STILL : ACTIVITY_MOVING;

        /* The angles are worked out where needed (angle-view.h). */
        out->flexion_deg = out->lateral_deg = NAN;
        out->angles_pending = true;
        /* The still, upright wearer's sample, without the view: clearly
         * upright, it is not lying (view_is_lying() is not asked); then
         * classify() of a worn sample whose dynamic RMS is under
         * posture_max_rms, not awaiting a neutral, answers with its
         * upright band, which needs sin_flexion (probe[0]) not NaN, so
         * angle_view_finite() holds: upright, and no angle is worked out. */
        if (upright && e->upright_shortcut && out->worn && rms < e->params.posture_max_rms &&
            !out->awaiting_neutral && out->probe[0] > l->upright_sin_lo &&
            out->probe[0] < l->upright_sin_hi && out->probe[1] > l->lateral.hi) {
                out->posture = POSTURE_UPRIGHT;
                out->lying = false;
                return;
        }
        angle_view_init(&view, out);

        /* Lying is judged once, for the class and the flag. */
        lying = !upright && view_is_lying(&e->params, e->upright_cos2, &view);
        out->posture =
                classify(e, out->worn, out->awaiting_neutral, out->dynamic_rms, lying, &view);
        out->lying = !out->awaiting_neutral && lying;
        if (view.have_flexion && view.have_lateral) {
                out->flexion_deg = view.flexion;
                out->lateral_deg = view.lateral;
                out->angles_pending = false;
        }
}

/* The second pass: the trunk's rate, and its angles against @rot of generation @gen. */
static void feed_second(Estimator *e, const SampleNote *note, const Rotation *rot, unsigned gen,
                        PostureSample *out)
{
        double trunk[3];

        /* Between two blocks the trunk stays as it was: a valid sample
         * without a job of its own, after no gap, gets from
         * motion_trunk_next() the rate and trunk of the last valid sample
         * (only a job or motion_trunk_reset() changes them), which are
         * trunk_in, so for the same rotation the code below would only
         * copy what it gave that sample (trunk_cached: the last sample went
         * through it, and was valid). */
        if (note->valid && !note->gap && note->job < 0 && e->trunk_cached && e->trunk_gen == gen) {
                out->rate_dps = e->trunk_rate;
                out->rate_pending = e->trunk_rate_pending;
                memcpy(out->motion_trunk, e->trunk, sizeof(out->motion_trunk));
                out->motion_lying = e->trunk_lying;
                return;
        }

        trunk[0] = trunk[1] = trunk[2] = NAN;
        out->rate_dps = NAN;
        out->rate_pending = (RatePending){ 0 };
        if (note->gap)
                motion_trunk_reset(e->motion);
        if (note->valid)
                motion_trunk_next(e->motion, note->job, &out->rate_dps, &out->rate_pending, trunk);

        /* rotate() keeps a NaN vector NaN; vector_angles() makes NaN angles of it. */
        if (!e->have_trunk || e->trunk_gen != gen ||
            memcmp(e->trunk_in, trunk, sizeof(e->trunk_in)) != 0) {
                memcpy(e->trunk_in, trunk, sizeof(e->trunk_in));
                e->trunk_gen = gen;
                rotate(trunk, rot, e->trunk);
                /* vector_is_lying() begins with rotated_clearly_upright():
                 * asked here first, inline, it reads the trunk rotate()
                 * just stored from registers; through the call, the load
                 * of its y from the upper half of a 16-byte store waits
                 * for the store (not forwarded on every CPU). */
                e->trunk_lying = !rotated_clearly_upright(e->upright_cos2, e->trunk) &&
                                 vector_is_lying(&e->params, e->upright_cos2, e->trunk);
                e->have_trunk = true;
        }
        memcpy(out->motion_trunk, e->trunk, sizeof(out->motion_trunk));
        out->motion_lying = e->trunk_lying;
        e->trunk_rate = out->rate_dps;
        e->trunk_rate_pending = out->rate_pending;
        e->trunk_cached = note->valid;
}

/**
 * estimator_feed_many() - estimator_feed() for @n samples in order, into
 * @out[0..n-1]; the same results, in less time: the trunk smoothing of the
 * motion path runs for many samples at once (see estimator-trunk.c), and the
 * samples' angles may be left pending (posture_sample_resolve_angles()).
 */
void estimator_feed_many(Estimator *e, const Frame *raw, const Frame *filtered, size_t n,
                         PostureSample *out)
{
        assert(e);
        assert(raw || n == 0);
        assert(filtered || n == 0);
        assert(out || n == 0);

        /* The samples pre_pass() has seen, from the batch's start. */
        size_t pre = 0;
        SampleNote notes[MOTION_BATCH];
        double gn[MOTION_BATCH];

        while (n > 0) {
                size_t k = MIN(n, (size_t) MOTION_BATCH), k_pre = k;
                bool valid[MOTION_BATCH], upright[MOTION_BATCH], changed;
                double rms_sum[MOTION_BATCH], rms_n[MOTION_BATCH], rms[MOTION_BATCH];
                /* The neutral may be found during the batch (auto_calibrate):
                 * the batch ends with that sample, the only one with the new
                 * neutral; those before it keep the old one. */
                Rotation before = e->rotation;
                unsigned gen_before = e->rotation_gen, gen = gen_before;
                const Rotation *rot = &before;

                /* The smoothing first, for the whole batch, then the norms
                 * of its gravity: the square roots of many samples overlap,
                 * where inside one sample's first pass each would wait. */
                pre_pass(e, raw, filtered, out, notes, gn, pre, k);
                gravity_many(e->avx, out + pre, gn + pre, k - pre);
                for (size_t i = 0; i < k; i++) {
                        feed_first(e, raw[i].t_ns, gn[i], &out[i], &notes[i], &rms_sum[i],
                                   &rms_n[i]);
                        valid[i] = notes[i].valid;
                        /* Set only with a new rotation_gen (neutral_changed()). */
                        if (e->neutral_changed)
                                k = i + 1;
                }
                /* The rotation changes only with rotation_gen: the samples
                 * before the last have the one of the batch's start, and
                 * the last, if it changed, the new one (as feed_first()
                 * found them). */
                rms_many(e->avx, rms_sum, rms_n, rms, k);
                changed = e->rotation_gen != gen_before;
                rotate_probe_many(&before, e->upright_cos2, e->avx, valid, out, k - changed,
                                  upright);
                if (changed)
                        rotate_probe_many(&e->rotation, e->upright_cos2, e->avx, valid + k - 1,
                                          out + k - 1, 1, upright + k - 1);
                for (size_t i = 0; i < k; i++)
                        feed_class(e, &out[i], upright[i], rms[i], notes[i].walking);
                motion_trunk_run(e->motion);
                for (size_t i = 0, last = k - changed; i < k; i++) {
                        if (i == last) {
                                rot = &e->rotation;
                                gen = e->rotation_gen;
                        }
                        feed_second(e, &notes[i], rot, gen, &out[i]);
                }

                /* A batch ended early keeps the pre-pass of the samples
                 * after it, which nothing of the neutral touches: they
                 * begin the next. */
                pre = k_pre - k;
                memmove(notes, notes + k, pre * sizeof(notes[0]));
                memmove(gn, gn + k, pre * sizeof(gn[0]));
                raw += k;
                filtered += k;
                out += k;
                n -= k;
        }
}

/**
 * estimator_feed() - one sample.
 * @e: the estimator.
 * @raw: the unfiltered frame (sensor frame), for the dynamic part.
 * @filtered: the low-passed frame (sensor frame), for gravity.
 * @out: the resulting sample (always written).
 *
 * The sample's angles are worked out (estimator_feed_many() leaves them
 * pending). A frame flagged FRAME_AFTER_GAP restarts the still window and the motion
 * path (trunk rate, walking). A frame with a non-finite value is kept out of
 * both and yields NaN angles and rate, the "unknown" posture and an activity
 * judged on the dynamic RMS alone.
 */
void estimator_feed(Estimator *e, const Frame *raw, const Frame *filtered, PostureSample *out)
{
        assert(e);
        assert(raw);
        assert(filtered);
        assert(out);

        estimator_feed_many(e, raw, filtered, 1, out);
        posture_sample_resolve_angles(out);
}
