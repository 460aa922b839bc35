/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "props.h"

/* Room for "HH:MM:SS" and the NUL. */
#define CLOCK_TEXT_MAX 9

/**
 * bus_connect() - open the bus chosen on the command line (system unless
 * --session). Return: 0, or -errno after saying on stderr what failed.
 */
int bus_connect(sd_bus **ret);

/** bus_kind() - "system" or "session", for messages. */
const char *bus_kind(void);

/** bus_error_text() - the D-Bus error's message, else strerror(-@r). */
const char *bus_error_text(const sd_bus_error *error, int r);

/**
 * bus_log_call_error() - "Failed to WHAT: message" on stderr, plus a hint
 * when postured is not on the bus at all.
 */
void bus_log_call_error(const char *what, const sd_bus_error *error, int r);

/**
 * format_clock() - local wall time of @usec (CLOCK_REALTIME µs) as
 * "HH:MM:SS" into @buf.
 */
void format_clock(char buf[static CLOCK_TEXT_MAX], uint64_t usec);

/** now_usec() - CLOCK_REALTIME in µs. */
uint64_t now_usec(void);

/**
 * print_posture_line() - the one-line human summary of @props used by
 * monitor: "posture upright  flexion +2.1°  lateral -0.4°  still", plus
 * the sensor state or calibration when they are not as expected. No
 * newline.
 */
void print_posture_line(FILE *f, const PropSet *props);
