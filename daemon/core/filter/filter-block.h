/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The block kernels (avx512, block-avx2): the whole cascade of one axis as a
 * state-space system in double, its state S the reference's own
 * transposed-direct-form-II state of every section, M = 2 × sections values.
 * For a block of BLOCK_LEN samples x_0..x_7 starting in state S:
 *
 *   y_i = Σ_k O[k][i]·S_k + Σ_j T[j][i]·x_j      (T[j][i] = 0 for j > i)
 *   S'_r = Σ_k Phi[k][r]·S_k + Σ_j G[j][r]·x_j
 *
 * so eight outputs and the next state are 2·(8 + M) vector FMAs with no
 * sample-to-sample dependency at all. Output i needs only x_0..x_i: a call
 * that ends inside a block computes its outputs with the inputs still to
 * come as 0, which adds exact zeros to them (accumulators start at +0 and
 * never become −0), and the next call finishes the block. Each output is
 * the same sum of the same terms however the stream is cut into calls, and
 * the two kernels do the same FMAs in the same order, so they agree bit for
 * bit with each other.
 */

#include <stdalign.h>
#include <stddef.h>

#include "core/filter/filter.h"

#define BLOCK_LEN   8
#define BLOCK_STATE (2 * FILTER_MAX_SECTIONS)

/**
 * struct BlockData - a block kernel's data (inside the filter's kernel data).
 * @O, @T, @Phi, @G: the block matrices above, a column (one vector) per row.
 * @S: per axis, the state at the start of the current block.
 * @x: per axis, the current block's inputs; 0 where not seen yet.
 * @m: size of the state, 2 × sections.
 * @pos: inputs of the current block seen, 0..BLOCK_LEN-1.
 */
typedef struct BlockData {
        alignas(64) double O[BLOCK_STATE][BLOCK_LEN];
        alignas(64) double T[BLOCK_LEN][BLOCK_LEN];
        alignas(64) double Phi[BLOCK_STATE][BLOCK_STATE];
        alignas(64) double G[BLOCK_LEN][BLOCK_STATE];
        alignas(64) double S[3][BLOCK_STATE];
        alignas(64) double x[3][BLOCK_LEN];
        size_t m;
        size_t pos;
} BlockData;

/** block_setup() - derive the block matrices from the filter's sections. */
void block_setup(BlockData *d, const Filter *f);

/** block_import() - start a block at filter_state_direct(). */
void block_import(BlockData *d, Filter *f);

/** block_export() - write the current state, inside the block, to filter_state_direct(). */
void block_export(const BlockData *d, Filter *f);
