/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "core/config.h"
#include "core/ring.h"
#include "health.h"
#include "plugin.h"

typedef enum SensorState {
        SENSOR_ACTIVE,
        SENSOR_ABSENT,
        SENSOR_STALLED,
        SENSOR_ERROR,
        _SENSOR_STATE_MAX,
} SensorState;

const char *sensor_state_to_string(SensorState s);

/* Which properties changed since the last PropertiesChanged. */
enum {
        CHANGED_POSTURE = 1u << 0,
        CHANGED_ANGLES = 1u << 1,
        CHANGED_ACTIVITY = 1u << 2,
        CHANGED_STRAIN = 1u << 3,
        CHANGED_CALIBRATED = 1u << 4,
        CHANGED_SENSOR = 1u << 5,
        CHANGED_PHASE = 1u << 6,  /* Recovery1: Phase, InjuryOnset */
        CHANGED_PAIN = 1u << 7,   /* Recovery1: LastPain */
        CHANGED_ALERTS = 1u << 8, /* Recovery1: ActiveAlerts */
};

/**
 * struct Manager - owns everything: the loop, the bus, the source, the ring
 * and the Health (whose Coach holds the core pipeline).
 */
typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        bool system_bus;
        bool exit_on_eof;
        Config config;

        /* Source: plugin, its handle, and the ring it fills. */
        Plugin *plugin;
        PosturedSourceHost host;
        void *source;
        PosturedSourceInfo info;
        char *sensor_name;
        Ring *ring;
        int wake_fd;
        sd_event_source *wake_source;
        atomic_bool source_stopping;
        atomic_bool source_finished;
        atomic_int source_error;
        bool source_finished_handled;
        uint64_t overruns_reported;

        /* Liveness: when frames last arrived (CLOCK_MONOTONIC µs), the stall
         * check, reopening with back-off, and udev hot-plug events. */
        uint64_t last_frame_us;
        bool stall_logged;
        sd_event_source *stall_timer;
        sd_event_source *retry_timer;
        uint64_t retry_delay_us;
        sd_device_monitor *device_monitor;

        /* Sample time to realtime: realtime_us = anchor_realtime_us + (t_ns - anchor_t_ns) / 1000.
         */
        bool anchored;
        int64_t anchor_t_ns;
        uint64_t anchor_realtime_us;

        const FilterKernel *kernel; /* chosen once: the CPU's best, or POSTURED_FILTER= */
        Frame *batch;
        size_t batch_size;

        /* Published state, as last sent on the bus. */
        SensorState sensor_state;
        PostureClass posture;
        Activity activity;
        double flexion, lateral, strain;
        bool calibrated;
        unsigned changed;

        /* The wearer's recovery, and the Coach whose pipeline the sensor feeds. */
        Health *health;
        gid_t health_gid;
        bool health_gid_valid;

        uint64_t last_angles_emit_us;
        sd_event_source *throttle_timer;

        /* StartRecording() (record.c): the running ones, and ids for the log. */
        struct Recording *recordings;
        unsigned n_recordings;
        unsigned recordings_started;
} Manager;

/** manager_new() - Return: 0 or -errno. Takes over *config. */
int manager_new(Manager **ret, Config *config, bool system_bus, bool exit_on_eof);
Manager *manager_free(Manager *m);

static inline void manager_freep(Manager **m)
{
        manager_free(*m);
}

/** manager_start() - connect to the bus, open the source, start. Return: 0 or -errno (logged). */
int manager_start(Manager *m);

/** manager_run() - run the loop until SIGTERM/SIGINT or, with exit_on_eof, the recording's end. */
int manager_run(Manager *m);

/* manager.c, for sensor.c */
void manager_set_sensor_state(Manager *m, SensorState s);
void manager_update_published(Manager *m);
void manager_notify_status(Manager *m);
/** manager_pipeline() - the Coach's pipeline, or NULL before a source was opened. */
Pipeline *manager_pipeline(const Manager *m);

/* sensor.c */
/**
 * sensor_setup() - watch the ring, the stall timer and udev, then open the
 * configured source. Return: 0 (also when no sensor is there yet: it is
 * retried), or -errno for what cannot work (a bad URI, a missing plugin, a
 * recording that cannot be read), logged.
 */
int sensor_setup(Manager *m);
/** sensor_close() - stop and close the source and its plugin, if any. */
void sensor_close(Manager *m);
/** sensor_free() - sensor_close() and drop the watches. */
void sensor_free(Manager *m);

/** manager_calibrate() - Return: 0, -ENODATA, -EBUSY; see estimator_calibrate(). */
int manager_calibrate(Manager *m);

/** manager_flush_changes() - emit PropertiesChanged for what changed (angles throttled). */
void manager_flush_changes(Manager *m, bool force);

/** manager_to_realtime_us() - map a sample time to CLOCK_REALTIME microseconds. */
uint64_t manager_to_realtime_us(const Manager *m, int64_t t_ns);

/* bus.c */
int bus_setup(Manager *m);
int bus_emit_properties(Manager *m, unsigned changed);
int bus_emit_strain_event(Manager *m, const StrainEvent *e);
int bus_emit_advice(Manager *m, const AdviceItem *item);
int bus_emit_alert(Manager *m, const AdviceItem *item);
