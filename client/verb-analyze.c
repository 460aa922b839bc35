/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `posturectl analyze`: run the core pipeline of the daemon on a recording,
 * in-process and as fast as it goes, and print the strain events, the advice
 * and alerts of the advice engine, and a summary as JSON Lines (DESIGN.md,
 * "Offline analysis").
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "core/coach.h"
#include "core/config.h"
#include "json.h"
#include "posturectl.h"
#include "verb-analyze.h"
#include "core/recording.h"
#include "util/parse-util.h"

/* Frames handed to pipeline_feed() at once: the filter is vectorised over a batch. */
#define BATCH_FRAMES 1024
/* Frames looked at to estimate the rate of a recording without "# rate_hz:". */
#define RATE_PROBE_FRAMES 50
/* Used only when neither metadata nor two samples tell the rate. */
#define FALLBACK_RATE_HZ 100.0
/* Beyond this a "rate" is a broken recording, not an accelerometer. */
#define MAX_RATE_HZ 100000.0
/* An interval longer than this is a gap in the recording (a dropout, a
 * pause), not its sample period: the rate estimate leaves it out. */
#define MAX_PERIOD_NS ((int64_t) NSEC_PER_SEC)
/* A sample more than this many periods after the previous one follows a gap:
 * it carries FRAME_AFTER_GAP, which restarts what spans the gap (the still
 * window, the motion and walk estimates). */
#define GAP_PERIODS 10

/* The advice engine's clock: sample time plus this, so that an onset before
 * the recording (--phase recovering) is still a positive time. */
#define EPOCH_USEC (UINT64_C(30) * 24 * 3600 * USEC_PER_SEC)

typedef struct AnalyzeArgs {
        RecoveryPhase phase;
        PipelineArgs pipe; /* --config, --mount-matrix */
        bool have_neutral;
        double neutral[3];
        const char *catalogue;
        const char *path;
        double samples_s; /* --samples, or 0 */
} AnalyzeArgs;

/* "X,Y,Z": three finite numbers, spaces allowed around them. */
static int parse_vector(const char *s, double v[3])
{
        const char *p = s;

        for (unsigned i = 0; i < 3; i++) {
                char *end;

                errno = 0;
                v[i] = strtod(p, &end);
                if (end == p || errno != 0 || !isfinite(v[i]))
                        return -EINVAL;
                p = end + strspn(end, " \t");
                if (i < 2) {
                        if (*p != ',')
                                return -EINVAL;
                        p++;
                }
        }
        return *p == '\0' ? 0 : -EINVAL;
}

static int parse_phase(const char *arg, void *userdata)
{
        AnalyzeArgs *a = userdata;
        int p = recovery_phase_from_string(arg);

        if (p < 0 || p == PHASE_RECOVERED)
                return usage_error("--phase: '%s' is not one of none, acute, recovering", arg);
        a->phase = p;
        return VERB_GO_ON;
}

/**
 * pipeline_args_mount_matrix() - take --mount-matrix @arg into @a.
 *
 * Return: VERB_GO_ON, or the exit status of a usage error.
 */
int pipeline_args_mount_matrix(PipelineArgs *a, const char *arg)
{
        if (mount_matrix_parse(&a->mount, arg) < 0)
                return usage_error("--mount-matrix: '%s' is not an invertible matrix "
                                   "\"x1,y1,z1;x2,y2,z2;x3,y3,z3\"",
                                   arg);
        a->have_mount = true;
        return VERB_GO_ON;
}

static int parse_mount_matrix(const char *arg, void *userdata)
{
        AnalyzeArgs *a = userdata;

        return pipeline_args_mount_matrix(&a->pipe, arg);
}

static int parse_neutral(const char *arg, void *userdata)
{
        AnalyzeArgs *a = userdata;

        /* estimator_set_neutral() refuses less than 1 m/s²; say so up front. */
        if (parse_vector(arg, a->neutral) < 0 ||
            hypot(hypot(a->neutral[0], a->neutral[1]), a->neutral[2]) < 1.0)
                return usage_error("--neutral: '%s' is not a gravity vector X,Y,Z (m/s², body "
                                   "frame, length >= 1)",
                                   arg);
        a->have_neutral = true;
        return VERB_GO_ON;
}

/* The shortest --samples interval: one a millisecond is more than any
 * sensor delivers. */
#define MIN_SAMPLES_S 0.001

static int parse_samples(const char *arg, void *userdata)
{
        AnalyzeArgs *a = userdata;
        double v;

        if (parse_double(arg, strlen(arg), &v) < 0 || !(v >= MIN_SAMPLES_S) || v > 86400)
                return usage_error("--samples: '%s' is not a number of seconds from %g to 86400",
                                   arg, MIN_SAMPLES_S);
        a->samples_s = v;
        return VERB_GO_ON;
}

