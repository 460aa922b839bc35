/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/recovery-state.h"
#include "util/macro.h"

/**
 * recovery_state_capture() - what of @r is to be saved.
 * @ret: filled in.
 * @r: the recovery state.
 * @alert_active: whether a red-flag alert waits for its acknowledgement;
 *                it is saved with every symptom reported so far.
 */
void recovery_state_capture(RecoveryState *ret, const Recovery *r, bool alert_active)
{
        const char *context = NULL;
        unsigned level;
        uint64_t t;

        *ret = (RecoveryState){
                .onset_usec = recovery_onset(r),
                .recovered = recovery_phase(r) == PHASE_RECOVERED,
                .alert_symptoms = alert_active ? recovery_symptoms(r) : 0,
        };
        ret->n_pain = recovery_pain_history(r, ret->pain, ELEMENTSOF(ret->pain));
        if (recovery_last_pain(r, &level, &t, &context) && context &&
            strlen(context) <= PAIN_CONTEXT_MAX)
                strcpy(ret->pain_context, context);
}

/**
 * recovery_state_write() - write @s in the state file format.
 * @s: the state.
 * @f: where to; not flushed.
 *
 * A context holding a newline is not written: it would end the line.
 *
 * Return: 0, or -EIO when @f reports an error.
 */
int recovery_state_write(const RecoveryState *s, FILE *f)
{
        fprintf(f, "# postured recovery state; written by postured, do not edit\n");
        if (s->onset_usec > 0)
                fprintf(f, "onset=%" PRIu64 "\n", s->onset_usec);
        if (s->recovered)
                fprintf(f, "recovered=1\n");
        for (size_t i = 0; i < s->n_pain; i++)
                fprintf(f, "pain=%" PRIu64 " %u\n", s->pain[i].t_usec, s->pain[i].level);
        if (s->n_pain > 0 && s->pain_context[0] && !strchr(s->pain_context, '\n'))
                fprintf(f, "pain_context=%s\n", s->pain_context);
        if (s->alert_symptoms) {
                const char *sep = "";

                fprintf(f, "alert=");
                for (Symptom k = 0; k < _SYMPTOM_MAX; k++)
                        if (s->alert_symptoms & (1u << k)) {
                                fprintf(f, "%s%s", sep, symptom_to_string(k));
                                sep = ",";
                        }
                fprintf(f, "\n");
        }
        return ferror(f) ? -EIO : 0;
}

/* "SYMPTOM[,SYMPTOM...]" to a mask. Return: the mask, or -EINVAL for an unknown name. */
static int parse_symptoms(char *value)
{
        char *save = NULL;
        int mask = 0;

        for (char *s = strtok_r(value, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
                int k = symptom_from_string(s);

                if (k < 0)
                        return -EINVAL;
                mask |= 1 << k;
        }
        return mask;
}

/* One "key=value" line, in place. Return: 0, or -EINVAL when it cannot be restored. */
static int parse_line(RecoveryState *s, char *line)
{
        char *value = strchr(line, '=');
        unsigned level;
        uint64_t t;
        int mask;

        *value++ = '\0';
        if (strcmp(line, "onset") == 0) {
                /* UINT64_MAX: out of range (an overflow), not a time the daemon wrote. */
                if (sscanf(value, "%" SCNu64, &t) != 1 || t == UINT64_MAX)
                        return -EINVAL;
                s->onset_usec = t;
        } else if (strcmp(line, "recovered") == 0)
                s->recovered = strcmp(value, "1") == 0;
        else if (strcmp(line, "pain") == 0) {
                /* A report out of order is not one the daemon made. One from the
                 * future is kept: the clock may be behind (recovery_state_split_future()). */
                if (sscanf(value, "%" SCNu64 " %u", &t, &level) != 2 || t == UINT64_MAX ||
                    level > PAIN_LEVEL_MAX || (s->n_pain > 0 && t < s->pain[s->n_pain - 1].t_usec))
                        return -EINVAL;
                if (s->n_pain == ELEMENTSOF(s->pain)) {
                        memmove(s->pain, s->pain + 1, sizeof(s->pain) - sizeof(s->pain[0]));
                        s->n_pain--;
                }
                s->pain[s->n_pain++] = (PainReport){ .t_usec = t, .level = level };
        } else if (strcmp(line, "pain_context") == 0) {
                if (strlen(value) > PAIN_CONTEXT_MAX)
                        return -EINVAL;
                strcpy(s->pain_context, value);
        } else if (strcmp(line, "alert") == 0) {
                mask = parse_symptoms(value);
                if (mask < 0)
                        return mask;
                s->alert_symptoms = (unsigned) mask;
        } else
                return -EINVAL;
        return 0;
}

/* The length of the valid UTF-8 sequence at @s (of @n bytes), or 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
        unsigned char lo = 0x80, hi = 0xbf;
        size_t len;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                len = 3;
                if (s[0] == 0xe0)
                        lo = 0xa0; /* overlong */
                else if (s[0] == 0xed)
                        hi = 0x9f; /* surrogates */
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                len = 4;
                if (s[0] == 0xf0)
                        lo = 0x90;
                else if (s[0] == 0xf4)
                        hi = 0x8f; /* above U+10FFFF */
        } else
                return 0;
        if (n < len || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < len; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return len;
}

