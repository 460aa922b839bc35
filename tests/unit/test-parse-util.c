/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "util/parse-util.h"

static locale_t c_locale;

static int parse(const char *s, double *v)
{
        return parse_double(s, strlen(s), v);
}

static bool same_bits(double a, double b)
{
        return memcmp(&a, &b, sizeof(a)) == 0;
}

/* The reference: strtod_l() in the C locale, on the whole text. */
static double reference(const char *s)
{
        char *end;
        double v;

        v = strtod_l(s, &end, c_locale);
        assert_ptr_equal(end, s + strlen(s));
        return v;
}

/*
 * @s (a valid number) gives bit for bit what strtod_l() gives, or -ERANGE
 * where that overflows; parse_plain() and parse_plain_bytes() give the same
 * or leave the number to parse_double(). Return: whether parse_plain() took it.
 */
static bool check(const char *s)
{
        size_t n = strlen(s);
        char padded[1024];
        double ref = reference(s), v = 0, w = 0;
        const char *end;
        int r;

        r = parse(s, &v);
        if (isinf(ref)) {
                if (r != -ERANGE)
                        fail_msg("'%s': %d, expected -ERANGE", s, r);
                return false;
        }
        if (r != 0 || !same_bits(v, ref))
                fail_msg("'%s': %d %a, strtod_l %a", s, r, v, ref);

        end = parse_plain_bytes(s, s + n, ',', &w);
        if (end && (end != s + n || !same_bits(w, ref)))
                fail_msg("'%s': parse_plain_bytes() %a, strtod_l %a", s, w, ref);

        /* As the recording reader calls it: the number ended by a ',', with
         * bytes after it that may be read but do not count. */
        assert_true(n + 1 + 8 <= sizeof(padded));
        memset(padded, '7', sizeof(padded));
        memcpy(padded, s, n);
        padded[n] = ',';
        end = parse_plain(padded, padded + n + 1, padded + sizeof(padded), ',', &w);
        if (end && (end != padded + n || !same_bits(w, ref)))
                fail_msg("'%s': parse_plain() %a, strtod_l %a", s, w, ref);
        /* The same number at the very end of what may be read. */
        end = parse_plain(s, s + n, s + n, ',', &w);
        if (end && (end != s + n || !same_bits(w, ref)))
                fail_msg("'%s' at the end: parse_plain() %a, strtod_l %a", s, w, ref);
        return end != NULL;
}

static void test_syntax(void **state)
{
        static const char *const invalid[] = {
                "",    "+",    "-",        ".",    "e5",    "1e",  "1e+",  "1e-",   "nan",
                "inf", "0x10", " 1",       "1 ",   "1.2.3", "1,5", "--1",  "+-1",   "1e5.5",
                "1f",  "١",    "infinity", "1..2", "-.",    ".e1", "1e 2", "0x1p3",
        };
        double v = 42;

        for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
                if (parse(invalid[i], &v) != -EINVAL)
                        fail_msg("'%s' accepted", invalid[i]);
                assert_true(v == 42);
        }
        /* Only @n bytes count: what follows is not looked at. */
        assert_int_equal(parse_double("12345", 3, &v), 0);
        assert_true(v == 123);
        assert_int_equal(parse_double("1e5", 2, &v), -EINVAL);
        assert_int_equal(parse_double(NULL, 0, &v), -EINVAL);

        assert_int_equal(parse("1e309", &v), -ERANGE);
        assert_int_equal(parse("-2e308", &v), -ERANGE);
        assert_int_equal(parse("1e99999999999999999999", &v), -ERANGE);
        assert_int_equal(parse("-0", &v), 0);
        assert_true(v == 0 && signbit(v));
        assert_int_equal(parse("-0e999999", &v), 0);
        assert_true(v == 0 && signbit(v));
        assert_int_equal(parse("1e-400", &v), 0);
        assert_true(v == 0 && !signbit(v));
}

