// SPDX-License-Identifier: GPL-2.0
/*
 * The record rings, one per CPU id. See ring.h for the layout and who
 * owns what.
 *
 * Ordering, in one place, for each CPU's ring:
 *  (A) producer: fill slots, then smp_store_release(head)
 *      reader:   smp_load_acquire(head), then read slots
 *      so the reader never sees a position whose record is half written.
 *  (B) reader:   finish copying slots, then smp_store_release(tail)
 *      producer: smp_load_acquire(tail), then overwrite slots
 *      so a producer never reuses a slot the reader is still copying.
 *  (C) producer: publish its ring's head, smp_mb(), read reader_waiting
 *      reader:   set reader_waiting, smp_mb(), read every ring's head
 *      a store-buffering pair: either the producer sees the reader
 *      waiting and wakes it, or the reader sees the new head and does
 *      not sleep. Without it a record could sit unread until the next.
 *      A mapped reader (mmap()) is done with slots when it stores the
 *      header page's consumer with release ordering; the kernel loads
 *      it with acquire (tcpstate_ring_consumer()) before it releases
 *      tail in tcpstate_ring_consume(), so (B) holds through the map.
 *      (A) too: the page's head is released after the slots, like head.
 *  (D) producer: publish head, smp_mb() (the one of (C)), read wake_first
 *      wake_timer: set wake_first, smp_mb(), read every ring's head
 *      the same pair for the timer that found the rings empty: either
 *      the producer sees wake_first and wakes the reader, or the timer
 *      sees the record and does.
 *
 * Across rings nothing is ordered: the reader merges them by ts_ns
 * (tcpstate_ring_merge_next()). A record's time is taken before its
 * ring's lock, so two CPUs' records can be published out of time order
 * by the time a record takes to build; so could they in one shared
 * ring, where the lock's order was not the clocks'. The tool's reorder
 * window absorbs that; a shared lock only to order them would cost
 * every producer a contended cache line.
 *
 * Wakeups are batched (tcpstate_ring_set_wakeup()): a wakeup is an
 * inter-processor interrupt, a context switch and a read(), and costs
 * far more than the records it delivers when they come one at a time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "ring.h"

static void ring_wake(struct irq_work *work)
{
	struct tcpstate_ring *ring = container_of(work, struct tcpstate_ring,
						  wake_work);

	wake_up_interruptible(ring->waitq);
}

static bool cpu_ring_has_records(const struct tcpstate_cpu_ring *cr)
{
	return READ_ONCE(cr->head) != READ_ONCE(cr->tail) ||
	       READ_ONCE(cr->lost);
}

static bool ring_has_records(const struct tcpstate_ring *ring)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (cpu_ring_has_records(tcpstate_ring_cpu(ring, cpu)))
			return true;
	return false;
}

/*
 * The reader armed this before it slept: records that came since have
 * waited wake_delay, deliver them. None came: let the next one wake the
 * reader at once, as an idle reader expects.
 */
static void ring_wake_timer(struct timer_list *t)
{
	struct tcpstate_ring *ring = from_timer(ring, t, wake_timer);

	if (!ring_has_records(ring)) {
		WRITE_ONCE(ring->wake_first, true);
		/* (D): pairs with the smp_mb() in ring_kick_reader(). */
		smp_mb();
		if (!ring_has_records(ring))
			return;
	}
	wake_up_interruptible(ring->waitq);
}

/* The header page of ring @i, filled for the reader, and its slots. */
static void ring_layout(struct tcpstate_ring *ring, unsigned int i,
			unsigned int nr_records)
{
	void *base = ring->area + (unsigned long)i * ring->ring_size;
	struct tcpstate_mmap_page *page = base;
	struct tcpstate_cpu_ring *cr;

	page->version = TCPSTATE_ABI_VERSION;
	page->rec_size = sizeof(struct tcpstate_rec);
	page->nr_records = nr_records;
	page->ring = i;
	page->data_offset = PAGE_SIZE;
	page->data_size = ring->ring_size - PAGE_SIZE;
	page->nr_rings = ring->nr_rings;
	page->ring_size = ring->ring_size;
	if (!cpu_possible(i))
		return;
	cr = tcpstate_ring_cpu(ring, i);
	raw_spin_lock_init(&cr->lock);
	cr->cpu = i;
	cr->page = page;
	cr->slots = base + PAGE_SIZE;
	cr->tags = ring->tags + (unsigned long)i * nr_records;
}

