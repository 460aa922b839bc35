/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of the IIO source plugin (iio.c: the plugin's
 * operations; iio-device.c: device setup; iio-stream.c: the producer
 * thread). Not an interface of postured. */

#include <iio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/source.h"
#include "common/plugin-util.h"
#include "common/source-thread.h"
#include "iio-scan.h"
#include "util/macro.h"

/* How much the kernel gathers before it wakes the reader (the buffer's
 * watermark): a second of scans, so the daemon wakes once a second. */
#define IIO_WAKE_NS NSEC_PER_SEC
/* How long a wait for data lasts before the thread looks again (and
 * notices a removed device, which poll() does not report). */
#define IIO_IDLE_TIMEOUT_MS 1000
/* Default rates: buffered, when the device does not tell; polled. */
#define IIO_DEFAULT_RATE_HZ      100.0
#define IIO_DEFAULT_POLL_RATE_HZ 50.0

enum { IIO_X, IIO_Y, IIO_Z, IIO_TS, _IIO_ELEMENTS };

typedef struct Iio {
        PosturedSourceHost host;
        IioUri uri;
        struct iio_context *ctx;
        struct iio_device *dev;
        struct iio_channel *chn[_IIO_ELEMENTS]; /* x, y, z, timestamp (or NULL) */
        char *name;
        double rate_hz;
        PosturedClock clock;
        bool device_time; /* frames carry the device's timestamps */
        int has_mount_matrix;
        double mount_matrix[3][3];
        double scale[3], offset[3];

        /* Buffered mode: the scan layout and what is left of a partial scan. */
        bool buffered;
        bool blocking; /* refill blocks (network); else poll() + non-blocking refill */
        struct iio_buffer *buf;
        size_t buffer_samples;
        size_t refill_bytes; /* what one refill reads at most */
        IioScanElement elem[_IIO_ELEMENTS];
        size_t n_elem, scan_bytes;
        uint8_t *stage;
        size_t stage_len, stage_size;

        /* Polling mode: the element types, when known, tell saturation. */
        bool poll_types_known;

        SourceThread thread;
        int64_t last_t_ns;
} Iio;

/* A message through host->log(), prefixed with the sensor's name. */
#define iio_source_log(s, priority, ...) \
        plugin_log(&(s)->host, (s)->name ?: "iio", priority, __VA_ARGS__)

/** iio_source_setup() - with @s->ctx open: pick, read and set up the device. */
int iio_source_setup(Iio *s, char *error, size_t error_size);

/** iio_source_create_buffer() - enable the scan elements, create the libiio buffer. */
int iio_source_create_buffer(Iio *s);

/** iio_source_thread() - the producer thread: buffered refills or raw polling. */
void *iio_source_thread(void *userdata);

/** iio_source_dispatch() - polled by the daemon: read what the buffer holds. */
int iio_source_dispatch(Iio *s, int revents);
