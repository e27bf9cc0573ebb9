// SPDX-License-Identifier: GPL-2.0
/*
 * Segments: every SYN, SYN-ACK, FIN and RST sent or received, the ACK
 * that completes a handshake and the ACKs of FINs (segments=control), or
 * every segment (segments=all), with seq, ack, window and length as on
 * the wire.
 *
 * Received: at the function that hands the segment to the socket it
 * found, so the record knows that socket: tcp_v4_do_rcv()/tcp_v6_do_rcv()
 * (full sockets and listeners), tcp_check_req() (request sockets),
 * tcp_timewait_state_process() (TIME_WAIT sockets), and
 * tcp_v4_send_reset()/tcp_v6_send_reset() called without a socket (no
 * socket at all: every such segment goes there, an RST too, which then
 * returns without answering).
 *
 * Sent: where the TCP header is final. Full sockets: ip_queue_xmit() and
 * ip6_xmit() (both see the built header). SYN-ACKs of request sockets and
 * SYN cookies: ip_build_and_send_pkt() and ip6_xmit() (the listener
 * sends them; skb->sk is the request, or nothing for a cookie). Replies
 * without a full socket (RSTs, TIME_WAIT and request ACKs) never reach
 * those with their socket, so they are taken from their builders, whose
 * arguments are the header's fields: tcp_v4_send_reset() (the one place
 * computing them itself: we do the same), tcp_v4_send_ack(),
 * tcp_v6_send_response(), tcp_v{4,6}_reqsk_send_ack().
 *
 * Retransmissions: a full socket's are sent inside tcp_retransmit_skb()
 * (kretprobes mark which socket and seq, per CPU; see tx_retrans());
 * request sockets' SYN-ACKs inside tcp_rtx_synack() (reqsk.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/percpu.h>
#include <linux/tcp.h>
#include <net/inet_timewait_sock.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/tcp.h>

#include "compat.h"
#include "filter.h"
#include "session.h"
#include "hooks.h"
#include "mark.h"
#include "record.h"
#include "reqsk.h"
#include "timewait.h"

#define CONTROL_FLAGS	(TCPHDR_SYN | TCPHDR_FIN | TCPHDR_RST)

/*
 * The segment {__,}tcp_retransmit_skb() is sending again (socket, and
 * seq in aux), in this context: the timer's softirq, or process context
 * for an ACK processed from the socket's backlog (mark.h).
 */
DEFINE_TCPSTATE_MARK(rtx_mark);

