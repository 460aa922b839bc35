/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* All sd-bus code of the daemon: the org.postured.Posture1 object. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "abi/bus-names.h"
#include "bus-history.h"
#include "bus-polkit.h"
#include "bus.h"
#include "log.h"
#include "manager.h"
#include "paths.h"
#include "recorder.h"
#include "sensor.h"
#include "util/macro.h"
#include "util/time-util.h"

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;

        if (strcmp(property, "Posture") == 0)
                return sd_bus_message_append(reply, "s", posture_class_to_string(m->posture));
        if (strcmp(property, "Flexion") == 0)
                return sd_bus_message_append(reply, "d", m->flexion);
        if (strcmp(property, "LateralBend") == 0)
                return sd_bus_message_append(reply, "d", m->lateral);
        if (strcmp(property, "Activity") == 0)
                return sd_bus_message_append(reply, "s", activity_to_string(m->activity));
        if (strcmp(property, "StrainLevel") == 0)
                return sd_bus_message_append(reply, "d", m->strain);
        if (strcmp(property, "Calibrated") == 0)
                return sd_bus_message_append(reply, "b", m->calibrated);
        if (strcmp(property, "CalibratedAt") == 0)
                return sd_bus_message_append(reply, "t", m->calibrated_at);
        if (strcmp(property, "SensorState") == 0)
                return sd_bus_message_append(reply, "s",
                                             sensor_state_to_string(sensor_state(m->sensor)));
        if (strcmp(property, "Sensor") == 0)
                return sd_bus_message_append(reply, "s", sensor_name(m->sensor) ?: "");
        if (strcmp(property, "SampleRate") == 0) {
                const PosturedSourceInfo *info = sensor_info(m->sensor);

                return sd_bus_message_append(reply, "d", info ? info->rate_hz : 0.0);
        }
        if (strcmp(property, "FilterKernel") == 0)
                return sd_bus_message_append(reply, "s", m->kernel ? m->kernel->name : "");
        if (strcmp(property, "StillSince") == 0)
                return sd_bus_message_append(reply, "t", m->still_since_us);
        if (strcmp(property, "SnoozedUntil") == 0)
                return sd_bus_message_append(reply, "t",
                                             m->health ? health_snoozed_until(m->health) : 0);
        if (strcmp(property, "LastEvent") == 0)
                /* Before the first event: ("", "", 0, 0, 0). */
                return sd_bus_message_append(reply, "(sstdd)", m->last_event_kind ?: "",
                                             m->last_event_severity ?: "", m->last_event_start_us,
                                             m->last_event_duration_s, m->last_event_peak_deg);
        if (strcmp(property, "Version") == 0)
                return sd_bus_message_append(reply, "s", POSTURED_VERSION);
        return -ENOENT;
}

/* The work of Calibrate(), once allowed (bus-polkit.c). */
static int do_calibrate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        int r;

        r = manager_calibrate(m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot calibrate: %m");
        if (r == CALIBRATE_NO_DATA)
                return sd_bus_error_set(error, POSTURED_ERROR_NO_DATA,
                                        "No sensor data yet, cannot calibrate.");
        if (r == CALIBRATE_NOT_STILL)
                return sd_bus_error_set(error, POSTURED_ERROR_NOT_STILL,
                                        "Not still, cannot calibrate: sit in your neutral posture "
                                        "and hold still for a few seconds, then try again.");
        if (r == CALIBRATE_NOT_UPRIGHT)
                return sd_bus_error_set(error, POSTURED_ERROR_NOT_UPRIGHT,
                                        "Not upright, cannot calibrate: the posture of the last "
                                        "few seconds is more than 30° from the upright that the "
                                        "mount matrix implies. Sit or stand upright and try "
                                        "again.");
        return sd_bus_reply_method_return(msg, NULL);
}

/* The work of ResetCalibration(), once allowed: the calibrate action too. */
static int do_reset_calibration(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        manager_reset_calibration(userdata);
        return sd_bus_reply_method_return(msg, NULL);
}

static int do_snooze(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        uint32_t seconds;
        int r;

        r = sd_bus_message_read(msg, "u", &seconds);
        if (r < 0)
                return r;
        r = health_snooze(m->health, seconds);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Snooze of %" PRIu32 " s is longer than 4 h (14400 s).",
                                         seconds);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot snooze: %m");
        manager_snoozed(m);
        return sd_bus_reply_method_return(msg, NULL);
}

