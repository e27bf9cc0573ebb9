// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conns.h"
#include "util.h"

/*
 * Index keys: a connection by its tuple (the two endpoints in a fixed
 * order, so either end's records find it), or by one end's cookie.
 */
enum key_kind { KEY_TUPLE = 1, KEY_COOKIE = 2 };

struct key {
	__u32 netns;
	__u32 kind;
	__u64 cookie;
	struct endpoint a, b;
};

/*
 * A slot holds the key's hash, not the key: 16 bytes, not 72, so that the
 * table of a few thousand open connections stays in the cache (looking a
 * record's connection up was a cache miss or two per record). The key is
 * told from the connection itself, whose tuple and cookies never change
 * once indexed (key_is()).
 */
struct slot {
	__u64 tag;		/* key_hash(), its low bit the key's kind */
	struct conn *conn;	/* NULL: empty; TOMBSTONE: removed */
};

#define TOMBSTONE ((struct conn *)&tombstone_marker)
static const char tombstone_marker;

struct index {
	struct slot *slots;
	size_t cap;		/* a power of two, or 0 */
	size_t used;		/* live entries and tombstones */
};

/* Records of a socket whose local port is not known yet (connect()). */
struct pending {
	__u32 netns;
	__u64 cookie;
	struct tcpstate_rec *rec;	/* whole: the first gives the tuple */
	size_t nr;
};

#define PENDING_MAX 1024

struct tracker {
	conn_done_fn done;
	conn_event_fn event;
	void *arg;
	struct conn *head, *tail;	/* open connections, oldest first */
	size_t nr_live, live_max;
	unsigned long next_id;
	unsigned long long lost;
	struct index index;
	struct pending pending[PENDING_MAX];
	size_t nr_pending;
};

void endpoint_of(const struct tcpstate_rec *rec, bool local,
		 struct endpoint *ep)
{
	static const __u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	const __u8 *addr = local ? rec->laddr : rec->raddr;

	memset(ep, 0, sizeof(*ep));
	ep->port = local ? rec->lport : rec->rport;
	if (rec->family == AF_INET6 && memcmp(addr, v4mapped, 12) != 0) {
		ep->family = AF_INET6;
		memcpy(ep->addr, addr, 16);
	} else {
		/* An IPv4 peer of a dual-stack socket is that IPv4 peer. */
		ep->family = AF_INET;
		memcpy(ep->addr, rec->family == AF_INET6 ? addr + 12 : addr, 4);
	}
}

bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

const char *endpoint_str(const struct endpoint *ep, char buf[ENDPOINT_STR_MAX])
{
	return addr_port_str(ep->family, ep->addr, ep->port, buf);
}

/* --- the index ----------------------------------------------------------- */

static void tuple_key(struct key *k, __u32 netns, const struct endpoint *x,
		      const struct endpoint *y)
{
	memset(k, 0, sizeof(*k));
	k->netns = netns;
	k->kind = KEY_TUPLE;
	if (memcmp(x, y, sizeof(*x)) <= 0)
		k->a = *x, k->b = *y;
	else
		k->a = *y, k->b = *x;
}

static void cookie_key(struct key *k, __u32 netns, __u64 cookie)
{
	memset(k, 0, sizeof(*k));
	k->netns = netns;
	k->kind = KEY_COOKIE;
	k->cookie = cookie;
}

/*
 * Eight bytes a step, not one (FNV-1a over 56 bytes was a chain of 56
 * dependent multiplies, twice or more per record), then a full 64-bit
 * finaliser (MurmurHash3's fmix64). Without it the low bits, which pick
 * the slot, hardly depended on a port in the middle of a word: one
 * client's connections to one server (ports in sequence, everything else
 * equal) fell into a few hundred slots of thousands, and each lookup
 * walked a cluster of hundreds (8,300 instructions a record in conns
 * --follow on the bench's churn). Keys are memset() first, so the
 * padding hashes alike.
 *
 * A cookie key is whole in its first two words (netns and kind, cookie):
 * cookie_key() leaves the endpoints zero, so hashing them added nothing
 * but five rounds to the look-up most records make. Its kind is in the
 * first word, so it still differs from any tuple key's.
 */
