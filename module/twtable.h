/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_TWTABLE_H
#define _TCPSTATE_TWTABLE_H

#include <linux/spinlock.h>
#include <linux/types.h>

/*
 * What we remember of a TIME_WAIT (or FIN_WAIT2 timewait) socket between
 * its birth and its end, by socket cookie: a timewait socket has no
 * birth time of its own, and no room for ours.
 *
 * Fixed size, allocated at load; probes only look up, fill and empty
 * entries. Entries live in buckets of TCPSTATE_TW_WAYS; a cookie has
 * one bucket, so every operation looks at one bucket, under one of
 * nr_locks locks, with interrupts off for at most TCPSTATE_TW_WAYS
 * comparisons. A full bucket takes the place of its oldest entry if
 * that one is stale (its end was never seen: older than any timewait
 * socket can be while we watched), else the new socket goes untracked
 * and ends with duration 0 (unknown).
 */
#define TCPSTATE_TW_WAYS	8

struct tcpstate_tw_entry {
	u64 cookie;		/* 0: free (0 is never a socket's cookie) */
	u64 born_ns;
	u8 substate;		/* as last recorded */
	u8 hint;		/* why it may end: enum tcpstate_tw_reason */
};

struct tcpstate_twtable {
	struct tcpstate_tw_entry *entries;	/* nr_buckets * WAYS */
	raw_spinlock_t *locks;			/* nr_locks */
	u32 bucket_bits;
	u32 lock_mask;				/* nr_locks - 1 */
	u64 stale_ns;
	/* Module-wide, for /proc: how the table coped. */
	atomic64_t used;
	atomic64_t untracked;
	atomic64_t reclaimed;
};

int tcpstate_twtable_init(struct tcpstate_twtable *t, u32 capacity,
			  u64 stale_ns);
void tcpstate_twtable_destroy(struct tcpstate_twtable *t);
u32 tcpstate_twtable_capacity(const struct tcpstate_twtable *t);

/*
 * Each runs with the entry's bucket locked, interrupts off, and copies
 * what the caller needs: no pointer into the table escapes.
 */
bool tcpstate_twtable_add(struct tcpstate_twtable *t, u64 cookie, u64 now,
			  u8 substate);
bool tcpstate_twtable_update(struct tcpstate_twtable *t, u64 cookie,
			     u8 substate, u8 *was);
bool tcpstate_twtable_hint(struct tcpstate_twtable *t, u64 cookie, u8 hint);
bool tcpstate_twtable_remove(struct tcpstate_twtable *t, u64 cookie,
			     u64 *born_ns, u8 *hint);

#endif /* _TCPSTATE_TWTABLE_H */
