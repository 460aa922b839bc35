/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recording reader's common sample lines, many at a time straight from a
 * block of a regular file, with AVX2: "time,ax,ay,az" with each field
 * [-]digits.digits (1 to 15 digits, a dot, and a digit at least after it),
 * the line ended by "\n" or "\r\n". The four fields of a line are converted
 * together, 16 bytes each, and divided in one instruction. The first line of
 * any other form stops it: recording.c reads that line (and says what is
 * wrong with it, if anything), then calls again.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/recording-private.h"

#if READER_AVX2
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,bmi,bmi2,popcnt")))

/*
 * The bytes of a field as pshufb takes them: field_shuffle[a][nf] picks,
 * from the 16 bytes at the start of a field with its dot at a and nf digits
 * after it, the a bytes before the dot and the nf after it, right-aligned in
 * the order of the text, so that the last digit is byte 15 and the bytes
 * before the first are 0 (0x80: pshufb's zero). A field that is not 1 to 15
 * digits around its dot (a + nf > 15, or no digit after the dot) picks its
 * dot instead, which is no digit: the check of the digits then refuses it.
 */
#define SHUF_BYTE(j, a, f)                                \
        ((f) == 0 || (a) + (f) > 15 ? (a)                 \
         : (j) >= 16 - (f)          ? (j) + (a) + (f) -15 \
         : (j) >= 16 - (f) - (a)    ? (j) + (a) + (f) -16 \
                                    : 0x80)
#define SHUF_ROW(a, f)                                                                          \
        {                                                                                       \
                SHUF_BYTE(0, a, f), SHUF_BYTE(1, a, f), SHUF_BYTE(2, a, f), SHUF_BYTE(3, a, f), \
                        SHUF_BYTE(4, a, f), SHUF_BYTE(5, a, f), SHUF_BYTE(6, a, f),             \
                        SHUF_BYTE(7, a, f), SHUF_BYTE(8, a, f), SHUF_BYTE(9, a, f),             \
                        SHUF_BYTE(10, a, f), SHUF_BYTE(11, a, f), SHUF_BYTE(12, a, f),          \
                        SHUF_BYTE(13, a, f), SHUF_BYTE(14, a, f), SHUF_BYTE(15, a, f)           \
        }
#define SHUF_ROWS(a)                                                                            \
        {                                                                                       \
                SHUF_ROW(a, 0), SHUF_ROW(a, 1), SHUF_ROW(a, 2), SHUF_ROW(a, 3), SHUF_ROW(a, 4), \
                        SHUF_ROW(a, 5), SHUF_ROW(a, 6), SHUF_ROW(a, 7), SHUF_ROW(a, 8),         \
                        SHUF_ROW(a, 9), SHUF_ROW(a, 10), SHUF_ROW(a, 11), SHUF_ROW(a, 12),      \
                        SHUF_ROW(a, 13), SHUF_ROW(a, 14), SHUF_ROW(a, 15)                       \
        }

static const uint8_t field_shuffle[16][16][16] __attribute__((aligned(16))) = {
        SHUF_ROWS(0),  SHUF_ROWS(1),  SHUF_ROWS(2),  SHUF_ROWS(3),  SHUF_ROWS(4),  SHUF_ROWS(5),
        SHUF_ROWS(6),  SHUF_ROWS(7),  SHUF_ROWS(8),  SHUF_ROWS(9),  SHUF_ROWS(10), SHUF_ROWS(11),
        SHUF_ROWS(12), SHUF_ROWS(13), SHUF_ROWS(14), SHUF_ROWS(15),
};

/* ax, ay, az and flags 0 are stored as one vector of 4 floats (a float 0 is
 * the bits of 0). */
_Static_assert(offsetof(Frame, flags) == offsetof(Frame, v) + 3 * sizeof(float) &&
                       sizeof(((Frame *) NULL)->flags) == sizeof(float),
               "Frame's v and flags are one vector of 4 floats");

/* Exact in a double (10^22 is the last power of ten that is). */
static const double pow10[16] = { 1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };

/**
 * reader_cpu_avx2() - whether this CPU runs reader_lines_avx2().
 *
 * Return: true if it has AVX2, BMI1, BMI2 and POPCNT.
 */
bool reader_cpu_avx2(void)
{
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
               __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
}

/* The constants of reader_lines_avx2(), in memory, where its instructions
 * take them from (rather than make them again on each line). */
#define X4(v)                      \
        {                          \
                (v), (v), (v), (v) \
        }
