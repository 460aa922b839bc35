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

/* The time's float, ax, ay and az are stored as one vector of 4 floats over
 * the end of t_ns and v, then t_ns and flags over it. */
_Static_assert(offsetof(Frame, v) == sizeof(int64_t) && sizeof(float) == 4 &&
                       offsetof(Frame, flags) == offsetof(Frame, v) + 3 * sizeof(float) &&
                       sizeof(((Frame *) NULL)->flags) == 4,
               "a Frame is t_ns, then v, then flags");

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
        uint64_t nl[4], slash[4], zero[4], w10[4], w100[4], w10000[4], e8[4], two52[4], comma, dot;
} LineConsts;
static const LineConsts K __attribute__((aligned(32))) = {
        .nl = X4(B8('\n')),
        .slash = X4(B8('/')),
        .zero = X4(B8('0')),
        /* Pairs of digits (the first times 10), pairs of pairs (times 100),
         * of fours (times 10^4), eights (times 10^8); and 2^52 as a double. */
        .w10 = X4(UINT64_C(0x010a010a010a010a)),
        .w100 = X4(UINT64_C(0x0001006400010064)),
        .w10000 = X4(UINT64_C(0x0001271000012710)),
        .e8 = X4(UINT64_C(100000000)),
        .two52 = X4(UINT64_C(0x4330000000000000)),
        .comma = B8(','),
        .dot = B8('.'),
};

/* A constant of K: 32 bytes, or 8 bytes broadcast (for layout_fill()). */
#define KV(name) _mm256_load_si256((const __m256i *) (const void *) k->name)
#define KB(name) _mm256_set1_epi64x((long long) k->name)

/* Where the 64 bytes @lo, @hi are the bytes of @c: byte i is bit i. */
AVX2 static inline uint64_t mask64(__m256i lo, __m256i hi, __m256i c)
{
        return (uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c)) |
               (uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c)) << 32;
}

/* Where the 64 bytes @lo, @hi are above @c as signed bytes: above '/', the
 * digits and 0x3a to 0x7f; not the separators, the signs, controls, spaces
 * or bytes from 0x80. */
AVX2 static inline uint64_t above64(__m256i lo, __m256i hi, __m256i c)
{
        return (uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpgt_epi8(lo, c)) |
               (uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpgt_epi8(hi, c)) << 32;
}

/* The 16 bytes at @p and at @q. */
AVX2 static inline __m256i load2(const void *p, const void *q)
{
        return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(p)),
                                       _mm_loadu_si128(q), 1);
}

/*
 * A layout of lines: the bytes of its first 64 that are not digits, and
 * what they decide (where the fields and their digits are, the divisors,
 * the signs, the time's shortcut), worked out once by layout_fill() from a
 * line and kept for the lines of the same layout (a recording has few: the
 * signs, the digits before each dot, the time's length).
 *
 * A line is of the layout when layout_matches(): each of its first 64
 * bytes, x-ored with @text, is at most @limit: @text is '0' and @limit 9 at
 * the digits (x ^ '0' <= 9 is x in '0'..'9': the xor maps 0x30..0x3f to
 * 0..15 one to one and every other byte above 15); @text the byte itself
 * and @limit 0 at the separators, signs, '\r' and the '\n' (the same byte);
 * @limit 255 after the '\n' (any byte). Those are all the bytes of the line
 * up to its first '\n' (a digit or the '\n' of the layout is no '\n' before
 * it), so a line that matches is, byte for byte, a line of the layout
 * with other digits: the same fields, dots, signs and end, so the values
 * of the same operations on its digits are those it would give worked out
 * on its own. The slot a line looks in (its key) only picks the layout to
 * try: a wrong one does not match, and the line is worked out again.
 */
typedef struct {
        __m256i text_lo, text_hi, limit_lo, limit_hi;
        __m256i shuf02, shuf13; /* field_shuffle[a][nf] of fields 0 and 2, 1 and 3 */
        /* 10^nf of fields 0, 1, 2, 3, negative for a field with a '-': IEEE
         * division gives the quotient the xor of the signs and the magnitude
         * of |m| / |d| rounded (to nearest, the same either way), so
         * RN(m / -d) is RN(m / d) with its sign bit set, 0 too (-0.0): the
         * bits of the sign put in after the division. */
        __m256d den;
        /* reader_time_ns_limits() of the time's digits after its dot. */
        uint64_t time_below, time_scale;
        uint32_t f1, f2, f3; /* where the digits of fields 1, 2, 3 start (after a sign) */
        uint8_t pad[4];      /* to whole cache lines */
} Layout;

_Static_assert(sizeof(Layout) == 256, "a Layout is four cache lines");

/* Slots, a line's layout in the one its key hashes to (a layout that does
 * not fit is worked out again): 16 KiB. */
#define LAYOUT_BITS 6

