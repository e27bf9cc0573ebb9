// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_ring: the record ring (module/ring.c).
 *
 * Most cases drive producer and reader by hand, one step at a time, so
 * each interleaving they check is exact: which records are where, which
 * writes are refused, what the lost record says. The last two run real
 * concurrency: producer threads on every CPU against a reader, and a
 * process-context producer interrupted by softirq and hardirq ones.
 *
 * The reader here does what dev.c's ring_to_user() does: peek, copy the
 * records in [tail, head), consume; when the ring looks empty, flush
 * pending drops first.
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

/* A ring of @nr records, destroyed when the test case ends. */
static struct tcpstate_ring *ring_new(struct kunit *test, unsigned int nr)
{
	struct tcpstate_ring *ring;

	ring = kunit_alloc_resource(test, ring_res_init, ring_res_free,
				    GFP_KERNEL, &nr);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ring);
	return ring;
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

static bool rec_is(const struct tcpstate_rec *rec, u64 id)
{
	struct tcpstate_rec want;

	make_rec(&want, id);
	return !memcmp(rec, &want, sizeof(want));
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

/* The record at @pos is the state record made from @id, with its tag. */
#define EXPECT_REC_AT(test, ring, pos, id)					\
	KUNIT_EXPECT_TRUE_MSG(test, rec_is(tcpstate_ring_slot(ring, pos), id) &&	\
			      tcpstate_ring_tag(ring, pos) == tag_of(id),	\
			      "position %llu: want record %llu, have type %u cookie %llu tag %llx", \
			      (u64)(pos), (u64)(id),				\
			      tcpstate_ring_slot(ring, pos)->type,		\
			      tcpstate_ring_slot(ring, pos)->cookie,		\
			      tcpstate_ring_tag(ring, pos))

/* The record at @pos is a lost record, exactly, and nothing else. */
static void expect_lost_at(struct kunit *test, struct tcpstate_ring *ring,
			   u64 pos, u64 count, u64 ts, u32 cpu)
{
	const struct tcpstate_rec *rec = tcpstate_ring_slot(ring, pos);
	struct tcpstate_rec want = {
		.version = TCPSTATE_ABI_VERSION,
		.type = TCPSTATE_REC_LOST,
		.size = sizeof(want),
		.cpu = cpu,
		.ts_ns = ts,
		.lost.count = count,
	};

	KUNIT_EXPECT_EQ_MSG(test, rec->type, (u16)TCPSTATE_REC_LOST, "position %llu", pos);
	KUNIT_EXPECT_EQ_MSG(test, rec->lost.count, count, "position %llu", pos);
	KUNIT_EXPECT_EQ_MSG(test, rec->ts_ns, ts, "position %llu", pos);
	KUNIT_EXPECT_EQ_MSG(test, rec->cpu, cpu, "position %llu", pos);
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(rec, &want, sizeof(want)),
			      "position %llu: other fields of the lost record not zero", pos);
	/* About no namespace. */
	KUNIT_EXPECT_EQ_MSG(test, tcpstate_ring_tag(ring, pos), 0ULL, "position %llu", pos);
}

static u64 used(struct tcpstate_ring *ring)
{
	u64 tail, head = tcpstate_ring_peek(ring, &tail);

	return head - tail;
}

/* The reader consumes @n records without looking at them. */
static void skip(struct tcpstate_ring *ring, u64 n)
{
	u64 tail;

	tcpstate_ring_peek(ring, &tail);
	tcpstate_ring_consume(ring, tail + n);
}

/* Fill an empty ring with records first..first+capacity-1. */
static void fill(struct kunit *test, struct tcpstate_ring *ring, u64 first)
{
	u64 i;

	for (i = 0; i < tcpstate_ring_capacity(ring); i++)
		KUNIT_ASSERT_TRUE(test, write_id(ring, first + i));
}

/* --- single-threaded cases ------------------------------------------------- */

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

	KUNIT_EXPECT_EQ(test, tcpstate_ring_capacity(ring), 16U);
	KUNIT_EXPECT_EQ(test, ring->mask, 15U);
	KUNIT_EXPECT_EQ(test, ring->head, 0ULL);
	KUNIT_EXPECT_EQ(test, ring->tail, 0ULL);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);
	KUNIT_EXPECT_PTR_EQ(test, ring->waitq, &ring->own_waitq);
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	/* Slots reach userspace: none may hold stale kernel memory. */
	KUNIT_EXPECT_NULL(test, memchr_inv(ring->slots, 0, 16 * sizeof(*ring->slots)));
	KUNIT_EXPECT_NULL(test, memchr_inv(ring->tags, 0, 16 * sizeof(*ring->tags)));
}

