/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The saved neutral: its file format (see neutral-state.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/neutral-state.h"
#include "util/error-util.h"
#include "util/macro.h"
#include "util/parse-util.h"

/** neutral_state_done() - free what @s owns; it may be parsed into again. */
void neutral_state_done(NeutralState *s)
{
        free(s->sensor);
        s->sensor = NULL;
}

/** neutral_state_write() - Return: 0, or -EIO when @f failed. */
int neutral_state_write(FILE *f, const NeutralState *s)
{
        const MountMatrix *m = &s->mount;

        fputs("# postured neutral posture\n", f);
        fprintf(f, "sensor=%s\n", s->sensor ?: "");
        fputs("mount=", f);
        for (size_t i = 0; i < 3; i++)
                fprintf(f, "%.17g,%.17g,%.17g%s", m->m[i][0], m->m[i][1], m->m[i][2],
                        i < 2 ? ";" : "\n");
        fprintf(f, "neutral=%.17g,%.17g,%.17g\n", s->neutral[0], s->neutral[1], s->neutral[2]);
        fprintf(f, "how=%s\n", neutral_how_to_string(s->how));
        fprintf(f, "calibrated_at=%" PRIu64 "\n", s->calibrated_at_usec);
        return ferror(f) ? -EIO : 0;
}

/* Three numbers "X,Y,Z". */
static int parse_vector(const char *v, double out[3])
{
        for (size_t k = 0; k < 3; k++) {
                const char *end = strchr(v, k < 2 ? ',' : '\0');

                if (!end || parse_double(v, (size_t) (end - v), &out[k]) < 0 || !isfinite(out[k]))
                        return -EINVAL;
                v = end + 1;
        }
        return 0;
}

static int parse_line(NeutralState *s, char *key, const char *value, unsigned *seen)
{
        if (strcmp(key, "sensor") == 0) {
                free(s->sensor);
                s->sensor = strdup(value);
                if (!s->sensor)
                        return -ENOMEM;
                *seen |= 1u << 0;
        } else if (strcmp(key, "mount") == 0) {
                if (mount_matrix_parse(&s->mount, value) < 0)
                        return -EINVAL;
                *seen |= 1u << 1;
        } else if (strcmp(key, "neutral") == 0) {
                if (parse_vector(value, s->neutral) < 0 ||
                    !(hypot(hypot(s->neutral[0], s->neutral[1]), s->neutral[2]) >= 1.0))
                        return -EINVAL;
                *seen |= 1u << 2;
        } else if (strcmp(key, "how") == 0) {
                int h = neutral_how_from_string(value);

                if (h <= NEUTRAL_NONE)
                        return -EINVAL;
                s->how = h;
                *seen |= 1u << 3;
        } else if (strcmp(key, "calibrated_at") == 0) {
                char *end;

                errno = 0;
                s->calibrated_at_usec = strtoull(value, &end, 10);
                if (errno != 0 || end == value || *end || *value == '-')
                        return -EINVAL;
                *seen |= 1u << 4;
        } else
                return -ENOENT;
        return 0;
}

int neutral_state_parse(NeutralState *ret, const char *text, char **ret_error)
{
        static const char *const keys[] = { "sensor", "mount", "neutral", "how", "calibrated_at" };
        _cleanup_(freep) char *copy = strdup(text);
        NeutralState s = {};
        unsigned seen = 0, line = 0;
        char *p, *next;
        int r;

        if (!copy)
                return -ENOMEM;
        for (p = copy; p; p = next) {
                char *eq;

                line++;
                next = strchr(p, '\n');
                if (next)
                        *next++ = '\0';
                if (*p == '\0' || *p == '#')
                        continue;
                eq = strchr(p, '=');
                if (!eq) {
                        neutral_state_done(&s);
                        return set_errorf(ret_error, -EBADMSG, "line %u: not key=value", line);
                }
                *eq = '\0';
                r = parse_line(&s, p, eq + 1, &seen);
                if (r == -ENOMEM) {
                        neutral_state_done(&s);
                        return r;
                }
                if (r < 0) {
                        neutral_state_done(&s);
                        return set_errorf(ret_error, -EBADMSG, "line %u: %s '%s'", line,
                                          r == -ENOENT ? "unknown key" : "bad value for", p);
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (!(seen & (1u << i))) {
                        neutral_state_done(&s);
                        return set_errorf(ret_error, -EBADMSG, "no %s= line", keys[i]);
                }
        if (!mount_matrix_is_valid(&s.mount)) {
                neutral_state_done(&s);
                return set_errorf(ret_error, -EBADMSG, "the mount matrix is singular");
        }
        *ret = s;
        return 0;
}

bool neutral_state_matches(const NeutralState *s, const char *sensor, const MountMatrix *mount)
{
        if (!s->sensor || !sensor || strcmp(s->sensor, sensor) != 0)
                return false;
        for (size_t i = 0; i < 3; i++)
                for (size_t j = 0; j < 3; j++)
                        if (fabs(s->mount.m[i][j] - mount->m[i][j]) > 1e-9)
                                return false;
        return true;
}
