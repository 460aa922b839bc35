/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/macro.h"
#include "util/parse-util.h"
#include "core/recording.h"

#define RECORDING_N_FIELDS 4
/* Enough metadata for any real recording; more is ignored, so a file of
 * comments cannot make us allocate without bound. */
#define RECORDING_MAX_META    32
#define RECORDING_MAX_KEY     64
#define RECORDING_MAX_VALUE   1024
#define RECORDING_QUOTE_CHARS 32
#define QUOTE_SIZE            (RECORDING_QUOTE_CHARS + 4)
/* A regular file is read in blocks of this size (or more, for a longer line);
 * anything else, a pipe or a terminal, a line at a time as it comes. */
#define READ_BLOCK (256 * 1024)
/* Zero bytes after the data in a block, so that parse_plain() may read 8
 * bytes at a time up to the end. */
#define READ_PAD 8

struct RecordingReader {
        FILE *f;
        bool own;

        /* The line buffer (RECORDING_MAX_LINE + 2), for a stream that is not a
         * regular file. */
        char *line;
        size_t line_size;
        unsigned line_no;

        /* A regular file's blocks: [pos, len) of buf is not read yet. */
        bool checked_type;
        bool blocks;
        bool eof;
        char *buf;
        size_t buf_size, pos, len;
        int read_error; /* -errno, after the lines read before it */

        bool header_seen;
        bool any_sample;
        int64_t prev_ns;
        /* The previous time as written (its first RECORDING_QUOTE_CHARS + 1
         * bytes and its length), quoted only for the "not after" message. */
        char prev_text[RECORDING_QUOTE_CHARS + 1];
        size_t prev_len;

        double rate_hz;
        unsigned rate_line;             /* the line of "# rate_hz:", 0 without one */
        char *meta[RECORDING_MAX_META]; /* "key\0value" */
        size_t n_meta;

        int error;       /* sticky: every later call returns it again */
        char *error_msg; /* "NAME:LINE: what is wrong", NULL for -ENOMEM */

        char name[];
};

static const char *const field_names[RECORDING_N_FIELDS] = { "time_s", "ax", "ay", "az" };

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static inline void trim(const char **s, const char **e)
{
        while (*s < *e && (**s == ' ' || **s == '\t'))
                (*s)++;
        while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
                (*e)--;
}

/* Copy @n bytes at @s into @buf for a message: control characters become
 * '?', and long text is cut (at a UTF-8 character boundary) and marked with
 * "...". Reads no more than RECORDING_QUOTE_CHARS + 1 bytes of @s. */
static const char *quote_n(char buf[static QUOTE_SIZE], const char *s, size_t n)
{
        size_t k = MIN(n, (size_t) RECORDING_QUOTE_CHARS);

        if (k < n)
                while (k > 0 && ((unsigned char) s[k] & 0xc0) == 0x80)
                        k--;
        for (size_t i = 0; i < k; i++) {
                unsigned char c = (unsigned char) s[i];
                buf[i] = c < 0x20 || c == 0x7f ? '?' : (char) c;
        }
        strcpy(buf + k, k < n ? "..." : "");
        return buf;
}

static const char *quote(char buf[static QUOTE_SIZE], const char *s, const char *e)
{
        return quote_n(buf, s, (size_t) (e - s));
}

/* Fail with @error from now on, and "NAME:LINE: " and @fmt as the message
 * (without the line when it is 0). */
_printf_(3, 4) static int reader_fail(RecordingReader *r, int error, const char *fmt, ...)
{
        _cleanup_(freep) char *what = NULL;
        va_list ap;
        int k;

        assert(error < 0 && error != -ENOMEM);

        va_start(ap, fmt);
        k = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (k >= 0 && r->line_no > 0)
                k = asprintf(&r->error_msg, "%s:%u: %s", r->name, r->line_no, what);
        else if (k >= 0)
                k = asprintf(&r->error_msg, "%s: %s", r->name, what);
        if (k < 0) {
                r->error_msg = NULL;
                error = -ENOMEM;
        }
        r->error = error;
        return error;
}

