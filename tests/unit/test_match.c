// SPDX-License-Identifier: GPL-2.0
/*
 * The session filter's meaning (module/uapi/tcpstate_match.h), the one
 * header the module's sessions and the tool's offline filtering both
 * compile: which records a filter takes, and which filters are refused
 * (the module answers those with EINVAL, the tool with the reason).
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <tcpstate_match.h>

#include "check.h"

static struct tcpstate_rec rec4(const char *l, unsigned int lport,
				const char *r, unsigned int rport)
{
	struct tcpstate_rec rec = { .version = TCPSTATE_ABI_VERSION,
				    .type = TCPSTATE_REC_STATE,
				    .size = sizeof(rec), .family = AF_INET,
				    .netns = 4026531840U };

	inet_pton(AF_INET, l, rec.laddr);
	inet_pton(AF_INET, r, rec.raddr);
	rec.lport = (__u16)lport;
	rec.rport = (__u16)rport;
	return rec;
}

static struct tcpstate_rec rec6(const char *l, const char *r)
{
	struct tcpstate_rec rec = rec4("0.0.0.0", 40000, "0.0.0.0", 80);

	rec.family = AF_INET6;
	inet_pton(AF_INET6, l, rec.laddr);
	inet_pton(AF_INET6, r, rec.raddr);
	return rec;
}

static struct tcpstate_prefix prefix(const char *text, unsigned int bits)
{
	struct tcpstate_prefix p = { .bits = (__u8)bits };
	__u8 v4[4];

	if (inet_pton(AF_INET, text, v4) == 1) {
		p.addr[10] = 0xff;
		p.addr[11] = 0xff;
		memcpy(p.addr + 12, v4, 4);
	} else {
		inet_pton(AF_INET6, text, p.addr);
	}
	return p;
}

static struct tcpstate_filter all(void)
{
	return (struct tcpstate_filter){ .kinds = TCPSTATE_KINDS_ALL };
}

static void test_kinds(void)
{
	struct tcpstate_filter f = all();
	struct tcpstate_rec r = rec4("10.0.0.1", 40000, "10.0.0.2", 80);

	CHECK_INT(TCPSTATE_KIND_STATES, tcpstate_rec_kind(&r));
	r.flags = TCPSTATE_F_TIMEWAIT;
	CHECK_INT(TCPSTATE_KIND_TIMEWAIT, tcpstate_rec_kind(&r));
	r.type = TCPSTATE_REC_SEGMENT;
	/* A TIME_WAIT socket's segment is a segment, by its F_CONTROL. */
	CHECK_INT(TCPSTATE_KIND_SEGMENTS, tcpstate_rec_kind(&r));
	r.flags |= TCPSTATE_F_CONTROL;
	CHECK_INT(TCPSTATE_KIND_CONTROL, tcpstate_rec_kind(&r));
	r.type = TCPSTATE_REC_REQUEST;
	CHECK_INT(TCPSTATE_KIND_REQUESTS, tcpstate_rec_kind(&r));
	r.type = TCPSTATE_REC_LOST;
	CHECK_INT(0, tcpstate_rec_kind(&r));

	/* Lost records pass any filter: a gap is always reported. */
	f.kinds = TCPSTATE_KIND_REQUESTS;
	f.nr_ports = 1;
	f.ports[0] = 1;
	CHECK(tcpstate_filter_match(&f, &r));
	r.type = TCPSTATE_REC_SEGMENT;
	r.flags = TCPSTATE_F_CONTROL;
	f.nr_ports = 0;
	f.ports[0] = 0;
	CHECK(!tcpstate_filter_match(&f, &r));
	f.kinds |= TCPSTATE_KIND_CONTROL;
	CHECK(tcpstate_filter_match(&f, &r));
	r.flags = 0;
	CHECK(!tcpstate_filter_match(&f, &r));
}

struct match_case {
	const char *name;
	struct tcpstate_rec rec;
	void (*set)(struct tcpstate_filter *f);
	bool match;
};

static void ports_80_443(struct tcpstate_filter *f)
{
	f->nr_ports = 2;
	f->ports[0] = 443;
	f->ports[1] = 80;
}

static void v4_only(struct tcpstate_filter *f)
{
	f->family = AF_INET;
}

static void v6_only(struct tcpstate_filter *f)
{
	f->family = AF_INET6;
}

static void net_10_8(struct tcpstate_filter *f)
{
	f->nr_addrs = 1;
	f->addrs[0] = prefix("10.0.0.0", 104);
}

static void net_10_0_0_2_and_v6(struct tcpstate_filter *f)
{
	f->nr_addrs = 2;
	f->addrs[0] = prefix("2001:db8::", 32);
	f->addrs[1] = prefix("10.0.0.2", 128);
}

static void net_odd_bits(struct tcpstate_filter *f)
{
	/* 10.0.0.0/31 (mapped: 96 + 31): .0 and .1 only. */
	f->nr_addrs = 1;
	f->addrs[0] = prefix("10.0.0.0", 127);
}

static void pid_42(struct tcpstate_filter *f)
{
	f->pid = 42;
}

static void comm_curl(struct tcpstate_filter *f)
{
	strcpy(f->comm, "curl");
}

