/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history's minutes from samples (core/history-minute.c), and the pipeline's hook. */
#include <string.h>

#include "core/history-minute.h"
#include "core/pipeline.h"
#include "test-util.h"

#define T0_US (UINT64_C(1700000000) * USEC_PER_SEC) /* 22:13:20 UTC: minute + 20 s */

static PostureSample sample(PostureClass p, Activity a, double flexion, double lateral)
{
        return (PostureSample){
                .posture = p, .activity = a, .flexion_deg = flexion, .lateral_deg = lateral
        };
}

static void test_one_minute(void **state)
{
        MinuteAccumulator acc = {};
        HistoryMinute m;
        PostureSample up = sample(POSTURE_UPRIGHT, ACTIVITY_STILL, 10, -4);
        PostureSample bent = sample(POSTURE_FLEXED, ACTIVITY_MOVING, 40, 12);
        uint64_t t = T0_US + 40 * USEC_PER_SEC; /* the start of a minute */
        int done = 0;

        /* 30 s upright at strain 0.2, then 30 s flexed at strain 0.6, 0.5 s each. */
        for (int i = 0; i < 120; i++) {
                done += minute_acc_add(&acc, t, i < 60 ? &up : &bent, 0.5, i < 60 ? 0.2 : 0.6, &m);
                t += USEC_PER_SEC / 2;
        }
        assert_int_equal(done, 0);
        /* The next sample is in the next minute: the first is finished. */
        assert_int_equal(minute_acc_add(&acc, t, &up, 0.5, 0, &m), 1);
        assert_int_equal(m.minute, (int64_t) ((T0_US + 40 * USEC_PER_SEC) / USEC_PER_MINUTE));
        assert_near(m.duration_s, 60, 1e-9);
        assert_near(m.posture_s[POSTURE_UPRIGHT], 30, 1e-9);
        assert_near(m.posture_s[POSTURE_FLEXED], 30, 1e-9);
        assert_near(m.activity_s[ACTIVITY_STILL], 30, 1e-9);
        assert_near(m.activity_s[ACTIVITY_MOVING], 30, 1e-9);
        assert_near(m.flexion_mean_deg, 25, 1e-9);
        assert_near(m.flexion_peak_deg, 40, 1e-9);
        assert_near(m.lateral_mean_deg, 8, 1e-9); /* of |lateral| */
        assert_near(m.lateral_peak_deg, 12, 1e-9);
        assert_near(m.strain_mean, 0.4, 1e-9);
        assert_near(m.not_worn_s, 0, 0);

        /* What is open so far comes out in a flush, and the minute starts afresh. */
        assert_int_equal(minute_acc_flush(&acc, &m), 1);
        assert_near(m.duration_s, 0.5, 1e-9);
        assert_int_equal(minute_acc_flush(&acc, &m), 0);
}

/* Seconds not worn count as the summary counts them: the posture's seconds. */
static void test_not_worn(void **state)
{
        MinuteAccumulator acc = {};
        HistoryMinute m;
        PostureSample up = sample(POSTURE_UPRIGHT, ACTIVITY_STILL, 0, 0);
        PostureSample desk = sample(POSTURE_NOT_WORN, ACTIVITY_STILL, 0, 0);
        uint64_t t = T0_US / USEC_PER_MINUTE * USEC_PER_MINUTE;

        for (int i = 0; i < 60; i++) {
                assert_int_equal(minute_acc_add(&acc, t, i < 20 ? &up : &desk, 0.5, 0, &m), 0);
                t += USEC_PER_SEC / 2;
        }
        assert_int_equal(minute_acc_flush(&acc, &m), 1);
        assert_near(m.duration_s, 30, 1e-9);
        assert_near(m.not_worn_s, 20, 1e-9);
        assert_near(m.posture_s[POSTURE_NOT_WORN], 20, 1e-9);
        assert_near(m.posture_s[POSTURE_UPRIGHT], 10, 1e-9);
}