static void test_edges(void **state)
{
        static const char *const cases[] = {
                /* plain, signs, leading and trailing zeros */
                "0",
                "1.",
                ".5",
                "+3",
                "-0.25",
                "000123",
                "0.000",
                "-000.000100",
                "9.80665",
                "+9.80665",
                "00000000000000000000000000000000000001.5",
                "0.00000000000000000000000000000000000000000000000000001",
                "100000000000000000000",
                "1000000000000000000000000000000",
                "123456789012345678901234567890",
                /* Clinger's fast path at its limits */
                "9007199254740992",
                "9007199254740993",
                "9007199254740994",
                "9007199254740995",
                "9007199254740992e22",
                "9007199254740993e22",
                "9007199254740992e-22",
                "9007199254740993e-22",
                "1e22",
                "1e23",
                "1e-22",
                "1e-23",
                "1e37",
                "1e38",
                "9007199254740991e15",
                "900719925474099e16",
                "90071992547409e17",
                "4503599627370497.5",
                "8.98846567431158e307",
                /* halfway cases: ties to even, and one digit far away breaking the tie */
                "1.00000000000000011102230246251565404236316680908203125",
                "1.00000000000000011102230246251565404236316680908203124",
                "1.00000000000000011102230246251565404236316680908203126",
                "1.000000000000000111022302462515654042363166809082031250000000000000001",
                "9007199254740993.0000000000000000000000000000001",
                "0.1",
                "0.2",
                "0.3",
                "0.30000000000000004",
                "0.30000000000000004440892098500626",
                "2.2250738585072011e-308",
                "2.2250738585072012e-308",
                /* exponent limits and subnormals */
                "1e308",
                "1.7976931348623157e308",
                "1.7976931348623158e308",
                "1.7976931348623158079e308",
                "1.797693134862315708e308",
                "1.7976931348623159e308",
                "179769313486231570814527423731704356798070567525844996"
                "598917476803157260780028538760589558632766878171540458"
                "953514382464234321326889464182768467546703537516986049"
                "910576551282076245490090389328944075868508455133942304"
                "583236903222948165808559332123348274797826204144723168"
                "738177180919299881250404026184124858368",
                "2.2250738585072014e-308",
                "2.2250738585072009e-308",
                "4.9e-324",
                "4.9406564584124654e-324",
                "2.4703282292062327e-324",
                "2.4703282292062328e-324",
                "2.4703282292062327208828439643411068618252990130716238"
                "2213",
                "1e-320",
                "-1e-320",
                "1e-324",
                "1e-400",
                "0e999999999",
                "1e-999999999",
                "5e-324",
                "7.4109846876186982e-324",
                "1E+308",
                "1e+0",
                "1e-0",
                "1E00000000001",
                /* long mantissas */
                "3.14159265358979323846264338327950288419716939937510582097494459230781640628",
                "0."
                "000000000000000000000000000000000000000000000000000000000000000000000000000000001"
                "2345678901234567890123456789",
                "12345678901234567890.12345678901234567890e-10",
        };
        double v;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char neg[512];

                (void) check(cases[i]);
                if (cases[i][0] == '-' || cases[i][0] == '+')
                        continue;
                /* The same with a sign. */
                (void) snprintf(neg, sizeof(neg), "-%s", cases[i]);
                (void) check(neg);
                if (parse(neg, &v) == 0)
                        assert_true(signbit(v));
        }
}