/* Records come out whole, in order, also across the end of the slot array. */
static void ring_write_keeps_records_whole_and_in_order(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	u64 tail, head, i;

	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	head = tcpstate_ring_peek(ring, &tail);
	KUNIT_EXPECT_EQ(test, tail, 0ULL);
	KUNIT_EXPECT_EQ(test, head, 5ULL);
	for (i = 0; i < 5; i++)
		EXPECT_REC_AT(test, ring, i, i);
	tcpstate_ring_consume(ring, head);
	KUNIT_EXPECT_EQ(test, used(ring), 0ULL);

	/* Positions 5..20: slots 5..15 then 0..4. */
	fill(test, ring, 100);
	head = tcpstate_ring_peek(ring, &tail);
	KUNIT_EXPECT_EQ(test, tail, 5ULL);
	KUNIT_EXPECT_EQ(test, head, 21ULL);
	for (i = 0; i < 16; i++)
		EXPECT_REC_AT(test, ring, 5 + i, 100 + i);
	KUNIT_EXPECT_PTR_EQ(test, tcpstate_ring_slot(ring, 16), &ring->slots[0]);
	KUNIT_EXPECT_PTR_EQ(test, tcpstate_ring_slot(ring, 20), &ring->slots[4]);
}

static void ring_write_full_ring_drops_and_counts(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	u64 i;

	fill(test, ring, 0);
	KUNIT_EXPECT_EQ(test, used(ring), 16ULL);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);

	KUNIT_EXPECT_FALSE(test, write_id(ring, 100));
	KUNIT_EXPECT_EQ(test, ring->lost, 1ULL);
	KUNIT_EXPECT_EQ(test, ring->lost_ts, ts_of(100));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 101));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 102));
	KUNIT_EXPECT_EQ(test, ring->lost, 3ULL);
	/* The gap starts at the first drop. */
	KUNIT_EXPECT_EQ(test, ring->lost_ts, ts_of(100));

	/* Nothing unread was touched. */
	KUNIT_EXPECT_EQ(test, used(ring), 16ULL);
	for (i = 0; i < 16; i++)
		EXPECT_REC_AT(test, ring, i, i);
}

/*
 * After drops, the next record stored is preceded by a lost record
 * carrying their number, and that needs two free slots: with one, the
 * event is dropped too (and counted).
 */
static void ring_write_after_drops_needs_two_slots_for_lost_record(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	bool stored;
	u32 cpu;

	fill(test, ring, 0);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 100));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 101));

	skip(ring, 1);				/* one free slot */
	KUNIT_EXPECT_FALSE(test, write_id(ring, 102));
	KUNIT_EXPECT_EQ(test, ring->lost, 3ULL);
	KUNIT_EXPECT_EQ(test, ring->head, 16ULL);

	skip(ring, 1);				/* two free slots */
	preempt_disable();
	cpu = smp_processor_id();
	stored = write_id(ring, 103);
	preempt_enable();
	KUNIT_EXPECT_TRUE(test, stored);
	KUNIT_EXPECT_EQ(test, ring->head, 18ULL);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);
	expect_lost_at(test, ring, 16, 3, ts_of(100), cpu);
	EXPECT_REC_AT(test, ring, 17, 103);
	/* The records before the gap are still there, unread. */
	EXPECT_REC_AT(test, ring, 2, 2);
	EXPECT_REC_AT(test, ring, 15, 15);

	/* Full again: a new gap, counted from its own first drop. */
	KUNIT_EXPECT_FALSE(test, write_id(ring, 104));
	KUNIT_EXPECT_EQ(test, ring->lost, 1ULL);
	KUNIT_EXPECT_EQ(test, ring->lost_ts, ts_of(104));
}

