// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_ring: a session's record rings, one per CPU id (module/ring.c).
 *
 * Most cases drive producer and reader by hand, one step at a time, so
 * each interleaving they check is exact: which records are where, which
 * writes are refused, what the lost record says. A producer writes the
 * ring of the CPU it runs on, so a case about one ring first pins its
 * task to a CPU (pin()) and then looks at that CPU's ring; the cases
 * about the rings together (the merge, where misses and drops go, the
 * map, readiness) pin it to two CPUs in turn. The last two run real
 * concurrency: producer threads on every CPU against a reader, and a
 * process-context producer interrupted by softirq and hardirq ones.
 *
 * The reader here does what dev.c's ring_to_user() does: merge_start()
 * (each ring's [tail, head), a drained ring's pending drops flushed
 * first), merge_next() for each run, merge_end(). Or, for one ring:
 * peek, copy the records in [tail, head), consume; when the ring looks
 * empty, flush pending drops first.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/wait.h>

#include "ring.h"
#include "tcpstate_kunit.h"

/* --- helpers --------------------------------------------------------------- */

static int ring_res_init(struct kunit_resource *res, void *nr)
{
	struct tcpstate_ring *ring = tcpstate_ring_create(*(unsigned int *)nr);

	if (IS_ERR(ring))
		return PTR_ERR(ring);
	res->data = ring;
	return 0;
}

static void ring_res_free(struct kunit_resource *res)
{
	tcpstate_ring_destroy(res->data);
}

/* Rings of @nr records, destroyed when the test case ends. */
static struct tcpstate_ring *ring_new(struct kunit *test, unsigned int nr)
{
	struct tcpstate_ring *ring;

	ring = kunit_alloc_resource(test, ring_res_init, ring_res_free,
				    GFP_KERNEL, &nr);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ring);
	return ring;
}

/*
 * The case's task moves to @cpu and stays there, sleeping included:
 * every record it writes from now on is stored in @cpu's ring, which
 * this returns. The case's kthread ends with the case: its affinity
 * needs no restoring if an assertion ends it early.
 */
static struct tcpstate_cpu_ring *pin(struct kunit *test,
				     struct tcpstate_ring *ring,
				     unsigned int cpu)
{
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	KUNIT_ASSERT_EQ(test, (unsigned int)raw_smp_processor_id(), cpu);
	return tcpstate_ring_cpu(ring, cpu);
}

/*
 * Where a case about one ring runs: the last online CPU, so that on a
 * machine with two it is not ring 0, the ring the map starts with.
 */
static struct tcpstate_cpu_ring *pin_one(struct kunit *test,
					 struct tcpstate_ring *ring)
{
	return pin(test, ring, cpumask_last(cpu_online_mask));
}

/* Two online CPUs, @a < @b, or the case is skipped. */
static void two_cpus(struct kunit *test, unsigned int *a, unsigned int *b)
{
	*a = cpumask_first(cpu_online_mask);
	*b = cpumask_next(*a, cpu_online_mask);
	if (*b >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs");
}

/*
 * A state record whose every byte follows from @id, so a record that
 * was torn, overwritten or mixed with another one does not match.
 */
static void make_rec(struct tcpstate_rec *rec, u64 id)
{
	unsigned int i;

	memset(rec, 0, sizeof(*rec));
	rec->version = TCPSTATE_ABI_VERSION;
	rec->type = TCPSTATE_REC_STATE;
	rec->size = sizeof(*rec);
	rec->cpu = id >> 32;
	rec->cookie = id;
	rec->ts_ns = 1000000 + id;
	rec->pid = (u32)id * 2654435761U;
	rec->family = AF_INET6;
	rec->lport = id;
	rec->rport = id >> 16;
	for (i = 0; i < 16; i++) {
		rec->laddr[i] = (u8)(id >> (8 * (i & 7))) ^ i;
		rec->raddr[i] = ~rec->laddr[i];
		rec->comm[i] = 'a' + (id + i) % 26;
	}
	rec->comm[15] = '\0';
	rec->state.old_state = 1 + id % 12;
	rec->state.new_state = 1 + (id / 12) % 12;
}

/* The namespace cookie a producer passes beside record @id. */
static u64 tag_of(u64 id)
{
	return id * 0x9e3779b97f4a7c15ULL + 1;
}

/* The record made from @id, but dated @ts: the merge orders by time. */
static bool rec_is_ts(const struct tcpstate_rec *rec, u64 id, u64 ts)
{
	struct tcpstate_rec want;

	make_rec(&want, id);
	want.ts_ns = ts;
	return !memcmp(rec, &want, sizeof(want));
}

static bool rec_is(const struct tcpstate_rec *rec, u64 id)
{
	struct tcpstate_rec want;

	make_rec(&want, id);
	return !memcmp(rec, &want, sizeof(want));
}

/* Into the ring of the CPU this runs on. */
static bool write_ts(struct tcpstate_ring *ring, u64 id, u64 ts)
{
	struct tcpstate_rec rec;

	make_rec(&rec, id);
	rec.ts_ns = ts;
	return tcpstate_ring_write(ring, &rec, tag_of(id));
}

static bool write_id(struct tcpstate_ring *ring, u64 id)
{
	struct tcpstate_rec rec;

	make_rec(&rec, id);
	return tcpstate_ring_write(ring, &rec, tag_of(id));
}

static u64 ts_of(u64 id)
{
	struct tcpstate_rec rec;

	make_rec(&rec, id);
	return rec.ts_ns;
}

/* The record at @pos of @cr is the state record made from @id, with its tag. */
static void expect_rec_at(struct kunit *test, const struct tcpstate_ring *ring,
			  const struct tcpstate_cpu_ring *cr, u64 pos, u64 id)
{
	const struct tcpstate_rec *rec = tcpstate_ring_slot(ring, cr, pos);
	u64 tag = tcpstate_ring_tag(ring, cr, pos);

	KUNIT_EXPECT_TRUE_MSG(test, rec_is(rec, id) && tag == tag_of(id),
			      "CPU %u position %llu: want record %llu, have type %u cookie %llu tag %llx",
			      cr->cpu, pos, id, rec->type, rec->cookie, tag);
}

/*
 * The record at @pos of @cr is a lost record, exactly, and nothing
 * else: about @cr's CPU, whichever CPU stored it.
 */
static void expect_lost_at(struct kunit *test, const struct tcpstate_ring *ring,
			   const struct tcpstate_cpu_ring *cr, u64 pos, u64 count,
			   u64 ts)
{
	const struct tcpstate_rec *rec = tcpstate_ring_slot(ring, cr, pos);
	struct tcpstate_rec want = {
		.version = TCPSTATE_ABI_VERSION,
		.type = TCPSTATE_REC_LOST,
		.size = sizeof(want),
		.cpu = cr->cpu,
		.ts_ns = ts,
		.lost.count = count,
	};

	KUNIT_EXPECT_EQ_MSG(test, rec->type, (u16)TCPSTATE_REC_LOST,
			    "CPU %u position %llu", cr->cpu, pos);
	KUNIT_EXPECT_EQ_MSG(test, rec->lost.count, count, "CPU %u position %llu", cr->cpu, pos);
	KUNIT_EXPECT_EQ_MSG(test, rec->ts_ns, ts, "CPU %u position %llu", cr->cpu, pos);
	KUNIT_EXPECT_EQ_MSG(test, rec->cpu, cr->cpu, "CPU %u position %llu", cr->cpu, pos);
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(rec, &want, sizeof(want)),
			      "CPU %u position %llu: other fields of the lost record not zero",
			      cr->cpu, pos);
	/* About no namespace. */
	KUNIT_EXPECT_EQ_MSG(test, tcpstate_ring_tag(ring, cr, pos), 0ULL,
			    "CPU %u position %llu", cr->cpu, pos);
}

static u64 used(struct tcpstate_cpu_ring *cr)
{
	u64 tail, head = tcpstate_ring_peek(cr, &tail);

	return head - tail;
}

/* The reader consumes @n records of @cr without looking at them. */
static void skip(struct tcpstate_cpu_ring *cr, u64 n)
{
	u64 tail;

	tcpstate_ring_peek(cr, &tail);
	tcpstate_ring_consume(cr, tail + n);
}

/*
 * Fill the empty ring of the CPU this runs on with records
 * first..first+capacity-1.
 */
static void fill(struct kunit *test, struct tcpstate_ring *ring, u64 first)
{
	u64 i;

	for (i = 0; i < tcpstate_ring_capacity(ring); i++)
		KUNIT_ASSERT_TRUE(test, write_id(ring, first + i));
}

