/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one locale-independent number parser: plain decimal numbers (sign,
 * digits, fraction, exponent) to exactly the double that strtod_l() gives in
 * the C locale. parse_double() reads any such number; the inline
 * parse_plain() below is its fast path for hot loops (the recording reader),
 * which reads the common numbers 8 digits at a time and leaves the others to
 * parse_double().
 */

#include <assert.h>
#include <float.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** parse_double() - the double of a plain decimal number, whatever the locale. */
int parse_double(const char *s, size_t n, double *ret);

/* One IEEE operation on exact operands is correctly rounded, as strtod_l()
 * rounds; only where the compiler evaluates a double operation in double
 * (not in x87 extended precision, rounded twice) is the result the same. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define PARSE_FAST_EXACT 1
#else
#define PARSE_FAST_EXACT 0
#endif

/* Integers up to 2^53 are exact in a double. */
#define PARSE_EXACT_INT (UINT64_C(1) << 53)

/*
 * The value of ±m · 10^e10 when it is provably the correctly rounded one
 * (Clinger's fast path): m <= 2^53 and 10^|e10| exact in a double
 * (|e10| <= 22), so one multiplication or division rounds once; or e10 > 22
 * with m · 10^(e10 - 22) still an exact integer <= 2^53. A zero m is ±0 in
 * any case. Return: true with *ret set, false for the general way.
 */
static inline bool parse_decimal_exact(uint64_t m, int64_t e10, bool neg, double *ret)
{
        static const double pow10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
        double v;

        if (m == 0)
                v = 0;
        else if (!PARSE_FAST_EXACT || m > PARSE_EXACT_INT || e10 < -22)
                return false;
        else if (e10 <= 22)
                v = e10 < 0 ? (double) m / pow10[-e10] : (double) m * pow10[e10];
        else if (e10 - 22 < 16 && m <= PARSE_EXACT_INT / (uint64_t) pow10[e10 - 22])
                /* 10^(e10 - 22) < 2^53 is an exact integer; so is the product. */
                v = (double) (m * (uint64_t) pow10[e10 - 22]) * pow10[22];
        else
                return false;

        *ret = neg ? -v : v;
        return true;
}

/*
 * The common case of parse_double() in one pass: [+-]digits[.digits] with at
 * least one and at most PARSE_PLAIN_DIGITS digits, ended by @stop or at @end,
 * whose value parse_decimal_exact() knows. Return: the end of the number (the
 * @stop or @end), or NULL for anything else, which parse_double() then reads.
 */
#define PARSE_PLAIN_DIGITS 19
static inline const char *parse_plain_bytes(const char *p, const char *end, char stop, double *ret)
{
        const char *first, *dot = NULL;
        uint64_t m = 0;
        int digits;
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
        }
        digits = (int) (p - first) - (dot != NULL);
        if (digits < 1 || digits > PARSE_PLAIN_DIGITS || (p < end && *p != stop))
                return NULL;
        if (!parse_decimal_exact(m, dot ? -(int64_t) (p - dot - 1) : 0, neg, ret))
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

/* The end of parse_plain(): @p must be at @stop or @end; m (< 10^14) digits
 * with nf (< 8) after the dot are m / 10^nf, in Clinger's fast path. */
static inline const char *parse_plain_value(const char *p, const char *end, char stop, uint64_t m,
                                            unsigned nf, bool neg, double *ret)
{
        assert(nf < 8);
        if (p < end && *p != stop)
                return NULL;
        if (!parse_decimal_exact(m, -(int64_t) nf, neg, ret))
                return NULL;
        return p;
}

/*
 * parse_plain() - the number at @p, ended by @stop or at @end, when it is
 * plain ([+-]digits[.digits]) and its value is known exactly without
 * strtod_l(), as parse_double() would give it. The digits are read 8 at a
 * time where 8 bytes can be read at @p and after the dot (@limit: the end of
 * what may be read, at or beyond @end; the bytes beyond @end do not count)
 * and there are fewer than 8 digits on either side of the dot; else as
 * parse_plain_bytes(). Return: the end of the number (the @stop or @end), or
 * NULL for anything else, which parse_double() then reads.
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
                        return parse_plain_value(p, end, stop, m, nf, neg, ret);
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
        return parse_plain_value(p, end, stop, m, nf, neg, ret);
#else
        return parse_plain_bytes(p, end, stop, ret);
#endif
}
