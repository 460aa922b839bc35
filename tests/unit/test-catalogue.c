/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/advice.h"
#include "core/catalogue.h"
#include "util/macro.h"

/* Lines 1-7: the one alert every catalogue needs. */
#define RED                                                                                      \
        "[red-flag]\nSeverity=critical\nCategory=care\nPhases=all\nTrigger=red-flag\nText=Call " \
        "someone.\nSource=MedlinePlus\n"
/* Seven lines: [id], Severity, Category, Phases, Trigger, Text, Source. */
#define ITEM(id, sev, cat, ph, trig)                                                 \
        "[" id "]\nSeverity=" sev "\nCategory=" cat "\nPhases=" ph "\nTrigger=" trig \
        "\nText=Some advice.\nSource=ISO 11226, test\n"

static const char *const event_kinds[] = {
        "sustained-flexion", "extreme-flexion",    "unsupported-extension", "lateral-bend",
        "sudden-movement",   "repetitive-bending", "static-posture",        "slouch",
};

static void expect_error(const char *text, const char *expected)
{
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        _cleanup_(freep) char *err = NULL;

        assert_int_equal(catalogue_parse_string(&c, text, "bad.conf", &err), -EINVAL);
        assert_null(c);
        assert_non_null(err);
        if (strncmp(err, expected, strlen(expected)) != 0)
                fail_msg("error '%s' does not start with '%s'", err, expected);
}

static void test_errors(void **state)
{
        char long_line[300];

        expect_error(RED ITEM("a", "info", "posture", "none", "slouch") "Colour=red\n",
                     "bad.conf:15: [a] unknown key Colour=");
        expect_error(RED ITEM("a", "urgent", "posture", "none", "slouch"),
                     "bad.conf:9: [a] Severity=urgent: expected info, warning or critical");
        expect_error(RED ITEM("a", "info", "food", "none", "slouch"),
                     "bad.conf:10: [a] Category=food: expected posture, break");
        expect_error(RED ITEM("a", "info", "posture", "acute later", "slouch"),
                     "bad.conf:11: [a] Phases=acute later: expected none, acute");
        expect_error(RED ITEM("a", "info", "posture", "", "slouch"), "bad.conf:11: [a] Phases=:");
        expect_error(RED ITEM("a", "info", "posture", "none", "sneeze"),
                     "bad.conf:12: [a] Trigger=sneeze: expected an event kind");
        expect_error(RED "[a]\nSeverity=info\nCategory=posture\nPhases=none\nTrigger=slouch\n"
                         "Source=ISO 11226\n",
                     "bad.conf:8: [a] missing Text=");
        expect_error(RED "[a]\nSeverity=info\nCategory=posture\nPhases=none\nTrigger=slouch\n"
                         "Text=x\n" ITEM("b", "info", "posture", "none", "slouch"),
                     "bad.conf:8: [a] missing Source=");
        expect_error(RED "[a]\nSeverity=info\nCategory=posture\nPhases=none\nTrigger=slouch\n"
                         "Text=\nSource=ISO 11226\n",
                     "bad.conf:13: [a] Text=: expected text");
        expect_error(RED "[a]\nSeverity=info\nCategory=posture\nPhases=none\nTrigger=slouch\n"
                         "Text=x\nSource=Wikipedia\n",
                     "bad.conf:14: [a] Source=Wikipedia: expected MedlinePlus, NINDS");
        expect_error(RED "[a]\nSeverity=info\nCategory=posture\nPhases=none\nTrigger=slouch\n"
                         "Text=x\nSource=NINDSX\n",
                     "bad.conf:14: [a] Source=NINDSX");
        expect_error(RED ITEM("a", "info", "posture", "none", "slouch")
                             ITEM("a", "info", "posture", "none", "slouch"),
                     "bad.conf:15: [a] duplicate id, first defined at line 8");
        expect_error(RED RED, "bad.conf:8: [red-flag] duplicate id, first defined at line 1");
        expect_error(RED "Text=again\n", "bad.conf:8: [red-flag] Text= given twice");
        expect_error("Severity=info\n" RED, "bad.conf:1: Severity=info outside of an [id] section");
        expect_error(RED "[a]\nthis is not ini\n", "bad.conf:9: syntax error");
        /* The first error wins, a syntax error too. */
        expect_error(RED "garbage\n" ITEM("a", "urgent", "posture", "none", "slouch"),
                     "bad.conf:8: syntax error");
        expect_error("[Bad_Id]\nSeverity=info\n", "bad.conf:1: [Bad_Id] is not a valid id");
        expect_error(RED "[empty]\n" ITEM("a", "info", "posture", "none", "slouch"),
                     "bad.conf:8: empty section");
        expect_error(RED "[empty]\n", "bad.conf:8: empty section");
        expect_error("[a]\nSeverity=info\n  warning\n",
                     "bad.conf:3: [a] only Text= and Source= may continue");

        memset(long_line, 'x', sizeof(long_line) - 1);
        long_line[sizeof(long_line) - 1] = '\0';
        {
                _cleanup_(freep) char *text = NULL;

                assert_true(asprintf(&text, RED "[a]\nText=%s\n", long_line) > 0);
                expect_error(text, "bad.conf:9: line longer than");
        }
        {
                _cleanup_(freep) char *text = NULL;
                char *p;

                /* Continuation lines of 100 characters beyond 1024 bytes. */
                text = malloc(strlen(RED) + 20 + 12 * 102 + 1);
                assert_non_null(text);
                p = stpcpy(stpcpy(text, RED), "[a]\nText=start\n");
                for (unsigned i = 0; i < 12; i++) {
                        memset(p, ' ', 2);
                        memset(p + 2, 'y', 99);
                        p[101] = '\n';
                        p += 102;
                }
                *p = '\0';
                expect_error(text, "bad.conf:20: [a] Text= is longer than 1024 bytes");
        }
}

