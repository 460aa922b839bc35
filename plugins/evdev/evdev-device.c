/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * evdev source, the device side: URI options, opening and discovering input
 * devices, the udev mount matrix, and what the first second of frames says
 * about the sample rate and the unit. No thread and no plugin state; the
 * plugin proper (evdev.c) uses them through evdev-private.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libevdev/libevdev.h>

#include "abi/frame.h"
#include "common/plugin-util.h"
#include "core/mount-matrix.h"
#include "evdev-private.h"
#include "util/macro.h"

#define INPUT_DIR      "/dev/input"
#define MOUNT_PROPERTY "ACCEL_MOUNT_MATRIX="
/* Fewer frames than this tell neither rate nor gravity. */
#define ESTIMATE_MIN 5
/* Magnitude spread (standard deviation / mean) under which a sensor is still. */
#define STILL_SPREAD 0.05

/**
 * evdev_parse_options() - the query of an "evdev:" URI: resolution=N, rate=HZ.
 * @uri: the parsed URI.
 * @resolution: set to N, units per g, a positive integer.
 * @rate_hz: set to HZ, positive, up to 100000.
 * @error: a message naming the option, on failure.
 * @error_size: its size.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int evdev_parse_options(const Uri *uri, int *resolution, double *rate_hz, char *error,
                        size_t error_size)
{
        for (size_t i = 0; i < uri->n_params; i++) {
                const UriParam *p = &uri->params[i];
                double v = NAN;
                int r;

                r = uri_param_double(p, &v);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !(v > 0))
                        return plugin_set_error(error, error_size, -EINVAL,
                                                "evdev option '%s' needs a positive number "
                                                "(resolution=UNITS_PER_G, rate=HZ)",
                                                p->key);
                if (strcmp(p->key, "resolution") == 0 && v == floor(v) && v <= INT32_MAX)
                        *resolution = (int) v;
                else if (strcmp(p->key, "rate") == 0 && v <= 100000)
                        *rate_hz = v;
                else
                        return plugin_set_error(
                                error, error_size, -EINVAL,
                                "bad evdev option %s=%s (known: resolution=UNITS_PER_G, "
                                "an integer; rate=HZ, up to 100000)",
                                p->key, p->value);
        }
        return 0;
}

/* Open @path non-blocking (libevdev's resync drains the fd and must not
 * block) and read its description. Return: 0, or -errno (-ENOTTY: not an
 * evdev device); quiet. */
static int device_open(const char *path, libevdev_device_log_func_t log_fn, void *userdata,
                       int *ret_fd, struct libevdev **ret_dev)
{
        struct libevdev *dev;
        int fd, r;

        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        dev = libevdev_new();
        if (!dev) {
                (void) close(fd);
                return -ENOMEM;
        }
        libevdev_set_device_log_function(dev, log_fn, LIBEVDEV_LOG_ERROR, userdata);
        r = libevdev_set_fd(dev, fd);
        if (r < 0) {
                libevdev_free(dev);
                (void) close(fd);
                return r;
        }
        *ret_fd = fd;
        *ret_dev = dev;
        return 0;
}

static bool has_xyz(const struct libevdev *dev)
{
        return libevdev_has_event_code(dev, EV_ABS, ABS_X) &&
               libevdev_has_event_code(dev, EV_ABS, ABS_Y) &&
               libevdev_has_event_code(dev, EV_ABS, ABS_Z);
}

static int event_number(const char *name)
{
        char *end;
        long n;

        if (strncmp(name, "event", 5) != 0)
                return -1;
        errno = 0;
        n = strtol(name + 5, &end, 10);
        if (errno != 0 || end == name + 5 || *end != '\0' || n < 0 || n >= 1 << 20)
                return -1;
        return (int) n;
}

/* The first accelerometer (INPUT_PROP_ACCELEROMETER and ABS_X/Y/Z) among
 * /dev/input/eventN, lowest N first. Return: 0, -ENODEV with a message in
 * @error when there is none, -ENOMEM. */
static int discover(libevdev_device_log_func_t log_fn, void *userdata, char **ret_path, int *ret_fd,
                    struct libevdev **ret_dev, char *error, size_t error_size)
{
        int seen = 0, denied = 0, last = -1;
        DIR *d;

