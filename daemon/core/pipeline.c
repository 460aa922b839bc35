/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/estimator/estimator-private.h"
#include "util/macro.h"
#include "util/time-util.h"
#include "core/pipeline.h"

/* Frames are filtered in chunks of this size, so the filter kernel sees
 * batches (the SIMD kernels rely on it) while the scratch stays small. */
#define PIPELINE_CHUNK 256

/* A gap longer than this between samples is not counted in the summary. */
#define SUMMARY_MAX_DT_NS (2 * NSEC_PER_SEC)

struct Pipeline {
        PipelineParams params;
        double rate_hz;
        Filter *filter;
        Estimator *estimator;
        Detectors *detectors;
        PipelineEventFn event_fn;
        PipelineSummaryFn summary_fn;
        void *summary_userdata;
        void *event_userdata;
        PipelineCalibrationFn calibration_fn;
        void *calibration_userdata;
        PipelineSampleFn sample_fn;
        void *sample_userdata;
        int64_t sample_every_ns, sample_next_ns;
        bool sample_started;
        /* The latest sample. Its angles and rate may still be pending (the
         * short way leaves them so): only pipeline_last(), the calibrations
         * and the handler path, which resolve them first, read them. */
        PostureSample last;
        bool have_last;
        PipelineSummary summary;
        unsigned long long dropped;
        PipelineDrops drops;
        double min_sq, max_sq; /* magnitude limits, squared, m²/s⁴ */
        double ok_max_sq;      /* max_sq, or DBL_MAX for an infinite one (frame_ok()) */
        int64_t summary_dt_ns; /* the last interval summed, and it in seconds */
        double summary_dt;
        Frame scratch[PIPELINE_CHUNK];
        Frame accepted[PIPELINE_CHUNK];
        PostureSample samples[PIPELINE_CHUNK];
};

/**
 * pipeline_params_default() - the defaults of DESIGN.md: 4th-order 2 Hz
 * low-pass, the estimator's and the rules' own defaults.
 */
void pipeline_params_default(PipelineParams *p)
{
        *p = (PipelineParams){
                .filter_order = 4,
                .cutoff_hz = 2.0,
                .min_g = 0.05,
                .max_g = 8.0,
        };
        estimator_params_default(&p->estimator);
        rule_params_default(&p->rules);
}

/**
 * pipeline_new() - build the filter, estimator and detectors for @rate_hz.
 *
 * Return: 0, -EINVAL for bad params or rate, -ENOMEM.
 */
int pipeline_new(Pipeline **ret, const PipelineParams *p, double rate_hz)
{
        _cleanup_(pipeline_freep) Pipeline *pl = NULL;
        int r;

        if (!isfinite(rate_hz) || rate_hz <= 0)
                return -EINVAL;
        if (!(p->min_g >= 0 && p->max_g > p->min_g && isfinite(p->max_g)))
                return -EINVAL;

        /* The chunk buffers are written before they are read: only the fields
         * before them are zeroed, so that a batch makes only its own part of
         * their 46 KiB resident (a second at 100 Hz: 100 of 256 entries). */
        pl = malloc(sizeof(*pl));
        if (!pl)
                return -ENOMEM;
        memset(pl, 0, offsetof(Pipeline, scratch));
        pl->params = *p;
        pl->rate_hz = rate_hz;
        pl->min_sq = (p->min_g * STANDARD_GRAVITY) * (p->min_g * STANDARD_GRAVITY);
        pl->max_sq = (p->max_g * STANDARD_GRAVITY) * (p->max_g * STANDARD_GRAVITY);
        pl->ok_max_sq = MIN(pl->max_sq, DBL_MAX);

        r = filter_new(&pl->filter, p->filter_order, p->cutoff_hz, rate_hz);
        if (r < 0)
                return r;
        r = estimator_new(&pl->estimator, &p->estimator, rate_hz);
        if (r < 0)
                return r;
        r = detectors_new(&pl->detectors, &p->rules);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(pl);
        return 0;
}

/** pipeline_free() - accepts NULL; returns NULL. */
Pipeline *pipeline_free(Pipeline *p)
{
        if (!p)
                return NULL;
        filter_free(p->filter);
        estimator_free(p->estimator);
        detectors_free(p->detectors);
        free(p);
        return NULL;
}