static void test_safety_rules(void **state)
{
        /* Stretching in the acute phase: at the later of Category= and Phases=. */
        expect_error(RED ITEM("s", "info", "stretch", "none acute", "slouch"),
                     "bad.conf:11: [s] Category=stretch must not list the acute phase");
        expect_error(RED ITEM("s", "info", "stretch", "all", "static-posture"),
                     "bad.conf:11: [s] Category=stretch must not list the acute phase");
        expect_error(RED "[s]\nPhases=acute\nSeverity=info\nCategory=stretch\nTrigger=slouch\n"
                         "Text=x\nSource=ISO 11226\n",
                     "bad.conf:11: [s] Category=stretch must not list the acute phase");
        /* Critical is the red-flag alert, and only it. */
        expect_error(RED ITEM("c", "critical", "care", "all", "slouch"),
                     "bad.conf:8: [c] Severity=critical is for the alerts");
        expect_error(ITEM("red-flag", "warning", "care", "all", "red-flag"),
                     "bad.conf:1: [red-flag] Severity=critical is for the alerts");
        /* Exactly one alert in every phase. */
        expect_error(RED ITEM("red2", "critical", "care", "recovering acute", "red-flag"),
                     "bad.conf:8: [red2] a second Trigger=red-flag item for phase acute");
        expect_error(ITEM("red-flag", "critical", "care", "none,acute,recovering", "red-flag"),
                     "bad.conf: no Trigger=red-flag item for phase recovered");
        expect_error("", "bad.conf: no Trigger=red-flag item for phase none");
        expect_error("# nothing but comments\n", "bad.conf: no Trigger=red-flag item");
}