static size_t key_hash(const struct key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 14695981039346656037ULL, w;
	size_t i, len = sizeof(*k);

	static_assert(sizeof(*k) % sizeof(w) == 0, "key is whole words");
	static_assert(offsetof(struct key, a) == 2 * sizeof(w),
		      "a cookie key is its first two words");
	if (k->kind == KEY_COOKIE)
		len = offsetof(struct key, a);
	for (i = 0; i < len; i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (size_t)h;
}

static __u64 key_tag(const struct key *k)
{
	return ((__u64)key_hash(k) & ~1ULL) | (k->kind == KEY_COOKIE);
}

/* Where a tag's probe starts: bit 0 is the key's kind, not its hash. */
static size_t tag_slot(__u64 tag, size_t mask)
{
	return (size_t)(tag >> 1) & mask;
}

/* Whether k is c's: its tuple, or one of its ends' cookie. */
static bool key_is(const struct conn *c, const struct key *k)
{
	if (c->netns != k->netns)
		return false;
	if (k->kind == KEY_COOKIE)
		return c->end[0].cookie == k->cookie || c->end[1].cookie == k->cookie;
	/* A tuple key has its endpoints in order: either of c's. */
	return (endpoint_equal(&c->ep[0], &k->a) && endpoint_equal(&c->ep[1], &k->b)) ||
	       (endpoint_equal(&c->ep[0], &k->b) && endpoint_equal(&c->ep[1], &k->a));
}

/* The slot holding k (tag: key_tag(k)), or the empty one where it would go. */
static struct slot *index_find(const struct index *ix, const struct key *k,
			       __u64 tag)
{
	struct slot *tomb = NULL;
	size_t i, mask = ix->cap - 1;

	for (i = tag_slot(tag, mask);; i = (i + 1) & mask) {
		struct slot *s = &ix->slots[i];

		if (!s->conn)
			return tomb ? tomb : s;
		if (s->conn == TOMBSTONE) {
			if (!tomb)
				tomb = s;
		} else if (s->tag == tag && key_is(s->conn, k)) {
			return s;
		}
	}
}

static void index_grow(struct index *ix)
{
	struct index old = *ix;
	size_t i, live = 0;

	for (i = 0; i < old.cap; i++)
		live += old.slots[i].conn && old.slots[i].conn != TOMBSTONE;
	ix->cap = old.cap ? old.cap : 64;
	while (live * 4 >= ix->cap)
		ix->cap *= 2;
	ix->slots = calloc(ix->cap, sizeof(*ix->slots));
	if (!ix->slots)
		out_of_memory();
	ix->used = 0;
	for (i = 0; i < old.cap; i++) {
		struct slot *s = &old.slots[i];
		size_t j, mask = ix->cap - 1;

		if (!s->conn || s->conn == TOMBSTONE)
			continue;
		/* Each key is there once: the first empty slot is its. */
		for (j = tag_slot(s->tag, mask); ix->slots[j].conn; j = (j + 1) & mask)
			;
		ix->slots[j] = *s;
		ix->used++;
	}
	free(old.slots);
}

static struct conn *index_get(const struct index *ix, const struct key *k)
{
	struct slot *s;

	if (!ix->cap)
		return NULL;
	s = index_find(ix, k, key_tag(k));
	return s->conn == TOMBSTONE ? NULL : s->conn;
}

static void index_put(struct index *ix, const struct key *k, struct conn *c)
{
	struct slot *s;
	__u64 tag;

	/* At most half full, tombstones included: probes stay short. */
	if ((ix->used + 1) * 2 > ix->cap)
		index_grow(ix);
	tag = key_tag(k);
	s = index_find(ix, k, tag);
	if (!s->conn)
		ix->used++;
	if (k->kind == KEY_TUPLE) {
		if (s->conn && s->conn != TOMBSTONE)
			s->conn->tuple_owner = false;
		c->tuple_owner = true;
	}
	s->tag = tag;
	s->conn = c;
}

/* Removes k if it still points at c (a newer connection may own it). */
static void index_del(struct index *ix, const struct key *k, struct conn *c)
{
	struct slot *s;

	if (!ix->cap)
		return;
	s = index_find(ix, k, key_tag(k));
	if (s->conn != c)
		return;
	s->conn = TOMBSTONE;
	if (k->kind == KEY_TUPLE)
		c->tuple_owner = false;
}

/* --- connections ------------------------------------------------------- */

struct tracker *tracker_new(conn_done_fn done, conn_event_fn event, void *arg)
{
	struct tracker *t = calloc(1, sizeof(*t));

	if (!t)
		out_of_memory();
	t->done = done;
	t->event = event;
	t->arg = arg;
	t->next_id = 1;
	t->live_max = CONN_LIVE_MAX;
	return t;
}

static void unlink_conn(struct tracker *t, struct conn *c)
{
	struct key k;
	unsigned int e;

	tuple_key(&k, c->netns, &c->ep[0], &c->ep[1]);
	index_del(&t->index, &k, c);
	for (e = 0; e < 2; e++) {
		if (c->end[e].cookie) {
			cookie_key(&k, c->netns, c->end[e].cookie);
			index_del(&t->index, &k, c);
		}
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	t->nr_live--;
}

/* Hands c to the caller, then frees it. */
static void finish(struct tracker *t, struct conn *c)
{
	unlink_conn(t, c);
	t->done(c, t->arg);
	free(c->task);
	free(c->ev);
	free(c);
}

static struct conn *new_conn(struct tracker *t, __u32 netns,
			     const struct endpoint *local,
			     const struct endpoint *remote)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct key k;

	if (!c)
		out_of_memory();
	if (t->nr_live >= t->live_max)
		finish(t, t->head);
	c->id = t->next_id++;
	c->netns = netns;
	c->ep[0] = *local;
	c->ep[1] = *remote;
	c->prev = t->tail;
	if (t->tail)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
	t->nr_live++;
	tuple_key(&k, netns, local, remote);
	index_put(&t->index, &k, c);
	return c;
}

static void set_cookie(struct tracker *t, struct conn *c, unsigned int e,
		       __u64 cookie)
{
	struct key k;

	c->end[e].cookie = cookie;
	cookie_key(&k, c->netns, cookie);
	index_put(&t->index, &k, c);
}

/* What the ladder needs even when a connection has too many events. */
static bool essential(const struct tcpstate_rec *rec)
{
	if (rec->type != TCPSTATE_REC_SEGMENT)
		return true;
	return rec->seg.tcp_flags & (TCPSTATE_TH_SYN | TCPSTATE_TH_FIN |
				     TCPSTATE_TH_RST) ||
	       rec->seg.state != TCPSTATE_ESTABLISHED;
}

/* rec's process, kept once for each (end, pid, comm); rec is kept now. */
static void note_task(struct conn *c, const struct tcpstate_rec *rec, unsigned int e)
{
	struct conn_task *t;
	size_t i;

	static_assert(sizeof(t->comm) == sizeof(rec->comm), "a task holds a comm");
	for (i = 0; i < c->nr_task; i++) {
		t = &c->task[i];
		if (t->end != e || t->pid != rec->pid ||
		    memcmp(t->comm, rec->comm, sizeof(t->comm)))
			continue;
		/* Out of order: earlier in ev[] than the one known. */
		if (rec->ts_ns < t->ts_ns) {
			t->ts_ns = rec->ts_ns;
			t->seq = c->kept;
		}
		return;
	}
	c->task = xrealloc(c->task, c->nr_task + 1, sizeof(*c->task));
	t = &c->task[c->nr_task++];
	t->ts_ns = rec->ts_ns;
	t->seq = c->kept;
	t->pid = rec->pid;
	t->end = (__u8)e;
	memcpy(t->comm, rec->comm, sizeof(t->comm));
}

const struct conn_task *conn_first_task(const struct conn *c, unsigned int e)
{
	const struct conn_task *first = NULL;
	size_t i;

	/* ev[] is by time, equal times as they came: (ts, seq) order. */
	for (i = 0; i < c->nr_task; i++) {
		const struct conn_task *t = &c->task[i];

		if (t->end == e && (!first || t->ts_ns < first->ts_ns ||
				    (t->ts_ns == first->ts_ns && t->seq < first->seq)))
			first = t;
	}
	return first;
}

static void append(struct conn *c, const struct tcpstate_rec *rec,
		   unsigned int e)
{
	struct conn_event *ev;
	size_t i;

	static_assert(sizeof(ev->rec.__raw) == sizeof(rec->__raw) &&
		      sizeof(*ev) == 48,
		      "a conn_rec holds a record's union, in 48 bytes");
	if (c->nr >= CONN_EVENTS_MAX && !essential(rec)) {
		c->elided++;
		return;
	}

	/*
	 * From 8, not 32: connections wait whole until complete, a capture's
	 * worth of them at once, and most have fewer than 16 events; the
	 * memory never used was still a page fault to map.
	 */
	if (c->nr == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->ev = xrealloc(c->ev, c->cap, sizeof(*c->ev));
	}
	/*
	 * In time order whatever the order of arrival (order.h): after every
	 * event not later than this one. Records come sorted, so this is
	 * almost always the end.
	 */
	for (i = c->nr; i > 0 && c->ev[i - 1].rec.ts_ns > rec->ts_ns; i--)
		;
	memmove(&c->ev[i + 1], &c->ev[i], (c->nr - i) * sizeof(*c->ev));
	ev = &c->ev[i];
	ev->rec.ts_ns = rec->ts_ns;
	ev->rec.type = rec->type;
	ev->rec.flags = rec->flags;
	memcpy(ev->rec.__raw, rec->__raw, sizeof(ev->rec.__raw));
	ev->rec.end = (__u8)e;
	c->last_at = i;
	c->nr++;
	if (rec->flags & TCPSTATE_F_TASK)
		note_task(c, rec, e);
	c->kept++;
}

/* Which sockets of end e exist after rec; whether something ended. */
static void account(struct conn *c, const struct tcpstate_rec *rec,
		    unsigned int e)
{
	struct conn_end *end = &c->end[e];

	end->seen = true;
	if (rec->ts_ns > c->last_ts)
		c->last_ts = rec->ts_ns;
	switch (rec->type) {
	case TCPSTATE_REC_STATE:
		if (rec->flags & TCPSTATE_F_TIMEWAIT) {
			end->timewait = rec->state.new_state != TCPSTATE_CLOSE;
			c->ended |= !end->timewait;
		} else {
			end->full = rec->state.new_state != TCPSTATE_CLOSE;
			end->state = rec->state.new_state;
			c->ended |= !end->full;
		}
		break;
	case TCPSTATE_REC_REQUEST:
		switch (rec->req.event) {
		case TCPSTATE_REQ_CREATED:
			end->request = true;
			break;
		case TCPSTATE_REQ_PROMOTED:
		case TCPSTATE_REQ_SYNCOOKIE_ACCEPTED:
			end->request = false;
			break;
		case TCPSTATE_REQ_EXPIRED:
		case TCPSTATE_REQ_RESET:
		case TCPSTATE_REQ_DROPPED:
			end->request = false;
			c->ended = true;
			break;
		}
		break;
	case TCPSTATE_REC_SEGMENT:
		/* A closed port's RST: nothing was there, and nothing will be. */
		if (rec->seg.sock == TCPSTATE_SOCK_NONE &&
		    rec->seg.dir == TCPSTATE_DIR_OUT &&
		    rec->seg.tcp_flags & TCPSTATE_TH_RST)
			c->ended = true;
		break;
	}
	c->complete = c->ended &&
		      !c->end[0].full && !c->end[0].request && !c->end[0].timewait &&
		      !c->end[1].full && !c->end[1].request && !c->end[1].timewait;
}

/* A listener's own state change (CLOSE -> LISTEN, LISTEN -> CLOSE). */
static bool listener_state(const struct tcpstate_rec *rec)
{
	return rec->type == TCPSTATE_REC_STATE && rec->rport == 0 &&
	       (rec->state.old_state == TCPSTATE_LISTEN ||
		rec->state.new_state == TCPSTATE_LISTEN);
}

/*
 * Whether rec's cookie is its connection's: not a listener's (what it
 * receives, its SYN cookie SYN-ACKs) and not 0 (no socket).
 */
static bool own_cookie(const struct tcpstate_rec *rec)
{
	if (!rec->cookie)
		return false;
	return rec->type != TCPSTATE_REC_SEGMENT ||
	       rec->seg.sock != TCPSTATE_SOCK_LISTENER;
}

static struct pending *find_pending(struct tracker *t, __u32 netns,
				    __u64 cookie)
{
	size_t i;

	for (i = 0; i < t->nr_pending; i++)
		if (t->pending[i].netns == netns && t->pending[i].cookie == cookie)
			return &t->pending[i];
	return NULL;
}

static void drop_pending(struct tracker *t, struct pending *p)
{
	free(p->rec);
	*p = t->pending[--t->nr_pending];
}

static void add_event(struct tracker *t, struct conn *c,
		      const struct tcpstate_rec *rec, unsigned int e)
{
	append(c, rec, e);
	account(c, rec, e);
	if (t->event)
		t->event(c, t->arg);
}

/* Adds p's records to c as end e's, then forgets p. */
static void adopt_pending(struct tracker *t, struct conn *c,
			  struct pending *p, unsigned int e)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		add_event(t, c, &p->rec[i], e);
	drop_pending(t, p);
}