struct tcpstate_ring *tcpstate_ring_create(unsigned int nr_records)
{
	struct tcpstate_ring *ring;
	unsigned int i;

	if (!is_power_of_2(nr_records))
		return ERR_PTR(-EINVAL);

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	ring->cpus = alloc_percpu(struct tcpstate_cpu_ring);
	if (!ring->cpus)
		goto err_cpus;

	/*
	 * Zeroed (vmalloc_user() is): a stale slot must never leak old
	 * kernel memory, to read() or to a map. nr_records is at most
	 * TCPSTATE_BUFFER_MAX; array_size() saturates, and vmalloc fails
	 * rather than wrap, for a product too large.
	 */
	ring->nr_rings = nr_cpu_ids;
	ring->ring_size = PAGE_SIZE +
		PAGE_ALIGN(array_size(nr_records, sizeof(struct tcpstate_rec)));
	ring->area_size = array_size(ring->nr_rings, ring->ring_size);
	ring->area = vmalloc_user(ring->area_size);
	if (!ring->area)
		goto err_area;
	ring->tags = vzalloc(array3_size(ring->nr_rings, nr_records,
					 sizeof(*ring->tags)));
	if (!ring->tags)
		goto err_tags;
	ring->mask = nr_records - 1;
	for (i = 0; i < ring->nr_rings; i++)
		ring_layout(ring, i, nr_records);
	ring->miss_cpu = cpumask_first(cpu_possible_mask);
	/*
	 * Lazy: run from the next timer tick, not by a self-IPI raised in
	 * the probe. That IPI would be taken the moment the probe's own
	 * code re-enables interrupts, and the softirqs run on its way out
	 * would fire our other kprobes while this one is still current:
	 * the kprobe core skips those (events_missed). A tick is at most a
	 * few ms; an idle CPU with the tick stopped still gets the IPI.
	 */
	ring->wake_work = IRQ_WORK_INIT_LAZY(ring_wake);
	timer_setup(&ring->wake_timer, ring_wake_timer, 0);
	init_waitqueue_head(&ring->own_waitq);
	ring->waitq = &ring->own_waitq;
	return ring;

err_tags:
	vfree(ring->area);
err_area:
	free_percpu(ring->cpus);
err_cpus:
	kfree(ring);
	return ERR_PTR(-ENOMEM);
}

/* The caller has unhooked every producer and has no reader left. */
void tcpstate_ring_destroy(struct tcpstate_ring *ring)
{
	/* Only a reader arms the timer, and none is left to re-arm it. */
	del_timer_sync(&ring->wake_timer);
	irq_work_sync(&ring->wake_work);
	vfree(ring->tags);
	vfree(ring->area);
	free_percpu(ring->cpus);
	kfree(ring);
}

/*
 * Wake the reader only once @delay_ms have passed since it slept or a
 * quarter of the ring is waiting, whichever comes first; 0 wakes it at
 * every record. Set before the ring is shared (no reader, no hooks).
 */
void tcpstate_ring_set_wakeup(struct tcpstate_ring *ring,
			      unsigned int delay_ms)
{
	ring->wake_delay = delay_ms ? max(msecs_to_jiffies(delay_ms), 1UL) : 0;
	ring->wake_mark = max(tcpstate_ring_capacity(ring) / 4, 1U);
}

/*
 * Readers sleep on @waitq instead (a session's, which outlives a ring
 * replaced under it). Set before the ring is shared.
 */
void tcpstate_ring_set_waitq(struct tcpstate_ring *ring,
			     wait_queue_head_t *waitq)
{
	ring->waitq = waitq;
}

