/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/recovery-state.h"
#include "util/macro.h"

#define SEC  USEC_PER_SEC
#define HOUR (3600 * SEC)
#define DAY  (24 * HOUR)
/* An arbitrary "now": 2024-03-01 00:00:00 UTC. */
#define T0 (UINT64_C(1709251200) * SEC)

typedef struct Warnings {
        unsigned n;
        unsigned lines[16];
        char why[16][80];
} Warnings;

static void collect(unsigned line, const char *why, void *userdata)
{
        Warnings *w = userdata;

        assert_true(w->n < ELEMENTSOF(w->lines));
        w->lines[w->n] = line;
        snprintf(w->why[w->n], sizeof(w->why[0]), "%s", why);
        w->n++;
}

static int parse_text(const char *text, RecoveryState *s, uint64_t now, Warnings *w)
{
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        int r;

        assert_non_null(f);
        r = recovery_state_parse(s, f, collect, w);
        fclose(f);
        return r;
}

static char *write_text(const RecoveryState *s)
{
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        assert_int_equal(recovery_state_write(s, f), 0);
        fclose(f);
        return text;
}

static Recovery *new_recovery(void)
{
        Recovery *r = NULL;

        assert_int_equal(recovery_new(&r, NULL), 0);
        return r;
}

static void test_round_trip(void **state)
{
        char *symptoms[] = { "fever", "leg_weakness", NULL };
        RecoveryState s, back;
        Warnings w = {};
        Recovery *r = new_recovery(), *r2 = new_recovery();
        const char *context = NULL;
        PainReport h1[PAIN_HISTORY_SIZE], h2[PAIN_HISTORY_SIZE];
        unsigned level;
        uint64_t t;
        char *text;

        assert_int_equal(recovery_report_injury(r, T0 - 3 * DAY, T0), 0);
        assert_int_equal(recovery_phase(r), PHASE_RECOVERING);
        assert_true(recovery_report_pain(r, 4, NULL, T0 - 2 * DAY) >= 0);
        assert_true(recovery_report_pain(r, 6, "lifting a box", T0 - HOUR) >= 0);
        assert_true(recovery_report_symptoms(r, symptoms, T0) > 0);

        recovery_state_capture(&s, r, true);
        text = write_text(&s);
        assert_non_null(strstr(text, "alert=leg_weakness,fever\n"));
        assert_non_null(strstr(text, "pain_context=lifting a box\n"));

        assert_int_equal(parse_text(text, &back, T0, &w), 0);
        assert_int_equal(w.n, 0);
        assert_int_equal(back.onset_usec, s.onset_usec);
        assert_false(back.recovered);
        assert_int_equal(back.n_pain, 2);
        for (size_t i = 0; i < back.n_pain; i++) {
                assert_int_equal(back.pain[i].t_usec, s.pain[i].t_usec);
                assert_int_equal(back.pain[i].level, s.pain[i].level);
        }
        assert_string_equal(back.pain_context, "lifting a box");
        assert_int_equal(back.alert_symptoms, s.alert_symptoms);

        assert_int_equal(recovery_state_apply(&back, r2, T0), 0);
        assert_int_equal(recovery_phase(r2), PHASE_RECOVERING);
        assert_int_equal(recovery_onset(r2), T0 - 3 * DAY);
        assert_int_equal(recovery_pain_history(r2, h2, ELEMENTSOF(h2)),
                         recovery_pain_history(r, h1, ELEMENTSOF(h1)));
        assert_int_equal(recovery_pain_history(r2, h2, ELEMENTSOF(h2)), 2);
        assert_memory_equal(h1, h2, 2 * sizeof(h1[0]));
        assert_true(recovery_last_pain(r2, &level, &t, &context));
        assert_int_equal(level, 6);
        assert_int_equal(t, T0 - HOUR);
        assert_string_equal(context, "lifting a box");

        /* Recovered, no alert: both survive as well. */
        assert_int_equal(recovery_report_recovered(r, T0), 1);
        recovery_state_capture(&s, r, false);
        free(text);
        text = write_text(&s);
        assert_null(strstr(text, "alert="));
        assert_int_equal(parse_text(text, &back, T0, &w), 0);
        assert_true(back.recovered);
        assert_int_equal(back.alert_symptoms, 0);

        free(text);
        recovery_free(r);
        recovery_free(r2);
}

