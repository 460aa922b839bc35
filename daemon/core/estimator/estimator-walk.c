/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Walking detection: the periodicity of the vertical acceleration, with the
 * trunk kept upright, over a ring of block means (see estimator-private.h). */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "util/macro.h"

/*
 * The trunk kept its direction over the window: walking, not bending. Each
 * direction u[i] (in any order) goes through sway_check(); the window passes
 * when its mean direction has a length and no u[i] lies further from it
 * than walk_max_sway_deg.
 */
typedef struct Sway {
        double mean[3]; /* the sum of the directions u[i], in the order of i */
        double n, c, sure;
        bool ok;
} Sway;

static void sway_begin(const Motion *m, Sway *s, double x, double y, double z)
{
        *s = (Sway){ .mean = { x, y, z }, .c = m->cos_max_sway };
        s->n = norm3(s->mean);
        s->ok = s->n > 0;
        /*
         * d / n < c, without the division where the answer is plain: d >= c·n
         * (in real numbers) means that d / n, rounded, is not below c, as
         * rounding keeps order and c is a double. @sure lies above c·n by
         * more than its rounding (both positive and normal), so a d at or
         * above it passes; the rest are divided as ever.
         */
        s->sure = s->c * s->n * (1 + 0x1p-50);
        if (!(s->c > 0 && s->sure >= DBL_MIN && isfinite(s->sure)))
                s->sure = INFINITY;
}

static inline void sway_check(Sway *s, const double u[3])
{
        double d = dot3(u, s->mean);

        if (!(d >= s->sure) && d / s->n < s->c)
                s->ok = false;
}

/* The stride, two steps: when left and right steps differ (stairs, where
 * one leg leads; a limp; a chest sensor rocking from side to side) the
 * autocorrelation at the step period is low, but a step pattern that
 * repeats each stride is a gait all the same (the step and stride
 * regularity of Moe-Nilssen and Helbostad, 2004). True when a peak within
 * an eighth of a step of twice @step is at least @min_corr. Only these
 * lags are computed, and only when the step's own peak fell short. */
static bool walk_stride_periodic(Motion *m, double var, size_t step, double min_corr)
{
        size_t tol = MAX(step / 8, (size_t) 1), lo = 2 * step - tol, hi = 2 * step + tol;

        /* A lag is trusted only with at least as many products as it is
         * long (a lag near the window's length has few: noise). */
        if (2 * hi + 2 > m->n_blocks)
                return false;
        (void) motion_walk_autocorr(m, var, lo - 1, hi + 2);
        for (size_t k = lo; k <= hi; k++)
                if (m->r[k] >= m->r[k - 1] && m->r[k] > m->r[k + 1] && m->r[k] >= min_corr)
                        return true;
        return false;
}

/* The step frequency of the peak at lag @k, refined by a parabola through
 * its neighbours. */
static double walk_refined_hz(const Motion *m, size_t k)
{
        double den = m->r[k - 1] - 2 * m->r[k] + m->r[k + 1];
        double delta = den < 0 ? 0.5 * (m->r[k - 1] - m->r[k + 1]) / den : 0;

        return m->block_rate_hz / ((double) k + delta);
}

/* The first peak from @first (before @last) within an eighth of @best of
 * half its lag, at least @min_r high; or 0. */
static size_t walk_half_peak(const Motion *m, size_t best, size_t first, size_t last, double min_r)
{
        for (size_t k = first, tol = MAX(best / 8, (size_t) 1); k + 1 < last; k++) {
                if (2 * k + 2 * tol < best)
                        continue;
                if (2 * k > best + 2 * tol)
                        break;
                if (m->r[k] >= m->r[k - 1] && m->r[k] > m->r[k + 1] && m->r[k] >= min_r)
                        return k;
        }
        return 0;
}

