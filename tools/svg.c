// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "i18n.h"
#include "model.h"
#include "states.h"
#include "svg.h"
#include "util.h"

#define X_LEFT		300	/* the client's time line */
#define X_RIGHT		640	/* the server's */
#define Y_TOP		110	/* the first event */
#define DY_MIN		24	/* between two distinct times */
#define DY_MAX		80	/* the longest gap drawn to scale */
#define BREAK_NS	NSEC_PER_SEC	/* from here on: a break in the axis */
#define LINE_H		16	/* a line of text under the picture */
#define NOTE_COLS	118	/* --explain: a note's line, in monospace columns */
#define X_REF		80	/* --explain: a row's note number */

static const char *const side_color[2] = { "#00838f", "#8e24aa" };
#define RED		"#d32f2f"

void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: putc(*s, out); break;
		}
	}
}

/* The compressed time axis: each distinct time its y. */
struct axis {
	__u64 *t;
	int *y;
	size_t nr;
};

static int cmp_u64(const void *x, const void *y)
{
	__u64 a = *(const __u64 *)x, b = *(const __u64 *)y;

	return a < b ? -1 : a > b;
}

static void axis_add(struct axis *ax, __u64 t)
{
	if (t)
		ax->t[ax->nr++] = t;
}

/*
 * Distinct times, DY_MIN apart and more for longer gaps (log scale up to
 * DY_MAX at 1 s); a gap of BREAK_NS or more gets DY_MAX and a break mark.
 */
static void axis_build(struct axis *ax, const struct model *m)
{
	size_t i, k = 0;
	int y = Y_TOP;

	ax->t = xcalloc(3 * m->nr + 1, sizeof(*ax->t));
	ax->y = xcalloc(3 * m->nr + 1, sizeof(*ax->y));
	for (i = 0; i < m->nr; i++) {
		const struct model_row *r = &m->rows[i];

		if (r->kind == ROW_INIT)
			continue;
		axis_add(ax, r->ts);
		if (r->kind == ROW_ARROW) {
			axis_add(ax, r->sent);
			axis_add(ax, r->recvd);
		}
	}
	qsort(ax->t, ax->nr, sizeof(*ax->t), cmp_u64);
	for (i = 0; i < ax->nr; i++) {
		if (i && ax->t[i] == ax->t[k - 1])
			continue;
		if (k) {
			/* Decimal digits of the gap in us: 0 (< 1 us) to 6 (1 s). */
			__u64 us = (ax->t[i] - ax->t[k - 1]) / NSEC_PER_USEC;
			int digits = 0;

			for (; us && digits < 6; us /= 10)
				digits++;
			y += DY_MIN + (DY_MAX - DY_MIN) * digits / 6;
		}
		ax->t[k] = ax->t[i];
		ax->y[k++] = y;
	}
	ax->nr = k;
}

static int axis_y(const struct axis *ax, __u64 t)
{
	size_t lo = 0, hi = ax->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ax->t[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ax->nr ? ax->y[lo] : (ax->nr ? ax->y[ax->nr - 1] : Y_TOP);
}

static int col_x(unsigned int col)
{
	return col ? X_RIGHT : X_LEFT;
}

/* A state name on a side's time line, outside the two lines. */
static void state_text(FILE *out, unsigned int col, int y, const char *text,
		       const char *color)
{
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\" class=\"state\">",
		col ? X_RIGHT + 10 : X_LEFT - 10, y + 4, col ? "start" : "end",
		color);
	xml_text(out, text);
	fputs("</text>\n", out);
}

