// SPDX-License-Identifier: GPL-2.0
/*
 * Turning sockets and packets into records: identity (cookie, netns),
 * tuple, and who caused the event. Runs inside the probes: no sleeping,
 * no locks.
 *
 * Tuples are always the local view: laddr/lport is this host's end. A
 * socket's family decides how addresses are stored, so an IPv4 peer of
 * a dual-stack socket is IPv4-mapped IPv6 in every record about it, as
 * in ftrace's sock:inet_sock_set_state.
 */
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/ktime.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/sock_diag.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>

#include "record.h"

/*
 * The socket's SO_COOKIE, created on first use exactly as getsockopt()
 * would, so userspace can match records to its own sockets. The
 * generating helper is not exported; sock_diag_save_cookie() is and does
 * the same: it writes the cookie into sock_common once (cmpxchg from 0),
 * hence the cast. Request and timewait sockets keep theirs in the same
 * place, and hand it on: request -> child -> timewait socket.
 */
u64 tcpstate_cookie(const struct sock *sk)
{
	u32 half[2];

	sock_diag_save_cookie((struct sock *)sk, half);
	return half[0] | (u64)half[1] << 32;
}

static void put_v4(u8 *dst, __be32 addr)
{
	memcpy(dst, &addr, sizeof(addr));
}

static void put_v6(u8 *dst, const struct in6_addr *addr)
{
	memcpy(dst, addr, sizeof(*addr));
}

static void put_v4_as(u8 *dst, u16 family, __be32 addr)
{
	struct in6_addr mapped;

	if (family != AF_INET6) {
		put_v4(dst, addr);
		return;
	}
	ipv6_addr_set_v4mapped(addr, &mapped);
	put_v6(dst, &mapped);
}

/* @v6: the addresses are in6_addr, else __be32 (mapped if @family says). */
void tcpstate_record_addrs(struct tcpstate_rec *rec, u16 family, bool v6,
			   const void *laddr, const void *raddr)
{
	rec->family = family;
	if (v6) {
		put_v6(rec->laddr, laddr);
		put_v6(rec->raddr, raddr);
	} else {
		put_v4_as(rec->laddr, family, *(const __be32 *)laddr);
		put_v4_as(rec->raddr, family, *(const __be32 *)raddr);
	}
}

/*
 * current is only the cause of the event in process context; in a
 * softirq or hardirq it is whoever happened to be running.
 */
static void record_task(struct tcpstate_rec *rec)
{
	if (!in_task())
		return;
	rec->flags |= TCPSTATE_F_TASK;
	rec->pid = task_tgid_nr(current);
	/* Like ftrace: a racing prctl(PR_SET_NAME) only garbles the name. */
	memcpy(rec->comm, current->comm, sizeof(rec->comm));
	rec->comm[sizeof(rec->comm) - 1] = '\0';
}

void tcpstate_record_init(struct tcpstate_rec *rec, u16 type,
			  const struct net *net)
{
	/* Every byte is copied to userspace: no stack garbage may remain. */
	memset(rec, 0, sizeof(*rec));
	rec->version = TCPSTATE_ABI_VERSION;
	rec->type = type;
	rec->size = sizeof(*rec);
	rec->cpu = raw_smp_processor_id();
	rec->ts_ns = ktime_get_ns();
	rec->netns = net->ns.inum;
	record_task(rec);
}

/* Same fields the sock:inet_sock_set_state tracepoint reports. */
void tcpstate_record_sock_tuple(struct tcpstate_rec *rec,
				const struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	rec->family = sk->sk_family;
	rec->lport = ntohs(inet->inet_sport);
	rec->rport = ntohs(inet->inet_dport);
	if (sk->sk_family == AF_INET) {
		put_v4(rec->laddr, inet->inet_saddr);
		put_v4(rec->raddr, inet->inet_daddr);
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		put_v6(rec->laddr, &sk->sk_v6_rcv_saddr);
		put_v6(rec->raddr, &sk->sk_v6_daddr);
	}
#endif
}

void tcpstate_record_state(struct tcpstate_rec *rec, const struct sock *sk,
			   int oldstate, int newstate)
{
	tcpstate_record_init(rec, TCPSTATE_REC_STATE, sock_net(sk));
	rec->cookie = tcpstate_cookie(sk);
	rec->state.old_state = oldstate;
	rec->state.new_state = newstate;
	tcpstate_record_sock_tuple(rec, sk);
}

/* A request's tuple, for a listener (hence a child) of @family. */
void tcpstate_record_req(struct tcpstate_rec *rec, u16 family,
			 const struct request_sock *req)
{
	const struct inet_request_sock *ireq = inet_rsk(req);

	rec->cookie = tcpstate_cookie((const struct sock *)req);
	rec->lport = ireq->ir_num;
	rec->rport = ntohs(ireq->ir_rmt_port);
#if IS_ENABLED(CONFIG_IPV6)
	if (req->rsk_ops->family == AF_INET6) {
		tcpstate_record_addrs(rec, family, true, &ireq->ir_v6_loc_addr,
				      &ireq->ir_v6_rmt_addr);
		return;
	}
#endif
	tcpstate_record_addrs(rec, family, false, &ireq->ir_loc_addr,
			      &ireq->ir_rmt_addr);
}

/*
 * A passive child becomes SYN_RECV inside inet_csk_clone_lock() while it
 * is still a copy of its listener: remote address and port are copied
 * from the request only afterwards. The request has them already, and
 * its cookie, which the child inherits right after the state change.
 */
void tcpstate_record_child_tuple(struct tcpstate_rec *rec,
				 const struct sock *child,
				 const struct request_sock *req)
{
	rec->flags |= TCPSTATE_F_CHILD_TUPLE;
	memset(rec->laddr, 0, sizeof(rec->laddr));
	memset(rec->raddr, 0, sizeof(rec->raddr));
	tcpstate_record_req(rec, child->sk_family, req);
}

void tcpstate_record_tw(struct tcpstate_rec *rec,
			const struct inet_timewait_sock *tw)
{
	rec->flags |= TCPSTATE_F_TIMEWAIT;
	rec->cookie = tcpstate_cookie((const struct sock *)tw);
	rec->lport = tw->tw_num;
	rec->rport = ntohs(tw->tw_dport);
#if IS_ENABLED(CONFIG_IPV6)
	if (tw->tw_family == AF_INET6) {
		tcpstate_record_addrs(rec, AF_INET6, true, &tw->tw_v6_rcv_saddr,
				      &tw->tw_v6_daddr);
		return;
	}
#endif
	tcpstate_record_addrs(rec, tw->tw_family, false, &tw->tw_rcv_saddr,
			      &tw->tw_daddr);
}

/*
 * The connection a received segment belongs to, seen locally: also the
 * tuple of a reply to it (an RST or ACK sent without a full socket).
 * @family: the socket's, or AF_UNSPEC for the packet's own.
 */
void tcpstate_record_rx_tuple(struct tcpstate_rec *rec, u16 family,
			      const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);

	rec->lport = ntohs(th->dest);
	rec->rport = ntohs(th->source);
	if (ip_hdr(skb)->version == 6) {
		tcpstate_record_addrs(rec, AF_INET6, true, &ipv6_hdr(skb)->daddr,
				      &ipv6_hdr(skb)->saddr);
		return;
	}
	tcpstate_record_addrs(rec, family == AF_INET6 ? AF_INET6 : AF_INET,
			      false, &ip_hdr(skb)->daddr, &ip_hdr(skb)->saddr);
}
