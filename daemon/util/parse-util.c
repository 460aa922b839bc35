/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "util/parse-util.h"

/* Numbers this long are copied on the stack for strtod_l(); longer ones
 * (hardly ever seen) on the heap. */
#define PARSE_STACK_CHARS 64

/* The C locale, made once and kept for the life of the process (the threads
 * of plugins parse too, hence the atomic pointer). */
static _Atomic(locale_t) c_locale;

static int get_c_locale(locale_t *ret)
{
        locale_t l = atomic_load_explicit(&c_locale, memory_order_acquire), none = (locale_t) 0;

        if (!l) {
                l = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
                if (!l)
                        return errno > 0 ? -errno : -ENOMEM;
                /* Another thread may have been quicker: keep its locale. */
                if (!atomic_compare_exchange_strong_explicit(
                            &c_locale, &none, l, memory_order_acq_rel, memory_order_acquire)) {
                        freelocale(l);
                        l = none;
                }
        }
        *ret = l;
        return 0;
}

/* The correctly rounded value of the number that parse_double() has checked:
 * strtod_l() in the C locale, which reads the whole text. */
static int parse_double_strtod(const char *s, size_t n, double *ret)
{
        _cleanup_(freep) char *heap = NULL;
        char stack[PARSE_STACK_CHARS], *text = stack, *end;
        locale_t loc = (locale_t) 0;
        double v;
        int r;

        r = get_c_locale(&loc);
        if (r < 0)
                return r;
        if (n >= sizeof(stack)) {
                heap = malloc(n + 1);
                if (!heap)
                        return -ENOMEM;
                text = heap;
        }
        memcpy(text, s, n);
        text[n] = '\0';

        v = strtod_l(text, &end, loc);
        assert(end == text + n);
        /* Overflow is an error; underflow gives the subnormal or zero. */
        if (isinf(v))
                return -ERANGE;
        *ret = v;
        return 0;
}

/**
 * parse_double() - parse a plain decimal number, independent of the locale.
 * @s: the text: an optional sign, digits with an optional fraction (at least
 *     one digit), an optional exponent (e/E, optional sign, digits). No
 *     spaces, no "nan", "inf", hexadecimal or trailing characters. It need
 *     not be NUL-terminated.
 * @n: its length in bytes.
 * @ret: the value: bit for bit what strtod_l() gives in the C locale, on any
 *       architecture; untouched on errors.
 *
 * A number whose exact value parse_decimal_exact() knows is computed here;
 * any other goes to strtod_l() with a C locale made once.
 *
 * Return: 0, -EINVAL when @s is not such a number, -ERANGE when it does not
 * fit a finite double (a number too small gives ±0 or a subnormal, as
 * strtod_l()), -ENOMEM.
 */
int parse_double(const char *s, size_t n, double *ret)
{
        const char *p = s, *end = s + n;
        uint64_t m = 0;  /* significant digits... */
        int64_t e10 = 0; /* ...times 10^e10 */
        int sig = 0;     /* digits in m (at most 19 fit a uint64_t) */
        bool neg = false, digits = false, dot = false;

        assert(s || n == 0);
        assert(ret);

        if (p < end && (*p == '+' || *p == '-'))
                neg = *p++ == '-';

        for (; p < end; p++) {
                if (*p == '.' && !dot) {
                        dot = true;
                        continue;
                }
                if (*p < '0' || *p > '9')
                        break;
                digits = true;
                if (sig < 19 && (m > 0 || *p != '0')) {
                        m = m * 10 + (unsigned) (*p - '0');
                        sig++;
                        e10 -= dot;
                } else
                        /* A leading zero of the fraction, or a digit beyond what we keep
                         * (then m >= 10^18 > 2^53: never the fast path). */
                        e10 += m == 0 ? -dot : !dot;
        }
        if (!digits)
                return -EINVAL;

        if (p < end && (*p == 'e' || *p == 'E')) {
                const char *first;
                int64_t x = 0;
                bool eneg = false;

                if (++p < end && (*p == '+' || *p == '-'))
                        eneg = *p++ == '-';
                for (first = p; p < end && *p >= '0' && *p <= '9'; p++)
                        if (x < 1000000) /* far beyond any double; keeps e10 from overflowing */
                                x = x * 10 + (*p - '0');
                if (p == first)
                        return -EINVAL;
                e10 += eneg ? -x : x;
        }
        if (p != end)
                return -EINVAL;

        if (parse_decimal_exact(m, e10, neg, ret))
                return 0;
        return parse_double_strtod(s, n, ret);
}
