/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "detect-harness.h"

/* Samples at @flexion, and nothing else, for every sample time up to and
 * including @until_s. */
static void hold_until(Run *r, double flexion, double until_s)
{
        feed_until(r, (PostureSample){ .flexion_deg = flexion }, false, until_s);
}

/* Hold for @seconds more, starting with the next sample. */
static void hold_for(Run *r, double flexion, double seconds)
{
        hold_until(r, flexion, now_s(r) - STEP_S + seconds);
}

static void test_strings(void **state)
{
        static const struct {
                EventKind kind;
                const char *name;
                Severity severity;
        } kinds[] = {
                { EVENT_SUSTAINED_FLEXION, "sustained-flexion", SEVERITY_WARNING },
                { EVENT_EXTREME_FLEXION, "extreme-flexion", SEVERITY_CRITICAL },
                { EVENT_UNSUPPORTED_EXTENSION, "unsupported-extension", SEVERITY_WARNING },
                { EVENT_LATERAL_BEND, "lateral-bend", SEVERITY_WARNING },
                { EVENT_SUDDEN_MOVEMENT, "sudden-movement", SEVERITY_WARNING },
                { EVENT_REPETITIVE_BENDING, "repetitive-bending", SEVERITY_WARNING },
                { EVENT_STATIC_POSTURE, "static-posture", SEVERITY_INFO },
                { EVENT_SLOUCH, "slouch", SEVERITY_INFO },
                { EVENT_PROLONGED_REST, "prolonged-rest", SEVERITY_INFO },
        };

        assert_int_equal(ELEMENTSOF(kinds), _EVENT_KIND_MAX);
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                assert_string_equal(event_kind_to_string(kinds[i].kind), kinds[i].name);
                assert_int_equal(event_kind_severity(kinds[i].kind), kinds[i].severity);
        }
        /* Typed kinds: kebab-case, and the old snake_case as an alias. */
        assert_int_equal(event_kind_from_string("lateral-bend"), EVENT_LATERAL_BEND);
        assert_int_equal(event_kind_from_string("lateral_bend"), EVENT_LATERAL_BEND);
        assert_int_equal(event_kind_from_string("prolonged_rest"), EVENT_PROLONGED_REST);
        assert_int_equal(event_kind_from_string("slouch"), EVENT_SLOUCH);
        assert_int_equal(event_kind_from_string("lateral"), -EINVAL);
        assert_int_equal(event_kind_from_string("lateral-bend-x"), -EINVAL);
        assert_int_equal(event_kind_from_string("lateral bend"), -EINVAL);
        assert_int_equal(event_kind_from_string(""), -EINVAL);
        assert_null(event_kind_to_string(_EVENT_KIND_MAX));
        assert_int_equal(event_kind_severity(_EVENT_KIND_MAX), SEVERITY_INFO);
        assert_string_equal(severity_to_string(SEVERITY_INFO), "info");
        assert_string_equal(severity_to_string(SEVERITY_WARNING), "warning");
        assert_string_equal(severity_to_string(SEVERITY_CRITICAL), "critical");
        assert_null(severity_to_string(_SEVERITY_MAX));
}

static void test_maht(void **state)
{
        RuleParams p;

        rule_params_default(&p);

        assert_near(maht_s(&p, 20), 240, 1e-9);
        assert_near(maht_s(&p, 40), 150, 1e-9);
        assert_near(maht_s(&p, 60), 60, 1e-9);
        /* Clamped to the band. */
        assert_near(maht_s(&p, 5), 240, 1e-9);
        assert_near(maht_s(&p, 85), 60, 1e-9);

        assert_true(p.slouch_enabled);
        assert_near(p.cooldown_s[EVENT_SUSTAINED_FLEXION], 300, 0);
        assert_near(p.cooldown_s[EVENT_STATIC_POSTURE], 1800, 0);

        rule_params_acute(&p);
        assert_near(p.holding_time_factor, 0.5, 0);
        assert_near(p.extreme_deg, 45, 0);
        assert_false(p.slouch_enabled);
        /* The time limits themselves stay; the factor scales them. */
        assert_near(p.lateral_hold_s, 60, 0);
        assert_near(p.extension_hold_s, 60, 0);
        /* maht_s() is the ISO time; the factor applies on top of it. */
        assert_near(maht_s(&p, 40), 150, 1e-9);
}