static void draw_arrow(FILE *out, const struct model *m, const struct axis *ax,
		       const struct model_row *r)
{
	char label[MODEL_LABEL_MAX];
	const char *color = r->fate == FATE_LOST || r->fate == FATE_RECEIVED ?
			    RED : side_color[r->col];
	int x1 = col_x(r->col), x2 = col_x(1 - r->col);
	int y1 = axis_y(ax, r->sent ? r->sent : r->recvd);
	int y2 = axis_y(ax, r->recvd ? r->recvd : r->sent);
	bool dashed = r->fate != FATE_BOTH;
	int xm, ym;

	/* Only one end recorded it: drawn level, as far as it is known. */
	if (r->fate == FATE_LOST)
		x2 = (x1 + x2) / 2;
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"%s%s/>\n",
		x1, y1, x2, y2, color, dashed ? " stroke-dasharray=\"5,3\"" : "",
		r->fate == FATE_LOST ? "" :
		r->col ? " marker-end=\"url(#head1)\"" : " marker-end=\"url(#head0)\"");
	if (r->fate == FATE_LOST)
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"" RED "\" class=\"lost\">X</text>\n",
			x2, y2 + 5);
	xm = (col_x(0) + col_x(1)) / 2;
	ym = (y1 + y2) / 2;
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\" class=\"label\">",
		xm, ym - 4, color);
	xml_text(out, model_arrow_label(m, r, label));
	fputs("</text>\n", out);
	if (r->step[0] || r->note[0]) {
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\" class=\"step\">",
			xm, ym + 12, r->bad ? RED : "#333");
		xml_text(out, r->step);
		if (r->step[0] && r->note[0])
			fputs(": ", out);
		xml_text(out, r->note);
		fputs("</text>\n", out);
	}
}

/* A side's TIME_WAIT: a bar along its line, its length written beside. */
static void draw_time_wait(FILE *out, const struct model *m,
			   const struct axis *ax, unsigned int col)
{
	char d[DURATION_MAX];
	int y1, y2, x = col_x(col);

	if (!m->fig.has_tw[col] || !m->fig.tw_ended[col])
		return;
	y1 = axis_y(ax, m->tw_in[col]);
	y2 = axis_y(ax, m->tw_out[col]);
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.35\"/>\n",
		x - 4, y1, y2 - y1, side_color[col]);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\" class=\"tw\">TIME_WAIT %s</text>\n",
		col ? x + 10 : x - 10, (y1 + y2) / 2 + 4, col ? "start" : "end",
		side_color[col], duration_str(m->fig.tw_state[col], DURATION_SPACED, d));
}

/* Gaps of BREAK_NS or more: the axis is broken there. */
static void draw_breaks(FILE *out, const struct axis *ax)
{
	char d[DURATION_MAX];
	size_t i;

	for (i = 1; i < ax->nr; i++) {
		int y = (ax->y[i - 1] + ax->y[i]) / 2;
		unsigned int col;

		if (ax->t[i] - ax->t[i - 1] < BREAK_NS)
			continue;
		for (col = 0; col < 2; col++)
			fprintf(out, "<path d=\"M%d %d l16 -6 M%d %d l16 -6\" stroke=\"#000\" fill=\"none\"/>\n",
				col_x(col) - 8, y + 1, col_x(col) - 8, y + 7);
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"break\">axis broken: %s</text>\n",
			(X_LEFT + X_RIGHT) / 2, y + 8,
			duration_str(ax->t[i] - ax->t[i - 1], DURATION_SPACED, d));
	}
}

/*
 * One note under the picture: "ref text" wrapped at NOTE_COLS columns (a
 * CJK character takes two), the lines after the first under the text.
 * Returns the y after it.
 */
static int note_text(FILE *out, const char *ref, const char *text, int y)
{
	char line[NOTE_COLS * 4 + 16];
	int room = NOTE_COLS - (int)strlen(ref), first = 1;
	size_t len;

	while (*text) {
		len = text_width(text) <= room ? strlen(text) :
		      text_break(text, room);
		if (!len)
			len = text_fit(text, room);
		while (len > 1 && text[len - 1] == ' ')
			len--;
		snprintf(line, sizeof(line), "%*s%.*s",
			 first ? 0 : (int)strlen(ref), "", (int)len, text);
		fprintf(out, "<text x=\"10\" y=\"%d\" xml:space=\"preserve\" class=\"explain\" fill=\"#555\">",
			y);
		if (first)
			xml_text(out, ref);
		xml_text(out, line);
		fputs("</text>\n", out);
		y += LINE_H;
		first = 0;
		text += len;
		while (*text == ' ')
			text++;
	}
	return y;
}

/*
 * --explain: the notes under the picture, numbered as the rows' marks
 * [n], then what the connection as a whole needs said. Returns the y
 * after them.
 */
