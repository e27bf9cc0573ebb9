/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text views of the connection model (model.h).
 *
 * A connection the way the textbooks draw it: a two-sided ladder diagram
 * (the end that sent the first SYN on the left), each side's state where
 * it changes, each segment one arrow with its flags and its numbers
 * relative to the ISNs x, y and the FINs u, w; each step labelled
 * (handshake 1/3 .. 3/3, close 1/4 .. 4/4 or the variant that happened);
 * then timings and anomalies in words. Or one summary line.
 */
#ifndef TCPSTATE_TOOL_LADDER_H
#define TCPSTATE_TOOL_LADDER_H

#include <stdbool.h>
#include <stdio.h>

#include "conns.h"
#include "format.h"
#include "model.h"

struct ladder_opts {
	bool absolute;		/* only real numbers, no x, y, u, w */
	bool color;		/* ANSI colours */
	/* --explain: under each step, what it does and why (explain.h) */
	bool explain;
	/* CLOSE_WAIT longer than this is "the application never closed". */
	unsigned long long close_wait_ns;
	/*
	 * Columns to fit in; 0: no limit. A ladder wider than this is drawn
	 * in the narrow layout: the sides named above the ladder, each row's
	 * real numbers, note, and a step label that does not fit on a second
	 * line, timings wrapped. --follow cannot measure what is still to
	 * come: below the wide follow layout's fixed columns it draws the
	 * narrow one with fixed columns, above them the wide one with notes
	 * and timings wrapped.
	 */
	unsigned int width;
	/*
	 * -T: the clock of the "first event at" heading, the summary's START
	 * and the wide --follow rows (a ladder's rows are seconds since its
	 * first event). NULL: CLOCK_MONOTONIC seconds. TIME_REL counts from
	 * time->base, the capture's first record (has_base set by the caller).
	 */
	const struct time_fmt *time;
};

/* Enough for ladder_when(). */
#define LADDER_WHEN_MAX	128

/*
 * When a connection's first event (ts) was, as its heading says it:
 * "first event at 12.297791 s", "first event at 2026-12-03T19:43:40.123456Z",
 * "first event 1.234567 s into the capture" (TIME_REL).
 */
const char *ladder_when(const struct ladder_opts *o, __u64 ts,
			char buf[LADDER_WHEN_MAX]);

/* The whole diagram, its timings and anomalies, and a blank line. */
void ladder_print(FILE *out, const struct conn *c, const struct ladder_opts *o);

/*
 * For --follow: what of c is new since *printed (0 at first) and final,
 * the header first; with done, the rest and the footer. Each line starts
 * with "#ID ". Widths are fixed, as later events cannot move earlier lines.
 * *kept (NULL at first) is c's model between calls (model_follow()), freed
 * with done or by ladder_follow_forget().
 */
void ladder_follow(FILE *out, const struct conn *c, const struct ladder_opts *o,
		   size_t *printed, struct model **kept, bool done);
void ladder_follow_forget(struct model **kept);

/*
 * The lines under a ladder: timings, then the anomalies (m->nr_notes, the
 * last lines), uncoloured, each "  " first.
 */
void ladder_footer(FILE *out, const struct model *m);

/* One line per connection: tcplife's, and how it ended; START as o->time. */
void summary_header(FILE *out, const struct ladder_opts *o);
void summary_print(FILE *out, const struct conn *c, const struct ladder_opts *o);


#endif