static uint64_t xorshift(uint64_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

/* The ways programs print numbers. */
static void print_double(char *s, size_t size, unsigned style, double v)
{
        static const struct {
                char conversion;
                int precision;
        } styles[] = {
                { 'g', 17 }, { 'g', 15 }, { 'g', 9 },  { 'f', 6 },
                { 'f', 5 },  { 'e', 3 },  { 'E', 12 }, { 'g', 20 },
        };
        int p = styles[style % ELEMENTSOF(styles)].precision;

        /* Literal formats, for -Wformat=2. */
        switch (styles[style % ELEMENTSOF(styles)].conversion) {
        case 'f':
                (void) snprintf(s, size, "%.*f", p, v);
                break;
        case 'e':
                (void) snprintf(s, size, "%.*e", p, v);
                break;
        case 'E':
                (void) snprintf(s, size, "%.*E", p, v);
                break;
        default:
                (void) snprintf(s, size, "%.*g", p, v);
        }
}

/* Random digit strings: up to @max_digits digits, a dot anywhere or none,
 * leading zeros at times, an exponent within ±@max_exp at times. */
static void random_number(char *s, size_t size, uint64_t *seed, unsigned max_digits, int max_exp)
{
        unsigned n = 1 + (unsigned) (xorshift(seed) % max_digits);
        unsigned dot = (unsigned) (xorshift(seed) % (n + 2));
        unsigned zeros = xorshift(seed) % 4 == 0 ? (unsigned) (xorshift(seed) % 30) : 0;
        size_t k = 0;

        assert_true(size > 2 + zeros + n + 16);
        if (xorshift(seed) % 2)
                s[k++] = xorshift(seed) % 4 ? '-' : '+';
        for (unsigned j = 0; j < zeros; j++)
                s[k++] = '0';
        for (unsigned j = 0; j < n; j++) {
                if (j == dot)
                        s[k++] = '.';
                s[k++] = (char) ('0' + xorshift(seed) % 10);
        }
        if (xorshift(seed) % 3)
                (void) snprintf(s + k, size - k, "%c%d", xorshift(seed) % 2 ? 'e' : 'E',
                                (int) (xorshift(seed) % (2 * (unsigned) max_exp + 1)) - max_exp);
        else
                s[k] = '\0';
}

/* Bit for bit strtod_l() on printed doubles of every magnitude, on random
 * digit strings, long and short, near the limits and in the middle; and the
 * fast path takes the numbers recordings hold. */
static void test_vs_strtod(void **state)
{
        uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
        unsigned plain = 0, printed = 0;
        char s[256];

        for (unsigned i = 0; i < 200000; i++) {
                uint64_t bits = xorshift(&seed);
                double v;

                memcpy(&v, &bits, sizeof(v));
                if (!isfinite(v))
                        continue;
                /* Half of them rescaled to the sizes a recording holds. */
                if (i % 2)
                        v = ldexp(frexp(v, &(int){ 0 }), (int) (xorshift(&seed) % 60) - 30);
                print_double(s, sizeof(s), i % 8, v);
                (void) check(s);
        }
        for (unsigned i = 0; i < 100000; i++) {
                random_number(s, sizeof(s), &seed, 20, 40);
                (void) check(s);
        }
        for (unsigned i = 0; i < 50000; i++) {
                random_number(s, sizeof(s), &seed, 120, 340);
                (void) check(s);
        }
        /* Around the limits of the exponent: overflow, subnormals, underflow. */
        for (unsigned i = 0; i < 50000; i++) {
                int e = i % 2 ? 290 + (int) (xorshift(&seed) % 30)
                              : -(300 + (int) (xorshift(&seed) % 50));

                random_number(s, sizeof(s) - 16, &seed, 30, 0);
                (void) snprintf(s + strcspn(s, "eE"), 16, "e%d", e);
                (void) check(s);
        }

        /* What recordings hold ("%.6f" times, "%.5f" accelerations) takes
         * the fast path wherever it is exact. */
        for (unsigned i = 0; i < 20000; i++) {
                double v = ldexp((double) (xorshift(&seed) % 1000000), -10) - 400;

                print_double(s, sizeof(s), 3 + i % 2, v);
                plain += check(s);
                printed++;
        }
        if (PARSE_FAST_EXACT)
                assert_int_equal(plain, printed);
}

/* A locale with a decimal comma changes nothing: not the result, not the
 * syntax. */
static void test_locale(void **state)
{
        _cleanup_(freep) char *old = NULL;
        double v;
        char *end;

        old = strdup(setlocale(LC_ALL, NULL));
        assert_non_null(old);
        if (!setlocale(LC_ALL, "de_DE.UTF-8"))
                skip(); /* tools/install-deps makes it */
        /* The locale is in force: strtod() stops at the '.'. */
        assert_true(strtod("1.5", &end) == 1.0);
        assert_int_equal(*end, '.');

        assert_int_equal(parse("1.5", &v), 0);
        assert_true(v == 1.5);
        assert_int_equal(parse("1,5", &v), -EINVAL);
        (void) check("9.80665");
        (void) check("3.14159265358979323846264338327950288419716939937510582097494459");
        (void) check("-2.4703282292062328e-324");
        (void) check("123456789012345678901234567890.5e-3");
        assert_int_equal(parse("1e309", &v), -ERANGE);

        assert_non_null(setlocale(LC_ALL, old));
}

static int setup(void **state)
{
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
        return c_locale ? 0 : -1;
}

static int teardown(void **state)
{
        freelocale(c_locale);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_syntax),
                cmocka_unit_test(test_edges),
                cmocka_unit_test(test_vs_strtod),
                cmocka_unit_test(test_locale),
        };

        return cmocka_run_group_tests_name("parse-util", tests, setup, teardown);
}