static int explain_notes(FILE *out, const struct model *m, int y)
{
	unsigned int n = 0;
	const char *text;
	char ref[16];
	size_t i;

	for (i = 0; i < m->nr; i++) {
		text = explain_row(m, &m->rows[i]);
		if (!text)
			continue;
		snprintf(ref, sizeof(ref), "[%u] ", ++n);
		y = note_text(out, ref, text, y);
	}
	text = explain_conn(m);
	if (text)
		y = note_text(out, "", text, y);
	return y;
}

int svg_conn(FILE *out, const struct conn *c, const struct ladder_opts *o)
{
	struct model_opts mo = {
		.absolute = o->absolute, .close_wait_ns = o->close_wait_ns,
	};
	struct model *m = model_build(c, &mo, false);
	char ep[ENDPOINT_STR_MAX], t[32], when[LADDER_WHEN_MAX], *foot = NULL, *line, *nl;
	char comm[sizeof(m->comm[0])], st[NAME_LABEL_MAX];
	struct axis ax = { 0 };
	size_t len = 0, i, nfoot = 0, first_note;
	unsigned int col, refs = 0;
	int y_end, y;
	FILE *mem;

	axis_build(&ax, m);
	y_end = ax.nr ? ax.y[ax.nr - 1] + 30 : Y_TOP + 30;
	fputs("<text x=\"10\" y=\"20\" class=\"title\">", out);
	{
		char ep1[ENDPOINT_STR_MAX], head[2 * ENDPOINT_STR_MAX + 64];

		snprintf(head, sizeof(head), _("connection %lu: %s -> %s"), c->id,
			 endpoint_str(model_ep(m, 0), ep),
			 endpoint_str(model_ep(m, 1), ep1));
		xml_text(out, head);
	}
	fprintf(out, "  netns %u, ", c->netns);
	xml_text(out, ladder_when(o, m->t0, when));
	fputs("</text>\n", out);
	for (col = 0; col < 2; col++) {
		int x = col_x(col);

		fprintf(out, "<text x=\"%d\" y=\"44\" text-anchor=\"middle\" fill=\"%s\" class=\"side\">%s</text>\n",
			x, side_color[col], model_side_name(m, col));
		fprintf(out, "<text x=\"%d\" y=\"60\" text-anchor=\"middle\" class=\"who\">", x);
		xml_text(out, endpoint_str(model_ep(m, col), ep));
		fputs("</text>\n", out);
		fprintf(out, "<text x=\"%d\" y=\"76\" text-anchor=\"middle\" class=\"who\">", x);
		if (m->has_task[col]) {
			comm_sanitize(m->comm[col], sizeof(comm) - 1, comm);
			xml_text(out, comm);
			fprintf(out, " (pid %u)", m->pid[col]);
		} else {
			xml_text(out, m->traced[col] ? "-" : _("(not traced)"));
		}
		fputs("</text>\n", out);
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
			x, Y_TOP - 20, x, y_end, side_color[col],
			m->traced[col] ? "" : " stroke-dasharray=\"2,4\"");
		if (m->init[col])
			state_text(out, col, Y_TOP - 14, tcp_state_label(m->init[col], st),
				   side_color[col]);
	}
	for (col = 0; col < 2; col++)
		draw_time_wait(out, m, &ax, col);
	draw_breaks(out, &ax);
	for (i = 0; i < m->nr; i++) {
		const struct model_row *r = &m->rows[i];

		switch (r->kind) {
		case ROW_INIT:
			break;
		case ROW_STATE:
			y = axis_y(&ax, r->ts);
			fprintf(out, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>\n",
				col_x(r->col), y, side_color[r->col]);
			state_text(out, r->col, y, tcp_state_label(r->state, st),
				   side_color[r->col]);
			if (r->step[0] || r->note[0]) {
				char both[2 * MODEL_NOTE_MAX];

				snprintf(both, sizeof(both), "%s%s%s", r->step,
					 r->step[0] && r->note[0] ? ": " : "", r->note);
				state_text(out, r->col, y + 14, both,
					   r->bad ? RED : "#333");
			}
			break;
		case ROW_NOTE:
			y = axis_y(&ax, r->ts);
			{
				char both[2 * MODEL_NOTE_MAX];

				snprintf(both, sizeof(both), "%s: %s", r->step, r->note);
				state_text(out, r->col, y, both, r->bad ? RED : "#333");
			}
			break;
		case ROW_ARROW:
			draw_arrow(out, m, &ax, r);
			break;
		}
		if (r->kind != ROW_INIT) {
			fprintf(out, "<text x=\"10\" y=\"%d\" class=\"time\">%s</text>\n",
				axis_y(&ax, r->ts) + 4, model_reltime(m, r->ts, t));
		}
		/* --explain: the number of its note under the picture. */
		if (o->explain && explain_row(m, r))
			fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"ref\" fill=\"#555\">[%u]</text>\n",
				X_REF, axis_y(&ax, r->ts) + 4, ++refs);
	}
	/* The ladder's lines under it: the same figures, the same notes. */
	mem = open_memstream(&foot, &len);
	if (!mem)
		out_of_memory();
	ladder_footer(mem, m);
	fclose(mem);
	for (line = foot; (nl = strchr(line, '\n')); line = nl + 1)
		nfoot++;
	first_note = nfoot - m->nr_notes;
	y = y_end + 24;
	for (line = foot, i = 0; (nl = strchr(line, '\n')); line = nl + 1, i++) {
		*nl = '\0';
		fprintf(out, "<text x=\"10\" y=\"%d\" xml:space=\"preserve\" class=\"%s\"%s>", y,
			i >= first_note ? "anomaly" : "figure",
			i >= first_note ? " fill=\"" RED "\"" : "");
		xml_text(out, line + 2);
		fputs("</text>\n", out);
		y += LINE_H;
	}
	free(foot);
	if (o->explain)
		y = explain_notes(out, m, y + LINE_H / 2);
	free(ax.t);
	free(ax.y);
	model_free(m);
	return y + 10;
}

