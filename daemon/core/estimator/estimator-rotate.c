/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The gravity of a batch of samples rotated by the neutral, and its probes
 * (angle-view.h), four samples at a time where the CPU has AVX. */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/estimator/angle-view.h"
#include "core/estimator/estimator-private.h"
#include "util/macro.h"

/* One sample, as feed_first() did it: the reference of the four-lane path. */
static void rotate_probe1(const Rotation *rot, double upright_cos2, bool valid, PostureSample *s,
                          bool *upright)
{
        if (valid)
                rotate(s->gravity, rot, s->rotated);
        else
                s->rotated[0] = s->rotated[1] = s->rotated[2] = NAN;
        angle_probe(s->rotated, s->probe);
        *upright = rotated_clearly_upright(upright_cos2, s->rotated);
}

#if defined(__x86_64__)
/* rotated and probe lie in a row: one sample's six values are two stores. */
_Static_assert(offsetof(PostureSample, probe) ==
                       offsetof(PostureSample, rotated) + 3 * sizeof(double),
               "probe follows rotated");

/*
 * rotate_probe1() of four valid samples @s[0..3] for a Rodrigues @rot, lane
 * by lane: each lane makes the scalar code's operations on its sample's
 * values in the same order, IEEE-rounded alike (VMULPD, VSUBPD, VADDPD,
 * VDIVPD and VSQRTPD round each lane as MULSD, SUBSD, ADDSD, DIVSD and
 * SQRTSD round a scalar, and no FMA is formed: the target is AVX, without
 * FMA, and ISO C mode keeps -ffp-contract=off; the negations flip the sign
 * bit, as the scalar -x does; the comparisons are the ordered ones, false
 * for a NaN like C's). rotate(): vg = v × g, vvg = v × vg,
 * r = (g + vg) + vvg / one_c. angle_probe(): h2 = r0² + r1², rr = h2 + r2²,
 * -r2 / √rr, r1 / √h2, r1 > 0 ? -r0 / √h2 : NaN. rotated_clearly_upright():
 * its r0² + y2 + r2² is (r0² + r1²) + r2², rr itself. A lane outside
 * angle_probe()'s ranges (its NaN branches) sends the four to the scalar
 * code. Return: false when it did so.
 */
