/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "util/error-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/parse-util.h"

typedef enum ValueType {
        VALUE_STRING,
        VALUE_DOUBLE,
        VALUE_UNSIGNED,
        VALUE_SIZE,
        VALUE_BOOL,
        VALUE_MATRIX,
} ValueType;

/* One configuration key: where it lives in Config and what it accepts. */
typedef struct ConfigKey {
        const char *section;
        const char *key;
        ValueType type;
        size_t offset;
        double min, max; /* inclusive range for numbers */
} ConfigKey;

#define KEY(sec, k, t, field, lo, hi)                      \
        {                                                  \
                sec, k, t, offsetof(Config, field), lo, hi \
        }

static const ConfigKey config_keys[] = {
        KEY("Source", "URI", VALUE_STRING, source_uri, 0, 0),
        KEY("Source", "PluginDirectory", VALUE_STRING, plugin_dir, 0, 0),
        KEY("Source", "RingFrames", VALUE_SIZE, ring_frames, 16, 1 << 24),
        KEY("Source", "StallTimeoutSec", VALUE_DOUBLE, stall_timeout_s, 0.1, 3600),
        KEY("Source", "MountMatrix", VALUE_MATRIX, pipeline.estimator.mount, 0, 0),
        KEY("Filter", "Order", VALUE_UNSIGNED, pipeline.filter_order, 1, FILTER_MAX_ORDER),
        KEY("Filter", "CutoffHz", VALUE_DOUBLE, pipeline.cutoff_hz, 0.01, 1000),
        KEY("Posture", "AutoCalibrate", VALUE_BOOL, pipeline.estimator.auto_calibrate, 0, 0),
        KEY("Posture", "NotWornSec", VALUE_DOUBLE, pipeline.estimator.not_worn_s, 0, 86400),
        KEY("Posture", "StillWindowSec", VALUE_DOUBLE, pipeline.estimator.still_window_s, 0.5, 60),
        KEY("Posture", "StillRMS", VALUE_DOUBLE, pipeline.estimator.still_rms, 0.001, 20),
        KEY("Posture", "SlouchDeg", VALUE_DOUBLE, pipeline.estimator.slouch_deg, 1, 90),
        KEY("Posture", "FlexedDeg", VALUE_DOUBLE, pipeline.estimator.flexion_deg, 1, 90),
        KEY("Posture", "ExtremeFlexionDeg", VALUE_DOUBLE, pipeline.estimator.extreme_deg, 1, 90),
        KEY("Posture", "LateralDeg", VALUE_DOUBLE, pipeline.estimator.lateral_deg, 1, 90),
        KEY("Posture", "ReclinedDeg", VALUE_DOUBLE, pipeline.estimator.reclined_deg, -90, -1),
        KEY("Posture", "LyingDeg", VALUE_DOUBLE, pipeline.estimator.lying_deg, 30, 90),
        KEY("Posture", "SensorHeightM", VALUE_DOUBLE, pipeline.estimator.sensor_height_m, 0.05, 2),
        KEY("Posture", "WalkWindowSec", VALUE_DOUBLE, pipeline.estimator.walk_window_s, 1, 60),
        KEY("Posture", "WalkMinStepHz", VALUE_DOUBLE, pipeline.estimator.walk_min_step_hz, 0.2, 10),
        KEY("Posture", "WalkMaxStepHz", VALUE_DOUBLE, pipeline.estimator.walk_max_step_hz, 0.2, 10),
        KEY("Posture", "WalkMinRMS", VALUE_DOUBLE, pipeline.estimator.walk_min_rms, 0, 20),
        KEY("Posture", "WalkMinCorrelation", VALUE_DOUBLE, pipeline.estimator.walk_min_corr, 0, 1),
        KEY("Posture", "WalkMaxSwayDeg", VALUE_DOUBLE, pipeline.estimator.walk_max_sway_deg, 1, 90),
        KEY("Posture", "GravitySmoothSec", VALUE_DOUBLE, pipeline.estimator.posture_smooth_s, 0, 5),
        KEY("Posture", "MovingRMS", VALUE_DOUBLE, pipeline.estimator.posture_max_rms, 0.5, 100),
        KEY("Rules", "FlexionMinDeg", VALUE_DOUBLE, pipeline.rules.flexion_min_deg, 1, 89),
        KEY("Rules", "FlexionMaxDeg", VALUE_DOUBLE, pipeline.rules.flexion_max_deg, 2, 90),
        KEY("Rules", "HoldingTimeAtMinSec", VALUE_DOUBLE, pipeline.rules.maht_at_min_s, 1, 86400),
        KEY("Rules", "HoldingTimeSlopeSecPerDeg", VALUE_DOUBLE, pipeline.rules.maht_slope_s_per_deg,
            0, 3600),
        KEY("Rules", "DipToleranceSec", VALUE_DOUBLE, pipeline.rules.dip_tolerance_s, 0, 600),
        KEY("Rules", "ExtremeFlexionDeg", VALUE_DOUBLE, pipeline.rules.extreme_deg, 1, 90),
        KEY("Rules", "ExtremeHoldSec", VALUE_DOUBLE, pipeline.rules.extreme_hold_s, 0, 600),
        KEY("Rules", "HysteresisDeg", VALUE_DOUBLE, pipeline.rules.hysteresis_deg, 0, 30),
        KEY("Rules", "ExtensionDeg", VALUE_DOUBLE, pipeline.rules.extension_deg, -90, -1),
        KEY("Rules", "ExtensionHoldSec", VALUE_DOUBLE, pipeline.rules.extension_hold_s, 0, 86400),
        KEY("Rules", "LateralDeg", VALUE_DOUBLE, pipeline.rules.lateral_deg, 1, 90),
        KEY("Rules", "LateralHoldSec", VALUE_DOUBLE, pipeline.rules.lateral_hold_s, 0, 86400),
        KEY("Rules", "LateralHighDeg", VALUE_DOUBLE, pipeline.rules.lateral_high_deg, 1, 90),
        KEY("Rules", "LateralHighHoldSec", VALUE_DOUBLE, pipeline.rules.lateral_high_hold_s, 0,
            86400),
        KEY("Rules", "SuddenRateDegPerSec", VALUE_DOUBLE, pipeline.rules.sudden_rate_dps, 1, 10000),
        KEY("Rules", "SuddenAngleDeg", VALUE_DOUBLE, pipeline.rules.sudden_angle_deg, 0, 90),
        KEY("Rules", "SuddenMinSec", VALUE_DOUBLE, pipeline.rules.sudden_min_s, 0, 10),
        KEY("Rules", "RepetitiveDeg", VALUE_DOUBLE, pipeline.rules.repetitive_deg, 1, 90),
        KEY("Rules", "RepetitiveBendsPerMin", VALUE_UNSIGNED, pipeline.rules.repetitive_per_min, 1,
            REPETITIVE_MAX_PER_MIN),
        KEY("Rules", "RepetitiveDurationSec", VALUE_DOUBLE, pipeline.rules.repetitive_duration_s, 1,
            86400),
        KEY("Rules", "RepetitiveMinBendSec", VALUE_DOUBLE, pipeline.rules.repetitive_min_bend_s, 0,
            60),
        KEY("Rules", "StaticPostureSec", VALUE_DOUBLE, pipeline.rules.static_s, 1, 86400),
        KEY("Rules", "StaticChangeDeg", VALUE_DOUBLE, pipeline.rules.static_change_deg, 1, 90),
        KEY("Rules", "StaticChangeMinSec", VALUE_DOUBLE, pipeline.rules.static_change_min_s, 0,
            600),
        KEY("Rules", "SlouchFeedback", VALUE_BOOL, pipeline.rules.slouch_enabled, 0, 0),
        KEY("Rules", "SlouchDeg", VALUE_DOUBLE, pipeline.rules.slouch_deg, 1, 89),
        KEY("Rules", "SlouchHoldSec", VALUE_DOUBLE, pipeline.rules.slouch_hold_s, 0, 86400),
        KEY("Rules", "BackrestSupport", VALUE_BOOL, pipeline.rules.backrest_support, 0, 0),
        KEY("Rules", "BackrestDeg", VALUE_DOUBLE, pipeline.rules.backrest_deg, 0, 90),
        KEY("Rules", "SuddenRiseSec", VALUE_DOUBLE, pipeline.rules.sudden_rise_s, 0, 10),
        KEY("Rules", "SuddenSettleSec", VALUE_DOUBLE, pipeline.rules.sudden_settle_s, 0, 10),
        KEY("Rules", "ProlongedRestSec", VALUE_DOUBLE, pipeline.rules.prolonged_rest_s, 60, 86400),
        KEY("Rules", "RestDayStartHour", VALUE_DOUBLE, pipeline.rules.rest_day_start_h, 0, 24),
        KEY("Rules", "RestDayEndHour", VALUE_DOUBLE, pipeline.rules.rest_day_end_h, 0, 24),
        KEY("Rules", "MovingGraceSec", VALUE_DOUBLE, pipeline.rules.moving_grace_s, 0, 600),
        KEY("Rules", "SustainedFlexionCooldownSec", VALUE_DOUBLE,
            pipeline.rules.cooldown_s[EVENT_SUSTAINED_FLEXION], 0, 86400),
        KEY("Rules", "ExtremeFlexionCooldownSec", VALUE_DOUBLE,
            pipeline.rules.cooldown_s[EVENT_EXTREME_FLEXION], 0, 86400),
        KEY("Rules", "UnsupportedExtensionCooldownSec", VALUE_DOUBLE,
            pipeline.rules.cooldown_s[EVENT_UNSUPPORTED_EXTENSION], 0, 86400),
        KEY("Rules", "LateralBendCooldownSec", VALUE_DOUBLE,
            pipeline.rules.cooldown_s[EVENT_LATERAL_BEND], 0, 86400),
        KEY("Rules", "SuddenMovementCooldownSec", VALUE_DOUBLE,
            pipeline.rules.cooldown_s[EVENT_SUDDEN_MOVEMENT], 0, 86400),
        KEY("Rules", "RepetitiveBendingCooldownSec", VALUE_DOUBLE,
            pipeline.rules.cooldown_s[EVENT_REPETITIVE_BENDING], 0, 86400),
        KEY("Rules", "StaticPostureCooldownSec", VALUE_DOUBLE,
            pipeline.rules.cooldown_s[EVENT_STATIC_POSTURE], 0, 86400),
        KEY("Rules", "SlouchCooldownSec", VALUE_DOUBLE, pipeline.rules.cooldown_s[EVENT_SLOUCH], 0,
            86400),
        KEY("Rules", "ProlongedRestCooldownSec", VALUE_DOUBLE,
            pipeline.rules.cooldown_s[EVENT_PROLONGED_REST], 0, 86400),
        KEY("Rules", "StrainHalfLifeSec", VALUE_DOUBLE, pipeline.rules.strain_half_life_s, 1,
            86400),
        KEY("Rules", "StrainWalkingHalfLifeSec", VALUE_DOUBLE,
            pipeline.rules.strain_walking_half_life_s, 1, 86400),
        KEY("Rules", "StrainExtremeFactor", VALUE_DOUBLE, pipeline.rules.strain_extreme_factor, 1,
            100),
        KEY("Bus", "PropertyRateHz", VALUE_DOUBLE, property_rate_hz, 0.01, 100),
        KEY("Bus", "HealthGroup", VALUE_STRING, health_group, 0, 0),
        KEY("Recovery", "AcuteHours", VALUE_UNSIGNED, acute_hours, 24, 48),
        KEY("Recovery", "RecoveringDays", VALUE_UNSIGNED, recovering_days, 1, 365),
        KEY("Recovery", "StateFile", VALUE_STRING, state_file, 0, 0),
        KEY("Advice", "Catalogue", VALUE_STRING, catalogue_path, 0, 0),
        KEY("Advice", "RepeatIntervalSec", VALUE_DOUBLE, advice_repeat_s, 0, 86400),
        KEY("History", "File", VALUE_STRING, history_file, 0, 0),
        KEY("History", "KeepDays", VALUE_UNSIGNED, history_keep_days, 1, 36500),
        KEY("History", "MaxSizeMB", VALUE_UNSIGNED, history_max_mb, 1, 1048576),
        KEY("Metrics", "TextfileDirectory", VALUE_STRING, metrics_dir, 0, 0),
};

