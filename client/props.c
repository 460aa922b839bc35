/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util/macro.h"
#include "props.h"

typedef union BasicValue {
        uint8_t y;
        int b;
        int16_t n;
        uint16_t q;
        int32_t i;
        uint32_t u;
        int64_t x;
        uint64_t t;
        double d;
        const char *s;
        int h;
} BasicValue;

static bool type_is_basic(char t)
{
        return t != 0 && strchr("ybnqiuxtdsogh", t);
}

static void property_done(Property *p)
{
        free(p->name);
        free(p->str);
        *p = (Property){};
}

void prop_set_clear(PropSet *s)
{
        for (size_t i = 0; i < s->n; i++)
                property_done(&s->props[i]);
        free(s->props);
        *s = (PropSet){};
}

/* Fills @p (without its name) from one basic value; @v was read as @type. */
static int property_set_basic(Property *p, char type, const BasicValue *v)
{
        switch (type) {
        case 'y':
                *p = (Property){ .kind = VALUE_UINT, .u = v->y };
                break;
        case 'q':
                *p = (Property){ .kind = VALUE_UINT, .u = v->q };
                break;
        case 'u':
                *p = (Property){ .kind = VALUE_UINT, .u = v->u };
                break;
        case 't':
                *p = (Property){ .kind = VALUE_UINT, .u = v->t };
                break;
        case 'n':
                *p = (Property){ .kind = VALUE_INT, .i = v->n };
                break;
        case 'i':
                *p = (Property){ .kind = VALUE_INT, .i = v->i };
                break;
        case 'h':
                *p = (Property){ .kind = VALUE_INT, .i = v->h };
                break;
        case 'x':
                *p = (Property){ .kind = VALUE_INT, .i = v->x };
                break;
        case 'b':
                *p = (Property){ .kind = VALUE_BOOL, .b = v->b };
                break;
        case 'd':
                *p = (Property){ .kind = VALUE_DOUBLE, .d = v->d };
                break;
        default: /* s, o, g */
                *p = (Property){ .kind = VALUE_STRING, .str = strdup(v->s) };
                if (!p->str)
                        return -ENOMEM;
        }
        return 0;
}

static int render_json(sd_bus_message *m, FILE *f);

static int render_basic(sd_bus_message *m, char type, FILE *f)
{
        _cleanup_(property_done) Property p = {};
        BasicValue v;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        r = property_set_basic(&p, type, &v);
        if (r < 0)
                return r;
        property_print_json(f, &p);
        return 0;
}

/* One dict entry of an a{..}: JSON object keys must be strings, so other
 * basic keys are quoted. */
static int render_dict_entry(sd_bus_message *m, const char *contents, FILE *f)
{
        char key_type = contents[0];
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, contents);
        if (r < 0)
                return r;
        if (strchr("sog", key_type))
                r = render_basic(m, key_type, f);
        else {
                fputc('"', f);
                r = render_basic(m, key_type, f);
                fputc('"', f);
        }
        if (r < 0)
                return r;
        fputc(':', f);
        r = render_json(m, f);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Arrays and structs become JSON arrays, a{..} an object, variants their content. */
static int render_json(sd_bus_message *m, FILE *f)
{
        const char *contents;
        bool dict, first = true;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0)
                return -EBADMSG;
        if (type_is_basic(type))
                return render_basic(m, type, f);

        dict = type == SD_BUS_TYPE_ARRAY && contents[0] == SD_BUS_TYPE_DICT_ENTRY_BEGIN;
        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;

        if (type == SD_BUS_TYPE_VARIANT) {
                r = render_json(m, f);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }

        fputc(dict ? '{' : '[', f);
        for (;;) {
                const char *entry;
                char t;

                r = sd_bus_message_peek_type(m, &t, &entry);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (!first)
                        fputc(',', f);
                first = false;
                if (t == SD_BUS_TYPE_DICT_ENTRY)
                        r = render_dict_entry(m, entry, f);
                else
                        r = render_json(m, f);
                if (r < 0)
                        return r;
        }
        fputc(dict ? '}' : ']', f);
        return sd_bus_message_exit_container(m);
}

/* Reads one "v" into @p (name not set). */
static int read_variant(sd_bus_message *m, Property *p)
{
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        const char *contents;
        size_t size;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0 || type != SD_BUS_TYPE_VARIANT)
                return -EBADMSG;

        if (type_is_basic(contents[0]) && contents[1] == '\0') {
                char t = contents[0];
                BasicValue v;

                r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_read_basic(m, t, &v);
                if (r < 0)
                        return r;
                r = property_set_basic(p, t, &v);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = render_json(m, f);
        if (r < 0)
                return r;
        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        *p = (Property){ .kind = VALUE_OTHER, .str = TAKE_PTR(buf) };
        return 0;
}

