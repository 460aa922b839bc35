/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The D-Bus contract (dbus/org.postured.Posture1.xml), shared by the daemon
 * and its clients: the well-known name, the object, the interfaces and the
 * names of the errors the methods return.
 */
#define POSTURED_BUS_NAME           "org.postured.Posture1"
#define POSTURED_OBJECT_PATH        "/org/postured/Posture1"
#define POSTURED_INTERFACE          "org.postured.Posture1"
#define POSTURED_RECOVERY_INTERFACE "org.postured.Recovery1"

#define POSTURED_ERROR_NO_DATA       "org.postured.Error.NoData"
#define POSTURED_ERROR_NOT_STILL     "org.postured.Error.NotStill"
#define POSTURED_ERROR_NOT_UPRIGHT   "org.postured.Error.NotUpright"
#define POSTURED_ERROR_NOT_INJURED   "org.postured.Error.NotInjured"
#define POSTURED_ERROR_NO_SUCH_ALERT "org.postured.Error.NoSuchAlert"
#define POSTURED_ERROR_NOT_SAVED     "org.postured.Error.NotSaved"
