/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/macro.h"
#include "core/ring.h"

/* A frame whose every field derives from its sequence number, so a torn or
 * misplaced copy shows up as a mismatch. */
static Frame make_frame(uint64_t seq)
{
        return (Frame){
                .t_ns = (int64_t) seq,
                .v = { (float) (seq % 1000), (float) (seq % 7) - 3.0f, -(float) (seq % 65536) },
                .flags = (uint32_t) (seq * 2654435761u),
        };
}

static void assert_frame(const Frame *f, uint64_t seq)
{
        Frame e = make_frame(seq);

        assert_int_equal(f->t_ns, e.t_ns);
        assert_true(f->v[0] == e.v[0]);
        assert_true(f->v[1] == e.v[1]);
        assert_true(f->v[2] == e.v[2]);
        assert_int_equal(f->flags, e.flags);
}

static void fill(Frame *f, size_t n, uint64_t first)
{
        for (size_t i = 0; i < n; i++)
                f[i] = make_frame(first + i);
}

static void test_new_invalid(void **state)
{
        Ring *r = NULL;

        assert_int_equal(ring_new(&r, 0), -EINVAL);
        assert_null(r);
        assert_int_equal(ring_new(&r, ((size_t) 1 << 24) + 1), -EINVAL);
        assert_null(r);
        assert_int_equal(ring_new(&r, SIZE_MAX), -EINVAL);
        assert_null(r);

        assert_null(ring_free(NULL));
}

static void test_capacity_rounding(void **state)
{
        static const struct {
                size_t in, out;
        } cases[] = {
                { 1, 2 },
                { 2, 2 },
                { 3, 4 },
                { 4, 4 },
                { 5, 8 },
                { 1000, 1024 },
                { 1024, 1024 },
                { 1025, 2048 },
                { 4096, 4096 },
                { 65535, 65536 },
                { (size_t) 1 << 24, (size_t) 1 << 24 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(ring_freep) Ring *r = NULL;

                assert_int_equal(ring_new(&r, cases[i].in), 0);
                assert_non_null(r);
                assert_int_equal(ring_capacity(r), cases[i].out);
                assert_int_equal(ring_available(r), 0);
                assert_int_equal(ring_overruns(r), 0);
        }
}

static void test_empty(void **state)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        Frame out[4];

        assert_int_equal(ring_new(&r, 4), 0);
        assert_int_equal(ring_available(r), 0);
        assert_int_equal(ring_read(r, out, ELEMENTSOF(out)), 0);
        assert_int_equal(ring_read(r, out, 0), 0);
        assert_int_equal(ring_read(r, NULL, 0), 0);
        assert_int_equal(ring_write(r, NULL, 0), 0);
        assert_int_equal(ring_available(r), 0);
        assert_int_equal(ring_overruns(r), 0);

        /* One in, one out, and empty again. */
        fill(out, 1, 42);
        assert_int_equal(ring_write(r, out, 1), 1);
        assert_int_equal(ring_available(r), 1);
        memset(out, 0, sizeof(out));
        assert_int_equal(ring_read(r, out, ELEMENTSOF(out)), 1);
        assert_frame(&out[0], 42);
        assert_int_equal(ring_available(r), 0);
        assert_int_equal(ring_read(r, out, ELEMENTSOF(out)), 0);
}

static void test_full(void **state)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        Frame in[16], out[16];

        assert_int_equal(ring_new(&r, 16), 0);
        fill(in, 16, 0);
        assert_int_equal(ring_write(r, in, 16), 16);
        assert_int_equal(ring_available(r), 16);
        assert_int_equal(ring_overruns(r), 0);

        /* Full: nothing more goes in, and each refused frame is counted. */
        fill(in, 1, 100);
        assert_int_equal(ring_write(r, in, 1), 0);
        assert_int_equal(ring_overruns(r), 1);
        assert_int_equal(ring_write(r, in, 5), 0);
        assert_int_equal(ring_overruns(r), 6);
        assert_int_equal(ring_available(r), 16);

        /* The ring still holds the first 16, untouched by the refused writes. */
        assert_int_equal(ring_read(r, out, 16), 16);
        for (size_t i = 0; i < 16; i++)
                assert_frame(&out[i], i);
        assert_int_equal(ring_available(r), 0);

        /* One slot freed is one slot writable. */
        fill(in, 16, 200);
        assert_int_equal(ring_write(r, in, 16), 16);
        assert_int_equal(ring_read(r, out, 1), 1);
        assert_frame(&out[0], 200);
        fill(in, 2, 300);
        assert_int_equal(ring_write(r, in, 2), 1);
        assert_int_equal(ring_overruns(r), 7);
        assert_int_equal(ring_read(r, out, 16), 16);
        for (size_t i = 0; i < 15; i++)
                assert_frame(&out[i], 201 + i);
        assert_frame(&out[15], 300);
}

/* One thread on both sides: an empty ring rewinds; one holding frames does
 * not, and keeps them; the overrun count and the capacity stay. */
