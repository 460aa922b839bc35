/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "util/macro.h"

#include <stdarg.h>

/** set_errorf() - hand back a message through @ret_error and return @error. */
_printf_(3, 4) int set_errorf(char **ret_error, int error, const char *fmt, ...);

/** set_errorv() - set_errorf() with a va_list. */
_printf_(3, 0) int set_errorv(char **ret_error, int error, const char *fmt, va_list ap);