/*
 * A new ring's reader was not there for the probes' misses before the
 * ring existed: they are not its losses. Called before the ring is
 * published to producers, so no lock.
 */
void tcpstate_ring_set_missed_base(struct tcpstate_ring *ring, u64 missed)
{
	ring->missed_seen = missed;
}

/*
 * Producers, with cr->lock held: fill the slot at @head, a position not
 * yet published, and return the next. cr->head itself changes only in
 * ring_publish(), once per batch, so a reader's acquire of it pairs
 * with exactly one release that follows every slot it covers.
 */
static u64 ring_put(struct tcpstate_ring *ring, struct tcpstate_cpu_ring *cr,
		    u64 head, const struct tcpstate_rec *rec, u64 tag)
{
	memcpy(&cr->slots[head & ring->mask], rec, sizeof(*rec));
	cr->tags[head & ring->mask] = tag;
	return head + 1;
}

static u64 ring_put_lost(struct tcpstate_ring *ring,
			 struct tcpstate_cpu_ring *cr, u64 head)
{
	struct tcpstate_rec rec = {
		.version = TCPSTATE_ABI_VERSION,
		.type = TCPSTATE_REC_LOST,
		.size = sizeof(rec),
		/* Whose drops: its ring's CPU, whoever stores the record. */
		.cpu = cr->cpu,
		.ts_ns = cr->lost_ts,
		.lost.count = cr->lost,
	};

	cr->lost = 0;
	return ring_put(ring, cr, head, &rec, 0);
}

/* With cr->lock held: publish what ring_put() filled. */
static void ring_publish(struct tcpstate_cpu_ring *cr, u64 head)
{
	/* (A): the slots before the new head. */
	smp_store_release(&cr->head, head);
	/* (A) for a mapped reader: its copy, released the same way. */
	smp_store_release(&cr->page->head, head);
}

/* @used: records in the producer's ring once its own is in. */
static void ring_kick_reader(struct tcpstate_ring *ring, u64 used)
{
	/* (C), (D): order the head store above before the flags' loads. */
	smp_mb();
	if (!READ_ONCE(ring->reader_waiting))
		return;
	if (ring->wake_delay && used < ring->wake_mark &&
	    !READ_ONCE(ring->wake_first))
		return;
	WRITE_ONCE(ring->reader_waiting, false);
	WRITE_ONCE(ring->wake_first, false);
	/* A probe may hold scheduler or socket locks: no wake_up(). */
	irq_work_queue(&ring->wake_work);
}

/*
 * Copy @rec into the ring of the CPU this runs on, or count it as lost
 * when there is no room. Never sleeps, never allocates; callable from
 * any context but NMI. A gap is reported in-band: the first record
 * stored after drops is a TCPSTATE_REC_LOST carrying their number, so a
 * reader sees where the gap is. It needs a slot of its own, so while
 * drops are pending an event is stored only if two slots are free.
 */
bool tcpstate_ring_write(struct tcpstate_ring *ring,
			 const struct tcpstate_rec *rec, u64 tag)
{
	struct tcpstate_cpu_ring *cr;
	unsigned long flags;
	u64 head, tail, used;
	bool stored;

	/* Off: nothing else on this CPU can take its ring from under us. */
	local_irq_save(flags);
	cr = this_cpu_ptr(ring->cpus);
	raw_spin_lock(&cr->lock);
	/* Only producers write head, under this lock: a plain read. */
	head = cr->head;
	/* (B): the reader is done with every slot before tail. */
	tail = smp_load_acquire(&cr->tail);
	used = head - tail;
	stored = used + 1 + !!cr->lost <= tcpstate_ring_capacity(ring);
	if (stored) {
		if (cr->lost)
			head = ring_put_lost(ring, cr, head);
		head = ring_put(ring, cr, head, rec, tag);
		ring_publish(cr, head);
		used = head - tail;
	} else if (!cr->lost++) {
		cr->lost_ts = rec->ts_ns;
	}
	raw_spin_unlock(&cr->lock);
	local_irq_restore(flags);

	if (stored)
		ring_kick_reader(ring, used);
	return stored;
}