static void test_rewind(void **state)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        Frame in[8], out[8];

        assert_int_equal(ring_new(&r, 8), 0);
        assert_true(ring_rewind(r));

        fill(in, 5, 10);
        assert_int_equal(ring_write(r, in, 5), 5);
        assert_false(ring_rewind(r));
        assert_int_equal(ring_available(r), 5);
        assert_int_equal(ring_read(r, out, 3), 3);
        assert_false(ring_rewind(r));
        assert_int_equal(ring_read(r, out + 3, 8), 2);
        for (size_t i = 0; i < 5; i++)
                assert_frame(&out[i], 10 + i);

        /* Empty after 5 in and out: rewound; the whole capacity fits again. */
        fill(in, 8, 20);
        assert_int_equal(ring_write(r, in, 8), 8);
        assert_int_equal(ring_write(r, in, 1), 0);
        assert_int_equal(ring_overruns(r), 1);
        assert_int_equal(ring_read(r, out, 8), 8);
        assert_true(ring_rewind(r));
        assert_int_equal(ring_overruns(r), 1);
        assert_int_equal(ring_available(r), 0);
        assert_int_equal(ring_space(r), 8);
        fill(in, 8, 40);
        assert_int_equal(ring_write(r, in, 8), 8);
        assert_int_equal(ring_read(r, out, 8), 8);
        for (size_t i = 0; i < 8; i++)
                assert_frame(&out[i], 40 + i);
}

static void test_wrap_around(void **state)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        Frame in[8], out[8];
        uint64_t wseq = 0, rseq = 0;

        assert_int_equal(ring_new(&r, 8), 0);

        /* Batches of 5 into 8 slots: the start slot walks round every offset,
         * so both copies split at the end of the buffer in every way. */
        for (int round = 0; round < 100; round++) {
                fill(in, 5, wseq);
                assert_int_equal(ring_write(r, in, 5), 5);
                wseq += 5;
                memset(out, 0, sizeof(out));
                assert_int_equal(ring_read(r, out, 5), 5);
                for (size_t i = 0; i < 5; i++)
                        assert_frame(&out[i], rseq++);
        }

        /* Fill level not a multiple of anything: write 6, read 3, write 4
         * (wraps), read 7 (wraps). */
        fill(in, 6, wseq);
        assert_int_equal(ring_write(r, in, 6), 6);
        wseq += 6;
        assert_int_equal(ring_read(r, out, 3), 3);
        for (size_t i = 0; i < 3; i++)
                assert_frame(&out[i], rseq++);
        fill(in, 4, wseq);
        assert_int_equal(ring_write(r, in, 4), 4);
        wseq += 4;
        assert_int_equal(ring_available(r), 7);
        assert_int_equal(ring_read(r, out, 8), 7);
        for (size_t i = 0; i < 7; i++)
                assert_frame(&out[i], rseq++);
        assert_int_equal(rseq, wseq);
        assert_int_equal(ring_overruns(r), 0);
}

static void test_overrun(void **state)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        Frame in[32], out[32];

        assert_int_equal(ring_new(&r, 8), 0);

        /* 5 + 5 into 8: the last 2 of the second batch are dropped, not the
         * oldest frames. */
        fill(in, 5, 0);
        assert_int_equal(ring_write(r, in, 5), 5);
        fill(in, 5, 5);
        assert_int_equal(ring_write(r, in, 5), 3);
        assert_int_equal(ring_overruns(r), 2);
        assert_int_equal(ring_read(r, out, 32), 8);
        for (size_t i = 0; i < 8; i++)
                assert_frame(&out[i], i);

        /* A batch bigger than the whole ring, into an empty ring. */
        fill(in, 32, 1000);
        assert_int_equal(ring_write(r, in, 32), 8);
        assert_int_equal(ring_overruns(r), 2 + 24);
        assert_int_equal(ring_read(r, out, 32), 8);
        for (size_t i = 0; i < 8; i++)
                assert_frame(&out[i], 1000 + i);

        /* Reading does not touch the counter; it only ever grows. */
        assert_int_equal(ring_overruns(r), 26);
        assert_int_equal(ring_write(r, in, 8), 8);
        assert_int_equal(ring_overruns(r), 26);
}

static void test_batch_sizes(void **state)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        Frame in[64], out[64];
        uint64_t wseq = 0, rseq = 0;

        assert_int_equal(ring_new(&r, 64), 0);

        /* Every write size 1..64 followed by every read size, checking the
         * fill level and the order across each step. */
        for (size_t w = 1; w <= 64; w++) {
                size_t before = ring_available(r), room = 64 - before, wrote;

                fill(in, w, wseq);
                wrote = ring_write(r, in, w);
                assert_int_equal(wrote, MIN(w, room));
                wseq += wrote;
                assert_int_equal(ring_available(r), before + wrote);

                for (size_t m = (w * 7) % 13 + 1; ring_available(r) > 0; m = m * 2 + 1) {
                        size_t avail = ring_available(r);
                        size_t got = ring_read(r, out, MIN(m, ELEMENTSOF(out)));

                        assert_int_equal(got, MIN(MIN(m, ELEMENTSOF(out)), avail));
                        for (size_t i = 0; i < got; i++)
                                assert_frame(&out[i], rseq++);
                        if (w % 3 == 0)
                                break; /* leave some behind now and then */
                }
        }
        while (ring_available(r) > 0) {
                size_t got = ring_read(r, out, 64);

                for (size_t i = 0; i < got; i++)
                        assert_frame(&out[i], rseq++);
        }
        assert_int_equal(rseq, wseq);
        assert_int_equal(ring_overruns(r), 64 * 65 / 2 - wseq);
}

