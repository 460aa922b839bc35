/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "core/ring.h"

#define RING_MAX_CAPACITY ((size_t) 1 << 24)
#define CACHE_LINE        64

/*
 * head and tail count frames ever written and read; they run freely and wrap
 * at SIZE_MAX + 1, which a power-of-two capacity divides, so "head - tail" is
 * the fill level and "index & mask" the slot even across that wrap.
 *
 * Each side owns one cache line: its own index, plus a private copy of the
 * other side's index that it refreshes only when the copy says the ring is
 * full (producer) or empty (consumer). In the common case the two threads
 * then touch each other's line once per batch at most, not once per frame.
 */
struct Ring {
        /* Producer's line. */
        alignas(CACHE_LINE) atomic_size_t head;
        size_t tail_cache;
        atomic_uint_least64_t overruns;

        /* Consumer's line. */
        alignas(CACHE_LINE) atomic_size_t tail;
        size_t head_cache;

        /* Read-only after ring_new(): shared freely. */
        alignas(CACHE_LINE) size_t mask;
        Frame *frames;
};

/**
 * ring_new() - allocate a ring.
 * @ret: where the new ring is stored.
 * @capacity: number of frames, rounded up to the next power of two (>= 2,
 *            <= 1<<24).
 *
 * Return: 0, -EINVAL for a capacity of 0 or above the limit, -ENOMEM.
 */
int ring_new(Ring **ret, size_t capacity)
{
        _cleanup_(ring_freep) Ring *r = NULL;
        size_t cap = 2;

        assert(ret);

        if (capacity == 0 || capacity > RING_MAX_CAPACITY)
                return -EINVAL;

        while (cap < capacity)
                cap <<= 1;

        /* sizeof(Ring) is a multiple of its alignment, as aligned_alloc() wants. */
        r = aligned_alloc(alignof(Ring), sizeof(Ring));
        if (!r)
                return -ENOMEM;

        atomic_init(&r->head, 0);
        atomic_init(&r->tail, 0);
        atomic_init(&r->overruns, 0);
        r->tail_cache = 0;
        r->head_cache = 0;
        r->mask = cap - 1;

        /* Rounded up to whole cache lines, as aligned_alloc() wants. */
        r->frames = aligned_alloc(CACHE_LINE, (cap * sizeof(Frame) + CACHE_LINE - 1) &
                                                      ~(size_t) (CACHE_LINE - 1));
        if (!r->frames)
                return -ENOMEM;

        *ret = TAKE_PTR(r);
        return 0;
}

/**
 * ring_free() - free a ring.
 * @r: the ring, or NULL.
 *
 * Neither side may use the ring any more.
 *
 * Return: NULL.
 */
Ring *ring_free(Ring *r)
{
        if (!r)
                return NULL;

        free(r->frames);
        free(r);
        return NULL;
}

/**
 * ring_capacity() - the capacity of a ring.
 * @r: the ring.
 *
 * Return: the capacity in frames, a power of two.
 */
size_t ring_capacity(const Ring *r)
{
        assert(r);

        return r->mask + 1;
}

/**
 * ring_write() - producer side: append up to @n frames.
 * @r: the ring.
 * @frames: the frames to append, oldest first.
 * @n: how many.
 *
 * Only one thread may write. Frames that do not fit are the newest ones; they
 * are dropped and added to the overrun counter.
 *
 * Return: the number written; the rest (n - return) is added to the overrun
 * counter.
 */