static bool is_syn(u8 flags)
{
	return (flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN;
}

static bool is_synack(u8 flags)
{
	return (flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK);
}

/*
 * Does any session want it (session.c keeps the kinds they want between
 * them): @acked says it is one of the ACKs recorded with the control
 * segments (handshake, FIN). No session, no record built.
 */
static bool wanted(u8 flags, bool acked)
{
	u32 kinds = tcpstate_sessions_kinds();

	if (kinds & TCPSTATE_KIND_SEGMENTS)
		return true;
	return (kinds & TCPSTATE_KIND_CONTROL) &&
	       ((flags & CONTROL_FLAGS) || acked);
}

/* To the sessions, marked as control if it is one (see wanted()). */
static void seg_emit(const struct net *net, struct tcpstate_rec *rec,
		     bool acked)
{
	if ((rec->seg.tcp_flags & CONTROL_FLAGS) || acked)
		rec->flags |= TCPSTATE_F_CONTROL;
	tcpstate_emit(net, rec);
}

static void seg_init(struct tcpstate_rec *rec, const struct net *net,
		     u8 dir, u8 sock, u8 state)
{
	tcpstate_record_init(rec, TCPSTATE_REC_SEGMENT, net);
	rec->seg.dir = dir;
	rec->seg.sock = sock;
	rec->seg.state = state;
}

static void seg_header(struct tcpstate_rec *rec, const struct tcphdr *th,
		       u32 len)
{
	rec->seg.seq = ntohl(th->seq);
	rec->seg.ack = ntohl(th->ack_seq);
	rec->seg.win = ntohs(th->window);
	rec->seg.len = len;
	rec->seg.tcp_flags = tcp_flag_byte(th);
}

/* Payload of a segment whose TCP header starts the transport header. */
static u32 payload(const struct sk_buff *skb)
{
	return skb->len - skb_transport_offset(skb) - tcp_hdr(skb)->doff * 4;
}

/* Who a reply without a full socket's own transmit path speaks for. */
static u16 seg_identity(struct tcpstate_rec *rec, const struct sock *sk)
{
	if (!sk) {
		rec->seg.sock = TCPSTATE_SOCK_NONE;
		return AF_UNSPEC;
	}
	rec->cookie = tcpstate_cookie(sk);
	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		rec->seg.sock = TCPSTATE_SOCK_TIMEWAIT;
		rec->seg.state = READ_ONCE(inet_twsk(sk)->tw_substate);
		return sk->sk_family;
	case TCP_NEW_SYN_RECV:
		rec->seg.sock = TCPSTATE_SOCK_REQUEST;
		rec->seg.state = TCP_NEW_SYN_RECV;
		return inet_reqsk(sk)->rsk_listener->sk_family;
	case TCP_LISTEN:
		rec->seg.sock = TCPSTATE_SOCK_LISTENER;
		break;
	default:
		rec->seg.sock = TCPSTATE_SOCK_FULL;
		break;
	}
	rec->seg.state = sk->sk_state;
	return sk->sk_family;
}

/* ---- received ---------------------------------------------------------- */

/* A full socket's ACK worth recording with the control segments. */
static bool rx_ack_wanted(const struct sock *sk, const struct tcphdr *th)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (!th->ack)
		return false;
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
		/* Completes a simultaneous open. */
		return true;
	case TCP_FIN_WAIT1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		/* Acks our FIN: it is out, nothing after it, all acked. */
		return READ_ONCE(tp->snd_nxt) == READ_ONCE(tp->write_seq) &&
		       ntohl(th->ack_seq) == READ_ONCE(tp->snd_nxt);
	}
	return false;
}

/* Something the socket had received already: sent again by the peer. */
static bool rx_retrans(const struct sock *sk, const struct tcphdr *th,
		       u32 len)
{
	if (sk->sk_state == TCP_LISTEN || sk->sk_state == TCP_SYN_SENT)
		return false;
	/* A simultaneous open's SYN-ACK resends the SYN we have seen. */
	if (th->syn && th->ack && sk->sk_state == TCP_SYN_RECV)
		return false;
	if (!len && !th->syn && !th->fin)
		return false;
	return before(ntohl(th->seq), READ_ONCE(tcp_sk(sk)->rcv_nxt));
}

static void rx_full(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	bool listener = sk->sk_state == TCP_LISTEN;
	struct tcpstate_rec rec;
	u32 len = payload(skb);
	bool acked;

	if (listener && is_syn(tcp_flag_byte(th)))
		tcpstate_count(sock_net(sk), TCPSTATE_EV_SYN_IN);
	/* At a listener, anything but a SYN is a cookie ACK or a stray. */
	acked = listener || rx_ack_wanted(sk, th);
	if (!wanted(tcp_flag_byte(th), acked))
		return;

	seg_init(&rec, sock_net(sk), TCPSTATE_DIR_IN,
		 listener ? TCPSTATE_SOCK_LISTENER : TCPSTATE_SOCK_FULL,
		 sk->sk_state);
	rec.cookie = tcpstate_cookie(sk);
	tcpstate_record_rx_tuple(&rec, sk->sk_family, skb);
	seg_header(&rec, th, len);
	rec.seg.retrans = rx_retrans(sk, th, len);
	seg_emit(sock_net(sk), &rec, acked);
}

