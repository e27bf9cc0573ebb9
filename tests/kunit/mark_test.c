// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_mark: context marks (module/mark.c).
 *
 * A mark is what a kretprobe's entry handler leaves for the probes that
 * fire before its return: "this context is inside F, working on V".
 * The marks used to be plain per-CPU pointers, right only when nothing
 * else ran on the CPU in between. These cases run exactly that
 * something else: another task on the same CPU, a hardirq or softirq
 * nested in the marking task (whose current is that very task), the
 * marking task's return on another CPU after a migration. Each must see
 * no mark but its own and clear none but its own.
 *
 * Probes call the marks with preemption disabled, and so do these
 * cases, around each call. A case that must stay on one CPU in between
 * (while it sleeps, waiting for another task) pins itself there with
 * set_cpus_allowed_ptr(); another task pinned to a CPU is a kthread
 * bound to it, or a work item of that CPU's worker pool.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mark.h"
#include "tcpstate_kunit.h"

/* What the marks point to: only ever compared. */
static const int task_val, other_val, nested_val;

#define TASK_AUX	0x1122334455667788ULL
#define OTHER_AUX	0x99aabbccddeeff00ULL
#define NESTED_AUX	0x0123456789abcdefULL

/* Levels: as mark.c's, interrupt_context_level(). */
#define LEVEL_TASK	0
#define LEVEL_SOFTIRQ	1
#define LEVEL_HARDIRQ	2

/* --- helpers ---------------------------------------------------------------- */

static int mark_res_init(struct kunit_resource *res, void *context)
{
	struct tcpstate_mark __percpu *m = alloc_percpu(struct tcpstate_mark);

	if (!m)
		return -ENOMEM;
	res->data = (void __force *)m;
	return 0;
}

static void mark_res_free(struct kunit_resource *res)
{
	free_percpu((struct tcpstate_mark __percpu __force *)res->data);
}

/*
 * A mark of the case's own, every slot free on every CPU, freed when
 * the case ends (after the tasks it started: resources go in reverse).
 */
