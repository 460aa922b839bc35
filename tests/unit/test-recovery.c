/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/macro.h"
#include "core/recovery.h"

#define SEC    USEC_PER_SEC
#define MINUTE (60 * SEC)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)
/* An arbitrary "now": 2024-03-01 00:00:00 UTC. */
#define T0 (UINT64_C(1709251200) * SEC)

static Recovery *new_recovery(const RecoveryParams *p)
{
        Recovery *r = NULL;

        assert_int_equal(recovery_new(&r, p), 0);
        assert_non_null(r);
        return r;
}

static void test_strings(void **state)
{
        for (RecoveryPhase p = 0; p < _PHASE_MAX; p++)
                assert_int_equal(recovery_phase_from_string(recovery_phase_to_string(p)), p);
        assert_int_equal(recovery_phase_from_string("chronic"), -EINVAL);
        assert_null(recovery_phase_to_string(_PHASE_MAX));
        for (Symptom s = 0; s < _SYMPTOM_MAX; s++)
                assert_int_equal(symptom_from_string(symptom_to_string(s)), s);
        assert_string_equal(symptom_to_string(SYMPTOM_RADIATING_PAIN_LEG), "radiating_pain_leg");
        assert_int_equal(symptom_from_string("headache"), -EINVAL);
}

static void test_params(void **state)
{
        RecoveryParams p;
        Recovery *r = NULL;

        recovery_params_default(&p);
        assert_int_equal(p.acute_hours, 48);
        assert_int_equal(p.recovering_days, 42);

        p.acute_hours = 23;
        assert_int_equal(recovery_new(&r, &p), -EINVAL);
        p.acute_hours = 49;
        assert_int_equal(recovery_new(&r, &p), -EINVAL);
        p.acute_hours = 24;
        r = new_recovery(&p);
        assert_int_equal(recovery_phase(r), PHASE_NONE);
        assert_int_equal(recovery_onset(r), 0);
        r = recovery_free(r);
        assert_null(recovery_free(NULL));

        recovery_params_default(&p);
        p.recovering_days = 0;
        assert_int_equal(recovery_new(&r, &p), -EINVAL);
        recovery_params_default(&p);
        p.worsening_days = 1;
        assert_int_equal(recovery_new(&r, &p), -EINVAL);
}

/* Phase boundaries: acute up to just under AcuteHours, recovering from it on. */
static void check_acute_boundary(unsigned hours)
{
        _cleanup_(recovery_freep) Recovery *r = NULL;
        RecoveryParams p;
        RuleParams rules, def;

        recovery_params_default(&p);
        p.acute_hours = hours;
        r = new_recovery(&p);
        assert_int_equal(recovery_report_injury(r, T0, T0), 0);
        assert_int_equal(recovery_phase(r), PHASE_ACUTE);
        assert_int_equal(recovery_onset(r), T0);
        assert_int_equal(recovery_next_transition(r), T0 + hours * HOUR);

        rule_params_default(&def);
        rules = def;
        recovery_rule_params(r, &rules);
        assert_float_equal(rules.extreme_deg, 45.0, 1e-9);
        assert_float_equal(rules.holding_time_factor, 0.5, 1e-9);

        assert_int_equal(recovery_tick(r, T0 + hours * HOUR - 1), 0);
        assert_int_equal(recovery_phase(r), PHASE_ACUTE);
        assert_int_equal(recovery_tick(r, T0 + hours * HOUR), 1);
        assert_int_equal(recovery_phase(r), PHASE_RECOVERING);
        assert_int_equal(recovery_tick(r, T0 + hours * HOUR + 1), 0);

        rules = def;
        recovery_rule_params(r, &rules);
        assert_float_equal(rules.extreme_deg, def.extreme_deg, 1e-9);
        assert_float_equal(rules.holding_time_factor, def.holding_time_factor, 1e-9);

        /* Recovering lasts RecoveringDays after the acute phase. */
        assert_int_equal(recovery_next_transition(r), T0 + hours * HOUR + 42 * DAY);
        assert_int_equal(recovery_tick(r, T0 + hours * HOUR + 42 * DAY - 1), 0);
        assert_int_equal(recovery_tick(r, T0 + hours * HOUR + 42 * DAY), 1);
        assert_int_equal(recovery_phase(r), PHASE_RECOVERED);
        assert_int_equal(recovery_next_transition(r), UINT64_MAX);
        /* History kept. */
        assert_int_equal(recovery_onset(r), T0);
}

static void test_boundaries_48h(void **state)
{
        check_acute_boundary(48);
}

