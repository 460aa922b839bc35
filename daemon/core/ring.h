/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
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

/** ring_new() - allocate a ring. */
int ring_new(Ring **ret, size_t capacity);

/** ring_free() - free a ring; accepts NULL; returns NULL. */
Ring *ring_free(Ring *r);

static inline void ring_freep(Ring **r)
{
        ring_free(*r);
}

/** ring_capacity() - the (power-of-two) capacity in frames. */
size_t ring_capacity(const Ring *r);

/** ring_write() - producer side: append up to @n frames. */
size_t ring_write(Ring *r, const Frame *frames, size_t n);

/** ring_read() - consumer side: take up to @max frames, oldest first. */
size_t ring_read(Ring *r, Frame *out, size_t max);

/** ring_available() - consumer side: frames waiting to be read. */
size_t ring_available(const Ring *r);

/** ring_space() - producer side: frames that ring_write() would accept now. */
size_t ring_space(Ring *r);

/** ring_overruns() - total frames dropped because the ring was full. */
uint64_t ring_overruns(const Ring *r);

/** ring_rewind() - one thread on both sides: an empty ring starts at slot 0 again. */
bool ring_rewind(Ring *r);
