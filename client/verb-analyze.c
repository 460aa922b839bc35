/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `posturectl analyze`: run the core pipeline of the daemon on a recording,
 * in-process and as fast as it goes, and print the strain events, the advice
 * and alerts of the advice engine, and a summary as JSON Lines (DESIGN.md,
 * "Offline analysis").
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "analyze-private.h"
#include "core/recording.h"
#include "posturectl.h"
#include "sigbus.h"
#include "util/time-util.h"

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

static uint64_t engine_time(int64_t t_ns, void *userdata)
{
        int64_t t = (int64_t) EPOCH_USEC + t_ns / 1000;

        return t > 0 ? (uint64_t) t : 1;
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
                if (*prev_ns != INT64_MIN && ns_after_by_more(frames[i].t_ns, *prev_ns, max_ns))
                        frames[i].flags |= FRAME_AFTER_GAP;
                *prev_ns = frames[i].t_ns;
        }
}

/*
 * Fill @buf from *@n up to @max frames. Return: 1 when full, 0 at the end of
 * the recording, or minus the exit status after saying what is wrong where.
 */
static int read_frames(RecordingReader *rr, const char *path, Frame *buf, size_t *n, size_t max)
{
        _cleanup_(freep) char *msg = NULL;
        size_t got = 0;
        int r;

        r = recording_reader_read(rr, buf + *n, max - *n, &got, &msg);
        /* Pages of the mapped file gone (open_recording()): what was read
         * from them is zeros, and is not used. A page that could not be
         * read in raises SIGBUS too, with the file as long as it was. */
        if (sigbus_hit()) {
                if (recording_reader_shrunk(rr))
                        fprintf(stderr, "%s: changed while being read\n", path);
                else
                        fprintf(stderr, "%s: read error: %s\n", path, strerror(EIO));
                return -EX_NOINPUT;
        }
        *n += got;
        if (r < 0) {
                if (msg)
                        fprintf(stderr, "%s\n", msg);
                else
                        fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r == -EBADMSG ? -EX_DATAERR : -EX_NOINPUT;
        }
        return r;
}

/* The SIGBUS handler's range ends with the mapping: unwatched first. */
static void analyze_reader_freep(RecordingReader **r)
{
        sigbus_unwatch();
        recording_reader_free(*r);
}

static int open_recording(const char *path, RecordingReader **ret)
{
        const void *addr;
        size_t size;
        int r;

        if (strcmp(path, "-") == 0)
                r = recording_reader_new(ret, stdin, "stdin", false);
        else
                r = recording_reader_open(ret, path);
        if (r < 0) {
                fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path, strerror(-r));
                return r == -ENOMEM ? 1 : EX_NOINPUT;
        }
        /* A regular file is read mapped, without read()'s copy of it: if it
         * shrinks meanwhile, the pages gone raise SIGBUS, which
         * read_frames() then reports. Anything else is read with read(). */
        if (strcmp(path, "-") != 0 && recording_reader_map(*ret, &addr, &size) > 0 &&
            sigbus_watch(addr, size) < 0) {
                fprintf(stderr, "%s: %s: cannot handle SIGBUS: %m\n", program_invocation_short_name,
                        path);
                return 1;
        }
        return 0;
}

int verb_analyze(int argc, char *argv[])
{
        static const CoachCallbacks callbacks = {
                .strain_event = analyze_print_event,
                .advice = analyze_print_advice,
                .alert = analyze_print_alert,
                .event_time = engine_time,
        };
        _cleanup_(analyze_reader_freep) RecordingReader *rr = NULL;
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

        r = analyze_parse_argv(argc, argv, &a);
        if (r >= 0)
                return r;
        coach_params_default(&cp);
        r = analyze_params(&a, &cp.pipeline);
        if (r != 0)
                return r;
        r = analyze_load_catalogue(&a, &cat);
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
                                            analyze_print_sample, NULL);
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
                analyze_print_calibration(p, 0);
        }
        pipeline_set_calibration_handler(p, analyze_on_calibration, p);
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
        analyze_print_summary(p, rate);

        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write the results: %m\n");
                return EX_IOERR;
        }
        return 0;
}