static void test_boundaries_24h(void **state)
{
        check_acute_boundary(24);
}

static void test_onset(void **state)
{
        _cleanup_(recovery_freep) Recovery *r = new_recovery(NULL);

        /* In the future: refused, nothing changes. */
        assert_int_equal(recovery_report_injury(r, T0 + 1, T0), -EINVAL);
        assert_int_equal(recovery_phase(r), PHASE_NONE);
        assert_int_equal(recovery_onset(r), 0);
        /* More than a year ago: refused. */
        assert_int_equal(recovery_report_injury(r, T0 - RECOVERY_MAX_ONSET_AGE - 1, T0), -ERANGE);
        assert_int_equal(recovery_phase(r), PHASE_NONE);
        /* Exactly a year ago is still fine, and long over. */
        assert_int_equal(recovery_report_injury(r, T0 - RECOVERY_MAX_ONSET_AGE, T0), 0);
        assert_int_equal(recovery_phase(r), PHASE_RECOVERED);
        /* 0 is now. */
        assert_int_equal(recovery_report_injury(r, 0, T0), 0);
        assert_int_equal(recovery_onset(r), T0);
        assert_int_equal(recovery_phase(r), PHASE_ACUTE);
        /* A refused report keeps the previous injury. */
        assert_int_equal(recovery_report_injury(r, T0 + 2 * DAY, T0 + DAY), -EINVAL);
        assert_int_equal(recovery_onset(r), T0);
        /* Three days ago: straight into recovering. */
        assert_int_equal(recovery_report_injury(r, T0 - 3 * DAY, T0), 0);
        assert_int_equal(recovery_phase(r), PHASE_RECOVERING);
}

static void test_clock_back(void **state)
{
        _cleanup_(recovery_freep) Recovery *r = new_recovery(NULL);

        assert_int_equal(recovery_report_injury(r, T0, T0), 0);
        assert_int_equal(recovery_tick(r, T0 + 3 * DAY), 1);
        /* The wall clock is set back into the acute window: no way back. */
        assert_int_equal(recovery_tick(r, T0 + HOUR), 0);
        assert_int_equal(recovery_phase(r), PHASE_RECOVERING);
}

static void test_recovered(void **state)
{
        _cleanup_(recovery_freep) Recovery *r = new_recovery(NULL);

        assert_int_equal(recovery_report_recovered(r, T0), RECOVERY_NOT_INJURED);
        assert_int_equal(recovery_phase(r), PHASE_NONE);
        assert_int_equal(recovery_report_injury(r, T0, T0), 0);
        assert_int_equal(recovery_report_pain(r, 5, "lifting", T0 + HOUR), 0);
        assert_int_equal(recovery_report_recovered(r, T0 + DAY), 1);
        assert_int_equal(recovery_phase(r), PHASE_RECOVERED);
        assert_int_equal(recovery_report_recovered(r, T0 + DAY), 0);
        assert_int_equal(recovery_next_transition(r), UINT64_MAX);
        assert_int_equal(recovery_tick(r, T0 + 100 * DAY), 0);
        /* History kept. */
        assert_int_equal(recovery_onset(r), T0);
        assert_true(recovery_last_pain(r, NULL, NULL, NULL));
        /* A new injury starts over. */
        assert_int_equal(recovery_report_injury(r, 0, T0 + 10 * DAY), 0);
        assert_int_equal(recovery_phase(r), PHASE_ACUTE);
}

static void test_pain_validation(void **state)
{
        _cleanup_(recovery_freep) Recovery *r = new_recovery(NULL);
        char context[PAIN_CONTEXT_MAX + 2];
        const char *ctx;
        unsigned level;
        uint64_t t;

        assert_false(recovery_last_pain(r, &level, &t, &ctx));
        assert_int_equal(level, 0);
        assert_int_equal(t, 0);
        assert_string_equal(ctx, "");

        assert_int_equal(recovery_report_pain(r, 11, "x", T0), -EINVAL);
        assert_int_equal(recovery_report_pain(r, UINT32_MAX, "x", T0), -EINVAL);
        memset(context, 'a', sizeof(context) - 1);
        context[sizeof(context) - 1] = '\0';
        assert_int_equal(recovery_report_pain(r, 3, context, T0), -EINVAL);
        assert_false(recovery_last_pain(r, NULL, NULL, NULL));

        context[PAIN_CONTEXT_MAX] = '\0';
        assert_int_equal(recovery_report_pain(r, 10, context, T0), 0);
        assert_int_equal(recovery_report_pain(r, 0, NULL, T0 + SEC), 0);
        assert_true(recovery_last_pain(r, &level, &t, &ctx));
        assert_int_equal(level, 0);
        assert_int_equal(t, T0 + SEC);
        assert_string_equal(ctx, "");
        assert_int_equal(recovery_report_pain(r, 4, "sitting", T0 + 2 * SEC), 0);
        assert_true(recovery_last_pain(r, &level, NULL, &ctx));
        assert_int_equal(level, 4);
        assert_string_equal(ctx, "sitting");
}

