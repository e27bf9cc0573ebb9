// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_twbench: how long each TIME_WAIT table operation (module/
 * twtable.c, compiled in unchanged) keeps interrupts off, as the table
 * fills: the target is no global lock or scan on the per-packet path and
 * under 10 us with interrupts off at any fill.
 *
 * One table of @capacity entries is filled with sequential cookies (as
 * the kernel hands them out) to 0, 25, 50, 75, 90 and 100% used; at each
 * fill @batch calls of each operation are timed one by one:
 *   add         a new cookie (at 100% its bucket is full: it fails)
 *   update      substate of a tracked cookie
 *   hint        of a tracked cookie
 *   remove      of a tracked cookie (put back untimed)
 *   remove_miss of a cookie never added: the whole bucket looked at
 *   empty       no call: the clock reads alone, with interrupts off (the
 *               control: what the machine adds, e.g. under emulation)
 * spread over the table ("seq"), then again with every cookie in one
 * full bucket ("same"): cookies built to collide (bench_tw.h), the
 * tracked one in the bucket's last way, so each call scans all the ways.
 * Last, "100%+stale": adds into full buckets whose oldest entry is
 * stale, the add with the most to do (it takes that entry's place). Each kind of
 * round runs once unreported first, so that every path has run before it
 * is timed: under QEMU's TCG the first run of code includes translating it.
 *
 * Each call is timed with interrupts off around it: the call takes its
 * bucket's lock with irqsave inside that, so a call's time is at least
 * the time it keeps interrupts off, plus two local_clock() reads. Lines:
 *   tcpstate_twbench: cookies=seq fill=50% used=N op=add n=N ok=N
 *     mean_ns=N min_ns=N p99_ns=N p999_ns=N max_ns=N over10us=N
 * then the table's counters, and the same for tcpstate_ring_write() (the
 * other lock a probe takes with interrupts off): op=ring_write into a
 * ring with room, op=ring_drop into a full one. The module then refuses
 * to stay loaded (-EAGAIN): nothing to rmmod.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqflags.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/vmalloc.h>
#include <net/tcp_states.h>

#include "bench_tw.h"
#include "ring.h"

static unsigned int capacity = 262144;
module_param(capacity, uint, 0444);
MODULE_PARM_DESC(capacity, "table entries, a power of two (default 262144, tcpstate's tw_capacity default)");

static unsigned int batch = 4096;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "calls timed per operation and fill (default 4096)");

/* module/timewait.c's TW_STALE_NS, which is private to it. */
static unsigned int stale_s = 600;
module_param(stale_s, uint, 0444);
MODULE_PARM_DESC(stale_s, "table's stale age in s (default 600, as tcpstate's)");

#define OVER_NS		(10 * NSEC_PER_USEC)
/* Percentiles from a histogram of HIST_NS-wide slots; the last: beyond. */
#define HIST_NS		20
#define HIST_SLOTS	1024
/* Give up filling after this many adds per entry: some never fit. */
#define FILL_TRIES	64

enum tw_op {
	OP_ADD, OP_UPDATE, OP_HINT, OP_REMOVE, OP_REMOVE_MISS, OP_EMPTY,
	NR_OPS
};

static const char * const op_name[] = {
	[OP_ADD] = "add",
	[OP_UPDATE] = "update",
	[OP_HINT] = "hint",
	[OP_REMOVE] = "remove",
	[OP_REMOVE_MISS] = "remove_miss",
	[OP_EMPTY] = "empty",
};

struct op_stat {
	u64 n, ok, sum, min, max, over;
	u32 hist[HIST_SLOTS];
};

/* One set per cookie pattern, static: too big for the stack. */
static struct op_stat seq_st[NR_OPS], same_st[NR_OPS], stale_st[2];
static bool warmup;		/* the first round: not reported */

static struct tcpstate_twtable tbl;
static u64 *tracked;		/* the cookies in the table, nr_tracked */
static u32 nr_tracked;
static u64 *added;		/* a batch's new cookies that went in */
static u64 next_seq = 4096;	/* the next "socket" cookie */
static u64 next_miss = 1ULL << 62;	/* cookies that are never added */
/* twbench_cookie_in()'s position: its plain search stays off the above. */
static u64 next_same = 1ULL << 63;

