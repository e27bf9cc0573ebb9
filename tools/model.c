// SPDX-License-Identifier: GPL-2.0
/*
 * The connection model (model.h): how a connection's events become rows,
 * steps, figures and verdicts, in passes over the events: (1) which end
 * goes on the left (the one that sent the first SYN), (2) which "in"
 * record is which "out" record seen at the other end (one arrow per
 * segment), (3) the rows: each side's state where it changes and each
 * arrow, (4) each arrow's step in the textbook's terms, (5) figures,
 * verdicts and anomalies.
 */
#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "model.h"
#include "states.h"
#include "util.h"

#define NONE		((size_t)-1)
/* A number further than this past x, y, u or w is shown as it is. */
#define REL_MAX		(1U << 30)

#define TH_CTL (TCPSTATE_TH_SYN | TCPSTATE_TH_FIN | TCPSTATE_TH_RST)

static unsigned int col_of(const struct model *a, unsigned int end)
{
	return end == a->left ? 0 : 1;
}

const char *model_side_name(const struct model *a, unsigned int col)
{
	if (a->sim_open)
		return col ? _("peer B") : _("peer A");
	return col ? _("server") : _("client");
}

/* The side in a sentence: "the client", "peer A". */
const char *model_who(const struct model *a, unsigned int col)
{
	if (a->sim_open)
		return col ? _("peer B") : _("peer A");
	return col ? _("the server") : _("the client");
}

static const struct conn_rec *ev_rec(const struct model *a, size_t i)
{
	return &a->c->ev[i].rec;
}

static bool is_seg(const struct conn_rec *r)
{
	return r->type == TCPSTATE_REC_SEGMENT;
}

/* The column that sent a segment record: its end if out, else the other. */
static unsigned int sender_col(const struct model *a, size_t i)
{
	unsigned int col = col_of(a, a->c->ev[i].rec.end);

	return ev_rec(a, i)->seg.dir == TCPSTATE_DIR_OUT ? col : 1 - col;
}

/* (a - b) as a signed distance in sequence space. */
static int32_t seq_diff(__u32 a, __u32 b)
{
	return (int32_t)(a - b);
}

__attribute__((format(printf, 2, 3)))
static void add_note(struct model *a, const char *fmt, ...)
{
	va_list ap;

	if (a->nr_notes == MODEL_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsfmt(a->notes[a->nr_notes++], MODEL_NOTE_MAX, fmt, ap);
	va_end(ap);
}

static const char *duration(__u64 ns, char buf[DURATION_MAX])
{
	return duration_str(ns, DURATION_SPACED, buf);
}

/* Seconds since the connection's first event, as the TIME column shows. */
const char *model_reltime(const struct model *a, __u64 ts, char buf[32])
{
	__u64 d = ts >= a->t0 ? ts - a->t0 : 0;

	static_assert(USEC_STR_MAX <= 32, "room for any time");
	usec_str(d, buf);
	return buf;
}

/* --- 1. sides ------------------------------------------------------------ */

static bool pure_syn(const struct conn_rec *r)
{
	return is_seg(r) && r->seg.tcp_flags & TCPSTATE_TH_SYN &&
	       !(r->seg.tcp_flags & TCPSTATE_TH_ACK);
}

/* What tells the client without a SYN: its connect(), the listener. */
static bool tells_client(const struct conn_rec *r)
{
	return (r->type == TCPSTATE_REC_STATE &&
		r->state.new_state == TCPSTATE_SYN_SENT) ||
	       r->type == TCPSTATE_REC_REQUEST ||
	       (is_seg(r) && r->seg.sock == TCPSTATE_SOCK_LISTENER) ||
	       (r->type == TCPSTATE_REC_STATE &&
		r->state.old_state == TCPSTATE_LISTEN);
}

/* What in column 1 says it is a listener's child. */
static bool tells_listener(const struct conn_rec *r)
{
	return r->type == TCPSTATE_REC_REQUEST ||
	       (is_seg(r) && (r->seg.sock == TCPSTATE_SOCK_LISTENER ||
			      r->seg.sock == TCPSTATE_SOCK_REQUEST)) ||
	       (r->type == TCPSTATE_REC_STATE &&
		r->state.old_state == TCPSTATE_LISTEN);
}

/*
 * The end that sent the first SYN; else the one that connect()ed. *how:
 * 1 by a SYN, 2 by another event, 0 by none (model_follow() needs to
 * know which events can still change it).
 */
static unsigned int client_end(const struct conn *c, int *how)
{
	size_t i;

	*how = 1;
	for (i = 0; i < c->nr; i++) {
		const struct conn_rec *r = &c->ev[i].rec;

		if (pure_syn(r))
			return r->seg.dir == TCPSTATE_DIR_OUT ? c->ev[i].rec.end
							     : 1 - c->ev[i].rec.end;
	}
	*how = 2;
	for (i = 0; i < c->nr; i++) {
		const struct conn_rec *r = &c->ev[i].rec;

		if (r->type == TCPSTATE_REC_STATE &&
		    r->state.new_state == TCPSTATE_SYN_SENT)
			return c->ev[i].rec.end;
		if (tells_client(r))
			return 1 - c->ev[i].rec.end;
	}
	*how = 0;
	return 0;
}

static void sides(struct model *a)
{
	const struct conn *c = a->c;
	bool listener = false;
	unsigned int e;
	int how;
	size_t i;

	a->left = client_end(c, &how);
	a->left_syn = how == 1;
	a->left_other = how == 2;
	for (e = 0; e < 2; e++)
		a->traced[col_of(a, e)] = c->end[e].seen;
	for (i = 0; i < c->nr; i++) {
		const struct conn_rec *r = &c->ev[i].rec;

		if (r->type == TCPSTATE_REC_STATE && !(r->flags & TCPSTATE_F_TIMEWAIT))
			a->init_found[r->end] = true;
		if (col_of(a, c->ev[i].rec.end) != 1)
			continue;
		if (tells_listener(r))
			listener = true;
		if (is_seg(r) && r->seg.len)
			a->all_segments = true;
	}
	a->listener = listener;
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
			const struct conn_rec *r = &c->ev[i].rec;

			if (c->ev[i].rec.end == e && r->type == TCPSTATE_REC_STATE &&
			    !(r->flags & TCPSTATE_F_TIMEWAIT)) {
				a->init[col] = r->state.old_state;
				break;
			}
		}
	}
	a->t0 = c->nr ? c->ev[0].rec.ts_ns : 0;
	a->t_last = c->nr ? c->ev[c->nr - 1].rec.ts_ns : 0;
}

/*
 * Whether event n, added at the end, changes what sides() found: then
 * the model is built again. Each happens a few times a connection at
 * most (its first events, the first SYN).
 */
