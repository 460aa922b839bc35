/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/advice.h"
#include "util/macro.h"

#define SEC    USEC_PER_SEC
#define MINUTE (60 * SEC)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)
#define T0     (UINT64_C(1709251200) * SEC)

#define MAX_SEEN 4096

static const char *const event_kinds[] = {
        "sustained-flexion", "extreme-flexion",    "unsupported-extension", "lateral-bend",
        "sudden-movement",   "repetitive-bending", "static-posture",        "slouch",
};

/* What the engine gave, and checks of its promises at the moment it gives. */
typedef struct Seen {
        AdviceEngine *engine;
        Recovery *recovery;
        size_t n_advice, n_alerts;
        const AdviceItem *items[MAX_SEEN];
        bool alert[MAX_SEEN];
        /* For the rate limit: when each item was last given. */
        const AdviceItem *given[256];
        uint64_t given_at[256];
        size_t n_given;
        uint64_t repeat_usec;
} Seen;

static void check_allowed(Seen *s, const AdviceItem *it)
{
        RecoveryPhase phase = recovery_phase(s->recovery);

        if (phase == PHASE_ACUTE && it->category == ADVICE_CATEGORY_STRETCH)
                fail_msg("stretching advice '%s' in the acute phase", it->id);
        if (!(it->phases & PHASE_BIT(phase)))
                fail_msg("'%s' given in phase %s, which it does not list", it->id,
                         recovery_phase_to_string(phase));
}

static void record(Seen *s, const AdviceItem *it, bool alert)
{
        size_t n = s->n_advice + s->n_alerts;

        if (n < MAX_SEEN) {
                s->items[n] = it;
                s->alert[n] = alert;
        }
        if (alert)
                s->n_alerts++;
        else
                s->n_advice++;
}

static void on_advice(const AdviceItem *it, uint64_t now, void *userdata)
{
        Seen *s = userdata;
        size_t i;

        check_allowed(s, it);
        assert_int_not_equal(it->severity, SEVERITY_CRITICAL);
        if (advice_engine_snoozed(s->engine, now))
                fail_msg("'%s' given while snoozed", it->id);
        for (i = 0; i < s->n_given; i++)
                if (s->given[i] == it)
                        break;
        if (i < s->n_given && now >= s->given_at[i] && now - s->given_at[i] < s->repeat_usec)
                fail_msg("'%s' repeated after %llu us", it->id,
                         (unsigned long long) (now - s->given_at[i]));
        if (i == s->n_given && s->n_given < ELEMENTSOF(s->given))
                s->given[s->n_given++] = it;
        if (i < ELEMENTSOF(s->given))
                s->given_at[i] = now;
        record(s, it, false);
}

static void on_alert(const AdviceItem *it, uint64_t now, void *userdata)
{
        Seen *s = userdata;
        char *const *active = advice_engine_active_alerts(s->engine);

        check_allowed(s, it);
        assert_int_equal(it->severity, SEVERITY_CRITICAL);
        assert_string_equal(it->trigger, "red-flag");
        /* The one alert, and it is active now. */
        assert_non_null(active[0]);
        assert_string_equal(active[0], it->id);
        assert_null(active[1]);
        record(s, it, true);
}

static void seen_reset(Seen *s)
{
        s->n_advice = s->n_alerts = 0;
}

static bool seen_id(const Seen *s, const char *id)
{
        for (size_t i = 0; i < MIN(s->n_advice + s->n_alerts, (size_t) MAX_SEEN); i++)
                if (strcmp(s->items[i]->id, id) == 0)
                        return true;
        return false;
}

static Catalogue *load_shipped(void)
{
        const char *top = getenv("TOP_SRCDIR") ?: ".";
        _cleanup_(freep) char *path = NULL, *err = NULL;
        Catalogue *c = NULL;

        assert_true(asprintf(&path, "%s/conf/advice.conf", top) > 0);
        if (catalogue_load(&c, path, &err) < 0)
                fail_msg("%s: %s", path, err ?: "cannot load");
        return c;
}

