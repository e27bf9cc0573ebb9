// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <sys/socket.h>

#include "fixture.h"

/* The identity every fixture shares: curl's connection, CPU 3, netns. */
static struct tcpstate_rec fixture_rec(unsigned int type)
{
	struct tcpstate_rec rec = {
		.version = TCPSTATE_ABI_VERSION,
		.type = (__u16)type,
		.size = sizeof(rec),
		.flags = TCPSTATE_F_TASK,
		.cpu = 3,
		.netns = 4026531840u,
		.ts_ns = 1234567890123ULL,
		.cookie = 8193,
		.pid = 4242,
		.family = AF_INET,
		.lport = 45678,
		.rport = 80,
		.comm = "curl",
	};

	inet_pton(AF_INET, "127.0.0.1", rec.laddr);
	inet_pton(AF_INET, "10.1.2.3", rec.raddr);
	return rec;
}

struct tcpstate_rec fixture_state_rec(void)
{
	struct tcpstate_rec rec = fixture_rec(TCPSTATE_REC_STATE);

	rec.state.old_state = TCPSTATE_SYN_SENT;
	rec.state.new_state = TCPSTATE_ESTABLISHED;
	return rec;
}

struct tcpstate_rec fixture_timewait_rec(unsigned int old_state,
					 unsigned int new_state,
					 unsigned int reason,
					 unsigned long long duration_ns)
{
	struct tcpstate_rec rec = fixture_rec(TCPSTATE_REC_STATE);

	rec.flags = TCPSTATE_F_TIMEWAIT;
	rec.state.old_state = (__u8)old_state;
	rec.state.new_state = (__u8)new_state;
	rec.state.reason = (__u8)reason;
	rec.state.duration_ns = duration_ns;
	return rec;
}

struct tcpstate_rec fixture_segment_rec(void)
{
	struct tcpstate_rec rec = fixture_rec(TCPSTATE_REC_SEGMENT);

	rec.flags = TCPSTATE_F_CONTROL;	/* a SYN-ACK, as the module marks it */
	rec.seg.dir = TCPSTATE_DIR_IN;
	rec.seg.tcp_flags = TCPSTATE_TH_SYN | TCPSTATE_TH_ACK;
	rec.seg.seq = 1234567890;
	rec.seg.ack = 987654321;
	rec.seg.win = 65483;
	rec.seg.sock = TCPSTATE_SOCK_FULL;
	rec.seg.state = TCPSTATE_SYN_SENT;
	return rec;
}

struct tcpstate_rec fixture_request_rec(unsigned int event)
{
	struct tcpstate_rec rec = fixture_rec(TCPSTATE_REC_REQUEST);

	rec.flags = 0;
	rec.req.event = (__u8)event;
	rec.req.num_retrans = 2;
	rec.req.age_ns = 1234567;
	rec.req.snt_isn = 987654321;
	rec.req.rcv_isn = 1234567890;
	return rec;
}

struct tcpstate_rec fixture_ipv6(struct tcpstate_rec rec, const char *laddr,
				 const char *raddr)
{
	rec.family = AF_INET6;
	rec.lport = 443;
	rec.rport = 50000;
	inet_pton(AF_INET6, laddr, rec.laddr);
	inet_pton(AF_INET6, raddr, rec.raddr);
	return rec;
}

struct tcpstate_rec fixture_lost_rec(unsigned long long count)
{
	struct tcpstate_rec rec = {
		.version = TCPSTATE_ABI_VERSION,
		.type = TCPSTATE_REC_LOST,
		.size = sizeof(rec),
		.cpu = 3,
		.ts_ns = 1234567890123ULL,
		.lost = { .count = count },
	};

	return rec;
}