/* Drops with nothing after them are reported once the reader drains. */
static void ring_flush_lost_reports_drops_when_drained(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	u64 tail, head;
	bool flushed;
	u32 cpu;

	KUNIT_EXPECT_FALSE(test, tcpstate_ring_flush_lost(ring));
	KUNIT_EXPECT_EQ(test, ring->head, 0ULL);

	fill(test, ring, 0);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 50));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 51));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 52));
	skip(ring, 16);
	KUNIT_EXPECT_EQ(test, used(ring), 0ULL);
	/* Pending drops make the ring readable (the reader will flush). */
	KUNIT_EXPECT_TRUE(test, tcpstate_ring_poll_ready(ring));

	preempt_disable();
	cpu = smp_processor_id();
	flushed = tcpstate_ring_flush_lost(ring);
	preempt_enable();
	KUNIT_EXPECT_TRUE(test, flushed);
	head = tcpstate_ring_peek(ring, &tail);
	KUNIT_EXPECT_EQ(test, tail, 16ULL);
	KUNIT_EXPECT_EQ(test, head, 17ULL);
	expect_lost_at(test, ring, 16, 3, ts_of(50), cpu);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);

	/* Once only. */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_flush_lost(ring));
	KUNIT_EXPECT_EQ(test, ring->head, 17ULL);
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
	u64 tail, head, i;

	/* Drops pending, ring drained: the reader's peek sees it empty. */
	fill(test, ring, 0);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 90));
	skip(ring, 16);
	head = tcpstate_ring_peek(ring, &tail);
	KUNIT_EXPECT_EQ(test, head, tail);

	/* Producers, before the reader gets to flush. */
	KUNIT_EXPECT_TRUE(test, write_id(ring, 200));	/* lost(1) + 200 */
	for (i = 201; i < 215; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	KUNIT_EXPECT_EQ(test, used(ring), 16ULL);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 300));
	KUNIT_EXPECT_EQ(test, ring->lost, 1ULL);

	/* The reader, acting on its stale "empty". */
	KUNIT_EXPECT_FALSE(test, tcpstate_ring_flush_lost(ring));
	KUNIT_EXPECT_EQ(test, used(ring), 16ULL);
	KUNIT_EXPECT_EQ(test, ring->lost, 1ULL);
	expect_lost_at(test, ring, 16, 1, ts_of(90), ring->slots[0].cpu);
	for (i = 0; i < 15; i++)
		EXPECT_REC_AT(test, ring, 17 + i, 200 + i);
}

/*
 * Events the kprobe core skipped (a probe firing inside another probe's
 * handler) join the drops: the next lost record counts them too, dated
 * at the first gap.
 */
static void ring_missed_joins_the_next_lost_record(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	u32 cpu;
	bool stored;

	tcpstate_ring_missed(ring, 0, 500);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);
	tcpstate_ring_missed(ring, 3, 500);		/* running total: 3 */
	KUNIT_EXPECT_EQ(test, ring->lost, 3ULL);
	KUNIT_EXPECT_EQ(test, ring->lost_ts, 500ULL);
	tcpstate_ring_missed(ring, 3, 600);		/* nothing new */
	KUNIT_EXPECT_EQ(test, ring->lost, 3ULL);
	tcpstate_ring_missed(ring, 5, 700);		/* 2 more */
	KUNIT_EXPECT_EQ(test, ring->lost, 5ULL);
	KUNIT_EXPECT_EQ(test, ring->lost_ts, 500ULL);

	preempt_disable();
	cpu = smp_processor_id();
	stored = write_id(ring, 1);
	preempt_enable();
	KUNIT_EXPECT_TRUE(test, stored);
	expect_lost_at(test, ring, 0, 5, 500, cpu);
	EXPECT_REC_AT(test, ring, 1, 1);

	/* Misses and drops add up in one gap, dated by whichever came first. */
	skip(ring, 2);
	fill(test, ring, 100);
	KUNIT_EXPECT_FALSE(test, write_id(ring, 200));
	tcpstate_ring_missed(ring, 9, 5);
	KUNIT_EXPECT_EQ(test, ring->lost, 5ULL);
	KUNIT_EXPECT_EQ(test, ring->lost_ts, ts_of(200));
}

/*
 * A ring made while the probes had already missed some events (a new
 * session, a SET_BUFFER) counts only the misses after it: before the
 * base was set, its first read reported every miss since the load.
 */
