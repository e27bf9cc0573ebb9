// SPDX-License-Identifier: GPL-2.0
/*
 * How a connection's events become a ladder: in passes over the events,
 * (1) which end goes on the left (the one that sent the first SYN), (2)
 * which "in" record is which "out" record seen at the other end (one
 * arrow per segment), (3) the rows: each side's state where it changes
 * and each arrow, (4) each arrow's step in the textbook's terms, (5)
 * timings and anomalies. Then printing, with widths from the content.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ladder.h"
#include "names.h"
#include "states.h"
#include "util.h"

#define NONE		((size_t)-1)
#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_USEC	1000ULL
/* A number further than this past x, y, u or w is shown as it is. */
#define REL_MAX		(1U << 30)
#define STEP_MAX	80
#define NOTE_MAX	160
#define NOTES_MAX	16
#define LABEL_MAX	96

#define TH_CTL (TCPSTATE_TH_SYN | TCPSTATE_TH_FIN | TCPSTATE_TH_RST)

enum row_kind {
	ROW_INIT,	/* each side's state before the first event */
	ROW_STATE,	/* a side's state changed */
	ROW_ARROW,	/* a segment */
	ROW_NOTE,	/* something a side did, in words */
};

/* Who recorded an arrow's segment. */
enum fate {
	FATE_BOTH,	/* the sender (out) and the receiver (in) */
	FATE_UNTRACED,	/* one end; the other end is not traced */
	FATE_LOST,	/* only the sender, and the receiver would have */
	FATE_SENT,	/* only the sender; the receiver records no such segment */
	FATE_RECEIVED,	/* only the receiver */
};

struct row {
	enum row_kind kind;
	unsigned int col;	/* a side; an arrow's: its sender's */
	__u64 ts;
	unsigned int state;	/* ROW_STATE: the side's new state */
	bool tw_end;		/* ROW_STATE: a TIME_WAIT socket's end */
	/* ROW_ARROW */
	const struct tcpstate_segment *seg;
	__u64 sent, recvd;	/* 0: not recorded */
	enum fate fate;
	bool retrans;
	bool cookie;		/* a SYN cookie SYN-ACK (the listener's) */
	char step[STEP_MAX];
	char note[NOTE_MAX];
	bool bad;		/* note is an anomaly */
};

enum close_kind {
	CLOSE_NONE,		/* no FIN */
	CLOSE_UNKNOWN,		/* one FIN, not answered yet (following) */
	CLOSE_4WAY,		/* FIN, ACK, FIN, ACK */
	CLOSE_COMBINED,		/* FIN, FIN+ACK, ACK */
	CLOSE_SIM,		/* both FINs crossed: CLOSING */
	CLOSE_HALF,		/* one FIN, and its ACK at most */
};

struct an {
	const struct conn *c;
	const struct ladder_opts *o;
	bool live;		/* following: more events may come */
	unsigned int left;	/* the end drawn on the left */
	bool traced[2];		/* by column */
	unsigned int init[2];	/* states before the first event; 0: unknown */
	size_t *match;		/* by event: the same segment at the other end */
	struct row *rows;
	size_t nr, cap;
	/* x, y (the ISNs) and u, w (the FINs), by sender's column */
	bool has_isn[2], has_fin[2];
	__u32 isn[2], fin[2], fin_len[2];
	int closer;		/* column of the first FIN, -1 if none */
	size_t fin_row[2];	/* the row of each column's first FIN */
	enum close_kind close;
	bool sim_open;
	bool all_segments;	/* segments=all: every segment is recorded */
	size_t hold;		/* following: rows from here may still change */
	/* what happened */
	unsigned int syn_n[2], synack_n[2];
	bool rst[2], refused;
	bool cookie_sent;
	bool req_alive[2];	/* while building rows: a request socket exists */
	const struct tcpstate_rec *req_end[2];	/* a request's expiry etc. */
	/* timings; 0: not known */
	__u64 t0, t_syn, t_est[2], t_fin, t_final[2], t_last;
	__u64 rtt;
	bool rtt_at_client;
	__u64 tw_in[2], tw_out[2];
	unsigned int tw_reason[2];
	__u64 cw_in[2], cw_out[2];
	char notes[NOTES_MAX][NOTE_MAX];
	size_t nr_notes;
};

