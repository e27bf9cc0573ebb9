// SPDX-License-Identifier: GPL-2.0
/*
 * Where events come from, and the one path they take to the sessions.
 *
 * State changes: the sock:inet_sock_set_state tracepoint (hook=tracepoint)
 * or a kprobe on tcp_set_state() (hook=kprobe). The tracepoint is not
 * exported to modules, so it is found by name and attached with
 * tracepoint_probe_register(). The kprobe only sees changes made through
 * tcp_set_state(): not listen() (CLOSE->LISTEN) nor the passive child's
 * birth (LISTEN->SYN_RECV), which the kernel stores directly.
 *
 * Received resets: tcp:tcp_receive_reset, for RSTs that reset a socket.
 * Segments (and sent resets), request sockets and TIME_WAIT sockets have
 * their own files: segment.c, reqsk.c, timewait.c.
 *
 * Every probe may run in process, softirq or hardirq context, under
 * socket and scheduler locks: they never sleep, allocate or wake anyone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bottom_half.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/tracepoint.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>
#include <trace/events/sock.h>
#include <trace/events/tcp.h>

#include "compat.h"
#include "fault.h"
#include "filter.h"
#include "hooks.h"
#include "mark.h"
#include "params.h"
#include "record.h"
#include "session.h"

static unsigned int hook_mode;

/*
 * Offer @rec, about a socket of @net, to the sessions (session.c): each
 * takes it through its scope and filter into its own ring, counted.
 */
void tcpstate_emit(const struct net *net, const struct tcpstate_rec *rec)
{
	tcpstate_sessions_emit(net, rec);
}

/* Counters count every event, whatever the filters and the reader. */
void tcpstate_count(const struct net *net, enum tcpstate_ev ev)
{
	struct tcpstate_net *tn = net ? tcpstate_stats_net(net) : NULL;

	if (tn)
		tcpstate_stats_inc(tn, ev);
}

/*
 * The request inet_csk_clone_lock() is cloning a child from, between
 * its entry and its return. The child's LISTEN->SYN_RECV fires in
 * between, in the same context: softirq, or process context for a Fast
 * Open child made from a listener's backlog (mark.h).
 */
DEFINE_TCPSTATE_MARK(cloning_req);

static void record(const struct sock *sk, int oldstate, int newstate,
		   const struct request_sock *req)
{
	struct tcpstate_net *tn = tcpstate_stats_net(sock_net(sk));
	struct tcpstate_rec rec;

	if (tn)
		tcpstate_stats_transition(tn, oldstate, newstate);
	tcpstate_record_state(&rec, sk, oldstate, newstate);
	if (req)
		tcpstate_record_child_tuple(&rec, sk, req);
	tcpstate_emit(sock_net(sk), &rec);
}

static void probe_set_state(void *data, const struct sock *sk,
			    const int oldstate, const int newstate)
{
	const struct request_sock *req = NULL;

	/* The tracepoint fires for every inet protocol. */
	if (sk->sk_protocol != IPPROTO_TCP)
		return;

	if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV) {
		req = tcpstate_mark_get(&cloning_req, NULL);
		/* The child still has its listener's port; so has the request. */
		if (req && inet_rsk(req)->ir_num != inet_sk(sk)->inet_num)
			req = NULL;
	}
	record(sk, oldstate, newstate, req);
}

static void probe_receive_reset(void *data, struct sock *sk)
{
	tcpstate_count(sock_net(sk), TCPSTATE_EV_RESETS_IN);
}

static int kp_tcp_set_state(struct kprobe *kp, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)TCPSTATE_ARG(regs, 0);
	int newstate = TCPSTATE_ARG(regs, 1);

	if (sk->sk_protocol == IPPROTO_TCP)
		record(sk, sk->sk_state, newstate, NULL);
	return 0;
}

static int clone_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	tcpstate_mark_set(&cloning_req, (const void *)TCPSTATE_ARG(regs, 1), 0,
			  (void *)ri->data);
	return 0;
}

static int clone_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	tcpstate_mark_clear(&cloning_req, (void *)ri->data);
	return 0;
}

/* Compile-time checks that our handlers read what the kernel passes. */
static_assert(__same_type(&tcp_set_state, void (*)(struct sock *, int)));
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

static struct kprobe *state_kps[] = {
	TCPSTATE_KP("tcp_set_state", kp_tcp_set_state, "sk", "state"),
};

