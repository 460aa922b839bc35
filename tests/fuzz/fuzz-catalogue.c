/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The advice catalogue loader (advice.conf): loaded from a file by path,
 * then every item looked up by its id. */
#include "core/catalogue.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Catalogue *c = NULL;
        char path[64], *error = NULL;
        int fd;

        fd = fuzz_path(data, size, path, sizeof(path));
        if (catalogue_load(&c, path, &error) >= 0) {
                for (size_t i = 0;; i++) {
                        const AdviceItem *it = catalogue_item(c, i);

                        if (!it)
                                break;
                        if (catalogue_find(c, it->id) == NULL)
                                abort();
                }
        }
        free(error);
        close(fd);
        catalogue_free(c);
        return 0;
}
