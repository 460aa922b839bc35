/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Health with a fake clock: reports, advice, the phase timer, the state file. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-event.h>

#include "core/config.h"
#include "health.h"
#include "util/macro.h"
#include "util/time-util.h"

#define HOUR (UINT64_C(3600) * USEC_PER_SEC)
#define DAY  (24 * HOUR)

static const char catalogue_text[] = "[red-flag]\n"
                                     "Severity=critical\n"
                                     "Category=care\n"
                                     "Phases=all\n"
                                     "Trigger=red-flag\n"
                                     "Text=Contact a healthcare provider.\n"
                                     "Source=NINDS, Low back pain fact sheet\n"
                                     "[acute-keep-moving]\n"
                                     "Severity=info\n"
                                     "Category=movement\n"
                                     "Phases=acute\n"
                                     "Trigger=phase-entered\n"
                                     "Text=Keep moving gently.\n"
                                     "Source=NINDS, Low back pain fact sheet\n"
                                     "[recovering-lower-intensity]\n"
                                     "Severity=info\n"
                                     "Category=movement\n"
                                     "Phases=recovering\n"
                                     "Trigger=phase-entered\n"
                                     "Text=Lower the intensity.\n"
                                     "Source=MedlinePlus, Taking care of your back at home\n";

/* What the callbacks saw, and the fake clock: the real one, @behind earlier. */
typedef struct Fixture {
        char dir[64];
        Config config;
        sd_event *event;
        uint64_t behind;
        char advice[8][64];
        unsigned n_advice;
        char alert[64];
        unsigned n_alerts;
        unsigned changed;
} Fixture;

static uint64_t fake_now(void *userdata)
{
        Fixture *f = userdata;

        return now_us(CLOCK_REALTIME) - f->behind;
}

static void on_advice(const AdviceItem *item, void *userdata)
{
        Fixture *f = userdata;

        assert_true(f->n_advice < ELEMENTSOF(f->advice));
        snprintf(f->advice[f->n_advice++], sizeof(f->advice[0]), "%s", item->id);
}

static void on_alert(const AdviceItem *item, void *userdata)
{
        Fixture *f = userdata;

        snprintf(f->alert, sizeof(f->alert), "%s", item->id);
        f->n_alerts++;
}

static void on_changed(unsigned what, void *userdata)
{
        Fixture *f = userdata;

        f->changed |= what;
}

static const HealthCallbacks callbacks = {
        .advice = on_advice,
        .alert = on_alert,
        .changed = on_changed,
        .now = fake_now,
};

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        char *path = NULL;
        FILE *cat;

        assert_non_null(f);
        strcpy(f->dir, "/tmp/test-health-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_true(asprintf(&path, "%s/advice.conf", f->dir) > 0);
        cat = fopen(path, "we");
        assert_non_null(cat);
        fputs(catalogue_text, cat);
        fclose(cat);
        assert_int_equal(config_init(&f->config, "", path), 0);
        free(path);
        assert_true(asprintf(&f->config.state_file, "%s/recovery", f->dir) > 0);
        assert_int_equal(sd_event_new(&f->event), 0);
        /* Ten days behind the real clock: an onset that is "now" for Health
         * would lie in the future for the real clock. */
        f->behind = 10 * DAY;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        char *cmd = NULL;

        sd_event_unref(f->event);
        config_done(&f->config);
        assert_true(asprintf(&cmd, "rm -rf '%s'", f->dir) > 0);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        free(f);
        return 0;
}

static Health *new_health(Fixture *f)
{
        Health *h = NULL;

        assert_int_equal(health_new(&h, f->event, &f->config, &callbacks, f), 0);
        assert_non_null(h);
        return h;
}

static void test_injury_gives_acute_advice(void **state)
{
        Fixture *f = *state;
        Health *h = new_health(f);

        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_NONE);
        assert_int_equal(health_report_injury(h, 0), 0);
        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_ACUTE);
        /* "Now" is the fake clock's. */
        assert_true(recovery_onset(health_recovery(h)) < now_us(CLOCK_REALTIME) - 9 * DAY);
        assert_int_equal(f->n_advice, 1);
        assert_string_equal(f->advice[0], "acute-keep-moving");
        assert_true(f->changed & HEALTH_CHANGED_PHASE);

        /* Recovered before any injury is refused; after one it is fine. */
        assert_int_equal(health_report_recovered(h), 0);
        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_RECOVERED);
        health_free(h);

        h = new_health(f);
        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_RECOVERED);
        health_free(h);
        assert_int_equal(unlink(f->config.state_file), 0);
        h = new_health(f);
        assert_int_equal(health_report_recovered(h), RECOVERY_NOT_INJURED);
        health_free(h);
}

