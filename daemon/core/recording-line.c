/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recording reader's lines read in full: comments and their metadata,
 * the header, and a sample line of any form (spaces, exponents, ...), with a
 * message for whatever is wrong in it. The common sample line takes the fast
 * way of recording.c instead.
 */
#include <assert.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/recording-private.h"
#include "util/macro.h"
#include "util/parse-util.h"

#define RECORDING_MAX_KEY   64
#define RECORDING_MAX_VALUE 1024
#define QUOTE_SIZE          (RECORDING_QUOTE_CHARS + 4)

static const char *const field_names[RECORDING_N_FIELDS] = { "time_s", "ax", "ay", "az" };

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
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

/**
 * reader_comment() - read a comment: "# key: value" is metadata (and
 * "# rate_hz:" before the first sample the rate); any other comment is just
 * a comment.
 * @r: the reader.
 * @s: the trimmed line, at its '#'.
 * @end: its end.
 *
 * Return: 0, or -ENOMEM (sticky, as every failure of the reader).
 */
int reader_comment(RecordingReader *r, const char *s, const char *end)
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

/**
 * reader_data_line() - read the header, or a sample line of any form, and
 * say what is wrong with it if anything is.
 * @r: the reader.
 * @s: the trimmed line, not a comment.
 * @end: its end.
 * @out: the sample.
 *
 * Return: 0 for the header, 1 with *@out filled, or -errno after
 * reader_fail().
 */
int reader_data_line(RecordingReader *r, const char *s, const char *end, Frame *out)
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