static void ring_missed_base_is_not_a_loss(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);

	tcpstate_ring_set_missed_base(ring, 40);
	tcpstate_ring_missed(ring, 40, 500);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);
	tcpstate_ring_missed(ring, 42, 600);
	KUNIT_EXPECT_EQ(test, ring->lost, 2ULL);
	KUNIT_EXPECT_EQ(test, ring->lost_ts, 600ULL);
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
	bool stored;
	u32 cpu;

	tcpstate_ring_missed(ring, 10, 500);
	tcpstate_ring_missed(ring, 9, 600);		/* back, gap pending */
	KUNIT_EXPECT_EQ(test, ring->lost, 10ULL);
	KUNIT_EXPECT_EQ(test, ring->lost_ts, 500ULL);

	preempt_disable();
	cpu = smp_processor_id();
	stored = write_id(ring, 1);
	preempt_enable();
	KUNIT_EXPECT_TRUE(test, stored);
	expect_lost_at(test, ring, 0, 10, 500, cpu);
	EXPECT_REC_AT(test, ring, 1, 1);

	/* Back again with no gap pending, then level with the highest. */
	tcpstate_ring_missed(ring, 9, 700);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);
	tcpstate_ring_missed(ring, 10, 750);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);
	KUNIT_EXPECT_TRUE(test, write_id(ring, 2));
	KUNIT_EXPECT_EQ(test, used(ring), 3ULL);	/* no lost record */
	EXPECT_REC_AT(test, ring, 2, 2);

	/* 12: 2 more than the highest total seen (10), dated now. */
	tcpstate_ring_missed(ring, 12, 800);
	KUNIT_EXPECT_EQ(test, ring->lost, 2ULL);
	KUNIT_EXPECT_EQ(test, ring->lost_ts, 800ULL);
	preempt_disable();
	cpu = smp_processor_id();
	stored = write_id(ring, 3);
	preempt_enable();
	KUNIT_EXPECT_TRUE(test, stored);
	expect_lost_at(test, ring, 3, 2, 800, cpu);
	EXPECT_REC_AT(test, ring, 4, 3);
	KUNIT_EXPECT_EQ(test, used(ring), 5ULL);
}

/* Positions are free-running u64: crossing U64_MAX changes nothing. */
static void ring_write_wraps_at_u64_position_limit(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);
	u64 start = U64_MAX - 5, tail, head, pos, i;
	u32 cpu;

	ring->head = start;
	ring->tail = start;
	KUNIT_EXPECT_EQ(test, used(ring), 0ULL);
	fill(test, ring, 0);
	head = tcpstate_ring_peek(ring, &tail);
	KUNIT_EXPECT_EQ(test, tail, start);
	KUNIT_EXPECT_EQ(test, head, 10ULL);		/* wrapped */
	KUNIT_EXPECT_EQ(test, head - tail, 16ULL);
	/* Full is still full across the wrap. */
	KUNIT_EXPECT_FALSE(test, write_id(ring, 16));
	KUNIT_EXPECT_EQ(test, ring->lost, 1ULL);

	for (pos = tail, i = 0; pos != head; pos++, i++)
		EXPECT_REC_AT(test, ring, pos, i);
	KUNIT_EXPECT_EQ(test, i, 16ULL);
	tcpstate_ring_consume(ring, head);
	KUNIT_EXPECT_EQ(test, used(ring), 0ULL);

	/* The lost record and its successor on either side of the wrap. */
	ring->head = U64_MAX;
	ring->tail = U64_MAX;
	preempt_disable();
	cpu = smp_processor_id();
	KUNIT_EXPECT_TRUE(test, write_id(ring, 17));
	preempt_enable();
	head = tcpstate_ring_peek(ring, &tail);
	KUNIT_EXPECT_EQ(test, tail, U64_MAX);
	KUNIT_EXPECT_EQ(test, head, 1ULL);
	expect_lost_at(test, ring, U64_MAX, 1, ts_of(16), cpu);
	EXPECT_REC_AT(test, ring, 0, 17);
}

static void ring_poll_ready_tracks_records_and_waiting_reader(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 16);

	KUNIT_EXPECT_FALSE(test, tcpstate_ring_poll_ready(ring));
	KUNIT_EXPECT_TRUE(test, ring->reader_waiting);

	/* A producer that finds the reader waiting takes the flag (and wakes it). */
	KUNIT_EXPECT_TRUE(test, write_id(ring, 1));
	KUNIT_EXPECT_FALSE(test, ring->reader_waiting);
	KUNIT_EXPECT_TRUE(test, tcpstate_ring_poll_ready(ring));

	skip(ring, 1);
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
	skip(ring, 4);

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
	skip(ring, 1);

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
	u64 tail, head, i;

	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	head = tcpstate_ring_peek(ring, &tail);	/* reader: [0, 10) */

	for (i = 10; i < 16; i++)		/* producers meanwhile */
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 16));

	for (i = tail; i != head; i++)		/* reader copies, consumes */
		EXPECT_REC_AT(test, ring, i, i);
	tcpstate_ring_consume(ring, head);

	head = tcpstate_ring_peek(ring, &tail);
	KUNIT_EXPECT_EQ(test, tail, 10ULL);
	KUNIT_EXPECT_EQ(test, head, 16ULL);

	KUNIT_EXPECT_TRUE(test, write_id(ring, 17));	/* lost(1) + 17 */
	for (i = 10; i < 16; i++)
		EXPECT_REC_AT(test, ring, i, i);
	expect_lost_at(test, ring, 16, 1, ts_of(16), ring->slots[0].cpu);
	EXPECT_REC_AT(test, ring, 17, 17);
	KUNIT_EXPECT_EQ(test, used(ring), 8ULL);

	/* Fill what is free (8 slots), then nothing more fits. */
	for (i = 18; i < 26; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	KUNIT_EXPECT_FALSE(test, write_id(ring, 26));
	for (i = 10; i < 16; i++)
		EXPECT_REC_AT(test, ring, i, i);
}

