// SPDX-License-Identifier: GPL-2.0
/*
 * Views of the connection model (model.h) as text: the ladder, the ladder
 * followed step by step, and the summary line. Widths come from the
 * content; every figure and verdict comes from the model.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "i18n.h"
#include "ladder.h"
#include "model.h"
#include "names.h"
#include "outbuf.h"
#include "states.h"
#include "util.h"

#define LABEL_MAX	MODEL_LABEL_MAX

static const char *const ansi_col[2] = { "\033[36m", "\033[35m" };
#define ANSI_BAD	"\033[31m"
#define ANSI_BOLD	"\033[1m"
#define ANSI_DIM	"\033[2m"
#define ANSI_OFF	"\033[0m"

static const char *duration(__u64 ns, char buf[DURATION_MAX])
{
	return duration_str(ns, DURATION_SPACED, buf);
}

static struct model *build(const struct conn *c, const struct ladder_opts *o,
			   bool live)
{
	/* Following, the footer (figures, notes) waits for the end. */
	struct model_opts mo = {
		.absolute = o->absolute, .close_wait_ns = o->close_wait_ns,
		.rows_only = live,
	};

	return model_build(c, &mo, live);
}

/* --- printing ------------------------------------------------------------- */

struct layout {
	int time, lstate, arrow, rstate, step, abs;
	bool follow;		/* "#ID " first, times by -T */
	bool color;		/* ANSI colours */
	const struct ladder_opts *o;
	/* Following with a limit: a note past it goes on a line of its own. */
	unsigned int width;
	/* --explain: the lines' width; 0: no explanations. */
	unsigned int explain;
	/* What measure() made of each row (NULL: made again, as drawn). */
	const struct row_text *text;
	/* Where the rows go, many per fwrite() (NULL: a line per fwrite()). */
	struct outbuf *rows;
};

/*
 * A cell's text: its length in bytes and its width in columns (-1: not
 * measured yet, span_width()).
 */
struct span {
	const char *s;
	int n, w;
};

/*
 * A row's text that measure() makes for its width: drawn from there,
 * with the lengths and widths measure() found (the cells of each row
 * measured once, not again as they are drawn).
 */
struct row_text {
	char t[TIME_STR_MAX];
	char st[2][NAME_LABEL_MAX];	/* row_states()'s buf */
	char label[LABEL_MAX], abs[LABEL_MAX];
	struct span time, state[2], step, abs_span;
	int label_n;		/* strlen(label), arrows only */
	bool label_ascii;	/* then the arrow drawn is ASCII too */
};

/* measure()'s, for the ladder being drawn; grown, never freed. */
static struct row_text *row_texts;
static size_t row_texts_cap;

static const struct time_fmt mono_clock = { .mode = TIME_MONO };

static const struct time_fmt *clock_of(const struct ladder_opts *o)
{
	return o && o->time ? o->time : &mono_clock;
}

const char *ladder_when(const struct ladder_opts *o, __u64 ts,
			char buf[LADDER_WHEN_MAX])
{
	const struct time_fmt *t = clock_of(o);
	char s[TIME_STR_MAX];

	time_str(t, ts, s);
	if (t->mode == TIME_WALL)
		sfmt(buf, LADDER_WHEN_MAX, _("first event at %s"), s);
	else if (t->mode == TIME_REL)
		sfmt(buf, LADDER_WHEN_MAX, _("first event %s s into the capture"), s);
	else
		sfmt(buf, LADDER_WHEN_MAX, _("first event at %s s"), s);
	return buf;
}

static const char *arrow_label(const struct model *a, const struct model_row *r,
			       char buf[LABEL_MAX])
{
	return model_arrow_label(a, r, buf);
}

/* The real numbers, next to the relative ones. */
static const char *abs_label(const struct model *a, const struct model_row *r,
			     char buf[LABEL_MAX])
{
	char *p = buf;

	static_assert(sizeof("seq=4294967295 ack=4294967295") <= LABEL_MAX,
		      "room for both numbers");
	buf[0] = '\0';
	if (r->kind != ROW_ARROW || a->o.absolute)
		return buf;
	/* By hand, not snprintf(): measured and drawn, each arrow. */
	memcpy(p, "seq=", 4);
	p += 4;
	p += u64_str(r->seg->seq, p);
	if (r->seg->tcp_flags & TCPSTATE_TH_ACK) {
		memcpy(p, " ack=", 5);
		p += 5;
		p += u64_str(r->seg->ack, p);
	}
	*p = '\0';
	return buf;
}

/* n copies of c at buf + i (none if n < 1); the new end. */
static int put_run(char *buf, int i, char c, int n)
{
	while (n-- > 0)
		buf[i++] = c;
	return i;
}

/* The label with two line characters before it, or after it (!before). */
static int put_label(char *buf, int i, char line, const char *label, int len,
		     bool before)
{
	if (before)
		i = put_run(buf, i, line, 2);
	memcpy(buf + i, label, (size_t)len);
	i += len;
	return before ? i : put_run(buf, i, line, 2);
}

/*
 * The arrow between the two bars, width characters, with the label's len
 * bytes; its length.
 */
static int draw_arrow(char *buf, int width, const char *label, int len,
		      bool right, enum fate fate)
{
	char line = fate == FATE_RECEIVED ? '.' : '-';
	int fill, i = 0;

	fill = width - len - 2;
	if (fill < 1)
		fill = 1;
	/* By hand, not sprintf(): every arrow, every ladder. */
	if (fate == FATE_LOST) {
		/* It stops short of the receiver. */
		int gap = fill - 4;

		if (right) {
			i = put_label(buf, i, line, label, len, true);
			i = put_run(buf, i, line, 2);
			buf[i++] = 'X';
			i = put_run(buf, i, ' ', gap);
		} else {
			i = put_run(buf, i, ' ', gap);
			buf[i++] = 'X';
			i = put_run(buf, i, line, 2);
			i = put_label(buf, i, line, label, len, false);
		}
	} else if (right) {
		i = put_label(buf, i, line, label, len, true);
		i = put_run(buf, i, line, fill - 1);
		buf[i++] = '>';
	} else {
		buf[i++] = '<';
		i = put_run(buf, i, line, fill - 1);
		i = put_label(buf, i, line, label, len, false);
	}
	buf[i] = '\0';
	return i;
}

