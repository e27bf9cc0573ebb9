/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_SESSION_H
#define _TCPSTATE_SESSION_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "ring.h"
#include "uapi/tcpstate.h"

struct net;
struct vm_area_struct;

/* Per CPU, so probes on different CPUs never share a counter line. */
struct tcpstate_session_pcpu {
	u64 recorded;		/* taken by the filter */
	u64 dropped;		/* ... and lost: the buffer was full */
};

/*
 * One open() of /dev/tcpstate. Producers find it on the session list
 * under RCU and only read scope, filter and ring; everything else
 * belongs to the file's reader side.
 */
struct tcpstate_session {
	struct list_head node;		/* on the session list (RCU) */
	struct rcu_head rcu;

	/* Scope: only this namespace's events, or every namespace's. */
	struct net *net;		/* the opener's; holds a reference */
	bool scoped;
	/* NULL: the default (module parameters), followed live. */
	struct tcpstate_filter __rcu *filter;
	/* Replaced only before the reader started (SET_BUFFER). */
	struct tcpstate_ring __rcu *ring;
	struct tcpstate_session_pcpu __percpu *pcpu;

	/*
	 * Reader side. read_lock serialises read() (one consumer position),
	 * SET_FILTER, SET_BUFFER and the figures of TCPSTATE_IOC_SESSION.
	 */
	struct mutex read_lock;
	wait_queue_head_t waitq;	/* the ring wakes readers here */
	/*
	 * mmap() cannot take read_lock: it runs under mmap_lock, which
	 * read()'s copy_to_user() takes under read_lock. map_lock orders
	 * it against SET_BUFFER's swap of the ring instead: started is set
	 * under read_lock (read(), poll()) or map_lock (mmap()), and the
	 * ring is only replaced with both held and started clear.
	 */
	spinlock_t map_lock;
	bool started;			/* read(), poll() or mmap() ran: no SET_BUFFER */
	bool mapped;			/* mmap() ran: read through the map only */
	u64 read;			/* events copied out */
	u64 discarded;			/* events SET_BUFFER threw away */

	u32 id;
	pid_t pid;
	char comm[16];
	u64 opened_ns;
};

int tcpstate_sessions_init(void);
void tcpstate_sessions_uninit(void);

struct tcpstate_session *tcpstate_session_open(struct net *net);
void tcpstate_session_unlist(struct tcpstate_session *s);
void tcpstate_session_free(struct tcpstate_session *s);
struct tcpstate_ring *tcpstate_session_replace_ring(struct tcpstate_session *s,
						    u32 nr_records);

int tcpstate_session_set_filter(struct tcpstate_session *s,
				const struct tcpstate_filter *f);
int tcpstate_session_map(struct tcpstate_session *s,
			 struct vm_area_struct *vma);
void tcpstate_session_get_filter(struct tcpstate_session *s,
				 struct tcpstate_filter *f);
void tcpstate_session_info(struct tcpstate_session *s,
			   struct tcpstate_session_info *info);
int tcpstate_sessions_list(struct tcpstate_session *self,
			   struct tcpstate_sessions *req,
			   struct tcpstate_session_info __user *out);

/* The reader side's ring: stable while read_lock is held or started. */
static inline struct tcpstate_ring *
tcpstate_session_ring(struct tcpstate_session *s)
{
	return rcu_dereference_protected(s->ring, 1);
}

/* Producers: offer @rec about a socket of @net to every session. */
void tcpstate_sessions_emit(const struct net *net, const struct tcpstate_rec *rec);
/* TCPSTATE_KIND_* some session wants now; 0 with no session. */
u32 tcpstate_sessions_kinds(void);
/* Sessions open now. */
unsigned int tcpstate_sessions_count(void);

#endif /* _TCPSTATE_SESSION_H */
