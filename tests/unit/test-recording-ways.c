/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recording reader's ways of reading the same text: a line at a time
 * (a stream that is not a file), in blocks a sample at a time
 * (recording_reader_next()), and in blocks many samples at a time
 * (recording_reader_read(), with and without reader_lines_avx2()). All give
 * the same samples, to the bit, and the same end or message at the same line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test-util.h"
#include "core/recording-private.h"

typedef enum {
        WAY_STREAM,      /* fmemopen(): a line at a time, recording_reader_next() */
        WAY_STREAM_READ, /* the same, recording_reader_read() */
        WAY_NEXT,        /* a file in blocks, recording_reader_next() */
        WAY_READ,        /* a file in blocks, recording_reader_read() without AVX2 */
        WAY_READ_AVX2,   /* a file in blocks, recording_reader_read() with AVX2 */
        WAY_MAP_NEXT,    /* a file mapped, recording_reader_next() */
        WAY_MAP_AVX2,    /* a file mapped, recording_reader_read() with AVX2 */
        _WAY_MAX,
} Way;

static const char *const way_names[] = { "stream",    "stream-read", "next",    "read",
                                         "read-avx2", "map-next",    "map-avx2" };

typedef struct {
        Frame *frames;
        size_t n;
        int k;
        char *msg;
        unsigned line;
} Result;

static void result_done(Result *res)
{
        free(res->frames);
        free(res->msg);
        *res = (Result){};
}

static uint64_t xorshift(uint64_t *x)
{
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

static bool have_avx2(void)
{
#if READER_AVX2
        return reader_cpu_avx2();
#else
        return false;
#endif
}

/* Every sample of @text read @way, the end (or the message) and the line;
 * recording_reader_read() with batches of 1 to @batch samples (from @seed). */
static void read_way(const char *text, size_t len, Way way, size_t batch, uint64_t seed,
                     Result *res)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        size_t max = 2; /* more than the lines */
        FILE *f;

        for (size_t i = 0; i < len; i++)
                max += text[i] == '\n';

        *res = (Result){};
        res->frames = calloc(max, sizeof(Frame));
        assert_non_null(res->frames);
        f = way <= WAY_STREAM_READ ? fmemopen((void *) text, len, "r") : test_file_of(text, len);
        assert_non_null(f);
        assert_int_equal(recording_reader_new(&r, f, "rec.csv", true), 0);
        r->avx2 = way == WAY_READ_AVX2 || way == WAY_MAP_AVX2;
        if (way >= WAY_MAP_NEXT) {
                const void *addr = NULL;
                size_t size = 0;

                /* Mapped, but for an empty file. */
                assert_int_equal(recording_reader_map(r, &addr, &size), len > 0);
                assert_true(len == 0 || (addr && size >= len + READ_PAD));
        }

        if (way == WAY_STREAM || way == WAY_NEXT || way == WAY_MAP_NEXT) {
                while ((res->k = recording_reader_next(r, &res->frames[res->n], &res->msg)) > 0)
                        res->n++;
        } else
                for (;;) {
                        size_t want = 1 + xorshift(&seed) % batch, got = 12345;

                        want = MIN(want, max - res->n);
                        res->k = recording_reader_read(r, &res->frames[res->n], want, &got,
                                                       &res->msg);
                        assert_true(got <= want);
                        assert_true(res->k != 1 || got == want);
                        res->n += got;
                        if (res->k <= 0)
                                break;
                }
        res->line = recording_reader_line(r);

        /* The end, or the failure, stays. */
        if (res->k <= 0) {
                _cleanup_(freep) char *again = NULL;
                Frame fr;
                size_t got = 1;

                assert_int_equal(recording_reader_next(r, &fr, &again), res->k);
                assert_int_equal(recording_reader_read(r, &fr, 1, &got, NULL), res->k);
                assert_int_equal(got, 0);
                if (res->msg)
                        assert_string_equal(again, res->msg);
        }
}

static const char *strnull(const char *s)
{
        return s ? s : "(null)";
}

