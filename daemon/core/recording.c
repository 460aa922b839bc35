/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recording reader: its public functions, and the common sample line
 * read in one pass straight from the input (recording-input.c); any other
 * line is read in full by recording-line.c.
 */
#include <assert.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/recording-private.h"
#include "util/macro.h"
#include "util/parse-util.h"

/**
 * reader_fail() - fail with @error from now on, and "NAME:LINE: " and @fmt
 * as the message (without the line when it is 0).
 * @r: the reader.
 * @error: a -errno other than -ENOMEM (reader_oom()).
 * @fmt: what is wrong, printf-style.
 *
 * Return: @error, or -ENOMEM when the message cannot be made.
 */
int reader_fail(RecordingReader *r, int error, const char *fmt, ...)
{
        _cleanup_(freep) char *what = NULL;
        va_list ap;
        int k;

        assert(error < 0 && error != -ENOMEM);

        /* Whatever is wrong, a mapped file that has shrunk was not read as
         * it was (the rest of its last page reads as zeros). */
        if (reader_map_shrunk(r)) {
                if (asprintf(&r->error_msg, "%s: changed while being read", r->name) < 0) {
                        r->error_msg = NULL;
                        return (r->error = -ENOMEM);
                }
                return (r->error = -EIO);
        }

        va_start(ap, fmt);
        k = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (k >= 0 && r->line_no > 0)
                k = asprintf(&r->error_msg, "%s:%u: %s", r->name, r->line_no, what);
        else if (k >= 0)
                k = asprintf(&r->error_msg, "%s: %s", r->name, what);
        if (k < 0) {
                r->error_msg = NULL;
                error = -ENOMEM;
        }
        r->error = error;
        return error;
}

/*
 * The common sample line, "time,ax,ay,az" of plain numbers without spaces
 * (parse_plain()), in one pass: a trimmed line [@s, @end) (@eol 0), or the
 * text at @s up to a '\n' (@eol '\n') before @end. Return: the end of the
 * line (@end, or its '\n') with *out filled; NULL, having changed nothing,
 * for any other line: reader_data_line() then reads it, and finds the same
 * values or says what is wrong.
 */
static const char *reader_plain_sample(RecordingReader *r, const char *s, const char *end,
                                       const char *limit, char eol, Frame *out)
{
        const char *p = s, *t_end = NULL;
        double v[RECORDING_N_FIELDS];
        int64_t t_ns;

        for (unsigned i = 0; i < RECORDING_N_FIELDS; i++) {
                bool last = i + 1 == RECORDING_N_FIELDS;

                p = parse_plain(p, end, limit, last ? eol : ',', &v[i]);
                /* A comma after each but the last; then the end, or eol. */
                if (!p || (!last || eol ? p == end : p != end))
                        return NULL;
                if (i == 0)
                        t_end = p;
                if (!last)
                        p++;
        }
        /* The limits of reader_number(). */
        if (!(fabs(v[0]) <= 9.2e9) || !(fabs(v[1]) <= FLT_MAX) || !(fabs(v[2]) <= FLT_MAX) ||
            !(fabs(v[3]) <= FLT_MAX))
                return NULL;
        t_ns = round_ns(v[0] * 1e9);
        if (r->any_sample && t_ns <= r->prev_ns)
                return NULL;

        reader_accept(r, t_ns, s, (size_t) (t_end - s), limit);
        *out = (Frame){
                .t_ns = t_ns,
                .v = { (float) v[1], (float) v[2], (float) v[3] },
        };
        return p;
}

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The bytes reader_line_sse2() looks at, at the start of a line; it reads
 * up to 8 more (a field's digits). */
#define LINE_SSE2_BYTES 64

/* Where the bytes of a line are '\n', ',', '.', '-', or none of these nor a
 * digit: byte i is bit i. */
typedef struct {
        uint64_t nl, comma, dot, minus, other;
} LineMasks;

/* Add the 16 bytes at @s + 16 @i to @lm. */
static inline void line_masks16(LineMasks *lm, const char *s, unsigned i)
{
        __m128i b = _mm_loadu_si128((const __m128i *) (const void *) (s + 16 * i)),
                x = _mm_sub_epi8(b, _mm_set1_epi8('0')),
                digit = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(9)), x),
                nl = _mm_cmpeq_epi8(b, _mm_set1_epi8('\n')),
                comma = _mm_cmpeq_epi8(b, _mm_set1_epi8(',')),
                dot = _mm_cmpeq_epi8(b, _mm_set1_epi8('.')),
                minus = _mm_cmpeq_epi8(b, _mm_set1_epi8('-')),
                any = _mm_or_si128(_mm_or_si128(digit, comma), _mm_or_si128(dot, minus));

        lm->nl |= (uint64_t) (unsigned) _mm_movemask_epi8(nl) << (16 * i);
        lm->comma |= (uint64_t) (unsigned) _mm_movemask_epi8(comma) << (16 * i);
        lm->dot |= (uint64_t) (unsigned) _mm_movemask_epi8(dot) << (16 * i);
        lm->minus |= (uint64_t) (unsigned) _mm_movemask_epi8(minus) << (16 * i);
        lm->other |= (uint64_t) (unsigned) (_mm_movemask_epi8(any) ^ 0xffff) << (16 * i);
}

