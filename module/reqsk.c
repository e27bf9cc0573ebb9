// SPDX-License-Identifier: GPL-2.0
/*
 * Request sockets (TCP_NEW_SYN_RECV): a SYN to a listener creates one
 * without any state change the state hooks could see. Recorded here:
 *
 *   created           inet_csk_reqsk_queue_hash_add()
 *   synack_retrans    tcp_rtx_synack() returning 0
 *   promoted          inet_csk_complete_hashdance() owning the request
 *   expired/reset/    __inet_csk_reqsk_queue_drop() unlinking it, the
 *   dropped           reason told by which caller we are inside of
 *   accept_queue_full tcp_v{4,6}_syn_recv_sock() with the queue full
 *   syn_dropped       tcp_conn_request() with the accept queue full
 *   syncookie_sent    a SYN-ACK without a request (segment.c)
 *   syncookie_accepted tcp_get_cookie_sock(): the cookie was valid
 *
 * "Inside of" is a context mark (mark.h) a kretprobe sets on entry and
 * clears on return. Most of these run in softirq context (timers,
 * segment receive), but a Fast Open child's tcp_check_req() (and the
 * SYN-ACK it may send again) runs in process context when the child's
 * segment waited in its backlog: the marks hold in either.
 *
 * Only TCP is recorded: DCCP shares the request socket functions
 * (inet_csk_reqsk_queue_hash_add(), inet_csk_complete_hashdance(),
 * __inet_csk_reqsk_queue_drop(), reqsk_timer_handler()), and its
 * request is a dccp_request_sock, not a tcp_request_sock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "hooks.h"
#include "mark.h"
#include "record.h"
#include "reqsk.h"

DEFINE_TCPSTATE_MARK(in_rtx);		/* in tcp_rtx_synack() */
DEFINE_TCPSTATE_MARK(in_timer);		/* in reqsk_timer_handler() */
DEFINE_TCPSTATE_MARK(in_check);		/* in tcp_check_req() */
DEFINE_TCPSTATE_MARK(in_promote);	/* in ..._complete_hashdance() */

bool tcpstate_reqsk_rtx(const struct request_sock *req)
{
	return tcpstate_mark_get(&in_rtx, NULL) == req;
}

/* A listener (or a request's) socket of TCP's, not DCCP's. */
static bool is_tcp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_TCP;
}

static void req_init(struct tcpstate_rec *rec, const struct sock *listener,
		     const struct request_sock *req, u8 event)
{
	u64 sent = tcp_rsk(req)->snt_synack;

	tcpstate_record_init(rec, TCPSTATE_REC_REQUEST, sock_net(listener));
	tcpstate_record_req(rec, listener->sk_family, req);
	rec->req.event = event;
	rec->req.num_retrans = req->num_retrans;
	rec->req.snt_isn = tcp_rsk(req)->snt_isn;
	rec->req.rcv_isn = tcp_rsk(req)->rcv_isn;
	/* snt_synack is tcp_clock_us() of the first SYN-ACK. */
	if (sent)
		rec->req.age_ns = (tcp_clock_us() - sent) * NSEC_PER_USEC;
}

static void req_emit(const struct sock *listener,
		     const struct request_sock *req, u8 event)
{
	struct tcpstate_rec rec;

	req_init(&rec, listener, req, event);
	tcpstate_emit(sock_net(listener), &rec);
}

/* Each request ends once: promoted, or dropped for a reason. */
static void req_end(const struct sock *listener,
		    const struct request_sock *req, u8 event)
{
	tcpstate_count(sock_net(listener), TCPSTATE_EV_REQ_ENDED);
	req_emit(listener, req, event);
}

void tcpstate_reqsk_cookie_sent(const struct net *net,
				const struct tcpstate_rec *synack)
{
	struct tcpstate_rec rec = *synack;

	tcpstate_count(net, TCPSTATE_EV_SYNCOOKIES_SENT);
	rec.type = TCPSTATE_REC_REQUEST;
	memset(&rec.req, 0, sizeof(rec.req));
	rec.req.event = TCPSTATE_REQ_SYNCOOKIE_SENT;
	rec.req.snt_isn = synack->seg.seq;
	rec.req.rcv_isn = synack->seg.ack - 1;
	tcpstate_emit(net, &rec);
}

