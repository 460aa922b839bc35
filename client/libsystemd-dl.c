/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsystemd, loaded when a command of posturectl talks to postured
 * (libsystemd-dl.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "dlopen-note.h"
#include "libsystemd-dl.h"

/* The soname of the ABI the build's headers describe (libsystemd keeps it within .so.0). */
#define LIBSYSTEMD_SONAME "libsystemd.so.0"

#define LIBSYSTEMD_DLSYM_DEFINE(f) __typeof__(sym_##f) sym_##f;
LIBSYSTEMD_FUNCS(LIBSYSTEMD_DLSYM_DEFINE)
#undef LIBSYSTEMD_DLSYM_DEFINE

/*
 * What dlopen() loads, as an ELF note (dlopen-note.h), beside
 * report-cairo.c's. "required": every command that talks to postured needs
 * it; debian/control names the package by hand, as dpkg-shlibdeps no longer
 * sees it.
 */
#define DLOPEN_NOTE_JSON                                                             \
        "[{\"feature\":\"bus\",\"description\":\"posturectl talks to postured over " \
        "D-Bus\",\"priority\":\"required\",\"soname\":[\"" LIBSYSTEMD_SONAME "\"]}]"
DLOPEN_NOTE(dlopen_note, DLOPEN_NOTE_JSON);

/* Every pointer, or none (the cleanup functions of libsystemd-dl.h test them for NULL). */
static int resolve(void *handle)
{
        /* POSIX allows the object-to-function pointer conversion dlsym() needs. */
#define LIBSYSTEMD_DLSYM(f)                                                                  \
        if (!(*(void **) &sym_##f = dlsym(handle, #f))) {                                    \
                fprintf(stderr, "Cannot load %s: it has no %s (libsystemd0 247 or newer)\n", \
                        LIBSYSTEMD_SONAME, #f);                                              \
                return -ELIBACC;                                                             \
        }
        LIBSYSTEMD_FUNCS(LIBSYSTEMD_DLSYM)
#undef LIBSYSTEMD_DLSYM
        return 0;
}

static void reset(void)
{
#define LIBSYSTEMD_DLSYM_RESET(f) sym_##f = NULL;
        LIBSYSTEMD_FUNCS(LIBSYSTEMD_DLSYM_RESET)
#undef LIBSYSTEMD_DLSYM_RESET
}

/**
 * libsystemd_load() - load libsystemd and fill the sym_ pointers, once.
 * Says on stderr what is missing, the first time only.
 *
 * Return: 0, or -ELIBACC when the library or one of its functions cannot
 * be loaded (the pointers then stay NULL).
 */
int libsystemd_load(void)
{
        static int state; /* 0 not tried yet, 1 loaded, -ELIBACC failed */
        void *handle;

        if (state != 0)
                return state > 0 ? 0 : state;
        state = -ELIBACC;
        handle = dlopen(LIBSYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
                fprintf(stderr,
                        "Cannot load %s (%s): the commands that talk to postured need "
                        "libsystemd (Debian: libsystemd0)\n",
                        LIBSYSTEMD_SONAME, dlerror());
                return state;
        }
        if (resolve(handle) < 0) {
                reset();
                (void) dlclose(handle);
                return state;
        }
        /* Kept loaded until the process ends: the bus and event objects live in it. */
        state = 1;
        return 0;
}