static void test_good(void **state)
{
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        _cleanup_(freep) char *err = NULL;
        const AdviceItem *it;
        const char *text = "\xEF\xBB\xBF# comment\r\n" RED "\n"
                           "; another comment\n"
                           "[acute-walk]\n"
                           "Severity=warning\n"
                           "Category=movement\n"
                           "Phases=acute, recovering\n"
                           "Trigger=phase-entered\n"
                           "Text=Walk a little,\r\n"
                           "  gently:\n"
                           "\tno rush.\n"
                           "Source=NINDS: Low back pain\n"
                           "  fact sheet\n";

        assert_int_equal(catalogue_parse_string(&c, text, "good.conf", &err), 0);
        assert_null(err);
        assert_int_equal(catalogue_size(c), 2);
        it = catalogue_find(c, "acute-walk");
        assert_ptr_equal(it, catalogue_item(c, 1));
        assert_null(catalogue_item(c, 2));
        assert_null(catalogue_find(c, "nope"));
        assert_int_equal(it->line, 11);
        assert_int_equal(it->severity, SEVERITY_WARNING);
        assert_int_equal(it->category, ADVICE_CATEGORY_MOVEMENT);
        assert_int_equal(it->phases, PHASE_BIT(PHASE_ACUTE) | PHASE_BIT(PHASE_RECOVERING));
        assert_string_equal(it->trigger, "phase-entered");
        assert_string_equal(it->text, "Walk a little, gently: no rush.");
        assert_string_equal(it->source, "NINDS: Low back pain fact sheet");
        it = catalogue_item(c, 0);
        assert_string_equal(it->id, "red-flag");
        assert_int_equal(it->line, 2);
        assert_int_equal(it->phases, PHASE_ALL);
        assert_int_equal(it->severity, SEVERITY_CRITICAL);
        assert_null(catalogue_free(NULL));
}

static void test_vocabulary(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(event_kinds); i++)
                assert_true(trigger_is_known(event_kinds[i]));
        for (EventKind k = 0; k < _EVENT_KIND_MAX; k++)
                assert_true(trigger_is_known(event_kind_to_string(k)));
        assert_true(trigger_is_known("pain-rising"));
        assert_false(trigger_is_known("Slouch"));
        assert_true(source_is_known("ISO 11226"));
        assert_true(source_is_known("Harvard Health Publishing, Stretching"));
        assert_false(source_is_known("Harvard"));
        assert_false(source_is_known(""));
        assert_string_equal(advice_category_to_string(ADVICE_CATEGORY_STRETCH), "stretch");
        assert_null(advice_category_to_string(_ADVICE_CATEGORY_MAX));
}

static char *shipped_path(void)
{
        const char *top = getenv("TOP_SRCDIR") ?: ".";
        char *path;

        assert_true(asprintf(&path, "%s/conf/advice.conf", top) > 0);
        return path;
}

static bool covered(const Catalogue *c, const char *trigger, RecoveryPhase phase)
{
        for (size_t i = 0; i < catalogue_size(c); i++) {
                const AdviceItem *it = catalogue_item(c, i);

                if (strcmp(it->trigger, trigger) == 0 && advice_item_allowed(it, phase))
                        return true;
        }
        return false;
}

