/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lying suspends the trunk rules; prolonged-rest. */
#include "detect-harness.h"

#define LYING(flexion, lateral, activity) POSE(flexion, lateral, 0, activity, true)
#define HOUR_S                            3600.0

/* Lying on a side or on the back, still or turning over, never fires a
 * trunk rule, however long. */
static void test_lying_suspends(void **state)
{
        static const EventKind kinds[] = {
                EVENT_SUSTAINED_FLEXION, EVENT_EXTREME_FLEXION, EVENT_UNSUPPORTED_EXTENSION,
                EVENT_LATERAL_BEND,      EVENT_SLOUCH,          EVENT_STATIC_POSTURE,
        };
        static const Pose poses[] = {
                LYING(0, 90, ACTIVITY_STILL),    LYING(0, -88, ACTIVITY_STILL),
                LYING(-85, 178, ACTIVITY_STILL), LYING(-88, 0, ACTIVITY_MOVING),
                LYING(40, 100, ACTIVITY_MOVING), LYING(17, 95, ACTIVITY_STILL),
        };
        RuleParams p;
        Run r;

        for (int acute = 0; acute <= 1; acute++) {
                params(&p, acute);
                for (size_t i = 0; i < ELEMENTSOF(poses); i++) {
                        run_init(&r, &p);
                        pose_until(&r, poses[i], 2 * HOUR_S);
                        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                                assert_int_equal(count_kind(&r, kinds[k]), 0);
                        /* Lying gives no load. */
                        assert_true(detectors_strain_level(r.d) < 1e-6);
                        run_done(&r);
                }
        }
}

/* Without a neutral (automatic calibration still waiting) the angles are
 * against the mount's upright, no reference for a body: a sample that says
 * so fires no trunk rule however far off it reads, and gives no load; only
 * static-posture, which needs no reference, fires (after 30 min). The same
 * angles with a neutral do fire. */
static void test_no_neutral_suspends(void **state)
{
        PostureSample s = {
                .flexion_deg = 70,
                .lateral_deg = 25,
                .rate_dps = 0,
                .activity = ACTIVITY_STILL,
                .awaiting_neutral = true,
        };
        RuleParams p;
        Run r;

        body_gravity(70, 25, s.motion_trunk);
        params(&p, false);
        run_init(&r, &p);
        feed_until(&r, s, true, HOUR_S);
        assert_int_equal(r.n, count_kind(&r, EVENT_STATIC_POSTURE));
        assert_int_equal(count_kind(&r, EVENT_STATIC_POSTURE), 1);
        assert_true(detectors_strain_level(r.d) < 1e-6);
        s.awaiting_neutral = false;
        feed_until(&r, s, true, HOUR_S + 10);
        assert_int_equal(count_kind(&r, EVENT_EXTREME_FLEXION), 1);
        run_done(&r);

        /* A fast jerk "while bent" by the mount's upright is no
         * sudden-movement either; with a neutral it is. */
        for (int awaiting = 1; awaiting >= 0; awaiting--) {
                run_init(&r, &p);
                s.awaiting_neutral = awaiting;
                s.rate_dps = 0;
                feed_until(&r, s, true, 5);
                s.rate_dps = 200;
                feed_until(&r, s, true, 6);
                s.rate_dps = 0;
                feed_until(&r, s, true, 20);
                assert_int_equal(count_kind(&r, EVENT_SUDDEN_MOVEMENT), !awaiting);
                run_done(&r);
        }
}

/* Lying down: the trunk passes a lateral bend (and a backward lean) while
 * moving for 8 s, then lies still on its side. The moving time, which
 * would count once the wearer is still in the posture, does not. */
static void test_lying_transition(void **state)
{
        RuleParams p;
        Run r;

        params(&p, false);
        run_init(&r, &p);
        pose_until(&r, POSE(0, 0), 5);
        pose_for(&r, POSE(-25, 35, 0, ACTIVITY_MOVING), 8);
        pose_for(&r, LYING(0, 88, ACTIVITY_STILL), 600);
        assert_int_equal(r.n, 0);
        run_done(&r);

        /* The same movement ending up sitting with the lateral bend: its
         * 8 s count (the rule as before), lateral-bend fires at once. */
        run_init(&r, &p);
        pose_until(&r, POSE(0, 0), 5);
        pose_for(&r, POSE(-5, 35, 0, ACTIVITY_MOVING), 8);
        pose_for(&r, POSE(-5, 35), 1);
        assert_int_equal(count_kind(&r, EVENT_LATERAL_BEND), 1);
        run_done(&r);
}

