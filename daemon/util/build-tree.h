/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/** exe_runs_from() - whether the running executable lives in directory @dir. */
bool exe_runs_from(const char *dir);
