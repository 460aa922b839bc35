/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/recording.h"
#include "util/macro.h"

/*
 * What the recording reader's files share, and no one else: recording.c (the
 * public functions, and the common sample line read in one pass),
 * recording-avx2.c (the common sample lines of a block, many at a time, for
 * recording_reader_read()), recording-line.c (any line read in full:
 * comments, the header, a sample with a message for what is wrong) and
 * recording-input.c (the lines, from blocks of a regular file or a line at a
 * time from a stream).
 */

#define RECORDING_N_FIELDS 4
/* Enough metadata for any real recording; more is ignored, so a file of
 * comments cannot make us allocate without bound. */
#define RECORDING_MAX_META    32
#define RECORDING_QUOTE_CHARS 32
/* Zero bytes after the data in a block, so that parse_plain() may read 8
 * bytes at a time up to the end, reader_line_sse2() (recording.c) a line's
 * first 72, and reader_lines_avx2() a line's first 64 and 16 at each of its
 * fields. */
#define READ_PAD 72

struct RecordingReader {
        FILE *f;
        bool own;

        /* The line buffer (RECORDING_MAX_LINE + 2), for a stream that is not a
         * regular file. */
        char *line;
        size_t line_size;
        unsigned line_no;

        /* A regular file's blocks: [pos, len) of buf is not read yet. */
        bool checked_type;
        bool blocks;
        bool eof;
        char *buf;
        size_t buf_size, pos, len;
        int read_error; /* -errno, after the lines read before it */
        /* The file mapped (recording_reader_map()): @buf is @map_size bytes
         * of memory, the file's @len bytes and zeros after them. */
        bool mapped;
        size_t map_size;

        bool header_seen;
        bool any_sample;
        /* Read the common lines of a block with reader_lines_avx2(), which
         * keeps the layouts of the lines it has seen in @layouts
         * (recording-avx2.c), allocated when it first runs (asked once:
         * @layouts_failed after a failure). */
        bool avx2;
        bool layouts_failed;
        void *layouts;
        int64_t prev_ns;
        /* The previous time as written (its first RECORDING_QUOTE_CHARS + 1
         * bytes and its length), quoted only for the "not after" message. */
        char prev_text[RECORDING_QUOTE_CHARS + 1];
        size_t prev_len;

        double rate_hz;
        unsigned rate_line;             /* the line of "# rate_hz:", 0 without one */
        char *meta[RECORDING_MAX_META]; /* "key\0value" */
        size_t n_meta;

        int error;       /* sticky: every later call returns it again */
        char *error_msg; /* "NAME:LINE: what is wrong", NULL for -ENOMEM */

        char name[];
};

static inline void trim(const char **s, const char **e)
{
        while (*s < *e && (**s == ' ' || **s == '\t'))
                (*s)++;
        while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
                (*e)--;
}

/* llround(@x) for |x| < 2^63, without the call: x minus its truncation is
 * exact (for |x| >= 2^52 x is an integer, and it is 0). */
static inline int64_t round_ns(double x)
{
        int64_t t = (int64_t) x;
        double f = x - (double) t;

        return t + (f >= 0.5) - (f <= -0.5);
}

/*
 * round_ns(RN(RN(m / 10^nf) * 1e9)), the time in ns of a field of @nf digits
 * after its dot, the digits @m (m < 2^53), without the division: true with
 * *@ret when the shortcut holds, false (the division decides) when not.
 *
 * Proof. Let N = m 10^(9 - nf), for nf <= 9 an integer: the time in ns,
 * exactly. 10^nf and 1e9 are exact in a double, so each operation rounds
 * once: q = m / 10^nf (1 + d1), y = q 1e9 (1 + d2) = N (1 + d1)(1 + d2),
 * |d1|, |d2| <= 2^-53. For N < 2^50 that puts y within
 * N (2^-52 + 2^-106) < 2^-2 + 2^-56 of N, well inside (N - 1/2, N + 1/2),
 * where round_ns() (half away from zero, exact for |y| < 2^63) gives N.
 * 2^50 ns is 13 days, far within the limit 9.2e9 s of reader_number(),
 * which needs no check then. A time with a sign, nf > 9 or N >= 2^50 is
 * left to the division.
 *
 * reader_time_ns_limits() gives the two numbers the shortcut takes for @nf
 * (false for nf >= 16): it holds for m < *@ret_below (0 for nf > 9), and
 * then N is m * *@ret_scale; reader_lines_avx2() keeps them by the line.
 */
static inline bool reader_time_ns_limits(size_t nf, uint64_t *ret_below, uint64_t *ret_scale)
{
        /* 10^(9 - nf), and m below 2^50 / 10^(9 - nf) rounded up keeps N
         * below 2^50; for nf > 9, 0: never. */
#define TIME_NS_BELOW(s) (((UINT64_C(1) << 50) + (s) -1) / (s))
        static const uint64_t scale[16] = { 1000000000, 100000000, 10000000, 1000000, 100000,
                                            10000,      1000,      100,      10,      1 };
        static const uint64_t below[16] = {
                TIME_NS_BELOW(1000000000), TIME_NS_BELOW(100000000), TIME_NS_BELOW(10000000),
                TIME_NS_BELOW(1000000),    TIME_NS_BELOW(100000),    TIME_NS_BELOW(10000),
                TIME_NS_BELOW(1000),       TIME_NS_BELOW(100),       TIME_NS_BELOW(10),
                TIME_NS_BELOW(1),
        };
#undef TIME_NS_BELOW

        if (nf >= 16)
                return false;
        *ret_below = below[nf];
        *ret_scale = scale[nf];
        return true;
}

/* The shortcut for one time: N, when it holds. reader_lines_avx2() applies
 * the limits itself; test-recording-fast.c checks them through this. */
static inline bool reader_time_ns_fast(uint64_t m, size_t nf, int64_t *ret)
{
        uint64_t below, scale;

        if (!reader_time_ns_limits(nf, &below, &scale) || m >= below)
                return false;
        *ret = (int64_t) (m * scale);
        return true;
}

/* Fail for lack of memory from now on. */
static inline int reader_oom(RecordingReader *r)
{
        return (r->error = -ENOMEM);
}

/* A sample at @t_ns, its time written as the @n bytes at @text, which may be
 * read up to @limit (the bytes beyond @n are copied, never used). */
static inline void reader_accept(RecordingReader *r, int64_t t_ns, const char *text, size_t n,
                                 const char *limit)
{
        r->any_sample = true;
        r->prev_ns = t_ns;
        if ((size_t) (limit - text) >= sizeof(r->prev_text))
                memcpy(r->prev_text, text, sizeof(r->prev_text));
        else
                memcpy(r->prev_text, text, MIN(n, sizeof(r->prev_text)));
        r->prev_len = n;
}

/* recording.c */
_printf_(3, 4) int reader_fail(RecordingReader *r, int error, const char *fmt, ...);

/* recording-line.c */
int reader_comment(RecordingReader *r, const char *s, const char *end);
int reader_data_line(RecordingReader *r, const char *s, const char *end, Frame *out);

/* recording-avx2.c: where the compiler has AVX2 intrinsics and target
 * attributes. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__BYTE_ORDER__) && \
        __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define READER_AVX2 1
bool reader_cpu_avx2(void);
size_t reader_lines_avx2(RecordingReader *r, Frame *out, size_t max);
#else
#define READER_AVX2 0
#endif

/* recording-input.c */
int reader_getline(RecordingReader *r, const char **ret, size_t *ret_n, const char **limit);
bool reader_map_shrunk(RecordingReader *r);
void reader_unmap(RecordingReader *r);