/* Nothing reached any ring but @cr's: a producer writes its own CPU's. */
static void expect_others_empty(struct kunit *test, struct tcpstate_ring *ring,
				const struct tcpstate_cpu_ring *cr)
{
	struct tcpstate_cpu_ring *other;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		other = tcpstate_ring_cpu(ring, cpu);
		if (other == cr)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, other->head, 0ULL, "CPU %u's ring", cpu);
		KUNIT_EXPECT_EQ_MSG(test, other->lost, 0ULL, "CPU %u's ring", cpu);
	}
}

/* --- one ring -------------------------------------------------------------- */

static void ring_create_rejects_non_power_of_two(struct kunit *test)
{
	static const unsigned int bad[] = { 0, 3, 24, 1000, 0x80000001 };
	struct tcpstate_ring *ring;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ring = tcpstate_ring_create(bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(ring), -EINVAL,
				    "nr_records %u", bad[i]);
		if (!IS_ERR(ring))
			tcpstate_ring_destroy(ring);
	}
}

static void ring_create_empty_and_zeroed(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr;
	unsigned int cpu;

	KUNIT_EXPECT_EQ(test, tcpstate_ring_capacity(ring), 16U);
	KUNIT_EXPECT_EQ(test, ring->mask, 15U);
	KUNIT_EXPECT_EQ(test, ring->nr_rings, (u32)nr_cpu_ids);
	KUNIT_EXPECT_EQ(test, ring->miss_cpu, (u32)cpumask_first(cpu_possible_mask));
	KUNIT_EXPECT_PTR_EQ(test, ring->waitq, &ring->own_waitq);
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		KUNIT_EXPECT_EQ(test, cr->cpu, cpu);
		KUNIT_EXPECT_EQ_MSG(test, cr->head, 0ULL, "CPU %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, cr->tail, 0ULL, "CPU %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, cr->lost, 0ULL, "CPU %u", cpu);
		/* Slots reach userspace: none may hold stale kernel memory. */
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(cr->slots, 0, 16 * sizeof(*cr->slots)),
				      "CPU %u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(cr->tags, 0, 16 * sizeof(*cr->tags)),
				      "CPU %u", cpu);
	}
}

/* Records come out whole, in order, also across the end of the slot array. */
static void ring_write_keeps_records_whole_and_in_order(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);
	u64 tail, head, i;

	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	head = tcpstate_ring_peek(cr, &tail);
	KUNIT_EXPECT_EQ(test, tail, 0ULL);
	KUNIT_EXPECT_EQ(test, head, 5ULL);
	for (i = 0; i < 5; i++)
		expect_rec_at(test, ring, cr, i, i);
	tcpstate_ring_consume(cr, head);
	KUNIT_EXPECT_EQ(test, used(cr), 0ULL);

	/* Positions 5..20: slots 5..15 then 0..4. */
	fill(test, ring, 100);
	head = tcpstate_ring_peek(cr, &tail);
	KUNIT_EXPECT_EQ(test, tail, 5ULL);
	KUNIT_EXPECT_EQ(test, head, 21ULL);
	for (i = 0; i < 16; i++)
		expect_rec_at(test, ring, cr, 5 + i, 100 + i);
	KUNIT_EXPECT_PTR_EQ(test, tcpstate_ring_slot(ring, cr, 16), &cr->slots[0]);
	KUNIT_EXPECT_PTR_EQ(test, tcpstate_ring_slot(ring, cr, 20), &cr->slots[4]);
	expect_others_empty(test, ring, cr);
}

static void ring_write_full_ring_drops_and_counts(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);
	u64 i;

	fill(test, ring, 0);
	KUNIT_EXPECT_EQ(test, used(cr), 16ULL);
	KUNIT_EXPECT_EQ(test, cr->lost, 0ULL);

	KUNIT_EXPECT_FALSE(test, write_id(ring, 100));
	KUNIT_EXPECT_EQ(test, cr->lost, 1ULL);
	KUNIT_EXPECT_EQ(test, cr->lost_ts, ts_of(100));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 101));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 102));
	KUNIT_EXPECT_EQ(test, cr->lost, 3ULL);
	/* The gap starts at the first drop. */
	KUNIT_EXPECT_EQ(test, cr->lost_ts, ts_of(100));

	/* Nothing unread was touched. */
	KUNIT_EXPECT_EQ(test, used(cr), 16ULL);
	for (i = 0; i < 16; i++)
		expect_rec_at(test, ring, cr, i, i);
	expect_others_empty(test, ring, cr);
}

/*
 * After drops, the next record stored is preceded by a lost record
 * carrying their number, and that needs two free slots: with one, the
 * event is dropped too (and counted).
 */
static void ring_write_after_drops_needs_two_slots_for_lost_record(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);

	fill(test, ring, 0);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 100));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 101));

	skip(cr, 1);				/* one free slot */
	KUNIT_EXPECT_FALSE(test, write_id(ring, 102));
	KUNIT_EXPECT_EQ(test, cr->lost, 3ULL);
	KUNIT_EXPECT_EQ(test, cr->head, 16ULL);

	skip(cr, 1);				/* two free slots */
	KUNIT_EXPECT_TRUE(test, write_id(ring, 103));
	KUNIT_EXPECT_EQ(test, cr->head, 18ULL);
	KUNIT_EXPECT_EQ(test, cr->lost, 0ULL);
	expect_lost_at(test, ring, cr, 16, 3, ts_of(100));
	expect_rec_at(test, ring, cr, 17, 103);
	/* The records before the gap are still there, unread. */
	expect_rec_at(test, ring, cr, 2, 2);
	expect_rec_at(test, ring, cr, 15, 15);

	/* Full again: a new gap, counted from its own first drop. */
	KUNIT_EXPECT_FALSE(test, write_id(ring, 104));
	KUNIT_EXPECT_EQ(test, cr->lost, 1ULL);
	KUNIT_EXPECT_EQ(test, cr->lost_ts, ts_of(104));
}

/* Drops with nothing after them are reported once the reader drains. */
static void ring_flush_lost_reports_drops_when_drained(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);
	u64 tail, head;

	KUNIT_EXPECT_FALSE(test, tcpstate_ring_flush_lost(ring, cr));
	KUNIT_EXPECT_EQ(test, cr->head, 0ULL);

	fill(test, ring, 0);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 50));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 51));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 52));
	skip(cr, 16);
	KUNIT_EXPECT_EQ(test, used(cr), 0ULL);
	/* Pending drops make the ring readable (the reader will flush). */
	KUNIT_EXPECT_TRUE(test, tcpstate_ring_poll_ready(ring));

	KUNIT_EXPECT_TRUE(test, tcpstate_ring_flush_lost(ring, cr));
	head = tcpstate_ring_peek(cr, &tail);
	KUNIT_EXPECT_EQ(test, tail, 16ULL);
	KUNIT_EXPECT_EQ(test, head, 17ULL);
	expect_lost_at(test, ring, cr, 16, 3, ts_of(50));
	KUNIT_EXPECT_EQ(test, cr->lost, 0ULL);

	/* Once only. */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_flush_lost(ring, cr));
	KUNIT_EXPECT_EQ(test, cr->head, 17ULL);
}

/*
 * The reader saw an empty ring and is about to flush pending drops; in
 * between, producers filled the ring and dropped again. The flush must
 * not store a record into a full ring: that slot holds the oldest
 * unread record.
 */
static void ring_flush_lost_never_overwrites_unread_records(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);
	u64 tail, head, i;

	/* Drops pending, ring drained: the reader's peek sees it empty. */
	fill(test, ring, 0);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 90));
	skip(cr, 16);
	head = tcpstate_ring_peek(cr, &tail);
	KUNIT_EXPECT_EQ(test, head, tail);

	/* Producers, before the reader gets to flush. */
	KUNIT_EXPECT_TRUE(test, write_id(ring, 200));	/* lost(1) + 200 */
	for (i = 201; i < 215; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	KUNIT_EXPECT_EQ(test, used(cr), 16ULL);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 300));
	KUNIT_EXPECT_EQ(test, cr->lost, 1ULL);

	/* The reader, acting on its stale "empty". */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_flush_lost(ring, cr));
	KUNIT_EXPECT_EQ(test, used(cr), 16ULL);
	KUNIT_EXPECT_EQ(test, cr->lost, 1ULL);
	expect_lost_at(test, ring, cr, 16, 1, ts_of(90));
	for (i = 0; i < 15; i++)
		expect_rec_at(test, ring, cr, 17 + i, 200 + i);
}

/* The ring the probes' misses are told in, the case's task pinned to its CPU. */
static struct tcpstate_cpu_ring *pin_miss(struct kunit *test,
					  struct tcpstate_ring *ring)
{
	if (!cpu_online(ring->miss_cpu))
		kunit_skip(test, "miss_cpu %u is offline", ring->miss_cpu);
	return pin(test, ring, ring->miss_cpu);
}

/*
 * Events the kprobe core skipped (a probe firing inside another probe's
 * handler) join the drops: the next lost record counts them too, dated
 * at the first gap.
 */
