/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include <systemd/sd-event.h>

#include "core/detect/detect.h"
#include "core/estimator/estimator.h"

/*
 * Fleet metrics ([Metrics] TextfileDirectory=): counters of posture, never
 * of the recovery, written every minute as postured.prom in the Prometheus
 * text format for the node exporter's textfile collector.
 */

/**
 * struct MetricsCallbacks - what the writer asks its owner at each write.
 * @strain_level: the current StrainLevel, 0..1.
 * @sensor_state: "active", "absent", "stalled" or "error".
 * @dropped: samples dropped before the filter since the start.
 */
typedef struct MetricsCallbacks {
        double (*strain_level)(void *userdata);
        const char *(*sensor_state)(void *userdata);
        unsigned long long (*dropped)(void *userdata);
} MetricsCallbacks;

typedef struct Metrics Metrics;

/** metrics_new() - write into @dir every @interval_us. Return: 0 or -errno. */
int metrics_new(Metrics **ret, sd_event *event, const char *dir, uint64_t interval_us,
                const MetricsCallbacks *cb, void *userdata);
Metrics *metrics_free(Metrics *m);

static inline void metrics_freep(Metrics **m)
{
        metrics_free(*m);
}

void metrics_add_sample(Metrics *m, const PostureSample *s, double dt_s);
void metrics_add_event(Metrics *m, const StrainEvent *e);

/** metrics_write() - write postured.prom now. Return: 0 or -errno (logged once). */
int metrics_write(Metrics *m);
