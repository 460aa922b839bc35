/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline settings of `posturectl analyze` (--config, --mount-matrix),
 * for the other verbs that run a recording through the pipeline (report).
 */
#pragma once

#include <stdbool.h>

#include "core/pipeline.h"

typedef struct PipelineArgs {
        const char *config; /* --config FILE, or NULL */
        bool have_mount;
        MountMatrix mount; /* --mount-matrix, if have_mount */
} PipelineArgs;

int pipeline_args_mount_matrix(PipelineArgs *a, const char *arg);
int pipeline_args_params(const PipelineArgs *a, PipelineParams *ret);