/*
 * The lines are built in an outbuf (outbuf.h), each handed to stdio in
 * one piece: --follow prints a row per record, and stdio's locking and
 * printf's parsing per cell cost more than the rest of the row.
 */
#define LINE_BUF	2048

static void put_pad(struct outbuf *b, int n)
{
	if (n > 0)
		ob_spaces(b, (size_t)n);
}

/* Whether the n bytes at s are ASCII. */
static bool is_ascii(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t w, any = 0;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			any |= u[i];
		return !(any & 0x80);
	}
	/* Eight bytes a step, the last eight (overlapping) for the rest. */
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&w, u + i, 8);
		any |= w;
	}
	memcpy(&w, u + n - 8, 8);
	return !((any | w) & 0x8080808080808080ULL);
}

/* s, its length known, its width measured when needed. */
static struct span span_n(const char *s, int n)
{
	struct span t = { .s = s, .n = n, .w = -1 };

	return t;
}

/* s, its length counted, its width measured when needed. */
static struct span span_of(const char *s)
{
	return span_n(s, (int)strlen(s));
}

/*
 * ASCII (most cells, the arrows 40 bytes and more): its length is its
 * width, as text_width() would find; else text_width(). Empty (most
 * state cells): 0, without a call.
 */
static int span_width(struct span *t)
{
	if (t->w < 0)
		t->w = !t->n || is_ascii(t->s, (size_t)t->n) ? t->n :
		       text_width(t->s);
	return t->w;
}

/*
 * t padded to width (left-aligned, or right-aligned), in colour if set.
 * Inlined: it draws every cell of every row, and each call site knows
 * its alignment and colour (a call, its struct on the stack and six
 * registers saved, cost as much as the rest of it).
 */
static inline __attribute__((always_inline))
void cell_span(struct outbuf *b, struct span t, int width, bool right_align,
	       const char *color)
{
	/*
	 * No width (0) pads nothing whatever the text's width, which is
	 * never negative: then it is not measured.
	 */
	int pad = width > 0 ? width - span_width(&t) : 0;

	if (right_align)
		put_pad(b, pad);
	if (color && t.n) {
		ob_str(b, color);
		ob_mem(b, t.s, (size_t)t.n);
		ob_lit(b, ANSI_OFF);
	} else {
		ob_mem(b, t.s, (size_t)t.n);
	}
	if (!right_align)
		put_pad(b, pad);
}

/* s padded to width (left-aligned, or right-aligned), in colour if set. */
static void cell(struct outbuf *b, const char *s, int width, bool right_align,
		 const char *color)
{
	cell_span(b, span_of(s), width, right_align, color);
}

/*
 * fprintf() into b, by sfmt(): the same text without printf()'s parsing,
 * a few times a ladder. Longer than a line's buffer: fprintf() itself.
 */