static void ring_missed_joins_the_next_lost_record(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_miss(test, ring);

	tcpstate_ring_missed(ring, 0, 500);
	KUNIT_EXPECT_EQ(test, cr->lost, 0ULL);
	tcpstate_ring_missed(ring, 3, 500);		/* running total: 3 */
	KUNIT_EXPECT_EQ(test, cr->lost, 3ULL);
	KUNIT_EXPECT_EQ(test, cr->lost_ts, 500ULL);
	tcpstate_ring_missed(ring, 3, 600);		/* nothing new */
	KUNIT_EXPECT_EQ(test, cr->lost, 3ULL);
	tcpstate_ring_missed(ring, 5, 700);		/* 2 more */
	KUNIT_EXPECT_EQ(test, cr->lost, 5ULL);
	KUNIT_EXPECT_EQ(test, cr->lost_ts, 500ULL);

	KUNIT_EXPECT_TRUE(test, write_id(ring, 1));
	expect_lost_at(test, ring, cr, 0, 5, 500);
	expect_rec_at(test, ring, cr, 1, 1);

	/* Misses and drops add up in one gap, dated by whichever came first. */
	skip(cr, 2);
	fill(test, ring, 100);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 200));
	tcpstate_ring_missed(ring, 9, 5);
	KUNIT_EXPECT_EQ(test, cr->lost, 5ULL);
	KUNIT_EXPECT_EQ(test, cr->lost_ts, ts_of(200));
}

/*
 * A ring made while the probes had already missed some events (a new
 * session, a SET_BUFFER) counts only the misses after it: before the
 * base was set, its first read reported every miss since the load.
 */
static void ring_missed_base_is_not_a_loss(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = tcpstate_ring_cpu(ring, ring->miss_cpu);

	tcpstate_ring_set_missed_base(ring, 40);
	tcpstate_ring_missed(ring, 40, 500);
	KUNIT_EXPECT_EQ(test, cr->lost, 0ULL);
	tcpstate_ring_missed(ring, 42, 600);
	KUNIT_EXPECT_EQ(test, cr->lost, 2ULL);
	KUNIT_EXPECT_EQ(test, cr->lost_ts, 600ULL);
}

/*
 * The kprobe core's nmissed counters are plain increments: a sum read
 * while two CPUs race on one can come out lower than the sum before it.
 * A step back is no loss (the old code added missed - missed_seen, as
 * an unsigned ~2^64 events); what it hid is counted once the sum passes
 * the highest total seen.
 */
static void ring_missed_step_back_counts_nothing(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_miss(test, ring);

	tcpstate_ring_missed(ring, 10, 500);
	tcpstate_ring_missed(ring, 9, 600);		/* back, gap pending */
	KUNIT_EXPECT_EQ(test, cr->lost, 10ULL);
	KUNIT_EXPECT_EQ(test, cr->lost_ts, 500ULL);

	KUNIT_EXPECT_TRUE(test, write_id(ring, 1));
	expect_lost_at(test, ring, cr, 0, 10, 500);
	expect_rec_at(test, ring, cr, 1, 1);

	/* Back again with no gap pending, then level with the highest. */
	tcpstate_ring_missed(ring, 9, 700);
	KUNIT_EXPECT_EQ(test, cr->lost, 0ULL);
	tcpstate_ring_missed(ring, 10, 750);
	KUNIT_EXPECT_EQ(test, cr->lost, 0ULL);
	KUNIT_EXPECT_TRUE(test, write_id(ring, 2));
	KUNIT_EXPECT_EQ(test, used(cr), 3ULL);	/* no lost record */
	expect_rec_at(test, ring, cr, 2, 2);

	/* 12: 2 more than the highest total seen (10), dated now. */
	tcpstate_ring_missed(ring, 12, 800);
	KUNIT_EXPECT_EQ(test, cr->lost, 2ULL);
	KUNIT_EXPECT_EQ(test, cr->lost_ts, 800ULL);
	KUNIT_EXPECT_TRUE(test, write_id(ring, 3));
	expect_lost_at(test, ring, cr, 3, 2, 800);
	expect_rec_at(test, ring, cr, 4, 3);
	KUNIT_EXPECT_EQ(test, used(cr), 5ULL);
}

/* Positions are free-running u64: crossing U64_MAX changes nothing. */
static void ring_write_wraps_at_u64_position_limit(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);
	u64 start = U64_MAX - 5, tail, head, pos, i;

	cr->head = start;
	cr->tail = start;
	KUNIT_EXPECT_EQ(test, used(cr), 0ULL);
	fill(test, ring, 0);
	head = tcpstate_ring_peek(cr, &tail);
	KUNIT_EXPECT_EQ(test, tail, start);
	KUNIT_EXPECT_EQ(test, head, 10ULL);		/* wrapped */
	KUNIT_EXPECT_EQ(test, head - tail, 16ULL);
	/* Full is still full across the wrap. */
	KUNIT_EXPECT_FALSE(test, write_id(ring, 16));
	KUNIT_EXPECT_EQ(test, cr->lost, 1ULL);

	for (pos = tail, i = 0; pos != head; pos++, i++)
		expect_rec_at(test, ring, cr, pos, i);
	KUNIT_EXPECT_EQ(test, i, 16ULL);
	tcpstate_ring_consume(cr, head);
	KUNIT_EXPECT_EQ(test, used(cr), 0ULL);

	/* The lost record and its successor on either side of the wrap. */
	cr->head = U64_MAX;
	cr->tail = U64_MAX;
	KUNIT_EXPECT_TRUE(test, write_id(ring, 17));
	head = tcpstate_ring_peek(cr, &tail);
	KUNIT_EXPECT_EQ(test, tail, U64_MAX);
	KUNIT_EXPECT_EQ(test, head, 1ULL);
	expect_lost_at(test, ring, cr, U64_MAX, 1, ts_of(16));
	expect_rec_at(test, ring, cr, 0, 17);
}

static void ring_poll_ready_tracks_records_and_waiting_reader(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);

	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, ring->reader_waiting);

	/* A producer that finds the reader waiting takes the flag (and wakes it). */
	KUNIT_EXPECT_TRUE(test, write_id(ring, 1));
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	KUNIT_EXPECT_TRUE(test, tcpstate_ring_poll_ready(ring));

	skip(cr, 1);
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));

	/* A busy reader: producers leave the flag alone. */
	tcpstate_ring_reader_busy(ring);
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	KUNIT_EXPECT_TRUE(test, write_id(ring, 2));
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	irq_work_sync(&ring->wake_work);
}

struct waiter {
	struct tcpstate_ring *ring;
	struct completion done;
	long ret;
};

static int waiter_fn(void *data)
{
	struct waiter *w = data;

	w->ret = wait_event_interruptible_timeout(*w->ring->waitq,
						  tcpstate_ring_poll_ready(w->ring),
						  10 * HZ);
	complete(&w->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

/* A reader asleep in read() is woken by the next record (via irq_work). */
static void ring_write_wakes_sleeping_reader(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct task_struct *task;
	struct waiter w = { .ring = ring };
	int i;

	init_completion(&w.done);
	task = kthread_run(waiter_fn, &w, "tcpstate_waiter");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);

	for (i = 0; i < 500 && !READ_ONCE(ring->reader_waiting); i++)
		usleep_range(10000, 20000);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(ring->reader_waiting));
	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&w.done));

	KUNIT_EXPECT_TRUE(test, write_id(ring, 1));
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&w.done, 5 * HZ) > 0);
	/* Woken with the condition true, not by the 10 s timeout. */
	KUNIT_EXPECT_GT(test, w.ret, 0L);
	kthread_stop(task);
}

/*
 * Batched wakeups (wakeup_ms): the reader that goes to sleep arms the
 * timer; records below the mark leave it asleep (the flag stays set),
 * the one that fills a quarter of the ring wakes it; a timer that finds
 * the ring empty lets the next record wake it at once; a reader that
 * comes back by itself batches again.
 */
static void ring_wakeup_batching_marks_and_timer(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);
	u64 i;

	tcpstate_ring_set_wakeup(ring, 1000);
	KUNIT_EXPECT_EQ(test, ring->wake_mark, 4U);
	KUNIT_EXPECT_EQ(test, ring->wake_delay, msecs_to_jiffies(1000));

	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, ring->reader_waiting);
	KUNIT_EXPECT_TRUE(test, timer_pending(&ring->wake_timer));
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
		KUNIT_EXPECT_TRUE(test, ring->reader_waiting);
	}
	KUNIT_EXPECT_TRUE(test, write_id(ring, 3));	/* 4 = a quarter */
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	irq_work_sync(&ring->wake_work);
	skip(cr, 4);

	/* The timer fires on an empty ring: the next record wakes at once. */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, del_timer_sync(&ring->wake_timer));
	ring->wake_timer.function(&ring->wake_timer);
	KUNIT_EXPECT_TRUE(test, ring->wake_first);
	/* ...and the sleeping reader does not arm it again meanwhile. */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_FALSE(test, timer_pending(&ring->wake_timer));
	KUNIT_EXPECT_TRUE(test, write_id(ring, 4));
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	KUNIT_EXPECT_FALSE(test, ring->wake_first);
	irq_work_sync(&ring->wake_work);
	skip(cr, 1);

	/* A reader that read by itself batches again on its next sleep. */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	WRITE_ONCE(ring->wake_first, true);
	tcpstate_ring_reader_busy(ring);
	KUNIT_EXPECT_FALSE(test, ring->wake_first);
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, write_id(ring, 5));
	KUNIT_EXPECT_TRUE(test, ring->reader_waiting);
	del_timer_sync(&ring->wake_timer);
}