static int kp_v4_do_rcv(struct kprobe *kp, struct pt_regs *regs)
{
	rx_full((void *)TCPSTATE_ARG(regs, 0), (void *)TCPSTATE_ARG(regs, 1));
	return 0;
}

static int kp_v6_do_rcv(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);

	/* It hands IPv4 segments on to tcp_v4_do_rcv(): recorded there. */
	if (skb->protocol != htons(ETH_P_IP))
		rx_full((void *)TCPSTATE_ARG(regs, 0), skb);
	return 0;
}

/* tcp_check_req(listener, skb, req, fastopen, req_stolen) */
static int kp_check_req(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);
	const struct request_sock *req = (void *)TCPSTATE_ARG(regs, 2);
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcpstate_rec rec;

	/* Fast Open: the child's tcp_rcv_state_process() has it (do_rcv). */
	if (TCPSTATE_ARG(regs, 3) & 0xff)
		return 0;
	if (!wanted(tcp_flag_byte(th), true))
		return 0;

	seg_init(&rec, sock_net(sk), TCPSTATE_DIR_IN, TCPSTATE_SOCK_REQUEST,
		 TCP_NEW_SYN_RECV);
	rec.cookie = tcpstate_cookie((const struct sock *)req);
	tcpstate_record_rx_tuple(&rec, sk->sk_family, skb);
	seg_header(&rec, th, payload(skb));
	/* The SYN it was made from, again. */
	rec.seg.retrans = th->syn && ntohl(th->seq) == tcp_rsk(req)->rcv_isn;
	seg_emit(sock_net(sk), &rec, true);
	return 0;
}

/* tcp_timewait_state_process(tw, skb, th) */
static int kp_tw_process(struct kprobe *kp, struct pt_regs *regs)
{
	const struct inet_timewait_sock *tw = (void *)TCPSTATE_ARG(regs, 0);
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcpstate_rec rec;
	u32 len = payload(skb);

	tcpstate_timewait_rx(tw, th);
	if (!wanted(tcp_flag_byte(th), true))
		return 0;

	seg_init(&rec, twsk_net(tw), TCPSTATE_DIR_IN, TCPSTATE_SOCK_TIMEWAIT,
		 READ_ONCE(tw->tw_substate));
	rec.flags |= TCPSTATE_F_TIMEWAIT;
	rec.cookie = tcpstate_cookie((const struct sock *)tw);
	tcpstate_record_rx_tuple(&rec, tw->tw_family, skb);
	seg_header(&rec, th, len);
	/* A FIN it acked already (its ACK was lost). */
	rec.seg.retrans = th->fin &&
		!after(ntohl(th->seq) + len + 1,
		       READ_ONCE(tcp_twsk((const struct sock *)tw)->tw_rcv_nxt));
	seg_emit(twsk_net(tw), &rec, true);
	return 0;
}

/* A segment no socket wanted: the kernel answers it from send_reset. */
static void rx_none(const struct net *net, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcpstate_rec rec;

	if (!wanted(tcp_flag_byte(th), true))
		return;
	seg_init(&rec, net, TCPSTATE_DIR_IN, TCPSTATE_SOCK_NONE, 0);
	tcpstate_record_rx_tuple(&rec, AF_UNSPEC, skb);
	seg_header(&rec, th, payload(skb));
	seg_emit(net, &rec, true);
}

/* ---- sent -------------------------------------------------------------- */

static void count_tx(const struct net *net, u8 flags, bool retrans)
{
	if (is_synack(flags)) {
		tcpstate_count(net, TCPSTATE_EV_SYNACK_OUT);
		if (retrans)
			tcpstate_count(net, TCPSTATE_EV_SYNACK_RETRANS);
	} else if (is_syn(flags) && retrans) {
		tcpstate_count(net, TCPSTATE_EV_SYN_RETRANS);
	}
}

