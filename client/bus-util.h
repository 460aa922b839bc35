/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "libsystemd-dl.h"

/* Open the bus chosen on the command line. */
int bus_connect(sd_bus **ret);

/* After a failure to talk to postured: 69 (EX_UNAVAILABLE) for a missing libsystemd, else 1. */
int bus_exit_status(void);

/* "system" or "session", for messages. */
const char *bus_kind(void);

/* The D-Bus error's message, else strerror(-@r). */
const char *bus_error_text(const sd_bus_error *error, int r);

/* "Failed to WHAT: message" on stderr, and a hint when postured is not on the bus. */
void bus_log_call_error(const char *what, const sd_bus_error *error, int r);

/* Connect and call a method of postured, saying what failed. */
int bus_connect_and_call(sd_bus **ret_bus, const char *interface, const char *member,
                         const char *what, sd_bus_message **ret_reply, const char *types, ...);
