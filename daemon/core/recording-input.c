/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recording reader's input: a regular file in blocks, which the fast
 * way of recording.c reads in place; anything else, a pipe or a terminal, a
 * line at a time as it comes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/recording-private.h"

/* A regular file is read in blocks of this size (or more, for a longer line);
 * anything else, a pipe or a terminal, a line at a time as it comes. */
#define READ_BLOCK (256 * 1024)

/**
 * reader_getline() - the next line of the recording.
 * @r: the reader.
 * @ret: the line, with its '\n' if it has one.
 * @ret_n: its length.
 * @limit: the end of the memory that may be read after it (parse_plain()).
 *
 * Return: 1, 0 at the end, -E2BIG for a line longer than
 * RECORDING_MAX_LINE, -ENOMEM, or -errno of a read error (after the lines
 * read before it).
 */
int reader_getline(RecordingReader *r, const char **ret, size_t *ret_n, const char **limit)
{
        if (!r->checked_type) {
                struct stat st;
                int fd = fileno(r->f);

                r->blocks = fd >= 0 && fstat(fd, &st) >= 0 && S_ISREG(st.st_mode);
                r->checked_type = true;
        }

        if (!r->blocks) {
                size_t n = 0;
                int c = EOF;

                /* As getline(), but never more than a line may hold: a
                 * stream without '\n' (/dev/zero) must not take all memory. */
                if (!r->line) {
                        r->line_size = RECORDING_MAX_LINE + 2;
                        r->line = malloc(r->line_size);
                        if (!r->line)
                                return -ENOMEM;
                }
                errno = 0;
                flockfile(r->f);
                while (n <= RECORDING_MAX_LINE && (c = getc_unlocked(r->f)) != EOF) {
                        r->line[n++] = (char) c;
                        if (c == '\n')
                                break;
                }
                funlockfile(r->f);
                if (c != '\n' && n > RECORDING_MAX_LINE)
                        return -E2BIG;
                /* As getline(): the line read comes first, then the error. */
                if (n == 0)
                        return ferror(r->f) ? (errno > 0 ? -errno : -EIO) : 0;
                r->line[n] = 0;
                *ret = r->line;
                *ret_n = n;
                *limit = r->line + n;
                return 1;
        }

        for (;;) {
                size_t want, got;

                if (r->pos < r->len) {
                        const char *s = r->buf + r->pos, *nl = memchr(s, '\n', r->len - r->pos);

                        if ((size_t) ((nl ?: r->buf + r->len) - s) > RECORDING_MAX_LINE)
                                return -E2BIG;
                        if (nl || r->eof) {
                                /* As getline(): the last line may lack its '\n'. */
                                *ret = s;
                                *ret_n = nl ? (size_t) (nl + 1 - s) : r->len - r->pos;
                                *limit = r->buf + r->len + READ_PAD;
                                r->pos += *ret_n;
                                return 1;
                        }
                } else if (r->eof)
                        return r->read_error;

                /* Keep the start of the line, and read on. */
                if (r->pos > 0) {
                        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
                        r->len -= r->pos;
                        r->pos = 0;
                }
                if (r->len == r->buf_size) {
                        size_t size = r->buf_size > 0 ? 2 * r->buf_size : READ_BLOCK;
                        char *b = realloc(r->buf, size + READ_PAD);

                        if (!b)
                                return -ENOMEM;
                        r->buf = b;
                        r->buf_size = size;
                }
                want = r->buf_size - r->len;
                errno = 0;
                got = fread(r->buf + r->len, 1, want, r->f);
                r->len += got;
                memset(r->buf + r->len, 0, READ_PAD);
                if (got < want) {
                        /* As getline(): the lines read come first, then the error. */
                        r->eof = true;
                        if (ferror(r->f))
                                r->read_error = errno > 0 ? -errno : -EIO;
                }
        }
}
