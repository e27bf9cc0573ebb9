/* SPDX-License-Identifier: GPL-2.0 */
/* What ringbench.c times: one ring design per module (ring*.c). */
#ifndef _TCPSTATE_BENCH_RING_H
#define _TCPSTATE_BENCH_RING_H

#include "uapi/tcpstate.h"

extern const char bench_ring_name[];
/* Room for @nr records; ERR_PTR on failure. */
void *bench_ring_create(unsigned int nr);
bool bench_ring_write(void *ring, const struct tcpstate_rec *rec);
/* Empty it: the consumer's side, not timed. */
void bench_ring_drain(void *ring);
void bench_ring_destroy(void *ring);

#endif
