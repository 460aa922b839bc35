/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recording reader (replay source, posturectl analyze): every frame
 * and every error of any input, and the metadata it kept. */
#include "core/recording.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        RecordingReader *r = NULL;
        FILE *f = fuzz_file(data, size);
        Frame fr;
        int n;

        if (recording_reader_new(&r, f, "fuzz", true) < 0) {
                fclose(f);
                return 0;
        }
        for (n = 0; n < 100000; n++) {
                char *error = NULL;
                int k = recording_reader_next(r, &fr, &error);

                free(error);
                if (k <= 0)
                        break;
        }
        (void) recording_reader_rate(r);
        (void) recording_reader_rate_line(r);
        (void) recording_reader_line(r);
        (void) recording_reader_meta(r, "source");
        recording_reader_free(r);
        return 0;
}
