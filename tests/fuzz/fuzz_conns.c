// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: grouping records into connections (conns.c) and
 * drawing them (ladder.c), on any sequence of records. The input is cut
 * into 128-byte records; the version and size are set right (the reader
 * refuses any other before these see them), records rec_validate()
 * refuses are skipped, as the tool does; records go through the live
 * reader's time-ordering merge (order.h) first. Each connection is drawn
 * as a ladder (wide or narrow) and a picture, followed, and summarised.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conns.h"
#include "format.h"
#include "ladder.h"
#include "order.h"
#include "svg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

static void done(struct conn *c, void *arg)
{
	const struct ladder_opts *o = arg;

	ladder_print(sink, c, o);
	summary_print(sink, c, o);
	svg_conn(sink, c, o);
	ladder_follow(sink, c, o, &c->shown, &c->follow, true);
	conn_reached(c, c->nr % 12);
}

static void event(struct conn *c, void *arg)
{
	ladder_follow(sink, c, arg, &c->shown, &c->follow, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ladder_opts o = { .close_wait_ns = 1000000000ULL };
	struct tcpstate_rec rec;
	char err[FORMAT_ERR_MAX];
	unsigned long long last = 0;
	struct reorder *q;
	struct tracker *t;
	size_t i;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (size < 1)
		return 0;
	/* The first byte picks the options. */
	o.absolute = data[0] & 1;
	o.color = data[0] & 2;
	/* --explain: its lines in every layout, its notes in the SVG. */
	o.explain = data[0] & 32;
	/* The narrow layout (ladder.h), at two widths. */
	o.width = data[0] & 8 ? (data[0] & 16 ? 40 : 80) : 0;
	t = tracker_new(done, data[0] & 4 ? event : NULL, &o);
	q = reorder_new(ORDER_WINDOW_NS, 64);
	for (i = 1; i + sizeof(rec) <= size; i += sizeof(rec)) {
		memcpy(&rec, data + i, sizeof(rec));
		rec.version = TCPSTATE_ABI_VERSION;
		rec.size = sizeof(rec);
		if (rec_validate(&rec, err, sizeof(err)) == 0)
			reorder_push(q, &rec);
		while (reorder_pop(q, 0, false, &rec))
			tracker_add(t, &rec);
	}
	while (reorder_pop(q, 0, true, &rec)) {
		if (last > rec.ts_ns) {
			fprintf(stderr, "reorder: %llu after %llu\n",
				(unsigned long long)rec.ts_ns, last);
			abort();
		}
		last = rec.ts_ns;
		tracker_add(t, &rec);
	}
	reorder_free(q);
	tracker_flush(t);
	tracker_free(t);
	return 0;
}
