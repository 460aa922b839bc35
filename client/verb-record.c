/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `posturectl record FILE [--duration S]`: ask postured for a pipe with
 * StartRecording() and copy it to FILE, whole lines only, until S seconds of
 * sample time are in the file, SIGINT or SIGTERM, or the daemon closes the
 * pipe. The file is always a valid recording up to its last line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bus-util.h"
#include "libsystemd-dl.h"
#include "posturectl.h"
#include "util/parse-util.h"

/* Far longer than any line the daemon writes: a longer one is not our format. */
#define LINE_BUFFER_SIZE 65536

typedef struct Recorder {
        sd_event *event;
        int fd;
        FILE *out;
        const char *path; /* for messages; "-" is standard output */
        double duration;  /* seconds of sample time; 0: until stopped */
        char buf[LINE_BUFFER_SIZE];
        size_t have;
        uint64_t samples;
        double last_t;
} Recorder;

static void recorder_done(Recorder *rec)
{
        sd_event_unref(rec->event);
        if (rec->fd >= 0)
                (void) close(rec->fd);
}

static const char *out_name(const Recorder *rec)
{
        return strcmp(rec->path, "-") == 0 ? "standard output" : rec->path;
}

/*
 * A duration of sample time: a positive decimal number of seconds, or one
 * followed by s, m or h ("90", "2.5", "30m"). Return: 0 or -EINVAL.
 */
static int parse_record_duration(const char *s, double *ret)
{
        size_t n = strlen(s);
        double unit = 1, v;

        if (n > 0 && strchr("smh", s[n - 1])) {
                unit = s[n - 1] == 'h' ? 3600 : s[n - 1] == 'm' ? 60 : 1;
                n--;
        }
        if (parse_double(s, n, &v) < 0 || !(v > 0) || !isfinite(v * unit))
                return -EINVAL;
        *ret = v * unit;
        return 0;
}

/* One whole line, newline included. Return: 1 when the duration is reached, 0, or -errno. */
static int handle_line(Recorder *rec, const char *line, size_t n)
{
        const char *comma;
        bool sample = line[0] != '#' && !(n >= 7 && memcmp(line, "time_s,", 7) == 0);
        double t = 0;

        if (sample) {
                comma = memchr(line, ',', n);
                if (!comma || parse_double(line, (size_t) (comma - line), &t) < 0)
                        return -EBADMSG;
        }
        if (line[0] == '#' && n > 11 && memcmp(line, "# dropped: ", 11) == 0)
                fprintf(stderr, "postured dropped %.*s: the recording was not read fast enough.\n",
                        (int) (n - 12), line + 11);
        if (fwrite(line, 1, n, rec->out) != n)
                return -errno;
        if (!sample)
                return 0;
        rec->samples++;
        rec->last_t = t;
        return rec->duration > 0 && t >= rec->duration;
}

static int on_data(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Recorder *rec = userdata;
        size_t start = 0;
        ssize_t k;
        int r = 0;

        k = read(fd, rec->buf + rec->have, sizeof(rec->buf) - rec->have);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (k < 0) {
                fprintf(stderr, "Failed to read the recording from postured: %m\n");
                return sd_event_exit(rec->event, 1);
        }
        if (k == 0) {
                /* A partial last line, if any, stays out of the file. */
                if (rec->samples == 0) {
                        fprintf(stderr, "postured ended the recording before any sample "
                                        "arrived.\n");
                        return sd_event_exit(rec->event, 1);
                }
                fprintf(stderr,
                        "postured ended the recording (did it stop?); %s has %" PRIu64
                        " samples, %.3f s.\n",
                        out_name(rec), rec->samples, rec->last_t);
                return sd_event_exit(rec->event, 0);
        }
        rec->have += (size_t) k;

        while (r == 0) {
                char *nl = memchr(rec->buf + start, '\n', rec->have - start);

                if (!nl)
                        break;
                r = handle_line(rec, rec->buf + start, (size_t) (nl + 1 - (rec->buf + start)));
                start = (size_t) (nl + 1 - rec->buf);
        }
        if (r >= 0 && fflush(rec->out) != 0)
                r = -errno;
        if (r == -EBADMSG) {
                fprintf(stderr, "Unexpected data from postured: not a recording.\n");
                return sd_event_exit(rec->event, 1);
        }
        if (r < 0) {
                fprintf(stderr, "Failed to write %s: %s\n", out_name(rec), strerror(-r));
                return sd_event_exit(rec->event, EX_IOERR);
        }
        if (r > 0)
                return sd_event_exit(rec->event, 0);
        memmove(rec->buf, rec->buf + start, rec->have - start);
        rec->have -= start;
        if (rec->have == sizeof(rec->buf)) {
                fprintf(stderr, "Unexpected data from postured: a line of more than %d bytes.\n",
                        LINE_BUFFER_SIZE);
                return sd_event_exit(rec->event, 1);
        }
        return 0;
}