/* Periodicity: the step period is the highest peak of the autocorrelation
 * after it has first gone negative, up to the longest step period (plus the
 * lag beyond it that a peak needs). Not the first peak: at high sample rates
 * the harmonics of the heel strike make ripples, lower peaks before the step
 * (r ≈ 0.3 at 0.48 s, where the step has r ≈ 0.8 at 0.6 s). The peak must
 * be high enough and, refined by a parabola through its neighbours, within
 * the step frequencies. The autocorrelation is computed as far as the
 * search looks, all at once. Once walking, a lower peak will do
 * (WALK_KEEP_CORR). */
static bool walk_periodic(Motion *m, double var)
{
        size_t last = m->max_lag + 2, best = 0, first = 0, step, stride;
        bool crossed = false;
        double freq, min_corr;

        /* The search below looks at every lag up to r[last] (no early exit). */
        (void) motion_walk_autocorr(m, var, 0, last + 1);
        for (size_t k = 1; k < last; k++) {
                if (m->r[k] < 0)
                        crossed = true;
                if (!crossed || m->r[k] < m->r[k - 1] || m->r[k] <= m->r[k + 1])
                        continue;
                if (first == 0)
                        first = k;
                if (best == 0 || m->r[k] > m->r[best])
                        best = k;
        }
        if (best == 0)
                return false;

        /* A left-right difference can make the stride, two steps, the
         * highest peak: when a peak about half as far is nearly as high,
         * that is the step (so jogging's fast steps are not taken for a
         * walk at half their rate). */
        step = walk_half_peak(m, best, first, last, WALK_STEP_OF_STRIDE * m->r[best]);
        stride = 0;
        if (step > 0)
                best = step;
        else if (walk_refined_hz(m, best) < m->walk_min_step_hz) {
                /* The highest peak is slower than any step: a stride (steps
                 * at 2 Hz and more, one leg leading, as on stairs) when a
                 * peak about half as far resembles it at all. That is the
                 * step, and the stride's regularity (Moe-Nilssen and
                 * Helbostad, 2004) says whether it is a gait. */
                step = walk_half_peak(m, best, first, last, DBL_MIN);
                if (step > 0) {
                        stride = best;
                        best = step;
                }
        }

        freq = walk_refined_hz(m, best);
        if (!(freq >= m->walk_min_step_hz && freq <= m->walk_max_step_hz))
                return false;
        min_corr = (m->walking ? WALK_KEEP_CORR : 1.0) * m->walk_min_corr;
        if (stride > 0)
                return m->r[stride] >= min_corr;
        return m->r[best] >= min_corr || walk_stride_periodic(m, var, best, min_corr);
}

/* Steps all through the window: each quarter of it moves on its own, by at
 * least half of walk_min_rms (a light step or two does not break a walk),
 * so a walk is recognised only once it has filled (most of) the window. */
static bool walk_sustained(const Motion *m)
{
        size_t q = m->n_blocks / WALK_QUARTERS;
        const double *l0 = m->lin, *l1 = l0 + q, *l2 = l1 + q, *l3 = l2 + q;
        double mean[WALK_QUARTERS], var[WALK_QUARTERS], s0 = 0, s1 = 0, s2 = 0, s3 = 0;

        /* The four quarters side by side, each summed in its own order. */
        for (size_t i = 0; i < q; i++) {
                s0 += l0[i];
                s1 += l1[i];
                s2 += l2[i];
                s3 += l3[i];
        }
        mean[0] = s0 / (double) q;
        mean[1] = s1 / (double) q;
        mean[2] = s2 / (double) q;
        mean[3] = s3 / (double) q;
        s0 = s1 = s2 = s3 = 0;
        for (size_t i = 0; i < q; i++) {
                s0 += (l0[i] - mean[0]) * (l0[i] - mean[0]);
                s1 += (l1[i] - mean[1]) * (l1[i] - mean[1]);
                s2 += (l2[i] - mean[2]) * (l2[i] - mean[2]);
                s3 += (l3[i] - mean[3]) * (l3[i] - mean[3]);
        }
        var[0] = s0;
        var[1] = s1;
        var[2] = s2;
        var[3] = s3;
        for (size_t j = 0; j < WALK_QUARTERS; j++)
                if (!(sqrt(var[j] / (double) q) >= 0.5 * m->walk_min_rms))
                        return false;
        return true;
}