/* Return: < 0 to go on, or an exit status. */
static int parse_analyze_argv(int argc, char *argv[], AnalyzeArgs *a)
{
        const VerbOption options[] = {
                { "phase", required_argument, .parse = parse_phase },
                { "mount-matrix", required_argument, .parse = parse_mount_matrix },
                { "neutral", required_argument, .parse = parse_neutral },
                { "config", required_argument, .arg = &a->pipe.config },
                { "catalogue", required_argument, .arg = &a->catalogue },
                { "samples", required_argument, .parse = parse_samples },
                {},
        };
        const VerbSyntax syntax = {
                .options = options,
                .operands = { 1, 1, "the recording (FILE.csv, or - for stdin)" },
        };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, a);
        if (r >= 0)
                return r;
        a->path = argv[optind];
        return VERB_GO_ON;
}

/**
 * pipeline_args_params() - the pipeline's settings: the defaults, then
 * --config, then --mount-matrix on top; errors are printed.
 *
 * Return: 0, or an exit status (1 for a bad configuration, EX_NOINPUT for
 * one that cannot be read).
 */
int pipeline_args_params(const PipelineArgs *a, PipelineParams *ret)
{
        _cleanup_(config_done) Config c = {};
        _cleanup_(freep) char *error = NULL;
        int r;

        r = config_init(&c, "", default_catalogue_path());
        if (r < 0) {
                fprintf(stderr, "Failed to initialise the settings: %s\n", strerror(-r));
                return 1;
        }

        if (a->config) {
                r = config_load_file(&c, a->config, &error);
                if (r == -ENOENT) {
                        fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, a->config,
                                strerror(-r));
                        return EX_NOINPUT;
                }
                if (r < 0) {
                        if (error)
                                fprintf(stderr, "%s\n", error);
                        else
                                fprintf(stderr, "%s: cannot load: %s\n", a->config, strerror(-r));
                        /* Bad content is a bad configuration; anything else an unreadable file. */
                        return r == -EINVAL || r == -ENOMEM ? 1 : EX_NOINPUT;
                }
                r = config_check(&c, &error);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", a->config, error ?: strerror(-r));
                        return 1;
                }
        }

        *ret = c.pipeline;
        if (a->have_mount)
                ret->estimator.mount = a->mount;
        return 0;
}

/* Settings: those of pipeline_args_params(), then --neutral. */
static int analyze_params(const AnalyzeArgs *a, PipelineParams *ret)
{
        int r;

        r = pipeline_args_params(&a->pipe, ret);
        if (r != 0)
                return r;
        /* Without a given neutral, the first still window is the neutral. */
        if (!a->have_neutral)
                ret->estimator.auto_calibrate = true;
        return 0;
}

/* --catalogue, else the installed one; only a missing installed one is fine. */
static int load_catalogue(const AnalyzeArgs *a, Catalogue **ret)
{
        const char *path = a->catalogue ?: default_catalogue_path();
        _cleanup_(freep) char *error = NULL;
        int r;

        r = catalogue_load(ret, path, &error);
        if (r == -ENOENT && !a->catalogue) {
                fprintf(stderr,
                        "%s: no advice catalogue at %s, printing no advice (see --catalogue)\n",
                        program_invocation_short_name, path);
                *ret = NULL;
                return 0;
        }
        if (r >= 0)
                return 0;
        if (error)
                fprintf(stderr, "%s\n", error);
        else
                fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path, strerror(-r));
        /* Bad content is a bad catalogue, like a bad configuration. */
        return r == -EINVAL || r == -ENOMEM ? 1 : EX_NOINPUT;
}

static uint64_t engine_time(int64_t t_ns, void *userdata)
{
        int64_t t = (int64_t) EPOCH_USEC + t_ns / 1000;

        return t > 0 ? (uint64_t) t : 1;
}

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

static void print_advice(const AdviceItem *it, uint64_t now_usec, void *userdata)
{
        print_item("advice", it, now_usec);
}

static void print_alert(const AdviceItem *it, uint64_t now_usec, void *userdata)
{
        print_item("alert", it, now_usec);
}

/* The wearer is in @phase when the recording starts (sample time 0). */
static int start_phase(Coach *c, RecoveryPhase phase)
{
        uint64_t onset = EPOCH_USEC;

        if (phase == PHASE_NONE)
                return 0;
        if (phase == PHASE_RECOVERING)
                onset -= recovery_params(coach_recovery(c))->acute_hours * 3600 * USEC_PER_SEC;
        return coach_report_injury(c, onset, EPOCH_USEC);
}

