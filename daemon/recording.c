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

#include "macro.h"
#include "recording.h"

#define RECORDING_HEADER   "time_s,ax,ay,az"
#define RECORDING_N_FIELDS 4
/* Enough metadata for any real recording; more is ignored, so a file of
 * comments cannot make us allocate without bound. */
#define RECORDING_MAX_META    32
#define RECORDING_MAX_KEY     64
#define RECORDING_MAX_VALUE   1024
#define RECORDING_QUOTE_CHARS 32
#define QUOTE_SIZE            (RECORDING_QUOTE_CHARS + 4)

struct RecordingReader {
        FILE *f;
        bool own;

        char *line;
        size_t line_size;
        unsigned line_no;

        bool header_seen;
        bool any_sample;
        int64_t prev_ns;
        /* The previous time as written, for the "not after" message. */
        char prev_text[QUOTE_SIZE];

        double rate_hz;
        char *meta[RECORDING_MAX_META]; /* "key\0value" */
        size_t n_meta;

        int error;
        char error_msg[512];

        char name[];
};

static const char *const field_names[RECORDING_N_FIELDS] = { "time_s", "ax", "ay", "az" };

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static void trim(const char **s, const char **e)
{
        while (*s < *e && (**s == ' ' || **s == '\t'))
                (*s)++;
        while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
                (*e)--;
}

/* Copy [s, e) into @buf for a message: control characters become '?', and
 * long text is cut (at a UTF-8 character boundary) and marked with "...". */
