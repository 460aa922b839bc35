/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "core/pipeline.h"

/*
 * postured.conf: INI (parsed with inih). The main file, then every
 * postured.conf.d/NAME.conf drop-in in lexical order; later values win.
 * Unknown sections and keys and bad values are errors that name the file,
 * the line and the key.
 */

typedef struct Config {
        /* [Source] */
        char *source_uri;       /* URI=auto */
        char *plugin_dir;       /* PluginDirectory= */
        size_t ring_frames;     /* RingFrames=4096 */
        double stall_timeout_s; /* StallTimeoutSec=5 */
        bool mount_matrix_set;  /* MountMatrix= given: overrides the device's */
        /* [Filter], [Posture], [Rules] */
        PipelineParams pipeline;
        /* [Bus] */
        double property_rate_hz; /* PropertyRateHz=1 */
        char *health_group;      /* HealthGroup=postured: may use Recovery1 on the system bus */
        /* [Recovery] */
        unsigned acute_hours;     /* AcuteHours=48 (24..48) */
        unsigned recovering_days; /* RecoveringDays=42 */
        char *state_file;         /* StateFile=: default $STATE_DIRECTORY/recovery */
        /* [Advice] */
        char *catalogue_path;   /* Catalogue=: the caller's default */
        double advice_repeat_s; /* RepeatIntervalSec=900 */
        /* [History] */
        char *history_file;         /* File=: default $STATE_DIRECTORY/history.db */
        unsigned history_keep_days; /* KeepDays=365 */
        unsigned history_max_mb;    /* MaxSizeMB=512 */
        /* [Metrics] */
        char *metrics_dir; /* TextfileDirectory=: off when empty */
} Config;

/** config_init() - fill @c with the defaults and these two paths. */
int config_init(Config *c, const char *plugin_dir, const char *catalogue_path);

/** config_done() - free what @c owns. */
void config_done(Config *c);

/** config_parse_string() - apply INI text to @c. */
int config_parse_string(Config *c, const char *text, const char *name, char **ret_error);

/** config_check() - the rules between keys, once all files are applied. */
int config_check(const Config *c, char **ret_error);

/** config_load_file() - apply one file to @c. */
int config_load_file(Config *c, const char *path, char **ret_error);

/** config_load() - apply the main file @path and its drop-ins to @c. */
int config_load(Config *c, const char *path, char **ret_error);