static void test_sustained_40(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);
        run_init(&r, &p);

        hold_until(&r, 40, 149);
        assert_int_equal(r.n, 0);

        hold_until(&r, 40, 151);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].kind, EVENT_SUSTAINED_FLEXION);
        assert_int_equal(r.ev[0].severity, SEVERITY_WARNING);
        assert_int_equal(r.ev[0].start_ns, 0);
        assert_near(sec(r.ev[0].t_ns), 150, 1.5 * STEP_S);
        assert_near(r.ev[0].duration_s, sec(r.ev[0].t_ns - r.ev[0].start_ns), 1e-9);
        assert_near(r.ev[0].duration_s, 150, 1.5 * STEP_S);
        assert_near(r.ev[0].peak_deg, 40, 1e-9);

        /* Holding on does not fire again. */
        hold_until(&r, 40, 1200);
        assert_int_equal(r.n, 1);

        run_done(&r);
}

static void test_sustained_band_edges(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);

        /* Just below the band: never (that is the slouch band). */
        run_init(&r, &p);
        hold_until(&r, 19.9, 20 * 60);
        assert_int_equal(count_kind(&r, EVENT_SUSTAINED_FLEXION), 0);
        assert_int_equal(count_kind(&r, EVENT_SLOUCH), 1);
        run_done(&r);

        /* Just inside: MAHT(20.1) = 239.55 s. */
        run_init(&r, &p);
        hold_until(&r, 20.1, 239);
        assert_int_equal(r.n, 0);
        hold_until(&r, 20.1, 241);
        assert_int_equal(r.n, 1);
        assert_near(r.ev[0].duration_s, 239.55, 1.5 * STEP_S);
        run_done(&r);

        /* Top of the band: one minute; above it MAHT stays at one minute. */
        run_init(&r, &p);
        hold_until(&r, 60, 59.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 60, 60.1);
        assert_int_equal(count_kind(&r, EVENT_SUSTAINED_FLEXION), 1);
        run_done(&r);

        run_init(&r, &p);
        hold_until(&r, 75, 59.9);
        assert_int_equal(count_kind(&r, EVENT_SUSTAINED_FLEXION), 0);
        hold_until(&r, 75, 60.1);
        assert_int_equal(count_kind(&r, EVENT_SUSTAINED_FLEXION), 1);
        assert_int_equal(count_kind(&r, EVENT_EXTREME_FLEXION), 1);
        run_done(&r);
}

static void test_sustained_peak(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);
        run_init(&r, &p);

        hold_until(&r, 10, 5);
        hold_for(&r, 35, 10);
        hold_for(&r, 52.5, 2);
        hold_for(&r, 30, 300);
        assert_int_equal(r.n, 1);
        assert_near(sec(r.ev[0].start_ns), 5 + STEP_S, 1e-9);
        assert_near(r.ev[0].peak_deg, 52.5, 1e-9);
        run_done(&r);
}

static void test_sustained_dips(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);

        /* A 3 s dip keeps the dose; time below adds none, so 150 s in the band
         * are reached at 153 s. */
        run_init(&r, &p);
        hold_until(&r, 40, 100);
        hold_for(&r, 10, 3);
        hold_until(&r, 40, 152.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 40, 153.1);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].start_ns, 0);
        assert_near(r.ev[0].duration_s, 153, 1.5 * STEP_S);
        run_done(&r);

        /* A 5 s dip ends the episode: the dose starts again from nothing. */
        run_init(&r, &p);
        hold_until(&r, 40, 100);
        hold_for(&r, 10, 5);
        hold_until(&r, 40, 254.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 40, 255.2);
        assert_int_equal(r.n, 1);
        assert_near(sec(r.ev[0].start_ns), 105 + STEP_S, 1e-9);
        assert_near(r.ev[0].duration_s, 150, 1.5 * STEP_S);
        run_done(&r);

        /* Many short dips in a row do not end it either. */
        run_init(&r, &p);
        for (int i = 0; i < 15; i++) {
                hold_for(&r, 40, 10);
                hold_for(&r, 5, 3.5);
        }
        hold_for(&r, 40, 1);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].start_ns, 0);
        run_done(&r);
}

