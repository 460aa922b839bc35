/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The float kernel (filter-svf.h), written once over a vector of four floats
 * with lanes {x, y, z, pad}. Included by filter-sse2.c and filter-neon.c
 * after they define (the operations as inline functions, or as macros
 * naming an intrinsic):
 *
 *   SVF_KERNEL     the FilterKernel object to define
 *   SVF_NAME       its name
 *   SVF_INLINE     attributes of always-inline helpers
 *   vf             the vector type, and
 *   vf_load(p), vf_store(p, v) (16-byte aligned), vf_set1(x),
 *   vf_add(a, b), vf_sub(a, b), vf_mul(a, b),
 *   vf_frame_load(fr): a frame's v[0..2] and the bits of its flags,
 *   vf_xyz(v): v with the pad lane +0,
 *   vf_frame_store(fr, y, raw): y's x, y, z as the frame's v and raw's pad
 *           lane as its flags, bit for bit,
 *   vf_load_s16(p, scale): three int16 at p, converted, times scale as float
 *
 * Plain multiplies and adds, as in filter-svf.h: every lane of every
 * operation is one IEEE operation, so all renditions agree bit for bit
 * (fused ones would round differently, for no gain the tests would see).
 */

#include <stdbool.h>

#include "core/filter/filter-private.h"
#include "core/filter/filter-svf.h"

/*
 * One frame through @ns sections, see filter-svf.h; @ns is a constant in
 * every caller, so the loop unrolls and the states stay in registers.
 */
SVF_INLINE vf svf_cascade(vf x, vf *i1, vf *i2, const vf (*c)[_SVF_COEF_MAX], size_t ns)
{
        const vf half = vf_set1(0.5f);

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                vf e1 = c[s][SVF_E1], e2 = c[s][SVF_E2], c2 = c[s][SVF_C2];
                vf n1 = vf_add(vf_add(i1[s], vf_mul(e1, i1[s])),
                               vf_sub(vf_mul(e2, x), vf_mul(e2, i2[s])));
                vf n2 = vf_add(vf_sub(i2[s], vf_mul(c2, i2[s])),
                               vf_add(vf_mul(c2, x), vf_mul(e2, i1[s])));

                x = vf_mul(vf_add(i2[s], n2), half);
                i1[s] = n1;
                i2[s] = n2;
        }
        return x;
}

/* Frames from @in, or with @s16 raw samples from @xyz; @s16 and @ns are constants. */
SVF_INLINE void svf_run(SvfData *d, const Frame *in, const int16_t *xyz, float scale,
                        const int64_t *t, Frame *out, size_t n, bool s16, size_t ns)
{
        vf i1[FILTER_MAX_SECTIONS], i2[FILTER_MAX_SECTIONS];
        vf c[FILTER_MAX_SECTIONS][_SVF_COEF_MAX];

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                i1[s] = vf_load(d->state[s][0]);
                i2[s] = vf_load(d->state[s][1]);
                for (size_t k = 0; k < _SVF_COEF_MAX; k++)
                        c[s][k] = vf_load(d->coef[s][k]);
        }

        for (size_t i = 0; i < n; i++) {
                vf raw, y;
                int64_t t_ns;

                if (s16) {
                        raw = vf_set1(0.0f);
                        y = svf_cascade(vf_load_s16(xyz + 3 * i, scale), i1, i2, c, ns);
                        t_ns = t ? t[i] : 0;
                } else {
                        /* in == out is safe: all of the frame is read first. */
                        raw = vf_frame_load(&in[i]);
                        y = svf_cascade(vf_xyz(raw), i1, i2, c, ns);
                        t_ns = in[i].t_ns;
                }
                out[i].t_ns = t_ns;
                vf_frame_store(&out[i], y, raw);
        }

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                vf_store(d->state[s][0], i1[s]);
                vf_store(d->state[s][1], i2[s]);
        }
}

static SvfData *svf_data(Filter *f)
{
        unsigned todo;
        SvfData *d = filter_kdata_acquire(f, &SVF_KERNEL, &todo);

        if (todo & FILTER_KDATA_SETUP)
                svf_setup(d, f);
        if (todo & FILTER_KDATA_IMPORT)
                svf_import(d, f);
        return d;
}

static void svf_process(Filter *f, const Frame *in, Frame *out, size_t n)
{
        SvfData *d = svf_data(f);

        FILTER_RUN_SECTIONS(d->n_sections, svf_run, d, in, NULL, 0.0f, NULL, out, n, false);
}

static void svf_process_s16(Filter *f, const int16_t *xyz, float scale, const int64_t *t,
                            Frame *out, size_t n)
{
        SvfData *d = svf_data(f);

        FILTER_RUN_SECTIONS(d->n_sections, svf_run, d, NULL, xyz, scale, t, out, n, true);
}

static void svf_sync(Filter *f)
{
        svf_export(filter_kdata(f), f);
}

const FilterKernel SVF_KERNEL = {
        .name = SVF_NAME,
        .process = svf_process,
        .process_s16 = svf_process_s16,
        .sync = svf_sync,
};