static Property *prop_set_find(const PropSet *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->props[i].name, name) == 0)
                        return &s->props[i];
        return NULL;
}

/* Takes the contents of @p (name included) on success. */
static int prop_set_put(PropSet *s, Property *p)
{
        Property *old = prop_set_find(s, p->name), *n;

        if (old) {
                property_done(old);
                *old = *p;
                *p = (Property){};
                return 0;
        }

        n = reallocarray(s->props, s->n + 1, sizeof(Property));
        if (!n)
                return -ENOMEM;
        s->props = n;
        s->props[s->n++] = *p;
        *p = (Property){};
        return 0;
}

/**
 * prop_set_update() - read an a{sv} from @m and add or replace each entry.
 *
 * Return: 0, -ENOMEM, or the sd-bus error for a malformed message.
 */
int prop_set_update(PropSet *s, sd_bus_message *m)
{
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;

        for (;;) {
                _cleanup_(property_done) Property p = {};
                const char *name;

                r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &name);
                if (r < 0)
                        return r;
                r = read_variant(m, &p);
                if (r < 0)
                        return r;
                p.name = strdup(name);
                if (!p.name)
                        return -ENOMEM;
                r = prop_set_put(s, &p);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }

        return sd_bus_message_exit_container(m);
}

/**
 * prop_set_invalidate() - read an "as" from @m (the invalidated properties of
 * PropertiesChanged) and drop those entries.
 */
int prop_set_invalidate(PropSet *s, sd_bus_message *m)
{
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s");
        if (r < 0)
                return r;

        for (;;) {
                const char *name;
                Property *p;

                r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &name);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                p = prop_set_find(s, name);
                if (!p)
                        continue;
                /* Keep the order: status lists properties as the daemon sent them. */
                property_done(p);
                memmove(p, p + 1, (size_t) (s->props + s->n - (p + 1)) * sizeof(Property));
                s->n--;
        }

        return sd_bus_message_exit_container(m);
}

const Property *prop_set_get(const PropSet *s, const char *name)
{
        return prop_set_find(s, name);
}

const char *prop_set_string(const PropSet *s, const char *name)
{
        const Property *p = prop_set_find(s, name);

        return p && p->kind == VALUE_STRING ? p->str : NULL;
}

bool prop_set_double(const PropSet *s, const char *name, double *ret)
{
        const Property *p = prop_set_find(s, name);

        if (!p || p->kind != VALUE_DOUBLE)
                return false;
        *ret = p->d;
        return true;
}

bool prop_set_bool(const PropSet *s, const char *name, bool *ret)
{
        const Property *p = prop_set_find(s, name);

        if (!p || p->kind != VALUE_BOOL)
                return false;
        *ret = p->b;
        return true;
}

void property_print_json(FILE *f, const Property *p)
{
        switch (p->kind) {
        case VALUE_STRING:
                json_string(f, p->str);
                break;
        case VALUE_DOUBLE:
                json_double(f, p->d, -1);
                break;
        case VALUE_BOOL:
                fputs(p->b ? "true" : "false", f);
                break;
        case VALUE_INT:
                fprintf(f, "%" PRIi64, p->i);
                break;
        case VALUE_UINT:
                fprintf(f, "%" PRIu64, p->u);
                break;
        case VALUE_OTHER:
                fputs(p->str, f);
                break;
        }
}

void property_print_text(FILE *f, const Property *p)
{
        switch (p->kind) {
        case VALUE_STRING:
                fputs(p->str, f);
                break;
        case VALUE_DOUBLE:
                fprintf(f, "%g", p->d);
                break;
        case VALUE_BOOL:
                fputs(p->b ? "yes" : "no", f);
                break;
        default:
                property_print_json(f, p);
        }
}

/**
 * prop_set_print_json_members() - every property as "Name":value, separated
 * by commas, without braces, so callers can add members of their own.
 * Properties whose name a caller emptied to leave them out are skipped.
 * @first: as for json_key().
 */
void prop_set_print_json_members(FILE *f, const PropSet *s, bool *first)
{
        for (size_t i = 0; i < s->n; i++) {
                if (!s->props[i].name[0])
                        continue;
                json_key(f, s->props[i].name, first);
                property_print_json(f, &s->props[i]);
        }
}
