/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/recovery.h"

/*
 * The recovery state file: what of the wearer's recovery survives a restart.
 * Text, one "key=value" a line; '#' starts a comment:
 *
 *   onset=USEC            the reported injury onset (CLOCK_REALTIME µs)
 *   recovered=1           the wearer said they recovered
 *   pain=USEC LEVEL       a pain report, oldest first
 *   pain_context=TEXT     the context of the last pain report
 *   alert=SYMPTOM[,...]   an active (unacknowledged) red-flag alert
 *
 * Only the format lives here: no file names, no logging, no atomic
 * replacement (the daemon does that). A damaged line is skipped and
 * reported to the caller, so a damaged file never stops the daemon.
 */

/**
 * struct RecoveryState - the saved state.
 * @onset_usec: 0 when no injury was reported.
 * @pain: the pain history, oldest first.
 * @pain_context: the context of the last report ("" for none).
 * @alert_symptoms: the symptom mask (1 << Symptom) of the active alert; 0: none.
 */
typedef struct RecoveryState {
        uint64_t onset_usec;
        bool recovered;
        PainReport pain[PAIN_HISTORY_SIZE];
        size_t n_pain;
        char pain_context[PAIN_CONTEXT_MAX + 1];
        unsigned alert_symptoms;
} RecoveryState;

/* The bytes of a damaged line's key quoted in the reason it was skipped, and the reason's size. */
#define RECOVERY_STATE_KEY_SHOWN 40
#define RECOVERY_STATE_WHY_MAX   (4 * RECOVERY_STATE_KEY_SHOWN + 32)

/** RecoveryStateWarnFn - a line of the file that was skipped, and why (escaped, printable). */
typedef void (*RecoveryStateWarnFn)(unsigned line, const char *why, void *userdata);

/** recovery_state_capture() - the state of @r, with the alert if @alert_active. */
void recovery_state_capture(RecoveryState *ret, const Recovery *r, bool alert_active);

/** recovery_state_write() - Return: 0 or -EIO. */
int recovery_state_write(const RecoveryState *s, FILE *f);

/** recovery_state_parse() - Return: the number of lines skipped, or -errno. */
int recovery_state_parse(RecoveryState *ret, FILE *f, RecoveryStateWarnFn warn, void *userdata);

/** recovery_state_split_future() - Return: the number of future-dated entries moved. */
unsigned recovery_state_split_future(RecoveryState *s, RecoveryState *ret_future,
                                     uint64_t now_usec);

/** recovery_state_merge() - add what was kept aside to a state to save. */
void recovery_state_merge(RecoveryState *s, const RecoveryState *carried);

/** recovery_state_apply() - Return: 0, or -EINVAL/-ERANGE when the onset was not restored. */
int recovery_state_apply(const RecoveryState *s, Recovery *r, uint64_t now_usec);
