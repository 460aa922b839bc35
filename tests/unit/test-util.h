/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the unit tests share: cmocka and the assertions it lacks, the sample
 * rate of the synthetic wearers, and the body frame of DESIGN.md.
 * Header-only: each tests/unit/test-*.c is a program of its own.
 */
#pragma once

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "util/macro.h"

/* cmocka's assert_float_equal() works in float; times and angles need double. */
#define assert_near(a, b, tol)                                                          \
        do {                                                                            \
                double _a_ = (a), _b_ = (b), _t_ = (tol);                               \
                if (!(fabs(_a_ - _b_) <= _t_))                                          \
                        fail_msg("%s = %.12g, expected %.12g ± %g", #a, _a_, _b_, _t_); \
        } while (0)

/* The rate of the synthetic wearers, unless a test says otherwise. */
#define RATE_HZ 50
#define STEP_NS (NSEC_PER_SEC / RATE_HZ)
#define STEP_S  (1.0 / RATE_HZ)

#define G      STANDARD_GRAVITY
#define DEG(x) ((x) *M_PI / 180)

/* DESIGN.md: gravity in the body frame, bent forward by θ and leaning right by φ. */
_unused_ static void body_gravity(double theta_deg, double phi_deg, double g[3])
{
        double t = DEG(theta_deg), f = DEG(phi_deg);

        g[0] = -G * sin(f) * cos(t);
        g[1] = G * cos(f) * cos(t);
        g[2] = -G * sin(t);
}

/* Whether the CPU runs AVX (the four-lane paths' tests take them only there). */
_unused_ static bool test_have_avx(void)
{
#if defined(__x86_64__)
        return __builtin_cpu_supports("avx");
#else
        return false;
#endif
}

/* A 64-bit linear congruential generator (Knuth's MMIX constants), its top 53 bits. */
_unused_ static uint64_t test_rng_next(uint64_t *s)
{
        *s = *s * 6364136223846793005u + 1442695040888963407u;
        return *s >> 11;
}

/* A uniform double in [@lo, @hi) from test_rng_next(). */
_unused_ static double test_rng_uniform(uint64_t *s, double lo, double hi)
{
        return lo + (hi - lo) * ((double) (test_rng_next(s) >> 10) * 0x1p-43);
}

/* A temporary regular file (a memfd) holding the @len bytes of @text, rewound. */
_unused_ static FILE *test_file_of(const char *text, size_t len)
{
        int fd = memfd_create("rec.csv", MFD_CLOEXEC);
        FILE *f;

        assert_true(fd >= 0);
        f = fdopen(fd, "w+");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        assert_int_equal(fflush(f), 0);
        rewind(f);
        return f;
}
