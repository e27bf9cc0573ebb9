/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Translations (gettext, text domain "tcpstate") and the width of text on
 * a terminal.
 *
 * Only what people read is translated: the ladders, their labels, notes,
 * timings and explanations, --help, errors and the exporter's log lines.
 * Machine-readable output (dump's lines and --json, stats
 * --json/--prometheus/--dot, the exporter's /metrics) never goes through
 * _(), and i18n_init() sets only LC_MESSAGES and LC_CTYPE, never
 * LC_NUMERIC: a number prints the same in every language.
 */
#ifndef TCPSTATE_TOOL_I18N_H
#define TCPSTATE_TOOL_I18N_H

#include <libintl.h>
#include <stddef.h>

/*
 * gettext() takes a lock and walks its catalogs on every call; the ladders
 * translate a dozen labels per record, so each msgid's translation is
 * looked up once (i18n_gettext()). Only for msgids at a fixed address: a
 * string literal or a static table's entry, never a buffer.
 */
#define _(s)	i18n_gettext(s)
/* Marks a string for xgettext where it cannot be translated yet (tables). */
#define N_(s)	(s)

/* The text domain, and where its catalogs are unless overridden. */
#define I18N_DOMAIN	"tcpstate"
#ifndef TCPSTATE_LOCALEDIR
#define TCPSTATE_LOCALEDIR	"/usr/local/share/locale"
#endif
/* The override, for running from the build tree: build/locale. */
#define I18N_DIR_ENV	"TCPSTATE_LOCALEDIR"

/*
 * Language and character set from the environment (LC_ALL, LC_MESSAGES,
 * LC_CTYPE, LANG, and LANGUAGE as gettext reads it), catalogs from
 * $TCPSTATE_LOCALEDIR or TCPSTATE_LOCALEDIR.
 */
void i18n_init(void);

/*
 * gettext(msgid), remembered by msgid's address: the language and the
 * catalogs do not change after i18n_init(), which forgets what it knew.
 */
__attribute__((format_arg(1)))
const char *i18n_gettext(const char *msgid);

/*
 * Columns s takes on a terminal: a CJK character two, a combining one
 * none. Bytes that are not a character of the locale's set count one
 * each, as a terminal shows a replacement for them.
 */
int text_width(const char *s);

/*
 * How many bytes of s fit in cols columns, ending where a line may be
 * broken: after a blank, or next to a wide (CJK) character, which may be
 * broken anywhere. 0 if no break fits (the caller then cuts at
 * text_fit()).
 */
size_t text_break(const char *s, int cols);
/* How many bytes of s, whole characters, fit in cols columns (at least one). */
size_t text_fit(const char *s, int cols);

#endif
