/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/coach.h"
#include "util/macro.h"
#include "verb-analyze.h"

/* What verb-analyze.c, analyze-args.c and analyze-print.c share, and no one else. */

/* The advice engine's clock: sample time plus this, so that an onset before
 * the recording (--phase recovering) is still a positive time. */
#define EPOCH_USEC (UINT64_C(30) * 24 * 3600 * USEC_PER_SEC)

typedef struct AnalyzeArgs {
        RecoveryPhase phase;
        PipelineArgs pipe; /* --config, --mount-matrix */
        bool have_neutral;
        double neutral[3];
        const char *catalogue;
        const char *path;
        double samples_s; /* --samples, or 0 */
} AnalyzeArgs;

/* analyze-args.c */
int analyze_parse_argv(int argc, char *argv[], AnalyzeArgs *a);
int analyze_params(const AnalyzeArgs *a, PipelineParams *ret);
int analyze_load_catalogue(const AnalyzeArgs *a, Catalogue **ret);

/* analyze-print.c */
void analyze_print_advice(const AdviceItem *it, uint64_t now_usec, void *userdata);
void analyze_print_alert(const AdviceItem *it, uint64_t now_usec, void *userdata);
void analyze_print_event(const StrainEvent *e, const PostureSample *s, void *userdata);
void analyze_print_calibration(Pipeline *p, int64_t t_ns);
void analyze_on_calibration(const PostureSample *s, void *userdata);
void analyze_print_sample(const PostureSample *s, void *userdata);
void analyze_print_summary(Pipeline *p, double rate_hz);