/**
 * config_init() - fill @c with the defaults of DESIGN.md.
 * @c: the configuration to fill.
 * @plugin_dir: the default [Source] PluginDirectory=, which the caller knows.
 * @catalogue_path: the default [Advice] Catalogue=.
 *
 * Return: 0 or -ENOMEM.
 */
int config_init(Config *c, const char *plugin_dir, const char *catalogue_path)
{
        *c = (Config){
                .ring_frames = 4096,
                .stall_timeout_s = 5.0,
                .property_rate_hz = 1.0,
        };
        pipeline_params_default(&c->pipeline);
        c->pipeline.estimator.auto_calibrate = true;
        c->acute_hours = 48;
        c->recovering_days = 42;
        c->advice_repeat_s = 900;
        c->history_keep_days = 365;
        c->history_max_mb = 512;
        c->source_uri = strdup("auto");
        c->plugin_dir = strdup(plugin_dir);
        c->health_group = strdup("postured");
        c->catalogue_path = strdup(catalogue_path);
        if (!c->source_uri || !c->plugin_dir || !c->health_group || !c->catalogue_path) {
                config_done(c);
                return -ENOMEM;
        }
        return 0;
}

/** config_done() - free the strings @c owns; @c may be reused after config_init(). */
void config_done(Config *c)
{
        free(c->source_uri);
        free(c->plugin_dir);
        free(c->health_group);
        free(c->catalogue_path);
        free(c->state_file);
        c->state_file = NULL;
        free(c->history_file);
        c->history_file = NULL;
        free(c->metrics_dir);
        c->metrics_dir = NULL;
        c->source_uri = c->plugin_dir = c->health_group = c->catalogue_path = NULL;
}

