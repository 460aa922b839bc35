/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which kernels this build has, which this CPU runs, and the choice of one.
 * Quiet: errors are returned for the daemon to report.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/filter/filter.h"
#include "util/macro.h"

typedef struct KernelInfo {
        const char *name;
        const FilterKernel *kernel; /* NULL: not built for this architecture */
        bool (*supported)(void);    /* NULL: always */
} KernelInfo;

#if defined(__x86_64__)
static bool cpu_avx2_fma(void)
{
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#define X86(k) (&(k))
#else
#define X86(k) NULL
#endif

#if defined(__aarch64__)
#define ARM64(k) (&(k))
#else
#define ARM64(k) NULL
#endif

/* Best first: filter_kernel_select(NULL) takes the first this CPU runs. */
static const KernelInfo kernel_info[] = {
#if defined(__x86_64__)
        { "avx2", X86(filter_kernel_avx2), cpu_avx2_fma },
        { "sse2", X86(filter_kernel_sse2), NULL },
#else
        { "avx2", NULL, NULL },
        { "sse2", NULL, NULL },
#endif
        { "neon", ARM64(filter_kernel_neon), NULL },
        { "scalar", &filter_kernel_scalar, NULL },
};

static const FilterKernel *const kernel_list[] = {
        &filter_kernel_scalar,
#if defined(__x86_64__)
        &filter_kernel_sse2,
        &filter_kernel_avx2,
#endif
#if defined(__aarch64__)
        &filter_kernel_neon,
#endif
        NULL,
};

static const KernelInfo *kernel_info_by_name(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(kernel_info); i++)
                if (strcmp(kernel_info[i].name, name) == 0)
                        return &kernel_info[i];
        return NULL;
}

static bool kernel_info_supported(const KernelInfo *info)
{
        return info->kernel && (!info->supported || info->supported());
}

/**
 * filter_kernel_list() - every kernel built in.
 *
 * Return: a NULL-terminated list, the scalar reference first, including the
 * kernels this CPU cannot run (see filter_kernel_supported()).
 */
const FilterKernel *const *filter_kernel_list(void)
{
        return kernel_list;
}

/**
 * filter_kernel_by_name() - a built-in kernel by name.
 * @name: "scalar", "sse2", "avx2" or "neon".
 *
 * Return: the kernel, or NULL if this build has none of that name.
 */
const FilterKernel *filter_kernel_by_name(const char *name)
{
        const KernelInfo *info;

        assert(name);

        info = kernel_info_by_name(name);
        return info ? info->kernel : NULL;
}

/**
 * filter_kernel_names() - the names filter_kernel_select() knows, for messages.
 * @buf: receives them best first, ", " between them, every architecture's
 *       whether built here or not ("avx2, sse2, neon, scalar"); cut short if
 *       @size is too small (FILTER_KERNEL_NAMES_SIZE is not), after a whole name.
 * @size: the size of @buf, at least 1.
 *
 * Return: @buf.
 */
char *filter_kernel_names(char *buf, size_t size)
{
        size_t len = 0;

        assert(buf);
        assert(size > 0);

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(kernel_info); i++) {
                int r = snprintf(buf + len, size - len, "%s%s", i > 0 ? ", " : "",
                                 kernel_info[i].name);

                if (r < 0 || (size_t) r >= size - len) {
                        buf[len] = '\0'; /* no name cut in half */
                        break;
                }
                len += (size_t) r;
        }
        return buf;
}

/**
 * filter_kernel_supported() - whether this CPU runs @k.
 * @k: a kernel; one that is not built in (a test's, say) counts as supported.
 *
 * Return: true if @k can be used here.
 */
bool filter_kernel_supported(const FilterKernel *k)
{
        assert(k);

        for (size_t i = 0; i < ELEMENTSOF(kernel_info); i++)
                if (kernel_info[i].kernel == k)
                        return kernel_info_supported(&kernel_info[i]);
        return true;
}

/**
 * filter_kernel_select() - the kernel to use.
 * @ret: receives the kernel.
 * @override: a kernel name, e.g. from $POSTURED_FILTER; NULL or "" for the
 *            best this CPU runs (avx2, sse2, neon, scalar, in that order).
 *
 * Return: 0; -EINVAL if @override names no kernel; -EOPNOTSUPP if it names
 * one that this build (another architecture's) or this CPU cannot run.
 */
int filter_kernel_select(const FilterKernel **ret, const char *override)
{
        const KernelInfo *info;

        assert(ret);

        if (!override || override[0] == '\0') {
                for (size_t i = 0; i < ELEMENTSOF(kernel_info); i++)
                        if (kernel_info_supported(&kernel_info[i])) {
                                *ret = kernel_info[i].kernel;
                                return 0;
                        }
                *ret = &filter_kernel_scalar;
                return 0;
        }

        info = kernel_info_by_name(override);
        if (!info)
                return -EINVAL;
        if (!kernel_info_supported(info))
                return -EOPNOTSUPP;

        *ret = info->kernel;
        return 0;
}
