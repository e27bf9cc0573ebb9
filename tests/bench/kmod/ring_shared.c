// SPDX-License-Identifier: GPL-2.0
/*
 * The ring module/ring.c was before ABI 3: one ring per session, shared
 * by every CPU under one raw spinlock. run.sh takes it from git (commit
 * BENCH_RING_SHARED, the last one with it) into shared/, so the figures
 * can set today's ring per CPU beside it in one boot.
 */
#include "shared/ring.c"
#include "bench_ring.h"

const char bench_ring_name[] = "module/ring.c before ABI 3 (shared, spinlock, copy)";

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
