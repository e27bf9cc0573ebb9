/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_MARK_H
#define _TCPSTATE_MARK_H

#include <linux/percpu.h>
#include <linux/types.h>

/*
 * A mark says "this execution context is inside function F, working on
 * V": a kretprobe's entry handler sets it, its return handler clears it,
 * and probes that fire in between (in the same call) read it.
 *
 * A plain per-CPU pointer is only right when nothing else runs on the
 * CPU between entry and return, and nothing migrates: true of softirq
 * on a stock kernel, false of process context (Fast Open's
 * tcp_check_req() and a listener's backlog run from release_sock(),
 * tcp_retransmit_skb() from tcp_ack() in a socket's backlog), where an
 * interrupt on the way out runs softirqs that enter the same functions,
 * and preemption may move the task, and false of PREEMPT_RT.
 *
 * So a mark has one slot per CPU and per context level (task, softirq,
 * hardirq, NMI: a nested softirq has a slot of its own), and a slot
 * belongs to the task that set it: a task preempted and moved to
 * another CPU finds no mark there (a label missed, never a wrong one),
 * and its return clears the slot on the CPU it was set on, if still its
 * own. At most one owner per slot: same-level nesting of one mark
 * (__tcp_retransmit_skb() inside tcp_retransmit_skb(), both probed: on
 * 6.12, whose GCC does not split the former as 6.1's does) sets the
 * same value again, and the inner return clears it after the inner call
 * did the work the mark labels.
 */
#define TCPSTATE_MARK_LEVELS	4

struct tcpstate_mark_slot {
	/*
	 * The task that set the slot; NULL: free. Written with
	 * smp_store_release() after val and aux, read with
	 * smp_load_acquire() before them: a reader that sees itself as
	 * owner sees its own values. Cleared by cmpxchg(), possibly from
	 * another CPU (a migrated task's return).
	 */
	const void *owner;
	const void *val;
	u64 aux;
};

struct tcpstate_mark {
	struct tcpstate_mark_slot slot[TCPSTATE_MARK_LEVELS];
};

/* What the entry handler keeps for the return handler (ri->data). */
struct tcpstate_mark_ticket {
	int cpu;		/* -1: nothing set */
	u8 level;
};

#define DEFINE_TCPSTATE_MARK(name) \
	static DEFINE_PER_CPU(struct tcpstate_mark, name)

void tcpstate_mark_set(struct tcpstate_mark __percpu *m, const void *val,
		       u64 aux, struct tcpstate_mark_ticket *t);
void tcpstate_mark_clear(struct tcpstate_mark __percpu *m,
			 const struct tcpstate_mark_ticket *t);
const void *tcpstate_mark_get(struct tcpstate_mark __percpu *m, u64 *aux);

#endif /* _TCPSTATE_MARK_H */