static struct kretprobe *state_krps[] = {
	TCPSTATE_KRP("inet_csk_clone_lock", clone_entry, clone_return,
		     sizeof(struct tcpstate_mark_ticket), [1] = "req"),
};

static const struct tcpstate_probes state_kprobe = {
	.what = "state changes (kprobe)",
	.kps = state_kps,
	.nr_kps = ARRAY_SIZE(state_kps),
};

/* With the tracepoint: the child's request, for LISTEN -> SYN_RECV. */
static const struct tcpstate_probes state_clone = {
	.what = "passive children",
	.krps = state_krps,
	.nr_krps = ARRAY_SIZE(state_krps),
};

static void find_tp(struct tracepoint *tp, void *priv)
{
	struct tp_hook *hook = priv;

	if (!strcmp(tp->name, hook->name))
		hook->tp = tp;
}

static int tp_register(struct tp_hook *hook, struct tcpstate_arm *arm)
{
	int ret;

	hook->tp = NULL;
	if (tcpstate_params_blocked(hook->name)) {
		snprintf(arm->why, sizeof(arm->why),
			 "tracepoint %s is in blocklist=", hook->name);
		return -ENOENT;
	}
	for_each_kernel_tracepoint(find_tp, hook);
	if (!hook->tp) {
		snprintf(arm->why, sizeof(arm->why),
			 "tracepoint %s is not in this kernel", hook->name);
		return -ENOENT;
	}
	ret = tcpstate_fault("tracepoint", hook->name) ?:
	      tracepoint_probe_register(hook->tp, hook->probe, NULL);
	if (ret)
		pr_err("cannot attach to tracepoint %s: %d\n", hook->name, ret);
	return ret;
}

static void tp_unregister(struct tp_hook *hook)
{
	tracepoint_probe_unregister(hook->tp, hook->probe, NULL);
}

/*
 * The kprobe core skips (and counts in nmissed) any kprobe that fires
 * while one of ours is current on the same CPU. Our probes sit at
 * function entries, reached through ftrace with interrupts on: in
 * process context an interrupt taken during a handler ends by running
 * the pending softirqs, and the packets they process would fire our
 * other probes, skipped - events lost. So in process context the
 * handler runs with softirqs disabled, and re-enables them without
 * running the pending ones (_local_bh_enable(), interrupts off as it
 * requires): they run at the probed function's next local_bh_enable()
 * or interrupt exit, once the kprobe core is done. Softirq and hardirq
 * contexts never run softirqs on an interrupt's way out: nothing to do.
 *
 * Keeping interrupts off instead (local_irq_save() around the handler)
 * delays nothing of the kernel's, but was measured worse (make bench,
 * synburst: 32..208 events missed per run against 0..38): an interrupt
 * arriving during the handler is then taken at local_irq_restore(),
 * still inside the kprobe core's window, and its softirqs run there,
 * every probe they fire skipped. PREEMPT_RT needs neither: its
 * softirqs never run on an interrupt's way out (compat.h).
 */
static bool kp_defer_softirqs(void)
{
	if (!TCPSTATE_DEFER_SOFTIRQS || !in_task())
		return false;
	local_bh_disable();
	return true;
}

static void kp_allow_softirqs(bool deferred)
{
	unsigned long flags;

	if (!deferred)
		return;
	local_irq_save(flags);
	tcpstate_local_bh_enable_norun();
	local_irq_restore(flags);
}

int tcpstate_kp_handler(struct kprobe *kp, struct pt_regs *regs)
{
	const struct tcpstate_kprobe *p =
		container_of(kp, struct tcpstate_kprobe, kp);
	bool deferred = kp_defer_softirqs();
	int ret;

	ret = p->fn(kp, regs);
	kp_allow_softirqs(deferred);
	return ret;
}

static const struct tcpstate_kretprobe *krp_of(struct kretprobe_instance *ri)
{
	return container_of(get_kretprobe(ri), struct tcpstate_kretprobe, krp);
}

/* As tcpstate_kp_handler(): no softirq on top of the handler. */
static int krp_call(kretprobe_handler_t fn, struct kretprobe_instance *ri,
		    struct pt_regs *regs)
{
	bool deferred;
	int ret;

	if (!fn)
		return 0;
	deferred = kp_defer_softirqs();
	ret = fn(ri, regs);
	kp_allow_softirqs(deferred);
	return ret;
}

int tcpstate_krp_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return krp_call(krp_of(ri)->entry, ri, regs);
}