/*
 * Events the probes never saw: the kprobe core skips a probe that fires
 * while another probe's handler runs on the same CPU (a softirq on the
 * way out of an interrupt). @missed is the probes' running total; what
 * is new in it joins miss_cpu's ring's dropped events, reported at this
 * point: which CPU missed is not known. Reader side (missed_seen is
 * its own), so never concurrently with itself.
 */
void tcpstate_ring_missed(struct tcpstate_ring *ring, u64 missed, u64 now)
{
	struct tcpstate_cpu_ring *cr;
	unsigned long flags;
	u64 add;

	/*
	 * Only forward: the kprobe core's nmissed is a plain increment,
	 * and a sum read while two CPUs race on one probe's counter can
	 * come out lower than a sum read before it. A step back is not a
	 * loss of 2^64 events; what it hides is counted when the sum
	 * passes missed_seen again.
	 */
	if ((s64)(missed - ring->missed_seen) <= 0)
		return;
	add = missed - ring->missed_seen;
	ring->missed_seen = missed;
	cr = tcpstate_ring_cpu(ring, ring->miss_cpu);
	raw_spin_lock_irqsave(&cr->lock, flags);
	if (!cr->lost)
		cr->lost_ts = now;
	cr->lost += add;
	raw_spin_unlock_irqrestore(&cr->lock, flags);
}

/* Reader side: the positions [*tail, return value) of @cr hold records. */
u64 tcpstate_ring_peek(struct tcpstate_cpu_ring *cr, u64 *tail)
{
	/* Only the reader writes tail: a plain read of its own value. */
	*tail = cr->tail;
	/* (A): pairs with ring_publish(). */
	return smp_load_acquire(&cr->head);
}

/*
 * Reader side, mapped: where the reader says it is done with @cr (its
 * header page's consumer), if that is a position it may take back: from
 * tail up to head. The page is the reader's to write, so anything else
 * is refused (-EINVAL).
 */
int tcpstate_ring_consumer(struct tcpstate_ring *ring,
			   struct tcpstate_cpu_ring *cr, u64 *pos)
{
	/* (B): pairs with the reader's release of consumer. */
	u64 consumer = smp_load_acquire(&cr->page->consumer);
	u64 tail = cr->tail;

	/* (A): the head the reader can have seen is at most this one. */
	if (consumer - tail > smp_load_acquire(&cr->head) - tail)
		return -EINVAL;
	*pos = consumer;
	return 0;
}

/*
 * Reader side, @cr drained: drops with no event after them would
 * otherwise stay unreported until its CPU records again. Producers may
 * have filled it again since the reader saw it empty: check for room
 * like they do. Returns true if a lost record was stored.
 */
bool tcpstate_ring_flush_lost(struct tcpstate_ring *ring,
			      struct tcpstate_cpu_ring *cr)
{
	unsigned long flags;
	bool stored = false;

	if (!READ_ONCE(cr->lost))
		return false;

	raw_spin_lock_irqsave(&cr->lock, flags);
	/* (B): as in tcpstate_ring_write(). */
	if (cr->lost && cr->head - smp_load_acquire(&cr->tail) <
			tcpstate_ring_capacity(ring)) {
		ring_publish(cr, ring_put_lost(ring, cr, cr->head));
		stored = true;
	}
	raw_spin_unlock_irqrestore(&cr->lock, flags);
	return stored;
}

/* Reader side: every slot of @cr before @tail has been copied out. */
void tcpstate_ring_consume(struct tcpstate_cpu_ring *cr, u64 tail)
{
	/* (B): pairs with the acquire in tcpstate_ring_write(). */
	smp_store_release(&cr->tail, tail);
	/* For a mapped reader to see; the kernel never reads it back. */
	WRITE_ONCE(cr->page->tail, tail);
}

/*
 * Reader side, the wait_event() condition: announce the reader is about
 * to sleep, then look again. Also what poll() reports. With batching,
 * the timer that bounds how long records wait starts here, in the
 * reader's context: producers never touch it.
 */