/**
 * reader_line_sse2() - the commonest sample line, "time,ax,ay,az\n" with each
 * field [-]digits.digits (1 to 7 digits on either side of the dot), found
 * whole from the masks of its first LINE_SSE2_BYTES bytes; LINE_SSE2_BYTES + 8
 * must be readable at @s.
 * @s: the start of the line.
 * @t_len: the length of its first field (time_s).
 * @m: the fields' digits as integers.
 * @nf: the digits after their dot.
 * @neg: their signs.
 *
 * Each field is m / 10^nf, at most 14 digits (m < 10^14 < 2^53, exact in a
 * double, as 10^nf is): the value is RN(m / 10^nf), one division, which is
 * what parse_plain() and parse_double() give for the same text.
 *
 * Return: the line's '\n', or NULL for any other line (nothing read).
 */
static inline const char *reader_line_sse2(const char *s, size_t *t_len,
                                           uint64_t m[RECORDING_N_FIELDS],
                                           unsigned nf[RECORDING_N_FIELDS],
                                           bool neg[RECORDING_N_FIELDS])
{
        static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000 };
        LineMasks lm = {};
        uint64_t keep, ends, dots;
        unsigned start = 0;

        /* Up to the 16 bytes with the first '\n'. */
        line_masks16(&lm, s, 0);
        if (!lm.nl) {
                line_masks16(&lm, s, 1);
                if (!lm.nl) {
                        line_masks16(&lm, s, 2);
                        if (!lm.nl)
                                line_masks16(&lm, s, 3);
                }
        }
        if (!lm.nl)
                return NULL;
        keep = (lm.nl & -lm.nl) - 1; /* before the first '\n' */
        /* Nothing but digits, ',', '.' and '-', and a '-' only first in a field. */
        if ((lm.other & keep) || (lm.minus & keep & ~(1 | lm.comma << 1)))
                return NULL;
        /* Each field ends at a comma, the last at the '\n'; the i-th dot is in
         * the i-th field, and there is no other. */
        ends = (lm.comma & keep) | (keep + 1);
        dots = lm.dot & keep;