__attribute__((format(printf, 2, 3)))
static void ob_printf(struct outbuf *b, const char *fmt, ...)
{
	char text[LINE_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsfmt(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(text)) {
		ob_mem(b, text, (size_t)n);
		return;
	}
	ob_flush(b);
	va_start(ap, fmt);
	vfprintf(b->out, fmt, ap);
	va_end(ap);
}

/* "#ID ", following. */
static void ob_id(struct outbuf *b, unsigned long id)
{
	ob_char(b, '#');
	ob_u64(b, id);
	ob_char(b, ' ');
}

static const char *maybe(const struct layout *l, const char *color)
{
	return l->color ? color : NULL;
}

/* Following wide, the clock of -T: rows of several connections interleave. */
static void row_time(const struct model *a, const struct model_row *r,
		     const struct layout *l, char buf[TIME_STR_MAX])
{
	if (r->kind == ROW_INIT)
		buf[0] = '\0';
	else if (l->follow)
		time_str(clock_of(l->o), r->ts, buf);
	else
		model_reltime(a, r->ts, buf);
}

/*
 * The states a row writes in each column ("" for none): the names
 * themselves, not copies (buf[col] holds one that has no name).
 */
static void row_states(const struct model *a, const struct model_row *r,
		       const char *st[2], char buf[2][NAME_LABEL_MAX])
{
	unsigned int col;

	st[0] = st[1] = "";
	if (r->kind == ROW_INIT) {
		for (col = 0; col < 2; col++)
			if (a->init[col])
				st[col] = tcp_state_label(a->init[col], buf[col]);
	} else if (r->kind == ROW_STATE) {
		st[r->col] = tcp_state_label(r->state, buf[r->col]);
	}
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/*
 * "prefix  text": text cut at blanks into lines of at most width columns
 * (0: one line), the following lines indented by indent; coloured whole.
 * Into b, which the caller flushes.
 */
static void wrapped_ob(struct outbuf *b, const char *prefix, const char *text,
		       unsigned int width, int indent, const char *color)
{
	int room, first = 1;
	const char *p = text;

	/*
	 * No width: the text whole on one line, blanks and all, as the
	 * loop below writes it then (nothing to measure, nothing to cut).
	 */
	if (!width) {
		if (!*text)
			return;
		ob_str(b, prefix);
		ob_lit(b, "  ");
		if (color)
			ob_str(b, color);
		ob_str(b, text);
		if (color)
			ob_lit(b, ANSI_OFF);
		ob_char(b, '\n');
		return;
	}
	room = (int)width - text_width(prefix) - 2;
	while (*p) {
		int avail = first ? room : room - indent, n = (int)strlen(p);

		/*
		 * Columns, not bytes: a CJK character takes two. No
		 * character takes more columns than it has bytes (two at
		 * most, and a wide one is three bytes in UTF-8), so a text
		 * whose bytes fit is not measured.
		 */
		if (n > avail && avail > 10 && text_width(p) > avail) {
			n = (int)text_break(p, avail);
			if (!n)
				n = (int)text_fit(p, avail);
		}
		/*
		 * A break before a wide character may follow a blank: not
		 * left at the line's end (one before a blank is as it was).
		 */
		while (p[n] && p[n] != ' ' && n > 1 && p[n - 1] == ' ')
			n--;
		/* "%s  %*s%s%.*s%s\n" */
		ob_str(b, prefix);
		ob_lit(b, "  ");
		if (!first && indent > 0)
			ob_spaces(b, (size_t)indent);
		if (color)
			ob_str(b, color);
		ob_mem(b, p, (size_t)n);
		if (color)
			ob_lit(b, ANSI_OFF);
		ob_char(b, '\n');
		p += n;
		while (*p == ' ')
			p++;
		first = 0;
	}
}

/* wrapped_ob() to out, in one fwrite() when it fits a line's buffer. */
static void wrapped(FILE *out, const char *prefix, const char *text,
		    unsigned int width, int indent, const char *color)
{
	char line[LINE_BUF];
	struct outbuf ob;

	ob_init(&ob, out, line, sizeof(line));
	wrapped_ob(&ob, prefix, text, width, indent, color);
	ob_flush(&ob);
}

/*
 * --explain: row r's explanation under it, from column at (after prefix),
 * wrapped to width columns, dimmed.
 */
static void explain_under(FILE *out, const struct model *a,
			  const struct model_row *r, const char *prefix, int at,
			  unsigned int width, bool color)
{
	const char *text = explain_row(a, r);
	char pad[256];

	if (!text)
		return;
	snprintf(pad, sizeof(pad), "%s%*s", prefix, max_int(at - 2, 0), "");
	wrapped(out, pad, text, width, 0, color ? ANSI_DIM : NULL);
}

/* The explanations' width: the ladder's, within reason. */
static unsigned int explain_width(unsigned int ladder, unsigned int limit)
{
	unsigned int w = ladder < 80 ? 80 : ladder > 120 ? 120 : ladder;

	return limit && limit < w ? limit : w;
}

/* A row's line ends: written now, unless the rows gather (l->rows). */
static void end_line(struct outbuf *b, const struct layout *l)
{
	ob_char(b, '\n');
	if (!l->rows)
		ob_flush(b);
}

static void row_line(FILE *out, const struct model *a, const struct model_row *r,
		     const struct layout *l)
{
	char t[TIME_STR_MAX], stbuf[2][NAME_LABEL_MAX], label[LABEL_MAX];
	char abs_buf[LABEL_MAX], arrow[LABEL_MAX + 512];
	const struct row_text *rt = l->text ? &l->text[r - a->rows] : NULL;
	struct span step, abs;
	const char *st[2], *st1, *bad = maybe(l, ANSI_BAD);
	const char *note_color = r->bad ? bad : NULL;
	bool note_below = false;
	char pad[256], line[LINE_BUF];
	struct outbuf ob, *b = l->rows ? l->rows : &ob;
	int trail;

	if (!l->rows)
		ob_init(b, out, line, sizeof(line));
	if (l->follow)
		ob_id(b, a->c->id);
	/* The cells measure() measured are drawn as it measured them. */
	if (rt) {
		cell_span(b, rt->time, l->time, true, NULL);
		ob_lit(b, "  ");
		cell_span(b, rt->state[0], l->lstate, true,
			  maybe(l, ansi_col[0]));
		st1 = rt->state[1].s;
	} else {
		row_time(a, r, l, t);
		row_states(a, r, st, stbuf);
		cell(b, t, l->time, true, NULL);
		ob_lit(b, "  ");
		cell(b, st[0], l->lstate, true, maybe(l, ansi_col[0]));
		st1 = st[1];
	}
	ob_lit(b, " |");
	if (r->kind == ROW_ARROW) {
		const char *lab = rt ? rt->label : arrow_label(a, r, label);
		int n = draw_arrow(arrow, l->arrow, lab,
				   rt ? rt->label_n : (int)strlen(lab),
				   r->col == 0, r->fate);
		struct span as = span_n(arrow, n);

		/* An ASCII label's arrow is ASCII: a column a byte. */
		if (rt && rt->label_ascii)
			as.w = n;
		cell_span(b, as, l->arrow, false, r->fate == FATE_LOST ? bad :
			  maybe(l, ansi_col[r->col]));
	} else {
		put_pad(b, l->arrow);
	}
	ob_char(b, '|');
	/* Trailing blanks are left out. */
	trail = r->step[0] || r->note[0] || (r->kind == ROW_ARROW && !a->o.absolute);
	if (!trail && !st1[0]) {
		end_line(b, l);
		return;
	}
	ob_char(b, ' ');
	cell_span(b, rt ? rt->state[1] : span_of(st1), trail ? l->rstate : 0,
		  false, maybe(l, ansi_col[1]));
	if (!trail) {
		end_line(b, l);
		return;
	}
	step = rt ? rt->step : span_of(r->step);
	abs = rt ? rt->abs_span : span_of(abs_label(a, r, abs_buf));
	if (r->note[0] && l->width) {
		/*
		 * Following with a limit: a note that would pass it goes on
		 * the next line, under the step label, wrapped.
		 */
		int plen = sfmt(NULL, 0, "#%lu ", a->c->id);
		int step_at = plen + l->time + 2 + l->lstate + 2 + l->arrow + 2 +
			      l->rstate + 2;
		int note_at = step_at + max_int(l->step, span_width(&step)) + 2 +
			      (abs.n ? max_int(l->abs, abs.n) + 2 : 0);

		note_below = note_at + text_width(r->note) > (int)l->width;
		if (note_below)
			snprintf(pad, sizeof(pad), "#%lu%*s", a->c->id,
				 step_at - 2 - (plen - 1), "");
	}
	ob_lit(b, "  ");
	cell_span(b, step, (r->note[0] && !note_below) || abs.n ? l->step : 0,
		  false, r->kind == ROW_NOTE ? note_color : maybe(l, ANSI_BOLD));
	if (abs.n) {
		ob_lit(b, "  ");
		cell_span(b, abs, r->note[0] && !note_below ? l->abs : 0, false,
			  maybe(l, ANSI_DIM));
	}
	if (note_below) {
		ob_char(b, '\n');
		ob_flush(b);
		wrapped(out, pad, r->note, l->width, 0, note_color);
		return;
	}
	if (r->note[0]) {
		ob_lit(b, "  ");
		cell(b, r->note, 0, false, note_color);
	}
	end_line(b, l);
}

/* A row, and with --explain what it means, from under the left bar. */
static void print_row(FILE *out, const struct model *a, const struct model_row *r,
		      const struct layout *l)
{
	char prefix[32] = "";

	row_line(out, a, r, l);
	if (!l->explain)
		return;
	/* What explain.c writes goes after the row. */
	if (l->rows)
		ob_flush(l->rows);
	if (l->follow)
		sfmt(prefix, sizeof(prefix), "#%lu", a->c->id);
	explain_under(out, a, r, prefix,
		      (l->follow ? 1 : 0) + l->time + 2 + l->lstate + 3,
		      l->explain, l->color);
}

/* Who each side is: role, endpoint, process. */
static void side_lines(const struct model *a, char lines[2][3][64])
{
	char comm[sizeof(a->comm[0])], *p;
	unsigned int col;
	size_t n;

	static_assert(sizeof(comm) + sizeof(" (pid )") + U64_STR_MAX <= 64,
		      "room for a process whole");
	/* copy_str(), not snprintf("%s"): --follow draws this per record. */
	for (col = 0; col < 2; col++) {
		copy_str(lines[col][0], 64, model_side_name(a, col));
		endpoint_str(model_ep(a, col), lines[col][1]);
		if (!a->has_task[col]) {
			/* Following, an end not seen yet may still show up. */
			copy_str(lines[col][2], 64, a->traced[col] ? "-" :
				 a->live ? "" : _("(not traced)"));
			continue;
		}
		/* "%s (pid %u)" by hand (it fits: nothing to cut). */
		comm_sanitize(a->comm[col], sizeof(comm) - 1, comm);
		n = strlen(comm);
		p = lines[col][2];
		memcpy(p, comm, n);
		p += n;
		memcpy(p, " (pid ", 6);
		p += 6;
		p += u64_str(a->pid[col], p);
		memcpy(p, ")", sizeof(")"));
	}
}

static struct layout measure(const struct model *a, char lines[2][3][64])
{
	struct layout l = { .time = text_width(_("TIME")), .arrow = 30 };
	const char *st[2];
	size_t i;
	int k;

	/* Each row's text kept, for print_row() (print_wide()). */
	if (a->nr > row_texts_cap) {
		row_texts_cap = 2 * a->nr;
		row_texts = xrealloc(row_texts, row_texts_cap, sizeof(*row_texts));
	}
	for (k = 0; k < 3; k++)
		l.lstate = max_int(l.lstate, text_width(lines[0][k]));
	for (i = 0; i < a->nr; i++) {
		const struct model_row *r = &a->rows[i];
		struct row_text *rt = &row_texts[i];

		row_time(a, r, &l, rt->t);
		rt->time = span_of(rt->t);
		l.time = max_int(l.time, rt->time.n);
		row_states(a, r, st, rt->st);
		rt->state[0] = span_of(st[0]);
		rt->state[1] = span_of(st[1]);
		rt->step = span_of(r->step);
		l.lstate = max_int(l.lstate, span_width(&rt->state[0]));
		l.rstate = max_int(l.rstate, span_width(&rt->state[1]));
		l.step = max_int(l.step, span_width(&rt->step));
		rt->abs_span = span_of(abs_label(a, r, rt->abs));
		l.abs = max_int(l.abs, rt->abs_span.n);
		if (r->kind == ROW_ARROW) {
			rt->label_n = (int)strlen(arrow_label(a, r, rt->label));
			rt->label_ascii = is_ascii(rt->label,
						   (size_t)rt->label_n);
			l.arrow = max_int(l.arrow, rt->label_n + 8);
		}
	}
	return l;
}

/* Into l->rows if set (the caller flushes it), else a line's buffer. */
static void print_header(FILE *out, const struct model *a, const struct layout *l,
			 char lines[2][3][64])
{
	char when[LADDER_WHEN_MAX];
	const struct conn *c = a->c;
	/* Following, the rows' clock is -T's: UTC says so, as dump's does. */
	const char *time = l->follow && clock_of(l->o)->mode == TIME_WALL ?
			   _("TIME (UTC)") : _("TIME");
	char line[LINE_BUF];
	struct outbuf ob, *b = l->rows ? l->rows : &ob;
	int k;

	if (!l->rows)
		ob_init(b, out, line, sizeof(line));
	if (l->follow)
		ob_id(b, c->id);
	if (l->color)
		ob_lit(b, ANSI_BOLD);
	/*
	 * The endpoints as side_lines() wrote them (model_ep(): the left
	 * one first), not formatted again.
	 */
	ob_printf(b, _("connection %lu: %s -> %s"), c->id, lines[0][1],
		  lines[1][1]);
	/* "%s  netns %u, %s\n" by hand: not translated, one per ladder. */
	if (l->color)
		ob_lit(b, ANSI_OFF);
	ob_lit(b, "  netns ");
	ob_u64(b, c->netns);
	ob_lit(b, ", ");
	ob_str(b, ladder_when(l->o, a->t0, when));
	ob_char(b, '\n');
	for (k = 0; k < 3; k++) {
		if (l->follow)
			ob_id(b, c->id);
		cell(b, k == 0 ? time : "", l->time, true, NULL);
		ob_lit(b, "  ");
		cell(b, lines[0][k], l->lstate, true, maybe(l, ansi_col[0]));
		ob_lit(b, " |");
		put_pad(b, l->arrow);
		ob_char(b, '|');
		if (lines[1][k][0])
			ob_char(b, ' ');
		cell(b, lines[1][k], 0, false, maybe(l, ansi_col[1]));
		ob_char(b, '\n');
	}
	if (!l->rows)
		ob_flush(b);
}

/* The blanks after a footer label of width columns: 22 columns, then one. */
static int label_blanks(int width)
{
	return max_int(22 - width, 0) + 1;
}

/* "label   rest": label padded to 22 columns (its display width), rest. */
static void labelled(char *text, size_t size, const char *label,
		     const char *rest)
{
	int pad = label_blanks(text_width(label));
	size_t n;

	/* "%s%*s %s" by hand: a few per ladder, each ladder's footer. */
	copy_str(text, size, label);
	n = strlen(text);
	while (pad-- > 0 && n + 1 < size)
		text[n++] = ' ';
	text[n] = '\0';
	append_str(text, size, rest);
}

/*
 * A line of timings: prefix, "label   rest" (labelled()) wrapped to width
 * with the rest indented under the first column.
 */
static void footer_line(struct outbuf *b, const char *prefix,
			const char *label, const char *rest, unsigned int width)
{
	char text[3 * MODEL_NOTE_MAX];
	size_t ln = strlen(label), rn = strlen(rest);

	/*
	 * No width, wrapped_ob() writes the text labelled() makes as it
	 * is: straight into b, not copied into text and out again, when
	 * labelled() would not have cut it (its padding is 23 blanks at
	 * most).
	 */
	if (!width && ln + 23 + rn < sizeof(text)) {
		struct span t = span_n(label, (int)ln);

		ob_str(b, prefix);
		ob_lit(b, "  ");
		ob_mem(b, label, ln);
		ob_spaces(b, (size_t)label_blanks(span_width(&t)));
		ob_mem(b, rest, rn);
		ob_char(b, '\n');
		return;
	}
	labelled(text, sizeof(text), label, rest);
	wrapped_ob(b, prefix, text, width, 23, NULL);
}

/*
 * "state (side)" into what[64], as sfmt(what, 64, "%s (%s)") writes it:
 * by hand when it fits, two of them in most ladders' footers.
 */
static const char *state_of_side(char what[64], const char *state,
				 const char *side)
{
	size_t n = strlen(state), k = strlen(side);

	if (n + k + sizeof(" ()") > 64) {
		sfmt(what, 64, "%s (%s)", state, side);
		return what;
	}
	memcpy(what, state, n);
	memcpy(what + n, " (", 2);
	memcpy(what + n + 2, side, k);
	memcpy(what + n + 2 + k, ")", sizeof(")"));
	return what;
}

/* The footer into b (the caller flushes it). */
static void footer_ob(struct outbuf *b, const struct model *a,
		      const char *prefix, bool color, unsigned int width)
{
	char rest[2 * MODEL_NOTE_MAX];
	const struct model_figures *f = &a->fig;
	const char *ends = f->both_traced ? _("both ends") :
			   a->traced[0] && a->traced[1] ?
			   model_who(a, f->counted[0] ? 0 : 1) : _("the traced end");
	char d[DURATION_MAX], d2[DURATION_MAX], what[64];
	char reason[NAME_LABEL_MAX];
	unsigned int col;
	size_t i;

#define LINE(label, fmt, ...) do {					\
		sfmt(rest, sizeof(rest), fmt, __VA_ARGS__);		\
		footer_line(b, prefix, label, rest, width);		\
	} while (0)
	if (f->rtt)
		LINE("SYN -> SYN-ACK", _("%s (%s)"), duration(f->rtt, d),
		     f->rtt_at_client ? _("round trip, at the client") :
		     _("from the SYN's arrival to the SYN-ACK, at the server"));
	if (f->has_handshake)
		LINE(_("handshake"), _("%s (first SYN to %s ESTABLISHED)"),
		     duration(f->handshake, d), ends);
	if (f->has_lifetime)
		LINE(_("lifetime"), f->life_from_syn ?
		     _("%s (first SYN to %s closed or in TIME_WAIT)") :
		     _("%s (first event to %s closed or in TIME_WAIT)"),
		     duration(f->lifetime, d), ends);
	if (f->has_close)
		LINE(_("close"), _("%s (first FIN to %s closed or in TIME_WAIT)"),
		     duration(f->close, d), ends);
	for (col = 0; col < 2; col++) {
		if (!f->has_tw[col])
			continue;
		state_of_side(what, "TIME_WAIT", model_side_name(a, col));
		if (f->tw_ended[col] && f->tw_life[col] != f->tw_state[col] &&
		    a->tw_born[col] && a->tw_born[col] < a->tw_in[col])
			LINE(what, _("%s (in TIME_WAIT until its socket's end: %s; the socket lived %s, from FIN_WAIT2)"),
			     duration(f->tw_state[col], d),
			     name_label(&tw_reason_names, f->tw_reason[col], reason),
			     duration(f->tw_life[col], d2));
		else if (f->tw_ended[col])
			LINE(what, _("%s (in TIME_WAIT until its socket's end: %s)"),
			     duration(f->tw_state[col], d),
			     name_label(&tw_reason_names, f->tw_reason[col], reason));
		else if (!a->live)
			LINE(what, "%s", _("entered; its end is not in the capture"));
	}
	for (col = 0; col < 2; col++) {
		if (!f->has_cw[col])
			continue;
		state_of_side(what, "CLOSE_WAIT", model_side_name(a, col));
		LINE(what, "%s", duration(f->cw[col], d));
	}
	for (i = 0; i < a->nr_notes; i++)
		wrapped_ob(b, prefix, a->notes[i], width, 2,
			   color ? ANSI_BAD : NULL);
#undef LINE
}

/* The footer, its lines in one fwrite() when they fit a line's buffer. */
static void print_footer(FILE *out, const struct model *a, const char *prefix,
			 bool color, unsigned int width)
{
	char line[LINE_BUF];
	struct outbuf ob;

	ob_init(&ob, out, line, sizeof(line));
	footer_ob(&ob, a, prefix, color, width);
	ob_flush(&ob);
}

/* --explain: after the footer, what the connection as a whole needs said. */
static void explain_footer(FILE *out, const struct model *a, const char *prefix,
			   unsigned int width, bool color)
{
	const char *text = explain_conn(a);

	if (text)
		wrapped(out, prefix, text, width, 2, color ? ANSI_DIM : NULL);
}

static unsigned int wide_width(const struct model *a, const struct ladder_opts *o);

static void print_wide(FILE *out, const struct model *a,
		       const struct ladder_opts *o, bool color)
{
	char lines[2][3][64], buf[8 * LINE_BUF];
	struct outbuf ob;
	struct layout l;
	size_t i;

	side_lines(a, lines);
	l = measure(a, lines);
	l.color = color;
	l.o = o;
	if (o->explain)
		l.explain = explain_width(wide_width(a, o), o->width);
	/* After wide_width(), which draws it too (the same text). */
	l.text = row_texts;
	/*
	 * The heading, the rows and the footer into one buffer: an
	 * fwrite() per ladder, not per line. What goes to out directly
	 * (explanations) comes after what the buffer holds is flushed.
	 */
	ob_init(&ob, out, buf, sizeof(buf));
	l.rows = &ob;
	print_header(out, a, &l, lines);
	for (i = 0; i < a->nr; i++)
		print_row(out, a, &a->rows[i], &l);
	footer_ob(&ob, a, "", color, 0);
	if (l.explain) {
		ob_flush(&ob);
		explain_footer(out, a, "", l.explain, color);
	}
	ob_char(&ob, '\n');
	ob_flush(&ob);
}

/* The widest line of the wide layout, uncoloured, explanations left out. */
static unsigned int wide_width(const struct model *a, const struct ladder_opts *o)
{
	struct ladder_opts plain = *o;
	char *text = NULL, *p, *nl;
	size_t len = 0;
	unsigned int max = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return 0;
	plain.explain = false;
	print_wide(mem, a, &plain, false);
	fclose(mem);
	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if ((unsigned int)text_width(p) > max)
			max = (unsigned int)text_width(p);
	}
	free(text);
	return max;
}

