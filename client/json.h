/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/*
 * The little JSON that posturectl writes: strings with escaping and numbers
 * that stay valid JSON when they are not finite. Output only; posturectl
 * never parses JSON.
 */

/** json_string() - write @s as a quoted JSON string to @f. */
void json_string(FILE *f, const char *s);

/** json_double() - write @v as a JSON number to @f, or null when it is NaN or infinite. */
void json_double(FILE *f, double v, int decimals);

/** json_key() - write ,"KEY": (or "KEY": for the first member of an object). */
void json_key(FILE *f, const char *key, bool *first);