/* A connection of its own for records that never got a port. */
static void pending_alone(struct tracker *t, struct pending *p)
{
	struct endpoint local, remote;
	struct conn *c;

	endpoint_of(&p->rec[0], true, &local);
	endpoint_of(&p->rec[0], false, &remote);
	c = new_conn(t, p->netns, &local, &remote);
	set_cookie(t, c, 0, p->cookie);
	adopt_pending(t, c, p, 0);
	if (c->complete)
		finish(t, c);
}

/*
 * A socket's records before connect() chose its port (CLOSE -> SYN_SENT
 * with local port 0) wait for its next record, which has the port.
 */
static void add_pending(struct tracker *t, const struct tcpstate_rec *rec)
{
	struct pending *p = find_pending(t, rec->netns, rec->cookie);

	if (!p) {
		if (t->nr_pending == PENDING_MAX)
			pending_alone(t, &t->pending[0]);
		p = &t->pending[t->nr_pending++];
		*p = (struct pending){ .netns = rec->netns, .cookie = rec->cookie };
	}
	p->rec = xrealloc(p->rec, p->nr + 1, sizeof(*p->rec));
	p->rec[p->nr++] = *rec;
	/* connect() failed before choosing a port: nothing more will come. */
	if (rec->type == TCPSTATE_REC_STATE &&
	    rec->state.new_state == TCPSTATE_CLOSE)
		pending_alone(t, p);
}

