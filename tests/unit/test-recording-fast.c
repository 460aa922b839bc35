/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shortcuts of the recording reader's fast way, each against the exact
 * way it stands for: reader_time_ns_fast() against the division and the
 * rounding, at and around its limits; reader_lines_avx2()'s layouts
 * (recording-avx2.c) against reading the same lines without them, with many
 * layouts taking each other's slots, "\r\n" and '\n' ends of the same
 * layout, and lines of a layout seen before that are not samples.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "test-util.h"
#include "core/recording-private.h"

static uint64_t xorshift(uint64_t *x)
{
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

static const double pow10_exact[16] = { 1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };

/* The time as reader_lines_avx2() works it out without the shortcut. */
static int64_t time_ns_exact(uint64_t m, unsigned nf)
{
        return round_ns((double) m / pow10_exact[nf] * 1e9);
}

/* Where the shortcut says yes, the exact value; and it says yes up to its
 * limit (2^50 ns), no from there on. */
static void check_time(uint64_t m, unsigned nf)
{
        int64_t fast = 0;
        bool yes = reader_time_ns_fast(m, nf, &fast);
        bool want = nf <= 9 && (double) m * pow10_exact[9 - MIN(nf, 9u)] < 0x1p50;

        if (yes != want)
                fail_msg("m %llu, nf %u: shortcut %s", (unsigned long long) m, nf,
                         yes ? "taken beyond its limit" : "not taken");
        if (yes && fast != time_ns_exact(m, nf))
                fail_msg("m %llu, nf %u: %lld, exactly %lld", (unsigned long long) m, nf,
                         (long long) fast, (long long) time_ns_exact(m, nf));
}

static void test_time_ns_fast(void **state)
{
        uint64_t seed = 5;

        for (unsigned nf = 0; nf < 16; nf++) {
                uint64_t scale = nf <= 9 ? (uint64_t) pow10_exact[9 - nf] : 1;
                uint64_t limit = ((UINT64_C(1) << 50) + scale - 1) / scale;

                /* At and around the limit, and near 0. */
                for (uint64_t d = 0; d < 64; d++) {
                        check_time(limit + d, nf);
                        if (limit >= d + 1)
                                check_time(limit - d - 1, nf);
                        check_time(d, nf);
                }
                /* A grid across the range, and random digits of every length. */
                for (uint64_t m = 1; m < UINT64_C(1000000000000000); m = m * 3 + 1)
                        check_time(m, nf);
                for (unsigned i = 0; i < 200000; i++) {
                        uint64_t m = xorshift(&seed) % (UINT64_C(1) << (xorshift(&seed) % 50 + 1));

                        check_time(m, nf);
                }
        }
}

typedef struct {
        Frame *frames;
        size_t n;
        int k;
        char *msg;
        unsigned line;
} Result;

/* Every sample of @text, in batches of @batch, with reader_lines_avx2() or
 * without. */
static void read_all(const char *text, size_t len, bool avx2, size_t batch, Result *res)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        size_t max = 1;

        for (size_t i = 0; i < len; i++)
                max += text[i] == '\n';
        *res = (Result){ .frames = calloc(max, sizeof(Frame)) };
        assert_non_null(res->frames);
        assert_int_equal(recording_reader_new(&r, test_file_of(text, len), "rec.csv", true), 0);
        r->avx2 = avx2;
        do {
                size_t got = 0;

                res->k = recording_reader_read(r, res->frames + res->n, MIN(batch, max - res->n),
                                               &got, &res->msg);
                res->n += got;
        } while (res->k > 0 && res->n < max);
        res->line = recording_reader_line(r);
}

static void check_same(const char *text, size_t len, size_t batch)
{
        Result a, b;

#if READER_AVX2
        if (!reader_cpu_avx2())
                skip();
#else
        skip();
#endif
        read_all(text, len, true, batch, &a);
        read_all(text, len, false, batch, &b);
        if (a.n != b.n || a.k != b.k || a.line != b.line ||
            memcmp(a.frames, b.frames, a.n * sizeof(Frame)) != 0 ||
            strcmp(a.msg ?: "", b.msg ?: "") != 0) {
                size_t i = 0;

                while (i < MIN(a.n, b.n) && memcmp(&a.frames[i], &b.frames[i], sizeof(Frame)) == 0)
                        i++;
                fail_msg("with the layouts %zu samples, %d (%s), line %u; without %zu, %d (%s), "
                         "line %u; first difference at sample %zu",
                         a.n, a.k, a.msg ?: "", a.line, b.n, b.k, b.msg ?: "", b.line, i);
        }
        free(a.frames);
        free(a.msg);
        free(b.frames);
        free(b.msg);
}

