/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "core/detect/detect.h"
#include "core/recovery.h"

/*
 * What one piece of advice is: its category, the triggers and sources it may
 * name, and when it may be given. Shared by the catalogue (which loads the
 * items) and the advice engine (which gives them), so neither includes the
 * other. Severity and its strings are the detectors' (detect.h).
 */

typedef enum AdviceCategory {
        ADVICE_CATEGORY_POSTURE,
        ADVICE_CATEGORY_BREAK,
        ADVICE_CATEGORY_MOVEMENT,
        ADVICE_CATEGORY_STRETCH,
        ADVICE_CATEGORY_REST,
        ADVICE_CATEGORY_PAIN,
        ADVICE_CATEGORY_CARE,
        _ADVICE_CATEGORY_MAX,
} AdviceCategory;

/* Situations, next to the event kinds, that can trigger advice. */
#define TRIGGER_PHASE_ENTERED  "phase-entered"
#define TRIGGER_PAIN_RISING    "pain-rising"
#define TRIGGER_PAIN_WORSENING "pain-worsening"
#define TRIGGER_RED_FLAG       "red-flag"

/**
 * struct AdviceItem - one entry of the catalogue.
 * @phases: PHASE_BIT() of every phase the item applies to.
 * @line: line of its [id] header, for messages.
 */
typedef struct AdviceItem {
        char *id;
        Severity severity;
        AdviceCategory category;
        unsigned phases;
        char *trigger;
        char *text;
        char *source;
        unsigned line;
} AdviceItem;

/** advice_category_to_string() - "posture", "break", ...; NULL out of range. */
const char *advice_category_to_string(AdviceCategory c);

/** advice_item_is_ergonomic() - posture, break or movement advice that says nothing about health.
 */
bool advice_item_is_ergonomic(const AdviceItem *it);

/** trigger_is_known() - an event kind (known to detect.c or listed here) or a situation. */
bool trigger_is_known(const char *trigger);
/** trigger_canonical() - a kind's kebab-case name for its old alias too; else @trigger. */
const char *trigger_canonical(const char *trigger);

/** source_is_known() - @source cites MedlinePlus, NINDS, Harvard Health, ISO 11226, EN 1005-4. */
bool source_is_known(const char *source);

/** advice_item_allowed() - @it lists @phase, and it is not stretching while acute. */
bool advice_item_allowed(const AdviceItem *it, RecoveryPhase phase);
