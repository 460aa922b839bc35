/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "core/ring.h"
#include "plugin.h"
#include "sensor.h"

/* What sensor.c (the life cycle) and sensor-read.c (the read path) share, and no one else. */

struct Sensor {
        sd_event *event;
        SensorCallbacks callbacks;
        void *userdata;
        char *uri;
        char *plugin_dir;
        double stall_timeout_s;
        SensorState state;

        /* The plugin, its source, and the ring its thread fills. */
        Plugin *plugin;
        PosturedSourceHost host; /* plugins may keep a pointer to it until close() */
        void *source;
        PosturedSourceInfo info;
        char *name;
        Ring *ring;
        Frame *batch;
        size_t batch_size;
        int wake_fd;
        sd_event_source *wake_source;
        /* Polled sources (sensor_start_polled()): the device's descriptor, the interval. */
        bool polled;
        sd_event_source *poll_io, *poll_timer;
        uint64_t poll_interval_us;
        atomic_bool stopping;
        atomic_bool finished;
        atomic_int error;
        bool finished_handled;
        uint64_t overruns_reported;

        /* Liveness: when frames last arrived (CLOCK_MONOTONIC µs), the stall
         * check, reopening with back-off, and udev hot-plug events. */
        uint64_t last_frame_us;
        bool stall_logged;
        sd_event_source *stall_timer;
        sd_event_source *retry_timer;
        uint64_t retry_delay_us;
        sd_device_monitor *device_monitor;

        /* Sample time to realtime: anchor_realtime_us + (t_ns - anchor_t_ns) / 1000. */
        bool anchored;
        int64_t anchor_t_ns;
        uint64_t anchor_realtime_us;
};

/* sensor.c */
void sensor_set_state(Sensor *s, SensorState state);
void sensor_arm_stall_check(Sensor *s);
void sensor_source_ended(Sensor *s);

/* sensor-read.c */
extern const PosturedSourceHost sensor_host_ops;
int sensor_start_polled(Sensor *s);
int sensor_watch_ring(Sensor *s);
