/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/source-thread.h"
#include "util/time-util.h"

/**
 * source_thread_init() - prepare a producer thread that is not running.
 * @t: zeroed or not; every other source_thread_*() call comes after this one.
 *
 * Return: 0, or -errno when the stop eventfd cannot be created (then
 * source_thread_done() is still fine).
 */
int source_thread_init(SourceThread *t)
{
        *t = (SourceThread){ .stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
        if (t->stop_fd < 0) {
                t->stop_fd = -EBADF;
                return -errno;
        }
        return 0;
}

/**
 * source_thread_done() - stop the thread if it runs and close the eventfd.
 * @t: initialised with source_thread_init().
 */
void source_thread_done(SourceThread *t)
{
        (void) source_thread_stop(t, NULL, NULL);
        if (t->stop_fd >= 0)
                (void) close(t->stop_fd);
        t->stop_fd = -EBADF;
}

/**
 * source_thread_start() - start the producer thread.
 * @t: not running.
 * @fn: the thread's function; it returns when source_thread_stopping() says
 *      so, or at the end of the stream after source_thread_finish().
 * @userdata: its argument.
 *
 * A stop asked before (and noticed) is forgotten, so a source can be
 * started again after stop().
 *
 * Return: 0, -EBUSY when the thread runs already, -errno of pthread_create().
 */
int source_thread_start(SourceThread *t, void *(*fn)(void *userdata), void *userdata)
{
        uint64_t counter;
        int r;

        if (t->running)
                return -EBUSY;
        (void) !read(t->stop_fd, &counter, sizeof(counter));
        atomic_store(&t->stopping, false);
        r = pthread_create(&t->thread, NULL, fn, userdata);
        if (r != 0)
                return -r;
        t->running = true;
        return 0;
}

/**
 * source_thread_stop() - ask the thread to stop, and join it.
 * @t: running or not.
 * @wake: when not NULL, called after the request to unblock a thread that
 *        waits elsewhere than in source_thread_wait() (a blocking read that
 *        has its own way to be cancelled).
 * @userdata: @wake's argument.
 *
 * After it returns the thread pushes no more frames and does not call
 * host->finished().
 *
 * Return: true when the thread was running (and is joined now), false when
 * it was not.
 */
bool source_thread_stop(SourceThread *t, void (*wake)(void *userdata), void *userdata)
{
        uint64_t one = 1;

        if (!t->running)
                return false;
        atomic_store(&t->stopping, true);
        (void) !write(t->stop_fd, &one, sizeof(one));
        if (wake)
                wake(userdata);
        (void) pthread_join(t->thread, NULL);
        t->running = false;
        return true;
}

/**
 * source_thread_stopping() - whether stop() asks the thread to return.
 * @t: the thread's own SourceThread.
 *
 * Return: true once source_thread_stop() has been called.
 */
bool source_thread_stopping(SourceThread *t)
{
        return atomic_load(&t->stopping);
}

/**
 * source_thread_wait() - on the thread: wait until @fd is readable (or
 * reports an error or hang-up), @timeout_ns have passed, or stop is asked.
 * @t: the thread's own SourceThread.
 * @fd: the device to wait for, or < 0 to wait for the time or stop only.
 * @timeout_ns: how long at most; < 0: no limit.
 *
 * Signals that interrupt the wait do not shorten it.
 *
 * Return: -ECANCELED when stop is asked, 0 when the time is up, the
 * poll() revents of @fd (> 0) when it is ready, other -errno of ppoll().
 */
int source_thread_wait(SourceThread *t, int fd, int64_t timeout_ns)
{
        struct pollfd p[2] = {
                { .fd = t->stop_fd, .events = POLLIN },
                { .fd = fd, .events = POLLIN },
        };
        int64_t deadline = now_ns(CLOCK_MONOTONIC) + timeout_ns;
        int r;

        for (;;) {
                int64_t left = MAX(deadline - now_ns(CLOCK_MONOTONIC), 0);
                struct timespec ts = { .tv_sec = left / NSEC_PER_SEC,
                                       .tv_nsec = left % NSEC_PER_SEC };

                r = ppoll(p, fd >= 0 ? 2 : 1, timeout_ns < 0 ? NULL : &ts, NULL);
                if (r >= 0 || errno != EINTR)
                        break;
        }
        if (r < 0)
                return -errno;
        if (p[0].revents != 0 || source_thread_stopping(t))
                return -ECANCELED;
        return r > 0 ? p[1].revents : 0;
}

/**
 * source_thread_finish() - on the thread, when the stream ends: tell the
 * daemon through @host->finished(), unless stop() is asking the thread to
 * return (then the daemon ends the stream itself and hears nothing).
 * @t: the thread's own SourceThread.
 * @host: the daemon's callbacks.
 * @error: 0 at the end of a recording, -ENODEV when the device went away,
 *         other -errno for a failure.
 * @fmt: printf() format of the message, which names what failed and where.
 */
void source_thread_finish(SourceThread *t, const PosturedSourceHost *host, int error,
                          const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        if (source_thread_stopping(t))
                return;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        host->finished(host->userdata, error, msg);
}
