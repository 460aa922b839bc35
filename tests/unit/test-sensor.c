/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Sensor with the build's replay plugin and a real sd-event loop. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <systemd/sd-event.h>

#include "core/recording.h"
#include "paths.h"
#include "sensor.h"
#include "util/macro.h"

#define PLUGIN_DIR POSTURED_BUILD_DIR "/plugins"
#define DATA       POSTURED_SOURCE_DIR "/tests/data/moving.csv"

typedef struct Seen {
        sd_event *event;
        int refuse; /* what opened() returns */
        unsigned opened, changed, finished;
        int finished_error;
        SensorState states[16];
        size_t n_states;
        size_t frames;
        int64_t last_t_ns;
        bool increasing;
        double rate_hz;
        bool info_while_open;
} Seen;

static int on_opened(Sensor *s, void *userdata)
{
        Seen *seen = userdata;
        const PosturedSourceInfo *info = sensor_info(s);

        seen->opened++;
        seen->info_while_open = info != NULL;
        seen->rate_hz = info ? info->rate_hz : 0;
        return seen->refuse;
}

static void on_frames(Sensor *s, const Frame *frames, size_t n, void *userdata)
{
        Seen *seen = userdata;

        assert_int_equal(sensor_state(s), SENSOR_ACTIVE);
        for (size_t i = 0; i < n; i++) {
                if (seen->frames > 0 && frames[i].t_ns <= seen->last_t_ns)
                        seen->increasing = false;
                seen->last_t_ns = frames[i].t_ns;
                seen->frames++;
        }
}

static void on_changed(Sensor *s, void *userdata)
{
        Seen *seen = userdata;

        seen->changed++;
        if (seen->n_states == 0 || seen->states[seen->n_states - 1] != sensor_state(s))
                if (seen->n_states < ELEMENTSOF(seen->states))
                        seen->states[seen->n_states++] = sensor_state(s);
}

static void on_finished(Sensor *s, int error, void *userdata)
{
        Seen *seen = userdata;

        seen->finished++;
        seen->finished_error = error;
        (void) sd_event_exit(seen->event, 0);
}

static const SensorCallbacks callbacks = {
        .opened = on_opened,
        .frames = on_frames,
        .state_changed = on_changed,
        .finished = on_finished,
};

static int on_timeout(sd_event_source *es, uint64_t usec, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(es), 99);
}

static size_t samples_in(const char *path)
{
        _cleanup_(recording_reader_freep) RecordingReader *rd = NULL;
        size_t n = 0;
        Frame fr;
        int r;

        assert_int_equal(recording_reader_open(&rd, path), 0);
        while ((r = recording_reader_next(rd, &fr, NULL)) > 0)
                n++;
        assert_int_equal(r, 0);
        return n;
}

static int new_sensor(Sensor **ret, Seen *seen, const char *uri)
{
        *seen = (Seen){ .increasing = true };
        assert_int_equal(sd_event_new(&seen->event), 0);
        return sensor_new(ret, seen->event,
                          &(SensorParams){
                                  .uri = uri,
                                  .plugin_dir = PLUGIN_DIR,
                                  .ring_frames = 256,
                                  .stall_timeout_s = 5,
                          },
                          &callbacks, seen);
}

/* A recording, as fast as it goes through a small ring: every frame, in order, then the end. */
static void test_replay(void **state)
{
        _cleanup_(sensor_freep) Sensor *s = NULL;
        Seen seen;
        int r;

        assert_int_equal(new_sensor(&s, &seen, "replay:" DATA "?speed=0"), 0);
        assert_int_equal(sensor_state(s), SENSOR_ABSENT);
        assert_null(sensor_name(s));
        assert_null(sensor_info(s));

        assert_int_equal(sensor_start(s), 0);
        assert_int_equal(seen.opened, 1);
        assert_true(seen.info_while_open);
        assert_float_equal(seen.rate_hz, 50, 0);
        assert_non_null(strstr(sensor_name(s), "moving.csv"));
        assert_int_equal(sensor_info(s)->clock, POSTURED_CLOCK_RECORDING);

        assert_true(sd_event_add_time_relative(seen.event, NULL, CLOCK_MONOTONIC,
                                               30 * UINT64_C(1000000), 0, on_timeout, NULL) >= 0);
        r = sd_event_loop(seen.event);
        assert_int_equal(r, 0);

        assert_int_equal(seen.finished, 1);
        assert_int_equal(seen.finished_error, 0);
        assert_int_equal(seen.frames, samples_in(DATA));
        assert_true(seen.increasing);
        /* Opened (still absent), active with the frames, absent at the end. */
        assert_int_equal(seen.n_states, 3);
        assert_int_equal(seen.states[0], SENSOR_ABSENT);
        assert_int_equal(seen.states[1], SENSOR_ACTIVE);
        assert_int_equal(seen.states[2], SENSOR_ABSENT);
        assert_int_equal(sensor_state(s), SENSOR_ABSENT);
        /* Realtime of the last frame: now, give or take the loop's last round. */
        assert_true(sensor_to_realtime_us(s, seen.last_t_ns) > 1700000000 * UINT64_C(1000000));
        sd_event_unref(seen.event);
}

/* What retrying cannot fix fails at startup, and is not reopened. */
static void test_startup_errors(void **state)
{
        static const struct {
                const char *uri;
                int error;
        } cases[] = {
                { "no scheme", -EINVAL },
                { "frobnicate:x", -ENOENT },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(sensor_freep) Sensor *s = NULL;
                Seen seen;

                assert_int_equal(new_sensor(&s, &seen, cases[i].uri), 0);
                assert_int_equal(sensor_start(s), cases[i].error);
                assert_int_equal(seen.opened, 0);
                assert_null(sensor_info(s));
                s = sensor_free(s);
                sd_event_unref(seen.event);
        }
}

/* An owner that cannot use the source refuses it: at startup that is fatal, and closed. */
static void test_opened_refuses(void **state)
{
        _cleanup_(sensor_freep) Sensor *s = NULL;
        Seen seen;

        assert_int_equal(new_sensor(&s, &seen, "replay:" DATA "?speed=0"), 0);
        seen.refuse = -EDOM;
        assert_int_equal(sensor_start(s), -EDOM);
        assert_int_equal(seen.opened, 1);
        assert_null(sensor_info(s));
        assert_int_equal(sd_event_run(seen.event, 0) >= 0, 1);
        assert_int_equal(seen.frames, 0);
        s = sensor_free(s);
        sd_event_unref(seen.event);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_replay),
                cmocka_unit_test(test_startup_errors),
                cmocka_unit_test(test_opened_refuses),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
