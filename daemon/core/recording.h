/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The recording format of DESIGN.md: CSV, UTF-8; '#' lines are comments
 * ("# key: value" metadata such as "# rate_hz: 100"); the first other line
 * is the header "time_s,ax,ay,az"; then one sample per line, time strictly
 * increasing, accelerations in m/s² in the sensor frame.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "abi/frame.h"

/* The longest line a recording may have, in bytes without its '\n': a longer
 * one (or a stream without newlines, such as /dev/zero) is bad input. */
#define RECORDING_MAX_LINE 4096

/* The header line of a recording. */
#define RECORDING_HEADER "time_s,ax,ay,az"

typedef struct RecordingReader RecordingReader;

/** recording_reader_new() - a reader of the recording in @f. */
int recording_reader_new(RecordingReader **ret, FILE *f, const char *name, bool own);

/** recording_reader_open() - a reader of the recording at @path. */
int recording_reader_open(RecordingReader **ret, const char *path);

/** recording_reader_map() - read the regular file of @r from memory (mmap()) rather than with
 * read(). */
int recording_reader_map(RecordingReader *r, const void **ret_addr, size_t *ret_size);

/** recording_reader_shrunk() - whether the file recording_reader_map() mapped is now shorter
 * than it was then. */
bool recording_reader_shrunk(RecordingReader *r);

/** recording_reader_free() - close and free @r; NULL is fine. */
RecordingReader *recording_reader_free(RecordingReader *r);

static inline void recording_reader_freep(RecordingReader **r)
{
        recording_reader_free(*r);
}

/** recording_reader_next() - the next sample, or a message saying what is wrong where. */
int recording_reader_next(RecordingReader *r, Frame *out, char **ret_error);

/** recording_reader_read() - up to @max next samples, as many recording_reader_next(). */
int recording_reader_read(RecordingReader *r, Frame *out, size_t max, size_t *ret_n,
                          char **ret_error);

/** recording_reader_line() - the current line number (1-based). */
unsigned recording_reader_line(const RecordingReader *r);

/** recording_reader_rate() - the "# rate_hz:" metadata, or 0. */
double recording_reader_rate(const RecordingReader *r);

/** recording_reader_rate_line() - the line of the "# rate_hz:" metadata, or 0. */
unsigned recording_reader_rate_line(const RecordingReader *r);

/** recording_reader_meta() - the value of a "# key: value" comment, or NULL. */
const char *recording_reader_meta(const RecordingReader *r, const char *key);

/** recording_write_header() - write metadata comments and the header line. */
int recording_write_header(FILE *f, double rate_hz, const char *source);

/** recording_write_frame() - write one sample line. */
int recording_write_frame(FILE *f, const Frame *fr, int64_t t0_ns);