/* @text read every way: the same as a line at a time. */
static void check_ways(const char *text, size_t len, size_t batch, uint64_t seed)
{
        Result ref, res;

        read_way(text, len, WAY_STREAM, batch, seed, &ref);
        for (Way w = WAY_STREAM_READ; w < _WAY_MAX; w++) {
                if ((w == WAY_READ_AVX2 || w == WAY_MAP_AVX2) && !have_avx2())
                        continue;
                read_way(text, len, w, batch, seed, &res);
                if (res.n != ref.n || res.k != ref.k || res.line != ref.line ||
                    memcmp(res.frames, ref.frames, ref.n * sizeof(Frame)) != 0 ||
                    (res.msg || ref.msg ? !res.msg || !ref.msg || strcmp(res.msg, ref.msg) != 0
                                        : false)) {
                        size_t i = 0;

                        while (i < MIN(res.n, ref.n) &&
                               memcmp(&res.frames[i], &ref.frames[i], sizeof(Frame)) == 0)
                                i++;
                        fail_msg("'%.300s'%s: %zu samples, %d (%s) at line %u a line at a time; "
                                 "%zu, %d (%s) at line %u %s; first difference at sample %zu",
                                 text, len > 300 ? "..." : "", ref.n, ref.k, strnull(ref.msg),
                                 ref.line, res.n, res.k, strnull(res.msg), res.line, way_names[w],
                                 i);
                }
                result_done(&res);
        }
        result_done(&ref);
}

/* A number in one of many forms: mostly the plain [-]digits.digits with 0
 * to 8 digits on either side (recording.c reads 1 to 7 on its fastest way),
 * else signs, 0 to 9 digits on either side of a dot or none, and now and then
 * an exponent, a space or a stray character. */
static void random_number(char *buf, size_t size, uint64_t *seed)
{
        static const char *const signs[] = { "", "", "-", "+" };
        static const char *const extra[] = { "", "", "", "", "", "", "e1", " ", "x", ".", "-" };
        bool plain = xorshift(seed) % 8 != 0;
        char digits[2][16];
        unsigned n[2];

        for (unsigned k = 0; k < 2; k++) {
                n[k] = (unsigned) (xorshift(seed) % (plain ? 9 : 10));
                for (unsigned i = 0; i < n[k]; i++)
                        digits[k][i] = (char) ('0' + xorshift(seed) % 10);
                digits[k][n[k]] = 0;
        }
        (void) snprintf(buf, size, "%s%s%s%s%s", signs[xorshift(seed) % (plain ? 3 : 4)], digits[0],
                        plain || xorshift(seed) % 8 ? "." : "", digits[1],
                        plain ? "" : extra[xorshift(seed) % ELEMENTSOF(extra)]);
}

/* Two sample lines of random numbers, good or bad, and their ends. */
static void test_two_lines(void **state)
{
        uint64_t seed = 1;

        for (unsigned c = 0; c < 20000; c++) {
                char text[512], num[4][64];
                size_t len;

                for (unsigned i = 0; i < 4; i++)
                        random_number(num[i], sizeof(num[i]), &seed);
                /* A second line with the same digits, 1 s later, or the same
                 * time (not after the first); a '\r' or none at the end. */
                len = (size_t) snprintf(
                        text, sizeof(text), "time_s,ax,ay,az\n%s,%s,%s,%s\n%s%s,%s,%s,%s%s", num[0],
                        num[1], num[2], num[3], c % 3 ? "1" : "", num[0], num[3], num[2], num[1],
                        c % 5 == 0   ? "\r\n"
                        : c % 7 == 0 ? ""
                                     : "\n");
                check_ways(text, len, 4, c);
        }
}

/* @n random digits at @p, all 9 or all 0 now and then. */
static char *random_digits(char *p, unsigned n, uint64_t *seed)
{
        unsigned kind = (unsigned) (xorshift(seed) % 8);

        for (unsigned i = 0; i < n; i++)
                *p++ = (char) (kind == 0 ? '9' : kind == 1 ? '0' : '0' + xorshift(seed) % 10);
        return p;
}

/* A field: @sign, @ni digits, a dot unless @dot is 0, @nf digits. */
static char *field(char *p, const char *sign, unsigned ni, char dot, unsigned nf, uint64_t *seed)
{
        p = stpcpy(p, sign);
        p = random_digits(p, ni, seed);
        if (dot)
                *p++ = dot;
        return random_digits(p, nf, seed);
}

/*
 * Each field, in each place, with 0 to 17 digits on either side of its dot, a
 * sign or none: the shortest and the longest that reader_lines_avx2() reads
 * (15 digits, a sign in the 16 bytes) and those just beyond, which it
 * leaves to the others. The line after it ends in "\r\n" now and then.
 */
