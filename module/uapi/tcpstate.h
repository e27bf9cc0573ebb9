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

#define TCPSTATE_ABI_VERSION	3

#define TCPSTATE_DEV_NAME	"tcpstate"	/* /dev/tcpstate */
#define TCPSTATE_PROC_NAME	"tcpstate"	/* /proc/net/tcpstate */

/* struct tcpstate_rec.type */
enum tcpstate_rec_type {
	TCPSTATE_REC_STATE = 1,	/* a TCP socket changed state */
	TCPSTATE_REC_LOST = 2,	/* lost.count events were dropped here */
	TCPSTATE_REC_SEGMENT = 3, /* a segment was sent or received */
	TCPSTATE_REC_REQUEST = 4, /* a request socket (NEW_SYN_RECV) event */
};

/* struct tcpstate_rec.flags */
#define TCPSTATE_F_TASK		0x0001	/* pid and comm are valid: process context */
#define TCPSTATE_F_CHILD_TUPLE	0x0002	/* passive child: tuple taken from its request */
#define TCPSTATE_F_TIMEWAIT	0x0004	/* about the connection's TIME_WAIT socket */
#define TCPSTATE_F_CONTROL	0x0008	/* a segment recorded as control (TCPSTATE_KIND_CONTROL) */

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

/* Why a TIME_WAIT socket ended (struct tcpstate_state.reason). */
enum tcpstate_tw_reason {
	TCPSTATE_TW_NONE = 0,		/* not a TIME_WAIT socket's end */
	TCPSTATE_TW_EXPIRED = 1,	/* its timer ran out (2MSL, or tcp_fin_timeout) */
	TCPSTATE_TW_REUSED_SYN = 2,	/* a new SYN from the peer took it over */
	TCPSTATE_TW_RESET = 3,		/* an RST killed it */
	TCPSTATE_TW_NETNS = 4,		/* its network namespace went away */
	TCPSTATE_TW_REUSED_CONNECT = 5,	/* a local connect() reused it (tcp_tw_reuse) */
	TCPSTATE_TW_OTHER = 6,
};

/*
 * A state change. With TCPSTATE_F_TIMEWAIT it is about the TIME_WAIT socket
 * the kernel keeps after the full socket is gone (same cookie and tuple):
 * its birth (FIN_WAIT1/FIN_WAIT2/CLOSING -> TIME_WAIT, or -> FIN_WAIT2 for
 * an orphan waiting for the peer's FIN) and its end (-> CLOSE, with reason
 * and, when known, how long it lived).
 */
struct tcpstate_state {
	__u8 old_state;			/* enum tcpstate_tcp_state */
	__u8 new_state;
	__u8 reason;			/* enum tcpstate_tw_reason */
	__u8 __pad0[5];			/* zero */
	__u64 duration_ns;		/* TIME_WAIT socket's life; 0 if unknown */
	__u8 __reserved[16];		/* zero */
};

/* TCP header flags, as on the wire (struct tcpstate_segment.tcp_flags). */
#define TCPSTATE_TH_FIN		0x01
#define TCPSTATE_TH_SYN		0x02
#define TCPSTATE_TH_RST		0x04
#define TCPSTATE_TH_PSH		0x08
#define TCPSTATE_TH_ACK		0x10
#define TCPSTATE_TH_URG		0x20
#define TCPSTATE_TH_ECE		0x40
#define TCPSTATE_TH_CWR		0x80

enum tcpstate_dir {
	TCPSTATE_DIR_IN = 1,		/* received */
	TCPSTATE_DIR_OUT = 2,		/* sent */
};

/* What kind of socket a segment was sent by or delivered to. */
enum tcpstate_seg_sock {
	TCPSTATE_SOCK_NONE = 0,		/* no socket (e.g. a SYN to a closed port) */
	TCPSTATE_SOCK_FULL = 1,		/* a full socket (cookie is its SO_COOKIE) */
	TCPSTATE_SOCK_LISTENER = 2,	/* a listener (SYN in; SYN cookie SYN-ACK out) */
	TCPSTATE_SOCK_REQUEST = 3,	/* a request socket (cookie: the child's to be) */
	TCPSTATE_SOCK_TIMEWAIT = 4,	/* a TIME_WAIT socket (cookie: the connection's) */
};

/*
 * A segment. seq and ack are absolute, as on the wire; win is the raw
 * window field (not scaled); len is the payload (for TSO, the whole
 * super-segment TCP handed to IP).
 */