static const char svg_defs[] =
"<defs>\n"
"<marker id=\"head0\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#00838f\"/></marker>\n"
"<marker id=\"head1\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#8e24aa\"/></marker>\n"
"</defs>\n"
"<style>text { font-family: monospace; font-size: 12px; paint-order: stroke; stroke: #fff; stroke-width: 3px; } .title { font-weight: bold; font-size: 13px; } .side { font-weight: bold; } .step { font-style: italic; font-size: 11px; } .break { font-size: 11px; }</style>\n";

void svg_begin(FILE *out, int height)
{
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n%s",
		SVG_WIDTH, height, SVG_WIDTH, height, svg_defs);
	fputs("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", out);
}

void svg_end(FILE *out)
{
	fputs("</svg>\n", out);
}

void html_begin(FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>tcpstate conns</title>\n"
	      "<style>body { font-family: sans-serif; margin: 1em; } "
	      "pre { font-size: 12px; background: #f6f6f6; padding: 0.5em; overflow-x: auto; } "
	      "section { margin-bottom: 2em; }</style>\n"
	      "</head>\n<body>\n<h1>tcpstate conns</h1>\n", out);
}

void html_conn(FILE *out, const struct conn *c, const struct ladder_opts *o)
{
	struct ladder_opts plain = *o;
	char *body = NULL, *text = NULL;
	size_t blen = 0, tlen = 0;
	FILE *mem;
	int height;

	plain.color = false;
	plain.width = 0;
	mem = open_memstream(&body, &blen);
	if (!mem)
		out_of_memory();
	height = svg_conn(mem, c, &plain);
	fclose(mem);
	mem = open_memstream(&text, &tlen);
	if (!mem)
		out_of_memory();
	ladder_print(mem, c, &plain);
	fclose(mem);
	fprintf(out, "<section id=\"connection-%lu\">\n<h2>connection %lu</h2>\n",
		c->id, c->id);
	svg_begin(out, height);
	fputs(body, out);
	svg_end(out);
	fputs("<pre>", out);
	xml_text(out, text);
	fputs("</pre>\n</section>\n", out);
	free(body);
	free(text);
}

void html_end(FILE *out)
{
	fputs("</body>\n</html>\n", out);
}
