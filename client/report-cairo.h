/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>

/*
 * cairo (and through it fontconfig, freetype, pixman, libpng and the X
 * libraries: 19 of posturectl's 31 shared objects) is loaded when `report`
 * draws, not linked: every other command, `analyze` above all, starts
 * without mapping and relocating them (`posturectl analyze` of a 10-line
 * recording took 4.1 ms of CPU with them linked, 2.7 ms without;
 * tests/bench/RESULTS.md).
 * report-draw.c calls the functions below by their usual names; these
 * macros route them through the table that report_cairo_load() fills.
 */
/* clang-format off */
#define REPORT_CAIRO_FUNCS(X) \
        X(close_path) \
        X(create) \
        X(debug_reset_static_data) \
        X(destroy) \
        X(fill) \
        X(image_surface_create) \
        X(line_to) \
        X(move_to) \
        X(paint) \
        X(pdf_surface_create) \
        X(rectangle) \
        X(restore) \
        X(rotate) \
        X(save) \
        X(select_font_face) \
        X(set_font_size) \
        X(set_line_width) \
        X(set_source_rgb) \
        X(set_source_rgba) \
        X(show_text) \
        X(stroke) \
        X(surface_destroy) \
        X(surface_finish) \
        X(surface_status) \
        X(surface_write_to_png) \
        X(svg_surface_create) \
        X(text_extents) \
        X(translate)
/* clang-format on */

typedef struct ReportCairo {
#define REPORT_CAIRO_POINTER(f) __typeof__(cairo_##f) *f;
        REPORT_CAIRO_FUNCS(REPORT_CAIRO_POINTER)
#undef REPORT_CAIRO_POINTER
        __typeof__(FcFini) *fc_fini;
} ReportCairo;

extern ReportCairo report_cairo;

/** report_cairo_load() - load cairo and fontconfig once. Return: 0, or -ELIBACC. */
int report_cairo_load(void);

#define cairo_close_path              (report_cairo.close_path)
#define cairo_create                  (report_cairo.create)
#define cairo_debug_reset_static_data (report_cairo.debug_reset_static_data)
#define cairo_destroy                 (report_cairo.destroy)
#define cairo_fill                    (report_cairo.fill)
#define cairo_image_surface_create    (report_cairo.image_surface_create)
#define cairo_line_to                 (report_cairo.line_to)
#define cairo_move_to                 (report_cairo.move_to)
#define cairo_paint                   (report_cairo.paint)
#define cairo_pdf_surface_create      (report_cairo.pdf_surface_create)
#define cairo_rectangle               (report_cairo.rectangle)
#define cairo_restore                 (report_cairo.restore)
#define cairo_rotate                  (report_cairo.rotate)
#define cairo_save                    (report_cairo.save)
#define cairo_select_font_face        (report_cairo.select_font_face)
#define cairo_set_font_size           (report_cairo.set_font_size)
#define cairo_set_line_width          (report_cairo.set_line_width)
#define cairo_set_source_rgb          (report_cairo.set_source_rgb)
#define cairo_set_source_rgba         (report_cairo.set_source_rgba)
#define cairo_show_text               (report_cairo.show_text)
#define cairo_stroke                  (report_cairo.stroke)
#define cairo_surface_destroy         (report_cairo.surface_destroy)
#define cairo_surface_finish          (report_cairo.surface_finish)
#define cairo_surface_status          (report_cairo.surface_status)
#define cairo_surface_write_to_png    (report_cairo.surface_write_to_png)
#define cairo_svg_surface_create      (report_cairo.svg_surface_create)
#define cairo_text_extents            (report_cairo.text_extents)
#define cairo_translate               (report_cairo.translate)
#define FcFini                        (report_cairo.fc_fini)