int tcpstate_krp_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return krp_call(krp_of(ri)->ret, ri, regs);
}

/*
 * Can @sym be probed with handlers reading @args: not in blocklist=, and
 * named as the handlers expect in the kernel's BTF. 0, or the reason in
 * arm->why and -ENOENT (absent) or -EBADMSG (arguments differ).
 */
static int point_usable(const char *sym, const char *const *args,
			unsigned int nr_args, struct tcpstate_arm *arm)
{
	if (tcpstate_params_blocked(sym)) {
		snprintf(arm->why, sizeof(arm->why), "%s() is in blocklist=",
			 sym);
		return -ENOENT;
	}
	if (!arm->btf)
		return 0;
	return tcpstate_btf_check_args(arm->btf, sym, args, nr_args,
				       arm->why, sizeof(arm->why));
}

/*
 * register_kprobe()'s and register_kretprobe()'s errors that mean this
 * point cannot be probed in this kernel: no such symbol (ENOENT), one
 * the kprobe core refuses (EINVAL: blacklisted, not kernel text;
 * EILSEQ: not an instruction boundary). Anything else (ENOMEM, ...)
 * is the machine's trouble, not the kernel's shape: the load fails.
 */
static int point_error(int ret, const char *what, const char *sym,
		       struct tcpstate_arm *arm)
{
	if (ret == -ENOENT)
		snprintf(arm->why, sizeof(arm->why), "%s() is not in this kernel",
			 sym);
	else if (ret == -EINVAL || ret == -EILSEQ)
		snprintf(arm->why, sizeof(arm->why),
			 "%s() cannot be probed here (%d)", sym, ret);
	else
		pr_err("%s: cannot probe %s(): %d\n", what, sym, ret);
	return ret;
}

int tcpstate_probes_register(const struct tcpstate_probes *p,
			     struct tcpstate_arm *arm)
{
	const struct tcpstate_kretprobe *krp;
	const struct tcpstate_kprobe *kp;
	unsigned int i, k;
	int ret = 0;

	/* Every point checked before any is armed: a group is all or none. */
	for (i = 0; i < p->nr_kps; i++) {
		kp = container_of(p->kps[i], struct tcpstate_kprobe, kp);
		ret = point_usable(kp->kp.symbol_name, kp->args, kp->nr_args,
				   arm);
		if (ret)
			return ret;
	}
	for (k = 0; k < p->nr_krps; k++) {
		krp = container_of(p->krps[k], struct tcpstate_kretprobe, krp);
		ret = point_usable(krp->krp.kp.symbol_name, krp->args,
				   krp->nr_args, arm);
		if (ret)
			return ret;
	}

	for (i = 0; i < p->nr_kps; i++) {
		/*
		 * register_kprobe() fills in addr and refuses a kprobe with
		 * both addr and symbol_name: forget the last registration's,
		 * so the hooks can be set up again after being removed.
		 */
		p->kps[i]->addr = NULL;
		p->kps[i]->flags = 0;
		ret = tcpstate_fault("kprobe", p->kps[i]->symbol_name) ?:
		      register_kprobe(p->kps[i]);
		if (ret) {
			point_error(ret, p->what, p->kps[i]->symbol_name, arm);
			goto err_kprobe;
		}
	}
	for (k = 0; k < p->nr_krps; k++) {
		p->krps[k]->kp.addr = NULL;	/* as above */
		p->krps[k]->kp.flags = 0;
		/*
		 * Instances for the calls in flight at once. The default,
		 * 2 per CPU (at least 10), runs out in a SYN burst: each
		 * call it cannot track is an event missed.
		 */
		p->krps[k]->maxactive = max(64U, 8 * num_possible_cpus());
		ret = tcpstate_fault("kretprobe",
				     p->krps[k]->kp.symbol_name) ?:
		      register_kretprobe(p->krps[k]);
		if (ret) {
			point_error(ret, p->what, p->krps[k]->kp.symbol_name,
				    arm);
			goto err_kretprobe;
		}
	}
	return 0;

err_kretprobe:
	if (k)
		unregister_kretprobes(p->krps, k);
err_kprobe:
	if (i)
		unregister_kprobes(p->kps, i);
	return ret;
}

/*
 * Calls the kprobe core skipped. A kprobe, or a kretprobe recording
 * events itself, lost an event each (@events); a kretprobe that only
 * marks calls lost a label (!@events): the events of other probes went
 * into the ring all the same, perhaps less precisely described.
 */
