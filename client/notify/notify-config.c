/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration of postured-notify, how often one kind of advice may
 * come at most, and the rate limiting that applies it. An INI file (default
 * $XDG_CONFIG_HOME/postured/notify.conf):
 *
 *   [Notify]
 *   MinIntervalSec=300        # for every kind
 *   [MinIntervalSec]
 *   extreme-flexion=60        # per advice id or event kind (- or _ alike)
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "notify.h"

/* At most a day between two notifications of a kind. */
#define INTERVAL_MAX_SEC 86400

typedef struct ConfigState {
        Agent *a;
        const char *path;
        char error[256];
} ConfigState;

static int parse_seconds(const char *value, uint64_t *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        if (value[0] < '0' || value[0] > '9')
                return -EINVAL;
        v = strtoul(value, &end, 10);
        if (errno != 0 || *end != 0 || v > INTERVAL_MAX_SEC)
                return -ERANGE;
        *ret = (uint64_t) v * USEC_PER_SEC;
        return 0;
}

/* inih stops at the first handler that returns 0 and returns its line. */
static int handler(void *userdata, const char *section, const char *name, const char *value)
{
        ConfigState *st = userdata;
        Agent *a = st->a;
        uint64_t usec;

        if (parse_seconds(value, &usec) < 0) {
                snprintf(st->error, sizeof(st->error),
                         "[%s] %s=%s: expected whole seconds from 0 to %d", section, name, value,
                         INTERVAL_MAX_SEC);
                return 0;
        }
        if (strcmp(section, "Notify") == 0 && strcmp(name, "MinIntervalSec") == 0) {
                a->min_interval_usec = usec;
                return 1;
        }
        if (strcmp(section, "MinIntervalSec") == 0) {
                if (a->n_intervals >= RECENT_MAX) {
                        snprintf(st->error, sizeof(st->error),
                                 "[MinIntervalSec] %s=: more than %d kinds", name, RECENT_MAX);
                        return 0;
                }
                kind_key(name, a->intervals[a->n_intervals].key);
                a->intervals[a->n_intervals++].usec = usec;
                return 1;
        }
        snprintf(st->error, sizeof(st->error), "[%s] %s=: unknown key", section, name);
        return 0;
}

/**
 * agent_load_config() - read the minimum intervals from @path.
 * @a: the agent
 * @path: the file; a file that does not exist leaves the defaults
 * @required: whether a missing file is an error (a path given with --config)
 *
 * Return: 0, or -errno after saying "FILE:LINE: what is wrong" on stderr.
 */
int agent_load_config(Agent *a, const char *path, bool required)
{
        ConfigState st = { .a = a, .path = path };
        FILE *f;
        int r;

        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT && !required)
                        return 0;
                r = -errno;
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r;
        }
        r = ini_parse_file(f, handler, &st);
        fclose(f);
        if (r != 0) {
                if (r < 0)
                        fprintf(stderr, "%s: cannot be read\n", path);
                else
                        fprintf(stderr, "%s:%d: %s\n", path, r,
                                st.error[0] ? st.error : "not a valid INI line");
                return -EINVAL;
        }
        return 0;
}

/**
 * agent_rate_limited() - whether a notification of @key came less than its
 * minimum interval ago; if not, remember @now as its time.
 * @a: the agent
 * @key: the kind_key() of an advice id, or "event:" and that of an event kind
 * @now: realtime µs
 *
 * An event and the advice of the same name share the configured interval
 * (@key without "event:") but not the time.
 *
 * Return: true to leave the notification out.
 */
bool agent_rate_limited(Agent *a, const char *key, uint64_t now)
{
        const char *name = strncmp(key, "event:", 6) == 0 ? key + 6 : key;
        uint64_t interval = a->min_interval_usec;
        size_t i;

        for (i = 0; i < a->n_intervals; i++)
                if (strcmp(a->intervals[i].key, name) == 0)
                        interval = a->intervals[i].usec;
        for (i = 0; i < a->n_recent; i++)
                if (strcmp(a->recent[i].key, key) == 0)
                        break;
        if (i < a->n_recent && now >= a->recent[i].usec && now - a->recent[i].usec < interval)
                return true;
        if (i == a->n_recent) {
                if (a->n_recent == RECENT_MAX)
                        i = 0; /* many kinds: forget the oldest slot */
                else
                        a->n_recent++;
                snprintf(a->recent[i].key, KIND_KEY_MAX, "%s", key);
        }
        a->recent[i].usec = now;
        return false;
}
