/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records in time order. The module keeps a ring per CPU and merges them
 * by timestamp (read(); devmap.c does for a map), but it takes a record's
 * timestamp before it stores it, so a record of one CPU can be stored
 * after the merge has passed a later one of another CPU: records reach
 * a reader out of timestamp order by up to the time one takes to store. Everything that combines records
 * (dump, conns, a saved dump read back) puts them back in order first:
 *
 *   - a saved dump: all of it, sorted (records_sort());
 *   - live: a bounded merge (struct reorder). A record is held until it is
 *     ORDER_WINDOW_NS older than the newest record seen or than the clock
 *     (CLOCK_MONOTONIC, the records' clock), so one that arrives up to
 *     that late still comes out in its place; at most ORDER_HELD_MAX are
 *     held (the oldest is let go early past that).
 *
 * Equal timestamps keep their arrival order (both sorts are stable).
 */
#ifndef TCPSTATE_TOOL_ORDER_H
#define TCPSTATE_TOOL_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include <tcpstate.h>

#define ORDER_WINDOW_NS	100000000ULL	/* 100 ms */
#define ORDER_HELD_MAX	65536

/* Stable sort of recs[0..nr) by ts_ns. */
void records_sort(struct tcpstate_rec *recs, size_t nr);

struct reorder;

struct reorder *reorder_new(unsigned long long window_ns, size_t max);
void reorder_free(struct reorder *q);

/* Holds a copy of rec. */
void reorder_push(struct reorder *q, const struct tcpstate_rec *rec);

/*
 * The earliest record held, if it is due at time now (CLOCK_MONOTONIC ns;
 * 0: only the newest record's time counts), or if all == true whatever its
 * time: true and the record in *rec, else false.
 */
bool reorder_pop(struct reorder *q, unsigned long long now, bool all,
		 struct tcpstate_rec *rec);

/*
 * When the earliest record held is due, in ns of CLOCK_MONOTONIC; 0 if
 * nothing is held.
 */
unsigned long long reorder_due(const struct reorder *q);

size_t reorder_held(const struct reorder *q);

#endif
