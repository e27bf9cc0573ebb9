// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace counters behind /proc/net/tcpstate.
 *
 * Every namespace gets a per-CPU block of counters, so the hooks count
 * with one this_cpu_inc() and no shared cache line. The summary
 * counters (active_opens, ...) are not stored: they are sums over the
 * transition matrix, computed when /proc is read.
 *
 * Lifetime: the hooks find a namespace's counters through the socket
 * (net_generic()); the reader, which only has the netns inode number
 * from a record, through an xarray. Both run inside RCU read-side
 * sections (probes run with preemption disabled), and a namespace is
 * torn down in two steps the core separates with synchronize_rcu():
 * pre_exit hides the counters from both paths, exit frees them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <net/netns/generic.h>

#include "proc.h"
#include "stats.h"

struct tcpstate_counters {
	u64 ev[TCPSTATE_EV_NR];
	u64 trans[TCPSTATE_NR_STATES][TCPSTATE_NR_STATES];
};

struct tcpstate_net {
	struct tcpstate_counters __percpu *ctr;
	u64 net_cookie;		/* the namespace's, never reused */
	bool dying;		/* set in pre_exit: stop counting */
};

static unsigned int tcpstate_net_id __read_mostly;

/* netns inode -> struct tcpstate_net; RCU readers, xa_lock writers. */
static DEFINE_XARRAY(netns_by_inum);

static const char * const state_names[TCPSTATE_NR_STATES] = {
	[TCPSTATE_ESTABLISHED] = "established",
	[TCPSTATE_SYN_SENT] = "syn_sent",
	[TCPSTATE_SYN_RECV] = "syn_recv",
	[TCPSTATE_FIN_WAIT1] = "fin_wait1",
	[TCPSTATE_FIN_WAIT2] = "fin_wait2",
	[TCPSTATE_TIME_WAIT] = "time_wait",
	[TCPSTATE_CLOSE] = "close",
	[TCPSTATE_CLOSE_WAIT] = "close_wait",
	[TCPSTATE_LAST_ACK] = "last_ack",
	[TCPSTATE_LISTEN] = "listen",
	[TCPSTATE_CLOSING] = "closing",
	[TCPSTATE_NEW_SYN_RECV] = "new_syn_recv",
};

static const char * const ev_names[TCPSTATE_EV_NR] = {
	[TCPSTATE_EV_RECORDED] = "events_recorded",
	[TCPSTATE_EV_DROPPED] = "events_dropped",
	[TCPSTATE_EV_READ] = "events_read",
	[TCPSTATE_EV_DISCARDED] = "events_discarded",
	[TCPSTATE_EV_RESETS_IN] = "resets_in",
	[TCPSTATE_EV_RESETS_OUT] = "resets_out",
	[TCPSTATE_EV_TW_ENTERED] = "time_wait_entered",
	[TCPSTATE_EV_TW_ENDED] = "time_wait_ended",
	[TCPSTATE_EV_TW_EXPIRED] = "time_wait_expired",
	[TCPSTATE_EV_SYN_IN] = "syn_in",
	[TCPSTATE_EV_SYNACK_OUT] = "synack_out",
	[TCPSTATE_EV_SYN_RETRANS] = "syn_retrans",
	[TCPSTATE_EV_SYNACK_RETRANS] = "synack_retrans",
	[TCPSTATE_EV_SYNCOOKIES_SENT] = "syncookies_sent",
	[TCPSTATE_EV_SYNCOOKIES_ACCEPTED] = "syncookies_accepted",
	[TCPSTATE_EV_REQ_CREATED] = "requests_created",
	[TCPSTATE_EV_REQ_ENDED] = "requests_ended",
	[TCPSTATE_EV_ACCEPT_QUEUE_DROPS] = "accept_queue_drops",
};

static const char * const summary_names[TCPSTATE_SUM_NR] = {
	[TCPSTATE_SUM_ACTIVE_OPENS] = "active_opens",
	[TCPSTATE_SUM_PASSIVE_OPENS] = "passive_opens",
	[TCPSTATE_SUM_FAILED_OPENS] = "failed_opens",
	[TCPSTATE_SUM_ACTIVE_CLOSES] = "active_closes",
	[TCPSTATE_SUM_PASSIVE_CLOSES] = "passive_closes",
	[TCPSTATE_SUM_SIMULTANEOUS_CLOSES] = "simultaneous_closes",
};

const char *tcpstate_state_name(int state)
{
	return tcpstate_state_valid(state) ? state_names[state] : NULL;
}

const char *tcpstate_ev_name(enum tcpstate_ev ev)
{
	return ev_names[ev];
}

const char *tcpstate_summary_name(enum tcpstate_summary sum)
{
	return summary_names[sum];
}