static struct tcpstate_mark __percpu *mark_new(struct kunit *test)
{
	void *m = kunit_alloc_resource(test, mark_res_init, mark_res_free,
				       GFP_KERNEL, NULL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	return (struct tcpstate_mark __percpu __force *)m;
}

/* The calls, as a probe makes them: with preemption disabled. */
static void mark_set(struct tcpstate_mark __percpu *m, const void *val,
		     u64 aux, struct tcpstate_mark_ticket *t)
{
	preempt_disable();
	tcpstate_mark_set(m, val, aux, t);
	preempt_enable();
}

static void mark_clear(struct tcpstate_mark __percpu *m,
		       const struct tcpstate_mark_ticket *t)
{
	preempt_disable();
	tcpstate_mark_clear(m, t);
	preempt_enable();
}

static const void *mark_get(struct tcpstate_mark __percpu *m, u64 *aux)
{
	const void *val;

	preempt_disable();
	val = tcpstate_mark_get(m, aux);
	preempt_enable();
	return val;
}

/* The task that set a slot, read directly: NULL when free. */
static const void *slot_owner(struct tcpstate_mark __percpu *m, int cpu,
			      u8 level)
{
	return READ_ONCE(per_cpu_ptr(m, cpu)->slot[level].owner);
}

/*
 * The case's task moves to @cpu and stays there until it moves again
 * (sleeping included). The case's kthread ends with the case: its
 * affinity needs no restoring if an assertion ends it early.
 */
static void pin(struct kunit *test, int cpu)
{
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	KUNIT_ASSERT_EQ(test, (int)raw_smp_processor_id(), cpu);
}

static void unpin(void)
{
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* Two online CPUs, or the case is skipped. */
static void two_cpus(struct kunit *test, int *a, int *b)
{
	*a = cpumask_first(cpu_online_mask);
	*b = cpumask_next(*a, cpu_online_mask);
	if ((unsigned int)*b >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs");
}

/*
 * Another task, bound to one CPU, that runs steps when asked: the same
 * task every time, so what it set in one step it owns in the next.
 */
struct helper {
	struct task_struct *task;
	struct tcpstate_mark __percpu *m;
	wait_queue_head_t wq;
	struct completion done;
	void (*step)(struct helper *h);
	struct tcpstate_mark_ticket ticket;	/* of its own mark */
	struct tcpstate_mark_ticket foreign;	/* someone else's */
	/* What its last step saw. */
	int cpu;
	const void *got;
	u64 aux;
};

static int helper_fn(void *data)
{
	struct helper *h = data;
	void (*step)(struct helper *h);

	while (!kthread_should_stop()) {
		wait_event_interruptible(h->wq, READ_ONCE(h->step) ||
					 kthread_should_stop());
		step = xchg(&h->step, NULL);
		if (step) {
			step(h);
			complete(&h->done);
		}
	}
	return 0;
}

struct helper_args {
	int cpu;
	struct tcpstate_mark __percpu *m;
};

static int helper_res_init(struct kunit_resource *res, void *context)
{
	const struct helper_args *args = context;
	struct helper *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int ret;

	if (!h)
		return -ENOMEM;
	h->m = args->m;
	init_waitqueue_head(&h->wq);
	init_completion(&h->done);
	h->task = kthread_create_on_cpu(helper_fn, h, args->cpu,
					"tcpstate_mark/%u");
	if (IS_ERR(h->task)) {
		ret = PTR_ERR(h->task);
		kfree(h);
		return ret;
	}
	wake_up_process(h->task);
	res->data = h;
	return 0;
}

static void helper_res_free(struct kunit_resource *res)
{
	struct helper *h = res->data;

	kthread_stop(h->task);
	kfree(h);
}

/* A helper task on @cpu, stopped when the case ends. */
static struct helper *helper_new(struct kunit *test, int cpu,
				 struct tcpstate_mark __percpu *m)
{
	struct helper_args args = { .cpu = cpu, .m = m };
	struct helper *h;

	h = kunit_alloc_resource(test, helper_res_init, helper_res_free,
				 GFP_KERNEL, &args);
	KUNIT_ASSERT_NOT_NULL(test, h);
	return h;
}

/* Runs @step in the helper task and waits for it. */
static void helper_run(struct kunit *test, struct helper *h,
		       void (*step)(struct helper *h))
{
	reinit_completion(&h->done);
	/* Release: the step sees what was set up for it (h->foreign). */
	smp_store_release(&h->step, step);
	wake_up(&h->wq);
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&h->done, 10 * HZ),
			      "the helper task did not run its step in 10 s");
}

static void step_get(struct helper *h)
{
	preempt_disable();
	h->cpu = smp_processor_id();
	h->aux = 0;
	h->got = tcpstate_mark_get(h->m, &h->aux);
	preempt_enable();
}

static void step_set(struct helper *h)
{
	preempt_disable();
	h->cpu = smp_processor_id();
	tcpstate_mark_set(h->m, &other_val, OTHER_AUX, &h->ticket);
	preempt_enable();
}

static void step_clear_own(struct helper *h)
{
	mark_clear(h->m, &h->ticket);
}

static void step_clear_foreign(struct helper *h)
{
	preempt_disable();
	h->cpu = smp_processor_id();
	tcpstate_mark_clear(h->m, &h->foreign);
	preempt_enable();
}

/* --- one task ---------------------------------------------------------------- */

/* A task sees the mark it set, value and aux, until it clears it. */
static void mark_set_is_seen_by_its_task_until_cleared(struct kunit *test)
{
	struct tcpstate_mark __percpu *m = mark_new(test);
	struct tcpstate_mark_ticket t = { .cpu = -2, .level = 0xff };
	const void *fresh, *got, *got_noaux, *after;
	u64 aux = 0;
	int cpu;

	preempt_disable();
	cpu = smp_processor_id();
	fresh = tcpstate_mark_get(m, &aux);
	tcpstate_mark_set(m, &task_val, TASK_AUX, &t);
	got = tcpstate_mark_get(m, &aux);
	/* aux is optional. */
	got_noaux = tcpstate_mark_get(m, NULL);
	tcpstate_mark_clear(m, &t);
	after = tcpstate_mark_get(m, NULL);
	preempt_enable();

	KUNIT_EXPECT_NULL(test, fresh);
	KUNIT_EXPECT_PTR_EQ(test, got, (const void *)&task_val);
	KUNIT_EXPECT_EQ(test, aux, TASK_AUX);
	KUNIT_EXPECT_PTR_EQ(test, got_noaux, (const void *)&task_val);
	KUNIT_EXPECT_NULL(test, after);
	/* The ticket names the slot: this CPU, task level. */
	KUNIT_EXPECT_EQ(test, t.cpu, cpu);
	KUNIT_EXPECT_EQ(test, t.level, (u8)LEVEL_TASK);
	KUNIT_EXPECT_NULL(test, slot_owner(m, cpu, LEVEL_TASK));

	/* Set again after a clear: seen again, with the new values. */
	mark_set(m, &other_val, OTHER_AUX, &t);
	KUNIT_EXPECT_PTR_EQ(test, mark_get(m, &aux), (const void *)&other_val);
	KUNIT_EXPECT_EQ(test, aux, OTHER_AUX);
	mark_clear(m, &t);
	KUNIT_EXPECT_NULL(test, mark_get(m, NULL));
}

/*
 * Same-level nesting of one mark (__tcp_retransmit_skb() inside
 * tcp_retransmit_skb()) shares one slot: the inner call's mark is seen,
 * its return clears the slot, and the outer return finds nothing to
 * clear (mark.h).
 */
static void mark_same_level_nesting_shares_one_slot(struct kunit *test)
{
	struct tcpstate_mark __percpu *m = mark_new(test);
	struct tcpstate_mark_ticket outer, inner;
	const void *in, *after_inner, *after_outer;
	u64 aux = 0;

	preempt_disable();
	tcpstate_mark_set(m, &task_val, 1, &outer);
	tcpstate_mark_set(m, &task_val, 2, &inner);
	in = tcpstate_mark_get(m, &aux);
	tcpstate_mark_clear(m, &inner);
	after_inner = tcpstate_mark_get(m, NULL);
	tcpstate_mark_clear(m, &outer);
	after_outer = tcpstate_mark_get(m, NULL);
	preempt_enable();

	KUNIT_EXPECT_PTR_EQ(test, in, (const void *)&task_val);
	KUNIT_EXPECT_EQ(test, aux, 2ULL);
	KUNIT_EXPECT_NULL(test, after_inner);
	KUNIT_EXPECT_NULL(test, after_outer);
}

/* A ticket of an entry handler that set nothing (cpu -1) clears nothing. */
static void mark_ticket_without_cpu_clears_nothing(struct kunit *test)
{
	struct tcpstate_mark __percpu *m = mark_new(test);
	struct tcpstate_mark_ticket t, none = { .cpu = -1 };
	const void *owner, *got, *after;
	u64 aux = 0;
	int cpu;

	/* Nothing set anywhere: nothing happens. */
	mark_clear(m, &none);
	KUNIT_EXPECT_NULL(test, mark_get(m, NULL));

	preempt_disable();
	cpu = smp_processor_id();
	tcpstate_mark_set(m, &task_val, TASK_AUX, &t);
	/* At every level: the cpu alone says "nothing set". */
	for (none.level = 0; none.level < TCPSTATE_MARK_LEVELS; none.level++)
		tcpstate_mark_clear(m, &none);
	got = tcpstate_mark_get(m, &aux);
	owner = slot_owner(m, cpu, LEVEL_TASK);
	tcpstate_mark_clear(m, &t);
	after = tcpstate_mark_get(m, NULL);
	preempt_enable();

	KUNIT_EXPECT_PTR_EQ(test, got, (const void *)&task_val);
	KUNIT_EXPECT_EQ(test, aux, TASK_AUX);
	KUNIT_EXPECT_PTR_EQ(test, owner, (const void *)current);
	KUNIT_EXPECT_NULL(test, after);
}

/* --- another task on the same CPU ------------------------------------------ */

struct work_probe {
	struct work_struct work;
	struct tcpstate_mark __percpu *m;
	int cpu;
	struct task_struct *task;
	const void *got;
};

static void work_probe_fn(struct work_struct *work)
{
	struct work_probe *w = container_of(work, struct work_probe, work);

	preempt_disable();
	w->cpu = smp_processor_id();
	w->task = current;
	w->got = tcpstate_mark_get(w->m, NULL);
	preempt_enable();
}

enum other_kind { OTHER_KTHREAD, OTHER_WORK };

struct other_case {
	const char *name;
	enum other_kind kind;
};

static const struct other_case other_cases[] = {
	{ "kthread-bound-to-the-cpu", OTHER_KTHREAD },
	{ "work-item-queued-on-the-cpu", OTHER_WORK },
};

static void other_case_desc(const struct other_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(other, other_cases, other_case_desc);

/*
 * A task set a mark and sleeps (preempted, in a probe's terms) on its
 * CPU; another task runs there and looks. The old per-CPU pointer
 * handed it the first task's value; the mark's owner is the first task.
 */
static void mark_not_seen_by_another_task_on_the_same_cpu(struct kunit *test)
{
	const struct other_case *c = test->param_value;
	struct tcpstate_mark __percpu *m = mark_new(test);
	struct tcpstate_mark_ticket t;
	const void *seen = &task_val;
	struct task_struct *who = NULL;
	int cpu = raw_smp_processor_id(), where = -1;
	u64 aux = 0;

	pin(test, cpu);
	mark_set(m, &task_val, TASK_AUX, &t);

	if (c->kind == OTHER_KTHREAD) {
		struct helper *h = helper_new(test, cpu, m);

		helper_run(test, h, step_get);
		seen = h->got;
		where = h->cpu;
		who = h->task;
	} else {
		struct work_probe *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, w);
		w->m = m;
		INIT_WORK(&w->work, work_probe_fn);
		KUNIT_ASSERT_TRUE(test, queue_work_on(cpu, system_wq, &w->work));
		flush_work(&w->work);
		seen = w->got;
		where = w->cpu;
		who = w->task;
	}

	/* It really was another task, on this CPU, with our mark set there. */
	KUNIT_EXPECT_EQ(test, where, cpu);
	KUNIT_EXPECT_PTR_NE(test, who, current);
	KUNIT_EXPECT_NULL(test, seen);
	/* Ours is still ours. */
	KUNIT_EXPECT_PTR_EQ(test, mark_get(m, &aux), (const void *)&task_val);
	KUNIT_EXPECT_EQ(test, aux, TASK_AUX);
	mark_clear(m, &t);
	KUNIT_EXPECT_NULL(test, mark_get(m, NULL));
	unpin();
}

/*
 * While a task sleeps with its mark set, another task on its CPU marks
 * a call of its own: the slot is the other's now. The first task then
 * sees no mark (a label missed), never the other's value (a wrong
 * label); its return does not clear the other's mark.
 */
static void mark_slot_taken_over_is_neither_seen_nor_cleared(struct kunit *test)
{
	struct tcpstate_mark __percpu *m = mark_new(test);
	int cpu = raw_smp_processor_id();
	struct tcpstate_mark_ticket t;
	struct helper *h;

	pin(test, cpu);
	h = helper_new(test, cpu, m);
	mark_set(m, &task_val, TASK_AUX, &t);

	helper_run(test, h, step_set);
	KUNIT_EXPECT_EQ(test, h->cpu, cpu);
	KUNIT_EXPECT_EQ(test, h->ticket.cpu, cpu);
	helper_run(test, h, step_get);
	KUNIT_EXPECT_PTR_EQ(test, h->got, (const void *)&other_val);
	KUNIT_EXPECT_EQ(test, h->aux, OTHER_AUX);

	KUNIT_EXPECT_NULL(test, mark_get(m, NULL));
	mark_clear(m, &t);
	KUNIT_EXPECT_PTR_EQ(test, slot_owner(m, cpu, LEVEL_TASK), (const void *)h->task);
	helper_run(test, h, step_get);
	KUNIT_EXPECT_PTR_EQ(test, h->got, (const void *)&other_val);

	helper_run(test, h, step_clear_own);
	helper_run(test, h, step_get);
	KUNIT_EXPECT_NULL(test, h->got);
	unpin();
}

/* --- interrupts nested in the marking task --------------------------------- */

struct nested {
	struct tcpstate_mark __percpu *m;
	struct irq_work work;
	struct tasklet_struct tasklet;
	struct task_struct *task;	/* the task it should interrupt */
	/* What the interrupt saw. */
	bool right_context;
	bool over_task;			/* current was the marking task */
	int cpu;
	const void *before, *own, *after;
	u64 own_aux;
	struct tcpstate_mark_ticket ticket;
	bool ran;
};

/*
 * In the interrupt: no mark (the task's is not this context's), then a
 * mark of its own, set, seen and cleared, as a kretprobe's handlers
 * would in a softirq or hardirq that came between a task's entry and
 * return handlers.
 */
static void nested_body(struct nested *n, bool right_context)
{
	n->right_context = right_context;
	n->cpu = smp_processor_id();
	n->over_task = current == n->task;
	n->before = tcpstate_mark_get(n->m, NULL);
	tcpstate_mark_set(n->m, &nested_val, NESTED_AUX, &n->ticket);
	n->own = tcpstate_mark_get(n->m, &n->own_aux);
	tcpstate_mark_clear(n->m, &n->ticket);
	n->after = tcpstate_mark_get(n->m, NULL);
	/* Pairs with nested_ran(): what it saw, then that it ran. */
	smp_store_release(&n->ran, true);
}

static bool nested_ran(struct nested *n)
{
	/* Pairs with the release in nested_body(). */
	return smp_load_acquire(&n->ran);
}

static void nested_hardirq(struct irq_work *work)
{
	struct nested *n = container_of(work, struct nested, work);

	nested_body(n, in_hardirq());
}

static void nested_softirq(struct tasklet_struct *t)
{
	struct nested *n = from_tasklet(n, t, tasklet);

	nested_body(n, in_serving_softirq() && !in_hardirq());
}

struct nested_case {
	const char *name;
	bool hardirq;
	u8 level;
};

static const struct nested_case nested_cases[] = {
	{ "hardirq-irq_work", true, LEVEL_HARDIRQ },
	{ "softirq-tasklet", false, LEVEL_SOFTIRQ },
};

static void nested_case_desc(const struct nested_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nested, nested_cases, nested_case_desc);

/*
 * A task sets a mark; an interrupt on its CPU, with the same current,
 * looks for it, then sets and clears a mark of its own. The old per-CPU
 * pointer showed the task's value to the interrupt, and the interrupt's
 * clear erased it under the task. Here the interrupt sees nothing, and
 * the task finds its own value afterwards.
 *
 * The hardirq is an irq_work queued on this CPU while the task spins
 * with preemption off: it can only interrupt this task. The softirq is
 * a tasklet raised with softirqs off and run by the task's own
 * local_bh_enable(), on its way out of the softirq-off section.
 */
static void mark_not_seen_or_clobbered_by_nested_interrupt(struct kunit *test)
{
	const struct nested_case *c = test->param_value;
	struct tcpstate_mark __percpu *m = mark_new(test);
	unsigned long deadline = jiffies + 10 * HZ;
	struct tcpstate_mark_ticket t;
	int cpu = raw_smp_processor_id();
	struct nested *n;
	u64 aux = 0;

	n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, n);
	n->m = m;
	n->task = current;
	n->cpu = -1;
	n->work = IRQ_WORK_INIT_HARD(nested_hardirq);
	tasklet_setup(&n->tasklet, nested_softirq);

