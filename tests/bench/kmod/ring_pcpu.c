// SPDX-License-Identifier: GPL-2.0
/*
 * Prototype: one ring per CPU, no lock. A producer only ever writes its
 * own CPU's ring with interrupts off, so head needs no lock and no atomic;
 * the same release/acquire pairs as module/ring.c ((A), (B)) and the same
 * store-buffering barrier before looking at reader_waiting ((C)).
 * The reader would have to merge the CPUs' rings by timestamp.
 */
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "bench_ring.h"

struct cpu_ring {
	u64 head;
	u64 lost;
	u64 tail ____cacheline_aligned_in_smp;
	struct tcpstate_rec *slots;
	u32 mask;
};

struct pcpu_ring {
	struct cpu_ring __percpu *cpu;
	bool reader_waiting;
	struct irq_work wake_work;
	wait_queue_head_t waitq;
};

const char bench_ring_name[] = "prototype: per-CPU, no lock, copy";

static void wake(struct irq_work *w)
{
	wake_up_interruptible(&container_of(w, struct pcpu_ring, wake_work)->waitq);
}

void bench_ring_destroy(void *p)
{
	struct pcpu_ring *r = p;
	int cpu;

	irq_work_sync(&r->wake_work);
	for_each_possible_cpu(cpu)
		vfree(per_cpu_ptr(r->cpu, cpu)->slots);
	free_percpu(r->cpu);
	kfree(r);
}

void *bench_ring_create(unsigned int nr)
{
	struct pcpu_ring *r = kzalloc(sizeof(*r), GFP_KERNEL);
	int cpu;

	if (!r)
		return ERR_PTR(-ENOMEM);
	r->cpu = alloc_percpu(struct cpu_ring);
	if (!r->cpu) {
		kfree(r);
		return ERR_PTR(-ENOMEM);
	}
	init_irq_work(&r->wake_work, wake);
	init_waitqueue_head(&r->waitq);
	for_each_possible_cpu(cpu) {
		struct cpu_ring *c = per_cpu_ptr(r->cpu, cpu);

		c->mask = nr - 1;
		c->slots = vzalloc(array_size(nr, sizeof(*c->slots)));
		if (!c->slots) {
			bench_ring_destroy(r);
			return ERR_PTR(-ENOMEM);
		}
	}
	return r;
}

bool bench_ring_write(void *p, const struct tcpstate_rec *rec)
{
	struct pcpu_ring *r = p;
	struct cpu_ring *c;
	unsigned long flags;
	bool stored;
	u64 head;

	local_irq_save(flags);
	c = this_cpu_ptr(r->cpu);
	head = c->head;
	/* (B): pairs with the release in bench_ring_drain(). */
	stored = head - smp_load_acquire(&c->tail) + 1 + !!c->lost <=
		 (u64)c->mask + 1;
	if (stored) {
		memcpy(&c->slots[head & c->mask], rec, sizeof(*rec));
		/* (A): the slot before head; pairs with the reader's acquire. */
		smp_store_release(&c->head, head + 1);
	} else {
		c->lost++;
	}
	local_irq_restore(flags);

	if (stored) {
		/* (C): head store before reader_waiting load, as module/ring.c. */
		smp_mb();
		if (READ_ONCE(r->reader_waiting)) {
			WRITE_ONCE(r->reader_waiting, false);
			irq_work_queue(&r->wake_work);
		}
	}
	return stored;
}

void bench_ring_drain(void *p)
{
	struct pcpu_ring *r = p;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct cpu_ring *c = per_cpu_ptr(r->cpu, cpu);

		/* (A) and (B), reader side. */
		smp_store_release(&c->tail, smp_load_acquire(&c->head));
	}
}
