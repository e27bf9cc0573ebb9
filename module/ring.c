// SPDX-License-Identifier: GPL-2.0
/*
 * The record ring. See ring.h for the layout and who owns what.
 *
 * Ordering, in one place:
 *  (A) producer: fill slots, then smp_store_release(head)
 *      reader:   smp_load_acquire(head), then read slots
 *      so the reader never sees a position whose record is half written.
 *  (B) reader:   finish copying slots, then smp_store_release(tail)
 *      producer: smp_load_acquire(tail), then overwrite slots
 *      so a producer never reuses a slot the reader is still copying.
 *  (C) producer: publish head, smp_mb(), read reader_waiting
 *      reader:   set reader_waiting, smp_mb(), read head
 *      a store-buffering pair: either the producer sees the reader
 *      waiting and wakes it, or the reader sees the new head and does
 *      not sleep. Without it a record could sit unread until the next.
 *      A mapped reader (mmap()) is done with slots when it stores the
 *      header page's consumer with release ordering; the kernel loads
 *      it with acquire (tcpstate_ring_consumer()) before it releases
 *      tail in tcpstate_ring_consume(), so (B) holds through the map.
 *      (A) too: the page's head is released after the slots, like head.
 *  (D) producer: publish head, smp_mb() (the one of (C)), read wake_first
 *      wake_timer: set wake_first, smp_mb(), read head
 *      the same pair for the timer that found the ring empty: either
 *      the producer sees wake_first and wakes the reader, or the timer
 *      sees the record and does.
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

static bool ring_has_records(const struct tcpstate_ring *ring)
{
	return READ_ONCE(ring->head) != READ_ONCE(ring->tail) ||
	       READ_ONCE(ring->lost);
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

struct tcpstate_ring *tcpstate_ring_create(unsigned int nr_records)
{
	struct tcpstate_ring *ring;

	if (!is_power_of_2(nr_records))
		return ERR_PTR(-EINVAL);

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return ERR_PTR(-ENOMEM);

	/*
	 * Zeroed (vmalloc_user() is): a stale slot must never leak old
	 * kernel memory, to read() or to a map. nr_records is at most
	 * TCPSTATE_BUFFER_MAX, so the size cannot overflow.
	 */
	ring->area_size = PAGE_SIZE +
			  PAGE_ALIGN(array_size(nr_records, sizeof(*ring->slots)));
	ring->area = vmalloc_user(ring->area_size);
	if (!ring->area)
		goto err_area;
	ring->page = ring->area;
	ring->slots = ring->area + PAGE_SIZE;
	ring->tags = vzalloc(array_size(nr_records, sizeof(*ring->tags)));
	if (!ring->tags)
		goto err_tags;
	ring->mask = nr_records - 1;
	ring->page->version = TCPSTATE_ABI_VERSION;
	ring->page->rec_size = sizeof(*ring->slots);
	ring->page->nr_records = nr_records;
	ring->page->data_offset = PAGE_SIZE;
	ring->page->data_size = ring->area_size - PAGE_SIZE;
	raw_spin_lock_init(&ring->lock);
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
 * Producers, with ring->lock held: fill the slot at @head, a position
 * not yet published, and return the next. ring->head itself changes
 * only in ring_publish(), once per batch, so a reader's acquire of it
 * pairs with exactly one release that follows every slot it covers.
 */
static u64 ring_put(struct tcpstate_ring *ring, u64 head,
		    const struct tcpstate_rec *rec, u64 tag)
{
	memcpy(&ring->slots[head & ring->mask], rec, sizeof(*rec));
	ring->tags[head & ring->mask] = tag;
	return head + 1;
}

static u64 ring_put_lost(struct tcpstate_ring *ring, u64 head)
{
	struct tcpstate_rec rec = {
		.version = TCPSTATE_ABI_VERSION,
		.type = TCPSTATE_REC_LOST,
		.size = sizeof(rec),
		.cpu = raw_smp_processor_id(),
		.ts_ns = ring->lost_ts,
		.lost.count = ring->lost,
	};

	ring->lost = 0;
	return ring_put(ring, head, &rec, 0);
}

/* With ring->lock held: publish what ring_put() filled. */
static void ring_publish(struct tcpstate_ring *ring, u64 head)
{
	/* (A): the slots before the new head. */
	smp_store_release(&ring->head, head);
	/* (A) for a mapped reader: its copy, released the same way. */
	smp_store_release(&ring->page->head, head);
}

/* @used: records in the ring once this producer's is in. */
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
 * Copy @rec into the ring, or count it as lost when there is no room.
 * Never sleeps, never allocates; callable from any context but NMI.
 * A gap is reported in-band: the first record stored after drops is a
 * TCPSTATE_REC_LOST carrying their number, so a reader sees where the
 * gap is. It needs a slot of its own, so while drops are pending an
 * event is stored only if two slots are free.
 */