static void test_sustained_refires_per_episode(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);
        run_init(&r, &p);

        hold_until(&r, 40, 600);
        assert_int_equal(r.n, 1);

        hold_for(&r, 10, 10);
        hold_for(&r, 40, 149);
        assert_int_equal(r.n, 1);
        hold_for(&r, 40, 2);
        assert_int_equal(r.n, 2);
        assert_near(sec(r.ev[1].start_ns), 610 + STEP_S, 1e-9);
        assert_near(r.ev[1].duration_s, 150, 1.5 * STEP_S);
        run_done(&r);
}

static void test_extreme(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);

        run_init(&r, &p);
        hold_until(&r, 61, 3.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 61, 4.1);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].kind, EVENT_EXTREME_FLEXION);
        assert_int_equal(r.ev[0].severity, SEVERITY_CRITICAL);
        assert_int_equal(r.ev[0].start_ns, 0);
        assert_near(r.ev[0].duration_s, 4, 1.5 * STEP_S);
        assert_near(r.ev[0].peak_deg, 61, 1e-9);
        /* Once per episode. */
        hold_until(&r, 61, 50);
        assert_int_equal(count_kind(&r, EVENT_EXTREME_FLEXION), 1);
        run_done(&r);

        /* Just at the limit is not beyond it. */
        run_init(&r, &p);
        hold_until(&r, 59, 3600);
        assert_int_equal(count_kind(&r, EVENT_EXTREME_FLEXION), 0);
        assert_int_equal(count_kind(&r, EVENT_SUSTAINED_FLEXION), 1);
        run_done(&r);

        run_init(&r, &p);
        hold_until(&r, 60, 600);
        assert_int_equal(count_kind(&r, EVENT_EXTREME_FLEXION), 0);
        run_done(&r);
}

static void test_extreme_hysteresis(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);
        p.cooldown_s[EVENT_EXTREME_FLEXION] = 0; /* tested in test-detect-rules */

        /* Time inside the hysteresis band keeps the episode but adds nothing. */
        run_init(&r, &p);
        hold_until(&r, 61, 3);
        hold_for(&r, 59, 5);
        hold_until(&r, 61, 8.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 61, 9.1);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].start_ns, 0);

        /* Back to 59° (above 60 − 2) and up again: same episode, no event. */
        hold_for(&r, 59, 10);
        hold_for(&r, 65, 10);
        assert_int_equal(r.n, 1);

        /* Below 58°: released; the next bend is a new episode. */
        double t_release = now_s(&r);
        hold_for(&r, 57.9, 0.1);
        hold_for(&r, 61, 5);
        assert_int_equal(r.n, 2);
        assert_int_equal(r.ev[1].kind, EVENT_EXTREME_FLEXION);
        assert_near(sec(r.ev[1].start_ns), t_release + 0.1, 1e-9);
        assert_near(r.ev[1].peak_deg, 61, 1e-9);
        run_done(&r);
}

static void test_acute(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);
        rule_params_acute(&p);

        run_init(&r, &p);
        hold_until(&r, 40, 74.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 40, 75.1);
        assert_int_equal(r.n, 1);
        assert_near(r.ev[0].duration_s, 75, 1.5 * STEP_S);
        run_done(&r);

        run_init(&r, &p);
        hold_until(&r, 46, 3.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 46, 4.1);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].kind, EVENT_EXTREME_FLEXION);
        assert_int_equal(r.ev[0].severity, SEVERITY_CRITICAL);
        run_done(&r);

        run_init(&r, &p);
        hold_until(&r, 44, 60);
        assert_int_equal(r.n, 0);
        run_done(&r);

        /* No slouch feedback in the acute phase. */
        run_init(&r, &p);
        hold_until(&r, 17, 600);
        assert_int_equal(r.n, 0);
        run_done(&r);
}

