/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"

/**
 * read_full_file() - read a whole file into memory.
 * @path: the file.
 * @ret: its contents, malloc'd and followed by a NUL byte.
 * @ret_size: the size of the contents, without the NUL; NULL for a text file:
 *            then a NUL byte in the file is an error, as the contents could
 *            not be used as a string.
 *
 * Return: 0, -EBADMSG for a NUL byte in a text file, -EFBIG beyond
 * READ_FULL_FILE_MAX bytes, -ENOMEM, other -errno of fopen() or fread().
 */
int read_full_file(const char *path, char **ret, size_t *ret_size)
{
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *buf = NULL;
        size_t size = 4096, len = 0;
        struct stat st;

        assert(path);
        assert(ret);

        f = fopen(path, "re");
        if (!f)
                return -errno;
        /* A regular file's size, and room for the NUL and for the short read
         * that tells the end; /proc files and pipes say 0 and grow as they go. */
        if (fstat(fileno(f), &st) >= 0 && S_ISREG(st.st_mode) && st.st_size > 0)
                size = (size_t) MIN((uintmax_t) st.st_size, (uintmax_t) READ_FULL_FILE_MAX) + 2;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                char *b;

                errno = 0;
                len += fread(buf + len, 1, size - len - 1, f);
                /* Less than asked for: the end, or an error. */
                if (len + 1 < size) {
                        if (ferror(f))
                                return errno > 0 ? -errno : -EIO;
                        break;
                }
                if (size > READ_FULL_FILE_MAX)
                        return -EFBIG;
                size *= 2;
                b = realloc(buf, size);
                if (!b)
                        return -ENOMEM;
                buf = b;
        }
        buf[len] = '\0';

        if (!ret_size && memchr(buf, '\0', len))
                return -EBADMSG;
        if (ret_size)
                *ret_size = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

/**
 * read_text_file() - read a whole text file, saying what is wrong on failure.
 * @path: the file.
 * @ret: its contents, a malloc'd string.
 * @ret_error: on failure but -ENOENT and -ENOMEM, a malloc'd message naming
 *             @path for the caller to free.
 *
 * Return: 0, -ENOENT (without a message: whether a missing file is an error
 * is the caller's to say), -EINVAL for a NUL byte in the file, -ENOMEM,
 * other -errno of read_full_file().
 */
int read_text_file(const char *path, char **ret, char **ret_error)
{
        int r;

        assert(ret_error);

        r = read_full_file(path, ret, NULL);
        if (r >= 0 || r == -ENOENT || r == -ENOMEM)
                return r;
        if (r == -EBADMSG) {
                if (asprintf(ret_error, "%s: contains a NUL byte, not a text file", path) < 0)
                        return -ENOMEM;
                return -EINVAL;
        }
        if (asprintf(ret_error, "%s: cannot read: %s", path, strerror(-r)) < 0)
                return -ENOMEM;
        return r;
}

/* fsync() the directory holding @path, so that a rename into it is stored. */
static int fsync_parent(const char *path)
{
        _cleanup_(freep) char *dir = strdup(path);
        _cleanup_(closep) int fd = -EBADF;
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash)
                strcpy(dir, ".");
        else if (slash == dir)
                slash[1] = '\0';
        else
                *slash = '\0';
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

/**
 * write_file_atomic() - replace @path by a file that @write fills: a
 * temporary "@path.tmp", fflush and fsync, rename over @path, fsync of the
 * directory. Either the old file or the whole new one is there after a
 * crash; on failure the old one is untouched and the temporary removed.
 * @path: the file.
 * @mode: the new file's mode (before the umask).
 * @write: writes the contents to its FILE; returns 0 or -errno.
 * @userdata: handed to @write.
 *
 * Return: 0, or -errno (-ENOSPC for a full disk) when the new contents are
 * not stored.
 */
int write_file_atomic(const char *path, mode_t mode, int (*write)(FILE *f, const void *userdata),
                      const void *userdata)
{
        _cleanup_(freep) char *tmp = NULL;
        FILE *f;
        int fd, r;

        assert(path);
        assert(write);

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                (void) close(fd);
                (void) unlink(tmp);
                return r;
        }
        r = write(f, userdata);
        if (fflush(f) != 0 || fsync(fileno(f)) < 0)
                r = r < 0 ? r : -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        return fsync_parent(path);
}