bool tcpstate_ring_poll_ready(struct tcpstate_ring *ring)
{
	WRITE_ONCE(ring->reader_waiting, true);
	/* (C): pairs with the smp_mb() in ring_kick_reader(). */
	smp_mb();
	if (ring_has_records(ring))
		return true;
	if (ring->wake_delay && !READ_ONCE(ring->wake_first) &&
	    !timer_pending(&ring->wake_timer))
		mod_timer(&ring->wake_timer, jiffies + ring->wake_delay);
	return false;
}

/* Reader side: it has work, so producers need not queue wakeups. */
void tcpstate_ring_reader_busy(struct tcpstate_ring *ring)
{
	/* Only a reader that was waiting is worth a store to a shared line. */
	if (READ_ONCE(ring->reader_waiting))
		WRITE_ONCE(ring->reader_waiting, false);
	/* It comes back for more within its own time: batch again. */
	if (READ_ONCE(ring->wake_first))
		WRITE_ONCE(ring->wake_first, false);
}

/*
 * Reader side, with its read_lock: a merge of every ring by time. Start
 * takes each ring's records as they are now (a drained ring's pending
 * drops stored first, so that they come out too); next gives the run to
 * take; end hands back what was taken.
 */
void tcpstate_ring_merge_start(struct tcpstate_ring *ring)
{
	struct tcpstate_cpu_ring *cr;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		cr->rd_head = tcpstate_ring_peek(cr, &cr->rd_pos);
		if (cr->rd_pos == cr->rd_head &&
		    tcpstate_ring_flush_lost(ring, cr))
			cr->rd_head = tcpstate_ring_peek(cr, &cr->rd_pos);
	}
}

/*
 * The ring whose next record is the earliest, and in *@run how many of
 * its records, from rd_pos, come before any other ring's next (ties go
 * to the lower CPU): at most @max, and not past the end of its slots,
 * so that they are one copy. NULL when every ring is taken, or @max is
 * 0. A record stored on one CPU after merge_start() looked at its ring
 * waits for the next merge, even if it is earlier than what this one
 * gives: the readers' reorder window is for that. The caller
 * advances rd_pos by what it took. One ring busy, many idle: a look at
 * every ring's next record per run, and runs are long.
 */
struct tcpstate_cpu_ring *tcpstate_ring_merge_next(struct tcpstate_ring *ring,
						   u32 max, u32 *run)
{
	struct tcpstate_cpu_ring *cr, *best = NULL;
	u64 best_ts = 0, next_ts = U64_MAX, ts, n, limit;
	unsigned int cpu;

	/* A run is at least one record: room for none is no run. */
	if (!max)
		return NULL;
	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		if (cr->rd_pos == cr->rd_head)
			continue;
		ts = tcpstate_ring_slot(ring, cr, cr->rd_pos)->ts_ns;
		if (!best || ts < best_ts) {
			if (best)
				next_ts = best_ts;
			best = cr;
			best_ts = ts;
		} else if (ts < next_ts) {
			next_ts = ts;
		}
	}
	if (!best)
		return NULL;
	limit = min3((u64)max, best->rd_head - best->rd_pos,
		     (u64)tcpstate_ring_capacity(ring) -
		     (best->rd_pos & ring->mask));
	/*
	 * The slots are the reader's until consumed, but a mapped reader
	 * could write them: a time read here only orders, never indexes.
	 * A record at next_ts's time goes after the other ring's only if
	 * that ring is a lower CPU; keep it simple and stop before it.
	 */
	for (n = 1; n < limit; n++)
		if (tcpstate_ring_slot(ring, best, best->rd_pos + n)->ts_ns >=
		    next_ts)
			break;
	*run = n;
	return best;
}

void tcpstate_ring_merge_end(struct tcpstate_ring *ring)
{
	struct tcpstate_cpu_ring *cr;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		tcpstate_ring_consume(cr, cr->rd_pos);
	}
}
