// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_ringbench: ns per event of tcpstate_ring_write() (module/ring.c,
 * compiled in unchanged), from 1, 2, 4 and 8 producing CPUs at once (as
 * many of these as are online); the same loop over the prototypes in
 * ring_*.c (bench_ring.h), one module each.
 *
 * Each producer is a kthread bound to its CPU that writes @batch records
 * per round into a ring with room for all of them (nothing dropped), then
 * waits; once every producer is done the controller empties the ring (a
 * tail move: the consumer's copy is not timed) and starts the next round.
 * A ring per CPU has that room in each CPU's ring. Only the producers'
 * loops are timed. A last phase writes into a full ring, which each
 * producer fills first: the cost of a dropped event. Results go to the
 * kernel log as
 *   tcpstate_ringbench: cpus=N recorded ns/event=X ...
 * and the module then refuses to stay loaded (-EAGAIN): nothing to rmmod.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "bench_ring.h"

static unsigned int events = 200000;
module_param(events, uint, 0444);
MODULE_PARM_DESC(events, "events per producer (default 200000)");

static unsigned int batch = 4096;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "events per producer per round (default 4096)");

/* The most producing CPUs timed: 1, 2, 4, ... up to this. */
#define MAX_PRODUCERS	8

struct producer {
	void *ring;
	struct completion start, done;
	unsigned int cpu, n;
	bool drop, filled;
	u64 ns, stored;
};

static int producer_fn(void *arg)
{
	struct producer *p = arg;
	struct tcpstate_rec rec = {
		.version = TCPSTATE_ABI_VERSION,
		.type = TCPSTATE_REC_STATE,
		.size = sizeof(rec),
	};
	unsigned int i;
	u64 t0;

	while (!kthread_should_stop()) {
		if (wait_for_completion_interruptible(&p->start))
			continue;
		if (kthread_should_stop())
			break;
		/*
		 * Dropping: fill the ring first, untimed, from the producer's
		 * own CPU. With a ring per CPU the controller's writes would
		 * fill only its CPU's ring, and the others would store.
		 */
		while (p->drop && !p->filled)
			p->filled = !bench_ring_write(p->ring, &rec);
		t0 = ktime_get_ns();
		for (i = 0; i < p->n; i++) {
			/* What a hook does per event besides the ring. */
			rec.ts_ns = t0 + i;
			rec.cpu = p->cpu;
			p->stored += bench_ring_write(p->ring, &rec);
		}
		p->ns += ktime_get_ns() - t0;
		complete(&p->done);
	}
	return 0;
}

static int run(unsigned int nr_cpus, bool drop)
{
	struct task_struct *task[MAX_PRODUCERS] = {};
	struct producer *prod;
	void *ring;
	unsigned int i, cpu, rounds, per = batch;
	u64 total = 0, ns = 0, stored = 0;
	int ret = 0;

	/* Off the stack: eight producers' completions are too big for it. */
	prod = kcalloc(nr_cpus, sizeof(*prod), GFP_KERNEL);
	if (!prod)
		return -ENOMEM;
	ring = bench_ring_create(roundup_pow_of_two(batch * nr_cpus + 2));
	if (IS_ERR(ring)) {
		kfree(prod);
		return PTR_ERR(ring);
	}

	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < nr_cpus; i++) {
		prod[i].ring = ring;
		prod[i].cpu = cpu;
		prod[i].drop = drop;
		init_completion(&prod[i].start);
		init_completion(&prod[i].done);
		task[i] = kthread_create_on_cpu(producer_fn, &prod[i], cpu,
						"tcpstate_rb/%u");
		if (IS_ERR(task[i])) {
			ret = PTR_ERR(task[i]);
			task[i] = NULL;
			goto out;
		}
		wake_up_process(task[i]);
		cpu = cpumask_next(cpu, cpu_online_mask);
	}

	rounds = events / per;
	for (; rounds; rounds--) {
		for (i = 0; i < nr_cpus; i++) {
			prod[i].n = per;
			complete(&prod[i].start);
		}
		for (i = 0; i < nr_cpus; i++)
			wait_for_completion(&prod[i].done);
		if (!drop)
			bench_ring_drain(ring);
		total += per * nr_cpus;
		cond_resched();
	}
	for (i = 0; i < nr_cpus; i++) {
		ns += prod[i].ns;
		stored += prod[i].stored;
	}
	/* ns summed over producers / events: CPU time per event. */
	pr_info("%s: cpus=%u %s events=%llu stored=%llu ns/event=%llu (wall per producer %llu ms)\n",
		bench_ring_name, nr_cpus, drop ? "dropped" : "recorded", total, stored,
		total ? div64_u64(ns, total) : 0,
		div64_u64(ns, nr_cpus * NSEC_PER_MSEC));
out:
	for (i = 0; i < nr_cpus; i++) {
		if (!task[i])
			continue;
		complete(&prod[i].start);
		kthread_stop(task[i]);
	}
	bench_ring_destroy(ring);
	kfree(prod);
	return ret;
}

static int __init ringbench_init(void)
{
	unsigned int n = min_t(unsigned int, num_online_cpus(), MAX_PRODUCERS);
	unsigned int cpus;
	bool drop = false;

	do {
		for (cpus = 1; cpus <= n; cpus *= 2) {
			if (run(cpus, drop)) {
				pr_err("failed\n");
				return -EAGAIN;
			}
		}
		drop = !drop;
	} while (drop);
	return -EAGAIN;
}

module_init(ringbench_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpstate ring buffer micro-benchmark");
