/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "abi/frame.h"

/* The header line of a recording. */
#define RECORDING_HEADER "time_s,ax,ay,az"

/*
 * The recording format of DESIGN.md: CSV, UTF-8; '#' lines are comments
 * ("# key: value" metadata such as "# rate_hz: 100"); the first other line
 * is the header "time_s,ax,ay,az"; then one sample per line, time strictly
 * increasing, accelerations in m/s² in the sensor frame.
 */

typedef struct RecordingReader RecordingReader;

/**
 * recording_reader_new() - read a recording from @f (not closed on free
 * unless @own is true). @name is used in error messages ("NAME:LINE: ...").
 */
int recording_reader_new(RecordingReader **ret, FILE *f, const char *name, bool own);

/** recording_reader_open() - open @path for reading. Return: 0 or -errno. */
int recording_reader_open(RecordingReader **ret, const char *path);

RecordingReader *recording_reader_free(RecordingReader *r);

static inline void recording_reader_freep(RecordingReader **r)
{
        recording_reader_free(*r);
}

/**
 * recording_reader_next() - the next sample; t_ns is time_s in nanoseconds.
 *
 * Return: 1 with *out filled, 0 at the end of the file, -EBADMSG for bad
 * input (no header, a field that is not a finite number, a wrong number of
 * fields, time not strictly increasing, an empty file), -errno for a read
 * error. After an error recording_reader_error() says what and where.
 */
int recording_reader_next(RecordingReader *r, Frame *out);

/** recording_reader_error() - "NAME:LINE: what is wrong", or NULL. */
const char *recording_reader_error(const RecordingReader *r);

/** recording_reader_line() - the current line number (1-based). */
unsigned recording_reader_line(const RecordingReader *r);

/**
 * recording_reader_rate() - the "# rate_hz:" metadata if it was seen before
 * the first sample, else 0.
 */
double recording_reader_rate(const RecordingReader *r);

/**
 * recording_reader_meta() - the value of a "# key: value" comment seen so
 * far, or NULL.
 */
const char *recording_reader_meta(const RecordingReader *r, const char *key);

/**
 * recording_write_header() - write metadata comments and the header line.
 * Return: 0 or -errno.
 */
int recording_write_header(FILE *f, double rate_hz, const char *source);

/**
 * recording_parse_double() - parse a plain decimal number, independent of the
 * locale: optional sign, digits with an optional fraction (at least one
 * digit), an optional exponent (e/E, optional sign, digits). No spaces, no
 * "nan", "inf", hexadecimal or trailing characters.
 * @s: the text; need not be NUL-terminated.
 * @n: its length in bytes.
 * @ret: the value (within about one ulp of strtod()).
 *
 * Return: 0, -EINVAL when @s is not such a number, -ERANGE when it does not
 * fit a finite double.
 */
int recording_parse_double(const char *s, size_t n, double *ret);

/**
 * recording_write_frame() - one sample line, time relative to @t0_ns, in
 * microseconds, accelerations with 5 decimals; the decimal separator is '.'
 * whatever the locale.
 *
 * Return: 0, -EINVAL for a non-finite acceleration, -errno for a write error.
 */
int recording_write_frame(FILE *f, const Frame *fr, int64_t t0_ns);