/*
 * Running, not walking. Walking always has a foot on the ground, and
 * gravity supplies the centripetal acceleration of the body vaulting over
 * the stance leg: up to the walk-run transition (Froude number v²/gL ≈ 0.5,
 * Kram, Domingo & Ferris 1997, J Exp Biol 200:821) the centre of mass
 * accelerates downwards by at most about half of g, and a trunk sensor's
 * vertical reading stays above some 0.5 g. Running has a flight phase, in
 * which the body is in free fall and the sensor reads about 0 g. A block
 * under WALK_FLIGHT_G is a moment in the air: the margin to 0.5 g is the
 * trunk's own bounce about the centre of mass.
 */
#define WALK_FLIGHT_G 0.3

/* At a jog the two floats of a stride take about a fifth of the time (11 %
 * of the gait cycle each at 3.2 m/s, Novacheck 1998, Gait Posture 7:77);
 * a window with more than half of that in the air is running. Steps of a
 * run at a walking rate (a slow jog, running up stairs) are not a walk. */
#define WALK_FLIGHT_SHARE 0.1

/* A slow sensor's flights are counted in its readings, not smoothed (see
 * motion_walk_reading()): a smoother fills the dip of a flight with the
 * readings beside it. */
static bool walk_running(const Motion *m)
{
        if (m->block == 1)
                return m->n_read_flight > WALK_FLIGHT_SHARE * m->n_read;
        return (double) m->n_flight > WALK_FLIGHT_SHARE * (double) m->n_blocks;
}

/*
 * Impacts, not steps. A slow sensor's walking blocks take its readings
 * smoothed (see motion_walk_reading()), which keeps a step's peak but
 * cannot take out all of a rhythm of impacts shorter than a reading
 * interval (a clap or a knock at the chest, one reading up and the next
 * down): what is left of it is periodic at a step rate. Walking moves the
 * trunk vertically as the body vaults over the stance leg, once a step
 * (the inverted pendulum of Zijlstra & Hof 2003, Gait Posture 18:1): the
 * vertical acceleration's power lies at the step frequency f, and with
 * readings at fs >= 4 · walk_max_step_hz, under a quarter of the reading
 * rate, where successive readings correlate positively, cos(2π f / fs) > 0.
 * The von Neumann ratio of the readings, their mean squared successive
 * difference over their variance, 2 (1 - r1) (von Neumann 1941, Ann Math
 * Stat 12:367), is 2 for white noise and less for anything smoother: a
 * window whose own readings are at least as rough as white noise has more
 * of its power above fs / 4 than under it (weighted by cos(2π f / fs)), and
 * is not a gait. Slower readings cannot tell a step from an impact: the
 * check passes.
 */
#define WALK_WHITE_NOISE_RATIO 2.0

static bool walk_rough(const Motion *m)
{
        double n = 0, s1 = 0, s2 = 0, d2 = 0, mean;

        for (size_t i = 0; i < m->n_blocks; i++) {
                n += m->rd[i][0];
                s1 += m->rd[i][2];
                s2 += m->rd[i][3];
                d2 += m->rd[i][4];
        }
        /* Fewer than 4 · walk_max_step_hz readings a second. */
        if (!(n * m->block_rate_hz >= 4 * m->walk_max_step_hz * (double) m->n_blocks))
                return false;
        mean = s1 / n;
        return !(d2 / n < WALK_WHITE_NOISE_RATIO * (s2 / n - mean * mean));
}

/* The quick look (see WALK_Q_SCALE): true when the window certainly moves
 * too little for walking, from its sums @q_sum, @q_sum2 and @q_wild (the
 * new ones, in registers: not read back from the state just written). */
