/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IIO scan types ("le:s12/16>>4"): parsed, formatted back and parsed again
 * to the same type, and a value decoded from the bytes after the string. */
#include "fuzz-util.h"
#include "iio/iio-scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *nul = memchr(data, '\0', size);
        size_t n = nul ? (size_t) (nul - data) : size;
        uint8_t element[64] = {};
        IioScanType t, again;
        IioScanValue v;
        char *s, buf[64];

        s = fuzz_string(data, n);
        if (iio_scan_type_parse(&t, s) >= 0 && iio_scan_type_is_valid(&t)) {
                if (iio_scan_type_format(&t, buf, sizeof(buf)) >= 0) {
                        if (iio_scan_type_parse(&again, buf) < 0 ||
                            memcmp(&t, &again, sizeof(t)) != 0)
                                abort();
                }
                if (iio_scan_type_size(&t) <= sizeof(element)) {
                        if (nul)
                                memcpy(element, nul + 1,
                                       size - n - 1 < sizeof(element) ? size - n - 1
                                                                      : sizeof(element));
                        for (unsigned rep = 0; rep < t.repeat && rep < 4; rep++)
                                iio_scan_type_decode(&t, element, rep, &v);
                }
        }
        free(s);
        return 0;
}
