/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/advice.h"
#include "core/detect/detect.h"

#include <systemd/sd-bus.h>

/* The daemon's sd-bus side: the org.postured.Posture1 object of a Manager. */

typedef struct Manager Manager;

/** bus_setup() - connect, export the object, take the well-known name. */
int bus_setup(Manager *m);
int bus_emit_properties(Manager *m, unsigned changed);
int bus_emit_strain_event(Manager *m, const StrainEvent *e);
int bus_emit_advice(Manager *m, const AdviceItem *item);
int bus_emit_alert(Manager *m, const AdviceItem *item);

/**
 * check_health_access() - 0 when the caller of @msg may use Recovery1 (root
 * or the health group by the bus's credentials, or any caller on a session
 * bus); else a negative errno with @error set (AccessDenied). Every member
 * that reads or changes health data calls it first.
 */
int check_health_access(Manager *m, sd_bus_message *msg, sd_bus_error *error);
