/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay source: streams a recording (DESIGN.md's CSV format) as if it came
 * from a sensor. URI: replay:PATH[?speed=N][&loop=1]. speed 1 is real time,
 * 0 as fast as the daemon consumes (no frame is ever dropped: the ring's
 * back-pressure holds the reader); loop=1 starts again at the end, with
 * times continuing to increase.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/macro.h"
#include "core/recording.h"
#include "abi/source.h"

/* Frames handed over per push at most, and how far ahead of the wall clock
 * a real-time replay may run (so the daemon wakes a few times a second). */
#define REPLAY_BATCH    512
#define REPLAY_AHEAD_NS (200 * NSEC_PER_MSEC)
#define REPLAY_PROBE    64

typedef struct Replay {
        PosturedSourceHost host;
        char *path;
        double speed;
        bool loop;
        double rate_hz;
        RecordingReader *reader;
        /* Frames read ahead by open() to learn the rate. */
        Frame probe[REPLAY_PROBE];
        size_t n_probe;
        pthread_t thread;
        bool running;
        atomic_bool stopping;
} Replay;

_printf_(3, 4) static void set_error(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(buf, size, fmt, ap);
        va_end(ap);
}

static int parse_options(Replay *rp, char *query, char *error, size_t error_size)
{
        char *save = NULL;

        for (char *opt = strtok_r(query, "&", &save); opt; opt = strtok_r(NULL, "&", &save)) {
                char *eq = strchr(opt, '='), *end;
                double v;

                if (!eq) {
                        set_error(error, error_size, "replay option '%s' has no value", opt);
                        return -EINVAL;
                }
                *eq = '\0';
                errno = 0;
                v = strtod(eq + 1, &end);
                if (errno != 0 || end == eq + 1 || *end != '\0' || !isfinite(v)) {
                        set_error(error, error_size, "replay option %s=%s is not a number", opt,
                                  eq + 1);
                        return -EINVAL;
                }
                if (strcmp(opt, "speed") == 0) {
                        if (v < 0 || (v > 0 && v < 1e-3) || v > 1e6) {
                                set_error(error, error_size,
                                          "replay speed=%s is out of range (0 = as fast as "
                                          "possible, 1 = real time, 0.001 to 1000000)",
                                          eq + 1);
                                return -EINVAL;
                        }
                        rp->speed = v;
                } else if (strcmp(opt, "loop") == 0) {
                        if (v != 0 && v != 1) {
                                set_error(error, error_size, "replay loop=%s must be 0 or 1",
                                          eq + 1);
                                return -EINVAL;
                        }
                        rp->loop = v == 1;
                } else {
                        set_error(error, error_size,
                                  "unknown replay option '%s' (known: speed, loop)", opt);
                        return -EINVAL;
                }
        }
        return 0;
}

static void replay_close(void *source);

/* Read the first frames: they tell the rate when the file does not, and a
 * file that is broken at its start fails here, at open, not later. */
static int probe(Replay *rp, char *error, size_t error_size)
{
        int r;

        while (rp->n_probe < REPLAY_PROBE) {
                _cleanup_(freep) char *msg = NULL;

                r = recording_reader_next(rp->reader, &rp->probe[rp->n_probe], &msg);
                if (r < 0) {
                        set_error(error, error_size, "%s", msg ?: "cannot read the recording");
                        return r;
                }
                if (r == 0)
                        break;
                rp->n_probe++;
        }
        if (rp->n_probe == 0) {
                set_error(error, error_size, "%s: no samples in the recording", rp->path);
                return -ENODATA;
        }

        rp->rate_hz = recording_reader_rate(rp->reader);
        if (rp->rate_hz <= 0) {
                if (rp->n_probe < 2) {
                        set_error(error, error_size,
                                  "%s: one sample and no '# rate_hz:' line; cannot tell the rate",
                                  rp->path);
                        return -ENODATA;
                }
                rp->rate_hz = (double) (rp->n_probe - 1) * NSEC_PER_SEC /
                              (double) (rp->probe[rp->n_probe - 1].t_ns - rp->probe[0].t_ns);
        }
        return 0;
}

static inline void replay_closep(Replay **rp)
{
        replay_close(*rp);
}

static int replay_open(void **ret, const char *arg, const PosturedSourceHost *host, char *error,
                       size_t error_size)
{
        _cleanup_(replay_closep) Replay *rp = NULL;
        char *q;
        int r;

        rp = calloc(1, sizeof(*rp));
        if (!rp)
                return -ENOMEM;
        rp->host = *host;
        rp->speed = 1.0;
        rp->path = strdup(arg);
        if (!rp->path)
                return -ENOMEM; /* cppcheck-suppress memleak ; freed by _cleanup_ */

        q = strchr(rp->path, '?');
        if (q) {
                *q++ = '\0';
                r = parse_options(rp, q, error, error_size);
                if (r < 0)
                        return r;
        }
        if (rp->path[0] == '\0') {
                set_error(error, error_size, "replay: needs a file, e.g. replay:/path/rec.csv");
                return -EINVAL;
        }

        r = recording_reader_open(&rp->reader, rp->path);
        if (r < 0) {
                set_error(error, error_size, "%s: %s", rp->path, strerror(-r));
                return r;
        }
        r = probe(rp, error, error_size);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(rp);
        return 0;
}

static int replay_describe(void *source, PosturedSourceInfo *info)
{
        Replay *rp = source;

        *info = (PosturedSourceInfo){
                .name = rp->path,
                .rate_hz = rp->rate_hz,
                .clock = POSTURED_CLOCK_RECORDING,
        };
        return 0;
}

static void host_log(Replay *rp, int prio, const char *fmt, ...) _printf_(3, 4);
static void host_log(Replay *rp, int prio, const char *fmt, ...)
{
        char buf[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        rp->host.log(rp->host.userdata, prio, buf);
}

static int64_t now_ns(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Sleep until @t_ns on CLOCK_MONOTONIC, in slices, so stop() is never kept
 * waiting longer than one slice. */
static void sleep_until(Replay *rp, int64_t t_ns)
{
        const int64_t slice = 100 * NSEC_PER_MSEC;

        while (!atomic_load(&rp->stopping)) {
                int64_t now = now_ns(), wake;
                struct timespec ts;

                if (now >= t_ns)
                        return;
                wake = MIN(t_ns, now + slice);
                ts = (struct timespec){ .tv_sec = wake / NSEC_PER_SEC,
                                        .tv_nsec = wake % NSEC_PER_SEC };
                (void) clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        }
}

/* Next frame: the probed ones first, then the file; at its end, rewind when looping.
 * On a bad recording *ret_error says what is wrong where. */
static int next_frame(Replay *rp, size_t *probe_pos, int64_t *offset_ns, int64_t *last_ns,
                      Frame *out, char **ret_error)
{
        RecordingReader *reader = NULL;
        int r;

        for (;;) {
                if (*probe_pos < rp->n_probe) {
                        *out = rp->probe[(*probe_pos)++];
                        r = 1;
                } else {
                        r = recording_reader_next(rp->reader, out, ret_error);
                        if (r < 0)
                                return r;
                }
                if (r > 0) {
                        out->t_ns += *offset_ns;
                        *last_ns = out->t_ns;
                        return 1;
                }
                if (!rp->loop)
                        return 0;

                /* Start again one sample period after the last frame. The probed
                 * frames are the file's first ones: serve them from memory and skip
                 * them in the reopened file. */
                r = recording_reader_open(&reader, rp->path);
                if (r < 0) {
                        host_log(rp, POSTURED_LOG_ERR, "%s: cannot reopen for the next loop: %s",
                                 rp->path, strerror(-r));
                        return r;
                }
                recording_reader_free(rp->reader);
                rp->reader = reader;
                for (size_t i = 0; i < rp->n_probe; i++) {
                        r = recording_reader_next(rp->reader, out, ret_error);
                        if (r <= 0)
                                return r < 0 ? r : -EBADMSG;
                }
                *probe_pos = 0;
                *offset_ns = *last_ns + (int64_t) (NSEC_PER_SEC / rp->rate_hz) - rp->probe[0].t_ns;
        }
}

static void *replay_thread(void *userdata)
{
        Replay *rp = userdata;
        Frame batch[REPLAY_BATCH];
        size_t probe_pos = 0, n = 0;
        int64_t offset_ns = 0, last_ns = 0, t0_rec = rp->probe[0].t_ns, t0_wall = now_ns();
        _cleanup_(freep) char *msg = NULL;
        int r = 0;

        while (!atomic_load(&rp->stopping)) {
                Frame f;

                r = next_frame(rp, &probe_pos, &offset_ns, &last_ns, &f, &msg);
                if (r <= 0)
                        break;

                if (rp->speed > 0) {
                        int64_t due = t0_wall + (int64_t) ((double) (f.t_ns - t0_rec) / rp->speed);

                        /* Hand over what is due before sleeping past it. */
                        if (n > 0 && (due - now_ns() > REPLAY_AHEAD_NS || n == REPLAY_BATCH)) {
                                (void) rp->host.push(rp->host.userdata, batch, n, 1);
                                n = 0;
                        }
                        if (n == 0 && due > now_ns())
                                sleep_until(rp, due);
                }
                batch[n++] = f;
                if (n == REPLAY_BATCH) {
                        (void) rp->host.push(rp->host.userdata, batch, n, 1);
                        n = 0;
                }
        }
        if (n > 0 && !atomic_load(&rp->stopping))
                (void) rp->host.push(rp->host.userdata, batch, n, 1);

        if (atomic_load(&rp->stopping))
                return NULL;
        if (r < 0) {
                host_log(rp, POSTURED_LOG_ERR, "%s", msg ?: strerror(-r));
                rp->host.finished(rp->host.userdata, r, msg ?: strerror(-r));
        } else
                rp->host.finished(rp->host.userdata, 0, "end of recording");
        return NULL;
}

static int replay_start(void *source)
{
        Replay *rp = source;
        int r;

        atomic_store(&rp->stopping, false);
        r = pthread_create(&rp->thread, NULL, replay_thread, rp);
        if (r != 0)
                return -r;
        rp->running = true;
        return 0;
}

static void replay_stop(void *source)
{
        Replay *rp = source;

        if (!rp->running)
                return;
        atomic_store(&rp->stopping, true);
        (void) pthread_join(rp->thread, NULL);
        rp->running = false;
}

static void replay_close(void *source)
{
        Replay *rp = source;

        if (!rp)
                return;
        replay_stop(rp);
        recording_reader_free(rp->reader);
        free(rp->path);
        free(rp);
}

static const PosturedSourceV1 replay_ops = {
        .abi_major = POSTURED_SOURCE_ABI_MAJOR,
        .abi_minor = POSTURED_SOURCE_ABI_MINOR,
        .scheme = "replay",
        .open = replay_open,
        .describe = replay_describe,
        .start = replay_start,
        .stop = replay_stop,
        .close = replay_close,
};

__attribute__((visibility("default"))) const PosturedSourceV1 *postured_source_v1(void)
{
        return &replay_ops;
}
