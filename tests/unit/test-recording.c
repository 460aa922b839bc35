/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test-util.h"
#include "core/recording.h"

/* A reader over @text, named "rec.csv"; a real (temporary) file, so that an
 * empty text is an empty file. */
static RecordingReader *reader_from(const char *text)
{
        RecordingReader *r = NULL;
        FILE *f = tmpfile();

        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        rewind(f);
        assert_int_equal(recording_reader_new(&r, f, "rec.csv", true), 0);
        return r;
}

static void test_good_file(void **state)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        _cleanup_(freep) char *msg = NULL;
        Frame fr;

        r = reader_from("# postured recording\n"
                        "# rate_hz: 100\n"
                        "#source:  iio:device0  \n"
                        "\n"
                        "  time_s , ax,ay,az  \r\n"
                        "0,0.1,9.8,-0.2\n"
                        "   \n"
                        "# a comment between samples: with a colon\n"
                        "0.01, -1.5e-1 ,9.80665,+2E1\r\n"
                        "0.020000,0,.5,5.\n");

        assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
        assert_int_equal(recording_reader_line(r), 6);
        assert_true(fr.t_ns == 0);
        assert_float_equal(fr.v[0], 0.1f, 0);
        assert_float_equal(fr.v[1], 9.8f, 0);
        assert_float_equal(fr.v[2], -0.2f, 0);
        assert_int_equal(fr.flags, 0);
        assert_float_equal(recording_reader_rate(r), 100.0, 0);
        assert_string_equal(recording_reader_meta(r, "source"), "iio:device0");
        assert_string_equal(recording_reader_meta(r, "rate_hz"), "100");
        assert_null(recording_reader_meta(r, "postured recording"));
        assert_null(recording_reader_meta(r, "a comment between samples"));

        assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
        assert_int_equal(recording_reader_line(r), 9);
        assert_true(fr.t_ns == 10 * NSEC_PER_MSEC);
        assert_float_equal(fr.v[0], -0.15f, 0);
        assert_float_equal(fr.v[1], 9.80665f, 0);
        assert_float_equal(fr.v[2], 20.0f, 0);

        assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
        assert_true(fr.t_ns == 20 * NSEC_PER_MSEC);
        assert_float_equal(fr.v[1], 0.5f, 0);
        assert_float_equal(fr.v[2], 5.0f, 0);

        assert_int_equal(recording_reader_next(r, &fr, NULL), 0);
        /* The end is no error: no message. */
        assert_int_equal(recording_reader_next(r, &fr, &msg), 0);
        assert_null(msg);
        assert_int_equal(recording_reader_line(r), 10);
}

static void test_crlf_and_bom(void **state)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        Frame fr;

        r = reader_from("\xef\xbb\xbftime_s,ax,ay,az\r\n"
                        "1.5,1,2,3\r\n"
                        "2.5,4,5,6\r\n");
        assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
        assert_true(fr.t_ns == 1500 * NSEC_PER_MSEC);
        assert_float_equal(fr.v[2], 3.0f, 0);
        assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
        assert_true(fr.t_ns == 2500 * NSEC_PER_MSEC);
        assert_float_equal(fr.v[0], 4.0f, 0);
        assert_int_equal(recording_reader_next(r, &fr, NULL), 0);
        assert_float_equal(recording_reader_rate(r), 0.0, 0);
}

static void test_header_only(void **state)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        Frame fr;

        r = reader_from("# rate_hz: 50\ntime_s,ax,ay,az\n");
        assert_int_equal(recording_reader_next(r, &fr, NULL), 0);
        assert_float_equal(recording_reader_rate(r), 50.0, 0);
}

static void test_rate(void **state)
{
        _cleanup_(recording_reader_freep) RecordingReader *a = NULL, *b = NULL, *c = NULL;
        Frame fr;

        /* After the first sample the rate no longer counts (metadata is still kept). */
        a = reader_from("time_s,ax,ay,az\n0,0,9.8,0\n# rate_hz: 25\n0.04,0,9.8,0\n");
        assert_int_equal(recording_reader_next(a, &fr, NULL), 1);
        assert_int_equal(recording_reader_next(a, &fr, NULL), 1);
        assert_float_equal(recording_reader_rate(a), 0.0, 0);
        assert_string_equal(recording_reader_meta(a, "rate_hz"), "25");

        /* A nonsensical rate is "unknown", not an error. */
        b = reader_from("# rate_hz: fast\ntime_s,ax,ay,az\n0,0,9.8,0\n");
        assert_int_equal(recording_reader_next(b, &fr, NULL), 1);
        assert_float_equal(recording_reader_rate(b), 0.0, 0);

        /* The last rate before the first sample wins. */
        c = reader_from("# rate_hz: 10\n# rate_hz: 104.5\ntime_s,ax,ay,az\n0,0,9.8,0\n");
        assert_int_equal(recording_reader_next(c, &fr, NULL), 1);
        assert_float_equal(recording_reader_rate(c), 104.5, 0);
        assert_string_equal(recording_reader_meta(c, "rate_hz"), "104.5");
}