	pin(test, cpu);
	mark_set(m, &task_val, TASK_AUX, &t);
	if (c->hardirq) {
		preempt_disable();
		irq_work_queue(&n->work);
		while (!nested_ran(n) && time_before(jiffies, deadline))
			cpu_relax();
		preempt_enable();
		irq_work_sync(&n->work);
	} else {
		/*
		 * Raised with softirqs off, so it wakes no ksoftirqd: the
		 * local_bh_enable() runs it, in this task.
		 */
		local_bh_disable();
		tasklet_schedule(&n->tasklet);
		local_bh_enable();
		while (!nested_ran(n) && time_before(jiffies, deadline)) {
			local_bh_disable();
			local_bh_enable();
			cond_resched();
		}
		tasklet_kill(&n->tasklet);
	}

	KUNIT_ASSERT_TRUE_MSG(test, nested_ran(n),
			      "the interrupt did not run in 10 s");
	KUNIT_EXPECT_TRUE(test, n->right_context);
	KUNIT_EXPECT_EQ(test, n->cpu, cpu);
	KUNIT_EXPECT_TRUE(test, n->over_task);
	/* The interrupt did not see the task's mark... */
	KUNIT_EXPECT_NULL(test, n->before);
	/* ...had one of its own, at its own level... */
	KUNIT_EXPECT_PTR_EQ(test, n->own, (const void *)&nested_val);
	KUNIT_EXPECT_EQ(test, n->own_aux, NESTED_AUX);
	KUNIT_EXPECT_EQ(test, n->ticket.cpu, cpu);
	KUNIT_EXPECT_EQ(test, n->ticket.level, c->level);
	KUNIT_EXPECT_NULL(test, n->after);
	KUNIT_EXPECT_NULL(test, slot_owner(m, cpu, c->level));
	/* ...and left the task's alone. */
	KUNIT_EXPECT_PTR_EQ(test, mark_get(m, &aux), (const void *)&task_val);
	KUNIT_EXPECT_EQ(test, aux, TASK_AUX);
	mark_clear(m, &t);
	KUNIT_EXPECT_NULL(test, mark_get(m, NULL));
	unpin();
}