u64 tcpstate_probes_missed(const struct tcpstate_probes *p, bool events)
{
	const struct tcpstate_kretprobe *k;
	u64 n = 0;
	unsigned int i;

	for (i = 0; events && i < p->nr_kps; i++)
		n += READ_ONCE(p->kps[i]->nmissed);
	for (i = 0; i < p->nr_krps; i++) {
		k = container_of(p->krps[i], struct tcpstate_kretprobe, krp);
		if (k->events != events)
			continue;
		/* Skipped on entry, or no free instance to track the call. */
		n += READ_ONCE(k->krp.kp.nmissed) + READ_ONCE(k->krp.nmissed);
	}
	return n;
}

static u64 all_missed(bool events)
{
	return tcpstate_probes_missed(hook_mode == TCPSTATE_HOOK_KPROBE ?
				      &state_kprobe : &state_clone, events) +
	       tcpstate_probes_missed(&tcpstate_segment_probes, events) +
	       tcpstate_probes_missed(&tcpstate_retransmit_probes, events) +
	       tcpstate_probes_missed(&tcpstate_reqsk_probes, events) +
	       tcpstate_probes_missed(&tcpstate_timewait_probes, events);
}

/*
 * Events lost to us: a probe firing while another probe's handler runs
 * on the same CPU (a softirq run on the way out of an interrupt that
 * came during the handler), or a kretprobe out of instances. The
 * kprobe core's counters are plain (not atomic) per-probe counts: the
 * sum may briefly step back, which tcpstate_ring_missed() tolerates.
 */
u64 tcpstate_hooks_missed(void)
{
	return all_missed(true);
}

/* Calls of marking kretprobes missed: labels lost, not events. */
u64 tcpstate_hooks_labels_missed(void)
{
	return all_missed(false);
}

/* Waits for running handlers: afterwards none runs. */
void tcpstate_probes_unregister(const struct tcpstate_probes *p)
{
	if (p->nr_krps)
		unregister_kretprobes(p->krps, p->nr_krps);
	if (p->nr_kps)
		unregister_kprobes(p->kps, p->nr_kps);
}

static int state_hook_init(struct tcpstate_arm *arm)
{
	int ret;

	if (hook_mode == TCPSTATE_HOOK_KPROBE)
		return tcpstate_probes_register(&state_kprobe, arm);

	/* Before the tracepoint: the first child must find its request. */
	ret = tcpstate_probes_register(&state_clone, arm);
	if (ret)
		return ret;
	ret = tp_register(&tp_set_state, arm);
	if (ret)
		tcpstate_probes_unregister(&state_clone);
	return ret;
}

static void state_hook_uninit(void)
{
	if (hook_mode == TCPSTATE_HOOK_KPROBE) {
		tcpstate_probes_unregister(&state_kprobe);
		return;
	}
	tp_unregister(&tp_set_state);
	tcpstate_probes_unregister(&state_clone);
}

/*
 * The groups armed: set while the module loads, before the device and
 * /proc exist, and not changed until it unloads; read by /proc, the
 * INFO ioctl and the probes themselves.
 */
static unsigned int groups_live;

unsigned int tcpstate_hooks_groups(void)
{
	return READ_ONCE(groups_live);
}

bool tcpstate_group_live(unsigned int group)
{
	return READ_ONCE(groups_live) & BIT(group);
}

static int arm_resets(struct tcpstate_arm *arm)
{
	return tp_register(&tp_receive_reset, arm);
}

static int arm_probes(const struct tcpstate_probes *p,
		      struct tcpstate_arm *arm)
{
	return tcpstate_probes_register(p, arm);
}

static void disarm(unsigned int group)
{
	switch (group) {
	case TCPSTATE_GROUP_STATES:
		state_hook_uninit();
		break;
	case TCPSTATE_GROUP_RESETS:
		tp_unregister(&tp_receive_reset);
		break;
	case TCPSTATE_GROUP_SEGMENTS:
		tcpstate_probes_unregister(&tcpstate_segment_probes);
		break;
	case TCPSTATE_GROUP_RETRANSMITS:
		tcpstate_probes_unregister(&tcpstate_retransmit_probes);
		break;
	case TCPSTATE_GROUP_REQUESTS:
		tcpstate_probes_unregister(&tcpstate_reqsk_probes);
		break;
	case TCPSTATE_GROUP_TIMEWAIT:
		tcpstate_probes_unregister(&tcpstate_timewait_probes);
		break;
	}
}

