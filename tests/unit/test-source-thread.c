/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/source-thread.h"
#include "util/time-util.h"

typedef struct Fake {
        SourceThread thread;
        PosturedSourceHost host;
        atomic_int finished; /* read while the thread runs */
        int error, wakes;
        char message[64];
        int result; /* what the thread's last wait returned */
} Fake;

static void fake_finished(void *userdata, int error, const char *message)
{
        Fake *f = userdata;

        f->error = error;
        (void) snprintf(f->message, sizeof(f->message), "%s", message);
        atomic_fetch_add(&f->finished, 1);
}

static void fake_init(Fake *f)
{
        *f = (Fake){ .host = { .userdata = f, .finished = fake_finished } };
        assert_int_equal(source_thread_init(&f->thread), 0);
}

/* Waits without a time limit until stop() asks, as a plugin between frames. */
static void *wait_forever(void *userdata)
{
        Fake *f = userdata;

        while ((f->result = source_thread_wait(&f->thread, -1, -1)) != -ECANCELED)
                ;
        source_thread_finish(&f->thread, &f->host, 0, "not after stop");
        return NULL;
}

/* Ends the stream by itself. */
static void *end_stream(void *userdata)
{
        Fake *f = userdata;

        source_thread_finish(&f->thread, &f->host, -EIO, "cannot read %s", "dev");
        return NULL;
}

static void count_wake(void *userdata)
{
        ((Fake *) userdata)->wakes++;
}

static void test_stop_promptly(void **state)
{
        Fake f;

        fake_init(&f);
        assert_false(source_thread_stop(&f.thread, NULL, NULL)); /* not running */
        for (int round = 0; round < 2; round++) {                /* start() again after stop() */
                int64_t t0;

                assert_int_equal(source_thread_start(&f.thread, wait_forever, &f), 0);
                assert_int_equal(source_thread_start(&f.thread, wait_forever, &f), -EBUSY);
                t0 = now_ns(CLOCK_MONOTONIC);
                assert_true(source_thread_stop(&f.thread, count_wake, &f));
                assert_true(now_ns(CLOCK_MONOTONIC) - t0 < NSEC_PER_SEC);
                assert_int_equal(f.result, -ECANCELED);
                assert_int_equal(f.wakes, round + 1);
                assert_false(source_thread_stop(&f.thread, count_wake, &f));
                assert_int_equal(f.wakes, round + 1);
        }
        /* Stopped, the thread reports nothing. */
        assert_int_equal(f.finished, 0);
        source_thread_done(&f.thread);
        source_thread_done(&f.thread);
}

static void test_finish(void **state)
{
        Fake f;

        fake_init(&f);
        assert_int_equal(source_thread_start(&f.thread, end_stream, &f), 0);
        /* Joined only by stop(): the end was reported before it. */
        while (atomic_load(&f.finished) == 0)
                (void) source_thread_wait(&f.thread, -1, NSEC_PER_MSEC);
        assert_true(source_thread_stop(&f.thread, NULL, NULL));
        assert_int_equal(f.finished, 1);
        assert_int_equal(f.error, -EIO);
        assert_string_equal(f.message, "cannot read dev");
        source_thread_done(&f.thread);
}

static void test_wait(void **state)
{
        Fake f;
        int fds[2];
        int64_t t0;

        fake_init(&f);
        assert_int_equal(pipe(fds), 0);

        /* Nothing to read: the time is up, not before. */
        t0 = now_ns(CLOCK_MONOTONIC);
        assert_int_equal(source_thread_wait(&f.thread, fds[0], 20 * NSEC_PER_MSEC), 0);
        assert_true(now_ns(CLOCK_MONOTONIC) - t0 >= 20 * NSEC_PER_MSEC);
        assert_int_equal(source_thread_wait(&f.thread, -1, 0), 0);

        /* Readable: its revents. */
        assert_int_equal(write(fds[1], "x", 1), 1);
        assert_int_equal(source_thread_wait(&f.thread, fds[0], -1), POLLIN);

        /* Hung up, and nothing left to read once drained. */
        assert_int_equal(close(fds[1]), 0);
        assert_true(source_thread_wait(&f.thread, fds[0], -1) & POLLHUP);
        assert_int_equal(close(fds[0]), 0);
        source_thread_done(&f.thread);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_stop_promptly),
                cmocka_unit_test(test_finish),
                cmocka_unit_test(test_wait),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
