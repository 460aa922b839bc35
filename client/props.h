/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libsystemd-dl.h"

/*
 * A bag of D-Bus property values, filled generically from the a{sv} of
 * GetAll() and PropertiesChanged, so that properties the daemon adds later
 * show up in `status` and `monitor` without a client change.
 */

typedef enum ValueKind {
        VALUE_STRING,
        VALUE_DOUBLE,
        VALUE_BOOL,
        VALUE_INT,
        VALUE_UINT,
        /* Containers and variants: @str holds the value rendered as JSON. */
        VALUE_OTHER,
} ValueKind;

typedef struct Property {
        char *name;
        ValueKind kind;
        char *str;
        double d;
        bool b;
        int64_t i;
        uint64_t u;
} Property;

typedef struct PropSet {
        Property *props;
        size_t n;
} PropSet;

/** prop_set_clear() - forget every property; @s stays usable. */
void prop_set_clear(PropSet *s);

/** prop_set_update() - read an a{sv} from @m and add or replace each entry. */
int prop_set_update(PropSet *s, sd_bus_message *m);

/** prop_set_invalidate() - drop the properties that @m invalidates. */
int prop_set_invalidate(PropSet *s, sd_bus_message *m);

/** prop_set_get() - the property called @name, or NULL. */
const Property *prop_set_get(const PropSet *s, const char *name);

/** prop_set_string() - the value of a string property @name, or NULL. */
const char *prop_set_string(const PropSet *s, const char *name);

/** prop_set_double() - true and *ret for a double property @name. */
bool prop_set_double(const PropSet *s, const char *name, double *ret);

/** prop_set_bool() - true and *ret for a boolean property @name. */
bool prop_set_bool(const PropSet *s, const char *name, bool *ret);

/** property_print_json() - the value of @p as JSON. */
void property_print_json(FILE *f, const Property *p);

/** property_print_text() - the value of @p for people: no quotes, "yes"/"no". */
void property_print_text(FILE *f, const Property *p);

/** prop_set_print_json_members() - every property as "Name":value, without braces. */
void prop_set_print_json_members(FILE *f, const PropSet *s, bool *first);