/* Fail for lack of memory from now on. */
static int reader_oom(RecordingReader *r)
{
        return (r->error = -ENOMEM);
}

static int reader_set_meta(RecordingReader *r, const char *key, size_t nk, const char *value,
                           size_t nv)
{
        size_t i;
        char *kv;

        for (i = 0; i < r->n_meta; i++)
                if (strncmp(r->meta[i], key, nk) == 0 && r->meta[i][nk] == 0)
                        break;
        if (i == RECORDING_MAX_META)
                return 0;
        if (asprintf(&kv, "%.*s%c%.*s", (int) nk, key, 0, (int) nv, value) < 0)
                return -ENOMEM;
        free(r->meta[i]);
        r->meta[i] = kv;
        r->n_meta = MAX(r->n_meta, i + 1);
        return 0;
}

/* "# key: value" is metadata; any other comment is just a comment. */
static int reader_comment(RecordingReader *r, const char *s, const char *end)
{
        const char *key, *value;
        double rate;
        int k;

        s++; /* '#' */
        trim(&s, &end);
        key = s;
        while (s < end && (is_digit(*s) || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                           *s == '_' || *s == '-' || *s == '.'))
                s++;
        if (s == key || s == end || *s != ':' || s - key > RECORDING_MAX_KEY)
                return 0;
        value = s + 1;
        trim(&value, &end);
        if (end - value > RECORDING_MAX_VALUE)
                return 0;

        k = reader_set_meta(r, key, (size_t) (s - key), value, (size_t) (end - value));
        if (k < 0)
                return reader_oom(r);

        /* A bad rate is not fatal: the rate is advisory, 0 means "unknown". */
        if (!r->any_sample && s - key == 7 && memcmp(key, "rate_hz", 7) == 0 &&
            parse_double(value, (size_t) (end - value), &rate) >= 0 && rate > 0 && rate <= 1e6) {
                r->rate_hz = rate;
                r->rate_line = r->line_no;
        }
        return 0;
}

/* Split at commas; the first RECORDING_N_FIELDS fields are stored, trimmed.
 * Returns the total number of fields. */
static unsigned split_fields(const char *s, const char *end, const char *f[], const char *fe[])
{
        unsigned n = 0;

        for (;;) {
                const char *c = memchr(s, ',', (size_t) (end - s));
                const char *e = c ? c : end;

                if (n < RECORDING_N_FIELDS) {
                        f[n] = s;
                        fe[n] = e;
                        trim(&f[n], &fe[n]);
                }
                n++;
                if (!c)
                        return n;
                s = c + 1;
        }
}

/* [s, e) is @word (lower case, or in any case with @fold). */
static bool text_is(const char *s, const char *e, const char *word, bool fold)
{
        if ((size_t) (e - s) != strlen(word))
                return false;
        for (; s < e; s++, word++)
                if ((fold ? *s | 0x20 : *s) != *word)
                        return false;
        return true;
}

static int reader_number(RecordingReader *r, unsigned i, const char *s, const char *e, double limit,
                         double *ret)
{
        const char *w = s;
        char q[QUOTE_SIZE];
        int k;

        assert(i < RECORDING_N_FIELDS);

        if (s == e)
                return reader_fail(r, -EBADMSG, "field %u (%s) is empty", i + 1, field_names[i]);

        k = parse_double(s, (size_t) (e - s), ret);
        if (k == -ENOMEM)
                return reader_oom(r);
        if (k < 0 && k != -ERANGE) {
                if (*w == '+' || *w == '-')
                        w++;
                if (text_is(w, e, "nan", true))
                        return reader_fail(r, -EBADMSG, "NaN is not allowed in field %u (%s)",
                                           i + 1, field_names[i]);
                if (text_is(w, e, "inf", true) || text_is(w, e, "infinity", true))
                        return reader_fail(r, -EBADMSG, "infinity is not allowed in field %u (%s)",
                                           i + 1, field_names[i]);
                return reader_fail(r, -EBADMSG, "field %u (%s): '%s' is not a number", i + 1,
                                   field_names[i], quote(q, s, e));
        }
        if (k == 0 && !(fabs(*ret) <= limit))
                k = -ERANGE;
        if (k == -ERANGE)
                return reader_fail(r, -EBADMSG, "field %u (%s): '%s' is out of range", i + 1,
                                   field_names[i], quote(q, s, e));
        return 0;
}

