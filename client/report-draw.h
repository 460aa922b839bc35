/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/detect/detect.h"
#include "core/history-minute.h"

/*
 * Drawing `posturectl report` with cairo: a day (or a recording) as a
 * timeline, a week as bars per day. The data comes from the daemon's history
 * or from a recording run through the core; the drawing knows neither.
 */

/* One strain event on the timeline. */
typedef struct ReportEvent {
        uint64_t start_us;
        Severity severity;
        char kind[48];
} ReportEvent;

/**
 * struct ReportDay - what a day's picture shows.
 * @title: the heading ("Saturday 5 December 2026", or the recording's name).
 * @start_us, @end_us: the time axis.
 * @clock_labels: label the axis with the local time of day; else with the
 *                time since @start_us (a recording).
 * @minutes: the minutes, HistoryMinute.minute counted in the time base of
 *           @start_us (the epoch, or the recording's start).
 * @events: the strain events.
 * @total: the day summed.
 */
typedef struct ReportDay {
        char title[96];
        uint64_t start_us, end_us;
        int clock_labels;
        const HistoryMinute *minutes;
        size_t n_minutes;
        const ReportEvent *events;
        size_t n_events;
        HistoryMinute total;
} ReportDay;

/** struct ReportWeek - seven days, each summed. */
typedef struct ReportWeek {
        char title[96];
        char day_label[7][16];
        HistoryMinute days[7];
        unsigned events[7];
} ReportWeek;

/** report_draw_load() - load the drawing libraries, first. Return: 0, or -ELIBACC (said on stderr).
 */
int report_draw_load(void);

/** report_draw_day() - the day into @path (.png, .svg or .pdf). Return: 0 or -errno. */
int report_draw_day(const ReportDay *d, const char *path);

/** report_draw_week() - the week into @path. Return: 0 or -errno. */
int report_draw_week(const ReportWeek *w, const char *path);

/** report_format_ok() - whether @path ends in .png, .svg or .pdf. */
int report_format_ok(const char *path);

/** report_draw_done() - free cairo's and fontconfig's caches, at the end (after
 * report_draw_load()). */
void report_draw_done(void);
