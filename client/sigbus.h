/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * A mapped file that shrinks while it is read raises SIGBUS on the pages it
 * no longer has. sigbus_watch() handles it for one range of memory: a fault
 * there gets a page of zeros mapped over it (the read goes on, and finds
 * zeros) and is remembered, for sigbus_hit() to tell; any other SIGBUS is
 * left to the disposition of before. The idea of systemd's
 * src/basic/sigbus.c, for one range.
 */

/* Handle SIGBUS in [@addr, @addr + @size). Return: 0 or -errno. */
int sigbus_watch(const void *addr, size_t size);

/* Restore the disposition of before sigbus_watch(), if watching: before
 * the range is unmapped. */
void sigbus_unwatch(void);

/* Whether a page of the range has gone since sigbus_watch(). */
bool sigbus_hit(void);
