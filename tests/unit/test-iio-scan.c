/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iio/iio-scan.h"
#include "util/macro.h"

static const unsigned storages[] = { 8, 16, 24, 32, 40, 48, 56, 64 };

/* Deterministic filler for the bits around a field, so masking is tested. */
static uint64_t next_random(uint64_t *state)
{
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        return *state;
}

/* Reference encoder: @field (already within its bits) at @shift in a word of
 * @storage bits whose other bits are @noise, written byte by byte. */
static void encode(const IioScanType *t, uint8_t *out, unsigned rep, uint64_t field, uint64_t noise)
{
        unsigned n = t->storage / 8;
        uint64_t fmask = t->bits == 64 ? UINT64_MAX : (UINT64_C(1) << t->bits) - 1;
        uint64_t word = (noise & ~(fmask << t->shift)) | (field << t->shift);

        for (unsigned k = 0; k < n; k++) {
                uint8_t b = (uint8_t) (word >> (8 * k));

                out[rep * n + (t->big_endian ? n - 1 - k : k)] = b;
        }
}

/* The values worth testing for a field of @bits: both limits, their
 * neighbours, zero, one, all ones, a middle value. */
static size_t interesting(const IioScanType *t, uint64_t *v)
{
        uint64_t mask = t->bits == 64 ? UINT64_MAX : (UINT64_C(1) << t->bits) - 1;
        size_t n = 0;

        v[n++] = 0;
        v[n++] = 1 & mask;
        v[n++] = mask;
        v[n++] = (mask - 1) & mask;
        v[n++] = mask >> 1;                /* signed max */
        v[n++] = (mask >> 1) + 1;          /* signed min */
        v[n++] = ((mask >> 1) + 2) & mask; /* signed min + 1 */
        v[n++] = ((mask >> 1) - 1) & mask; /* signed max - 1 */
        v[n++] = UINT64_C(0x5a5a5a5a5a5a5a5a) & mask;
        return n;
}

static void check_value(const IioScanType *t, uint64_t field, const IioScanValue *got)
{
        uint64_t mask = t->bits == 64 ? UINT64_MAX : (UINT64_C(1) << t->bits) - 1;
        int64_t expect_i;
        bool sat;

        assert_true(got->u == field);
        if (t->is_signed) {
                bool negative = (field >> (t->bits - 1)) & 1;

                /* Computed in a different way from the decoder: by subtraction. */
                if (negative && t->bits < 64)
                        expect_i = -(int64_t) ((mask - field) + 1);
                else
                        expect_i = (int64_t) field;
                sat = field == (mask >> 1) || field == (mask >> 1) + 1;
                assert_true(got->i == expect_i);
                assert_true(iio_scan_value_to_double(t, got) == (double) expect_i);
        } else {
                sat = field == 0 || field == mask;
                assert_true(got->i == (int64_t) field);
                assert_true(iio_scan_value_to_double(t, got) == (double) field);
        }
        assert_int_equal(got->saturated, sat);
}

/* One type: its string round-trips and every interesting value decodes,
 * in each repetition, whatever the other bits and repetitions hold. */
static void check_type(const IioScanType *t, uint64_t *rnd)
{
        char s[IIO_SCAN_TYPE_STRLEN], expect[40], rep[8] = "";
        IioScanType back;
        uint64_t v[16];
        uint8_t buf[8 * 3];
        size_t nv = interesting(t, v);

        if (t->repeat > 1)
                (void) snprintf(rep, sizeof(rep), "X%u", t->repeat);
        (void) snprintf(expect, sizeof(expect), "%s:%c%u/%u%s>>%u", t->big_endian ? "be" : "le",
                        t->is_signed ? 's' : 'u', t->bits, t->storage, rep, t->shift);
        assert_int_equal(iio_scan_type_format(t, s, sizeof(s)), 0);
        assert_string_equal(s, expect);
        assert_int_equal(iio_scan_type_parse(&back, s), 0);
        assert_memory_equal(&back, t, sizeof(*t));
        assert_int_equal(iio_scan_type_size(t), t->storage / 8 * t->repeat);

        for (size_t k = 0; k < nv; k++) {
                unsigned which = (unsigned) (k % t->repeat);
                IioScanValue got;

                memset(buf, 0xa5, sizeof(buf));
                for (unsigned r = 0; r < t->repeat; r++)
                        encode(t, buf, r, r == which ? v[k] : ~v[k] & v[2], next_random(rnd));
                iio_scan_type_decode(t, buf, which, &got);
                check_value(t, v[k], &got);
        }
}