/* A full socket's ACK worth recording with the control segments. */
static bool tx_ack_wanted(const struct sock *sk, const struct tcphdr *th,
			  u32 len)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (!th->ack || len || (tcp_flag_byte(th) & CONTROL_FLAGS))
		return false;
	/* The third ACK of a handshake: no data either way yet. */
	if (sk->sk_state == TCP_ESTABLISHED && !tp->bytes_received &&
	    !tp->data_segs_out && ntohl(th->seq) == READ_ONCE(tp->snd_nxt))
		return true;
	/* An ACK of the peer's FIN. */
	return (sk->sk_shutdown & RCV_SHUTDOWN) &&
	       ntohl(th->ack_seq) == READ_ONCE(tp->rcv_nxt);
}

/*
 * Sent before: the kretprobes mark retransmissions, but GCC may split
 * __tcp_retransmit_skb() (6.1's: __tcp_retransmit_skb.part.0, which
 * tcp_retransmit_skb() calls directly; 6.12's is whole) and callers in
 * its own file then jump to the split-off part, past the kretprobe. So
 * also: a SYN, FIN or data below snd_nxt was sent before. Except the
 * SYN-ACK of a simultaneous open, which resends the SYN
 * (tcp_send_synack()); its real retransmissions come through
 * tcp_retransmit_skb() from the timer, which the mark does see.
 */
static bool tx_retrans(const struct sock *sk, const struct tcphdr *th,
		       u32 len)
{
	u64 seq;

	if (tcpstate_mark_get(&rtx_mark, &seq) == sk &&
	    (u32)seq == ntohl(th->seq))
		return true;
	if (!len && !th->syn && !th->fin)
		return false;
	if (th->syn && th->ack)
		return false;
	return before(ntohl(th->seq), READ_ONCE(tcp_sk(sk)->snd_nxt));
}

static void tx_full(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	u32 len = payload(skb);
	struct tcpstate_rec rec;
	bool retrans, acked;

	retrans = tx_retrans(sk, th, len);
	count_tx(sock_net(sk), tcp_flag_byte(th), retrans);
	acked = tx_ack_wanted(sk, th, len);
	if (!wanted(tcp_flag_byte(th), acked))
		return;

	seg_init(&rec, sock_net(sk), TCPSTATE_DIR_OUT, TCPSTATE_SOCK_FULL,
		 sk->sk_state);
	rec.cookie = tcpstate_cookie(sk);
	tcpstate_record_sock_tuple(&rec, sk);
	seg_header(&rec, th, len);
	rec.seg.retrans = retrans;
	seg_emit(sock_net(sk), &rec, acked);
}

/*
 * A SYN-ACK a listener sends for a request socket (skb->sk), or for a
 * SYN cookie (no socket at all). @v6: the addresses are in6_addr.
 */
static void tx_synack(const struct sock *listener, const struct sk_buff *skb,
		      bool v6, const void *laddr, const void *raddr)
{
	const struct request_sock *req = NULL;
	const struct net *net = sock_net(listener);
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcpstate_rec rec;
	bool retrans;

	if (skb->sk && skb->sk->sk_state == TCP_NEW_SYN_RECV)
		req = inet_reqsk(skb->sk);
	retrans = req && tcpstate_reqsk_rtx(req);
	count_tx(net, tcp_flag_byte(th), retrans);

	seg_init(&rec, net, TCPSTATE_DIR_OUT,
		 req ? TCPSTATE_SOCK_REQUEST : TCPSTATE_SOCK_LISTENER,
		 req ? TCP_NEW_SYN_RECV : TCP_LISTEN);
	rec.lport = ntohs(th->source);
	rec.rport = ntohs(th->dest);
	tcpstate_record_addrs(&rec, listener->sk_family, v6, laddr, raddr);
	seg_header(&rec, th, payload(skb));
	rec.seg.retrans = retrans;
	if (req)
		rec.cookie = tcpstate_cookie(skb->sk);
	else if (tcpstate_group_live(TCPSTATE_GROUP_REQUESTS))
		tcpstate_reqsk_cookie_sent(net, &rec);
	if (wanted(tcp_flag_byte(th), true))
		seg_emit(net, &rec, true);
}

