/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "core/config.h"
#include "core/estimator/estimator.h"
#include "core/mount-matrix.h"
#include "health.h"
#include "history.h"
#include "metrics.h"
#include "recorder.h"
#include "sensor.h"

/* Which properties changed since the last PropertiesChanged. */
enum {
        CHANGED_POSTURE = 1u << 0,
        CHANGED_ANGLES = 1u << 1,
        CHANGED_ACTIVITY = 1u << 2,
        CHANGED_STRAIN = 1u << 3,
        CHANGED_CALIBRATED = 1u << 4, /* Calibrated, CalibratedAt */
        CHANGED_SENSOR = 1u << 5,
        CHANGED_PHASE = 1u << 6,       /* Recovery1: Phase, InjuryOnset */
        CHANGED_PAIN = 1u << 7,        /* Recovery1: LastPain */
        CHANGED_ALERTS = 1u << 8,      /* Recovery1: ActiveAlerts */
        CHANGED_STILL = 1u << 9,       /* StillSince */
        CHANGED_SNOOZE = 1u << 10,     /* SnoozedUntil */
        CHANGED_LAST_EVENT = 1u << 11, /* LastEvent */
};

/**
 * struct Manager - owns the loop, the bus and the runtime objects (the
 * Sensor, the Recorder, the Health whose Coach holds the core pipeline) and
 * wires them: the sensor's frames go to the Coach and the recordings, what
 * changed to the bus.
 */
typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        bool system_bus;
        bool exit_on_eof;
        Config config;

        Sensor *sensor;
        Recorder *recorder;

        const FilterKernel *kernel; /* chosen once: the CPU's best, or POSTURED_FILTER= */

        /* Published state, as last sent on the bus. */
        PostureClass posture;
        Activity activity;
        double flexion, lateral, strain;
        bool calibrated;
        /* Realtime µs of the last posture change or end of a walk; 0 before the first. */
        uint64_t still_since_us;
        /* The last StrainEvent, its start in realtime µs (kind NULL before the first). */
        const char *last_event_kind, *last_event_severity;
        uint64_t last_event_start_us;
        double last_event_duration_s, last_event_peak_deg;
        unsigned changed;

        /* The neutral as last seen and saved (calibration.c): where it came
         * from, when (CalibratedAt, realtime µs, 0 without one), and the
         * sensor and mount it belongs to. */
        char *neutral_path;
        char *neutral_sensor;
        MountMatrix mount;
        double neutral[3];
        NeutralHow neutral_how;
        uint64_t calibrated_at;

        /* The wearer's recovery, and the Coach whose pipeline the sensor feeds. */
        Health *health;
        gid_t health_gid;
        bool health_gid_valid;
        /* Who gets Recovery1's signals on the system bus (bus.c, Subscribe()). */
        sd_bus_track *recovery_subscribers;

        /* Every minute and event, kept (NULL: no state directory, no history). A
         * recording's samples are placed from its first one, whatever the replay speed. */
        History *history;
        bool history_anchored;
        int64_t history_anchor_ns;
        uint64_t history_anchor_us;

        /* [Metrics] TextfileDirectory=, or NULL; samples dropped by earlier pipelines. */
        Metrics *metrics;
        unsigned long long dropped_before;

        /* SIGHUP reads the configuration again through this (main.c's). */
        int (*load_config)(Config *c);

        uint64_t last_angles_emit_us;
        sd_event_source *throttle_timer;
        /* Fires when a snooze ends, for SnoozedUntil's PropertiesChanged. */
        sd_event_source *snooze_timer;
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

/** manager_set_config_loader() - how a reload reads the configuration. */
void manager_set_config_loader(Manager *m, int (*load)(Config *c));

/** manager_reload() - SIGHUP: a new configuration and catalogue. Return: 0 or -errno. */
int manager_reload(Manager *m);

/** manager_run() - the loop (SIGHUP reloads) until SIGTERM/SIGINT or, with exit_on_eof, EOF. */
int manager_run(Manager *m);

/** manager_calibrate() - take the wearer's current posture as neutral; a CalibrateResult. */
int manager_calibrate(Manager *m);

/** manager_reset_calibration() - forget the neutral: automatic again. */
void manager_reset_calibration(Manager *m);

/** manager_snoozed() - after Snooze(): PropertiesChanged now and when it ends. */
void manager_snoozed(Manager *m);

/** manager_to_realtime_us() - map a sample time to CLOCK_REALTIME microseconds. */
uint64_t manager_to_realtime_us(const Manager *m, int64_t t_ns);

/** manager_history_time_us() - a sample time where the history puts it. */
uint64_t manager_history_time_us(Manager *m, int64_t t_ns);

/** manager_history_open() - the history store, if there is a place for it. Return: 0 or -errno. */
int manager_history_open(Manager *m);

/** manager_metrics_open() - the fleet metrics, when configured. Return: 0 or -errno. */
int manager_metrics_open(Manager *m);

/** manager_history_note_health() - a pain report or phase change into the history. */
void manager_history_note_health(Manager *m, unsigned what);