#define B8(c) ((c) *UINT64_C(0x0101010101010101))
typedef struct {
        uint64_t nl[4], comma[4], dot[4], zero[4], minus[4], nine[4], first[4], w10[4], w100[4],
                w10000[4], e8[4], two52[4];
} LineConsts;
static const LineConsts K __attribute__((aligned(32))) = {
        .nl = X4(B8('\n')),
        .comma = X4(B8(',')),
        .dot = X4(B8('.')),
        .zero = X4(B8('0')),
        .minus = X4(B8('-')),
        .nine = X4(B8(9)),
        .first = { 0xff, 0, 0xff, 0 }, /* each half's byte 0 */
        /* Pairs of digits (the first times 10), pairs of pairs (times 100),
         * of fours (times 10^4), eights (times 10^8); and 2^52 as a double. */
        .w10 = X4(UINT64_C(0x010a010a010a010a)),
        .w100 = X4(UINT64_C(0x0001006400010064)),
        .w10000 = X4(UINT64_C(0x0001271000012710)),
        .e8 = X4(UINT64_C(100000000)),
        .two52 = X4(UINT64_C(0x4330000000000000)),
};

#define KV(name) _mm256_load_si256((const __m256i *) (const void *) k->name)

/* Where the 64 bytes @lo, @hi are the bytes of @c: byte i is bit i. */
AVX2 static inline uint64_t mask64(__m256i lo, __m256i hi, __m256i c)
{
        return (uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c)) |
               (uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c)) << 32;
}

/* The 16 bytes at @p and at @q. */
AVX2 static inline __m256i load2(const void *p, const void *q)
{
        return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(p)),
                                       _mm_loadu_si128(q), 1);
}

/*
 * What a line's layout decides, kept by the layout: the line's commas (and
 * its '\n') and dots at the same bytes, and "\r\n" or '\n' at its end, give
 * the same dots and fields (a[], nf[]), so the same shuffles, divisors and
 * field starts; and the same checks passed (three commas, each field 1 to
 * 15 digits around its dot). A line of a layout seen before takes them from
 * here and skips those steps (some 60 instructions of 170): the same
 * values, from the same operations done once. Lines of a recording have
 * few layouts (the signs, the digits before each dot, the time's length).
 */
typedef struct {
        __m256i shuf01, shuf23; /* field_shuffle[a][nf] of fields 0 and 1, 2 and 3 */
        __m256d den;            /* 10^nf of fields 0, 2, 1, 3 */
        /* The key: bits of the commas and the '\n' up to it; of the dots up
         * to the '\n', and bit 63 for a '\r' before it. No line has all
         * bits 0: an empty slot. */
        uint64_t seps, dots;
        uint32_t f1, f2, f3; /* where fields 1, 2, 3 start */
        uint32_t nf0;        /* the digits after the time's dot */
} Layout;

_Static_assert(sizeof(Layout) == 128, "a Layout is two cache lines");

/* Slots, a line's layout in the one its key hashes to (a layout that does
 * not fit is worked out again): 8 KiB. */
#define LAYOUT_BITS 6

/* The slot of a key: a multiplicative hash of both words. */
static inline size_t layout_slot(uint64_t seps, uint64_t dots)
{
        return (size_t) (((seps * UINT64_C(0x9e3779b97f4a7c15)) ^
                          (dots * UINT64_C(0xc2b2ae3d27d4eb4f))) >>
                         (64 - LAYOUT_BITS));
}

/*
 * Work out the layout of a line whose '\n' is the first bit of @nl, at @e3,
 * from @comma and @dot (the bits of the 64 bytes at its start), into @l
 * with its key @seps, @dots. Return: false for a line of any other form.
 */
