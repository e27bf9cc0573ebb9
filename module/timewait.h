/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_TIMEWAIT_H
#define _TCPSTATE_TIMEWAIT_H

#include <linux/tcp.h>
#include <net/inet_timewait_sock.h>

void tcpstate_timewait_rx(const struct inet_timewait_sock *tw,
			  const struct tcphdr *th);
void tcpstate_timewait_seen(const struct inet_timewait_sock *tw);

#endif /* _TCPSTATE_TIMEWAIT_H */
