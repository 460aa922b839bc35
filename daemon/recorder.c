/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * StartRecording(): the frames of the source, as the ring delivers them,
 * written as CSV into one pipe per recording. The main loop must never wait
 * for a reader: the write end is non-blocking, what the pipe refuses waits in
 * a buffer of at most RECORDER_PENDING_MAX bytes flushed on EPOLLOUT, and
 * frames that do not fit even there are dropped and counted, never lost
 * silently. A reader that closes its end ends the recording (EPIPE, or
 * EPOLLERR while idle); SIGPIPE must be ignored process-wide for this.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/recording.h"
#include "log.h"
#include "recorder.h"
#include "util/macro.h"

/* The pipe's own buffer: 1 MiB is the default pipe-max-size for unprivileged users. */
#define RECORD_PIPE_SIZE (1024 * 1024)
/* A sample line is below 200 bytes (see recording_write_frame()). */
#define RECORD_LINE_MAX 256

typedef struct Recording Recording;

struct Recorder {
        sd_event *event;
        RecorderCallbacks callbacks;
        void *userdata;
        Recording *recordings;
        unsigned n_recordings;
        unsigned started; /* ids for the log */
};

struct Recording {
        Recorder *recorder;
        Recording *next;
        unsigned id;
        char *requester;
        uid_t uid; /* (uid_t) -1: not counted per user */
        int fd;    /* write end, O_NONBLOCK */
        /* Always on, to notice EPOLLERR (reader gone); EPOLLOUT only while bytes wait. */
        sd_event_source *io;

        /* Bytes the pipe did not take yet: buf[start, start + len). */
        char *buf;
        size_t start, len, alloc;

        /* One sample line is formatted here, through a FILE for recording_write_frame(). */
        FILE *line;
        char line_buf[RECORD_LINE_MAX];

        bool started; /* header written; t0_ns is the first frame's time */
        int64_t t0_ns;
        uint64_t last_us; /* time of the last sample line, µs after t0_ns */
        uint64_t samples;
        uint64_t dropped; /* not yet reported in a "# dropped:" line */
        uint64_t dropped_total;
        uint64_t skipped; /* time not increasing, or not a number; not yet reported */
        uint64_t skipped_total;
};

static void recording_unlink(Recording *rec)
{
        Recorder *r = rec->recorder;

        for (Recording **p = &r->recordings; *p; p = &(*p)->next)
                if (*p == rec) {
                        *p = rec->next;
                        r->n_recordings--;
                        return;
                }
}

static Recording *recording_free(Recording *rec)
{
        if (!rec)
                return NULL;
        recording_unlink(rec);
        (void) sd_event_source_disable_unref(rec->io);
        if (rec->fd >= 0)
                (void) close(rec->fd);
        if (rec->line)
                (void) fclose(rec->line);
        free(rec->buf);
        free(rec->requester);
        free(rec);
        return NULL;
}

static void recording_end(Recording *rec, int error)
{
        if (error == -EPIPE || error == 0)
                log_info_ratelimited("Recording %u for %s ended: %" PRIu64
                                     " samples written, %" PRIu64 " dropped, %" PRIu64 " skipped.",
                                     rec->id, rec->requester ?: "?", rec->samples,
                                     rec->dropped_total, rec->skipped_total);
        else
                log_warning_errno(error, "Recording %u for %s failed, ending it: %m", rec->id,
                                  rec->requester ?: "?");
        recording_free(rec);
}

/* Return: 0, or -ENOBUFS when @n more bytes would pass RECORDER_PENDING_MAX. */
static int pending_append(Recording *rec, const char *p, size_t n)
{
        if (rec->len + n > RECORDER_PENDING_MAX)
                return -ENOBUFS;
        if (rec->start + rec->len + n > rec->alloc && rec->start > 0) {
                memmove(rec->buf, rec->buf + rec->start, rec->len);
                rec->start = 0;
        }
        if (rec->len + n > rec->alloc) {
                size_t a = MIN(MAX(rec->alloc * 2, MAX(rec->len + n, (size_t) 65536)),
                               (size_t) RECORDER_PENDING_MAX);
                char *b = realloc(rec->buf, a);

                if (!b)
                        return -ENOBUFS;
                rec->buf = b;
                rec->alloc = a;
        }
        memcpy(rec->buf + rec->start + rec->len, p, n);
        rec->len += n;
        return 0;
}

/*
 * Write what is pending, as much as the pipe takes now.
 * Return: 0 (the rest waits for EPOLLOUT), -EPIPE when the reader has gone,
 * or -errno.
 */
