/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sensor's read path: the host callbacks a plugin's thread calls (the
 * single producer of the ring), the polled sources the main loop drives
 * itself (sensor_start_polled()), and draining the ring to the owner on each
 * wakeup, one ring's worth at a time.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/ring.h"
#include "log.h"
#include "plugin.h"
#include "sensor-internal.h"
#include "sensor.h"
#include "util/macro.h"
#include "util/time-util.h"

static void wake_main_loop(Sensor *s)
{
        uint64_t one = 1;

        /* EAGAIN means the counter is already non-zero: the loop wakes anyway. */
        (void) !write(s->wake_fd, &one, sizeof(one));
}

static size_t drain_ring(Sensor *s, size_t budget);
static void process_ring(Sensor *s);

/* Plugin thread, or the main loop inside dispatch(): the single producer of the ring. */
static size_t host_push(void *userdata, const Frame *frames, size_t n, int wait)
{
        Sensor *s = userdata;
        size_t done = 0;

        if (s->polled) {
                /* The consumer is this thread: make room instead of losing frames; the
                 * caller of dispatch() drains the rest, with no wakeup in between. */
                if (ring_space(s->ring) < n)
                        (void) drain_ring(s, ring_capacity(s->ring));
                return ring_write(s->ring, frames, n);
        }
        if (!wait) {
                done = ring_write(s->ring, frames, n);
                wake_main_loop(s);
                return done;
        }
        while (done < n && !atomic_load(&s->stopping)) {
                size_t space = ring_space(s->ring);

                if (space == 0) {
                        wake_main_loop(s);
                        (void) nanosleep(&(struct timespec){ .tv_nsec = 2 * NSEC_PER_MSEC }, NULL);
                        continue;
                }
                done += ring_write(s->ring, frames + done, MIN(space, n - done));
        }
        wake_main_loop(s);
        return done;
}

/* Plugin thread. Logging here is thread-safe (one write() a line). */
static void host_finished(void *userdata, int error, const char *message)
{
        Sensor *s = userdata;

        if (error == -ENODEV)
                log_notice("Sensor %s went away: %s.", s->name ?: "?", message ?: "device removed");
        else if (error < 0)
                log_error("Source %s failed: %s", s->name ?: "?", message ?: "");
        else
                log_info("Source %s: %s.", s->name ?: "?", message ?: "finished");
        atomic_store(&s->error, error);
        atomic_store(&s->finished, true);
        wake_main_loop(s);
}

static void host_log(void *userdata, int priority, const char *message)
{
        log_internal(priority, 0, "%s", message);
}

const PosturedSourceHost sensor_host_ops = {
        .push = host_push,
        .finished = host_finished,
        .log = host_log,
};

/**
 * sensor_to_realtime_us() - sample time to CLOCK_REALTIME microseconds,
 * through the anchor taken at the latest frames.
 * @s: the sensor.
 * @t_ns: a sample time of the current source.
 *
 * Return: the realtime, or now when no frame has arrived yet.
 */
uint64_t sensor_to_realtime_us(const Sensor *s, int64_t t_ns)
{
        int64_t us;

        if (!s || !s->anchored)
                return now_us(CLOCK_REALTIME);
        us = (int64_t) s->anchor_realtime_us + (t_ns - s->anchor_t_ns) / 1000;
        return us > 0 ? (uint64_t) us : 0;
}

static void anchor(Sensor *s, int64_t t_ns)
{
        s->anchor_t_ns = t_ns;
        if (s->info.clock == POSTURED_CLOCK_REALTIME)
                s->anchor_realtime_us = (uint64_t) (t_ns / 1000);
        else if (s->info.clock == POSTURED_CLOCK_MONOTONIC)
                s->anchor_realtime_us = now_us(CLOCK_REALTIME) -
                                        (now_us(CLOCK_MONOTONIC) - (uint64_t) (t_ns / 1000));
        else
                s->anchor_realtime_us = now_us(CLOCK_REALTIME);
        s->anchored = true;
}

static void dispatch_polled(Sensor *s, int revents)
{
        const PosturedSourceV1 *ops = plugin_ops(s->plugin);
        int r;

        r = ops->dispatch(s->source, revents);
        if (r < 0 || atomic_load(&s->finished)) {
                /* Over: the eventfd brings sensor_source_ended(); the descriptor may keep
                 * reporting a hang-up, so stop watching it now. */
                (void) sd_event_source_set_enabled(s->poll_io, SD_EVENT_OFF);
                (void) sd_event_source_set_enabled(s->poll_timer, SD_EVENT_OFF);
        }
        process_ring(s);
        /* This thread writes and reads the ring: drained, its next batch goes to
         * the first slots again, so that only one batch's pages are ever touched. */
        (void) ring_rewind(s->ring);
}

static int on_poll_io(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        dispatch_polled(userdata, (int) revents);
        return 0;
}

