/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_RING_H
#define _TCPSTATE_RING_H

#include <linux/irq_work.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "uapi/tcpstate.h"

/*
 * A bounded ring of fixed-size records: many producers (the hooks, in any
 * context but NMI), one consumer (the session's reader of /dev/tcpstate).
 *
 * head and tail are free-running 64-bit positions; a slot is position &
 * mask. They are only ever compared with != or subtracted, so wrap-around
 * needs no special case. Producers own head, the reader owns tail.
 */
struct tcpstate_ring {
	/*
	 * Serialises producers against each other: head, lost and lost_ts
	 * change only under it. irqsave, because a softirq or hardirq event
	 * can interrupt a process-context event on the same CPU.
	 */
	raw_spinlock_t lock;
	u64 head;		/* next position to fill */
	u64 lost;		/* events dropped since the last lost record */
	u64 lost_ts;		/* time of the first of them */
	u64 missed_seen;	/* probe misses already counted in lost */

	/* Written only by the reader; producers read it to find free space. */
	u64 tail ____cacheline_aligned_in_smp;

	/*
	 * Set by a reader about to sleep. A producer that sees it clears it
	 * and queues wake_work only when the reader should come now: when
	 * wake_mark records wait, when wake_first is set, or when batching
	 * is off (wake_delay 0). Otherwise the records wait for wake_timer,
	 * which the reader armed before it slept: a busy ring costs one
	 * wakeup per wake_delay or per wake_mark records, not one per event.
	 */
	bool reader_waiting;
	/*
	 * Set by wake_timer when it found the ring empty: the reader has
	 * waited long enough, the next record wakes it at once.
	 */
	bool wake_first;
	u32 wake_mark;		/* records that wake the reader at once */
	unsigned long wake_delay;	/* jiffies; 0: every record wakes */
	struct timer_list wake_timer;
	struct irq_work wake_work;
	/* Where the reader sleeps: own_waitq, or its session's. */
	wait_queue_head_t *waitq;
	wait_queue_head_t own_waitq;

	u32 mask;		/* capacity - 1 */
	/*
	 * One vmalloc_user() area, what mmap() maps: the header page the
	 * reader shares (struct tcpstate_mmap_page), then the slots. The
	 * kernel writes the page's head and tail as copies of its own and
	 * never reads them back: the reader can write anywhere in it.
	 */
	void *area;
	unsigned long area_size;
	struct tcpstate_mmap_page *page;
	struct tcpstate_rec *slots;
	/*
	 * Beside each slot, kernel-side only: the record's network
	 * namespace cookie, unique for the system's lifetime, where the
	 * record's inode number is reused once a namespace is gone.
	 */
	u64 *tags;
};

struct tcpstate_ring *tcpstate_ring_create(unsigned int nr_records);
void tcpstate_ring_destroy(struct tcpstate_ring *ring);
void tcpstate_ring_set_wakeup(struct tcpstate_ring *ring,
			      unsigned int delay_ms);
void tcpstate_ring_set_waitq(struct tcpstate_ring *ring,
			     wait_queue_head_t *waitq);
void tcpstate_ring_set_missed_base(struct tcpstate_ring *ring, u64 missed);

bool tcpstate_ring_write(struct tcpstate_ring *ring,
			 const struct tcpstate_rec *rec, u64 tag);
void tcpstate_ring_missed(struct tcpstate_ring *ring, u64 missed, u64 now);

u64 tcpstate_ring_peek(struct tcpstate_ring *ring, u64 *tail);
int tcpstate_ring_consumer(struct tcpstate_ring *ring, u64 *pos);
bool tcpstate_ring_flush_lost(struct tcpstate_ring *ring);
void tcpstate_ring_consume(struct tcpstate_ring *ring, u64 tail);
bool tcpstate_ring_poll_ready(struct tcpstate_ring *ring);
void tcpstate_ring_reader_busy(struct tcpstate_ring *ring);

static inline const struct tcpstate_rec *
tcpstate_ring_slot(const struct tcpstate_ring *ring, u64 pos)
{
	return &ring->slots[pos & ring->mask];
}

static inline u64 tcpstate_ring_tag(const struct tcpstate_ring *ring, u64 pos)
{
	return ring->tags[pos & ring->mask];
}

/* What mmap() must map: the header page and every slot. */
static inline unsigned long tcpstate_ring_map_size(const struct tcpstate_ring *ring)
{
	return ring->area_size;
}

static inline u32 tcpstate_ring_capacity(const struct tcpstate_ring *ring)
{
	return ring->mask + 1;
}

#endif /* _TCPSTATE_RING_H */