AVX2 static bool layout_fill(Layout *l, uint64_t nl, uint64_t comma, uint64_t dot, uint64_t e3,
                             uint64_t seps, uint64_t dots)
{
        uint64_t c0, c1, c2, d0, d1, d2, d3, bad, a[4], nf[4];

        /* Three commas before the '\n'; any dot: a field without its own
         * takes the next field's, after its end, and is refused. */
        comma &= _blsmsk_u64(nl);
        if (_mm_popcnt_u64(comma) != 3)
                return false;
        c0 = _tzcnt_u64(comma);
        comma = _blsr_u64(comma);
        c1 = _tzcnt_u64(comma);
        c2 = _tzcnt_u64(_blsr_u64(comma));
        d0 = _tzcnt_u64(dot);
        dot = _blsr_u64(dot);
        d1 = _tzcnt_u64(dot);
        dot = _blsr_u64(dot);
        d2 = _tzcnt_u64(dot);
        d3 = _tzcnt_u64(_blsr_u64(dot)); /* 64 for none */

        /* The bytes before each dot (a sign too) and the digits after it,
         * to its comma (the last field to its "\r\n" or '\n'): unsigned, so
         * a dot outside its field wraps around. */
        a[0] = d0;
        nf[0] = c0 - d0 - 1;
        a[1] = d1 - c0 - 1;
        nf[1] = c1 - d1 - 1;
        a[2] = d2 - c1 - 1;
        nf[2] = c2 - d2 - 1;
        a[3] = d3 - c2 - 1;
        nf[3] = e3 - (dots >> 63) - d3 - 1;
        bad = a[0] | nf[0] | a[1] | nf[1] | a[2] | nf[2] | a[3] | nf[3];
        if (bad >= 16)
                return false;

        l->shuf01 = load2(field_shuffle[a[0]][nf[0]], field_shuffle[a[1]][nf[1]]);
        l->shuf23 = load2(field_shuffle[a[2]][nf[2]], field_shuffle[a[3]][nf[3]]);
        l->den = _mm256_setr_pd(pow10[nf[0]], pow10[nf[2]], pow10[nf[1]], pow10[nf[3]]);
        l->f1 = (uint32_t) c0 + 1;
        l->f2 = (uint32_t) c1 + 1;
        l->f3 = (uint32_t) c2 + 1;
        l->nf0 = (uint32_t) nf[0];
        l->seps = seps;
        l->dots = dots;
        return true;
}

/**
 * reader_lines_avx2() - read the common sample lines that follow in the
 * current block, up to @max: as many as come before the first other line
 * (or one that does not end in the block, or whose time is not after the
 * previous one).
 * @r: the reader, after the header, reading a regular file in blocks.
 * @out: the samples.
 * @max: room in @out.
 *
 * The value of each field is that of parse_plain() and of parse_double() for
 * the same text: its m digits (m < 10^15 < 2^53, exact in a double, as
 * 10^nf is for the nf < 16 digits after the dot) are RN(m / 10^nf), one IEEE
 * division, here four at a time (each lane the same division), then the
 * sign; the time and the limits as reader_plain_sample(). Each line moves
 * r->pos and r->line_no on as reader_next() would.
 *
 * Return: the number of samples read (0 also when the layouts cannot be
 * allocated: recording.c then reads the lines).
 */