static void test_sample_time_only(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);

        /* A 60 s hole in the stream counts as 1 s. */
        run_init(&r, &p);
        hold_until(&r, 40, 100);
        r.next += 60 * RATE_HZ;
        hold_until(&r, 40, 208.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 40, 209.1);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].start_ns, 0);
        run_done(&r);

        /* Repeated or backward times add nothing. */
        run_init(&r, &p);
        for (int i = 0; i < 100000; i++) {
                PostureSample s = { .t_ns = (i % 2) * NSEC_PER_SEC, .flexion_deg = 40 };
                StrainEvent ev[_EVENT_KIND_MAX];

                assert_int_equal(detectors_feed(r.d, &s, ev, ELEMENTSOF(ev)), 0);
        }
        run_done(&r);
}

static void test_nan_releases(void **state)
{
        RuleParams p;
        Run r;

        rule_params_default(&p);
        run_init(&r, &p);

        hold_until(&r, 40, 100);
        hold_for(&r, NAN, 5);
        hold_for(&r, 40, 149);
        assert_int_equal(r.n, 0);
        hold_for(&r, 40, 2);
        assert_int_equal(r.n, 1);
        run_done(&r);
}

static void test_reset_and_set_params(void **state)
{
        RuleParams p, acute;
        Run r;

        rule_params_default(&p);

        run_init(&r, &p);
        hold_until(&r, 40, 100);
        detectors_reset(r.d);
        hold_until(&r, 40, 249.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 40, 250.1);
        assert_int_equal(r.n, 1);
        assert_near(sec(r.ev[0].start_ns), 100 + STEP_S, 1e-9);
        run_done(&r);

        /* 100 s of 150 used up; the remaining third of the acute 75 s is 25 s. */
        run_init(&r, &p);
        hold_until(&r, 40, 100);
        acute = p;
        rule_params_acute(&acute);
        assert_int_equal(detectors_set_params(r.d, &acute), 0);
        hold_until(&r, 40, 124.9);
        assert_int_equal(r.n, 0);
        hold_until(&r, 40, 125.1);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].start_ns, 0);
        run_done(&r);
}

static void test_out_capacity(void **state)
{
        PostureSample s = { .flexion_deg = 80 };
        StrainEvent ev[_EVENT_KIND_MAX];
        RuleParams p;
        Detectors *d;

        rule_params_default(&p);
        /* Make both rules fire on the second sample. */
        p.maht_at_min_s = 0.01;
        p.maht_slope_s_per_deg = 0;
        p.extreme_hold_s = 0;

        assert_int_equal(detectors_new(&d, &p), 0);
        assert_int_equal(detectors_feed(d, &s, ev, 1), 0);
        s.t_ns = STEP_NS;
        assert_int_equal(detectors_feed(d, &s, ev, 1), 1);
        assert_int_equal(ev[0].kind, EVENT_SUSTAINED_FLEXION);
        detectors_free(d);

        assert_int_equal(detectors_new(&d, &p), 0);
        s.t_ns = 0;
        assert_int_equal(detectors_feed(d, &s, NULL, 0), 0);
        s.t_ns = STEP_NS;
        assert_int_equal(detectors_feed(d, &s, ev, ELEMENTSOF(ev)), 2);
        assert_int_equal(ev[0].kind, EVENT_SUSTAINED_FLEXION);
        assert_int_equal(ev[1].kind, EVENT_EXTREME_FLEXION);
        detectors_free(d);
}

static void assert_params_rejected(const RuleParams *bad)
{
        RuleParams good;
        Detectors *d = NULL;

        assert_int_equal(detectors_new(&d, bad), -EINVAL);
        assert_null(d);

        rule_params_default(&good);
        assert_int_equal(detectors_new(&d, &good), 0);
        assert_int_equal(detectors_set_params(d, bad), -EINVAL);
        detectors_free(d);
}