static void test_field_lengths(void **state)
{
        static const char *const signs[] = { "", "-", "+" };
        uint64_t seed = 7;

        for (unsigned place = 0; place < 4; place++)
                for (unsigned ni = 0; ni <= 17; ni++)
                        for (unsigned nf = 0; nf <= 17; nf++)
                                for (unsigned s = 0; s < ELEMENTSOF(signs); s++) {
                                        char text[512], *p = text;

                                        p = stpcpy(p, "time_s,ax,ay,az\n0.5,1.0,-2.5,3.25\n");
                                        for (unsigned i = 0; i < 4; i++) {
                                                if (i == place)
                                                        p = field(p, signs[s], ni, '.', nf, &seed);
                                                else if (i == 0)
                                                        p = stpcpy(p, "1.5");
                                                else
                                                        p = field(p, "-", 1, '.', 5, &seed);
                                                *p++ = i < 3 ? ',' : '\n';
                                        }
                                        p = stpcpy(p, (ni + nf) % 3 ? "7.0,0.1,0.2,0.3\n"
                                                                    : "7.0,0.1,0.2,0.3\r\n");
                                        check_ways(text, (size_t) (p - text), 3, ni * 31 + nf);
                                }
}

/* The 4 fields of a common line, each [-]ni.nf, as reader_lines_avx2()
 * reads them, the time from @t (ni[0] digits at least, no sign). */
static char *common_line(char *p, unsigned t, const unsigned ni[4], const unsigned nf[4],
                         const bool neg[4], uint64_t *seed)
{
        for (unsigned i = 0; i < 4; i++) {
                if (i == 0)
                        p += sprintf(p, "%0*u", (int) ni[0], t);
                else
                        p = field(p, neg[i] ? "-" : "", ni[i], 0, 0, seed);
                *p++ = '.';
                p = random_digits(p, nf[i], seed);
                *p++ = i < 3 ? ',' : '\n';
        }
        return p;
}

/* Samples read by reader_lines_avx2() itself from @text, a header and then
 * sample lines, with room for @max. */
static size_t lines_avx2(const char *text, size_t max)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        Frame fr, out[8];
        size_t n;

        assert_true(max <= ELEMENTSOF(out));
        assert_int_equal(
                recording_reader_new(&r, test_file_of(text, strlen(text)), "rec.csv", true), 0);
        r->avx2 = false;
        /* The header and the first sample. */
        assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
#if READER_AVX2
        n = reader_lines_avx2(r, out, max);
#else
        n = 0;
#endif
        assert_int_equal(recording_reader_line(r), 2 + n);
        return n;
}

/* What reader_lines_avx2() reads and what it leaves, at the limits of a
 * field (15 digits, with its sign in 16 bytes) and of a line (64 bytes with
 * its '\n'); the samples read are those of recording_reader_next(). */
static void test_lines_avx2_limits(void **state)
{
        uint64_t seed = 3;

        if (!have_avx2())
                skip();
        for (unsigned c = 0; c < 4000; c++) {
                unsigned ni[4], nf[4];
                bool neg[4], field_ok = true;
                char text[512], *p = text, *second;
                size_t len, n, want;

                for (unsigned i = 0; i < 4; i++) {
                        ni[i] = (unsigned) (xorshift(&seed) % (i == 0 ? 10 : 16)) + (i == 0);
                        nf[i] = (unsigned) (xorshift(&seed) % 17);
                        neg[i] = i > 0 && xorshift(&seed) % 2;
                        if (xorshift(&seed) % 2) { /* mostly short */
                                ni[i] = MIN(ni[i], 3u);
                                nf[i] = MIN(nf[i], 6u) + 1;
                        }
                        /* 1 to 15 digits, a dot, at least one digit after it. */
                        field_ok = field_ok && nf[i] >= 1 && ni[i] + neg[i] + nf[i] <= 15;
                }
                p = stpcpy(p, "time_s,ax,ay,az\n0.0,1.0,2.0,3.0\n");
                second = p;
                p = common_line(p, 1, ni, nf, neg, &seed);
                len = (size_t) (p - second) - 1;
                *common_line(p, 3, ni, nf, neg, &seed) = 0;
                /* Both lines when each fits in the 64 bytes, or none. */
                want = field_ok && len < 64 ? 2 : 0;
                n = lines_avx2(text, 8);
                if (n != want)
                        fail_msg("'%s': %zu lines read, not %zu", second, n, want);
                check_ways(text, strlen(text), 2, c);
        }
}

/* Lines after "0.0,1.0,2.0,3.0", and whether reader_lines_avx2() reads
 * them (else the other ways do, or say what is wrong). */