/* llround(@x) for |x| < 2^63, without the call: x minus its truncation is
 * exact (for |x| >= 2^52 x is an integer, and it is 0). */
static inline int64_t round_ns(double x)
{
        int64_t t = (int64_t) x;
        double f = x - (double) t;

        return t + (f >= 0.5) - (f <= -0.5);
}

/* A sample at @t_ns, its time written as the @n bytes at @text, which may be
 * read up to @limit (the bytes beyond @n are copied, never used). */
static void reader_accept(RecordingReader *r, int64_t t_ns, const char *text, size_t n,
                          const char *limit)
{
        r->any_sample = true;
        r->prev_ns = t_ns;
        if ((size_t) (limit - text) >= sizeof(r->prev_text))
                memcpy(r->prev_text, text, sizeof(r->prev_text));
        else
                memcpy(r->prev_text, text, MIN(n, sizeof(r->prev_text)));
        r->prev_len = n;
}

/* The header (return 0) or a sample (return 1). */
static int reader_data_line(RecordingReader *r, const char *s, const char *end, Frame *out)
{
        const char *f[RECORDING_N_FIELDS], *fe[RECORDING_N_FIELDS];
        char q[QUOTE_SIZE];
        double v[RECORDING_N_FIELDS];
        unsigned n;
        int64_t t_ns;
        int k;

        n = split_fields(s, end, f, fe);
        if (!r->header_seen) {
                for (unsigned i = 0; i < RECORDING_N_FIELDS; i++)
                        if (n != RECORDING_N_FIELDS || !text_is(f[i], fe[i], field_names[i], false))
                                return reader_fail(r, -EBADMSG,
                                                   "missing header '" RECORDING_HEADER "'");
                r->header_seen = true;
                return 0;
        }
        if (n != RECORDING_N_FIELDS)
                return reader_fail(r, -EBADMSG, "expected %d fields, got %u", RECORDING_N_FIELDS,
                                   n);
        for (unsigned i = 0; i < RECORDING_N_FIELDS; i++) {
                /* Nanoseconds must fit an int64_t (about 292 years); accelerations a float. */
                k = reader_number(r, i, f[i], fe[i], i == 0 ? 9.2e9 : FLT_MAX, &v[i]);
                if (k < 0)
                        return k;
        }

        t_ns = round_ns(v[0] * 1e9);
        if (r->any_sample && t_ns <= r->prev_ns) {
                char prev[QUOTE_SIZE];

                return reader_fail(r, -EBADMSG, "time %s s is not after the previous sample (%s s)",
                                   quote(q, f[0], fe[0]), quote_n(prev, r->prev_text, r->prev_len));
        }

        reader_accept(r, t_ns, f[0], (size_t) (fe[0] - f[0]), fe[0]);
        *out = (Frame){
                .t_ns = t_ns,
                .v = { (float) v[1], (float) v[2], (float) v[3] },
        };
        return 1;
}

/*
 * The common sample line, "time,ax,ay,az" of plain numbers without spaces
 * (parse_plain()), in one pass: a trimmed line [@s, @end) (@eol 0), or the
 * text at @s up to a '\n' (@eol '\n') before @end. Return: the end of the
 * line (@end, or its '\n') with *out filled; NULL, having changed nothing,
 * for any other line: reader_data_line() then reads it, and finds the same
 * values or says what is wrong.
 */