/* The phase may change during a long recording: let the sample time pass. */
static int follow_phase(Coach *c)
{
        const PostureSample *last = pipeline_last(coach_pipeline(c));
        int r;

        if (!last)
                return 0;
        r = coach_tick(c, engine_time(last->t_ns, NULL));
        return r < 0 ? r : 0;
}

static int cmp_int64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

        return (x > y) - (x < y);
}

/* The median interval is robust against the odd late or missing sample. */
static double estimate_rate(const Frame *frames, size_t n)
{
        int64_t d[RATE_PROBE_FRAMES];
        size_t k = 0;

        for (size_t i = 1; i < n && k < ELEMENTSOF(d); i++)
                if (frames[i].t_ns - frames[i - 1].t_ns <= MAX_PERIOD_NS)
                        d[k++] = frames[i].t_ns - frames[i - 1].t_ns;
        if (k == 0)
                return FALLBACK_RATE_HZ;
        qsort(d, k, sizeof(d[0]), cmp_int64);
        if (d[k / 2] <= 0)
                return FALLBACK_RATE_HZ;
        return (double) NSEC_PER_SEC / (double) d[k / 2];
}

/**
 * mark_gaps() - flag the frames that follow a gap in the recording.
 * @frames: the frames, in time order.
 * @n: their number.
 * @prev_ns: the time of the frame before @frames (INT64_MIN before the
 *           first), updated to the last of them.
 * @max_ns: the longest interval that is not a gap.
 */
static void mark_gaps(Frame *frames, size_t n, int64_t *prev_ns, int64_t max_ns)
{
        for (size_t i = 0; i < n; i++) {
                if (*prev_ns != INT64_MIN && frames[i].t_ns - *prev_ns > max_ns)
                        frames[i].flags |= FRAME_AFTER_GAP;
                *prev_ns = frames[i].t_ns;
        }
}

static void print_event(const StrainEvent *e, const PostureSample *s, void *userdata)
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

/* {"type":"calibration",...}: the neutral was set or revised at @t_ns. */
static void print_calibration(Pipeline *p, int64_t t_ns)
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

static void on_calibration(const PostureSample *s, void *userdata)
{
        print_calibration(userdata, s->t_ns);
}

static void print_sample(const PostureSample *s, void *userdata)
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

static void print_summary(Pipeline *p, double rate_hz)
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

/* Return: 1 with a frame, 0 at the end, or -(exit status) after saying what is wrong. */
/*
 * Fill @buf from *@n up to @max frames. Return: 1 when full, 0 at the end of
 * the recording, or minus the exit status after saying what is wrong where.
 */
static int read_frames(RecordingReader *rr, const char *path, Frame *buf, size_t *n, size_t max)
{
        while (*n < max) {
                _cleanup_(freep) char *msg = NULL;
                int r;

                r = recording_reader_next(rr, &buf[*n], &msg);
                if (r == 0)
                        return 0;
                if (r < 0) {
                        if (msg)
                                fprintf(stderr, "%s\n", msg);
                        else
                                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                        return r == -EBADMSG ? -EX_DATAERR : -EX_NOINPUT;
                }
                (*n)++;
        }
        return 1;
}

static int open_recording(const char *path, RecordingReader **ret)
{
        int r;

        if (strcmp(path, "-") == 0)
                r = recording_reader_new(ret, stdin, "stdin", false);
        else
                r = recording_reader_open(ret, path);
        if (r < 0) {
                fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path, strerror(-r));
                return r == -ENOMEM ? 1 : EX_NOINPUT;
        }
        return 0;
}