void tracker_add(struct tracker *t, const struct tcpstate_rec *rec)
{
	struct endpoint local, remote;
	struct conn *c = NULL, *c2;
	struct pending *p;
	unsigned int e;
	struct key k;

	if (rec->type == TCPSTATE_REC_LOST) {
		t->lost += rec->lost.count;
		for (c = t->head; c; c = c->next)
			c->lost += rec->lost.count;
		return;
	}
	if (listener_state(rec))
		return;
	if (rec->lport == 0 && rec->cookie) {
		add_pending(t, rec);
		return;
	}
	endpoint_of(rec, true, &local);
	endpoint_of(rec, false, &remote);

	if (own_cookie(rec)) {
		cookie_key(&k, rec->netns, rec->cookie);
		c = index_get(&t->index, &k);
		/* A cookie is unique, but a corrupt record's tuple may not fit. */
		if (c && !((endpoint_equal(&local, &c->ep[0]) &&
			    endpoint_equal(&remote, &c->ep[1])) ||
			   (endpoint_equal(&local, &c->ep[1]) &&
			    endpoint_equal(&remote, &c->ep[0]))))
			c = NULL;
	}
	if (!c) {
		tuple_key(&k, rec->netns, &local, &remote);
		c = index_get(&t->index, &k);
		/*
		 * The tuple's connection, unless this end of it has another
		 * socket: then this is the next connection on the same ports.
		 */
		if (c && own_cookie(rec)) {
			e = endpoint_equal(&local, &c->ep[0]) ? 0 : 1;
			if (c->end[e].cookie && c->end[e].cookie != rec->cookie)
				c = NULL;
		}
	}
	if (!c)
		c = new_conn(t, rec->netns, &local, &remote);
	e = endpoint_equal(&local, &c->ep[0]) ? 0 : 1;
	if (own_cookie(rec) && !c->end[e].cookie)
		set_cookie(t, c, e, rec->cookie);

	p = own_cookie(rec) ? find_pending(t, rec->netns, rec->cookie) : NULL;
	if (p)
		adopt_pending(t, c, p, e);
	add_event(t, c, rec, e);
	if (c->complete) {
		finish(t, c);
		return;
	}
	/*
	 * The tuple's index entry belongs to its newest connection. Mostly
	 * it is c's already: then no look-up (tuple_owner says so).
	 */
	if (c->tuple_owner)
		return;
	tuple_key(&k, c->netns, &c->ep[0], &c->ep[1]);
	c2 = index_get(&t->index, &k);
	if (c2 != c && (!c2 || c2->id < c->id))
		index_put(&t->index, &k, c);
}