/* Every endianness × sign × storage × bits × shift × repeat. */
static void test_decode_exhaustive(void **state)
{
        uint64_t rnd = UINT64_C(0x9e3779b97f4a7c15);
        size_t combos = 0;

        for (unsigned c = 0; c < 2 * 2 * 3; c++)
                for (size_t si = 0; si < ELEMENTSOF(storages); si++)
                        for (unsigned bits = 1; bits <= storages[si]; bits++)
                                for (unsigned shift = 0; bits + shift <= storages[si]; shift++) {
                                        IioScanType t = {
                                                .big_endian = c & 1,
                                                .is_signed = (c >> 1) & 1,
                                                .bits = (uint8_t) bits,
                                                .storage = (uint8_t) storages[si],
                                                .shift = (uint8_t) shift,
                                                .repeat = (uint8_t) (1 + c / 4),
                                        };

                                        check_type(&t, &rnd);
                                        combos++;
                                }
        /* 2 × 2 × 3 repeats × Σ over the storages S of S·(S + 1)/2 (bits × shift). */
        assert_int_equal(combos, 2 * 2 * 3 * 6672);
}

/* Byte patterns worked out by hand. */
static void test_decode_known(void **state)
{
        static const struct {
                const char *type;
                uint8_t bytes[16];
                unsigned rep;
                int64_t value;
                bool saturated;
        } cases[] = {
                { "le:s16/16>>0", { 0x9c, 0xff }, 0, -100, false },
                { "be:s16/16>>0", { 0xff, 0x9c }, 0, -100, false },
                { "le:s12/16>>4", { 0x30, 0x81 }, 0, -2029, false },
                { "le:s12/16>>4", { 0xff, 0x7f }, 0, 2047, true },
                { "le:s12/16>>4", { 0x0f, 0x80 }, 0, -2048, true },
                { "le:s12/16>>4", { 0xe0, 0x7f }, 0, 2046, false },
                { "be:s12/16>>0", { 0xf8, 0x01 }, 0, -2047, false },
                { "le:u12/16>>0", { 0xff, 0xff }, 0, 4095, true },
                { "le:u12/16>>0", { 0x00, 0xf0 }, 0, 0, true },
                { "be:u24/32X2>>0",
                  { 0xff, 0x12, 0x34, 0x56, 0x00, 0xab, 0xcd, 0xef },
                  0,
                  0x123456,
                  false },
                { "be:u24/32X2>>0",
                  { 0xff, 0x12, 0x34, 0x56, 0x00, 0xab, 0xcd, 0xef },
                  1,
                  0xabcdef,
                  false },
                { "be:u24/32>>8", { 0x80, 0x00, 0x01, 0x77 }, 0, 0x800001, false },
                { "le:s24/32>>8", { 0x00, 0xff, 0xff, 0xff }, 0, -1, false },
                { "le:s24/24>>0", { 0x00, 0x00, 0x80 }, 0, -8388608, true },
                { "le:u8/8>>0", { 0x80 }, 0, 128, false },
                { "le:s8/8>>0", { 0x80 }, 0, -128, true },
                { "le:s64/64>>0",
                  { 0x00, 0x10, 0xa5, 0xd4, 0xe8, 0x00, 0x00, 0x00 },
                  0,
                  INT64_C(1000000000000),
                  false },
                { "be:s64/64>>0",
                  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe },
                  0,
                  -2,
                  false },
                { "le:s14/16>>2", { 0xfc, 0xff }, 0, -1, false },
                { "le:s16/16X3>>0", { 1, 0, 2, 0, 0xfd, 0xff }, 2, -3, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                IioScanType t;
                IioScanValue v;

                assert_int_equal(iio_scan_type_parse(&t, cases[i].type), 0);
                iio_scan_type_decode(&t, cases[i].bytes, cases[i].rep, &v);
                if (v.i != cases[i].value || v.saturated != cases[i].saturated)
                        fail_msg("%s case %zu: got %" PRId64 " saturated %d", cases[i].type, i, v.i,
                                 v.saturated);
        }
}