typedef struct ParseState {
        Config *config;
        char *error; /* first error, without file and line */
        int errno_value;
} ParseState;

static int parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "1", "yes", "true", "on" };
        static const char *const no[] = { "0", "no", "false", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

_printf_(2, 3) static int set_error(ParseState *st, const char *fmt, ...)
{
        va_list ap;

        if (st->error)
                return 0;
        va_start(ap, fmt);
        st->errno_value = set_errorv(&st->error, -EINVAL, fmt, ap);
        va_end(ap);
        return 0;
}

static int apply_value(ParseState *st, const ConfigKey *k, const char *value)
{
        void *field = (char *) st->config + k->offset;
        double d;
        bool b;
        int r;

        switch (k->type) {
        case VALUE_STRING: {
                char *copy;

                if (value[0] == '\0')
                        return set_error(st, "[%s] %s= must not be empty", k->section, k->key);
                copy = strdup(value);
                if (!copy) {
                        st->errno_value = -ENOMEM;
                        return 0;
                }
                free(*(char **) field);
                *(char **) field = copy;
                return 1;
        }
        case VALUE_BOOL:
                if (parse_bool(value, &b) < 0)
                        return set_error(st, "[%s] %s=%s: expected yes or no", k->section, k->key,
                                         value);
                *(bool *) field = b;
                return 1;
        case VALUE_MATRIX:
                if (mount_matrix_parse(field, value) < 0)
                        return set_error(st,
                                         "[%s] %s=%s: expected an invertible matrix "
                                         "\"x1,y1,z1; x2,y2,z2; x3,y3,z3\"",
                                         k->section, k->key, value);
                st->config->mount_matrix_set = true;
                return 1;
        case VALUE_DOUBLE:
        case VALUE_UNSIGNED:
        case VALUE_SIZE:
                r = parse_double(value, strlen(value), &d);
                if (r == -ENOMEM) {
                        st->errno_value = r;
                        return 0;
                }
                if (r < 0)
                        return set_error(st, "[%s] %s=%s: not a number", k->section, k->key, value);
                if (k->type != VALUE_DOUBLE && d != floor(d))
                        return set_error(st, "[%s] %s=%s: not a whole number", k->section, k->key,
                                         value);
                if (d < k->min || d > k->max)
                        return set_error(st, "[%s] %s=%s: out of range %g..%g", k->section, k->key,
                                         value, k->min, k->max);
                if (k->type == VALUE_DOUBLE)
                        *(double *) field = d;
                else if (k->type == VALUE_UNSIGNED)
                        *(unsigned *) field = (unsigned) d;
                else
                        *(size_t *) field = (size_t) d;
                return 1;
        }
        return 0;
}

static int config_handler(void *userdata, const char *section, const char *name, const char *value)
{
        ParseState *st = userdata;
        bool known_section = false;

        if (st->error || st->errno_value < 0)
                return 0;

        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const ConfigKey *k = &config_keys[i];

                if (strcmp(k->section, section) != 0)
                        continue;
                known_section = true;
                if (strcmp(k->key, name) == 0)
                        return apply_value(st, k, value);
        }
        if (!known_section)
                return set_error(st, "unknown section [%s]", section);
        return set_error(st, "[%s] unknown key %s=", section, name);
}

