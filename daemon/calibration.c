/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The wearer's neutral across restarts (see calibration.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibration.h"
#include "core/neutral-state.h"
#include "log.h"
#include "manager.h"
#include "util/fileio.h"
#include "util/macro.h"

/** calibration_setup() - the file "neutral" in $STATE_DIRECTORY (one directory), or none. */
int calibration_setup(Manager *m)
{
        const char *dir = getenv("STATE_DIRECTORY");

        if (!dir || !*dir || strchr(dir, ':')) {
                log_debug("No $STATE_DIRECTORY: the neutral posture lives in memory only.");
                return 0;
        }
        if (asprintf(&m->neutral_path, "%s/neutral", dir) < 0) {
                m->neutral_path = NULL;
                return -ENOMEM;
        }
        return 0;
}

static Pipeline *pipeline_of(const Manager *m)
{
        return m->health ? coach_pipeline(health_coach(m->health)) : NULL;
}

static int write_state(FILE *f, const void *userdata)
{
        return neutral_state_write(f, userdata);
}

/** calibration_restore() - see calibration.h. */
void calibration_restore(Manager *m, const char *sensor, const MountMatrix *mount)
{
        _cleanup_(freep) char *text = NULL, *error = NULL;
        Pipeline *p = pipeline_of(m);
        NeutralState s = {};
        int r;

        /* The Coach carries the neutral over to the new pipeline: right for
         * the same sensor opened again, wrong for another one or mount. */
        if (p && m->neutral_sensor) {
                NeutralState before = { .sensor = m->neutral_sensor, .mount = m->mount };

                if (!neutral_state_matches(&before, sensor, mount)) {
                        estimator_reset_neutral(pipeline_estimator(p));
                        memset(m->neutral, 0, sizeof(m->neutral));
                        m->neutral_how = NEUTRAL_NONE;
                        m->calibrated_at = 0;
                        m->calibrated = false;
                        m->changed |= CHANGED_CALIBRATED;
                }
        }
        m->mount = *mount;
        free(m->neutral_sensor);
        m->neutral_sensor = sensor ? strdup(sensor) : NULL;
        if (!m->neutral_path || !p)
                return;

        r = read_full_file(m->neutral_path, &text, NULL);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                log_warning_errno(r, "Cannot read the saved neutral posture %s, ignoring it: %m",
                                  m->neutral_path);
                return;
        }
        r = neutral_state_parse(&s, text, &error);
        if (r == -ENOMEM) {
                (void) log_oom();
                return;
        }
        if (r < 0) {
                log_warning("%s: %s: the file is damaged; the saved neutral posture is ignored "
                            "until the next calibration replaces it.",
                            m->neutral_path, error ?: "cannot be parsed");
                return;
        }
        if (!neutral_state_matches(&s, sensor, mount)) {
                log_info("The saved neutral posture belongs to sensor %s with another mount or "
                         "to another sensor; %s starts without it.",
                         s.sensor, sensor ?: "the sensor");
                neutral_state_done(&s);
                return;
        }
        r = estimator_set_neutral_how(pipeline_estimator(p), s.neutral, s.how, 0);
        if (r < 0)
                log_warning("%s: the saved neutral posture is not usable, ignoring it.",
                            m->neutral_path);
        else {
                memcpy(m->neutral, s.neutral, sizeof(m->neutral));
                m->neutral_how = s.how;
                m->calibrated_at = s.calibrated_at_usec;
                m->calibrated = true;
                m->changed |= CHANGED_CALIBRATED;
                log_info("Restored the neutral posture of %s from %s.", sensor, m->neutral_path);
        }
        neutral_state_done(&s);
}

static void save(Manager *m)
{
        NeutralState s = {
                .sensor = m->neutral_sensor,
                .mount = m->mount,
                .how = m->neutral_how,
                .calibrated_at_usec = m->calibrated_at,
        };
        int r;

        if (!m->neutral_path)
                return;
        if (m->neutral_how == NEUTRAL_NONE) {
                if (unlink(m->neutral_path) < 0 && errno != ENOENT)
                        log_warning_errno(errno, "Cannot remove %s: %m", m->neutral_path);
                return;
        }
        memcpy(s.neutral, m->neutral, sizeof(s.neutral));
        r = write_file_atomic(m->neutral_path, 0644, write_state, &s);
        if (r < 0)
                log_warning_errno(r, "Cannot save the neutral posture to %s: %m", m->neutral_path);
}

/** calibration_update() - see calibration.h. */
void calibration_update(Manager *m)
{
        Pipeline *p = pipeline_of(m);
        double neutral[3] = {};
        NeutralHow how;
        int64_t t_ns;

        if (!p)
                return;
        how = estimator_get_calibration(pipeline_estimator(p), &t_ns);
        if (how != NEUTRAL_NONE)
                (void) estimator_get_neutral(pipeline_estimator(p), neutral);
        if (how == m->neutral_how && memcmp(neutral, m->neutral, sizeof(neutral)) == 0)
                return;

        memcpy(m->neutral, neutral, sizeof(neutral));
        m->neutral_how = how;
        m->calibrated_at = how == NEUTRAL_NONE ? 0 : manager_to_realtime_us(m, t_ns);
        m->calibrated = how != NEUTRAL_NONE;
        m->changed |= CHANGED_CALIBRATED;
        if (how != NEUTRAL_NONE)
                log_info("Neutral posture %s: (%.2f, %.2f, %.2f) m/s².",
                         how == NEUTRAL_REVISED ? "revised" : "set", neutral[0], neutral[1],
                         neutral[2]);
        save(m);
}

/** calibration_reset() - see calibration.h. */
void calibration_reset(Manager *m)
{
        Pipeline *p = pipeline_of(m);

        if (p)
                pipeline_reset_calibration(p);
        memset(m->neutral, 0, sizeof(m->neutral));
        m->neutral_how = NEUTRAL_NONE;
        m->calibrated_at = 0;
        m->calibrated = false;
        m->changed |= CHANGED_CALIBRATED;
        log_info("Calibration reset: the neutral posture is taken automatically again.");
        save(m);
}