/** pipeline_set_event_handler() - @fn is called for every fired StrainEvent. */
void pipeline_set_event_handler(Pipeline *p, PipelineEventFn fn, void *userdata)
{
        p->event_fn = fn;
        p->event_userdata = userdata;
}

/** pipeline_set_calibration_handler() - @fn is called whenever the estimator's neutral changes. */
void pipeline_set_calibration_handler(Pipeline *p, PipelineCalibrationFn fn, void *userdata)
{
        p->calibration_fn = fn;
        p->calibration_userdata = userdata;
}

/**
 * pipeline_set_summary_handler() - @fn is called for every sample, with the
 * seconds the summary credits to the previous one (see PipelineSummaryFn).
 */
void pipeline_set_summary_handler(Pipeline *p, PipelineSummaryFn fn, void *userdata)
{
        p->summary_fn = fn;
        p->summary_userdata = userdata;
}

/**
 * pipeline_set_sample_handler() - @fn is called with the first sample after
 * this call, and then with the first sample at or after each @every_ns (> 0)
 * of sample time since the last one it got; @fn NULL for none.
 */
void pipeline_set_sample_handler(Pipeline *p, int64_t every_ns, PipelineSampleFn fn, void *userdata)
{
        p->sample_fn = every_ns > 0 ? fn : NULL;
        p->sample_userdata = userdata;
        p->sample_every_ns = every_ns;
        p->sample_started = false;
}

static void sample_report(Pipeline *p, PostureSample *s)
{
        if (p->sample_started && s->t_ns < p->sample_next_ns)
                return;
        posture_sample_resolve_angles(s);
        /* Times on the grid of the first sample, unless a gap skipped it
         * (the time is not before sample_next_ns here: their difference
         * exact in unsigned arithmetic, where int64_t could overflow). */
        if (!p->sample_started ||
            (uint64_t) s->t_ns - (uint64_t) p->sample_next_ns >= (uint64_t) p->sample_every_ns)
                p->sample_next_ns = s->t_ns;
        p->sample_next_ns += p->sample_every_ns;
        p->sample_started = true;
        p->sample_fn(s, p->sample_userdata);
}

/* The seconds credited to @prev, now that @s follows it: 0 across a gap. */
static double summary_dt(Pipeline *p, const PostureSample *prev, const PostureSample *s)
{
        int64_t dt_ns;

        if (!prev)
                return 0;
        dt_ns = ns_since_within(s->t_ns, prev->t_ns, SUMMARY_MAX_DT_NS);
        if (dt_ns <= 0)
                return 0;
        /* The same interval as last time is the same dt. */
        if (dt_ns != p->summary_dt_ns) {
                p->summary_dt_ns = dt_ns;
                p->summary_dt = (double) dt_ns / NSEC_PER_SEC;
        }
        return p->summary_dt;
}

/* @s after @prev (NULL before the first sample). */
static void summary_add(Pipeline *p, const PostureSample *prev, const PostureSample *s)
{
        PipelineSummary *sum = &p->summary;
        double dt = summary_dt(p, prev, s);

        sum->frames++;
        /* The interval belongs to the state that held during it: the previous sample's. */
        if (dt > 0) {
                sum->duration_s += dt;
                sum->posture_s[prev->posture] += dt;
                sum->activity_s[prev->activity] += dt;
                sum->posture_by_activity_s[prev->activity][prev->posture] += dt;
        }
        if (p->summary_fn)
                p->summary_fn(prev, s, dt, detectors_strain_level(p->detectors),
                              p->summary_userdata);
}

/* Two of the summary's sums side by side: each lane is added to as a
 * double on its own (IEEE addition, lane by lane). */
typedef double SummaryPair __attribute__((vector_size(16)));

