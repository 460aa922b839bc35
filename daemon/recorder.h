/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include <stddef.h>

#include <systemd/sd-event.h>

#include "abi/frame.h"
#include "util/macro.h"

/*
 * Recordings for StartRecording(): every frame fed, raw and in the sensor
 * frame, written in the recording format of DESIGN.md into a pipe whose read
 * end the caller holds. Writes never block the loop: what the pipe cannot
 * take waits in a bounded buffer; beyond that, frames are dropped, counted
 * and reported in a "# dropped: N frames" line.
 */

typedef struct Recorder Recorder;

/* How many recordings may run at once, and at once for one user (other
 * than root) when the caller's user is known (recorder_start_for()). */
#define RECORDER_MAX          8
#define RECORDER_MAX_PER_USER 2

/* What the bytes still waiting for a slow reader may grow to, per recording. */
#define RECORDER_PENDING_MAX (8 * 1024 * 1024)

/* Results of recorder_start() other than success and -errno. */
enum {
        _RECORDER_E_SUCCESS,
        RECORDER_E_TOO_MANY,   /* RECORDER_MAX recordings run already */
        RECORDER_E_USER_LIMIT, /* RECORDER_MAX_PER_USER run for this user already */
};

/**
 * struct RecorderCallbacks - what a Recorder asks of its owner.
 * @describe: the source's sample rate and name, for the header of a
 *            recording; asked when its first frame arrives. @ret_name may
 *            be left NULL.
 */
typedef struct RecorderCallbacks {
        void (*describe)(void *userdata, double *ret_rate_hz, const char **ret_name);
} RecorderCallbacks;

/** recorder_new() - a Recorder on @event, with no recording yet. */
int recorder_new(Recorder **ret, sd_event *event, const RecorderCallbacks *callbacks,
                 void *userdata);
/** recorder_free() - end every recording; accepts NULL, returns NULL. */
Recorder *recorder_free(Recorder *r);

static inline void recorder_freep(Recorder **r)
{
        recorder_free(*r);
}

/** recorder_start() - a new recording; its pipe's read end in *@ret_fd. */
int recorder_start(Recorder *r, const char *requester, int *ret_fd);

/** recorder_start_for() - recorder_start() for the user @uid ((uid_t) -1: not counted). */
int recorder_start_for(Recorder *r, const char *requester, uid_t uid, int *ret_fd);
/** recorder_feed() - hand @n frames, as the source delivered them, to every recording. */
void recorder_feed(Recorder *r, const Frame *frames, size_t n);
/** recorder_count() - how many recordings run. */
unsigned recorder_count(const Recorder *r);
