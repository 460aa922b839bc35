/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/*
 * The little JSON that posturectl writes: strings with escaping and numbers
 * that stay valid JSON when they are not finite. Output only; posturectl
 * never parses JSON.
 */

/**
 * json_string() - write @s as a quoted JSON string to @f.
 * @s: UTF-8 text; NULL is written as null. Quotes, backslashes and control
 *     characters are escaped; other bytes pass through unchanged.
 */
void json_string(FILE *f, const char *s);

/**
 * json_double() - write @v as a JSON number to @f, or null when it is NaN
 * or infinite (JSON has no spelling for those).
 * @decimals: digits after the point, or a negative value for the shortest
 *            form that keeps 15 significant digits.
 */
void json_double(FILE *f, double v, int decimals);

/**
 * json_key() - write ,"KEY": (or "KEY": for the first member of an object).
 * @first: true for the first member; cleared on return.
 */
void json_key(FILE *f, const char *key, bool *first);
