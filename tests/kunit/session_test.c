// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_session: sessions (module/session.c) without probes: records
 * offered with tcpstate_sessions_emit() reach exactly the sessions whose
 * scope and filter want them, each into its own ring; the kinds summary
 * the segment probes read; SET_FILTER's checks; the ring replaced before
 * the first read.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "filter.h"
#include "ring.h"
#include "session.h"
#include "stats.h"
#include "tcpstate_kunit.h"

static struct tcpstate_rec rec_of(u16 type, u16 flags, u16 lport, u16 rport)
{
	struct tcpstate_rec rec = { .version = TCPSTATE_ABI_VERSION,
				    .type = type, .size = sizeof(rec),
				    .flags = flags, .family = AF_INET,
				    .lport = lport, .rport = rport };

	return rec;
}

/* What waits in the session's rings, every CPU's: emit() writes the current one. */
static u64 in_ring(struct tcpstate_session *s)
{
	struct tcpstate_ring *ring = tcpstate_session_ring(s);
	u64 tail, head, n = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		head = tcpstate_ring_peek(tcpstate_ring_cpu(ring, cpu), &tail);
		n += head - tail;
	}
	return n;
}

static struct tcpstate_session *open_session(struct kunit *test)
{
	struct tcpstate_session *s = tcpstate_session_open(&init_net);

	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	return s;
}

static void close_session(struct tcpstate_session *s)
{
	tcpstate_session_unlist(s);
	tcpstate_session_free(s);
}

/* What each session gets: (its filter's ports, kinds) vs records offered. */
static void session_filters_route_records(struct kunit *test)
{
	struct tcpstate_filter f80 = { .kinds = TCPSTATE_KINDS_ALL,
				       .nr_ports = 1, .ports = { 80 } };
	struct tcpstate_filter states = { .kinds = TCPSTATE_KIND_STATES };
	struct tcpstate_session *all = open_session(test);
	struct tcpstate_session *p80 = open_session(test);
	struct tcpstate_session *st = open_session(test);
	struct tcpstate_session_info info;
	struct tcpstate_rec r;

	KUNIT_ASSERT_EQ(test, tcpstate_session_set_filter(p80, &f80), 0);
	KUNIT_ASSERT_EQ(test, tcpstate_session_set_filter(st, &states), 0);

	r = rec_of(TCPSTATE_REC_STATE, 0, 80, 5000);
	tcpstate_sessions_emit(&init_net, &r);		/* all three */
	r = rec_of(TCPSTATE_REC_STATE, 0, 81, 5000);
	tcpstate_sessions_emit(&init_net, &r);		/* all, st */
	r = rec_of(TCPSTATE_REC_SEGMENT, TCPSTATE_F_CONTROL, 5000, 80);
	tcpstate_sessions_emit(&init_net, &r);		/* all, p80 */
	r = rec_of(TCPSTATE_REC_SEGMENT, 0, 5000, 80);
	tcpstate_sessions_emit(&init_net, &r);		/* p80 (default: control) */
	r = rec_of(TCPSTATE_REC_STATE, TCPSTATE_F_TIMEWAIT, 80, 5000);
	tcpstate_sessions_emit(&init_net, &r);		/* all, p80 */

	KUNIT_EXPECT_EQ(test, in_ring(all), 4ULL);
	KUNIT_EXPECT_EQ(test, in_ring(p80), 4ULL);
	KUNIT_EXPECT_EQ(test, in_ring(st), 2ULL);
	tcpstate_session_info(p80, &info);
	KUNIT_EXPECT_EQ(test, info.recorded, 4ULL);
	KUNIT_EXPECT_EQ(test, info.buffered, 4ULL);
	KUNIT_EXPECT_EQ(test, info.dropped, 0ULL);
	KUNIT_EXPECT_EQ(test, info.flags & TCPSTATE_SESSION_DEFAULT_FILTER, 0U);
	tcpstate_session_info(all, &info);
	KUNIT_EXPECT_EQ(test, info.flags & TCPSTATE_SESSION_DEFAULT_FILTER,
			(u32)TCPSTATE_SESSION_DEFAULT_FILTER);
	close_session(st);
	close_session(p80);
	close_session(all);
}

/* A session scoped to another namespace is offered none of init_net's. */
static void session_scope_keeps_others_out(struct kunit *test)
{
	static const int elsewhere;	/* stands for another struct net */
	struct tcpstate_session *s = open_session(test);
	struct tcpstate_session *host = open_session(test);
	struct net *own = s->net;
	struct tcpstate_rec r = rec_of(TCPSTATE_REC_STATE, 0, 1, 2);

	s->net = (struct net *)&elsewhere;
	s->scoped = true;
	tcpstate_sessions_emit(&init_net, &r);
	KUNIT_EXPECT_EQ(test, in_ring(s), 0ULL);
	KUNIT_EXPECT_EQ(test, in_ring(host), 1ULL);
	s->scoped = false;
	s->net = own;
	close_session(host);
	close_session(s);
}

