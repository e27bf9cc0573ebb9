/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels tcpstate.ko builds against, and
 * nothing else: the .c files never test LINUX_VERSION_CODE or
 * CONFIG_PREEMPT_RT themselves (lttng-modules' wrapper/ headers do the
 * same). Checked against Debian 12's 6.1 (6.1.0-57, 6.1.192) and 6.12
 * (6.12.118+deb12) kernels, stock and PREEMPT_RT: their sources, and the
 * prototypes in their images' BTF. Each boundary is the release that
 * brought the change (mainline, or the stable release named); kernels
 * between 6.1 and 6.12 are not tested. A stable backport may move a
 * boundary: where a declaration can be checked (static_assert in the
 * .c files) the build then fails; tcp_v6_send_response() is static and
 * cannot be.
 */
#ifndef _TCPSTATE_COMPAT_H
#define _TCPSTATE_COMPAT_H

#include <linux/bottom_half.h>
#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/version.h>
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>
#include <net/tcp.h>

/*
 * The kernel built against is release a.b.c or later. Spelled with
 * LINUX_VERSION_{MAJOR,PATCHLEVEL,SUBLEVEL} (the same number as
 * LINUX_VERSION_CODE): checkpatch flags LINUX_VERSION_CODE, a rule for
 * in-tree code, which has no older kernel to build against.
 */
#define TCPSTATE_KERNEL_AT_LEAST(a, b, c) \
	(KERNEL_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL, \
			LINUX_VERSION_SUBLEVEL) >= KERNEL_VERSION(a, b, c))

/*
 * A TIME_WAIT socket's birth. "net: tcp/dccp: prepare for tw_timer
 * un-pinning" (6.11, and 6.10.9 among the stable kernels) made
 * inet_twsk_hashdance(tw, sk, hashinfo) inet_twsk_hashdance_schedule(tw,
 * sk, hashinfo, timeo), which also arms the socket's timer; the first
 * three arguments, the ones we read, are the same. The kprobe's symbol
 * is the name of the function whose type is checked (timewait.c).
 */
#if TCPSTATE_KERNEL_AT_LEAST(6, 10, 9)
#define TCPSTATE_TWSK_HASHDANCE		inet_twsk_hashdance_schedule
typedef void (*tcpstate_twsk_hashdance_t)(struct inet_timewait_sock *,
					  struct sock *,
					  struct inet_hashinfo *, int);
#else
#define TCPSTATE_TWSK_HASHDANCE		inet_twsk_hashdance
typedef void (*tcpstate_twsk_hashdance_t)(struct inet_timewait_sock *,
					  struct sock *,
					  struct inet_hashinfo *);
#endif

/*
 * tcp_send_active_reset(sk, ...): we read only sk, its first argument in
 * every form. (sk, gfp_t) up to 6.9; 6.10 added an enum sk_rst_reason
 * after the gfp_t; "tcp: use GFP_ATOMIC in tcp_send_active_reset()"
 * (6.12.111 among the stable kernels, Debian's 6.12.118 has it) dropped
 * the gfp_t. The compiler cannot tell gfp_t from the enum (both
 * unsigned int to it): the check proves sk and the argument count.
 */
#if TCPSTATE_KERNEL_AT_LEAST(6, 10, 0)
#define TCPSTATE_SEND_ACTIVE_RESET_OK \
	(__same_type(&tcp_send_active_reset, \
		     void (*)(struct sock *, enum sk_rst_reason)) || \
	 __same_type(&tcp_send_active_reset, \
		     void (*)(struct sock *, gfp_t, enum sk_rst_reason)))
#else
#define TCPSTATE_SEND_ACTIVE_RESET_OK \
	__same_type(&tcp_send_active_reset, void (*)(struct sock *, gfp_t))
#endif

/*
 * tcp_v6_send_response(sk, skb, seq, ack, win, tsval, tsecr, oif, ...):
 * the index (from 0, as TCPSTATE_ARG()) of its "rst" argument. Up to
 * 6.6 "key" (a tcp_md5sig_key) came before it, at 8, and rst at 9; 6.7
 * (TCP-AO) moved the key (now a struct tcp_key) to the end, and rst to
 * 8. The function is static: no declaration to check its type against.
 */
#if TCPSTATE_KERNEL_AT_LEAST(6, 7, 0)
#define TCPSTATE_V6_SEND_RESPONSE_RST	8
#else
#define TCPSTATE_V6_SEND_RESPONSE_RST	9
#endif

/*
 * The window tcp_v{4,6}_reqsk_send_ack() puts in a request socket's ACK,
 * before scaling. "tcp: reduce accepted window in NEW_SYN_RECV state"
 * (6.10, also queued for 6.9.y) caps it at 65535 with
 * tcp_synack_window(); before, req->rsk_rcv_wnd as is. (Only a window
 * over 65535, tcp_rmem[1] that large, tells them apart.)
 */
static inline u32 tcpstate_reqsk_ack_window(const struct request_sock *req)
{
#if TCPSTATE_KERNEL_AT_LEAST(6, 10, 0)
	return tcp_synack_window(req);
#else
	return req->rsk_rcv_wnd;
#endif
}

/*
 * Softirqs held back while a probe handler runs in process context
 * (hooks.c, kp_defer_softirqs()): local_bh_disable(), then
 * _local_bh_enable() to re-enable them without running the pending ones.
 *
 * PREEMPT_RT (Debian's -rt kernels) has neither the need nor the means.
 * Its softirqs never run on the way out of an interrupt (invoke_softirq()
 * only wakes ksoftirqd), so none can run on top of a handler and fire
 * our other probes there; its local_bh_disable() takes a per-CPU lock
 * that may sleep; and its kernel/softirq.c has no _local_bh_enable()
 * (not built, not exported). So TCPSTATE_DEFER_SOFTIRQS is false there
 * and the call is a build error, should a change ever leave one that
 * the compiler cannot drop.
 */
#ifdef CONFIG_PREEMPT_RT
#define TCPSTATE_DEFER_SOFTIRQS		false
#define tcpstate_local_bh_enable_norun() \
	BUILD_BUG_ON_MSG(1, "PREEMPT_RT: no _local_bh_enable()")
#else
#define TCPSTATE_DEFER_SOFTIRQS		true
#define tcpstate_local_bh_enable_norun()	_local_bh_enable()
#endif

/*
 * A mapping of a session's ring may never become executable: mmap()
 * refuses VM_EXEC, and VM_MAYEXEC is cleared so mprotect() cannot add
 * it later. "mm: introduce vma->vm_flags wrapper functions" (6.3) made
 * vm_flags read-only outside those wrappers; before it, it is written
 * directly (mmap_lock is held for writing in both).
 */
#if TCPSTATE_KERNEL_AT_LEAST(6, 3, 0)
#define tcpstate_vma_deny_exec(vma)	vm_flags_clear(vma, VM_MAYEXEC)
#else
#define tcpstate_vma_deny_exec(vma)	((vma)->vm_flags &= ~VM_MAYEXEC)
#endif

#endif /* _TCPSTATE_COMPAT_H */