bool tcpstate_ring_write(struct tcpstate_ring *ring,
			 const struct tcpstate_rec *rec, u64 tag)
{
	unsigned long flags;
	u64 head, tail, used;
	bool stored;

	raw_spin_lock_irqsave(&ring->lock, flags);
	/* Only producers write head, under this lock: a plain read. */
	head = ring->head;
	/* (B): the reader is done with every slot before tail. */
	tail = smp_load_acquire(&ring->tail);
	used = head - tail;
	stored = used + 1 + !!ring->lost <= tcpstate_ring_capacity(ring);
	if (stored) {
		if (ring->lost)
			head = ring_put_lost(ring, head);
		head = ring_put(ring, head, rec, tag);
		ring_publish(ring, head);
		used = head - tail;
	} else if (!ring->lost++) {
		ring->lost_ts = rec->ts_ns;
	}
	raw_spin_unlock_irqrestore(&ring->lock, flags);

	if (stored)
		ring_kick_reader(ring, used);
	return stored;
}

/*
 * Events the probes never saw: the kprobe core skips a probe that fires
 * while another probe's handler runs on the same CPU (a softirq on the
 * way out of an interrupt). @missed is the probes' running total; what
 * is new in it joins the dropped events, reported at this point.
 */
void tcpstate_ring_missed(struct tcpstate_ring *ring, u64 missed, u64 now)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ring->lock, flags);
	/*
	 * Only forward: the kprobe core's nmissed is a plain increment,
	 * and a sum read while two CPUs race on one probe's counter can
	 * come out lower than a sum read before it. A step back is not a
	 * loss of 2^64 events; what it hides is counted when the sum
	 * passes missed_seen again.
	 */
	if ((s64)(missed - ring->missed_seen) > 0) {
		if (!ring->lost)
			ring->lost_ts = now;
		ring->lost += missed - ring->missed_seen;
		ring->missed_seen = missed;
	}
	raw_spin_unlock_irqrestore(&ring->lock, flags);
}

/* Reader side: the positions [*tail, return value) hold records. */
u64 tcpstate_ring_peek(struct tcpstate_ring *ring, u64 *tail)
{
	/* Only the reader writes tail: a plain read of its own value. */
	*tail = ring->tail;
	/* (A): pairs with ring_publish(). */
	return smp_load_acquire(&ring->head);
}

/*
 * Reader side, mapped: where the reader says it is done (the header
 * page's consumer), if that is a position it may take back: from tail
 * up to head. The page is the reader's to write, so anything else is
 * refused (-EINVAL) and nothing is taken back.
 */
int tcpstate_ring_consumer(struct tcpstate_ring *ring, u64 *pos)
{
	/* (B): pairs with the reader's release of consumer. */
	u64 consumer = smp_load_acquire(&ring->page->consumer);
	u64 tail = ring->tail;

	/* (A): the head the reader can have seen is at most this one. */
	if (consumer - tail > smp_load_acquire(&ring->head) - tail)
		return -EINVAL;
	*pos = consumer;
	return 0;
}

/*
 * Reader side, ring drained: drops with no event after them would
 * otherwise stay unreported until traffic resumes. Producers may have
 * filled the ring again since the reader saw it empty: check for room
 * like they do. Returns true if a lost record was stored.
 */
bool tcpstate_ring_flush_lost(struct tcpstate_ring *ring)
{
	unsigned long flags;
	bool stored = false;

	if (!READ_ONCE(ring->lost))
		return false;

	raw_spin_lock_irqsave(&ring->lock, flags);
	/* (B): as in tcpstate_ring_write(). */
	if (ring->lost && ring->head - smp_load_acquire(&ring->tail) <
			  tcpstate_ring_capacity(ring)) {
		ring_publish(ring, ring_put_lost(ring, ring->head));
		stored = true;
	}
	raw_spin_unlock_irqrestore(&ring->lock, flags);
	return stored;
}

/* Reader side: every slot before @tail has been copied out. */
void tcpstate_ring_consume(struct tcpstate_ring *ring, u64 tail)
{
	/* (B): pairs with the acquire in tcpstate_ring_write(). */
	smp_store_release(&ring->tail, tail);
	/* For a mapped reader to see; the kernel never reads it back. */
	WRITE_ONCE(ring->page->tail, tail);
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
	WRITE_ONCE(ring->reader_waiting, false);
	/* It comes back for more within its own time: batch again. */
	WRITE_ONCE(ring->wake_first, false);
}
