/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The org.postured.Recovery1 half of the daemon's sd-bus code (bus.c has Posture1). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "abi/bus-names.h"
#include "bus-history.h"
#include "bus-polkit.h"
#include "bus-recovery.h"
#include "bus.h"
#include "manager.h"
#include "util/macro.h"

/*
 * Health data (injury, pain, symptoms, alerts) is personal: on the system bus
 * only root and members of [Bus] HealthGroup= may read or change it. The bus
 * policy says the same; this check also covers Get/GetAll, which a policy
 * cannot tell apart by interface. On a session bus, the bus is the user's own.
 *
 * The caller's user and groups are what the bus reports for its connection
 * (GetConnectionCredentials: UnixUserID and UnixGroupIDs, taken from the
 * socket when it connected), never read again from /proc (racy) nor looked
 * up in the user database (a process that dropped the group keeps no access).
 */
static int caller_in_health_group(Manager *m, sd_bus_message *msg, bool *ret)
{
        bool member = false;
        uid_t uid;
        int r;

        r = bus_caller_creds(msg, m->health_gid_valid ? m->health_gid : (gid_t) -1, &uid, &member);
        if (r < 0)
                return r;
        *ret = uid == 0 || member;
        return 0;
}

/**
 * check_health_access() - whether the caller of @msg may use Recovery1.
 * @m: the daemon.
 * @msg: a method call or property access of the caller.
 * @error: set to AccessDenied when not.
 *
 * Every Recovery1 member, and whatever else is health data, calls this first.
 *
 * Return: 0 when allowed; a negative errno, with @error set when refused.
 */
int check_health_access(Manager *m, sd_bus_message *msg, sd_bus_error *error)
{
        bool allowed = false;
        int r;

        if (!m->system_bus)
                return 0;
        r = caller_in_health_group(m, msg, &allowed);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r,
                                               "Cannot establish the caller's identity: %m");
        if (!allowed)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Recovery data is only for root and the group '%s'.",
                                         m->config.health_group);
        return 0;
}

static int recovery_property_get(sd_bus *bus, const char *path, const char *interface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error)
{
        Manager *m = userdata;
        const char *context;
        uint64_t t;
        unsigned level;
        int r;

        r = check_health_access(m, sd_bus_get_current_message(bus), error);
        if (r < 0)
                return r;

        if (strcmp(property, "Phase") == 0)
                return sd_bus_message_append(
                        reply, "s",
                        recovery_phase_to_string(recovery_phase(health_recovery(m->health))));
        if (strcmp(property, "InjuryOnset") == 0)
                return sd_bus_message_append(reply, "t",
                                             recovery_onset(health_recovery(m->health)));
        if (strcmp(property, "LastPain") == 0) {
                if (!recovery_last_pain(health_recovery(m->health), &level, &t, &context))
                        level = 0, t = 0;
                return sd_bus_message_append(reply, "(ut)", (uint32_t) level, t);
        }
        if (strcmp(property, "ActiveAlerts") == 0)
                return sd_bus_message_append_strv(reply, (char **) health_active_alerts(m->health));
        return -ENOENT;
}

/* -errno of the advice engine to the D-Bus error a caller can act on. */
static int recovery_error(sd_bus_error *error, int r, const char *what)
{
        if (r == -EINVAL || r == -ERANGE)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", what);
        return sd_bus_error_set_errnof(error, r, "%s", what);
}

/* A report Health could not store, and therefore did not take. */
static int not_saved_error(sd_bus_error *error, int r, const char *what)
{
        return sd_bus_error_setf(error, POSTURED_ERROR_NOT_SAVED,
                                 "%s cannot be stored (%s); nothing was recorded.", what,
                                 strerror(-r));
}

