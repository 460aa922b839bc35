/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/macro.h"
#include "timestamp.h"

#define SEC_PER_MINUTE UINT64_C(60)
#define SEC_PER_HOUR   (60 * SEC_PER_MINUTE)
#define SEC_PER_DAY    (24 * SEC_PER_HOUR)

/* A decimal number without sign, spaces or leading "0x": strtoull() accepts
 * all of those, and "-3" would wrap around. *@p is left after the digits. */
static int parse_digits(const char **p, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned) (*s - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

/* Exactly @n digits, for the fixed-width fields of a date. */
static bool parse_fixed(const char **p, unsigned n, int *ret)
{
        int v = 0;

        for (unsigned i = 0; i < n; i++) {
                char c = (*p)[i];

                if (c < '0' || c > '9')
                        return false;
                v = v * 10 + (c - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

static bool expect(const char **p, const char *chars)
{
        if (**p == '\0' || !strchr(chars, **p))
                return false;
        (*p)++;
        return true;
}

/* "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]", local time. */
static int parse_datetime(const char *s, uint64_t *ret)
{
        int year, month, day, hour, minute, second = 0;
        const char *p = s;
        struct tm tm;
        time_t t;

        if (!parse_fixed(&p, 4, &year) || !expect(&p, "-") || !parse_fixed(&p, 2, &month) ||
            !expect(&p, "-") || !parse_fixed(&p, 2, &day) || !expect(&p, " T") ||
            !parse_fixed(&p, 2, &hour) || !expect(&p, ":") || !parse_fixed(&p, 2, &minute))
                return -EINVAL;
        if (*p == ':' && (!expect(&p, ":") || !parse_fixed(&p, 2, &second)))
                return -EINVAL;
        if (*p != '\0')
                return -EINVAL;
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
            second > 59)
                return -EDOM;

        tm = (struct tm){
                .tm_year = year - 1900,
                .tm_mon = month - 1,
                .tm_mday = day,
                .tm_hour = hour,
                .tm_min = minute,
                .tm_sec = second,
                .tm_isdst = -1,
        };
        t = mktime(&tm);
        if (t == (time_t) -1)
                return -ERANGE;
        /* mktime() normalises: February 30 becomes March 2, a time in the
         * gap of a DST change moves by an hour. Neither is what was typed. */
        if (tm.tm_year != year - 1900 || tm.tm_mon != month - 1 || tm.tm_mday != day ||
            tm.tm_hour != hour || tm.tm_min != minute)
                return -EDOM;
        if (t < 0)
                return -ERANGE;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

/* Seconds per unit of @c among @units ("smhd"), 0 for none of them. */
static uint64_t unit_sec(char c, const char *units)
{
        static const struct {
                char c;
                uint64_t sec;
        } table[] = {
                { 's', 1 },
                { 'm', SEC_PER_MINUTE },
                { 'h', SEC_PER_HOUR },
                { 'd', SEC_PER_DAY },
        };

        if (c == '\0' || !strchr(units, c))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].c == c)
                        return table[i].sec;
        return 0;
}

/**
 * parse_onset() - parse the WHEN of `posturectl injury --onset WHEN`.
 * @s: "now"; a local date and time "YYYY-MM-DD HH:MM[:SS]" (or with a 'T'
 *     between date and time); or a time before @now, "-N" followed by one of
 *     s, m, h, d (seconds, minutes, hours, days), as in "-90m".
 * @now: CLOCK_REALTIME in µs, the reference for relative times.
 * @ret: CLOCK_REALTIME µs of the onset; 0 for "now" (which ReportInjury()
 *       takes as the daemon's now).
 *
 * Whether the time is plausible (not in the future, not too long ago) is the
 * daemon's to say.
 *
 * Return: 0; -EINVAL for text in none of the forms; -EDOM for a date or
 * time that does not exist (February 30, 24:00, a local time skipped by a
 * DST change); -ERANGE for a time before 1970 or a number too large.
 */
int parse_onset(const char *s, uint64_t now, uint64_t *ret)
{
        const char *p = s + 1;
        uint64_t n, unit, delta;
        int r;

        if (strcmp(s, "now") == 0) {
                *ret = 0;
                return 0;
        }
        if (s[0] != '-')
                return parse_datetime(s, ret);

        r = parse_digits(&p, &n);
        if (r < 0)
                return r;
        unit = unit_sec(p[0], "smhd");
        if (unit == 0 || p[1] != '\0')
                return -EINVAL;
        if (n > UINT64_MAX / USEC_PER_SEC / unit)
                return -ERANGE;
        delta = n * unit * USEC_PER_SEC;
        if (delta > now)
                return -ERANGE;
        *ret = now - delta;
        return 0;
}

/**
 * parse_duration_sec() - parse a duration "N" or "N" followed by s, m or h.
 * @ret: the duration in seconds.
 *
 * Return: 0; -EINVAL for anything else; -ERANGE beyond UINT32_MAX seconds.
 */
int parse_duration_sec(const char *s, uint32_t *ret)
{
        const char *p = s;
        uint64_t n, unit = 1;
        int r;

        r = parse_digits(&p, &n);
        if (r < 0)
                return r;
        if (*p != '\0') {
                unit = unit_sec(p[0], "smh");
                if (unit == 0 || p[1] != '\0')
                        return -EINVAL;
        }
        if (n > UINT32_MAX / unit)
                return -ERANGE;
        *ret = (uint32_t) (n * unit);
        return 0;
}

/**
 * format_timestamp() - local time of @usec (CLOCK_REALTIME µs) as
 * "YYYY-MM-DD HH:MM:SS" into @buf.
 */
void format_timestamp(char buf[static TIMESTAMP_TEXT_MAX], uint64_t usec)
{
        time_t sec = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&sec, &tm) ||
            strftime(buf, TIMESTAMP_TEXT_MAX, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                (void) snprintf(buf, TIMESTAMP_TEXT_MAX, "(invalid time)");
}

/**
 * format_clock() - local wall time of @usec (CLOCK_REALTIME µs) as
 * "HH:MM:SS" into @buf.
 */
void format_clock(char buf[static CLOCK_TEXT_MAX], uint64_t usec)
{
        time_t sec = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&sec, &tm) || strftime(buf, CLOCK_TEXT_MAX, "%H:%M:%S", &tm) == 0)
                (void) snprintf(buf, CLOCK_TEXT_MAX, "??:??:??");
}