/* For every trigger, a stretch item outside the acute phase and a plain one everywhere. */
static Catalogue *build_stretchy(void)
{
        static const char *const situations[] = { "phase-entered", "pain-rising",
                                                  "pain-worsening" };
        _cleanup_(freep) char *text = NULL, *err = NULL;
        Catalogue *c = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        fputs("[red-flag]\nSeverity=critical\nCategory=care\nPhases=all\nTrigger=red-flag\n"
              "Text=Call.\nSource=MedlinePlus\n",
              f);
        for (size_t i = 0; i < ELEMENTSOF(event_kinds) + ELEMENTSOF(situations); i++) {
                const char *t = i < ELEMENTSOF(event_kinds)
                                        ? event_kinds[i]
                                        : situations[i - ELEMENTSOF(event_kinds)];

                fprintf(f,
                        "[stretch-%zu]\nSeverity=info\nCategory=stretch\n"
                        "Phases=none recovering recovered\nTrigger=%s\nText=Stretch.\n"
                        "Source=Harvard Health Publishing\n"
                        "[plain-%zu]\nSeverity=warning\nCategory=movement\nPhases=all\n"
                        "Trigger=%s\nText=Move.\nSource=NINDS\n",
                        i, t, i, t);
        }
        assert_int_equal(fclose(f), 0);
        if (catalogue_parse_string(&c, text, "stretchy.conf", &err) < 0)
                fail_msg("%s", err);
        return c;
}

typedef struct Fixture {
        Catalogue *catalogue;
        Recovery *recovery;
        AdviceEngine *engine;
        Seen seen;
} Fixture;

static Fixture *fixture_new(Catalogue *c, const AdviceParams *p)
{
        Fixture *f = calloc(1, sizeof(*f));
        AdviceParams def;

        assert_non_null(f);
        advice_params_default(&def);
        f->catalogue = c;
        assert_int_equal(recovery_new(&f->recovery, NULL), 0);
        assert_int_equal(advice_engine_new(&f->engine, c, f->recovery, p), 0);
        f->seen.engine = f->engine;
        f->seen.recovery = f->recovery;
        f->seen.repeat_usec = (p ?: &def)->repeat_interval_usec;
        advice_engine_set_handlers(f->engine, on_advice, on_alert, &f->seen);
        return f;
}

static void fixture_free(Fixture *f)
{
        advice_engine_free(f->engine);
        recovery_free(f->recovery);
        catalogue_free(f->catalogue);
        free(f);
}

static void test_item_allowed(void **state)
{
        AdviceItem it = { .id = "x", .category = ADVICE_CATEGORY_STRETCH, .phases = PHASE_ALL };

        /* Even an item that (against the loader's rule) lists acute is refused. */
        assert_true(advice_item_allowed(&it, PHASE_NONE));
        assert_false(advice_item_allowed(&it, PHASE_ACUTE));
        assert_true(advice_item_allowed(&it, PHASE_RECOVERING));
        assert_true(advice_item_allowed(&it, PHASE_RECOVERED));
        assert_false(advice_item_allowed(&it, _PHASE_MAX));
        it.category = ADVICE_CATEGORY_REST;
        assert_true(advice_item_allowed(&it, PHASE_ACUTE));
        it.phases = PHASE_BIT(PHASE_NONE);
        assert_false(advice_item_allowed(&it, PHASE_RECOVERING));
}

/* Only posture, break and movement items a strain event gives with no
 * injury reported go to everyone (Posture1.Advice). */
static void test_item_ergonomic(void **state)
{
        AdviceItem it = { .id = "x",
                          .category = ADVICE_CATEGORY_POSTURE,
                          .phases = PHASE_BIT(PHASE_NONE) | PHASE_BIT(PHASE_RECOVERED),
                          .trigger = "sustained_flexion" };

        assert_true(advice_item_is_ergonomic(&it));
        it.category = ADVICE_CATEGORY_BREAK;
        assert_true(advice_item_is_ergonomic(&it));
        it.category = ADVICE_CATEGORY_MOVEMENT;
        assert_true(advice_item_is_ergonomic(&it));
        it.category = ADVICE_CATEGORY_STRETCH;
        assert_false(advice_item_is_ergonomic(&it));
        it.category = ADVICE_CATEGORY_POSTURE;
        it.phases = PHASE_BIT(PHASE_ACUTE); /* only an injury brings it */
        assert_false(advice_item_is_ergonomic(&it));
        it.phases = PHASE_ALL;
        it.trigger = TRIGGER_PHASE_ENTERED;
        assert_false(advice_item_is_ergonomic(&it));
        it.trigger = TRIGGER_PAIN_RISING;
        assert_false(advice_item_is_ergonomic(&it));
}