/*
 * The summary's sums of @n samples, each after the one before it (@prev
 * before the first, NULL when none): summary_add() of each in turn, when no
 * summary handler is installed. The sums are the same additions in the same
 * order: every accumulator gets the same dt's one after the other; only the
 * class lookups are done once for a run of samples in the same posture and
 * activity, and two sums go in one vector (lane by lane the same addition).
 * summary_dt() is taken apart: p->summary_dt_ns and p->summary_dt are 0
 * and 0.0 at first and then an interval that passed its range test and its
 * seconds (summary_dt() and summary_run() store only such a pair), so an interval equal to the one
 * kept has the seconds kept, 0.0 for 0 as summary_dt() returns for it.
 * summary_add() adds only a dt > 0; here the dt of 0 kept at first is added
 * too, which changes nothing: each sum starts at +0.0 and is only ever
 * added a positive dt or +0.0, so it is never -0.0 nor NaN, and x + (+0.0)
 * is x for every other x.
 *
 * Return: whether all of @s are plain for sample_plain() with @raw (false
 * for the first chunk of all).
 */
static bool summary_run(Pipeline *p, const PostureSample *prev, const PostureSample *s,
                        const Frame *raw, size_t n)
{
        PipelineSummary *sum = &p->summary;
        int64_t dt_ns_kept = p->summary_dt_ns;
        SummaryPair dt = { p->summary_dt, p->summary_dt };
        /* Whether every sample is worn, whether any is at a new neutral, and
         * every frame flag seen. */
        unsigned char worn = 1, changed = 0;
        uint32_t flags = 0;
        size_t i = 0;
        int64_t t;

        sum->frames += n;
        /* The very first sample is left to the caller's sample by sample
         * way (said not plain): it has no interval to sum. */
        if (!prev) {
                prev = s;
                i = 1;
                worn = 0;
        }
        t = prev->t_ns;
        while (i < n) {
                PostureClass c = prev->posture;
                Activity a = prev->activity;
                SummaryPair da = { sum->duration_s, sum->posture_s[c] },
                            pa = { sum->activity_s[a], sum->posture_by_activity_s[a][c] };

                /* The run of intervals credited to posture c while in activity a. */
                do {
                        /* -1 (outside (0, SUMMARY_MAX_DT_NS]) where the
                         * difference was negative or over the limit: it
                         * is neither dt_ns_kept (0 or within the limit)
                         * nor credited, as before. */
                        int64_t dt_ns = ns_since_within(s[i].t_ns, t, SUMMARY_MAX_DT_NS);

                        /* An interval that summary_dt() finds 0 adds nothing. */
                        if (dt_ns == dt_ns_kept || (dt_ns > 0 && dt_ns <= SUMMARY_MAX_DT_NS)) {
                                if (dt_ns != dt_ns_kept) {
                                        double x = (double) dt_ns / NSEC_PER_SEC;

                                        dt_ns_kept = dt_ns;
                                        dt = (SummaryPair){ x, x };
                                }
                                da += dt;
                                pa += dt;
                        }
                        worn &= s[i].worn;
                        changed |= s[i].neutral_changed;
                        flags |= raw[i].flags;
                        t = s[i].t_ns;
                        prev = &s[i++];
                } while (i < n && prev->posture == c && prev->activity == a);
                sum->duration_s = da[0];
                sum->posture_s[c] = da[1];
                sum->activity_s[a] = pa[0];
                sum->posture_by_activity_s[a][c] = pa[1];
        }
        p->summary_dt_ns = dt_ns_kept;
        p->summary_dt = dt[0];
        return worn && !changed && !(flags & FRAME_AFTER_GAP);
}

/* Sample @i of the chunk, but for the summary: process_chunk()'s steps.
 * Return: its number of events, in @events. */
static size_t sample_step(Pipeline *p, const Frame *raw, size_t i, StrainEvent *events)
{
        PostureSample *s = &p->samples[i];

        /* No episode spans a gap, a revised neutral or a time not worn: one
         * held before it and one after are two, each measured from its own
         * start. While not worn no rule runs. */
        if ((raw[i].flags & FRAME_AFTER_GAP) ||
            (s->neutral_changed &&
             estimator_get_calibration(p->estimator, NULL) == NEUTRAL_REVISED))
                detectors_reset(p->detectors);
        if (s->neutral_changed && p->calibration_fn) {
                posture_sample_resolve_angles(s);
                p->calibration_fn(s, p->calibration_userdata);
        }
        if (s->worn)
                return detectors_feed(p->detectors, s, events, _EVENT_KIND_MAX);
        if (i > 0 ? p->samples[i - 1].worn : !p->have_last || p->last.worn)
                detectors_reset(p->detectors);
        return 0;
}

/* The @k events of sample @i: counted, handed to the event handler, with
 * the sample as p->last. */