/* ip_queue_xmit(sk, skb, fl) */
static int kp_ip_queue_xmit(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);

	if (sk->sk_protocol == IPPROTO_TCP)
		tx_full(sk, (void *)TCPSTATE_ARG(regs, 1));
	return 0;
}

/* ip_build_and_send_pkt(skb, sk, saddr, daddr, opt, tos): SYN-ACKs */
static int kp_ip_build_and_send_pkt(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 0);
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 1);
	__be32 saddr = (__force __be32)TCPSTATE_ARG(regs, 2);
	__be32 daddr = (__force __be32)TCPSTATE_ARG(regs, 3);

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	/* Fast Open: the child itself sends its SYN-ACK. */
	if (sk->sk_state == TCP_LISTEN)
		tx_synack(sk, skb, false, &saddr, &daddr);
	else
		tx_full(sk, skb);
	return 0;
}

/* ip6_xmit(sk, skb, fl6, mark, opt, tclass, priority) */
static int kp_ip6_xmit(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);
	const struct flowi6 *fl6 = (void *)TCPSTATE_ARG(regs, 2);

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	/* The per-netns control socket: replies, recorded at their builder. */
	if (sk == sock_net(sk)->ipv6.tcp_sk)
		return 0;
	if (sk->sk_state == TCP_LISTEN)
		tx_synack(sk, skb, true, &fl6->saddr, &fl6->daddr);
	else
		tx_full(sk, skb);
	return 0;
}

/*
 * A reply to @skb that @sk (or no socket) sends without a transmit path
 * of its own: seq, ack and window as the builder puts them in the header.
 */
static void tx_reply(const struct sock *sk, const struct sk_buff *skb,
		     u8 flags, u32 seq, u32 ack, u32 win)
{
	const struct net *net = sk ? sock_net(sk) : dev_net(skb_dst(skb)->dev);
	struct tcpstate_rec rec;
	u16 family;

	if (!wanted(flags, true))
		return;
	seg_init(&rec, net, TCPSTATE_DIR_OUT, TCPSTATE_SOCK_NONE, 0);
	family = seg_identity(&rec, sk);
	if (rec.seg.sock == TCPSTATE_SOCK_TIMEWAIT)
		rec.flags |= TCPSTATE_F_TIMEWAIT;
	tcpstate_record_rx_tuple(&rec, family, skb);
	rec.seg.tcp_flags = flags;
	rec.seg.seq = seq;
	rec.seg.ack = ack;
	rec.seg.win = win;
	seg_emit(net, &rec, true);
}

/*
 * tcp_v4_send_reset() and tcp_v6_send_reset() take (sk or NULL, skb) and
 * return early, without counting TCP_MIB_OUTRSTS, in the cases below.
 * Returns whether an RST goes out.
 */
static bool rst_goes_out(const struct sock *sk, const struct sk_buff *skb,
			 bool v6)
{
	const struct net *net;

	/* Never a RST in answer to a RST. */
	if (tcp_hdr(skb)->rst)
		return false;
	/*
	 * The route is looked at only without a socket, as both builders
	 * do: a segment that waited in a socket's backlog has had its dst
	 * dropped (tcp_add_backlog() -> tcp_cleanup_skb()), and a RST
	 * answering it from there (data after shutdown(SHUT_RD), say) has
	 * @sk set and skb_dst() NULL.
	 */
	if (!sk && (v6 ? !ipv6_unicast_destination(skb) :
			 skb_rtable(skb)->rt_type != RTN_LOCAL))
		return false;

	net = sk ? sock_net(sk) : dev_net(skb_dst(skb)->dev);
	tcpstate_count(net, TCPSTATE_EV_RESETS_OUT);
	return true;
}