static int arm(unsigned int group, struct tcpstate_arm *arm)
{
	const char *name = tcpstate_params_group_name(group);
	int ret;

	arm->why[0] = '\0';
	switch (group) {
	case TCPSTATE_GROUP_STATES:
		ret = state_hook_init(arm);
		break;
	case TCPSTATE_GROUP_RESETS:
		ret = arm_resets(arm);
		break;
	case TCPSTATE_GROUP_SEGMENTS:
		ret = arm_probes(&tcpstate_segment_probes, arm);
		break;
	case TCPSTATE_GROUP_RETRANSMITS:
		ret = arm_probes(&tcpstate_retransmit_probes, arm);
		break;
	case TCPSTATE_GROUP_REQUESTS:
		ret = arm_probes(&tcpstate_reqsk_probes, arm);
		break;
	case TCPSTATE_GROUP_TIMEWAIT:
		ret = arm_probes(&tcpstate_timewait_probes, arm);
		break;
	default:
		return -EINVAL;
	}
	if (!ret) {
		groups_live |= BIT(group);
		return 0;
	}
	/* No reason given: an error of the machine's, already logged. */
	if (!arm->why[0])
		return ret;
	if (tcpstate_param_require & BIT(group)) {
		pr_err("probe group %s is required (require=) and cannot be armed: %s\n",
		       name, arm->why);
		return ret;
	}
	pr_warn("probe group %s not armed, its records will be missing: %s\n",
		name, arm->why);
	return 0;
}

/*
 * The order groups are armed in. Timewait first, after its table: a
 * socket's TIME_WAIT birth must be seen before its segments are. States
 * last, so a connection's first recorded event is never a segment or
 * request event whose state change was missed. Disarmed in reverse.
 */
static const unsigned int arm_order[] = {
	TCPSTATE_GROUP_RESETS,
	TCPSTATE_GROUP_TIMEWAIT,
	TCPSTATE_GROUP_REQUESTS,
	TCPSTATE_GROUP_RETRANSMITS,
	TCPSTATE_GROUP_SEGMENTS,
	TCPSTATE_GROUP_STATES,
};

static_assert(ARRAY_SIZE(arm_order) == TCPSTATE_NR_GROUPS);

static void disarm_all(unsigned int from)
{
	while (from--)
		if (groups_live & BIT(arm_order[from]))
			disarm(arm_order[from]);
	groups_live = 0;
	/* The tracepoint probes' last calls are over after this. */
	tracepoint_synchronize_unregister();
}

int tcpstate_hooks_init(unsigned int hook)
{
	struct tcpstate_arm arm_ctx = { 0 };
	struct tcpstate_btf btf;
	unsigned int i;
	int ret;

	/* Fails to build if our probes stop matching the tracepoints. */
	check_trace_callback_type_inet_sock_set_state(probe_set_state);
	check_trace_callback_type_tcp_receive_reset(probe_receive_reset);

	hook_mode = hook;
	groups_live = 0;

	ret = tcpstate_fault("init", "timewait_table") ?:
	      tcpstate_timewait_init();
	if (ret)
		goto err_timewait_table;

	/*
	 * Without the BTF (no CONFIG_DEBUG_INFO_BTF, or the file cannot be
	 * read) the compile-time checks are all there is: say so.
	 */
	ret = tcpstate_btf_load(&btf);
	if (ret)
		pr_info("probed functions' arguments not verified: cannot read the kernel's BTF: %d\n",
			ret);
	else
		arm_ctx.btf = &btf;

	for (i = 0; i < ARRAY_SIZE(arm_order); i++) {
		ret = arm(arm_order[i], &arm_ctx);
		if (ret)
			goto err_arm;
	}
	if (arm_ctx.btf)
		tcpstate_btf_free(&btf);
	return 0;

err_arm:
	disarm_all(i);
	if (arm_ctx.btf)
		tcpstate_btf_free(&btf);
	tcpstate_timewait_uninit();
err_timewait_table:
	return ret;
}

/*
 * After this returns no probe is running or will run: the sessions and
 * the counters may go. Unregistering k(ret)probes waits for their handlers;
 * the tracepoint probes need the explicit grace period (disarm_all()).
 */
void tcpstate_hooks_uninit(void)
{
	disarm_all(ARRAY_SIZE(arm_order));
	tcpstate_timewait_uninit();
}