static const char *const ansi_col[2] = { "\033[36m", "\033[35m" };
#define ANSI_BAD	"\033[31m"
#define ANSI_BOLD	"\033[1m"
#define ANSI_DIM	"\033[2m"
#define ANSI_OFF	"\033[0m"

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fputs("tcpstate: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static unsigned int col_of(const struct an *a, unsigned int end)
{
	return end == a->left ? 0 : 1;
}

static const char *side_name(const struct an *a, unsigned int col)
{
	if (a->sim_open)
		return col ? "peer B" : "peer A";
	return col ? "server" : "client";
}

/* The side in a sentence: "the client", "peer A". */
static const char *who(const struct an *a, unsigned int col)
{
	if (a->sim_open)
		return col ? "peer B" : "peer A";
	return col ? "the server" : "the client";
}

static const struct tcpstate_rec *ev_rec(const struct an *a, size_t i)
{
	return &a->c->ev[i].rec;
}

static bool is_seg(const struct tcpstate_rec *r)
{
	return r->type == TCPSTATE_REC_SEGMENT;
}

/* The column that sent a segment record: its end if out, else the other. */
static unsigned int sender_col(const struct an *a, size_t i)
{
	unsigned int col = col_of(a, a->c->ev[i].end);

	return ev_rec(a, i)->seg.dir == TCPSTATE_DIR_OUT ? col : 1 - col;
}

/* (a - b) as a signed distance in sequence space. */
static int32_t seq_diff(__u32 a, __u32 b)
{
	return (int32_t)(a - b);
}

__attribute__((format(printf, 3, 4)))
static void sappend(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void add_note(struct an *a, const char *fmt, ...)
{
	va_list ap;

	if (a->nr_notes == NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(a->notes[a->nr_notes++], NOTE_MAX, fmt, ap);
	va_end(ap);
}

/* "157 us", "1.234 ms", "61.613 s": three digits, truncated. */
static const char *duration(__u64 ns, char buf[32])
{
	if (ns < NSEC_PER_MSEC)
		snprintf(buf, 32, "%llu us", (unsigned long long)(ns / NSEC_PER_USEC));
	else if (ns < NSEC_PER_SEC)
		snprintf(buf, 32, "%llu.%03llu ms",
			 (unsigned long long)(ns / NSEC_PER_MSEC),
			 (unsigned long long)(ns % NSEC_PER_MSEC / NSEC_PER_USEC));
	else
		snprintf(buf, 32, "%llu.%03llu s",
			 (unsigned long long)(ns / NSEC_PER_SEC),
			 (unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_MSEC));
	return buf;
}

/* Seconds since the connection's first event, as the TIME column shows. */
static const char *reltime(const struct an *a, __u64 ts, char buf[32])
{
	__u64 d = ts >= a->t0 ? ts - a->t0 : 0;

	snprintf(buf, 32, "%llu.%06llu", (unsigned long long)(d / NSEC_PER_SEC),
		 (unsigned long long)(d % NSEC_PER_SEC / NSEC_PER_USEC));
	return buf;
}

/* --- 1. sides ------------------------------------------------------------ */

/* The end that sent the first SYN; else the one that connect()ed. */
static unsigned int client_end(const struct conn *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		const struct tcpstate_rec *r = &c->ev[i].rec;

		if (is_seg(r) && r->seg.tcp_flags & TCPSTATE_TH_SYN &&
		    !(r->seg.tcp_flags & TCPSTATE_TH_ACK))
			return r->seg.dir == TCPSTATE_DIR_OUT ? c->ev[i].end
							     : 1 - c->ev[i].end;
	}
	for (i = 0; i < c->nr; i++) {
		const struct tcpstate_rec *r = &c->ev[i].rec;

		if (r->type == TCPSTATE_REC_STATE &&
		    r->state.new_state == TCPSTATE_SYN_SENT)
			return c->ev[i].end;
		if (r->type == TCPSTATE_REC_REQUEST ||
		    (is_seg(r) && r->seg.sock == TCPSTATE_SOCK_LISTENER) ||
		    (r->type == TCPSTATE_REC_STATE &&
		     r->state.old_state == TCPSTATE_LISTEN))
			return 1 - c->ev[i].end;
	}
	return 0;
}

static void sides(struct an *a)
{
	const struct conn *c = a->c;
	bool listener = false;
	unsigned int e;
	size_t i;

	a->left = client_end(c);
	for (e = 0; e < 2; e++)
		a->traced[col_of(a, e)] = c->end[e].seen;
	for (i = 0; i < c->nr; i++) {
		const struct tcpstate_rec *r = &c->ev[i].rec;

		if (col_of(a, c->ev[i].end) != 1)
			continue;
		if (r->type == TCPSTATE_REC_REQUEST ||
		    (is_seg(r) && (r->seg.sock == TCPSTATE_SOCK_LISTENER ||
				   r->seg.sock == TCPSTATE_SOCK_REQUEST)) ||
		    (r->type == TCPSTATE_REC_STATE &&
		     r->state.old_state == TCPSTATE_LISTEN))
			listener = true;
		if (is_seg(r) && r->seg.len)
			a->all_segments = true;
	}
	for (i = 0; i < c->nr && !a->all_segments; i++)
		if (is_seg(&c->ev[i].rec) && c->ev[i].rec.seg.len)
			a->all_segments = true;
	/*
	 * Before the first event: CLOSE, or LISTEN for a listener's child;
	 * for a connection traced from its middle, what its first change
	 * started from.
	 */
	for (e = 0; e < 2; e++) {
		unsigned int col = col_of(a, e);

		if (!a->traced[col])
			continue;
		a->init[col] = col && listener ? TCPSTATE_LISTEN : TCPSTATE_CLOSE;
		if (col && listener)
			continue;
		for (i = 0; i < c->nr; i++) {
			const struct tcpstate_rec *r = &c->ev[i].rec;

			if (c->ev[i].end == e && r->type == TCPSTATE_REC_STATE &&
			    !(r->flags & TCPSTATE_F_TIMEWAIT)) {
				a->init[col] = r->state.old_state;
				break;
			}
		}
	}
	a->t0 = c->nr ? c->ev[0].rec.ts_ns : 0;
	a->t_last = c->nr ? c->ev[c->nr - 1].rec.ts_ns : 0;
}

/* --- 2. one arrow per segment -------------------------------------------- */

static bool same_segment(const struct tcpstate_rec *x,
			 const struct tcpstate_rec *y)
{
	return x->seg.tcp_flags == y->seg.tcp_flags && x->seg.seq == y->seg.seq &&
	       x->seg.ack == y->seg.ack && x->seg.len == y->seg.len;
}

/* Whether event j is an unmatched "out" of end e that is segment i. */
static bool candidate(const struct an *a, size_t i, size_t j, unsigned int e)
{
	const struct tcpstate_rec *r = ev_rec(a, j);

	return a->match[j] == NONE && a->c->ev[j].end == e && is_seg(r) &&
	       r->seg.dir == TCPSTATE_DIR_OUT && same_segment(ev_rec(a, i), r);
}

/*
 * Each "in" gets the latest earlier "out" of the same segment at the other
 * end: a segment sent twice (a retransmitted SYN) was received the second
 * time if only one arrived. An "out" recorded after its "in" is taken too.
 */
static void match_segments(struct an *a)
{
	const struct conn *c = a->c;
	size_t i, j;

	a->match = xcalloc(c->nr, sizeof(*a->match));
	for (i = 0; i < c->nr; i++)
		a->match[i] = NONE;
	for (i = 0; i < c->nr; i++) {
		const struct tcpstate_rec *r = ev_rec(a, i);
		unsigned int other = 1 - c->ev[i].end;

		if (!is_seg(r) || r->seg.dir != TCPSTATE_DIR_IN)
			continue;
		for (j = i; j-- > 0;)
			if (candidate(a, i, j, other))
				break;
		if (j == NONE)
			for (j = i + 1; j < c->nr; j++)
				if (candidate(a, i, j, other))
					break;
		if (j != NONE && j < c->nr) {
			a->match[i] = j;
			a->match[j] = i;
		}
	}
}

/* x, y, u, w: the first SYN and the first FIN each side sent. */
static void numbers(struct an *a)
{
	__u64 fin_ts[2] = { 0, 0 };
	size_t i;

	a->closer = -1;
	for (i = 0; i < a->c->nr; i++) {
		const struct tcpstate_rec *r = ev_rec(a, i);
		unsigned int s;

		if (!is_seg(r))
			continue;
		s = sender_col(a, i);
		if (r->seg.tcp_flags & TCPSTATE_TH_SYN && !a->has_isn[s]) {
			a->has_isn[s] = true;
			a->isn[s] = r->seg.seq;
		}
		if (r->seg.tcp_flags & TCPSTATE_TH_FIN && !a->has_fin[s]) {
			a->has_fin[s] = true;
			a->fin[s] = r->seg.seq;
			a->fin_len[s] = r->seg.len;
			fin_ts[s] = r->ts_ns;
		}
		if (r->seg.tcp_flags & TCPSTATE_TH_SYN &&
		    !(r->seg.tcp_flags & TCPSTATE_TH_ACK) && s == 1)
			a->sim_open = a->has_isn[0];
	}
	if (a->has_fin[0] && (!a->has_fin[1] || fin_ts[0] <= fin_ts[1]))
		a->closer = 0;
	else if (a->has_fin[1])
		a->closer = 1;
}

/*
 * v in column col's sequence space, as "x", "u+1", or the number, for row
 * r: u and w only from their FIN's row on, so that the handshake's numbers
 * stay x+1 and y+1 even when the FIN is the next byte.
 */
static const char *rel(const struct an *a, const struct row *r,
		       unsigned int col, __u32 v, char buf[32])
{
	size_t idx = (size_t)(r - a->rows);
	const char *sym = NULL;
	__u32 best = 0;

	if (!a->o->absolute) {
		if (a->has_isn[col] && v - a->isn[col] <= REL_MAX) {
			sym = col ? "y" : "x";
			best = v - a->isn[col];
		}
		if (a->has_fin[col] && idx >= a->fin_row[col] &&
		    v - a->fin[col] <= REL_MAX &&
		    (!sym || v - a->fin[col] < best)) {
			sym = (int)col == a->closer ? "u" : "w";
			best = v - a->fin[col];
		}
	}
	if (!sym)
		snprintf(buf, 32, "%u", v);
	else if (best)
		snprintf(buf, 32, "%s+%u", sym, best);
	else
		snprintf(buf, 32, "%s", sym);
	return buf;
}

/* --- 3. rows ------------------------------------------------------------- */

static struct row *new_row(struct an *a, enum row_kind kind, unsigned int col,
			   __u64 ts)
{
	struct row *r;

	if (a->nr == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 32;
		a->rows = realloc(a->rows, a->cap * sizeof(*a->rows));
		if (!a->rows) {
			fputs("tcpstate: out of memory\n", stderr);
			exit(1);
		}
	}
	r = &a->rows[a->nr++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->col = col;
	r->ts = ts;
	return r;
}

static struct row *state_row(struct an *a, unsigned int col, __u64 ts,
			     unsigned int state, unsigned int *disp)
{
	struct row *r = new_row(a, ROW_STATE, col, ts);

	r->state = state;
	disp[col] = state;
	return r;
}

/*
 * Whether the receiver would have recorded this segment had it arrived
 * (the contract's list for segments=control); an "out" without its "in"
 * is then a segment lost on the way.
 */
static bool receiver_records(const struct an *a, const struct tcpstate_segment *seg,
			     unsigned int recv)
{
	if (!a->traced[recv] || a->live)
		return false;
	if (seg->tcp_flags & TH_CTL || a->all_segments)
		return true;
	/* The handshake's ACK, at a request socket. */
	if (a->req_alive[recv] && a->has_isn[recv] && seg->ack == a->isn[recv] + 1)
		return true;
	/* The ACK of the receiver's FIN. */
	return a->has_fin[recv] &&
	       seg->ack == a->fin[recv] + a->fin_len[recv] + 1;
}

static void arrow_row(struct an *a, size_t i)
{
	const struct tcpstate_rec *r = ev_rec(a, i), *out = NULL, *in = NULL;
	unsigned int s = sender_col(a, i);
	struct row *row;

	if (r->seg.dir == TCPSTATE_DIR_OUT)
		out = r;
	else
		in = r;
	if (a->match[i] != NONE) {
		if (out)
			in = ev_rec(a, a->match[i]);
		else
			out = ev_rec(a, a->match[i]);
	}
	row = new_row(a, ROW_ARROW, s, r->ts_ns);
	row->seg = out ? &out->seg : &in->seg;
	row->sent = out ? out->ts_ns : 0;
	row->recvd = in ? in->ts_ns : 0;
	row->retrans = out ? out->seg.retrans : in->seg.retrans;
	row->cookie = out && out->seg.sock == TCPSTATE_SOCK_LISTENER &&
		      out->seg.tcp_flags & TCPSTATE_TH_SYN;
	if (out && in)
		row->fate = FATE_BOTH;
	else if (!a->traced[out ? 1 - s : s])
		row->fate = FATE_UNTRACED;
	else if (in)
		row->fate = FATE_RECEIVED;
	else
		row->fate = receiver_records(a, row->seg, 1 - s) ?
			    FATE_LOST : FATE_SENT;
}

static void request_row(struct an *a, unsigned int col,
			const struct tcpstate_rec *r, unsigned int *disp)
{
	static const char *const ended[] = {
		[TCPSTATE_REQ_EXPIRED] = "request expired",
		[TCPSTATE_REQ_RESET] = "request reset",
		[TCPSTATE_REQ_DROPPED] = "request dropped",
	};
	const struct tcpstate_request *req = &r->req;
	struct row *row;

	a->req_alive[col] = req->event == TCPSTATE_REQ_CREATED ||
			    (a->req_alive[col] &&
			     (req->event == TCPSTATE_REQ_SYNACK_RETRANS ||
			      req->event == TCPSTATE_REQ_ACCEPT_QUEUE_FULL));
	switch (req->event) {
	case TCPSTATE_REQ_CREATED:
		if (disp[col] != TCPSTATE_SYN_RECV)
			state_row(a, col, r->ts_ns, TCPSTATE_SYN_RECV, disp);
		break;
	case TCPSTATE_REQ_EXPIRED:
	case TCPSTATE_REQ_RESET:
	case TCPSTATE_REQ_DROPPED:
		row = state_row(a, col, r->ts_ns, TCPSTATE_CLOSE, disp);
		snprintf(row->step, STEP_MAX, "%s", ended[req->event]);
		if (req->event == TCPSTATE_REQ_EXPIRED)
			snprintf(row->note, NOTE_MAX,
				 "no ACK after %u SYN-ACK retransmission%s",
				 req->num_retrans, req->num_retrans == 1 ? "" : "s");
		a->req_end[col] = r;
		break;
	case TCPSTATE_REQ_ACCEPT_QUEUE_FULL:
		row = new_row(a, ROW_NOTE, col, r->ts_ns);
		snprintf(row->step, STEP_MAX, "accept queue full");
		snprintf(row->note, NOTE_MAX, "the ACK is ignored, the request stays");
		row->bad = true;
		break;
	case TCPSTATE_REQ_SYN_DROPPED:
		row = new_row(a, ROW_NOTE, col, r->ts_ns);
		snprintf(row->step, STEP_MAX, "SYN dropped");
		snprintf(row->note, NOTE_MAX, "the accept queue is full");
		row->bad = true;
		break;
	case TCPSTATE_REQ_SYNCOOKIE_SENT:
		a->cookie_sent = true;
		break;
	case TCPSTATE_REQ_SYNCOOKIE_ACCEPTED:
		row = new_row(a, ROW_NOTE, col, r->ts_ns);
		snprintf(row->step, STEP_MAX, "SYN cookie accepted");
		snprintf(row->note, NOTE_MAX, "the ACK carries a valid cookie: a child socket is made");
		break;
	}
}

static void tw_end_row(struct an *a, unsigned int col,
		       const struct tcpstate_rec *r, unsigned int *disp)
{
	char reason[NAME_LABEL_MAX], d[32];
	struct row *row;
	__u64 since;

	a->tw_out[col] = r->ts_ns;
	a->tw_reason[col] = r->state.reason;
	row = state_row(a, col, r->ts_ns, TCPSTATE_CLOSE, disp);
	row->tw_end = true;
	snprintf(row->step, STEP_MAX, "TIME_WAIT ends");
	/* Measured from this tool's own view of TIME_WAIT's start, if any. */
	since = a->tw_in[col] ? a->tw_in[col] :
		r->state.duration_ns && r->state.duration_ns <= r->ts_ns ?
		r->ts_ns - r->state.duration_ns : 0;
	snprintf(row->note, NOTE_MAX, "%s",
		 name_label(&tw_reason_names, r->state.reason, reason));
	if (since)
		sappend(row->note, NOTE_MAX, " after %s",
			duration(r->ts_ns - since, d));
}

static void build_rows(struct an *a)
{
	const struct conn *c = a->c;
	unsigned int disp[2] = { a->init[0], a->init[1] };
	bool tw[2] = { false, false };
	size_t i;

	new_row(a, ROW_INIT, 0, a->t0);
	for (i = 0; i < c->nr; i++) {
		const struct tcpstate_rec *r = ev_rec(a, i);
		unsigned int col = col_of(a, c->ev[i].end);
		unsigned int new_state = r->state.new_state;

		switch (r->type) {
		case TCPSTATE_REC_STATE:
			if (!(r->flags & TCPSTATE_F_TIMEWAIT)) {
				/* After its TIME_WAIT socket's birth, the full
				 * socket's CLOSE is the kernel freeing it. */
				if (tw[col] || new_state == disp[col])
					break;
				state_row(a, col, r->ts_ns, new_state, disp);
			} else if (new_state != TCPSTATE_CLOSE) {
				tw[col] = true;
				if (new_state == TCPSTATE_TIME_WAIT && !a->tw_in[col])
					a->tw_in[col] = r->ts_ns;
				if (new_state != disp[col])
					state_row(a, col, r->ts_ns, new_state, disp);
			} else {
				tw[col] = false;
				tw_end_row(a, col, r, disp);
			}
			break;
		case TCPSTATE_REC_REQUEST:
			request_row(a, col, r, disp);
			break;
		case TCPSTATE_REC_SEGMENT:
			/* Drawn with its "out", if that came first. */
			if (a->match[i] == NONE || a->match[i] > i)
				arrow_row(a, i);
			break;
		}
	}
}

/* --- 4. steps ------------------------------------------------------------ */

/* Whether ack acknowledges the FIN that column col sent. */
static bool acks_fin(const struct an *a, unsigned int col, __u32 ack)
{
	return a->has_fin[col] &&
	       seq_diff(ack, a->fin[col] + a->fin_len[col]) >= 1;
}

static bool pure_ack(const struct tcpstate_segment *seg)
{
	return (seg->tcp_flags & (TH_CTL | TCPSTATE_TH_ACK)) == TCPSTATE_TH_ACK &&
	       !seg->len;
}

/* Which close happened, from the first FIN and the other side's answer. */
static void close_kind(struct an *a, size_t *closer_fin)
{
	size_t i, ofin = NONE, oack = NONE;
	unsigned int cl, o;

	*closer_fin = NONE;
	if (a->closer < 0) {
		a->close = CLOSE_NONE;
		return;
	}
	cl = (unsigned int)a->closer;
	o = 1 - cl;
	for (i = 0; i < a->nr; i++) {
		const struct row *r = &a->rows[i];

		if (r->kind != ROW_ARROW)
			continue;
		if (r->col == cl && r->seg->tcp_flags & TCPSTATE_TH_FIN &&
		    *closer_fin == NONE)
			*closer_fin = i;
		if (r->col != o)
			continue;
		if (r->seg->tcp_flags & TCPSTATE_TH_FIN && ofin == NONE)
			ofin = i;
		if (r->seg->tcp_flags & TCPSTATE_TH_ACK &&
		    acks_fin(a, cl, r->seg->ack) && oack == NONE)
			oack = i;
	}
	if (ofin != NONE && (oack == NONE || oack > ofin) &&
	    !acks_fin(a, cl, a->rows[ofin].seg->ack))
		a->close = CLOSE_SIM;
	else if (oack != NONE)
		a->close = oack == ofin ? CLOSE_COMBINED : CLOSE_4WAY;
	else
		a->close = a->live ? CLOSE_UNKNOWN : CLOSE_HALF;
}

struct step_state {
	unsigned int sim_synack;	/* SYN-ACKs of a simultaneous open */
	unsigned int hs_ack;		/* handshake ACKs */
	bool fin_given[2];		/* each side's FIN labelled */
	bool ack_given[2];		/* each side's ACK of the other's FIN */
	unsigned int sim_acks;
	bool closing;			/* a FIN was sent */
};

static void again(struct row *r, unsigned int n)
{
	if (n > 1)
		sappend(r->step, STEP_MAX, ", sent again");
}

static void bad_ack(struct an *a, struct row *r, const char *what,
		    unsigned int col, __u32 base)
{
	char got[32], want[32], t[32];

	rel(a, r, col, r->seg->ack, got);
	rel(a, r, col, base, want);
	snprintf(r->note, NOTE_MAX, "%s acknowledges %s, not %s", what, got, want);
	r->bad = true;
	add_note(a, "%s's %s at %s acknowledges %s, not %s", who(a, r->col),
		 r->step, reltime(a, r->ts, t), got, want);
}

static void step_fin(struct an *a, struct row *r, struct step_state *st)
{
	unsigned int s = r->col;
	bool closer = (int)s == a->closer;
	bool first = !st->fin_given[s];

	st->closing = true;
	st->fin_given[s] = true;
	switch (a->close) {
	case CLOSE_SIM:
		snprintf(r->step, STEP_MAX, "simultaneous close %d/4: FIN",
			 closer ? 1 : 2);
		break;
	case CLOSE_COMBINED:
		snprintf(r->step, STEP_MAX, closer ? "close 1/3" :
			 "close 2/3: FIN and ACK combined");
		break;
	default:
		snprintf(r->step, STEP_MAX, closer ? "close 1/4" : "close 3/4");
		break;
	}
	if (!first)
		sappend(r->step, STEP_MAX, ", sent again");
	if (!closer && a->close != CLOSE_SIM && first &&
	    r->seg->tcp_flags & TCPSTATE_TH_ACK && acks_fin(a, 1 - s, r->seg->ack) &&
	    r->seg->ack != a->fin[1 - s] + a->fin_len[1 - s] + 1)
		bad_ack(a, r, "the FIN", 1 - s,
			a->fin[1 - s] + a->fin_len[1 - s] + 1);
}

/* A pure ACK: of the handshake, of a FIN, or of data. */
static void step_ack(struct an *a, struct row *r, struct step_state *st)
{
	unsigned int s = r->col, o = 1 - s;
	const struct tcpstate_segment *seg = r->seg;
	bool closer = (int)s == a->closer;

	if (!st->closing && !a->sim_open && s == 0 && a->synack_n[1] &&
	    a->has_isn[1] && seg->seq == a->isn[0] + 1) {
		snprintf(r->step, STEP_MAX, "handshake 3/3");
		again(r, ++st->hs_ack);
		if (st->hs_ack == 1 && seg->ack != a->isn[1] + 1)
			bad_ack(a, r, "the handshake's ACK", 1, a->isn[1] + 1);
		return;
	}
	if (!st->closing && a->sim_open && a->has_isn[o] &&
	    seg->ack == a->isn[o] + 1) {
		snprintf(r->step, STEP_MAX, "simultaneous open: ACK");
		return;
	}
	if (!acks_fin(a, o, seg->ack))
		return;
	if (a->close == CLOSE_SIM) {
		if (!st->ack_given[s])
			st->sim_acks++;
		snprintf(r->step, STEP_MAX, "simultaneous close %u/4: ACK",
			 2 + st->sim_acks);
	} else if (closer) {
		snprintf(r->step, STEP_MAX, a->close == CLOSE_COMBINED ?
			 "close 3/3" : "close 4/4");
	} else {
		snprintf(r->step, STEP_MAX, "close 2/4");
	}
	if (st->ack_given[s])
		sappend(r->step, STEP_MAX, ", sent again");
	else if (seg->ack != a->fin[o] + a->fin_len[o] + 1)
		bad_ack(a, r, "the ACK", o, a->fin[o] + a->fin_len[o] + 1);
	st->ack_given[s] = true;
}

static void label_steps(struct an *a)
{
	struct step_state st = { 0 };
	size_t i, closer_fin, first_syn = NONE;
	bool answered = false;

	a->fin_row[0] = a->fin_row[1] = NONE;
	for (i = 0; i < a->nr; i++)
		if (a->rows[i].kind == ROW_ARROW &&
		    a->rows[i].seg->tcp_flags & TCPSTATE_TH_FIN &&
		    a->fin_row[a->rows[i].col] == NONE)
			a->fin_row[a->rows[i].col] = i;
	close_kind(a, &closer_fin);
	a->hold = a->nr;
	for (i = 0; i < a->nr; i++) {
		struct row *r = &a->rows[i];
		unsigned int s = r->col, f;

		if (r->kind != ROW_ARROW)
			continue;
		f = r->seg->tcp_flags;
		if (s == 1 && f & (TCPSTATE_TH_SYN | TCPSTATE_TH_RST))
			answered = true;
		if (f & TCPSTATE_TH_RST) {
			if (s == 1 && !a->synack_n[1] && !a->sim_open && !st.closing) {
				snprintf(r->step, STEP_MAX, "refused: RST");
				a->refused = true;
			} else {
				snprintf(r->step, STEP_MAX, "reset: RST");
				a->rst[s] = true;
			}
		} else if (f & TCPSTATE_TH_SYN && !(f & TCPSTATE_TH_ACK)) {
			if (first_syn == NONE)
				first_syn = i;
			if (a->sim_open)
				snprintf(r->step, STEP_MAX,
					 "simultaneous open %u/4: SYN", s + 1);
			else
				snprintf(r->step, STEP_MAX, "handshake 1/3");
			again(r, ++a->syn_n[s]);
		} else if (f & TCPSTATE_TH_SYN) {
			++a->synack_n[s];
			if (a->sim_open) {
				snprintf(r->step, STEP_MAX,
					 "simultaneous open %u/4: SYN-ACK",
					 a->synack_n[s] == 1 ? 3 + st.sim_synack++ : 3);
			} else {
				snprintf(r->step, STEP_MAX, "handshake 2/3%s",
					 r->cookie ? " (SYN cookie)" : "");
			}
			again(r, a->synack_n[s]);
			if (a->synack_n[s] == 1 && a->has_isn[1 - s] &&
			    r->seg->ack != a->isn[1 - s] + 1)
				bad_ack(a, r, "the SYN-ACK", 1 - s,
					a->isn[1 - s] + 1);
		} else if (f & TCPSTATE_TH_FIN) {
			step_fin(a, r, &st);
		} else if (pure_ack(r->seg)) {
			step_ack(a, r, &st);
		} else if (r->seg->len) {
			snprintf(r->step, STEP_MAX, "data");
		}
		if (r->fate == FATE_LOST)
			snprintf(r->note, NOTE_MAX, "lost: %s never got it",
				 who(a, 1 - s));
		else if (r->fate == FATE_RECEIVED)
			snprintf(r->note, NOTE_MAX,
				 "only %s recorded it", who(a, 1 - s));
		if (r->fate == FATE_LOST || r->fate == FATE_RECEIVED)
			r->bad = true;
	}
	/* Following: a label the next events may still change waits. */
	if (a->live) {
		if (first_syn != NONE && !answered)
			a->hold = first_syn;
		if (a->close == CLOSE_UNKNOWN && closer_fin != NONE &&
		    closer_fin < a->hold)
			a->hold = closer_fin;
	}
}

/* --- 5. timings and anomalies ------------------------------------------- */

static void timings(struct an *a)
{
	__u64 syn_sent = 0, syn_recvd = 0;
	unsigned int cw_open[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < a->nr; i++) {
		const struct row *r = &a->rows[i];
		__u64 when = r->sent ? r->sent : r->recvd;
		unsigned int f;

		if (r->kind == ROW_STATE) {
			if (cw_open[r->col] && r->state != TCPSTATE_CLOSE_WAIT) {
				a->cw_out[r->col] = r->ts;
				cw_open[r->col] = 0;
			}
			if (r->state == TCPSTATE_CLOSE_WAIT && !a->cw_in[r->col]) {
				a->cw_in[r->col] = r->ts;
				cw_open[r->col] = 1;
			}
			if (r->state == TCPSTATE_ESTABLISHED && !a->t_est[r->col])
				a->t_est[r->col] = r->ts;
			if ((r->state == TCPSTATE_CLOSE && !r->tw_end) ||
			    r->state == TCPSTATE_TIME_WAIT)
				a->t_final[r->col] = r->ts;
			continue;
		}
		if (r->kind != ROW_ARROW)
			continue;
		f = r->seg->tcp_flags;
		if (f & TCPSTATE_TH_FIN && !a->t_fin)
			a->t_fin = when;
		if (r->col == 0 && f & TCPSTATE_TH_SYN && !(f & TCPSTATE_TH_ACK)) {
			if (!a->t_syn)
				a->t_syn = when;
			if (r->sent)
				syn_sent = r->sent;
			if (r->recvd)
				syn_recvd = r->recvd;
		}
		if (r->col == 1 && (f & (TCPSTATE_TH_SYN | TCPSTATE_TH_ACK)) ==
		    (TCPSTATE_TH_SYN | TCPSTATE_TH_ACK) && !a->rtt) {
			/* A round trip at the client, else the server's turn-around. */
			if (r->recvd && syn_sent && a->traced[0]) {
				a->rtt = r->recvd - syn_sent;
				a->rtt_at_client = true;
			} else if (r->sent && syn_recvd) {
				a->rtt = r->sent - syn_recvd;
			}
		}
	}
}

static void syn_retries(struct an *a, unsigned int col, bool synack)
{
	char list[NOTE_MAX] = "", t[32];
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < a->nr; i++) {
		const struct row *r = &a->rows[i];
		unsigned int f;

		if (r->kind != ROW_ARROW || r->col != col)
			continue;
		f = r->seg->tcp_flags;
		if (!(f & TCPSTATE_TH_SYN) || !(f & TCPSTATE_TH_ACK) != !synack)
			continue;
		sappend(list, sizeof(list), "%s%s%s", n++ ? ", " : "",
			reltime(a, r->sent ? r->sent : r->recvd, t),
			r->fate == FATE_LOST ? " (lost)" : "");
	}
	add_note(a, "%s retransmitted: %s sent it %u times, at %s",
		 synack ? "SYN-ACK" : "SYN", who(a, col), n, list);
}

static const char *state_name(unsigned int state, char buf[NAME_LABEL_MAX])
{
	return state ? tcp_state_label(state, buf) : "?";
}

/* The state each side was last drawn in. */
static void last_states(const struct an *a, unsigned int last[2])
{
	size_t i;

	last[0] = a->init[0];
	last[1] = a->init[1];
	for (i = 0; i < a->nr; i++)
		if (a->rows[i].kind == ROW_STATE)
			last[a->rows[i].col] = a->rows[i].state;
}

static void anomalies(struct an *a)
{
	char d[32], t[32], s0[NAME_LABEL_MAX], s1[NAME_LABEL_MAX];
	unsigned int last[2], col, recvd = 0;
	size_t i;

	if (a->syn_n[0] > 1)
		syn_retries(a, 0, false);
	if (a->synack_n[1] > 1)
		syn_retries(a, 1, true);
	for (i = 0; i < a->nr; i++) {
		const struct row *r = &a->rows[i];

		if (r->kind != ROW_ARROW)
			continue;
		if (r->fate == FATE_LOST && !(r->seg->tcp_flags & TCPSTATE_TH_SYN))
			add_note(a, "lost: %s's %s at %s never reached %s",
				 who(a, r->col), r->step[0] ? r->step : "segment",
				 reltime(a, r->sent, t), who(a, 1 - r->col));
		recvd += r->fate == FATE_RECEIVED;
	}
	if (recvd)
		add_note(a, "%u segment%s recorded only by the receiver", recvd,
			 recvd == 1 ? " was" : "s were");
	if (a->refused) {
		char ep[ENDPOINT_STR_MAX];

		add_note(a, "refused: nothing listened on %s, %s's kernel answered the SYN with RST",
			 endpoint_str(&a->c->ep[1 - a->left], ep), who(a, 1));
	}
	for (col = 0; col < 2; col++) {
		if (a->rst[col])
			add_note(a, "reset: %s sent RST", who(a, col));
	}
	last_states(a, last);
	for (col = 0; col < 2; col++) {
		const struct tcpstate_rec *req = a->req_end[col];

		if (!a->traced[col] || a->t_est[col] || a->refused ||
		    a->rst[0] || a->rst[1])
			continue;
		if (req && req->req.event == TCPSTATE_REQ_EXPIRED)
			add_note(a, "half-open: the handshake never completed; %s's request expired after %u SYN-ACK retransmission%s",
				 who(a, col), req->req.num_retrans,
				 req->req.num_retrans == 1 ? "" : "s");
		else if (req)
			add_note(a, "half-open: the handshake never completed; %s's request was %s",
				 who(a, col),
				 req->req.event == TCPSTATE_REQ_RESET ? "reset" : "dropped");
		else if (a->cookie_sent && col == 1)
			add_note(a, "half-open: %s sent a SYN cookie, no ACK came back (a cookie keeps no state: nothing expires)",
				 who(a, col));
		else if (!a->c->complete)
			add_note(a, "half-open: the handshake had not completed when the capture ended");
		else
			continue;
		break;
	}
	for (col = 0; col < 2; col++) {
		__u64 end = a->cw_out[col], stay;

		if (!a->cw_in[col])
			continue;
		if (!end && a->live)
			continue;
		stay = (end ? end : a->t_last) - a->cw_in[col];
		if (stay <= a->o->close_wait_ns)
			continue;
		add_note(a, "%s %s CLOSE_WAIT %s %s (limit %s): its application did not close the socket",
			 who(a, col), end ? "stayed in" : "was still in",
			 end ? "for" : "after", duration(stay, d),
			 duration(a->o->close_wait_ns, t));
	}
	if (a->c->lost)
		add_note(a, "%llu events were lost (ring buffer full) while this connection was open: steps may be missing",
			 a->c->lost);
	if (a->c->elided)
		add_note(a, "%llu segments in ESTABLISHED not kept (more than %d events)",
			 a->c->elided, CONN_EVENTS_MAX);
	if (!a->c->complete && !a->live)
		add_note(a, "the capture ended before the connection did (%s %s, %s %s)",
			 side_name(a, 0), state_name(last[0], s0),
			 side_name(a, 1), state_name(last[1], s1));
}

static struct an *analyse(const struct conn *c, const struct ladder_opts *o,
			  bool live)
{
	struct an *a = xcalloc(1, sizeof(*a));

	a->c = c;
	a->o = o;
	a->live = live;
	sides(a);
	match_segments(a);
	numbers(a);
	build_rows(a);
	label_steps(a);
	timings(a);
	anomalies(a);
	return a;
}

static void an_free(struct an *a)
{
	free(a->match);
	free(a->rows);
	free(a);
}

bool conn_reached(const struct conn *c, unsigned int state)
{
	struct ladder_opts o = { .absolute = true };
	struct an *a = analyse(c, &o, false);
	bool yes = false;
	size_t i;

	for (i = 0; i < a->nr && !yes; i++)
		yes = a->rows[i].kind == ROW_STATE && a->rows[i].state == state;
	yes |= a->init[0] == state || a->init[1] == state;
	an_free(a);
	return yes;
}

/* --- printing ------------------------------------------------------------- */

struct layout {
	int time, lstate, arrow, rstate, step, abs;
	bool follow;		/* "#ID " first, absolute times */
};

static const char *arrow_label(const struct an *a, const struct row *r,
			       char buf[LABEL_MAX])
{
	char flags[TCP_FLAGS_MAX], n[32];
	const struct tcpstate_segment *seg = r->seg;

	tcp_flags_string(seg->tcp_flags, flags);
	snprintf(buf, LABEL_MAX, "%s seq=%s", flags[0] ? flags : "-",
		 rel(a, r, r->col, seg->seq, n));
	if (seg->tcp_flags & TCPSTATE_TH_ACK)
		sappend(buf, LABEL_MAX, " ack=%s", rel(a, r, 1 - r->col, seg->ack, n));
	if (seg->len)
		sappend(buf, LABEL_MAX, " len=%u", seg->len);
	return buf;
}

/* The real numbers, next to the relative ones. */
static const char *abs_label(const struct an *a, const struct row *r,
			     char buf[LABEL_MAX])
{
	buf[0] = '\0';
	if (r->kind != ROW_ARROW || a->o->absolute)
		return buf;
	snprintf(buf, LABEL_MAX, "seq=%u", r->seg->seq);
	if (r->seg->tcp_flags & TCPSTATE_TH_ACK)
		sappend(buf, LABEL_MAX, " ack=%u", r->seg->ack);
	return buf;
}

/* The arrow between the two bars, width characters. */
static void draw_arrow(char *buf, int width, const char *label, bool right,
		       enum fate fate)
{
	char line = fate == FATE_RECEIVED ? '.' : '-';
	int len = (int)strlen(label), fill, i = 0, k;

	fill = width - len - 2;
	if (fill < 1)
		fill = 1;
	if (fate == FATE_LOST) {
		/* It stops short of the receiver. */
		int gap = fill - 4 > 0 ? fill - 4 : 0;

		if (right) {
			i += sprintf(buf + i, "%c%c%s%c%c%c", line, line, label,
				     line, line, 'X');
			for (k = 0; k < gap; k++)
				buf[i++] = ' ';
		} else {
			for (k = 0; k < gap; k++)
				buf[i++] = ' ';
			i += sprintf(buf + i, "X%c%c%s%c%c", line, line, label,
				     line, line);
		}
		buf[i] = '\0';
		return;
	}
	if (right) {
		i += sprintf(buf + i, "%c%c%s", line, line, label);
		for (k = 0; k < fill - 1; k++)
			buf[i++] = line;
		buf[i++] = '>';
	} else {
		buf[i++] = '<';
		for (k = 0; k < fill - 1; k++)
			buf[i++] = line;
		i += sprintf(buf + i, "%s%c%c", label, line, line);
	}
	buf[i] = '\0';
}

static void put_pad(FILE *out, int n)
{
	while (n-- > 0)
		putc(' ', out);
}

/* s padded to width (left-aligned, or right-aligned), in colour if set. */
static void cell(FILE *out, const char *s, int width, bool right_align,
		 const char *color)
{
	int pad = width - (int)strlen(s);

	if (right_align)
		put_pad(out, pad);
	if (color && *s)
		fprintf(out, "%s%s%s", color, s, ANSI_OFF);
	else
		fputs(s, out);
	if (!right_align)
		put_pad(out, pad);
}

static const char *maybe(const struct an *a, const char *color)
{
	return a->o->color ? color : NULL;
}

static void row_time(const struct an *a, const struct row *r,
		     const struct layout *l, char buf[32])
{
	if (r->kind == ROW_INIT)
		buf[0] = '\0';
	else if (l->follow)
		snprintf(buf, 32, "%llu.%06llu",
			 (unsigned long long)(r->ts / NSEC_PER_SEC),
			 (unsigned long long)(r->ts % NSEC_PER_SEC / NSEC_PER_USEC));
	else
		reltime(a, r->ts, buf);
}

/* The states a row writes in each column ("" for none). */
static void row_states(const struct an *a, const struct row *r,
		       char st[2][NAME_LABEL_MAX])
{
	unsigned int col;

	char buf[NAME_LABEL_MAX];

	st[0][0] = st[1][0] = '\0';
	if (r->kind == ROW_INIT) {
		for (col = 0; col < 2; col++)
			if (a->init[col])
				snprintf(st[col], NAME_LABEL_MAX, "%s",
					 tcp_state_label(a->init[col], buf));
	} else if (r->kind == ROW_STATE) {
		snprintf(st[r->col], NAME_LABEL_MAX, "%s",
			 tcp_state_label(r->state, buf));
	}
}

static void print_row(FILE *out, const struct an *a, const struct row *r,
		      const struct layout *l)
{
	char t[32], st[2][NAME_LABEL_MAX], label[LABEL_MAX], abs[LABEL_MAX];
	char arrow[LABEL_MAX + 512];
	const char *bad = maybe(a, ANSI_BAD);
	const char *note_color = r->bad ? bad : NULL;
	int trail;

	if (l->follow)
		fprintf(out, "#%lu ", a->c->id);
	row_time(a, r, l, t);
	cell(out, t, l->time, true, NULL);
	fputs("  ", out);
	row_states(a, r, st);
	cell(out, st[0], l->lstate, true, maybe(a, ansi_col[0]));
	fputs(" |", out);
	if (r->kind == ROW_ARROW) {
		draw_arrow(arrow, l->arrow, arrow_label(a, r, label), r->col == 0,
			   r->fate);
		cell(out, arrow, l->arrow, false,
		     r->fate == FATE_LOST ? bad : maybe(a, ansi_col[r->col]));
	} else {
		put_pad(out, l->arrow);
	}
	putc('|', out);
	/* Trailing blanks are left out. */
	trail = r->step[0] || r->note[0] || (r->kind == ROW_ARROW && !a->o->absolute);
	if (!trail && !st[1][0]) {
		putc('\n', out);
		return;
	}
	putc(' ', out);
	cell(out, st[1], trail ? l->rstate : 0, false, maybe(a, ansi_col[1]));
	if (!trail) {
		putc('\n', out);
		return;
	}
	fputs("  ", out);
	abs_label(a, r, abs);
	cell(out, r->step, r->note[0] || abs[0] ? l->step : 0, false,
	     r->kind == ROW_NOTE ? note_color : maybe(a, ANSI_BOLD));
	if (abs[0]) {
		fputs("  ", out);
		cell(out, abs, r->note[0] ? l->abs : 0, false, maybe(a, ANSI_DIM));
	}
	if (r->note[0]) {
		fputs("  ", out);
		cell(out, r->note, 0, false, note_color);
	}
	putc('\n', out);
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* Who each side is: role, endpoint, process. */
static void side_lines(const struct an *a, char lines[2][3][64])
{
	const struct conn *c = a->c;
	unsigned int col, e;
	size_t i;

	for (col = 0; col < 2; col++) {
		e = col ? 1 - a->left : a->left;
		snprintf(lines[col][0], 64, "%s", side_name(a, col));
		endpoint_str(&c->ep[e], lines[col][1]);
		/* Following, an end not seen yet may still show up. */
		snprintf(lines[col][2], 64, "%s", a->traced[col] ? "-" :
			 a->live ? "" : "(not traced)");
		for (i = 0; i < c->nr; i++) {
			const struct tcpstate_rec *r = &c->ev[i].rec;
			char comm[sizeof(r->comm)];
			size_t k;

			if (c->ev[i].end != e || !(r->flags & TCPSTATE_F_TASK))
				continue;
			for (k = 0; k < sizeof(comm) - 1 && r->comm[k]; k++)
				comm[k] = r->comm[k] >= 0x20 && r->comm[k] < 0x7f ?
					  r->comm[k] : '?';
			comm[k] = '\0';
			snprintf(lines[col][2], 64, "%s (pid %u)", comm, r->pid);
			break;
		}
	}
}

static struct layout measure(const struct an *a, char lines[2][3][64])
{
	struct layout l = { .time = 4, .lstate = 0, .arrow = 30 };
	char t[32], st[2][NAME_LABEL_MAX], label[LABEL_MAX], abs[LABEL_MAX];
	size_t i;
	int k;

	for (k = 0; k < 3; k++)
		l.lstate = max_int(l.lstate, (int)strlen(lines[0][k]));
	for (i = 0; i < a->nr; i++) {
		const struct row *r = &a->rows[i];

		row_time(a, r, &l, t);
		l.time = max_int(l.time, (int)strlen(t));
		row_states(a, r, st);
		l.lstate = max_int(l.lstate, (int)strlen(st[0]));
		l.rstate = max_int(l.rstate, (int)strlen(st[1]));
		l.step = max_int(l.step, (int)strlen(r->step));
		l.abs = max_int(l.abs, (int)strlen(abs_label(a, r, abs)));
		if (r->kind == ROW_ARROW)
			l.arrow = max_int(l.arrow,
					  (int)strlen(arrow_label(a, r, label)) + 8);
	}
	return l;
}

static void print_header(FILE *out, const struct an *a, const struct layout *l,
			 char lines[2][3][64])
{
	char ep0[ENDPOINT_STR_MAX], ep1[ENDPOINT_STR_MAX];
	const struct conn *c = a->c;
	int k;

	if (l->follow)
		fprintf(out, "#%lu ", c->id);
	fprintf(out, "%sconnection %lu: %s -> %s%s  netns %u, first event at %llu.%06llu s\n",
		a->o->color ? ANSI_BOLD : "", c->id,
		endpoint_str(&c->ep[a->left], ep0),
		endpoint_str(&c->ep[1 - a->left], ep1),
		a->o->color ? ANSI_OFF : "", c->netns,
		(unsigned long long)(a->t0 / NSEC_PER_SEC),
		(unsigned long long)(a->t0 % NSEC_PER_SEC / NSEC_PER_USEC));
	for (k = 0; k < 3; k++) {
		if (l->follow)
			fprintf(out, "#%lu ", c->id);
		cell(out, k == 0 ? "TIME" : "", l->time, true, NULL);
		fputs("  ", out);
		cell(out, lines[0][k], l->lstate, true, maybe(a, ansi_col[0]));
		fputs(" |", out);
		put_pad(out, l->arrow);
		putc('|', out);
		if (lines[1][k][0])
			putc(' ', out);
		cell(out, lines[1][k], 0, false, maybe(a, ansi_col[1]));
		putc('\n', out);
	}
}

static void print_footer(FILE *out, const struct an *a, const char *prefix)
{
	char d[32], what[64];
	unsigned int col;
	size_t i;

#define LINE(fmt, ...) fprintf(out, "%s  " fmt "\n", prefix, __VA_ARGS__)
	if (a->rtt)
		LINE("%-22s %s (%s)", "SYN -> SYN-ACK", duration(a->rtt, d),
		     a->rtt_at_client ? "round trip, at the client" :
		     "from the SYN's arrival to the SYN-ACK, at the server");
	if (a->t_syn && (a->t_est[0] || a->t_est[1]) &&
	    (!a->traced[0] || a->t_est[0]) && (!a->traced[1] || a->t_est[1])) {
		__u64 est = a->t_est[0] > a->t_est[1] ? a->t_est[0] : a->t_est[1];

		if (est >= a->t_syn)
			LINE("%-22s %s (first SYN to %s ESTABLISHED)", "handshake",
			     duration(est - a->t_syn, d),
			     a->traced[0] && a->traced[1] ? "both ends" : "the traced end");
	}
	{
		__u64 fin = 0, start = a->t_syn ? a->t_syn : a->t0;
		bool all = true;

		for (col = 0; col < 2; col++) {
			if (!a->traced[col])
				continue;
			if (!a->t_final[col])
				all = false;
			else if (a->t_final[col] > fin)
				fin = a->t_final[col];
		}
		if (all && fin && fin >= start)
			LINE("%-22s %s (first %s to %s closed or in TIME_WAIT)",
			     "lifetime", duration(fin - start, d),
			     a->t_syn ? "SYN" : "event",
			     a->traced[0] && a->traced[1] ? "both ends" : "the traced end");
		if (all && fin && a->t_fin && fin >= a->t_fin)
			LINE("%-22s %s (first FIN to the last ACK's arrival)", "close",
			     duration(fin - a->t_fin, d));
	}
	for (col = 0; col < 2; col++) {
		char reason[NAME_LABEL_MAX];

		if (!a->tw_in[col])
			continue;
		snprintf(what, sizeof(what), "TIME_WAIT (%s)", side_name(a, col));
		if (a->tw_out[col])
			LINE("%-22s %s (%s)", what,
			     duration(a->tw_out[col] - a->tw_in[col], d),
			     name_label(&tw_reason_names, a->tw_reason[col], reason));
		else if (!a->live)
			LINE("%-22s %s", what, "entered; its end is not in the capture");
	}
	for (col = 0; col < 2; col++) {
		if (!a->cw_in[col] || !a->cw_out[col])
			continue;
		snprintf(what, sizeof(what), "CLOSE_WAIT (%s)", side_name(a, col));
		LINE("%-22s %s", what, duration(a->cw_out[col] - a->cw_in[col], d));
	}
	for (i = 0; i < a->nr_notes; i++)
		fprintf(out, "%s  %s%s%s\n", prefix, a->o->color ? ANSI_BAD : "",
			a->notes[i], a->o->color ? ANSI_OFF : "");
#undef LINE
}

void ladder_print(FILE *out, const struct conn *c, const struct ladder_opts *o)
{
	struct an *a = analyse(c, o, false);
	char lines[2][3][64];
	struct layout l;
	size_t i;

	side_lines(a, lines);
	l = measure(a, lines);
	print_header(out, a, &l, lines);
	for (i = 0; i < a->nr; i++)
		print_row(out, a, &a->rows[i], &l);
	print_footer(out, a, "");
	putc('\n', out);
	an_free(a);
}

void ladder_follow(FILE *out, const struct conn *c, const struct ladder_opts *o,
		   size_t *printed, bool done)
{
	struct an *a = analyse(c, o, !done);
	struct layout l = {
		.time = 14, .lstate = 17, .arrow = 40, .rstate = 11,
		.step = 30, .abs = 24, .follow = true,
	};
	char lines[2][3][64], prefix[32];
	size_t i, upto = done ? a->nr : a->hold;

	if (*printed == 0) {
		side_lines(a, lines);
		print_header(out, a, &l, lines);
		*printed = 1;	/* the ROW_INIT row is not printed */
	}
	for (i = *printed; i < upto; i++)
		print_row(out, a, &a->rows[i], &l);
	if (upto > *printed)
		*printed = upto;
	if (done) {
		snprintf(prefix, sizeof(prefix), "#%lu", c->id);
		print_footer(out, a, prefix);
	}
	an_free(a);
}

/* --- the summary line ---------------------------------------------------- */

#define SUM_FMT "%-15s %10s %7s %-15s %-21s %-21s %-12s %-7s %-18s %10s %10s\n"

void summary_header(FILE *out)
{
	fprintf(out, SUM_FMT, "START", "NETNS", "PID", "COMM", "CLIENT", "SERVER",
		"OPEN", "CLOSED", "END", "HS_MS", "LIFE_MS");
}

static const char *ms(__u64 ns, char buf[32])
{
	snprintf(buf, 32, "%llu.%03llu", (unsigned long long)(ns / NSEC_PER_MSEC),
		 (unsigned long long)(ns % NSEC_PER_MSEC / NSEC_PER_USEC));
	return buf;
}

void summary_print(FILE *out, const struct conn *c, const struct ladder_opts *o)
{
	struct an *a = analyse(c, o, false);
	char start[32], netns[16], pid[16] = "-", comm[20] = "-", hs[32] = "-";
	char life[32] = "-", ep0[ENDPOINT_STR_MAX], ep1[ENDPOINT_STR_MAX];
	char lines[2][3][64], *paren;
	const char *open, *closed = "-", *end;
	__u64 fin = 0;
	unsigned int col;

	snprintf(start, sizeof(start), "%llu.%06llu",
		 (unsigned long long)(a->t0 / NSEC_PER_SEC),
		 (unsigned long long)(a->t0 % NSEC_PER_SEC / NSEC_PER_USEC));
	snprintf(netns, sizeof(netns), "%u", c->netns);
	side_lines(a, lines);
	paren = strstr(lines[0][2], " (pid ");
	if (paren) {
		snprintf(comm, sizeof(comm), "%.*s", (int)(paren - lines[0][2]),
			 lines[0][2]);
		snprintf(pid, sizeof(pid), "%.*s",
			 (int)strcspn(paren + 6, ")"), paren + 6);
	}
	if (a->refused)
		open = "refused";
	else if (a->t_est[0] || a->t_est[1])
		open = a->sim_open ? "simultaneous" : "3-way";
	else if (a->has_isn[0] || a->has_isn[1])
		open = "half-open";
	else
		open = "-";
	if (a->closer >= 0)
		closed = a->close == CLOSE_SIM ? "both" : side_name(a, (unsigned int)a->closer);
	if (a->refused)
		end = "refused";
	else if (a->rst[0] || a->rst[1])
		end = a->rst[0] && a->rst[1] ? "reset by both" :
		      a->rst[0] ? (a->sim_open ? "reset by peer A" : "reset by client") :
				  (a->sim_open ? "reset by peer B" : "reset by server");
	else if (a->close == CLOSE_4WAY)
		end = "4-way close";
	else if (a->close == CLOSE_COMBINED)
		end = "FIN+ACK close";
	else if (a->close == CLOSE_SIM)
		end = "simultaneous close";
	else if (a->close == CLOSE_HALF)
		end = c->complete ? "half close" : "still closing";
	else if (!c->complete)
		end = "still open";
	else if (!strcmp(open, "half-open"))
		end = "never opened";
	else
		end = "-";
	if (a->t_syn) {
		__u64 est = a->t_est[0] > a->t_est[1] ? a->t_est[0] : a->t_est[1];

		if (est && (!a->traced[0] || a->t_est[0]) &&
		    (!a->traced[1] || a->t_est[1]) && est >= a->t_syn)
			ms(est - a->t_syn, hs);
	}
	for (col = 0; col < 2; col++)
		if (a->traced[col] && a->t_final[col] > fin)
			fin = a->t_final[col];
	if (fin && c->complete)
		ms(fin - (a->t_syn ? a->t_syn : a->t0), life);
	fprintf(out, SUM_FMT, start, netns, pid, comm,
		endpoint_str(&c->ep[a->left], ep0),
		endpoint_str(&c->ep[1 - a->left], ep1), open, closed, end, hs, life);
	an_free(a);
}
