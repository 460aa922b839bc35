/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line of `posturectl analyze` and the settings it names: the
 * options, the pipeline's settings (shared with `posturectl report`) and the
 * advice catalogue.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "analyze-private.h"
#include "core/config.h"
#include "posturectl.h"
#include "util/parse-util.h"

/* "X,Y,Z": three finite numbers, spaces allowed around them. */
static int parse_vector(const char *s, double v[3])
{
        const char *p = s;

        for (unsigned i = 0; i < 3; i++) {
                char *end;

                errno = 0;
                v[i] = strtod(p, &end);
                if (end == p || errno != 0 || !isfinite(v[i]))
                        return -EINVAL;
                p = end + strspn(end, " \t");
                if (i < 2) {
                        if (*p != ',')
                                return -EINVAL;
                        p++;
                }
        }
        return *p == '\0' ? 0 : -EINVAL;
}

static int parse_phase(const char *arg, void *userdata)
{
        AnalyzeArgs *a = userdata;
        int p = recovery_phase_from_string(arg);

        if (p < 0 || p == PHASE_RECOVERED)
                return usage_error("--phase: '%s' is not one of none, acute, recovering", arg);
        a->phase = p;
        return VERB_GO_ON;
}

/**
 * pipeline_args_mount_matrix() - take --mount-matrix @arg into @a.
 *
 * Return: VERB_GO_ON, or the exit status of a usage error.
 */
int pipeline_args_mount_matrix(PipelineArgs *a, const char *arg)
{
        if (mount_matrix_parse(&a->mount, arg) < 0)
                return usage_error("--mount-matrix: '%s' is not an invertible matrix "
                                   "\"x1,y1,z1;x2,y2,z2;x3,y3,z3\"",
                                   arg);
        a->have_mount = true;
        return VERB_GO_ON;
}

static int parse_mount_matrix(const char *arg, void *userdata)
{
        AnalyzeArgs *a = userdata;

        return pipeline_args_mount_matrix(&a->pipe, arg);
}

static int parse_neutral(const char *arg, void *userdata)
{
        AnalyzeArgs *a = userdata;

        /* estimator_set_neutral() refuses less than 1 m/s²; say so up front. */
        if (parse_vector(arg, a->neutral) < 0 ||
            hypot(hypot(a->neutral[0], a->neutral[1]), a->neutral[2]) < 1.0)
                return usage_error("--neutral: '%s' is not a gravity vector X,Y,Z (m/s², body "
                                   "frame, length >= 1)",
                                   arg);
        a->have_neutral = true;
        return VERB_GO_ON;
}

/* The shortest --samples interval: one a millisecond is more than any
 * sensor delivers. */
#define MIN_SAMPLES_S 0.001

static int parse_samples(const char *arg, void *userdata)
{
        AnalyzeArgs *a = userdata;
        double v;

        if (parse_double(arg, strlen(arg), &v) < 0 || !(v >= MIN_SAMPLES_S) || v > 86400)
                return usage_error("--samples: '%s' is not a number of seconds from %g to 86400",
                                   arg, MIN_SAMPLES_S);
        a->samples_s = v;
        return VERB_GO_ON;
}

/**
 * analyze_parse_argv() - the command line of `posturectl analyze` into @a.
 * @argc: the number of arguments, the verb first.
 * @argv: the arguments.
 * @a: the settings it names.
 *
 * Return: < 0 to go on, or an exit status (after --help, or a usage error).
 */
int analyze_parse_argv(int argc, char *argv[], AnalyzeArgs *a)
{
        const VerbOption options[] = {
                { "phase", required_argument, .parse = parse_phase },
                { "mount-matrix", required_argument, .parse = parse_mount_matrix },
                { "neutral", required_argument, .parse = parse_neutral },
                { "config", required_argument, .arg = &a->pipe.config },
                { "catalogue", required_argument, .arg = &a->catalogue },
                { "samples", required_argument, .parse = parse_samples },
                {},
        };
        const VerbSyntax syntax = {
                .options = options,
                .operands = { 1, 1, "the recording (FILE.csv, or - for stdin)" },
        };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, a);
        if (r >= 0)
                return r;
        a->path = argv[optind];
        return VERB_GO_ON;
}

/**
 * pipeline_args_params() - the pipeline's settings: the defaults, then
 * --config, then --mount-matrix on top; errors are printed.
 *
 * Return: 0, or an exit status (1 for a bad configuration, EX_NOINPUT for
 * one that cannot be read).
 */
int pipeline_args_params(const PipelineArgs *a, PipelineParams *ret)
{
        _cleanup_(config_done) Config c = {};
        _cleanup_(freep) char *error = NULL;
        int r;

        r = config_init(&c, "", default_catalogue_path());
        if (r < 0) {
                fprintf(stderr, "Failed to initialise the settings: %s\n", strerror(-r));
                return 1;
        }

        if (a->config) {
                r = config_load_file(&c, a->config, &error);
                if (r == -ENOENT) {
                        fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, a->config,
                                strerror(-r));
                        return EX_NOINPUT;
                }
                if (r < 0) {
                        if (error)
                                fprintf(stderr, "%s\n", error);
                        else
                                fprintf(stderr, "%s: cannot load: %s\n", a->config, strerror(-r));
                        /* Bad content is a bad configuration; anything else an unreadable file. */
                        return r == -EINVAL || r == -ENOMEM ? 1 : EX_NOINPUT;
                }
                r = config_check(&c, &error);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", a->config, error ?: strerror(-r));
                        return 1;
                }
        }

        *ret = c.pipeline;
        if (a->have_mount)
                ret->estimator.mount = a->mount;
        return 0;
}

/**
 * analyze_params() - the pipeline's settings: those of pipeline_args_params(),
 * then --neutral.
 * @a: the command line.
 * @ret: the settings.
 *
 * Return: 0, or an exit status after saying what is wrong.
 */
int analyze_params(const AnalyzeArgs *a, PipelineParams *ret)
{
        int r;

        r = pipeline_args_params(&a->pipe, ret);
        if (r != 0)
                return r;
        /* Without a given neutral, the first still window is the neutral. */
        if (!a->have_neutral)
                ret->estimator.auto_calibrate = true;
        return 0;
}

/**
 * analyze_load_catalogue() - the advice catalogue: --catalogue, else the
 * installed one; only a missing installed one is fine.
 * @a: the command line.
 * @ret: the catalogue, NULL without one.
 *
 * Return: 0, or an exit status after saying what is wrong.
 */
int analyze_load_catalogue(const AnalyzeArgs *a, Catalogue **ret)
{
        const char *path = a->catalogue ?: default_catalogue_path();
        _cleanup_(freep) char *error = NULL;
        int r;

        r = catalogue_load(ret, path, &error);
        if (r == -ENOENT && !a->catalogue) {
                fprintf(stderr,
                        "%s: no advice catalogue at %s, printing no advice (see --catalogue)\n",
                        program_invocation_short_name, path);
                *ret = NULL;
                return 0;
        }
        if (r >= 0)
                return 0;
        if (error)
                fprintf(stderr, "%s\n", error);
        else
                fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path, strerror(-r));
        /* Bad content is a bad catalogue, like a bad configuration. */
        return r == -EINVAL || r == -ENOMEM ? 1 : EX_NOINPUT;
}