/*
 * The narrow layout: TIME (since the connection's first event), the left
 * side's states, the arrows, then the right side's state or the step
 * label; what does not fit (the real numbers, a note, a long step label,
 * an arrow's label too long for it) on a line of its own under the arrow,
 * timings and anomalies wrapped. Following, each line starts with "#ID ".
 */
struct narrow {
	char prefix[32];	/* "#ID " following, else "" */
	int plen;
	int time, lstate, arrow;
	int left_w;		/* TIME and the left states, up to the first bar */
	unsigned int width;	/* of a whole line, the prefix included */
	bool color;
	const struct ladder_opts *o;
};

static void narrow_header(FILE *out, const struct model *a,
			  const struct narrow *n)
{
	char ep[ENDPOINT_STR_MAX], ep1[ENDPOINT_STR_MAX], when[LADDER_WHEN_MAX];
	char lines[2][3][64], line[LINE_BUF];
	struct outbuf ob, *b = &ob;
	const struct conn *c = a->c;
	bool color = n->color;
	unsigned int col;

	side_lines(a, lines);
	fprintf(out, "%s%s", n->prefix, color ? ANSI_BOLD : "");
	fprintf(out, _("connection %lu: %s -> %s"), c->id,
		endpoint_str(model_ep(a, 0), ep), endpoint_str(model_ep(a, 1), ep1));
	fprintf(out, "%s\n", color ? ANSI_OFF : "");
	fprintf(out, "%s  netns %u, %s\n", n->prefix, c->netns,
		ladder_when(n->o, a->t0, when));
	/* Following, a process not known yet is left out, not left blank. */
	for (col = 0; col < 2; col++)
		fprintf(out, "%s  %s%-6s %s%s%s%s\n", n->prefix,
			color ? ansi_col[col] : "", lines[col][0], lines[col][1],
			lines[col][2][0] ? "  " : "", lines[col][2],
			color ? ANSI_OFF : "");
	ob_init(b, out, line, sizeof(line));
	ob_str(b, n->prefix);
	cell(b, _("TIME"), n->time, true, NULL);
	ob_lit(b, "  ");
	cell(b, model_side_name(a, 0), n->lstate, true,
	     color ? ansi_col[0] : NULL);
	ob_lit(b, " |");
	put_pad(b, n->arrow);
	ob_lit(b, "| ");
	ob_str(b, model_side_name(a, 1));
	ob_char(b, '\n');
	ob_flush(b);
}