static int on_poll_timer(sd_event_source *es, uint64_t usec, void *userdata)
{
        Sensor *s = userdata;
        uint64_t next = usec + s->poll_interval_us, now = now_us(CLOCK_MONOTONIC);

        /* After a stop of the loop (suspend, a slow step): no burst of catching up. */
        (void) sd_event_source_set_time(es, next > now ? next : now + s->poll_interval_us);
        dispatch_polled(s, 0);
        return 0;
}

/**
 * sensor_start_polled() - let the main loop drive the source when its plugin
 * can (abi_minor >= 1): one wakeup per batch of the device instead of two
 * (its thread's and ours).
 * @s: the sensor, its source open.
 *
 * Return: 0, -EOPNOTSUPP when the plugin needs its thread, or -errno.
 */
int sensor_start_polled(Sensor *s)
{
        const PosturedSourceV1 *ops = plugin_ops(s->plugin);
        uint64_t interval_ns = 0;
        int fd = -1, r;

        if (ops->abi_minor < 1 || !ops->start_polled || !ops->dispatch)
                return -EOPNOTSUPP;
        r = ops->start_polled(s->source, &fd, &interval_ns);
        if (r < 0)
                return r;
        s->polled = true;
        if (fd >= 0) {
                r = sd_event_add_io(s->event, &s->poll_io, fd, EPOLLIN, on_poll_io, s);
                if (r < 0)
                        goto fail;
        }
        if (interval_ns > 0) {
                s->poll_interval_us = MAX(interval_ns / 1000, 1);
                /* Accuracy: an eighth of the interval, so that sd-event may align it. */
                r = sd_event_add_time_relative(s->event, &s->poll_timer, CLOCK_MONOTONIC,
                                               s->poll_interval_us, MAX(s->poll_interval_us / 8, 1),
                                               on_poll_timer, s);
                if (r < 0)
                        goto fail;
                (void) sd_event_source_set_enabled(s->poll_timer, SD_EVENT_ON);
        }
        return 0;
fail:
        s->poll_io = sd_event_source_disable_unref(s->poll_io);
        ops->stop(s->source);
        s->polled = false;
        return r;
}

/* Hand up to @budget frames of the ring to the owner. Return: what is left of @budget. */
static size_t drain_ring(Sensor *s, size_t budget)
{
        size_t n;

        while (budget > 0 && (n = ring_read(s->ring, s->batch, MIN(s->batch_size, budget))) > 0) {
                budget -= n;
                /* Tie the latest frame to now: a recording's clock runs at the replay
                 * speed, and a monotonic one stops during suspend. */
                anchor(s, s->batch[n - 1].t_ns);
                s->last_frame_us = now_us(CLOCK_MONOTONIC);
                if (s->stall_logged) {
                        log_info("Sensor %s sends data again.", s->name);
                        s->stall_logged = false;
                }
                sensor_set_state(s, SENSOR_ACTIVE);
                if (s->callbacks.frames)
                        s->callbacks.frames(s, s->batch, n, s->userdata);
        }
        return budget;
}

/* Drain the ring (one ring's worth), then notice the end of the stream. */
static void process_ring(Sensor *s)
{
        size_t budget;
        uint64_t overruns;
        bool finished;

        if (!s->source)
                return;
        /* Read the flag before draining: every frame pushed before it was set gets processed. */
        finished = atomic_load(&s->finished);

        /* At most one ring's worth per wakeup, so a fast producer cannot starve the
         * bus, the timers and the watchdog; the rest waits for the next round. */
        budget = drain_ring(s, ring_capacity(s->ring));
        sensor_arm_stall_check(s);

        overruns = ring_overruns(s->ring);
        if (overruns != s->overruns_reported) {
                log_warning("Ring overrun: %llu frames lost (%llu in all); the main loop is "
                            "not keeping up with %s.",
                            (unsigned long long) (overruns - s->overruns_reported),
                            (unsigned long long) overruns, s->name);
                s->overruns_reported = overruns;
        }

        if (budget == 0 && ring_available(s->ring) > 0) {
                wake_main_loop(s); /* more to do: come back after the others had their turn */
                return;
        }
        if (finished && !s->finished_handled) {
                s->finished_handled = true;
                sensor_source_ended(s);
        }
}

static int on_wake(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        uint64_t counter;

        (void) !read(fd, &counter, sizeof(counter));
        process_ring(userdata);
        return 0;
}
/**
 * sensor_watch_ring() - the eventfd by which the producer wakes the main
 * loop, and its watch.
 * @s: the sensor.
 *
 * Return: 0, or -errno (logged).
 */
int sensor_watch_ring(Sensor *s)
{
        int r;

        s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->wake_fd < 0)
                return log_error_errno(-errno, "Cannot create the ring's eventfd: %m");
        r = sd_event_add_io(s->event, &s->wake_source, s->wake_fd, EPOLLIN, on_wake, s);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the ring's eventfd: %m");
        return 0;
}