static void test_empty(void **state)
{
        RecoveryState s;
        Warnings w = {};
        Recovery *r = new_recovery();
        char *text;

        recovery_state_capture(&s, r, false);
        text = write_text(&s);
        assert_string_equal(text, "# postured recovery state; written by postured, do not edit\n");
        assert_int_equal(parse_text("", &s, T0, &w), 0);
        assert_int_equal(s.onset_usec, 0);
        assert_int_equal(recovery_state_apply(&s, r, T0), 0);
        assert_int_equal(recovery_phase(r), PHASE_NONE);
        free(text);
        recovery_free(r);
}

static void test_damaged_lines(void **state)
{
        static const char text[] = "# comment\n"
                                   "onset=1709078400000000\n"   /* line 2 */
                                   "garbage\n"                  /* 3: no '=' */
                                   "pain=12 eleven\n"           /* 4 */
                                   "pain=1709200000000000 11\n" /* 5: level out of range */
                                   "pain=1709200000000000 3\n"
                                   "pain=1709100000000000 2\n" /* 7: before the previous one */
                                   "colour=blue\n"             /* 8: unknown key */
                                   "onset=soon\n"              /* 9 */
                                   "alert=fever,headache\n"    /* 10: unknown symptom */
                                   "\n"
                                   "pain_context=walking"; /* no newline at the end */
        RecoveryState s;
        Warnings w = {};
        Recovery *r = new_recovery();
        const char *context;
        unsigned level;
        uint64_t t;

        assert_int_equal(parse_text(text, &s, T0, &w), 7);
        assert_int_equal(w.n, 7);
        assert_int_equal(w.lines[0], 3);
        assert_string_equal(w.why[0], "not key=value");
        assert_int_equal(w.lines[1], 4);
        assert_string_equal(w.why[1], "'pain' cannot be restored");
        assert_int_equal(w.lines[2], 5);
        assert_int_equal(w.lines[3], 7);
        assert_int_equal(w.lines[4], 8);
        assert_string_equal(w.why[4], "'colour' cannot be restored");
        assert_int_equal(w.lines[5], 9);
        assert_int_equal(w.lines[6], 10);
        assert_string_equal(w.why[6], "'alert' cannot be restored");

        /* What could be read is kept. */
        assert_int_equal(s.onset_usec, UINT64_C(1709078400000000));
        assert_int_equal(s.n_pain, 1);
        assert_int_equal(s.alert_symptoms, 0);
        assert_string_equal(s.pain_context, "walking");
        assert_int_equal(recovery_state_apply(&s, r, T0), 0);
        assert_int_equal(recovery_phase(r), PHASE_RECOVERING);
        assert_true(recovery_last_pain(r, &level, &t, &context));
        assert_int_equal(level, 3);
        assert_string_equal(context, "walking");
        recovery_free(r);
}

