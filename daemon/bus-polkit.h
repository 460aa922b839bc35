/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>

typedef struct Manager Manager;

/* The polkit actions of the methods that steer the daemon (polkit/org.postured.policy). */
#define POLKIT_ACTION_CALIBRATE "org.postured.calibrate"
#define POLKIT_ACTION_SNOOZE    "org.postured.snooze"
#define POLKIT_ACTION_RECORD    "org.postured.record"

/* bus_caller_creds() - the caller's uid and membership of @gid as the bus reports them. */
int bus_caller_creds(sd_bus_message *msg, gid_t gid, uid_t *ret_uid, bool *ret_in_group);

/**
 * bus_polkit_run() - run the method's work @run (a handler called with @m as
 * userdata) when the caller of @msg may do @action: at once on a session bus
 * and for root, else when polkit's CheckAuthorization (asked asynchronously)
 * allows it. Return: what a method handler returns.
 */
int bus_polkit_run(Manager *m, sd_bus_message *msg, const char *action,
                   sd_bus_message_handler_t run, sd_bus_error *error);
