/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Larger files are refused: nothing postured reads whole is anywhere near. */
#define READ_FULL_FILE_MAX (64u * 1024 * 1024)

/** read_full_file() - the whole contents of a file, NUL-terminated. */
int read_full_file(const char *path, char **ret, size_t *ret_size);

/** read_text_file() - the whole of a text file, or a message saying why not. */
int read_text_file(const char *path, char **ret, char **ret_error);

/** write_file_atomic() - replace @path with what @write writes, durably. */
int write_file_atomic(const char *path, mode_t mode, int (*write)(FILE *f, const void *userdata),
                      const void *userdata);