/* Metadata is bounded: a file of comments cannot make the reader grow. */
static void test_meta_limit(void **state)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        char text[4096], *p = text;
        Frame fr;

        for (unsigned i = 0; i < 40; i++)
                p += sprintf(p, "# key%u: value %u\n", i, i);
        (void) sprintf(p, "# key0: again\n# %0100d: too long a key\ntime_s,ax,ay,az\n", 0);
        r = reader_from(text);
        assert_int_equal(recording_reader_next(r, &fr, NULL), 0);
        assert_string_equal(recording_reader_meta(r, "key0"), "again");
        assert_string_equal(recording_reader_meta(r, "key31"), "value 31");
        assert_null(recording_reader_meta(r, "key32"));
        assert_null(recording_reader_meta(r, "key"));
}

static const struct {
        const char *text;
        unsigned samples; /* good samples before the error */
        unsigned line;
        const char *message;
} bad_inputs[] = {
        { "", 0, 0, "rec.csv: empty file, no header" },
        { "0,1,2,3\n", 0, 1, "rec.csv:1: missing header 'time_s,ax,ay,az'" },
        { "# rate_hz: 50\n\ntime,x,y,z\n0,1,2,3\n", 0, 3,
          "rec.csv:3: missing header 'time_s,ax,ay,az'" },
        { "time_s,ax,ay\n", 0, 1, "rec.csv:1: missing header 'time_s,ax,ay,az'" },
        { "# only\n# comments\n", 0, 2,
          "rec.csv:2: missing header 'time_s,ax,ay,az' (end of file)" },
        { "time_s,ax,ay,az\n0,1,2,3\n\n0.1,1,abc,3\n", 1, 4,
          "rec.csv:4: field 3 (ay): 'abc' is not a number" },
        { "time_s,ax,ay,az\n0,1,2,3x\n", 0, 2, "rec.csv:2: field 4 (az): '3x' is not a number" },
        { "time_s,ax,ay,az\n0,1,2,1e\n", 0, 2, "rec.csv:2: field 4 (az): '1e' is not a number" },
        { "time_s,ax,ay,az\n0,0x1,2,3\n", 0, 2, "rec.csv:2: field 2 (ax): '0x1' is not a number" },
        { "time_s,ax,ay,az\n0,1,2 2,3\n", 0, 2, "rec.csv:2: field 3 (ay): '2 2' is not a number" },
        { "time_s,ax,ay,az\n0,1,,3\n", 0, 2, "rec.csv:2: field 3 (ay) is empty" },
        { "time_s,ax,ay,az\nabcdefghijklmnopqrstuvwxyz0123456789,1,2,3\n", 0, 2,
          "rec.csv:2: field 1 (time_s): 'abcdefghijklmnopqrstuvwxyz012345...' is not a number" },
        { "time_s,ax,ay,az\n1.25,1,2,3\n1.20,1,2,3\n", 1, 3,
          "rec.csv:3: time 1.20 s is not after the previous sample (1.25 s)" },
        { "time_s,ax,ay,az\n1.0,1,2,3\n1,1,2,3\n", 1, 3,
          "rec.csv:3: time 1 s is not after the previous sample (1.0 s)" },
        { "time_s,ax,ay,az\n0,1,2\n", 0, 2, "rec.csv:2: expected 4 fields, got 3" },
        { "time_s,ax,ay,az\n0,1,2,3,4\n", 0, 2, "rec.csv:2: expected 4 fields, got 5" },
        { "time_s,ax,ay,az\n0,1,2,3,\n", 0, 2, "rec.csv:2: expected 4 fields, got 5" },
        { "# c\ntime_s,ax,ay,az\n0,1,2,3\n0.1,1,2,3\n0.2,NaN,2,3\n", 2, 5,
          "rec.csv:5: NaN is not allowed in field 2 (ax)" },
        { "time_s,ax,ay,az\n0,1,-nan,3\n", 0, 2, "rec.csv:2: NaN is not allowed in field 3 (ay)" },
        { "time_s,ax,ay,az\n0,1,2,inf\n", 0, 2,
          "rec.csv:2: infinity is not allowed in field 4 (az)" },
        { "time_s,ax,ay,az\n0,1e39,2,3\n", 0, 2,
          "rec.csv:2: field 2 (ax): '1e39' is out of range" },
        { "time_s,ax,ay,az\n1e400,1,2,3\n", 0, 2,
          "rec.csv:2: field 1 (time_s): '1e400' is out of range" },
        { "time_s,ax,ay,az\n1e10,1,2,3\n", 0, 2,
          "rec.csv:2: field 1 (time_s): '1e10' is out of range" },
};

