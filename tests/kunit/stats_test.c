// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_stats: the per-netns counters behind /proc/net/tcpstate
 * (module/stats.c): which summary counter every one of the 12x12
 * transitions feeds, and that counting, summing and the by-inode path
 * add exactly what they are given.
 *
 * The suite registers the module's pernet operations (as tcpstate.ko's
 * init does), so init_net has real counters. They keep counting across
 * cases: every check is on a difference.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "stats.h"
#include "tcpstate_kunit.h"

#define NONE	-1

/* Designated initializers: what the README says each counter counts. */
static const struct {
	int old, new, sum;
} summary_table[] = {
	{ TCPSTATE_SYN_SENT, TCPSTATE_ESTABLISHED, TCPSTATE_SUM_ACTIVE_OPENS },
	{ TCPSTATE_SYN_RECV, TCPSTATE_ESTABLISHED, TCPSTATE_SUM_PASSIVE_OPENS },
	{ TCPSTATE_SYN_SENT, TCPSTATE_CLOSE, TCPSTATE_SUM_FAILED_OPENS },
	{ TCPSTATE_SYN_RECV, TCPSTATE_CLOSE, TCPSTATE_SUM_FAILED_OPENS },
	{ TCPSTATE_ESTABLISHED, TCPSTATE_FIN_WAIT1, TCPSTATE_SUM_ACTIVE_CLOSES },
	{ TCPSTATE_ESTABLISHED, TCPSTATE_CLOSE_WAIT, TCPSTATE_SUM_PASSIVE_CLOSES },
	{ TCPSTATE_FIN_WAIT1, TCPSTATE_CLOSING, TCPSTATE_SUM_SIMULTANEOUS_CLOSES },
};

static int expected_summary(int old, int new)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(summary_table); i++)
		if (summary_table[i].old == old && summary_table[i].new == new)
			return summary_table[i].sum;
	return NONE;
}

struct transition {
	int old, new;
};

#define T(o, n)	{ .old = (o), .new = (n) }
#define ROW(o)	T(o, 1), T(o, 2), T(o, 3), T(o, 4), T(o, 5), T(o, 6), \
		T(o, 7), T(o, 8), T(o, 9), T(o, 10), T(o, 11), T(o, 12)

/* Every (old, new) pair of real states: 12 x 12. */
static const struct transition all_transitions[] = {
	ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6),
	ROW(7), ROW(8), ROW(9), ROW(10), ROW(11), ROW(12),
};
static_assert(ARRAY_SIZE(all_transitions) == 12 * 12);

static void transition_desc(const struct transition *t, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s->%s",
		 tcpstate_state_name(t->old), tcpstate_state_name(t->new));
}

KUNIT_ARRAY_PARAM(transition, all_transitions, transition_desc);

static void stats_classify_every_transition(struct kunit *test)
{
	const struct transition *t = test->param_value;

	KUNIT_EXPECT_EQ(test, tcpstate_stats_classify(t->old, t->new),
			expected_summary(t->old, t->new));
}

/* Outside the state range nothing is classified. */
static void stats_classify_invalid_states(struct kunit *test)
{
	static const int bad[] = { -1, 0, TCPSTATE_NR_STATES, 255 };
	unsigned int i;
	int s;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		for (s = 0; s <= TCPSTATE_NR_STATES; s++) {
			KUNIT_EXPECT_EQ(test, tcpstate_stats_classify(bad[i], s), NONE);
			KUNIT_EXPECT_EQ(test, tcpstate_stats_classify(s, bad[i]), NONE);
		}
	}
}

static void stats_state_names(struct kunit *test)
{
	static const char * const names[TCPSTATE_NR_STATES] = {
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
	int s;

	for (s = TCPSTATE_ESTABLISHED; s < TCPSTATE_NR_STATES; s++)
		KUNIT_EXPECT_STREQ(test, tcpstate_state_name(s), names[s]);
	KUNIT_EXPECT_NULL(test, tcpstate_state_name(0));
	KUNIT_EXPECT_NULL(test, tcpstate_state_name(TCPSTATE_NR_STATES));
	KUNIT_EXPECT_NULL(test, tcpstate_state_name(-1));
}

/* The /proc names, in /proc order (README). */
static void stats_counter_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, tcpstate_ev_name(TCPSTATE_EV_RECORDED), "events_recorded");
	KUNIT_EXPECT_STREQ(test, tcpstate_ev_name(TCPSTATE_EV_DROPPED), "events_dropped");
	KUNIT_EXPECT_STREQ(test, tcpstate_ev_name(TCPSTATE_EV_READ), "events_read");
	KUNIT_EXPECT_STREQ(test, tcpstate_ev_name(TCPSTATE_EV_DISCARDED), "events_discarded");
	KUNIT_EXPECT_STREQ(test, tcpstate_ev_name(TCPSTATE_EV_RESETS_IN), "resets_in");
	KUNIT_EXPECT_STREQ(test, tcpstate_ev_name(TCPSTATE_EV_RESETS_OUT), "resets_out");
	KUNIT_EXPECT_STREQ(test, tcpstate_summary_name(TCPSTATE_SUM_ACTIVE_OPENS), "active_opens");
	KUNIT_EXPECT_STREQ(test, tcpstate_summary_name(TCPSTATE_SUM_PASSIVE_OPENS), "passive_opens");
	KUNIT_EXPECT_STREQ(test, tcpstate_summary_name(TCPSTATE_SUM_FAILED_OPENS), "failed_opens");
	KUNIT_EXPECT_STREQ(test, tcpstate_summary_name(TCPSTATE_SUM_ACTIVE_CLOSES), "active_closes");
	KUNIT_EXPECT_STREQ(test, tcpstate_summary_name(TCPSTATE_SUM_PASSIVE_CLOSES), "passive_closes");
	KUNIT_EXPECT_STREQ(test, tcpstate_summary_name(TCPSTATE_SUM_SIMULTANEOUS_CLOSES),
			   "simultaneous_closes");
}