static const struct {
        const char *line;
        bool common;
} forms[] = {
        { "1.5,-0.0,0.0,-.5\n", true },
        { ".5,.5,-.5,0.5\n", true },
        { "1.5,1.0,2.0,3.0\r\n", true },
        { "9200000000.0,1.0,2.0,3.0\n", true }, /* the limit of the time */
        { "9200000000.00001,1.0,2.0,3.0\n", false },
        { "9250000000.5,1.0,2.0,3.0\n", false },
        { "1.5,99999999999999.9,-999999999999.99,0.00000000000001\n", true },
        { "1.5,999999999999999.9,2.0,3.0\n", false }, /* 16 digits */
        { "1.5,-99999999999999.9,2.0,3.0\n", false }, /* and a sign */
        { "1.5,1.0,2.0,3.0,\n", false },
        { "1.5,1.0,2.0\n", false },
        { "1.5,1.0,2.0,3.0,4.0\n", false },
        { "1.5,1.0,2.0,3.0\r\r\n", false },
        { "1.5,1.0,2.0,3.0\r", false },
        { "1.5,1.0,2.0,3.0", false },
        { "1.5,+1.0,2.0,3.0\n", false },
        { "1.5, 1.0,2.0,3.0\n", false },
        { "1.5,1.0,2.0,3.0 \n", false },
        { "1.5,1.0,2.0,3\n", false },
        { "1.5,1.0,2.0,3.\n", false },
        { "1.5,1.0,.,3.0\n", false },
        { "1.5,1..0,2.0,3.0\n", false },
        { "1.5,1.0.0,2.0,3.0\n", false },
        { "1.5,--1.0,2.0,3.0\n", false },
        { "1.5,1-.0,2.0,3.0\n", false },
        { "1.5,1.0,2.0,3.0e1\n", false },
        { "1.5,1.0,,3.0\n", false },
        { "0.0,1.0,2.0,3.0\n", false }, /* not after the previous */
        { "-1.0,1.0,2.0,3.0\n", false },
        { "# 1.0,2.0,3.0,4.0\n", false },
        { "\n", false },
        { "1.5,1.0,2.0,3.0\0\n", false },
};

static void test_lines_avx2_forms(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                char text[256];
                size_t n;

                (void) snprintf(text, sizeof(text), "time_s,ax,ay,az\n0.0,1.0,2.0,3.0\n%s",
                                forms[i].line);
                if (have_avx2()) {
                        n = lines_avx2(text, 2);
                        if (n != forms[i].common)
                                fail_msg("'%s': %zu lines read", forms[i].line, n);
                }
                check_ways(text, strlen(text), 2, i);
        }
}

/* Room for @max samples: no more read. */
static void test_lines_avx2_max(void **state)
{
        static const char text[] = "time_s,ax,ay,az\n0.0,1.0,2.0,3.0\n0.1,1.0,2.0,3.0\n"
                                   "0.2,1.0,2.0,3.0\n0.3,1.0,2.0,3.0\n";

        if (!have_avx2())
                skip();
        for (size_t max = 0; max < 5; max++)
                assert_int_equal(lines_avx2(text, max), MIN(max, 3u));
}

/* A random recording of @lines lines: mostly common samples, and samples in
 * every other form that is good (exponents, '+', spaces, no dot, "\r\n"),
 * comments and empty lines; a bad line at the end now and then. */
