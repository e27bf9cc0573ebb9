/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_HOOKS_H
#define _TCPSTATE_HOOKS_H

#include <linux/kprobes.h>
#include <linux/ptrace.h>

#include "btf.h"
#include "ring.h"
#include "stats.h"

/* The n-th argument of the probed function, at its entry. */
#define TCPSTATE_ARG(regs, n)	regs_get_kernel_argument(regs, n)

int tcpstate_hooks_init(unsigned int hook);
void tcpstate_hooks_uninit(void);

void tcpstate_emit(const struct net *net, const struct tcpstate_rec *rec);
u64 tcpstate_hooks_missed(void);
u64 tcpstate_hooks_labels_missed(void);
/* The groups armed (1 << enum tcpstate_group each), and one of them. */
unsigned int tcpstate_hooks_groups(void);
bool tcpstate_group_live(unsigned int group);
void tcpstate_count(const struct net *net, enum tcpstate_ev ev);

/*
 * Kprobes and kretprobes registered together by tcpstate_probes_register()
 * (all or none) and removed together: all or part of a probe group
 * (enum tcpstate_group).
 */
struct tcpstate_probes {
	const char *what;		/* for error messages */
	struct kprobe **kps;
	unsigned int nr_kps;
	struct kretprobe **krps;
	unsigned int nr_krps;
};

/*
 * Every kprobe and kretprobe handler runs through a wrapper that holds
 * softirqs back while it works in process context (hooks.c says why,
 * and why not interrupts off); these carry the
 * handlers the wrappers call, and the names of the probed function's
 * arguments the handlers read (args[i]: argument i, NULL if not read),
 * checked against the running kernel's BTF before the probe is armed.
 */
struct tcpstate_kprobe {
	struct kprobe kp;
	kprobe_pre_handler_t fn;
	const char *const *args;
	unsigned int nr_args;
};

struct tcpstate_kretprobe {
	struct kretprobe krp;
	kretprobe_handler_t entry, ret;
	/*
	 * Its handlers record events (else they only set marks that label
	 * other probes' records): a call it misses is an event lost, not
	 * just a label.
	 */
	bool events;
	const char *const *args;	/* read by the entry handler */
	unsigned int nr_args;
};

int tcpstate_kp_handler(struct kprobe *kp, struct pt_regs *regs);
int tcpstate_krp_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int tcpstate_krp_return(struct kretprobe_instance *ri, struct pt_regs *regs);

/*
 * The argument names a handler reads, by index from 0, as in the probed
 * function's definition: TCPSTATE_ARGS("sk", "skb") or, skipping some,
 * TCPSTATE_ARGS([2] = "sk").
 */
#define TCPSTATE_ARGS(...) \
	.args = (const char *const []){ __VA_ARGS__ }, \
	.nr_args = ARRAY_SIZE(((const char *const []){ __VA_ARGS__ }))

/* Entries of a group's tables: probes defined where they are listed. */
#define TCPSTATE_KP(sym, handler, ...) (&((struct tcpstate_kprobe){ \
	.kp = { .symbol_name = sym, .pre_handler = tcpstate_kp_handler }, \
	.fn = handler, TCPSTATE_ARGS(__VA_ARGS__) }).kp)
#define TCPSTATE_KRP_(sym, entry_fn, ret_fn, size, ev, ...) \
	(&((struct tcpstate_kretprobe){ .krp = { \
	.kp.symbol_name = sym, .entry_handler = tcpstate_krp_entry, \
	.handler = tcpstate_krp_return, .data_size = size }, \
	.entry = entry_fn, .ret = ret_fn, .events = ev, \
	TCPSTATE_ARGS(__VA_ARGS__) }).krp)
/* A kretprobe that only marks a call for other probes (mark.h). */
#define TCPSTATE_KRP(sym, entry_fn, ret_fn, size, ...) \
	TCPSTATE_KRP_(sym, entry_fn, ret_fn, size, false, __VA_ARGS__)
/* A kretprobe whose handlers record events themselves. */
#define TCPSTATE_KRP_EVENTS(sym, entry_fn, ret_fn, size, ...) \
	TCPSTATE_KRP_(sym, entry_fn, ret_fn, size, true, __VA_ARGS__)

/*
 * While groups are armed: the running kernel's BTF (NULL if it cannot
 * be read: arguments then unverified), and why the last probe point
 * that could not be used was refused.
 */
struct tcpstate_arm {
	const struct tcpstate_btf *btf;
	char why[160];
};

int tcpstate_probes_register(const struct tcpstate_probes *p,
			     struct tcpstate_arm *arm);
u64 tcpstate_probes_missed(const struct tcpstate_probes *p, bool events);
void tcpstate_probes_unregister(const struct tcpstate_probes *p);

/* Implemented in segment.c, reqsk.c and timewait.c. */
extern const struct tcpstate_probes tcpstate_segment_probes;
extern const struct tcpstate_probes tcpstate_retransmit_probes;
extern const struct tcpstate_probes tcpstate_reqsk_probes;
extern const struct tcpstate_probes tcpstate_timewait_probes;
int tcpstate_timewait_init(void);
void tcpstate_timewait_uninit(void);
void tcpstate_timewait_table_stats(u64 *capacity, u64 *used, u64 *untracked,
				   u64 *reclaimed);

#endif /* _TCPSTATE_HOOKS_H */
