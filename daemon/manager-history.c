/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager's side of the history store: where the store lives, where in
 * time a sample goes, and what of the wearer's recovery is kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manager.h"
#include "util/macro.h"
#include "util/time-util.h"

/* POSTURED_HISTORY_COMMIT_SEC= shortens the minute between commits (and
 * metrics writes), for tests. */
static uint64_t commit_interval_us(void)
{
        const char *e = getenv("POSTURED_HISTORY_COMMIT_SEC");
        char *end = NULL;
        unsigned long v;

        if (!e || !*e)
                return 60 * USEC_PER_SEC;
        errno = 0;
        v = strtoul(e, &end, 10);
        if (errno != 0 || *end != '\0' || v == 0 || v > 3600) {
                log_warning("POSTURED_HISTORY_COMMIT_SEC=%s is not 1..3600; using 60.", e);
                return 60 * USEC_PER_SEC;
        }
        return (uint64_t) v * USEC_PER_SEC;
}

/**
 * manager_history_open() - the store at [History] File= or
 * $STATE_DIRECTORY/history.db; without either there is no history (logged).
 * A store that cannot be opened now is retried later, never fatal.
 * @m: the manager.
 *
 * Return: 0 or -ENOMEM.
 */
int manager_history_open(Manager *m)
{
        _cleanup_(freep) char *path = NULL;
        const char *dir = getenv("STATE_DIRECTORY");
        int r;

        if (m->config.history_file && *m->config.history_file)
                path = strdup(m->config.history_file);
        else if (dir && *dir && !strchr(dir, ':') && asprintf(&path, "%s/history.db", dir) < 0)
                path = NULL;
        else if (!dir || !*dir || strchr(dir, ':')) {
                log_info("No state directory and no [History] File=: no history is kept.");
                return 0;
        }
        if (!path)
                return log_oom();
        r = history_new(&m->history, m->event,
                        &(HistoryParams){
                                .path = path,
                                .keep_days = m->config.history_keep_days,
                                .max_bytes = (uint64_t) m->config.history_max_mb * 1024 * 1024,
                                .commit_interval_us = commit_interval_us(),
                        });
        if (r < 0)
                return log_error_errno(r, "Cannot set up the history: %m");
        log_debug("History kept in %s.", path);
        return 0;
}

/**
 * manager_history_time_us() - a sample time in CLOCK_REALTIME µs for the
 * history. A recording is placed from its first sample on, at its own pace:
 * a day replayed in a minute still fills a day.
 * @m: the manager.
 * @t_ns: a sample time of the current source.
 *
 * Return: µs since the epoch.
 */
uint64_t manager_history_time_us(Manager *m, int64_t t_ns)
{
        const PosturedSourceInfo *info = sensor_info(m->sensor);
        int64_t us;

        if (!info || info->clock != POSTURED_CLOCK_RECORDING)
                return manager_to_realtime_us(m, t_ns);
        if (!m->history_anchored) {
                m->history_anchor_us = manager_to_realtime_us(m, t_ns);
                m->history_anchor_ns = t_ns;
                m->history_anchored = true;
        }
        us = (int64_t) m->history_anchor_us + (t_ns - m->history_anchor_ns) / 1000;
        return us > 0 ? (uint64_t) us : 0;
}

/**
 * manager_history_note_health() - a pain report or a phase change of
 * HEALTH_CHANGED_* @what goes into the history.
 * @m: the manager.
 * @what: what changed.
 */
void manager_history_note_health(Manager *m, unsigned what)
{
        const Recovery *rec;
        const char *context = NULL;
        unsigned level;
        uint64_t t;

        if (!m->history || !m->health)
                return;
        rec = health_recovery(m->health);
        if ((what & HEALTH_CHANGED_PAIN) && recovery_last_pain(rec, &level, &t, &context))
                history_add_pain(m->history, t, level, context);
        if (what & HEALTH_CHANGED_PHASE)
                history_add_phase(m->history, now_us(CLOCK_REALTIME),
                                  recovery_phase_to_string(recovery_phase(rec)),
                                  recovery_onset(rec));
}

static double metrics_strain_level(void *userdata)
{
        Manager *m = userdata;

        return m->strain;
}

static const char *metrics_sensor_state(void *userdata)
{
        Manager *m = userdata;

        return sensor_state_to_string(sensor_state(m->sensor));
}

static unsigned long long metrics_dropped(void *userdata)
{
        Manager *m = userdata;
        Pipeline *p = m->health ? coach_pipeline(health_coach(m->health)) : NULL;

        return m->dropped_before + (p ? pipeline_dropped(p) : 0);
}

/**
 * manager_metrics_open() - with [Metrics] TextfileDirectory=, write
 * postured.prom there every minute (and at a stop).
 * @m: the manager.
 *
 * Return: 0 or -errno (logged).
 */
int manager_metrics_open(Manager *m)
{
        static const MetricsCallbacks cb = {
                .strain_level = metrics_strain_level,
                .sensor_state = metrics_sensor_state,
                .dropped = metrics_dropped,
        };
        int r;

        if (!m->config.metrics_dir || !*m->config.metrics_dir)
                return 0;
        r = metrics_new(&m->metrics, m->event, m->config.metrics_dir, commit_interval_us(), &cb, m);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the metrics in %s: %m",
                                       m->config.metrics_dir);
        (void) metrics_write(m->metrics);
        return 0;
}