/* A reader asleep with two records waiting is woken by the timer. */
static void ring_wakeup_timer_delivers_a_trickle(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct task_struct *task;
	struct waiter w = { .ring = ring };
	unsigned long t0;
	int i;

	tcpstate_ring_set_wakeup(ring, 200);
	init_completion(&w.done);
	task = kthread_run(waiter_fn, &w, "tcpstate_waiter");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	for (i = 0; i < 500 && !timer_pending(&ring->wake_timer); i++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(ring->reader_waiting));

	t0 = jiffies;
	KUNIT_EXPECT_TRUE(test, write_id(ring, 1));
	KUNIT_EXPECT_TRUE(test, write_id(ring, 2));
	/* Not woken by the records themselves... */
	msleep(20);
	if (time_before(jiffies, t0 + msecs_to_jiffies(150)))
		KUNIT_EXPECT_FALSE(test, completion_done(&w.done));
	/* ...but within the 200 ms, not by the waiter's own 10 s timeout. */
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&w.done, 5 * HZ) > 0);
	KUNIT_EXPECT_GT(test, w.ret, 0L);
	kthread_stop(task);
}

/*
 * The reader copies what it peeked while producers keep writing: it
 * consumes exactly what it copied, newer records stay, and producers
 * refuse to overwrite anything not consumed yet.
 */
static void ring_consume_releases_only_what_was_read(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cr = pin_one(test, ring);
	u64 tail, head, i;

	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	head = tcpstate_ring_peek(cr, &tail);	/* reader: [0, 10) */

	for (i = 10; i < 16; i++)		/* producers meanwhile */
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 16));

	for (i = tail; i != head; i++)		/* reader copies, consumes */
		expect_rec_at(test, ring, cr, i, i);
	tcpstate_ring_consume(cr, head);

	head = tcpstate_ring_peek(cr, &tail);
	KUNIT_EXPECT_EQ(test, tail, 10ULL);
	KUNIT_EXPECT_EQ(test, head, 16ULL);

	KUNIT_EXPECT_TRUE(test, write_id(ring, 17));	/* lost(1) + 17 */
	for (i = 10; i < 16; i++)
		expect_rec_at(test, ring, cr, i, i);
	expect_lost_at(test, ring, cr, 16, 1, ts_of(16));
	expect_rec_at(test, ring, cr, 17, 17);
	KUNIT_EXPECT_EQ(test, used(cr), 8ULL);

	/* Fill what is free (8 slots), then nothing more fits. */
	for (i = 18; i < 26; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 26));
	for (i = 10; i < 16; i++)
		expect_rec_at(test, ring, cr, i, i);
}

/* --- the rings together ------------------------------------------------------ */

/* A record the merge case took: from which ring, and what it said. */
struct merge_taken {
	u32 cpu;
	u64 tag;
	struct tcpstate_rec rec;
};

#define MERGE_TAKEN_MAX	24U
#define MERGE_ID_A	1000U
#define MERGE_ID_B	2000U
#define MERGE_ID_LATE	3000U

/*
 * What CPUs a and b write, in the order they write it: times that
 * interleave across the two, some equal, and a's stretch 100..105
 * across the end of its slot array (its records start at position 10
 * of 16: 100 and 101 in slots 14 and 15, 102 in slot 0).
 */
static const u64 merge_ts_a[] = { 10, 20, 30, 30, 100, 101, 102, 103, 104, 105, 200 };
static const u64 merge_ts_b[] = { 5, 20, 30, 35, 150, 300 };

/* The merge's order, by time, and a tie to the lower CPU, a. */
static const struct {
	bool on_b;
	u64 ts;
} merge_want[] = {
	{ true, 5 }, { false, 10 }, { false, 20 }, { true, 20 }, { false, 30 },
	{ false, 30 }, { true, 30 }, { true, 35 }, { false, 100 }, { false, 101 },
	{ false, 102 }, { false, 103 }, { false, 104 }, { false, 105 },
	{ true, 150 }, { false, 200 }, { true, 300 },
};

/*
 * A run merge_next() gave: at least one record, at most @max, within
 * what merge_start() saw, and not past the end of the slot array (it is
 * one copy_to_user()). Anything else ends the case: taking it would
 * read records that are not there.
 */
static void check_run(struct kunit *test, const struct tcpstate_ring *ring,
		      const struct tcpstate_cpu_ring *cr, u32 run, u32 max)
{
	KUNIT_ASSERT_GE_MSG(test, run, 1U, "CPU %u", cr->cpu);
	KUNIT_ASSERT_LE_MSG(test, run, max, "CPU %u", cr->cpu);
	KUNIT_ASSERT_LE_MSG(test, (u64)run, cr->rd_head - cr->rd_pos,
			    "CPU %u: run from %llu", cr->cpu, cr->rd_pos);
	KUNIT_ASSERT_LE_MSG(test, (cr->rd_pos & ring->mask) + run,
			    (u64)tcpstate_ring_capacity(ring),
			    "CPU %u: run from %llu wraps", cr->cpu, cr->rd_pos);
}

/* The reader copies @n records of a run and advances, as ring_to_user(). */
static void merge_take(struct kunit *test, const struct tcpstate_ring *ring,
		       struct tcpstate_cpu_ring *cr, u32 n,
		       struct merge_taken *got, unsigned int *nr)
{
	u32 i;

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_LT(test, *nr, MERGE_TAKEN_MAX);
		got[*nr].cpu = cr->cpu;
		got[*nr].rec = *tcpstate_ring_slot(ring, cr, cr->rd_pos + i);
		got[*nr].tag = tcpstate_ring_tag(ring, cr, cr->rd_pos + i);
		(*nr)++;
	}
	cr->rd_pos += n;
}

/*
 * Records written on two CPUs come out of the merge in (ts_ns, CPU)
 * order, each once, whole, with its tag: a run never passes another
 * ring's earlier record (nor, on a tie, a lower CPU's), stops at the end
 * of the slot array and at max. merge_end() consumes exactly what the
 * reader took, a short copy included; a record written after
 * merge_start() waits for the next read.
 */
