/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "test-util.h"

static char dir[] = "/tmp/test-fileio-XXXXXX";

/* A file in the test's directory holding @n bytes of @data; its path. */
static char *make_file(const char *name, const void *data, size_t n)
{
        _cleanup_(fclosep) FILE *f = NULL;
        char *path;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        return path;
}

static void test_read_full_file(void **state)
{
        _cleanup_(freep) char *empty = NULL, *text = NULL, *big = NULL, *binary = NULL;
        _cleanup_(freep) char *data = NULL, *content = NULL;
        size_t size = 1;

        empty = make_file("empty", "", 0);
        assert_int_equal(read_full_file(empty, &content, &size), 0);
        assert_int_equal(size, 0);
        assert_string_equal(content, "");
        free(TAKE_PTR(content));

        text = make_file("text", "a\nb\n", 4);
        assert_int_equal(read_full_file(text, &content, NULL), 0);
        assert_string_equal(content, "a\nb\n");
        free(TAKE_PTR(content));

        /* Larger than any first guess of the buffer, and not a multiple of it. */
        data = malloc(1000003);
        assert_non_null(data);
        for (size_t i = 0; i < 1000003; i++)
                data[i] = (char) ('a' + i % 26);
        big = make_file("big", data, 1000003);
        assert_int_equal(read_full_file(big, &content, &size), 0);
        assert_int_equal(size, 1000003);
        assert_memory_equal(content, data, 1000003);
        assert_int_equal(content[size], '\0');
        free(TAKE_PTR(content));

        /* A NUL byte: fine with a size, refused for a string. */
        binary = make_file("binary", "a\0b", 3);
        assert_int_equal(read_full_file(binary, &content, &size), 0);
        assert_int_equal(size, 3);
        assert_memory_equal(content, "a\0b", 4);
        free(TAKE_PTR(content));
        assert_int_equal(read_full_file(binary, &content, NULL), -EBADMSG);
        assert_null(content);

        /* Files that say they are empty but are not, as in /proc. */
        assert_int_equal(read_full_file("/proc/self/status", &content, NULL), 0);
        assert_non_null(strstr(content, "Name:"));
        free(TAKE_PTR(content));

        assert_int_equal(read_full_file("/nonexistent/file", &content, NULL), -ENOENT);
        assert_int_equal(read_full_file(dir, &content, NULL), -EISDIR);
        assert_null(content);

        assert_int_equal(unlink(empty), 0);
        assert_int_equal(unlink(text), 0);
        assert_int_equal(unlink(big), 0);
        assert_int_equal(unlink(binary), 0);
}

static void test_read_text_file(void **state)
{
        _cleanup_(freep) char *text = NULL, *binary = NULL, *content = NULL, *error = NULL;
        _cleanup_(freep) char *expected = NULL;

        text = make_file("text", "[a]\n", 4);
        assert_int_equal(read_text_file(text, &content, &error), 0);
        assert_string_equal(content, "[a]\n");
        assert_null(error);

        /* A missing file is for the caller to judge: no message. */
        assert_int_equal(read_text_file("/nonexistent/file", &content, &error), -ENOENT);
        assert_null(error);

        binary = make_file("binary", "a\0b", 3);
        assert_int_equal(read_text_file(binary, &content, &error), -EINVAL);
        assert_true(asprintf(&expected, "%s: contains a NUL byte, not a text file", binary) > 0);
        assert_string_equal(error, expected);
        free(TAKE_PTR(error));
        free(TAKE_PTR(expected));

        assert_int_equal(read_text_file(dir, &content, &error), -EISDIR);
        assert_true(asprintf(&expected, "%s: cannot read: %s", dir, strerror(EISDIR)) > 0);
        assert_string_equal(error, expected);

        assert_int_equal(unlink(text), 0);
        assert_int_equal(unlink(binary), 0);
}

static int write_text(FILE *f, const void *userdata)
{
        return fputs(userdata, f) < 0 ? -EIO : 0;
}

static int write_fails(FILE *f, const void *userdata)
{
        (void) fputs("half a file", f);
        return -ENOSPC;
}

static void test_write_file_atomic(void **state)
{
        _cleanup_(freep) char *path = NULL, *tmp = NULL, *content = NULL;
        struct stat st;

        assert_true(asprintf(&path, "%s/state", dir) > 0);
        assert_true(asprintf(&tmp, "%s.tmp", path) > 0);

        assert_int_equal(write_file_atomic(path, 0600, write_text, "first\n"), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(read_full_file(path, &content, NULL), 0);
        assert_string_equal(content, "first\n");
        free(content);
        content = NULL;

        /* A writer that fails leaves the old file whole and no temporary behind. */
        assert_int_equal(write_file_atomic(path, 0600, write_fails, NULL), -ENOSPC);
        assert_int_equal(read_full_file(path, &content, NULL), 0);
        assert_string_equal(content, "first\n");
        assert_int_equal(access(tmp, F_OK), -1);

        /* A directory that is not there: an error, nothing created. */
        assert_int_equal(write_file_atomic("/nonexistent/dir/state", 0600, write_text, "x"),
                         -ENOENT);
        assert_int_equal(unlink(path), 0);
}

static int setup(void **state)
{
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        return rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_full_file),
                cmocka_unit_test(test_read_text_file),
                cmocka_unit_test(test_write_file_atomic),
        };

        return cmocka_run_group_tests_name("fileio", tests, setup, teardown);
}