static int kp_v4_send_reset(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);
	const struct tcphdr *th = tcp_hdr(skb);

	if (!sk)
		rx_none(dev_net(skb_dst(skb)->dev), skb);
	if (!rst_goes_out(sk, skb, false))
		return 0;
	/* The header tcp_v4_send_reset() builds (RFC 9293 3.10.7.1). */
	if (th->ack)
		tx_reply(sk, skb, TCPHDR_RST, ntohl(th->ack_seq), 0, 0);
	else
		tx_reply(sk, skb, TCPHDR_RST | TCPHDR_ACK, 0,
			 ntohl(th->seq) + th->syn + th->fin + skb->len -
			 th->doff * 4, 0);
	return 0;
}

/* Its RST is recorded in tcp_v6_send_response(). */
static int kp_v6_send_reset(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);

	if (!sk)
		rx_none(dev_net(skb_dst(skb)->dev), skb);
	rst_goes_out(sk, skb, true);
	return 0;
}

/* Sent through ip_queue_xmit()/ip6_xmit(): only counted here. */
static int kp_send_active_reset(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);

	tcpstate_count(sock_net(sk), TCPSTATE_EV_RESETS_OUT);
	return 0;
}

/* tcp_v4_send_ack(sk, skb, seq, ack, win, ...): TIME_WAIT's ACKs */
static int kp_v4_send_ack(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);

	/* Its other caller, tcp_v4_reqsk_send_ack(), is probed itself. */
	if (sk->sk_state != TCP_TIME_WAIT)
		return 0;
	tcpstate_timewait_seen(inet_twsk(sk));
	tx_reply(sk, (void *)TCPSTATE_ARG(regs, 1), TCPHDR_ACK,
		 TCPSTATE_ARG(regs, 2), TCPSTATE_ARG(regs, 3),
		 TCPSTATE_ARG(regs, 4));
	return 0;
}

/*
 * tcp_v6_send_response(sk, skb, seq, ack, win, tsval, tsecr, oif, ...):
 * rst is the 10th argument, or the 9th since 6.7 (compat.h).
 */
static int kp_v6_send_response(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);
	bool rst = TCPSTATE_ARG(regs, TCPSTATE_V6_SEND_RESPONSE_RST);
	u8 flags = TCPHDR_ACK;

	if (rst) {
		flags = TCPHDR_RST | (tcp_hdr(skb)->ack ? 0 : TCPHDR_ACK);
	} else {
		/* Request ACKs are recorded by tcp_v6_reqsk_send_ack(). */
		if (!sk || sk->sk_state != TCP_TIME_WAIT)
			return 0;
		tcpstate_timewait_seen(inet_twsk(sk));
	}
	tx_reply(sk, skb, flags, TCPSTATE_ARG(regs, 2), TCPSTATE_ARG(regs, 3),
		 TCPSTATE_ARG(regs, 4));
	return 0;
}

/*
 * tcp_v{4,6}_reqsk_send_ack(sk, skb, req): the request's ACK, with the
 * values both compute before handing them to their send_ack.
 */
static int kp_reqsk_send_ack(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 0);
	const struct request_sock *req = (void *)TCPSTATE_ARG(regs, 2);
	u32 seq = sk->sk_state == TCP_LISTEN ? tcp_rsk(req)->snt_isn + 1 :
					       READ_ONCE(tcp_sk(sk)->snd_nxt);

	tx_reply((const struct sock *)req, (void *)TCPSTATE_ARG(regs, 1),
		 TCPHDR_ACK, seq, tcp_rsk(req)->rcv_nxt,
		 tcpstate_reqsk_ack_window(req) >> inet_rsk(req)->rcv_wscale);
	return 0;
}

