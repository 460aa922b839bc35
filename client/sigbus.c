/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SIGBUS on a mapped file that shrinks while it is read (sigbus.h). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sigbus.h"

static uintptr_t watch_start;
static size_t watch_size, page_size;
static volatile sig_atomic_t hit;
static volatile sig_atomic_t watching;
static struct sigaction old_action;

static void sigbus_handler(int sig, siginfo_t *si, void *context)
{
        uintptr_t a = (uintptr_t) si->si_addr;

        /* A fault in the range: zeros over the page, and the access done
         * again finds them. mmap() is a plain system call, as systemd's
         * handler relies on too. */
        if (si->si_code == BUS_ADRERR && a - watch_start < watch_size &&
            mmap((void *) (a & ~(uintptr_t) (page_size - 1)), page_size, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
                hit = 1;
                return;
        }
        /* Anything else: as before. A fault happens again when this
         * returns, with its own details; a signal sent is sent again. */
        (void) sigaction(SIGBUS, &old_action, NULL);
        watching = 0;
        if (si->si_code <= 0)
                (void) raise(sig);
}

int sigbus_watch(const void *addr, size_t size)
{
        struct sigaction sa = { .sa_sigaction = sigbus_handler, .sa_flags = SA_SIGINFO };

        page_size = (size_t) sysconf(_SC_PAGESIZE);
        watch_start = (uintptr_t) addr;
        watch_size = size;
        hit = 0;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, &old_action) < 0)
                return -errno;
        watching = 1;
        return 0;
}

void sigbus_unwatch(void)
{
        if (watching) {
                (void) sigaction(SIGBUS, &old_action, NULL);
                watching = 0;
        }
}

bool sigbus_hit(void)
{
        return hit;
}
