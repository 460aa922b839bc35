/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Recorder with real pipes and a real sd-event loop, as StartRecording() uses it. */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <systemd/sd-event.h>

#include "core/recording.h"
#include "recorder.h"
#include "util/macro.h"

#define RATE_HZ 50.0
#define STEP_NS (NSEC_PER_SEC / 50)

static void describe(void *userdata, double *ret_rate_hz, const char **ret_name)
{
        unsigned *asked = userdata;

        (*asked)++;
        *ret_rate_hz = RATE_HZ;
        *ret_name = "test:sensor";
}

static const RecorderCallbacks callbacks = {
        .describe = describe,
};

/* Frame i of a test signal: time t0 + i steps, values that differ per frame. */
static Frame frame_at(int64_t t0_ns, size_t i)
{
        return (Frame){
                .t_ns = t0_ns + (int64_t) i * STEP_NS,
                .v = { 0.25f * (float) (i % 7), 9.75f, -1.5f + 0.125f * (float) (i % 11) },
        };
}

static void feed_range(Recorder *r, int64_t t0_ns, size_t from, size_t to)
{
        Frame batch[1000];

        while (from < to) {
                size_t n = MIN(to - from, ELEMENTSOF(batch));

                for (size_t i = 0; i < n; i++)
                        batch[i] = frame_at(t0_ns, from + i);
                recorder_feed(r, batch, n);
                from += n;
        }
}

typedef struct Text {
        char *data;
        size_t len, alloc;
        bool eof;
} Text;

static void text_done(Text *t)
{
        free(t->data);
}

/* Everything the pipe holds now (the read end is non-blocking). Return: bytes read. */
static size_t drain(int fd, Text *t)
{
        size_t got = 0;

        for (;;) {
                ssize_t k;

                if (t->alloc - t->len < 65536) {
                        t->alloc = MAX(t->alloc * 2, t->len + 65536 + 1);
                        t->data = realloc(t->data, t->alloc);
                        assert_non_null(t->data);
                }
                k = read(fd, t->data + t->len, t->alloc - t->len - 1);
                if (k < 0 && errno == EAGAIN)
                        break;
                assert_true(k >= 0);
                if (k == 0) {
                        t->eof = true;
                        break;
                }
                t->len += (size_t) k;
                got += (size_t) k;
        }
        t->data[t->len] = '\0';
        return got;
}

/* Read and run the loop until neither has anything more to do. */
static void drain_with_loop(sd_event *e, int fd, Text *t)
{
        unsigned idle = 0;

        while (idle < 3) {
                size_t got = drain(fd, t);
                int r = sd_event_run(e, 0);

                assert_true(r >= 0);
                idle = got == 0 && r == 0 ? idle + 1 : 0;
        }
}

static int start_nonblocking(Recorder *r, int *ret_fd)
{
        int fd = -EBADF, k;

        k = recorder_start(r, ":1.42", &fd);
        if (k != 0)
                return k;
        assert_true(fd >= 0);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
        *ret_fd = fd;
        return 0;
}

static unsigned count_of(const char *text, const char *what)
{
        unsigned n = 0;

        for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
                n++;
        return n;
}

/* Parse @t as a recording: Return the number of samples, checking each against frame_at(). */
static size_t check_samples(const Text *t, size_t expect_max)
{
        _cleanup_(recording_reader_freep) RecordingReader *rd = NULL;
        FILE *f = fmemopen(t->data, t->len, "r");
        int64_t last = -1;
        size_t n = 0;
        Frame fr;
        int k;

        assert_non_null(f);
        assert_int_equal(recording_reader_new(&rd, f, "pipe", true), 0);
        while ((k = recording_reader_next(rd, &fr, NULL)) > 0) {
                /* Times are relative to the first frame recorded; values identify the frame. */
                size_t i = (size_t) ((fr.t_ns + STEP_NS / 2) / STEP_NS);
                Frame want = frame_at(0, i);

                assert_true(fr.t_ns > last);
                last = fr.t_ns;
                assert_true(llabs(fr.t_ns - (int64_t) i * STEP_NS) <= 1000);
                for (int a = 0; a < 3; a++)
                        assert_float_equal(fr.v[a], want.v[a], 1e-5);
                n++;
        }
        assert_int_equal(k, 0);
        assert_true(n <= expect_max);
        assert_float_equal(recording_reader_rate(rd), RATE_HZ, 0);
        assert_string_equal(recording_reader_meta(rd, "source"), "test:sensor");
        return n;
}

