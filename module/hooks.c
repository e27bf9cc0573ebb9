// SPDX-License-Identifier: GPL-2.0
/*
 * Where events come from.
 *
 * State changes: the sock:inet_sock_set_state tracepoint (hook=tracepoint)
 * or a kprobe on tcp_set_state() (hook=kprobe). The tracepoint is not
 * exported to modules, so it is found by name and attached with
 * tracepoint_probe_register(). The kprobe only sees changes made through
 * tcp_set_state(): not listen() (CLOSE->LISTEN) nor the passive child's
 * birth (LISTEN->SYN_RECV), which the kernel stores directly.
 *
 * Resets, in both modes: tcp:tcp_receive_reset for RSTs that reset one
 * of our sockets, and kprobes on the three functions that send RSTs and
 * count TCP_MIB_OUTRSTS: tcp_v4_send_reset(), tcp_v6_send_reset() (also
 * for segments that found no socket: the tracepoint tcp:tcp_send_reset
 * skips those) and tcp_send_active_reset().
 *
 * Every probe here may run in process, softirq or hardirq context, under
 * socket and scheduler locks: they never sleep, allocate or wake anyone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/tracepoint.h>
#include <net/inet_connection_sock.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/tcp.h>
#include <trace/events/sock.h>
#include <trace/events/tcp.h>

#include "hooks.h"
#include "record.h"
#include "stats.h"

static struct tcpstate_ring *ring;
static unsigned int hook_mode;

/*
 * The request inet_csk_clone_lock() is cloning a child from, on this CPU,
 * between its entry and its return. The child's LISTEN->SYN_RECV fires
 * in between, in the same softirq: no preemption, no migration.
 */
static DEFINE_PER_CPU(const struct request_sock *, cloning_req);

static void record(const struct sock *sk, int oldstate, int newstate,
		   const struct request_sock *req)
{
	struct net *net = sock_net(sk);
	struct tcpstate_net *tn = tcpstate_stats_net(net);
	struct tcpstate_rec rec;
	const void *scope;
	bool stored;

	if (tn)
		tcpstate_stats_transition(tn, oldstate, newstate);

	/* A reader scoped to one namespace is not offered the others. */
	scope = READ_ONCE(ring->scope);
	if (scope && scope != net)
		return;

	tcpstate_record_state(&rec, sk, oldstate, newstate);
	if (req)
		tcpstate_record_child_tuple(&rec, sk, req);
	/*
	 * Counted before the reader can see it, so /proc never shows more
	 * events read than recorded.
	 */
	if (tn)
		tcpstate_stats_inc(tn, TCPSTATE_EV_RECORDED);
	stored = tcpstate_ring_write(ring, &rec);
	if (tn && !stored)
		tcpstate_stats_inc(tn, TCPSTATE_EV_DROPPED);
}

static void count_reset(const struct net *net, enum tcpstate_ev ev)
{
	struct tcpstate_net *tn = net ? tcpstate_stats_net(net) : NULL;

	if (tn)
		tcpstate_stats_inc(tn, ev);
}

static void probe_set_state(void *data, const struct sock *sk,
			    const int oldstate, const int newstate)
{
	const struct request_sock *req = NULL;

	/* The tracepoint fires for every inet protocol. */
	if (sk->sk_protocol != IPPROTO_TCP)
		return;

	if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV) {
		req = this_cpu_read(cloning_req);
		/* The child still has its listener's port; so has the request. */
		if (req && inet_rsk(req)->ir_num != inet_sk(sk)->inet_num)
			req = NULL;
	}
	record(sk, oldstate, newstate, req);
}

static void probe_receive_reset(void *data, struct sock *sk)
{
	count_reset(sock_net(sk), TCPSTATE_EV_RESETS_IN);
}

static int kp_tcp_set_state(struct kprobe *kp, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	int newstate = regs_get_kernel_argument(regs, 1);

	if (sk->sk_protocol == IPPROTO_TCP)
		record(sk, sk->sk_state, newstate, NULL);
	return 0;
}

/*
 * tcp_v4_send_reset() and tcp_v6_send_reset() take (sk or NULL, skb) and
 * return early, without counting TCP_MIB_OUTRSTS, in the cases below.
 */
static void count_send_reset(struct pt_regs *regs, bool v6)
{
	const struct sock *sk = (void *)regs_get_kernel_argument(regs, 0);
	struct sk_buff *skb = (void *)regs_get_kernel_argument(regs, 1);
	const struct net *net;

	/* Never a RST in answer to a RST. */
	if (tcp_hdr(skb)->rst)
		return;
	if (v6 ? !ipv6_unicast_destination(skb) :
		 !sk && skb_rtable(skb)->rt_type != RTN_LOCAL)
		return;

	net = sk ? sock_net(sk) : dev_net(skb_dst(skb)->dev);
	count_reset(net, TCPSTATE_EV_RESETS_OUT);
}

static int kp_v4_send_reset(struct kprobe *kp, struct pt_regs *regs)
{
	count_send_reset(regs, false);
	return 0;
}

static int kp_v6_send_reset(struct kprobe *kp, struct pt_regs *regs)
{
	count_send_reset(regs, true);
	return 0;
}

static int kp_send_active_reset(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (void *)regs_get_kernel_argument(regs, 0);

	count_reset(sock_net(sk), TCPSTATE_EV_RESETS_OUT);
	return 0;
}

