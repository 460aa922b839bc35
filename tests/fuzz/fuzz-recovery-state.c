/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recovery state file: parsed; what was taken is written and parsed
 * again to the same state (nothing saved is lost or changed; the context of
 * a pain report is kept with a report only). */
#include "core/recovery-state.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(unsigned line, const char *why, void *userdata)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        RecoveryState s, again;
        FILE *f = fuzz_file(data, size);
        int r;

        r = recovery_state_parse(&s, f, ignore, NULL);
        fclose(f);
        if (r < 0)
                return 0;
        f = tmpfile();
        if (!f)
                abort();
        if (recovery_state_write(&s, f) < 0)
                abort();
        rewind(f);
        if (recovery_state_parse(&again, f, ignore, NULL) < 0)
                abort();
        fclose(f);
        if (again.onset_usec != s.onset_usec || again.recovered != s.recovered ||
            again.n_pain != s.n_pain || again.alert_symptoms != s.alert_symptoms ||
            (s.n_pain > 0 && strcmp(again.pain_context, s.pain_context) != 0) ||
            memcmp(again.pain, s.pain, s.n_pain * sizeof(s.pain[0])) != 0)
                abort();
        return 0;
}