/* Random walks through everything the engine accepts; the handlers check
 * no stretching while acute, the phase, snooze, rate limit and one alert. */
static void random_walk(Catalogue *c, unsigned seed)
{
        static char *symptom_lists[][3] = {
                { "fever", NULL },
                { "leg_weakness", "radiating_pain_arm", NULL },
                { NULL },
                { "fever", "sore_toe", NULL },
        };
        Fixture *f = fixture_new(c, NULL);
        uint64_t now = T0;

        srand(seed);
        for (unsigned step = 0; step < 400; step++) {
                int op = rand() % 9;
                unsigned n_active;

                switch (op) {
                case 0:
                case 1:
                case 2:
                        (void) advice_engine_event(
                                f->engine, event_kinds[rand() % ELEMENTSOF(event_kinds)], now);
                        break;
                case 3:
                        (void) advice_engine_report_injury(
                                f->engine, rand() % 3 ? now - (uint64_t) (rand() % 4) * DAY : 0,
                                now);
                        break;
                case 4:
                        (void) advice_engine_report_pain(f->engine, (unsigned) (rand() % 12), "",
                                                         now);
                        break;
                case 5:
                        (void) advice_engine_report_symptoms(
                                f->engine, symptom_lists[rand() % ELEMENTSOF(symptom_lists)], now);
                        break;
                case 6:
                        (void) advice_engine_acknowledge(f->engine, rand() % 2 ? "red-flag" : "x");
                        break;
                case 7:
                        (void) advice_engine_snooze(f->engine, (unsigned) (rand() % 20000), now);
                        break;
                case 8:
                        if (rand() % 4 == 0)
                                (void) advice_engine_report_recovered(f->engine, now);
                        else
                                (void) advice_engine_tick(f->engine, now);
                        break;
                }
                n_active = 0;
                for (char *const *a = advice_engine_active_alerts(f->engine); *a; a++)
                        n_active++;
                assert_true(n_active <= 1);
                now += rand() % 5 == 0 ? (uint64_t) (rand() % (3 * 24)) * HOUR
                                       : (uint64_t) (rand() % 1200) * SEC;
        }
        f->catalogue = NULL; /* the caller's */
        fixture_free(f);
}

static void test_acute_never_stretches(void **state)
{
        Catalogue *shipped = load_shipped(), *stretchy = build_stretchy();

        for (unsigned seed = 1; seed <= 60; seed++) {
                random_walk(shipped, seed);
                random_walk(stretchy, seed);
        }

        /* And directly: every trigger in the acute phase, nothing but allowed items. */
        for (int which = 0; which < 2; which++) {
                Fixture *f = fixture_new(which ? stretchy : shipped, NULL);

                assert_int_equal(advice_engine_report_injury(f->engine, 0, T0), 0);
                assert_int_equal(recovery_phase(f->recovery), PHASE_ACUTE);
                for (size_t i = 0; i < ELEMENTSOF(event_kinds); i++)
                        assert_true(advice_engine_event(f->engine, event_kinds[i], T0 + SEC) > 0);
                assert_true(f->seen.n_advice > ELEMENTSOF(event_kinds));
                f->catalogue = NULL;
                fixture_free(f);
        }
        catalogue_free(shipped);
        catalogue_free(stretchy);
}

