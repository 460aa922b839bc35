/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status-bar lines of `posturectl monitor --format=waybar|i3bar|i3blocks`:
 * the state of postured rendered in each bar's own protocol, one line per
 * change of what the bar shows.
 *
 * - waybar: a custom module with "return-type": "json" reads one object a
 *   line with text, alt, tooltip, class and percentage.
 * - i3bar: the i3bar protocol: a header object, then an endless JSON array
 *   whose elements are arrays of blocks (full_text, short_text, color,
 *   urgent, name), one element a line.
 * - i3blocks: a persistent block with format=json reads one block object a
 *   line.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "monitor-bar.h"
#include "timestamp.h"

static const char *const format_names[_MONITOR_FORMAT_MAX] = {
        [MONITOR_FORMAT_TEXT] = "text",         [MONITOR_FORMAT_JSON] = "json",
        [MONITOR_FORMAT_WAYBAR] = "waybar",     [MONITOR_FORMAT_I3BAR] = "i3bar",
        [MONITOR_FORMAT_I3BLOCKS] = "i3blocks",
};

/**
 * monitor_format_from_string() - the format called @s.
 * @s: "text", "json", "waybar", "i3bar" or "i3blocks"
 *
 * Return: the MonitorFormat, or -1 for an unknown name.
 */
int monitor_format_from_string(const char *s)
{
        for (int i = 0; i < _MONITOR_FORMAT_MAX; i++)
                if (strcmp(format_names[i], s) == 0)
                        return i;
        return -1;
}

/* How a bar should look: the CSS class (waybar) and colour (i3bar). */
typedef enum Mood {
        MOOD_GOOD,     /* upright, reclined, walking: nothing to say */
        MOOD_WARNING,  /* slouched, flexed, lateral */
        MOOD_CRITICAL, /* extreme flexion */
        MOOD_IDLE,     /* not worn, unknown, no sensor, no daemon */
} Mood;

static Mood posture_mood(const char *posture, const char *sensor)
{
        if (!posture || (sensor && strcmp(sensor, "active") != 0))
                return MOOD_IDLE;
        /* Both spellings of the kinds (extreme-flexion, extreme_flexion). */
        if (strncmp(posture, "extreme", 7) == 0)
                return MOOD_CRITICAL;
        if (strcmp(posture, "slouched") == 0 || strcmp(posture, "flexed") == 0 ||
            strcmp(posture, "lateral") == 0)
                return MOOD_WARNING;
        if (strcmp(posture, "unknown") == 0 || strncmp(posture, "not", 3) == 0)
                return MOOD_IDLE;
        return MOOD_GOOD;
}

static const char *const mood_class[] = { "good", "warning", "critical", "idle" };
/* i3bar colours; the good state keeps the bar's own colour. */
static const char *const mood_color[] = { NULL, "#e5c07b", "#e06c75", "#7f848e" };

/* What a bar shows, worked out once from the properties. */
typedef struct BarState {
        char text[64];
        char tooltip[512];
        const char *posture; /* for the class; NULL without a daemon */
        Mood mood;
        bool snoozed;
        int percentage; /* StrainLevel in %, -1 when unknown */
} BarState;

static void bar_state(BarState *b, const PropSet *props, bool present)
{
        const char *posture = prop_set_string(props, "Posture");
        const char *activity = prop_set_string(props, "Activity");
        const char *sensor = prop_set_string(props, "SensorState");
        const Property *p;
        double flexion, lateral, strain;
        char clock[CLOCK_TEXT_MAX];
        size_t n = 0;

        *b = (BarState){ .percentage = -1 };
        if (!present || !posture) {
                b->mood = MOOD_IDLE;
                snprintf(b->text, sizeof(b->text), "posture: off");
                snprintf(b->tooltip, sizeof(b->tooltip), "postured is not running");
                return;
        }
        b->posture = posture;
        b->mood = posture_mood(posture, sensor);
        p = prop_set_get(props, "SnoozedUntil");
        b->snoozed = p && p->kind == VALUE_UINT && p->u > now_usec();
        if (prop_set_double(props, "StrainLevel", &strain) && isfinite(strain))
                b->percentage = (int) lround(fmin(fmax(strain, 0.0), 1.0) * 100.0);

        if (sensor && strcmp(sensor, "active") != 0)
                snprintf(b->text, sizeof(b->text), "posture: sensor %s", sensor);
        else if (prop_set_double(props, "Flexion", &flexion) && isfinite(flexion) &&
                 b->mood != MOOD_IDLE)
                snprintf(b->text, sizeof(b->text), "%s %+.0f°%s", posture, flexion,
                         b->snoozed ? " (snoozed)" : "");
        else
                snprintf(b->text, sizeof(b->text), "%s%s", posture, b->snoozed ? " (snoozed)" : "");

#define TIP(...)                                                                       \
        do {                                                                           \
                if (n < sizeof(b->tooltip))                                            \
                        n += (size_t) snprintf(b->tooltip + n, sizeof(b->tooltip) - n, \
                                               __VA_ARGS__);                           \
        } while (0)
        TIP("Posture: %s", posture);
        if (prop_set_double(props, "Flexion", &flexion))
                TIP("\nFlexion: %+.1f°", flexion);
        if (prop_set_double(props, "LateralBend", &lateral))
                TIP("\nLateral bend: %+.1f°", lateral);
        if (activity)
                TIP("\nActivity: %s", activity);
        if (b->percentage >= 0)
                TIP("\nStrain: %d %%", b->percentage);
        p = prop_set_get(props, "StillSince");
        if (p && p->kind == VALUE_UINT && p->u > 0) {
                format_clock(clock, p->u);
                TIP("\nSame posture since %s", clock);
        }
        p = prop_set_get(props, "SnoozedUntil");
        if (b->snoozed) {
                format_clock(clock, p->u);
                TIP("\nAdvice snoozed until %s", clock);
        }
        if (sensor && strcmp(sensor, "active") != 0)
                TIP("\nSensor: %s", sensor);
#undef TIP
}