static char *random_recording(uint64_t *seed, size_t lines, size_t *len)
{
        char *text = NULL;
        FILE *f = open_memstream(&text, len);
        double t = (double) (xorshift(seed) % 1000);

        assert_non_null(f);
        fputs("# postured recording\n# rate_hz: 100\ntime_s,ax,ay,az\n", f);
        for (size_t i = 0; i < lines; i++) {
                unsigned kind = (unsigned) (xorshift(seed) % 64);

                if (kind == 0) {
                        fputs(xorshift(seed) % 2 ? "# a comment, 1.0,2.0\n" : "\n", f);
                        continue;
                }
                t += 0.001 * (double) (1 + xorshift(seed) % 20);
                if (kind == 1)
                        fprintf(f, "%.12e", t);
                else
                        fprintf(f, "%.*f", 3 + (int) (xorshift(seed) % 7), t);
                for (unsigned k = 0; k < 3; k++) {
                        char num[64], *p = num;
                        unsigned how = (unsigned) (xorshift(seed) % 32);

                        if (how == 0)
                                (void) snprintf(num, sizeof(num), "%.17g",
                                                (double) (int64_t) xorshift(seed) / 1e12);
                        else if (how == 1)
                                (void) snprintf(num, sizeof(num), " +%u.%ue-%u ",
                                                (unsigned) (xorshift(seed) % 100),
                                                (unsigned) (xorshift(seed) % 100),
                                                (unsigned) (xorshift(seed) % 30));
                        else if (how == 2)
                                (void) snprintf(num, sizeof(num), "%u",
                                                (unsigned) (xorshift(seed) % 1000));
                        else {
                                p = field(p, xorshift(seed) % 2 ? "-" : "",
                                          (unsigned) (xorshift(seed) % (how == 3 ? 17 : 3)), '.',
                                          (unsigned) (xorshift(seed) % (how == 4 ? 17 : 6)), seed);
                                *p = 0;
                        }
                        fprintf(f, ",%s", num);
                }
                fputs(kind == 2 ? "\r\n" : "\n", f);
        }
        switch (xorshift(seed) % 8) {
        case 0:
                fputs("-1.0,1,2,3\n", f); /* not after the last */
                break;
        case 1:
                fputs("1e12,1.0,2.0,3.0\n", f); /* out of range */
                break;
        case 2:
                fputs("1e9,1.0,2.0\n", f);
                break;
        case 3:
                fputs("1e9,1.0,2.0,3.0", f); /* no '\n' */
                break;
        default:
                break;
        }
        assert_int_equal(fclose(f), 0);
        return text;
}

/* Random recordings of many lines, some longer than a block (the lines
 * across the refills), in batches of many sizes. */
static void test_random_recordings(void **state)
{
        uint64_t seed = 11;

        for (unsigned c = 0; c < 40; c++) {
                _cleanup_(freep) char *text = NULL;
                size_t len, lines = c % 8 == 0 ? 12000 : 1 + xorshift(&seed) % 2000;

                text = random_recording(&seed, lines, &len);
                check_ways(text, len, c % 2 ? 1000 : 64, c);
        }
}

/* A common line across the end of a block: at each of 80 places. */
static void test_block_edges(void **state)
{
        /* recording-input.c's READ_BLOCK. */
        const size_t block = 256 * 1024;

        for (unsigned shift = 0; shift < 80; shift++) {
                _cleanup_(freep) char *text = NULL;
                _cleanup_(fclosep) FILE *f = NULL;
                size_t len;
                char *p;

                text = malloc(block + 4096);
                assert_non_null(text);
                p = stpcpy(text, "time_s,ax,ay,az\n");
                /* A comment to move the lines by @shift. */
                *p++ = '#';
                for (unsigned i = 0; i < shift; i++)
                        *p++ = 'x';
                *p++ = '\n';
                for (unsigned i = 0; (size_t) (p - text) < block + 200; i++)
                        p += sprintf(p, "%u.%06u,-0.%05u,9.%05u,%u.%05u\n", i / 100,
                                     i % 100 * 10000, i % 99991, i * 7 % 99991, i % 3, i % 99989);
                len = (size_t) (p - text);
                check_ways(text, len, 512, shift);
        }
}

/*
 * A mapped file that shrinks before it is read to its end. In its whole
 * first page (the rest of which then reads as zeros, with no SIGBUS): at a
 * line's end, in a line, before the header's end; never the samples of
 * zeros, the end, or a message about them, but "changed while being read".
 * In its last, partial page, read as it was when mapped: its lines, then
 * "changed while being read". A file that does not shrink is read to its
 * end.
 */