static void test_red_flag(void **state)
{
        Fixture *f = fixture_new(load_shipped(), NULL);
        char *fever[] = { "fever", NULL };
        char *more[] = { "leg_weakness", "loss_of_bladder_control", NULL };
        char *unknown[] = { "arm_weakness", "hiccups", NULL };
        char *none[] = { NULL };
        char *const *active;

        assert_int_equal(advice_engine_report_symptoms(f->engine, none, T0), 0);
        assert_int_equal(advice_engine_report_symptoms(f->engine, unknown, T0), -EINVAL);
        assert_int_equal(f->seen.n_alerts, 0);
        assert_int_equal(recovery_symptoms(f->recovery), 0);
        assert_null(advice_engine_active_alerts(f->engine)[0]);

        assert_int_equal(advice_engine_report_symptoms(f->engine, fever, T0), 0);
        assert_int_equal(f->seen.n_alerts, 1);
        assert_string_equal(f->seen.items[0]->id, "red-flag");
        assert_int_equal(f->seen.items[0]->severity, SEVERITY_CRITICAL);
        active = advice_engine_active_alerts(f->engine);
        assert_string_equal(active[0], "red-flag");
        assert_null(active[1]);

        /* More symptoms: still exactly one alert. */
        assert_int_equal(advice_engine_report_symptoms(f->engine, more, T0 + SEC), 0);
        assert_int_equal(advice_engine_report_symptoms(f->engine, fever, T0 + 2 * SEC), 0);
        assert_int_equal(f->seen.n_alerts, 1);
        assert_null(advice_engine_active_alerts(f->engine)[1]);

        /* Snoozing does not silence it, nor does time. */
        assert_int_equal(advice_engine_snooze(f->engine, 4 * 3600, T0 + 3 * SEC), 0);
        (void) advice_engine_tick(f->engine, T0 + HOUR);
        assert_string_equal(advice_engine_active_alerts(f->engine)[0], "red-flag");

        assert_int_equal(advice_engine_acknowledge(f->engine, "pain-rising"), -ENOENT);
        assert_int_equal(advice_engine_acknowledge(f->engine, "red-flag"), 0);
        assert_null(advice_engine_active_alerts(f->engine)[0]);
        assert_int_equal(advice_engine_acknowledge(f->engine, "red-flag"), -ENOENT);

        /* Reported again, still snoozed, a second later: raised again at once. */
        assert_true(advice_engine_snoozed(f->engine, T0 + HOUR + SEC));
        assert_int_equal(advice_engine_report_symptoms(f->engine, more, T0 + HOUR + SEC), 0);
        assert_int_equal(f->seen.n_alerts, 2);
        assert_string_equal(advice_engine_active_alerts(f->engine)[0], "red-flag");
        /* An unknown name changes nothing, even with a known one beside it. */
        assert_int_equal(advice_engine_acknowledge(f->engine, "red-flag"), 0);
        assert_int_equal(advice_engine_report_symptoms(f->engine, unknown, T0 + 2 * HOUR), -EINVAL);
        assert_int_equal(f->seen.n_alerts, 2);
        assert_null(advice_engine_active_alerts(f->engine)[0]);
        /* Strain events never raise it. */
        assert_int_equal(advice_engine_event(f->engine, "red-flag", T0 + 3 * HOUR), 0);
        assert_int_equal(f->seen.n_alerts, 2);
        fixture_free(f);
}

static void test_snooze(void **state)
{
        Fixture *f = fixture_new(load_shipped(), NULL);

        assert_int_equal(advice_engine_snooze(f->engine, 4 * 3600 + 1, T0), -EINVAL);
        assert_false(advice_engine_snoozed(f->engine, T0));
        assert_int_equal(advice_engine_snooze(f->engine, UINT32_MAX, T0), -EINVAL);
        assert_int_equal(advice_engine_snooze(f->engine, 4 * 3600, T0), 0);
        assert_true(advice_engine_snoozed(f->engine, T0 + 4 * HOUR - 1));
        assert_false(advice_engine_snoozed(f->engine, T0 + 4 * HOUR));
        /* A clock set back does not make it longer than 4 h. */
        assert_false(advice_engine_snoozed(f->engine, T0 - DAY));

        assert_int_equal(advice_engine_event(f->engine, "slouch", T0 + HOUR), 0);
        assert_int_equal(f->seen.n_advice, 0);
        assert_int_equal(advice_engine_event(f->engine, "slouch", T0 + 4 * HOUR), 1);
        assert_int_equal(f->seen.n_advice, 1);

        /* 0 ends it. */
        assert_int_equal(advice_engine_snooze(f->engine, 600, T0 + 5 * HOUR), 0);
        assert_int_equal(advice_engine_event(f->engine, "lateral-bend", T0 + 5 * HOUR), 0);
        assert_int_equal(advice_engine_snooze(f->engine, 0, T0 + 5 * HOUR), 0);
        assert_int_equal(advice_engine_event(f->engine, "lateral-bend", T0 + 5 * HOUR), 1);
        fixture_free(f);
}

