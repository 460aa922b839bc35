/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdalign.h>
#include <string.h>

#include "core/filter/filter-block.h"
#include "core/filter/filter-private.h"

static_assert(sizeof(BlockData) <= FILTER_KDATA_SIZE, "BlockData fits the kernel data");
static_assert(alignof(BlockData) <= 64, "the kernel data is 64-byte aligned");
static_assert(BLOCK_STATE == BLOCK_LEN, "one vector holds a block of outputs or a state");

/* One sample of one axis through the cascade, as the scalar reference does
 * it; S holds s1, s2 of each section in turn. */
static double cascade_step(const Biquad *q, size_t ns, double S[BLOCK_STATE], double x)
{
        for (size_t s = 0; s < ns; s++) {
                double y = q[s].b0 * x + S[2 * s];

                S[2 * s] = q[s].b1 * x - q[s].a1 * y + S[2 * s + 1];
                S[2 * s + 1] = q[s].b2 * x - q[s].a2 * y;
                x = y;
        }
        return x;
}

/**
 * block_setup() - derive the block matrices from the filter's sections.
 * @d: the kernel data.
 * @f: the filter.
 *
 * Each column is the reference's own response, run in double: to a unit
 * state with no input (O, Phi), to a unit impulse from rest (T, G); the
 * outputs before the impulse are set to exact zeros, which the partial
 * blocks rely on. The current block starts empty, in state 0.
 */
void block_setup(BlockData *d, const Filter *f)
{
        const Biquad *q;
        size_t ns;

        assert(d);

        q = filter_sections(f, &ns);
        memset(d, 0, sizeof(*d));
        d->m = 2 * ns;

        for (size_t k = 0; k < d->m; k++) {
                double S[BLOCK_STATE] = {};

                S[k] = 1.0;
                for (size_t i = 0; i < BLOCK_LEN; i++)
                        d->O[k][i] = cascade_step(q, ns, S, 0.0);
                memcpy(d->Phi[k], S, sizeof(S));
        }

        for (size_t j = 0; j < BLOCK_LEN; j++) {
                double S[BLOCK_STATE] = {};

                for (size_t i = 0; i < BLOCK_LEN; i++) {
                        double y = cascade_step(q, ns, S, i == j ? 1.0 : 0.0);

                        d->T[j][i] = i < j ? 0.0 : y;
                }
                memcpy(d->G[j], S, sizeof(S));
        }
}

/**
 * block_import() - start a block at the state in filter_state_direct().
 * @d: the kernel data, set up.
 * @f: the filter.
 */
void block_import(BlockData *d, Filter *f)
{
        const double(*st)[3][2] = (const double(*)[3][2]) filter_state_direct(f);

        memset(d->S, 0, sizeof(d->S));
        memset(d->x, 0, sizeof(d->x));
        d->pos = 0;
        for (size_t a = 0; a < 3; a++)
                for (size_t k = 0; k < d->m; k++)
                        d->S[a][k] = st[k / 2][a][k % 2];
}

/**
 * block_export() - write the current state to filter_state_direct().
 * @d: the kernel data.
 * @f: the filter.
 *
 * Inside a block, the state is the block's start state run on through the
 * inputs seen since, as the reference would.
 */
void block_export(const BlockData *d, Filter *f)
{
        double(*st)[3][2] = (double(*)[3][2]) filter_state_direct(f);
        size_t ns;
        const Biquad *q = filter_sections(f, &ns);

        for (size_t a = 0; a < 3; a++) {
                double S[BLOCK_STATE];

                memcpy(S, d->S[a], sizeof(S));
                for (size_t i = 0; i < d->pos; i++)
                        (void) cascade_step(q, ns, S, d->x[a][i]);
                for (size_t k = 0; k < d->m; k++)
                        st[k / 2][a][k % 2] = S[k];
        }
}