static void sample_events(Pipeline *p, size_t i, const StrainEvent *events, size_t k)
{
        PostureSample *s = &p->samples[i];

        posture_sample_resolve_angles(s);
        p->last = *s;
        p->have_last = true;
        for (size_t j = 0; j < k; j++) {
                p->summary.events[events[j].kind]++;
                if (p->event_fn)
                        p->event_fn(&events[j], s, p->event_userdata);
        }
}

/* Whether sample @i of the chunk needs no more than detectors_feed():
 * worn, neither after a gap nor at a changed neutral. */
static inline bool sample_plain(const Pipeline *p, const Frame *raw, size_t i)
{
        const PostureSample *s = &p->samples[i];

        return s->worn && !s->neutral_changed && !(raw[i].flags & FRAME_AFTER_GAP);
}

static void process_chunk(Pipeline *p, const Frame *raw, size_t n)
{
        StrainEvent events[_EVENT_KIND_MAX];

        filter_process(p->filter, raw, p->scratch, n);
        /* The whole chunk at once: the estimator's batches are faster (the
         * same samples). So the estimator is ahead of the detectors by the
         * rest of the chunk when an event handler runs; the handlers report
         * and change rules, which only the detectors use. */
        estimator_feed_many(p->estimator, raw, p->scratch, n, p->samples);

        /* Without summary and sample handlers (posturectl analyze), the
         * summary's sums go first, for the whole chunk (no handler reads
         * them: only pipeline_summary() does, between feeds), and the
         * detectors take runs of plain samples at once. The rest is the same
         * steps in the same order as below. */
        if (!p->summary_fn && !p->sample_fn) {
                bool plain = summary_run(p, p->have_last ? &p->last : NULL, p->samples, raw, n);

                for (size_t i = 0; i < n;) {
                        size_t k, m;

                        if (plain) {
                                /* Mostly the whole chunk: no sample to look at again. */
                                i += detectors_feed_run(p->detectors, &p->samples[i], n - i, events,
                                                        ELEMENTSOF(events), &k);
                        } else if (!sample_plain(p, raw, i)) {
                                k = sample_step(p, raw, i, events);
                                i++;
                        } else {
                                m = 1;
                                while (i + m < n && sample_plain(p, raw, i + m))
                                        m++;
                                i += detectors_feed_run(p->detectors, &p->samples[i], m, events,
                                                        ELEMENTSOF(events), &k);
                        }
                        if (k > 0)
                                sample_events(p, i - 1, events, k);
                }
                /* Its angles and rate are worked out when asked for
                 * (pipeline_last()): the same values, from the same sample. */
                p->last = p->samples[n - 1];
                p->have_last = true;
                return;
        }

        /* p->last is the latest sample whenever an event handler runs, and
         * at the end; in between, the samples are where they are. The
         * summary handler gets it as the previous sample: resolved. */
        if (p->have_last)
                posture_sample_resolve_angles(&p->last);
        for (size_t i = 0; i < n; i++) {
                PostureSample *s = &p->samples[i];
                size_t k;

                /* The estimator leaves the angles pending: handlers get them
                 * worked out, the detectors work out what they need. */
                if (p->summary_fn)
                        posture_sample_resolve_angles(s);
                summary_add(p, i > 0 ? &p->samples[i - 1] : p->have_last ? &p->last : NULL, s);
                k = sample_step(p, raw, i, events);
                if (k > 0)
                        sample_events(p, i, events, k);
                else if (i + 1 == n) {
                        posture_sample_resolve_angles(s);
                        p->last = *s;
                        p->have_last = true;
                }
                if (p->sample_fn)
                        sample_report(p, s);
        }
}

static bool frame_acceptable(Pipeline *p, const Frame *f, int64_t prev_t_ns)
{
        double sq;

        if (f->t_ns <= prev_t_ns) {
                p->drops.time++;
                return false;
        }
        if (!isfinite(f->v[0]) || !isfinite(f->v[1]) || !isfinite(f->v[2])) {
                p->drops.nonfinite++;
                return false;
        }
        if (f->flags & FRAME_SATURATED) {
                p->drops.saturated++;
                return false;
        }
        sq = (double) f->v[0] * f->v[0] + (double) f->v[1] * f->v[1] + (double) f->v[2] * f->v[2];
        if (sq < p->min_sq || sq > p->max_sq) {
                p->drops.magnitude++;
                return false;
        }
        return true;
}

