/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/*
 * Times and durations as people type and read them on the command line of
 * posturectl. Pure: no I/O; the local time zone is the only state used.
 */

/* Room for "YYYY-MM-DD HH:MM:SS" and the NUL, with some to spare. */
#define TIMESTAMP_TEXT_MAX 32

/**
 * parse_onset() - parse the WHEN of `posturectl injury --onset WHEN`.
 * @s: "now"; a local date and time "YYYY-MM-DD HH:MM[:SS]" (or with a 'T'
 *     between date and time); or a time before @now, "-N" followed by one of
 *     s, m, h, d (seconds, minutes, hours, days), as in "-90m".
 * @now: CLOCK_REALTIME in µs, the reference for relative times.
 * @ret: CLOCK_REALTIME µs of the onset; 0 for "now" (which ReportInjury()
 *       takes as the daemon's now).
 *
 * Whether the time is plausible (not in the future, not too long ago) is the
 * daemon's to say.
 *
 * Return: 0; -EINVAL for text in none of the forms; -EDOM for a date or
 * time that does not exist (February 30, 24:00, a local time skipped by a
 * DST change); -ERANGE for a time before 1970 or a number too large.
 */
int parse_onset(const char *s, uint64_t now, uint64_t *ret);

/**
 * parse_duration_sec() - parse a duration "N" or "N" followed by s, m or h.
 * @ret: the duration in seconds.
 *
 * Return: 0; -EINVAL for anything else; -ERANGE beyond UINT32_MAX seconds.
 */
int parse_duration_sec(const char *s, uint32_t *ret);

/**
 * format_timestamp() - local time of @usec (CLOCK_REALTIME µs) as
 * "YYYY-MM-DD HH:MM:SS" into @buf.
 */
void format_timestamp(char buf[static TIMESTAMP_TEXT_MAX], uint64_t usec);