/* Which summary counter a transition feeds, or -1 for none. */
int tcpstate_stats_classify(int oldstate, int newstate)
{
	switch (oldstate) {
	case TCPSTATE_SYN_SENT:
		if (newstate == TCPSTATE_ESTABLISHED)
			return TCPSTATE_SUM_ACTIVE_OPENS;
		if (newstate == TCPSTATE_CLOSE)
			return TCPSTATE_SUM_FAILED_OPENS;
		break;
	case TCPSTATE_SYN_RECV:
		if (newstate == TCPSTATE_ESTABLISHED)
			return TCPSTATE_SUM_PASSIVE_OPENS;
		if (newstate == TCPSTATE_CLOSE)
			return TCPSTATE_SUM_FAILED_OPENS;
		break;
	case TCPSTATE_ESTABLISHED:
		if (newstate == TCPSTATE_FIN_WAIT1)
			return TCPSTATE_SUM_ACTIVE_CLOSES;
		if (newstate == TCPSTATE_CLOSE_WAIT)
			return TCPSTATE_SUM_PASSIVE_CLOSES;
		break;
	case TCPSTATE_FIN_WAIT1:
		if (newstate == TCPSTATE_CLOSING)
			return TCPSTATE_SUM_SIMULTANEOUS_CLOSES;
		break;
	}
	return -1;
}

/* The caller runs in an RCU read-side section (any probe does). */
struct tcpstate_net *tcpstate_stats_net(const struct net *net)
{
	struct tcpstate_net *tn = net_generic(net, tcpstate_net_id);

	return READ_ONCE(tn->dying) ? NULL : tn;
}

/* For /proc, which exists from init to exit: counters still allocated. */
const struct tcpstate_net *tcpstate_stats_net_any(const struct net *net)
{
	return net_generic(net, tcpstate_net_id);
}

void tcpstate_stats_transition(struct tcpstate_net *tn, int oldstate,
			       int newstate)
{
	/* The kernel never passes anything else; never index past it. */
	if (tcpstate_state_valid(oldstate) && tcpstate_state_valid(newstate))
		this_cpu_inc(tn->ctr->trans[oldstate][newstate]);
}

void tcpstate_stats_inc(struct tcpstate_net *tn, enum tcpstate_ev ev)
{
	this_cpu_inc(tn->ctr->ev[ev]);
}

/*
 * For the reader, which knows a record's namespace by its inode number
 * and the namespace's cookie the ring kept. A namespace that has gone
 * since is not counted (nobody can read its /proc file any more), nor
 * one that got its inode number after it.
 */
void tcpstate_stats_add_by_inum(u32 inum, u64 net_cookie, enum tcpstate_ev ev,
				u64 n)
{
	struct tcpstate_net *tn;

	if (!n)
		return;
	rcu_read_lock();
	tn = xa_load(&netns_by_inum, inum);
	if (tn && tn->net_cookie == net_cookie)
		this_cpu_add(tn->ctr->ev[ev], n);
	rcu_read_unlock();
}

/* Sums are not atomic snapshots: each counter is exact on its own. */
u64 tcpstate_stats_ev(const struct tcpstate_net *tn, enum tcpstate_ev ev)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(tn->ctr, cpu)->ev[ev];
	return sum;
}

u64 tcpstate_stats_trans(const struct tcpstate_net *tn, int oldstate,
			 int newstate)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(tn->ctr, cpu)->trans[oldstate][newstate];
	return sum;
}

u64 tcpstate_stats_summary(const struct tcpstate_net *tn,
			   enum tcpstate_summary sum)
{
	int oldstate, newstate;
	u64 n = 0;

	for (oldstate = 0; oldstate < TCPSTATE_NR_STATES; oldstate++)
		for (newstate = 0; newstate < TCPSTATE_NR_STATES; newstate++)
			if (tcpstate_stats_classify(oldstate, newstate) == sum)
				n += tcpstate_stats_trans(tn, oldstate,
							  newstate);
	return n;
}

static int __net_init tcpstate_net_init(struct net *net)
{
	struct tcpstate_net *tn = net_generic(net, tcpstate_net_id);
	int ret;

	tn->ctr = alloc_percpu(struct tcpstate_counters);
	if (!tn->ctr)
		return -ENOMEM;
	tn->net_cookie = net->net_cookie;

	ret = xa_err(xa_store(&netns_by_inum, net->ns.inum, tn, GFP_KERNEL));
	if (ret)
		goto err_xa;

	ret = tcpstate_proc_net_init(net);
	if (ret)
		goto err_proc;
	return 0;

err_proc:
	xa_erase(&netns_by_inum, net->ns.inum);
err_xa:
	free_percpu(tn->ctr);
	return ret;
}

static void __net_exit tcpstate_net_pre_exit(struct net *net)
{
	struct tcpstate_net *tn = net_generic(net, tcpstate_net_id);

	/* Readers that still see either finish before exit: see the top. */
	WRITE_ONCE(tn->dying, true);
	xa_erase(&netns_by_inum, net->ns.inum);
}

static void __net_exit tcpstate_net_exit(struct net *net)
{
	struct tcpstate_net *tn = net_generic(net, tcpstate_net_id);

	tcpstate_proc_net_exit(net);
	free_percpu(tn->ctr);
}

static struct pernet_operations tcpstate_net_ops = {
	.init = tcpstate_net_init,
	.pre_exit = tcpstate_net_pre_exit,
	.exit = tcpstate_net_exit,
	.id = &tcpstate_net_id,
	.size = sizeof(struct tcpstate_net),
};

int tcpstate_stats_init(void)
{
	return register_pernet_subsys(&tcpstate_net_ops);
}

/*
 * The hooks are gone by now. Unregistering runs pre_exit, a grace
 * period and exit for every namespace, as a namespace teardown does.
 */
void tcpstate_stats_uninit(void)
{
	unregister_pernet_subsys(&tcpstate_net_ops);
}
