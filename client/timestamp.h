/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/*
 * Times and durations as people type and read them on the command line of
 * posturectl. Pure but for the wall clock of now_usec(): no I/O; the local
 * time zone is the only state used.
 */

/* Room for "YYYY-MM-DD HH:MM:SS" and the NUL, with some to spare. */
#define TIMESTAMP_TEXT_MAX 32
/* Room for "HH:MM:SS" and the NUL. */
#define CLOCK_TEXT_MAX 9

/* Parse the WHEN of `posturectl injury --onset WHEN`. */
int parse_onset(const char *s, uint64_t now, uint64_t *ret);

/* Parse a duration "N", or "N" followed by s, m or h, into seconds. */
int parse_duration_sec(const char *s, uint32_t *ret);

/* Local time of @usec as "YYYY-MM-DD HH:MM:SS". */
void format_timestamp(char buf[static TIMESTAMP_TEXT_MAX], uint64_t usec);

/* Local wall time of @usec as "HH:MM:SS". */
void format_clock(char buf[static CLOCK_TEXT_MAX], uint64_t usec);

/* CLOCK_REALTIME in µs. */
uint64_t now_usec(void);

/* Parse a point in time for history, summary, export, forget, report. */
int parse_when(const char *s, uint64_t now, uint64_t *ret);

/* The local midnight of @usec's day, @days_back days before. */
uint64_t local_midnight(uint64_t usec, unsigned days_back);
