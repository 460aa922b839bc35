/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "core/config.h"
#include "log.h"
#include "manager.h"
#include "paths.h"
#include "util/build-tree.h"
#include "util/macro.h"

/* The parsed command line: the only globals besides the log level. */
static bool arg_system = true;
static bool arg_exit_on_eof;
static const char *arg_source;
/* --config may be given more than once: each file (and its drop-ins) in order. */
static const char *arg_configs[16];
static size_t arg_n_configs;
static const char *arg_plugin_dir;

/* Run from the build tree: its plugins and the source tree's conf/. */
static bool uninstalled(void)
{
        return exe_runs_from(POSTURED_BUILD_DIR);
}

static const char *default_config(void)
{
        return uninstalled() ? POSTURED_SOURCE_DIR "/conf/postured.conf"
                             : POSTURED_SYSCONFDIR "/postured/postured.conf";
}

static const char *default_plugin_dir(void)
{
        return uninstalled() ? POSTURED_BUILD_DIR "/plugins" : POSTURED_PLUGINDIR;
}

static const char *default_catalogue(void)
{
        return uninstalled() ? POSTURED_SOURCE_DIR "/conf/advice.conf"
                             : POSTURED_PKGDATADIR "/advice.conf";
}

static void help(void)
{
        printf("Usage: postured [OPTIONS]\n"
               "\n"
               "Posture sensor daemon: reads a worn accelerometer, estimates trunk flexion\n"
               "and lateral bend, recognises strain and publishes it on D-Bus as\n"
               "org.postured.Posture1. It gives general guidance, not diagnosis.\n"
               "\n"
               "Options:\n"
               "  -h --help             Show this help and exit\n"
               "     --version          Show the version and exit\n"
               "     --system           Serve on the system bus (default)\n"
               "     --session          Serve on the session bus (development, tests)\n"
               "  -s --source=URI       Sensor: auto, iio:..., evdev:...,\n"
               "                        replay:PATH[?speed=N][&loop=1] (overrides [Source] URI=)\n"
               "  -c --config=FILE      Configuration file (default %s;\n"
               "                        drop-ins in FILE.d/*.conf are read too); may be\n"
               "                        repeated, later files override earlier ones\n"
               "     --plugin-dir=DIR   Where source plugins live (default %s)\n"
               "     --exit-on-eof      Exit when a replayed recording ends\n"
               "  -v --verbose          Log debug messages\n"
               "\n"
               "See postured(8), postured.conf(5) and posturectl(1).\n",
               default_config(), default_plugin_dir());
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_VERSION = 0x100,
                ARG_SYSTEM,
                ARG_SESSION,
                ARG_PLUGIN_DIR,
                ARG_EXIT_ON_EOF,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "session", no_argument, NULL, ARG_SESSION },
                { "source", required_argument, NULL, 's' },
                { "config", required_argument, NULL, 'c' },
                { "plugin-dir", required_argument, NULL, ARG_PLUGIN_DIR },
                { "exit-on-eof", no_argument, NULL, ARG_EXIT_ON_EOF },
                { "verbose", no_argument, NULL, 'v' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hs:c:v", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("postured %s\n", POSTURED_VERSION);
                        return 0;
                case ARG_SYSTEM:
                        arg_system = true;
                        break;
                case ARG_SESSION:
                        arg_system = false;
                        break;
                case 's':
                        arg_source = optarg;
                        break;
                case 'c':
                        if (arg_n_configs >= ELEMENTSOF(arg_configs)) {
                                fprintf(stderr, "postured: at most %zu --config options.\n",
                                        ELEMENTSOF(arg_configs));
                                return -EINVAL;
                        }
                        arg_configs[arg_n_configs++] = optarg;
                        break;
                case ARG_PLUGIN_DIR:
                        arg_plugin_dir = optarg;
                        break;
                case ARG_EXIT_ON_EOF:
                        arg_exit_on_eof = true;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                default:
                        fprintf(stderr, "Try 'postured --help'.\n");
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "postured: unexpected argument '%s'. Try 'postured --help'.\n",
                        argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static int replace_string(char **dst, const char *src)
{
        char *copy = strdup(src);

        if (!copy)
                return -ENOMEM;
        free(*dst);
        *dst = copy;
        return 0;
}

static int load_one(Config *c, const char *path, bool must_exist)
{
        _cleanup_(freep) char *error = NULL;
        int r;

        /* A file named on the command line must exist; the default one need not. */
        if (must_exist && access(path, R_OK) < 0)
                return log_error_errno(-errno, "Cannot read configuration %s: %m", path);
        r = config_load(c, path, &error);
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "bad configuration");
        return 0;
}

static int load_config(Config *c)
{
        _cleanup_(freep) char *error = NULL;
        int r;

        r = config_init(c, default_plugin_dir(), default_catalogue());
        if (r < 0)
                return log_oom();

        if (arg_n_configs == 0)
                r = load_one(c, default_config(), false);
        for (size_t i = 0; i < arg_n_configs && r >= 0; i++)
                r = load_one(c, arg_configs[i], true);
        if (r < 0)
                return r;
        r = config_check(c, &error);
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "inconsistent configuration");

        if (arg_source && replace_string(&c->source_uri, arg_source) < 0)
                return log_oom();
        if (arg_plugin_dir && replace_string(&c->plugin_dir, arg_plugin_dir) < 0)
                return log_oom();
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_(config_done) Config config = {};
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EX_USAGE : EXIT_SUCCESS;

        r = load_config(&config);
        if (r < 0)
                return EX_CONFIG;

        /* A recording's reader may close its pipe at any time: EPIPE, not death. */
        (void) signal(SIGPIPE, SIG_IGN);

        r = manager_new(&m, &config, arg_system, arg_exit_on_eof);
        if (r < 0) {
                log_error_errno(r, "Cannot set up: %m");
                return EXIT_FAILURE;
        }
        manager_set_config_loader(m, load_config);
        r = manager_start(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_run(m);
        if (r < 0)
                return EXIT_FAILURE;
        return r;
}
