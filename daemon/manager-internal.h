/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "manager.h"

/* What manager.c, manager-properties.c and manager-reload.c share, and no one else. */

/* manager.c */
Pipeline *manager_pipeline(const Manager *m);
void manager_notify_status(Manager *m);

/* manager-properties.c */
void manager_update_published(Manager *m);
void manager_flush_changes(Manager *m, bool force);