/* StartRecording(). Return: the read end of the pipe, or -errno after saying why. */
static int start_recording(void)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int fd, r;

        r = bus_connect_and_call(&bus, POSTURED_INTERFACE, "StartRecording", "start a recording",
                                 &reply, "");
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply of postured: %s\n", strerror(-r));
                return r;
        }
        /* The message owns its descriptor; ours outlives it. */
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0) {
                fprintf(stderr, "Failed to keep the recording's pipe: %m\n");
                return -errno;
        }
        return fd;
}

/**
 * verb_record() - `posturectl record FILE [--duration S]`: copy the raw
 * samples of postured to FILE ("-": standard output).
 * @argc: number of words in @argv
 * @argv: the command line from "record" on
 *
 * Return: 0 when stopped, at the end of --duration or when postured ends the
 * recording after a sample; 1 when the recording cannot be started, created
 * or read; a usage error; EX_IOERR when FILE cannot be written.
 */
int verb_record(int argc, char *argv[])
{
        _cleanup_(recorder_done) Recorder rec = { .fd = -EBADF };
        const char *duration = NULL;
        const VerbOption options[] = {
                { "duration", required_argument, .arg = &duration },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true, .operands = { 1, 1, "FILE" } };
        int r, status;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;
        rec.path = argv[optind];
        if (duration && parse_record_duration(duration, &rec.duration) < 0)
                return usage_error("invalid --duration '%s': expected seconds of sample time "
                                   "greater than 0, or a number followed by s, m or h, such "
                                   "as 2.5 or 10m",
                                   duration);

        /* The daemon first: a missing daemon leaves an existing FILE alone. */
        rec.fd = start_recording();
        if (rec.fd < 0)
                return bus_exit_status();
        if (strcmp(rec.path, "-") == 0)
                rec.out = stdout;
        else {
                rec.out = fopen(rec.path, "we");
                if (!rec.out) {
                        fprintf(stderr, "Failed to create %s: %m\n", rec.path);
                        return 1;
                }
        }

        r = sd_event_default(&rec.event);
        if (r >= 0)
                r = sd_event_add_signal(rec.event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, NULL,
                                        NULL);
        if (r >= 0)
                r = sd_event_add_signal(rec.event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL,
                                        NULL);
        if (r >= 0)
                r = sd_event_add_io(rec.event, NULL, rec.fd, EPOLLIN, on_data, &rec);
        if (r >= 0)
                r = sd_event_loop(rec.event);
        if (r < 0) {
                fprintf(stderr, "Failed to run the event loop: %s\n", strerror(-r));
                status = 1;
        } else
                status = r;

        /* Whole lines only were written; what they hold must reach the disk. */
        if (rec.out != stdout ? fclose(rec.out) != 0 : fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write %s: %m\n", out_name(&rec));
                return EX_IOERR;
        }
        return status;
}
