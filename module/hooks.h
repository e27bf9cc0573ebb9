/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_HOOKS_H
#define _TCPSTATE_HOOKS_H

#include <linux/kprobes.h>
#include <linux/ptrace.h>

#include "ring.h"
#include "stats.h"

/* The n-th argument of the probed function, at its entry. */
#define TCPSTATE_ARG(regs, n)	regs_get_kernel_argument(regs, n)

int tcpstate_hooks_init(struct tcpstate_ring *ring, unsigned int hook);
void tcpstate_hooks_uninit(void);

void tcpstate_emit(const struct net *net, const struct tcpstate_rec *rec);
u64 tcpstate_hooks_missed(void);
void tcpstate_count(const struct net *net, enum tcpstate_ev ev);

/*
 * A group of kprobes and kretprobes, registered together by
 * tcpstate_probes_register() (all or none) and removed together.
 */
struct tcpstate_probes {
	const char *what;		/* for error messages */
	struct kprobe **kps;
	unsigned int nr_kps;
	struct kretprobe **krps;
	unsigned int nr_krps;
};

/* Entries of a group's tables: probes defined where they are listed. */
#define TCPSTATE_KP(sym, fn) \
	(&(struct kprobe){ .symbol_name = sym, .pre_handler = fn })
#define TCPSTATE_KRP(sym, entry, ret, size) (&(struct kretprobe){ \
	.kp.symbol_name = sym, .entry_handler = entry, .handler = ret, \
	.data_size = size })

int tcpstate_probes_register(const struct tcpstate_probes *p);
void tcpstate_probes_unregister(const struct tcpstate_probes *p);

/* Implemented in segment.c, reqsk.c and timewait.c. */
extern const struct tcpstate_probes tcpstate_segment_probes;
extern const struct tcpstate_probes tcpstate_reqsk_probes;
extern const struct tcpstate_probes tcpstate_timewait_probes;
int tcpstate_timewait_init(void);
void tcpstate_timewait_uninit(void);

#endif /* _TCPSTATE_HOOKS_H */