static void stat_add(struct op_stat *st, u64 ns, bool ok)
{
	if (!st->n || ns < st->min)
		st->min = ns;
	st->max = max(st->max, ns);
	st->sum += ns;
	st->over += ns > OVER_NS;
	st->ok += ok;
	st->n++;
	st->hist[min_t(u64, div_u64(ns, HIST_NS), HIST_SLOTS - 1)]++;
}

/* The @per_mille-th of the calls took at most this; past the slots: max. */
static u64 percentile(const struct op_stat *st, unsigned int per_mille)
{
	u64 want = div_u64(st->n * per_mille + 999, 1000), seen = 0;
	unsigned int i;

	for (i = 0; i < HIST_SLOTS - 1; i++) {
		seen += st->hist[i];
		if (seen >= want)
			return (u64)(i + 1) * HIST_NS;
	}
	return st->max;
}

/*
 * One call, interrupts off from before the first clock read to after
 * the second: nothing but the call (or an NMI, or under emulation the
 * host) runs between them on this CPU.
 * Inlined with a constant @op, the switch folds away.
 */
static __always_inline bool timed(struct op_stat *st, enum tw_op op,
				  u64 cookie, u64 now)
{
	unsigned long flags;
	u64 t0, t1, born;
	u8 was, hint;
	bool ok = false;

	local_irq_save(flags);
	t0 = local_clock();
	switch (op) {
	case OP_ADD:
		ok = tcpstate_twtable_add(&tbl, cookie, now, TCP_TIME_WAIT);
		break;
	case OP_UPDATE:
		ok = tcpstate_twtable_update(&tbl, cookie, TCP_TIME_WAIT, &was);
		break;
	case OP_HINT:
		ok = tcpstate_twtable_hint(&tbl, cookie, 1);
		break;
	case OP_REMOVE:
	case OP_REMOVE_MISS:
		ok = tcpstate_twtable_remove(&tbl, cookie, &born, &hint);
		break;
	default:
		break;
	}
	t1 = local_clock();
	local_irq_restore(flags);
	stat_add(st, t1 - t0, ok);
	return ok;
}

static void report(const char *cookies, const char *fill, enum tw_op op,
		   const struct op_stat *st)
{
	if (warmup)
		return;
	pr_info("cookies=%s fill=%s used=%lld op=%s n=%llu ok=%llu mean_ns=%llu min_ns=%llu p99_ns=%llu p999_ns=%llu max_ns=%llu over10us=%llu\n",
		cookies, fill, atomic64_read(&tbl.used), op_name[op], st->n,
		st->ok, st->n ? div64_u64(st->sum, st->n) : 0, st->min,
		percentile(st, 990), percentile(st, 999), st->max, st->over);
}

/* Untimed: the table as the probes would have left it. */
static bool add(u64 cookie)
{
	return tcpstate_twtable_add(&tbl, cookie, local_clock(), TCP_TIME_WAIT);
}

static void del(u64 cookie)
{
	u64 born;
	u8 hint;

	tcpstate_twtable_remove(&tbl, cookie, &born, &hint);
}

/* Sequential cookies until @want entries are used (or it gives up). */
static void fill_to(u32 want)
{
	u64 tries = (u64)FILL_TRIES * capacity;
	u32 i = 0;

	while (atomic64_read(&tbl.used) < want && tries--) {
		if (add(next_seq))
			tracked[nr_tracked++] = next_seq;
		next_seq++;
		if (!(++i % 1024))
			cond_resched();
	}
}

/* A tracked cookie, spread over the table: the @i-th of @n. */
static u64 sample(u32 i, u32 n, u32 nr_added)
{
	if (nr_tracked)
		return tracked[div_u64((u64)i * nr_tracked, n)];
	return added[i % nr_added];
}