static bool changes_sides(const struct model *a, size_t n)
{
	const struct conn_rec *r = ev_rec(a, n);
	unsigned int col = col_of(a, r->end);

	if (!a->traced[col])
		return true;
	if (!a->left_syn && (pure_syn(r) || (!a->left_other && tells_client(r))))
		return true;
	if (col == 1 && !a->listener && tells_listener(r))
		return true;
	if (is_seg(r) && r->seg.len && !a->all_segments)
		return true;
	return r->type == TCPSTATE_REC_STATE && !(r->flags & TCPSTATE_F_TIMEWAIT) &&
	       !a->init_found[r->end];
}

/* --- 2. one arrow per segment -------------------------------------------- */

static bool same_segment(const struct conn_rec *x,
			 const struct conn_rec *y)
{
	return x->seg.tcp_flags == y->seg.tcp_flags && x->seg.seq == y->seg.seq &&
	       x->seg.ack == y->seg.ack && x->seg.len == y->seg.len;
}

/* Whether event j is an unmatched "out" of end e that is segment i. */
static bool candidate(const struct model *a, size_t i, size_t j, unsigned int e)
{
	const struct conn_rec *r = ev_rec(a, j);

	return a->match[j] == NONE && a->c->ev[j].rec.end == e && is_seg(r) &&
	       r->seg.dir == TCPSTATE_DIR_OUT && same_segment(ev_rec(a, i), r);
}

/*
 * Each "in" gets the latest earlier "out" of the same segment at the other
 * end: a segment sent twice (a retransmitted SYN) was received the second
 * time if only one arrived. An "out" recorded after its "in" is taken too.
 */
