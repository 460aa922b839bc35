/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration file loader (postured.conf, drop-ins): loaded from a
 * file by path, as the daemon does, then checked. */
#include "core/config.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char path[64], *error = NULL;
        Config c;
        int fd;

        if (config_init(&c, "/nonexistent/plugins", "/nonexistent/advice.conf") < 0)
                return 0;
        fd = fuzz_path(data, size, path, sizeof(path));
        if (config_load_file(&c, path, &error) >= 0) {
                free(error);
                error = NULL;
                (void) config_check(&c, &error);
        }
        free(error);
        close(fd);
        config_done(&c);
        return 0;
}