static int check_consistency(const Config *c, char **msg)
{
        const RuleParams *r = &c->pipeline.rules;
        const EstimatorParams *e = &c->pipeline.estimator;

        if (r->flexion_min_deg >= r->flexion_max_deg)
                return set_errorf(msg, -EINVAL,
                                  "[Rules] FlexionMinDeg=%g must be below FlexionMaxDeg=%g",
                                  r->flexion_min_deg, r->flexion_max_deg);
        if (r->maht_at_min_s -
                    r->maht_slope_s_per_deg * (r->flexion_max_deg - r->flexion_min_deg) <=
            0)
                return set_errorf(msg, -EINVAL,
                                  "[Rules] HoldingTimeAtMinSec=%g and HoldingTimeSlopeSecPerDeg=%g "
                                  "give no holding time at FlexionMaxDeg=%g",
                                  r->maht_at_min_s, r->maht_slope_s_per_deg, r->flexion_max_deg);
        /* The slouch band lies below the flexion band. */
        if (r->slouch_deg >= r->flexion_min_deg)
                return set_errorf(msg, -EINVAL,
                                  "[Rules] SlouchDeg=%g must be below FlexionMinDeg=%g",
                                  r->slouch_deg, r->flexion_min_deg);
        if (e->walk_min_step_hz >= e->walk_max_step_hz)
                return set_errorf(msg, -EINVAL,
                                  "[Posture] WalkMinStepHz=%g must be below WalkMaxStepHz=%g",
                                  e->walk_min_step_hz, e->walk_max_step_hz);
        /* The autocorrelation needs two of the slowest steps in the window. */
        if (e->walk_window_s * e->walk_min_step_hz < 2)
                return set_errorf(msg, -EINVAL,
                                  "[Posture] WalkWindowSec=%g must hold two steps at "
                                  "WalkMinStepHz=%g (at least %g s)",
                                  e->walk_window_s, e->walk_min_step_hz, 2 / e->walk_min_step_hz);
        return 0;
}