static int clone_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	this_cpu_write(cloning_req,
		       (const struct request_sock *)regs_get_kernel_argument(regs, 1));
	return 0;
}

static int clone_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	this_cpu_write(cloning_req, NULL);
	return 0;
}

/* Compile-time checks that our handlers read what the kernel passes. */
static_assert(__same_type(&tcp_set_state, void (*)(struct sock *, int)));
static_assert(__same_type(&tcp_send_active_reset,
			  void (*)(struct sock *, gfp_t)));
static_assert(__same_type(&inet_csk_clone_lock,
			  struct sock *(*)(const struct sock *,
					   const struct request_sock *,
					   const gfp_t)));

struct tp_hook {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

static struct tp_hook tp_set_state = {
	.name = "inet_sock_set_state",
	.probe = probe_set_state,
};

static struct tp_hook tp_receive_reset = {
	.name = "tcp_receive_reset",
	.probe = probe_receive_reset,
};

static struct kprobe kp_set_state = {
	.symbol_name = "tcp_set_state",
	.pre_handler = kp_tcp_set_state,
};

static struct kprobe kp_v4_reset = {
	.symbol_name = "tcp_v4_send_reset",
	.pre_handler = kp_v4_send_reset,
};

static struct kprobe kp_v6_reset = {
	.symbol_name = "tcp_v6_send_reset",
	.pre_handler = kp_v6_send_reset,
};

static struct kprobe kp_active_reset = {
	.symbol_name = "tcp_send_active_reset",
	.pre_handler = kp_send_active_reset,
};

static struct kretprobe krp_clone = {
	.kp.symbol_name = "inet_csk_clone_lock",
	.entry_handler = clone_entry,
	.handler = clone_return,
};

static void find_tp(struct tracepoint *tp, void *priv)
{
	struct tp_hook *hook = priv;

	if (!strcmp(tp->name, hook->name))
		hook->tp = tp;
}

static int tp_register(struct tp_hook *hook)
{
	int ret;

	for_each_kernel_tracepoint(find_tp, hook);
	if (!hook->tp) {
		pr_err("tracepoint %s not found in this kernel\n", hook->name);
		return -ENOENT;
	}
	ret = tracepoint_probe_register(hook->tp, hook->probe, NULL);
	if (ret)
		pr_err("cannot attach to tracepoint %s: %d\n", hook->name, ret);
	return ret;
}

static void tp_unregister(struct tp_hook *hook)
{
	tracepoint_probe_unregister(hook->tp, hook->probe, NULL);
}

static int kp_register(struct kprobe *kp)
{
	int ret = register_kprobe(kp);

	if (ret)
		pr_err("cannot kprobe %s: %d\n", kp->symbol_name, ret);
	return ret;
}

static int state_hook_init(void)
{
	int ret;

	if (hook_mode == TCPSTATE_HOOK_KPROBE)
		return kp_register(&kp_set_state);

	/* Before the tracepoint: the first child must find its request. */
	ret = register_kretprobe(&krp_clone);
	if (ret) {
		pr_err("cannot kretprobe %s: %d\n", krp_clone.kp.symbol_name,
		       ret);
		return ret;
	}
	ret = tp_register(&tp_set_state);
	if (ret)
		unregister_kretprobe(&krp_clone);
	return ret;
}

static void state_hook_uninit(void)
{
	if (hook_mode == TCPSTATE_HOOK_KPROBE) {
		unregister_kprobe(&kp_set_state);
		return;
	}
	tp_unregister(&tp_set_state);
	unregister_kretprobe(&krp_clone);
}

int tcpstate_hooks_init(struct tcpstate_ring *r, unsigned int hook)
{
	int ret;

	/* Fails to build if our probes stop matching the tracepoints. */
	check_trace_callback_type_inet_sock_set_state(probe_set_state);
	check_trace_callback_type_tcp_receive_reset(probe_receive_reset);

	ring = r;
	hook_mode = hook;

	ret = tp_register(&tp_receive_reset);
	if (ret)
		goto err_receive_reset;
	ret = kp_register(&kp_active_reset);
	if (ret)
		goto err_active_reset;
	ret = kp_register(&kp_v4_reset);
	if (ret)
		goto err_v4_reset;
	ret = kp_register(&kp_v6_reset);
	if (ret)
		goto err_v6_reset;
	ret = state_hook_init();
	if (ret)
		goto err_state;
	return 0;

err_state:
	unregister_kprobe(&kp_v6_reset);
err_v6_reset:
	unregister_kprobe(&kp_v4_reset);
err_v4_reset:
	unregister_kprobe(&kp_active_reset);
err_active_reset:
	tp_unregister(&tp_receive_reset);
err_receive_reset:
	tracepoint_synchronize_unregister();
	return ret;
}

/*
 * After this returns no probe is running or will run: the ring and the
 * counters may go. unregister_k*probe() wait for their handlers; the
 * tracepoint probes need the explicit grace period.
 */
void tcpstate_hooks_uninit(void)
{
	state_hook_uninit();
	unregister_kprobe(&kp_v6_reset);
	unregister_kprobe(&kp_v4_reset);
	unregister_kprobe(&kp_active_reset);
	tp_unregister(&tp_receive_reset);
	tracepoint_synchronize_unregister();
}