AVX2 size_t reader_lines_avx2(RecordingReader *r, Frame *out, size_t max)
{
        const char *s = r->buf + r->pos, *last = NULL;
        Frame *o = out, *o_end = out + max;
        /* A time always fits in an int64_t with room to spare (at most
         * 9.2e18 in magnitude), so the first is after INT64_MIN. */
        int64_t prev = r->any_sample ? r->prev_ns : INT64_MIN;
        /* K, whose values the compiler must not see: it would make each
         * again (3 instructions) where an instruction can take it from
         * memory as it is. */
        const LineConsts *k = &K;
        Layout *layouts = r->layouts;

        __asm__("" : "+r"(k));

        if (!layouts) {
                size_t size = sizeof(Layout) << LAYOUT_BITS;

                /* On cache lines: a Layout is two of them, not three. */
                layouts = r->layouts_failed ? NULL : aligned_alloc(64, size);
                if (!layouts) {
                        /* Asked once: recording.c reads the lines from now on. */
                        r->layouts_failed = true;
                        return 0;
                }
                memset(layouts, 0, size);
                r->layouts = layouts;
        }

        /* Every line read below ends at a '\n' before the end of the data;
         * the block has READ_PAD zero bytes after it (no '\n': at the end,
         * no line), so the 64 bytes at @s, and the 16 at a field, may be
         * read. */
        while (o < o_end) {
                __m256i lo = _mm256_loadu_si256((const __m256i *) (const void *) s),
                        hi = _mm256_loadu_si256((const __m256i *) (const void *) (s + 32)), v01,
                        v23, n01, n23, x, m;
                __m256d q;
                __m128 f;
                uint64_t nl, upto, comma, dot, e3, seps, dots;
                Layout *l;
                double t;
                int64_t t_ns;

                nl = mask64(lo, hi, KV(nl));
                if (!nl)
                        break;
                upto = _blsmsk_u64(nl);
                e3 = _tzcnt_u64(nl);
                comma = mask64(lo, hi, KV(comma));
                dot = mask64(lo, hi, KV(dot));
                /* The key of the line's layout (Layout). A '\n' first is no
                 * sample line: it has no commas, and no slot its key. */
                seps = (comma | nl) & upto;
                dots = (dot & upto) | (uint64_t) (e3 > 0 && s[e3 - 1] == '\r') << 63;
                l = &layouts[layout_slot(seps, dots)];
                if ((l->seps != seps || l->dots != dots) &&
                    !layout_fill(l, nl, comma, dot, e3, seps, dots))
                        break;

                /* Fields 0 and 1, 2 and 3 in the halves; a '-' first in a
                 * field is its sign, and no digit. */
                v01 = load2(s, s + l->f1);
                v23 = load2(s + l->f2, s + l->f3);
                n01 = _mm256_and_si256(_mm256_cmpeq_epi8(v01, KV(minus)), KV(first));
                n23 = _mm256_and_si256(_mm256_cmpeq_epi8(v23, KV(minus)), KV(first));
                v01 = _mm256_shuffle_epi8(_mm256_andnot_si256(n01, _mm256_sub_epi8(v01, KV(zero))),
                                          l->shuf01);
                v23 = _mm256_shuffle_epi8(_mm256_andnot_si256(n23, _mm256_sub_epi8(v23, KV(zero))),
                                          l->shuf23);
                /* Digits only (a byte above 9 stays above 0). */
                x = _mm256_subs_epu8(_mm256_max_epu8(v01, v23), KV(nine));
                if (!_mm256_testz_si256(x, x))
                        break;

                /* Pairs, fours, eights of digits: then per 64-bit lane the
                 * 16 digits of fields 0, 2, 1, 3 as high * 10^8 + low. */
                v01 = _mm256_madd_epi16(_mm256_maddubs_epi16(v01, KV(w10)), KV(w100));
                v23 = _mm256_madd_epi16(_mm256_maddubs_epi16(v23, KV(w10)), KV(w100));
                m = _mm256_madd_epi16(_mm256_packus_epi32(v01, v23), KV(w10000));
                m = _mm256_add_epi64(_mm256_mul_epu32(m, KV(e8)), _mm256_srli_epi64(m, 32));
                /* m < 2^52: its double is 2^52 + m, exactly, minus 2^52. */
                q = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(m, KV(two52))),
                                  _mm256_castsi256_pd(KV(two52)));
                q = _mm256_div_pd(q, l->den);
                /* The signs, byte 0 of each half, to bit 63 of lanes 0, 2
                 * (fields 0, 1) and 1, 3 (fields 2, 3). */
                q = _mm256_xor_pd(q, _mm256_castsi256_pd(_mm256_or_si256(
                                             _mm256_slli_epi64(n01, 63),
                                             _mm256_bslli_epi128(_mm256_slli_epi64(n23, 63), 8))));

                /* The time from its digits when reader_time_ns_fast() can:
                 * the same, without the rounding's chain of some 15 cycles
                 * after the division. Else from that, with the limit of
                 * reader_number() (1e15 is below FLT_MAX). */
                if (s[0] == '-' ||
                    !reader_time_ns_fast((uint64_t) _mm_cvtsi128_si64(_mm256_castsi256_si128(m)),
                                         l->nf0, &t_ns)) {
                        t = _mm256_cvtsd_f64(q);
                        if (!(__builtin_fabs(t) <= 9.2e9))
                                break;
                        t_ns = round_ns(t * 1e9);
                }
                if (t_ns <= prev)
                        break;

                /* Fields 0, 2, 1, 3 as floats to ax, ay, az and flags 0. */
                f = _mm256_cvtpd_ps(q);
                f = _mm_blend_ps(_mm_permute_ps(f, _MM_SHUFFLE(0, 3, 1, 2)), _mm_setzero_ps(), 8);
                o->t_ns = t_ns;
                _mm_storeu_ps((float *) (void *) ((char *) o + offsetof(Frame, v)), f);
                o++;

                prev = t_ns;
                last = s;
                s += e3 + 1;
        }

        if (o > out) {
                const char *limit = r->buf + r->len + READ_PAD;

                r->pos = (size_t) (s - r->buf);
                r->line_no += (unsigned) (o - out);
                /* The last time as written, to its comma. */
                reader_accept(r, prev, last, (size_t) ((const char *) memchr(last, ',', 64) - last),
                              limit);
        }
        return (size_t) (o - out);
}
#endif