int verb_analyze(int argc, char *argv[])
{
        static const CoachCallbacks callbacks = {
                .strain_event = print_event,
                .advice = print_advice,
                .alert = print_alert,
                .event_time = engine_time,
        };
        _cleanup_(recording_reader_freep) RecordingReader *rr = NULL;
        _cleanup_(catalogue_freep) Catalogue *cat = NULL;
        _cleanup_(coach_freep) Coach *coach = NULL;
        _cleanup_(freep) Frame *buf = NULL;
        AnalyzeArgs a = {};
        CoachParams cp;
        Pipeline *p;
        int64_t prev_ns = INT64_MIN, max_gap_ns;
        double rate;
        size_t n = 0;
        int r;

        r = parse_analyze_argv(argc, argv, &a);
        if (r >= 0)
                return r;
        coach_params_default(&cp);
        r = analyze_params(&a, &cp.pipeline);
        if (r != 0)
                return r;
        r = load_catalogue(&a, &cat);
        if (r != 0)
                return r;
        cp.catalogue = cat;
        r = coach_new(&coach, &cp, &callbacks, NULL);
        if (r < 0) {
                fprintf(stderr, "Cannot set up the advice engine: %s\n", strerror(-r));
                return 1;
        }
        r = open_recording(a.path, &rr);
        if (r != 0)
                return r;

        buf = malloc(BATCH_FRAMES * sizeof(Frame));
        if (!buf) {
                fprintf(stderr, "Out of memory.\n");
                return 1;
        }

        /* The rate shapes the filter, so it must be known before the first feed. */
        r = read_frames(rr, a.path, buf, &n, RATE_PROBE_FRAMES);
        if (r < 0)
                return -r;
        rate = recording_reader_rate(rr);
        if (rate <= 0)
                rate = estimate_rate(buf, n);
        if (!isfinite(rate) || rate > MAX_RATE_HZ) {
                fprintf(stderr, "%s: a sample rate of %g Hz is not plausible\n", a.path, rate);
                return EX_DATAERR;
        }

        /* A rate that the low-pass filter cannot work at (its cut-off must be
         * below half the rate, [Filter] CutoffHz= 2 by default, so 4 Hz and
         * less) is bad input, where the rate comes from. Lower rates down to
         * that, and gaps of any length, are analysed. */
        if (rate <= 2 * cp.pipeline.cutoff_hz) {
                unsigned line = recording_reader_rate_line(rr) ?: recording_reader_line(rr);

                fprintf(stderr,
                        "%s:%u: a sample rate of %g Hz is too low for the filter cut-off of "
                        "%g Hz (the rate must be above %g Hz)\n",
                        strcmp(a.path, "-") == 0 ? "stdin" : a.path, line, rate,
                        cp.pipeline.cutoff_hz, 2 * cp.pipeline.cutoff_hz);
                return EX_DATAERR;
        }
        max_gap_ns = (int64_t) (GAP_PERIODS * (double) NSEC_PER_SEC / rate);

        r = coach_start(coach, rate, NULL, NULL);
        if (r < 0) {
                fprintf(stderr, "Cannot set up the analysis at %.3f Hz: %s\n", rate,
                        r == -EINVAL ? "inconsistent settings" : strerror(-r));
                return 1;
        }
        p = coach_pipeline(coach);
        if (a.samples_s > 0)
                pipeline_set_sample_handler(p, (int64_t) llround(a.samples_s * NSEC_PER_SEC),
                                            print_sample, NULL);
        {
                const char *want = getenv("POSTURED_FILTER");
                const FilterKernel *k;
                char names[FILTER_KERNEL_NAMES_SIZE];

                r = filter_kernel_select(&k, want);
                if (r == -EINVAL) {
                        fprintf(stderr, "POSTURED_FILTER=%s: no such filter kernel (%s)\n", want,
                                filter_kernel_names(names, sizeof(names)));
                        return EX_USAGE;
                }
                if (r < 0) {
                        fprintf(stderr, "POSTURED_FILTER=%s: this CPU cannot run it\n", want);
                        return EX_USAGE;
                }
                filter_set_kernel(pipeline_filter(p), k);
        }
        if (a.have_neutral) {
                r = estimator_set_neutral(pipeline_estimator(p), a.neutral);
                if (r < 0)
                        return usage_error("--neutral: %g,%g,%g is not a gravity vector (its "
                                           "length must be at least 1 m/s²)",
                                           a.neutral[0], a.neutral[1], a.neutral[2]);
                print_calibration(p, 0);
        }
        pipeline_set_calibration_handler(p, on_calibration, p);
        r = start_phase(coach, a.phase);
        if (r < 0) {
                fprintf(stderr, "Cannot start in the %s phase: %s\n",
                        recovery_phase_to_string(a.phase), strerror(-r));
                return 1;
        }

        while ((r = read_frames(rr, a.path, buf, &n, BATCH_FRAMES)) > 0) {
                mark_gaps(buf, n, &prev_ns, max_gap_ns);
                coach_feed(coach, buf, n);
                n = 0;
                if (follow_phase(coach) < 0) {
                        fprintf(stderr, "Cannot apply the rules of the %s phase\n",
                                recovery_phase_to_string(recovery_phase(coach_recovery(coach))));
                        return 1;
                }
        }
        if (r < 0)
                return -r;
        mark_gaps(buf, n, &prev_ns, max_gap_ns);
        coach_feed(coach, buf, n);
        print_summary(p, rate);

        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write the results: %m\n");
                return EX_IOERR;
        }
        return 0;
}
