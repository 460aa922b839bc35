/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pictures of `posturectl report` (report-draw.h), drawn with cairo's
 * own text API: a day as posture bands under the flexion curve with the
 * StrainLevel, the strain events as marks and the walks (breaks) as a strip,
 * time per posture beside it; a week as a stacked bar per day.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report-cairo.h"
#include "report-draw.h"
#include "util/macro.h"

#define WIDTH  1200.0
#define HEIGHT 720.0
#define FONT   "DejaVu Sans"
#define GUIDANCE                                                                             \
        "postured gives general guidance, not diagnosis. Limits: ISO 11226 (static working " \
        "postures)."

typedef struct Colour {
        double r, g, b;
} Colour;

/* A colour per posture, from the calm to the strained; unknown is not drawn. */
static Colour posture_colour(PostureClass p)
{
        switch (p) {
        case POSTURE_UPRIGHT:
                return (Colour){ 0.30, 0.69, 0.31 };
        case POSTURE_SLOUCHED:
                return (Colour){ 0.99, 0.85, 0.21 };
        case POSTURE_FLEXED:
                return (Colour){ 0.98, 0.55, 0.00 };
        case POSTURE_EXTREME_FLEXION:
                return (Colour){ 0.83, 0.18, 0.18 };
        case POSTURE_LATERAL:
                return (Colour){ 0.56, 0.27, 0.68 };
        case POSTURE_RECLINED:
                return (Colour){ 0.13, 0.59, 0.95 };
        case POSTURE_LYING:
                return (Colour){ 0.47, 0.56, 0.61 };
        case POSTURE_MOVING:
                return (Colour){ 0.74, 0.74, 0.74 };
        default:
                return (Colour){ 1, 1, 1 };
        }
}

static Colour severity_colour(Severity s)
{
        return s == SEVERITY_CRITICAL  ? (Colour){ 0.72, 0.0, 0.0 }
               : s == SEVERITY_WARNING ? (Colour){ 0.90, 0.40, 0.0 }
                                       : (Colour){ 0.20, 0.40, 0.80 };
}

static void set(cairo_t *cr, Colour c)
{
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void text(cairo_t *cr, double x, double y, double size, double align, const char *s)
{
        cairo_text_extents_t ext;

        cairo_set_font_size(cr, size);
        cairo_text_extents(cr, s, &ext);
        cairo_move_to(cr, x - align * ext.x_advance, y);
        cairo_show_text(cr, s);
}

int report_format_ok(const char *path)
{
        const char *dot = strrchr(path, '.');

        return dot &&
               (strcmp(dot, ".png") == 0 || strcmp(dot, ".svg") == 0 || strcmp(dot, ".pdf") == 0);
}

/* A surface of the kind @path's extension names. */
static cairo_surface_t *surface_for(const char *path)
{
        const char *dot = strrchr(path, '.');

        if (strcmp(dot, ".svg") == 0)
                return cairo_svg_surface_create(path, WIDTH, HEIGHT);
        if (strcmp(dot, ".pdf") == 0)
                return cairo_pdf_surface_create(path, WIDTH, HEIGHT);
        return cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int) WIDTH, (int) HEIGHT);
}

static int finish(cairo_t *cr, cairo_surface_t *s, const char *path)
{
        cairo_status_t st;

        cairo_destroy(cr);
        if (strcmp(strrchr(path, '.'), ".png") == 0)
                st = cairo_surface_write_to_png(s, path);
        else {
                cairo_surface_finish(s);
                st = cairo_surface_status(s);
        }
        cairo_surface_destroy(s);
        return st == CAIRO_STATUS_SUCCESS ? 0 : st == CAIRO_STATUS_NO_MEMORY ? -ENOMEM : -EIO;
}

static cairo_t *start(cairo_surface_t *s)
{
        cairo_t *cr = cairo_create(s);

        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        return cr;
}

static void duration_text(char *buf, size_t size, double s)
{
        if (s >= 3600)
                snprintf(buf, size, "%d h %02d min", (int) (s / 3600), (int) fmod(s / 60, 60));
        else
                snprintf(buf, size, "%.0f min", s / 60);
}