static void test_bad_params(void **state)
{
        RuleParams p = { 0 };
        double *const fields[] = {
                &p.flexion_min_deg,
                &p.flexion_max_deg,
                &p.maht_at_min_s,
                &p.maht_slope_s_per_deg,
                &p.dip_tolerance_s,
                &p.holding_time_factor,
                &p.extreme_deg,
                &p.extreme_hold_s,
                &p.hysteresis_deg,
                &p.extension_hold_s,
                &p.lateral_deg,
                &p.lateral_hold_s,
                &p.lateral_high_deg,
                &p.lateral_high_hold_s,
                &p.sudden_rate_dps,
                &p.sudden_angle_deg,
                &p.sudden_min_s,
                &p.repetitive_deg,
                &p.repetitive_duration_s,
                &p.repetitive_min_bend_s,
                &p.static_s,
                &p.static_change_deg,
                &p.static_change_min_s,
                &p.slouch_deg,
                &p.slouch_hold_s,
                &p.moving_grace_s,
                &p.cooldown_s[EVENT_SUSTAINED_FLEXION],
                &p.cooldown_s[EVENT_SLOUCH],
                &p.strain_half_life_s,
                &p.strain_walking_half_life_s,
                &p.strain_extreme_factor,
        };
        static const double bad_values[] = { NAN, INFINITY, -INFINITY, -1 };
        Detectors *d;

        rule_params_default(&p);
        assert_int_equal(detectors_new(&d, &p), 0);
        detectors_free(d);

        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                for (size_t j = 0; j < ELEMENTSOF(bad_values); j++) {
                        rule_params_default(&p);
                        *fields[i] = bad_values[j];
                        assert_params_rejected(&p);
                }

        rule_params_default(&p);
        p.flexion_max_deg = p.flexion_min_deg;
        assert_params_rejected(&p);

        rule_params_default(&p);
        p.holding_time_factor = 0;
        assert_params_rejected(&p);

        /* 240 − 6 · 40 = 0 s at the top of the band. */
        rule_params_default(&p);
        p.maht_slope_s_per_deg = 6;
        assert_params_rejected(&p);

        /* Extension is backwards; NaN there too. */
        rule_params_default(&p);
        p.extension_deg = 0;
        assert_params_rejected(&p);
        p.extension_deg = NAN;
        assert_params_rejected(&p);

        /* The slouch band must lie below the flexion band. */
        rule_params_default(&p);
        p.slouch_deg = p.flexion_min_deg;
        assert_params_rejected(&p);

        rule_params_default(&p);
        p.repetitive_per_min = 0;
        assert_params_rejected(&p);
        p.repetitive_per_min = REPETITIVE_MAX_PER_MIN + 1;
        assert_params_rejected(&p);
        p.repetitive_per_min = REPETITIVE_MAX_PER_MIN;
        assert_int_equal(detectors_new(&d, &p), 0);
        detectors_free(d);

        rule_params_default(&p);
        p.sudden_rate_dps = 0;
        assert_params_rejected(&p);
        rule_params_default(&p);
        p.strain_half_life_s = 0;
        assert_params_rejected(&p);
        rule_params_default(&p);
        p.strain_walking_half_life_s = 0;
        assert_params_rejected(&p);
        rule_params_default(&p);
        p.strain_extreme_factor = 0.5;
        assert_params_rejected(&p);

        /* A rejected change leaves the old limits in place. */
        {
                Run r;

                rule_params_default(&p);
                run_init(&r, &p);
                p.holding_time_factor = -0.5;
                assert_int_equal(detectors_set_params(r.d, &p), -EINVAL);
                hold_until(&r, 40, 149);
                assert_int_equal(r.n, 0);
                hold_until(&r, 40, 151);
                assert_int_equal(r.n, 1);
                run_done(&r);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_maht),
                cmocka_unit_test(test_sustained_40),
                cmocka_unit_test(test_sustained_band_edges),
                cmocka_unit_test(test_sustained_peak),
                cmocka_unit_test(test_sustained_dips),
                cmocka_unit_test(test_sustained_refires_per_episode),
                cmocka_unit_test(test_extreme),
                cmocka_unit_test(test_extreme_hysteresis),
                cmocka_unit_test(test_acute),
                cmocka_unit_test(test_sample_time_only),
                cmocka_unit_test(test_nan_releases),
                cmocka_unit_test(test_reset_and_set_params),
                cmocka_unit_test(test_out_capacity),
                cmocka_unit_test(test_bad_params),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
