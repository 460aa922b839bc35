/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the libFuzzer harnesses of tests/fuzz/ share: the input as a
 * NUL-terminated string, as a FILE, or as a file the loaders open by path. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A copy of @data with a NUL after it (an input may hold NULs of its own). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* @data as a FILE open for reading (fclose() frees it). */
static inline FILE *fuzz_file(const uint8_t *data, size_t size)
{
        FILE *f = tmpfile();

        if (!f)
                abort();
        if (size > 0 && fwrite(data, 1, size, f) != size)
                abort();
        rewind(f);
        return f;
}

/* @data as a file with a path, for a loader that opens a path: a memfd, seen
 * as /proc/self/fd/N in @path. Returns the fd to close afterwards. */
static inline int fuzz_path(const uint8_t *data, size_t size, char *path, size_t path_size)
{
        int fd = memfd_create("fuzz", MFD_CLOEXEC);

        if (fd < 0)
                abort();
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, data + done, size - done);

                if (n <= 0)
                        abort();
                done += (size_t) n;
        }
        snprintf(path, path_size, "/proc/self/fd/%d", fd);
        return fd;
}
