/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recording writer: metadata comments, the header, one line a sample. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/macro.h"
#include "core/recording.h"

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

/**
 * recording_write_header() - write the metadata comments and the header line.
 * @f: the stream.
 * @rate_hz: the sample rate for "# rate_hz:", or 0 (or not finite) for none.
 * @source: the source for "# source:" (newlines become spaces), or NULL.
 *
 * Return: 0 or -errno.
 */
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

/**
 * recording_write_frame() - write one sample line.
 * @f: the stream.
 * @fr: the sample.
 * @t0_ns: the time of the recording's start: the line's time is relative to
 *         it, in seconds with microseconds.
 *
 * Accelerations have 5 decimals; the decimal separator is '.' whatever the
 * locale.
 *
 * Return: 0, -EINVAL for a non-finite acceleration, -errno for a write error.
 */
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