#pragma GCC unroll 4
        for (unsigned i = 0; i < RECORDING_N_FIELDS; i++) {
                unsigned e, d, p, ni;
                uint64_t c, t;

                if (!ends || !dots)
                        return NULL;
                e = (unsigned) __builtin_ctzll(ends);
                d = (unsigned) __builtin_ctzll(dots);
                ends &= ends - 1;
                dots &= dots - 1;
                neg[i] = (lm.minus >> start) & 1;
                p = start + neg[i];
                /* 1 to 7 digits on either side (unsigned: d before p wraps). */
                ni = d - p;
                nf[i] = e - d - 1;
                if (ni - 1 >= 7 || nf[i] - 1 >= 7 || d < start)
                        return NULL;
                memcpy(&c, s + p, sizeof(c));
                if (ni + nf[i] <= 7) {
                        /* All in these 8 bytes: the dot made a '0' ('.' + 2)
                         * borrows nothing from the digits after it, then
                         * its byte is taken out (as parse_plain()). */
                        uint64_t low = (UINT64_C(1) << (8 * ni)) - 1;

                        t = c + (UINT64_C(2) << (8 * ni)) - SWAR_ZEROS;
                        m[i] = swar_value((t & low) | ((t >> 8) & ~low), ni + nf[i]);
                } else {
                        m[i] = swar_value(c - SWAR_ZEROS, ni) * pow10[nf[i]];
                        memcpy(&c, s + d + 1, sizeof(c));
                        m[i] += swar_value(c - SWAR_ZEROS, nf[i]);
                }
                if (i == 0)
                        *t_len = e;
                start = e + 1;
        }
        if (ends || dots)
                return NULL;
        return s + start - 1;
}

/* reader_plain_sample() of a line that reader_line_sse2() reads. */
static const char *reader_sample_sse2(RecordingReader *r, const char *s, const char *limit,
                                      Frame *out)
{
        static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7 };
        const __m128d sign = _mm_set1_pd(-0.0);
        uint64_t m[RECORDING_N_FIELDS];
        unsigned nf[RECORDING_N_FIELDS];
        bool neg[RECORDING_N_FIELDS];
        double v[RECORDING_N_FIELDS];
        const char *nl;
        size_t t_len;
        int64_t t_ns;

        if (limit - s < LINE_SSE2_BYTES + 8)
                return NULL;
        nl = reader_line_sse2(s, &t_len, m, nf, neg);
        if (!nl)
                return NULL;
        /* The divisions of parse_decimal_exact(), two at a time: each lane
         * is the same IEEE division; then the sign, as there. */
        for (unsigned i = 0; i < RECORDING_N_FIELDS; i += 2) {
                __m128d q = _mm_div_pd(_mm_set_pd((double) m[i + 1], (double) m[i]),
                                       _mm_set_pd(pow10[nf[i + 1]], pow10[nf[i]]));

                q = _mm_xor_pd(
                        q, _mm_and_pd(sign, _mm_castsi128_pd(_mm_set_epi64x(-(int64_t) neg[i + 1],
                                                                            -(int64_t) neg[i]))));
                _mm_storeu_pd(&v[i], q);
        }
        /* Below 10^7 in magnitude: within the limits of reader_number(). */
        t_ns = round_ns(v[0] * 1e9);
        if (r->any_sample && t_ns <= r->prev_ns)
                return NULL;

        reader_accept(r, t_ns, s, t_len, limit);
        *out = (Frame){
                .t_ns = t_ns,
                .v = { (float) v[1], (float) v[2], (float) v[3] },
        };
        return nl;
}
#endif