static void narrow_row(FILE *out, const struct model *a,
		       const struct model_row *r, const struct narrow *n)
{
	char t[TIME_STR_MAX], stbuf[2][NAME_LABEL_MAX], label[LABEL_MAX];
	char abs[LABEL_MAX], arrow[LABEL_MAX + 512], more[3 * MODEL_NOTE_MAX];
	const char *st[2];
	struct layout l = { .color = n->color };
	const char *step = r->step;
	bool color = n->color, step_below = false;
	char line[LINE_BUF];
	struct outbuf ob, *b = &ob;
	int used;

	more[0] = '\0';
	ob_init(b, out, line, sizeof(line));
	ob_str(b, n->prefix);
	row_time(a, r, &l, t);
	cell(b, t, n->time, true, NULL);
	ob_lit(b, "  ");
	row_states(a, r, st, stbuf);
	cell(b, st[0], n->lstate, true, maybe(&l, ansi_col[0]));
	ob_lit(b, " |");
	if (r->kind == ROW_ARROW) {
		char flags[TCP_FLAGS_MAX];

		arrow_label(a, r, label);
		/* Too long for the arrow: its flags there, the rest below. */
		if ((int)strlen(label) + 6 > n->arrow) {
			sfmt(more, sizeof(more), "%s", label);
			tcp_flags_string(r->seg->tcp_flags, flags);
			sfmt(label, sizeof(label), "%s", flags[0] ? flags : "-");
		}
		draw_arrow(arrow, n->arrow, label, (int)strlen(label),
			   r->col == 0, r->fate);
		cell(b, arrow, n->arrow, false,
		     r->fate == FATE_LOST ? maybe(&l, ANSI_BAD) :
		     maybe(&l, ansi_col[r->col]));
	} else {
		put_pad(b, n->arrow);
	}
	ob_char(b, '|');
	used = n->plen + n->left_w + n->arrow + 1;
	if (st[1][0]) {
		ob_char(b, ' ');
		ob_str(b, color ? ansi_col[1] : "");
		ob_str(b, st[1]);
		ob_str(b, color ? ANSI_OFF : "");
		used += 1 + text_width(st[1]);
	}
	if (step[0] && used + 2 + text_width(step) <= (int)n->width) {
		ob_str(b, st[1][0] ? "  " : " ");
		ob_str(b, color ? ANSI_BOLD : "");
		ob_str(b, step);
		ob_str(b, color ? ANSI_OFF : "");
	} else if (step[0]) {
		step_below = true;
	}
	ob_char(b, '\n');
	ob_flush(b);
	/* The line below: a step that did not fit, numbers, note. */
	if (step_below)
		sfmt(more + strlen(more), sizeof(more) - strlen(more),
		     "%s%s", more[0] ? "  " : "", step);
	abs_label(a, r, abs);
	if (abs[0])
		sfmt(more + strlen(more), sizeof(more) - strlen(more),
		     "%s%s", more[0] ? "  " : "", abs);
	if (r->note[0])
		sfmt(more + strlen(more), sizeof(more) - strlen(more),
		     "%s%s", more[0] ? "  " : "", r->note);
	if (more[0]) {
		char pad[160];

		snprintf(pad, sizeof(pad), "%s%*s", n->prefix, n->left_w - 2, "");
		wrapped(out, pad, more, n->width, 0,
			r->bad ? maybe(&l, ANSI_BAD) : maybe(&l, ANSI_DIM));
	}
	if (n->o->explain)
		explain_under(out, a, r, n->prefix, n->left_w, n->width, color);
}

