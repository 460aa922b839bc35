/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The float kernels' arithmetic (sse2, neon): every section as a
 * trapezoidal-integrator state-variable filter (Zavalishin's "TPT SVF", the
 * bilinear transform of the same analog section, so the same H(z)). Its two
 * states are integrators that move by small increments, and its DC gain is 1
 * by construction, whatever the rounding of the coefficients: in float it
 * stays within 1e-6 of the double reference where float direct form II, whose
 * poles hang on 1 + a1 + a2 ≈ 4K², is off by 1e-5 at fs/fc = 50 already.
 *
 * One step of a section, with input x and output y:
 *
 *   i1' = (i1 + e1·i1) + (e2·x − e2·i2)
 *   i2' = (i2 − c2·i2) + (c2·x + e2·i1)
 *   y   = (i2 + i2') · 0.5
 *
 * grouped so that each state reaches its next value through one multiply and
 * two adds. A first-order section has e1 = e2 = 0 and i1 = 0.
 */

#include <stdalign.h>
#include <stddef.h>

#include "core/filter/filter.h"

enum {
        SVF_E1,
        SVF_E2,
        SVF_C2,
        _SVF_COEF_MAX,
};

/**
 * struct SvfData - a float kernel's data (inside the filter's kernel data).
 * @coef: per section e1, e2, c2, each repeated over the four lanes.
 * @state: per section i1, i2, lanes x, y, z and a pad lane that stays 0.
 * @n_sections: as filter_sections().
 */
typedef struct SvfData {
        alignas(16) float coef[FILTER_MAX_SECTIONS][_SVF_COEF_MAX][4];
        alignas(16) float state[FILTER_MAX_SECTIONS][2][4];
        size_t n_sections;
} SvfData;

/** svf_setup() - derive the coefficients from the filter's sections. */
void svf_setup(SvfData *d, const Filter *f);

/** svf_import() - set the state from filter_state_direct(). */
void svf_import(SvfData *d, Filter *f);

/** svf_export() - write the state into filter_state_direct(). */
void svf_export(const SvfData *d, Filter *f);