/* The slot of a key (a multiplicative hash). */
static inline size_t layout_slot(uint64_t key)
{
        return (size_t) ((key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - LAYOUT_BITS));
}

/* Whether the 64 bytes @lo, @hi at a line's start are a line of @l. An empty
 * slot (all 0) matches only 64 zero bytes, and a line has its '\n'. */
AVX2 static inline bool layout_matches(const Layout *l, __m256i lo, __m256i hi)
{
        __m256i x =
                _mm256_or_si256(_mm256_subs_epu8(_mm256_xor_si256(lo, l->text_lo), l->limit_lo),
                                _mm256_subs_epu8(_mm256_xor_si256(hi, l->text_hi), l->limit_hi));

        return _mm256_testz_si256(x, x);
}

/*
 * Work out the layout of the line at @s, whose first 64 bytes are @lo, @hi
 * with its '\n' the first bit of @nl (not 0), and the bytes that are no digits
 * before it and it the bits of @key, into @l. Return: false, @l as it was,
 * for a line of any other form than "time,ax,ay,az" with each field
 * [-]digits.digits, 1 to 15 digits with the sign in 15 bytes, a digit after
 * the dot at least, the line ended by "\r\n" or '\n'. (Its digits are
 * layout_matches()'s to check.)
 */
AVX2 static bool layout_fill(Layout *l, const char *s, __m256i lo, __m256i hi, uint64_t nl,
                             uint64_t key, const LineConsts *k)
{
        uint64_t upto = _blsmsk_u64(nl), e3 = _tzcnt_u64(nl), comma, dot, want = _blsi_u64(nl);
        uint64_t start[4], end[4], a[4], nf[4], sign[4];
        uint8_t text[64], limit[64];
        Layout n = {};
        bool cr = e3 > 0 && s[e3 - 1] == '\r';

        /* Three commas before the '\n'. */
        comma = mask64(lo, hi, KB(comma)) & upto;
        if (_mm_popcnt_u64(comma) != 3)
                return false;
        dot = mask64(lo, hi, KB(dot)) & upto;
        start[0] = 0;
        end[0] = _tzcnt_u64(comma);
        comma = _blsr_u64(comma);
        end[1] = _tzcnt_u64(comma);
        end[2] = _tzcnt_u64(_blsr_u64(comma));
        end[3] = e3 - cr;
        want |= cr ? want >> 1 : 0;
        for (unsigned i = 0; i < 4; i++) {
                uint64_t field, d;

                if (i > 0) {
                        start[i] = end[i - 1] + 1;
                        want |= UINT64_C(1) << end[i - 1];
                }
                /* One dot in the field (of at most 63 bytes), a '-' first
                 * is its sign. */
                field = ((UINT64_C(1) << end[i]) - 1) & ~((UINT64_C(1) << start[i]) - 1);
                d = dot & field;
                if (_mm_popcnt_u64(d) != 1)
                        return false;
                sign[i] = s[start[i]] == '-';
                a[i] = _tzcnt_u64(d) - start[i] - sign[i];
                nf[i] = end[i] - _tzcnt_u64(d) - 1;
                /* Unsigned: an empty field wraps around. */
                if (nf[i] - 1 >= 15 || a[i] + sign[i] + nf[i] > 15)
                        return false;
                /* A time with a sign (before the first sample) is left to
                 * recording.c. */
                if (i == 0 && sign[0])
                        return false;
                want |= d | sign[i] << start[i];
        }
        /* No other byte that is no digit ('+', a space, a second sign...). */
        if (key != want)
                return false;

        for (unsigned j = 0; j < 64; j++) {
                bool sep = (want >> j) & 1;

                text[j] = (uint8_t) (j > e3 ? 0 : sep ? s[j] : '0');
                limit[j] = (uint8_t) (j > e3 ? 255 : sep ? 0 : 9);
        }
        n.text_lo = _mm256_loadu_si256((const __m256i *) (const void *) text);
        n.text_hi = _mm256_loadu_si256((const __m256i *) (const void *) (text + 32));
        n.limit_lo = _mm256_loadu_si256((const __m256i *) (const void *) limit);
        n.limit_hi = _mm256_loadu_si256((const __m256i *) (const void *) (limit + 32));
        n.shuf02 = load2(field_shuffle[a[0]][nf[0]], field_shuffle[a[2]][nf[2]]);
        n.shuf13 = load2(field_shuffle[a[1]][nf[1]], field_shuffle[a[3]][nf[3]]);
        n.den = _mm256_setr_pd(pow10[nf[0]], sign[1] ? -pow10[nf[1]] : pow10[nf[1]],
                               sign[2] ? -pow10[nf[2]] : pow10[nf[2]],
                               sign[3] ? -pow10[nf[3]] : pow10[nf[3]]);
        if (!reader_time_ns_limits(nf[0], &n.time_below, &n.time_scale))
                n.time_below = 0;
        n.f1 = (uint32_t) (start[1] + sign[1]);
        n.f2 = (uint32_t) (start[2] + sign[2]);
        n.f3 = (uint32_t) (start[3] + sign[3]);
        *l = n;
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
        const char *s = r->buf + r->pos, *last;
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

                /* On cache lines. */
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
                        hi = _mm256_loadu_si256((const __m256i *) (const void *) (s + 32)), v02,
                        v13, m;
                __m256d q;
                __m128 f;
                uint64_t nl, key;
                Layout *l;
                double t;
                int64_t t_ns;

                /* 1 KiB ahead (some 30 lines, longer than a memory access
                 * takes): the hardware's streaming prefetch stops at the end
                 * of each 4 KiB page (Intel's optimization manual, "Data
                 * Prefetch to L1/L2"), and a mapped file is read straight
                 * from the page cache, a new page every hundred lines or so
                 * (0.2-0.3 ms of 36 on the 1-hour file, RESULTS.md). A
                 * prefetch never faults, beyond the data too. */
                _mm_prefetch((const char *) ((uintptr_t) s + 1024), _MM_HINT_T0);
                /* A '\n' in the 64 bytes (an empty slot matches 64 zero
                 * bytes, the end of the data). The key: the bytes that are
                 * no digits, up to it. */
                nl = mask64(lo, hi, KV(nl));
                if (!nl)
                        break;
                key = _andn_u64(above64(lo, hi, KV(slash)), _blsmsk_u64(nl));
                l = &layouts[layout_slot(key)];
                if (!layout_matches(l, lo, hi) &&
                    (!layout_fill(l, s, lo, hi, nl, key, k) || !layout_matches(l, lo, hi)))
                        break;

                /* Fields 0 and 2, 1 and 3 in the halves, from their first
                 * digit; the digits (checked) to their values, right-aligned. */
                v02 = load2(s, s + l->f2);
                v13 = load2(s + l->f1, s + l->f3);
                v02 = _mm256_shuffle_epi8(_mm256_xor_si256(v02, KV(zero)), l->shuf02);
                v13 = _mm256_shuffle_epi8(_mm256_xor_si256(v13, KV(zero)), l->shuf13);

                /* Pairs, fours, eights of digits: then per 64-bit lane the
                 * 16 digits of fields 0, 1, 2, 3 as high * 10^8 + low. */
                v02 = _mm256_madd_epi16(_mm256_maddubs_epi16(v02, KV(w10)), KV(w100));
                v13 = _mm256_madd_epi16(_mm256_maddubs_epi16(v13, KV(w10)), KV(w100));
                m = _mm256_madd_epi16(_mm256_packus_epi32(v02, v13), KV(w10000));
                m = _mm256_add_epi64(_mm256_mul_epu32(m, KV(e8)), _mm256_srli_epi64(m, 32));
                /* m < 2^52: its double is 2^52 + m, exactly, minus 2^52. */
                q = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(m, KV(two52))),
                                  _mm256_castsi256_pd(KV(two52)));
                q = _mm256_div_pd(q, l->den);

                /* The time from its digits when the shortcut of
                 * reader_time_ns_limits() holds (no sign, its digits below
                 * the layout's limit, time_below): the same,
                 * without the rounding's chain of some 15 cycles after the
                 * division. Else from that, with the limit of
                 * reader_number() (1e15 is below FLT_MAX). */
                t_ns = _mm_cvtsi128_si64(_mm256_castsi256_si128(m));
                if ((uint64_t) t_ns < l->time_below)
                        t_ns = (int64_t) ((uint64_t) t_ns * l->time_scale);
                else {
                        t = _mm256_cvtsd_f64(q);
                        if (!(__builtin_fabs(t) <= 9.2e9))
                                break;
                        t_ns = round_ns(t * 1e9);
                }
                if (t_ns <= prev)
                        break;

                /* The fields as floats, the time's to the end of t_ns and
                 * ax, ay, az to v; then t_ns and flags 0 over the rest. */
                f = _mm256_cvtpd_ps(q);
                _mm_storeu_ps((float *) (void *) ((char *) o + offsetof(Frame, v) - sizeof(float)),
                              f);
                o->t_ns = t_ns;
                o->flags = 0;
                o++;

                prev = t_ns;
                s += _tzcnt_u64(nl) + 1;
        }

        if (o > out) {
                const char *limit = r->buf + r->len + READ_PAD;

                /* The last line read: after the '\n' before its own, or the
                 * first. */
                last = memrchr(r->buf + r->pos, '\n', (size_t) (s - 1 - (r->buf + r->pos)));
                last = last ? last + 1 : r->buf + r->pos;
                r->pos = (size_t) (s - r->buf);
                r->line_no += (unsigned) (o - out);
                /* The last time as written, to its comma. */
                reader_accept(r, prev, last, (size_t) ((const char *) memchr(last, ',', 64) - last),
                              limit);
        }
        return (size_t) (o - out);
}
#endif
