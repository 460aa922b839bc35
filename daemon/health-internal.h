/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include <systemd/sd-event.h>

#include "core/recovery-state.h"
#include "health.h"

/* What health.c and health-state.c (the state file) share, and no one else. */

struct Health {
        sd_event *event;
        HealthCallbacks cb;
        void *userdata;

        Catalogue *catalogue;
        Coach *coach; /* borrows the catalogue */
        sd_event_source *phase_timer;
        char *state_path;     /* NULL: the state lives in memory only */
        RecoveryState future; /* read, dated after the clock: not applied, saved again */
};

/* health.c */
uint64_t health_now(const Health *h);

/* health-state.c */
int health_state_path(const Config *config, char **ret);
int health_write_state(Health *h, const RecoveryState *state);
void health_capture(const Health *h, RecoveryState *ret);
void health_load(Health *h);
