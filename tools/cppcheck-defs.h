/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Definitions cppcheck cannot see without parsing all of /usr/include. */
#define SD_BUS_PARAM(x) #x "\0"