static inline bool walk_surely_still(const Motion *m, int64_t q_sum, int64_t q_sum2, size_t q_wild)
{
        double s1 = (double) q_sum;

        /* n² · WALK_Q_SCALE² · var = n · Σq² − (Σq)², against the same
         * factor times (walk_min_rms − WALK_Q_MARGIN)²: no division, no
         * root. Its rounding, a few 2^-53 of n · Σq², is about 2^-15 m/s²
         * of standard deviation at the very worst. */
        /* n <= MAX_BLOCKS: (double) of it as a signed integer is the same
         * value, without the conversion of an unsigned one. */
        return q_wild == 0 &&
               (double) (int64_t) m->n_blocks * (double) q_sum2 - s1 * s1 < m->q_still_below;
}

/* The window, not surely still nor running (out of line: the rest of
 * walk_feed() is a few dozen instructions, without this one's frame). */
static __attribute__((noinline)) void walk_evaluate(Motion *m)
{
        size_t n = m->n_blocks, older = n - m->head;
        double mean = 0, var = 0, x = 0, y = 0, z = 0;
        Sway sway;
        int sure;

        m->sure_still = 0;
        walk_u_settle(m);
        /* The sure look (estimator-walk-sure.c), when it can tell. */
        sure = walk_sure(m);
        if (sure >= 0) {
                m->walking = sure > 0;
                return;
        }

        /* Each sum is a chain of additions, in the order it always had;
         * side by side, chains overlap. The mean, with the sum of the
         * directions for the sway, from where the running sums are out of
         * date; the variance with the sway's checks (a check cannot change
         * anything but the verdict, so all are made). */
        if (m->sum_dirty > 0) {
                mean = m->sum[m->sum_dirty - 1][0];
                x = m->sum[m->sum_dirty - 1][1];
                y = m->sum[m->sum_dirty - 1][2];
                z = m->sum[m->sum_dirty - 1][3];
        }
        for (size_t i = m->sum_dirty; i < n; i++) {
                m->sum[i][0] = mean += m->v[i];
                m->sum[i][1] = x += m->u[i][0];
                m->sum[i][2] = y += m->u[i][1];
                m->sum[i][3] = z += m->u[i][2];
        }
        m->sum_dirty = n;
        mean = m->sum[n - 1][0] / (double) n;
        sway_begin(m, &sway, m->sum[n - 1][1], m->sum[n - 1][2], m->sum[n - 1][3]);

        /* The ring in time order: the oldest entry sits at head. */
        for (size_t i = 0; i < older; i++) {
                m->lin[i] = m->v[m->head + i] - mean;
                var += m->lin[i] * m->lin[i];
                sway_check(&sway, m->u[m->head + i]);
        }
        for (size_t i = older; i < n; i++) {
                m->lin[i] = m->v[i - older] - mean;
                var += m->lin[i] * m->lin[i];
                sway_check(&sway, m->u[i - older]);
        }
        var /= (double) n;

        m->walking = sqrt(var) >= m->walk_min_rms && var > 0 && walk_sustained(m) && sway.ok &&
                     (m->block > 1 || !walk_rough(m)) && walk_periodic(m, var);
}

/* Add @v to the quick look's sums, or remove it (@add false). */
static inline void walk_q_update(int64_t *q_sum, int64_t *q_sum2, size_t *q_wild, double v,
                                 bool add)
{
        int64_t q;

        if (!(fabs(v) <= WALK_Q_LIMIT)) {
                if (add)
                        (*q_wild)++;
                else
                        (*q_wild)--;
                return;
        }
        q = (int64_t) (v * WALK_Q_SCALE);
        if (add) {
                *q_sum += q;
                *q_sum2 += q * q;
        } else {
                *q_sum -= q;
                *q_sum2 -= q * q;
        }
}

