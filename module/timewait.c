// SPDX-License-Identifier: GPL-2.0
/*
 * TIME_WAIT sockets. When a connection enters TIME_WAIT the kernel moves
 * it into a small inet_timewait_sock and frees the full socket (which
 * goes to CLOSE); nothing reports the small socket's birth or death. We
 * record both as state changes flagged TCPSTATE_F_TIMEWAIT, with the
 * connection's cookie and tuple:
 *
 *   birth   inet_twsk_hashdance(): FIN_WAIT2/CLOSING -> TIME_WAIT, or
 *           -> FIN_WAIT2 for an orphan still waiting for the peer's FIN
 *   FIN     a FIN_WAIT2 timewait socket getting its FIN becomes TIME_WAIT
 *           in place; seen when it acks that FIN (or when it ends)
 *   end     inet_twsk_kill(), -> CLOSE with why and how long it lived:
 *           its namespace dying, its timer (tw_timer_handler() running),
 *           or what last happened to it: an RST or SYN it received, a
 *           connect() that tcp_twsk_unique() let take it over
 *
 * How long: a timewait socket has no birth time of its own, so we keep
 * one per cookie in a fixed table (allocated at load, never in a probe);
 * a socket the table had no room for ends with duration 0 (unknown).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <net/inet_timewait_sock.h>
#include <net/tcp.h>

#include "hooks.h"
#include "record.h"
#include "timewait.h"

#define TW_BITS		16	/* 64K sockets tracked at once, 1.5 MiB */
#define TW_PROBES	32	/* how far a slot is looked for */

struct tw_slot {
	u64 cookie;		/* 0: free */
	u64 born_ns;
	u8 substate;		/* as last recorded */
	u8 hint;		/* why it may end: enum tcpstate_tw_reason */
};

/* Guards every slot; irqsave as the ring's lock, for the same reason. */
static DEFINE_RAW_SPINLOCK(tw_lock);
static struct tw_slot *tw_slots;

/* The timewait socket whose timer is running on this CPU. */
static DEFINE_PER_CPU(const struct inet_timewait_sock *, tw_timer);

static u32 slot_of(u64 cookie, u32 i)
{
	return (hash_64(cookie, TW_BITS) + i) & (BIT(TW_BITS) - 1);
}

/* Called with tw_lock held. */
static struct tw_slot *slot_find(u64 cookie, bool create)
{
	struct tw_slot *s;
	u32 i;

	for (i = 0; i < TW_PROBES; i++) {
		s = &tw_slots[slot_of(cookie, i)];
		if (s->cookie == cookie)
			return s;
		if (!s->cookie)
			return create ? s : NULL;
	}
	return NULL;
}

static u32 dist(u32 from, u32 to)
{
	return (to - from) & (BIT(TW_BITS) - 1);
}

/*
 * Called with tw_lock held. Linear probing keeps every entry reachable
 * from its home slot: until the run ends, move each entry whose path
 * from home crosses the hole back into it.
 */
static void slot_free(struct tw_slot *hole)
{
	u32 h = hole - tw_slots, i, pos;
	struct tw_slot *s;

	for (i = 1; i < BIT(TW_BITS); i++) {
		pos = (h + i) & (BIT(TW_BITS) - 1);
		s = &tw_slots[pos];
		if (!s->cookie)
			break;
		if (dist(slot_of(s->cookie, 0), hole - tw_slots) <
		    dist(slot_of(s->cookie, 0), pos)) {
			*hole = *s;
			hole = s;
		}
	}
	hole->cookie = 0;
}

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

/* inet_twsk_hashdance(tw, sk, hashinfo) */
static int kp_hashdance(struct kprobe *kp, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)TCPSTATE_ARG(regs, 0);
	const struct sock *sk = (void *)TCPSTATE_ARG(regs, 1);
	u64 cookie, now = ktime_get_ns();
	unsigned long flags;
	struct tw_slot *s;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	/*
	 * The timewait socket copied the full socket's cookie; if there was
	 * none yet, give both the same one, as later records of either
	 * must match.
	 */
	cookie = tcpstate_cookie(sk);
	atomic64_cmpxchg(&tw->tw_cookie, 0, cookie);

	raw_spin_lock_irqsave(&tw_lock, flags);
	s = slot_find(cookie, true);
	if (s) {
		s->cookie = cookie;
		s->born_ns = now;
		s->substate = tw->tw_substate;
		s->hint = TCPSTATE_TW_NONE;
	}
	raw_spin_unlock_irqrestore(&tw_lock, flags);

	if (tw->tw_substate == TCP_TIME_WAIT)
		tw_entered(tw, sk->sk_state, now);
	else
		tw_record(tw, sk->sk_state, tw->tw_substate, TCPSTATE_TW_NONE,
			  0, now);
	return 0;
}

