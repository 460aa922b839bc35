/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "props.h"
#include "util/macro.h"

/* The output formats of `posturectl monitor --format=`. */
typedef enum MonitorFormat {
        MONITOR_FORMAT_TEXT,
        MONITOR_FORMAT_JSON,
        MONITOR_FORMAT_WAYBAR,
        MONITOR_FORMAT_I3BAR,
        MONITOR_FORMAT_I3BLOCKS,
        _MONITOR_FORMAT_MAX,
} MonitorFormat;

/* The format called @s, or -1. */
int monitor_format_from_string(const char *s);

/* The i3bar header before the first line; nothing for the other formats. */
void monitor_bar_begin(FILE *f, MonitorFormat format);

/* The state as one line of a bar format, unless it renders as the last did. */
bool monitor_bar_line(char **bar, FILE *f, MonitorFormat format, const PropSet *props,
                      bool present);