static void ring_merge_orders_by_time_then_cpu(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cra, *crb, *cr;
	unsigned int a, b, cpu, i, n = 0, na = 0, nb = 0;
	struct merge_taken *got;
	u64 id;
	u32 run;

	two_cpus(test, &a, &b);
	got = kunit_kcalloc(test, MERGE_TAKEN_MAX, sizeof(*got), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);

	cra = pin(test, ring, a);
	for (i = 0; i < 10; i++)
		KUNIT_ASSERT_TRUE(test, write_id(ring, i));
	skip(cra, 10);
	for (i = 0; i < ARRAY_SIZE(merge_ts_a); i++)
		KUNIT_ASSERT_TRUE(test, write_ts(ring, MERGE_ID_A + i, merge_ts_a[i]));
	crb = pin(test, ring, b);
	for (i = 0; i < ARRAY_SIZE(merge_ts_b); i++)
		KUNIT_ASSERT_TRUE(test, write_ts(ring, MERGE_ID_B + i, merge_ts_b[i]));
	KUNIT_ASSERT_EQ(test, used(cra), (u64)ARRAY_SIZE(merge_ts_a));
	KUNIT_ASSERT_EQ(test, used(crb), (u64)ARRAY_SIZE(merge_ts_b));

	/*
	 * A first read, with room for everything, up to a's 100 at position
	 * 14: b's next is then 150, so a's run from there ends only at the
	 * end of the slot array, after 2.
	 */
	tcpstate_ring_merge_start(ring);
	for (;;) {
		cr = tcpstate_ring_merge_next(ring, U32_MAX, &run);
		KUNIT_ASSERT_NOT_NULL(test, cr);
		check_run(test, ring, cr, run, U32_MAX);
		if (cr == cra && cr->rd_pos == 14)
			break;
		merge_take(test, ring, cr, run, got, &n);
	}
	KUNIT_EXPECT_EQ(test, run, 2U);
	merge_take(test, ring, cr, run, got, &n);
	/* Then from slot 0: 4 come before b's 150, but max is 3... */
	cr = tcpstate_ring_merge_next(ring, 3, &run);
	KUNIT_ASSERT_PTR_EQ(test, cr, cra);
	check_run(test, ring, cr, run, 3);
	KUNIT_EXPECT_EQ(test, run, 3U);
	/* ...of which the reader takes 2 (a short copy_to_user()). */
	merge_take(test, ring, cr, 2, got, &n);
	tcpstate_ring_merge_end(ring);

	/* a: 10 skipped and 8 taken; b: 4 taken. No more, no less. */
	KUNIT_EXPECT_EQ(test, n, 12U);
	KUNIT_EXPECT_EQ(test, cra->tail, 18ULL);
	KUNIT_EXPECT_EQ(test, cra->page->tail, 18ULL);
	KUNIT_EXPECT_EQ(test, crb->tail, 4ULL);
	KUNIT_EXPECT_EQ(test, crb->page->tail, 4ULL);
	KUNIT_EXPECT_EQ(test, used(cra), 3ULL);
	KUNIT_EXPECT_EQ(test, used(crb), 2ULL);
	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		if (cr != cra && cr != crb)
			KUNIT_EXPECT_EQ_MSG(test, cr->tail, 0ULL, "CPU %u", cpu);
	}

	/* The rest; b's record written meanwhile is the earliest, but new. */
	tcpstate_ring_merge_start(ring);
	KUNIT_EXPECT_TRUE(test, write_ts(ring, MERGE_ID_LATE, 1));
	while ((cr = tcpstate_ring_merge_next(ring, U32_MAX, &run))) {
		check_run(test, ring, cr, run, U32_MAX);
		merge_take(test, ring, cr, run, got, &n);
	}
	tcpstate_ring_merge_end(ring);
	KUNIT_EXPECT_EQ(test, used(cra), 0ULL);
	KUNIT_EXPECT_EQ(test, used(crb), 1ULL);
	KUNIT_EXPECT_TRUE(test, rec_is_ts(tcpstate_ring_slot(ring, crb, 6), MERGE_ID_LATE, 1));

	/* Both reads: every record once, whole, in (time, CPU) order. */
	KUNIT_EXPECT_EQ(test, n, (unsigned int)ARRAY_SIZE(merge_want));
	for (i = 0; i < n && i < ARRAY_SIZE(merge_want); i++) {
		id = merge_want[i].on_b ? MERGE_ID_B + nb++ : MERGE_ID_A + na++;
		cpu = merge_want[i].on_b ? b : a;
		KUNIT_EXPECT_TRUE_MSG(test, got[i].cpu == cpu &&
				      rec_is_ts(&got[i].rec, id, merge_want[i].ts) &&
				      got[i].tag == tag_of(id),
				      "record %u: want CPU %u ts %llu record %llu, have CPU %u ts %llu record %llu",
				      i, cpu, merge_want[i].ts, id, got[i].cpu,
				      got[i].rec.ts_ns, got[i].rec.cookie);
	}
}

/*
 * The probes' misses are no CPU's drops: they go to miss_cpu's ring, and
 * only there. Another CPU's next record carries no lost record; the
 * reader's merge tells of them from miss_cpu's ring, in time order.
 */
static void ring_missed_go_to_miss_cpu_ring_only(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *miss, *other, *cr;
	unsigned int a, b, cpu;
	u32 run;

	two_cpus(test, &a, &b);
	KUNIT_ASSERT_EQ(test, ring->miss_cpu, (u32)cpumask_first(cpu_possible_mask));
	miss = tcpstate_ring_cpu(ring, ring->miss_cpu);

	tcpstate_ring_missed(ring, 7, 500);
	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		KUNIT_EXPECT_EQ_MSG(test, cr->lost, cr == miss ? 7ULL : 0ULL, "CPU %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, cr->head, 0ULL, "CPU %u", cpu);
	}
	KUNIT_EXPECT_EQ(test, miss->lost_ts, 500ULL);

	other = pin(test, ring, a == ring->miss_cpu ? b : a);
	KUNIT_EXPECT_TRUE(test, write_id(ring, 1));
	KUNIT_EXPECT_EQ(test, used(other), 1ULL);
	expect_rec_at(test, ring, other, 0, 1);
	KUNIT_EXPECT_EQ(test, used(miss), 0ULL);
	KUNIT_EXPECT_EQ(test, miss->lost, 7ULL);

	tcpstate_ring_merge_start(ring);
	cr = tcpstate_ring_merge_next(ring, U32_MAX, &run);
	KUNIT_ASSERT_PTR_EQ(test, cr, miss);
	KUNIT_EXPECT_EQ(test, run, 1U);
	expect_lost_at(test, ring, miss, 0, 7, 500);
	cr->rd_pos += run;
	cr = tcpstate_ring_merge_next(ring, U32_MAX, &run);
	KUNIT_ASSERT_PTR_EQ(test, cr, other);
	KUNIT_EXPECT_EQ(test, run, 1U);
	cr->rd_pos += run;
	KUNIT_EXPECT_NULL(test, tcpstate_ring_merge_next(ring, U32_MAX, &run));
	tcpstate_ring_merge_end(ring);
	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		KUNIT_EXPECT_EQ_MSG(test, used(cr), 0ULL, "CPU %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, cr->lost, 0ULL, "CPU %u", cpu);
	}

	/* Told once: miss_cpu's own next record comes alone. */
	pin(test, ring, ring->miss_cpu);
	KUNIT_EXPECT_TRUE(test, write_id(ring, 2));
	KUNIT_EXPECT_EQ(test, used(miss), 1ULL);
	expect_rec_at(test, ring, miss, 1, 2);
}

/*
 * One CPU's full ring drops its own CPU's events only: another CPU's
 * ring of the same session still stores. Its drops are flushed from its
 * ring alone, into its ring, as its CPU's, whichever CPU the reader
 * runs on; a merge flushes them too, and orders them by their time.
 */
static void ring_full_ring_drops_only_its_cpu(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cra, *crb, *cr;
	unsigned int a, b, i;
	u32 run;

	two_cpus(test, &a, &b);
	cra = pin(test, ring, a);
	fill(test, ring, 0);
	for (i = 50; i < 53; i++)
		KUNIT_EXPECT_FALSE(test, write_id(ring, i));
	KUNIT_EXPECT_EQ(test, cra->lost, 3ULL);

	crb = pin(test, ring, b);
	for (i = 100; i < 105; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	KUNIT_EXPECT_EQ(test, used(crb), 5ULL);
	KUNIT_EXPECT_EQ(test, crb->lost, 0ULL);
	for (i = 0; i < 5; i++)				/* no lost record first */
		expect_rec_at(test, ring, crb, i, 100 + i);
	KUNIT_EXPECT_EQ(test, used(cra), 16ULL);
	KUNIT_EXPECT_EQ(test, cra->lost, 3ULL);

	/* Per ring: b has nothing to flush, a no room yet. */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_flush_lost(ring, crb));
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_flush_lost(ring, cra));
	KUNIT_EXPECT_EQ(test, cra->head, 16ULL);
	KUNIT_EXPECT_EQ(test, crb->head, 5ULL);

	/* a drained, flushed from b: a's lost record, in a's ring. */
	skip(cra, 16);
	KUNIT_EXPECT_TRUE(test, tcpstate_ring_flush_lost(ring, cra));
	KUNIT_EXPECT_EQ(test, cra->cpu, a);
	expect_lost_at(test, ring, cra, 16, 3, ts_of(50));
	KUNIT_EXPECT_EQ(test, cra->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, crb->head, 5ULL);
	KUNIT_EXPECT_EQ(test, crb->lost, 0ULL);
	skip(cra, 1);

	/* Again, and a merge on b reports it: after b's earlier records. */
	pin(test, ring, a);
	fill(test, ring, 200);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 400));
	pin(test, ring, b);
	KUNIT_EXPECT_TRUE(test, write_id(ring, 110));
	skip(cra, 16);
	tcpstate_ring_merge_start(ring);
	cr = tcpstate_ring_merge_next(ring, U32_MAX, &run);
	KUNIT_ASSERT_PTR_EQ(test, cr, crb);
	KUNIT_EXPECT_EQ(test, run, 6U);
	cr->rd_pos += run;
	cr = tcpstate_ring_merge_next(ring, U32_MAX, &run);
	KUNIT_ASSERT_PTR_EQ(test, cr, cra);
	KUNIT_EXPECT_EQ(test, run, 1U);
	expect_lost_at(test, ring, cra, cr->rd_pos, 1, ts_of(400));
	cr->rd_pos += run;
	KUNIT_EXPECT_NULL(test, tcpstate_ring_merge_next(ring, U32_MAX, &run));
	tcpstate_ring_merge_end(ring);
	KUNIT_EXPECT_EQ(test, used(cra), 0ULL);
	KUNIT_EXPECT_EQ(test, used(crb), 0ULL);
	KUNIT_EXPECT_EQ(test, cra->lost, 0ULL);
}

