/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The output of `posturectl analyze`: one JSON object a line for each strain
 * event, advice, alert, calibration and (--samples) posture sample, and the
 * summary last.
 */
#include <stdio.h>

#include "analyze-private.h"
#include "json.h"

static void print_item(const char *type, const AdviceItem *it, uint64_t now_usec)
{
        printf("{\"type\":\"%s\",\"t\":", type);
        json_double(stdout, (double) ((int64_t) now_usec - (int64_t) EPOCH_USEC) / 1e6, 3);
        fputs(",\"id\":", stdout);
        json_string(stdout, it->id);
        fputs(",\"severity\":", stdout);
        json_string(stdout, severity_to_string(it->severity));
        fputs(",\"category\":", stdout);
        json_string(stdout, advice_category_to_string(it->category));
        fputs(",\"text\":", stdout);
        json_string(stdout, it->text);
        fputs(",\"source\":", stdout);
        json_string(stdout, it->source);
        fputs("}\n", stdout);
}

/**
 * analyze_print_advice() - print advice of the advice engine as a line of JSON.
 * @it: the advice.
 * @now_usec: the engine's time (EPOCH_USEC and the sample time).
 * @userdata: unused.
 */
void analyze_print_advice(const AdviceItem *it, uint64_t now_usec, void *userdata)
{
        print_item("advice", it, now_usec);
}

/**
 * analyze_print_alert() - print an alert of the advice engine as a line of JSON.
 * @it: the alert.
 * @now_usec: the engine's time (EPOCH_USEC and the sample time).
 * @userdata: unused.
 */
void analyze_print_alert(const AdviceItem *it, uint64_t now_usec, void *userdata)
{
        print_item("alert", it, now_usec);
}

/**
 * analyze_print_event() - print a strain event as a line of JSON.
 * @e: the event.
 * @s: the sample that ended it (unused).
 * @userdata: unused.
 */
void analyze_print_event(const StrainEvent *e, const PostureSample *s, void *userdata)
{
        fputs("{\"type\":\"event\",\"t\":", stdout);
        json_double(stdout, (double) e->t_ns / NSEC_PER_SEC, 3);
        fputs(",\"kind\":", stdout);
        json_string(stdout, event_kind_to_string(e->kind));
        fputs(",\"severity\":", stdout);
        json_string(stdout, severity_to_string(e->severity));
        fputs(",\"start\":", stdout);
        json_double(stdout, (double) e->start_ns / NSEC_PER_SEC, 3);
        fputs(",\"duration_s\":", stdout);
        json_double(stdout, e->duration_s, 3);
        fputs(",\"peak_deg\":", stdout);
        json_double(stdout, e->peak_deg, 2);
        fputs("}\n", stdout);
}

/**
 * analyze_print_calibration() - print {"type":"calibration",...}: the neutral
 * was set or revised at @t_ns.
 * @p: the pipeline.
 * @t_ns: the sample time.
 */
void analyze_print_calibration(Pipeline *p, int64_t t_ns)
{
        Estimator *e = pipeline_estimator(p);
        double neutral[3];
        NeutralHow how = estimator_get_calibration(e, NULL);

        if (!estimator_get_neutral(e, neutral))
                return;
        fputs("{\"type\":\"calibration\",\"t\":", stdout);
        json_double(stdout, (double) t_ns / NSEC_PER_SEC, 3);
        fputs(",\"neutral\":[", stdout);
        for (size_t k = 0; k < 3; k++) {
                if (k > 0)
                        fputc(',', stdout);
                json_double(stdout, neutral[k], 4);
        }
        fputs("],\"how\":", stdout);
        json_string(stdout, neutral_how_to_string(how));
        fputs("}\n", stdout);
}

/**
 * analyze_on_calibration() - the pipeline's calibration handler:
 * analyze_print_calibration() at @s.
 * @s: the sample at which the neutral was set or revised.
 * @userdata: the pipeline.
 */
void analyze_on_calibration(const PostureSample *s, void *userdata)
{
        analyze_print_calibration(userdata, s->t_ns);
}

/**
 * analyze_print_sample() - print a posture sample (--samples) as a line of JSON.
 * @s: the sample.
 * @userdata: unused.
 */
void analyze_print_sample(const PostureSample *s, void *userdata)
{
        fputs("{\"type\":\"sample\",\"t\":", stdout);
        json_double(stdout, (double) s->t_ns / NSEC_PER_SEC, 3);
        fputs(",\"flexion\":", stdout);
        json_double(stdout, s->flexion_deg, 2);
        fputs(",\"lateral\":", stdout);
        json_double(stdout, s->lateral_deg, 2);
        fputs(",\"rate_dps\":", stdout);
        json_double(stdout, s->rate_dps, 2);
        fputs(",\"posture\":", stdout);
        json_string(stdout, posture_class_to_string(s->posture) ?: "unknown");
        fputs(",\"activity\":", stdout);
        json_string(stdout, activity_to_string(s->activity) ?: "unknown");
        fputs("}\n", stdout);
}

/* "posture_by_activity_s":{"still":{"upright":…,…},…} */
static void print_posture_by_activity(const PipelineSummary *sum)
{
        bool first_a = true;

        fputs(",\"posture_by_activity_s\":{", stdout);
        for (Activity a = 0; a < _ACTIVITY_MAX; a++) {
                bool first = true;

                json_key(stdout, activity_to_string(a) ?: "unknown", &first_a);
                fputc('{', stdout);
                for (PostureClass c = 0; c < _POSTURE_MAX; c++) {
                        json_key(stdout, posture_class_to_string(c) ?: "unknown", &first);
                        json_double(stdout, sum->posture_by_activity_s[a][c], 3);
                }
                fputc('}', stdout);
        }
        fputc('}', stdout);
}

/**
 * analyze_print_summary() - print the summary of the recording as a line of JSON.
 * @p: the pipeline, after the last sample.
 * @rate_hz: the sample rate analysed at.
 */
void analyze_print_summary(Pipeline *p, double rate_hz)
{
        const PipelineSummary *sum = pipeline_summary(p);
        const PostureSample *last = pipeline_last(p);
        bool first = true;

        fputs("{\"type\":\"summary\",\"duration_s\":", stdout);
        json_double(stdout, sum->duration_s, 3);
        printf(",\"frames\":%llu,\"rate_hz\":", sum->frames);
        json_double(stdout, rate_hz, 3);

        fputs(",\"posture_s\":{", stdout);
        for (PostureClass c = 0; c < _POSTURE_MAX; c++) {
                json_key(stdout, posture_class_to_string(c) ?: "unknown", &first);
                json_double(stdout, sum->posture_s[c], 3);
        }

        fputs("},\"activity_s\":{", stdout);
        first = true;
        for (Activity a = 0; a < _ACTIVITY_MAX; a++) {
                json_key(stdout, activity_to_string(a) ?: "unknown", &first);
                json_double(stdout, sum->activity_s[a], 3);
        }
        fputc('}', stdout);
        print_posture_by_activity(sum);

        fputs(",\"events\":{", stdout);
        first = true;
        for (EventKind k = 0; k < _EVENT_KIND_MAX; k++) {
                json_key(stdout, event_kind_to_string(k) ?: "unknown", &first);
                printf("%u", sum->events[k]);
        }

        fputs("},\"not_worn_s\":", stdout);
        json_double(stdout, sum->posture_s[POSTURE_NOT_WORN], 3);
        printf(",\"calibrated\":%s", last && last->calibrated ? "true" : "false");
        if (pipeline_dropped(p) > 0)
                printf(",\"dropped\":%llu", pipeline_dropped(p));
        fputs("}\n", stdout);
}
