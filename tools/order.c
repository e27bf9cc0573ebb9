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

/*
 * Records come from the device almost always in time order (its rings
 * merged by time): only a record stored while the merge passed its time
 * on another CPU comes late. So those in order (not earlier than the
 * last one queued) wait in a FIFO, O(1) each way, and only the few that
 * arrive late go to a binary min-heap on (ts, seq); the earliest of the
 * two heads comes out first. A heap alone cost a
 * dozen 136-byte swaps per record with a 100 ms window full.
 */
struct reorder {
	struct held *heap;
	size_t nr, cap, max;
	struct held *fifo;		/* a ring: fifo[head], ... in order */
	size_t head, queued, fifo_cap;	/* fifo_cap: a power of two */
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
	free(q->fifo);
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

static struct held *fifo_at(const struct reorder *q, size_t i)
{
	return &q->fifo[(q->head + i) & (q->fifo_cap - 1)];
}

static void fifo_push(struct reorder *q, const struct tcpstate_rec *rec)
{
	struct held *h;

	if (q->queued == q->fifo_cap) {
		size_t cap = q->fifo_cap ? 2 * q->fifo_cap : 256, i;
		struct held *grown = xcalloc(cap, sizeof(*grown));

		for (i = 0; i < q->queued; i++)
			grown[i] = *fifo_at(q, i);
		free(q->fifo);
		q->fifo = grown;
		q->fifo_cap = cap;
		q->head = 0;
	}
	/* Built in place: a record is 128 bytes to copy. */
	h = fifo_at(q, q->queued++);
	h->rec = *rec;
	h->seq = q->seq++;
}

static void heap_push(struct reorder *q, const struct held *h)
{
	size_t i;

	if (q->nr == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 256;
		q->heap = realloc(q->heap, q->cap * sizeof(*q->heap));
		if (!q->heap)
			out_of_memory();
	}
	i = q->nr++;
	q->heap[i] = *h;
	while (i && before(&q->heap[i], &q->heap[(i - 1) / 2])) {
		swap(&q->heap[i], &q->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

void reorder_push(struct reorder *q, const struct tcpstate_rec *rec)
{
	struct held h;

	if (rec->ts_ns > q->newest)
		q->newest = rec->ts_ns;
	/* Not earlier than the FIFO's last: (ts, seq) stays in order. */
	if (!q->queued || rec->ts_ns >= fifo_at(q, q->queued - 1)->rec.ts_ns) {
		fifo_push(q, rec);
		return;
	}
	h.rec = *rec;
	h.seq = q->seq++;
	heap_push(q, &h);
}

/* The earliest record held: the FIFO's head or the heap's top. */
static const struct held *earliest(const struct reorder *q)
{
	const struct held *f = q->queued ? fifo_at(q, 0) : NULL;

	if (!q->nr)
		return f;
	return f && before(f, &q->heap[0]) ? f : &q->heap[0];
}

unsigned long long reorder_due(const struct reorder *q)
{
	const struct held *h = earliest(q);

	return h ? h->rec.ts_ns + q->window : 0;
}

size_t reorder_held(const struct reorder *q)
{
	return q->nr + q->queued;
}

static void heap_pop(struct reorder *q)
{
	size_t i = 0;

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
}

bool reorder_pop(struct reorder *q, unsigned long long now, bool all,
		 struct tcpstate_rec *rec)
{
	unsigned long long horizon = now > q->newest ? now : q->newest;
	const struct held *h = earliest(q);

	if (!h)
		return false;
	if (!all && reorder_held(q) <= q->max && h->rec.ts_ns + q->window > horizon)
		return false;
	*rec = h->rec;
	if (q->nr && h == &q->heap[0]) {
		heap_pop(q);
	} else {
		q->head = (q->head + 1) & (q->fifo_cap - 1);
		q->queued--;
	}
	return true;
}
