// SPDX-License-Identifier: GPL-2.0
/*
 * Turning a socket into a record: identity (cookie, netns), tuple, and
 * who caused the change. Runs inside the hooks: no sleeping, no locks.
 */
#include <linux/in6.h>
#include <linux/ktime.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/sock_diag.h>
#include <linux/string.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>

#include "record.h"

/*
 * The socket's SO_COOKIE, created on first use exactly as getsockopt()
 * would, so userspace can match our records to its own sockets. The
 * generating helper is not exported; sock_diag_save_cookie() is, and
 * does the same. It writes the cookie into the socket once (cmpxchg
 * from 0), which is why the const is cast away.
 */
static u64 sock_cookie(const struct sock *sk)
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

/* Same fields the sock:inet_sock_set_state tracepoint reports. */
static void record_tuple(struct tcpstate_rec *rec, const struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

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

/*
 * current is only the cause of the change in process context; in a
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

void tcpstate_record_state(struct tcpstate_rec *rec, const struct sock *sk,
			   int oldstate, int newstate)
{
	/* Every byte is copied to userspace: no stack garbage may remain. */
	memset(rec, 0, sizeof(*rec));
	rec->version = TCPSTATE_ABI_VERSION;
	rec->type = TCPSTATE_REC_STATE;
	rec->size = sizeof(*rec);
	rec->cpu = raw_smp_processor_id();
	rec->ts_ns = ktime_get_ns();
	rec->netns = sock_net(sk)->ns.inum;
	rec->family = sk->sk_family;
	rec->cookie = sock_cookie(sk);
	rec->state.old_state = oldstate;
	rec->state.new_state = newstate;
	record_tuple(rec, sk);
	record_task(rec);
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
	const struct inet_request_sock *ireq = inet_rsk(req);

	rec->flags |= TCPSTATE_F_CHILD_TUPLE;
	/* sock_common is shared: a request keeps its cookie where sk does. */
	rec->cookie = sock_cookie((const struct sock *)req);
	rec->lport = ireq->ir_num;
	rec->rport = ntohs(ireq->ir_rmt_port);
	memset(rec->laddr, 0, sizeof(rec->laddr));
	memset(rec->raddr, 0, sizeof(rec->raddr));
	if (child->sk_family == AF_INET) {
		put_v4(rec->laddr, ireq->ir_loc_addr);
		put_v4(rec->raddr, ireq->ir_rmt_addr);
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (child->sk_family != AF_INET6)
		return;
	if (req->rsk_ops->family == AF_INET) {
		struct in6_addr mapped;

		/* IPv4 client of a dual-stack listener: v4-mapped, as ftrace. */
		ipv6_addr_set_v4mapped(ireq->ir_loc_addr, &mapped);
		put_v6(rec->laddr, &mapped);
		ipv6_addr_set_v4mapped(ireq->ir_rmt_addr, &mapped);
		put_v6(rec->raddr, &mapped);
	} else {
		put_v6(rec->laddr, &ireq->ir_v6_loc_addr);
		put_v6(rec->raddr, &ireq->ir_v6_rmt_addr);
	}
#endif
}
