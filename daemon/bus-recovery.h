/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "bus.h"

/*
 * What bus.c shares with bus-recovery.c (the org.postured.Recovery1 half):
 * included by bus.c and bus-recovery.c only; the manager includes bus.h.
 */

typedef int (*AppendFn)(sd_bus_message *sig, const void *data);

/* Values are not broadcast in PropertiesChanged (health data): only their names. */
extern const sd_bus_vtable recovery_vtable[];

/* One Recovery1 signal (or PropertiesChanged of it), built by @append: to
 * every subscriber on the system bus, broadcast on a session bus. */
int emit_health_signal(Manager *m, const char *interface, const char *member, AppendFn append,
                       const void *data);
int append_changed_names(sd_bus_message *sig, const void *data);
int append_health_advice(sd_bus_message *sig, const void *data);
