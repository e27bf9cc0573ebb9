// SPDX-License-Identifier: GPL-2.0
/*
 * The TIME_WAIT table: see twtable.h. Called from probes in any context
 * but NMI: no sleeping, no allocation, bounded work.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "twtable.h"

/* Locks: one per 64 buckets at most, enough to keep CPUs apart. */
#define TW_LOCKS_MAX	4096U

int tcpstate_twtable_init(struct tcpstate_twtable *t, u32 capacity,
			  u64 stale_ns)
{
	u32 nr_buckets, nr_locks, i;

	if (!is_power_of_2(capacity) || capacity < TCPSTATE_TW_WAYS)
		return -EINVAL;
	nr_buckets = capacity / TCPSTATE_TW_WAYS;
	nr_locks = min(nr_buckets, TW_LOCKS_MAX);

	t->entries = vzalloc(array_size(capacity, sizeof(*t->entries)));
	if (!t->entries)
		goto err_entries;
	t->locks = kvmalloc_array(nr_locks, sizeof(*t->locks), GFP_KERNEL);
	if (!t->locks)
		goto err_locks;
	/* One lockdep class for all: no path holds two of them. */
	for (i = 0; i < nr_locks; i++)
		raw_spin_lock_init(&t->locks[i]);
	t->bucket_bits = ilog2(nr_buckets);
	t->lock_mask = nr_locks - 1;
	t->stale_ns = stale_ns;
	atomic64_set(&t->used, 0);
	atomic64_set(&t->untracked, 0);
	atomic64_set(&t->reclaimed, 0);
	return 0;

err_locks:
	vfree(t->entries);
	t->entries = NULL;
err_entries:
	return -ENOMEM;
}

/* No probe runs any more. */
void tcpstate_twtable_destroy(struct tcpstate_twtable *t)
{
	kvfree(t->locks);
	vfree(t->entries);
	t->locks = NULL;
	t->entries = NULL;
}

u32 tcpstate_twtable_capacity(const struct tcpstate_twtable *t)
{
	return TCPSTATE_TW_WAYS << t->bucket_bits;
}

static u32 bucket_of(const struct tcpstate_twtable *t, u64 cookie)
{
	/* bucket_bits may be 0 (one bucket): hash_64() wants 1..64. */
	return t->bucket_bits ? hash_64(cookie, t->bucket_bits) : 0;
}

static raw_spinlock_t *lock_of(struct tcpstate_twtable *t, u32 bucket)
{
	return &t->locks[bucket & t->lock_mask];
}

static struct tcpstate_tw_entry *bucket_at(struct tcpstate_twtable *t,
					   u32 bucket)
{
	return &t->entries[(size_t)bucket * TCPSTATE_TW_WAYS];
}

/* With the bucket's lock held. */
static struct tcpstate_tw_entry *find(struct tcpstate_tw_entry *b, u64 cookie)
{
	int i;

	for (i = 0; i < TCPSTATE_TW_WAYS; i++)
		if (b[i].cookie == cookie)
			return &b[i];
	return NULL;
}

/*
 * With the bucket's lock held: a place for a new entry, the free one or
 * the oldest stale one (counted as reclaimed), or NULL.
 */
static struct tcpstate_tw_entry *place(struct tcpstate_twtable *t,
				       struct tcpstate_tw_entry *b, u64 now)
{
	struct tcpstate_tw_entry *oldest = &b[0];
	int i;

	for (i = 0; i < TCPSTATE_TW_WAYS; i++) {
		if (!b[i].cookie) {
			atomic64_inc(&t->used);
			return &b[i];
		}
		if (b[i].born_ns < oldest->born_ns)
			oldest = &b[i];
	}
	/*
	 * @now was read before the lock: entries born since are newer
	 * than it, and an unsigned difference would call them stale.
	 */
	if (now < oldest->born_ns || now - oldest->born_ns <= t->stale_ns)
		return NULL;
	atomic64_inc(&t->reclaimed);
	return oldest;
}

/*
 * A socket is born (or born again: a cookie is reused only by the same
 * socket, so an entry still there is this socket's, from a birth whose
 * end we missed). Returns false when it could not be tracked.
 */
bool tcpstate_twtable_add(struct tcpstate_twtable *t, u64 cookie, u64 now,
			  u8 substate)
{
	u32 bucket = bucket_of(t, cookie);
	struct tcpstate_tw_entry *b = bucket_at(t, bucket), *e;
	unsigned long flags;

	if (!cookie) {
		atomic64_inc(&t->untracked);
		return false;
	}
	raw_spin_lock_irqsave(lock_of(t, bucket), flags);
	e = find(b, cookie) ?: place(t, b, now);
	if (e) {
		e->cookie = cookie;
		e->born_ns = now;
		e->substate = substate;
		e->hint = 0;
	}
	raw_spin_unlock_irqrestore(lock_of(t, bucket), flags);
	if (!e)
		atomic64_inc(&t->untracked);
	return e;
}

/* Its substate now; *@was: as last recorded. False: not tracked. */
bool tcpstate_twtable_update(struct tcpstate_twtable *t, u64 cookie,
			     u8 substate, u8 *was)
{
	u32 bucket = bucket_of(t, cookie);
	struct tcpstate_tw_entry *e;
	unsigned long flags;

	if (!cookie)
		return false;
	raw_spin_lock_irqsave(lock_of(t, bucket), flags);
	e = find(bucket_at(t, bucket), cookie);
	if (e) {
		*was = e->substate;
		e->substate = substate;
	}
	raw_spin_unlock_irqrestore(lock_of(t, bucket), flags);
	return e;
}

/* Remember why it may be about to end. */
bool tcpstate_twtable_hint(struct tcpstate_twtable *t, u64 cookie, u8 hint)
{
	u32 bucket = bucket_of(t, cookie);
	struct tcpstate_tw_entry *e;
	unsigned long flags;

	if (!cookie)
		return false;
	raw_spin_lock_irqsave(lock_of(t, bucket), flags);
	e = find(bucket_at(t, bucket), cookie);
	if (e)
		e->hint = hint;
	raw_spin_unlock_irqrestore(lock_of(t, bucket), flags);
	return e;
}

/* It ended: its birth time and hint, and its entry freed. */
bool tcpstate_twtable_remove(struct tcpstate_twtable *t, u64 cookie,
			     u64 *born_ns, u8 *hint)
{
	u32 bucket = bucket_of(t, cookie);
	struct tcpstate_tw_entry *e;
	unsigned long flags;

	if (!cookie)
		return false;
	raw_spin_lock_irqsave(lock_of(t, bucket), flags);
	e = find(bucket_at(t, bucket), cookie);
	if (e) {
		*born_ns = e->born_ns;
		*hint = e->hint;
		e->cookie = 0;
		atomic64_dec(&t->used);
	}
	raw_spin_unlock_irqrestore(lock_of(t, bucket), flags);
	return e;
}
