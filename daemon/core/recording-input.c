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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
                        /* The '\n' within a line's longest (a mapped file
                         * is not looked through to its end). */
                        const char *s = r->buf + r->pos,
                                   *nl = memchr(s, '\n',
                                                MIN(r->len - r->pos, RECORDING_MAX_LINE + 1));

                        if (!nl && r->len - r->pos > RECORDING_MAX_LINE)
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

/**
 * recording_reader_map() - read the recording from memory: its regular file
 * mapped, rather than copied in blocks with read().
 * @r: a reader that has read nothing yet.
 * @ret_addr: the mapping.
 * @ret_size: its size.
 *
 * The file is read to the size it has now (lines added later are not read):
 * its whole pages are mapped, and the rest, the start of its last page, is
 * copied with pread() into the reader's own memory after them, zeros up to
 * READ_PAD after its end at least (a mapped last page would show the bytes
 * appended later, where the reader counts on zeros). A file that shrinks
 * while it is read raises SIGBUS on the pages that have gone: the caller
 * handles it, at [@ret_addr, @ret_addr + @ret_size); the reader itself finds
 * a file shorter than it was at its end or at a failure, and says "changed
 * while being read" (-EIO).
 *
 * Return: 1 when mapped; 0 when not (not a regular file, empty, or mmap() or
 * pread() refused it), to be read as before.
 */
int recording_reader_map(RecordingReader *r, const void **ret_addr, size_t *ret_size)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE), size, whole, total, got = 0;
        int fd = fileno(r->f);
        struct stat st;
        bool populate;
        char *m;

        if (r->checked_type || r->buf || fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            st.st_size <= 0 || (uint64_t) st.st_size > SIZE_MAX / 2 || ftello(r->f) != 0)
                return 0;
        size = (size_t) st.st_size;
        whole = size / page * page;
        total = (size + READ_PAD + page - 1) / page * page;
        m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
                return 0;
        /* Populated at once when it fits in the memory now free: the page
         * table filled in one go rather than a fault every 16 pages
         * (measured: 0.4 ms saved on a 1-hour recording without, 0.55 with;
         * tests/bench/RESULTS.md). A larger file would be read in full
         * before its first line, evicted and read again: read as the reader
         * goes instead. */
        populate = whole / page <= (size_t) sysconf(_SC_AVPHYS_PAGES);
        if (whole > 0 &&
            mmap(m, whole, PROT_READ, MAP_PRIVATE | MAP_FIXED | (populate ? MAP_POPULATE : 0), fd,
                 0) == MAP_FAILED)
                goto fail;
        if (whole > 0 && !populate)
                (void) madvise(m, whole, MADV_SEQUENTIAL);
        /* The tail as it is now; a file that has shrunk since fstat() is
         * read to where it ends. */
        while (whole + got < size) {
                ssize_t k = pread(fd, m + whole + got, size - whole - got, (off_t) (whole + got));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        goto fail;
                if (k == 0)
                        break;
                got += (size_t) k;
        }
        size = whole + got;
        if (mprotect(m + whole, total - whole, PROT_READ) < 0)
                goto fail;
        r->checked_type = true;
        r->blocks = true;
        r->mapped = true;
        r->map_size = total;
        r->buf = m;
        r->buf_size = r->len = size;
        r->pos = 0;
        r->eof = true;
        *ret_addr = m;
        *ret_size = total;
        return 1;
fail:
        (void) munmap(m, total);
        return 0;
}

/* Whether the mapped file is now shorter than when it was mapped. */
bool reader_map_shrunk(RecordingReader *r)
{
        struct stat st;

        return r->mapped && fstat(fileno(r->f), &st) >= 0 && (uint64_t) st.st_size < r->len;
}

bool recording_reader_shrunk(RecordingReader *r)
{
        return reader_map_shrunk(r);
}

/* Unmap the file, or free the block. */
void reader_unmap(RecordingReader *r)
{
        if (r->mapped)
                (void) munmap(r->buf, r->map_size);
        else
                free(r->buf);
        r->buf = NULL;
}