/**
 * now_usec() - the wall clock.
 *
 * Return: CLOCK_REALTIME in µs.
 */
uint64_t now_usec(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/**
 * local_midnight() - the start of the local day that holds @usec, @days_back
 * days before.
 * @usec: CLOCK_REALTIME µs.
 * @days_back: 0 for that day.
 *
 * Return: CLOCK_REALTIME µs of that local midnight.
 */
uint64_t local_midnight(uint64_t usec, unsigned days_back)
{
        time_t sec = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;
        time_t t;

        if (!localtime_r(&sec, &tm))
                return usec;
        tm.tm_mday -= (int) days_back;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        return t < 0 ? 0 : (uint64_t) t * USEC_PER_SEC;
}

/**
 * parse_when() - parse the W of `posturectl history --since W` and its kin.
 * @s: what parse_onset() takes ("now", "YYYY-MM-DD HH:MM[:SS]", "-3h",
 *     "-2d"), a local date "YYYY-MM-DD" (its midnight), "today" or
 *     "yesterday" (their midnight).
 * @now: CLOCK_REALTIME µs.
 * @ret: CLOCK_REALTIME µs.
 *
 * Return: 0, or what parse_onset() returns for text it cannot take.
 */
int parse_when(const char *s, uint64_t now, uint64_t *ret)
{
        char buf[TIMESTAMP_TEXT_MAX];
        int r;

        if (strcmp(s, "today") == 0) {
                *ret = local_midnight(now, 0);
                return 0;
        }
        if (strcmp(s, "yesterday") == 0) {
                *ret = local_midnight(now, 1);
                return 0;
        }
        if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
                (void) snprintf(buf, sizeof(buf), "%s 00:00", s);
                return parse_datetime(buf, ret);
        }
        r = parse_onset(s, now, ret);
        if (r >= 0 && *ret == 0)
                *ret = now;
        return r;
}
