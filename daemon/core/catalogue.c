/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/advice-item.h"
#include "core/catalogue.h"
#include "util/error-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define ID_MAX   64
#define TEXT_MAX 1024

struct Catalogue {
        AdviceItem *items;
        size_t n_items;
};

/* The keys of an item, in the order of the bits of ParseState.keys_seen. */
enum {
        KEY_SEVERITY,
        KEY_CATEGORY,
        KEY_PHASES,
        KEY_TRIGGER,
        KEY_TEXT,
        KEY_SOURCE,
};

static const struct {
        const char *name;
        const char *expected; /* what a bad value is told */
} keys[] = {
        [KEY_SEVERITY] = { "Severity", "info, warning or critical" },
        [KEY_CATEGORY] = { "Category", "posture, break, movement, stretch, rest, pain or care" },
        [KEY_PHASES] = { "Phases", "none, acute, recovering, recovered or all" },
        [KEY_TRIGGER] = { "Trigger", "an event kind, phase-entered, pain-rising, pain-worsening "
                                     "or red-flag" },
        [KEY_TEXT] = { "Text", "text of at most 1024 bytes" },
        [KEY_SOURCE] = { "Source", "MedlinePlus, NINDS, Harvard Health Publishing, ISO 11226 or "
                                   "EN 1005-4 first" },
};

static void advice_item_done(AdviceItem *it)
{
        free(it->id);
        free(it->trigger);
        free(it->text);
        free(it->source);
}

/**
 * catalogue_free() - free @c and its items.
 * @c: may be NULL.
 *
 * Return: NULL.
 */
Catalogue *catalogue_free(Catalogue *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_items; i++)
                advice_item_done(&c->items[i]);
        free(c->items);
        free(c);
        return NULL;
}

typedef struct ParseState {
        Catalogue *cat;
        /* Reader: inih asks for one line at a time, which gives line numbers. */
        const char *pos;
        unsigned line;
        unsigned section_seq;  /* [headers] seen by the reader */
        unsigned section_line; /* line of the latest header */
        unsigned keys_in_section;
        bool indented;
        /* The item being filled. */
        AdviceItem *cur;
        unsigned cur_seq;
        unsigned keys_seen;
        unsigned category_line, phases_line;
        const char *last_key;
        /* The first error. */
        char *error;
        unsigned error_line;
        int errno_value;
} ParseState;

_printf_(3, 4) static int set_error(ParseState *st, unsigned line, const char *fmt, ...)
{
        va_list ap;

        if (st->error || st->errno_value < 0)
                return 0;
        va_start(ap, fmt);
        st->errno_value = set_errorv(&st->error, -EINVAL, fmt, ap);
        va_end(ap);
        st->error_line = line;
        return 0;
}

static bool failed(const ParseState *st)
{
        return st->errno_value < 0;
}