static void test_format(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(recorder_freep) Recorder *r = NULL;
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_(text_done) Text t = {};
        unsigned asked = 0;
        Frame late;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(recorder_new(&r, e, &callbacks, &asked), 0);
        assert_int_equal(start_nonblocking(r, &fd), 0);
        assert_int_equal(recorder_count(r), 1);

        /* Nothing before the first frame: its time is the recording's zero. */
        assert_int_equal(drain(fd, &t), 0);
        feed_range(r, 5 * NSEC_PER_SEC, 0, 10);
        assert_int_equal(asked, 1);
        /* A frame from before the last one is skipped, and said so before the next sample. */
        late = frame_at(5 * NSEC_PER_SEC, 3);
        recorder_feed(r, &late, 1);
        feed_range(r, 5 * NSEC_PER_SEC, 10, 20);
        assert_int_equal(asked, 1);
        drain(fd, &t);

        assert_true(strncmp(t.data, "# postured recording\n", 21) == 0);
        assert_non_null(strstr(t.data, "\ntime_s,ax,ay,az\n0.000000,"));
        assert_non_null(strstr(t.data, "# skipped: 1 frames"));
        assert_true(strstr(t.data, "# skipped:") > strstr(t.data, "\n0.180000,"));
        assert_true(strstr(t.data, "# skipped:") < strstr(t.data, "\n0.200000,"));
        assert_int_equal(check_samples(&t, 20), 20);
        assert_false(t.eof);
}

static void test_too_many(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(recorder_freep) Recorder *r = NULL;
        int fds[RECORDER_MAX], fd = -EBADF;
        unsigned asked = 0;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(recorder_new(&r, e, &callbacks, &asked), 0);
        for (size_t i = 0; i < RECORDER_MAX; i++)
                assert_int_equal(recorder_start(r, NULL, &fds[i]), 0);
        assert_int_equal(recorder_start(r, NULL, &fd), RECORDER_E_TOO_MANY);
        assert_int_equal(fd, -EBADF);
        assert_int_equal(recorder_count(r), RECORDER_MAX);

        /* A reader leaving frees its place. */
        (void) close(fds[0]);
        assert_true(sd_event_run(e, 0) >= 0);
        assert_int_equal(recorder_count(r), RECORDER_MAX - 1);
        assert_int_equal(recorder_start(r, NULL, &fds[0]), 0);
        for (size_t i = 0; i < RECORDER_MAX; i++)
                (void) close(fds[i]);
}

/* One user (not root) holds at most RECORDER_MAX_PER_USER places; root,
 * other users and uncounted callers the rest. */
static void test_per_user(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(recorder_freep) Recorder *r = NULL;
        int fds[RECORDER_MAX], fd = -EBADF;
        unsigned asked = 0;
        size_t n = 0;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(recorder_new(&r, e, &callbacks, &asked), 0);
        for (size_t i = 0; i < RECORDER_MAX_PER_USER; i++)
                assert_int_equal(recorder_start_for(r, ":1.1", 1000, &fds[n++]), 0);
        assert_int_equal(recorder_start_for(r, ":1.1", 1000, &fd), RECORDER_E_USER_LIMIT);
        assert_int_equal(fd, -EBADF);
        assert_int_equal(recorder_start_for(r, ":1.2", 1001, &fds[n++]), 0);
        assert_int_equal(recorder_start_for(r, ":1.3", 0, &fds[n++]), 0);
        assert_int_equal(recorder_start_for(r, ":1.3", 0, &fds[n++]), 0);
        assert_int_equal(recorder_start_for(r, ":1.3", 0, &fds[n++]), 0);
        assert_int_equal(recorder_start(r, NULL, &fds[n++]), 0);
        assert_int_equal(recorder_count(r), n);

        /* The user's reader leaving frees a place of theirs. */
        (void) close(fds[0]);
        assert_true(sd_event_run(e, 0) >= 0);
        assert_int_equal(recorder_start_for(r, ":1.1", 1000, &fds[0]), 0);
        for (size_t i = 0; i < n; i++)
                (void) close(fds[i]);
}

