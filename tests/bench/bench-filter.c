/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Throughput of the filter kernels, printed as a Markdown table: medians of
 * BENCH_RUNS timed runs after a warm-up, on the CPU the program started on,
 * every ratio computed here from the medians. Measures only; it asserts
 * nothing, and `make check` never runs it (tests/bench/run does).
 *
 *   bench-filter [--quick] [--analyze POSTURECTL RECORDING SECONDS]
 *                [--analyze-wc POSTURECTL RECORDING SECONDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if HAVE_LIQUID
#include <liquid/liquid.h>
#endif

#include "core/filter/filter.h"
#include "util/macro.h"

#define BENCH_RUNS 7
#define CHUNK      256 /* the pipeline's batch */

/* The pipeline's default filter (DESIGN.md): 4th order, 2 Hz at 100 Hz. */
#define ORDER     4
#define CUTOFF_HZ 2.0
#define RATE_HZ   100.0

extern char **environ;

static size_t n_frames = 10000000;

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

typedef void (*BenchFn)(void *userdata);

/* Median wall time of BENCH_RUNS runs of @fn, after one untimed warm-up. */
static double median_time(BenchFn fn, void *userdata)
{
        double t[BENCH_RUNS];

        fn(userdata);
        for (size_t i = 0; i < BENCH_RUNS; i++) {
                double t0 = now();

                fn(userdata);
                t[i] = now() - t0;
        }
        qsort(t, BENCH_RUNS, sizeof(double), cmp_double);
        return t[BENCH_RUNS / 2];
}

static void *xmalloc(size_t size)
{
        void *p = malloc(size);

        if (!p) {
                fprintf(stderr, "Out of memory (%zu bytes).\n", size);
                exit(EXIT_FAILURE);
        }
        memset(p, 0, size);
        return p;
}

static Frame *make_frames(size_t n)
{
        Frame *in = xmalloc(n * sizeof(Frame));
        uint64_t s = 1;

        for (size_t i = 0; i < n; i++) {
                s = s * 6364136223846793005u + 1442695040888963407u;
                in[i] = (Frame){
                        .t_ns = (int64_t) i * 10 * NSEC_PER_MSEC,
                        .v = { (float) sin(0.01 * (double) i) + (float) (s >> 40) * 1e-8f,
                               9.81f + (float) cos(0.02 * (double) i), (float) ((i / 100) % 2) },
                };
        }
        return in;
}

static Filter *new_filter(const FilterKernel *k)
{
        Filter *f = NULL;

        if (filter_new(&f, ORDER, CUTOFF_HZ, RATE_HZ) < 0)
                exit(EXIT_FAILURE);
        filter_set_kernel(f, k);
        return f;
}

/* A kernel over n_frames frames, @batch at a time: from a buffer that stays
 * in cache (compute-bound), or streamed through memory into a scratch
 * buffer, as the pipeline does (memory-bound). */
typedef struct KernelRun {
        Filter *f;
        const Frame *in;
        Frame *out;
        size_t in_frames; /* n_frames: streamed; fewer: cycled through */
        size_t batch;
        bool scratch_out;
} KernelRun;

static void kernel_run(void *userdata)
{
        KernelRun *r = userdata;

        for (size_t i = 0; i < n_frames;) {
                size_t off = i % r->in_frames,
                       m = MIN(r->batch, MIN(n_frames - i, r->in_frames - off));

                filter_process(r->f, r->in + off, r->scratch_out ? r->out : r->out + off, m);
                i += m;
        }
}

typedef struct ManyRun {
        Filter **f;
        const Frame **in;
        Frame **out;
        size_t sensors, n;
} ManyRun;

static void many_run(void *userdata)
{
        ManyRun *r = userdata;

        filter_process_many(r->f, r->in, r->out, r->sensors, r->n);
}

static void memcpy_run(void *userdata)
{
        ManyRun *r = userdata;

        for (size_t j = 0; j < r->sensors; j++)
                memcpy(r->out[j], r->in[j], r->n * sizeof(Frame));
}

static void row(const char *what, double ns_per_frame, const char *ratio, const char *target)
{
        printf("| %-58s | %8.2f | %9.1f | %-22s | %-9s |\n", what, ns_per_frame, 1e3 / ns_per_frame,
               ratio, target);
}

static double bench_kernel(const FilterKernel *k, size_t in_frames, size_t batch, bool scratch_out,
                           const Frame *in, Frame *out)
{
        KernelRun r = {
                .f = new_filter(k),
                .in = in,
                .out = out,
                .in_frames = in_frames,
                .batch = batch,
                .scratch_out = scratch_out,
        };
        double t = median_time(kernel_run, &r);

        filter_free(r.f);
        return t / (double) n_frames * 1e9;
}

#if HAVE_LIQUID
typedef struct LiquidRun {
        iirfilt_rrrf q[3];
        float *x[3], *y[3];
        size_t n;
} LiquidRun;

static void liquid_run(void *userdata)
{
        LiquidRun *r = userdata;

        for (size_t a = 0; a < 3; a++)
                for (size_t i = 0; i < r->n; i += CHUNK)
                        iirfilt_rrrf_execute_block(r->q[a], r->x[a] + i,
                                                   (unsigned) MIN(CHUNK, r->n - i), r->y[a] + i);
}

/* The same sections, as liquid-dsp's float second-order sections, on
 * de-interleaved axes (its block API's best case); returns ns per frame of
 * three axes, and its accuracy against the double reference. */
static double bench_liquid(const Frame *in, size_t n, double *rel_err)
{
        LiquidRun r = { .n = n };
        Filter *ref = new_filter(&filter_kernel_scalar);
        Frame *out = xmalloc(n * sizeof(Frame));
        double t, max_ref = 0.0, max_err = 0.0;
        size_t ns;
        const Biquad *q = filter_sections(ref, &ns);
        float B[3 * FILTER_MAX_SECTIONS], A[3 * FILTER_MAX_SECTIONS];

        for (size_t s = 0; s < ns; s++) {
                B[3 * s] = (float) q[s].b0, B[3 * s + 1] = (float) q[s].b1,
                      B[3 * s + 2] = (float) q[s].b2;
                A[3 * s] = 1.0f, A[3 * s + 1] = (float) q[s].a1, A[3 * s + 2] = (float) q[s].a2;
        }
        for (size_t a = 0; a < 3; a++) {
                r.q[a] = iirfilt_rrrf_create_sos(B, A, (unsigned) ns);
                r.x[a] = xmalloc(n * sizeof(float));
                r.y[a] = xmalloc(n * sizeof(float));
                for (size_t i = 0; i < n; i++)
                        r.x[a][i] = in[i].v[a];
        }
        t = median_time(liquid_run, &r);

        /* Accuracy, from rest, as the kernel tests measure it. */
        filter_process(ref, in, out, n);
        for (size_t a = 0; a < 3; a++) {
                iirfilt_rrrf_reset(r.q[a]);
                iirfilt_rrrf_execute_block(r.q[a], r.x[a], (unsigned) n, r.y[a]);
                for (size_t i = 0; i < n; i++) {
                        max_ref = MAX(max_ref, fabs(out[i].v[a]));
                        max_err = MAX(max_err, fabs(r.y[a][i] - out[i].v[a]));
                }
                iirfilt_rrrf_destroy(r.q[a]);
                free(r.x[a]);
                free(r.y[a]);
        }
        *rel_err = max_err / max_ref;
        filter_free(ref);
        free(out);
        return t / (double) n * 1e9;
}
#endif

typedef struct AnalyzeRun {
        char *const *argv;
        int status;
} AnalyzeRun;

static void analyze_run(void *userdata)
{
        AnalyzeRun *r = userdata;
        posix_spawn_file_actions_t fa;
        pid_t pid;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        if (posix_spawn(&pid, r->argv[0], &fa, NULL, r->argv, environ) != 0 ||
            waitpid(pid, &r->status, 0) < 0)
                r->status = -1;
        posix_spawn_file_actions_destroy(&fa);
}

int main(int argc, char *argv[])
{
        const char *analyze = NULL, *recording = NULL, *analyze_wc = NULL, *recording_wc = NULL;
        double rec_seconds = 0.0, wc_seconds = 0.0, scalar, sse2, avx2, t;
        const FilterKernel *best = NULL;
        char ratio[64];
        cpu_set_t cpus;
        Frame *in, *out, *scratch;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--quick") == 0)
                        n_frames = 1000000;
                else if (strcmp(argv[i], "--analyze") == 0 && i + 3 < argc) {
                        analyze = argv[++i];
                        recording = argv[++i];
                        rec_seconds = atof(argv[++i]);
                } else if (strcmp(argv[i], "--analyze-wc") == 0 && i + 3 < argc) {
                        analyze_wc = argv[++i];
                        recording_wc = argv[++i];
                        wc_seconds = atof(argv[++i]);
                } else {
                        fprintf(stderr, "Usage: %s [--quick] [--analyze POSTURECTL FILE SECONDS]\n",
                                argv[0]);
                        return EXIT_FAILURE;
                }
        }

        /* One core: stay on the one we started on. */
        CPU_ZERO(&cpus);
        CPU_SET(sched_getcpu(), &cpus);
        (void) sched_setaffinity(0, sizeof(cpus), &cpus);

        (void) filter_kernel_select(&best, NULL);
        printf("Filter: Butterworth order %d, %g Hz at %g Hz; %zu frames a run; median of %d runs; "
               "automatic kernel: %s\n\n",
               ORDER, CUTOFF_HZ, RATE_HZ, n_frames, BENCH_RUNS, best->name);
        printf("| %-58s | %8s | %9s | %-22s | %-9s |\n", "Measurement", "ns/frame", "Mframes/s",
               "Ratio", "Target");
        printf("|%s|---------:|----------:|%s|%s|\n",
               "------------------------------------------------------------",
               "------------------------", "-----------");

        /* Compute-bound: 4096 frames (96 KiB) cycled through, batches of 256. */
        in = make_frames(n_frames);
        out = xmalloc(n_frames * sizeof(Frame));
        scratch = xmalloc(CHUNK * sizeof(Frame));

        scalar = bench_kernel(&filter_kernel_scalar, 4096, CHUNK, false, in, out);
        row("scalar (reference, -O2), in cache, batches of 256", scalar, "1.00x", "");
        sse2 = avx2 = NAN;
        for (const FilterKernel *const *k = filter_kernel_list() + 1; *k; k++) {
                char what[96];

                snprintf(what, sizeof(what), "%s, in cache, batches of 256", (*k)->name);
                if (!filter_kernel_supported(*k)) {
                        printf("| %-58s | %8s | %9s | %-22s | %-9s |\n", what, "-", "-",
                               "not supported here", "");
                        continue;
                }
                t = bench_kernel(*k, 4096, CHUNK, false, in, out);
                snprintf(ratio, sizeof(ratio), "%.2fx scalar", scalar / t);
                row(what, t, ratio,
                    strcmp((*k)->name, "sse2") == 0 || strcmp((*k)->name, "avx2") == 0 ? ">= 2.0x"
                                                                                       : "");
                if (strcmp((*k)->name, "sse2") == 0)
                        sse2 = t;
                if (strcmp((*k)->name, "avx2") == 0)
                        avx2 = t;
        }
        if (!isnan(sse2) && !isnan(avx2)) {
                snprintf(ratio, sizeof(ratio), "%+.1f%% time vs sse2", (avx2 / sse2 - 1.0) * 100.0);
                row("double state (avx2) vs float state (sse2)", avx2, ratio, "<= +10%");
        }

        /* Streamed: n_frames distinct frames from memory into a 256-frame
         * scratch, as the pipeline reads a recording. */
        t = bench_kernel(&filter_kernel_scalar, n_frames, CHUNK, true, in, scratch);
        row("scalar, streamed from memory into a 256-frame scratch", t, "", "");
        if (best != &filter_kernel_scalar) {
                char what[96];
                double tb = bench_kernel(best, n_frames, CHUNK, true, in, scratch);

                snprintf(what, sizeof(what), "%s, streamed from memory into a 256-frame scratch",
                         best->name);
                snprintf(ratio, sizeof(ratio), "%.2fx scalar", t / tb);
                row(what, tb, ratio, "");
        }

        /* Sixteen sensors in one call vs memcpy of the same buffers. */
        for (size_t pass = 0; pass < 2; pass++) {
                enum { SENSORS = 16 };
                size_t per = pass == 0 ? 2048 : n_frames / 10; /* 768 KiB in cache; 384 MB */
                Filter *fs[SENSORS];
                const Frame *ins[SENSORS];
                Frame *outs[SENSORS];
                ManyRun r = { .f = fs, .in = ins, .out = outs, .sensors = SENSORS, .n = per };
                Frame *big_out = xmalloc(SENSORS * per * sizeof(Frame));
                Frame *big_in = pass == 0 ? in : make_frames(SENSORS * per);
                double tm, tc;
                char what[96];

                for (size_t j = 0; j < SENSORS; j++) {
                        fs[j] = new_filter(best);
                        ins[j] = big_in + j * per;
                        outs[j] = big_out + j * per;
                }
                tm = median_time(many_run, &r) / (double) (SENSORS * per) * 1e9;
                tc = median_time(memcpy_run, &r) / (double) (SENSORS * per) * 1e9;
                snprintf(what, sizeof(what), "memcpy, 16 sensors x %zu frames (%s)", per,
                         pass == 0 ? "in cache" : "in memory");
                row(what, tc, "", "");
                snprintf(what, sizeof(what), "%s, 16 sensors x %zu frames, one call", best->name,
                         per);
                snprintf(ratio, sizeof(ratio), "%.0f%% of memcpy", tc / tm * 100.0);
                row(what, tm, ratio, pass == 1 ? ">= 70%" : "");
                for (size_t j = 0; j < SENSORS; j++)
                        filter_free(fs[j]);
                if (pass == 1)
                        free(big_in);
                free(big_out);
        }

#if HAVE_LIQUID
        {
                double err, tl = bench_liquid(in, n_frames, &err);
                char what[96];

                snprintf(what, sizeof(what), "liquid-dsp iirfilt_rrrf, 3 axes (rel. error %.1e)",
                         err);
                row(what, tl, "", "");
                snprintf(ratio, sizeof(ratio), "%.2fx liquid-dsp", tl / sse2);
                row("sse2 vs liquid-dsp (both float state)", sse2, ratio, ">= 7x");
                if (!isnan(avx2)) {
                        snprintf(ratio, sizeof(ratio), "%.2fx liquid-dsp", tl / avx2);
                        row("avx2 vs liquid-dsp", avx2, ratio, ">= 7x");
                }
        }
#else
        printf("| %-58s | %8s | %9s | %-22s | %-9s |\n", "liquid-dsp iirfilt_rrrf", "-", "-",
               "not built (no liquid.h)", "");
#endif

        if (analyze) {
                char *args[] = { (char *) analyze, (char *) "analyze", (char *) recording, NULL };
                AnalyzeRun r = { .argv = args };
                char what[96];

                t = median_time(analyze_run, &r);
                if (r.status != 0)
                        fprintf(stderr, "%s analyze %s failed (status %d)\n", analyze, recording,
                                r.status);
                snprintf(what, sizeof(what), "posturectl analyze, %.0f h at 100 Hz (%.2f s a run)",
                         rec_seconds / 3600.0, t);
                snprintf(ratio, sizeof(ratio), "%.0fx real time", rec_seconds / t);
                row(what, t / (rec_seconds * RATE_HZ) * 1e9, ratio, ">= 20000x");
        }

        /* Issue 14: analyze against `wc -l` reading the same file from the page
         * cache, both spawned the same way, medians of BENCH_RUNS each. */
        if (analyze_wc) {
                char *args[] = { (char *) analyze_wc, (char *) "analyze", (char *) recording_wc,
                                 NULL };
                char *wc_args[] = { (char *) "/usr/bin/wc", (char *) "-l", (char *) recording_wc,
                                    NULL };
                AnalyzeRun r = { .argv = args }, w = { .argv = wc_args };
                double tw;
                char what[96];

                t = median_time(analyze_run, &r);
                tw = median_time(analyze_run, &w);
                if (r.status != 0 || w.status != 0)
                        fprintf(stderr, "analyze or wc -l of %s failed\n", recording_wc);
                snprintf(what, sizeof(what), "wc -l, %.0f h at 100 Hz (%.2f ms a run)",
                         wc_seconds / 3600.0, tw * 1e3);
                row(what, tw / (wc_seconds * RATE_HZ) * 1e9, "", "");
                snprintf(what, sizeof(what), "posturectl analyze, same file (%.1f ms a run)",
                         t * 1e3);
                snprintf(ratio, sizeof(ratio), "%.1fx wc -l", t / tw);
                row(what, t / (wc_seconds * RATE_HZ) * 1e9, ratio, "<= 15x");
        }

        free(in);
        free(out);
        free(scratch);
        return EXIT_SUCCESS;
}
