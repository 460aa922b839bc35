/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's sd-bus code: the org.postured.Posture1 object (Recovery1: bus-recovery.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "abi/bus-names.h"
#include "bus-polkit.h"
#include "bus-recovery.h"
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