/* recording_reader_next() but for the message. */
static int reader_next(RecordingReader *r, Frame *out)
{
        while (!r->error) {
                const char *s = NULL, *end, *limit = NULL;
                size_t n = 0;
                int k;

                /* The common line straight from the block, without looking
                 * for its end first; anything else takes the way below. */
                if (r->blocks && r->header_seen && r->pos < r->len) {
                        const char *b = r->buf + r->pos, *nl = NULL;

#ifdef LINE_SSE2_BYTES
                        nl = reader_sample_sse2(r, b, r->buf + r->len + READ_PAD, out);
#endif
                        if (!nl)
                                nl = reader_plain_sample(r, b, r->buf + r->len,
                                                         r->buf + r->len + READ_PAD, '\n', out);

                        if (nl && (size_t) (nl - b) <= RECORDING_MAX_LINE) {
                                r->line_no++;
                                r->pos = (size_t) (nl + 1 - r->buf);
                                return 1;
                        }
                }

                k = reader_getline(r, &s, &n, &limit);
                if (k <= 0) {
                        if (k == -ENOMEM)
                                return reader_oom(r);
                        if (k == -E2BIG) {
                                r->line_no++;
                                return reader_fail(r, -EBADMSG, "line longer than %d bytes",
                                                   RECORDING_MAX_LINE);
                        }
                        if (k < 0) {
                                errno = -k;
                                return reader_fail(r, k, "read error: %m");
                        }
                        if (r->header_seen && !reader_map_shrunk(r))
                                return 0;
                        if (r->header_seen)
                                return reader_fail(r, -EIO, "changed while being read");
                        if (r->line_no == 0)
                                return reader_fail(r, -EBADMSG, "empty file, no header");
                        return reader_fail(r, -EBADMSG,
                                           "missing header '" RECORDING_HEADER "' (end of file)");
                }
                r->line_no++;

                end = s + n;
                if (end > s && end[-1] == '\n')
                        end--;
                if (end > s && end[-1] == '\r')
                        end--;
                /* Spreadsheets like to start UTF-8 files with a byte order mark. */
                if (r->line_no == 1 && end - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
                        s += 3;
                trim(&s, &end);

                if (s == end)
                        continue;
                if (*s != '#' && r->header_seen && reader_plain_sample(r, s, end, limit, 0, out))
                        return 1;
                k = *s == '#' ? reader_comment(r, s, end) : reader_data_line(r, s, end, out);
                if (k != 0)
                        return k;
        }
        return r->error;
}

/* @k, what reader_next() returned, and the message for a failure. */
static int reader_result(RecordingReader *r, int k, char **ret_error)
{
        if (k >= 0 || !ret_error)
                return k;
        *ret_error = NULL;
        if (r->error_msg) {
                *ret_error = strdup(r->error_msg);
                if (!*ret_error)
                        return -ENOMEM;
        }
        return k;
}

/**
 * recording_reader_next() - the next sample of the recording.
 * @r: the reader.
 * @out: the sample; t_ns is time_s in nanoseconds.
 * @ret_error: on failure, unless NULL, a malloc'd message "NAME:LINE: what is
 *             wrong" for the caller to free; NULL with -ENOMEM.
 *
 * After a failure every later call fails the same way.
 *
 * Return: 1 with *out filled, 0 at the end of the file, -EBADMSG for bad
 * input (no header, a field that is not a finite number, a wrong number of
 * fields, time not strictly increasing, an empty file), -ENOMEM, other
 * -errno for a read error.
 */
int recording_reader_next(RecordingReader *r, Frame *out, char **ret_error)
{
        assert(r);
        assert(out);

        return reader_result(r, reader_next(r, out), ret_error);
}

/**
 * recording_reader_read() - the next samples of the recording, up to @max:
 * the same as that many recording_reader_next(), in fewer instructions.
 * @r: the reader.
 * @out: the samples.
 * @max: room in @out.
 * @ret_n: the number of samples read, also before an end or a failure.
 * @ret_error: as recording_reader_next()'s.
 *
 * Return: 1 with @max samples, 0 at the end of the file (after *@ret_n
 * samples, maybe none), or as recording_reader_next() fails.
 */
int recording_reader_read(RecordingReader *r, Frame *out, size_t max, size_t *ret_n,
                          char **ret_error)
{
        size_t n = 0;
        int k = 1;

        assert(r);
        assert(out || max == 0);
        assert(ret_n);

        while (n < max) {
#if READER_AVX2
                /* The common lines of the block; the first other line (or
                 * one that goes on in the next block) as below. */
                if (r->avx2 && r->blocks && r->header_seen && !r->error) {
                        n += reader_lines_avx2(r, out + n, max - n);
                        if (n == max)
                                break;
                }
#endif
                k = reader_next(r, &out[n]);
                if (k <= 0)
                        break;
                n++;
        }
        *ret_n = n;
        return reader_result(r, k, ret_error);
}

/**
 * recording_reader_new() - read a recording from a stream.
 * @ret: the reader.
 * @f: the stream; a regular file is read in blocks, anything else a line at
 *     a time.
 * @name: the name in messages ("NAME:LINE: ..."); NULL is "-".
 * @own: whether recording_reader_free() closes @f.
 *
 * Return: 0 or -ENOMEM.
 */
int recording_reader_new(RecordingReader **ret, FILE *f, const char *name, bool own)
{
        RecordingReader *r;
        size_t n;

        assert(ret);
        assert(f);

        name = name ? name : "-";
        n = strlen(name);
        r = calloc(1, sizeof(*r) + n + 1);
        if (!r)
                return -ENOMEM;
        memcpy(r->name, name, n + 1);
        r->f = f;
        r->own = own;
#if READER_AVX2
        r->avx2 = reader_cpu_avx2();
#endif
        *ret = r;
        return 0;
}

/**
 * recording_reader_open() - open a recording file for reading.
 * @ret: the reader, which closes the file when freed.
 * @path: the file, also its name in messages.
 *
 * Return: 0 or -errno of fopen().
 */
int recording_reader_open(RecordingReader **ret, const char *path)
{
        FILE *f;
        int k;

        assert(ret);
        assert(path);

        f = fopen(path, "re");
        if (!f)
                return -errno;
        k = recording_reader_new(ret, f, path, true);
        if (k < 0)
                (void) fclose(f);
        return k;
}

/**
 * recording_reader_free() - free a reader, closing its stream if it owns it.
 * @r: the reader, or NULL.
 *
 * Return: NULL.
 */
RecordingReader *recording_reader_free(RecordingReader *r)
{
        if (!r)
                return NULL;
        if (r->own && r->f)
                (void) fclose(r->f);
        for (size_t i = 0; i < r->n_meta; i++)
                free(r->meta[i]);
        free(r->line);
        reader_unmap(r);
        free(r->layouts);
        free(r->error_msg);
        free(r);
        return NULL;
}

/**
 * recording_reader_line() - where the reader is.
 * @r: the reader.
 *
 * Return: the number (1-based) of the line last read, 0 before the first.
 */
unsigned recording_reader_line(const RecordingReader *r)
{
        assert(r);
        return r->line_no;
}

/**
 * recording_reader_rate() - the sample rate the recording states.
 * @r: the reader.
 *
 * Return: the "# rate_hz:" metadata if it was seen before the first sample
 * (and is a number in (0, 1e6]), else 0.
 */
double recording_reader_rate(const RecordingReader *r)
{
        assert(r);
        return r->rate_hz;
}

/**
 * recording_reader_meta() - a metadata value.
 * @r: the reader.
 * @key: the key of a "# key: value" comment.
 *
 * Return: the value of the last such comment read so far (owned by @r), or
 * NULL.
 */
const char *recording_reader_meta(const RecordingReader *r, const char *key)
{
        assert(r);
        assert(key);

        for (size_t i = 0; i < r->n_meta; i++)
                if (strcmp(r->meta[i], key) == 0)
                        return r->meta[i] + strlen(key) + 1;
        return NULL;
}

/**
 * recording_reader_rate_line() - where the recording states its rate.
 * @r: the reader.
 *
 * Return: the line (1-based) of the "# rate_hz:" metadata that
 * recording_reader_rate() returns, 0 when it returns 0.
 */
unsigned recording_reader_rate_line(const RecordingReader *r)
{
        assert(r);
        return r->rate_line;
}
