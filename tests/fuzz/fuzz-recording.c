/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recording reader (replay source, posturectl analyze): every frame
 * and every error of any input, and the metadata it kept; and the same
 * frames and error many at a time (recording_reader_read(), with AVX2 where
 * the CPU has it) as one at a time. */
#include "core/recording.h"
#include "fuzz-util.h"

#define MAX_FRAMES 100000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every frame of @data, one at a time (@batch 0) or up to @batch at a time;
 * the number of frames, and the end or failure in *@k and *@error. */
static size_t read_all(const uint8_t *data, size_t size, size_t batch, Frame *frames, int *k,
                       char **error)
{
        RecordingReader *r = NULL;
        FILE *f = fuzz_file(data, size);
        size_t n = 0;

        *k = 0;
        *error = NULL;
        if (recording_reader_new(&r, f, "fuzz", true) < 0) {
                fclose(f);
                return 0;
        }
        while (n < MAX_FRAMES) {
                size_t got = 0;

                if (batch == 0) {
                        *k = recording_reader_next(r, &frames[n], error);
                        got = *k > 0;
                } else
                        *k = recording_reader_read(r, &frames[n],
                                                   batch < MAX_FRAMES - n ? batch : MAX_FRAMES - n,
                                                   &got, error);
                n += got;
                if (*k <= 0)
                        break;
                /* Batches of many sizes. */
                if (batch > 0)
                        batch = batch % 97 + 1;
        }
        if (batch == 0) {
                (void) recording_reader_rate(r);
                (void) recording_reader_rate_line(r);
                (void) recording_reader_line(r);
                (void) recording_reader_meta(r, "source");
        }
        recording_reader_free(r);
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static Frame one[MAX_FRAMES], many[MAX_FRAMES];
        char *e1, *e2;
        size_t n1, n2;
        int k1, k2;

        n1 = read_all(data, size, 0, one, &k1, &e1);
        n2 = read_all(data, size, 1 + size % 64, many, &k2, &e2);
        if (n1 != n2 || (n1 < MAX_FRAMES && k1 != k2) || memcmp(one, many, n1 * sizeof(Frame)) ||
            (n1 < MAX_FRAMES && (e1 || e2) && (!e1 || !e2 || strcmp(e1, e2) != 0)))
                abort();
        free(e1);
        free(e2);
        return 0;
}
