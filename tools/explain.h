/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conns --explain: what each step of a connection does and why TCP needs
 * it, for a student, after RFC 9293 and as Linux does it (where Linux
 * differs, it says so). Keyed by the model's row (its step_kind, state,
 * fate, again, cookie), never by the label's words, so every view (the
 * text ladder, --svg, --html) asks for "the explanation of this row" and
 * gets the same text, translated (i18n.h).
 */
#ifndef TCPSTATE_TOOL_EXPLAIN_H
#define TCPSTATE_TOOL_EXPLAIN_H

#include <stddef.h>

#include "model.h"

/*
 * Row r's explanation in the current language, or NULL: nothing to add,
 * or the same was said under an earlier row of m.
 */
const char *explain_row(const struct model *m, const struct model_row *r);

/*
 * What the connection as a whole needs explained, after its timings:
 * records the tool lost. NULL: nothing.
 */
const char *explain_conn(const struct model *m);

/* Every explanation, untranslated (the msgids), for the tests. */
const char *const *explain_all(size_t *nr);

#endif