/* A snapshot of every counter of init_net. */
struct snapshot {
	u64 ev[TCPSTATE_EV_NR];
	u64 trans[TCPSTATE_NR_STATES][TCPSTATE_NR_STATES];
	u64 sum[TCPSTATE_SUM_NR];
};

static void snapshot(struct snapshot *s)
{
	const struct tcpstate_net *tn = tcpstate_stats_net_any(&init_net);
	int i, j;

	for (i = 0; i < TCPSTATE_EV_NR; i++)
		s->ev[i] = tcpstate_stats_ev(tn, i);
	for (i = 0; i < TCPSTATE_NR_STATES; i++)
		for (j = 0; j < TCPSTATE_NR_STATES; j++)
			s->trans[i][j] = tcpstate_stats_trans(tn, i, j);
	for (i = 0; i < TCPSTATE_SUM_NR; i++)
		s->sum[i] = tcpstate_stats_summary(tn, i);
}

static struct tcpstate_net *init_net_counters(struct kunit *test)
{
	struct tcpstate_net *tn;

	rcu_read_lock();
	tn = tcpstate_stats_net(&init_net);
	rcu_read_unlock();
	KUNIT_ASSERT_NOT_NULL(test, tn);
	return tn;
}

/*
 * Counting each of the 144 transitions k times (k differs per pair)
 * moves that pair's counter by exactly k, and each summary by the sum
 * over the pairs it is made of; nothing else moves.
 */
static void stats_transition_counts_and_summaries(struct kunit *test)
{
	struct snapshot *before, *after;
	struct tcpstate_net *tn = init_net_counters(test);
	u64 want[TCPSTATE_SUM_NR] = {};
	unsigned int i, k, n;
	int sum;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);

	snapshot(before);
	for (i = 0; i < ARRAY_SIZE(all_transitions); i++) {
		n = 1 + i % 3;
		for (k = 0; k < n; k++) {
			preempt_disable();	/* as in a probe */
			tcpstate_stats_transition(tn, all_transitions[i].old,
						  all_transitions[i].new);
			preempt_enable();
		}
		sum = expected_summary(all_transitions[i].old, all_transitions[i].new);
		if (sum != NONE)
			want[sum] += n;
	}
	snapshot(after);

	for (i = 0; i < ARRAY_SIZE(all_transitions); i++) {
		const struct transition *t = &all_transitions[i];

		KUNIT_EXPECT_EQ_MSG(test, after->trans[t->old][t->new] -
				    before->trans[t->old][t->new], (u64)(1 + i % 3),
				    "%s->%s", tcpstate_state_name(t->old),
				    tcpstate_state_name(t->new));
	}
	for (sum = 0; sum < TCPSTATE_SUM_NR; sum++)
		KUNIT_EXPECT_EQ_MSG(test, after->sum[sum] - before->sum[sum], want[sum],
				    "%s", tcpstate_summary_name(sum));
	for (i = 0; i < TCPSTATE_EV_NR; i++)
		KUNIT_EXPECT_EQ(test, after->ev[i], before->ev[i]);
}

/* The kernel never passes a bad state, but if it did: no index past the matrix. */
static void stats_transition_ignores_invalid_states(struct kunit *test)
{
	struct snapshot *before, *after;
	struct tcpstate_net *tn = init_net_counters(test);

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);

	snapshot(before);
	preempt_disable();
	tcpstate_stats_transition(tn, 0, TCPSTATE_ESTABLISHED);
	tcpstate_stats_transition(tn, TCPSTATE_ESTABLISHED, 0);
	tcpstate_stats_transition(tn, TCPSTATE_NR_STATES, TCPSTATE_CLOSE);
	tcpstate_stats_transition(tn, TCPSTATE_CLOSE, TCPSTATE_NR_STATES);
	tcpstate_stats_transition(tn, -1, 255);
	preempt_enable();
	snapshot(after);
	KUNIT_EXPECT_EQ(test, memcmp(before, after, sizeof(*before)), 0);
}

