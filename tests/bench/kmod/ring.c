// SPDX-License-Identifier: GPL-2.0
/* The module's ring, compiled unchanged into the micro-benchmark. */
#include "module/ring.c"
#include "bench_ring.h"

const char bench_ring_name[] = "module/ring.c (per-CPU, raw spinlock each, copy)";

void *bench_ring_create(unsigned int nr)
{
	return tcpstate_ring_create(nr);
}

/* Into the ring of the CPU the producer is bound to. */
bool bench_ring_write(void *ring, const struct tcpstate_rec *rec)
{
	return tcpstate_ring_write(ring, rec, 0);
}

/* Every CPU's ring: the producers are done, none is writing. */
void bench_ring_drain(void *ring)
{
	struct tcpstate_cpu_ring *cr;
	unsigned int cpu;
	u64 head, tail;

	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		head = tcpstate_ring_peek(cr, &tail);
		tcpstate_ring_consume(cr, head);
	}
}

void bench_ring_destroy(void *ring)
{
	tcpstate_ring_destroy(ring);
}
