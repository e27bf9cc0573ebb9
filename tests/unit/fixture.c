// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <sys/socket.h>

#include "fixture.h"

struct tcpstate_rec fixture_state_rec(void)
{
	struct tcpstate_rec rec = {
		.version = TCPSTATE_ABI_VERSION,
		.type = TCPSTATE_REC_STATE,
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
		.state = {
			.old_state = TCPSTATE_SYN_SENT,
			.new_state = TCPSTATE_ESTABLISHED,
		},
	};

	inet_pton(AF_INET, "127.0.0.1", rec.laddr);
	inet_pton(AF_INET, "10.1.2.3", rec.raddr);
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