static const char *reader_plain_sample(RecordingReader *r, const char *s, const char *end,
                                       const char *limit, char eol, Frame *out)
{
        const char *p = s, *t_end = NULL;
        double v[RECORDING_N_FIELDS];
        int64_t t_ns;

        for (unsigned i = 0; i < RECORDING_N_FIELDS; i++) {
                bool last = i + 1 == RECORDING_N_FIELDS;

                p = parse_plain(p, end, limit, last ? eol : ',', &v[i]);
                /* A comma after each but the last; then the end, or eol. */
                if (!p || (!last || eol ? p == end : p != end))
                        return NULL;
                if (i == 0)
                        t_end = p;
                if (!last)
                        p++;
        }
        /* The limits of reader_number(). */
        if (!(fabs(v[0]) <= 9.2e9) || !(fabs(v[1]) <= FLT_MAX) || !(fabs(v[2]) <= FLT_MAX) ||
            !(fabs(v[3]) <= FLT_MAX))
                return NULL;
        t_ns = round_ns(v[0] * 1e9);
        if (r->any_sample && t_ns <= r->prev_ns)
                return NULL;

        reader_accept(r, t_ns, s, (size_t) (t_end - s), limit);
        *out = (Frame){
                .t_ns = t_ns,
                .v = { (float) v[1], (float) v[2], (float) v[3] },
        };
        return p;
}

/* The next line, with its '\n' if it has one, and the end of the memory
 * that may be read after it (parse_plain()). Return: 1, 0 at the end, -errno. */
static int reader_getline(RecordingReader *r, const char **ret, size_t *ret_n, const char **limit)
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

