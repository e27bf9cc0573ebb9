/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_STATS_H
#define _TCPSTATE_STATS_H

#include <linux/types.h>
#include <net/net_namespace.h>

#include "uapi/tcpstate.h"

/* Per-netns event counters, beside the transition matrix. */
enum tcpstate_ev {
	TCPSTATE_EV_RECORDED,	/* offered to the ring */
	TCPSTATE_EV_DROPPED,	/* ... and refused: it was full */
	TCPSTATE_EV_READ,	/* ... and copied to a reader */
	TCPSTATE_EV_DISCARDED,	/* ... and skipped: reader scoped elsewhere */
	TCPSTATE_EV_RESETS_IN,
	TCPSTATE_EV_RESETS_OUT,
	TCPSTATE_EV_TW_ENTERED,	/* a timewait socket reached TIME_WAIT */
	TCPSTATE_EV_TW_ENDED,	/* ... and ended */
	TCPSTATE_EV_TW_EXPIRED,	/* ... and ended by its timer */
	TCPSTATE_EV_SYN_IN,	/* SYNs received by listeners */
	TCPSTATE_EV_SYNACK_OUT,
	TCPSTATE_EV_SYN_RETRANS,
	TCPSTATE_EV_SYNACK_RETRANS,
	TCPSTATE_EV_SYNCOOKIES_SENT,
	TCPSTATE_EV_SYNCOOKIES_ACCEPTED,
	TCPSTATE_EV_REQ_CREATED,
	TCPSTATE_EV_REQ_ENDED,
	TCPSTATE_EV_ACCEPT_QUEUE_DROPS,
	TCPSTATE_EV_NR
};

/* Summary counters, each a sum of transitions (tcpstate_stats_classify). */
enum tcpstate_summary {
	TCPSTATE_SUM_ACTIVE_OPENS,
	TCPSTATE_SUM_PASSIVE_OPENS,
	TCPSTATE_SUM_FAILED_OPENS,
	TCPSTATE_SUM_ACTIVE_CLOSES,
	TCPSTATE_SUM_PASSIVE_CLOSES,
	TCPSTATE_SUM_SIMULTANEOUS_CLOSES,
	TCPSTATE_SUM_NR
};

struct tcpstate_net;

int tcpstate_stats_init(void);
void tcpstate_stats_uninit(void);

struct tcpstate_net *tcpstate_stats_net(const struct net *net);
const struct tcpstate_net *tcpstate_stats_net_any(const struct net *net);
void tcpstate_stats_transition(struct tcpstate_net *tn, int oldstate,
			       int newstate);
void tcpstate_stats_inc(struct tcpstate_net *tn, enum tcpstate_ev ev);
void tcpstate_stats_add_by_inum(u32 inum, u64 net_cookie, enum tcpstate_ev ev,
				u64 n);

u64 tcpstate_stats_ev(const struct tcpstate_net *tn, enum tcpstate_ev ev);
u64 tcpstate_stats_trans(const struct tcpstate_net *tn, int oldstate,
			 int newstate);
u64 tcpstate_stats_summary(const struct tcpstate_net *tn,
			   enum tcpstate_summary sum);
int tcpstate_stats_classify(int oldstate, int newstate);

const char *tcpstate_state_name(int state);
const char *tcpstate_ev_name(enum tcpstate_ev ev);
const char *tcpstate_summary_name(enum tcpstate_summary sum);

static inline bool tcpstate_state_valid(int state)
{
	return state >= TCPSTATE_ESTABLISHED && state < TCPSTATE_NR_STATES;
}

#endif /* _TCPSTATE_STATS_H */