/* conf/advice.conf loads and covers every event kind and situation in every phase. */
static void test_shipped(void **state)
{
        static const char *const situations[] = { "pain-rising", "pain-worsening", "red-flag" };
        static const char *const acute_guidance[] = { "acute-no-stretch", "acute-pause-activity",
                                                      "acute-ice-heat", "acute-pain-relief",
                                                      "acute-keep-moving" };
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        _cleanup_(freep) char *path = shipped_path();
        _cleanup_(freep) char *err = NULL;
        unsigned stretch = 0;
        int r;

        r = catalogue_load(&c, path, &err);
        if (r < 0)
                fail_msg("%s: %s", path, err ?: strerror(-r));

        for (RecoveryPhase p = 0; p < _PHASE_MAX; p++) {
                for (size_t i = 0; i < ELEMENTSOF(event_kinds); i++)
                        if (!covered(c, event_kinds[i], p))
                                fail_msg("no advice for %s in phase %s", event_kinds[i],
                                         recovery_phase_to_string(p));
                for (EventKind k = 0; k < _EVENT_KIND_MAX; k++)
                        /* prolonged-rest fires only in the acute and recovering phases. */
                        if ((k != EVENT_PROLONGED_REST || p == PHASE_ACUTE ||
                             p == PHASE_RECOVERING) &&
                            !covered(c, event_kind_to_string(k), p))
                                fail_msg("no advice for %s in phase %s", event_kind_to_string(k),
                                         recovery_phase_to_string(p));
                for (size_t i = 0; i < ELEMENTSOF(situations); i++)
                        if (!covered(c, situations[i], p))
                                fail_msg("no advice for %s in phase %s", situations[i],
                                         recovery_phase_to_string(p));
                if (p != PHASE_NONE && !covered(c, "phase-entered", p))
                        fail_msg("nothing to say on entering %s", recovery_phase_to_string(p));
        }
        for (size_t i = 0; i < ELEMENTSOF(acute_guidance); i++) {
                const AdviceItem *it = catalogue_find(c, acute_guidance[i]);

                assert_non_null(it);
                assert_true(advice_item_allowed(it, PHASE_ACUTE));
                assert_string_equal(it->trigger, "phase-entered");
        }
        for (size_t i = 0; i < catalogue_size(c); i++) {
                const AdviceItem *it = catalogue_item(c, i);
                size_t n = strlen(it->text);

                assert_true(source_is_known(it->source));
                assert_true(n > 0 && strchr(".!", it->text[n - 1]));
                assert_null(strstr(it->text, "  "));
                if (it->category == ADVICE_CATEGORY_STRETCH) {
                        assert_false(it->phases & PHASE_BIT(PHASE_ACUTE));
                        stretch++;
                }
        }
        /* There is stretching to leave out, or the acute tests prove nothing. */
        assert_true(stretch > 0);
        assert_int_equal(catalogue_find(c, "red-flag")->severity, SEVERITY_CRITICAL);
}

/* The snake_case kinds of earlier versions stay accepted as triggers, and
 * match the kebab-case kinds the detectors emit. */
static void test_trigger_aliases(void **state)
{
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        _cleanup_(freep) char *err = NULL;

        assert_int_equal(catalogue_parse_string(
                                 &c,
                                 RED ITEM("a", "warning", "posture", "none", "lateral_bend")
                                         ITEM("b", "info", "movement", "acute", "prolonged-rest"),
                                 "aliases.conf", &err),
                         0);
        assert_string_equal(catalogue_find(c, "a")->trigger, "lateral-bend");
        assert_string_equal(catalogue_find(c, "b")->trigger, "prolonged-rest");
        expect_error(RED ITEM("a", "info", "posture", "none", "lateral_bend_x"),
                     "bad.conf:12: [a] Trigger=lateral_bend_x: expected an event kind");
}

static void test_load(void **state)
{
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        char dir[] = "/tmp/test-catalogue-XXXXXX";
        _cleanup_(freep) char *path = NULL, *err = NULL;
        FILE *f;

        assert_int_equal(catalogue_load(&c, "/nonexistent/advice.conf", &err), -ENOENT);
        assert_null(err);

        assert_non_null(mkdtemp(dir));
        assert_true(asprintf(&path, "%s/advice.conf", dir) > 0);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(RED "[a]\nSeverity=loud\n", f);
        fclose(f);
        assert_int_equal(catalogue_load(&c, path, &err), -EINVAL);
        assert_non_null(err);
        if (strncmp(err, path, strlen(path)) != 0 || !strstr(err, ":9: [a] Severity=loud"))
                fail_msg("error '%s' does not name %s:9", err, path);
        free(err);
        err = NULL;

        f = fopen(path, "w");
        assert_non_null(f);
        fputs(RED, f);
        fputc('\0', f);
        fclose(f);
        assert_int_equal(catalogue_load(&c, path, &err), -EINVAL);
        assert_non_null(strstr(err, "contains a NUL byte"));
        free(err);
        err = NULL;

        f = fopen(path, "w");
        assert_non_null(f);
        fputs(RED, f);
        fclose(f);
        assert_int_equal(catalogue_load(&c, path, &err), 0);
        assert_int_equal(catalogue_size(c), 1);

        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_safety_rules),
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_vocabulary),
                cmocka_unit_test(test_shipped),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_trigger_aliases),
        };

        return cmocka_run_group_tests_name("catalogue", tests, NULL, NULL);
}