/*
 * Held values. A MEMS accelerometer's noise is well above its resolution
 * (some 1 mg rms against a 0.06-0.5 mg step, e.g. the MPU-9250 of a
 * SensorTag: 300 µg/√Hz, 16 bits over ±2..16 g), so two readings that agree
 * in all three axes to the last bit are one reading: a transport that
 * repeats the last value it had (a Bluetooth sensor does, up to every other
 * sample) rather than a new one. On a slow sensor's grid (block = 1, the
 * stream drawn as lines between its samples) a held value is a step in the
 * line, as a sample held to the next block would be (see struct Motion):
 * the grid passes over it, from one reading to the next at their times.
 *
 * A coarse sensor (evdev's integer axes; postured's evdev plugin repeats a
 * silent device's last values) repeats a value for real while it is
 * still. Walking moves the trunk's vertical acceleration through a peak
 * and a trough every step, so no reading of a walk lasts half of the
 * shortest step period, 1 / (2 · walk_max_step_hz): a value held that long
 * is a still sensor's, and it is taken as a reading again (one each such
 * time), so that the blocks follow a still sensor within that time.
 */

/* A held value at @t_ns, the last reading at @prev_ns, is within half a
 * step at @step_hz (> 0: the configuration's range, 0.2-10 Hz):
 * (t - prev) · step_hz < 0.5 s, the difference in int64_t where it does
 * not overflow; where it does (times more than INT64_MAX ns apart), its
 * sign alone decides, as the exact product's would. */
static bool walk_held_within(int64_t t_ns, int64_t prev_ns, double step_hz)
{
        int64_t d;

        if (__builtin_sub_overflow(t_ns, prev_ns, &d))
                return t_ns < prev_ns;
        return (double) d * step_hz < 0.5 * (double) NSEC_PER_SEC;
}

/**
 * motion_walk_reading() - whether a slow sensor's sample is a new reading.
 * @m: the state (block = 1).
 * @t_ns: the sample's time; set, for a reading, to the time of @smooth.
 * @raw: the sample, body frame, m/s².
 * @smooth: set, for a reading, to the last three readings weighted 1/4,
 *     1/2, 1/4: the middle one's, at its time (@raw until there are three).
 *
 * The walking blocks of a slow sensor take its readings smoothed so: the
 * smallest symmetric low-pass with a zero at half the reading rate, it
 * takes out what alternates from one reading to the next (most of an
 * impact shorter than a reading interval: a clap, a knock, a glitch; see
 * walk_rough() for the rest) and is linear: it scales a step at frequency
 * f by (1 + cos(2π f / fs)) / 2 (0.77 at 2.4 steps and 15 readings a
 * second), all of the step alike. The median of three, which a faster
 * sensor's blocks take, clips instead: at that rate the peak of each step
 * is a single reading, and the median puts one of its neighbours in its
 * place (about 0.54-0.73 of its height).
 *
 * Return: false for a held value, which the walking blocks skip; true
 * otherwise, with @t_ns and @smooth set.
 */
bool motion_walk_reading(Motion *m, int64_t *t_ns, const double raw[3], double smooth[3])
{
        double(*h)[3] = m->walk_hist;
        int64_t *ht = m->walk_hist_ns;

        if (m->walk_n_hist > 0 && raw[0] == h[0][0] && raw[1] == h[0][1] && raw[2] == h[0][2] &&
            walk_held_within(*t_ns, ht[0], m->walk_max_step_hz))
                return false;
        m->walk_n_hist = MIN(m->walk_n_hist + 1, (size_t) 3);
        ht[2] = ht[1];
        ht[1] = ht[0];
        ht[0] = *t_ns;
        for (size_t k = 0; k < 3; k++) {
                h[2][k] = h[1][k];
                h[1][k] = h[0][k];
                h[0][k] = raw[k];
                smooth[k] = m->walk_n_hist < 3 ? raw[k]
                                               : 0.25 * h[0][k] + 0.5 * h[1][k] + 0.25 * h[2][k];
        }
        if (m->walk_n_hist == 3)
                *t_ns = ht[1];
        return true;
}

