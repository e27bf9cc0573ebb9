// SPDX-License-Identifier: GPL-2.0
/*
 * Context marks: see mark.h. Called from probe handlers, which run with
 * preemption disabled: this CPU's slots cannot change CPU under us.
 */
#include <linux/atomic.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "mark.h"

/* 0 task, 1 softirq, 2 hardirq, 3 NMI: as the ftrace recursion guard. */
static u8 mark_level(void)
{
	return interrupt_context_level();
}

void tcpstate_mark_set(struct tcpstate_mark __percpu *m, const void *val,
		       u64 aux, struct tcpstate_mark_ticket *t)
{
	u8 level = mark_level();
	struct tcpstate_mark_slot *s = &this_cpu_ptr(m)->slot[level];

	t->cpu = smp_processor_id();
	t->level = level;
	WRITE_ONCE(s->val, val);
	WRITE_ONCE(s->aux, aux);
	/* Pairs with the acquire in tcpstate_mark_get(): values first. */
	smp_store_release(&s->owner, current);
}

/*
 * On the CPU the mark was set on, which the task may have left: only
 * if the slot is still ours. Another task that has since taken it keeps
 * it; cmpxchg() because its owner store may race with ours.
 */
void tcpstate_mark_clear(struct tcpstate_mark __percpu *m,
			 const struct tcpstate_mark_ticket *t)
{
	struct tcpstate_mark_slot *s;

	if (t->cpu < 0)
		return;
	s = &per_cpu_ptr(m, t->cpu)->slot[t->level];
	cmpxchg(&s->owner, (const void *)current, NULL);
}

/* The value this context's innermost marked call set, or NULL. */
const void *tcpstate_mark_get(struct tcpstate_mark __percpu *m, u64 *aux)
{
	struct tcpstate_mark_slot *s = &this_cpu_ptr(m)->slot[mark_level()];

	/* Pairs with the release in tcpstate_mark_set(). */
	if (smp_load_acquire(&s->owner) != current)
		return NULL;
	if (aux)
		*aux = READ_ONCE(s->aux);
	return READ_ONCE(s->val);
}
