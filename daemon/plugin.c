/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/macro.h"
#include "plugin.h"

struct Plugin {
        void *handle;
        char *path;
        const PosturedSourceV1 *ops;
};

_printf_(3, 4) static void set_error(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(buf, size, fmt, ap);
        va_end(ap);
}

static int scheme_valid(const char *s)
{
        if (!*s || strlen(s) > 32)
                return 0;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
                        return 0;
        return 1;
}

/**
 * source_uri_split() - split "scheme:rest" into its scheme (copied into
 * @scheme of size @size) and return a pointer to rest; "auto" gives scheme
 * "auto" and rest "". Return NULL when the URI has no valid scheme.
 */
const char *source_uri_split(const char *uri, char *scheme, size_t size)
{
        const char *colon = strchr(uri, ':');
        size_t n = colon ? (size_t) (colon - uri) : strlen(uri);

        if (n == 0 || n >= size)
                return NULL;
        memcpy(scheme, uri, n);
        scheme[n] = '\0';
        if (!scheme_valid(scheme))
                return NULL;
        return colon ? colon + 1 : uri + n;
}

/**
 * plugin_load() - dlopen() DIR/SCHEME.so and check its ABI.
 * @error: on failure, a message naming the file and what is wrong.
 *
 * Return: 0, -ENOENT when there is no such plugin, -EPROTO for an
 * incompatible or broken plugin, -EINVAL for a bad scheme name.
 */
int plugin_load(Plugin **ret, const char *dir, const char *scheme, char *error, size_t error_size)
{
        _cleanup_(plugin_freep) Plugin *p = NULL;
        PosturedSourceEntry entry;

        if (!scheme_valid(scheme)) {
                set_error(error, error_size, "'%s' is not a valid source scheme", scheme);
                return -EINVAL;
        }

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if (asprintf(&p->path, "%s/%s.so", dir, scheme) < 0) {
                p->path = NULL;
                return -ENOMEM;
        }
        if (access(p->path, F_OK) < 0) {
                set_error(error, error_size,
                          "no plugin for '%s:' sources: %s does not exist (postured was built "
                          "without it, or --plugin-dir/PluginDirectory= points elsewhere)",
                          scheme, p->path);
                return -ENOENT;
        }

        p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
        if (!p->handle) {
                set_error(error, error_size, "cannot load %s: %s", p->path, dlerror());
                return -EPROTO;
        }

        /* POSIX allows the object-to-function pointer conversion dlsym() needs. */
        *(void **) &entry = dlsym(p->handle, POSTURED_SOURCE_SYMBOL);
        if (!entry) {
                set_error(error, error_size, "%s is not a postured source plugin (no %s())",
                          p->path, POSTURED_SOURCE_SYMBOL);
                return -EPROTO;
        }
        p->ops = entry();
        if (!p->ops) {
                set_error(error, error_size, "%s returned no operations", p->path);
                return -EPROTO;
        }
        if (p->ops->abi_major != POSTURED_SOURCE_ABI_MAJOR) {
                set_error(error, error_size,
                          "%s speaks plugin ABI %u.%u, this postured speaks %u.x; rebuild the "
                          "plugin",
                          p->path, p->ops->abi_major, p->ops->abi_minor, POSTURED_SOURCE_ABI_MAJOR);
                return -EPROTO;
        }
        if (!p->ops->scheme || strcmp(p->ops->scheme, scheme) != 0 || !p->ops->open ||
            !p->ops->describe || !p->ops->start || !p->ops->stop || !p->ops->close) {
                set_error(error, error_size, "%s is incomplete or serves another scheme ('%s')",
                          p->path, p->ops->scheme ? p->ops->scheme : "(none)");
                return -EPROTO;
        }

        *ret = TAKE_PTR(p);
        return 0;
}

/** plugin_free() - dlclose() the plugin; accepts NULL; returns NULL. */
Plugin *plugin_free(Plugin *p)
{
        if (!p)
                return NULL;
        if (p->handle)
                (void) dlclose(p->handle);
        free(p->path);
        free(p);
        return NULL;
}

/** plugin_ops() - the plugin's operations. */
const PosturedSourceV1 *plugin_ops(const Plugin *p)
{
        return p->ops;
}

/** plugin_path() - the file it was loaded from. */
const char *plugin_path(const Plugin *p)
{
        return p->path;
}