/**
 * motion_walk_read() - a slow sensor's reading into its block's statistics.
 * @m: the state (block = 1).
 * @v: the reading's own vertical value (not smoothed), m/s², after the
 *     blocks that end before it (it belongs to the one under way).
 *
 * The first reading after a reset has no reading before it: its difference
 * counts as 0.
 */
void motion_walk_read(Motion *m, double v)
{
        double d = m->rd_have_prev ? v - m->rd_prev : 0;

        m->rd_acc[0] += 1;
        m->rd_acc[1] += v < WALK_FLIGHT_G * STANDARD_GRAVITY;
        m->rd_acc[2] += v;
        m->rd_acc[3] += v * v;
        m->rd_acc[4] += d * d;
        m->rd_prev = v;
        m->rd_have_prev = true;
}

/**
 * walk_u_settle() - the ring's directions u all unit vectors.
 * @m: the state.
 *
 * The last u_raw entries before head hold what motion_walk_feed_raw() was
 * given; each becomes motion_walk_unit() of it, the operations it would
 * have had then, on the same values: only later, and only when the window
 * is looked at (a still one, most of the time, never is).
 */
void walk_u_settle(Motion *m)
{
        size_t n = m->n_blocks, i = m->head;

        for (; m->u_raw > 0; m->u_raw--) {
                i = i == 0 ? n - 1 : i - 1;
                motion_walk_unit(m->u[i], m->u[i]);
        }
}

/* The block's direction into the ring as a unit vector, and into the sure
 * look's sums while they are kept: all the ring's are unit vectors then. Out
 * of line: a still window's blocks (most) do without. */
static __attribute__((noinline)) void walk_feed_unit(Motion *m, double v, const double x[3],
                                                     bool raw)
{
        double u[3];

        if (m->u_raw > 0)
                walk_u_settle(m);
        if (raw) {
                motion_walk_unit(u, x);
                x = u;
        }
        /* Before the block takes the oldest's place (see there). */
        if (m->sure_valid)
                walk_sure_block(m, v, x);
        memcpy(m->u[m->head], x, sizeof(m->u[0]));
}

/* motion_walk_feed() (@raw false) and motion_walk_feed_raw() (@raw true),
 * each its own copy (no call more a block; motion_walk_blocks_until() has
 * a third). The ring's place, its count and the sums are kept in locals and
 * stored once: the state is read back from memory otherwise after each
 * store through the ring's pointers, which might alias it. */
__attribute__((always_inline)) static inline void walk_feed(Motion *m, double v, const double x[3],
                                                            bool raw)
{
        int64_t q_sum = m->q_sum, q_sum2 = m->q_sum2;
        size_t q_wild = m->q_wild, n = m->n_blocks, head = m->head, count = m->count;
        size_t n_flight = m->n_flight;

        if (count < n)
                m->sure_valid = false;
        if (m->sure_valid || !raw)
                walk_feed_unit(m, v, x, raw);
        else {
                double *u = m->u[head], x0 = x[0], x1 = x[1], x2 = x[2];

                u[0] = x0;
                u[1] = x1;
                u[2] = x2;
                m->u_raw = MIN(m->u_raw + 1, n);
        }
        if (count == n) {
                double old = m->v[head];

                walk_q_update(&q_sum, &q_sum2, &q_wild, old, false);
                n_flight -= old < WALK_FLIGHT_G * STANDARD_GRAVITY;
        }
        walk_q_update(&q_sum, &q_sum2, &q_wild, v, true);
        n_flight += v < WALK_FLIGHT_G * STANDARD_GRAVITY;
        m->v[head] = v;
        m->q_sum = q_sum;
        m->q_sum2 = q_sum2;
        m->q_wild = q_wild;
        m->n_flight = n_flight;
        if (m->block == 1) {
                if (count == n) {
                        m->n_read -= m->rd[head][0];
                        m->n_read_flight -= m->rd[head][1];
                }
                memcpy(m->rd[head], m->rd_acc, sizeof(m->rd[0]));
                m->n_read += m->rd_acc[0];
                m->n_read_flight += m->rd_acc[1];
                memset(m->rd_acc, 0, sizeof(m->rd_acc));
        }
        m->sum_dirty = MIN(m->sum_dirty, head);
        m->head = head + 1 == n ? 0 : head + 1;
        if (count < n) {
                m->count = ++count;
                if (count < n)
                        return;
        }
        if (walk_surely_still(m, q_sum, q_sum2, q_wild) || walk_running(m)) {
                m->walking = false;
                /* The sure look's sums cost 2 (max_lag + 3) products a
                 * block to keep, n (max_lag + 3) to rebuild: kept through
                 * n / 2 such windows, a still spell costs at most twice
                 * what the better of the two would have (the ski-rental
                 * rule), and a long one nothing after that. */
                if (m->sure_valid && ++m->sure_still > n / 2)
                        m->sure_valid = false;
                return;
        }
        walk_evaluate(m);
}