/*
 * frame_acceptable() for a frame that it accepts, without counting: true
 * exactly when it would return true. A float is at most 2^128, so the sum
 * of the squares of three finite ones is finite; an infinite value makes it
 * infinite, a NaN NaN. So "sq between min_sq and a finite ok_max_sq" holds
 * only for finite values (NaN fails both comparisons, infinity the second),
 * and for them it is frame_acceptable()'s magnitude test; ok_max_sq is
 * max_sq itself unless that overflowed, when every finite sq passes both.
 */
static inline bool frame_ok(const Pipeline *p, const Frame *f, int64_t prev_t_ns)
{
        double sq = (double) f->v[0] * f->v[0] + (double) f->v[1] * f->v[1] +
                    (double) f->v[2] * f->v[2];

        return f->t_ns > prev_t_ns && !(f->flags & FRAME_SATURATED) && sq >= p->min_sq &&
               sq <= p->ok_max_sq;
}

/*
 * Whether frame_ok() holds for each of @f[0], ..., @f[n - 1], each after
 * the one before it (@prev before the first). The tests have no side
 * effects, so they may be made in any order: with SSE2 (x86-64's baseline)
 * two frames at a time, their magnitudes lane by lane the same operations
 * as frame_ok()'s (each float converted to double, squared, the squares
 * added in the same order: (x² + y²) + z²; the comparisons ordered, false
 * for NaN, as C's), the saturation flags gathered and tested at the end.
 * Only a frame wrongly passed could change a result: one wrongly refused
 * sends the chunk the frame by frame way, which is exact.
 */
static bool frames_ok(const Pipeline *p, const Frame *f, size_t n, int64_t prev)
{
        size_t i = 0;
#if defined(__SSE2__)
        const __m128d lo = _mm_set1_pd(p->min_sq), hi = _mm_set1_pd(p->ok_max_sq);
        uint32_t flags = 0;

        for (; i + 2 <= n; i += 2) {
                __m128d a =
                        _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i_u *) f[i].v)));
                __m128d b = _mm_cvtps_pd(
                        _mm_castsi128_ps(_mm_loadl_epi64((const __m128i_u *) f[i + 1].v)));
                __m128d z = _mm_cvtps_pd(
                        _mm_unpacklo_ps(_mm_load_ss(&f[i].v[2]), _mm_load_ss(&f[i + 1].v[2])));
                __m128d x = _mm_unpacklo_pd(a, b), y = _mm_unpackhi_pd(a, b);
                __m128d sq = _mm_add_pd(_mm_add_pd(_mm_mul_pd(x, x), _mm_mul_pd(y, y)),
                                        _mm_mul_pd(z, z));

                if (!(f[i].t_ns > prev && f[i + 1].t_ns > f[i].t_ns) ||
                    _mm_movemask_pd(_mm_and_pd(_mm_cmpge_pd(sq, lo), _mm_cmple_pd(sq, hi))) != 3)
                        return false;
                flags |= f[i].flags | f[i + 1].flags;
                prev = f[i + 1].t_ns;
        }
        if (flags & FRAME_SATURATED)
                return false;
#endif
        for (; i < n; i++) {
                if (!frame_ok(p, &f[i], prev))
                        return false;
                prev = f[i].t_ns;
        }
        return true;
}

/* The next chunk of pipeline_feed() straight from @frames (no copy) when
 * none of its @n frames is refused: the same chunk as the copy would make.
 * Return: whether it was. */
static bool feed_whole_chunk(Pipeline *p, const Frame *frames, size_t n)
{
        if (!frames_ok(p, frames, n, p->have_last ? p->last.t_ns : INT64_MIN))
                return false;
        if (!p->have_last)
                filter_reset(p->filter,
                             (const double[3]){ frames[0].v[0], frames[0].v[1], frames[0].v[2] });
        process_chunk(p, frames, n);
        return true;
}

/**
 * pipeline_feed() - filter, estimate and detect over @n frames in sample order.
 * Frames whose time does not increase, with non-finite or saturated values or
 * an impossible magnitude, are dropped and counted (pipeline_dropped(),
 * pipeline_drops()): they must never reach the detectors.
 */
