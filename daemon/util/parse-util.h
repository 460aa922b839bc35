/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The recording reader's number parsing, inline for its hot loop: plain
 * decimal numbers (sign, digits, fraction, exponent) to double without
 * strtod() or the locale, 8 digits at a time where the CPU allows, with the
 * same result as recording_parse_double(). Only recording.c includes it.
 */

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
/* Digits that always fit the significand of recording_parse_double(). */
#define FAST_DIGITS 19

/* Powers of ten, exact in an x87 long double (5^27 < 2^64), up to 1e22 in a double. */
static const long double exact[] = { 1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                     1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                     1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                     1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L };
/* The same up to 1e22, exact in a double: no x87 load and conversion on the fast path. */
static const double exact_d[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

/* The value of ±m · 10^e10, m having @sig digits (no leading zero). */
static inline int decimal_value(uint64_t m, int64_t e10, int sig, bool neg, double *ret)
{
        double v;

        /* m is in [10^(sig-1), 10^sig). */
        if (m == 0 || sig + e10 < -330)
                v = 0; /* as strtod(), underflow gives a zero */
        else if (sig + e10 > 310)
                return -ERANGE;
        else if (m <= UINT64_C(1) << 53 && e10 >= -22 && e10 <= 22)
                /* Both operands exact, so one correctly rounded operation (Clinger's fast path). */
                v = e10 < 0 ? (double) m / exact_d[-e10] : (double) m * exact_d[e10];
        else {
                long double x = (long double) m;

                /* A few extended-precision roundings, then one to double: within an ulp. */
                for (; e10 > 27; e10 -= 27)
                        x *= exact[27];
                for (; e10 < -27; e10 += 27)
                        x /= exact[27];
                x = e10 < 0 ? x / exact[-e10] : x * exact[e10];
                v = (double) x;
        }
        if (!isfinite(v))
                return -ERANGE;

        *ret = neg ? -v : v;
        return 0;
}

/*
 * The common case of recording_parse_double() in one pass: [+-]digits[.digits]
 * with at least one and at most FAST_DIGITS digits, ended by @stop or at
 * @end. With so few digits every digit is kept (a leading zero adds nothing
 * to m) and e10 is minus the number of fraction digits, exactly as the
 * general parser finds them, and the value comes from the same
 * decimal_value(). Return: the end of the number (the @stop or @end), or
 * NULL for anything else, which the general parser then looks at.
 */
static inline const char *parse_plain_bytes(const char *p, const char *end, char stop, double *ret)
{
        const char *first, *dot = NULL;
        uint64_t m = 0;
        int digits, sig = 0;
        bool neg;

        neg = p < end && *p == '-';
        if (p < end && (*p == '-' || *p == '+'))
                p++;
        for (first = p; p < end; p++) {
                unsigned d = (unsigned char) *p - '0';

                if (d > 9) {
                        if (*p != '.' || dot)
                                break;
                        dot = p;
                        continue;
                }
                m = m * 10 + d;
                sig += m != 0;
        }
        digits = (int) (p - first) - (dot != NULL);
        if (digits < 1 || digits > FAST_DIGITS || (p < end && *p != stop))
                return NULL;
        if (decimal_value(m, dot ? -(int64_t) (p - dot - 1) : 0, sig, neg, ret) < 0)
                return NULL;
        return p;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_ZEROS UINT64_C(0x3030303030303030) /* "00000000" */

/* How many of the 8 characters in @c (the first in the lowest byte) are
 * digits before the first that is not; @t gets the 8 characters minus '0'
 * each (meaningful up to there). */
static inline unsigned swar_digits_of(uint64_t c, uint64_t *t)
{
        uint64_t nd;

        /* A borrow or carry only crosses into the characters after the
         * first non-digit, which do not count. */
        *t = c - SWAR_ZEROS;
        nd = (*t | (*t + UINT64_C(0x7676767676767676))) & UINT64_C(0x8080808080808080);
        return nd ? (unsigned) __builtin_ctzll(nd) / 8 : 8;
}

/* swar_digits_of() the 8 characters at @p. */
static inline unsigned swar_digits(const char *p, uint64_t *t)
{
        uint64_t c;

        memcpy(&c, p, sizeof(c));
        return swar_digits_of(c, t);
}

/* The value of the first @n (1..7) digits in @t, as swar_digits() left them. */
static inline uint64_t swar_value(uint64_t t, unsigned n)
{
        /* "00000ddd" in the order of the text: leading zeros do not count. */
        t <<= 8 * (8 - n);
        t = t * 10 + (t >> 8);
        t = ((t & UINT64_C(0x000000ff000000ff)) * (100 + (UINT64_C(1000000) << 32)) +
             ((t >> 16) & UINT64_C(0x000000ff000000ff)) * (1 + (UINT64_C(10000) << 32))) >>
            32;
        return t & 0xffffffff;
}
#endif

/* The end of parse_plain(): @p must be at @stop or @end; the value of m
 * digits with nf after the dot is decimal_value(m, -nf, ...), which for
 * m < 10^14 < 2^53 and e10 in [-7, 0] is Clinger's fast path (m · 1e0 when
 * nf is 0; a zero m gives +0 either way). */
static inline const char *plain_value(const char *p, const char *end, char stop, uint64_t m,
                                      unsigned nf, bool neg, double *ret)
{
        double v;

        assert(nf < 8);
        if (p < end && *p != stop)
                return NULL;
        v = (double) m / exact_d[nf]; /* m / 1 is m, as m · 1 */
        *ret = neg ? -v : v;
        return p;
}

/*
 * parse_plain_bytes() with the digits read 8 at a time, where 8 bytes can be
 * read at @p and after the dot (@limit: the end of what may be read, at or
 * beyond @end; the bytes beyond @end do not count), and there are fewer than
 * 8 digits on either side of the dot. The same m and e10 (the digits without
 * the dot, minus the count after it), so the same decimal_value(); any other
 * case goes to parse_plain_bytes().
 */
static inline const char *parse_plain(const char *p, const char *end, const char *limit, char stop,
                                      double *ret)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000 };
        const char *start = p;
        unsigned ni, nf = 0;
        uint64_t c, t, m;
        bool neg;

        if (p >= end)
                return NULL;
        neg = *p == '-';
        p += *p == '-' || *p == '+';
        if (limit - p < 8)
                return parse_plain_bytes(start, end, stop, ret);
        memcpy(&c, p, sizeof(c));
        ni = swar_digits_of(c, &t);
        if (ni < 8 && (unsigned char) (c >> (8 * ni)) == '.') {
                /* Digits, a dot and digits in these 8 characters (as
                 * "9.80665,")? Made a digit ('.' + 2 is '0'), the dot no
                 * longer ends them; then the dot's byte is taken out. */
                uint64_t t2, low = (UINT64_C(1) << (8 * ni)) - 1;
                unsigned e = swar_digits_of(c + (UINT64_C(2) << (8 * ni)), &t2);

                if (e >= 2 && e < 8 && p + e <= end) {
                        nf = e - ni - 1;
                        m = swar_value((t2 & low) | ((t2 >> 8) & ~low), e - 1);
                        p += e;
                        return plain_value(p, end, stop, m, nf, neg, ret);
                }
        }
        if (ni == 8 || p + ni > end)
                return parse_plain_bytes(start, end, stop, ret);
        m = ni > 0 ? swar_value(t, ni) : 0;
        p += ni;
        if (p < end && *p == '.') {
                p++;
                if (limit - p < 8 || (nf = swar_digits(p, &t)) == 8 || p + nf > end)
                        return parse_plain_bytes(start, end, stop, ret);
                if (nf > 0)
                        m = m * pow10[nf] + swar_value(t, nf);
                p += nf;
        }
        if (ni + nf == 0)
                return NULL;
        return plain_value(p, end, stop, m, nf, neg, ret);
#else
        return parse_plain_bytes(p, end, stop, ret);
#endif
}