/* recording_reader_next() but for the message. */
static int reader_next(RecordingReader *r, Frame *out)
{
        while (!r->error) {
                const char *s = NULL, *end, *limit = NULL;
                size_t n = 0;
                int k;

                /* The common line straight from the block, without looking
                 * for its end first; anything else takes the way below. */
                if (r->blocks && r->header_seen && r->pos < r->len) {
                        const char *b = r->buf + r->pos,
                                   *nl = reader_plain_sample(r, b, r->buf + r->len,
                                                             r->buf + r->len + READ_PAD, '\n', out);

                        if (nl && (size_t) (nl - b) <= RECORDING_MAX_LINE) {
                                r->line_no++;
                                r->pos = (size_t) (nl + 1 - r->buf);
                                return 1;
                        }
                }

                k = reader_getline(r, &s, &n, &limit);
                if (k <= 0) {
                        if (k == -ENOMEM)
                                return reader_oom(r);
                        if (k == -E2BIG) {
                                r->line_no++;
                                return reader_fail(r, -EBADMSG, "line longer than %d bytes",
                                                   RECORDING_MAX_LINE);
                        }
                        if (k < 0) {
                                errno = -k;
                                return reader_fail(r, k, "read error: %m");
                        }
                        if (r->header_seen)
                                return 0;
                        if (r->line_no == 0)
                                return reader_fail(r, -EBADMSG, "empty file, no header");
                        return reader_fail(r, -EBADMSG,
                                           "missing header '" RECORDING_HEADER "' (end of file)");
                }
                r->line_no++;

                end = s + n;
                if (end > s && end[-1] == '\n')
                        end--;
                if (end > s && end[-1] == '\r')
                        end--;
                /* Spreadsheets like to start UTF-8 files with a byte order mark. */
                if (r->line_no == 1 && end - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
                        s += 3;
                trim(&s, &end);

                if (s == end)
                        continue;
                if (*s != '#' && r->header_seen && reader_plain_sample(r, s, end, limit, 0, out))
                        return 1;
                k = *s == '#' ? reader_comment(r, s, end) : reader_data_line(r, s, end, out);
                if (k != 0)
                        return k;
        }
        return r->error;
}

/**
 * recording_reader_next() - the next sample of the recording.
 * @r: the reader.
 * @out: the sample; t_ns is time_s in nanoseconds.
 * @ret_error: on failure, unless NULL, a malloc'd message "NAME:LINE: what is
 *             wrong" for the caller to free; NULL with -ENOMEM.
 *
 * After a failure every later call fails the same way.
 *
 * Return: 1 with *out filled, 0 at the end of the file, -EBADMSG for bad
 * input (no header, a field that is not a finite number, a wrong number of
 * fields, time not strictly increasing, an empty file), -ENOMEM, other
 * -errno for a read error.
 */
int recording_reader_next(RecordingReader *r, Frame *out, char **ret_error)
{
        int k;

        assert(r);
        assert(out);

        k = reader_next(r, out);
        if (k >= 0 || !ret_error)
                return k;
        *ret_error = NULL;
        if (r->error_msg) {
                *ret_error = strdup(r->error_msg);
                if (!*ret_error)
                        return -ENOMEM;
        }
        return k;
}

/**
 * recording_reader_new() - read a recording from a stream.
 * @ret: the reader.
 * @f: the stream; a regular file is read in blocks, anything else a line at
 *     a time.
 * @name: the name in messages ("NAME:LINE: ..."); NULL is "-".
 * @own: whether recording_reader_free() closes @f.
 *
 * Return: 0 or -ENOMEM.
 */
int recording_reader_new(RecordingReader **ret, FILE *f, const char *name, bool own)
{
        RecordingReader *r;
        size_t n;

        assert(ret);
        assert(f);

        name = name ? name : "-";
        n = strlen(name);
        r = calloc(1, sizeof(*r) + n + 1);
        if (!r)
                return -ENOMEM;
        memcpy(r->name, name, n + 1);
        r->f = f;
        r->own = own;
        *ret = r;
        return 0;
}

/**
 * recording_reader_open() - open a recording file for reading.
 * @ret: the reader, which closes the file when freed.
 * @path: the file, also its name in messages.
 *
 * Return: 0 or -errno of fopen().
 */
int recording_reader_open(RecordingReader **ret, const char *path)
{
        FILE *f;
        int k;

        assert(ret);
        assert(path);

        f = fopen(path, "re");
        if (!f)
                return -errno;
        k = recording_reader_new(ret, f, path, true);
        if (k < 0)
                (void) fclose(f);
        return k;
}

/**
 * recording_reader_free() - free a reader, closing its stream if it owns it.
 * @r: the reader, or NULL.
 *
 * Return: NULL.
 */
RecordingReader *recording_reader_free(RecordingReader *r)
{
        if (!r)
                return NULL;
        if (r->own && r->f)
                (void) fclose(r->f);
        for (size_t i = 0; i < r->n_meta; i++)
                free(r->meta[i]);
        free(r->line);
        free(r->buf);
        free(r->error_msg);
        free(r);
        return NULL;
}

/**
 * recording_reader_line() - where the reader is.
 * @r: the reader.
 *
 * Return: the number (1-based) of the line last read, 0 before the first.
 */
unsigned recording_reader_line(const RecordingReader *r)
{
        assert(r);
        return r->line_no;
}

/**
 * recording_reader_rate() - the sample rate the recording states.
 * @r: the reader.
 *
 * Return: the "# rate_hz:" metadata if it was seen before the first sample
 * (and is a number in (0, 1e6]), else 0.
 */
double recording_reader_rate(const RecordingReader *r)
{
        assert(r);
        return r->rate_hz;
}

/**
 * recording_reader_meta() - a metadata value.
 * @r: the reader.
 * @key: the key of a "# key: value" comment.
 *
 * Return: the value of the last such comment read so far (owned by @r), or
 * NULL.
 */
const char *recording_reader_meta(const RecordingReader *r, const char *key)
{
        assert(r);
        assert(key);

        for (size_t i = 0; i < r->n_meta; i++)
                if (strcmp(r->meta[i], key) == 0)
                        return r->meta[i] + strlen(key) + 1;
        return NULL;
}

/**
 * recording_reader_rate_line() - where the recording states its rate.
 * @r: the reader.
 *
 * Return: the line (1-based) of the "# rate_hz:" metadata that
 * recording_reader_rate() returns, 0 when it returns 0.
 */
unsigned recording_reader_rate_line(const RecordingReader *r)
{
        assert(r);
        return r->rate_line;
}