void pipeline_feed(Pipeline *p, const Frame *frames, size_t n)
{
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                const Frame *f = &frames[i];
                int64_t prev;

                /* A chunk begins here: when none of its frames is refused,
                 * it needs no copy. */
                if (k == 0) {
                        size_t m = MIN(n - i, (size_t) PIPELINE_CHUNK);

                        if (feed_whole_chunk(p, f, m)) {
                                i += m - 1;
                                continue;
                        }
                }
                prev = k > 0 ? p->accepted[k - 1].t_ns : (p->have_last ? p->last.t_ns : INT64_MIN);

                if (!frame_acceptable(p, f, prev)) {
                        p->dropped++;
                        continue;
                }
                if (k == 0 && !p->have_last)
                        filter_reset(p->filter, (const double[3]){ f->v[0], f->v[1], f->v[2] });
                p->accepted[k++] = *f;
                if (k == PIPELINE_CHUNK) {
                        process_chunk(p, p->accepted, k);
                        k = 0;
                }
        }
        if (k > 0)
                process_chunk(p, p->accepted, k);
}

/**
 * pipeline_last() - the latest sample, or NULL before the first frame; its
 * angles and rate worked out (posture_sample_resolve_angles(), here rather
 * than at the end of every chunk without handlers).
 */
const PostureSample *pipeline_last(Pipeline *p)
{
        if (!p->have_last)
                return NULL;
        posture_sample_resolve_angles(&p->last);
        return &p->last;
}

/** pipeline_summary() - totals since creation. */
const PipelineSummary *pipeline_summary(const Pipeline *p)
{
        return &p->summary;
}

/** pipeline_dropped() - frames refused for non-increasing time or bad values. */
unsigned long long pipeline_dropped(const Pipeline *p)
{
        return p->dropped;
}

/** pipeline_drops() - the dropped frames by reason. */
const PipelineDrops *pipeline_drops(const Pipeline *p)
{
        return &p->drops;
}

/** pipeline_estimator() - the estimator, e.g. to calibrate. */
Estimator *pipeline_estimator(Pipeline *p)
{
        return p->estimator;
}

/** pipeline_filter() - the filter, e.g. to pick a kernel. */
Filter *pipeline_filter(Pipeline *p)
{
        return p->filter;
}

/** pipeline_detectors() - the detectors. */
Detectors *pipeline_detectors(Pipeline *p)
{
        return p->detectors;
}

/**
 * pipeline_calibrate() - take the last still window as the wearer's neutral
 * (estimator_calibrate()), restart the episodes measured against the old one,
 * and restate the latest sample's angles against the new neutral.
 *
 * Return: a CalibrateResult, as estimator_calibrate().
 */
int pipeline_calibrate(Pipeline *p)
{
        double neutral[3];
        int r;

        r = estimator_calibrate(p->estimator);
        if (r != CALIBRATE_DONE)
                return r;
        detectors_reset(p->detectors);
        if (p->have_last && estimator_get_neutral(p->estimator, neutral)) {
                /* The rate worked out; the angles, no longer pending, are
                 * restated below. */
                posture_sample_resolve_angles(&p->last);
                estimator_angles(p->last.gravity, neutral, &p->last.flexion_deg,
                                 &p->last.lateral_deg);
                p->last.calibrated = true;
        }
        return 0;
}

/**
 * pipeline_reset_calibration() - forget the neutral (estimator_reset_neutral()):
 * the next worn, still, upright window is taken; episodes start afresh and
 * the latest sample's angles are restated against the mount's upright.
 */
void pipeline_reset_calibration(Pipeline *p)
{
        estimator_reset_neutral(p->estimator);
        detectors_reset(p->detectors);
        if (p->have_last) {
                posture_sample_resolve_angles(&p->last);
                estimator_angles(p->last.gravity, NULL, &p->last.flexion_deg, &p->last.lateral_deg);
                p->last.calibrated = false;
        }
}

/** pipeline_set_rules() - new limits, e.g. on a recovery-phase change. */
int pipeline_set_rules(Pipeline *p, const RuleParams *r)
{
        int k;

        k = detectors_set_params(p->detectors, r);
        if (k < 0)
                return k;
        p->params.rules = *r;
        return 0;
}
