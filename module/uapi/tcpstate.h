/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpstate: the record format of /dev/tcpstate, shared by the module and
 * the tool. Every field has a fixed width and every hole is spelled out,
 * so the layout is the same for a 64-bit kernel and any userspace ABI.
 *
 * Change anything here and bump TCPSTATE_ABI_VERSION: the tool refuses
 * records whose version differs from the one it was built with.
 */
#ifndef _UAPI_TCPSTATE_H
#define _UAPI_TCPSTATE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#ifdef __KERNEL__
#include <linux/build_bug.h>
#else
#include <assert.h>
#include <stddef.h>
#endif

#define TCPSTATE_ABI_VERSION	1

#define TCPSTATE_DEV_NAME	"tcpstate"	/* /dev/tcpstate */
#define TCPSTATE_PROC_NAME	"tcpstate"	/* /proc/net/tcpstate */

/* struct tcpstate_rec.type */
enum tcpstate_rec_type {
	TCPSTATE_REC_STATE = 1,	/* a TCP socket changed state */
	TCPSTATE_REC_LOST = 2,	/* lost.count events were dropped here */
};

/* struct tcpstate_rec.flags */
#define TCPSTATE_F_TASK		0x0001	/* pid and comm are valid: process context */
#define TCPSTATE_F_CHILD_TUPLE	0x0002	/* passive child: tuple taken from its request */

/*
 * TCP states, numbered as the kernel numbers them (include/net/tcp_states.h,
 * also the "st" column of /proc/net/tcp). 0 is not a state.
 */
enum tcpstate_tcp_state {
	TCPSTATE_ESTABLISHED = 1,
	TCPSTATE_SYN_SENT,
	TCPSTATE_SYN_RECV,
	TCPSTATE_FIN_WAIT1,
	TCPSTATE_FIN_WAIT2,
	TCPSTATE_TIME_WAIT,
	TCPSTATE_CLOSE,
	TCPSTATE_CLOSE_WAIT,
	TCPSTATE_LAST_ACK,
	TCPSTATE_LISTEN,
	TCPSTATE_CLOSING,
	TCPSTATE_NEW_SYN_RECV,
	TCPSTATE_NR_STATES	/* one past the last */
};

struct tcpstate_state {
	__u8 old_state;			/* enum tcpstate_tcp_state */
	__u8 new_state;
	__u8 __reserved[30];		/* zero */
};

struct tcpstate_lost {
	__u64 count;			/* events dropped since the last record */
	__u8 __reserved[24];		/* zero */
};

/*
 * One record. read() on /dev/tcpstate returns a whole number of these.
 * Addresses are in network byte order (an IPv4 address fills the first
 * four bytes, the rest is zero); ports are in host byte order.
 */
struct tcpstate_rec {
	__u16 version;			/*   0: TCPSTATE_ABI_VERSION */
	__u16 type;			/*   2: enum tcpstate_rec_type */
	__u16 size;			/*   4: sizeof(struct tcpstate_rec) */
	__u16 flags;			/*   6: TCPSTATE_F_* */
	__u32 cpu;			/*   8: CPU that saw the event */
	__u32 netns;			/*  12: netns inode, as /proc/self/ns/net */
	__u64 ts_ns;			/*  16: CLOCK_MONOTONIC, ns */
	__u64 cookie;			/*  24: socket cookie (SO_COOKIE) */
	__u32 pid;			/*  32: tgid if TCPSTATE_F_TASK, else 0 */
	__u16 family;			/*  36: AF_INET or AF_INET6 */
	__u16 lport;			/*  38: local port */
	__u16 rport;			/*  40: remote port */
	__u16 __pad0;			/*  42: zero */
	__u32 __pad1;			/*  44: zero */
	__u8 laddr[16];			/*  48: local address */
	__u8 raddr[16];			/*  64: remote address */
	char comm[16];			/*  80: NUL-terminated if TCPSTATE_F_TASK */
	union {				/*  96: by type */
		struct tcpstate_state state;
		struct tcpstate_lost lost;
		__u8 __raw[32];
	};
};					/* 128 */

/* TCPSTATE_IOC_INFO: what the module was loaded with. */
struct tcpstate_info {
	__u32 version;			/* TCPSTATE_ABI_VERSION */
	__u32 rec_size;			/* sizeof(struct tcpstate_rec) */
	__u32 nr_records;		/* ring capacity, in records */
	__u32 hook;			/* enum tcpstate_hook */
	__u32 netns;			/* 0: reader sees all namespaces, else this one */
	__u32 __pad0;			/* zero */
	__u64 __reserved[4];		/* zero */
};

enum tcpstate_hook {
	TCPSTATE_HOOK_TRACEPOINT = 1,	/* sock:inet_sock_set_state */
	TCPSTATE_HOOK_KPROBE = 2,	/* kprobe on tcp_set_state() */
};

#define TCPSTATE_IOC_MAGIC	0xB7
#define TCPSTATE_IOC_INFO	_IOR(TCPSTATE_IOC_MAGIC, 1, struct tcpstate_info)

static_assert(sizeof(struct tcpstate_state) == 32, "state payload is 32 bytes");
static_assert(sizeof(struct tcpstate_lost) == 32, "lost payload is 32 bytes");
static_assert(sizeof(struct tcpstate_rec) == 128, "record is 128 bytes");
static_assert(offsetof(struct tcpstate_rec, laddr) == 48, "laddr at 48");
static_assert(offsetof(struct tcpstate_rec, state) == 96, "payload at 96");
static_assert(sizeof(struct tcpstate_info) == 56, "info is 56 bytes");

#endif /* _UAPI_TCPSTATE_H */
