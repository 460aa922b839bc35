/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus side of posturectl shared by the verbs that talk to the daemon:
 * connecting to the bus the command line chose, calling postured, and saying
 * what failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "bus-util.h"
#include "posturectl.h"

/**
 * bus_connect() - open the bus chosen on the command line.
 * @ret: the connection
 *
 * The system bus unless --session. The one place that loads libsystemd: every
 * command that talks to postured connects first.
 *
 * Return: 0, or -errno after saying on stderr what failed (for the exit
 * status: bus_exit_status()).
 */
int bus_connect(sd_bus **ret)
{
        int r;

        r = libsystemd_load();
        if (r < 0)
                return r;
        r = arg_session ? sd_bus_open_user(ret) : sd_bus_open_system(ret);
        if (r < 0) {
                fprintf(stderr, "Failed to connect to the %s bus: %s\n", bus_kind(), strerror(-r));
                if (arg_session)
                        fprintf(stderr, "Is there a session bus (DBUS_SESSION_BUS_ADDRESS)? "
                                        "Leave out --session for the system service.\n");
                else
                        fprintf(stderr, "Is D-Bus running ('systemctl status dbus')? Use "
                                        "--session for a daemon on your session bus.\n");
        }
        return r;
}

/**
 * bus_exit_status() - the exit status of a command that failed to talk to postured.
 *
 * Call it only after bus_connect() (or bus_connect_and_call()) was called and
 * something failed: as bus_connect() loads libsystemd before anything else,
 * a libsystemd still not loaded means the load was what failed. (Not the
 * -ELIBACC of the load: a D-Bus error named System.Error.ELIBACC becomes the
 * same -errno in sd-bus.)
 *
 * Return: EX_UNAVAILABLE when libsystemd could not be loaded, else 1.
 */
int bus_exit_status(void)
{
        return sym_sd_bus_open_system ? 1 : EX_UNAVAILABLE;
}

/**
 * bus_kind() - the bus chosen on the command line, for messages.
 *
 * Return: "system" or "session".
 */
const char *bus_kind(void)
{
        return arg_session ? "session" : "system";
}

/**
 * bus_error_text() - what a failed call says.
 * @error: the error of the call, or NULL
 * @r: the return value of the call
 *
 * Return: the message of @error if it has one, else strerror(-@r).
 */
const char *bus_error_text(const sd_bus_error *error, int r)
{
        if (error && sd_bus_error_is_set(error) && error->message)
                return error->message;
        return strerror(r < 0 ? -r : r);
}

/**
 * bus_log_call_error() - say that a call to postured failed.
 * @what: what the call was to do: "Failed to @what: ..."
 * @error: the error of the call
 * @r: the return value of the call
 *
 * Adds a hint when postured is not on the bus at all.
 */
void bus_log_call_error(const char *what, const sd_bus_error *error, int r)
{
        const char *message = error && error->message ? error->message : "";

        fprintf(stderr, "Failed to %s: %s\n", what, bus_error_text(error, r));
        if (sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                   SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                if (arg_session)
                        fprintf(stderr, "Is postured running on the session bus? Start one with "
                                        "'postured --session', or leave out --session for the "
                                        "system service.\n");
                else
                        fprintf(stderr, "Is postured running on the system bus? Start it with "
                                        "'systemctl start postured' (see 'systemctl status "
                                        "postured'), or use --session for a development "
                                        "daemon.\n");
        } else if (sd_bus_error_has_names(error, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT))
                fprintf(stderr, "postured did not answer: see 'systemctl status postured' and "
                                "'journalctl -u postured'.\n");
        else if (sd_bus_error_has_name(error, SD_BUS_ERROR_ACCESS_DENIED)) {
                /* The daemon's own refusal and the bus policy's both name the interface. */
                if (strstr(message, "Recovery"))
                        fprintf(stderr, "Recovery data is for root and the members of the group "
                                        "named in [Bus] HealthGroup= (default postured): "
                                        "'sudo usermod -aG postured USER', then log in "
                                        "again.\n");
                else
                        fprintf(stderr, "polkit decides who may calibrate, snooze and record "
                                        "(actions org.postured.calibrate, org.postured.snooze, "
                                        "org.postured.record): by default the user of the active "
                                        "local session, and root.\n");
        }
}

/**
 * bus_connect_and_call() - connect to the bus and call a method of postured.
 * @ret_bus: the connection, for further calls; the caller unrefs it even
 *           after a failure
 * @interface: the interface of the method, on postured's object
 * @member: the method
 * @what: what the call is to do, for "Failed to @what: ..."
 * @ret_reply: the reply, or NULL when its values are not needed
 * @types: the signature of the arguments that follow, as for
 *         sd_bus_call_method()
 *
 * Return: 0, or -errno after saying on stderr what failed.
 */
int bus_connect_and_call(sd_bus **ret_bus, const char *interface, const char *member,
                         const char *what, sd_bus_message **ret_reply, const char *types, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = bus_connect(ret_bus);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_call_methodv(*ret_bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH, interface,
                                member, &error, ret_reply, types, ap);
        va_end(ap);
        if (r < 0) {
                bus_log_call_error(what, &error, r);
                return r;
        }
        return 0;
}
