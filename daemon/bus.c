/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* All sd-bus code of the daemon: the org.postured.Posture1 object. */
#include <errno.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "log.h"
#include "macro.h"
#include "manager.h"

#define BUS_NAME      "org.postured.Posture1"
#define BUS_PATH      "/org/postured/Posture1"
#define BUS_INTERFACE "org.postured.Posture1"

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;

        (void) bus;
        (void) path;
        (void) interface;
        (void) error;

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
        if (strcmp(property, "SensorState") == 0)
                return sd_bus_message_append(reply, "s", sensor_state_to_string(m->sensor_state));
        if (strcmp(property, "Sensor") == 0)
                return sd_bus_message_append(reply, "s", m->sensor_name ?: "");
        if (strcmp(property, "SampleRate") == 0)
                return sd_bus_message_append(reply, "d", m->source ? m->info.rate_hz : 0.0);
        if (strcmp(property, "FilterKernel") == 0)
                return sd_bus_message_append(
                        reply, "s",
                        m->pipeline ? filter_kernel(pipeline_filter(m->pipeline))->name : "");
        return -ENOENT;
}

static int method_calibrate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        int r;

        r = manager_calibrate(m);
        if (r == -ENODATA)
                return sd_bus_error_set(error, "org.postured.Error.NoData",
                                        "No sensor data yet, cannot calibrate.");
        if (r == -EBUSY)
                return sd_bus_error_set(error, "org.postured.Error.NotStill",
                                        "Not still, cannot calibrate: sit in your neutral posture "
                                        "and hold still for a few seconds, then try again.");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot calibrate: %m");
        return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable posture_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Posture", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Flexion", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LateralBend", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Activity", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StrainLevel", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Calibrated", "b", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SensorState", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Sensor", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SampleRate", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("FilterKernel", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_NAMES("Calibrate", "", SD_BUS_PARAM(), "", SD_BUS_PARAM(),
                                 method_calibrate, SD_BUS_VTABLE_UNPRIVILEGED),
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

        r = sd_bus_add_object_vtable(m->bus, NULL, BUS_PATH, BUS_INTERFACE, posture_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Cannot export %s: %m", BUS_PATH);

        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the bus to the event loop: %m");
        (void) sd_bus_set_exit_on_disconnect(m->bus, true);

        r = sd_bus_request_name(m->bus, BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "Another postured already owns %s on the %s bus.",
                                       BUS_NAME, m->system_bus ? "system" : "session");
        if (r < 0)
                return log_error_errno(r, "Cannot take the name %s: %m", BUS_NAME);
        return 0;
}

/**
 * bus_emit_properties() - PropertiesChanged for the CHANGED_* bits in @changed.
 *
 * Return: 0 or -errno.
 */
int bus_emit_properties(Manager *m, unsigned changed)
{
        const char *names[12];
        size_t n = 0;

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
        if (changed & CHANGED_CALIBRATED)
                names[n++] = "Calibrated";
        if (changed & CHANGED_SENSOR) {
                names[n++] = "SensorState";
                names[n++] = "Sensor";
                names[n++] = "SampleRate";
        }
        names[n] = NULL;
        if (n == 0)
                return 0;
        return sd_bus_emit_properties_changed_strv(m->bus, BUS_PATH, BUS_INTERFACE,
                                                   (char **) names);
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
        return sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "StrainEvent", "sstdd",
                                  event_kind_to_string(e->kind), severity_to_string(e->severity),
                                  manager_to_realtime_us(m, e->start_ns), e->duration_s,
                                  e->peak_deg);
}