__attribute__((target("avx"))) static bool
rotate_probe4_avx(const Rotation *rot, double upright_cos2, PostureSample *s, bool *upright)
{
        const __m256d sign = _mm256_set1_pd(-0.0);
        __m256d v0 = _mm256_set1_pd(rot->v[0]), v1 = _mm256_set1_pd(rot->v[1]),
                v2 = _mm256_set1_pd(rot->v[2]), one_c = _mm256_set1_pd(rot->one_c);
        __m256d a = _mm256_loadu_pd(s[0].gravity), b = _mm256_loadu_pd(s[1].gravity),
                c = _mm256_loadu_pd(s[2].gravity), d = _mm256_loadu_pd(s[3].gravity);
        __m256d t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b);
        __m256d t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
        __m256d g0 = _mm256_permute2f128_pd(t0, t2, 0x20);
        __m256d g1 = _mm256_permute2f128_pd(t1, t3, 0x20);
        __m256d g2 = _mm256_permute2f128_pd(t0, t2, 0x31);
        __m256d vg0, vg1, vg2, vvg0, vvg1, vvg2, r0, r1, r2, h2, rr, h, p0, p1, p2, y2, up;
        int ok;

        /* rotation_cross3(rot->v, g, vg), rotation_cross3(rot->v, vg, vvg) */
        vg0 = _mm256_sub_pd(_mm256_mul_pd(v1, g2), _mm256_mul_pd(v2, g1));
        vg1 = _mm256_sub_pd(_mm256_mul_pd(v2, g0), _mm256_mul_pd(v0, g2));
        vg2 = _mm256_sub_pd(_mm256_mul_pd(v0, g1), _mm256_mul_pd(v1, g0));
        vvg0 = _mm256_sub_pd(_mm256_mul_pd(v1, vg2), _mm256_mul_pd(v2, vg1));
        vvg1 = _mm256_sub_pd(_mm256_mul_pd(v2, vg0), _mm256_mul_pd(v0, vg2));
        vvg2 = _mm256_sub_pd(_mm256_mul_pd(v0, vg1), _mm256_mul_pd(v1, vg0));
        r0 = _mm256_add_pd(_mm256_add_pd(g0, vg0), _mm256_div_pd(vvg0, one_c));
        r1 = _mm256_add_pd(_mm256_add_pd(g1, vg1), _mm256_div_pd(vvg1, one_c));
        r2 = _mm256_add_pd(_mm256_add_pd(g2, vg2), _mm256_div_pd(vvg2, one_c));

        /* angle_probe() */
        y2 = _mm256_mul_pd(r1, r1);
        h2 = _mm256_add_pd(_mm256_mul_pd(r0, r0), y2);
        rr = _mm256_add_pd(h2, _mm256_mul_pd(r2, r2));
        ok = _mm256_movemask_pd(_mm256_and_pd(
                _mm256_and_pd(_mm256_cmp_pd(rr, _mm256_set1_pd(ANGLE_VIEW_MIN_SQ), _CMP_GE_OQ),
                              _mm256_cmp_pd(rr, _mm256_set1_pd(ANGLE_VIEW_MAX_SQ), _CMP_LE_OQ)),
                _mm256_cmp_pd(h2, _mm256_set1_pd(ANGLE_VIEW_MIN_SQ), _CMP_GE_OQ)));
        if (ok != 0xf)
                return false;
        p0 = _mm256_div_pd(_mm256_xor_pd(r2, sign), _mm256_sqrt_pd(rr));
        h = _mm256_sqrt_pd(h2);
        p1 = _mm256_div_pd(r1, h);
        up = _mm256_cmp_pd(r1, _mm256_setzero_pd(), _CMP_GT_OQ);
        /* The quotient where r1 > 0, NAN's bits elsewhere (as the scalar ?:). */
        p2 = _mm256_or_pd(_mm256_and_pd(up, _mm256_div_pd(_mm256_xor_pd(r0, sign), h)),
                          _mm256_andnot_pd(up, _mm256_set1_pd(NAN)));
        /* rotated_clearly_upright() */
        up = _mm256_and_pd(
                _mm256_and_pd(up, _mm256_cmp_pd(y2, _mm256_set1_pd(DBL_MIN), _CMP_GE_OQ)),
                _mm256_cmp_pd(y2, _mm256_mul_pd(_mm256_set1_pd(upright_cos2), rr), _CMP_GT_OQ));
        ok = _mm256_movemask_pd(up);

        /* Back to the samples: (r0, r1, r2, p0) and (p1, p2) each. */
        t0 = _mm256_unpacklo_pd(r0, r1);
        t1 = _mm256_unpackhi_pd(r0, r1);
        t2 = _mm256_unpacklo_pd(r2, p0);
        t3 = _mm256_unpackhi_pd(r2, p0);
        _mm256_storeu_pd(s[0].rotated, _mm256_permute2f128_pd(t0, t2, 0x20));
        _mm256_storeu_pd(s[1].rotated, _mm256_permute2f128_pd(t1, t3, 0x20));
        _mm256_storeu_pd(s[2].rotated, _mm256_permute2f128_pd(t0, t2, 0x31));
        _mm256_storeu_pd(s[3].rotated, _mm256_permute2f128_pd(t1, t3, 0x31));
        t0 = _mm256_unpacklo_pd(p1, p2);
        t1 = _mm256_unpackhi_pd(p1, p2);
        _mm_storeu_pd(s[0].probe + 1, _mm256_castpd256_pd128(t0));
        _mm_storeu_pd(s[1].probe + 1, _mm256_castpd256_pd128(t1));
        _mm_storeu_pd(s[2].probe + 1, _mm256_extractf128_pd(t0, 1));
        _mm_storeu_pd(s[3].probe + 1, _mm256_extractf128_pd(t1, 1));
        upright[0] = ok & 1;
        upright[1] = (ok >> 1) & 1;
        upright[2] = (ok >> 2) & 1;
        upright[3] = (ok >> 3) & 1;
        return true;
}
#endif

/**
 * rotate_probe_many() - for each of @s[0..n-1]: its gravity rotated by @rot
 * (NaN where !@valid[i]), the probes of that (angle_probe()), and into
 * @upright[i] rotated_clearly_upright() of it; the same values, to the bit,
 * as one sample at a time. @avx: the CPU has AVX.
 */
void rotate_probe_many(const Rotation *rot, double upright_cos2, bool avx, const bool *valid,
                       PostureSample *s, size_t n, bool *upright)
{
        size_t i = 0;

#if defined(__x86_64__)
        if (avx && rot->kind == ROTATION_RODRIGUES)
                for (; i + 4 <= n; i += 4) {
                        if (valid[i] && valid[i + 1] && valid[i + 2] && valid[i + 3] &&
                            rotate_probe4_avx(rot, upright_cos2, s + i, upright + i))
                                continue;
                        for (size_t j = i; j < i + 4; j++)
                                rotate_probe1(rot, upright_cos2, valid[j], &s[j], &upright[j]);
                }
#else
        (void) avx;
#endif
        for (; i < n; i++)
                rotate_probe1(rot, upright_cos2, valid[i], &s[i], &upright[i]);
}