/* inet_csk_reqsk_queue_hash_add(listener, req, timeout) */
static int kp_hash_add(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);

	if (!is_tcp(sk))
		return 0;
	tcpstate_count(sock_net(sk), TCPSTATE_EV_REQ_CREATED);
	req_emit(sk, (void *)TCPSTATE_ARG(regs, 1), TCPSTATE_REQ_CREATED);
	return 0;
}

/* tcp_v{4,6}_syn_recv_sock(listener, skb, req, ...) */
static void syn_recv_sock(struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);

	/* Its first test: the third ACK is then ignored, the request kept. */
	if (!sk_acceptq_is_full(sk))
		return;
	tcpstate_count(sock_net(sk), TCPSTATE_EV_ACCEPT_QUEUE_DROPS);
	req_emit(sk, (void *)TCPSTATE_ARG(regs, 2),
		 TCPSTATE_REQ_ACCEPT_QUEUE_FULL);
}

static int kp_v4_syn_recv_sock(struct kprobe *kp, struct pt_regs *regs)
{
	syn_recv_sock(regs);
	return 0;
}

static int kp_v6_syn_recv_sock(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);

	/* IPv4 on a dual-stack listener: handed to the v4 one, counted there. */
	if (skb->protocol != htons(ETH_P_IP))
		syn_recv_sock(regs);
	return 0;
}

/*
 * tcp_conn_request(rsk_ops, af_ops, listener, skb): a SYN it drops
 * because the accept queue is full, as its own tests decide.
 */
static int kp_conn_request(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 2);
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 3);
	const struct net *net = sock_net(sk);
	u8 syncookies = READ_ONCE(net->ipv4.sysctl_tcp_syncookies);
	struct tcpstate_rec rec;

	/* A full SYN queue without cookies drops it first, as ListenDrops. */
	if ((syncookies == 2 || inet_csk_reqsk_queue_is_full(sk)) &&
	    !TCP_SKB_CB(skb)->tcp_tw_isn && !syncookies)
		return 0;
	if (!sk_acceptq_is_full(sk))
		return 0;

	tcpstate_count(net, TCPSTATE_EV_ACCEPT_QUEUE_DROPS);
	tcpstate_record_init(&rec, TCPSTATE_REC_REQUEST, net);
	tcpstate_record_rx_tuple(&rec, sk->sk_family, skb);
	rec.req.event = TCPSTATE_REQ_SYN_DROPPED;
	rec.req.rcv_isn = ntohl(tcp_hdr(skb)->seq);
	tcpstate_emit(net, &rec);
	return 0;
}

/* tcp_get_cookie_sock(listener, skb, req, dst, tsoff) */
static int kp_get_cookie_sock(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);

	tcpstate_count(sock_net(sk), TCPSTATE_EV_SYNCOOKIES_ACCEPTED);
	req_emit(sk, (void *)TCPSTATE_ARG(regs, 2),
		 TCPSTATE_REQ_SYNCOOKIE_ACCEPTED);
	return 0;
}

/* tcp_rtx_synack(listener, req): the segment is recorded by segment.c. */
struct rtx_data {
	struct tcpstate_mark_ticket ticket;
	const struct sock *sk;
	const struct request_sock *req;
};

static int rtx_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rtx_data *d = (void *)ri->data;

	d->sk = (void *)TCPSTATE_ARG(regs, 0);
	d->req = (void *)TCPSTATE_ARG(regs, 1);
	tcpstate_mark_set(&in_rtx, d->req, 0, &d->ticket);
	return 0;
}

/* The caller holds a reference to the request: it is still there. */
static int rtx_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rtx_data *d = (void *)ri->data;
	struct tcpstate_rec rec;

	tcpstate_mark_clear(&in_rtx, &d->ticket);
	if (regs_return_value(regs))
		return 0;
	req_init(&rec, d->sk, d->req, TCPSTATE_REQ_SYNACK_RETRANS);
	/* inet_rtx_syn_ack() counts it only after we return. */
	rec.req.num_retrans++;
	tcpstate_emit(sock_net(d->sk), &rec);
	return 0;
}

/* inet_csk_complete_hashdance(listener, child, req, own_req) */
static int promote_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);
	const struct request_sock *req = (void *)TCPSTATE_ARG(regs, 2);

	/* Not owned, not TCP: nothing to mark, no return handler run. */
	if (!(TCPSTATE_ARG(regs, 3) & 0xff) || !is_tcp(sk))
		return 1;
	tcpstate_mark_set(&in_promote, req, 0, (void *)ri->data);
	req_end(sk, req, TCPSTATE_REQ_PROMOTED);
	return 0;
}