static void test_no_time_adds_nothing(void **state)
{
        MinuteAccumulator acc = {};
        PostureSample up = sample(POSTURE_UPRIGHT, ACTIVITY_STILL, 0, 0);
        HistoryMinute m;

        assert_int_equal(minute_acc_add(&acc, T0_US, &up, 0, 0, &m), 0);
        assert_int_equal(minute_acc_flush(&acc, &m), 0);
        /* A gap of an hour: the minute before is finished, none between is made up. */
        assert_int_equal(minute_acc_add(&acc, T0_US, &up, 1, 0, &m), 0);
        assert_int_equal(minute_acc_add(&acc, T0_US + 3600 * USEC_PER_SEC, &up, 1, 0, &m), 1);
        assert_near(m.duration_s, 1, 1e-9);
}

static void test_merge(void **state)
{
        HistoryMinute a = { .minute = 7,
                            .duration_s = 20,
                            .flexion_mean_deg = 10,
                            .flexion_peak_deg = 15,
                            .strain_mean = 0.1 };
        HistoryMinute b = { .minute = 7,
                            .duration_s = 60 - 20,
                            .flexion_mean_deg = 40,
                            .flexion_peak_deg = 50,
                            .strain_mean = 0.4 };

        a.posture_s[POSTURE_UPRIGHT] = 20;
        b.posture_s[POSTURE_FLEXED] = 40;
        history_minute_merge(&a, &b);
        assert_near(a.duration_s, 60, 1e-9);
        assert_near(a.flexion_mean_deg, 30, 1e-9);
        assert_near(a.flexion_peak_deg, 50, 1e-9);
        assert_near(a.strain_mean, 0.3, 1e-9);
        assert_near(a.posture_s[POSTURE_UPRIGHT] + a.posture_s[POSTURE_FLEXED], 60, 1e-9);
}

typedef struct Counted {
        MinuteAccumulator acc;
        HistoryMinute sum;
        unsigned calls;
} Counted;

static void on_sample(const PostureSample *prev, const PostureSample *s, double dt_s, double strain,
                      void *userdata)
{
        Counted *c = userdata;
        HistoryMinute m;

        c->calls++;
        if (dt_s > 0 &&
            minute_acc_add(&c->acc, (uint64_t) prev->t_ns / 1000, prev, dt_s, strain, &m) > 0)
                history_minute_merge(&c->sum, &m);
}

/* The hook sees every sample and credits exactly the summary's seconds. */
static void test_pipeline_hook_agrees_with_summary(void **state)
{
        _cleanup_(pipeline_freep) Pipeline *p = NULL;
        PipelineParams params;
        Counted c = {};
        HistoryMinute m;
        Frame f[RATE_HZ];
        int64_t t = 1 * NSEC_PER_SEC;
        double g[3];

        pipeline_params_default(&params);
        assert_int_equal(pipeline_new(&p, &params, RATE_HZ), 0);
        pipeline_set_summary_handler(p, on_sample, &c);
        /* 150 s upright, bent after 90 s; a 5 s gap in the middle. */
        for (int sec = 0; sec < 150; sec++) {
                body_gravity(sec < 90 ? 0 : 45, 0, g);
                for (int i = 0; i < RATE_HZ; i++) {
                        f[i] = (Frame){ .t_ns = t, .v = { g[0], g[1], g[2] } };
                        t += STEP_NS;
                }
                if (sec == 60)
                        t += 5 * NSEC_PER_SEC;
                pipeline_feed(p, f, RATE_HZ);
        }
        if (minute_acc_flush(&c.acc, &m) > 0)
                history_minute_merge(&c.sum, &m);
        assert_int_equal(c.calls, 150 * RATE_HZ);
        assert_near(c.sum.duration_s, pipeline_summary(p)->duration_s, 1e-6);
        for (size_t k = 0; k < _POSTURE_MAX; k++)
                assert_near(c.sum.posture_s[k], pipeline_summary(p)->posture_s[k], 1e-6);
        for (size_t k = 0; k < _ACTIVITY_MAX; k++)
                assert_near(c.sum.activity_s[k], pipeline_summary(p)->activity_s[k], 1e-6);
        assert_true(c.sum.flexion_peak_deg > 40);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_one_minute),
                cmocka_unit_test(test_not_worn),
                cmocka_unit_test(test_no_time_adds_nothing),
                cmocka_unit_test(test_merge),
                cmocka_unit_test(test_pipeline_hook_agrees_with_summary),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
