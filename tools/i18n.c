// SPDX-License-Identifier: GPL-2.0
/*
 * gettext set-up and terminal widths (i18n.h).
 */
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "i18n.h"

/*
 * The translations looked up so far, by msgid's address (open addressing,
 * linear probing). The tool has a few hundred msgids: past three quarters
 * full, a msgid is looked up each time instead, as before.
 */
#define I18N_CACHE_SIZE	2048

static struct {
	const char *msgid, *text;
} i18n_cache[I18N_CACHE_SIZE];
static size_t i18n_cached;

const char *i18n_gettext(const char *msgid)
{
	size_t i = (size_t)(((uintptr_t)msgid >> 3) * 0x9e3779b97f4a7c15ULL >> 40) &
		   (I18N_CACHE_SIZE - 1);

	for (;; i = (i + 1) & (I18N_CACHE_SIZE - 1)) {
		if (i18n_cache[i].msgid == msgid)
			return i18n_cache[i].text;
		if (!i18n_cache[i].msgid)
			break;
	}
	if (i18n_cached >= I18N_CACHE_SIZE / 4 * 3)
		return gettext(msgid);
	i18n_cache[i].msgid = msgid;
	i18n_cache[i].text = gettext(msgid);
	i18n_cached++;
	return i18n_cache[i].text;
}

void i18n_init(void)
{
	const char *dir = getenv(I18N_DIR_ENV);

	/*
	 * Not LC_ALL: LC_NUMERIC would change a decimal point in a figure,
	 * LC_TIME and LC_COLLATE what sorts and prints in the machine
	 * outputs. LC_CTYPE gives gettext the output's character set and
	 * wcwidth() its widths.
	 */
	setlocale(LC_CTYPE, "");
	setlocale(LC_MESSAGES, "");
	bindtextdomain(I18N_DOMAIN, dir && *dir ? dir : TCPSTATE_LOCALEDIR);
	textdomain(I18N_DOMAIN);
	/* What was looked up before was another language's. */
	memset(i18n_cache, 0, sizeof(i18n_cache));
	i18n_cached = 0;
}

/* The next character of s (n bytes left): its length and its columns. */
static size_t next_char(const char *s, size_t n, mbstate_t *ps, int *cols,
			wchar_t *wcp)
{
	wchar_t wc;
	size_t len = mbrtowc(&wc, s, n, ps);
	int w;

	*wcp = 0;
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		/* Not a character here: one byte, one column, start afresh. */
		memset(ps, 0, sizeof(*ps));
		*cols = 1;
		return 1;
	}
	*wcp = wc;
	w = wcwidth(wc);
	*cols = w < 0 ? 1 : w;
	return len;
}

/*
 * text_width() of a text that is not all ASCII. Not inlined: its
 * mbstate_t and saved registers made every call pay for a frame that
 * ASCII text (nearly every cell) never needs.
 */
__attribute__((noinline))
static int text_width_mb(const char *s)
{
	mbstate_t ps;
	size_t n, len;
	int width = 0, cols;
	wchar_t wc;

	n = strlen(s);
	memset(&ps, 0, sizeof(ps));
	while (n) {
		len = next_char(s, n, &ps, &cols, &wc);
		width += cols;
		s += len;
		n -= len;
	}
	return width;
}

int text_width(const char *s)
{
	const unsigned char *a = (const unsigned char *)s;

	/*
	 * ASCII, a column a byte in every locale's character set: no
	 * mbrtowc() and wcwidth() a character, which the ladders paid for
	 * each cell of each row.
	 */
	while (*a && *a < 0x80)
		a++;
	if (!*a)
		return (int)(a - (const unsigned char *)s);
	return text_width_mb(s);
}

size_t text_fit(const char *s, int cols)
{
	mbstate_t ps;
	size_t n = strlen(s), at = 0, len;
	int width = 0, w;
	wchar_t wc;

	memset(&ps, 0, sizeof(ps));
	while (at < n) {
		len = next_char(s + at, n - at, &ps, &w, &wc);
		if (at && width + w > cols)
			break;
		width += w;
		at += len;
	}
	return at;
}

/*
 * Chinese punctuation that may not start a line (a closing mark) or end
 * one (an opening mark): the line is broken a character earlier.
 */
static bool no_break_before(wchar_t wc)
{
	return wc && wcschr(L"\uff0c\u3002\u3001\uff1b\uff1a\uff09\uff01\uff1f\u2026\u201d\u300d", wc);
}

static bool no_break_after(wchar_t wc)
{
	return wc && wcschr(L"\uff08\u201c\u300c", wc);
}

size_t text_break(const char *s, int cols)
{
	mbstate_t ps;
	size_t n = strlen(s), at = 0, best = 0, len;
	int width = 0, w, prev_w = 0;
	wchar_t wc, prev = 0;

	memset(&ps, 0, sizeof(ps));
	while (at < n) {
		len = next_char(s + at, n - at, &ps, &w, &wc);
		/* Before a blank, or between two characters one of them wide. */
		if (at && (s[at] == ' ' || w == 2 || prev_w == 2) &&
		    !no_break_before(wc) && !no_break_after(prev))
			best = at;
		if (width + w > cols)
			return best;
		width += w;
		at += len;
		prev_w = w;
		prev = wc;
	}
	return at;
}