static int recording_flush(Recording *rec)
{
        while (rec->len > 0) {
                ssize_t k = write(rec->fd, rec->buf + rec->start, rec->len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        break;
                if (k < 0)
                        return -errno;
                rec->start += (size_t) k;
                rec->len -= (size_t) k;
        }
        if (rec->len == 0) {
                rec->start = 0;
                /* A backlog cleared: give its memory back. */
                if (rec->alloc > 65536) {
                        free(rec->buf);
                        rec->buf = NULL;
                        rec->alloc = 0;
                }
        }
        return sd_event_source_set_io_events(rec->io, rec->len > 0 ? EPOLLOUT : 0);
}

/*
 * The "# dropped:" and "# skipped:" lines, once there is room for them and
 * @reserve more bytes: a gap is reported only where the samples resume.
 * Return: 0 or -ENOBUFS.
 */
static int write_notes(Recording *rec, size_t reserve)
{
        char notes[256];
        int k = 0;

        if (rec->dropped == 0 && rec->skipped == 0)
                return 0;
        if (rec->dropped > 0)
                k += snprintf(notes, sizeof(notes), "# dropped: %" PRIu64 " frames\n",
                              rec->dropped);
        if (rec->skipped > 0)
                k += snprintf(notes + k, sizeof(notes) - (size_t) k,
                              "# skipped: %" PRIu64 " frames (time not increasing, or not a "
                              "number)\n",
                              rec->skipped);
        if (rec->len + (size_t) k + reserve > RECORDER_PENDING_MAX ||
            pending_append(rec, notes, (size_t) k) < 0)
                return -ENOBUFS;
        if (rec->dropped > 0)
                log_info("Recording %u: the reader caught up; %" PRIu64 " frames were dropped.",
                         rec->id, rec->dropped);
        rec->dropped = rec->skipped = 0;
        return 0;
}

static int recording_start_file(Recording *rec, int64_t t0_ns)
{
        Recorder *rr = rec->recorder;
        _cleanup_(freep) char *text = NULL;
        const char *name = NULL;
        double rate_hz = 0;
        size_t size = 0;
        FILE *f;
        int r;

        if (rr->callbacks.describe)
                rr->callbacks.describe(rr->userdata, &rate_hz, &name);
        f = open_memstream(&text, &size);
        if (!f)
                return -errno;
        r = recording_write_header(f, rate_hz, name);
        if (fclose(f) != 0 && r >= 0)
                r = -errno;
        if (r < 0)
                return r;
        r = pending_append(rec, text, size);
        if (r < 0)
                return r;
        rec->started = true;
        rec->t0_ns = t0_ns;
        return 0;
}

/* Format @fr into line_buf. Return: its length, or -errno. */
static int format_line(Recording *rec, const Frame *fr)
{
        long k;
        int r;

        rewind(rec->line);
        r = recording_write_frame(rec->line, fr, rec->t0_ns);
        if (r < 0)
                return r;
        if (fflush(rec->line) != 0)
                return -errno;
        k = ftell(rec->line);
        if (k <= 0 || k >= RECORD_LINE_MAX)
                return -ENOBUFS;
        return (int) k;
}

static void count_skipped(Recording *rec)
{
        rec->skipped++;
        rec->skipped_total++;
}

static int recording_feed(Recording *rec, const Frame *frames, size_t n)
{
        int r;

        if (!rec->started) {
                r = recording_start_file(rec, frames[0].t_ns);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n; i++) {
                const Frame *fr = &frames[i];
                uint64_t us;
                int k;

                /* Strictly increasing times, as the format wants, whatever the source sends. */
                if (fr->t_ns < rec->t0_ns) {
                        count_skipped(rec);
                        continue;
                }
                us = ((uint64_t) fr->t_ns - (uint64_t) rec->t0_ns + 500) / 1000;
                if (rec->samples > 0 && us <= rec->last_us) {
                        count_skipped(rec);
                        continue;
                }
                k = format_line(rec, fr);
                if (k < 0) {
                        count_skipped(rec);
                        continue;
                }
                if (write_notes(rec, (size_t) k) < 0 ||
                    pending_append(rec, rec->line_buf, (size_t) k) < 0) {
                        if (rec->dropped++ == 0)
                                log_warning("Recording %u for %s: the reader is not keeping up; "
                                            "dropping frames.",
                                            rec->id, rec->requester ?: "?");
                        rec->dropped_total++;
                        continue;
                }
                rec->last_us = us;
                rec->samples++;
        }
        return recording_flush(rec);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Recording *rec = userdata;
        int r;

        if (revents & (EPOLLERR | EPOLLHUP)) {
                recording_end(rec, -EPIPE);
                return 0;
        }
        r = recording_flush(rec);
        /* Room again: say what was dropped even if no frame comes to carry it. */
        if (r >= 0 && (rec->dropped > 0 || rec->skipped > 0) && write_notes(rec, 0) >= 0)
                r = recording_flush(rec);
        if (r < 0)
                recording_end(rec, r);
        return 0;
}

/* A new recording, not yet started: the caller sets rec->fd and rec->io. */
static Recording *recording_new(Recorder *r, const char *requester)
{
        Recording *rec;

        rec = calloc(1, sizeof(*rec));
        if (!rec)
                return NULL;
        rec->recorder = r;
        rec->fd = -EBADF;
        rec->next = r->recordings;
        r->recordings = rec;
        r->n_recordings++;
        rec->id = ++r->started;
        return rec;
}

/**
 * recorder_start() - start a recording of the frames to come.
 * @r: the recorder.
 * @requester: who asked (a bus name), for the log; may be NULL.
 * @ret_fd: the read end of the pipe, O_CLOEXEC, owned by the caller.
 *
 * Return: 0 with *@ret_fd set; RECORDER_E_TOO_MANY when RECORDER_MAX
 * recordings run already; or -errno.
 */
int recorder_start(Recorder *r, const char *requester, int *ret_fd)
{
        return recorder_start_for(r, requester, (uid_t) -1, ret_fd);
}

/**
 * recorder_start_for() - recorder_start() for a caller whose user is known.
 * @r: the Recorder.
 * @requester: who asked, for the log.
 * @uid: the caller's user: one other than root holds at most
 *       RECORDER_MAX_PER_USER of the RECORDER_MAX places; (uid_t) -1 is not
 *       counted.
 * @ret_fd: the read end of the recording's pipe.
 *
 * Return: as recorder_start(), or RECORDER_E_USER_LIMIT.
 */
int recorder_start_for(Recorder *r, const char *requester, uid_t uid, int *ret_fd)
{
        _cleanup_(closep) int read_fd = -EBADF;
        Recording *rec;
        unsigned mine = 0;
        int fds[2], k;

        if (r->n_recordings >= RECORDER_MAX)
                return RECORDER_E_TOO_MANY;
        if (uid != (uid_t) -1 && uid != 0) {
                for (Recording *o = r->recordings; o; o = o->next)
                        if (o->uid == uid)
                                mine++;
                if (mine >= RECORDER_MAX_PER_USER)
                        return RECORDER_E_USER_LIMIT;
        }
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        read_fd = fds[0];
        rec = recording_new(r, requester);
        if (!rec) {
                (void) close(fds[1]);
                return -ENOMEM;
        }
        rec->fd = fds[1];
        rec->uid = uid;
        /* Only our end is non-blocking: the reader gets a plain pipe. */
        if (fcntl(rec->fd, F_SETFL, O_NONBLOCK) < 0) {
                k = -errno;
                recording_free(rec);
                return k;
        }
        /* Best effort: beyond pipe-max-size the default (64 KiB) stays. */
        (void) fcntl(rec->fd, F_SETPIPE_SZ, RECORD_PIPE_SIZE);

        rec->requester = requester ? strdup(requester) : NULL;
        if (requester && !rec->requester) {
                recording_free(rec);
                return -ENOMEM;
        }
        rec->line = fmemopen(rec->line_buf, sizeof(rec->line_buf), "w");
        k = rec->line ? 0 : -errno;
        if (k >= 0)
                k = sd_event_add_io(r->event, &rec->io, rec->fd, 0, on_io, rec);
        if (k < 0) {
                recording_free(rec);
                return k;
        }
        log_info_ratelimited("Recording %u started for %s.", rec->id, requester ?: "?");
        *ret_fd = TAKE_FD(read_fd);
        return 0;
}

/**
 * recorder_feed() - hand @n frames, as the ring delivered them, to every
 * recording. Recordings whose reader has gone, or that fail, are ended and
 * freed.
 */
void recorder_feed(Recorder *r, const Frame *frames, size_t n)
{
        Recording *next;
        int k;

        if (n == 0)
                return;
        for (Recording *rec = r->recordings; rec; rec = next) {
                next = rec->next;
                k = recording_feed(rec, frames, n);
                if (k < 0)
                        recording_end(rec, k);
        }
}

/** recorder_count() - the number of recordings running. */
unsigned recorder_count(const Recorder *r)
{
        return r ? r->n_recordings : 0;
}

/**
 * recorder_new() - a Recorder whose pipes are watched on @event.
 * @ret: the new Recorder.
 * @event: the loop; a reference is taken.
 * @callbacks: copied; any member may be NULL.
 * @userdata: handed to the callbacks.
 *
 * Return: 0 or -ENOMEM.
 */
int recorder_new(Recorder **ret, sd_event *event, const RecorderCallbacks *callbacks,
                 void *userdata)
{
        Recorder *r;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->event = sd_event_ref(event);
        if (callbacks)
                r->callbacks = *callbacks;
        r->userdata = userdata;
        *ret = r;
        return 0;
}

/**
 * recorder_free() - end every recording, writing what is pending if the
 * pipe takes it at once, and free @r.
 *
 * Return: NULL.
 */
Recorder *recorder_free(Recorder *r)
{
        if (!r)
                return NULL;
        while (r->recordings) {
                Recording *rec = r->recordings;

                (void) recording_flush(rec);
                recording_end(rec, 0);
        }
        sd_event_unref(r->event);
        free(r);
        return NULL;
}
