/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/frame.h"

/*
 * Single-producer single-consumer ring of Frames. Lock-free: one thread (the
 * source plugin) writes, one thread (the main loop) reads; indices are C11
 * atomics with acquire/release ordering. The capacity is a power of two.
 * When the ring is full the producer drops the frames that do not fit and
 * counts them as overrun; nothing is lost silently.
 */
typedef struct Ring Ring;

/**
 * ring_new() - allocate a ring.
 * @ret: where the new ring is stored.
 * @capacity: number of frames, rounded up to the next power of two (>= 2,
 *            <= 1<<24).
 *
 * Return: 0, -EINVAL for a capacity of 0 or above the limit, -ENOMEM.
 */
int ring_new(Ring **ret, size_t capacity);

/** ring_free() - free a ring; accepts NULL; returns NULL. */
Ring *ring_free(Ring *r);

static inline void ring_freep(Ring **r)
{
        ring_free(*r);
}

/** ring_capacity() - the (power-of-two) capacity in frames. */
size_t ring_capacity(const Ring *r);

/**
 * ring_write() - producer side: append up to @n frames.
 *
 * Return: the number written; the rest (n - return) is added to the overrun
 * counter.
 */
size_t ring_write(Ring *r, const Frame *frames, size_t n);

/**
 * ring_read() - consumer side: take up to @max frames, oldest first.
 *
 * Return: the number of frames copied to @out.
 */
size_t ring_read(Ring *r, Frame *out, size_t max);

/** ring_available() - consumer side: frames waiting to be read. */
size_t ring_available(const Ring *r);

/**
 * ring_space() - producer side: frames that ring_write() would accept now.
 * A producer that must not lose frames (a recording) writes at most this
 * many and waits for the consumer otherwise.
 */
size_t ring_space(Ring *r);

/** ring_overruns() - total frames dropped because the ring was full. */
uint64_t ring_overruns(const Ring *r);