/**
 * config_parse_string() - apply INI text to a configuration.
 * @c: the configuration; keys in @text replace its values.
 * @text: the INI text.
 * @name: the file name in messages.
 * @ret_error: on -EINVAL, a malloc'd "NAME:LINE: [Section] Key=value: what is
 *             wrong" for the caller to free.
 *
 * Return: 0, -EINVAL for bad input, -ENOMEM.
 */
int config_parse_string(Config *c, const char *text, const char *name, char **ret_error)
{
        ParseState st = { .config = c };
        int line, r;

        line = ini_parse_string(text, config_handler, &st);
        if (st.errno_value == -ENOMEM && !st.error)
                return -ENOMEM;
        if (line != 0 || st.error) {
                if (line < 0)
                        r = asprintf(ret_error, "%s: cannot parse", name);
                else
                        r = asprintf(ret_error, "%s:%d: %s", name, line,
                                     st.error ? st.error
                                              : "syntax error, expected Key=value or [Section]");
                free(st.error);
                return r < 0 ? -ENOMEM : -EINVAL;
        }
        return 0;
}

/**
 * config_check() - check the rules between keys (e.g. FlexionMinDeg below
 * FlexionMaxDeg).
 * @c: the configuration.
 * @ret_error: on -EINVAL, a malloc'd "configuration: ..." for the caller to
 *             free.
 *
 * Run it once every file and drop-in has been applied: a drop-in may fix
 * what an earlier file alone would break.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int config_check(const Config *c, char **ret_error)
{
        _cleanup_(freep) char *msg = NULL;
        int r;

        r = check_consistency(c, &msg);
        if (r == -EINVAL && asprintf(ret_error, "configuration: %s", msg) < 0)
                return -ENOMEM;
        return r;
}

/**
 * config_load_file() - apply one configuration file.
 * @c: the configuration; keys in the file replace its values.
 * @path: the file.
 * @ret_error: on failure but -ENOENT and -ENOMEM, a malloc'd message naming
 *             the file (and the line) for the caller to free.
 *
 * Return: 0, -ENOENT when the file does not exist, -EINVAL for bad content,
 * -ENOMEM, other -errno when it cannot be read.
 */