/* --- the map (mmap()) -------------------------------------------------------- */

/*
 * The header page a mapped reader sees: what it describes, and head and
 * tail following the kernel's own; then which consumer positions the
 * kernel takes back, with tail at 4 and head at 12: only [tail, head].
 */
static void ring_map_header_and_consumer_bounds(struct kunit *test)
{
	static const struct {
		const char *what;
		s64 rel;	/* consumer, relative to tail */
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
	struct tcpstate_ring *ring = ring_new(test, 16);
	const struct tcpstate_mmap_page *page = ring->page;
	u64 tail, head, pos, i;
	unsigned int c;

	KUNIT_EXPECT_EQ(test, page->version, (u32)TCPSTATE_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, page->rec_size, (u32)sizeof(struct tcpstate_rec));
	KUNIT_EXPECT_EQ(test, page->nr_records, 16U);
	KUNIT_EXPECT_EQ(test, page->data_offset, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, page->data_size, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, tcpstate_ring_map_size(ring), 2 * PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, (void *)ring->slots, ring->area + PAGE_SIZE);

	for (i = 0; i < 12; i++)
		KUNIT_EXPECT_TRUE(test, write_id(ring, i));
	KUNIT_EXPECT_EQ(test, page->head, 12ULL);
	head = tcpstate_ring_peek(ring, &tail);
	tcpstate_ring_consume(ring, tail + 4);
	KUNIT_EXPECT_EQ(test, page->tail, 4ULL);
	head = tcpstate_ring_peek(ring, &tail);

	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		WRITE_ONCE(ring->page->consumer, tail + cases[c].rel);
		pos = 0;
		KUNIT_EXPECT_EQ_MSG(test, tcpstate_ring_consumer(ring, &pos),
				    cases[c].ret, "consumer %s", cases[c].what);
		if (!cases[c].ret)
			KUNIT_EXPECT_EQ_MSG(test, pos, tail + cases[c].rel,
					    "consumer %s", cases[c].what);
		/* Asking changes nothing: only consume() moves tail. */
		KUNIT_EXPECT_EQ(test, tcpstate_ring_peek(ring, &pos), head);
		KUNIT_EXPECT_EQ(test, pos, tail);
	}
}

/* --- concurrency ----------------------------------------------------------- */

#define PRODUCER_RECORDS	10000U

struct producer {
	struct tcpstate_ring *ring;
	unsigned int id;
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
	u64 bad;			/* records that match nothing */
	u64 out_of_order;		/* seq not after the last, or a gap not dropped */
	u64 switches;			/* consecutive records of different producers */
	u32 prev;
};