static void test_parse_malformed(void **state)
{
        /* clang-format off */
        static const char *const bad[] = {
                "", "le", "le:", "xe:s16/16>>0", "LE:s16/16>>0", "le:S16/16>>0", "le:x16/16>>0",
                "le:s0/16>>0", "le:s17/16>>0", "le:s16/12>>0", "le:s16/0>>0", "le:s8/72>>0",
                "le:s65/64>>0", "le:s12/16>>5", "le:s16/16>>", "le:s16/16>>x", "le:s16/16>0",
                "le:s16/16", "le:s16/16>>0 ", "le:s16/16>>0\n", " le:s16/16>>0", "le:s16/16X0>>0",
                "le:s16/16X256>>0", "le:s16/16X>>0", "le:s16/16x2>>0", "le:s16/16X2",
                "le: s16/16>>0", "le:s+16/16>>0", "le:s-16/16>>0", "le:s016/16>>0",
                "le:s16/16>>00", "le:s16//16>>0", "le:s16/16>>64", "le:s16/16>>-1",
                "le:s99999999999/16>>0", "le:s16/16>>0>>0", "le:s16/16X2X2>>0", "le:s/16>>0",
                "le:s16/>>0", "lee:s16/16>>0", "le-s16/16>>0", "le:s0x10/16>>0"
        };
        /* clang-format on */
        IioScanType t = { .bits = 42 };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = iio_scan_type_parse(&t, bad[i]);

                if (r != -EINVAL)
                        fail_msg("'%s' parsed (%d)", bad[i], r);
                assert_int_equal(t.bits, 42); /* untouched on failure */
        }
        assert_int_equal(iio_scan_type_parse(&t, NULL), -EINVAL);
}