static void test_future_dated(void **state)
{
        char text[256];
        RecoveryState s, future, saved;
        Warnings w = {};
        Recovery *r = new_recovery();
        PainReport h[4];

        /* A wall clock set back since the file was written: both lie ahead of "now". */
        snprintf(text, sizeof(text), "onset=%llu\npain=%llu 5\npain=%llu 7\npain_context=lifting\n",
                 (unsigned long long) (T0 + HOUR), (unsigned long long) (T0 - HOUR),
                 (unsigned long long) (T0 + 2 * HOUR));
        assert_int_equal(parse_text(text, &s, T0, &w), 0);
        assert_int_equal(s.n_pain, 2);
        assert_int_equal(s.onset_usec, T0 + HOUR);

        /* The future-dated entries are set aside, not lost. */
        assert_int_equal(recovery_state_split_future(&s, &future, T0), 2);
        assert_int_equal(s.onset_usec, 0);
        assert_int_equal(s.n_pain, 1);
        assert_string_equal(s.pain_context, "");
        assert_int_equal(future.onset_usec, T0 + HOUR);
        assert_int_equal(future.n_pain, 1);
        assert_int_equal(future.pain[0].level, 7);
        assert_string_equal(future.pain_context, "lifting");

        /* The rest is restored. */
        assert_int_equal(recovery_state_apply(&s, r, T0), 0);
        assert_int_equal(recovery_phase(r), PHASE_NONE);
        assert_int_equal(recovery_onset(r), 0);
        assert_int_equal(recovery_pain_history(r, h, ELEMENTSOF(h)), 1);
        assert_int_equal(h[0].level, 5);

        /* A new report, then a save: everything the file held is still there, in order. */
        assert_true(recovery_report_pain(r, 3, "sitting", T0) >= 0);
        recovery_state_capture(&saved, r, false);
        recovery_state_merge(&saved, &future);
        assert_int_equal(saved.onset_usec, T0 + HOUR);
        assert_int_equal(saved.n_pain, 3);
        assert_int_equal(saved.pain[0].level, 5);
        assert_int_equal(saved.pain[1].level, 3);
        assert_int_equal(saved.pain[2].level, 7);
        assert_string_equal(saved.pain_context, "lifting");

        /* An onset reported since wins over the one set aside. */
        recovery_state_capture(&saved, r, false);
        saved.onset_usec = T0 - DAY;
        recovery_state_merge(&saved, &future);
        assert_int_equal(saved.onset_usec, T0 - DAY);

        /* Applied as such, a future onset is still refused; so is one more than a year ago. */
        recovery_free(r);
        r = new_recovery();
        s = (RecoveryState){ .onset_usec = T0 + HOUR };
        assert_int_equal(recovery_state_apply(&s, r, T0), -EINVAL);
        recovery_free(r);
        r = new_recovery();
        s = (RecoveryState){ .onset_usec = T0 - 400 * DAY, .recovered = true };
        assert_int_equal(recovery_state_apply(&s, r, T0), -ERANGE);
        assert_int_equal(recovery_phase(r), PHASE_NONE);
        recovery_free(r);
}

/* The key of a damaged line is quoted escaped: no raw invalid UTF-8 or control bytes in the log. */
static void test_escaped_key(void **state)
{
        static const char text[] = "\xff\xfe\x01k\xc3\xa9y\\=1\n"
                                   "\xed\xa0\x80\xe2\x82=2\n"
                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=3\n";
        RecoveryState s;
        Warnings w = {};

        assert_int_equal(parse_text(text, &s, T0, &w), 3);
        /* Valid UTF-8 (é) stays; invalid bytes, controls and the backslash are \xNN. */
        assert_string_equal(w.why[0], "'\\xff\\xfe\\x01k\xc3\xa9y\\x5c' cannot be restored");
        /* A surrogate and a cut sequence are not UTF-8. */
        assert_string_equal(w.why[1], "'\\xed\\xa0\\x80\\xe2\\x82' cannot be restored");
        /* At most RECOVERY_STATE_KEY_SHOWN bytes of the key. */
        assert_string_equal(w.why[2],
                            "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' cannot be restored");
}

static void test_history_overflow(void **state)
{
        RecoveryState s;
        Warnings w = {};
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        for (unsigned i = 0; i < PAIN_HISTORY_SIZE + 3; i++)
                fprintf(f, "pain=%llu %u\n", (unsigned long long) (T0 - DAY + i * SEC), i % 11);
        fclose(f);
        assert_int_equal(parse_text(text, &s, T0, &w), 0);
        /* The oldest go, as in the daemon's own history. */
        assert_int_equal(s.n_pain, PAIN_HISTORY_SIZE);
        assert_int_equal(s.pain[0].t_usec, T0 - DAY + 3 * SEC);
        assert_int_equal(s.pain[PAIN_HISTORY_SIZE - 1].level, (PAIN_HISTORY_SIZE + 2) % 11);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_empty),
                cmocka_unit_test(test_damaged_lines),    cmocka_unit_test(test_future_dated),
                cmocka_unit_test(test_history_overflow), cmocka_unit_test(test_escaped_key),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