struct tcpstate_segment {
	__u32 seq;
	__u32 ack;			/* meaningful if tcp_flags has ACK */
	__u32 win;
	__u32 len;
	__u8 dir;			/* enum tcpstate_dir */
	__u8 tcp_flags;			/* TCPSTATE_TH_* */
	__u8 retrans;			/* 1: a retransmission */
	__u8 sock;			/* enum tcpstate_seg_sock */
	__u8 state;			/* the socket's state then; 0 if none */
	__u8 __pad0[3];			/* zero */
	__u8 __reserved[8];		/* zero */
};

enum tcpstate_req_event {
	TCPSTATE_REQ_CREATED = 1,	/* a SYN made a request socket */
	TCPSTATE_REQ_SYNACK_RETRANS = 2,	/* its SYN-ACK was sent again */
	TCPSTATE_REQ_PROMOTED = 3,	/* the handshake completed: a child exists */
	TCPSTATE_REQ_EXPIRED = 4,	/* no ACK after the last SYN-ACK retry */
	TCPSTATE_REQ_RESET = 5,		/* ended by an RST or a bad segment */
	TCPSTATE_REQ_ACCEPT_QUEUE_FULL = 6, /* the ACK came, the accept queue was full */
	TCPSTATE_REQ_DROPPED = 7,	/* ended otherwise (listener closed, ...) */
	TCPSTATE_REQ_SYNCOOKIE_SENT = 8,	/* a SYN cookie was sent instead */
	TCPSTATE_REQ_SYNCOOKIE_ACCEPTED = 9,	/* an ACK carried a valid cookie */
	TCPSTATE_REQ_SYN_DROPPED = 10,	/* a SYN was dropped: accept queue full */
};

/* A request socket event; the tuple is the connection's, seen locally. */
struct tcpstate_request {
	__u8 event;			/* enum tcpstate_req_event */
	__u8 num_retrans;		/* SYN-ACK retransmissions so far */
	__u8 __pad0[6];			/* zero */
	__u64 age_ns;			/* since its first SYN-ACK; 0 if unknown */
	__u32 snt_isn;			/* our ISN (the SYN-ACK's seq) */
	__u32 rcv_isn;			/* the peer's ISN (the SYN's seq) */
	__u8 __reserved[8];		/* zero */
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
		struct tcpstate_segment seg;
		struct tcpstate_request req;
		__u8 __raw[32];
	};
};					/* 128 */

/* TCPSTATE_IOC_INFO: what the module was loaded with. */
struct tcpstate_info {
	__u32 version;			/* TCPSTATE_ABI_VERSION */
	__u32 rec_size;			/* sizeof(struct tcpstate_rec) */
	__u32 nr_records;		/* each ring's capacity, in records */
	__u32 hook;			/* enum tcpstate_hook */
	__u32 netns;			/* 0: reader sees all namespaces, else this one */
	__u32 groups;			/* 1 << enum tcpstate_group, each armed */
	__u32 nr_rings;			/* rings per session: one per CPU id */
	__u32 __pad0;			/* zero */
	__u64 __reserved[3];		/* zero */
};

enum tcpstate_hook {
	TCPSTATE_HOOK_TRACEPOINT = 1,	/* sock:inet_sock_set_state */
	TCPSTATE_HOOK_KPROBE = 2,	/* kprobe on tcp_set_state() */
};

/*
 * Probe groups. States are always armed; each other group is armed only
 * if all its probe points exist in the running kernel and take their
 * arguments where the module reads them (or insmod fails, for a group
 * named in the require= parameter). A group not armed records nothing.
 */
enum tcpstate_group {
	TCPSTATE_GROUP_STATES = 0,	/* state changes */
	TCPSTATE_GROUP_RESETS = 1,	/* RSTs that reset a socket (resets_in) */
	TCPSTATE_GROUP_SEGMENTS = 2,	/* segment records (segments=) */
	TCPSTATE_GROUP_RETRANSMITS = 3,	/* which segments are retransmissions */
	TCPSTATE_GROUP_REQUESTS = 4,	/* request socket records */
	TCPSTATE_GROUP_TIMEWAIT = 5,	/* TIME_WAIT births, ends, durations */
	TCPSTATE_NR_GROUPS = 6
};

/*
 * Sessions. Each open() of /dev/tcpstate is a session: its own buffer,
 * read position, loss accounting (LOST records) and filters. A record is
 * offered to every session whose scope and filter want it; a session
 * that does not read loses its own records, never another's. A session
 * opened in a network namespace other than the initial one sees only
 * that namespace.
 *
 * Record kinds a filter selects (struct tcpstate_filter.kinds):
 */
