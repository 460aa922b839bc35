/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The argument of a source URI, the text after "SCHEME:":
 * "PATH[?KEY=VALUE[&KEY=VALUE]...]", where PATH, KEY and VALUE may hold
 * any character written as %XX (two hex digits): "%3F" for '?', "%26" for
 * '&', "%25" for '%'. Pure: no I/O, no logging.
 */

#include <stdbool.h>
#include <stddef.h>

/**
 * struct UriParam - one KEY=VALUE of the query, decoded.
 * @key: the text before the first '=', not empty.
 * @value: the text after it (may be empty), or NULL when there is no '='.
 */
typedef struct UriParam {
        char *key;
        char *value;
} UriParam;

/**
 * struct Uri - a source URI's argument, decoded.
 * @path: what comes before the first '?'.
 * @params: the query's parameters in their order; repeated keys are kept.
 * @n_params: how many.
 */
typedef struct Uri {
        char *path;
        UriParam *params;
        size_t n_params;
} Uri;

typedef enum UriFlags {
        /* Keep the path as written: for a target with a syntax of its own
         * (libiio's "ip:[fe80::1%eth0]"), where '%' is no escape. */
        URI_PATH_RAW = 1 << 0,
} UriFlags;

/** uri_parse() - split and decode a source URI's argument. */
int uri_parse(Uri *ret, const char *scheme, const char *arg, UriFlags flags, char **ret_error);

/** uri_done() - free what @u holds and zero it. */
void uri_done(Uri *u);

/** uri_unescape() - decode the %XX escapes of @n bytes at @s. */
int uri_unescape(const char *s, size_t n, char **ret);

/** uri_param_double() - a parameter's value as a number, whatever the locale. */
int uri_param_double(const UriParam *p, double *ret);
