/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SIGHUP: the Manager reads the configuration and the advice catalogue
 * again, applies what can change while running and names what needs a
 * restart.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "manager-internal.h"
#include "manager.h"
#include "util/macro.h"
#include "util/time-util.h"

/**
 * manager_set_config_loader() - how SIGHUP reads the configuration again.
 * @m: the manager.
 * @load: fills a Config from the same files, drop-ins and options as at
 *        start; logs what is wrong (file and line) and returns -errno.
 */
void manager_set_config_loader(Manager *m, int (*load)(Config *c))
{
        m->load_config = load;
}

static bool strings_differ(const char *a, const char *b)
{
        return !a != !b || (a && strcmp(a, b) != 0);
}

/* Name the settings of @new that only a restart applies, if they changed. */
static void log_restart_keys(const Manager *m, const Config *new)
{
        const Config *old = &m->config;
        const struct {
                bool changed;
                const char *what;
        } keys[] = {
                { strings_differ(old->source_uri, new->source_uri), "[Source] URI=" },
                { strings_differ(old->plugin_dir, new->plugin_dir), "[Source] PluginDirectory=" },
                { old->ring_frames != new->ring_frames, "[Source] RingFrames=" },
                { old->stall_timeout_s != new->stall_timeout_s, "[Source] StallTimeoutSec=" },
                { old->pipeline.filter_order != new->pipeline.filter_order ||
                          old->pipeline.cutoff_hz != new->pipeline.cutoff_hz,
                  "[Filter]" },
                { old->mount_matrix_set != new->mount_matrix_set ||
                          memcmp(&old->pipeline.estimator, &new->pipeline.estimator,
                                 sizeof(old->pipeline.estimator)) != 0,
                  "[Posture] or [Source] MountMatrix=" },
                { strings_differ(old->health_group, new->health_group), "[Bus] HealthGroup=" },
                { old->acute_hours != new->acute_hours ||
                          old->recovering_days != new->recovering_days ||
                          strings_differ(old->state_file, new->state_file),
                  "[Recovery]" },
        };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (keys[i].changed)
                        log_notice("Reload: the change of %s applies at the next start.",
                                   keys[i].what);
}

static void swap_strings(char **a, char **b)
{
        char *t = *a;

        *a = *b;
        *b = t;
}

/**
 * manager_reload() - SIGHUP: read the configuration and the advice catalogue
 * again and apply what can change while running: the [Rules], the catalogue,
 * [Advice] RepeatIntervalSec= and [Bus] PropertyRateHz=. The neutral, the
 * recovery state, the alert, the snooze, the open recordings and the source
 * stay; other changed settings are logged as applying at the next start. A
 * broken configuration or catalogue is refused (logged with file and line)
 * and the old one stays in force.
 * @m: the manager.
 *
 * Return: 0 when the new configuration is in force, else -errno (logged).
 */
int manager_reload(Manager *m)
{
        _cleanup_(config_done) Config new = {};
        int r;

        (void) sd_notifyf(0,
                          "RELOADING=1\n"
                          "STATUS=Reloading the configuration.\n"
                          "MONOTONIC_USEC=%" PRIu64,
                          now_us(CLOCK_MONOTONIC));
        log_info("Reloading the configuration and the advice catalogue.");

        r = m->load_config ? m->load_config(&new) : -EOPNOTSUPP;
        if (r >= 0)
                r = health_reload(m->health, &new);
        if (r < 0) {
                log_struct_errno(LOG_ERR, r, MESSAGE_ID_RELOAD_FAILED, NULL,
                                 "Reload refused; the configuration in force is kept.");
                (void) sd_notify(0, "READY=1\n"
                                    "STATUS=Reload refused; the configuration in force is kept.");
                return r;
        }

        log_restart_keys(m, &new);
        m->config.pipeline.rules = new.pipeline.rules;
        m->config.property_rate_hz = new.property_rate_hz;
        m->config.advice_repeat_s = new.advice_repeat_s;
        swap_strings(&m->config.catalogue_path, &new.catalogue_path);

        log_struct(LOG_INFO, MESSAGE_ID_RELOADED, NULL,
                   "Reloaded: the new rules and advice catalogue are in force.");
        (void) sd_notify(0, "READY=1");
        manager_notify_status(m);
        return 0;
}