/* --- a return on another CPU ------------------------------------------------ */

/*
 * A task on another CPU clears with a ticket for this CPU's slot (a
 * copy of ours: it is not the slot's owner): nothing happens.
 */
static void mark_clear_by_another_task_elsewhere_clears_nothing(struct kunit *test)
{
	struct tcpstate_mark __percpu *m = mark_new(test);
	struct tcpstate_mark_ticket t;
	struct helper *h;
	u64 aux = 0;
	int a, b;

	two_cpus(test, &a, &b);
	pin(test, a);
	h = helper_new(test, b, m);
	mark_set(m, &task_val, TASK_AUX, &t);
	KUNIT_EXPECT_EQ(test, t.cpu, a);

	h->foreign = t;
	helper_run(test, h, step_clear_foreign);
	KUNIT_EXPECT_EQ(test, h->cpu, b);
	KUNIT_EXPECT_PTR_EQ(test, mark_get(m, &aux), (const void *)&task_val);
	KUNIT_EXPECT_EQ(test, aux, TASK_AUX);

	mark_clear(m, &t);
	KUNIT_EXPECT_NULL(test, mark_get(m, NULL));
	unpin();
}

/*
 * The marking task migrates between entry and return: on the new CPU
 * it sees no mark (not that of the task marked there), and its return
 * clears its slot on the CPU it set it on, from there. The old per-CPU
 * pointer was cleared on the CPU of the return: the other task's mark.
 */