static void test_map_shrunk(void **state)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE), len, cuts[5], lines = 0, first = 0;
        _cleanup_(freep) char *text = malloc(page + 1100);
        char *p;

        assert_non_null(text);
        p = stpcpy(text, "# rate_hz: 100\ntime_s,ax,ay,az\n");
        for (; (size_t) (p - text) < page + 1000; lines++)
                p += sprintf(p, "%zu.%02zu,0.5,-9.75,0.125\n", lines / 100, lines % 100);
        len = (size_t) (p - text);
        for (size_t i = 0; i < page; i++)
                first += text[i] == '\n';
        cuts[0] = (size_t) ((char *) memrchr(text, '\n', page) - text) - 10; /* in a line */
        cuts[1] = (size_t) (strchr(text + page / 2, '\n') - text) + 1;       /* a line's end */
        cuts[2] = 20;                                                        /* in the header */
        cuts[3] = page + 500;                                                /* in the last page */
        cuts[4] = len;                                                       /* none */

        for (unsigned c = 0; c < ELEMENTSOF(cuts); c++)
                for (unsigned avx2 = 0; avx2 < 2; avx2++) {
                        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
                        _cleanup_(freep) char *msg = NULL;
                        Frame fr[64];
                        const void *addr;
                        size_t size, n = 0, got, whole = 0;
                        FILE *f = test_file_of(text, len);
                        int k;

                        assert_int_equal(recording_reader_new(&r, f, "rec.csv", true), 0);
                        r->avx2 = avx2 && have_avx2();
                        assert_int_equal(recording_reader_map(r, &addr, &size), 1);
                        assert_int_equal(ftruncate(fileno(f), (off_t) cuts[c]), 0);
                        do {
                                k = recording_reader_read(r, fr, ELEMENTSOF(fr), &got, &msg);
                                n += got;
                        } while (k > 0);
                        if (cuts[c] == len) {
                                assert_int_equal(k, 0);
                                assert_int_equal(n, lines);
                                continue;
                        }
                        assert_int_equal(k, -EIO);
                        assert_string_equal(msg, "rec.csv: changed while being read");
                        if (cuts[c] >= page) {
                                assert_int_equal(n, lines);
                                continue;
                        }
                        /* Only samples of the lines the file still has whole. */
                        for (size_t i = 0; i < cuts[c]; i++)
                                whole += text[i] == '\n';
                        assert_true(whole < first);
                        assert_true(n + 2 <= MAX(whole, 2u));
                }
}

/*
 * A mapped file that grows before it is read: read to the size it had when
 * mapped, its last line without its '\n' too, never past its end, with the
 * mapping moved before a page that faults on any access.
 */
static void test_map_grown(void **state)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE);

        for (unsigned partial = 0; partial < 2; partial++)
                for (unsigned avx2 = 0; avx2 < 2; avx2++) {
                        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
                        _cleanup_(freep) char *msg = NULL, *text = malloc(4 * page);
                        char *p = stpcpy(text, "time_s,ax,ay,az\n"), *guard, *moved;
                        size_t len, n = 0, got, lines = 0, size;
                        const void *addr;
                        Frame fr[64];
                        FILE *f;
                        int k;

                        assert_non_null(text);
                        for (; (size_t) (p - text) < 2 * page + 200; lines++)
                                p += sprintf(p, "%zu.%02zu,0.5,-9.75,0.125\n", lines / 100,
                                             lines % 100);
                        /* "0.125" cut to "0.1", completed after mapping. */
                        len = (size_t) (p - text) - 3 * partial;
                        f = test_file_of(text, len);
                        assert_int_equal(recording_reader_new(&r, f, "rec.csv", true), 0);
                        r->avx2 = avx2 && have_avx2();
                        assert_int_equal(recording_reader_map(r, &addr, &size), 1);
                        guard = mmap(NULL, size + page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                                     0);
                        assert_true(guard != MAP_FAILED);
                        moved = mremap((void *) addr, size, size, MREMAP_MAYMOVE | MREMAP_FIXED,
                                       guard);
                        assert_true(moved == guard);
                        r->buf = moved;
                        /* The rest of the line, then lines to past the
                         * mapping's end. */
                        assert_int_equal(fseek(f, 0, SEEK_END), 0);
                        if (partial)
                                assert_int_equal(fwrite("25\n", 1, 3, f), 3);
                        for (size_t i = lines; i < lines + 2 * page / 16; i++)
                                assert_true(fprintf(f, "%zu.%02zu,0.5,-9.75,0.125\n", i / 100,
                                                    i % 100) > 0);
                        assert_int_equal(fflush(f), 0);
                        do {
                                k = recording_reader_read(r, fr, ELEMENTSOF(fr), &got, &msg);
                                n += got;
                        } while (k > 0);
                        assert_int_equal(k, 0);
                        assert_int_equal(n, lines);
                        assert_true(r->pos <= r->len && r->len == len);
                        /* The last line as it was: "0.1" */
                        assert_true(fr[(n - 1) % ELEMENTSOF(fr)].v[2] == (partial ? 0.1f : 0.125f));
                        (void) munmap(guard + size, page);
                }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_two_lines),         cmocka_unit_test(test_field_lengths),
                cmocka_unit_test(test_lines_avx2_limits), cmocka_unit_test(test_lines_avx2_forms),
                cmocka_unit_test(test_lines_avx2_max),    cmocka_unit_test(test_random_recordings),
                cmocka_unit_test(test_block_edges),       cmocka_unit_test(test_map_shrunk),
                cmocka_unit_test(test_map_grown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
