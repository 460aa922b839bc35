/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recovery state survives restarts: the injury onset, whether the
 * wearer said they recovered, the pain history and an unacknowledged red-flag
 * alert are written to [Recovery] StateFile= (default: recovery in systemd's
 * $STATE_DIRECTORY) after each change, atomically (temporary file, fsync,
 * rename), and read back at start. A line that cannot be read is logged with
 * file and line and skipped: a damaged file never stops the daemon.
 *
 * Format, one "key=value" a line:
 *   onset=USEC            recovered=1
 *   pain=USEC LEVEL       (oldest first)      pain_context=TEXT (of the last)
 *   alert=SYMPTOM[,SYMPTOM...]               (an active red-flag alert)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util/macro.h"
#include "manager.h"
#include "util/time-util.h"

static bool alert_active(const Manager *m)
{
        char *const *a = advice_engine_active_alerts(m->advice);

        return a && a[0];
}

/**
 * health_save() - write the state file, if there is one. Failures are logged
 * (the state stays in memory) and returned.
 */
int health_save(Manager *m)
{
        _cleanup_(freep) char *tmp = NULL;
        PainReport hist[PAIN_HISTORY_SIZE];
        const char *context = NULL;
        unsigned level;
        uint64_t t;
        size_t n;
        FILE *f;
        int fd, r = 0;

        if (!m->state_path)
                return 0;
        if (asprintf(&tmp, "%s.tmp", m->state_path) < 0)
                return log_oom();
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_warning_errno(-errno, "Cannot save the recovery state to %s: %m", tmp);
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                (void) close(fd);
                return log_warning_errno(r, "Cannot save the recovery state: %m");
        }

        fprintf(f, "# postured recovery state; written by postured, do not edit\n");
        if (recovery_onset(m->recovery) > 0)
                fprintf(f, "onset=%" PRIu64 "\n", recovery_onset(m->recovery));
        if (recovery_phase(m->recovery) == PHASE_RECOVERED)
                fprintf(f, "recovered=1\n");
        n = recovery_pain_history(m->recovery, hist, ELEMENTSOF(hist));
        for (size_t i = 0; i < n; i++)
                fprintf(f, "pain=%" PRIu64 " %u\n", hist[i].t_usec, hist[i].level);
        if (recovery_last_pain(m->recovery, &level, &t, &context) && context && *context &&
            !strchr(context, '\n'))
                fprintf(f, "pain_context=%s\n", context);
        if (alert_active(m)) {
                unsigned mask = recovery_symptoms(m->recovery);
                const char *sep = "";

                fprintf(f, "alert=");
                for (int s = 0; s < _SYMPTOM_MAX; s++)
                        if (mask & (1u << s)) {
                                fprintf(f, "%s%s", sep, symptom_to_string(s));
                                sep = ",";
                        }
                fprintf(f, "\n");
        }

        if (fflush(f) != 0 || fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, m->state_path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return log_warning_errno(r, "Cannot save the recovery state to %s: %m",
                                         m->state_path);
        }
        return 0;
}

static int restore_alert(Manager *m, char *value, uint64_t now)
{
        char *names[_SYMPTOM_MAX + 1] = {};
        size_t n = 0;
        char *save = NULL;

        for (char *s = strtok_r(value, ",", &save); s && n < _SYMPTOM_MAX;
             s = strtok_r(NULL, ",", &save))
                names[n++] = s;
        return advice_engine_report_symptoms(m->advice, names, now);
}

/**
 * health_load() - read the state file back, before the bus is up (so the
 * restored phase emits no signals). Return: 0; a missing file is no error.
 */
int health_load(Manager *m)
{
        _cleanup_(freep) char *line = NULL, *context = NULL, *alert = NULL;
        uint64_t onset = 0, now = now_us(CLOCK_REALTIME), t, last_t = 0;
        bool recovered = false;
        unsigned lineno = 0, level, last_level = 0;
        size_t size = 0;
        FILE *f;
        int r;

        if (!m->state_path)
                return 0;
        f = fopen(m->state_path, "re");
        if (!f) {
                if (errno != ENOENT)
                        log_warning_errno(-errno, "Cannot read the recovery state %s: %m",
                                          m->state_path);
                return 0;
        }

        /* First pass: the onset and flags; the pain reports go in after the injury. */
        while (getline(&line, &size, f) > 0) {
                char *eq, *nl;

                lineno++;
                nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                if (line[0] == '#' || line[0] == '\0')
                        continue;
                eq = strchr(line, '=');
                if (!eq) {
                        log_warning("%s:%u: not key=value; skipped.", m->state_path, lineno);
                        continue;
                }
                *eq++ = '\0';
                if (strcmp(line, "onset") == 0 && sscanf(eq, "%" SCNu64, &t) == 1)
                        onset = t;
                else if (strcmp(line, "recovered") == 0)
                        recovered = strcmp(eq, "1") == 0;
                else if (strcmp(line, "pain") == 0 &&
                         sscanf(eq, "%" SCNu64 " %u", &t, &level) == 2 && level <= 10 && t <= now &&
                         t >= last_t) {
                        /* Pain reports go straight into the state: no advice for old news. */
                        r = recovery_report_pain(m->recovery, level, NULL, t);
                        if (r < 0)
                                log_warning("%s:%u: pain report not restored.", m->state_path,
                                            lineno);
                        last_t = t;
                        last_level = level;
                } else if (strcmp(line, "pain_context") == 0) {
                        free(context);
                        context = strdup(eq);
                } else if (strcmp(line, "alert") == 0) {
                        free(alert);
                        alert = strdup(eq);
                } else
                        log_warning("%s:%u: '%s' cannot be restored; skipped.", m->state_path,
                                    lineno, line);
        }
        (void) fclose(f);

        /* The last report again with its context, so LastPain shows it. */
        if (last_t > 0 && context)
                (void) recovery_report_pain(m->recovery, last_level, context, last_t);

        if (onset > 0) {
                r = recovery_report_injury(m->recovery, onset, now);
                if (r < 0)
                        log_notice("%s: the injury onset is more than a year ago or in the "
                                   "future; not restored.",
                                   m->state_path);
                else if (recovered)
                        (void) recovery_report_recovered(m->recovery, now);
        }
        if (alert && restore_alert(m, alert, now) < 0)
                log_warning("%s: the red-flag alert could not be restored.", m->state_path);
        log_info("Recovery state restored from %s: phase %s.", m->state_path,
                 recovery_phase_to_string(recovery_phase(m->recovery)));
        return 0;
}
