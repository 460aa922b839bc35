/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cairo and fontconfig, loaded when `posturectl report` draws
 * (report-cairo.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dlopen-note.h"
#include "report-cairo.h"

ReportCairo report_cairo;

/*
 * What dlopen() loads, as an ELF note (dlopen-note.h). debian/control names
 * the packages by hand.
 */
#define DLOPEN_NOTE_JSON                                                                   \
        "[{\"feature\":\"report\",\"description\":\"posturectl report draws PNG, SVG and " \
        "PDF\",\"priority\":\"recommended\",\"soname\":[\"libcairo.so.2\","                \
        "\"libfontconfig.so.1\"]}]"
DLOPEN_NOTE(dlopen_note, DLOPEN_NOTE_JSON);

/* One library and its functions; NULL with the reason on stderr when it cannot be loaded. */
static void *load(const char *soname)
{
        void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

        if (!handle)
                fprintf(stderr,
                        "report: cannot load %s (%s); drawing needs cairo and fontconfig "
                        "(Debian: libcairo2, libfontconfig1)\n",
                        soname, dlerror());
        return handle;
}

/**
 * report_cairo_load() - load libcairo and libfontconfig and fill
 * report_cairo, once. Says on stderr which library or function is missing.
 *
 * Return: 0, or -ELIBACC when one cannot be loaded.
 */
int report_cairo_load(void)
{
        static bool loaded;
        void *cairo, *fc;

        if (loaded)
                return 0;
        /* The sonames the build's headers belong to: both keep their ABI within them. */
        cairo = load("libcairo.so.2");
        if (!cairo)
                return -ELIBACC;
        fc = load("libfontconfig.so.1");
        if (!fc) {
                (void) dlclose(cairo);
                return -ELIBACC;
        }
        /* POSIX allows the object-to-function pointer conversion dlsym() needs. */
#define REPORT_CAIRO_RESOLVE(handle, f, name, soname)                                    \
        if (!(*(void **) &report_cairo.f = dlsym(handle, name))) {                       \
                fprintf(stderr, "report: cannot load %s: it has no %s\n", soname, name); \
                (void) dlclose(fc);                                                      \
                (void) dlclose(cairo);                                                   \
                return -ELIBACC;                                                         \
        }
#define REPORT_CAIRO_RESOLVE_CAIRO(f) REPORT_CAIRO_RESOLVE(cairo, f, "cairo_" #f, "libcairo.so.2")
        REPORT_CAIRO_FUNCS(REPORT_CAIRO_RESOLVE_CAIRO)
        REPORT_CAIRO_RESOLVE(fc, fc_fini, "FcFini", "libfontconfig.so.1")
#undef REPORT_CAIRO_RESOLVE_CAIRO
#undef REPORT_CAIRO_RESOLVE
        /* Kept loaded until the process ends: cairo's caches live in it. */
        loaded = true;
        return 0;
}