static int method_report_injury(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        uint64_t onset;
        int r;

        r = sd_bus_message_read(msg, "t", &onset);
        if (r < 0)
                return r;
        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        r = health_report_injury(m->health, onset);
        if (r == -EINVAL)
                return recovery_error(error, r,
                                      "Injury onset lies in the future (onset_usec is "
                                      "CLOCK_REALTIME in µs; 0 means now).");
        if (r == -ERANGE)
                return recovery_error(error, r, "Injury onset is more than a year ago.");
        if (r < 0)
                return not_saved_error(error, r, "The injury report");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_report_recovered(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        int r;

        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        r = health_report_recovered(m->health);
        if (r == RECOVERY_NOT_INJURED)
                return sd_bus_error_set(error, POSTURED_ERROR_NOT_INJURED,
                                        "No injury was reported: nothing to recover from.");
        if (r < 0)
                return not_saved_error(error, r, "The recovery");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_report_pain(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *context;
        uint32_t level;
        int r;

        r = sd_bus_message_read(msg, "us", &level, &context);
        if (r < 0)
                return r;
        if (level > 10)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Pain level %" PRIu32 " is not within 0..10.", level);
        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        r = health_report_pain(m->health, level, context);
        if (r == -EINVAL)
                return recovery_error(error, r, "Pain context is longer than 255 bytes.");
        if (r < 0)
                return not_saved_error(error, r, "The pain report");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_report_symptoms(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_(strv_freep) char **symptoms = NULL;
        int r;

        r = sd_bus_message_read_strv(msg, &symptoms);
        if (r < 0)
                return r;
        /* Validate all before any takes effect: one unknown name changes nothing. */
        for (char **s = symptoms; s && *s; s++)
                if (symptom_from_string(*s) < 0)
                        return sd_bus_error_setf(
                                error, SD_BUS_ERROR_INVALID_ARGS,
                                "Unknown symptom '%s'. Known: loss_of_bladder_control, "
                                "loss_of_bowel_control, leg_weakness, arm_weakness, "
                                "radiating_pain_leg, radiating_pain_arm, "
                                "unexplained_weight_loss, fever.",
                                *s);
        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        r = health_report_symptoms(m->health, symptoms);
        if (r < 0)
                return not_saved_error(error, r, "The symptoms");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_acknowledge_alert(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *id;
        int r;

        r = sd_bus_message_read(msg, "s", &id);
        if (r < 0)
                return r;
        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        r = health_acknowledge_alert(m->health, id);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, POSTURED_ERROR_NO_SUCH_ALERT,
                                         "No active alert '%s'.", id);
        if (r < 0)
                return not_saved_error(error, r, "The acknowledgement");
        return sd_bus_reply_method_return(msg, NULL);
}

/*
 * Recovery1's signals and PropertiesChanged never go out to everyone on the
 * system bus: a bus policy cannot keep a PropertiesChanged of Recovery1 from
 * anyone (it is sent on org.freedesktop.DBus.Properties), and not every
 * broker applies receive rules to broadcasts. They go to each connection
 * that called Subscribe() and passed check_health_access(), addressed to it
 * alone (unicast); a connection that leaves the bus is forgotten. On a
 * session bus (the user's own) they are broadcast.
 */
static int method_subscribe(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        int r;

        r = check_health_access(m, msg, error);
        if (r < 0)
                return r;
        if (!m->recovery_subscribers) {
                r = sd_bus_track_new(m->bus, &m->recovery_subscribers, NULL, NULL);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Cannot subscribe: %m");
        }
        r = sd_bus_track_add_sender(m->recovery_subscribers, msg);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot subscribe: %m");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_unsubscribe(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        int r;

        if (m->recovery_subscribers) {
                r = sd_bus_track_remove_sender(m->recovery_subscribers, msg);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Cannot unsubscribe: %m");
        }
        return sd_bus_reply_method_return(msg, NULL);
}

/* One Recovery1 signal (or PropertiesChanged of it), built by @append: to
 * every subscriber on the system bus, broadcast on a session bus. */
int emit_health_signal(Manager *m, const char *interface, const char *member, AppendFn append,
                       const void *data)
{
        const char *dest = NULL;
        int r, ret = 0;

        if (!m->bus)
                return 0;
        if (m->system_bus) {
                if (!m->recovery_subscribers)
                        return 0;
                dest = sd_bus_track_first(m->recovery_subscribers);
                if (!dest)
                        return 0;
        }
        do {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *sig = NULL;

                r = sd_bus_message_new_signal(m->bus, &sig, POSTURED_OBJECT_PATH, interface,
                                              member);
                if (r >= 0 && dest)
                        r = sd_bus_message_set_destination(sig, dest);
                if (r >= 0)
                        r = append(sig, data);
                if (r >= 0)
                        r = sd_bus_send(m->bus, sig, NULL);
                if (r < 0 && ret == 0)
                        ret = r;
        } while (dest && (dest = sd_bus_track_next(m->recovery_subscribers)));
        return ret;
}

int append_changed_names(sd_bus_message *sig, const void *data)
{
        int r;

        r = sd_bus_message_append(sig, "s", POSTURED_RECOVERY_INTERFACE);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(sig, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(sig);
        if (r < 0)
                return r;
        return sd_bus_message_append_strv(sig, (char **) data);
}

static int append_alert(sd_bus_message *sig, const void *data)
{
        const AdviceItem *item = data;

        return sd_bus_message_append(sig, "sss", item->id, severity_to_string(item->severity),
                                     item->text);
}

int append_health_advice(sd_bus_message *sig, const void *data)
{
        const AdviceItem *item = data;

        return sd_bus_message_append(sig, "ssss", item->id, severity_to_string(item->severity),
                                     advice_category_to_string(item->category) ?: "", item->text);
}

/* Values are not broadcast in PropertiesChanged (health data): only their names. */
const sd_bus_vtable recovery_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Phase", "s", recovery_property_get, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("InjuryOnset", "t", recovery_property_get, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("LastPain", "(ut)", recovery_property_get, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("ActiveAlerts", "as", recovery_property_get, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_METHOD_WITH_NAMES("ReportInjury", "t", SD_BUS_PARAM(onset_usec), "", SD_BUS_PARAM(),
                                 method_report_injury, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ReportRecovered", "", SD_BUS_PARAM(), "", SD_BUS_PARAM(),
                                 method_report_recovered, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ReportPain", "us", SD_BUS_PARAM(level) SD_BUS_PARAM(context), "",
                                 SD_BUS_PARAM(), method_report_pain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ReportSymptoms", "as", SD_BUS_PARAM(symptoms), "", SD_BUS_PARAM(),
                                 method_report_symptoms, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("AcknowledgeAlert", "s", SD_BUS_PARAM(id), "", SD_BUS_PARAM(),
                                 method_acknowledge_alert, SD_BUS_VTABLE_UNPRIVILEGED),
        BUS_HISTORY_METHODS,
        SD_BUS_METHOD_WITH_NAMES("Subscribe", "", SD_BUS_PARAM(), "", SD_BUS_PARAM(),
                                 method_subscribe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Unsubscribe", "", SD_BUS_PARAM(), "", SD_BUS_PARAM(),
                                 method_unsubscribe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("Advice", "ssss",
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(severity) SD_BUS_PARAM(category)
                                         SD_BUS_PARAM(text),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("Alert", "sss",
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(severity) SD_BUS_PARAM(text), 0),
        SD_BUS_VTABLE_END,
};

/** bus_emit_alert() - the Alert signal of Recovery1, to the subscribers. Return: 0 or -errno. */
int bus_emit_alert(Manager *m, const AdviceItem *item)
{
        return emit_health_signal(m, POSTURED_RECOVERY_INTERFACE, "Alert", append_alert, item);
}