/*
 * A FIN_WAIT2 timewait socket turns TIME_WAIT when the peer's FIN comes,
 * silently: notice it the next time we see the socket.
 */
void tcpstate_timewait_seen(const struct inet_timewait_sock *tw)
{
	u8 now = tw->tw_substate, was = now;
	unsigned long flags;
	struct tw_slot *s;

	raw_spin_lock_irqsave(&tw_lock, flags);
	s = slot_find(atomic64_read(&tw->tw_cookie), false);
	if (s) {
		was = s->substate;
		s->substate = now;
	}
	raw_spin_unlock_irqrestore(&tw_lock, flags);

	if (was != now && now == TCP_TIME_WAIT)
		tw_entered(tw, was, 0);
}

/* Called with tw_lock held: remember why the socket may be about to end. */
static void set_hint(u64 cookie, u8 hint)
{
	struct tw_slot *s = slot_find(cookie, false);

	if (s)
		s->hint = hint;
}

/* A segment reached it: an RST or a new SYN may kill it right after. */
void tcpstate_timewait_rx(const struct inet_timewait_sock *tw,
			  const struct tcphdr *th)
{
	unsigned long flags;

	if (!th->rst && !th->syn)
		return;
	raw_spin_lock_irqsave(&tw_lock, flags);
	set_hint(atomic64_read(&tw->tw_cookie),
		 th->rst ? TCPSTATE_TW_RESET : TCPSTATE_TW_REUSED_SYN);
	raw_spin_unlock_irqrestore(&tw_lock, flags);
}

static u8 end_reason(const struct inet_timewait_sock *tw, u8 hint)
{
	if (!check_net(twsk_net(tw)))
		return TCPSTATE_TW_NETNS;
	if (this_cpu_read(tw_timer) == tw)
		return TCPSTATE_TW_EXPIRED;
	return hint ?: TCPSTATE_TW_OTHER;
}

/* inet_twsk_kill(tw): unhashed, once, whoever kills it. */
static int kp_kill(struct kprobe *kp, struct pt_regs *regs)
{
	const struct inet_timewait_sock *tw = (void *)TCPSTATE_ARG(regs, 0);
	u64 duration = 0, now = ktime_get_ns();
	u8 reason, hint = 0, state = tw->tw_substate;
	unsigned long flags;
	struct tw_slot *s;

	/* DCCP has timewait sockets too. TCP's protos: "TCP", "TCPv6". */
	if (strncmp(tw->tw_prot->name, "TCP", 3))
		return 0;
	tcpstate_timewait_seen(tw);

	raw_spin_lock_irqsave(&tw_lock, flags);
	s = slot_find(atomic64_read(&tw->tw_cookie), false);
	if (s) {
		duration = now - s->born_ns;
		hint = s->hint;
		slot_free(s);
	}
	raw_spin_unlock_irqrestore(&tw_lock, flags);

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

	this_cpu_write(tw_timer,
		       container_of(t, struct inet_timewait_sock, tw_timer));
	return 0;
}

static int timer_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	this_cpu_write(tw_timer, NULL);
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
	unsigned long flags;

	if (!regs_return_value(regs))
		return 0;
	raw_spin_lock_irqsave(&tw_lock, flags);
	set_hint(*(u64 *)ri->data, TCPSTATE_TW_REUSED_CONNECT);
	raw_spin_unlock_irqrestore(&tw_lock, flags);
	return 0;
}

static_assert(__same_type(&tcp_twsk_unique,
			  int (*)(struct sock *, struct sock *, void *)));
static_assert(__same_type(&inet_twsk_hashdance,
			  void (*)(struct inet_timewait_sock *, struct sock *,
				   struct inet_hashinfo *)));

static struct kprobe *timewait_kps[] = {
	TCPSTATE_KP("inet_twsk_hashdance", kp_hashdance),
	TCPSTATE_KP("inet_twsk_kill", kp_kill),
};

static struct kretprobe *timewait_krps[] = {
	TCPSTATE_KRP("tw_timer_handler", timer_entry, timer_return, 0),
	TCPSTATE_KRP("tcp_twsk_unique", unique_entry, unique_return,
		     sizeof(u64)),
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
	tw_slots = vzalloc(array_size(BIT(TW_BITS), sizeof(*tw_slots)));
	return tw_slots ? 0 : -ENOMEM;
}

/* No probe runs any more. */
void tcpstate_timewait_uninit(void)
{
	vfree(tw_slots);
	tw_slots = NULL;
}