static void stats_inc_and_add_by_inum(struct kunit *test)
{
	struct tcpstate_net *tn = init_net_counters(test);
	struct snapshot *before, *after;
	int i;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);

	snapshot(before);
	preempt_disable();
	for (i = 0; i < 3; i++)
		tcpstate_stats_inc(tn, TCPSTATE_EV_RECORDED);
	tcpstate_stats_inc(tn, TCPSTATE_EV_DROPPED);
	tcpstate_stats_inc(tn, TCPSTATE_EV_RESETS_IN);
	tcpstate_stats_inc(tn, TCPSTATE_EV_RESETS_OUT);
	tcpstate_stats_inc(tn, TCPSTATE_EV_RESETS_OUT);
	preempt_enable();
	tcpstate_stats_add_by_inum(init_net.ns.inum, init_net.net_cookie,
				   TCPSTATE_EV_READ, 5);
	tcpstate_stats_add_by_inum(init_net.ns.inum, init_net.net_cookie,
				   TCPSTATE_EV_DISCARDED, 7);
	tcpstate_stats_add_by_inum(init_net.ns.inum, init_net.net_cookie,
				   TCPSTATE_EV_READ, 0);
	/* No such namespace: counted nowhere, and no crash. */
	tcpstate_stats_add_by_inum(0, init_net.net_cookie, TCPSTATE_EV_READ, 11);
	tcpstate_stats_add_by_inum(init_net.ns.inum + 1, init_net.net_cookie,
				   TCPSTATE_EV_READ, 13);
	/*
	 * A gone namespace whose inode number init_net had (inode numbers
	 * are reused): its records are not ours. Guards the net_cookie fix.
	 */
	tcpstate_stats_add_by_inum(init_net.ns.inum, init_net.net_cookie + 1,
				   TCPSTATE_EV_READ, 17);
	snapshot(after);

	KUNIT_EXPECT_EQ(test, after->ev[TCPSTATE_EV_RECORDED] - before->ev[TCPSTATE_EV_RECORDED], 3ULL);
	KUNIT_EXPECT_EQ(test, after->ev[TCPSTATE_EV_DROPPED] - before->ev[TCPSTATE_EV_DROPPED], 1ULL);
	KUNIT_EXPECT_EQ(test, after->ev[TCPSTATE_EV_READ] - before->ev[TCPSTATE_EV_READ], 5ULL);
	KUNIT_EXPECT_EQ(test, after->ev[TCPSTATE_EV_DISCARDED] - before->ev[TCPSTATE_EV_DISCARDED], 7ULL);
	KUNIT_EXPECT_EQ(test, after->ev[TCPSTATE_EV_RESETS_IN] - before->ev[TCPSTATE_EV_RESETS_IN], 1ULL);
	KUNIT_EXPECT_EQ(test, after->ev[TCPSTATE_EV_RESETS_OUT] - before->ev[TCPSTATE_EV_RESETS_OUT], 2ULL);
	KUNIT_EXPECT_EQ(test, memcmp(before->trans, after->trans, sizeof(before->trans)), 0);
}

static long count_on_this_cpu(void *tn)
{
	tcpstate_stats_transition(tn, TCPSTATE_LAST_ACK, TCPSTATE_CLOSE);
	return 0;
}

/* Per-CPU counters: increments made on every CPU all show in the sum. */
static void stats_sum_covers_every_cpu(struct kunit *test)
{
	struct tcpstate_net *tn = init_net_counters(test);
	const struct tcpstate_net *any = tcpstate_stats_net_any(&init_net);
	u64 before = tcpstate_stats_trans(any, TCPSTATE_LAST_ACK, TCPSTATE_CLOSE);
	u64 cpus = 0;
	int cpu;

	KUNIT_EXPECT_PTR_EQ(test, (const struct tcpstate_net *)tn, any);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		/* A worker bound to @cpu: the count lands in its block. */
		KUNIT_EXPECT_EQ(test, work_on_cpu(cpu, count_on_this_cpu, tn), 0L);
		cpus++;
	}
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, tcpstate_stats_trans(any, TCPSTATE_LAST_ACK, TCPSTATE_CLOSE) -
			before, cpus);
}

static int stats_suite_init(struct kunit_suite *suite)
{
	return tcpstate_stats_init();
}

static void stats_suite_exit(struct kunit_suite *suite)
{
	tcpstate_stats_uninit();
}

static struct kunit_case stats_cases[] = {
	KUNIT_CASE_PARAM(stats_classify_every_transition, transition_gen_params),
	KUNIT_CASE(stats_classify_invalid_states),
	KUNIT_CASE(stats_state_names),
	KUNIT_CASE(stats_counter_names),
	KUNIT_CASE(stats_transition_counts_and_summaries),
	KUNIT_CASE(stats_transition_ignores_invalid_states),
	KUNIT_CASE(stats_inc_and_add_by_inum),
	KUNIT_CASE(stats_sum_covers_every_cpu),
	{}
};

struct kunit_suite tcpstate_stats_suite = {
	.name = "tcpstate_stats",
	.suite_init = stats_suite_init,
	.suite_exit = stats_suite_exit,
	.test_cases = stats_cases,
};
