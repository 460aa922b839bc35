/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The project's one way to hand an error message back: a function that can
 * fail with something to say takes `char **ret_error` and, on failure,
 * stores a malloc'ed message there that names what is wrong and where; the
 * caller frees it. Only the plugin ABI's open() differs: it fills the
 * daemon's buffer (plugin_set_error()), so that no allocation crosses the
 * shared object's boundary.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "util/error-util.h"

/**
 * set_errorf() - format a message into *@ret_error.
 * @ret_error: where the message goes; NULL when the caller wants none.
 * @error: the -errno to return.
 * @fmt: printf() format of the message.
 *
 * Return: @error, or -ENOMEM (and *@ret_error NULL) when the message cannot
 * be allocated.
 */
int set_errorf(char **ret_error, int error, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = set_errorv(ret_error, error, fmt, ap);
        va_end(ap);
        return r;
}

/**
 * set_errorv() - set_errorf() for a function that takes its own format.
 * @ret_error: where the message goes; NULL when the caller wants none.
 * @error: the -errno to return.
 * @fmt: printf() format of the message.
 * @ap: its arguments.
 *
 * Return: @error, or -ENOMEM (and *@ret_error NULL).
 */
int set_errorv(char **ret_error, int error, const char *fmt, va_list ap)
{
        if (!ret_error)
                return error;
        if (vasprintf(ret_error, fmt, ap) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return error;
}