static int do_start_recording(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_(closep) int fd = -EBADF;
        uid_t uid = (uid_t) -1;
        int r;

        /* On the system bus no user but root holds more than its share of the places. */
        if (m->system_bus) {
                r = bus_caller_creds(msg, (gid_t) -1, &uid, NULL);
                if (r < 0)
                        return sd_bus_error_set_errnof(
                                error, r, "Cannot establish the caller's identity: %m");
        }
        r = recorder_start_for(m->recorder, sd_bus_message_get_sender(msg), uid, &fd);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot start a recording: %m");
        if (r == RECORDER_E_TOO_MANY)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "Too many recordings at once (at most %d).", RECORDER_MAX);
        if (r == RECORDER_E_USER_LIMIT)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "Too many recordings at once for one user (at most %d).",
                                         RECORDER_MAX_PER_USER);
        /* The reply holds a duplicate; a reply that cannot go out ends the recording (EPIPE). */
        return sd_bus_reply_method_return(msg, "h", fd);
}

/*
 * Calibrating, snoozing and recording steer the wearer's daemon: on the
 * system bus each is a polkit action (root always; polkit/org.postured.policy
 * allows the active local session). A new such method wraps its work the
 * same way.
 */
static int method_calibrate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_polkit_run(userdata, msg, POLKIT_ACTION_CALIBRATE, do_calibrate, error);
}

static int method_reset_calibration(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_polkit_run(userdata, msg, POLKIT_ACTION_CALIBRATE, do_reset_calibration, error);
}

static int method_snooze(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_polkit_run(userdata, msg, POLKIT_ACTION_SNOOZE, do_snooze, error);
}

static int method_start_recording(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_polkit_run(userdata, msg, POLKIT_ACTION_RECORD, do_start_recording, error);
}

