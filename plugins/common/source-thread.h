/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A source plugin's producer thread: started by start(), stopped and joined
 * by stop(), which it notices promptly wherever it waits (in
 * source_thread_wait(), or through the wake callback of
 * source_thread_stop() when it blocks elsewhere), and the end of its
 * stream reported once through host->finished().
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "abi/source.h"
#include "util/macro.h"

typedef struct SourceThread {
        pthread_t thread;
        bool running;
        atomic_bool stopping;
        int stop_fd; /* an eventfd, readable once stop is asked */
} SourceThread;

/** source_thread_init() - prepare @t (its stop eventfd); the first call on it. */
int source_thread_init(SourceThread *t);

/** source_thread_done() - stop @t if it runs, release what it holds. */
void source_thread_done(SourceThread *t);

/** source_thread_start() - run @fn(@userdata) on a new thread. */
int source_thread_start(SourceThread *t, void *(*fn)(void *userdata), void *userdata);

/** source_thread_stop() - ask the thread to stop and join it. */
bool source_thread_stop(SourceThread *t, void (*wake)(void *userdata), void *userdata);

/** source_thread_stopping() - whether stop is asked: the thread should return. */
bool source_thread_stopping(SourceThread *t);

/** source_thread_wait() - wait for @fd, a timeout or stop. */
int source_thread_wait(SourceThread *t, int fd, int64_t timeout_ns);

/** source_thread_finish() - report the end of the stream, unless stop is asked. */
void source_thread_finish(SourceThread *t, const PosturedSourceHost *host, int error,
                          const char *fmt, ...) _printf_(4, 5);
