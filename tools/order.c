// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"
#include "util.h"

struct held {
	struct tcpstate_rec rec;
	unsigned long long seq;		/* arrival order, for equal times */
};

/* A binary min-heap on (ts, seq). */
struct reorder {
	struct held *heap;
	size_t nr, cap, max;
	unsigned long long window, seq, newest;
};

static int by_time(const void *x, const void *y)
{
	const struct held *a = x, *b = y;

	if (a->rec.ts_ns != b->rec.ts_ns)
		return a->rec.ts_ns < b->rec.ts_ns ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void records_sort(struct tcpstate_rec *recs, size_t nr)
{
	struct held *h;
	size_t i;

	/* qsort() is not stable: sort (ts, index) pairs. */
	for (i = 1; i < nr && recs[i - 1].ts_ns <= recs[i].ts_ns; i++)
		;
	if (i >= nr)
		return;
	h = malloc(nr * sizeof(*h));
	if (!h)
		out_of_memory();
	for (i = 0; i < nr; i++) {
		h[i].rec = recs[i];
		h[i].seq = i;
	}
	qsort(h, nr, sizeof(*h), by_time);
	for (i = 0; i < nr; i++)
		recs[i] = h[i].rec;
	free(h);
}

struct reorder *reorder_new(unsigned long long window_ns, size_t max)
{
	struct reorder *q = calloc(1, sizeof(*q));

	if (!q)
		out_of_memory();
	q->window = window_ns;
	q->max = max ? max : 1;
	return q;
}

void reorder_free(struct reorder *q)
{
	if (!q)
		return;
	free(q->heap);
	free(q);
}

static bool before(const struct held *a, const struct held *b)
{
	return by_time(a, b) < 0;
}

static void swap(struct held *a, struct held *b)
{
	struct held t = *a;

	*a = *b;
	*b = t;
}

void reorder_push(struct reorder *q, const struct tcpstate_rec *rec)
{
	size_t i;

	if (q->nr == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 256;
		q->heap = realloc(q->heap, q->cap * sizeof(*q->heap));
		if (!q->heap)
			out_of_memory();
	}
	i = q->nr++;
	q->heap[i].rec = *rec;
	q->heap[i].seq = q->seq++;
	if (rec->ts_ns > q->newest)
		q->newest = rec->ts_ns;
	while (i && before(&q->heap[i], &q->heap[(i - 1) / 2])) {
		swap(&q->heap[i], &q->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

unsigned long long reorder_due(const struct reorder *q)
{
	if (!q->nr)
		return 0;
	return q->heap[0].rec.ts_ns + q->window;
}

size_t reorder_held(const struct reorder *q)
{
	return q->nr;
}

bool reorder_pop(struct reorder *q, unsigned long long now, bool all,
		 struct tcpstate_rec *rec)
{
	unsigned long long horizon = now > q->newest ? now : q->newest;
	size_t i = 0;

	if (!q->nr)
		return false;
	if (!all && q->nr <= q->max && reorder_due(q) > horizon)
		return false;
	*rec = q->heap[0].rec;
	q->heap[0] = q->heap[--q->nr];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->nr && before(&q->heap[l], &q->heap[m]))
			m = l;
		if (r < q->nr && before(&q->heap[r], &q->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(&q->heap[i], &q->heap[m]);
		i = m;
	}
	return true;
}