/* The legend and the time per posture, right of the timeline. */
static void draw_posture_totals(cairo_t *cr, const HistoryMinute *t, double x, double y)
{
        char buf[64], d[32];
        double max = 0;

        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, x, y, 15, 0, "Time per posture");
        for (size_t p = 0; p < _POSTURE_MAX; p++)
                max = MAX(max, t->posture_s[p]);
        y += 12;
        for (size_t p = 1; p < _POSTURE_MAX; p++) {
                double w = max > 0 ? 70 * t->posture_s[p] / max : 0;

                y += 26;
                set(cr, posture_colour((PostureClass) p));
                cairo_rectangle(cr, x, y - 14, MAX(w, 1), 16);
                cairo_fill(cr);
                cairo_set_source_rgb(cr, 0, 0, 0);
                duration_text(d, sizeof(d), t->posture_s[p]);
                snprintf(buf, sizeof(buf), "%s %s", posture_class_to_string((PostureClass) p), d);
                text(cr, x + 78, y, 12, 0, buf);
        }
        y += 40;
        duration_text(d, sizeof(d), t->duration_s - t->not_worn_s);
        snprintf(buf, sizeof(buf), "Worn: %s", d);
        text(cr, x, y, 13, 0, buf);
        duration_text(d, sizeof(d), t->activity_s[ACTIVITY_WALKING]);
        snprintf(buf, sizeof(buf), "Walking (breaks): %s", d);
        text(cr, x, y + 20, 13, 0, buf);
        snprintf(buf, sizeof(buf), "Flexion: mean %.0f°, peak %.0f°", t->flexion_mean_deg,
                 t->flexion_peak_deg);
        text(cr, x, y + 40, 13, 0, buf);
        snprintf(buf, sizeof(buf), "Mean StrainLevel: %.2f (0–1)", t->strain_mean);
        text(cr, x, y + 60, 13, 0, buf);
}

static size_t dominant_posture(const HistoryMinute *m)
{
        size_t best = 0;

        for (size_t p = 1; p < _POSTURE_MAX; p++)
                if (m->posture_s[p] > m->posture_s[best])
                        best = p;
        return best;
}

/* Labels every 1, 2, 5, 10, 15 or 30 minutes or 1, 2, 3 or 6 hours: at most 13. */
static void draw_time_axis(cairo_t *cr, const ReportDay *d, double x0, double w, double y)
{
        static const unsigned steps_min[] = { 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440 };
        double span = (double) MAX(d->end_us - d->start_us, USEC_PER_SEC * 60);
        uint64_t step = 0;
        char buf[24];

        for (size_t i = 0; i < ELEMENTSOF(steps_min) && step == 0; i++)
                if (span / ((double) steps_min[i] * USEC_PER_MINUTE) <= 12)
                        step = steps_min[i] * USEC_PER_MINUTE;
        if (step == 0)
                step = 1440 * USEC_PER_MINUTE;
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 1);
        for (uint64_t t = d->start_us - d->start_us % step; t <= d->end_us; t += step) {
                uint64_t since = t - d->start_us;
                double x;

                if (t < d->start_us)
                        continue;
                x = x0 + w * (double) since / span;
                if (d->clock_labels) {
                        time_t sec = (time_t) (t / USEC_PER_SEC);
                        struct tm tm;

                        localtime_r(&sec, &tm);
                        strftime(buf, sizeof(buf), "%H:%M", &tm);
                } else if (step < 60 * USEC_PER_MINUTE)
                        snprintf(buf, sizeof(buf), "%u min", (unsigned) (since / USEC_PER_MINUTE));
                else
                        snprintf(buf, sizeof(buf), "%u h",
                                 (unsigned) (since / (60 * USEC_PER_MINUTE)));
                text(cr, x, y, 12, 0.5, buf);
                cairo_move_to(cr, x, y - 16);
                cairo_line_to(cr, x, y - 11);
                cairo_stroke(cr);
        }
        text(cr, x0 + w / 2, y + 20, 13, 0.5,
             d->clock_labels ? "Time of day" : "Time since the start of the recording");
}

/* @s turned a quarter (@angle ±π/2) and centred on (@x, @y): an axis title. */
static void vertical_text(cairo_t *cr, double x, double y, double angle, const char *s)
{
        cairo_save(cr);
        cairo_translate(cr, x, y);
        cairo_rotate(cr, angle);
        text(cr, 0, 0, 13, 0.5, s);
        cairo_restore(cr);
}

/**
 * report_draw_day() - a day: the flexion curve (°, left axis) and the
 * StrainLevel (0–1, right axis) over posture bands, strain events as
 * triangles, walks as a strip, time per posture on the right.
 * @d: what to draw.
 * @path: the file; its extension picks PNG, SVG or PDF.
 *
 * Return: 0 or -errno.
 */