static void test_phase_timer(void **state)
{
        Fixture *f = *state;
        uint64_t deadline = now_us(CLOCK_MONOTONIC) + 10 * USEC_PER_SEC;
        Health *h = new_health(f);

        /* The acute phase (48 h) ends a moment from now, on the fake clock. */
        assert_int_equal(health_report_injury(h, fake_now(f) - 48 * HOUR + 200000), 0);
        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_ACUTE);
        assert_int_equal(f->n_advice, 1);
        f->changed = 0;

        while (recovery_phase(health_recovery(h)) == PHASE_ACUTE &&
               now_us(CLOCK_MONOTONIC) < deadline)
                assert_true(sd_event_run(f->event, 10 * USEC_PER_SEC) >= 0);

        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_RECOVERING);
        assert_true(f->changed & HEALTH_CHANGED_PHASE);
        assert_int_equal(f->n_advice, 2);
        assert_string_equal(f->advice[1], "recovering-lower-intensity");
        health_free(h);
}

static void test_state_survives(void **state)
{
        Fixture *f = *state;
        char *symptoms[] = { "fever", NULL };
        const char *context;
        unsigned level;
        uint64_t t;
        Health *h = new_health(f);

        assert_int_equal(health_report_injury(h, 0), 0);
        assert_int_equal(health_report_pain(h, 5, "typing"), 0);
        assert_true(f->changed & HEALTH_CHANGED_PAIN);
        assert_int_equal(health_report_pain(h, 11, ""), -EINVAL);
        assert_int_equal(health_report_symptoms(h, symptoms), 0);
        assert_int_equal(f->n_alerts, 1);
        assert_string_equal(f->alert, "red-flag");
        assert_string_equal(health_active_alerts(h)[0], "red-flag");
        health_free(h);

        /* Restored without advice; the alert is raised again until acknowledged. */
        f->n_advice = f->n_alerts = 0;
        h = new_health(f);
        assert_int_equal(f->n_advice, 0);
        assert_int_equal(f->n_alerts, 1);
        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_ACUTE);
        assert_true(recovery_last_pain(health_recovery(h), &level, &t, &context));
        assert_int_equal(level, 5);
        assert_string_equal(context, "typing");
        assert_int_equal(health_acknowledge_alert(h, "nonsense"), -ENOENT);
        assert_int_equal(health_acknowledge_alert(h, "red-flag"), 0);
        assert_null(health_active_alerts(h)[0]);
        health_free(h);

        f->n_alerts = 0;
        h = new_health(f);
        assert_int_equal(f->n_alerts, 0);
        assert_null(health_active_alerts(h)[0]);
        health_free(h);
}

/* A report that cannot be stored is refused and changes nothing (issue 10, item 4). */
static void test_unsaved_report_refused(void **state)
{
        Fixture *f = *state;
        char *symptoms[] = { "fever", NULL };
        const char *context;
        unsigned level;
        uint64_t t;
        char *blocker = NULL;
        FILE *s;
        Health *h;

        /* The state file's directory is a regular file: every write fails, even as root. */
        assert_true(asprintf(&blocker, "%s/not-a-directory", f->dir) > 0);
        s = fopen(blocker, "we");
        assert_non_null(s);
        fclose(s);
        free(f->config.state_file);
        assert_true(asprintf(&f->config.state_file, "%s/recovery", blocker) > 0);
        free(blocker);

        h = new_health(f);
        f->changed = 0;
        assert_true(health_report_pain(h, 5, "typing") < 0);
        assert_false(recovery_last_pain(health_recovery(h), &level, &t, &context));
        assert_int_equal(health_report_symptoms(h, symptoms) < 0, 1);
        assert_int_equal(f->n_alerts, 0);
        assert_null(health_active_alerts(h)[0]);
        assert_int_equal(recovery_symptoms(health_recovery(h)), 0);
        assert_int_equal(f->changed, 0);
        health_free(h);
}

static char *read_state(const Fixture *f)
{
        FILE *s = fopen(f->config.state_file, "re");
        char *text = calloc(1, 65536);

        assert_non_null(s);
        assert_non_null(text);
        assert_true(fread(text, 1, 65535, s) > 0);
        fclose(s);
        return text;
}

