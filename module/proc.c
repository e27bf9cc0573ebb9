// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/tcpstate: one "name value" line per counter, for the
 * namespace the file was opened in. The order is part of the interface
 * (README): ring counters, summary counters, then one trans_<old>_<new>
 * line per transition that has happened at least once.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "hooks.h"
#include "params.h"
#include "proc.h"
#include "stats.h"

static const enum tcpstate_ev ring_evs[] = {
	TCPSTATE_EV_RECORDED,
	TCPSTATE_EV_DROPPED,
	TCPSTATE_EV_READ,
	TCPSTATE_EV_DISCARDED,
};

/* Printed after the summary counters, in this order (README). */
static const enum tcpstate_ev mid_evs[] = {
	TCPSTATE_EV_RESETS_IN,
	TCPSTATE_EV_RESETS_OUT,
	TCPSTATE_EV_TW_ENTERED,
	TCPSTATE_EV_TW_EXPIRED,
};

static const enum tcpstate_ev handshake_evs[] = {
	TCPSTATE_EV_SYN_IN,
	TCPSTATE_EV_SYNACK_OUT,
	TCPSTATE_EV_SYN_RETRANS,
	TCPSTATE_EV_SYNACK_RETRANS,
	TCPSTATE_EV_SYNCOOKIES_SENT,
	TCPSTATE_EV_SYNCOOKIES_ACCEPTED,
};

static const enum tcpstate_ev accept_drops = TCPSTATE_EV_ACCEPT_QUEUE_DROPS;

static void show_evs(struct seq_file *seq, const struct tcpstate_net *tn,
		     const enum tcpstate_ev *evs, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		seq_printf(seq, "%s %llu\n", tcpstate_ev_name(evs[i]),
			   tcpstate_stats_ev(tn, evs[i]));
}

/*
 * How many exist now, of what the module saw begin and end. Ends are
 * summed first, as in show_ring(); an object that began before the
 * module loaded can end after: clamp at zero rather than wrap.
 */
static void show_gauge(struct seq_file *seq, const char *name,
		       const struct tcpstate_net *tn, enum tcpstate_ev begun,
		       enum tcpstate_ev ended)
{
	u64 e = tcpstate_stats_ev(tn, ended);
	u64 b = tcpstate_stats_ev(tn, begun);

	seq_printf(seq, "%s %llu\n", name, b > e ? b - e : 0);
}

static void show_ring(struct seq_file *seq, const struct tcpstate_net *tn)
{
	u64 v[ARRAY_SIZE(ring_evs)], out = 0;
	int i;

	/*
	 * Hooks count an event as recorded before it can be dropped, read
	 * or discarded: sum those first and "recorded" last, so that while
	 * events flow the derived events_buffered is at worst briefly high,
	 * never negative. When they stop it is exact.
	 */
	for (i = ARRAY_SIZE(ring_evs) - 1; i >= 0; i--) {
		v[i] = tcpstate_stats_ev(tn, ring_evs[i]);
		if (ring_evs[i] != TCPSTATE_EV_RECORDED)
			out += v[i];
	}
	for (i = 0; i < ARRAY_SIZE(ring_evs); i++)
		seq_printf(seq, "%s %llu\n", tcpstate_ev_name(ring_evs[i]),
			   v[i]);
	/* Per-CPU sums are not one snapshot: never print a wrapped value. */
	seq_printf(seq, "events_buffered %llu\n",
		   v[0] > out ? v[0] - out : 0);
	/* Module-wide: a probe that never ran knows no namespace. */
	seq_printf(seq, "events_missed %llu\n", tcpstate_hooks_missed());
}

/* Module-wide: one table for every namespace's TIME_WAIT sockets. */
static void show_tw_table(struct seq_file *seq)
{
	u64 capacity, used, untracked, reclaimed;

	tcpstate_timewait_table_stats(&capacity, &used, &untracked,
				      &reclaimed);
	seq_printf(seq, "time_wait_tracked %llu\n", used);
	seq_printf(seq, "time_wait_untracked %llu\n", untracked);
	seq_printf(seq, "time_wait_table_reclaimed %llu\n", reclaimed);
	seq_printf(seq, "time_wait_table_capacity %llu\n", capacity);
}

/* Module-wide: "group_<name> 1" if armed, else 0. */
static void show_groups(struct seq_file *seq)
{
	unsigned int g, live = tcpstate_hooks_groups();

	for (g = 0; g < TCPSTATE_NR_GROUPS; g++)
		seq_printf(seq, "group_%s %u\n", tcpstate_params_group_name(g),
			   !!(live & BIT(g)));
}

static int tcpstate_proc_show(struct seq_file *seq, void *v)
{
	const struct tcpstate_net *tn;
	int sum, oldstate, newstate;
	u64 n;

	/* The file exists only between our pernet init and exit. */
	tn = tcpstate_stats_net_any(seq_file_single_net(seq));

	show_ring(seq, tn);
	for (sum = 0; sum < TCPSTATE_SUM_NR; sum++)
		seq_printf(seq, "%s %llu\n", tcpstate_summary_name(sum),
			   tcpstate_stats_summary(tn, sum));
	show_evs(seq, tn, mid_evs, ARRAY_SIZE(mid_evs));
	show_gauge(seq, "time_wait_now", tn, TCPSTATE_EV_TW_ENTERED,
		   TCPSTATE_EV_TW_ENDED);
	show_evs(seq, tn, handshake_evs, ARRAY_SIZE(handshake_evs));
	show_gauge(seq, "half_open_now", tn, TCPSTATE_EV_REQ_CREATED,
		   TCPSTATE_EV_REQ_ENDED);
	show_evs(seq, tn, &accept_drops, 1);
	/* v3: appended, as every line before keeps its place. */
	seq_printf(seq, "labels_missed %llu\n",
		   tcpstate_hooks_labels_missed());
	show_tw_table(seq);
	/* v4: which probe groups are armed (uapi: enum tcpstate_group). */
	show_groups(seq);

	for (oldstate = 1; oldstate < TCPSTATE_NR_STATES; oldstate++) {
		for (newstate = 1; newstate < TCPSTATE_NR_STATES; newstate++) {
			n = tcpstate_stats_trans(tn, oldstate, newstate);
			if (n)
				seq_printf(seq, "trans_%s_%s %llu\n",
					   tcpstate_state_name(oldstate),
					   tcpstate_state_name(newstate), n);
		}
	}
	return 0;
}

int tcpstate_proc_net_init(struct net *net)
{
	if (!proc_create_net_single(TCPSTATE_PROC_NAME, 0444, net->proc_net,
				    tcpstate_proc_show, NULL))
		return -ENOMEM;
	return 0;
}

void tcpstate_proc_net_exit(struct net *net)
{
	remove_proc_entry(TCPSTATE_PROC_NAME, net->proc_net);
}
