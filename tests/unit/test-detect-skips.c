/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rules feed_pending() leaves out or takes inline (detect.c): a fired
 * slouch episode above its keep limit, a counted bend in its keep band or
 * growing above its limit, a stay below sustained-flexion's band; each
 * against the rules fed the same samples with their angles worked out
 * (detect-pair.h), at the limits' edges and when the limits change.
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

/* repetitive-bending: a first bend, alone in its minute, rises from 25° to
 * 33° after it counted (repetitive_grows() takes it, the rate failing);
 * the bends every 15 s after it open the episode, whose peak is the first
 * bend's (recent_peak()), and it fires with it; the rise a hair above the
 * limit (the shortcut cannot tell: the rule is called) or 20 s long. */
static void test_bend_grows(void **state)
{
        Segment grows[4 + 2 * 24] = { { 8, 0, 10 }, { 25, 0, 0.5 }, { 33, 0, 0.5 }, { 10, 0, 14 } },
                              edge[4 + 2 * 24] = { { 8, 0, 10 },
                                                   { 25, 0, 0.5 },
                                                   { 20 + HAIR, 0, 0.5 },
                                                   { 10, 0, 14 } },
                              long_rise[4 + 2 * 24] = {
                                      { 8, 0, 10 }, { 25, 0, 0.5 }, { 33, 0, 20 }, { 10, 0, 14 }
                              };
        /* The rate holding within a counted bend: the episode opens then
         * (not repetitive_grows()'s), and fires 5 s after the first onset,
         * within the long second bend. */
        Segment opens[] = { { 8, 0, 10 }, { 25, 0, 1 }, { 10, 0, 2 }, { 25, 0, 20 }, { 10, 0, 5 } };
        /* Four bends a minute asked for: the second bend counted, the rate
         * fails; two asked for within it: the rate holds, the episode opens
         * at once (the rule is called) and fires. */
        RuleParams p, four, low;
        Segment low_bends[5 * 6];
        const Segment per_min[] = {
                { 8, 0, 10 }, { 25, 0, 1 }, { 10, 0, 2 }, { 25, 0, 5 }, { 25, 0, 20, .params = &p },
                { 10, 0, 5 },
        };

        for (size_t i = 4; i < ELEMENTSOF(grows); i += 2) {
                grows[i] = edge[i] = long_rise[i] = (Segment){ 25, 0, 1 };
                grows[i + 1] = edge[i + 1] = long_rise[i + 1] = (Segment){ 10, 0, 14 };
        }
        params(&p);
        p.slouch_enabled = false;
        assert_int_equal(run_script(&p, grows, ELEMENTSOF(grows)), 1);
        assert_int_equal(run_script(&p, edge, ELEMENTSOF(edge)), 1);
        assert_int_equal(run_script(&p, long_rise, ELEMENTSOF(long_rise)), 1);
        p.repetitive_duration_s = 5;
        assert_int_equal(run_script(&p, opens, ELEMENTSOF(opens)), 1);
        four = p;
        four.repetitive_per_min = 4;
        assert_int_equal(run_script(&four, per_min, ELEMENTSOF(per_min)), 1);
        /* repetitive_deg below flexion_min_deg (15° and 20°; 5 s to fire,
         * slouch off): each bend grows from 16° to 19° after it counted,
         * below sustained-flexion's band, so nothing has worked out the
         * sample's angles before repetitive_grows() reads them; the peak the
         * episode fires with is the sample's, not an earlier one's. */
        low = p;
        low.repetitive_deg = 15;
        for (size_t i = 0; i < ELEMENTSOF(low_bends); i += 5) {
                low_bends[i] = (Segment){ 5, 0, 4 };
                for (size_t k = 1; k < 5; k++)
                        low_bends[i + k] = (Segment){ 15 + (double) k, 0, 0.5 };
        }
        assert_int_equal(run_script(&low, low_bends, ELEMENTSOF(low_bends)), 1);
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
                cmocka_unit_test(test_slouch_keep_edge), cmocka_unit_test(test_slouch_disabled),
                cmocka_unit_test(test_bend_keep_edge),   cmocka_unit_test(test_bend_grows),
                cmocka_unit_test(test_sustained_dips),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