/* A clock a day behind the file keeps what the file holds (issue 10, item 5). */
static void test_clock_behind_keeps_state(void **state)
{
        Fixture *f = *state;
        uint64_t ahead = fake_now(f) + DAY;
        char onset[64], pain[64], *text;
        FILE *s = fopen(f->config.state_file, "we");
        Health *h;

        assert_non_null(s);
        snprintf(onset, sizeof(onset), "onset=%llu\n", (unsigned long long) ahead);
        snprintf(pain, sizeof(pain), "pain=%llu 6\n", (unsigned long long) (ahead + HOUR));
        fprintf(s, "%s%spain_context=lifting\n", onset, pain);
        fclose(s);

        h = new_health(f);
        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_NONE);
        /* A save: the future-dated entries are written again, after the new report. */
        assert_int_equal(health_report_pain(h, 2, "sitting"), 0);
        health_free(h);
        text = read_state(f);
        assert_non_null(strstr(text, onset));
        assert_non_null(strstr(text, pain));
        assert_true(strstr(text, "pain=") < strstr(text, pain));
        assert_non_null(strstr(text, "pain_context=lifting\n"));
        free(text);

        /* Once the clock has caught up, they are restored. */
        f->behind -= 2 * DAY;
        h = new_health(f);
        assert_int_equal(recovery_onset(health_recovery(h)), ahead);
        health_free(h);
}

/* Restarts do not copy the last pain report (issue 10, item 6). */
static void test_restarts_keep_one_report(void **state)
{
        Fixture *f = *state;
        PainReport history[4];
        char *text;
        Health *h = new_health(f);

        assert_int_equal(health_report_injury(h, 0), 0);
        assert_int_equal(health_report_pain(h, 4, "walking"), 0);
        health_free(h);

        for (unsigned i = 0; i < 5; i++) {
                h = new_health(f);
                assert_int_equal(
                        recovery_pain_history(health_recovery(h), history, ELEMENTSOF(history)), 1);
                /* A change that saves the state again. */
                assert_int_equal(health_report_recovered(h), 0);
                health_free(h);
        }
        text = read_state(f);
        assert_non_null(strstr(text, "pain="));
        assert_null(strstr(strstr(text, "pain=") + 1, "pain="));
        free(text);
}

static void test_damaged_state(void **state)
{
        Fixture *f = *state;
        FILE *s = fopen(f->config.state_file, "we");
        Health *h;

        assert_non_null(s);
        fputs("garbage\nonset=99999999999999999999999\npain=1 2 3\n", s);
        fclose(s);
        h = new_health(f);
        assert_int_equal(recovery_phase(health_recovery(h)), PHASE_NONE);
        health_free(h);
}

/* A damaged file gives a few warnings and a count, not one a line (issue 10, item 10). */
static void test_damaged_lines_summarised(void **state)
{
        Fixture *f = *state;
        FILE *s = fopen(f->config.state_file, "we");
        char *log_path = NULL, *text, *p;
        unsigned n_skipped = 0;
        int saved_stderr, fd;
        Health *h;

        assert_non_null(s);
        for (unsigned i = 0; i < 1000; i++)
                fputs("garbage\n", s);
        fclose(s);

        /* What Health logs goes to stderr: catch it. */
        assert_true(asprintf(&log_path, "%s/log", f->dir) > 0);
        fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        fflush(stderr);
        saved_stderr = dup(STDERR_FILENO);
        assert_true(saved_stderr >= 0);
        assert_true(dup2(fd, STDERR_FILENO) >= 0);
        h = new_health(f);
        fflush(stderr);
        assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
        close(saved_stderr);
        close(fd);
        health_free(h);

        s = fopen(log_path, "re");
        assert_non_null(s);
        text = calloc(1, 65536);
        assert_non_null(text);
        assert_true(fread(text, 1, 65535, s) > 0);
        fclose(s);
        for (p = text; (p = strstr(p, "skipped")); p++)
                n_skipped++;
        assert_int_equal(n_skipped, 6);
        assert_non_null(strstr(text, "995 more damaged lines skipped."));
        free(text);
        free(log_path);
}

static void test_snooze(void **state)
{
        Fixture *f = *state;
        Health *h = new_health(f);

        assert_int_equal(health_snooze(h, 4 * 3600 + 1), -EINVAL);
        assert_int_equal(health_snooze(h, 60), 0);
        assert_true(advice_engine_snoozed(coach_engine(health_coach(h)), fake_now(f)));
        assert_int_equal(health_snooze(h, 0), 0);
        assert_false(advice_engine_snoozed(coach_engine(health_coach(h)), fake_now(f)));
        health_free(h);
}

static void test_missing_catalogue(void **state)
{
        Fixture *f = *state;
        Health *h = NULL;

        free(f->config.catalogue_path);
        f->config.catalogue_path = strdup("/nonexistent/advice.conf");
        assert_int_equal(health_new(&h, f->event, &f->config, &callbacks, f), -ENOENT);
        assert_null(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_injury_gives_acute_advice, setup, teardown),
                cmocka_unit_test_setup_teardown(test_phase_timer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_state_survives, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unsaved_report_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_clock_behind_keeps_state, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restarts_keep_one_report, setup, teardown),
                cmocka_unit_test_setup_teardown(test_damaged_state, setup, teardown),
                cmocka_unit_test_setup_teardown(test_damaged_lines_summarised, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snooze, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_catalogue, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
