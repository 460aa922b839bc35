/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recovery state file of the Health.
 *
 * The state ([Recovery] StateFile=, default: recovery in systemd's
 * $STATE_DIRECTORY) is written after each change, atomically (temporary
 * file, fsync, rename), in the format of core/recovery-state.h, and read
 * back at start. A line that cannot be read is logged with file and line
 * (the first DAMAGED_LINES_SHOWN, then a count) and skipped: a damaged file
 * never stops the daemon. Entries dated after the clock are kept aside and
 * saved again; a report that cannot be saved is refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/recovery-state.h"
#include "health-internal.h"
#include "health.h"
#include "log.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/time-util.h"

static int write_state(FILE *f, const void *userdata)
{
        return recovery_state_write(userdata, f);
}

/**
 * health_write_state() - store @state in the state file, if there is one
 * (write_file_atomic()).
 * @h: the Health.
 * @state: what to store.
 *
 * Return: 0, or -errno (logged) when @state is not stored.
 */
int health_write_state(Health *h, const RecoveryState *state)
{
        int r;

        if (!h->state_path)
                return 0;
        r = write_file_atomic(h->state_path, 0600, write_state, state);
        if (r < 0)
                return log_warning_errno(r, "Cannot save the recovery state to %s: %m",
                                         h->state_path);
        return 0;
}

/**
 * health_capture() - the state to save now: what is in memory, and what was
 * set aside as dated after the clock.
 * @h: the Health.
 * @ret: the state.
 */
void health_capture(const Health *h, RecoveryState *ret)
{
        char *const *alerts = health_active_alerts(h);

        recovery_state_capture(ret, coach_recovery(h->coach), alerts && alerts[0]);
        recovery_state_merge(ret, &h->future);
}

/* Damaged lines logged one by one; the rest are counted (a damaged file may have millions). */
#define DAMAGED_LINES_SHOWN 5

typedef struct LoadWarnings {
        const Health *h;
        unsigned n;
} LoadWarnings;

static void warn_line(unsigned line, const char *why, void *userdata)
{
        LoadWarnings *w = userdata;

        if (w->n++ < DAMAGED_LINES_SHOWN)
                log_warning("%s:%u: %s; skipped.", w->h->state_path, line, why);
}

/**
 * health_load() - read the state file back; it gives no advice, only the
 * restored alert. A missing file is fine, a damaged line is logged and skipped.
 * @h: the Health, its Coach set up.
 */
void health_load(Health *h)
{
        Recovery *rec = coach_recovery(h->coach);
        uint64_t now = health_now(h);
        LoadWarnings warnings = { .h = h };
        RecoveryState state;
        unsigned n_future;
        FILE *f;
        int r;

        if (!h->state_path)
                return;
        f = fopen(h->state_path, "re");
        if (!f) {
                if (errno != ENOENT)
                        log_warning_errno(-errno, "Cannot read the recovery state %s: %m",
                                          h->state_path);
                return;
        }
        r = recovery_state_parse(&state, f, warn_line, &warnings);
        (void) fclose(f);
        if (warnings.n > DAMAGED_LINES_SHOWN)
                log_warning("%s: %u more damaged lines skipped.", h->state_path,
                            warnings.n - DAMAGED_LINES_SHOWN);
        if (r < 0) {
                log_warning_errno(r, "Cannot read the recovery state %s: %m", h->state_path);
                return;
        }
        n_future = recovery_state_split_future(&state, &h->future, now);
        if (n_future > 0) {
                uint64_t latest = h->future.onset_usec;

                if (h->future.n_pain > 0 && h->future.pain[h->future.n_pain - 1].t_usec > latest)
                        latest = h->future.pain[h->future.n_pain - 1].t_usec;
                log_warning("%s: %u entries (injury onset, pain reports) are dated up to %" PRIu64
                            " s after the current time: the clock may be behind. They are kept "
                            "in the file, not applied.",
                            h->state_path, n_future, (latest - now) / USEC_PER_SEC);
        }

        r = recovery_state_apply(&state, rec, now);
        if (r < 0)
                log_notice("%s: the injury onset is more than a year ago; not restored.",
                           h->state_path);
        /* Before the alert: restoring the phase is no news to log. */
        (void) coach_follow_phase(h->coach);
        if (state.alert_symptoms) {
                char *names[_SYMPTOM_MAX + 1] = {};
                size_t n = 0;

                for (Symptom s = 0; s < _SYMPTOM_MAX; s++)
                        if (state.alert_symptoms & (1u << s))
                                names[n++] = (char *) symptom_to_string(s);
                if (coach_report_symptoms(h->coach, names, now) < 0)
                        log_warning("%s: the red-flag alert could not be restored.", h->state_path);
        }
        log_info("Recovery state restored from %s.", h->state_path);
        log_debug("Restored recovery phase: %s.", recovery_phase_to_string(recovery_phase(rec)));
}

/**
 * health_state_path() - where the recovery state is kept: [Recovery]
 * StateFile=, else recovery in $STATE_DIRECTORY when that names one directory.
 * @config: the configuration.
 * @ret: the path, or NULL when the state lives in memory only.
 *
 * Return: 0 or -ENOMEM.
 */
int health_state_path(const Config *config, char **ret)
{
        const char *dir = getenv("STATE_DIRECTORY");

        *ret = NULL;
        if (config->state_file && *config->state_file) {
                *ret = strdup(config->state_file);
                return *ret ? 0 : -ENOMEM;
        }
        /* Several directories (a list with ':') leave the choice open: none is taken. */
        if (dir && !strchr(dir, ':') && asprintf(ret, "%s/recovery", dir) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}