static void mark_clear_after_migration_frees_its_slot(struct kunit *test)
{
	struct tcpstate_mark __percpu *m = mark_new(test);
	struct tcpstate_mark_ticket t;
	struct helper *h;
	int a, b;

	two_cpus(test, &a, &b);
	pin(test, a);
	h = helper_new(test, b, m);
	helper_run(test, h, step_set);
	KUNIT_EXPECT_EQ(test, h->cpu, b);
	mark_set(m, &task_val, TASK_AUX, &t);
	KUNIT_EXPECT_EQ(test, t.cpu, a);

	pin(test, b);
	KUNIT_EXPECT_NULL(test, mark_get(m, NULL));
	KUNIT_EXPECT_PTR_EQ(test, slot_owner(m, a, LEVEL_TASK), (const void *)current);
	mark_clear(m, &t);
	KUNIT_EXPECT_NULL(test, slot_owner(m, a, LEVEL_TASK));
	/* The mark of the task on the CPU it returned on is untouched. */
	helper_run(test, h, step_get);
	KUNIT_EXPECT_PTR_EQ(test, h->got, (const void *)&other_val);
	KUNIT_EXPECT_EQ(test, h->aux, OTHER_AUX);

	pin(test, a);
	KUNIT_EXPECT_NULL(test, mark_get(m, NULL));
	helper_run(test, h, step_clear_own);
	unpin();
}