static const sd_bus_vtable posture_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Posture", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Flexion", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LateralBend", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Activity", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StrainLevel", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Calibrated", "b", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CalibratedAt", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SensorState", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Sensor", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SampleRate", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("FilterKernel", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StillSince", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SnoozedUntil", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastEvent", "(sstdd)", property_get, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Version", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_NAMES("Calibrate", "", SD_BUS_PARAM(), "", SD_BUS_PARAM(),
                                 method_calibrate, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ResetCalibration", "", SD_BUS_PARAM(), "", SD_BUS_PARAM(),
                                 method_reset_calibration, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Snooze", "u", SD_BUS_PARAM(seconds), "", SD_BUS_PARAM(),
                                 method_snooze, SD_BUS_VTABLE_UNPRIVILEGED),
        /* No in names is "": SD_BUS_PARAM() would be an empty name that "fd" loses to. */
        SD_BUS_METHOD_WITH_NAMES("StartRecording", "", "", "h", SD_BUS_PARAM(fd),
                                 method_start_recording, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("Advice", "ssss",
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(severity) SD_BUS_PARAM(category)
                                         SD_BUS_PARAM(text),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("StrainEvent", "sstdd",
                                 SD_BUS_PARAM(kind) SD_BUS_PARAM(severity) SD_BUS_PARAM(start_usec)
                                         SD_BUS_PARAM(duration_s) SD_BUS_PARAM(peak_deg),
                                 0),
        SD_BUS_VTABLE_END,
};

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

typedef int (*AppendFn)(sd_bus_message *sig, const void *data);

/* One Recovery1 signal (or PropertiesChanged of it), built by @append: to
 * every subscriber on the system bus, broadcast on a session bus. */
static int emit_health_signal(Manager *m, const char *interface, const char *member,
                              AppendFn append, const void *data)
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

static int append_changed_names(sd_bus_message *sig, const void *data)
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

static int append_health_advice(sd_bus_message *sig, const void *data)
{
        const AdviceItem *item = data;

        return sd_bus_message_append(sig, "ssss", item->id, severity_to_string(item->severity),
                                     advice_category_to_string(item->category) ?: "", item->text);
}

/* Values are not broadcast in PropertiesChanged (health data): only their names. */
static const sd_bus_vtable recovery_vtable[] = {
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

/**
 * bus_setup() - connect, export the object, take the well-known name.
 *
 * Return: 0 or -errno (logged).
 */
int bus_setup(Manager *m)
{
        int r;

        r = m->system_bus ? sd_bus_open_system(&m->bus) : sd_bus_open_user(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the %s bus: %m",
                                       m->system_bus ? "system" : "session");

        r = sd_bus_add_object_vtable(m->bus, NULL, POSTURED_OBJECT_PATH, POSTURED_INTERFACE,
                                     posture_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Cannot export %s: %m", POSTURED_OBJECT_PATH);
        r = sd_bus_add_object_vtable(m->bus, NULL, POSTURED_OBJECT_PATH,
                                     POSTURED_RECOVERY_INTERFACE, recovery_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Cannot export %s on %s: %m", POSTURED_RECOVERY_INTERFACE,
                                       POSTURED_OBJECT_PATH);

        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the bus to the event loop: %m");
        (void) sd_bus_set_exit_on_disconnect(m->bus, true);

        r = sd_bus_request_name(m->bus, POSTURED_BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "Another postured already owns %s on the %s bus.",
                                       POSTURED_BUS_NAME, m->system_bus ? "system" : "session");
        if (r < 0)
                return log_error_errno(r, "Cannot take the name %s: %m", POSTURED_BUS_NAME);
        return 0;
}

/**
 * bus_emit_properties() - PropertiesChanged for the CHANGED_* bits in @changed.
 *
 * Return: 0 or -errno.
 */
int bus_emit_properties(Manager *m, unsigned changed)
{
        const char *names[17];
        size_t n = 0;
        int r;

        if (!m->bus)
                return 0;
        if (changed & CHANGED_POSTURE)
                names[n++] = "Posture";
        if (changed & CHANGED_ANGLES) {
                names[n++] = "Flexion";
                names[n++] = "LateralBend";
        }
        if (changed & CHANGED_ACTIVITY)
                names[n++] = "Activity";
        if (changed & CHANGED_STRAIN)
                names[n++] = "StrainLevel";
        if (changed & CHANGED_CALIBRATED) {
                names[n++] = "Calibrated";
                names[n++] = "CalibratedAt";
        }
        if (changed & CHANGED_SENSOR) {
                names[n++] = "SensorState";
                names[n++] = "Sensor";
                names[n++] = "SampleRate";
        }
        if (changed & CHANGED_STILL)
                names[n++] = "StillSince";
        if (changed & CHANGED_SNOOZE)
                names[n++] = "SnoozedUntil";
        if (changed & CHANGED_LAST_EVENT)
                names[n++] = "LastEvent";
        names[n] = NULL;
        if (n > 0) {
                r = sd_bus_emit_properties_changed_strv(m->bus, POSTURED_OBJECT_PATH,
                                                        POSTURED_INTERFACE, (char **) names);
                if (r < 0)
                        return r;
        }

        n = 0;
        if (changed & CHANGED_PHASE) {
                names[n++] = "Phase";
                names[n++] = "InjuryOnset";
        }
        if (changed & CHANGED_PAIN)
                names[n++] = "LastPain";
        if (changed & CHANGED_ALERTS)
                names[n++] = "ActiveAlerts";
        names[n] = NULL;
        if (n == 0)
                return 0;
        return emit_health_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                  append_changed_names, names);
}

/**
 * bus_emit_strain_event() - the StrainEvent signal.
 *
 * Return: 0 or -errno.
 */
int bus_emit_strain_event(Manager *m, const StrainEvent *e)
{
        if (!m->bus)
                return 0;
        return sd_bus_emit_signal(
                m->bus, POSTURED_OBJECT_PATH, POSTURED_INTERFACE, "StrainEvent", "sstdd",
                event_kind_to_string(e->kind), severity_to_string(e->severity),
                manager_to_realtime_us(m, e->start_ns), e->duration_s, e->peak_deg);
}

/**
 * bus_emit_advice() - the Advice signal: of Posture1 for ergonomic advice, to
 * everyone; of Recovery1 for the rest, to the subscribers only.
 *
 * Return: 0 or -errno.
 */
int bus_emit_advice(Manager *m, const AdviceItem *item)
{
        if (!m->bus)
                return 0;
        if (!advice_item_is_ergonomic(item))
                return emit_health_signal(m, POSTURED_RECOVERY_INTERFACE, "Advice",
                                          append_health_advice, item);
        return sd_bus_emit_signal(m->bus, POSTURED_OBJECT_PATH, POSTURED_INTERFACE, "Advice",
                                  "ssss", item->id, severity_to_string(item->severity),
                                  advice_category_to_string(item->category) ?: "", item->text);
}

/** bus_emit_alert() - the Alert signal of Recovery1, to the subscribers. Return: 0 or -errno. */
int bus_emit_alert(Manager *m, const AdviceItem *item)
{
        return emit_health_signal(m, POSTURED_RECOVERY_INTERFACE, "Alert", append_alert, item);
}
