/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/advice-item.h"

/*
 * The advice catalogue (conf/advice.conf, installed as
 * $(pkgdatadir)/advice.conf): every sentence postured says to the wearer,
 * with its source, as data that can be reviewed and translated without
 * touching code. INI, parsed with inih:
 *
 *   [acute-keep-moving]          the id: a-z, 0-9 and '-', starting with a letter
 *   Severity=info                info, warning or critical
 *   Category=movement            posture, break, movement, stretch, rest, pain, care
 *   Phases=acute                 none, acute, recovering, recovered (spaces or
 *                                commas between them), or all
 *   Trigger=phase-entered        an event kind (sustained-flexion, ...) or a
 *                                situation: phase-entered, pain-rising,
 *                                pain-worsening, red-flag
 *   Text=Short, gentle walks...  indented lines continue Text= and Source=
 *   Source=NINDS, Low back pain fact sheet
 *
 * Loading checks everything and reports the first problem as
 * "FILE:LINE: [id] what is wrong": unknown keys, repeated keys, bad values,
 * missing keys, duplicate ids, a Source= that names none of the known
 * sources, and the safety rules: no stretch-category item may list the acute
 * phase; Severity=critical is exactly the Trigger=red-flag items (the alerts);
 * every phase has exactly one red-flag item.
 */

typedef struct Catalogue Catalogue;

/** catalogue_parse_string() - parse catalogue text. */
int catalogue_parse_string(Catalogue **ret, const char *text, const char *name, char **error);

/** catalogue_load() - read and parse a file. */
int catalogue_load(Catalogue **ret, const char *path, char **error);

Catalogue *catalogue_free(Catalogue *c);

static inline void catalogue_freep(Catalogue **c)
{
        catalogue_free(*c);
}

size_t catalogue_size(const Catalogue *c);
/** catalogue_item() - the @i-th item in file order; NULL past the end. */
const AdviceItem *catalogue_item(const Catalogue *c, size_t i);
/** catalogue_find() - the item with @id, or NULL. */
const AdviceItem *catalogue_find(const Catalogue *c, const char *id);
