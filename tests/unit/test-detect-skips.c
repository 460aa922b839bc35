/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rules feed_pending() leaves out or takes inline (detect.c): a fired
 * slouch episode above its keep limit, a counted bend in its keep band, a
 * stay below sustained-flexion's band; each against the rules fed the same
 * samples with their angles worked out (detect-pair.h), at the limits'
 * edges and when the limits change.
 */
#include "test-util.h"

#include <stdbool.h>

#include "angle-harness.h"
#include "detect-pair.h"
#include "core/detect/detect.h"

/* Angles a hair (1e-8°) either side of a limit: the shortcut cannot tell
 * (its margin is about 6e-8°, angle-view.h), the exact angle can. */
#define HAIR 1e-8

static void params(RuleParams *p)
{
        rule_params_default(p);
        p->static_change_deg = 30; /* static-posture stays with every step */
        p->backrest_support = false;
        p->cooldown_s[EVENT_SLOUCH] = 10;
}

/* slouch fires after 30 s in its band; a sample below its keep limit
 * (13°) ends the episode, so the band held again fires again; one above
 * keeps the fired episode open, which fires no more. The bend before it
 * keeps sustained-flexion going (a dip), so that feed_pending() takes the
 * sample the long way, where it leaves slouch out. */
static void test_slouch_keep_edge(void **state)
{
        RuleParams p;
        Segment below[] = {
                { 8, 0, 10 },           { 17, 0, 35 }, { 25, 0, 1 }, { 17, 0, 1 },
                { 13 - HAIR, 0, 0.02 }, { 17, 0, 40 }, { 0, 0, 2 },
        };
        Segment above[] = {
                { 8, 0, 10 },           { 17, 0, 35 }, { 25, 0, 1 }, { 17, 0, 1 },
                { 13 + HAIR, 0, 0.02 }, { 17, 0, 40 }, { 0, 0, 2 },
        };
        /* Above flexion_min_deg and back: a fired episode kept open. */
        Segment bent[] = {
                { 8, 0, 10 }, { 17, 0, 35 }, { 25, 0, 2 }, { 17, 0, 40 }, { 0, 0, 2 },
        };

        params(&p);
        assert_int_equal(run_script(&p, below, ELEMENTSOF(below)), 2);
        assert_int_equal(run_script(&p, above, ELEMENTSOF(above)), 1);
        assert_int_equal(run_script(&p, bent, ELEMENTSOF(bent)), 1);
        (void) state;
}

/* slouch turned off while a fired episode is open (the long way, after a
 * bend) ends it; turned on again in the band, a new episode fires. */
static void test_slouch_disabled(void **state)
{
        RuleParams p, off;
        Segment toggle[] = {
                { 8, 0, 10 },
                { 17, 0, 35 },
                { 25, 0, 1 },
                { 17, 0, 1, .params = &off },
                { 17, 0, 40, .params = &p },
                { 0, 0, 2 },
        };

        params(&p);
        off = p;
        off.slouch_enabled = false;
        assert_int_equal(run_script(&p, toggle, ELEMENTSOF(toggle)), 2);
        (void) state;
}

/* repetitive-bending: bends every 15 s for over 300 s, between them a hair
 * below the keep limit (18°: each bend ends, the next counts, it fires) or
 * a hair above it (one long bend: nothing). Slouch off: 18° is in its band. */
static void test_bend_keep_edge(void **state)
{
        Segment ends[1 + 2 * 25] = { { 8, 0, 10 } }, goes_on[1 + 2 * 25] = { { 8, 0, 10 } };
        RuleParams p;

        for (size_t i = 1; i < ELEMENTSOF(ends); i += 2) {
                ends[i] = goes_on[i] = (Segment){ 30, 0, 1 };
                ends[i + 1] = (Segment){ 18 - HAIR, 0, 14 };
                goes_on[i + 1] = (Segment){ 18 + HAIR, 0, 14 };
        }
        params(&p);
        p.slouch_enabled = false;
        assert_int_equal(run_script(&p, ends, ELEMENTSOF(ends)), 1);
        assert_int_equal(run_script(&p, goes_on, ELEMENTSOF(goes_on)), 0);
        (void) state;
}

/* sustained-flexion: dips below its band (20°) a hair under the limit, each
 * shorter than dip_tolerance_s, keep the dose (it fires after MAHT(40°) =
 * 150 s of the band); one of 4 s ends the episode; 4 s a hair above the
 * limit are in the band. */
static void test_sustained_dips(void **state)
{
        Segment kept[1 + 2 * 60] = { { 8, 0, 10 } }, ended[1 + 2 * 60] = { { 8, 0, 10 } },
                             in_band[1 + 2 * 60] = { { 8, 0, 10 } };
        RuleParams p;

        for (size_t i = 1; i < ELEMENTSOF(kept); i += 2) {
                kept[i] = ended[i] = in_band[i] = (Segment){ 40, 0, 3 };
                kept[i + 1] = (Segment){ 20 - HAIR, 0, 3.9 };
                ended[i + 1] = (Segment){ 20 - HAIR, 0, 4 };
                in_band[i + 1] = (Segment){ 20 + HAIR, 0, 4 };
        }
        params(&p);
        p.slouch_enabled = false;
        assert_int_equal(run_script(&p, kept, ELEMENTSOF(kept)), 1);
        assert_int_equal(run_script(&p, ended, ELEMENTSOF(ended)), 0);
        assert_int_equal(run_script(&p, in_band, ELEMENTSOF(in_band)), 1);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_slouch_keep_edge),
                cmocka_unit_test(test_slouch_disabled),
                cmocka_unit_test(test_bend_keep_edge),
                cmocka_unit_test(test_sustained_dips),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