#define TCPSTATE_KIND_STATES	0x01	/* full sockets' state changes */
#define TCPSTATE_KIND_CONTROL	0x02	/* SYN, FIN, RST; handshake and FIN ACKs */
#define TCPSTATE_KIND_SEGMENTS	0x04	/* every other segment (data, pure ACKs) */
#define TCPSTATE_KIND_REQUESTS	0x08	/* request socket records */
#define TCPSTATE_KIND_TIMEWAIT	0x10	/* TIME_WAIT sockets' state records */
#define TCPSTATE_KINDS_ALL	0x1f

#define TCPSTATE_FILTER_PORTS	16
#define TCPSTATE_FILTER_ADDRS	8

/* An address prefix: IPv6, or IPv4 as IPv4-mapped IPv6 (bits 96 + n). */
struct tcpstate_prefix {
	__u8 addr[16];			/* bits past the prefix zero */
	__u8 bits;			/* 0..128 */
	__u8 __pad0[3];			/* zero */
};					/* 20 */

/*
 * What a session records. Every condition set must hold; within a list
 * (ports, addrs) one entry matching is enough. Ports and addresses match
 * the local or the remote end. pid and comm, when set, select process-
 * context events of that process only (TCPSTATE_F_TASK): segments and
 * state changes in softirq context belong to no process and do not pass.
 * Lost records are never filtered.
 */
struct tcpstate_filter {
	__u32 kinds;			/* TCPSTATE_KIND_*, at least one */
	__u16 family;			/* 0: both; AF_INET (mapped too) or AF_INET6 */
	__u8 nr_ports;			/* 0: every port */
	__u8 nr_addrs;			/* 0: every address */
	__u32 netns;			/* netns inode; 0: every namespace in scope */
	__u32 pid;			/* tgid; 0: any */
	char comm[16];			/* "": any; else NUL-terminated */
	__u16 ports[TCPSTATE_FILTER_PORTS];	/* 1..65535 */
	struct tcpstate_prefix addrs[TCPSTATE_FILTER_ADDRS];
	__u64 __reserved[2];		/* zero */
};					/* 240 */

/* struct tcpstate_session_info.flags */
#define TCPSTATE_SESSION_DEFAULT_FILTER	0x1	/* follows the module parameters */
#define TCPSTATE_SESSION_SELF		0x2	/* the caller's own session */

/* One session's figures. recorded = read + dropped + discarded + buffered. */
struct tcpstate_session_info {
	__u32 id;			/* from 1, per module load */
	__u32 pid;			/* tgid of the process that opened it */
	char comm[16];			/* its comm then */
	__u32 netns;			/* scope: 0 every namespace, else this one */
	__u32 nr_records;		/* each of its rings' capacity */
	__u32 flags;			/* TCPSTATE_SESSION_* */
	__u32 nr_rings;			/* its rings: one per CPU id */
	__u64 recorded;			/* events its filter took */
	__u64 read;			/* ... copied to it */
	__u64 dropped;			/* ... lost: its buffer was full */
	__u64 discarded;		/* ... thrown away by SET_BUFFER */
	__u64 buffered;			/* ... waiting in its buffer */
	__u64 opened_ns;		/* CLOCK_MONOTONIC of its open() */
	struct tcpstate_filter filter;	/* in effect now */
};					/* 328 */

/*
 * TCPSTATE_IOC_SESSIONS: the sessions the caller may see (its namespace's,
 * or all from the initial one).
 */
struct tcpstate_sessions {
	__u32 nr;			/* in: entries at ptr; out: entries written */
	__u32 total;			/* out: sessions there are to see */
	__u64 ptr;			/* struct tcpstate_session_info[nr] */
};

/*
 * mmap() of /dev/tcpstate: the session's buffer in the reader's memory,
 * read with no copy and no read(). The buffer is one ring per CPU id
 * (nr_rings, from TCPSTATE_IOC_SESSION or _INFO): an event is stored in
 * the ring of the CPU that saw it, so producers on different CPUs never
 * share a lock or a cache line. Each ring is this header page, then its
 * slots: ring_size bytes (the page size, plus nr_records * rec_size
 * rounded up to whole pages); ring i starts at i * ring_size. The map is
 * one shared, writable mapping of all of them (nr_rings * ring_size
 * bytes), offset 0, not executable.
 * Mapping fixes the buffer (SET_BUFFER: EBUSY) and the session is then
 * read through the map only (read(): EBUSY).
 *
 * Within a ring, positions are free-running 64-bit counts; position p is
 * in slot p & (nr_records - 1), at data_offset + slot * rec_size from
 * the ring's header page. For each ring the reader:
 *   1. loads head with acquire ordering: the records at its position up
 *      to head are complete (each release-published after its record);
 *   2. uses them, then stores its new position in consumer with release
 *      ordering: it no longer looks at anything before it;
 *   3. calls poll() (or ppoll(), select(), epoll_wait()): the kernel
 *      takes back the slots before every ring's consumer, counts them as
 *      read, and says whether more wait. Until then they stay the
 *      reader's, so a reader that never polls fills its buffer and loses
 *      records (LOST records, as with read()).
 * Each ring is in time order, give or take an interrupt's event on the
 * same CPU; across rings the reader merges by ts_ns (read() does so).
 * A ring's LOST record tells of its own CPU's drops; the probes' misses
 * (events_missed) are told in the first possible CPU's (CPU 0's).
 * A consumer behind the kernel's tail or past head is refused: poll()
 * reports EPOLLERR and nothing is taken back from any ring. head and
 * tail are the kernel's: it only writes them, and reads its own copies.
 */
