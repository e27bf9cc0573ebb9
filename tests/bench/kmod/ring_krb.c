// SPDX-License-Identifier: GPL-2.0
/*
 * Prototype: the kernel's own ring buffer (include/linux/ring_buffer.h):
 * per-CPU pages, lockless reserve/commit, its own timestamps; not
 * overwriting, so a full buffer drops (and counts) new events.
 */
#include <linux/ring_buffer.h>

#include "bench_ring.h"

const char bench_ring_name[] = "prototype: kernel ring_buffer API (per-CPU, reserve/commit)";

void *bench_ring_create(unsigned int nr)
{
	/* Per CPU: payload + event header (4 B) + slack for page ends. */
	struct trace_buffer *b = ring_buffer_alloc(nr * (sizeof(struct tcpstate_rec) + 8), 0);

	return b ?: ERR_PTR(-ENOMEM);
}

bool bench_ring_write(void *b, const struct tcpstate_rec *rec)
{
	struct ring_buffer_event *ev;

	ev = ring_buffer_lock_reserve(b, sizeof(*rec));
	if (!ev)
		return false;
	memcpy(ring_buffer_event_data(ev), rec, sizeof(*rec));
	return !ring_buffer_unlock_commit(b, ev);
}

void bench_ring_drain(void *b)
{
	ring_buffer_reset(b);
}

void bench_ring_destroy(void *b)
{
	ring_buffer_free(b);
}