static void tally_rec(struct tally *t, const struct tcpstate_rec *rec)
{
	u32 id, seq;
	s64 s;

	if (rec->type == TCPSTATE_REC_LOST) {
		t->lost += rec->lost.count;
		return;
	}
	id = rec->cookie >> 32;
	seq = (u32)rec->cookie;
	if (id >= t->nr || seq >= PRODUCER_RECORDS || !rec_is(rec, rec->cookie)) {
		t->bad++;
		return;
	}
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

/* One read() of the reader: returns the number of records it got. */
static unsigned int read_some(struct tcpstate_ring *ring, struct tally *t)
{
	u64 tail, head, pos;
	unsigned int n = 0;

	head = tcpstate_ring_peek(ring, &tail);
	if (tail == head && tcpstate_ring_flush_lost(ring))
		head = tcpstate_ring_peek(ring, &tail);
	for (pos = tail; pos != head; pos++, n++) {
		struct tcpstate_rec copy = *tcpstate_ring_slot(ring, pos);
		u64 tag = tcpstate_ring_tag(ring, pos);

		if (tag != (copy.type == TCPSTATE_REC_LOST ? 0 : tag_of(copy.cookie)))
			t->bad++;
		tally_rec(t, &copy);
	}
	tcpstate_ring_consume(ring, pos);
	return n;
}

/*
 * Two producer threads per CPU, each bound to its CPU, write 10000
 * numbered records each into a 64-record ring while this thread reads.
 * Every record must arrive whole, once, in its producer's order; every
 * gap must be a write its producer saw refused; and the lost records
 * must add up to exactly the number of refused writes.
 */
static void ring_concurrent_producers_on_every_cpu(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 64);
	unsigned int nr = 2 * num_online_cpus(), i, cpu;
	unsigned long deadline = jiffies + 60 * HZ;
	struct producer *prod;
	struct tally t = {};
	atomic_t running;
	u64 drops = 0;
	bool done;

	prod = kunit_kcalloc(test, nr, sizeof(*prod), GFP_KERNEL);
	t.last = kunit_kcalloc(test, nr, sizeof(*t.last), GFP_KERNEL);
	t.got = kunit_kcalloc(test, nr, sizeof(*t.got), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, prod);
	KUNIT_ASSERT_NOT_NULL(test, t.last);
	KUNIT_ASSERT_NOT_NULL(test, t.got);
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
			prod[i].running = &running;
			prod[i].task = kthread_create_on_cpu(producer_fn, &prod[i],
							     cpu, "tcpstate_prod/%u");
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, prod[i].task);
		}
	}
	KUNIT_ASSERT_EQ(test, i, nr);
	for (i = 0; i < nr; i++)
		wake_up_process(prod[i].task);

	/* The reader: slower than the producers, so the ring overflows. */
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

	KUNIT_EXPECT_EQ(test, used(ring), 0ULL);
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, t.bad, 0ULL);
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
	}
	KUNIT_EXPECT_EQ(test, t.out_of_order, 0ULL);
	KUNIT_EXPECT_GT_MSG(test, drops, 0ULL, "the ring never overflowed: test proves nothing");
	KUNIT_EXPECT_EQ(test, t.lost, drops);
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
 * record must arrive whole and in its source's order, and the interrupt
 * records must land between the task's.
 */
static void ring_nested_producers_task_softirq_hardirq(struct kunit *test)
{
	struct tcpstate_ring *ring = ring_new(test, 8192);
	unsigned long deadline = jiffies + 20 * HZ;
	u32 next[SRC_NR] = {}, between[SRC_NR] = {}, bad = 0, src, seq;
	u64 tail, head, pos, first_task = 0, last_task = 0;
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
	KUNIT_EXPECT_EQ(test, ring->lost, 0ULL);
	KUNIT_EXPECT_GE(test, n->seq[SRC_HARDIRQ], 50U);
	KUNIT_EXPECT_GE(test, n->seq[SRC_SOFTIRQ], 50U);

	head = tcpstate_ring_peek(ring, &tail);
	KUNIT_EXPECT_EQ(test, head - tail,
			(u64)n->seq[SRC_TASK] + n->seq[SRC_SOFTIRQ] + n->seq[SRC_HARDIRQ]);
	for (pos = tail; pos != head; pos++) {
		const struct tcpstate_rec *rec = tcpstate_ring_slot(ring, pos);

		src = rec->cookie >> 32;
		seq = (u32)rec->cookie;
		if (src >= SRC_NR || !rec_is(rec, rec->cookie) || seq != next[src] ||
		    tcpstate_ring_tag(ring, pos) != tag_of(rec->cookie)) {
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
		src = tcpstate_ring_slot(ring, pos)->cookie >> 32;
		if (src < SRC_NR)
			between[src]++;
	}
	KUNIT_EXPECT_GT(test, between[SRC_HARDIRQ], 0U);
	KUNIT_EXPECT_GT(test, between[SRC_SOFTIRQ], 0U);
	kunit_info(test, "task %u, softirq %u (%u inside), hardirq %u (%u inside)\n",
		   n->seq[SRC_TASK], n->seq[SRC_SOFTIRQ], between[SRC_SOFTIRQ],
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
	KUNIT_CASE(ring_map_header_and_consumer_bounds),
	KUNIT_CASE(ring_concurrent_producers_on_every_cpu),
	KUNIT_CASE(ring_nested_producers_task_softirq_hardirq),
	{}
};

struct kunit_suite tcpstate_ring_suite = {
	.name = "tcpstate_ring",
	.test_cases = ring_cases,
};
