/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay source: streams a recording (DESIGN.md's CSV format) as if it came
 * from a sensor. URI: replay:PATH[?speed=N][&loop=1]. speed 1 is real time,
 * 0 as fast as the daemon consumes (no frame is ever dropped: the ring's
 * back-pressure holds the reader); loop=1 starts again at the end, with
 * times continuing to increase. A '?', '&' or '%' of the path is written
 * %3F, %26, %25 (uri_parse()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi/source.h"
#include "common/plugin-util.h"
#include "common/source-thread.h"
#include "core/recording.h"
#include "util/macro.h"
#include "util/time-util.h"
#include "util/uri-util.h"

/* Frames handed over per push at most, and how far ahead of the wall clock
 * a real-time replay may run (so the daemon wakes a few times a second). */
#define REPLAY_BATCH    512
#define REPLAY_AHEAD_NS (200 * NSEC_PER_MSEC)
#define REPLAY_PROBE    64
/* An interval longer than this is a gap in the recording, not its sample
 * period: the rate estimate leaves it out. */
#define REPLAY_MAX_PERIOD_NS ((int64_t) NSEC_PER_SEC)
/* A frame more than this many sample periods after the previous one follows
 * a gap and carries FRAME_AFTER_GAP (what spans the gap restarts). */
#define REPLAY_GAP_PERIODS 10

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
        SourceThread thread;
} Replay;

static int parse_options(Replay *rp, const Uri *uri, char *error, size_t error_size)
{
        for (size_t i = 0; i < uri->n_params; i++) {
                const UriParam *p = &uri->params[i];
                double v;
                int r;

                if (!p->value)
                        return plugin_set_error(error, error_size, -EINVAL,
                                                "replay option '%s' has no value", p->key);
                r = uri_param_double(p, &v);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return plugin_set_error(error, error_size, -EINVAL,
                                                "replay option %s=%s is not a number", p->key,
                                                p->value);
                if (strcmp(p->key, "speed") == 0) {
                        if (v < 0 || (v > 0 && v < 1e-3) || v > 1e6)
                                return plugin_set_error(
                                        error, error_size, -EINVAL,
                                        "replay speed=%s is out of range (0 = as fast as "
                                        "possible, 1 = real time, 0.001 to 1000000)",
                                        p->value);
                        rp->speed = v;
                } else if (strcmp(p->key, "loop") == 0) {
                        if (v != 0 && v != 1)
                                return plugin_set_error(error, error_size, -EINVAL,
                                                        "replay loop=%s must be 0 or 1", p->value);
                        rp->loop = v == 1;
                } else
                        return plugin_set_error(error, error_size, -EINVAL,
                                                "unknown replay option '%s' (known: speed, loop)",
                                                p->key);
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
                if (r < 0)
                        return plugin_set_error(error, error_size, r, "%s",
                                                msg ?: "cannot read the recording");
                if (r == 0)
                        break;
                rp->n_probe++;
        }
        if (rp->n_probe == 0)
                return plugin_set_error(error, error_size, -ENODATA,
                                        "%s: no samples in the recording", rp->path);

        rp->rate_hz = recording_reader_rate(rp->reader);
        if (rp->rate_hz <= 0) {
                if (rp->n_probe < 2)
                        return plugin_set_error(
                                error, error_size, -ENODATA,
                                "%s: one sample and no '# rate_hz:' line; cannot tell the rate",
                                rp->path);
                int64_t sum = 0;
                size_t k = 0;

                for (size_t i = 1; i < rp->n_probe; i++) {
                        int64_t d = rp->probe[i].t_ns - rp->probe[i - 1].t_ns;

                        if (d <= REPLAY_MAX_PERIOD_NS) {
                                sum += d;
                                k++;
                        }
                }
                if (k == 0)
                        return plugin_set_error(
                                error, error_size, -ENODATA,
                                "%s: samples more than 1 s apart and no '# rate_hz:' line; "
                                "cannot tell the rate",
                                rp->path);
                rp->rate_hz = (double) k * NSEC_PER_SEC / (double) sum;
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
        _cleanup_(uri_done) Uri uri = {};
        _cleanup_(freep) char *uri_error = NULL;
        int r;

        rp = calloc(1, sizeof(*rp));
        if (!rp)
                return -ENOMEM;
        rp->host = *host;
        rp->speed = 1.0;
        r = source_thread_init(&rp->thread);
        if (r < 0)
                return r; /* cppcheck-suppress memleak ; freed by _cleanup_ */

        r = uri_parse(&uri, "replay", arg, 0, &uri_error);
        if (r < 0)
                return plugin_set_error(error, error_size, r, "%s", uri_error ?: strerror(-r));
        r = parse_options(rp, &uri, error, error_size);
        if (r < 0)
                return r;
        rp->path = TAKE_PTR(uri.path);
        if (rp->path[0] == '\0')
                return plugin_set_error(error, error_size, -EINVAL,
                                        "replay: needs a file, e.g. replay:/path/rec.csv");

        r = recording_reader_open(&rp->reader, rp->path);
        if (r < 0)
                return plugin_set_error(error, error_size, r, "%s: %s", rp->path, strerror(-r));
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
                        if (*last_ns != INT64_MIN &&
                            ns_after_by_more(
                                    out->t_ns, *last_ns,
                                    (int64_t) (REPLAY_GAP_PERIODS * NSEC_PER_SEC / rp->rate_hz)))
                                out->flags |= FRAME_AFTER_GAP;
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
                        plugin_log(&rp->host, NULL, POSTURED_LOG_ERR,
                                   "%s: cannot reopen for the next loop: %s", rp->path,
                                   strerror(-r));
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
        int64_t offset_ns = 0, last_ns = INT64_MIN, t0_rec = rp->probe[0].t_ns,
                t0_wall = now_ns(CLOCK_MONOTONIC);
        _cleanup_(freep) char *msg = NULL;
        int r = 0;

        while (!source_thread_stopping(&rp->thread)) {
                Frame f;

                r = next_frame(rp, &probe_pos, &offset_ns, &last_ns, &f, &msg);
                if (r <= 0)
                        break;

                if (rp->speed > 0) {
                        int64_t due = t0_wall + (int64_t) ((double) (f.t_ns - t0_rec) / rp->speed);

                        /* Hand over what is due before sleeping past it. */
                        if (n > 0 && (due - now_ns(CLOCK_MONOTONIC) > REPLAY_AHEAD_NS ||
                                      n == REPLAY_BATCH)) {
                                (void) rp->host.push(rp->host.userdata, batch, n, 1);
                                n = 0;
                        }
                        /* Until it is due, or stop() asks. */
                        if (n == 0)
                                (void) source_thread_wait(&rp->thread, -1,
                                                          MAX(due - now_ns(CLOCK_MONOTONIC), 0));
                }
                batch[n++] = f;
                if (n == REPLAY_BATCH) {
                        (void) rp->host.push(rp->host.userdata, batch, n, 1);
                        n = 0;
                }
        }
        if (n > 0 && !source_thread_stopping(&rp->thread))
                (void) rp->host.push(rp->host.userdata, batch, n, 1);

        if (r < 0) {
                if (!source_thread_stopping(&rp->thread))
                        plugin_log(&rp->host, NULL, POSTURED_LOG_ERR, "%s", msg ?: strerror(-r));
                source_thread_finish(&rp->thread, &rp->host, r, "%s", msg ?: strerror(-r));
        } else
                source_thread_finish(&rp->thread, &rp->host, 0, "end of recording");
        return NULL;
}

static int replay_start(void *source)
{
        Replay *rp = source;

        return source_thread_start(&rp->thread, replay_thread, rp);
}

static void replay_stop(void *source)
{
        Replay *rp = source;

        (void) source_thread_stop(&rp->thread, NULL, NULL);
}

static void replay_close(void *source)
{
        Replay *rp = source;

        if (!rp)
                return;
        source_thread_done(&rp->thread);
        recording_reader_free(rp->reader);
        free(rp->path);
        free(rp);
}

PLUGIN_DEFINE("replay", replay)