/* {__,}tcp_retransmit_skb(sk, skb, segs) */
static int rtx_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sk_buff *skb = (void *)TCPSTATE_ARG(regs, 1);

	tcpstate_mark_set(&rtx_mark, (void *)TCPSTATE_ARG(regs, 0),
			  TCP_SKB_CB(skb)->seq, (void *)ri->data);
	return 0;
}

static int rtx_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	tcpstate_mark_clear(&rtx_mark, (void *)ri->data);
	return 0;
}

static_assert(__same_type(&ip_queue_xmit,
			  int (*)(struct sock *, struct sk_buff *,
				  struct flowi *)));
static_assert(__same_type(&tcp_v4_do_rcv,
			  int (*)(struct sock *, struct sk_buff *)));
static_assert(__same_type(&__tcp_retransmit_skb,
			  int (*)(struct sock *, struct sk_buff *, int)));
static_assert(__same_type(&tcp_retransmit_skb,
			  int (*)(struct sock *, struct sk_buff *, int)));
static_assert(TCPSTATE_SEND_ACTIVE_RESET_OK);

static struct kprobe *segment_kps[] = {
	TCPSTATE_KP("tcp_v4_do_rcv", kp_v4_do_rcv, "sk", "skb"),
	TCPSTATE_KP("tcp_v6_do_rcv", kp_v6_do_rcv, "sk", "skb"),
	TCPSTATE_KP("tcp_check_req", kp_check_req, "sk", "skb", "req",
		    "fastopen"),
	TCPSTATE_KP("tcp_timewait_state_process", kp_tw_process, "tw", "skb"),
	TCPSTATE_KP("tcp_v4_send_reset", kp_v4_send_reset, "sk", "skb"),
	TCPSTATE_KP("tcp_v6_send_reset", kp_v6_send_reset, "sk", "skb"),
	TCPSTATE_KP("tcp_send_active_reset", kp_send_active_reset, "sk"),
	TCPSTATE_KP("ip_queue_xmit", kp_ip_queue_xmit, "sk", "skb"),
	TCPSTATE_KP("ip_build_and_send_pkt", kp_ip_build_and_send_pkt,
		    "skb", "sk", "saddr", "daddr"),
	TCPSTATE_KP("ip6_xmit", kp_ip6_xmit, "sk", "skb", "fl6"),
	TCPSTATE_KP("tcp_v4_send_ack", kp_v4_send_ack, "sk", "skb", "seq", "ack",
		    "win"),
	TCPSTATE_KP("tcp_v6_send_response", kp_v6_send_response, "sk", "skb",
		    "seq", "ack", "win",
		    [TCPSTATE_V6_SEND_RESPONSE_RST] = "rst"),
	TCPSTATE_KP("tcp_v4_reqsk_send_ack", kp_reqsk_send_ack, "sk", "skb",
		    "req"),
	TCPSTATE_KP("tcp_v6_reqsk_send_ack", kp_reqsk_send_ack, "sk", "skb",
		    "req"),
};

const struct tcpstate_probes tcpstate_segment_probes = {
	.what = "segments",
	.kps = segment_kps,
	.nr_kps = ARRAY_SIZE(segment_kps),
};

/*
 * Their own group: without them every segment is still recorded, only
 * not labelled a retransmission (TCPSTATE_SEG_RETRANS).
 */
static struct kretprobe *retransmit_krps[] = {
	TCPSTATE_KRP("tcp_retransmit_skb", rtx_entry, rtx_return,
		     sizeof(struct tcpstate_mark_ticket), "sk", "skb"),
	TCPSTATE_KRP("__tcp_retransmit_skb", rtx_entry, rtx_return,
		     sizeof(struct tcpstate_mark_ticket), "sk", "skb"),
};

const struct tcpstate_probes tcpstate_retransmit_probes = {
	.what = "retransmits",
	.krps = retransmit_krps,
	.nr_krps = ARRAY_SIZE(retransmit_krps),
};
