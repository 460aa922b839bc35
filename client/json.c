/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "json.h"

/**
 * json_string() - write @s as a quoted JSON string to @f.
 * @s: UTF-8 text; NULL is written as null. Quotes, backslashes and control
 *     characters are escaped; other bytes pass through unchanged.
 */
void json_string(FILE *f, const char *s)
{
        if (!s) {
                fputs("null", f);
                return;
        }

        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\b':
                        fputs("\\b", f);
                        break;
                case '\f':
                        fputs("\\f", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        /* DEL is legal in JSON but confuses terminals; escape it too. */
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\u%04x", (unsigned) *p);
                        else
                                fputc(*p, f);
                }
        }
        fputc('"', f);
}

/**
 * json_double() - write @v as a JSON number to @f, or null when it is NaN
 * or infinite (JSON has no spelling for those).
 * @decimals: digits after the point, or a negative value for the shortest
 *            form that keeps 15 significant digits.
 */
void json_double(FILE *f, double v, int decimals)
{
        if (!isfinite(v)) {
                fputs("null", f);
                return;
        }

        /* Avoid "-0.000": it is valid JSON but reads like a bug. */
        if (decimals >= 0 && fabs(v) < 0.5 * pow(10.0, -decimals))
                v = 0.0;

        if (decimals < 0)
                fprintf(f, "%.15g", v);
        else
                fprintf(f, "%.*f", decimals, v);
}

/**
 * json_key() - write ,"KEY": (or "KEY": for the first member of an object).
 * @first: true for the first member; cleared on return.
 */
void json_key(FILE *f, const char *key, bool *first)
{
        if (!*first)
                fputc(',', f);
        *first = false;
        json_string(f, key);
        fputc(':', f);
}
