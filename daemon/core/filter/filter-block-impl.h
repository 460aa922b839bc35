/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The block kernel (filter-block.h), written once over a vector of eight
 * doubles. Included by filter-avx512.c (one zmm register) and
 * filter-block-avx2.c (two ymm registers) after they define:
 *
 *   BLOCK_KERNEL   the FilterKernel object to define
 *   BLOCK_NAME     its name
 *   BLOCK_FN       attributes of the kernel's functions (target)
 *   BLOCK_INLINE   the same for always-inline helpers
 *   vd             the vector type, and
 *   vd_zero(), vd_load(p) (64-byte aligned), vd_set1(x), vd_add(a, b),
 *   vd_fma(a, b, c) = a·b + c rounded once, vd_store(p, v),
 *   vd_store_f32(p, v) (convert to float, round to nearest)
 *
 * Every lane of every operation is an IEEE operation, so both agree bit for bit.
 */

#include <stdbool.h>
#include <string.h>

#include "core/filter/filter-block.h"
#include "core/filter/filter-private.h"
#include "util/macro.h"

/*
 * Each axis' eight outputs, or its state after the block: Σ_j C[j]·x_j, then
 * Σ_k D[k]·S_k, the state last since its path to the next block is the one
 * that counts. Two accumulators per axis, even and odd terms, added at the
 * end, halve the chains of dependent FMAs; one pass per sum keeps the
 * working set within the sixteen ymm registers of the AVX2 rendition.
 */
BLOCK_INLINE void block_sums(const double (*C)[BLOCK_LEN], const double (*D)[BLOCK_LEN],
                             const BlockData *d, vd acc[3], size_t m)
{
        vd even[3], odd[3];

#pragma GCC unroll 3
        for (size_t a = 0; a < 3; a++)
                even[a] = odd[a] = vd_zero();

        for (size_t j = 0; j < BLOCK_LEN; j += 2) {
                vd c0 = vd_load(C[j]), c1 = vd_load(C[j + 1]);

#pragma GCC unroll 3
                for (size_t a = 0; a < 3; a++) {
                        even[a] = vd_fma(c0, vd_set1(d->x[a][j]), even[a]);
                        odd[a] = vd_fma(c1, vd_set1(d->x[a][j + 1]), odd[a]);
                }
        }
        for (size_t k = 0; k < m; k += 2) {
                vd c0 = vd_load(D[k]), c1 = vd_load(D[k + 1]);

#pragma GCC unroll 3
                for (size_t a = 0; a < 3; a++) {
                        even[a] = vd_fma(c0, vd_set1(d->S[a][k]), even[a]);
                        odd[a] = vd_fma(c1, vd_set1(d->S[a][k + 1]), odd[a]);
                }
        }

#pragma GCC unroll 3
        for (size_t a = 0; a < 3; a++)
                acc[a] = vd_add(even[a], odd[a]);
}

/* Outputs from..to-1 of the current block, whose inputs are in d->x up to
 * @to; and when the block is complete, the state after it. */
BLOCK_INLINE void block_emit(BlockData *d, size_t from, size_t to, Frame *out, const int64_t *tn,
                             const uint32_t *fl, size_t m)
{
        alignas(32) float yf[3][BLOCK_LEN];
        vd acc[3];

        block_sums(d->T, d->O, d, acc, m);
#pragma GCC unroll 3
        for (size_t a = 0; a < 3; a++)
                vd_store_f32(yf[a], acc[a]);
        for (size_t i = from; i < to; i++)
                out[i - from] = (Frame){
                        .t_ns = tn[i],
                        .v = { yf[0][i], yf[1][i], yf[2][i] },
                        .flags = fl[i],
                };

        if (to < BLOCK_LEN) {
                d->pos = to;
                return;
        }
        block_sums(d->G, d->Phi, d, acc, m);
#pragma GCC unroll 3
        for (size_t a = 0; a < 3; a++)
                vd_store(d->S[a], acc[a]);
        memset(d->x, 0, sizeof(d->x));
        d->pos = 0;
}

static BlockData *block_data(Filter *f)
{
        unsigned todo;
        BlockData *d = filter_kdata_acquire(f, &BLOCK_KERNEL, &todo);

        if (todo & FILTER_KDATA_SETUP)
                block_setup(d, f);
        if (todo & FILTER_KDATA_IMPORT)
                block_import(d, f);
        return d;
}

/* Frames from @in, or with @s16 raw samples from @xyz; @s16 and @m are constants. */
BLOCK_INLINE void block_run(BlockData *d, const Frame *in, const int16_t *xyz, float scale,
                            const int64_t *t, Frame *out, size_t n, bool s16, size_t m)
{
        int64_t tn[BLOCK_LEN] = {};
        uint32_t fl[BLOCK_LEN] = {};

        for (size_t i = 0; i < n;) {
                size_t p = d->pos, take = MIN(BLOCK_LEN - p, n - i);

                /* All of this call's part of the block is read before any
                 * of it is written, so in == out is safe. */
                for (size_t j = 0; j < take; j++) {
                        for (size_t a = 0; a < 3; a++)
                                d->x[a][p + j] =
                                        s16 ? (double) ((float) xyz[3 * (i + j) + a] * scale)
                                            : (double) in[i + j].v[a];
                        tn[p + j] = s16 ? (t ? t[i + j] : 0) : in[i + j].t_ns;
                        fl[p + j] = s16 ? 0 : in[i + j].flags;
                }
                block_emit(d, p, p + take, out + i, tn, fl, m);
                i += take;
        }
}

/* The size of the state is a constant in each copy of the loop. */
#define BLOCK_RUN(s16)                                                             \
        do {                                                                       \
                BlockData *d = block_data(f);                                      \
                switch (d->m) {                                                    \
                case 2:                                                            \
                        block_run(d, in, xyz, scale, t, out, n, s16, 2);           \
                        break;                                                     \
                case 4:                                                            \
                        block_run(d, in, xyz, scale, t, out, n, s16, 4);           \
                        break;                                                     \
                case 6:                                                            \
                        block_run(d, in, xyz, scale, t, out, n, s16, 6);           \
                        break;                                                     \
                default:                                                           \
                        block_run(d, in, xyz, scale, t, out, n, s16, BLOCK_STATE); \
                        break;                                                     \
                }                                                                  \
        } while (0)

BLOCK_FN static void block_process(Filter *f, const Frame *in, Frame *out, size_t n)
{
        const int16_t *xyz = NULL;
        const int64_t *t = NULL;
        float scale = 0.0f;

        BLOCK_RUN(false);
}

BLOCK_FN static void block_process_s16(Filter *f, const int16_t *xyz, float scale, const int64_t *t,
                                       Frame *out, size_t n)
{
        const Frame *in = NULL;

        BLOCK_RUN(true);
}

static void block_sync(Filter *f)
{
        block_export(filter_kdata(f), f);
}

const FilterKernel BLOCK_KERNEL = {
        .name = BLOCK_NAME,
        .process = block_process,
        .process_s16 = block_process_s16,
        .sync = block_sync,
};