static void test_rate_limit(void **state)
{
        AdviceParams p = { .repeat_interval_usec = MINUTE };
        Fixture *f = fixture_new(load_shipped(), NULL);
        Fixture *g = fixture_new(load_shipped(), &p);

        assert_int_equal(advice_engine_event(f->engine, "sustained-flexion", T0), 1);
        assert_string_equal(f->seen.items[0]->id, "sustained-flexion");
        assert_int_equal(advice_engine_event(f->engine, "sustained-flexion", T0 + 15 * MINUTE - 1),
                         0);
        /* Another id is not held back by it. */
        assert_int_equal(advice_engine_event(f->engine, "extreme-flexion", T0 + MINUTE), 1);
        assert_int_equal(advice_engine_event(f->engine, "sustained-flexion", T0 + 15 * MINUTE), 1);
        assert_int_equal(f->seen.n_advice, 3);

        assert_int_equal(advice_engine_event(g->engine, "slouch", T0), 1);
        assert_int_equal(advice_engine_event(g->engine, "slouch", T0 + 59 * SEC), 0);
        assert_int_equal(advice_engine_event(g->engine, "slouch", T0 + MINUTE), 1);
        /* Unknown kinds give nothing. */
        assert_int_equal(advice_engine_event(g->engine, "wobble", T0 + HOUR), 0);
        fixture_free(f);
        fixture_free(g);

        p.repeat_interval_usec = 0;
        f = fixture_new(load_shipped(), &p);
        for (unsigned i = 0; i < 3; i++)
                assert_int_equal(advice_engine_event(f->engine, "slouch", T0), 1);
        fixture_free(f);
}

/* A reload: the engine takes a new catalogue; what it knows of the wearer stays. */
static void test_set_catalogue(void **state)
{
        AdviceParams p = { .repeat_interval_usec = 0 };
        Fixture *f = fixture_new(load_shipped(), NULL);
        char *fever[] = { "fever", NULL };
        Catalogue *c;

        assert_int_equal(advice_engine_event(f->engine, "sustained-flexion", T0), 1);
        assert_int_equal(advice_engine_report_symptoms(f->engine, fever, T0), 0);
        assert_int_equal(f->seen.n_alerts, 1);

        /* The same ids in a new catalogue: the old one is gone, the rate limit and alert stay. */
        c = load_shipped();
        assert_int_equal(advice_engine_set_catalogue(f->engine, c, NULL), 0);
        catalogue_free(f->catalogue);
        f->catalogue = c;
        assert_int_equal(advice_engine_event(f->engine, "sustained-flexion", T0 + MINUTE), 0);
        assert_string_equal(advice_engine_active_alerts(f->engine)[0], "red-flag");
        assert_int_equal(advice_engine_report_symptoms(f->engine, fever, T0 + MINUTE), 0);
        assert_int_equal(f->seen.n_alerts, 1);

        /* Other ids and a new repeat interval; the snooze stays. */
        assert_int_equal(advice_engine_snooze(f->engine, 3600, T0 + MINUTE), 0);
        c = build_stretchy();
        assert_int_equal(advice_engine_set_catalogue(f->engine, c, &p), 0);
        catalogue_free(f->catalogue);
        f->catalogue = c;
        f->seen.repeat_usec = 0;
        assert_true(advice_engine_snoozed(f->engine, T0 + 2 * MINUTE));
        assert_string_equal(advice_engine_active_alerts(f->engine)[0], "red-flag");
        assert_int_equal(advice_engine_event(f->engine, "slouch", T0 + 2 * MINUTE), 0);
        assert_int_equal(advice_engine_snooze(f->engine, 0, T0 + 2 * MINUTE), 0);
        for (unsigned i = 0; i < 2; i++)
                assert_int_equal(advice_engine_event(f->engine, "slouch", T0 + 3 * MINUTE), 2);
        assert_int_equal(advice_engine_acknowledge(f->engine, "red-flag"), 0);
        fixture_free(f);
}