/**
 * escape_text() - @in, fit to be logged: printable ASCII and valid UTF-8 as
 * they are, any other byte (and the backslash) as \xNN.
 * @out: the result, NUL-terminated, cut short to fit.
 * @size: the size of @out, at least 1.
 * @in: the text.
 * @max_in: at most this many bytes of @in are escaped.
 */
static void escape_text(char *out, size_t size, const char *in, size_t max_in)
{
        const unsigned char *s = (const unsigned char *) in;
        size_t n = strnlen(in, max_in), o = 0;

        for (size_t i = 0; i < n;) {
                size_t len = s[i] >= 0x80 ? utf8_sequence(s + i, n - i) : 1;

                if (len > 1 || (len == 1 && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')) {
                        if (o + len >= size)
                                break;
                        memcpy(out + o, s + i, len);
                        o += len;
                        i += len;
                } else {
                        if (o + 4 >= size)
                                break;
                        (void) snprintf(out + o, size - o, "\\x%02x", s[i]);
                        o += 4;
                        i++;
                }
        }
        out[o] = '\0';
}

/**
 * recovery_state_parse() - read a state file.
 * @ret: the state read; lines that cannot be restored leave it as it was.
 * @f: the file, read to its end.
 * @warn: told about every line skipped, or NULL; the key of a line is
 *        quoted with bytes that are not printable UTF-8 escaped as \xNN.
 * @userdata: passed to @warn.
 *
 * Times are not checked against the clock: a future-dated onset or pain
 * report is kept here, for recovery_state_split_future().
 *
 * Return: the number of lines skipped (0 for none), or -ENOMEM, or -EIO
 * when @f cannot be read.
 */
int recovery_state_parse(RecoveryState *ret, FILE *f, RecoveryStateWarnFn warn, void *userdata)
{
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;
        unsigned lineno = 0;
        int skipped = 0;
        ssize_t n;

        *ret = (RecoveryState){};
        errno = 0;
        while ((n = getline(&line, &size, f)) > 0) {
                char why[RECOVERY_STATE_WHY_MAX], key[4 * RECOVERY_STATE_KEY_SHOWN + 1];

                lineno++;
                if (line[n - 1] == '\n')
                        line[n - 1] = '\0';
                if (line[0] == '#' || line[0] == '\0')
                        continue;
                if (!strchr(line, '='))
                        (void) snprintf(why, sizeof(why), "not key=value");
                else if (parse_line(ret, line) < 0) {
                        /* parse_line() cut the line at '=': what is left is the key. */
                        escape_text(key, sizeof(key), line, RECOVERY_STATE_KEY_SHOWN);
                        (void) snprintf(why, sizeof(why), "'%s' cannot be restored", key);
                } else
                        continue;
                skipped++;
                if (warn)
                        warn(lineno, why, userdata);
        }
        if (errno == ENOMEM)
                return -ENOMEM;
        if (ferror(f))
                return -EIO;
        return skipped;
}

/**
 * recovery_state_apply() - restore @s into a new @r, giving no advice (old
 * news): the pain history, the onset, whether recovered. The alert is
 * restored by the caller, through the advice engine that raises it.
 * @s: the state read.
 * @r: a recovery state without reports yet.
 * @now_usec: the current time.
 *
 * Return: 0; -EINVAL when the onset lies after @now_usec, -ERANGE when it
 * is more than a year before it (the injury is not restored then, the rest is).
 */
int recovery_state_apply(const RecoveryState *s, Recovery *r, uint64_t now_usec)
{
        int ret = 0;

        for (size_t i = 0; i < s->n_pain; i++)
                (void) recovery_report_pain(r, s->pain[i].level,
                                            i + 1 == s->n_pain ? s->pain_context : NULL,
                                            s->pain[i].t_usec);
        if (s->onset_usec > 0) {
                ret = recovery_report_injury(r, s->onset_usec, now_usec);
                if (ret >= 0 && s->recovered)
                        (void) recovery_report_recovered(r, now_usec);
        }
        return ret;
}

/**
 * recovery_state_split_future() - move what lies after @now_usec out of @s:
 * with the clock behind the one that wrote the file, such entries cannot be
 * applied, yet they are the wearer's and must not be lost.
 * @s: the state read; keeps what is not after @now_usec.
 * @ret_future: the future-dated onset (with whether recovered) and pain
 *              reports (with the context, if the last report is one).
 * @now_usec: the current time.
 *
 * Return: the number of entries moved (the onset counts one).
 */
unsigned recovery_state_split_future(RecoveryState *s, RecoveryState *ret_future, uint64_t now_usec)
{
        bool last_future = s->n_pain > 0 && s->pain[s->n_pain - 1].t_usec > now_usec;
        unsigned moved = 0;
        size_t keep = 0;

        *ret_future = (RecoveryState){};
        if (s->onset_usec > now_usec) {
                ret_future->onset_usec = s->onset_usec;
                ret_future->recovered = s->recovered;
                s->onset_usec = 0;
                s->recovered = false;
                moved++;
        }
        for (size_t i = 0; i < s->n_pain; i++) {
                if (s->pain[i].t_usec > now_usec) {
                        ret_future->pain[ret_future->n_pain++] = s->pain[i];
                        moved++;
                } else
                        s->pain[keep++] = s->pain[i];
        }
        if (last_future) {
                /* The context belongs to the last report, which is a future one. */
                strcpy(ret_future->pain_context, s->pain_context);
                s->pain_context[0] = '\0';
        }
        s->n_pain = keep;
        return moved;
}

/**
 * recovery_state_merge() - add to @s what @carried holds: the onset when @s
 * has none, the pain reports in time order (the newest PAIN_HISTORY_SIZE).
 * @s: the state to save, changed in place.
 * @carried: what recovery_state_split_future() kept aside.
 */
void recovery_state_merge(RecoveryState *s, const RecoveryState *carried)
{
        PainReport merged[2 * PAIN_HISTORY_SIZE];
        size_t i = 0, j = 0, n = 0, skip;
        bool last_carried = false;

        if (s->onset_usec == 0 && carried->onset_usec > 0) {
                s->onset_usec = carried->onset_usec;
                s->recovered = carried->recovered;
        }
        if (carried->n_pain == 0)
                return;
        while (i < s->n_pain || j < carried->n_pain) {
                last_carried = j < carried->n_pain &&
                               (i == s->n_pain || carried->pain[j].t_usec < s->pain[i].t_usec);
                merged[n++] = last_carried ? carried->pain[j++] : s->pain[i++];
        }
        skip = n > PAIN_HISTORY_SIZE ? n - PAIN_HISTORY_SIZE : 0;
        memcpy(s->pain, merged + skip, (n - skip) * sizeof(merged[0]));
        s->n_pain = n - skip;
        if (last_carried)
                strcpy(s->pain_context, carried->pain_context);
}
