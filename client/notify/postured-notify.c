/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * postured-notify: a per-user agent that follows postured (the system bus,
 * or the session bus with --session) and turns its Advice (of both
 * interfaces), Alert and critical StrainEvent signals into desktop
 * notifications on the session bus: one notification for advice, replaced
 * rather than stacked, with Snooze and Calibrate actions; the red-flag alert
 * resident until acknowledged, shown again whenever the agent (re)starts
 * while it is active.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "abi/bus-names.h"
#include "notify.h"
#include "paths.h"

/* The minimum interval between two notifications of a kind, unless configured. */
#define DEFAULT_MIN_INTERVAL_USEC (5 * 60 * USEC_PER_SEC)
/* The agent's name on the session bus, and what setup() returns when taken. */
#define AGENT_BUS_NAME  "org.postured.Notify"
#define ALREADY_RUNNING 1

static void agent_done(Agent *a)
{
        free(a->owner);
        sd_bus_flush_close_unref(a->daemon_bus);
        sd_bus_flush_close_unref(a->user_bus);
        sd_event_unref(a->event);
}

static int help(void)
{
        printf("%s [OPTIONS...]\n"
               "\n"
               "Show the advice and alerts of postured as desktop notifications.\n"
               "\n"
               "  -h --help          Show this help\n"
               "     --version       Show the version\n"
               "     --system        Follow postured on the system bus (default)\n"
               "     --session       Follow postured on the session bus\n"
               "     --dry-run       Print what would be shown instead of showing it\n"
               "     --config FILE   Minimum intervals between notifications of a kind\n"
               "                     (default $XDG_CONFIG_HOME/postured/notify.conf)\n"
               "\n"
               "postured gives general guidance, not diagnosis.\n"
               "See the postured-notify(1) manual page for details.\n",
               program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[], Agent *a, const char **config)
{
        enum { ARG_VERSION = 0x100, ARG_SYSTEM, ARG_SESSION, ARG_DRY_RUN, ARG_CONFIG };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "session", no_argument, NULL, ARG_SESSION },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "config", required_argument, NULL, ARG_CONFIG },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        printf("postured-notify %s\n", POSTURED_VERSION);
                        return 0;
                case ARG_SYSTEM:
                        a->session = false;
                        break;
                case ARG_SESSION:
                        a->session = true;
                        break;
                case ARG_DRY_RUN:
                        a->dry_run = true;
                        break;
                case ARG_CONFIG:
                        *config = optarg;
                        break;
                default:
                        fprintf(stderr, "Try '%s --help' for more information.\n",
                                program_invocation_short_name);
                        return EX_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", program_invocation_short_name,
                        argv[optind]);
                return EX_USAGE;
        }
        return -1;
}

static int setup(Agent *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *owner;
        int r;

        r = sd_event_default(&a->event);
        if (r >= 0)
                r = sd_event_add_signal(a->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, NULL,
                                        NULL);
        if (r >= 0)
                r = sd_event_add_signal(a->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL,
                                        NULL);
        if (r < 0) {
                fprintf(stderr, "Failed to set up the event loop: %s\n", strerror(-r));
                return r;
        }
        r = a->session ? sd_bus_open_user(&a->daemon_bus) : sd_bus_open_system(&a->daemon_bus);
        if (r < 0) {
                fprintf(stderr, "Failed to connect to the %s bus: %s\n",
                        a->session ? "session" : "system", strerror(-r));
                return r;
        }
        if (!a->dry_run) {
                r = sd_bus_open_user(&a->user_bus);
                if (r < 0) {
                        fprintf(stderr,
                                "Failed to connect to the session bus, where the "
                                "notification server is: %s\n",
                                strerror(-r));
                        return r;
                }
                /* One agent a session: the user unit and the autostart file may both start one. */
                r = sd_bus_request_name(a->user_bus, AGENT_BUS_NAME, 0);
                if (r == -EEXIST) {
                        fprintf(stderr, "postured-notify already runs in this session.\n");
                        return ALREADY_RUNNING;
                }
                if (r < 0) {
                        fprintf(stderr, "Failed to take the name %s: %s\n", AGENT_BUS_NAME,
                                strerror(-r));
                        return r;
                }
        }
        r = agent_add_matches(a);
        if (r < 0) {
                fprintf(stderr, "Failed to subscribe to the signals: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_attach_event(a->daemon_bus, a->event, 0);
        if (r >= 0 && a->user_bus)
                r = sd_bus_attach_event(a->user_bus, a->event, 0);
        if (r >= 0)
                r = sd_bus_set_exit_on_disconnect(a->daemon_bus, true);
        if (r >= 0 && a->user_bus)
                r = sd_bus_set_exit_on_disconnect(a->user_bus, true);
        if (r < 0) {
                fprintf(stderr, "Failed to attach the buses: %s\n", strerror(-r));
                return r;
        }

        /* Subscribed first, then look: a postured that starts now is not missed. */
        r = sd_bus_call_method(a->daemon_bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetNameOwner", &error, &reply, "s",
                               POSTURED_BUS_NAME);
        if (r >= 0 && sd_bus_message_read(reply, "s", &owner) >= 0) {
                a->owner = strdup(owner);
                agent_sync(a);
        } else
                fprintf(stderr, "postured is not on the %s bus yet; waiting for it.\n",
                        a->session ? "session" : "system");
        /* For the journal, and for tests to know the agent is subscribed. */
        fprintf(stderr, "Following postured on the %s bus%s.\n", a->session ? "session" : "system",
                a->dry_run ? ", printing what would be shown" : "");
        if (a->dry_run)
                printf("ready\n");
        fflush(stdout);
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(agent_done) Agent a = { .min_interval_usec = DEFAULT_MIN_INTERVAL_USEC };
        _cleanup_(freep) char *default_config = NULL;
        const char *config = NULL, *xdg;
        int r;

        r = parse_argv(argc, argv, &a, &config);
        if (r >= 0)
                return r;
        if (config)
                r = agent_load_config(&a, config, true);
        else {
                xdg = getenv("XDG_CONFIG_HOME");
                if (xdg && xdg[0] == '/')
                        r = asprintf(&default_config, "%s/postured/notify.conf", xdg);
                else
                        r = asprintf(&default_config, "%s/.config/postured/notify.conf",
                                     getenv("HOME") ?: "/");
                if (r < 0) {
                        fprintf(stderr, "Out of memory.\n");
                        return 1;
                }
                r = agent_load_config(&a, default_config, false);
        }
        if (r < 0)
                return EX_CONFIG;

        r = setup(&a);
        if (r == ALREADY_RUNNING)
                return 0;
        if (r < 0)
                return 1;
        r = sd_event_loop(a.event);
        if (r < 0) {
                fprintf(stderr, "Event loop failed: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