/**
 * motion_walk_feed() - one block into the walking window.
 * @m: the state.
 * @v: the block mean of the vertical acceleration (the raw vector along
 *     gravity), m/s².
 * @u: the block's gravity direction, unit vector (or zero).
 *
 * Once the window is full, @m->walking says whether it looks like walking.
 * The estimator feeds the same code inline (motion_walk_blocks_until()),
 * as motion_walk_feed_raw() does (directions made unit length only when a
 * window is looked at); this entry, with the direction already unit
 * length, is the reference its unit tests compare that with.
 */
void motion_walk_feed(Motion *m, double v, const double u[3])
{
        walk_feed(m, v, u, false);
}

/**
 * motion_walk_feed_raw() - one block into the walking window, its direction
 * not yet unit length.
 * @m: the state.
 * @v: as for motion_walk_feed().
 * @s: the block's direction is motion_walk_unit() of it.
 *
 * The same as motion_walk_feed() of that direction, whose root and
 * divisions are put off until the window is looked at (walk_u_settle()).
 */
void motion_walk_feed_raw(Motion *m, double v, const double s[3])
{
        walk_feed(m, v, s, true);
}

/* The block under way ends: its mean into walk_last_v (block > 1) and its
 * sway direction into walk_last_s, and its sums start anew. */
__attribute__((always_inline)) static inline void walk_block_close(Motion *m)
{
        if (m->block > 1)
                m->walk_last_v = motion_walk_block_mean(m);
        /* The sway is the trunk's: the forward half of the trunk smoother
         * (see walk_sway_direction()), made unit length only when the
         * window is looked at (motion_walk_feed_raw()): s / |s| for |s| > 0
         * is what motion_walk_unit() makes of it, and |s| > 0 is |s|² > 0
         * (the root of a positive number is positive, that of 0 or NaN
         * not). */
        if (m->have_fwd && dot3(m->fwd_state, m->fwd_state) > 0)
                memcpy(m->walk_last_s, m->fwd_state, sizeof(m->walk_last_s));
        else
                memcpy(m->walk_last_s, m->block_u, sizeof(m->walk_last_s));
        m->walk_in_block = 0;
        m->block_v = 0;
        m->block_u[0] = m->block_u[1] = m->block_u[2] = 0;
}

/* @t_ns - @from for @from <= @t_ns, exact over the whole int64 range (the
 * int64_t difference overflows for times more than INT64_MAX apart); for
 * those less, the same number. */
static inline uint64_t walk_ns_after(int64_t t_ns, int64_t from)
{
        return (uint64_t) t_ns - (uint64_t) from;
}

/* @t_ns + walk_period_ns, or INT64_MAX when that is past every time (only
 * at times within a period of INT64_MAX): a block end no sample after it
 * can reach. */
static inline int64_t walk_end_after(const Motion *m, int64_t t_ns)
{
        return t_ns <= INT64_MAX - m->walk_period_ns ? t_ns + m->walk_period_ns : INT64_MAX;
}

