/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "core/advice-item.h"
#include "util/macro.h"

static const char *const category_table[_ADVICE_CATEGORY_MAX] = {
        [ADVICE_CATEGORY_POSTURE] = "posture",   [ADVICE_CATEGORY_BREAK] = "break",
        [ADVICE_CATEGORY_MOVEMENT] = "movement", [ADVICE_CATEGORY_STRETCH] = "stretch",
        [ADVICE_CATEGORY_REST] = "rest",         [ADVICE_CATEGORY_PAIN] = "pain",
        [ADVICE_CATEGORY_CARE] = "care",
};

/* The situations; the event kinds are detect.c's (event_kind_from_string()). */
static const char *const known_triggers[] = {
        TRIGGER_PHASE_ENTERED,
        TRIGGER_PAIN_RISING,
        TRIGGER_PAIN_WORSENING,
        TRIGGER_RED_FLAG,
};

static const char *const known_sources[] = {
        "MedlinePlus", "NINDS", "Harvard Health Publishing", "ISO 11226", "EN 1005-4",
};

/**
 * advice_category_to_string() - the catalogue and JSON spelling of @c.
 * @c: a category.
 *
 * Return: "posture", "break", ..., or NULL out of range.
 */
const char *advice_category_to_string(AdviceCategory c)
{
        if ((unsigned) c >= _ADVICE_CATEGORY_MAX)
                return NULL;
        return category_table[c];
}

/**
 * advice_item_is_ergonomic() - whether @it may go to every local user.
 * @it: a catalogue item.
 *
 * Ergonomic advice is a posture, break or movement item that a strain event
 * gives to a wearer with no injury reported (it lists the phase none): it
 * says nothing about health. Anything else (a phase, pain or symptom item, or
 * one that only an injury's phase brings) is health data.
 *
 * Return: true for ergonomic advice (D-Bus Posture1.Advice), false for
 * health advice (Recovery1.Advice).
 */
bool advice_item_is_ergonomic(const AdviceItem *it)
{
        if (it->category != ADVICE_CATEGORY_POSTURE && it->category != ADVICE_CATEGORY_BREAK &&
            it->category != ADVICE_CATEGORY_MOVEMENT)
                return false;
        if (!(it->phases & PHASE_BIT(PHASE_NONE)))
                return false;
        return !it->trigger || (strcmp(it->trigger, TRIGGER_PHASE_ENTERED) != 0 &&
                                strcmp(it->trigger, TRIGGER_PAIN_RISING) != 0 &&
                                strcmp(it->trigger, TRIGGER_PAIN_WORSENING) != 0 &&
                                strcmp(it->trigger, TRIGGER_RED_FLAG) != 0);
}

/**
 * trigger_is_known() - whether @trigger can start advice.
 * @trigger: an event kind or a situation.
 *
 * Return: true for the event kinds (kebab-case, or their old snake_case
 * aliases) and the situations.
 */
bool trigger_is_known(const char *trigger)
{
        for (size_t i = 0; i < ELEMENTSOF(known_triggers); i++)
                if (strcmp(trigger, known_triggers[i]) == 0)
                        return true;
        return event_kind_from_string(trigger) >= 0;
}

/**
 * trigger_canonical() - the spelling advice is matched on.
 * @trigger: a known trigger.
 *
 * Return: the kebab-case name of an event kind also for its old snake_case
 * alias ("lateral_bend" gives "lateral-bend"), else @trigger itself.
 */
const char *trigger_canonical(const char *trigger)
{
        int k = event_kind_from_string(trigger);

        return k >= 0 ? event_kind_to_string((EventKind) k) : trigger;
}

/**
 * source_is_known() - whether @source cites a source the project uses.
 * @source: e.g. "MedlinePlus, Taking care of your back at home".
 *
 * Return: true when it starts with a known name followed by the end, ',' or ':'.
 */
bool source_is_known(const char *source)
{
        for (size_t i = 0; i < ELEMENTSOF(known_sources); i++) {
                size_t n = strlen(known_sources[i]);

                if (strncmp(source, known_sources[i], n) == 0 &&
                    (source[n] == '\0' || source[n] == ',' || source[n] == ':'))
                        return true;
        }
        return false;
}

/**
 * advice_item_allowed() - whether an item may be given in a phase.
 * @it: an item.
 * @phase: the current phase.
 *
 * Return: true when @it may be given now.
 */
bool advice_item_allowed(const AdviceItem *it, RecoveryPhase phase)
{
        if ((unsigned) phase >= _PHASE_MAX || !(it->phases & PHASE_BIT(phase)))
                return false;
        /* Never stretch an inflamed area, whatever the catalogue says. */
        return !(phase == PHASE_ACUTE && it->category == ADVICE_CATEGORY_STRETCH);
}