static char *reader(char *str, int num, void *stream)
{
        ParseState *st = stream;
        const char *eol, *p;
        size_t len;

        if (failed(st) || *st->pos == '\0')
                return NULL;
        eol = strchr(st->pos, '\n');
        len = eol ? (size_t) (eol - st->pos) + 1 : strlen(st->pos);
        st->line++;
        if (len > (size_t) num - 1) {
                set_error(st, st->line,
                          "line longer than %d characters: continue Text= on indented lines",
                          num - 2);
                return NULL;
        }
        memcpy(str, st->pos, len);
        str[len] = '\0';
        st->pos += len;

        p = str;
        if (st->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
                p += 3;
        st->indented = *p == ' ' || *p == '\t';
        if (*p == '[') {
                if (st->section_seq > 0 && st->keys_in_section == 0)
                        set_error(st, st->section_line, "%s", "empty section, expected Key=value");
                st->section_seq++;
                st->section_line = st->line;
                st->keys_in_section = 0;
        }
        return str;
}

static bool valid_id(const char *id)
{
        size_t n = strlen(id);

        if (n == 0 || n > ID_MAX || id[0] < 'a' || id[0] > 'z')
                return false;
        return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Checks that need the whole item. */
static void finish_item(ParseState *st)
{
        AdviceItem *it = st->cur;

        if (!it || failed(st))
                return;
        for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                if (!(st->keys_seen & (1u << k))) {
                        set_error(st, it->line, "[%s] missing %s=", it->id, keys[k].name);
                        return;
                }
        if (it->category == ADVICE_CATEGORY_STRETCH && (it->phases & PHASE_BIT(PHASE_ACUTE)))
                set_error(st, MAX(st->category_line, st->phases_line),
                          "[%s] Category=stretch must not list the acute phase: stretching "
                          "is never advised while acute",
                          it->id);
        else if ((it->severity == SEVERITY_CRITICAL) !=
                 (strcmp(it->trigger, TRIGGER_RED_FLAG) == 0))
                set_error(st, it->line,
                          "[%s] Severity=critical is for the alerts and they only: give it "
                          "exactly to Trigger=red-flag items",
                          it->id);
        st->cur = NULL;
}

static void start_item(ParseState *st, const char *section)
{
        Catalogue *c = st->cat;
        unsigned line = st->section_seq == st->cur_seq ? st->line : st->section_line;
        AdviceItem *items;

        if (!valid_id(section)) {
                set_error(st, line,
                          "[%s] is not a valid id: 1 to %d of a-z, 0-9 and '-', starting with "
                          "a letter",
                          section, ID_MAX);
                return;
        }
        for (size_t i = 0; i < c->n_items; i++)
                if (strcmp(c->items[i].id, section) == 0) {
                        set_error(st, line, "[%s] duplicate id, first defined at line %u", section,
                                  c->items[i].line);
                        return;
                }
        items = realloc(c->items, (c->n_items + 1) * sizeof(*items));
        if (!items) {
                st->errno_value = -ENOMEM;
                return;
        }
        c->items = items;
        st->cur = &c->items[c->n_items];
        *st->cur = (AdviceItem){ .id = strdup(section), .line = line };
        c->n_items++;
        if (!st->cur->id)
                st->errno_value = -ENOMEM;
        st->cur_seq = st->section_seq;
        st->keys_seen = 0;
        st->last_key = NULL;
}

static int parse_phases(const char *value, unsigned *ret)
{
        _cleanup_(freep) char *copy = strdup(value);
        unsigned mask = 0;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
                int p;

                if (strcmp(w, "all") == 0) {
                        mask |= PHASE_ALL;
                        continue;
                }
                p = recovery_phase_from_string(w);
                if (p < 0)
                        return -EINVAL;
                mask |= PHASE_BIT(p);
        }
        if (mask == 0)
                return -EINVAL;
        *ret = mask;
        return 0;
}

/* Text= and Source= may continue on indented lines: join them with a space. */
static int append(char **field, const char *value)
{
        char *s;

        if (asprintf(&s, "%s %s", *field, value) < 0)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

static int set_string(char **field, const char *value)
{
        if (value[0] == '\0' || strlen(value) > TEXT_MAX)
                return -EINVAL;
        *field = strdup(value);
        return *field ? 0 : -ENOMEM;
}

static int lookup(const char *value, const char *(*to_string)(unsigned), unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                if (strcmp(value, to_string(i)) == 0)
                        return (int) i;
        return -EINVAL;
}

static const char *severity_name(unsigned i)
{
        return severity_to_string(i);
}

static const char *category_name(unsigned i)
{
        return advice_category_to_string(i);
}

static int apply_key(ParseState *st, unsigned k, const char *value)
{
        AdviceItem *it = st->cur;
        int v = -EINVAL;

        switch (k) {
        case KEY_SEVERITY:
                v = lookup(value, severity_name, _SEVERITY_MAX);
                if (v >= 0)
                        it->severity = v;
                break;
        case KEY_CATEGORY:
                v = lookup(value, category_name, _ADVICE_CATEGORY_MAX);
                if (v >= 0)
                        it->category = v;
                st->category_line = st->line;
                break;
        case KEY_PHASES:
                v = parse_phases(value, &it->phases);
                st->phases_line = st->line;
                break;
        case KEY_TRIGGER:
                /* Old snake_case kinds are kept as aliases. */
                if (trigger_is_known(value))
                        v = set_string(&it->trigger, trigger_canonical(value));
                break;
        case KEY_TEXT:
                v = set_string(&it->text, value);
                break;
        case KEY_SOURCE:
                if (source_is_known(value))
                        v = set_string(&it->source, value);
                break;
        }
        if (v == -ENOMEM)
                st->errno_value = v;
        else if (v < 0)
                return set_error(st, st->line, "[%s] %s=%s: expected %s", it->id, keys[k].name,
                                 value, keys[k].expected);
        return 1;
}

static int handler(void *userdata, const char *section, const char *name, const char *value)
{
        ParseState *st = userdata;
        unsigned k;

        if (failed(st))
                return 0;
        if (section[0] == '\0')
                return set_error(st, st->line, "%s=%s outside of an [id] section", name, value);
        if (!st->cur || st->cur_seq != st->section_seq || strcmp(st->cur->id, section) != 0) {
                finish_item(st);
                start_item(st, section);
                if (failed(st))
                        return 0;
        }
        st->keys_in_section++;

        /* An indented line continues the key before it: only Text= and Source=. */
        if (st->indented && st->last_key && strcmp(name, st->last_key) == 0) {
                char **field = strcmp(name, "Text") == 0     ? &st->cur->text
                               : strcmp(name, "Source") == 0 ? &st->cur->source
                                                             : NULL;

                if (!field)
                        return set_error(st, st->line,
                                         "[%s] only Text= and Source= may continue "
                                         "on an indented line",
                                         st->cur->id);
                if (append(field, value) < 0)
                        st->errno_value = -ENOMEM;
                else if (strlen(*field) > TEXT_MAX)
                        return set_error(st, st->line, "[%s] %s= is longer than %d bytes",
                                         st->cur->id, name, TEXT_MAX);
                return 1;
        }

        for (k = 0; k < ELEMENTSOF(keys); k++)
                if (strcmp(name, keys[k].name) == 0)
                        break;
        if (k == ELEMENTSOF(keys))
                return set_error(st, st->line,
                                 "[%s] unknown key %s=, expected Severity, Category, Phases, "
                                 "Trigger, Text or Source",
                                 st->cur->id, name);
        if (st->keys_seen & (1u << k))
                return set_error(st, st->line, "[%s] %s= given twice", st->cur->id, name);
        st->keys_seen |= 1u << k;
        st->last_key = keys[k].name;
        return apply_key(st, k, value);
}

/* Every phase needs exactly one alert for red flags. */
static void check_red_flags(ParseState *st)
{
        const Catalogue *c = st->cat;

        for (RecoveryPhase p = 0; p < _PHASE_MAX && !failed(st); p++) {
                const AdviceItem *first = NULL;

                for (size_t i = 0; i < c->n_items; i++) {
                        const AdviceItem *it = &c->items[i];

                        if (strcmp(it->trigger, TRIGGER_RED_FLAG) != 0 ||
                            !(it->phases & PHASE_BIT(p)))
                                continue;
                        if (first) {
                                set_error(st, it->line,
                                          "[%s] a second Trigger=red-flag item for phase %s "
                                          "(the first is [%s]): there is one alert",
                                          it->id, recovery_phase_to_string(p), first->id);
                                break;
                        }
                        first = it;
                }
                if (!first && !failed(st))
                        set_error(st, 0, "no Trigger=red-flag item for phase %s",
                                  recovery_phase_to_string(p));
        }
}

/**
 * catalogue_parse_string() - parse catalogue text.
 * @ret: the catalogue.
 * @text: its INI text.
 * @name: file name for messages.
 * @error: on -EINVAL, a malloc'ed "NAME:LINE: what is wrong".
 *
 * Return: 0, -EINVAL for bad content, -ENOMEM.
 */
int catalogue_parse_string(Catalogue **ret, const char *text, const char *name, char **error)
{
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        ParseState st = { .pos = text };
        int line, r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        st.cat = c;

        line = ini_parse_stream(reader, &st, handler, &st);
        /* inih returns the first line it objected to: a line that is no
         * Key=value, or one our handler refused. Report the earliest. */
        if (line > 0 && st.errno_value != -ENOMEM &&
            (!st.error || (unsigned) line < st.error_line)) {
                free(st.error);
                st.error = NULL;
                st.errno_value = 0;
                set_error(&st, (unsigned) line, "%s", "syntax error, expected Key=value or [id]");
        }
        if (!failed(&st) && st.section_seq > 0 && st.keys_in_section == 0)
                set_error(&st, st.section_line, "%s", "empty section, expected Key=value");
        finish_item(&st);
        check_red_flags(&st);

        if (st.errno_value == -ENOMEM && !st.error)
                return -ENOMEM;
        if (st.error) {
                if (st.error_line > 0)
                        r = asprintf(error, "%s:%u: %s", name, st.error_line, st.error);
                else
                        r = asprintf(error, "%s: %s", name, st.error);
                free(st.error);
                return r < 0 ? -ENOMEM : -EINVAL;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

/**
 * catalogue_load() - read and parse a file.
 * @ret: the catalogue.
 * @path: the file.
 * @error: the message on errors other than -ENOENT and -ENOMEM.
 *
 * Return: 0; -ENOENT when it does not exist; -EINVAL (with *error) for bad
 * content; another -errno (with *error) when it cannot be read.
 */
int catalogue_load(Catalogue **ret, const char *path, char **error)
{
        _cleanup_(freep) char *text = NULL;
        int r;

        r = read_text_file(path, &text, error);
        if (r < 0)
                return r;
        return catalogue_parse_string(ret, text, path, error);
}

/** catalogue_size() - the number of items. */
size_t catalogue_size(const Catalogue *c)
{
        return c->n_items;
}

/** catalogue_item() - the @i-th item, or NULL. */
const AdviceItem *catalogue_item(const Catalogue *c, size_t i)
{
        return i < c->n_items ? &c->items[i] : NULL;
}

/** catalogue_find() - the item called @id, or NULL. */
const AdviceItem *catalogue_find(const Catalogue *c, const char *id)
{
        for (size_t i = 0; i < c->n_items; i++)
                if (strcmp(c->items[i].id, id) == 0)
                        return &c->items[i];
        return NULL;
}
