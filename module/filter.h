/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_FILTER_H
#define _TCPSTATE_FILTER_H

#include <linux/types.h>

#include "uapi/tcpstate.h"
#include "uapi/tcpstate_match.h"

#define TCPSTATE_FILTER_MAX_PORTS	16

enum tcpstate_family_filter {
	TCPSTATE_FAMILY_ALL,
	TCPSTATE_FAMILY_IPV4,	/* IPv4-mapped IPv6 sockets included */
	TCPSTATE_FAMILY_IPV6,
};

enum tcpstate_seg_filter {
	TCPSTATE_SEGMENTS_CONTROL,	/* SYN, FIN, RST, handshake and FIN ACKs */
	TCPSTATE_SEGMENTS_ALL,
	TCPSTATE_SEGMENTS_NONE,
};

/* The module parameters ports=, family=, segments=, as written. */
struct tcpstate_params_filter {
	u8 family;			/* enum tcpstate_family_filter */
	u8 segments;			/* enum tcpstate_seg_filter */
	u8 nr_ports;			/* 0: every port */
	u16 ports[TCPSTATE_FILTER_MAX_PORTS];
};

int tcpstate_filter_init(void);
void tcpstate_filter_uninit(void);

/*
 * The default filter: what the parameters say, as a session filter. A
 * session that set none follows it, live. Call under rcu_read_lock();
 * never NULL between init and uninit.
 */
const struct tcpstate_filter *tcpstate_filter_default(void);
void tcpstate_filter_default_copy(struct tcpstate_filter *out);
bool tcpstate_filter_default_match(const struct tcpstate_rec *rec);
unsigned int tcpstate_filter_segments(void);

int tcpstate_filter_parse_ports(const char *val, struct tcpstate_params_filter *f);
int tcpstate_filter_parse_family(const char *val, struct tcpstate_params_filter *f);
int tcpstate_filter_parse_segments(const char *val, struct tcpstate_params_filter *f);

#endif /* _TCPSTATE_FILTER_H */
