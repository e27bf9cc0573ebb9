/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_RECORD_H
#define _TCPSTATE_RECORD_H

#include <linux/skbuff.h>
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>

#include "uapi/tcpstate.h"

void tcpstate_record_init(struct tcpstate_rec *rec, u16 type,
			  const struct net *net);
void tcpstate_record_state(struct tcpstate_rec *rec, const struct sock *sk,
			   int oldstate, int newstate);
void tcpstate_record_child_tuple(struct tcpstate_rec *rec,
				 const struct sock *child,
				 const struct request_sock *req);
void tcpstate_record_req(struct tcpstate_rec *rec, u16 family,
			 const struct request_sock *req);
void tcpstate_record_tw(struct tcpstate_rec *rec,
			const struct inet_timewait_sock *tw);
void tcpstate_record_sock_tuple(struct tcpstate_rec *rec,
				const struct sock *sk);
void tcpstate_record_rx_tuple(struct tcpstate_rec *rec, u16 family,
			      const struct sk_buff *skb);
void tcpstate_record_addrs(struct tcpstate_rec *rec, u16 family, bool v6,
			   const void *laddr, const void *raddr);
u64 tcpstate_cookie(const struct sock *sk);

#endif /* _TCPSTATE_RECORD_H */
