/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "abi/frame.h"
#include "abi/source.h"
#include "util/macro.h"

/*
 * The sensor: a source plugin for the configured URI (or the first one that
 * finds a device), the ring its thread fills, and the main loop's side of
 * it: draining the ring on each wakeup, noticing a recording's end, an
 * unplugged or stalled device, and reopening with back-off or when udev
 * announces a device. What the frames mean is the owner's business.
 */

typedef enum SensorState {
        SENSOR_ACTIVE,
        SENSOR_ABSENT,
        SENSOR_STALLED,
        SENSOR_ERROR,
        _SENSOR_STATE_MAX,
} SensorState;

const char *sensor_state_to_string(SensorState s);

typedef struct Sensor Sensor;

/**
 * struct SensorParams - what to open and how to watch it.
 * @uri: auto, iio:…, evdev:…, replay:PATH[?…]; copied.
 * @plugin_dir: where the plugins live; copied.
 * @ring_frames: the ring's capacity.
 * @stall_timeout_s: a live sensor silent this long is stalled.
 */
typedef struct SensorParams {
        const char *uri;
        const char *plugin_dir;
        size_t ring_frames;
        double stall_timeout_s;
} SensorParams;

/**
 * struct SensorCallbacks - what a Sensor tells its owner; any may be NULL.
 * @opened: a source is open and sensor_info() describes it; get ready for
 *          its frames. A negative return (logged by the callee) refuses it.
 * @frames: @n frames, in order, from the open source.
 * @state_changed: sensor_state(), sensor_name() or sensor_info() changed.
 * @finished: a recording (a source that is not live) reached its end;
 *            @error is negative when it failed. Nothing is reopened.
 */
typedef struct SensorCallbacks {
        int (*opened)(Sensor *s, void *userdata);
        void (*frames)(Sensor *s, const Frame *frames, size_t n, void *userdata);
        void (*state_changed)(Sensor *s, void *userdata);
        void (*finished)(Sensor *s, int error, void *userdata);
} SensorCallbacks;

/** sensor_new() - a Sensor on @event, not yet open. */
int sensor_new(Sensor **ret, sd_event *event, const SensorParams *p,
               const SensorCallbacks *callbacks, void *userdata);
/** sensor_free() - stop and close the source; accepts NULL, returns NULL. */
Sensor *sensor_free(Sensor *s);

static inline void sensor_freep(Sensor **s)
{
        sensor_free(*s);
}

/** sensor_start() - watch the ring, the stall timer and udev, then open the source. */
int sensor_start(Sensor *s);

SensorState sensor_state(const Sensor *s);
/** sensor_name() - the name of the last source opened, or NULL. */
const char *sensor_name(const Sensor *s);
/** sensor_info() - the open source's description, or NULL while none is open. */
const PosturedSourceInfo *sensor_info(const Sensor *s);
/** sensor_to_realtime_us() - a sample time in CLOCK_REALTIME microseconds. */
uint64_t sensor_to_realtime_us(const Sensor *s, int64_t t_ns);