/* Sequential cookies, all over the table, @fill of it used. */
static void run_seq(const char *fill)
{
	struct op_stat *st = seq_st;
	u32 i, n = batch, nr_added = 0;
	u64 c;

	memset(seq_st, 0, sizeof(seq_st));
	for (i = 0; i < n; i++) {
		c = next_seq++;
		if (timed(&st[OP_ADD], OP_ADD, c, local_clock()))
			added[nr_added++] = c;
	}
	if (nr_tracked || nr_added) {
		for (i = 0; i < n; i++)
			timed(&st[OP_UPDATE], OP_UPDATE, sample(i, n, nr_added), 0);
		for (i = 0; i < n; i++)
			timed(&st[OP_HINT], OP_HINT, sample(i, n, nr_added), 0);
		for (i = 0; i < n; i++) {
			c = sample(i, n, nr_added);
			if (timed(&st[OP_REMOVE], OP_REMOVE, c, 0))
				add(c);	/* back into the place it left */
		}
	}
	for (i = 0; i < n; i++)
		timed(&st[OP_REMOVE_MISS], OP_REMOVE_MISS, next_miss++, 0);
	for (i = 0; i < n; i++)
		timed(&st[OP_EMPTY], OP_EMPTY, 0, 0);
	cond_resched();
	/* Back to @fill: this batch's adds were not part of it. */
	for (i = 0; i < nr_added; i++)
		del(added[i]);
	for (i = 0; i < NR_OPS; i++)
		report("seq", fill, i, &st[i]);
}

/*
 * Every cookie in one bucket, filled up with colliding cookies: each call
 * looks at all its ways (the tracked cookie is in the last one), and an
 * add finds no room. Which bucket: the next sequential cookie's.
 */
static void run_same(const char *fill)
{
	struct op_stat *st = same_st;
	u32 bucket = twbench_bucket_of(&tbl, next_seq++);
	u64 mine[TCPSTATE_TW_WAYS], c, last;
	u32 i, n = batch, nr_mine = 0;

	memset(same_st, 0, sizeof(same_st));
	while (nr_mine < TCPSTATE_TW_WAYS) {
		c = twbench_cookie_in(&tbl, bucket, &next_same);
		if (!add(c))
			break;
		mine[nr_mine++] = c;
	}
	last = twbench_way_cookie(&tbl, bucket, TCPSTATE_TW_WAYS - 1);
	for (i = 0; i < n; i++)
		timed(&st[OP_ADD], OP_ADD,
		      twbench_cookie_in(&tbl, bucket, &next_same), local_clock());
	for (i = 0; i < n; i++)
		timed(&st[OP_UPDATE], OP_UPDATE, last, 0);
	for (i = 0; i < n; i++)
		timed(&st[OP_HINT], OP_HINT, last, 0);
	for (i = 0; i < n; i++)
		if (timed(&st[OP_REMOVE], OP_REMOVE, last, 0))
			add(last);	/* the one free way: the last again */
	for (i = 0; i < n; i++)
		timed(&st[OP_REMOVE_MISS], OP_REMOVE_MISS,
		      twbench_cookie_in(&tbl, bucket, &next_same), 0);
	for (i = 0; i < n; i++)
		timed(&st[OP_EMPTY], OP_EMPTY, 0, 0);
	cond_resched();
	for (i = 0; i < nr_mine; i++)
		del(mine[i]);
	for (i = 0; i < NR_OPS; i++)
		report("same", fill, i, &st[i]);
}

/*
 * The table full and every entry stale: each add takes the place of its
 * bucket's oldest. Each call's clock is a stale age past the one before,
 * so the entries the previous calls put in are stale too.
 */
static void run_stale(void)
{
	struct op_stat *seq = &stale_st[0], *same = &stale_st[1];
	u64 stale = (u64)stale_s * NSEC_PER_SEC, now = local_clock();
	u32 bucket = twbench_bucket_of(&tbl, next_seq);
	u32 i;

	memset(stale_st, 0, sizeof(stale_st));
	for (i = 0; i < batch; i++) {
		now += stale + 1;
		timed(seq, OP_ADD, next_seq++, now);
	}
	for (i = 0; i < batch; i++) {
		now += stale + 1;
		timed(same, OP_ADD,
		      twbench_cookie_in(&tbl, bucket, &next_same), now);
	}
	report("seq", "100%+stale", OP_ADD, seq);
	report("same", "100%+stale", OP_ADD, same);
}

