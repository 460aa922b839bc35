/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "core/estimator/estimator.h"
#include "core/mount-matrix.h"

/*
 * The wearer's neutral as the daemon keeps it across restarts (the file
 * "neutral" in the state directory), with the identity it belongs to: the
 * sensor's name and the mount matrix in use. A different sensor or mount
 * does not inherit it. Text, one "key=value" a line:
 *
 *     # postured neutral posture
 *     sensor=iio:device0
 *     mount=1,0,0;0,1,0;0,0,1
 *     neutral=-0.12,9.79,0.35
 *     how=given
 *     calibrated_at=1764890000000000
 */

/** struct NeutralState - a saved neutral. @sensor is owned. */
typedef struct NeutralState {
        char *sensor;
        MountMatrix mount;
        double neutral[3];
        NeutralHow how;              /* not NEUTRAL_NONE */
        uint64_t calibrated_at_usec; /* CLOCK_REALTIME */
} NeutralState;

void neutral_state_done(NeutralState *s);

/** neutral_state_write() - @s in the file format. Return: 0 or -errno. */
int neutral_state_write(FILE *f, const NeutralState *s);

/**
 * neutral_state_parse() - read @text (NUL-terminated).
 * Return: 0, -EBADMSG with "LINE: what is wrong" in *@ret_error, -ENOMEM.
 */
int neutral_state_parse(NeutralState *ret, const char *text, char **ret_error);

/** neutral_state_matches() - @s belongs to the sensor @sensor with mount @mount. */
bool neutral_state_matches(const NeutralState *s, const char *sensor, const MountMatrix *mount);