/*
 * The marking task migrates; meanwhile another task takes its slot on
 * the first CPU. The migrated task's return, from the second CPU, leaves
 * the new owner's mark alone.
 */
static void mark_clear_after_migration_spares_the_new_owner(struct kunit *test)
{
	struct tcpstate_mark __percpu *m = mark_new(test);
	struct tcpstate_mark_ticket t;
	struct helper *h;
	int a, b;

	two_cpus(test, &a, &b);
	pin(test, a);
	h = helper_new(test, a, m);
	mark_set(m, &task_val, TASK_AUX, &t);

	pin(test, b);
	helper_run(test, h, step_set);
	KUNIT_EXPECT_EQ(test, h->cpu, a);
	mark_clear(m, &t);

	KUNIT_EXPECT_PTR_EQ(test, slot_owner(m, a, LEVEL_TASK), (const void *)h->task);
	helper_run(test, h, step_get);
	KUNIT_EXPECT_PTR_EQ(test, h->got, (const void *)&other_val);
	KUNIT_EXPECT_EQ(test, h->aux, OTHER_AUX);
	helper_run(test, h, step_clear_own);
	KUNIT_EXPECT_NULL(test, slot_owner(m, a, LEVEL_TASK));
	unpin();
}

static struct kunit_case mark_cases[] = {
	KUNIT_CASE(mark_set_is_seen_by_its_task_until_cleared),
	KUNIT_CASE(mark_same_level_nesting_shares_one_slot),
	KUNIT_CASE(mark_ticket_without_cpu_clears_nothing),
	KUNIT_CASE_PARAM(mark_not_seen_by_another_task_on_the_same_cpu, other_gen_params),
	KUNIT_CASE(mark_slot_taken_over_is_neither_seen_nor_cleared),
	KUNIT_CASE_PARAM(mark_not_seen_or_clobbered_by_nested_interrupt, nested_gen_params),
	KUNIT_CASE(mark_clear_by_another_task_elsewhere_clears_nothing),
	KUNIT_CASE(mark_clear_after_migration_frees_its_slot),
	KUNIT_CASE(mark_clear_after_migration_spares_the_new_owner),
	{}
};

struct kunit_suite tcpstate_mark_suite = {
	.name = "tcpstate_mark",
	.test_cases = mark_cases,
};