/* [-]ni.nf with random digits. */
static char *number(char *p, bool neg, unsigned ni, unsigned nf, uint64_t *seed)
{
        if (neg)
                *p++ = '-';
        for (unsigned i = 0; i < ni; i++)
                *p++ = (char) ('0' + xorshift(seed) % 10);
        *p++ = '.';
        for (unsigned i = 0; i < nf; i++)
                *p++ = (char) ('0' + xorshift(seed) % 10);
        return p;
}

/*
 * Thousands of lines of some hundreds of layouts (the digits and signs of
 * each field, the end "\r\n" or '\n'), far more than the slots, so that
 * layouts keep taking each other's slots; and now and then, last, a line of
 * a layout seen before that is no sample (a digit not one, a second dot).
 */
static void test_layouts(void **state)
{
        uint64_t seed = 9;

        for (unsigned c = 0; c < 60; c++) {
                size_t size = 1 << 20, lines = 500 + xorshift(&seed) % 6000;
                _cleanup_(freep) char *text = malloc(size);
                unsigned kinds = 1 + (unsigned) (xorshift(&seed) % (c % 2 ? 400 : 8));
                char *p, *line = NULL;

                assert_non_null(text);
                p = stpcpy(text, "# rate_hz: 100\ntime_s,ax,ay,az\n");
                for (size_t i = 0; i < lines; i++) {
                        /* The layout: a kind's own random sequence. */
                        uint64_t kind = 1 + xorshift(&seed) % kinds, ks = kind * 0x9e3779b97f4a7c15;

                        line = p;
                        p += sprintf(p, "%zu.%0*u", i + 1, (int) (1 + xorshift(&ks) % 9), 0);
                        for (unsigned k = 0; k < 3; k++) {
                                *p++ = ',';
                                p = number(p, xorshift(&ks) % 2, 1 + xorshift(&ks) % 3,
                                           1 + xorshift(&ks) % 6, &seed);
                        }
                        p = stpcpy(p, xorshift(&ks) % 3 ? "\n" : "\r\n");
                }
                switch (c % 4) {
                case 1: /* the last line's layout, a digit that is none */
                        p = stpcpy(p, line);
                        p[-3] = '/';
                        break;
                case 2: /* its commas, and a dot more */
                        p = stpcpy(p, line);
                        p[-3] = '.';
                        break;
                default:
                        break;
                }
                check_same(text, (size_t) (p - text), c % 3 ? 1024 : 7);
        }
}

/* A layout first seen ending in "\r\n" and then ending in '\n' at the same
 * place (its last digit where the '\r' was), and the other way round. */
static void test_layout_line_ends(void **state)
{
        static const char *const texts[] = {
                "time_s,ax,ay,az\n0.10,1.5,-2.5,3.25\r\n0.20,1.5,-2.5,3.255\n",
                "time_s,ax,ay,az\n0.10,1.5,-2.5,3.255\n0.20,1.5,-2.5,3.25\r\n",
                "time_s,ax,ay,az\n0.10,1.5,-2.5,3.25\r\n0.20,1.5,-2.5,3.25\r\n"
                "0.30,1.5,-2.5,3.255\n0.40,1.5,-2.5,3.25\r\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(texts); i++)
                check_same(texts[i], strlen(texts[i]), 16);
}

/*
 * A line of a layout seen just before, with each of its bytes (to its
 * '\n') and the byte after it replaced by each of the 256 values in turn:
 * the lines that keep the layout's key (a digit for another byte that is
 * none, ',' for '.', '\r' for '-', ...) must be told apart by the layout's
 * check of every byte, and the others are worked out again. Each as read
 * without the layouts.
 */
static void test_layout_every_byte(void **state)
{
        static const char *const lines[] = {
                "1.5,-0.25,9.75,-0.125\n",
                "1.5,0.25,-9.75,0.125\r\n",
                "12.000001,-.5,99999999999999.9,-0.0000000000001\n",
                "3600.990000,-999999999999.99,0.000001,-1.0000000000000\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                size_t n = strlen(lines[i]);

                for (size_t j = 0; j <= n; j++)
                        for (unsigned c = 0; c < 256; c++) {
                                char text[256], *p = text, *second;

                                p = stpcpy(p, "time_s,ax,ay,az\n0.0,1.0,2.0,3.0\n");
                                p = stpcpy(p, lines[i]);
                                second = p;
                                p = stpcpy(p, lines[i]);
                                /* A second later. */
                                second[0] = (char) (second[0] + 1);
                                /* The byte after the line: the next line's first. */
                                p = stpcpy(p, "7200.5,1.0,2.0,3.0\n");
                                second[j] = (char) c;
                                check_same(text, (size_t) (p - text), 8);
                        }
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_time_ns_fast),
                cmocka_unit_test(test_layouts),
                cmocka_unit_test(test_layout_line_ends),
                cmocka_unit_test(test_layout_every_byte),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
