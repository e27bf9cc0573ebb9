// SPDX-License-Identifier: GPL-2.0
/*
 * TIME_WAIT sockets. When a connection enters TIME_WAIT the kernel moves
 * it into a small inet_timewait_sock and frees the full socket (which
 * goes to CLOSE); nothing reports the small socket's birth or death. We
 * record both as state changes flagged TCPSTATE_F_TIMEWAIT, with the
 * connection's cookie and tuple:
 *
 *   birth   inet_twsk_hashdance() (inet_twsk_hashdance_schedule() since
 *           6.11, compat.h): FIN_WAIT2/CLOSING -> TIME_WAIT, or
 *           -> FIN_WAIT2 for an orphan still waiting for the peer's FIN
 *   FIN     a FIN_WAIT2 timewait socket getting its FIN becomes TIME_WAIT
 *           in place; seen when it acks that FIN (or when it ends)
 *   end     inet_twsk_kill(), -> CLOSE with why and how long it lived:
 *           its namespace dying, its timer (tw_timer_handler() running),
 *           or what last happened to it: an RST or SYN it received, a
 *           connect() that tcp_twsk_unique() let take it over
 *
 * How long: a timewait socket has no birth time of its own, so we keep
 * one per cookie in a fixed table (twtable.h: allocated at load, bounded
 * work per probe); a socket the table had no room for, or born before
 * the module loaded, ends with duration 0 (unknown).
 *
 * Only TCP's: DCCP shares inet_twsk_hashdance() and inet_twsk_kill().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <net/inet_timewait_sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "hooks.h"
#include "mark.h"
#include "params.h"
#include "record.h"
#include "timewait.h"
#include "twtable.h"

/*
 * An entry older than this lost its end (a kill the probes missed): a
 * timewait socket lives TCP_TIMEWAIT_LEN (60 s) after its last FIN, a
 * FIN_WAIT2 one tcp_fin_timeout (60 s by default) plus that.
 */
#define TW_STALE_NS	(600 * NSEC_PER_SEC)

static struct tcpstate_twtable tw_table;

/* The timewait socket whose timer is running in this context. */
DEFINE_TCPSTATE_MARK(tw_timer);

/*
 * @now: the clock reading the TIME_WAIT table used (born_ns, or the end
 * that @duration runs to), so that an end's duration_ns is exactly its
 * ts minus its birth's; 0: read the clock.
 */
static void tw_record(const struct inet_timewait_sock *tw, int oldstate,
		      int newstate, u8 reason, u64 duration, u64 now)
{
	struct tcpstate_net *tn = tcpstate_stats_net(twsk_net(tw));
	struct tcpstate_rec rec;

	if (tn)
		tcpstate_stats_transition(tn, oldstate, newstate);
	tcpstate_record_init(&rec, TCPSTATE_REC_STATE, twsk_net(tw));
	tcpstate_record_tw(&rec, tw);
	if (now)
		rec.ts_ns = now;
	rec.state.old_state = oldstate;
	rec.state.new_state = newstate;
	rec.state.reason = reason;
	rec.state.duration_ns = duration;
	tcpstate_emit(twsk_net(tw), &rec);
}

static void tw_entered(const struct inet_timewait_sock *tw, int oldstate,
		       u64 now)
{
	tcpstate_count(twsk_net(tw), TCPSTATE_EV_TW_ENTERED);
	tw_record(tw, oldstate, TCP_TIME_WAIT, TCPSTATE_TW_NONE, 0, now);
}

/* inet_twsk_hashdance{,_schedule}(tw, sk, hashinfo[, timeo]) */
static int kp_hashdance(struct kprobe *kp, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)TCPSTATE_ARG(regs, 0);
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 1);
	u64 cookie, now = ktime_get_ns();
	u8 substate;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	/*
	 * The timewait socket copied the full socket's cookie; if there was
	 * none yet, give both the same one, as later records of either
	 * must match.
	 */
	cookie = tcpstate_cookie(sk);
	atomic64_cmpxchg(&tw->tw_cookie, 0, cookie);
	substate = READ_ONCE(tw->tw_substate);
	tcpstate_twtable_add(&tw_table, cookie, now, substate);

	if (substate == TCP_TIME_WAIT)
		tw_entered(tw, sk->sk_state, now);
	else
		tw_record(tw, sk->sk_state, substate, TCPSTATE_TW_NONE, 0, now);
	return 0;
}

/*
 * A FIN_WAIT2 timewait socket turns TIME_WAIT when the peer's FIN comes,
 * silently: notice it the next time we see the socket.
 */
void tcpstate_timewait_seen(const struct inet_timewait_sock *tw)
{
	u8 now = READ_ONCE(tw->tw_substate), was = now;

	/*
	 * Untracked (born before we loaded, or no room): its birth state
	 * is unknown, so is whether it changed. Never invent a birth.
	 */
	if (!tcpstate_twtable_update(&tw_table, atomic64_read(&tw->tw_cookie),
				     now, &was))
		return;
	if (was != now && now == TCP_TIME_WAIT)
		tw_entered(tw, was, 0);
}