/*
 * A reader that does not read: the backlog stops at RECORDER_PENDING_MAX,
 * the rest is dropped, and once the reader catches up a "# dropped:" line
 * says how many, followed by the frames that came after.
 */
static void test_backlog(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(recorder_freep) Recorder *r = NULL;
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_(text_done) Text t = {};
        const size_t total = 300000, more = 50;
        unsigned long long dropped = 0;
        unsigned asked = 0;
        const char *line;
        size_t samples;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(recorder_new(&r, e, &callbacks, &asked), 0);
        assert_int_equal(start_nonblocking(r, &fd), 0);
        /* The smallest pipe, so that the bound is the Recorder's own. */
        assert_true(fcntl(fd, F_SETPIPE_SZ, 4096) >= 4096);

        /* About 38 bytes a line: 300,000 frames are 11 MB, more than the bound. */
        feed_range(r, 0, 0, total);
        assert_int_equal(recorder_count(r), 1);
        assert_true(sd_event_run(e, 0) >= 0);
        assert_int_equal(recorder_count(r), 1);

        drain_with_loop(e, fd, &t);
        assert_true(t.len <= RECORDER_PENDING_MAX + 65536);
        assert_true(t.len >= RECORDER_PENDING_MAX - 256);
        line = strstr(t.data, "\n# dropped: ");
        assert_non_null(line);
        assert_int_equal(sscanf(line, "\n# dropped: %llu frames\n", &dropped), 1);
        /* Said once, at the end of what was kept. */
        assert_int_equal(count_of(t.data, "# dropped:"), 1);
        assert_null(strchr(strchr(line + 1, '\n') + 1, '\n'));

        samples = check_samples(&t, total);
        assert_true(dropped > 0);
        assert_int_equal(samples + dropped, total);

        /* The frames after the gap get through, after the note. */
        feed_range(r, 0, total, total + more);
        drain_with_loop(e, fd, &t);
        assert_int_equal(check_samples(&t, total + more), samples + more);
        assert_int_equal(count_of(t.data, "# dropped:"), 1);
        assert_int_equal(recorder_count(r), 1);
}

static void test_reader_closes(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(recorder_freep) Recorder *r = NULL;
        unsigned asked = 0;
        int fd;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(recorder_new(&r, e, &callbacks, &asked), 0);

        /* While frames come: the next write fails with EPIPE, the recording ends. */
        assert_int_equal(start_nonblocking(r, &fd), 0);
        feed_range(r, 0, 0, 10);
        (void) close(fd);
        feed_range(r, 0, 10, 20);
        assert_int_equal(recorder_count(r), 0);

        /* While idle: the loop notices the reader gone. */
        assert_int_equal(start_nonblocking(r, &fd), 0);
        feed_range(r, 0, 0, 10);
        (void) close(fd);
        assert_int_equal(recorder_count(r), 1);
        assert_true(sd_event_run(e, 0) > 0);
        assert_int_equal(recorder_count(r), 0);
}

/* Freeing the Recorder writes what is pending and closes: the reader sees the end. */
static void test_free_ends(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_(text_done) Text t = {};
        Recorder *r = NULL;
        unsigned asked = 0;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(recorder_new(&r, e, &callbacks, &asked), 0);
        assert_int_equal(start_nonblocking(r, &fd), 0);
        feed_range(r, 0, 0, 25);
        assert_null(recorder_free(r));
        drain(fd, &t);
        assert_true(t.eof);
        assert_int_equal(check_samples(&t, 25), 25);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format),        cmocka_unit_test(test_too_many),
                cmocka_unit_test(test_per_user),      cmocka_unit_test(test_backlog),
                cmocka_unit_test(test_reader_closes), cmocka_unit_test(test_free_ends),
        };

        /* As in the daemon: a reader gone is EPIPE, not death. */
        (void) signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