#define STRESS_FRAMES    2000000u
#define STRESS_MAX_BATCH 97u
#define STRESS_SPIN      200u

typedef struct Stress {
        Ring *ring;
        atomic_bool done;
} Stress;

/* xorshift64*: a cheap per-thread generator, rand() is not thread-safe. */
static uint64_t rnd(uint64_t *s)
{
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        return *s * UINT64_C(2685821657736338717);
}

static void *producer(void *userdata)
{
        Stress *st = userdata;
        uint64_t seed = 0x9e3779b97f4a7c15u, seq = 0;
        Frame batch[STRESS_MAX_BATCH];

        while (seq < STRESS_FRAMES) {
                size_t n = MIN(rnd(&seed) % STRESS_MAX_BATCH + 1, STRESS_FRAMES - seq);

                fill(batch, n, seq);
                (void) ring_write(st->ring, batch, n);
                seq += n;

                /* Alternate calm phases, in which the producer is slower than
                 * the consumer and the ring mostly runs near empty, with
                 * bursts that fill it up and overrun. */
                if ((seq >> 16) % 4 != 3)
                        for (volatile size_t spin = 0; spin < n * STRESS_SPIN; spin++)
                                ;
                if (rnd(&seed) % 64 == 0)
                        sched_yield();
        }

        atomic_store_explicit(&st->done, true, memory_order_release);
        return NULL;
}

/* ring_space() tells a lossless producer exactly how much fits: no overrun. */
static void test_space(void **state)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        Frame in[16] = {}, out[16];

        assert_int_equal(ring_new(&r, 16), 0);
        assert_int_equal(ring_space(r), 16);
        assert_int_equal(ring_write(r, in, 10), 10);
        assert_int_equal(ring_space(r), 6);
        assert_int_equal(ring_write(r, in, ring_space(r)), 6);
        assert_int_equal(ring_space(r), 0);
        assert_int_equal(ring_overruns(r), 0);
        assert_int_equal(ring_read(r, out, 5), 5);
        assert_int_equal(ring_space(r), 5);
        assert_int_equal(ring_write(r, in, 7), 5);
        assert_int_equal(ring_overruns(r), 2);
}

static void test_stress(void **state)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        Stress st;
        pthread_t thread;
        Frame batch[STRESS_MAX_BATCH];
        uint64_t seed = 0x2545f4914f6cdd1du, received = 0, gaps = 0;
        int64_t last = -1;

        assert_int_equal(ring_new(&r, 256), 0);
        st.ring = r;
        atomic_init(&st.done, false);
        assert_int_equal(pthread_create(&thread, NULL, producer, &st), 0);

        for (;;) {
                /* Read "done" before draining: everything written before it
                 * was set is then visible, so an empty read means the end. */
                bool done = atomic_load_explicit(&st.done, memory_order_acquire);
                size_t max = rnd(&seed) % STRESS_MAX_BATCH + 1;
                size_t got = ring_read(r, batch, max);

                assert_true(got <= max);
                for (size_t i = 0; i < got; i++) {
                        const Frame *f = &batch[i];

                        assert_true(f->t_ns > last);
                        assert_true(f->t_ns < (int64_t) STRESS_FRAMES);
                        assert_frame(f, (uint64_t) f->t_ns);
                        if (f->t_ns != last + 1)
                                gaps++;
                        last = f->t_ns;
                }
                received += got;

                if (got == 0 && done && ring_available(r) == 0)
                        break;
                if (rnd(&seed) % 64 == 0)
                        sched_yield();
        }

        assert_int_equal(pthread_join(thread, NULL), 0);

        print_message("stress: %" PRIu64 " received, %" PRIu64 " overruns, %" PRIu64 " gaps\n",
                      received, ring_overruns(r), gaps);
        assert_true(received > 0);
        assert_int_equal(received + ring_overruns(r), STRESS_FRAMES);
        /* A gap means dropped frames, so gaps without overruns would be a bug. */
        assert_true(gaps == 0 || ring_overruns(r) > 0);
        assert_int_equal(ring_available(r), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new_invalid), cmocka_unit_test(test_capacity_rounding),
                cmocka_unit_test(test_empty),       cmocka_unit_test(test_full),
                cmocka_unit_test(test_wrap_around), cmocka_unit_test(test_overrun),
                cmocka_unit_test(test_batch_sizes), cmocka_unit_test(test_stress),
                cmocka_unit_test(test_space),       cmocka_unit_test(test_rewind),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