/* What the segment probes ask: which kinds does any session want. */
static void session_kinds_summary(struct kunit *test)
{
	struct tcpstate_filter seg = { .kinds = TCPSTATE_KIND_SEGMENTS };
	struct tcpstate_session *a, *b;
	u32 def;

	KUNIT_EXPECT_EQ(test, tcpstate_sessions_kinds(), 0U);
	a = open_session(test);
	def = tcpstate_sessions_kinds();
	KUNIT_EXPECT_EQ(test, def, (u32)(TCPSTATE_KINDS_ALL & ~TCPSTATE_KIND_SEGMENTS));
	KUNIT_ASSERT_EQ(test, tcpstate_session_set_filter(a, &seg), 0);
	KUNIT_EXPECT_EQ(test, tcpstate_sessions_kinds(), (u32)TCPSTATE_KIND_SEGMENTS);
	b = open_session(test);
	KUNIT_EXPECT_EQ(test, tcpstate_sessions_kinds(), def | TCPSTATE_KIND_SEGMENTS);
	close_session(a);
	KUNIT_EXPECT_EQ(test, tcpstate_sessions_kinds(), def);
	close_session(b);
	KUNIT_EXPECT_EQ(test, tcpstate_sessions_kinds(), 0U);
}

static void session_set_filter_checks(struct kunit *test)
{
	struct tcpstate_filter good = { .kinds = TCPSTATE_KIND_STATES };
	struct tcpstate_filter bad = { .kinds = 0 };
	struct tcpstate_filter other = { .kinds = TCPSTATE_KIND_STATES,
					 .netns = 1 };
	struct tcpstate_session *s = open_session(test);
	struct tcpstate_filter got;

	KUNIT_EXPECT_EQ(test, tcpstate_session_set_filter(s, &bad), -EINVAL);
	tcpstate_session_get_filter(s, &got);
	KUNIT_EXPECT_NE(test, got.kinds, 0U);	/* still the default */
	KUNIT_EXPECT_EQ(test, tcpstate_session_set_filter(s, &good), 0);
	/* A namespace's session may not ask for another namespace. */
	s->scoped = true;
	KUNIT_EXPECT_EQ(test, tcpstate_session_set_filter(s, &other), -EINVAL);
	s->scoped = false;
	KUNIT_EXPECT_EQ(test, tcpstate_session_set_filter(s, &other), 0);
	close_session(s);
}

/* SET_BUFFER's core: a new empty ring; the old one's records are the caller's. */
static void session_replace_ring(struct kunit *test)
{
	struct tcpstate_session *s = open_session(test);
	struct tcpstate_rec r = rec_of(TCPSTATE_REC_STATE, 0, 1, 2);
	struct tcpstate_ring *old;

	tcpstate_sessions_emit(&init_net, &r);
	mutex_lock(&s->read_lock);
	old = tcpstate_session_replace_ring(s, 32);
	mutex_unlock(&s->read_lock);
	KUNIT_ASSERT_FALSE(test, IS_ERR(old));
	KUNIT_EXPECT_EQ(test, tcpstate_ring_capacity(tcpstate_session_ring(s)), 32U);
	KUNIT_EXPECT_EQ(test, in_ring(s), 0ULL);
	KUNIT_EXPECT_PTR_EQ(test, tcpstate_session_ring(s)->waitq, &s->waitq);
	tcpstate_ring_destroy(old);
	tcpstate_sessions_emit(&init_net, &r);
	KUNIT_EXPECT_EQ(test, in_ring(s), 1ULL);
	close_session(s);
}

static int session_suite_init(struct kunit_suite *suite)
{
	int ret = tcpstate_stats_init();

	if (ret)
		return ret;
	ret = tcpstate_filter_init();
	if (ret)
		tcpstate_stats_uninit();
	return ret;
}

static void session_suite_exit(struct kunit_suite *suite)
{
	tcpstate_filter_uninit();
	tcpstate_stats_uninit();
}

static struct kunit_case session_cases[] = {
	KUNIT_CASE(session_filters_route_records),
	KUNIT_CASE(session_scope_keeps_others_out),
	KUNIT_CASE(session_kinds_summary),
	KUNIT_CASE(session_set_filter_checks),
	KUNIT_CASE(session_replace_ring),
	{}
};

struct kunit_suite tcpstate_session_suite = {
	.name = "tcpstate_session",
	.suite_init = session_suite_init,
	.suite_exit = session_suite_exit,
	.test_cases = session_cases,
};