int report_draw_day(const ReportDay *d, const char *path)
{
        const double x0 = 80, y0 = 90, w = 780, h = 400, band = 36;
        double span = (double) MAX(d->end_us - d->start_us, USEC_PER_SEC * 60);
        double top = 60, prev_x = -1;
        cairo_surface_t *s = surface_for(path);
        cairo_t *cr = start(s);
        char buf[64];

        for (size_t i = 0; i < d->n_minutes; i++)
                top = MAX(top, d->minutes[i].flexion_peak_deg);
        top = ceil(top / 15) * 15;

        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        text(cr, x0, 40, 22, 0, d->title);
        cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

        /* Posture bands: the whole plot height, pale, a minute each. */
        for (size_t i = 0; i < d->n_minutes; i++) {
                const HistoryMinute *m = &d->minutes[i];
                double t = (double) ((uint64_t) m->minute * USEC_PER_MINUTE) - (double) d->start_us;
                double x = x0 + w * t / span, mw = MAX(w * USEC_PER_MINUTE / span, 0.5);
                Colour c = posture_colour((PostureClass) dominant_posture(m));

                if (t < 0 || t >= span || dominant_posture(m) == POSTURE_UNKNOWN)
                        continue;
                cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.35);
                cairo_rectangle(cr, x, y0, mw, h);
                cairo_fill(cr);
                set(cr, c);
                cairo_rectangle(cr, x, y0 + h + 8, mw, band);
                cairo_fill(cr);
                if (m->activity_s[ACTIVITY_WALKING] > m->duration_s / 2) {
                        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
                        cairo_rectangle(cr, x, y0 + h + band + 14, mw, 10);
                        cairo_fill(cr);
                }
        }

        /* Axes and grid. */
        cairo_set_line_width(cr, 1);
        for (double a = 0; a <= top; a += 15) {
                double y = y0 + h - h * a / top;

                cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
                cairo_move_to(cr, x0, y);
                cairo_line_to(cr, x0 + w, y);
                cairo_stroke(cr);
                cairo_set_source_rgb(cr, 0, 0, 0);
                snprintf(buf, sizeof(buf), "%.0f°", a);
                text(cr, x0 - 8, y + 4, 12, 1, buf);
        }
        for (int i = 0; i <= 4; i++) {
                snprintf(buf, sizeof(buf), "%.2f", i / 4.0);
                text(cr, x0 + w + 8, y0 + h - h * i / 4.0 + 4, 12, 0, buf);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_rectangle(cr, x0, y0, w, h);
        cairo_stroke(cr);
        vertical_text(cr, 28, y0 + h / 2, -M_PI / 2, "Flexion (degrees, mean per minute)");
        cairo_set_source_rgb(cr, 0.1, 0.2, 0.6);
        vertical_text(cr, x0 + w + 50, y0 + h / 2, M_PI / 2, "StrainLevel (0 to 1, blue)");
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, x0 - 8, y0 + h + 8 + band / 2 + 4, 12, 1, "Posture");
        text(cr, x0 - 8, y0 + h + band + 24, 12, 1, "Walks");
        draw_time_axis(cr, d, x0, w, y0 + h + band + 44);

        /* The flexion curve (black) and the StrainLevel (blue), minute by minute. */
        for (int pass = 0; pass < 2; pass++) {
                prev_x = -1;
                cairo_set_line_width(cr, pass == 0 ? 1.6 : 1.2);
                for (size_t i = 0; i < d->n_minutes; i++) {
                        const HistoryMinute *m = &d->minutes[i];
                        double t = (double) ((uint64_t) m->minute * USEC_PER_MINUTE) -
                                   (double) d->start_us;
                        double x = x0 + w * (t + 30e6) / span, v;

                        if (t < 0 || t >= span || m->duration_s <= 0)
                                continue;
                        v = pass == 0 ? CLAMP(m->flexion_mean_deg, 0, top) / top
                                      : CLAMP(m->strain_mean, 0, 1);
                        if (prev_x < 0 || x - prev_x > 2 * w * USEC_PER_MINUTE / span + 1)
                                cairo_move_to(cr, x, y0 + h - h * v);
                        else
                                cairo_line_to(cr, x, y0 + h - h * v);
                        prev_x = x;
                }
                if (pass == 0)
                        cairo_set_source_rgb(cr, 0, 0, 0);
                else
                        cairo_set_source_rgb(cr, 0.1, 0.2, 0.6);
                cairo_stroke(cr);
        }

        /* Strain events: a triangle at the top of the plot where each began. */
        for (size_t i = 0; i < d->n_events; i++) {
                double t = (double) d->events[i].start_us - (double) d->start_us;
                double x = x0 + w * t / span;

                if (t < 0 || t > span)
                        continue;
                set(cr, severity_colour(d->events[i].severity));
                cairo_move_to(cr, x - 7, y0 - 14);
                cairo_line_to(cr, x + 7, y0 - 14);
                cairo_line_to(cr, x, y0 - 2);
                cairo_close_path(cr);
                cairo_fill(cr);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(buf, sizeof(buf), "▼ strain events: %zu (blue info, orange warning, red critical)",
                 d->n_events);
        text(cr, x0, 66, 13, 0, buf);

        draw_posture_totals(cr, &d->total, x0 + w + 70, y0 + 10);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        text(cr, x0, HEIGHT - 24, 13, 0, GUIDANCE);
        return finish(cr, s, path);
}

