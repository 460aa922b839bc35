/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/*
 * DLOPEN_NOTE() - an ELF note @var naming what a program loads with
 * dlopen(), in the freedesktop.org ".note.dlopen" format (owner "FDO",
 * type 0x407c0c0a, @json a JSON array as a string literal; systemd's
 * docs/ELF_DLOPEN_METADATA.md), so that packaging tools that read it see
 * the dependency dpkg-shlibdeps no longer sees. The description's size
 * counts its padding to four bytes.
 */
#define DLOPEN_NOTE_ALIGN4(n) (((n) + 3) / 4 * 4)
#define DLOPEN_NOTE(var, json)                                               \
        static const struct {                                                \
                uint32_t n_namesz, n_descsz, n_type;                         \
                char name[4];                                                \
                char desc[DLOPEN_NOTE_ALIGN4(sizeof(json))];                 \
        } var __attribute__((used, section(".note.dlopen"), aligned(4))) = { \
                .n_namesz = 4,                                               \
                .n_descsz = DLOPEN_NOTE_ALIGN4(sizeof(json)),                \
                .n_type = 0x407c0c0a,                                        \
                .name = "FDO",                                               \
                .desc = json,                                                \
        }