static void test_format(void **state)
{
        IioScanType t = { .bits = 12, .storage = 12, .repeat = 1 };
        IioScanType ok = { .is_signed = true, .bits = 64, .storage = 64, .repeat = 255 };
        char buf[IIO_SCAN_TYPE_STRLEN];

        assert_int_equal(iio_scan_type_format(&t, buf, sizeof(buf)), -EINVAL);
        t = (IioScanType){ .bits = 8, .storage = 8, .repeat = 0 };
        assert_int_equal(iio_scan_type_format(&t, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(iio_scan_type_format(&ok, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "le:s64/64X255>>0");
        ok.big_endian = true;
        ok.is_signed = false;
        ok.bits = 1;
        ok.shift = 63;
        assert_int_equal(iio_scan_type_format(&ok, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "be:u1/64X255>>63");
        assert_int_equal(iio_scan_type_format(&ok, buf, 5), -ENOBUFS);

        /* "X1" is accepted, and formatted without the X. */
        assert_int_equal(iio_scan_type_parse(&t, "be:u8/8X1>>0"), 0);
        assert_int_equal(t.repeat, 1);
        assert_int_equal(iio_scan_type_format(&t, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "be:u8/8>>0");
}

/* "INDEX[t]=TYPE@OFFSET ...": the elements ('t' marks the timestamp) and
 * where each must land. Return: how many. */
static size_t parse_spec(const char *spec, IioScanElement *e, size_t *offsets)
{
        char buf[256], *save = NULL;
        size_t n = 0;

        assert_true(strlen(spec) < sizeof(buf));
        strcpy(buf, spec);
        for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), n++) {
                char *eq = strchr(tok, '='), *at = strrchr(tok, '@');

                assert_non_null(eq);
                assert_non_null(at);
                *eq = *at = '\0';
                e[n] = (IioScanElement){
                        .index = atoi(tok),
                        .timestamp = strchr(tok, 't') != NULL,
                        .offset = 999,
                };
                assert_int_equal(iio_scan_type_parse(&e[n].type, eq + 1), 0);
                offsets[n] = (size_t) atoi(at + 1);
        }
        return n;
}

static void test_layout(void **state)
{
        static const struct {
                const char *what, *spec;
                size_t scan_bytes;
        } cases[] = {
                { "three s16 and a timestamp",
                  "0=le:s16/16>>0@0 1=le:s16/16>>0@2 2=le:s16/16>>0@4 3t=le:s64/64>>0@8", 16 },
                { "three s16, no timestamp", "0=le:s16/16>>0@0 1=le:s16/16>>0@2 2=le:s16/16>>0@4",
                  6 },
                { "three 12-bit in 16 and a timestamp",
                  "0=le:s12/16>>4@0 1=le:s12/16>>4@2 2=le:s12/16>>4@4 3t=le:s64/64>>0@8", 16 },
                { "three u24 in 32 and a timestamp",
                  "0=be:u24/32>>8@0 1=be:u24/32>>8@4 2=be:u24/32>>8@8 3t=le:s64/64>>0@16", 24 },
                { "mixed sizes",
                  "0=le:u8/8>>0@0 1=le:s16/16>>0@2 2=le:s32/32>>0@4 5t=le:s64/64>>0@8", 16 },
                { "bytes only", "0=le:u8/8>>0@0 1=le:u8/8>>0@1 2=le:s8/8>>0@2", 3 },
                { "tail padded to the largest element", "0=le:s32/32>>0@0 1=le:s16/16>>0@4", 8 },
                { "repeat counts in the size", "0=le:s16/16X2>>0@0 1=le:u8/8>>0@4", 8 },
                { "repeat of three", "0=le:u8/8>>0@0 1=le:s16/16X3>>0@6", 12 },
                { "indexes need not be contiguous nor in order",
                  "7=le:s16/16>>0@4 2=le:s16/16>>0@0 4=le:s16/16>>0@2", 6 },
                { "the timestamp is last whatever its index",
                  "0t=le:s64/64>>0@8 1=le:s16/16>>0@0 2=le:s16/16>>0@2", 16 },
                { "24-bit storage", "0=le:s24/24>>0@0 1=le:s24/24>>0@3", 6 },
                { "timestamp alone", "3t=le:s64/64>>0@0", 8 },
        };

        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                IioScanElement e[8];
                size_t offsets[8], bytes = 0, n = parse_spec(cases[c].spec, e, offsets);

                assert_int_equal(iio_scan_layout(e, n, &bytes), 0);
                for (size_t i = 0; i < n; i++)
                        if (e[i].offset != offsets[i])
                                fail_msg("%s: element %zu at %zu, expected %zu", cases[c].what, i,
                                         e[i].offset, offsets[i]);
                if (bytes != cases[c].scan_bytes)
                        fail_msg("%s: scan of %zu bytes, expected %zu", cases[c].what, bytes,
                                 cases[c].scan_bytes);
        }
}

static void test_layout_invalid(void **state)
{
        IioScanElement e[3] = { 0 };
        size_t bytes = 77;

        for (int i = 0; i < 3; i++) {
                e[i].index = i;
                assert_int_equal(iio_scan_type_parse(&e[i].type, "le:s16/16>>0"), 0);
        }
        assert_int_equal(iio_scan_layout(e, 0, &bytes), -EINVAL);
        assert_int_equal(iio_scan_layout(NULL, 3, &bytes), -EINVAL);

        e[2].index = 0;
        assert_int_equal(iio_scan_layout(e, 3, &bytes), -EINVAL);
        e[2].index = 2;

        e[1].timestamp = e[2].timestamp = true;
        assert_int_equal(iio_scan_layout(e, 3, &bytes), -EINVAL);
        e[1].timestamp = e[2].timestamp = false;

        e[1].type.repeat = 0;
        assert_int_equal(iio_scan_layout(e, 3, &bytes), -EINVAL);
        e[1].type.repeat = 1;
        assert_int_equal(bytes, 77);

        assert_int_equal(iio_scan_layout(e, 3, &bytes), 0);
        assert_int_equal(bytes, 6);
}

/* A whole scan, encoded by the reference encoder at the offsets the layout gave. */
static void test_element_decode(void **state)
{
        IioScanElement e[4] = { 0 };
        uint8_t scan[24];
        size_t bytes;
        IioScanValue v;
        const int64_t values[3] = { -2048 + 1, 1000, 2047 };

        for (int i = 0; i < 3; i++) {
                e[i].index = i;
                assert_int_equal(iio_scan_type_parse(&e[i].type, "le:s12/16>>4"), 0);
        }
        e[3].index = 3;
        e[3].timestamp = true;
        assert_int_equal(iio_scan_type_parse(&e[3].type, "le:s64/64>>0"), 0);
        assert_int_equal(iio_scan_layout(e, 4, &bytes), 0);
        assert_int_equal(bytes, 16);

        memset(scan, 0xee, sizeof(scan));
        for (int i = 0; i < 3; i++)
                encode(&e[i].type, scan + e[i].offset, 0, (uint64_t) values[i] & 0xfff, 0xf);
        encode(&e[3].type, scan + e[3].offset, 0, UINT64_C(1234567890123), 0);

        for (int i = 0; i < 3; i++) {
                assert_int_equal(iio_scan_element_decode(&e[i], scan, bytes, 0, &v), 0);
                assert_true(v.i == values[i]);
                assert_int_equal(v.saturated, i == 2);
        }
        assert_int_equal(iio_scan_element_decode(&e[3], scan, bytes, 0, &v), 0);
        assert_true(v.i == INT64_C(1234567890123));

        /* Out of the scan, or a repetition the element does not have. */
        assert_int_equal(iio_scan_element_decode(&e[3], scan, 15, 0, &v), -ERANGE);
        e[3].offset = 20;
        assert_int_equal(iio_scan_element_decode(&e[3], scan, 16, 0, &v), -ERANGE);
        assert_int_equal(iio_scan_element_decode(&e[0], scan, bytes, 1, &v), -EINVAL);
}

/* ---- URI ---- */

static void test_uri(void **state)
{
        static const struct {
                const char *arg, *context, *device, *trigger;
                double rate;
                bool local;
        } cases[] = {
                { "", "local:", NULL, NULL, 0, true },
                { "local:", "local:", NULL, NULL, 0, true },
                { "local", "local:", NULL, NULL, 0, true },
                { "local:fake-accel", "local:", "fake-accel", NULL, 0, true },
                { "local:iio:device3", "local:", "iio:device3", NULL, 0, true },
                { "fake-accel", "local:", "fake-accel", NULL, 0, true },
                { "iio:device0", "local:", "iio:device0", NULL, 0, true },
                { "accel_3d?trigger=accel_3d-dev0&rate=100", "local:", "accel_3d", "accel_3d-dev0",
                  100, true },
                { "local:NAME?trigger=T&rate=12.5", "local:", "NAME", "T", 12.5, true },
                { "?rate=50", "local:", NULL, NULL, 50, true },
                { "ip:192.0.2.10", "ip:192.0.2.10", NULL, NULL, 0, false },
                { "ip:192.0.2.10:", "ip:192.0.2.10", NULL, NULL, 0, false },
                { "ip:192.0.2.10:fake-accel", "ip:192.0.2.10", "fake-accel", NULL, 0, false },
                { "ip:192.0.2.10:iio:device0", "ip:192.0.2.10", "iio:device0", NULL, 0, false },
                { "ip:127.0.0.1:30431", "ip:127.0.0.1:30431", NULL, NULL, 0, false },
                { "ip:127.0.0.1:30431:fake-accel?rate=20", "ip:127.0.0.1:30431", "fake-accel", NULL,
                  20, false },
                { "ip:127.0.0.1:30431:123", "ip:127.0.0.1:30431", "123", NULL, 0, false },
                { "ip:sensor.local:accel", "ip:sensor.local", "accel", NULL, 0, false },
                { "ip:[::1]", "ip:[::1]", NULL, NULL, 0, false },
                { "ip:[::1]:30431:accel", "ip:[::1]:30431", "accel", NULL, 0, false },
                { "ip:[fe80::1%eth0]:accel", "ip:[fe80::1%eth0]", "accel", NULL, 0, false },
                { "ip:", "ip:", NULL, NULL, 0, false },
                { "usb:3.32.5:accel", "usb:3.32.5", "accel", NULL, 0, false },
                { "usb:", "usb:", NULL, NULL, 0, false },
                { "serial:/dev/ttyUSB0,115200,8n1:accel", "serial:/dev/ttyUSB0,115200,8n1", "accel",
                  NULL, 0, false },
                { "xml:/tmp/ctx.xml", "xml:/tmp/ctx.xml", NULL, NULL, 0, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(freep) char *error = NULL;
                IioUri u;
                int r = iio_uri_parse(&u, cases[i].arg, &error);

                if (r != 0)
                        fail_msg("'%s': %d %s", cases[i].arg, r, error);
                assert_null(error);
                assert_string_equal(u.context, cases[i].context);
                if (cases[i].device)
                        assert_string_equal(u.device, cases[i].device);
                else
                        assert_null(u.device);
                if (cases[i].trigger)
                        assert_string_equal(u.trigger, cases[i].trigger);
                else
                        assert_null(u.trigger);
                assert_true(u.rate_hz == cases[i].rate);
                assert_int_equal(u.local, cases[i].local);
                iio_uri_done(&u);
                assert_null(u.context);
        }
}

static void test_uri_invalid(void **state)
{
        static const struct {
                const char *arg, *message;
        } cases[] = {
                { "local:x?rate=0", "rate=0" },
                { "local:x?rate=-5", "rate=-5" },
                { "local:x?rate=abc", "rate=abc" },
                { "local:x?rate=1,5", "rate=1,5" },
                { "local:x?rate=200000", "rate=200000" },
                { "local:x?rate=", "option 'rate' has no value" },
                { "local:x?trigger", "option 'trigger' has no value" },
                { "local:x?speed=2", "unknown option 'speed'" },
                { "ip:[::1", "']' missing" },
                { "ip:[::1]x", "':' expected" },
                { "ip:127.0.0.1:70000:accel", "port 70000" },
                { "ip:127.0.0.1:0", "port 0" },
                { "ip::30431", "port 30431" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(freep) char *error = NULL;
                IioUri u;
                int r = iio_uri_parse(&u, cases[i].arg, &error);

                if (r != -EINVAL || !error || !strstr(error, cases[i].message))
                        fail_msg("'%s': %d '%s', expected a message with '%s'", cases[i].arg, r,
                                 error, cases[i].message);
                iio_uri_done(&u);
        }
        iio_uri_done(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decode_exhaustive),
                cmocka_unit_test(test_decode_known),
                cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_layout),
                cmocka_unit_test(test_layout_invalid),
                cmocka_unit_test(test_element_decode),
                cmocka_unit_test(test_uri),
                cmocka_unit_test(test_uri_invalid),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