static void test_phases(void **state)
{
        static const char *const acute_ids[] = { "acute-no-stretch", "acute-pause-activity",
                                                 "acute-ice-heat", "acute-pain-relief",
                                                 "acute-keep-moving" };
        Fixture *f = fixture_new(load_shipped(), NULL);

        assert_int_equal(advice_engine_report_recovered(f->engine, T0), RECOVERY_NOT_INJURED);
        assert_int_equal(advice_engine_report_injury(f->engine, T0 + 1, T0), -EINVAL);
        assert_int_equal(advice_engine_report_injury(f->engine, T0 - 400 * DAY, T0), -ERANGE);
        assert_int_equal(recovery_phase(f->recovery), PHASE_NONE);
        assert_int_equal(f->seen.n_advice, 0);

        /* Each event kind in phase none: the ergonomic advice. */
        for (size_t i = 0; i < ELEMENTSOF(event_kinds); i++)
                assert_true(advice_engine_event(f->engine, event_kinds[i], T0) >= 1);
        seen_reset(&f->seen);

        assert_int_equal(advice_engine_report_injury(f->engine, 0, T0), 0);
        for (size_t i = 0; i < ELEMENTSOF(acute_ids); i++)
                assert_true(seen_id(&f->seen, acute_ids[i]));
        assert_int_equal(f->seen.n_advice, ELEMENTSOF(acute_ids));
        seen_reset(&f->seen);
        assert_int_equal(advice_engine_event(f->engine, "sustained-flexion", T0 + HOUR), 1);
        assert_string_equal(f->seen.items[0]->id, "acute-sustained-flexion");

        /* Just under 48 h: still acute. At 48 h: recovering, with its advice. */
        assert_int_equal(advice_engine_tick(f->engine, T0 + 48 * HOUR - 1), 0);
        seen_reset(&f->seen);
        assert_int_equal(advice_engine_tick(f->engine, T0 + 48 * HOUR), 1);
        assert_int_equal(recovery_phase(f->recovery), PHASE_RECOVERING);
        assert_true(seen_id(&f->seen, "recovering-lower-intensity"));
        assert_true(seen_id(&f->seen, "recovering-pain-guide"));
        assert_true(seen_id(&f->seen, "recovering-gentle-stretch"));
        seen_reset(&f->seen);
        assert_int_equal(advice_engine_event(f->engine, "repetitive-bending", T0 + 49 * HOUR), 1);
        assert_string_equal(f->seen.items[0]->id, "recovering-repetitive-bending");

        seen_reset(&f->seen);
        assert_int_equal(advice_engine_report_recovered(f->engine, T0 + 10 * DAY), 0);
        assert_int_equal(recovery_phase(f->recovery), PHASE_RECOVERED);
        assert_true(seen_id(&f->seen, "recovered-welcome"));
        assert_int_equal(advice_engine_report_recovered(f->engine, T0 + 10 * DAY), 0);
        assert_int_equal(f->seen.n_advice, 1);
        fixture_free(f);
}

static void test_pain(void **state)
{
        Fixture *f = fixture_new(load_shipped(), NULL);
        const uint64_t noon = T0 + 12 * HOUR;

        assert_int_equal(advice_engine_report_pain(f->engine, 11, "x", T0), -EINVAL);
        assert_false(recovery_last_pain(f->recovery, NULL, NULL, NULL));

        assert_int_equal(advice_engine_report_pain(f->engine, 2, "sitting", noon), 0);
        assert_int_equal(advice_engine_event(f->engine, "extreme-flexion", noon + 5 * MINUTE), 1);
        seen_reset(&f->seen);
        assert_int_equal(advice_engine_report_pain(f->engine, 5, "lifting", noon + 10 * MINUTE), 0);
        assert_int_equal(f->seen.n_advice, 1);
        assert_string_equal(f->seen.items[0]->id, "pain-rising");
        assert_int_equal(f->seen.items[0]->category, ADVICE_CATEGORY_PAIN);

        /* Across days: 5, 6, 7 as the daily maxima. */
        seen_reset(&f->seen);
        assert_int_equal(advice_engine_report_pain(f->engine, 6, "", noon + DAY), 0);
        assert_false(seen_id(&f->seen, "pain-worsening"));
        assert_int_equal(advice_engine_report_pain(f->engine, 7, "", noon + 2 * DAY), 0);
        assert_true(seen_id(&f->seen, "pain-worsening"));
        fixture_free(f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_item_allowed),   cmocka_unit_test(test_acute_never_stretches),
                cmocka_unit_test(test_red_flag),       cmocka_unit_test(test_snooze),
                cmocka_unit_test(test_rate_limit),     cmocka_unit_test(test_phases),
                cmocka_unit_test(test_pain),           cmocka_unit_test(test_set_catalogue),
                cmocka_unit_test(test_item_ergonomic),
        };

        return cmocka_run_group_tests_name("advice", tests, NULL, NULL);
}