size_t ring_write(Ring *r, const Frame *frames, size_t n)
{
        size_t head, cap, space, k, slot, first;

        assert(r);
        assert(frames || n == 0);

        if (n == 0)
                return 0;

        cap = r->mask + 1;
        /* Only this thread stores head, so a relaxed load sees our last store. */
        head = atomic_load_explicit(&r->head, memory_order_relaxed);
        space = cap - (head - r->tail_cache);
        if (space < n) {
                /* Acquire: the consumer's copies out of these slots are done. */
                r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
                space = cap - (head - r->tail_cache);
        }

        k = MIN(n, space);
        if (k > 0) {
                slot = head & r->mask;
                first = MIN(k, cap - slot);
                memcpy(r->frames + slot, frames, first * sizeof(Frame));
                if (k > first)
                        memcpy(r->frames, frames + first, (k - first) * sizeof(Frame));

                /* Release: the frames are in place before the consumer sees them. */
                atomic_store_explicit(&r->head, head + k, memory_order_release);
        }

        if (k < n)
                atomic_fetch_add_explicit(&r->overruns, (uint_least64_t) (n - k),
                                          memory_order_relaxed);

        return k;
}

/**
 * ring_read() - consumer side: take up to @max frames, oldest first.
 * @r: the ring.
 * @out: where the frames are copied.
 * @max: room in @out, in frames.
 *
 * Only one thread may read.
 *
 * Return: the number of frames copied to @out.
 */
size_t ring_read(Ring *r, Frame *out, size_t max)
{
        size_t tail, cap, avail, k, slot, first;

        assert(r);
        assert(out || max == 0);

        if (max == 0)
                return 0;

        cap = r->mask + 1;
        tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        avail = r->head_cache - tail;
        if (avail < max) {
                /* Acquire: pairs with the producer's release of head. */
                r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
                avail = r->head_cache - tail;
        }

        k = MIN(max, avail);
        if (k == 0)
                return 0;

        slot = tail & r->mask;
        first = MIN(k, cap - slot);
        memcpy(out, r->frames + slot, first * sizeof(Frame));
        if (k > first)
                memcpy(out + first, r->frames, (k - first) * sizeof(Frame));

        /* Release: our copies are done before the producer reuses the slots. */
        atomic_store_explicit(&r->tail, tail + k, memory_order_release);

        return k;
}

/**
 * ring_available() - consumer side: frames waiting to be read.
 * @r: the ring.
 *
 * Called from the consumer thread, the answer is a lower bound: the producer
 * may add more at any time, but nothing counted here goes away before the
 * consumer reads it.
 *
 * Return: the number of frames that ring_read() can return now.
 */
size_t ring_available(const Ring *r)
{
        size_t head, tail;

        assert(r);

        tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        head = atomic_load_explicit(&r->head, memory_order_acquire);

        return head - tail;
}

/**
 * ring_overruns() - total frames dropped because the ring was full.
 * @r: the ring.
 *
 * Safe to call from any thread.
 *
 * Return: the number of frames ring_write() could not store, since ring_new().
 */
uint64_t ring_overruns(const Ring *r)
{
        assert(r);

        return atomic_load_explicit(&r->overruns, memory_order_relaxed);
}

/**
 * ring_rewind() - let the next write start at the first slot again.
 * @r: the ring.
 *
 * Only when one thread is both producer and consumer (a source driven by
 * the main loop writes a batch and reads it back at once): the ring then
 * holds one batch at a time, and without this its writes would walk
 * through all of it, making every page of it resident (4096 frames, 96 KiB)
 * where one batch's pages suffice. The overrun counter is kept.
 *
 * Return: true when the ring was empty and is rewound; false (unchanged)
 * otherwise.
 */
bool ring_rewind(Ring *r)
{
        size_t head;

        assert(r);

        head = atomic_load_explicit(&r->head, memory_order_relaxed);
        if (head != atomic_load_explicit(&r->tail, memory_order_relaxed))
                return false;
        atomic_store_explicit(&r->head, 0, memory_order_relaxed);
        atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
        r->tail_cache = r->head_cache = 0;
        return true;
}

/**
 * ring_space() - producer side: frames that ring_write() accepts right now.
 * @r: the ring.
 *
 * A producer that must not lose frames (a recording) writes at most this
 * many and waits for the consumer otherwise.
 *
 * Return: how many frames fit without dropping any (the consumer may free
 * more meanwhile).
 */
size_t ring_space(Ring *r)
{
        size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

        r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        return r->mask + 1 - (head - r->tail_cache);
}