static void test_bad_input(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(bad_inputs); i++) {
                _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
                _cleanup_(freep) char *msg = NULL, *again = NULL;
                unsigned n = 0;
                Frame fr;
                int k;

                r = reader_from(bad_inputs[i].text);
                while ((k = recording_reader_next(r, &fr, &msg)) > 0)
                        n++;
                if (k != -EBADMSG || !msg || strcmp(msg, bad_inputs[i].message) != 0)
                        print_error("input %zu: got %d '%s'\n", i, k, msg ? msg : "(null)");
                assert_int_equal(k, -EBADMSG);
                assert_string_equal(msg, bad_inputs[i].message);
                assert_int_equal(n, bad_inputs[i].samples);
                assert_int_equal(recording_reader_line(r), bad_inputs[i].line);
                /* The error sticks, with its message; and no message is asked for. */
                assert_int_equal(recording_reader_next(r, &fr, &again), -EBADMSG);
                assert_string_equal(again, bad_inputs[i].message);
                assert_int_equal(recording_reader_next(r, &fr, NULL), -EBADMSG);
        }
}

static void test_open(void **state)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        char path[] = "/tmp/test-recording-XXXXXX";
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *msg = NULL;
        char expected[128];
        Frame fr;
        int fd;

        assert_int_equal(recording_reader_open(&r, "/nonexistent/rec.csv"), -ENOENT);
        assert_null(r);

        fd = mkstemp(path);
        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        assert_non_null(f);
        assert_true(fputs("time_s,ax,ay,az\n0,1,2,3\n0,1,2,3\n", f) >= 0);
        assert_int_equal(fclose(TAKE_PTR(f)), 0);

        assert_int_equal(recording_reader_open(&r, path), 0);
        assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
        assert_int_equal(recording_reader_next(r, &fr, &msg), -EBADMSG);
        (void) snprintf(expected, sizeof(expected),
                        "%s:3: time 0 s is not after the previous sample (0 s)", path);
        assert_string_equal(msg, expected);
        assert_int_equal(unlink(path), 0);
}

static void test_round_trip(void **state)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        static const Frame frames[] = {
                { .t_ns = 5 * NSEC_PER_SEC, .v = { 0.0f, 9.80665f, -0.0f } },
                { .t_ns = 5 * NSEC_PER_SEC + 20 * NSEC_PER_MSEC, .v = { -0.000001f, 1e6f, 3.5f } },
                { .t_ns = 5 * NSEC_PER_SEC + 40000499, .v = { -123.456789f, 0.123455f, 2e-9f } },
                { .t_ns = 3605 * NSEC_PER_SEC, .v = { 1e13f, -2e20f, 0.5f } },
        };
        static const char *const lines[] = {
                "# postured recording\n",
                "# rate_hz: 104.166667\n",
                "# source: iio: dev 0\n",
                "time_s,ax,ay,az\n",
                "0.000000,0.00000,9.80665,0.00000\n",
                "0.020000,0.00000,1000000.00000,3.50000\n",
                "0.040000,-123.45679,0.12346,0.00000\n",
        };
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        const Frame inf = { .v = { 0, INFINITY, 0 } };
        char line[128];
        Frame fr;

        f = tmpfile();
        assert_non_null(f);
        assert_int_equal(recording_write_header(f, 1e4 / 96, "iio:\ndev 0"), 0);
        for (size_t i = 0; i < ELEMENTSOF(frames); i++)
                assert_int_equal(recording_write_frame(f, &frames[i], frames[0].t_ns), 0);
        assert_int_equal(recording_write_frame(f, &inf, 0), -EINVAL);

        rewind(f);
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                assert_non_null(fgets(line, sizeof(line), f));
                assert_string_equal(line, lines[i]);
        }

        rewind(f);
        assert_int_equal(recording_reader_new(&r, TAKE_PTR(f), "round-trip", true), 0);
        for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
                int64_t dt = frames[i].t_ns - frames[0].t_ns;

                assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
                assert_true(llabs(fr.t_ns - dt) <= 500);
                assert_true(fr.t_ns % 1000 == 0);
                for (unsigned j = 0; j < 3; j++)
                        assert_true(fabsf(fr.v[j] - frames[i].v[j]) <=
                                    5e-6f + fabsf(frames[i].v[j]) * 1e-7f);
        }
        assert_int_equal(recording_reader_next(r, &fr, NULL), 0);
        assert_float_equal(recording_reader_rate(r), 104.166667, 1e-9);
        assert_string_equal(recording_reader_meta(r, "source"), "iio: dev 0");
}