static void netns_other(struct tcpstate_filter *f)
{
	f->netns = 4026532000U;
}

static void netns_same(struct tcpstate_filter *f)
{
	f->netns = 4026531840U;
}

static struct tcpstate_rec task(struct tcpstate_rec r, unsigned int pid,
				const char *comm)
{
	r.flags |= TCPSTATE_F_TASK;
	r.pid = pid;
	strncpy(r.comm, comm, sizeof(r.comm));
	return r;
}

static void test_table(void)
{
	struct tcpstate_rec a = rec4("10.0.0.1", 40000, "10.0.0.2", 80);
	struct tcpstate_rec b = rec4("192.168.1.1", 40000, "192.168.1.2", 8080);
	struct tcpstate_rec mapped = rec6("::ffff:10.0.0.1", "::ffff:10.0.0.2");
	struct tcpstate_rec v6 = rec6("2001:db8::1", "2001:db9::2");
	struct tcpstate_rec odd = rec4("10.0.0.1", 1, "10.0.0.5", 2);
	const struct match_case cases[] = {
		{ "no condition", a, NULL, true },
		{ "rport in list", a, ports_80_443, true },
		{ "lport in list", rec4("10.0.0.1", 443, "10.0.0.2", 5), ports_80_443, true },
		{ "no port in list", b, ports_80_443, false },
		{ "ipv4 takes ipv4", a, v4_only, true },
		{ "ipv4 takes mapped", mapped, v4_only, true },
		{ "ipv4 refuses ipv6", v6, v4_only, false },
		{ "ipv6 refuses mapped", mapped, v6_only, false },
		{ "ipv6 takes ipv6", v6, v6_only, true },
		{ "10/8 takes 10.0.0.2", a, net_10_8, true },
		{ "10/8 takes mapped 10.x", mapped, net_10_8, true },
		{ "10/8 refuses 192.168", b, net_10_8, false },
		{ "second prefix matches", a, net_10_0_0_2_and_v6, true },
		{ "first prefix matches v6 local", v6, net_10_0_0_2_and_v6, true },
		{ "/31 takes .1 (local)", odd, net_odd_bits, true },
		{ "/31 refuses .2 and .3", rec4("10.0.0.2", 1, "10.0.0.3", 2), net_odd_bits, false },
		{ "pid refuses softirq", a, pid_42, false },
		{ "pid takes its task", task(a, 42, "curl"), pid_42, true },
		{ "pid refuses another", task(a, 43, "curl"), pid_42, false },
		{ "comm takes its task", task(a, 43, "curl"), comm_curl, true },
		{ "comm refuses another", task(a, 43, "curlx"), comm_curl, false },
		{ "comm refuses softirq", a, comm_curl, false },
		{ "netns other", a, netns_other, false },
		{ "netns same", a, netns_same, true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tcpstate_filter f = all();
		bool got;

		if (cases[i].set)
			cases[i].set(&f);
		CHECK(tcpstate_filter_invalid(&f) == NULL);
		got = tcpstate_filter_match(&f, &cases[i].rec);
		if (got != cases[i].match)
			printf("  match case '%s': expected %d\n", cases[i].name,
			       cases[i].match);
		CHECK_INT(cases[i].match, got);
	}
}

static void test_invalid(void)
{
	struct tcpstate_filter f = all();

	CHECK(tcpstate_filter_invalid(&f) == NULL);
	f.kinds = 0;
	CHECK_PREFIX("kinds:", tcpstate_filter_invalid(&f));
	f.kinds = 0x20;
	CHECK_PREFIX("kinds:", tcpstate_filter_invalid(&f));
	f = all();
	f.family = 3;
	CHECK_PREFIX("family:", tcpstate_filter_invalid(&f));
	f = all();
	f.nr_ports = 17;
	CHECK_PREFIX("ports: at most", tcpstate_filter_invalid(&f));
	f.nr_ports = 1;
	CHECK_PREFIX("ports: 0", tcpstate_filter_invalid(&f));
	f.ports[0] = 80;
	f.ports[1] = 81;
	CHECK_PREFIX("ports: entries past", tcpstate_filter_invalid(&f));
	f = all();
	f.nr_addrs = 9;
	CHECK_PREFIX("addrs: at most", tcpstate_filter_invalid(&f));
	f.nr_addrs = 1;
	f.addrs[0] = prefix("10.0.0.1", 104);
	CHECK_PREFIX("addrs: address bits past", tcpstate_filter_invalid(&f));
	f.addrs[0] = prefix("10.0.0.0", 129);
	CHECK_PREFIX("addrs: a prefix", tcpstate_filter_invalid(&f));
	f.addrs[0] = prefix("10.0.0.0", 104);
	CHECK(tcpstate_filter_invalid(&f) == NULL);
	f.addrs[1].bits = 1;
	CHECK_PREFIX("addrs: entries past", tcpstate_filter_invalid(&f));
	f = all();
	memset(f.comm, 'x', sizeof(f.comm));
	CHECK_PREFIX("comm:", tcpstate_filter_invalid(&f));
	f = all();
	f.__reserved[1] = 1;
	CHECK_PREFIX("reserved", tcpstate_filter_invalid(&f));
}

void test_match(void)
{
	test_kinds();
	test_table();
	test_invalid();
}