        d = opendir(INPUT_DIR);
        if (!d)
                return plugin_set_error(error, error_size, -ENODEV, "evdev: cannot list %s: %s",
                                        INPUT_DIR, strerror(errno));
        /* The lowest number above @last each round: few devices, no sorting needed. */
        for (;;) {
                char path[sizeof(INPUT_DIR) + 32];
                const struct dirent *de;
                struct libevdev *dev;
                int next = -1, fd, r;

                rewinddir(d);
                while ((de = readdir(d))) {
                        int n = event_number(de->d_name);

                        if (n > last && (next < 0 || n < next))
                                next = n;
                }
                if (next < 0)
                        break;
                last = next;
                seen++;
                (void) snprintf(path, sizeof(path), INPUT_DIR "/event%d", next);
                r = device_open(path, log_fn, userdata, &fd, &dev);
                if (r == -EACCES || r == -EPERM)
                        denied++;
                if (r < 0)
                        continue;
                if (libevdev_has_property(dev, INPUT_PROP_ACCELEROMETER) && has_xyz(dev)) {
                        (void) closedir(d);
                        *ret_path = strdup(path);
                        if (!*ret_path) {
                                libevdev_free(dev);
                                (void) close(fd);
                                return -ENOMEM;
                        }
                        *ret_fd = fd;
                        *ret_dev = dev;
                        return 0;
                }
                libevdev_free(dev);
                (void) close(fd);
        }
        (void) closedir(d);
        return plugin_set_error(error, error_size, -ENODEV,
                                "evdev: no accelerometer (INPUT_PROP_ACCELEROMETER with ABS_X/Y/Z) "
                                "among %d %s/event* devices%s",
                                seen, INPUT_DIR,
                                denied > 0 ? " (some could not be opened: permission denied)" : "");
}

/**
 * evdev_open_sensor() - open the device @spec names, or discover one when
 * @spec is empty.
 * @spec: the device node, the decoded path of the URI.
 * @log_fn, @userdata: libevdev's error messages for this device.
 * @ret_path: the device's path, malloc()ed; @ret_fd, @ret_dev: the open
 *            device. All three become the caller's on success.
 *
 * Return: 1 for an accelerometer, 0 for a named device with ABS_X/Y/Z that
 * does not say it is one (INPUT_PROP_ACCELEROMETER), -ENODEV with a message
 * in @error when there is no such device (no node, no axes, none
 * discovered), other -errno (-ENOTTY: not an input device) with a message.
 */
int evdev_open_sensor(const char *spec, libevdev_device_log_func_t log_fn, void *userdata,
                      char **ret_path, int *ret_fd, struct libevdev **ret_dev, char *error,
                      size_t error_size)
{
        struct libevdev *dev;
        char *path;
        int fd, r;

        if (spec[0] == '\0') {
                r = discover(log_fn, userdata, ret_path, ret_fd, ret_dev, error, error_size);
                return r < 0 ? r : 1;
        }

        r = device_open(spec, log_fn, userdata, &fd, &dev);
        if (r == -ENOTTY || r == -EINVAL)
                return plugin_set_error(error, error_size, r, "%s is not an input event device",
                                        spec);
        /* No node: not plugged in (yet), which the daemon waits for. */
        if (r < 0)
                return plugin_set_error(error, error_size,
                                        r == -ENOENT || r == -ENXIO ? -ENODEV : r,
                                        "cannot open %s: %s", spec, strerror(-r));
        if (!has_xyz(dev)) {
                r = plugin_set_error(error, error_size, -ENODEV, "%s (%s) has no ABS_X/Y/Z axes",
                                     spec, libevdev_get_name(dev));
                libevdev_free(dev);
                (void) close(fd);
                return r;
        }
        path = strdup(spec);
        if (!path) {
                libevdev_free(dev);
                (void) close(fd);
                return -ENOMEM;
        }
        *ret_path = path;
        *ret_fd = fd;
        *ret_dev = dev;
        return libevdev_has_property(dev, INPUT_PROP_ACCELEROMETER);
}