/* tcpstate_ring_write() into a ring with room, then into a full one. */
static void run_ring(void)
{
	struct tcpstate_rec rec = {
		.version = TCPSTATE_ABI_VERSION,
		.type = TCPSTATE_REC_STATE,
		.size = sizeof(rec),
	};
	struct op_stat *st = stale_st;	/* done with: the stale round's */
	struct tcpstate_ring *ring;
	unsigned long flags;
	u64 t0, t1;
	u32 i, k;
	bool ok;

	memset(stale_st, 0, sizeof(stale_st));
	ring = tcpstate_ring_create(roundup_pow_of_two(batch + 2));
	if (IS_ERR(ring)) {
		pr_err("ring: %ld\n", PTR_ERR(ring));
		return;
	}
	/*
	 * A write goes to the ring of the CPU it runs on: filling one CPU's
	 * ring and then timing writes on another would time stores, not
	 * drops. Migration only: cond_resched() may still run others.
	 */
	migrate_disable();
	for (k = 0; k < 2; k++) {
		/* Then full: what is left of the room, untimed. */
		while (k && tcpstate_ring_write(ring, &rec, 0))
			;
		for (i = 0; i < batch; i++) {
			rec.ts_ns = local_clock();
			local_irq_save(flags);
			t0 = local_clock();
			ok = tcpstate_ring_write(ring, &rec, 0);
			t1 = local_clock();
			local_irq_restore(flags);
			stat_add(&st[k], t1 - t0, ok);
		}
		cond_resched();
	}
	migrate_enable();
	tcpstate_ring_destroy(ring);
	for (k = 0; k < 2 && !warmup; k++)
		pr_info("ring op=%s n=%llu ok=%llu mean_ns=%llu min_ns=%llu p99_ns=%llu p999_ns=%llu max_ns=%llu over10us=%llu\n",
			k ? "ring_drop" : "ring_write", st[k].n, st[k].ok,
			st[k].n ? div64_u64(st[k].sum, st[k].n) : 0, st[k].min,
			percentile(&st[k], 990), percentile(&st[k], 999),
			st[k].max, st[k].over);
}

static int __init twbench_init(void)
{
	static const unsigned int pct[] = { 0, 25, 50, 75, 90, 100 };
	char fill[8];
	unsigned int i;
	int ret;

	if (!batch) {
		pr_err("batch=0\n");
		return -EINVAL;
	}
	ret = tcpstate_twtable_init(&tbl, capacity,
				    (u64)stale_s * NSEC_PER_SEC);
	if (ret) {
		pr_err("capacity=%u: %d (a power of two, >= %u)\n", capacity,
		       ret, TCPSTATE_TW_WAYS);
		return ret;
	}
	tracked = vmalloc(array_size(capacity, sizeof(*tracked)));
	added = vmalloc(array_size(batch, sizeof(*added)));
	if (!tracked || !added) {
		ret = -ENOMEM;
		goto out;
	}
	pr_info("capacity=%u buckets=%u ways=%u batch=%u stale_s=%u cpu=%d\n",
		capacity, tcpstate_twtable_capacity(&tbl) / TCPSTATE_TW_WAYS,
		TCPSTATE_TW_WAYS, batch, stale_s, raw_smp_processor_id());
	/*
	 * Each kind of round runs once unreported first (seq and same at
	 * 0%): every timed call site and path has run before it is timed
	 * (under TCG, the first run of any code includes translating it).
	 */
	warmup = true;
	run_seq("0%");
	run_same("0%");
	warmup = false;
	for (i = 0; i < ARRAY_SIZE(pct); i++) {
		fill_to(div_u64((u64)capacity * pct[i], 100));
		snprintf(fill, sizeof(fill), "%u%%", pct[i]);
		run_seq(fill);
		run_same(fill);
	}
	warmup = true;
	run_stale();
	warmup = false;
	run_stale();
	pr_info("table capacity=%u used=%lld untracked=%lld reclaimed=%lld seq_cookies=%llu\n",
		tcpstate_twtable_capacity(&tbl), atomic64_read(&tbl.used),
		atomic64_read(&tbl.untracked), atomic64_read(&tbl.reclaimed),
		next_seq - 4096);
	warmup = true;
	run_ring();
	warmup = false;
	run_ring();
	ret = -EAGAIN;
out:
	vfree(added);
	vfree(tracked);
	tcpstate_twtable_destroy(&tbl);
	return ret;
}

module_init(twbench_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpstate TIME_WAIT table micro-benchmark: interrupts-off time per operation");