static void test_pain_rising(void **state)
{
        _cleanup_(recovery_freep) Recovery *r = new_recovery(NULL);

        /* Higher, but no strain at all: not "rising during activity". */
        assert_int_equal(recovery_report_pain(r, 2, "", T0), 0);
        assert_int_equal(recovery_report_pain(r, 4, "", T0 + 10 * MINUTE), 0);

        /* A strain event after the previous report, and a higher report. */
        recovery_note_strain(r, T0 + 20 * MINUTE);
        assert_int_equal(recovery_report_pain(r, 5, "", T0 + 30 * MINUTE), RECOVERY_PAIN_RISING);
        /* Same level: not rising. */
        assert_int_equal(recovery_report_pain(r, 5, "", T0 + 31 * MINUTE), 0);
        /* The strain was before the previous report but 12 min ago: right after it. */
        assert_int_equal(recovery_report_pain(r, 6, "", T0 + 32 * MINUTE), RECOVERY_PAIN_RISING);
        /* 40 min after the strain, with no strain since the previous report: no. */
        assert_int_equal(recovery_report_pain(r, 7, "", T0 + 60 * MINUTE), 0);
        /* More than 2 h after the previous report: not a rise. */
        recovery_note_strain(r, T0 + 3 * HOUR);
        assert_int_equal(recovery_report_pain(r, 8, "", T0 + 3 * HOUR + 1), 0);
        /* Exactly 2 h: still a rise. */
        recovery_note_strain(r, T0 + 5 * HOUR);
        assert_int_equal(recovery_report_pain(r, 9, "", T0 + 5 * HOUR + 1), RECOVERY_PAIN_RISING);
        /* Lower: no. */
        assert_int_equal(recovery_report_pain(r, 3, "", T0 + 5 * HOUR + 2), 0);
}

static void test_pain_worsening(void **state)
{
        _cleanup_(recovery_freep) Recovery *r = new_recovery(NULL);
        const uint64_t noon = T0 + 12 * HOUR;

        assert_int_equal(recovery_report_pain(r, 2, "", noon), 0);
        assert_int_equal(recovery_report_pain(r, 1, "", noon + 1 * HOUR), 0);
        assert_int_equal(recovery_report_pain(r, 3, "", noon + DAY), 0);
        /* Day 3: maxima 2 < 3 < 4. */
        assert_int_equal(recovery_report_pain(r, 4, "", noon + 2 * DAY), RECOVERY_PAIN_WORSENING);
        /* At most once a day. */
        assert_int_equal(recovery_report_pain(r, 5, "", noon + 2 * DAY + HOUR), 0);
        /* Day 4 at 5 again: not higher than day 3's 5. */
        assert_int_equal(recovery_report_pain(r, 5, "", noon + 3 * DAY), 0);
        /* Day 5 higher still, but day 4 was not above day 3. */
        assert_int_equal(recovery_report_pain(r, 6, "", noon + 4 * DAY), 0);
        /* Day 6: 5 < 6 < 7. */
        assert_int_equal(recovery_report_pain(r, 7, "", noon + 5 * DAY), RECOVERY_PAIN_WORSENING);
        /* A day without reports breaks the chain. */
        assert_int_equal(recovery_report_pain(r, 8, "", noon + 7 * DAY), 0);
        assert_int_equal(recovery_report_pain(r, 9, "", noon + 8 * DAY), 0);
}

static void test_pain_worsening_timezone(void **state)
{
        _cleanup_(recovery_freep) Recovery *utc = new_recovery(NULL);
        _cleanup_(recovery_freep) Recovery *east = NULL;
        RecoveryParams p;
        /* 23:30 UTC is 01:30 the next day two hours east. */
        const uint64_t late = T0 + 23 * HOUR + 30 * MINUTE;

        recovery_params_default(&p);
        p.utc_offset_s = 2 * 3600;
        east = new_recovery(&p);
        for (unsigned i = 0; i < 2; i++) {
                assert_int_equal(recovery_report_pain(utc, 1 + i, "", T0 + 12 * HOUR + i * DAY), 0);
                assert_int_equal(recovery_report_pain(east, 1 + i, "", T0 + 12 * HOUR + i * DAY),
                                 0);
        }
        /* Day 2 in UTC (so 2 is not above 2), day 3 two hours east. */
        assert_int_equal(recovery_report_pain(utc, 2, "", late + DAY), 0);
        assert_int_equal(recovery_report_pain(east, 3, "", late + DAY), RECOVERY_PAIN_WORSENING);
}

