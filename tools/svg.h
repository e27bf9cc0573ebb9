/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pictures of the connection model (model.h), as the textbooks draw a
 * connection: two vertical time lines (the client's on the left), each
 * segment a slanted arrow from its send time to its receive time, each
 * side's state written on its line where it changes, the arrows labelled
 * with their flags and x/y/u/w numbers and their step, TIME_WAIT a bar of
 * its measured length, anomalies in red. Time runs down on a compressed
 * scale; a gap of a second or more is drawn as a break in the axis,
 * labelled with its length. Then the model's timings and anomalies.
 *
 * --svg: one SVG document holding every connection, one under the other;
 * --html: one self-contained page, each connection's picture and its text
 * ladder (ladder.c).
 */
#ifndef TCPSTATE_TOOL_SVG_H
#define TCPSTATE_TOOL_SVG_H

#include <stdio.h>

#include "conns.h"
#include "ladder.h"

#define SVG_WIDTH	900

/* One connection as an SVG group, drawn from y = 0; returns its height. */
int svg_conn(FILE *out, const struct conn *c, const struct ladder_opts *o);

/* The document around svg_conn()'s groups: total height known at the end. */
void svg_begin(FILE *out, int height);
void svg_end(FILE *out);

void html_begin(FILE *out);
/* A connection's section: heading, picture, text ladder. */
void html_conn(FILE *out, const struct conn *c, const struct ladder_opts *o);
void html_end(FILE *out);

/* s with &, <, >, " escaped, for XML and HTML text and attributes. */
void xml_text(FILE *out, const char *s);

#endif