/* Room for the right side's longest state after the arrow; labels go below. */
static int narrow_arrow(const struct narrow *n, int want)
{
	int max = (int)n->width - n->plen - n->left_w - 1 -
		  (1 + (int)strlen("ESTABLISHED"));

	return max_int(16, want > max ? max : want);
}

static void print_narrow(FILE *out, const struct model *a,
			 const struct ladder_opts *o, bool color)
{
	char t[TIME_STR_MAX], stbuf[2][NAME_LABEL_MAX], label[LABEL_MAX];
	const char *st[2];
	struct narrow n = {
		.time = text_width(_("TIME")), .width = o->width, .color = color,
		.o = o,
	};
	struct layout l = { 0 };
	int arrow = 0;
	size_t i;

	for (i = 0; i < a->nr; i++) {
		const struct model_row *r = &a->rows[i];

		row_time(a, r, &l, t);
		n.time = max_int(n.time, (int)strlen(t));
		row_states(a, r, st, stbuf);
		n.lstate = max_int(n.lstate, text_width(st[0]));
		if (r->kind == ROW_ARROW)
			arrow = max_int(arrow, (int)strlen(arrow_label(a, r, label)) + 6);
	}
	n.lstate = max_int(n.lstate, text_width(model_side_name(a, 0)));
	n.left_w = n.time + 2 + n.lstate + 2;
	n.arrow = narrow_arrow(&n, arrow);
	narrow_header(out, a, &n);
	for (i = 0; i < a->nr; i++)
		narrow_row(out, a, &a->rows[i], &n);
	print_footer(out, a, "", color, o->width);
	if (o->explain)
		explain_footer(out, a, "", o->width, color);
	putc('\n', out);
}