static void print_waybar(FILE *f, const BarState *b)
{
        fputs("{\"text\":", f);
        json_string(f, b->text);
        fputs(",\"alt\":", f);
        json_string(f, b->posture ?: "off");
        fputs(",\"tooltip\":", f);
        json_string(f, b->tooltip);
        /* Waybar takes an array of classes: the posture and the mood. */
        fputs(",\"class\":[", f);
        json_string(f, b->posture ?: "off");
        fputc(',', f);
        json_string(f, mood_class[b->mood]);
        if (b->snoozed)
                fputs(",\"snoozed\"", f);
        fputc(']', f);
        if (b->percentage >= 0)
                fprintf(f, ",\"percentage\":%d", b->percentage);
        fputs("}\n", f);
}

/* One i3bar block, as i3bar and i3blocks (format=json) both read it. */
static void print_block(FILE *f, const BarState *b)
{
        fputs("{\"name\":\"postured\",\"full_text\":", f);
        json_string(f, b->text);
        fputs(",\"short_text\":", f);
        json_string(f, b->posture ?: "off");
        if (mood_color[b->mood]) {
                fputs(",\"color\":", f);
                json_string(f, mood_color[b->mood]);
        }
        if (b->mood == MOOD_CRITICAL)
                fputs(",\"urgent\":true", f);
        fputc('}', f);
}

/**
 * monitor_bar_begin() - what a bar protocol says before the first state:
 * the i3bar header and the opening of its endless array; nothing for the
 * other formats.
 * @f: the output
 * @format: the bar format
 */
void monitor_bar_begin(FILE *f, MonitorFormat format)
{
        if (format == MONITOR_FORMAT_I3BAR)
                fputs("{\"version\":1}\n[\n", f);
}

/**
 * monitor_bar_line() - render the state as a line of @format.
 * @bar: the last line written (kept by the caller, freed with free()); a
 *       state that renders the same as the last is not written again
 * @f: the output
 * @format: MONITOR_FORMAT_WAYBAR, _I3BAR or _I3BLOCKS
 * @props: the properties of org.postured.Posture1
 * @present: whether postured is on the bus
 *
 * Return: true when a line was written.
 */
bool monitor_bar_line(char **bar, FILE *f, MonitorFormat format, const PropSet *props, bool present)
{
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;
        FILE *m;
        BarState b;

        bar_state(&b, props, present);
        m = open_memstream(&line, &size);
        if (!m)
                return false;
        if (format == MONITOR_FORMAT_WAYBAR)
                print_waybar(m, &b);
        else {
                /* i3bar: every element after the first begins with a comma. */
                if (format == MONITOR_FORMAT_I3BAR)
                        fputs(*bar ? ",[" : "[", m);
                print_block(m, &b);
                fputs(format == MONITOR_FORMAT_I3BAR ? "]\n" : "\n", m);
        }
        if (fclose(m) != 0 || !line)
                return false;
        /* The comma of i3bar differs only for the first line: compare the rest. */
        if (*bar && strcmp(*bar + (**bar == ','), line + (*line == ',')) == 0)
                return false;
        fputs(line, f);
        free(*bar);
        *bar = TAKE_PTR(line);
        return true;
}