/* A segment reached it: an RST or a new SYN may kill it right after. */
void tcpstate_timewait_rx(const struct inet_timewait_sock *tw,
			  const struct tcphdr *th)
{
	if (!th->rst && !th->syn)
		return;
	tcpstate_twtable_hint(&tw_table, atomic64_read(&tw->tw_cookie),
			      th->rst ? TCPSTATE_TW_RESET :
					TCPSTATE_TW_REUSED_SYN);
}

static u8 end_reason(const struct inet_timewait_sock *tw, u8 hint)
{
	if (!check_net(twsk_net(tw)))
		return TCPSTATE_TW_NETNS;
	if (tcpstate_mark_get(&tw_timer, NULL) == tw)
		return TCPSTATE_TW_EXPIRED;
	return hint ?: TCPSTATE_TW_OTHER;
}

/* inet_twsk_kill(tw): unhashed, once, whoever kills it. */
static int kp_kill(struct kprobe *kp, struct pt_regs *regs)
{
	const struct inet_timewait_sock *tw = (void *)TCPSTATE_ARG(regs, 0);
	u64 born, duration = 0, now = ktime_get_ns();
	u8 reason, hint = 0, state;

	/* DCCP has timewait sockets too. TCP's protos: "TCP", "TCPv6". */
	if (strncmp(tw->tw_prot->name, "TCP", 3))
		return 0;
	tcpstate_timewait_seen(tw);
	state = READ_ONCE(tw->tw_substate);

	if (tcpstate_twtable_remove(&tw_table, atomic64_read(&tw->tw_cookie),
				    &born, &hint))
		duration = now - born;

	reason = end_reason(tw, hint);
	if (state == TCP_TIME_WAIT) {
		tcpstate_count(twsk_net(tw), TCPSTATE_EV_TW_ENDED);
		if (reason == TCPSTATE_TW_EXPIRED)
			tcpstate_count(twsk_net(tw), TCPSTATE_EV_TW_EXPIRED);
	}
	tw_record(tw, state, TCP_CLOSE, reason, duration, now);
	return 0;
}

/* tw_timer_handler(timer) */
static int timer_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct timer_list *t = (void *)TCPSTATE_ARG(regs, 0);

	tcpstate_mark_set(&tw_timer,
			  container_of(t, struct inet_timewait_sock, tw_timer),
			  0, (void *)ri->data);
	return 0;
}

static int timer_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	tcpstate_mark_clear(&tw_timer, (void *)ri->data);
	return 0;
}

/*
 * tcp_twsk_unique(sk, sktw, twp): a connect() asks whether it may take
 * over this TIME_WAIT socket's tuple (tcp_tw_reuse); 1 means it will.
 */
static int unique_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sock *tw = (void *)TCPSTATE_ARG(regs, 1);

	*(u64 *)ri->data = atomic64_read(&tw->sk_cookie);
	return 0;
}

static int unique_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (regs_return_value(regs))
		tcpstate_twtable_hint(&tw_table, *(u64 *)ri->data,
				      TCPSTATE_TW_REUSED_CONNECT);
	return 0;
}

static_assert(__same_type(&tcp_twsk_unique,
			  int (*)(struct sock *, struct sock *, void *)));
static_assert(__same_type(&TCPSTATE_TWSK_HASHDANCE,
			  tcpstate_twsk_hashdance_t));

static struct kprobe *timewait_kps[] = {
	TCPSTATE_KP(__stringify(TCPSTATE_TWSK_HASHDANCE), kp_hashdance, "tw",
		    "sk"),
	TCPSTATE_KP("inet_twsk_kill", kp_kill, "tw"),
};

static struct kretprobe *timewait_krps[] = {
	TCPSTATE_KRP("tw_timer_handler", timer_entry, timer_return,
		     sizeof(struct tcpstate_mark_ticket), "t"),
	TCPSTATE_KRP("tcp_twsk_unique", unique_entry, unique_return,
		     sizeof(u64), [1] = "sktw"),
};

const struct tcpstate_probes tcpstate_timewait_probes = {
	.what = "TIME_WAIT sockets",
	.kps = timewait_kps,
	.nr_kps = ARRAY_SIZE(timewait_kps),
	.krps = timewait_krps,
	.nr_krps = ARRAY_SIZE(timewait_krps),
};

int tcpstate_timewait_init(void)
{
	return tcpstate_twtable_init(&tw_table, tcpstate_param_tw_capacity,
				     TW_STALE_NS);
}

/* No probe runs any more. */
void tcpstate_timewait_uninit(void)
{
	tcpstate_twtable_destroy(&tw_table);
}

/* For /proc/net/tcpstate: module-wide, like events_missed. */
void tcpstate_timewait_table_stats(u64 *capacity, u64 *used, u64 *untracked,
				   u64 *reclaimed)
{
	*capacity = tcpstate_twtable_capacity(&tw_table);
	*used = atomic64_read(&tw_table.used);
	*untracked = atomic64_read(&tw_table.untracked);
	*reclaimed = atomic64_read(&tw_table.reclaimed);
}