/*
 * Readiness and wakeups look at every CPU's ring: a record in any of
 * them makes poll() ready, wherever the reader runs, and so do pending
 * drops in a ring other than ring 0. Batching counts one ring's records
 * (a quarter of the ring wakes the reader; a quarter spread over two
 * rings does not), and the batching timer delivers records that wait in
 * any ring.
 */
static void ring_poll_ready_sees_every_cpu_ring(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cra, *crb, *cr;
	unsigned int a, b, cpu, i;

	two_cpus(test, &a, &b);
	for_each_online_cpu(cpu) {
		cr = pin(test, ring, cpu);
		KUNIT_EXPECT_FALSE_MSG(test, tcpstate_ring_poll_ready(ring), "CPU %u", cpu);
		KUNIT_EXPECT_TRUE(test, write_id(ring, cpu));
		KUNIT_EXPECT_EQ_MSG(test, used(cr), 1ULL, "CPU %u", cpu);
		KUNIT_EXPECT_FALSE_MSG(test, ring->reader_waiting, "CPU %u", cpu);
		pin(test, ring, cpu == a ? b : a);
		KUNIT_EXPECT_TRUE_MSG(test, tcpstate_ring_poll_ready(ring), "CPU %u", cpu);
		skip(cr, 1);
		KUNIT_EXPECT_FALSE_MSG(test, tcpstate_ring_poll_ready(ring), "CPU %u", cpu);
		irq_work_sync(&ring->wake_work);
	}

	crb = pin(test, ring, b);
	fill(test, ring, 100);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 200));
	skip(crb, 16);
	pin(test, ring, a);
	KUNIT_EXPECT_TRUE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, tcpstate_ring_flush_lost(ring, crb));
	skip(crb, 1);
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));

	tcpstate_ring_set_wakeup(ring, 1000);
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, ring->reader_waiting);
	cra = pin(test, ring, a);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, 300 + i));
	crb = pin(test, ring, b);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, 400 + i));
	KUNIT_EXPECT_TRUE(test, ring->reader_waiting);	/* 6, but 3 a ring */
	KUNIT_EXPECT_TRUE(test, write_id(ring, 403));	/* 4 in b's: a quarter */
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	irq_work_sync(&ring->wake_work);
	skip(cra, 3);
	skip(crb, 4);

	/* A record in b's ring only: the timer delivers it... */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, timer_pending(&ring->wake_timer));
	KUNIT_EXPECT_TRUE(test, write_id(ring, 500));
	KUNIT_EXPECT_TRUE(test, ring->reader_waiting);
	KUNIT_EXPECT_TRUE(test, del_timer_sync(&ring->wake_timer));
	ring->wake_timer.function(&ring->wake_timer);
	KUNIT_EXPECT_FALSE(test, ring->wake_first);
	/* ...and, every ring empty, lets the next record wake at once. */
	skip(crb, 1);
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, del_timer_sync(&ring->wake_timer));
	ring->wake_timer.function(&ring->wake_timer);
	KUNIT_EXPECT_TRUE(test, ring->wake_first);
	KUNIT_EXPECT_TRUE(test, write_id(ring, 501));
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	irq_work_sync(&ring->wake_work);
}

/* --- the map (mmap()) -------------------------------------------------------- */

/* @cr's consumer, written by a mapped reader, taken back or refused. */
static void expect_consumer(struct kunit *test, struct tcpstate_ring *ring,
			    struct tcpstate_cpu_ring *cr, u64 consumer, int ret,
			    const char *what)
{
	u64 tail, head, pos = 0;

	head = tcpstate_ring_peek(cr, &tail);
	WRITE_ONCE(cr->page->consumer, consumer);
	KUNIT_EXPECT_EQ_MSG(test, tcpstate_ring_consumer(ring, cr, &pos), ret,
			    "CPU %u: consumer %s", cr->cpu, what);
	if (!ret)
		KUNIT_EXPECT_EQ_MSG(test, pos, consumer, "CPU %u: consumer %s", cr->cpu, what);
	/* Asking changes nothing: only consume() moves tail. */
	KUNIT_EXPECT_EQ(test, tcpstate_ring_peek(cr, &pos), head);
	KUNIT_EXPECT_EQ(test, pos, tail);
}

/*
 * The map: one block of ring_size bytes per CPU id, ring i at
 * i * ring_size, each its header page then its slots. The header page
 * a mapped reader sees: what it describes, and head and tail following
 * its own ring's. Then which consumer positions the kernel takes back,
 * ring by ring against that ring's own [tail, head]: a at tail 4, head
 * 12; b at 2, 5; any other, empty, at 0.
 */
static void ring_map_header_and_consumer_bounds(struct kunit *test)
{
	static const struct {
		const char *what;
		s64 rel;	/* a's consumer, relative to its tail */
		int ret;
	} cases[] = {
		{ "tail itself (nothing done)", 0, 0 },
		{ "inside", 5, 0 },
		{ "head (all done)", 8, 0 },
		{ "one behind tail", -1, -EINVAL },
		{ "one past head", 9, -EINVAL },
		{ "far past head", 1LL << 40, -EINVAL },
		{ "U64_MAX", -5, -EINVAL },
	};
	const unsigned long ring_size = 2 * PAGE_SIZE;	/* 16 records: a page */
	struct tcpstate_ring *ring = ring_new(test, 16);
	struct tcpstate_cpu_ring *cra, *crb, *cr;
	const struct tcpstate_mmap_page *page;
	unsigned int a, b, i;
	u64 tail, pos;

	two_cpus(test, &a, &b);
	KUNIT_EXPECT_EQ(test, ring->ring_size, ring_size);
	KUNIT_EXPECT_EQ(test, tcpstate_ring_map_size(ring), nr_cpu_ids * ring_size);
	for (i = 0; i < nr_cpu_ids; i++) {
		page = ring->area + i * ring_size;
		KUNIT_EXPECT_EQ_MSG(test, page->version, (u32)TCPSTATE_ABI_VERSION, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->rec_size, (u32)sizeof(struct tcpstate_rec),
				    "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->nr_records, 16U, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->ring, i, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->data_offset, (u64)PAGE_SIZE, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->data_size, (u64)PAGE_SIZE, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->nr_rings, (u32)nr_cpu_ids, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->ring_size, (u64)ring_size, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->head, 0ULL, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->tail, 0ULL, "ring %u", i);
		KUNIT_EXPECT_EQ_MSG(test, page->consumer, 0ULL, "ring %u", i);
		if (!cpu_possible(i))
			continue;
		cr = tcpstate_ring_cpu(ring, i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, cr->page, page, "ring %u", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, (void *)cr->slots, (void *)page + PAGE_SIZE,
					"ring %u", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, cr->tags, ring->tags + i * 16, "ring %u", i);
	}

	cra = pin(test, ring, a);
	for (i = 0; i < 12; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	skip(cra, 4);
	crb = pin(test, ring, b);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, 100 + i));
	skip(crb, 2);
	KUNIT_EXPECT_EQ(test, cra->page->head, 12ULL);
	KUNIT_EXPECT_EQ(test, cra->page->tail, 4ULL);
	KUNIT_EXPECT_EQ(test, crb->page->head, 5ULL);
	KUNIT_EXPECT_EQ(test, crb->page->tail, 2ULL);
	/* Written in a's map, read at a's slot: the map is the ring. */
	KUNIT_EXPECT_TRUE(test, rec_is((void *)cra->page + PAGE_SIZE + 11 *
				       sizeof(struct tcpstate_rec), 11));

	/* b's consumer, valid for b, stays in place while a's is tried. */
	WRITE_ONCE(crb->page->consumer, 5);
	tcpstate_ring_peek(cra, &tail);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		expect_consumer(test, ring, cra, tail + cases[i].rel, cases[i].ret,
				cases[i].what);
		KUNIT_EXPECT_EQ(test, tcpstate_ring_consumer(ring, crb, &pos), 0);
		KUNIT_EXPECT_EQ(test, pos, 5ULL);
	}
	/* b against its own bounds: a's head (12) is past b's. */
	WRITE_ONCE(cra->page->consumer, 12);
	expect_consumer(test, ring, crb, 2, 0, "tail");
	expect_consumer(test, ring, crb, 4, 0, "inside");
	expect_consumer(test, ring, crb, 5, 0, "head");
	expect_consumer(test, ring, crb, 1, -EINVAL, "one behind tail");
	expect_consumer(test, ring, crb, 6, -EINVAL, "one past head");
	expect_consumer(test, ring, crb, 12, -EINVAL, "a's head");
	KUNIT_EXPECT_EQ(test, tcpstate_ring_consumer(ring, cra, &pos), 0);
	KUNIT_EXPECT_EQ(test, pos, 12ULL);
	for_each_possible_cpu(i) {
		cr = tcpstate_ring_cpu(ring, i);
		if (cr == cra || cr == crb)
			continue;
		expect_consumer(test, ring, cr, 0, 0, "0 (empty)");
		expect_consumer(test, ring, cr, 1, -EINVAL, "1 (empty)");
	}
}

