/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "abi/frame.h"

/*
 * Recordings for StartRecording(): every frame the source delivers, raw and
 * in the sensor frame, written in the recording format of DESIGN.md into a
 * pipe whose read end the caller holds. Writes never block the main loop:
 * what the pipe cannot take waits in a bounded buffer; beyond that, frames
 * are dropped, counted and reported in a "# dropped: N frames" line.
 */

typedef struct Manager Manager;
typedef struct Recording Recording;

/* How many recordings may run at once. */
#define RECORD_MAX 8

/**
 * record_start() - start a recording of the frames to come.
 * @m: the manager.
 * @requester: who asked (a bus name), for the log; may be NULL.
 * @ret_fd: the read end of the pipe, O_CLOEXEC, owned by the caller.
 *
 * Return: 0, -EUSERS when RECORD_MAX recordings run already, or -errno.
 */
int record_start(Manager *m, const char *requester, int *ret_fd);

/**
 * record_frames() - hand @n frames, as the ring delivered them, to every
 * recording. Recordings whose reader has gone are ended and freed.
 */
void record_frames(Manager *m, const Frame *frames, size_t n);

/**
 * record_free_all() - end every recording, writing what is pending if the
 * pipe takes it at once.
 */
void record_free_all(Manager *m);