/* motion_walk_blocks_until() in general: any number of blocks, a slow
 * sensor's too (walk_have_t is true here).
 *
 * Times any distance apart: the loop ends. In it walk_prev_ns <
 * walk_next_ns <= t_ns, so every difference is walk_ns_after()'s, exact,
 * and where the int64_t one did not overflow the same number as before (a
 * difference below 2^63 is the same double whether its type is signed or
 * not). Past a window of blocks the grid skips to t_ns - (t_ns -
 * walk_next_ns) % walk_period_ns, which for a difference d > 0 is
 * walk_next_ns + d / walk_period_ns * walk_period_ns, the sum made before;
 * so the loop turns at most n_blocks + 2 times. A next end past INT64_MAX is
 * INT64_MAX (walk_end_after()), at which the loop stops: once a call at
 * most, and only for times within a period of INT64_MAX, where the sum
 * overflowed before (and the loop then went round the whole range). */
static __attribute__((noinline)) void walk_blocks_loop(Motion *m, int64_t t_ns, double v)
{
        const uint64_t period = (uint64_t) m->walk_period_ns;
        size_t emitted = 0;

        while (t_ns >= m->walk_next_ns) {
                if (m->block == 1) {
                        /* The stream at the block's end, on the line from
                         * the sample before it to the one at or after it. */
                        double f = (double) walk_ns_after(m->walk_next_ns, m->walk_prev_ns) /
                                   (double) walk_ns_after(t_ns, m->walk_prev_ns);

                        m->walk_last_v = f >= 1 ? v : m->walk_prev_v + (v - m->walk_prev_v) * f;
                }
                if (m->walk_in_block > 0)
                        walk_block_close(m);
                /* After a whole window of the same value, more of it changes
                 * nothing: skip to the sample (a gap the caller did not flag). */
                if (emitted++ < m->n_blocks)
                        walk_feed(m, m->walk_last_v, m->walk_last_s, true);
                if (m->walk_next_ns == INT64_MAX)
                        break;
                m->walk_next_ns = walk_end_after(m, m->walk_next_ns);
                if (emitted > m->n_blocks && t_ns > m->walk_next_ns &&
                    walk_ns_after(t_ns, m->walk_next_ns) > period)
                        m->walk_next_ns =
                                t_ns - (int64_t) (walk_ns_after(t_ns, m->walk_next_ns) % period);
        }
        m->walk_prev_ns = t_ns;
        m->walk_prev_v = v;
}

/* The walking blocks whose periods end by @t_ns (see struct Motion); @v is
 * the vertical value of the sample at @t_ns, not yet in a block. Out of
 * line: once a block (see motion_feed_inline()), with the walking window's
 * feed inline. */
void motion_walk_blocks_until(Motion *m, int64_t t_ns, double v)
{
        if (!m->walk_have_t) {
                m->walk_have_t = true;
                m->walk_next_ns = walk_end_after(m, t_ns);
                m->walk_prev_ns = t_ns;
                m->walk_prev_v = v;
                return;
        }
        /* The common case, walk_blocks_loop() once round: block > 1 (its
         * first branch not taken), samples in the block (the second taken),
         * the first block of the call (fed: emitted 0 < n_blocks, and then
         * 1 <= n_blocks), and the next block's end after t_ns (the loop
         * ends): walk_next_ns + walk_period_ns, the sum the loop makes,
         * t_ns - walk_next_ns < walk_period_ns without its overflow (the
         * sum's, near INT64_MAX, is the loop's to deal with). */
        if (m->block > 1 && m->walk_in_block > 0 && t_ns >= m->walk_next_ns &&
            m->walk_next_ns <= INT64_MAX - m->walk_period_ns &&
            walk_ns_after(t_ns, m->walk_next_ns) < (uint64_t) m->walk_period_ns) {
                walk_block_close(m);
                walk_feed(m, m->walk_last_v, m->walk_last_s, true);
                m->walk_next_ns += m->walk_period_ns;
                m->walk_prev_ns = t_ns;
                m->walk_prev_v = v;
                return;
        }
        walk_blocks_loop(m, t_ns, v);
}