/* --- concurrency ----------------------------------------------------------- */

#define PRODUCER_RECORDS	10000U
/* Records a run may have in read_some(): runs also end at max. */
#define READ_RUN_MAX		32U

struct producer {
	struct tcpstate_ring *ring;
	unsigned int id, cpu;
	unsigned long *dropped;		/* bit seq: write of seq refused */
	atomic_t *running;
	u64 drops;
	struct task_struct *task;
};

static int producer_fn(void *data)
{
	struct producer *p = data;
	struct tcpstate_rec rec;
	u32 seq;

	for (seq = 0; seq < PRODUCER_RECORDS; seq++) {
		make_rec(&rec, (u64)p->id << 32 | seq);
		if (!tcpstate_ring_write(p->ring, &rec, tag_of(rec.cookie))) {
			/* Published to the reader by the next write's release of head. */
			set_bit(seq, p->dropped);
			p->drops++;
		}
		if (!(seq % 64))
			cond_resched();
	}
	atomic_dec_return_release(p->running);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

struct tally {
	unsigned int nr;		/* producers */
	s64 *last;			/* last seq seen, per producer */
	u64 *got;			/* records seen, per producer */
	struct producer *prod;
	u64 lost;			/* sum of lost.count */
	u64 *lost_on;			/* ... per CPU */
	u64 bad;			/* records that match nothing */
	u64 out_of_order;		/* seq not after the last, or a gap not dropped */
	u64 wrong_ring;			/* not in the ring of the CPU that wrote it */
	u64 bad_runs;			/* runs merge_next() should not have given */
	u64 switches;			/* consecutive records of different producers */
	u32 prev;
};

/* A record read from @cpu's ring. */
static void tally_rec(struct tally *t, const struct tcpstate_rec *rec, unsigned int cpu)
{
	u32 id, seq;
	s64 s;

	if (rec->type == TCPSTATE_REC_LOST) {
		if (rec->cpu != cpu)
			t->wrong_ring++;
		t->lost += rec->lost.count;
		t->lost_on[cpu] += rec->lost.count;
		return;
	}
	id = rec->cookie >> 32;
	seq = (u32)rec->cookie;
	if (id >= t->nr || seq >= PRODUCER_RECORDS || !rec_is(rec, rec->cookie)) {
		t->bad++;
		return;
	}
	if (t->prod[id].cpu != cpu)
		t->wrong_ring++;
	if (seq <= t->last[id] || test_bit(seq, t->prod[id].dropped))
		t->out_of_order++;
	for (s = t->last[id] + 1; s < seq; s++)
		if (!test_bit(s, t->prod[id].dropped))
			t->out_of_order++;
	t->last[id] = seq;
	t->got[id]++;
	if (id != t->prev)
		t->switches++;
	t->prev = id;
}

/* One read() of the reader, merged: returns the number of records it got. */
static unsigned int read_some(struct tcpstate_ring *ring, struct tally *t)
{
	struct tcpstate_cpu_ring *cr;
	unsigned int n = 0;
	u32 run, i;

	tcpstate_ring_merge_start(ring);
	while ((cr = tcpstate_ring_merge_next(ring, READ_RUN_MAX, &run))) {
		if (!run || run > READ_RUN_MAX || run > cr->rd_head - cr->rd_pos ||
		    (cr->rd_pos & ring->mask) + run > tcpstate_ring_capacity(ring)) {
			t->bad_runs++;
			break;
		}
		for (i = 0; i < run; i++) {
			struct tcpstate_rec copy = *tcpstate_ring_slot(ring, cr, cr->rd_pos + i);
			u64 tag = tcpstate_ring_tag(ring, cr, cr->rd_pos + i);

			if (tag != (copy.type == TCPSTATE_REC_LOST ? 0 : tag_of(copy.cookie)))
				t->bad++;
			tally_rec(t, &copy, cr->cpu);
		}
		cr->rd_pos += run;
		n += run;
	}
	tcpstate_ring_merge_end(ring);
	return n;
}

/*
 * Two producer threads per CPU, each bound to its CPU, write 10000
 * numbered records each into their CPU's 64-record ring while this
 * thread reads every ring, merged. Every record must arrive whole,
 * once, in its producer's order, from its producer's CPU's ring; every
 * gap must be a write its producer saw refused; and each ring's lost
 * records must add up to exactly the number of writes refused on its
 * CPU.
 */
static void ring_concurrent_producers_on_every_cpu(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 64);
	unsigned int nr = 2 * num_online_cpus(), i, cpu;
	unsigned long deadline = jiffies + 60 * HZ;
	struct tcpstate_cpu_ring *cr;
	struct producer *prod;
	struct tally t = {};
	u64 drops = 0, *drops_on;
	atomic_t running;
	bool done;

	prod = kunit_kcalloc(test, nr, sizeof(*prod), GFP_KERNEL);
	t.last = kunit_kcalloc(test, nr, sizeof(*t.last), GFP_KERNEL);
	t.got = kunit_kcalloc(test, nr, sizeof(*t.got), GFP_KERNEL);
	t.lost_on = kunit_kcalloc(test, nr_cpu_ids, sizeof(*t.lost_on), GFP_KERNEL);
	drops_on = kunit_kcalloc(test, nr_cpu_ids, sizeof(*drops_on), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, prod);
	KUNIT_ASSERT_NOT_NULL(test, t.last);
	KUNIT_ASSERT_NOT_NULL(test, t.got);
	KUNIT_ASSERT_NOT_NULL(test, t.lost_on);
	KUNIT_ASSERT_NOT_NULL(test, drops_on);
	t.nr = nr;
	t.prod = prod;
	for (i = 0; i < nr; i++) {
		t.last[i] = -1;
		prod[i].dropped = kunit_kcalloc(test, BITS_TO_LONGS(PRODUCER_RECORDS),
						sizeof(long), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, prod[i].dropped);
	}
	atomic_set(&running, nr);

	i = 0;
	for_each_online_cpu(cpu) {
		unsigned int k;

		for (k = 0; k < 2 && i < nr; k++, i++) {
			prod[i].ring = ring;
			prod[i].id = i;
			prod[i].cpu = cpu;
			prod[i].running = &running;
			prod[i].task = kthread_create_on_cpu(producer_fn, &prod[i],
							     cpu, "tcpstate_prod/%u");
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, prod[i].task);
		}
	}
	KUNIT_ASSERT_EQ(test, i, nr);
	for (i = 0; i < nr; i++)
		wake_up_process(prod[i].task);

	/* The reader: slower than the producers, so the rings overflow. */
	do {
		done = atomic_read_acquire(&running) == 0;
		if (!read_some(ring, &t))
			usleep_range(100, 200);
		else if (!done)
			usleep_range(20, 50);
	} while (!(done && !read_some(ring, &t)) && time_before(jiffies, deadline));
	KUNIT_EXPECT_TRUE_MSG(test, done, "producers still running after 60 s");

	for (i = 0; i < nr; i++)
		kthread_stop(prod[i].task);

	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		KUNIT_EXPECT_EQ_MSG(test, used(cr), 0ULL, "CPU %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, cr->lost, 0ULL, "CPU %u", cpu);
	}
	KUNIT_EXPECT_EQ(test, t.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, t.bad_runs, 0ULL);
	KUNIT_EXPECT_EQ(test, t.wrong_ring, 0ULL);
	KUNIT_EXPECT_EQ(test, t.out_of_order, 0ULL);
	for (i = 0; i < nr; i++) {
		s64 s;

		KUNIT_EXPECT_EQ_MSG(test, t.got[i] + prod[i].drops, (u64)PRODUCER_RECORDS,
				    "producer %u", i);
		KUNIT_EXPECT_GT_MSG(test, t.got[i], 0ULL, "producer %u", i);
		/* After its last record: only drops. */
		for (s = t.last[i] + 1; s < PRODUCER_RECORDS; s++)
			if (!test_bit(s, prod[i].dropped))
				t.out_of_order++;
		drops += prod[i].drops;
		drops_on[prod[i].cpu] += prod[i].drops;
	}
	KUNIT_EXPECT_EQ(test, t.out_of_order, 0ULL);
	KUNIT_EXPECT_GT_MSG(test, drops, 0ULL, "no ring ever overflowed: test proves nothing");
	KUNIT_EXPECT_EQ(test, t.lost, drops);
	for_each_possible_cpu(cpu)
		KUNIT_EXPECT_EQ_MSG(test, t.lost_on[cpu], drops_on[cpu], "CPU %u", cpu);
	/* The producers really ran at the same time. */
	KUNIT_EXPECT_GT(test, t.switches, (u64)nr);
	kunit_info(test, "%u producers: %llu records read, %llu dropped, %llu switches\n",
		   nr, PRODUCER_RECORDS * (u64)nr - drops, drops, t.switches);
}

