/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_RING_H
#define _TCPSTATE_RING_H

#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "uapi/tcpstate.h"

/*
 * A session's buffer: one bounded ring of fixed-size records per CPU id.
 * A producer (a hook, in any context but NMI) writes only the ring of
 * the CPU it runs on, with interrupts off: producers on different CPUs
 * share no lock and no cache line, which is what a shared ring's lock
 * costs most on a many-core machine. One consumer, the session's reader,
 * reads all of them and merges them by time (read(); a mapped reader in
 * user space).
 *
 * Within a ring, head and tail are free-running 64-bit positions; a slot
 * is position & mask. They are only ever compared with != or
 * subtracted, so wrap-around needs no special case. Producers own head,
 * the reader owns tail.
 */
struct tcpstate_cpu_ring {
	/*
	 * Serialises head, lost and lost_ts: this CPU's producers against
	 * each other (an interrupt's event can come in the middle of a
	 * process-context one, so they take it with interrupts off) and
	 * against the reader's rare writes (tcpstate_ring_flush_lost(),
	 * tcpstate_ring_missed()). No other CPU produces here, so only the
	 * reader ever contends for it.
	 */
	raw_spinlock_t lock;
	u64 head;		/* next position to fill */
	u64 lost;		/* events dropped since the last lost record */
	u64 lost_ts;		/* time of the first of them */
	u32 cpu;		/* this ring's index, the CPU it serves */
	/*
	 * This ring's part of the session's area (tcpstate_ring.area): its
	 * header page, as the reader maps it, then its slots; and the
	 * kernel-only tags beside the slots.
	 */
	struct tcpstate_mmap_page *page;
	struct tcpstate_rec *slots;
	u64 *tags;

	/*
	 * Written only by the reader; producers read tail to find free
	 * space. A line of its own: the reader writes it from another CPU.
	 */
	u64 tail ____cacheline_aligned_in_smp;
	/* The reader's own, under its read_lock: where a merge stands. */
	u64 rd_pos, rd_head;
};

struct tcpstate_ring {
	struct tcpstate_cpu_ring __percpu *cpus;
	u32 mask;		/* each ring's capacity - 1 */
	u32 nr_rings;		/* nr_cpu_ids: rings in the area, holes too */
	u64 missed_seen;	/* probe misses already counted; reader's */
	u32 miss_cpu;		/* whose ring tells of the misses */

	/*
	 * Set by a reader about to sleep. A producer that sees it clears it
	 * and queues wake_work only when the reader should come now: when
	 * wake_mark records wait in its ring, when wake_first is set, or
	 * when batching is off (wake_delay 0). Otherwise the records wait
	 * for wake_timer, which the reader armed before it slept: a busy
	 * ring costs one wakeup per wake_delay or per wake_mark records,
	 * not one per event. Read by every CPU's producers, written only
	 * when a reader sleeps or is woken: a line shared for reading.
	 */
	bool reader_waiting ____cacheline_aligned_in_smp;
	/*
	 * Set by wake_timer when it found every ring empty: the reader has
	 * waited long enough, the next record wakes it at once.
	 */
	bool wake_first;
	u32 wake_mark;		/* records in one ring that wake the reader */
	unsigned long wake_delay;	/* jiffies; 0: every record wakes */
	struct timer_list wake_timer;
	struct irq_work wake_work;
	/* Where the reader sleeps: own_waitq, or its session's. */
	wait_queue_head_t *waitq;
	wait_queue_head_t own_waitq;

	/*
	 * One vmalloc_user() area, what mmap() maps: for each CPU id, a
	 * header page the reader shares (struct tcpstate_mmap_page), then
	 * that ring's slots; ring_size bytes each. The kernel writes the
	 * pages' head and tail as copies of its own and never reads them
	 * back: the reader can write anywhere in them. A CPU id that is not
	 * possible keeps an empty ring there, so that ring i is always at
	 * i * ring_size.
	 */
	void *area;
	unsigned long area_size;
	unsigned long ring_size;
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

u64 tcpstate_ring_peek(struct tcpstate_cpu_ring *cr, u64 *tail);
int tcpstate_ring_consumer(struct tcpstate_ring *ring,
			   struct tcpstate_cpu_ring *cr, u64 *pos);
bool tcpstate_ring_flush_lost(struct tcpstate_ring *ring,
			      struct tcpstate_cpu_ring *cr);
void tcpstate_ring_consume(struct tcpstate_cpu_ring *cr, u64 tail);
bool tcpstate_ring_poll_ready(struct tcpstate_ring *ring);
void tcpstate_ring_reader_busy(struct tcpstate_ring *ring);

void tcpstate_ring_merge_start(struct tcpstate_ring *ring);
struct tcpstate_cpu_ring *tcpstate_ring_merge_next(struct tcpstate_ring *ring,
						   u32 max, u32 *run);
void tcpstate_ring_merge_end(struct tcpstate_ring *ring);

/* CPU @cpu's ring; @cpu must be possible. */
static inline struct tcpstate_cpu_ring *
tcpstate_ring_cpu(const struct tcpstate_ring *ring, unsigned int cpu)
{
	return per_cpu_ptr(ring->cpus, cpu);
}

static inline u32 tcpstate_ring_capacity(const struct tcpstate_ring *ring)
{
	return ring->mask + 1;
}

static inline const struct tcpstate_rec *
tcpstate_ring_slot(const struct tcpstate_ring *ring,
		   const struct tcpstate_cpu_ring *cr, u64 pos)
{
	return &cr->slots[pos & ring->mask];
}

static inline u64 tcpstate_ring_tag(const struct tcpstate_ring *ring,
				    const struct tcpstate_cpu_ring *cr, u64 pos)
{
	return cr->tags[pos & ring->mask];
}

/* What mmap() must map: every ring's header page and slots. */
static inline unsigned long tcpstate_ring_map_size(const struct tcpstate_ring *ring)
{
	return ring->area_size;
}

#endif /* _TCPSTATE_RING_H */