/**
 * evdev_udev_mount_matrix() - the udev property ACCEL_MOUNT_MATRIX of the
 * device node @path, from the sysfs uevent file (where umockdev keeps udev
 * properties; the kernel never sets this one) or from udev's database. The
 * syntax is IIO's, which mount_matrix_parse() reads.
 * @bad: on -EINVAL, the value that is not a mount matrix.
 *
 * Return: 1 and *@ret, 0 when there is none, -EINVAL.
 */
int evdev_udev_mount_matrix(const char *path, double ret[3][3], char *bad, size_t bad_size)
{
        struct stat st;
        char files[2][64];

        /* stat(), not fstat(): the node's numbers, which emulation keeps too. */
        if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode))
                return 0;
        (void) snprintf(files[0], sizeof(files[0]), "/sys/dev/char/%u:%u/uevent", major(st.st_rdev),
                        minor(st.st_rdev));
        (void) snprintf(files[1], sizeof(files[1]), "/run/udev/data/c%u:%u", major(st.st_rdev),
                        minor(st.st_rdev));
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_(freep) char *line = NULL;
                size_t size = 0;
                int r = 0;
                FILE *f = fopen(files[i], "re");

                if (!f)
                        continue;
                while (getline(&line, &size, f) > 0) {
                        const char *s = line + (strncmp(line, "E:", 2) == 0 ? 2 : 0);

                        if (strncmp(s, MOUNT_PROPERTY, strlen(MOUNT_PROPERTY)) != 0)
                                continue;
                        line[strcspn(line, "\n")] = '\0';
                        s += strlen(MOUNT_PROPERTY);
                        MountMatrix mm;

                        r = mount_matrix_parse(&mm, s) >= 0 ? 1 : -EINVAL;
                        if (r < 0)
                                (void) snprintf(bad, bad_size, "%s", s);
                        else
                                memcpy(ret, mm.m, sizeof(mm.m));
                        break;
                }
                (void) fclose(f);
                if (r != 0)
                        return r;
        }
        return 0;
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

        return (x > y) - (x < y);
}

/**
 * evdev_estimate_rate() - the sample rate, from the median interval between
 * @frames (intervals that end in a FRAME_AFTER_GAP frame do not count),
 * within 0.5..4000 Hz.
 *
 * Return: the rate in Hz, or 0 when there are too few frames to tell.
 */
double evdev_estimate_rate(const Frame *frames, size_t n)
{
        _cleanup_(freep) int64_t *dt = NULL;
        size_t k = 0;

        if (n < ESTIMATE_MIN)
                return 0;
        dt = calloc(n, sizeof(*dt));
        if (!dt)
                return 0;
        for (size_t i = 1; i < n; i++)
                if (!(frames[i].flags & FRAME_AFTER_GAP) && frames[i].t_ns > frames[i - 1].t_ns)
                        dt[k++] = frames[i].t_ns - frames[i - 1].t_ns;
        if (k + 1 < ESTIMATE_MIN)
                return 0;
        qsort(dt, k, sizeof(*dt), cmp_i64);
        return CLAMP((double) NSEC_PER_SEC / (double) dt[k / 2], 0.5, 4000.0);
}

/**
 * evdev_estimate_gravity() - the mean magnitude of @frames (any unit), if
 * they are still: the spread of the magnitude stays under 5 % of the mean.
 *
 * Return: the magnitude, or 0 with too few frames or a moving sensor.
 */
double evdev_estimate_gravity(const Frame *frames, size_t n)
{
        double sum = 0, sum2 = 0, mean, sd;

        if (n < ESTIMATE_MIN)
                return 0;
        for (size_t i = 0; i < n; i++) {
                const float *v = frames[i].v;
                double m = sqrt((double) v[0] * v[0] + (double) v[1] * v[1] + (double) v[2] * v[2]);

                sum += m;
                sum2 += m * m;
        }
        mean = sum / (double) n;
        sd = sqrt(fmax(sum2 / (double) n - mean * mean, 0));
        return mean > 0 && sd <= STILL_SPREAD * mean ? mean : 0;
}