static void match_segments(struct model *a)
{
	const struct conn *c = a->c;
	size_t i, j;

	if (c->nr > a->match_cap) {
		a->match_cap = c->nr;
		a->match = xrealloc(a->match, a->match_cap, sizeof(*a->match));
	}
	for (i = 0; i < c->nr; i++)
		a->match[i] = NONE;
	for (i = 0; i < c->nr; i++) {
		const struct conn_rec *r = ev_rec(a, i);
		unsigned int other = 1 - c->ev[i].rec.end;

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
static void number_event(struct model *a, size_t i)
{
	const struct conn_rec *r = ev_rec(a, i);
	unsigned int s;

	if (!is_seg(r))
		return;
	s = sender_col(a, i);
	if (r->seg.tcp_flags & TCPSTATE_TH_SYN && !a->has_isn[s]) {
		a->has_isn[s] = true;
		a->isn[s] = r->seg.seq;
	}
	if (r->seg.tcp_flags & TCPSTATE_TH_FIN && !a->has_fin[s]) {
		a->has_fin[s] = true;
		a->fin[s] = r->seg.seq;
		a->fin_len[s] = r->seg.len;
		a->fin_ts[s] = r->ts_ns;
	}
	if (r->seg.tcp_flags & TCPSTATE_TH_SYN &&
	    !(r->seg.tcp_flags & TCPSTATE_TH_ACK) && s == 1)
		a->sim_open = a->has_isn[0];
}

static void closer(struct model *a)
{
	a->closer = -1;
	if (a->has_fin[0] && (!a->has_fin[1] || a->fin_ts[0] <= a->fin_ts[1]))
		a->closer = 0;
	else if (a->has_fin[1])
		a->closer = 1;
}

static void numbers(struct model *a)
{
	size_t i;

	for (i = 0; i < a->c->nr; i++)
		number_event(a, i);
	closer(a);
}

/*
 * v in column col's sequence space, as "x", "u+1", or the number, for row
 * r: u and w only from their FIN's row on, so that the handshake's numbers
 * stay x+1 and y+1 even when the FIN is the next byte.
 */
const char *model_rel(const struct model *a, const struct model_row *r,
		       unsigned int col, __u32 v, char buf[32])
{
	size_t idx = (size_t)(r - a->rows);
	const char *sym = NULL;
	__u32 best = 0;

	if (!a->o.absolute) {
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
	/* By hand, not snprintf(): a ladder shows two of these a row. */
	if (!sym) {
		buf[u64_str(v, buf)] = '\0';
	} else {
		buf[0] = sym[0];
		if (best) {
			buf[1] = '+';
			buf[2 + u64_str(best, buf + 2)] = '\0';
		} else {
			buf[1] = '\0';
		}
	}
	return buf;
}

const char *model_arrow_label(const struct model *a, const struct model_row *r,
			      char buf[MODEL_LABEL_MAX])
{
	/* Room for the longest label whole: cut to buf's size at the end. */
	char flags[TCP_FLAGS_MAX], n[32], all[TCP_FLAGS_MAX + 3 * 40];
	const struct tcpstate_segment *seg = r->seg;
	char *p = all;
	size_t k;

	/* By hand, not snprintf(): every arrow's label, measured and drawn. */
	tcp_flags_string(seg->tcp_flags, flags);
	k = flags[0] ? strlen(flags) : 1;
	memcpy(p, flags[0] ? flags : "-", k);
	p += k;
	memcpy(p, " seq=", 5);
	p += 5;
	model_rel(a, r, r->col, seg->seq, n);
	k = strlen(n);
	memcpy(p, n, k);
	p += k;
	if (seg->tcp_flags & TCPSTATE_TH_ACK) {
		memcpy(p, " ack=", 5);
		p += 5;
		model_rel(a, r, 1 - r->col, seg->ack, n);
		k = strlen(n);
		memcpy(p, n, k);
		p += k;
	}
	if (seg->len) {
		memcpy(p, " len=", 5);
		p += 5;
		p += u64_str(seg->len, p);
	}
	*p = '\0';
	copy_str(buf, MODEL_LABEL_MAX, all);
	return buf;
}

/* --- 3. rows ------------------------------------------------------------- */

static void reset_row(struct model_row *r, enum row_kind kind, unsigned int col,
		      __u64 ts)
{
	/* Not the 240 bytes of text: --follow makes every row per record. */
	memset(r, 0, offsetof(struct model_row, step));
	r->step[0] = '\0';
	r->note[0] = '\0';
	r->bad = false;
	r->kind = kind;
	r->col = col;
	r->ts = ts;
}

static struct model_row *new_row(struct model *a, enum row_kind kind, unsigned int col,
			   __u64 ts)
{
	struct model_row *r;

	if (a->nr == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->rows = xrealloc(a->rows, a->cap, sizeof(*a->rows));
	}
	r = &a->rows[a->nr++];
	reset_row(r, kind, col, ts);
	return r;
}

static struct model_row *state_row(struct model *a, unsigned int col, __u64 ts,
			     unsigned int state, unsigned int *disp)
{
	struct model_row *r = new_row(a, ROW_STATE, col, ts);

	r->state = state;
	disp[col] = state;
	return r;
}

/*
 * Whether the receiver would have recorded this segment had it arrived
 * (the contract's list for segments=control); an "out" without its "in"
 * is then a segment lost on the way.
 */
static bool receiver_records(const struct model *a, const struct tcpstate_segment *seg,
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

/* The arrow of event i (and the event matched with it) in row. */
static void fill_arrow(struct model *a, struct model_row *row, size_t i)
{
	const struct conn_rec *r = ev_rec(a, i), *out = NULL, *in = NULL;
	unsigned int s = sender_col(a, i);
	size_t io = i, ii = i;

	if (r->seg.dir == TCPSTATE_DIR_OUT)
		out = r;
	else
		in = r;
	if (a->match[i] != NONE) {
		if (out) {
			ii = a->match[i];
			in = ev_rec(a, ii);
		} else {
			io = a->match[i];
			out = ev_rec(a, io);
		}
	}
	reset_row(row, ROW_ARROW, s, r->ts_ns);
	row->ev = i;
	row->seg_ev = out ? io : ii;
	row->seg = out ? &out->seg : &in->seg;
	row->sent = out ? out->ts_ns : 0;
	row->recvd = in ? in->ts_ns : 0;
	row->retrans = out ? out->seg.retrans : in->seg.retrans;
	row->cookie = out && out->seg.sock == TCPSTATE_SOCK_LISTENER &&
		      out->seg.tcp_flags & TCPSTATE_TH_SYN;
	row->to_tw = in && in->seg.sock == TCPSTATE_SOCK_TIMEWAIT;
	row->from_tw = out && out->seg.sock == TCPSTATE_SOCK_TIMEWAIT;
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

static void arrow_row(struct model *a, size_t i)
{
	fill_arrow(a, new_row(a, ROW_ARROW, 0, 0), i);
}

static void request_row(struct model *a, unsigned int col, size_t i,
			unsigned int *disp)
{
	const struct conn_rec *r = ev_rec(a, i);
	static const char *const ended[] = {
		[TCPSTATE_REQ_EXPIRED] = N_("request expired"),
		[TCPSTATE_REQ_RESET] = N_("request reset"),
		[TCPSTATE_REQ_DROPPED] = N_("request dropped"),
	};
	const struct tcpstate_request *req = &r->req;
	struct model_row *row;

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
		row->step_kind = STEP_REQ_END;
		copy_str(row->step, MODEL_STEP_MAX, _(ended[req->event]));
		if (req->event == TCPSTATE_REQ_EXPIRED)
			sfmt(row->note, MODEL_NOTE_MAX,
			     ngettext("no ACK after %u SYN-ACK retransmission",
					  "no ACK after %u SYN-ACK retransmissions",
					  req->num_retrans),
			     req->num_retrans);
		a->req_end[col] = r;
		a->req_end_ev[col] = i;
		break;
	case TCPSTATE_REQ_ACCEPT_QUEUE_FULL:
		row = new_row(a, ROW_NOTE, col, r->ts_ns);
		row->step_kind = STEP_ACCEPT_QUEUE_FULL;
		copy_str(row->step, MODEL_STEP_MAX, _("accept queue full"));
		copy_str(row->note, MODEL_NOTE_MAX, _("the ACK is ignored, the request stays"));
		row->bad = true;
		break;
	case TCPSTATE_REQ_SYN_DROPPED:
		row = new_row(a, ROW_NOTE, col, r->ts_ns);
		row->step_kind = STEP_SYN_DROPPED;
		copy_str(row->step, MODEL_STEP_MAX, _("SYN dropped"));
		copy_str(row->note, MODEL_NOTE_MAX, _("the accept queue is full"));
		row->bad = true;
		break;
	case TCPSTATE_REQ_SYNCOOKIE_SENT:
		a->cookie_sent = true;
		break;
	case TCPSTATE_REQ_SYNCOOKIE_ACCEPTED:
		row = new_row(a, ROW_NOTE, col, r->ts_ns);
		row->step_kind = STEP_COOKIE_ACCEPTED;
		copy_str(row->step, MODEL_STEP_MAX, _("SYN cookie accepted"));
		copy_str(row->note, MODEL_NOTE_MAX,
			 _("the ACK carries a valid cookie: a child socket is made"));
		break;
	}
}

static void tw_end_row(struct model *a, unsigned int col,
		       const struct conn_rec *r, unsigned int *disp)
{
	char reason[NAME_LABEL_MAX], d[DURATION_MAX];
	struct model_row *row;
	__u64 since = a->tw_born[col] ? a->tw_born[col] : a->tw_in[col];

	a->tw_out[col] = r->ts_ns;
	a->fig.tw_reason[col] = r->state.reason;
	/* The module's measure if it had one, else the records' (model.h). */
	if (r->state.duration_ns)
		a->fig.tw_life[col] = r->state.duration_ns;
	else if (since && since <= r->ts_ns)
		a->fig.tw_life[col] = r->ts_ns - since;
	row = state_row(a, col, r->ts_ns, TCPSTATE_CLOSE, disp);
	row->tw_end = true;
	row->step_kind = STEP_TW_END;
	copy_str(row->step, MODEL_STEP_MAX, _("TIME_WAIT ends"));
	copy_str(row->note, MODEL_NOTE_MAX, name_label(&tw_reason_names, r->state.reason, reason));
	if (a->fig.tw_life[col])
		sappend(row->note, MODEL_NOTE_MAX, _(" after %s"),
			duration(a->fig.tw_life[col], d));
}

/* Event i's rows (none, or one), after those of the events before it. */
static void event_rows(struct model *a, size_t i)
{
	const struct conn_rec *r = ev_rec(a, i);
	unsigned int col = col_of(a, r->end), *disp = a->disp;
	unsigned int new_state = r->state.new_state;
	bool *tw = a->in_tw;

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
			if (!a->tw_born[col])
				a->tw_born[col] = r->ts_ns;
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
		request_row(a, col, i, disp);
		break;
	case TCPSTATE_REC_SEGMENT:
		/* Drawn with its "out", if that came first. */
		if (a->match[i] == NONE || a->match[i] > i)
			arrow_row(a, i);
		break;
	}
}

static void build_rows(struct model *a)
{
	size_t i;

	a->disp[0] = a->init[0];
	a->disp[1] = a->init[1];
	a->in_tw[0] = a->in_tw[1] = false;
	new_row(a, ROW_INIT, 0, a->t0);
	for (i = 0; i < a->c->nr; i++)
		event_rows(a, i);
}

/* --- 4. steps ------------------------------------------------------------ */

/* Whether ack acknowledges the FIN that column col sent. */
static bool acks_fin(const struct model *a, unsigned int col, __u32 ack)
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
static void close_kind(struct model *a, size_t from)
{
	size_t i;
	unsigned int cl, o;

	if (!from)
		a->closer_fin = a->ofin = a->oack = NONE;
	if (a->closer < 0) {
		a->close = CLOSE_NONE;
		return;
	}
	cl = (unsigned int)a->closer;
	o = 1 - cl;
	for (i = from; i < a->nr; i++) {
		const struct model_row *r = &a->rows[i];

		if (r->kind != ROW_ARROW)
			continue;
		if (r->col == cl && r->seg->tcp_flags & TCPSTATE_TH_FIN &&
		    a->closer_fin == NONE)
			a->closer_fin = i;
		if (r->col != o)
			continue;
		if (r->seg->tcp_flags & TCPSTATE_TH_FIN && a->ofin == NONE)
			a->ofin = i;
		if (r->seg->tcp_flags & TCPSTATE_TH_ACK &&
		    acks_fin(a, cl, r->seg->ack) && a->oack == NONE)
			a->oack = i;
	}
	if (a->ofin != NONE && (a->oack == NONE || a->oack > a->ofin) &&
	    !acks_fin(a, cl, a->rows[a->ofin].seg->ack))
		a->close = CLOSE_SIM;
	else if (a->oack != NONE)
		a->close = a->oack == a->ofin ? CLOSE_COMBINED : CLOSE_4WAY;
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
	bool tw_syn;			/* a SYN met the TIME_WAIT socket */
	/* Per side: what the other side acknowledged and advertised last. */
	__u32 una[2];			/* its highest ack: the side's snd_una */
	bool has_una[2];
	__u32 peer_win[2];		/* the other side's last window */
	bool probe_out[2];		/* a probe of the side awaits its ACK */
};

/*
 * label_rows()' state before a row: with it saved for each row, a row
 * that changes (following, the answer to an arrow comes) is labelled
 * again from there, not from the first row.
 */
struct label_state {
	struct step_state st;
	size_t first_syn;
	bool answered;
	unsigned int syn_n[2], synack_n[2];
	bool refused, rst[2];
	size_t nr_notes;
};

/*
 * A probe (tcp_write_wakeup() -> tcp_xmit_probe_skb()): no data, seq one
 * below what the peer acknowledged, so the peer must answer with an ACK
 * of what it has (RFC 9293 3.8.4 for keepalive; zero-window probing when
 * the peer's window is closed). No other segment has seq below snd_una.
 */
static bool is_probe(const struct step_state *st, unsigned int s,
		     const struct tcpstate_segment *seg)
{
	return st->has_una[s] && seg->seq == st->una[s] - 1;
}

/* What an arrow of side s tells about it and its peer, after labelling. */
static void track_side(struct step_state *st, unsigned int s,
		       const struct tcpstate_segment *seg)
{
	if (!(seg->tcp_flags & TCPSTATE_TH_ACK))
		return;
	st->peer_win[1 - s] = seg->win;
	if (!st->has_una[1 - s] || (__s32)(seg->ack - st->una[1 - s]) > 0)
		st->una[1 - s] = seg->ack;
	st->has_una[1 - s] = true;
}

static void sent_again(struct model_row *r)
{
	r->again = true;
	append_str(r->step, MODEL_STEP_MAX, _(", sent again"));
}

static void again(struct model_row *r, unsigned int n)
{
	if (n > 1)
		sent_again(r);
}

static void bad_ack(struct model *a, struct model_row *r, const char *what,
		    unsigned int col, __u32 base)
{
	char got[32], want[32], t[32];

	model_rel(a, r, col, r->seg->ack, got);
	model_rel(a, r, col, base, want);
	sfmt(r->note, MODEL_NOTE_MAX, _("%s acknowledges %s, not %s"),
	     what, got, want);
	r->bad = true;
	add_note(a, _("%s's %s at %s acknowledges %s, not %s"), model_who(a, r->col),
		 r->step, model_reltime(a, r->ts, t), got, want);
}

static void step_fin(struct model *a, struct model_row *r, struct step_state *st)
{
	unsigned int s = r->col;
	bool closer = (int)s == a->closer;
	bool first = !st->fin_given[s];

	st->closing = true;
	st->fin_given[s] = true;
	switch (a->close) {
	case CLOSE_SIM:
		r->step_kind = STEP_SIM_CLOSE_FIN;
		sfmt(r->step, MODEL_STEP_MAX, _("simultaneous close %d/4: FIN"),
		     closer ? 1 : 2);
		break;
	case CLOSE_COMBINED:
		r->step_kind = closer ? STEP_CLOSE_FIN : STEP_CLOSE_FIN_ACK;
		copy_str(r->step, MODEL_STEP_MAX, closer ? _("close 1/3") :
			 _("close 2/3: FIN and ACK combined"));
		break;
	default:
		r->step_kind = closer ? STEP_CLOSE_FIN : STEP_CLOSE_FIN2;
		copy_str(r->step, MODEL_STEP_MAX, closer ? _("close 1/4") : _("close 3/4"));
		break;
	}
	if (!first)
		sent_again(r);
	if (!closer && a->close != CLOSE_SIM && first &&
	    r->seg->tcp_flags & TCPSTATE_TH_ACK && acks_fin(a, 1 - s, r->seg->ack) &&
	    r->seg->ack != a->fin[1 - s] + a->fin_len[1 - s] + 1)
		bad_ack(a, r, _("the FIN"), 1 - s,
			a->fin[1 - s] + a->fin_len[1 - s] + 1);
}

/* A pure ACK: of the handshake, of a FIN, or of data. */
static void step_ack(struct model *a, struct model_row *r, struct step_state *st)
{
	unsigned int s = r->col, o = 1 - s;
	const struct tcpstate_segment *seg = r->seg;
	bool closer = (int)s == a->closer;

	if (!st->closing && !a->sim_open && s == 0 && a->synack_n[1] &&
	    a->has_isn[1] && seg->seq == a->isn[0] + 1) {
		r->step_kind = STEP_HS_ACK;
		copy_str(r->step, MODEL_STEP_MAX, _("handshake 3/3"));
		again(r, ++st->hs_ack);
		if (st->hs_ack == 1 && seg->ack != a->isn[1] + 1)
			bad_ack(a, r, _("the handshake's ACK"), 1, a->isn[1] + 1);
		return;
	}
	if (!st->closing && a->sim_open && a->has_isn[o] &&
	    seg->ack == a->isn[o] + 1) {
		r->step_kind = STEP_SIM_OPEN_ACK;
		copy_str(r->step, MODEL_STEP_MAX, _("simultaneous open: ACK"));
		return;
	}
	if (!acks_fin(a, o, seg->ack))
		return;
	if (a->close == CLOSE_SIM) {
		if (!st->ack_given[s])
			st->sim_acks++;
		r->step_kind = STEP_SIM_CLOSE_ACK;
		sfmt(r->step, MODEL_STEP_MAX, _("simultaneous close %u/4: ACK"),
		     2 + st->sim_acks);
	} else if (closer) {
		r->step_kind = STEP_CLOSE_LAST_ACK;
		copy_str(r->step, MODEL_STEP_MAX, a->close == CLOSE_COMBINED ?
			 _("close 3/3") : _("close 4/4"));
	} else {
		r->step_kind = STEP_CLOSE_ACK;
		copy_str(r->step, MODEL_STEP_MAX, _("close 2/4"));
	}
	if (st->ack_given[s])
		sent_again(r);
	else if (seg->ack != a->fin[o] + a->fin_len[o] + 1)
		bad_ack(a, r, _("the ACK"), o, a->fin[o] + a->fin_len[o] + 1);
	st->ack_given[s] = true;
}

/*
 * Why three steps: a SYN only the server recorded, whose SYN-ACK the
 * client's kernel answers with an RST from no socket. No socket of the
 * client sent that SYN (an old duplicate, or forged), and the RST is the
 * handshake's third step refusing it.
 */
static void old_syn(struct model *a)
{
	struct model_row *syn = NULL;
	size_t i;

	if (!a->synack_n[1] || a->sim_open)
		return;
	for (i = 0; i < a->nr; i++) {
		struct model_row *r = &a->rows[i];

		if (r->kind != ROW_ARROW)
			continue;
		if (!syn && r->step_kind == STEP_HS_SYN) {
			if (r->fate != FATE_RECEIVED || r->col != 0)
				return;
			syn = r;
		} else if (syn && r->step_kind == STEP_RESET && r->col == 0 &&
			   r->sent && r->seg->sock == TCPSTATE_SOCK_NONE) {
			syn->step_kind = STEP_OLD_SYN;
			copy_str(syn->step, MODEL_STEP_MAX, _("handshake 1/3: old SYN"));
			r->step_kind = STEP_OLD_SYN_RST;
			copy_str(r->step, MODEL_STEP_MAX, _("RST: not asked for"));
			a->old_syn_done = true;
			return;
		}
	}
}

/*
 * What label_rows() reads of every row: each side's first FIN, the close;
 * from rows from on, those before as they were (model_add()).
 */
static void label_prepare(struct model *a, size_t from)
{
	size_t i;

	if (!from)
		a->fin_row[0] = a->fin_row[1] = NONE;
	for (i = from; i < a->nr; i++)
		if (a->rows[i].kind == ROW_ARROW &&
		    a->rows[i].seg->tcp_flags & TCPSTATE_TH_FIN &&
		    a->fin_row[a->rows[i].col] == NONE)
			a->fin_row[a->rows[i].col] = i;
	close_kind(a, from);
}

static void save_label(struct model *a, size_t i, const struct step_state *st,
		       size_t first_syn, bool answered)
{
	struct label_state *ls = &a->snap[i];

	ls->st = *st;
	ls->first_syn = first_syn;
	ls->answered = answered;
	memcpy(ls->syn_n, a->syn_n, sizeof(ls->syn_n));
	memcpy(ls->synack_n, a->synack_n, sizeof(ls->synack_n));
	ls->refused = a->refused;
	memcpy(ls->rst, a->rst, sizeof(ls->rst));
	ls->nr_notes = a->nr_notes;
}

/* The arrows' steps from row from on, label_prepare() done. */
static void label_rows(struct model *a, size_t from)
{
	struct label_state ls = { .first_syn = NONE };
	struct step_state st;
	size_t i, closer_fin = a->closer_fin, first_syn;
	bool answered;

	if (a->follow) {
		if (a->nr + 1 > a->snap_cap) {
			a->snap_cap = 2 * (a->nr + 1);
			a->snap = xrealloc(a->snap, a->snap_cap, sizeof(*a->snap));
		}
		if (from)
			ls = a->snap[from];
	}
	st = ls.st;
	first_syn = ls.first_syn;
	answered = ls.answered;
	memcpy(a->syn_n, ls.syn_n, sizeof(a->syn_n));
	memcpy(a->synack_n, ls.synack_n, sizeof(a->synack_n));
	a->refused = ls.refused;
	memcpy(a->rst, ls.rst, sizeof(a->rst));
	a->nr_notes = ls.nr_notes;
	a->hold = a->nr;
	for (i = from; i < a->nr; i++) {
		struct model_row *r = &a->rows[i];
		unsigned int s = r->col, f;

		if (a->follow)
			save_label(a, i, &st, first_syn, answered);
		if (r->kind != ROW_ARROW)
			continue;
		/* As new_row() left it: labelled again. */
		r->step_kind = STEP_NONE;
		r->again = false;
		r->step[0] = '\0';
		r->note[0] = '\0';
		r->bad = false;
		f = r->seg->tcp_flags;
		if (s == 1 && f & (TCPSTATE_TH_SYN | TCPSTATE_TH_RST))
			answered = true;
		if (f & TCPSTATE_TH_RST) {
			if (s == 1 && !a->synack_n[1] && !a->sim_open && !st.closing) {
				r->step_kind = STEP_REFUSED;
				copy_str(r->step, MODEL_STEP_MAX, _("refused: RST"));
				a->refused = true;
			} else {
				r->step_kind = STEP_RESET;
				copy_str(r->step, MODEL_STEP_MAX, _("reset: RST"));
				a->rst[s] = true;
			}
		} else if (f & TCPSTATE_TH_SYN && !(f & TCPSTATE_TH_ACK) &&
			   r->to_tw) {
			/*
			 * A SYN the four-tuple's TIME_WAIT socket got: not this
			 * connection's handshake but an old duplicate or the
			 * next connection's (whose sender is another socket, so
			 * another connection here). Not a retransmission.
			 */
			r->step_kind = STEP_TW_SYN;
			copy_str(r->step, MODEL_STEP_MAX, _("SYN at TIME_WAIT"));
			st.tw_syn = true;
			continue;
		} else if (f & TCPSTATE_TH_SYN && !(f & TCPSTATE_TH_ACK)) {
			if (first_syn == NONE)
				first_syn = i;
			r->step_kind = a->sim_open ? STEP_SIM_OPEN_SYN : STEP_HS_SYN;
			if (a->sim_open)
				sfmt(r->step, MODEL_STEP_MAX,
				     _("simultaneous open %u/4: SYN"), s + 1);
			else
				copy_str(r->step, MODEL_STEP_MAX, _("handshake 1/3"));
			again(r, ++a->syn_n[s]);
		} else if (f & TCPSTATE_TH_SYN) {
			++a->synack_n[s];
			if (a->sim_open) {
				r->step_kind = STEP_SIM_OPEN_SYNACK;
				sfmt(r->step, MODEL_STEP_MAX,
				     _("simultaneous open %u/4: SYN-ACK"),
				     a->synack_n[s] == 1 ? 3 + st.sim_synack++ : 3);
			} else {
				r->step_kind = STEP_HS_SYNACK;
				copy_str(r->step, MODEL_STEP_MAX,
					 r->cookie ? _("handshake 2/3 (SYN cookie)") :
					 _("handshake 2/3"));
			}
			again(r, a->synack_n[s]);
			if (a->synack_n[s] == 1 && a->has_isn[1 - s] &&
			    r->seg->ack != a->isn[1 - s] + 1)
				bad_ack(a, r, _("the SYN-ACK"), 1 - s,
					a->isn[1 - s] + 1);
		} else if (f & TCPSTATE_TH_FIN) {
			step_fin(a, r, &st);
		} else if (pure_ack(r->seg) && r->from_tw && st.tw_syn) {
			/* What TIME_WAIT says to a SYN it does not take. */
			r->step_kind = STEP_TW_ACK;
			copy_str(r->step, MODEL_STEP_MAX, _("ACK from TIME_WAIT"));
		} else if (pure_ack(r->seg) && is_probe(&st, s, r->seg)) {
			/* The peer's window decides which timer sent it. */
			if (st.peer_win[s]) {
				r->step_kind = STEP_KEEPALIVE;
				copy_str(r->step, MODEL_STEP_MAX, _("keepalive probe"));
			} else {
				r->step_kind = STEP_WINDOW_PROBE;
				copy_str(r->step, MODEL_STEP_MAX, _("window probe"));
			}
			st.probe_out[s] = true;
		} else if (pure_ack(r->seg) && st.probe_out[1 - s] &&
			   st.has_una[1 - s] && r->seg->ack == st.una[1 - s]) {
			r->step_kind = STEP_PROBE_ACK;
			copy_str(r->step, MODEL_STEP_MAX, _("ACK of the probe"));
			st.probe_out[1 - s] = false;
		} else if (pure_ack(r->seg)) {
			step_ack(a, r, &st);
		} else if (r->seg->len) {
			r->step_kind = STEP_DATA;
			copy_str(r->step, MODEL_STEP_MAX, _("data"));
		}
		track_side(&st, s, r->seg);
		if (r->fate == FATE_LOST)
			sfmt(r->note, MODEL_NOTE_MAX, _("lost: %s never got it"),
			     model_who(a, 1 - s));
		else if (r->fate == FATE_RECEIVED)
			sfmt(r->note, MODEL_NOTE_MAX,
			     _("only %s recorded it"), model_who(a, 1 - s));
		if (r->fate == FATE_LOST || r->fate == FATE_RECEIVED)
			r->bad = true;
	}
	if (a->follow)
		save_label(a, a->nr, &st, first_syn, answered);
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

static void timings(struct model *a)
{
	__u64 syn_sent = 0, syn_recvd = 0;
	unsigned int cw_open[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < a->nr; i++) {
		const struct model_row *r = &a->rows[i];
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
		if (r->kind != ROW_ARROW || r->step_kind == STEP_TW_SYN)
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
		    (TCPSTATE_TH_SYN | TCPSTATE_TH_ACK) && !a->fig.rtt) {
			/* A round trip at the client, else the server's turn-around. */
			if (r->recvd && syn_sent && a->traced[0]) {
				a->fig.rtt = r->recvd - syn_sent;
				a->fig.rtt_at_client = true;
			} else if (r->sent && syn_recvd) {
				a->fig.rtt = r->sent - syn_recvd;
			}
		}
	}
}

static void syn_retries(struct model *a, unsigned int col, bool synack)
{
	char list[MODEL_NOTE_MAX] = "", t[32];
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < a->nr; i++) {
		const struct model_row *r = &a->rows[i];
		unsigned int f;

		if (r->kind != ROW_ARROW || r->col != col ||
		    r->step_kind == STEP_TW_SYN)
			continue;
		f = r->seg->tcp_flags;
		if (!(f & TCPSTATE_TH_SYN) || !(f & TCPSTATE_TH_ACK) != !synack)
			continue;
		sappend(list, sizeof(list), "%s%s%s", n++ ? ", " : "",
			model_reltime(a, r->sent ? r->sent : r->recvd, t),
			r->fate == FATE_LOST ? _(" (lost)") : "");
	}
	add_note(a, _("%s retransmitted: %s sent it %u times, at %s"),
		 synack ? "SYN-ACK" : "SYN", model_who(a, col), n, list);
}

static const char *state_name(unsigned int state, char buf[NAME_LABEL_MAX])
{
	return state ? tcp_state_label(state, buf) : "?";
}

/* The state each side was last drawn in. */
static void last_states(const struct model *a, unsigned int last[2])
{
	size_t i;

	last[0] = a->init[0];
	last[1] = a->init[1];
	for (i = 0; i < a->nr; i++)
		if (a->rows[i].kind == ROW_STATE)
			last[a->rows[i].col] = a->rows[i].state;
}

static void anomalies(struct model *a)
{
	char d[32], t[32], s0[NAME_LABEL_MAX], s1[NAME_LABEL_MAX];
	unsigned int last[2], col, recvd = 0;
	size_t i;

	if (a->syn_n[0] > 1)
		syn_retries(a, 0, false);
	if (a->synack_n[1] > 1)
		syn_retries(a, 1, true);
	for (i = 0; i < a->nr; i++) {
		const struct model_row *r = &a->rows[i];

		if (r->kind != ROW_ARROW)
			continue;
		if (r->fate == FATE_LOST && !(r->seg->tcp_flags & TCPSTATE_TH_SYN))
			add_note(a, _("lost: %s's %s at %s never reached %s"),
				 model_who(a, r->col), r->step[0] ? r->step : _("segment"),
				 model_reltime(a, r->sent, t), model_who(a, 1 - r->col));
		/* A SYN at TIME_WAIT was another socket's: not a gap. */
		recvd += r->fate == FATE_RECEIVED && r->step_kind != STEP_TW_SYN;
	}
	if (recvd)
		add_note(a, ngettext("%u segment was recorded only by the receiver",
				     "%u segments were recorded only by the receiver",
				     recvd), recvd);
	if (a->refused) {
		char ep[ENDPOINT_STR_MAX];

		add_note(a, _("refused: nothing listened on %s, %s's kernel answered the SYN with RST"),
			 endpoint_str(&a->c->ep[1 - a->left], ep), model_who(a, 1));
	}
	for (col = 0; col < 2; col++) {
		if (a->rst[col])
			add_note(a, _("reset: %s sent RST"), model_who(a, col));
	}
	last_states(a, last);
	for (col = 0; col < 2; col++) {
		const struct conn_rec *req = a->req_end[col];

		if (!a->traced[col] || a->t_est[col] || a->refused ||
		    a->rst[0] || a->rst[1])
			continue;
		if (req && req->req.event == TCPSTATE_REQ_EXPIRED)
			add_note(a, ngettext("half-open: the handshake never completed; %s's request expired after %u SYN-ACK retransmission",
					     "half-open: the handshake never completed; %s's request expired after %u SYN-ACK retransmissions",
					     req->req.num_retrans),
				 model_who(a, col), req->req.num_retrans);
		else if (req)
			add_note(a, req->req.event == TCPSTATE_REQ_RESET ?
				 _("half-open: the handshake never completed; %s's request was reset") :
				 _("half-open: the handshake never completed; %s's request was dropped"),
				 model_who(a, col));
		else if (a->cookie_sent && col == 1)
			add_note(a, _("half-open: %s sent a SYN cookie, no ACK came back (a cookie keeps no state: nothing expires)"),
				 model_who(a, col));
		else if (!a->c->complete)
			add_note(a, "%s",
				 _("half-open: the handshake had not completed when the capture ended"));
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
		if (stay <= a->o.close_wait_ns)
			continue;
		add_note(a, end ?
			 _("%s stayed in CLOSE_WAIT for %s (limit %s): its application did not close the socket") :
			 _("%s was still in CLOSE_WAIT after %s (limit %s): its application did not close the socket"),
			 model_who(a, col), duration(stay, d),
			 duration(a->o.close_wait_ns, t));
	}
	if (a->c->lost)
		add_note(a, _("%llu events were lost (ring buffer full) while this connection was open: steps may be missing"),
			 a->c->lost);
	if (a->c->elided)
		add_note(a, _("%llu segments in ESTABLISHED not kept (more than %d events)"),
			 a->c->elided, CONN_EVENTS_MAX);
	if (!a->c->complete && !a->live)
		add_note(a, _("the capture ended before the connection did (%s %s, %s %s)"),
			 model_side_name(a, 0), state_name(last[0], s0),
			 model_side_name(a, 1), state_name(last[1], s1));
}

/* The figures of struct model_figures, by their definitions there. */
static void figures(struct model *a)
{
	struct model_figures *f = &a->fig;
	__u64 est, fin = 0, start = a->t_syn ? a->t_syn : a->t0;
	bool all = true;
	unsigned int col;

	/* An end whose records are all without a socket has nothing to close. */
	for (col = 0; col < 2; col++) {
		unsigned int e = col ? 1 - a->left : a->left;
		size_t i;

		for (i = 0; i < a->c->nr && !f->counted[col]; i++) {
			const struct conn_rec *r = &a->c->ev[i].rec;

			f->counted[col] = a->c->ev[i].rec.end == e &&
					  (!is_seg(r) || r->seg.sock != TCPSTATE_SOCK_NONE);
		}
	}
	f->both_traced = f->counted[0] && f->counted[1];
	est = a->t_est[0] > a->t_est[1] ? a->t_est[0] : a->t_est[1];
	if (a->t_syn && est && (!a->traced[0] || a->t_est[0]) &&
	    (!a->traced[1] || a->t_est[1]) && est >= a->t_syn) {
		f->has_handshake = true;
		f->handshake = est - a->t_syn;
	}
	for (col = 0; col < 2; col++) {
		if (!f->counted[col])
			continue;
		if (!a->t_final[col])
			all = false;
		else if (a->t_final[col] > fin)
			fin = a->t_final[col];
	}
	if (all && fin && fin >= start) {
		f->has_lifetime = true;
		f->life_from_syn = a->t_syn != 0;
		f->lifetime = fin - start;
	}
	if (all && fin && a->t_fin && fin >= a->t_fin) {
		f->has_close = true;
		f->close = fin - a->t_fin;
	}
	for (col = 0; col < 2; col++) {
		f->has_tw[col] = a->tw_in[col] != 0;
		f->tw_ended[col] = a->tw_in[col] && a->tw_out[col];
		if (f->tw_ended[col]) {
			f->tw_state[col] = a->tw_out[col] - a->tw_in[col];
			if (!f->tw_life[col])
				f->tw_life[col] = a->tw_out[col] -
					(a->tw_born[col] ? a->tw_born[col] : a->tw_in[col]);
		}
		f->has_cw[col] = a->cw_in[col] && a->cw_out[col];
		if (f->has_cw[col])
			f->cw[col] = a->cw_out[col] - a->cw_in[col];
	}
}

/* Each side's process: its first record in process context. */
static void processes(struct model *a)
{
	unsigned int col;

	for (col = 0; col < 2; col++) {
		const struct conn_task *t =
			conn_first_task(a->c, col ? 1 - a->left : a->left);

		a->has_task[col] = t != NULL;
		if (!t)
			continue;
		a->pid[col] = t->pid;
		memcpy(a->comm[col], t->comm, sizeof(t->comm));
		a->comm[col][sizeof(t->comm)] = '\0';
	}
}

/* How it opened and ended, and who each side's process was. */
static void verdicts(struct model *a)
{
	const struct conn *c = a->c;

	if (a->o.rows_only)
		goto processes;
	if (a->refused)
		a->open = OPEN_REFUSED;
	else if (a->t_est[0] || a->t_est[1])
		a->open = a->sim_open ? OPEN_SIM : OPEN_3WAY;
	else if (a->has_isn[0] || a->has_isn[1])
		a->open = OPEN_HALF;
	else
		a->open = OPEN_NONE;
	if (a->refused)
		a->end = END_REFUSED;
	else if (a->rst[0] || a->rst[1])
		a->end = END_RESET;
	else if (a->close == CLOSE_4WAY)
		a->end = END_4WAY;
	else if (a->close == CLOSE_COMBINED)
		a->end = END_COMBINED;
	else if (a->close == CLOSE_SIM)
		a->end = END_SIM;
	else if (a->close == CLOSE_HALF || a->close == CLOSE_UNKNOWN)
		a->end = c->complete ? END_HALF : END_CLOSING;
	else if (!c->complete)
		a->end = END_OPEN;
	else if (a->open == OPEN_HALF)
		a->end = END_NEVER_OPENED;
	else
		a->end = END_NONE;
processes:
	processes(a);
}

/*
 * The last model freed, kept with its rows and match arrays for the next
 * model_build(): --follow builds a model for every record, and a malloc()
 * and the arrays' growth each time cost more than the passes. One model,
 * as big as the biggest connection's: bounded.
 */
static struct model *spare;

/* A model to build: spare's (or a's) arrays kept, everything else zero. */
static struct model *model_new(struct model *a)
{
	struct model_row *rows = NULL;
	struct label_state *snap = NULL;
	size_t *match = NULL, cap = 0, match_cap = 0, snap_cap = 0;

	if (!a && spare) {
		a = spare;
		spare = NULL;
	}
	if (a) {
		rows = a->rows;
		cap = a->cap;
		match = a->match;
		match_cap = a->match_cap;
		snap = a->snap;
		snap_cap = a->snap_cap;
	} else {
		a = malloc(sizeof(*a));
		if (!a)
			out_of_memory();
	}
	/*
	 * Zeroed but for the notes (2.5 KB), which are read only below
	 * nr_notes, each written by add_note() first.
	 */
	memset(a, 0, offsetof(struct model, notes));
	memset(&a->nr_notes, 0, sizeof(*a) - offsetof(struct model, nr_notes));
	a->rows = rows;
	a->cap = cap;
	a->match = match;
	a->match_cap = match_cap;
	a->snap = snap;
	a->snap_cap = snap_cap;
	return a;
}

static void passes(struct model *a, const struct conn *c,
		   const struct model_opts *o, bool live)
{
	a->c = c;
	a->o = *o;
	a->live = live;
	sides(a);
	match_segments(a);
	numbers(a);
	build_rows(a);
	label_prepare(a, 0);
	label_rows(a, 0);
	old_syn(a);
	if (!o->rows_only) {
		timings(a);
		figures(a);
	}
	verdicts(a);
	if (!o->rows_only)
		anomalies(a);
}

struct model *model_build(const struct conn *c, const struct model_opts *o,
			  bool live)
{
	struct model *a = model_new(NULL);

	passes(a, c, o, live);
	return a;
}

/* The row drawn for event i (an arrow's), from the newest. */
static size_t arrow_row_of(const struct model *a, size_t i)
{
	size_t k;

	for (k = a->nr; k-- > 0;)
		if (a->rows[k].kind == ROW_ARROW && a->rows[k].ev == i)
			return k;
	return NONE;
}

/*
 * Event n, the newest and the last in time, added to a model of the
 * events before it: what each pass would do with it, where that is
 * known to leave the earlier rows as a build would. False: build again.
 */
static bool model_add(struct model *a, size_t n)
{
	const struct conn *c = a->c;
	const struct conn_rec *r = ev_rec(a, n);
	size_t i, from = a->nr, added = a->nr, pair = NONE;
	size_t fin_row[2] = { a->fin_row[0], a->fin_row[1] };
	enum close_kind close = a->close;
	bool has_isn[2] = { a->has_isn[0], a->has_isn[1] };
	bool has_fin[2] = { a->has_fin[0], a->has_fin[1] };
	bool sim_open = a->sim_open;
	int closer_was = a->closer;
	bool renumbered;
	unsigned int col;

	if (changes_sides(a, n))
		return false;
	/* The rows point into c->ev, which may have moved (realloc()). */
	if (a->ev != c->ev) {
		for (i = 0; i < a->nr; i++)
			if (a->rows[i].kind == ROW_ARROW)
				a->rows[i].seg = &ev_rec(a, a->rows[i].seg_ev)->seg;
		for (col = 0; col < 2; col++)
			if (a->req_end[col])
				a->req_end[col] = ev_rec(a, a->req_end_ev[col]);
		a->ev = c->ev;
	}
	/* 2: as match_segments() would have matched it. */
	if (c->nr > a->match_cap) {
		a->match_cap = 2 * c->nr;
		a->match = xrealloc(a->match, a->match_cap, sizeof(*a->match));
	}
	a->match[n] = NONE;
	if (is_seg(r) && r->seg.dir == TCPSTATE_DIR_IN) {
		/* The latest earlier "out" of it not matched yet. */
		for (i = n; i-- > 0;)
			if (candidate(a, n, i, 1 - r->end))
				break;
		pair = i;
	} else if (is_seg(r)) {
		/* The first "in" of it still unmatched: its "out" came later. */
		for (i = 0; i < n; i++) {
			const struct conn_rec *in = ev_rec(a, i);

			if (a->match[i] == NONE && is_seg(in) &&
			    in->seg.dir == TCPSTATE_DIR_IN && candidate(a, i, n, 1 - in->end))
				break;
		}
		pair = i < n ? i : NONE;
	}
	if (pair != NONE) {
		a->match[n] = pair;
		a->match[pair] = n;
	}
	/* 2: x, y, u, w; a change relabels every row (notes quote them). */
	number_event(a, n);
	closer(a);
	renumbered = has_isn[0] != a->has_isn[0] || has_isn[1] != a->has_isn[1] ||
		     has_fin[0] != a->has_fin[0] || has_fin[1] != a->has_fin[1] ||
		     sim_open != a->sim_open || closer_was != a->closer;
	if (renumbered)
		from = 0;
	/* 3: the matched arrow's row is drawn again, with both ends. */
	if (pair != NONE) {
		size_t k = arrow_row_of(a, pair);

		if (k == NONE)
			return false;
		fill_arrow(a, &a->rows[k], pair);
		if (k < from)
			from = k;
	}
	event_rows(a, n);
	/* 4: the rows before those added as they were, unless x, y, u, w moved. */
	label_prepare(a, renumbered ? 0 : added);
	if (a->fin_row[0] != fin_row[0] || a->fin_row[1] != fin_row[1] ||
	    a->close != close || a->old_syn_done)
		from = 0;
	a->old_syn_done = false;
	label_rows(a, from);
	old_syn(a);
	/* verdicts(): the process of each side; c->task changes only so. */
	if (r->flags & TCPSTATE_F_TASK)
		processes(a);
	a->t_last = r->ts_ns;
	return true;
}

struct model *model_follow(struct model *a, const struct conn *c,
			   const struct model_opts *o)
{
	bool add = a && a->follow && a->c == c && o->rows_only &&
		   c->nr == a->nev + 1 && c->last_at == a->nev && a->nev &&
		   a->o.absolute == o->absolute;

	/* An event not kept (CONN_EVENTS_MAX) changes no row. */
	if (a && a->follow && a->c == c && c->nr == a->nev && a->ev == c->ev &&
	    a->traced[col_of(a, 0)] == c->end[0].seen &&
	    a->traced[col_of(a, 1)] == c->end[1].seen)
		return a;
	if (add && model_add(a, c->nr - 1)) {
		a->nev = c->nr;
		return a;
	}
	a = model_new(a);
	a->follow = true;
	passes(a, c, o, true);
	a->nev = c->nr;
	a->ev = c->ev;
	return a;
}

void model_free(struct model *a)
{
	if (!a)
		return;
	if (!spare) {
		spare = a;
		return;
	}
	free(a->snap);
	free(a->match);
	free(a->rows);
	free(a);
}

const struct endpoint *model_ep(const struct model *a, unsigned int col)
{
	return &a->c->ep[col ? 1 - a->left : a->left];
}

bool conn_reached(const struct conn *c, unsigned int state)
{
	struct model_opts o = { .absolute = true };
	struct model *a = model_build(c, &o, false);
	bool yes = false;
	size_t i;

	for (i = 0; i < a->nr && !yes; i++)
		yes = a->rows[i].kind == ROW_STATE && a->rows[i].state == state;
	yes |= a->init[0] == state || a->init[1] == state;
	model_free(a);
	return yes;
}

/* --- for the exporter (model.h) ------------------------------------------ */

enum open_failure model_open_failure(const struct model *a)
{
	if (a->open == OPEN_REFUSED)
		return OPEN_FAIL_REFUSED;
	if (a->open != OPEN_HALF || !a->c->complete)
		return OPEN_FAIL_NONE;
	if (a->rst[0] || a->rst[1] ||
	    (a->req_end[1] && a->req_end[1]->req.event == TCPSTATE_REQ_RESET))
		return OPEN_FAIL_RESET;
	return OPEN_FAIL_TIMEOUT;
}

const char *open_failure_name(enum open_failure f)
{
	switch (f) {
	case OPEN_FAIL_REFUSED:
		return "refused";
	case OPEN_FAIL_RESET:
		return "reset";
	case OPEN_FAIL_TIMEOUT:
		return "timeout";
	case OPEN_FAIL_NONE:
		break;
	}
	return NULL;
}

bool model_side_handshake(const struct model *a, unsigned int col, __u64 *ns)
{
	size_t i;

	if (col > 1 || a->sim_open || !a->traced[col] || !a->t_est[col])
		return false;
	/* The client's SYN leaves it; the server's arrives there. */
	for (i = 0; i < a->nr; i++) {
		const struct model_row *r = &a->rows[i];
		__u64 t = col == 0 ? r->sent : r->recvd;

		if (r->kind != ROW_ARROW || r->col != 0 ||
		    (r->seg->tcp_flags & (TCPSTATE_TH_SYN | TCPSTATE_TH_ACK)) !=
		    TCPSTATE_TH_SYN || !t)
			continue;
		if (t > a->t_est[col])
			return false;
		*ns = a->t_est[col] - t;
		return true;
	}
	return false;
}