static int promote_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	tcpstate_mark_clear(&in_promote, (void *)ri->data);
	return 0;
}

/* reqsk_timer_handler(timer) */
static int timer_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct timer_list *t = (void *)TCPSTATE_ARG(regs, 0);

	tcpstate_mark_set(&in_timer,
			  container_of(t, struct request_sock, rsk_timer), 0,
			  (void *)ri->data);
	return 0;
}

static int timer_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	tcpstate_mark_clear(&in_timer, (void *)ri->data);
	return 0;
}

/* tcp_check_req(listener, skb, req, fastopen, req_stolen) */
static int check_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	tcpstate_mark_set(&in_check, (void *)TCPSTATE_ARG(regs, 2), 0,
			  (void *)ri->data);
	return 0;
}

static int check_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	tcpstate_mark_clear(&in_check, (void *)ri->data);
	return 0;
}

/*
 * __inet_csk_reqsk_queue_drop(listener, req, from_timer): every end of a
 * request but promotion goes through it (the exported
 * inet_csk_reqsk_queue_drop() and the timer's path both call it; probing
 * the exported one misses the timer, which calls this directly). Whether
 * it unlinked the request is only known on return. Every caller holds a
 * reference to the request, and the request one to its listener: both
 * outlive the call.
 */
struct drop_data {
	const struct sock *sk;
	const struct request_sock *req;
	u8 event;
};

static int drop_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct drop_data *d = (void *)ri->data;
	bool from_timer = TCPSTATE_ARG(regs, 2) & 0xff;

	d->sk = (void *)TCPSTATE_ARG(regs, 0);
	d->req = (void *)TCPSTATE_ARG(regs, 1);
	if (!is_tcp(d->sk))
		return 1;
	/* Promotion unlinks it too; that end is recorded already. */
	if (tcpstate_mark_get(&in_promote, NULL) == d->req)
		return 1;
	if ((from_timer || tcpstate_mark_get(&in_timer, NULL) == d->req) &&
	    d->sk->sk_state == TCP_LISTEN)
		d->event = TCPSTATE_REQ_EXPIRED;
	else if (tcpstate_mark_get(&in_check, NULL) == d->req)
		d->event = TCPSTATE_REQ_RESET;
	else
		d->event = TCPSTATE_REQ_DROPPED;
	return 0;
}

static int drop_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct drop_data *d = (void *)ri->data;

	if (regs_return_value(regs) & 0xff)
		req_end(d->sk, d->req, d->event);
	return 0;
}

static struct kprobe *reqsk_kps[] = {
	TCPSTATE_KP("inet_csk_reqsk_queue_hash_add", kp_hash_add, "sk", "req"),
	TCPSTATE_KP("tcp_v4_syn_recv_sock", kp_v4_syn_recv_sock, "sk", "skb",
		    "req"),
	TCPSTATE_KP("tcp_v6_syn_recv_sock", kp_v6_syn_recv_sock, "sk", "skb",
		    "req"),
	TCPSTATE_KP("tcp_conn_request", kp_conn_request, [2] = "sk", "skb"),
	TCPSTATE_KP("tcp_get_cookie_sock", kp_get_cookie_sock, "sk", "skb",
		    "req"),
};

static struct kretprobe *reqsk_krps[] = {
	TCPSTATE_KRP_EVENTS("tcp_rtx_synack", rtx_entry, rtx_return,
			    sizeof(struct rtx_data), "sk", "req"),
	TCPSTATE_KRP_EVENTS("inet_csk_complete_hashdance", promote_entry,
			    promote_return,
			    sizeof(struct tcpstate_mark_ticket),
			    "sk", "child", "req", "own_req"),
	TCPSTATE_KRP("reqsk_timer_handler", timer_entry, timer_return,
		     sizeof(struct tcpstate_mark_ticket), "t"),
	TCPSTATE_KRP("tcp_check_req", check_entry, check_return,
		     sizeof(struct tcpstate_mark_ticket), [2] = "req"),
	TCPSTATE_KRP_EVENTS("__inet_csk_reqsk_queue_drop", drop_entry,
			    drop_return, sizeof(struct drop_data),
			    "sk", "req", "from_timer"),
};

const struct tcpstate_probes tcpstate_reqsk_probes = {
	.what = "request sockets",
	.kps = reqsk_kps,
	.nr_kps = ARRAY_SIZE(reqsk_kps),
	.krps = reqsk_krps,
	.nr_krps = ARRAY_SIZE(reqsk_krps),
};
