/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Source URIs: the generic parser (replay:, evdev:) with and without a raw
 * path, and the IIO plugin's "iio:" options. The first byte picks which. */
#include "fuzz-util.h"
#include "iio/iio-scan.h"
#include "util/uri-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s, *error = NULL;
        Uri u = {};
        IioUri iu = {};

        if (size < 1)
                return 0;
        s = fuzz_string(data + 1, size - 1);
        switch (data[0] % 3) {
        case 0:
        case 1:
                if (uri_parse(&u, "replay", s, data[0] % 3 ? URI_PATH_RAW : 0, &error) >= 0) {
                        for (size_t i = 0; i < u.n_params; i++) {
                                double d;

                                (void) uri_param_double(&u.params[i], &d);
                        }
                }
                uri_done(&u);
                break;
        default:
                /* iio_uri_done() after a failure too, as iio-scan.h asks. */
                (void) iio_uri_parse(&iu, s, &error);
                iio_uri_done(&iu);
                break;
        }
        free(error);
        free(s);
        return 0;
}