void ladder_footer(FILE *out, const struct model *m)
{
	print_footer(out, m, "", false, 0);
}

void ladder_print(FILE *out, const struct conn *c, const struct ladder_opts *o)
{
	struct model *a = build(c, o, false);

	if (o->width && wide_width(a, o) > o->width)
		print_narrow(out, a, o, o->color);
	else
		print_wide(out, a, o, o->color);
	model_free(a);
}

/*
 * --follow's columns are fixed, as later events cannot move earlier lines:
 * the wide layout's, or the narrow one's below them. The narrow one
 * counts time from the connection's first event (its heading says when,
 * by -T), as every ladder does: the wide one's -T clock would take a
 * third of 80 columns. A connection older than 1000 s widens its TIME.
 */
#define FOLLOW_NARROW_TIME	10	/* "999.999999" */
#define FOLLOW_NARROW_STATE	11	/* "ESTABLISHED" */
#define FOLLOW_NARROW_ARROW	36	/* the longest usual label, and 6 */

static struct layout follow_layout(const struct ladder_opts *o)
{
	struct layout l = {
		.time = clock_of(o)->mode == TIME_WALL ? 27 : 14,
		.lstate = 17, .arrow = 40, .rstate = 11, .step = 32, .abs = 29,
		.follow = true, .color = o->color, .o = o, .width = o->width,
	};

	return l;
}

/*
 * Whether the wide follow layout needs more than o->width: its columns up
 * to the real numbers (a note past the limit goes below), its heading and
 * its side lines.
 */
static bool follow_narrow(const struct model *a, const struct ladder_opts *o,
			  const struct layout *l, char lines[2][3][64])
{
	char ep0[ENDPOINT_STR_MAX], ep1[ENDPOINT_STR_MAX], when[LADDER_WHEN_MAX];
	char head[2 * ENDPOINT_STR_MAX + LADDER_WHEN_MAX + 64];
	int plen, need, k;

	if (!o->width)
		return false;
	plen = sfmt(NULL, 0, "#%lu ", a->c->id);
	need = plen + l->time + 2 + l->lstate + 2 + l->arrow + 2 + l->rstate +
	       2 + l->step + 2 + l->abs;
	sfmt(head, sizeof(head), _("connection %lu: %s -> %s"), a->c->id,
	     endpoint_str(&a->c->ep[a->left], ep0),
	     endpoint_str(&a->c->ep[1 - a->left], ep1));
	sappend(head, sizeof(head), "  netns %u, %s", a->c->netns,
		ladder_when(o, a->t0, when));
	need = max_int(need, plen + text_width(head));
	for (k = 0; k < 3; k++)
		need = max_int(need, plen + l->time + 2 +
			       max_int(l->lstate, text_width(lines[0][k])) + 2 +
			       l->arrow + 2 + (int)strlen(endpoint_str(model_ep(a, 1), ep1)));
	return (int)o->width < need;
}

/*
 * The connections whose live model is kept, by when it was made: a model
 * (its rows' text, mostly) is several KB, and a capture's open
 * connections are thousands, mostly idle in TIME_WAIT: memory first
 * touched costs more than building a model again. The records of a connection come close together:
 * the newest FOLLOW_KEPT models catch them, and the oldest is given to
 * the next connection (one that comes back is built again, as before).
 */
#define FOLLOW_KEPT	256
static struct model **follow_kept[FOLLOW_KEPT];
static size_t follow_next;

void ladder_follow_forget(struct model **kept)
{
	if (!*kept)
		return;
	if (follow_kept[(*kept)->kept_slot] == kept)
		follow_kept[(*kept)->kept_slot] = NULL;
	model_free(*kept);
	*kept = NULL;
}

/* c's live model, from *kept if it has one, else from the oldest kept. */
static struct model *follow_model(const struct conn *c, const struct ladder_opts *o,
				  struct model **kept)
{
	struct model_opts mo = {
		.absolute = o->absolute, .close_wait_ns = o->close_wait_ns,
		.rows_only = true,
	};
	struct model **old;
	size_t slot;

	if (*kept) {
		slot = (*kept)->kept_slot;
	} else {
		slot = follow_next;
		follow_next = (follow_next + 1) % FOLLOW_KEPT;
		old = follow_kept[slot];
		if (old) {
			*kept = *old;
			*old = NULL;
		}
		follow_kept[slot] = kept;
	}
	*kept = model_follow(*kept, c, &mo);
	(*kept)->kept_slot = slot;
	return *kept;
}