/* The writer must not follow LC_NUMERIC (a decimal comma would break the CSV). */
static void test_write_locale(void **state)
{
        _cleanup_(fclosep) FILE *f = NULL;
        const Frame fr = { .t_ns = 1500000, .v = { 1.5f, -2.25f, 0 } };
        char line[128];

        if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
                skip();
        f = tmpfile();
        assert_non_null(f);
        assert_int_equal(recording_write_header(f, 12.5, NULL), 0);
        assert_int_equal(recording_write_frame(f, &fr, 0), 0);
        (void) setlocale(LC_NUMERIC, "C");
        rewind(f);
        assert_non_null(fgets(line, sizeof(line), f));
        assert_non_null(fgets(line, sizeof(line), f));
        assert_string_equal(line, "# rate_hz: 12.5\n");
        assert_non_null(fgets(line, sizeof(line), f));
        assert_non_null(fgets(line, sizeof(line), f));
        assert_string_equal(line, "0.001500,1.50000,-2.25000,0.00000\n");
}

/* A header, a sample and then @n bytes of @c without a '\n', in *@buf. */
static size_t long_line_text(char **buf, size_t n, char c)
{
        static const char head[] = "time_s,ax,ay,az\n0,0,0,9.8\n";
        size_t len = strlen(head) + n;

        *buf = malloc(len);
        assert_non_null(*buf);
        memcpy(*buf, head, strlen(head));
        memset(*buf + strlen(head), c, n);
        return len;
}

static void check_long_line(FILE *f, size_t max_read)
{
        _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
        _cleanup_(freep) char *msg = NULL;
        char expected[64];
        Frame fr;

        assert_int_equal(recording_reader_new(&r, f, "rec.csv", false), 0);
        assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
        assert_int_equal(recording_reader_next(r, &fr, &msg), -EBADMSG);
        (void) snprintf(expected, sizeof(expected), "rec.csv:3: line longer than %d bytes",
                        RECORDING_MAX_LINE);
        assert_string_equal(msg, expected);
        assert_int_equal(recording_reader_line(r), 3);
        /* It stopped reading soon after the limit, not at the end of the line. */
        assert_true(ftell(f) >= 0 && (size_t) ftell(f) <= max_read);
}

static void test_long_line(void **state)
{
        const size_t mib = 1024 * 1024;
        _cleanup_(freep) char *text = NULL;
        _cleanup_(fclosep) FILE *mem = NULL, *file = NULL;
        size_t len;

        /* A stream that is not a file (a pipe, stdin, /dev/zero): a line at a
         * time, never more than the limit in memory. Zero bytes count too. */
        len = long_line_text(&text, mib, 0);
        mem = fmemopen(text, len, "r");
        assert_non_null(mem);
        check_long_line(mem, 64 + RECORDING_MAX_LINE + 1);

        /* A regular file is read in blocks: no more than one block. */
        assert_int_equal(fclose(TAKE_PTR(mem)), 0);
        free(text);
        len = long_line_text(&text, mib, '1');
        file = tmpfile();
        assert_non_null(file);
        assert_int_equal(fwrite(text, 1, len, file), len);
        rewind(file);
        check_long_line(file, 512 * 1024);

        /* A line of exactly the limit is fine, in both ways of reading. */
        for (unsigned i = 0; i < 2; i++) {
                _cleanup_(recording_reader_freep) RecordingReader *r = NULL;
                _cleanup_(fclosep) FILE *f = NULL;
                Frame fr;

                free(text);
                len = long_line_text(&text, RECORDING_MAX_LINE + 1, ' ');
                text[len - RECORDING_MAX_LINE - 1] = '#';
                text[len - 1] = '\n';
                if (i == 0)
                        f = fmemopen(text, len, "r");
                else {
                        f = tmpfile();
                        assert_non_null(f);
                        assert_int_equal(fwrite(text, 1, len, f), len);
                        rewind(f);
                }
                assert_non_null(f);
                assert_int_equal(recording_reader_new(&r, f, "rec.csv", false), 0);
                assert_int_equal(recording_reader_next(r, &fr, NULL), 1);
                assert_int_equal(recording_reader_next(r, &fr, NULL), 0);
                assert_int_equal(recording_reader_line(r), 3);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_file),    cmocka_unit_test(test_crlf_and_bom),
                cmocka_unit_test(test_header_only),  cmocka_unit_test(test_rate),
                cmocka_unit_test(test_meta_limit),   cmocka_unit_test(test_bad_input),
                cmocka_unit_test(test_open),         cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_write_locale), cmocka_unit_test(test_long_line),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