/* Producers in three contexts on one CPU: task, softirq, hardirq. */
enum { SRC_TASK, SRC_SOFTIRQ, SRC_HARDIRQ, SRC_NR };

struct nested {
	struct tcpstate_ring *ring;
	struct hrtimer hard, soft;
	u32 seq[SRC_NR];		/* records written, per source */
	u32 wrong_context;
	bool stop;
};

#define NESTED_MAX	2000U		/* per interrupt source */
/*
 * The task writes at most this many records per record of the slower
 * interrupt source: at most 40 * 51 + 2 * NESTED_MAX records in all,
 * well inside the test's 8192-slot ring, so nothing is dropped.
 */
#define NESTED_TASK_PER_IRQ	40U

static void nested_write(struct nested *n, unsigned int src)
{
	struct tcpstate_rec rec;

	make_rec(&rec, (u64)src << 32 | n->seq[src]);
	if (tcpstate_ring_write(n->ring, &rec, tag_of(rec.cookie)))
		n->seq[src]++;
}

static enum hrtimer_restart nested_hard(struct hrtimer *timer)
{
	struct nested *n = container_of(timer, struct nested, hard);

	if (!in_hardirq())
		n->wrong_context++;
	nested_write(n, SRC_HARDIRQ);
	if (READ_ONCE(n->stop) || n->seq[SRC_HARDIRQ] >= NESTED_MAX)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(100 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static enum hrtimer_restart nested_soft(struct hrtimer *timer)
{
	struct nested *n = container_of(timer, struct nested, soft);

	if (!in_serving_softirq())
		n->wrong_context++;
	nested_write(n, SRC_SOFTIRQ);
	if (READ_ONCE(n->stop) || n->seq[SRC_SOFTIRQ] >= NESTED_MAX)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(150 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * A process-context producer loops on one CPU while a hardirq and a
 * softirq timer on the same CPU write between its writes. The lock is
 * taken with interrupts off, so lockdep checks it is irq-safe; every
 * record must arrive whole and in its source's order, all of them in
 * that CPU's ring, and the interrupt records must land between the
 * task's.
 */
static void ring_nested_producers_task_softirq_hardirq(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 8192);
	unsigned long deadline = jiffies + 20 * HZ;
	u32 next[SRC_NR] = {}, between[SRC_NR] = {}, bad = 0, src, seq;
	u64 tail, head, pos, first_task = 0, last_task = 0;
	struct tcpstate_cpu_ring *cr, *other;
	unsigned int cpu, c;
	unsigned long spins = 0;
	struct nested *n;

	n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, n);
	n->ring = ring;
	hrtimer_init(&n->hard, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	hrtimer_init(&n->soft, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_SOFT);
	n->hard.function = nested_hard;
	n->soft.function = nested_soft;

	migrate_disable();
	cpu = raw_smp_processor_id();
	hrtimer_start(&n->hard, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
	hrtimer_start(&n->soft, ns_to_ktime(150 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_SOFT);
	while ((READ_ONCE(n->seq[SRC_HARDIRQ]) < 50 || READ_ONCE(n->seq[SRC_SOFTIRQ]) < 50) &&
	       time_before(jiffies, deadline)) {
		/*
		 * Paced to the slower interrupt source: once softirqs have
		 * been handed to ksoftirqd (a slow host's long interrupt is
		 * enough), the soft timer runs only when the scheduler
		 * gives ksoftirqd the CPU, a few times in 60 ms, and an
		 * unpaced task wrote its 4000 records while it ran 11 times.
		 * Pacing also bounds what the ring must hold.
		 */
		if (n->seq[SRC_TASK] < NESTED_TASK_PER_IRQ *
		    (1 + min(READ_ONCE(n->seq[SRC_HARDIRQ]), READ_ONCE(n->seq[SRC_SOFTIRQ]))))
			nested_write(n, SRC_TASK);
		/* Let the softirq run here, or in ksoftirqd. */
		if (!(++spins % 16)) {
			local_bh_disable();
			local_bh_enable();
			cond_resched();
		}
	}
	WRITE_ONCE(n->stop, true);
	migrate_enable();
	hrtimer_cancel(&n->hard);
	hrtimer_cancel(&n->soft);

	KUNIT_EXPECT_EQ(test, n->wrong_context, 0U);
	KUNIT_EXPECT_GE(test, n->seq[SRC_HARDIRQ], 50U);
	KUNIT_EXPECT_GE(test, n->seq[SRC_SOFTIRQ], 50U);

	/* Every ring: all of the records in the one of the CPU they ran on. */
	for_each_possible_cpu(c) {
		other = tcpstate_ring_cpu(ring, c);
		if (c == cpu)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, used(other), 0ULL, "CPU %u's ring", c);
		KUNIT_EXPECT_EQ_MSG(test, other->lost, 0ULL, "CPU %u's ring", c);
	}
	cr = tcpstate_ring_cpu(ring, cpu);
	KUNIT_EXPECT_EQ(test, cr->lost, 0ULL);
	head = tcpstate_ring_peek(cr, &tail);
	KUNIT_EXPECT_EQ(test, head - tail,
			(u64)n->seq[SRC_TASK] + n->seq[SRC_SOFTIRQ] + n->seq[SRC_HARDIRQ]);
	for (pos = tail; pos != head; pos++) {
		const struct tcpstate_rec *rec = tcpstate_ring_slot(ring, cr, pos);

		src = rec->cookie >> 32;
		seq = (u32)rec->cookie;
		if (src >= SRC_NR || !rec_is(rec, rec->cookie) || seq != next[src] ||
		    tcpstate_ring_tag(ring, cr, pos) != tag_of(rec->cookie)) {
			bad++;
			continue;
		}
		next[src]++;
		if (src == SRC_TASK) {
			if (!seq)
				first_task = pos;
			last_task = pos;
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	for (src = 0; src < SRC_NR; src++)
		KUNIT_EXPECT_EQ(test, next[src], n->seq[src]);
	for (pos = first_task; pos != last_task; pos++) {
		src = tcpstate_ring_slot(ring, cr, pos)->cookie >> 32;
		if (src < SRC_NR)
			between[src]++;
	}
	KUNIT_EXPECT_GT(test, between[SRC_HARDIRQ], 0U);
	KUNIT_EXPECT_GT(test, between[SRC_SOFTIRQ], 0U);
	kunit_info(test, "CPU %u: task %u, softirq %u (%u inside), hardirq %u (%u inside)\n",
		   cpu, n->seq[SRC_TASK], n->seq[SRC_SOFTIRQ], between[SRC_SOFTIRQ],
		   n->seq[SRC_HARDIRQ], between[SRC_HARDIRQ]);
}

static struct kunit_case ring_cases[] = {
	KUNIT_CASE(ring_create_rejects_non_power_of_two),
	KUNIT_CASE(ring_create_empty_and_zeroed),
	KUNIT_CASE(ring_write_keeps_records_whole_and_in_order),
	KUNIT_CASE(ring_write_full_ring_drops_and_counts),
	KUNIT_CASE(ring_write_after_drops_needs_two_slots_for_lost_record),
	KUNIT_CASE(ring_flush_lost_reports_drops_when_drained),
	KUNIT_CASE(ring_flush_lost_never_overwrites_unread_records),
	KUNIT_CASE(ring_missed_joins_the_next_lost_record),
	KUNIT_CASE(ring_missed_base_is_not_a_loss),
	KUNIT_CASE(ring_missed_step_back_counts_nothing),
	KUNIT_CASE(ring_write_wraps_at_u64_position_limit),
	KUNIT_CASE(ring_poll_ready_tracks_records_and_waiting_reader),
	KUNIT_CASE(ring_write_wakes_sleeping_reader),
	KUNIT_CASE(ring_wakeup_batching_marks_and_timer),
	KUNIT_CASE(ring_wakeup_timer_delivers_a_trickle),
	KUNIT_CASE(ring_consume_releases_only_what_was_read),
	KUNIT_CASE(ring_merge_orders_by_time_then_cpu),
	KUNIT_CASE(ring_missed_go_to_miss_cpu_ring_only),
	KUNIT_CASE(ring_full_ring_drops_only_its_cpu),
	KUNIT_CASE(ring_poll_ready_sees_every_cpu_ring),
	KUNIT_CASE(ring_map_header_and_consumer_bounds),
	KUNIT_CASE(ring_concurrent_producers_on_every_cpu),
	KUNIT_CASE(ring_nested_producers_task_softirq_hardirq),
	{}
};

struct kunit_suite tcpstate_ring_suite = {
	.name = "tcpstate_ring",
	.test_cases = ring_cases,
};
