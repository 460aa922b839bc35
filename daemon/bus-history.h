/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/*
 * The history's members of org.postured.Recovery1 (bus-history.c), for the
 * interface's one vtable in bus.c: sd-bus cannot emit PropertiesChanged for
 * an interface split over two vtables.
 */

int bus_history_get_summary(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_history_get_history(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_history_get_events(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_history_forget(sd_bus_message *msg, void *userdata, sd_bus_error *error);

/* The vtable entries, root and the health group checked by each handler. */
#define BUS_HISTORY_METHODS                                                                        \
        SD_BUS_METHOD_WITH_NAMES(                                                                  \
                "GetSummary", "tt", SD_BUS_PARAM(since_usec) SD_BUS_PARAM(until_usec), "a{sv}",    \
                SD_BUS_PARAM(summary), bus_history_get_summary, SD_BUS_VTABLE_UNPRIVILEGED),       \
                SD_BUS_METHOD_WITH_NAMES("GetHistory", "ttt",                                      \
                                         SD_BUS_PARAM(since_usec) SD_BUS_PARAM(until_usec)         \
                                                 SD_BUS_PARAM(bucket_usec),                        \
                                         "a(ta{sv})", SD_BUS_PARAM(buckets),                       \
                                         bus_history_get_history, SD_BUS_VTABLE_UNPRIVILEGED),     \
                SD_BUS_METHOD_WITH_NAMES("GetEvents", "tt",                                        \
                                         SD_BUS_PARAM(since_usec) SD_BUS_PARAM(until_usec),        \
                                         "a(sstdd)", SD_BUS_PARAM(events), bus_history_get_events, \
                                         SD_BUS_VTABLE_UNPRIVILEGED),                              \
                SD_BUS_METHOD_WITH_NAMES("Forget", "t", SD_BUS_PARAM(before_usec), "",             \
                                         SD_BUS_PARAM(), bus_history_forget,                       \
                                         SD_BUS_VTABLE_UNPRIVILEGED)
