/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdalign.h>
#include <math.h>
#include <string.h>

#include "core/filter/filter-private.h"
#include "core/filter/filter-svf.h"

static_assert(sizeof(SvfData) <= FILTER_KDATA_SIZE, "SvfData fits the kernel data");
static_assert(alignof(SvfData) <= 64, "the kernel data is 64-byte aligned");

/**
 * svf_setup() - derive the float coefficients from the filter's sections.
 * @d: the kernel data.
 * @f: the filter.
 *
 * The sections are bilinear low-passes (filter.c): with a0 = 1 + 2σK + K²,
 *   second order: 1 − a1 + a2 = 4/a0 and 1 + a1 + a2 = 4K²/a0,
 *   first order:  1 + a1 = 2K/(1 + K),
 * and the state-variable section has A = 1/a0, e1 = 2A − 2, e2 = 2KA,
 * c2 = 2K²A; the one-pole one c2 = 2K/(1 + K). All in double, from the
 * denominators alone: the numerators follow from the low-pass shape. The
 * state is zero.
 */
void svf_setup(SvfData *d, const Filter *f)
{
        const Biquad *q;
        size_t n;

        assert(d);

        q = filter_sections(f, &n);
        memset(d, 0, sizeof(*d));
        d->n_sections = n;

        for (size_t s = 0; s < n; s++) {
                double e1 = 0.0, e2 = 0.0, c2;

                if (q[s].a2 == 0.0 && q[s].b2 == 0.0) {
                        c2 = 1.0 + q[s].a1;
                } else {
                        double A = (1.0 - q[s].a1 + q[s].a2) / 4.0;
                        double K2 = (1.0 + q[s].a1 + q[s].a2) / (4.0 * A);

                        e1 = 2.0 * A - 2.0;
                        e2 = 2.0 * sqrt(K2) * A;
                        c2 = 2.0 * K2 * A;
                }
                for (size_t l = 0; l < 4; l++) {
                        d->coef[s][SVF_E1][l] = (float) e1;
                        d->coef[s][SVF_E2][l] = (float) e2;
                        d->coef[s][SVF_C2][l] = (float) c2;
                }
        }
}

/*
 * Both forms are minimal realisations of the same section, so a state is
 * known by the first two outputs it gives for zero input: y0 = s1 and
 * y1 = s2 − a1·s1 in direct form, y = O·(i1, i2) here, with O from one
 * step of the float coefficients (as doubles) above.
 */
static void svf_observer(const SvfData *d, size_t s, double O[2][2])
{
        double e1 = d->coef[s][SVF_E1][0], e2 = d->coef[s][SVF_E2][0], c2 = d->coef[s][SVF_C2][0];
        double h = 1.0 - 0.5 * c2;

        O[0][0] = 0.5 * e2;
        O[0][1] = h;
        O[1][0] = h * e2 + 0.5 * e2 * (1.0 + e1);
        O[1][1] = h * (1.0 - c2) - 0.5 * e2 * e2;
}

static bool svf_first_order(const SvfData *d, size_t s)
{
        return d->coef[s][SVF_E2][0] == 0.0f;
}

/* One axis' direct-form state @st into the integrators *@ret_i1, *@ret_i2. */
static void svf_import_axis(const double O[2][2], bool first_order, double a1, const double st[2],
                            float *ret_i1, float *ret_i2)
{
        double y0 = st[0], y1 = st[1] - a1 * st[0];
        double i1, i2;

        if (first_order) {
                i1 = 0.0;
                i2 = y0 / O[0][1];
        } else {
                double det = O[0][0] * O[1][1] - O[0][1] * O[1][0];

                i1 = (y0 * O[1][1] - y1 * O[0][1]) / det;
                i2 = (y1 * O[0][0] - y0 * O[1][0]) / det;
        }
        *ret_i1 = (float) i1;
        *ret_i2 = (float) i2;
}

/* One axis' integrators @i1, @i2 into the direct-form state @st. */
static void svf_export_axis(const double O[2][2], bool first_order, double a1, double i1, double i2,
                            double st[2])
{
        double y0 = O[0][0] * i1 + O[0][1] * i2;
        double y1 = O[1][0] * i1 + O[1][1] * i2;

        st[0] = y0;
        st[1] = first_order ? 0.0 : y1 + a1 * y0;
}

/*
 * The walk over every section and axis that both conversions make: into
 * @into (d->state) from filter_state_direct(), or with @into NULL from
 * d->state into filter_state_direct().
 */
static void svf_convert(const SvfData *d, Filter *f, float (*into)[2][4])
{
        double(*st)[3][2] = (double(*)[3][2]) filter_state_direct(f);
        size_t n;
        const Biquad *q = filter_sections(f, &n);

        assert(n == d->n_sections);

        for (size_t s = 0; s < n; s++) {
                double O[2][2];

                svf_observer(d, s, O);
                for (size_t a = 0; a < 3; a++) {
                        if (into)
                                svf_import_axis(O, svf_first_order(d, s), q[s].a1, st[s][a],
                                                &into[s][0][a], &into[s][1][a]);
                        else
                                svf_export_axis(O, svf_first_order(d, s), q[s].a1,
                                                d->state[s][0][a], d->state[s][1][a], st[s][a]);
                }
                if (into)
                        into[s][0][3] = into[s][1][3] = 0.0f;
        }
}

/**
 * svf_import() - set the state from filter_state_direct().
 * @d: the kernel data, set up.
 * @f: the filter.
 */
void svf_import(SvfData *d, Filter *f)
{
        svf_convert(d, f, d->state);
}

/**
 * svf_export() - write the state into filter_state_direct().
 * @d: the kernel data.
 * @f: the filter.
 */
void svf_export(const SvfData *d, Filter *f)
{
        svf_convert(d, f, NULL);
}
