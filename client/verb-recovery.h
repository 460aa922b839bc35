/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include <systemd/sd-bus.h>

/*
 * The org.postured.Recovery1 side of posturectl: the verbs injury,
 * recovered, pain, symptoms, ack and snooze (declared in posturectl.h), and
 * the recovery lines of `status`.
 */

/**
 * recovery_get_all() - read every property of org.postured.Recovery1.
 * @ret: the GetAll reply, an a{sv}; NULL when 0 is returned.
 *
 * The recovery state is health data: on the system bus only root and the
 * health group may read it. Callers without that right just do not get it.
 *
 * Return: 1 and *@ret; 0 when the caller may not read the properties
 * (AccessDenied) or the daemon has no Recovery1; -errno after saying on
 * stderr what failed.
 */
int recovery_get_all(sd_bus *bus, sd_bus_message **ret);

/**
 * recovery_print_status() - the recovery lines of `status` for people:
 * Phase, InjuryOnset (local time, or "none"), LastPain (level and local
 * time, or "none") and ActiveAlerts, the names right-aligned to @width.
 * @reply: as recovery_get_all() returned it, read from its start.
 *
 * Return: 0, or the sd-bus error of a malformed reply.
 */
int recovery_print_status(FILE *f, sd_bus_message *reply, int width);
