/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grouping records into connections, for `tcpstate conns`.
 *
 * A connection is a 4-tuple in one network namespace, whichever end
 * recorded an event: over loopback the tracer sees both ends, each record
 * carrying its own end's tuple. Within a tuple, socket cookies tell one
 * connection from the next one on the same ports: a request socket's
 * cookie is its child's, a TIME_WAIT socket's is its full socket's, so
 * each end keeps one cookie for the connection's whole life. Records
 * without a socket of their own (a SYN to a closed port and its RST, SYN
 * cookies, what a listener receives) go by tuple alone; a listener's own
 * state changes belong to no connection.
 *
 * A connection is complete once something ended on it and no socket of
 * either end is left: no full socket, request socket or TIME_WAIT socket.
 * An end the tracer never saw (a remote peer) has nothing left by
 * definition.
 */
#ifndef TCPSTATE_TOOL_CONNS_H
#define TCPSTATE_TOOL_CONNS_H

#include <stdbool.h>
#include <stddef.h>

#include <tcpstate.h>

#include "util.h"

/*
 * Events kept per connection. Past that, only what the ladder is about
 * (state changes, request events, SYN/FIN/RST, segments of a socket not
 * in ESTABLISHED) is kept: a bulk transfer with segments=all stays
 * bounded and still shows its handshake and close.
 */
#define CONN_EVENTS_MAX 1000

/*
 * Connections open at once before the oldest is given up (printed); a
 * tracker's default, which tracker_set_live_max() changes.
 */
#define CONN_LIVE_MAX 16384

/* An address and port; an IPv4-mapped IPv6 address is stored as IPv4. */
struct endpoint {
	__u8 addr[16];		/* IPv4: the first 4 bytes, the rest zero */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 port;
};

/*
 * What a connection keeps of a record: all the model and the views read,
 * by the record's own field names, and which end recorded it. Not the
 * tuple, the cookie, the netns or the CPU, which the connection has (ep,
 * end[].cookie, netns) or nobody reads, nor the process (pid, comm),
 * which is the same in most of a connection's records and is kept once
 * (struct conn_task): 48 bytes, not 136 (the record and its end). A
 * capture's open connections are all kept whole, and each page of them
 * is first touched once (a page fault, its zeroing).
 */
struct conn_rec {
	__u64 ts_ns;
	__u8 type;		/* enum tcpstate_rec_type (rec_validate()d) */
	__u8 end;		/* which of conn->ep recorded it: its local end */
	__u16 flags;		/* TCPSTATE_F_* */
	union {			/* as the record's, by type */
		struct tcpstate_state state;
		struct tcpstate_segment seg;
		struct tcpstate_request req;
		__u8 __raw[32];
	};
};

/*
 * A process that made a kept record of an end (TCPSTATE_F_TASK): each
 * (end, pid, comm) once, with where its first record is in ev[] (time,
 * then arrival), so that "the first such record" is still known.
 */
struct conn_task {
	__u64 ts_ns;
	unsigned long long seq;	/* arrival of that first record */
	__u32 pid;
	__u8 end;
	char comm[16];
};

struct conn_event {
	struct conn_rec rec;
};

struct conn_end {
	__u64 cookie;		/* its sockets' cookie; 0 until known */
	bool seen;		/* it recorded something */
	bool full, request, timewait;	/* which of its sockets exist now */
	__u8 state;		/* its full socket's last state; 0 until known */
};

struct model;

struct conn {
	unsigned long id;	/* 1, 2, ... in the order connections began */
	__u32 netns;
	/* ep[0] is the local end of the first record with a whole tuple. */
	struct endpoint ep[2];
	struct conn_end end[2];
	struct conn_event *ev;	/* by time (equal times: as they came) */
	size_t nr, cap;
	size_t last_at;		/* where the newest kept event went in ev[] */
	unsigned long long kept;	/* events kept so far (arrival order) */
	struct conn_task *task;	/* the processes of its records */
	size_t nr_task;
	unsigned long long elided;	/* events not kept: CONN_EVENTS_MAX */
	unsigned long long lost;	/* events lost (ring full) while open */
	__u64 last_ts;		/* its newest event's time, kept or elided */
	bool ended;		/* some socket of it ended */
	bool complete;		/* ended, and no socket left */
	/* The tracker's. */
	struct conn *prev, *next;
	bool tuple_owner;	/* the tuple's index entry is this one */
	size_t shown;		/* the caller's: rows printed so far (--follow) */
	struct model *follow;	/* the caller's: its live model (--follow) */
};

struct tracker;

/*
 * Called with each connection once complete, or when given up (input
 * ended, too many open); the connection is freed after the call.
 */
typedef void (*conn_done_fn)(struct conn *c, void *arg);
/* Called after each event added to c (for following connections live). */
typedef void (*conn_event_fn)(struct conn *c, void *arg);

struct tracker *tracker_new(conn_done_fn done, conn_event_fn event, void *arg);

/* Adds a record that passed rec_validate(). */
void tracker_add(struct tracker *t, const struct tcpstate_rec *rec);

/* Gives up every open connection, oldest first (the input ended). */
void tracker_flush(struct tracker *t);

/*
 * At most max (>= 1) connections open at once from now on: past it the
 * oldest is given up. Lowering it gives up the oldest at once.
 */
void tracker_set_live_max(struct tracker *t, size_t max);

/* Whether an idle connection is kept all the same (tracker_expire()). */
typedef bool (*conn_keep_fn)(const struct conn *c, void *arg);

/*
 * Gives up, oldest first, each open connection whose newest event is
 * older than before (the records' clock) and that keep (if not NULL)
 * does not want kept; the number given up. For a reader that runs for
 * days: connections whose end it will never see (lost events, a peer
 * gone silently) would otherwise stay until the live bound pushes them
 * out.
 */
size_t tracker_expire(struct tracker *t, __u64 before, conn_keep_fn keep,
		      void *arg);

/* Connections open now. */
size_t tracker_live(const struct tracker *t);

/*
 * The longest run of used slots (tombstones included) in t's index: the
 * most slots a lookup can visit. For tests and figures.
 */
size_t tracker_index_run_max(const struct tracker *t);

/* Frees t; call tracker_flush() first to see what was still open. */
void tracker_free(struct tracker *t);

/* Events lost (ring full) over the whole input. */
unsigned long long tracker_lost(const struct tracker *t);

/* End e's process of its first record (in ev[]) made by one; NULL: none. */
const struct conn_task *conn_first_task(const struct conn *c, unsigned int e);

/* The endpoint of a record's local (local true) or remote end. */
void endpoint_of(const struct tcpstate_rec *rec, bool local,
		 struct endpoint *ep);
bool endpoint_equal(const struct endpoint *a, const struct endpoint *b);

/* "127.0.0.1:80", "[::1]:80" */
#define ENDPOINT_STR_MAX ADDR_PORT_MAX
const char *endpoint_str(const struct endpoint *ep, char buf[ENDPOINT_STR_MAX]);

#endif
