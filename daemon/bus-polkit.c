/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Polkit for the methods that steer the wearer's daemon (Calibrate,
 * ResetCalibration, Snooze, StartRecording): on the system bus a caller
 * other than root needs the polkit action of the method. The question goes
 * to polkit's CheckAuthorization over D-Bus, asynchronously: the method's
 * work runs, and its reply goes out, when polkit has answered. On a session
 * bus (the user's own) nothing is asked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "bus-polkit.h"
#include "log.h"
#include "manager.h"
#include "util/macro.h"
#include "util/time-util.h"

/* A call waiting for polkit's answer. */
typedef struct PolkitQuery {
        Manager *manager;
        sd_bus_message *call;
        sd_bus_message_handler_t run;
        char *action;
} PolkitQuery;

static void polkit_query_free(void *userdata)
{
        PolkitQuery *q = userdata;

        if (!q)
                return;
        sd_bus_message_unref(q->call);
        free(q->action);
        free(q);
}

/**
 * bus_caller_creds() - the user and group membership the bus reports for the
 * caller of @msg (GetConnectionCredentials' UnixUserID and UnixGroupIDs: the
 * credentials of the connection as the bus saw them, not looked up in the
 * user database, so a process that dropped a group is not in it).
 * @msg: a method call.
 * @gid: the group asked about, or (gid_t) -1 for none.
 * @ret_uid: the uid.
 * @ret_in_group: whether @gid is among the caller's groups; may be NULL.
 *
 * Return: 0, or -errno (-ENODATA when the bus does not say who it is).
 */
int bus_caller_creds(sd_bus_message *msg, gid_t gid, uid_t *ret_uid, bool *ret_in_group)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool have_uid = false, member = false;
        uint32_t uid = UINT32_MAX;
        const char *key;
        int r;

        r = sd_bus_call_method(sd_bus_message_get_bus(msg), "org.freedesktop.DBus",
                               "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionCredentials", NULL, &reply, "s",
                               sd_bus_message_get_sender(msg));
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "UnixUserID") == 0) {
                        r = sd_bus_message_read(reply, "v", "u", &uid);
                        have_uid = r >= 0;
                } else if (strcmp(key, "UnixGroupIDs") == 0 && gid != (gid_t) -1) {
                        const uint32_t *gids;
                        size_t size;

                        r = sd_bus_message_enter_container(reply, 'v', "au");
                        if (r >= 0)
                                r = sd_bus_message_read_array(reply, 'u', (const void **) &gids,
                                                              &size);
                        if (r >= 0) {
                                for (size_t i = 0; i < size / sizeof(uint32_t); i++)
                                        if (gids[i] == (uint32_t) gid)
                                                member = true;
                                r = sd_bus_message_exit_container(reply);
                        }
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (!have_uid)
                return -ENODATA;
        *ret_uid = (uid_t) uid;
        if (ret_in_group)
                *ret_in_group = member;
        return 0;
}

/* Polkit's answer: (b is_authorized, b is_challenge, a{ss} details). */
static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        PolkitQuery *q = userdata;
        int authorized = 0, challenge = 0;
        int r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);

                log_warning("Cannot ask polkit whether %s may %s: %s",
                            sd_bus_message_get_sender(q->call), q->action,
                            e && e->message ? e->message : "error");
                r = sd_bus_reply_method_errorf(q->call, SD_BUS_ERROR_ACCESS_DENIED,
                                               "Not allowed: polkit cannot be asked (%s).",
                                               q->action);
                goto done;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                r = sd_bus_reply_method_errorf(q->call, SD_BUS_ERROR_ACCESS_DENIED,
                                               "Not allowed: polkit's answer is not readable.");
                goto done;
        }
        if (!authorized) {
                if (challenge)
                        r = sd_bus_reply_method_errorf(
                                q->call, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                "Authentication is required for %s.", q->action);
                else
                        r = sd_bus_reply_method_errorf(q->call, SD_BUS_ERROR_ACCESS_DENIED,
                                                       "Not allowed by polkit (%s).", q->action);
                goto done;
        }

        /* Allowed: the method's own work, and its reply (or error). */
        r = q->run(q->call, q->manager, &error);
        if (sd_bus_error_is_set(&error))
                r = sd_bus_reply_method_error(q->call, &error);
        else if (r < 0)
                r = sd_bus_reply_method_errno(q->call, r, NULL);
done:
        if (r < 0)
                log_debug("Cannot answer %s: %s", sd_bus_message_get_sender(q->call), strerror(-r));
        return 0; /* q goes with the slot (polkit_query_free) */
}

/**
 * bus_polkit_run() - run @run for the caller of @msg when it may do @action.
 * @m: the daemon.
 * @msg: the method call.
 * @action: the polkit action, e.g. "org.postured.calibrate".
 * @run: the method's work: called as a method handler with @m as userdata,
 *       replying itself (or returning an error, which is then the reply).
 * @error: set when the question cannot be asked.
 *
 * On a session bus, and for root, @run runs at once. Otherwise polkit's
 * CheckAuthorization is called asynchronously (with AllowUserInteraction
 * when the call allows interactive authorization) and @run runs when it
 * allows; AccessDenied (or InteractiveAuthorizationRequired) when it does
 * not, and when polkit cannot be asked.
 *
 * Return: what a method handler returns.
 */
int bus_polkit_run(Manager *m, sd_bus_message *msg, const char *action,
                   sd_bus_message_handler_t run, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *query = NULL;
        sd_bus_slot *slot = NULL;
        PolkitQuery *q;
        uid_t uid = (uid_t) -1;
        uint32_t flags;
        int r;

        if (!m->system_bus)
                return run(msg, m, error);
        r = bus_caller_creds(msg, (gid_t) -1, &uid, NULL);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r,
                                               "Cannot establish the caller's identity: %m");
        if (uid == 0)
                return run(msg, m, error);

        r = sd_bus_message_new_method_call(m->bus, &query, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority",
                                           "CheckAuthorization");
        if (r < 0)
                return r;
        flags = sd_bus_message_get_allow_interactive_authorization(msg) > 0 ? 1 : 0;
        r = sd_bus_message_append(query, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                                  sd_bus_message_get_sender(msg), action, 0, flags, "");
        if (r < 0)
                return r;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->manager = m;
        q->call = sd_bus_message_ref(msg);
        q->run = run;
        q->action = strdup(action);
        if (!q->action) {
                polkit_query_free(q);
                return -ENOMEM;
        }
        /* Interactive authentication may take a while: polkit's own limit. The
         * slot is the bus's (floating) and frees @q when done or at exit. */
        r = sd_bus_call_async(m->bus, &slot, query, on_polkit_reply, q, 5 * 60 * USEC_PER_SEC);
        if (r < 0) {
                polkit_query_free(q);
                return sd_bus_error_set_errnof(error, r, "Cannot ask polkit: %m");
        }
        (void) sd_bus_slot_set_destroy_callback(slot, polkit_query_free);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot); /* the bus holds it now */
        return 1;                /* the reply goes out from on_polkit_reply() */
}