/**
 * report_draw_week() - a bar per day, stacked by posture (hours worn), and
 * the number of strain events above each.
 * @w: what to draw.
 * @path: the file; its extension picks PNG, SVG or PDF.
 *
 * Return: 0 or -errno.
 */
int report_draw_week(const ReportWeek *wk, const char *path)
{
        const double x0 = 90, y0 = 90, w = 760, h = 460;
        cairo_surface_t *s = surface_for(path);
        cairo_t *cr = start(s);
        double top = 4;
        char buf[64];

        for (int i = 0; i < 7; i++)
                top = MAX(top, wk->days[i].duration_s / 3600);
        top = ceil(top / 2) * 2;

        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        text(cr, x0, 40, 22, 0, wk->title);
        cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_line_width(cr, 1);
        for (double a = 0; a <= top; a += 2) {
                double y = y0 + h - h * a / top;

                cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
                cairo_move_to(cr, x0, y);
                cairo_line_to(cr, x0 + w, y);
                cairo_stroke(cr);
                cairo_set_source_rgb(cr, 0, 0, 0);
                snprintf(buf, sizeof(buf), "%.0f h", a);
                text(cr, x0 - 8, y + 4, 12, 1, buf);
        }
        vertical_text(cr, 30, y0 + h / 2, -M_PI / 2, "Hours worn, by posture");

        for (int i = 0; i < 7; i++) {
                double bx = x0 + 20 + i * (w - 40) / 7, bw = (w - 40) / 7 - 24, y = y0 + h;

                for (size_t p = 1; p < _POSTURE_MAX; p++) {
                        double bh = h * wk->days[i].posture_s[p] / 3600 / top;

                        set(cr, posture_colour((PostureClass) p));
                        cairo_rectangle(cr, bx, y - bh, bw, bh);
                        cairo_fill(cr);
                        y -= bh;
                }
                cairo_set_source_rgb(cr, 0, 0, 0);
                text(cr, bx + bw / 2, y0 + h + 20, 12, 0.5, wk->day_label[i]);
                snprintf(buf, sizeof(buf), "%u events", wk->events[i]);
                text(cr, bx + bw / 2, y - 6, 11, 0.5, buf);
        }
        cairo_rectangle(cr, x0, y0, w, h);
        cairo_stroke(cr);
        text(cr, x0 + w / 2, y0 + h + 44, 13, 0.5, "Day");

        {
                HistoryMinute total = {};

                for (int i = 0; i < 7; i++)
                        history_minute_merge(&total, &wk->days[i]);
                draw_posture_totals(cr, &total, x0 + w + 40, y0 + 10);
        }
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        text(cr, x0, HEIGHT - 24, 13, 0, GUIDANCE);
        return finish(cr, s, path);
}

/**
 * report_draw_load() - load cairo and fontconfig, which posturectl does not
 * link (report-cairo.h), before the first picture. Says on stderr what is
 * missing.
 *
 * Return: 0, or -ELIBACC.
 */
int report_draw_load(void)
{
        return report_cairo_load();
}

/**
 * report_draw_done() - give back what cairo and fontconfig keep for the
 * process (their caches), so that a leak checker sees none.
 */
void report_draw_done(void)
{
        cairo_debug_reset_static_data();
        FcFini();
}