static void test_pain_history(void **state)
{
        _cleanup_(recovery_freep) Recovery *r = new_recovery(NULL);
        PainReport out[PAIN_HISTORY_SIZE + 10];
        size_t n;

        assert_int_equal(recovery_pain_history(r, out, ELEMENTSOF(out)), 0);
        for (unsigned i = 0; i < PAIN_HISTORY_SIZE + 10; i++)
                assert_true(recovery_report_pain(r, i % 11, "", T0 + i * MINUTE) >= 0);
        n = recovery_pain_history(r, out, ELEMENTSOF(out));
        assert_int_equal(n, PAIN_HISTORY_SIZE);
        assert_int_equal(out[0].t_usec, T0 + 10 * MINUTE);
        assert_int_equal(out[n - 1].t_usec, T0 + (PAIN_HISTORY_SIZE + 9) * MINUTE);
        assert_int_equal(out[n - 1].level, (PAIN_HISTORY_SIZE + 9) % 11);
        /* A short buffer gets the newest. */
        n = recovery_pain_history(r, out, 2);
        assert_int_equal(n, 2);
        assert_int_equal(out[1].t_usec, T0 + (PAIN_HISTORY_SIZE + 9) * MINUTE);
        assert_int_equal(out[0].t_usec, T0 + (PAIN_HISTORY_SIZE + 8) * MINUTE);
}

static void test_symptoms(void **state)
{
        _cleanup_(recovery_freep) Recovery *r = new_recovery(NULL);
        char *bad[] = { "fever", "dizziness", NULL };
        char *good[] = { "fever", "leg_weakness", "fever", NULL };
        char *empty[] = { NULL };

        assert_int_equal(recovery_report_symptoms(r, bad, T0), -EINVAL);
        assert_int_equal(recovery_symptoms(r), 0);
        assert_int_equal(recovery_report_symptoms(r, empty, T0), 0);
        assert_int_equal(recovery_report_symptoms(r, NULL, T0), 0);
        assert_int_equal(recovery_report_symptoms(r, good, T0),
                         (1 << SYMPTOM_FEVER) | (1 << SYMPTOM_LEG_WEAKNESS));
        assert_int_equal(recovery_report_symptoms(r, bad, T0), -EINVAL);
        assert_int_equal(recovery_symptoms(r),
                         (1u << SYMPTOM_FEVER) | (1u << SYMPTOM_LEG_WEAKNESS));
        /* Symptoms do not change the phase. */
        assert_int_equal(recovery_phase(r), PHASE_NONE);
}

/* The rules per phase: acute tightens; slouch nudges only outside recovery. */
static void test_rules_per_phase(void **state)
{
        RuleParams base, p;

        rule_params_default(&base);
        assert_true(base.slouch_enabled);

        p = base;
        rule_params_for_phase(PHASE_NONE, &p);
        assert_memory_equal(&p, &base, sizeof(p));

        p = base;
        rule_params_for_phase(PHASE_ACUTE, &p);
        assert_false(p.slouch_enabled);
        assert_true(p.extreme_deg == 45);
        assert_true(p.holding_time_factor == 0.5);

        p = base;
        rule_params_for_phase(PHASE_RECOVERING, &p);
        assert_false(p.slouch_enabled);
        assert_true(p.extreme_deg == base.extreme_deg);
        assert_true(p.holding_time_factor == base.holding_time_factor);

        p = base;
        rule_params_for_phase(PHASE_RECOVERED, &p);
        assert_memory_equal(&p, &base, sizeof(p));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_params),
                cmocka_unit_test(test_boundaries_48h),
                cmocka_unit_test(test_boundaries_24h),
                cmocka_unit_test(test_onset),
                cmocka_unit_test(test_clock_back),
                cmocka_unit_test(test_recovered),
                cmocka_unit_test(test_pain_validation),
                cmocka_unit_test(test_pain_rising),
                cmocka_unit_test(test_pain_worsening),
                cmocka_unit_test(test_pain_worsening_timezone),
                cmocka_unit_test(test_pain_history),
                cmocka_unit_test(test_symptoms),
                cmocka_unit_test(test_rules_per_phase),
        };

        return cmocka_run_group_tests_name("recovery", tests, NULL, NULL);
}