static void test_prolonged_rest(void **state)
{
        const StrainEvent *e;
        RuleParams p;
        Run r;

        /* Off by default (no injury reported): never. */
        params(&p, false);
        assert_never(&p, LYING(-88, 0, ACTIVITY_STILL), EVENT_PROLONGED_REST, 3 * HOUR_S);

        /* Acute: 2 h of lying still fires once. */
        params(&p, true);
        assert_fires_after(&p, LYING(-88, 0, ACTIVITY_STILL), EVENT_PROLONGED_REST, 2 * HOUR_S);

        /* Moving (turning over) ends the episode; so does getting up. */
        run_init(&r, &p);
        pose_until(&r, LYING(-88, 0, ACTIVITY_STILL), HOUR_S + 1800);
        pose_for(&r, LYING(0, 90, ACTIVITY_MOVING), 2);
        pose_for(&r, LYING(0, 90, ACTIVITY_STILL), HOUR_S + 1800);
        assert_int_equal(count_kind(&r, EVENT_PROLONGED_REST), 0);
        pose_for(&r, LYING(0, 90, ACTIVITY_STILL), 1801);
        assert_int_equal(count_kind(&r, EVENT_PROLONGED_REST), 1);
        e = last_of(&r, EVENT_PROLONGED_REST);
        assert_near(e->duration_s, 2 * HOUR_S, 0.05);
        assert_true(isnan(e->peak_deg));
        assert_int_equal(e->severity, SEVERITY_INFO);
        run_done(&r);

        /* Configurable. */
        p.prolonged_rest_s = 600;
        assert_fires_after(&p, LYING(0, -90, ACTIVITY_STILL), EVENT_PROLONGED_REST, 600);
        /* Sitting reclined is no rest in bed. */
        assert_never(&p, POSE(-40), EVENT_PROLONGED_REST, 3 * HOUR_S);
}

/* The day window: sample time 0 is 20:00 local time; lying from then on. */
static void test_prolonged_rest_day(void **state)
{
        RuleParams p;
        Run r;

        params(&p, true);
        p.prolonged_rest_s = 3 * HOUR_S;
        run_init(&r, &p);
        detectors_set_local_clock(r.d, (int64_t) (20 * HOUR_S) * NSEC_PER_SEC);
        /* 20:00-22:00 counts (2 h), the night adds nothing, 07:00 on counts
         * again: 3 h are reached at 08:00 (12 h after the start). */
        pose_until(&r, LYING(-88, 0, ACTIVITY_STILL), 12 * HOUR_S - 1);
        assert_int_equal(count_kind(&r, EVENT_PROLONGED_REST), 0);
        pose_until(&r, LYING(-88, 0, ACTIVITY_STILL), 12 * HOUR_S + 1);
        assert_int_equal(count_kind(&r, EVENT_PROLONGED_REST), 1);
        run_done(&r);

        /* A window across midnight (22:00-06:00, a night worker's day). */
        p.rest_day_start_h = 22;
        p.rest_day_end_h = 6;
        p.prolonged_rest_s = HOUR_S;
        run_init(&r, &p);
        detectors_set_local_clock(r.d, (int64_t) (20 * HOUR_S) * NSEC_PER_SEC);
        pose_until(&r, LYING(-88, 0, ACTIVITY_STILL), 3 * HOUR_S - 1);
        assert_int_equal(count_kind(&r, EVENT_PROLONGED_REST), 0);
        pose_until(&r, LYING(-88, 0, ACTIVITY_STILL), 3 * HOUR_S + 1);
        assert_int_equal(count_kind(&r, EVENT_PROLONGED_REST), 1);
        run_done(&r);

        /* Hours beyond 24 are refused. */
        params(&p, true);
        p.rest_day_end_h = 25;
        assert_false(rule_params_are_valid(&p));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lying_suspends),      cmocka_unit_test(test_lying_transition),
                cmocka_unit_test(test_no_neutral_suspends), cmocka_unit_test(test_prolonged_rest),
                cmocka_unit_test(test_prolonged_rest_day),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
