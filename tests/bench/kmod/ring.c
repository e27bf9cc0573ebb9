// SPDX-License-Identifier: GPL-2.0
/* The module's ring, compiled unchanged into the micro-benchmark. */
#include "module/ring.c"
#include "bench_ring.h"

const char bench_ring_name[] = "module/ring.c (shared, spinlock, copy)";

void *bench_ring_create(unsigned int nr)
{
	return tcpstate_ring_create(nr);
}

bool bench_ring_write(void *ring, const struct tcpstate_rec *rec)
{
	return tcpstate_ring_write(ring, rec, 0);
}

void bench_ring_drain(void *ring)
{
	u64 head, tail;

	head = tcpstate_ring_peek(ring, &tail);
	tcpstate_ring_consume(ring, head);
}

void bench_ring_destroy(void *ring)
{
	tcpstate_ring_destroy(ring);
}
