/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error-util.h"
#include "util/macro.h"
#include "util/parse-util.h"
#include "util/uri-util.h"

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* The character the escape at @s[@i] (a '%') stands for, or -1 when it is
 * not two hex digits or stands for a NUL. */
static int escape_at(const char *s, size_t n, size_t i)
{
        int hi, lo;

        if (i + 2 >= n)
                return -1;
        hi = unhex(s[i + 1]);
        lo = unhex(s[i + 2]);
        return hi < 0 || lo < 0 || (hi | lo) == 0 ? -1 : hi << 4 | lo;
}

/**
 * uri_unescape() - decode the %XX escapes of a part of a URI.
 * @s: the text, not necessarily NUL-terminated.
 * @n: its length.
 * @ret: the decoded text, malloc()ed, NUL-terminated; written on success only.
 *
 * Every other character stands for itself ('+' too: this is not a form).
 *
 * Return: 0, -EINVAL when a '%' is not followed by two hex digits or
 * stands for a NUL ("%00"), -ENOMEM.
 */
int uri_unescape(const char *s, size_t n, char **ret)
{
        char *out, *o;

        assert(s || n == 0);
        assert(ret);

        o = out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int c;

                if (s[i] != '%') {
                        *o++ = s[i];
                        continue;
                }
                c = escape_at(s, n, i);
                if (c < 0) {
                        free(out);
                        return -EINVAL;
                }
                *o++ = (char) c;
                i += 2;
        }
        *o = '\0';
        *ret = out;
        return 0;
}

/* Where the first bad escape of the @n bytes at @s is, for a message. */
static size_t bad_escape(const char *s, size_t n)
{
        size_t i = 0;

        while (i < n && (s[i] != '%' || escape_at(s, n, i) >= 0))
                i += s[i] == '%' ? 3 : 1;
        return MIN(i, n);
}

/* Decode @n bytes at @s, the @what of @scheme:@arg, into @ret. */
static int unescape_part(const char *s, size_t n, const char *scheme, const char *arg,
                         const char *what, char **ret, char **ret_error)
{
        size_t at;
        int r;

        r = uri_unescape(s, n, ret);
        if (r != -EINVAL)
                return r;
        at = bad_escape(s, n);
        return set_errorf(
                ret_error, -EINVAL,
                "%s:%s: bad escape '%.*s' in the %s (a '%%' takes two hex digits, not 00; "
                "write '%%' itself as %%25)",
                scheme, arg, (int) MIN(n - at, (size_t) 3), s + at, what);
}

static int add_param(Uri *u, const char *p, size_t len, const char *scheme, const char *arg,
                     char **ret_error)
{
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq ? (size_t) (eq - p) : len;
        UriParam *params, *new;
        int r;

        if (key_len == 0)
                return set_errorf(ret_error, -EINVAL, "%s:%s: a parameter without a name ('%.*s')",
                                  scheme, arg, (int) len, p);
        params = reallocarray(u->params, u->n_params + 1, sizeof(*params));
        if (!params)
                return -ENOMEM;
        u->params = params;
        new = &u->params[u->n_params];
        *new = (UriParam){};
        r = unescape_part(p, key_len, scheme, arg, "parameter name", &new->key, ret_error);
        if (r < 0)
                return r;
        u->n_params++; /* uri_done() frees it from now on */
        if (eq)
                return unescape_part(eq + 1, len - key_len - 1, scheme, arg, "parameter value",
                                     &new->value, ret_error);
        return 0;
}

/**
 * uri_parse() - split a source URI's argument into its path and its query
 * parameters, and decode their %XX escapes.
 * @ret: the result, zeroed first; release it with uri_done(), also on failure.
 * @scheme: the URI's scheme, for messages ("replay").
 * @arg: the text after "SCHEME:".
 * @flags: URI_PATH_RAW to keep the path as written.
 * @ret_error: on -EINVAL, a malloc()ed message naming the URI and what is
 *             wrong in it, which the caller frees (NULL when that
 *             allocation failed); may be NULL.
 *
 * The path ends at the first '?'; the query's parameters are separated by
 * '&' (empty ones, as in "a=1&&b=2", are skipped) and a parameter's name
 * ends at its first '='. A '?', '&', '=' or '%' that belongs to a path, a
 * name or a value is written %3F, %26, %3D or %25.
 *
 * Return: 0, -EINVAL for a bad escape or a parameter without a name, -ENOMEM.
 */
int uri_parse(Uri *ret, const char *scheme, const char *arg, UriFlags flags, char **ret_error)
{
        const char *q;
        int r;

        assert(ret);
        assert(scheme);
        assert(arg);

        *ret = (Uri){};
        if (ret_error)
                *ret_error = NULL;

        q = strchr(arg, '?');
        if (flags & URI_PATH_RAW) {
                ret->path = strndup(arg, q ? (size_t) (q - arg) : strlen(arg));
                r = ret->path ? 0 : -ENOMEM;
        } else
                r = unescape_part(arg, q ? (size_t) (q - arg) : strlen(arg), scheme, arg, "path",
                                  &ret->path, ret_error);
        if (r < 0 || !q)
                return r;

        for (const char *p = q + 1; *p != '\0';) {
                size_t len = strcspn(p, "&");

                if (len > 0) {
                        r = add_param(ret, p, len, scheme, arg, ret_error);
                        if (r < 0)
                                return r;
                }
                p += len + (p[len] == '&');
        }
        return 0;
}

/**
 * uri_done() - free what a parsed URI holds.
 * @u: parsed or zeroed, or NULL; zeroed again.
 */
void uri_done(Uri *u)
{
        if (!u)
                return;
        for (size_t i = 0; i < u->n_params; i++) {
                free(u->params[i].key);
                free(u->params[i].value);
        }
        free(u->params);
        free(u->path);
        *u = (Uri){};
}

/**
 * uri_param_double() - a parameter's value as a finite number.
 * @p: the parameter.
 * @ret: the number, written on success only.
 *
 * The value is a plain decimal number as parse_double() reads it, whatever
 * LC_NUMERIC says ("0.5" is one half in a German session too), and nothing
 * else (no blanks around it).
 *
 * Return: 0, -EINVAL when there is no value or it is not a finite number,
 * -ENOMEM.
 */
int uri_param_double(const UriParam *p, double *ret)
{
        int r;

        assert(p);
        assert(ret);

        if (!p->value)
                return -EINVAL;
        r = parse_double(p->value, strlen(p->value), ret);
        return r == -ERANGE ? -EINVAL : r;
}