void tracker_flush(struct tracker *t)
{
	while (t->nr_pending)
		pending_alone(t, &t->pending[0]);
	while (t->head)
		finish(t, t->head);
}

void tracker_set_live_max(struct tracker *t, size_t max)
{
	t->live_max = max ? max : 1;
	while (t->nr_live > t->live_max)
		finish(t, t->head);
}

size_t tracker_expire(struct tracker *t, __u64 before, conn_keep_fn keep,
		      void *arg)
{
	struct conn *c = t->head, *next;
	size_t n = 0;

	/* By creation, not by activity: every connection is looked at. */
	for (; c; c = next) {
		next = c->next;
		if (c->last_ts >= before || (keep && keep(c, arg)))
			continue;
		finish(t, c);
		n++;
	}
	return n;
}

size_t tracker_live(const struct tracker *t)
{
	return t->nr_live;
}

size_t tracker_index_run_max(const struct tracker *t)
{
	const struct index *ix = &t->index;
	size_t i, run = 0, best = 0, first = 0;

	for (i = 0; i < ix->cap; i++) {
		if (!ix->slots[i].conn) {
			run = 0;
			continue;
		}
		if (++run > best)
			best = run;
		if (run == i + 1)
			first = run;
	}
	/* A run at the end goes on at the start (i + 1 wraps to 0). */
	if (run && run < ix->cap && run + first > best)
		best = run + first;
	return best;
}

void tracker_free(struct tracker *t)
{
	size_t i;

	if (!t)
		return;
	while (t->head) {
		struct conn *c = t->head;

		unlink_conn(t, c);
		free(c->task);
		free(c->ev);
		free(c);
	}
	for (i = 0; i < t->nr_pending; i++)
		free(t->pending[i].rec);
	free(t->index.slots);
	free(t);
}

unsigned long long tracker_lost(const struct tracker *t)
{
	return t->lost;
}
