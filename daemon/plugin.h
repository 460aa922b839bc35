/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "abi/source.h"

typedef struct Plugin Plugin;

/** plugin_load() - dlopen() DIR/SCHEME.so and check its ABI. */
int plugin_load(Plugin **ret, const char *dir, const char *scheme, char *error, size_t error_size);

/** plugin_free() - dlclose(); accepts NULL; returns NULL. */
Plugin *plugin_free(Plugin *p);

static inline void plugin_freep(Plugin **p)
{
        plugin_free(*p);
}

const PosturedSourceV1 *plugin_ops(const Plugin *p);
const char *plugin_path(const Plugin *p);

/** source_uri_split() - split "scheme:rest" into its scheme and rest. */
const char *source_uri_split(const char *uri, char *scheme, size_t size);