static const char *quote(char buf[static QUOTE_SIZE], const char *s, const char *e)
{
        size_t n = (size_t) (e - s), k = MIN(n, (size_t) RECORDING_QUOTE_CHARS);

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

int recording_parse_double(const char *s, size_t n, double *ret)
{
        /* Powers of ten, exact in an x87 long double (5^27 < 2^64), up to 1e22 in a double. */
        static const long double exact[] = { 1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                             1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                             1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                             1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L };
        const char *p = s, *end = s + n;
        uint64_t m = 0;  /* significant digits... */
        int64_t e10 = 0; /* ...times 10^e10 */
        int sig = 0;     /* digits in m (at most 19 fit a uint64_t) */
        bool neg = false, digits = false, dot = false;
        double v;

        assert(s || n == 0);
        assert(ret);

        if (p < end && (*p == '+' || *p == '-'))
                neg = *p++ == '-';

        for (; p < end; p++) {
                if (*p == '.' && !dot) {
                        dot = true;
                        continue;
                }
                if (!is_digit(*p))
                        break;
                digits = true;
                if (sig < 19 && (m > 0 || *p != '0')) {
                        m = m * 10 + (unsigned) (*p - '0');
                        sig++;
                        e10 -= dot;
                } else
                        /* A leading zero of the fraction, or a digit beyond what we keep. */
                        e10 += m == 0 ? -dot : !dot;
        }
        if (!digits)
                return -EINVAL;

        if (p < end && (*p == 'e' || *p == 'E')) {
                const char *first;
                int64_t x = 0;
                bool eneg = false;

                if (++p < end && (*p == '+' || *p == '-'))
                        eneg = *p++ == '-';
                for (first = p; p < end && is_digit(*p); p++)
                        if (x < 1000000) /* far beyond any double; keeps e10 from overflowing */
                                x = x * 10 + (*p - '0');
                if (p == first)
                        return -EINVAL;
                e10 += eneg ? -x : x;
        }
        if (p != end)
                return -EINVAL;

        /* m is in [10^(sig-1), 10^sig). */
        if (m == 0 || sig + e10 < -330)
                v = 0; /* as strtod(), underflow gives a zero */
        else if (sig + e10 > 310)
                return -ERANGE;
        else if (m <= UINT64_C(1) << 53 && e10 >= -22 && e10 <= 22)
                /* Both operands exact, so one correctly rounded operation (Clinger's fast path). */
                v = e10 < 0 ? (double) m / (double) exact[-e10] : (double) m * (double) exact[e10];
        else {
                long double x = (long double) m;

                /* A few extended-precision roundings, then one to double: within an ulp. */
                for (; e10 > 27; e10 -= 27)
                        x *= exact[27];
                for (; e10 < -27; e10 += 27)
                        x /= exact[27];
                x = e10 < 0 ? x / exact[-e10] : x * exact[e10];
                v = (double) x;
        }
        if (!isfinite(v))
                return -ERANGE;

        *ret = neg ? -v : v;
        return 0;
}

_printf_(3, 4) static int reader_fail(RecordingReader *r, int error, const char *fmt, ...)
{
        va_list ap;
        int k;

        k = snprintf(r->error_msg, sizeof(r->error_msg), "%s:%u: ", r->name, r->line_no);
        if (k >= 0 && (size_t) k < sizeof(r->error_msg)) {
                va_start(ap, fmt);
                (void) vsnprintf(r->error_msg + k, sizeof(r->error_msg) - (size_t) k, fmt, ap);
                va_end(ap);
        }
        r->error = error;
        return error;
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
                return reader_fail(r, k, "out of memory");

        /* A bad rate is not fatal: the rate is advisory, 0 means "unknown". */
        if (!r->any_sample && s - key == 7 && memcmp(key, "rate_hz", 7) == 0 &&
            recording_parse_double(value, (size_t) (end - value), &rate) >= 0 && rate > 0 &&
            rate <= 1e6)
                r->rate_hz = rate;
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

        k = recording_parse_double(s, (size_t) (e - s), ret);
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

        t_ns = llround(v[0] * 1e9);
        if (r->any_sample && t_ns <= r->prev_ns)
                return reader_fail(r, -EBADMSG, "time %s s is not after the previous sample (%s s)",
                                   quote(q, f[0], fe[0]), r->prev_text);

        r->any_sample = true;
        r->prev_ns = t_ns;
        (void) quote(r->prev_text, f[0], fe[0]);

        *out = (Frame){
                .t_ns = t_ns,
                .v = { (float) v[1], (float) v[2], (float) v[3] },
        };
        return 1;
}

int recording_reader_next(RecordingReader *r, Frame *out)
{
        assert(r);
        assert(out);

        while (!r->error) {
                const char *s, *end;
                ssize_t n;
                int k;

                errno = 0;
                n = getline(&r->line, &r->line_size, r->f);
                if (n < 0) {
                        if (ferror(r->f)) {
                                k = errno > 0 ? -errno : -EIO;
                                errno = -k;
                                return reader_fail(r, k, "read error: %m");
                        }
                        if (r->header_seen)
                                return 0;
                        if (r->line_no == 0) {
                                (void) snprintf(r->error_msg, sizeof(r->error_msg),
                                                "%s: empty file, no header", r->name);
                                return (r->error = -EBADMSG);
                        }
                        return reader_fail(r, -EBADMSG,
                                           "missing header '" RECORDING_HEADER "' (end of file)");
                }
                r->line_no++;

                s = r->line;
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
                k = *s == '#' ? reader_comment(r, s, end) : reader_data_line(r, s, end, out);
                if (k != 0)
                        return k;
        }
        return r->error;
}

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

RecordingReader *recording_reader_free(RecordingReader *r)
{
        if (!r)
                return NULL;
        if (r->own && r->f)
                (void) fclose(r->f);
        for (size_t i = 0; i < r->n_meta; i++)
                free(r->meta[i]);
        free(r->line);
        free(r);
        return NULL;
}

const char *recording_reader_error(const RecordingReader *r)
{
        assert(r);
        return r->error ? r->error_msg : NULL;
}

unsigned recording_reader_line(const RecordingReader *r)
{
        assert(r);
        return r->line_no;
}

double recording_reader_rate(const RecordingReader *r)
{
        assert(r);
        return r->rate_hz;
}

const char *recording_reader_meta(const RecordingReader *r, const char *key)
{
        assert(r);
        assert(key);

        for (size_t i = 0; i < r->n_meta; i++)
                if (strcmp(r->meta[i], key) == 0)
                        return r->meta[i] + strlen(key) + 1;
        return NULL;
}

/* Fixed-point text of @v with @decimals digits, built from integers so that the
 * decimal separator is always '.', whatever LC_NUMERIC the program runs in. */
static const char *format_fixed(char *buf, size_t size, double v, unsigned decimals)
{
        static const uint64_t scale[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
        uint64_t q;

        assert(decimals < ELEMENTSOF(scale));

        if (!(fabs(v) < 1e12)) {
                /* No separator in "%.0f"; a float this large has no fraction anyway. */
                (void) snprintf(buf, size, "%.0f", v);
                return buf;
        }
        q = (uint64_t) llround(fabs(v) * (double) scale[decimals]);
        (void) snprintf(buf, size, "%s%" PRIu64 ".%0*" PRIu64, v < 0 && q > 0 ? "-" : "",
                        q / scale[decimals], (int) decimals, q % scale[decimals]);
        return buf;
}

static int write_result(FILE *f, int k)
{
        if (k < 0 || ferror(f))
                return errno > 0 ? -errno : -EIO;
        return 0;
}

int recording_write_header(FILE *f, double rate_hz, const char *source)
{
        char buf[64];

        assert(f);

        errno = 0;
        if (fputs("# postured recording\n", f) < 0)
                return write_result(f, -1);
        if (rate_hz > 0 && isfinite(rate_hz)) {
                char *e = buf + strlen(format_fixed(buf, sizeof(buf), rate_hz, 6));

                /* "50", "104.166667": drop the zeros of the fraction. */
                while (strchr(buf, '.') && (e[-1] == '0' || e[-1] == '.'))
                        *--e = 0;
                if (fprintf(f, "# rate_hz: %s\n", buf) < 0)
                        return write_result(f, -1);
        }
        if (source && *source) {
                /* One line of metadata, whatever the source name holds. */
                (void) fputs("# source: ", f);
                for (const char *c = source; *c; c++)
                        (void) fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
                (void) fputc('\n', f);
        }
        return write_result(f, fputs(RECORDING_HEADER "\n", f));
}

int recording_write_frame(FILE *f, const Frame *fr, int64_t t0_ns)
{
        char a[3][48];
        uint64_t d, us;
        bool neg;

        assert(f);
        assert(fr);

        for (unsigned i = 0; i < 3; i++)
                if (!isfinite(fr->v[i]))
                        return -EINVAL;

        /* Unsigned arithmetic: no overflow whatever t0_ns is. */
        neg = fr->t_ns < t0_ns;
        d = neg ? (uint64_t) t0_ns - (uint64_t) fr->t_ns : (uint64_t) fr->t_ns - (uint64_t) t0_ns;
        us = d / 1000 + (d % 1000 >= 500);

        errno = 0;
        return write_result(f, fprintf(f, "%s%" PRIu64 ".%06" PRIu64 ",%s,%s,%s\n",
                                       neg && us > 0 ? "-" : "", us / 1000000, us % 1000000,
                                       format_fixed(a[0], sizeof(a[0]), fr->v[0], 5),
                                       format_fixed(a[1], sizeof(a[1]), fr->v[1], 5),
                                       format_fixed(a[2], sizeof(a[2]), fr->v[2], 5)));
}