void ladder_follow(FILE *out, const struct conn *c, const struct ladder_opts *o,
		   size_t *printed, struct model **kept, bool done)
{
	struct model *a;
	struct layout l = follow_layout(o);
	struct narrow n = {
		.time = FOLLOW_NARROW_TIME, .lstate = FOLLOW_NARROW_STATE,
		.width = o->width, .color = o->color, .o = o,
	};
	char lines[2][3][64], prefix[32];
	size_t i, upto;
	bool narrow;

	/*
	 * Live, the model of the events so far, added to record by record
	 * (the rows only); the last one whole, for the footer.
	 */
	if (done) {
		ladder_follow_forget(kept);
		a = build(c, o, false);
	} else {
		a = follow_model(c, o, kept);
	}
	upto = done ? a->nr : a->hold;
	/* Only the heading and the width check read them: not per record. */
	if (*printed == 0 || o->width)
		side_lines(a, lines);
	narrow = follow_narrow(a, o, &l, lines);
	if (o->explain)
		l.explain = explain_width(120, o->width);
	if (narrow) {
		n.plen = sfmt(n.prefix, sizeof(n.prefix), "#%lu ", c->id);
		n.lstate = max_int(n.lstate, text_width(model_side_name(a, 0)));
		n.left_w = n.time + 2 + n.lstate + 2;
		n.arrow = narrow_arrow(&n, FOLLOW_NARROW_ARROW);
	}
	if (*printed == 0) {
		if (narrow)
			narrow_header(out, a, &n);
		else
			print_header(out, a, &l, lines);
		*printed = 1;	/* the ROW_INIT row is not printed */
	}
	for (i = *printed; i < upto; i++) {
		if (narrow)
			narrow_row(out, a, &a->rows[i], &n);
		else
			print_row(out, a, &a->rows[i], &l);
	}
	if (upto > *printed)
		*printed = upto;
	if (done) {
		sfmt(prefix, sizeof(prefix), "#%lu", c->id);
		print_footer(out, a, prefix, o->color, o->width);
		if (o->explain)
			explain_footer(out, a, prefix,
				       explain_width(120, o->width), o->color);
		model_free(a);
	}
}

/* --- the summary line ---------------------------------------------------- */

/*
 * The columns: START first, as wide as its clock needs (UTC's is 27
 * characters); negative widths are left-aligned. Padded by display width:
 * OPEN, CLOSED and END are translated. The headings are not: like ps's
 * and ss's, they name the columns for scripts as well.
 */
#define SUM_COLS	11
static const int sum_width[SUM_COLS] = {
	0, 10, 7, -15, -21, -21, -12, -7, -18, 10, 10,
};

static int start_width(const struct ladder_opts *o)
{
	return clock_of(o)->mode == TIME_WALL ? 27 : 15;
}

static void summary_line(FILE *out, const struct ladder_opts *o,
			 const char *const v[SUM_COLS])
{
	char line[LINE_BUF];
	struct outbuf ob, *b = &ob;
	int i, w;

	ob_init(b, out, line, sizeof(line));
	for (i = 0; i < SUM_COLS; i++) {
		w = i ? sum_width[i] : -start_width(o);
		if (i)
			ob_char(b, ' ');
		cell(b, v[i], w < 0 ? -w : w, w > 0, NULL);
	}
	ob_char(b, '\n');
	ob_flush(b);
}

void summary_header(FILE *out, const struct ladder_opts *o)
{
	static const char *const head[SUM_COLS] = {
		"START", "NETNS", "PID", "COMM", "CLIENT", "SERVER", "OPEN",
		"CLOSED", "END", "HS_MS", "LIFE_MS",
	};

	summary_line(out, o, head);
}

static const char *ms(__u64 ns, char buf[32])
{
	sfmt(buf, 32, "%llu.%03llu", (unsigned long long)(ns / NSEC_PER_MSEC),
	     (unsigned long long)(ns % NSEC_PER_MSEC / NSEC_PER_USEC));
	return buf;
}

static const char *open_name(const struct model *a)
{
	switch (a->open) {
	case OPEN_3WAY: return _("3-way");
	case OPEN_SIM: return _("simultaneous");
	case OPEN_REFUSED: return _("refused");
	case OPEN_HALF: return _("half-open");
	default: return "-";
	}
}

static const char *end_name(const struct model *a)
{
	switch (a->end) {
	case END_REFUSED: return _("refused");
	case END_RESET:
		if (a->rst[0] && a->rst[1])
			return _("reset by both");
		if (a->rst[0])
			return a->sim_open ? _("reset by peer A") : _("reset by client");
		return a->sim_open ? _("reset by peer B") : _("reset by server");
	case END_4WAY: return _("4-way close");
	case END_COMBINED: return _("FIN+ACK close");
	case END_SIM: return _("simultaneous close");
	case END_HALF: return _("half close");
	case END_CLOSING: return _("still closing");
	case END_OPEN: return _("still open");
	case END_NEVER_OPENED: return _("never opened");
	default: return "-";
	}
}

void summary_print(FILE *out, const struct conn *c, const struct ladder_opts *o)
{
	struct model *a = build(c, o, false);
	char start[TIME_STR_MAX], netns[16], pid[16] = "-", comm[20] = "-", hs[32] = "-";
	char life[32] = "-", ep0[ENDPOINT_STR_MAX], ep1[ENDPOINT_STR_MAX];
	const char *closed = "-";

	time_str(clock_of(o), a->t0, start);
	sfmt(netns, sizeof(netns), "%u", c->netns);
	/* The client's process, from the model: never from drawn text. */
	if (a->has_task[0]) {
		comm_sanitize(a->comm[0], sizeof(a->comm[0]) - 1, comm);
		sfmt(pid, sizeof(pid), "%u", a->pid[0]);
	}
	if (a->closer >= 0)
		closed = a->close == CLOSE_SIM ? _("both") :
			 model_side_name(a, (unsigned int)a->closer);
	if (a->fig.has_handshake)
		ms(a->fig.handshake, hs);
	if (a->fig.has_lifetime && c->complete)
		ms(a->fig.lifetime, life);
	{
		const char *const v[SUM_COLS] = {
			start, netns, pid, comm, endpoint_str(model_ep(a, 0), ep0),
			endpoint_str(model_ep(a, 1), ep1), open_name(a), closed,
			end_name(a), hs, life,
		};

		summary_line(out, o, v);
	}
	model_free(a);
}
