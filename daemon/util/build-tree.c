/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Programs run from the build tree use the build's plugins and the source
 * tree's conf/, as libinput's tools do: the build directory is compiled in,
 * and a binary that finds itself there is the uninstalled one. An installed
 * copy lives elsewhere and uses the installed paths only.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/build-tree.h"
#include "util/macro.h"

/**
 * exe_runs_from() - whether /proc/self/exe is a file directly in @dir.
 * @dir: a directory; symbolic links in it are resolved.
 *
 * Return: true when the executable's directory is @dir, false otherwise or
 * when either cannot be resolved.
 */
bool exe_runs_from(const char *dir)
{
        char exe[PATH_MAX];
        _cleanup_(freep) char *real_dir = NULL;
        char *slash;
        ssize_t n;

        if (!dir)
                return false;
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
                return false;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (!slash)
                return false;
        *slash = '\0';
        real_dir = realpath(dir, NULL);
        return real_dir && strcmp(real_dir, exe) == 0;
}