int config_load_file(Config *c, const char *path, char **ret_error)
{
        _cleanup_(freep) char *text = NULL;
        int r;

        r = read_text_file(path, &text, ret_error);
        if (r < 0)
                return r;
        return config_parse_string(c, text, path, ret_error);
}

static int filter_conf(const struct dirent *de)
{
        size_t n = strlen(de->d_name);

        return de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0;
}

/**
 * config_load() - apply the main configuration file and its drop-ins.
 * @c: the configuration.
 * @path: the main file, whose absence is fine; then @path".d"/\*.conf in
 *        lexical order: for "/etc/postured/postured.conf" that is
 *        "/etc/postured/postured.conf.d/\*.conf".
 * @ret_error: on failure but -ENOMEM, a malloc'd message naming the file
 *             (and the line) for the caller to free.
 *
 * Return: 0, or the first error of config_load_file() (but -ENOENT), or of
 * listing the drop-ins.
 */
int config_load(Config *c, const char *path, char **ret_error)
{
        _cleanup_(freep) char *dir = NULL;
        struct dirent **list = NULL;
        int n, r;

        r = config_load_file(c, path, ret_error);
        if (r < 0 && r != -ENOENT)
                return r;

        if (asprintf(&dir, "%s.d", path) < 0)
                return -ENOMEM;
        n = scandir(dir, &list, filter_conf, alphasort);
        if (n < 0) {
                r = -errno;
                if (r == -ENOENT || r == -ENOTDIR)
                        return 0;
                if (asprintf(ret_error, "%s: cannot list drop-ins: %s", dir, strerror(-r)) < 0)
                        return -ENOMEM;
                return r;
        }

        r = 0;
        for (int i = 0; i < n; i++) {
                _cleanup_(freep) char *p = NULL;

                if (r == 0) {
                        if (asprintf(&p, "%s/%s", dir, list[i]->d_name) < 0)
                                r = -ENOMEM;
                        else {
                                r = config_load_file(c, p, ret_error);
                                if (r == -ENOENT)
                                        r = 0;
                        }
                }
                free(list[i]);
        }
        free(list);
        return r;
}