struct tcpstate_mmap_page {
	__u32 version;			/*   0: TCPSTATE_ABI_VERSION */
	__u32 rec_size;			/*   4: sizeof(struct tcpstate_rec) */
	__u32 nr_records;		/*   8: this ring's slots, a power of two */
	__u32 ring;			/*  12: this ring's index, its CPU id */
	__u64 data_offset;		/*  16: slot 0, from this header page */
	__u64 data_size;		/*  24: bytes of this ring's slots */
	__u64 head;			/*  32: kernel: next position it fills */
	__u64 tail;			/*  40: kernel: slots before it taken back */
	__u32 nr_rings;			/*  48: rings in the map */
	__u32 __pad0;			/*  52: zero */
	__u64 ring_size;		/*  56: from one ring's header to the next */
	__u64 consumer;			/*  64: reader: done with records before it */
	__u64 __reserved1[7];		/*  72: zero */
};					/* 128 */

#define TCPSTATE_IOC_MAGIC	0xB7
#define TCPSTATE_IOC_INFO	_IOR(TCPSTATE_IOC_MAGIC, 1, struct tcpstate_info)
/* Replace this session's filter; takes effect for the next event. */
#define TCPSTATE_IOC_SET_FILTER	_IOW(TCPSTATE_IOC_MAGIC, 2, struct tcpstate_filter)
/* This session's filter (the module parameters' if it set none). */
#define TCPSTATE_IOC_GET_FILTER	_IOR(TCPSTATE_IOC_MAGIC, 3, struct tcpstate_filter)
/*
 * A new buffer of this many records per ring (TCPSTATE_BUFFER_MIN..MAX,
 * rounded up to a power of two). Only before the first read() or poll():
 * EBUSY after. What the old one held is discarded (counted).
 */
#define TCPSTATE_BUFFER_MIN	16U
#define TCPSTATE_BUFFER_MAX	1048576U	/* 128 MiB of records a ring */
#define TCPSTATE_IOC_SET_BUFFER	_IOW(TCPSTATE_IOC_MAGIC, 4, __u32)
/* This session's figures. */
#define TCPSTATE_IOC_SESSION	_IOR(TCPSTATE_IOC_MAGIC, 5, struct tcpstate_session_info)
#define TCPSTATE_IOC_SESSIONS	_IOWR(TCPSTATE_IOC_MAGIC, 6, struct tcpstate_sessions)

static_assert(sizeof(struct tcpstate_state) == 32, "state payload is 32 bytes");
static_assert(sizeof(struct tcpstate_lost) == 32, "lost payload is 32 bytes");
static_assert(sizeof(struct tcpstate_segment) == 32, "segment payload is 32 bytes");
static_assert(sizeof(struct tcpstate_request) == 32, "request payload is 32 bytes");
static_assert(sizeof(struct tcpstate_rec) == 128, "record is 128 bytes");
static_assert(offsetof(struct tcpstate_rec, laddr) == 48, "laddr at 48");
static_assert(offsetof(struct tcpstate_rec, state) == 96, "payload at 96");
static_assert(sizeof(struct tcpstate_info) == 56, "info is 56 bytes");
static_assert(sizeof(struct tcpstate_prefix) == 20, "prefix is 20 bytes");
static_assert(sizeof(struct tcpstate_filter) == 240, "filter is 240 bytes");
static_assert(offsetof(struct tcpstate_filter, addrs) == 64, "addrs at 64");
static_assert(sizeof(struct tcpstate_session_info) == 328, "session info is 328 bytes");
static_assert(sizeof(struct tcpstate_sessions) == 16, "sessions is 16 bytes");
static_assert(sizeof(struct tcpstate_mmap_page) == 128, "mmap header is 128 bytes");
static_assert(offsetof(struct tcpstate_mmap_page, consumer) == 64, "consumer at 64");
static_assert(offsetof(struct tcpstate_mmap_page, ring_size) == 56, "ring_size at 56");

#endif /* _UAPI_TCPSTATE_H */
