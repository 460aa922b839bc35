/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What evdev-device.c offers evdev.c: device discovery and estimates. */

#include <stddef.h>

#include <libevdev/libevdev.h>

#include "abi/frame.h"
#include "util/uri-util.h"

int evdev_parse_options(const Uri *uri, int *resolution, double *rate_hz, char *error,
                        size_t error_size);
int evdev_open_sensor(const char *spec, libevdev_device_log_func_t log_fn, void *userdata,
                      char **ret_path, int *ret_fd, struct libevdev **ret_dev, char *error,
                      size_t error_size);
int evdev_udev_mount_matrix(const char *path, double ret[3][3], char *bad, size_t bad_size);
double evdev_estimate_rate(const Frame *frames, size_t n);
double evdev_estimate_gravity(const Frame *frames, size_t n);
