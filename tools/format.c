// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "format.h"
#include "names.h"
#include "outbuf.h"
#include "states.h"
#include "util.h"

/*
 * Text column widths. Any IPv4 endpoint ("255.255.255.255:65535") fits
 * ADDR_W, so IPv4 lines stay aligned; a longer IPv6 endpoint pushes the
 * columns after it rather than being cut, since a cut address is useless.
 */
#define TIME_W	14	/* "%7llu.%06llu": aligned for 115 days of uptime */
#define CPU_W	3
#define NETNS_W	10	/* any u32 */
#define PID_W	7	/* pid_max is at most 4194304 */
#define COMM_W	15	/* TASK_COMM_LEN - 1 */
#define ADDR_W	21

/* What to do about any version mismatch. */
#define SAME_TREE	"; build both from the same tree"

int info_validate(const struct tcpstate_info *info, char *err, size_t errlen)
{
	if (info->version != TCPSTATE_ABI_VERSION)
		return set_error(err, errlen,
				 "version mismatch: module speaks record version %u, this tool reads version %u" SAME_TREE,
				 info->version, TCPSTATE_ABI_VERSION);
	if (info->rec_size != sizeof(struct tcpstate_rec))
		return set_error(err, errlen,
				 "version mismatch: module writes %u-byte records, this tool reads %zu-byte records" SAME_TREE,
				 info->rec_size, sizeof(struct tcpstate_rec));
	return 0;
}

static bool has_task(const struct tcpstate_rec *rec)
{
	return rec->flags & TCPSTATE_F_TASK;
}

static bool is_timewait(const struct tcpstate_rec *rec)
{
	return rec->flags & TCPSTATE_F_TIMEWAIT;
}

/* Only a TIME_WAIT socket's end has a reason and a duration to show. */
static bool is_timewait_end(const struct tcpstate_rec *rec)
{
	return is_timewait(rec) && rec->state.new_state == TCPSTATE_CLOSE;
}

static size_t comm_len(const struct tcpstate_rec *rec)
{
	return strnlen(rec->comm, sizeof(rec->comm));
}

/* An address as inet_ntop() writes it, into b. */
static void ob_addr(struct outbuf *b, const struct tcpstate_rec *rec,
		    const __u8 *addr)
{
	/* rec_validate() let only AF_INET and AF_INET6 through. */
	b->len += ip_str(rec->family, addr, ob_room(b, IP_STR_MAX));
}

/* "%-*s" of addr_port_str(): the endpoint, left-aligned in ADDR_W. */
static void ob_endpoint(struct outbuf *b, const struct tcpstate_rec *rec,
			const __u8 *addr, unsigned int port)
{
	size_t start, n;

	ob_room(b, ADDR_PORT_MAX);
	start = b->len;
	if (rec->family == AF_INET6)
		b->buf[b->len++] = '[';
	b->len += ip_str(rec->family, addr, b->buf + b->len);
	if (rec->family == AF_INET6)
		b->buf[b->len++] = ']';
	b->buf[b->len++] = ':';
	b->len += u64_str(port, b->buf + b->len);
	n = b->len - start;
	if (n < ADDR_W)
		ob_spaces(b, ADDR_W - n);
}

/*
 * A namespace's number, ten digits, on every line: a capture has few
 * namespaces, so the last one's digits are kept rather than made again.
 */
static size_t netns_str(__u32 netns, char buf[U64_STR_MAX])
{
	static char last[U64_STR_MAX];
	static size_t last_len;
	static __u32 last_netns;

	if (!last_len || netns != last_netns) {
		last_len = u64_str(netns, last);
		last_netns = netns;
	}
	memcpy(buf, last, U64_STR_MAX);
	return last_len;
}

/* The columns from NETNS to REMOTE, and the space before the event. */
static void text_identity(struct outbuf *b, const struct tcpstate_rec *rec)
{
	char d[U64_STR_MAX];

	ob_right(b, d, netns_str(rec->netns, d), NETNS_W);
	ob_char(b, ' ');
	if (has_task(rec)) {
		char *comm;
		size_t i;

		ob_u64_right(b, rec->pid, PID_W);
		ob_char(b, ' ');
		/* comm_sanitize(), straight into the line. */
		comm = ob_room(b, sizeof(rec->comm));
		for (i = 0; i < sizeof(rec->comm) && rec->comm[i]; i++) {
			unsigned char c = (unsigned char)rec->comm[i];

			comm[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
		b->len += i;
		if (i < COMM_W)
			ob_spaces(b, COMM_W - i);
	} else {
		ob_right(b, "-", 1, PID_W);
		ob_char(b, ' ');
		ob_left(b, "-", 1, COMM_W);
	}
	ob_char(b, ' ');
	ob_endpoint(b, rec, rec->laddr, rec->lport);
	ob_lit(b, " -> ");
	ob_endpoint(b, rec, rec->raddr, rec->rport);
	ob_char(b, ' ');
}

static void text_duration(struct outbuf *b, unsigned long long ns)
{
	char buf[DURATION_MAX];

	ob_str(b, duration_str(ns, DURATION_COMPACT, buf));
}

/* "OLD -> NEW", then for the TIME_WAIT socket "[timewait]" and its end. */
static void text_state(struct outbuf *b, const struct tcpstate_rec *rec)
{
	const struct tcpstate_state *st = &rec->state;
	char buf[NAME_LABEL_MAX];

	ob_str(b, tcp_state_label(st->old_state, buf));
	ob_lit(b, " -> ");
	ob_str(b, tcp_state_label(st->new_state, buf));
	if (!is_timewait(rec))
		return;
	ob_lit(b, " [timewait]");
	if (!is_timewait_end(rec))
		return;
	ob_char(b, ' ');
	ob_str(b, name_label(&tw_reason_names, st->reason, buf));
	/* 0: the module did not see the birth, so the life is unknown. */
	if (st->duration_ns) {
		ob_lit(b, " after ");
		text_duration(b, st->duration_ns);
	}
}

/*
 * "in  SYN|ACK seq=N ack=N win=N len=N [request NEW_SYN_RECV]": the
 * direction first, padded so that the flags line up, as what tells segment
 * lines apart; RETRANS right after the flags, where the eye is; ack only
 * when the ACK flag makes it meaningful, as tcpdump does ("-" stands for
 * no flags at all); the socket kind and its state last, the state left out
 * when there is none (0).
 */
static void text_segment(struct outbuf *b, const struct tcpstate_rec *rec)
{
	const struct tcpstate_segment *seg = &rec->seg;
	char buf[NAME_LABEL_MAX], flags[TCP_FLAGS_MAX];
	const char *dir = name_label(&dir_names, seg->dir, buf);

	ob_left(b, dir, strlen(dir), 3);
	ob_char(b, ' ');
	tcp_flags_string(seg->tcp_flags, flags);
	ob_str(b, flags[0] ? flags : "-");
	if (seg->retrans)
		ob_lit(b, " RETRANS");
	ob_lit(b, " seq=");
	ob_u64(b, seg->seq);
	if (seg->tcp_flags & TCPSTATE_TH_ACK) {
		ob_lit(b, " ack=");
		ob_u64(b, seg->ack);
	}
	ob_lit(b, " win=");
	ob_u64(b, seg->win);
	ob_lit(b, " len=");
	ob_u64(b, seg->len);
	ob_lit(b, " [");
	ob_str(b, name_label(&sock_names, seg->sock, buf));
	if (seg->state) {
		ob_char(b, ' ');
		ob_str(b, tcp_state_label(seg->state, buf));
	}
	ob_char(b, ']');
}

/* What a request line shows after the event name: what that event tells. */
enum {
	REQ_NUM		= 1 << 0,	/* "#N": which retransmission this is */
	REQ_ISN		= 1 << 1,	/* isn=: our ISN, once chosen */
	REQ_PEER_ISN	= 1 << 2,	/* peer_isn=: the SYN's */
	REQ_RETRANS	= 1 << 3,	/* retrans=N, if there were any */
	REQ_AGE		= 1 << 4,	/* age=, if known */
	/* An event this tool has no name for: everything, to be safe. */
	REQ_UNKNOWN	= REQ_ISN | REQ_PEER_ISN | REQ_RETRANS | REQ_AGE,
};

static const unsigned char req_fields[] = {
	[TCPSTATE_REQ_CREATED]			= REQ_ISN | REQ_PEER_ISN,
	[TCPSTATE_REQ_SYNACK_RETRANS]		= REQ_NUM | REQ_AGE,
	[TCPSTATE_REQ_PROMOTED]			= REQ_RETRANS | REQ_AGE,
	[TCPSTATE_REQ_EXPIRED]			= REQ_RETRANS | REQ_AGE,
	[TCPSTATE_REQ_RESET]			= REQ_RETRANS | REQ_AGE,
	[TCPSTATE_REQ_ACCEPT_QUEUE_FULL]	= REQ_RETRANS | REQ_AGE,
	[TCPSTATE_REQ_DROPPED]			= REQ_RETRANS | REQ_AGE,
	[TCPSTATE_REQ_SYNCOOKIE_SENT]		= REQ_ISN | REQ_PEER_ISN,
	[TCPSTATE_REQ_SYNCOOKIE_ACCEPTED]	= REQ_ISN | REQ_PEER_ISN,
	/* Dropped before any SYN-ACK: we chose no ISN. */
	[TCPSTATE_REQ_SYN_DROPPED]		= REQ_PEER_ISN,
};

static unsigned int req_text_fields(unsigned int event)
{
	if (event < ARRAY_SIZE(req_fields) && req_fields[event])
		return req_fields[event];
	return REQ_UNKNOWN;
}

/* "request promoted retrans=1 age=1.234ms" */
static void text_request(struct outbuf *b, const struct tcpstate_rec *rec)
{
	const struct tcpstate_request *req = &rec->req;
	unsigned int fields = req_text_fields(req->event);
	char event[NAME_LABEL_MAX];

	ob_lit(b, "request ");
	ob_str(b, name_label(&req_event_names, req->event, event));
	if (fields & REQ_NUM) {
		ob_lit(b, " #");
		ob_u64(b, req->num_retrans);
	}
	if (fields & REQ_ISN) {
		ob_lit(b, " isn=");
		ob_u64(b, req->snt_isn);
	}
	if (fields & REQ_PEER_ISN) {
		ob_lit(b, " peer_isn=");
		ob_u64(b, req->rcv_isn);
	}
	if (fields & REQ_RETRANS && req->num_retrans) {
		ob_lit(b, " retrans=");
		ob_u64(b, req->num_retrans);
	}
	if (fields & REQ_AGE && req->age_ns) {
		ob_lit(b, " age=");
		text_duration(b, req->age_ns);
	}
}

static void text_lost(struct outbuf *b, const struct tcpstate_rec *rec)
{
	unsigned long long count = rec->lost.count;

	ob_lit(b, "*** ");
	ob_u64(b, count);
	ob_str(b, count == 1 ? " event" : " events");
	ob_lit(b, " lost here (ring buffer full) ***");
}

static void ob_json_string(struct outbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	ob_char(b, '"');
	while (i < len) {
		size_t n, j = i;
		unsigned int esc;

		/* A run of bytes that stand for themselves: one copy (a comm). */
		while (j < len && p[j] >= 0x20 && p[j] < 0x7f && p[j] != '"' && p[j] != '\\')
			j++;
		if (j > i) {
			ob_mem(b, p + i, j - i);
			i = j;
			continue;
		}
		n = p[i] < 0x80 ? 1 : utf8_len(p + i, len - i);

		/*
		 * A byte that is not UTF-8 (0x80-0xff) becomes the lone low
		 * surrogate U+DC80-U+DCFF, as Python's "surrogateescape":
		 * no UTF-8 text holds a surrogate, so this is lossless, and
		 * the output stays ASCII. Control bytes are their own code
		 * points.
		 */
		if (n == 0) {
			esc = 0xdc00 | p[i];
			n = 1;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			esc = p[i];
		} else if (p[i] == '"' || p[i] == '\\') {
			ob_char(b, '\\');
			ob_char(b, (char)p[i]);
			i += n;
			continue;
		} else {
			ob_mem(b, p + i, n);
			i += n;
			continue;
		}
		/* "\\u%04x" */
		ob_lit(b, "\\u");
		ob_char(b, hex[esc >> 12 & 0xf]);
		ob_char(b, hex[esc >> 8 & 0xf]);
		ob_char(b, hex[esc >> 4 & 0xf]);
		ob_char(b, hex[esc & 0xf]);
		i += n;
	}
	ob_char(b, '"');
}

void json_string(FILE *out, const char *s, size_t len)
{
	char buf[OUTBUF_MIN];
	struct outbuf b;

	ob_init(&b, out, buf, sizeof(buf));
	ob_json_string(&b, s, len);
	ob_flush(&b);
}

/* "cookie" .. "comm", each with its leading ',' */
static void json_identity(struct outbuf *b, const struct tcpstate_rec *rec)
{
	ob_lit(b, ",\"cookie\":");
	ob_u64(b, rec->cookie);
	ob_lit(b, ",\"netns\":");
	b->len += netns_str(rec->netns, ob_room(b, U64_STR_MAX));
	if (rec->family == AF_INET6)
		ob_lit(b, ",\"family\":\"ipv6\",\"laddr\":\"");
	else
		ob_lit(b, ",\"family\":\"ipv4\",\"laddr\":\"");
	ob_addr(b, rec, rec->laddr);
	ob_lit(b, "\",\"lport\":");
	ob_u64(b, rec->lport);
	ob_lit(b, ",\"raddr\":\"");
	ob_addr(b, rec, rec->raddr);
	ob_lit(b, "\",\"rport\":");
	ob_u64(b, rec->rport);
	if (has_task(rec)) {
		ob_lit(b, ",\"pid\":");
		ob_u64(b, rec->pid);
		ob_lit(b, ",\"comm\":");
		ob_json_string(b, rec->comm, comm_len(rec));
	} else {
		ob_lit(b, ",\"pid\":null,\"comm\":null");
	}
}

/*
 * Below, names come from the tables (names.c, states.c) or from
 * name_label(): letters, digits, '_' and '|' only, never needing escapes.
 */

static void json_state(struct outbuf *b, const struct tcpstate_rec *rec)
{
	const struct tcpstate_state *st = &rec->state;
	char buf[NAME_LABEL_MAX];

	ob_lit(b, ",\"old\":\"");
	ob_str(b, tcp_state_label(st->old_state, buf));
	ob_lit(b, "\",\"new\":\"");
	ob_str(b, tcp_state_label(st->new_state, buf));
	if (is_timewait(rec))
		ob_lit(b, "\",\"timewait\":true");
	else
		ob_lit(b, "\",\"timewait\":false");
	if (is_timewait_end(rec)) {
		ob_lit(b, ",\"reason\":\"");
		ob_str(b, name_label(&tw_reason_names, st->reason, buf));
		ob_lit(b, "\",\"duration_ns\":");
		ob_u64(b, st->duration_ns);
	}
}

static void json_segment(struct outbuf *b, const struct tcpstate_rec *rec)
{
	const struct tcpstate_segment *seg = &rec->seg;
	char buf[NAME_LABEL_MAX], flags[TCP_FLAGS_MAX];

	ob_lit(b, ",\"dir\":\"");
	ob_str(b, name_label(&dir_names, seg->dir, buf));
	ob_lit(b, "\",\"flags\":\"");
	ob_str(b, tcp_flags_string(seg->tcp_flags, flags));
	ob_lit(b, "\",\"seq\":");
	ob_u64(b, seg->seq);
	ob_lit(b, ",\"ack\":");
	ob_u64(b, seg->ack);
	ob_lit(b, ",\"win\":");
	ob_u64(b, seg->win);
	ob_lit(b, ",\"len\":");
	ob_u64(b, seg->len);
	if (seg->retrans)
		ob_lit(b, ",\"retrans\":true,\"sock\":\"");
	else
		ob_lit(b, ",\"retrans\":false,\"sock\":\"");
	ob_str(b, name_label(&sock_names, seg->sock, buf));
	/* 0: no socket, or one without a state; not a state to name. */
	if (seg->state) {
		ob_lit(b, "\",\"state\":\"");
		ob_str(b, tcp_state_label(seg->state, buf));
		ob_char(b, '"');
	} else {
		ob_lit(b, "\",\"state\":null");
	}
	/*
	 * SYN, FIN and RST are control by their flags; an ACK the module
	 * counted as control (handshake, FIN) says so: dump -r --kinds
	 * then selects what the live filter did.
	 */
	if ((rec->flags & TCPSTATE_F_CONTROL) &&
	    !(seg->tcp_flags & (TCPSTATE_TH_SYN | TCPSTATE_TH_FIN | TCPSTATE_TH_RST)))
		ob_lit(b, ",\"control\":true");
}

static void json_request(struct outbuf *b, const struct tcpstate_rec *rec)
{
	const struct tcpstate_request *req = &rec->req;
	char event[NAME_LABEL_MAX];

	ob_lit(b, ",\"event\":\"");
	ob_str(b, name_label(&req_event_names, req->event, event));
	ob_lit(b, "\",\"num_retrans\":");
	ob_u64(b, req->num_retrans);
	ob_lit(b, ",\"age_ns\":");
	ob_u64(b, req->age_ns);
	ob_lit(b, ",\"snt_isn\":");
	ob_u64(b, req->snt_isn);
	ob_lit(b, ",\"rcv_isn\":");
	ob_u64(b, req->rcv_isn);
}

static void json_lost(struct outbuf *b, const struct tcpstate_rec *rec)
{
	ob_lit(b, ",\"count\":");
	ob_u64(b, rec->lost.count);
}

/* How each record type is checked and printed, indexed by type. */
struct rec_kind {
	const char *name;	/* JSON "type"; NULL: not a type */
	bool tuple;		/* about a socket: family, tuple, cookie, task */
	/* The text after the identity columns (after CPU if !tuple). */
	void (*text)(struct outbuf *b, const struct tcpstate_rec *rec);
	/* The JSON members after the identity, each with its leading ','. */
	void (*json)(struct outbuf *b, const struct tcpstate_rec *rec);
};

static const struct rec_kind rec_kinds[] = {
	[TCPSTATE_REC_STATE]	= { "state", true, text_state, json_state },
	[TCPSTATE_REC_LOST]	= { "lost", false, text_lost, json_lost },
	[TCPSTATE_REC_SEGMENT]	= { "segment", true, text_segment, json_segment },
	[TCPSTATE_REC_REQUEST]	= { "request", true, text_request, json_request },
};

/* NULL for a type this tool does not know. */
static const struct rec_kind *rec_kind(unsigned int type)
{
	if (type < ARRAY_SIZE(rec_kinds) && rec_kinds[type].name)
		return &rec_kinds[type];
	return NULL;
}

int rec_validate(const struct tcpstate_rec *rec, char *err, size_t errlen)
{
	const struct rec_kind *kind;

	/* The version decides the layout, so it is checked before any field. */
	if (rec->version != TCPSTATE_ABI_VERSION)
		return set_error(err, errlen,
				 "version mismatch: record has version %u, this tool reads version %u" SAME_TREE,
				 rec->version, TCPSTATE_ABI_VERSION);
	if (rec->size != sizeof(*rec))
		return set_error(err, errlen, "bad record: size %u, expected %zu",
				 rec->size, sizeof(*rec));
	/*
	 * A new type needs a new version, so an unknown one at this version is
	 * a corrupt record: no guessing at its layout.
	 */
	kind = rec_kind(rec->type);
	if (!kind)
		return set_error(err, errlen, "bad record: unknown type %u",
				 rec->type);
	/* inet_ntop() and the JSON "family" know only these two. */
	if (kind->tuple && rec->family != AF_INET && rec->family != AF_INET6)
		return set_error(err, errlen,
				 "bad record: unknown address family %u",
				 rec->family);
	return 0;
}

#define WALL_W	27	/* "2026-12-03T19:43:40.123456Z" */

#define MS_W	10

void format_text_header_t(FILE *out, const struct time_fmt *t)
{
	int w = t->mode == TIME_WALL ? WALL_W : TIME_W;

	fprintf(out, "%*s %*s %*s %*s %-*s %-*s    %-*s ",
		w, t->mode == TIME_WALL ? "TIME (UTC)" : "TIME", CPU_W, "CPU",
		NETNS_W, "NETNS", PID_W, "PID",
		COMM_W, "COMM", ADDR_W, "LOCAL", ADDR_W, "REMOTE");
	if (t->ms)
		fprintf(out, "%*s ", MS_W, "MS");
	fputs("EVENT\n", out);
}

void state_times_free(struct state_times *st)
{
	free(st->slots);
	st->slots = NULL;
	st->cap = st->used = 0;
}

static struct state_time *state_slot(struct state_times *st, __u32 netns,
				     __u64 cookie, bool tw)
{
	size_t i = (size_t)((cookie * 0x9e3779b97f4a7c15ULL) ^ netns ^ tw) &
		   (st->cap - 1);

	while (st->slots[i].cookie &&
	       (st->slots[i].cookie != cookie || st->slots[i].netns != netns ||
		st->slots[i].tw != tw))
		i = (i + 1) & (st->cap - 1);
	return &st->slots[i];
}

/* ns since the previous state change of rec's cookie; -1: none seen. */
static long long state_since(struct state_times *st,
			     const struct tcpstate_rec *rec)
{
	bool tw = rec->flags & TCPSTATE_F_TIMEWAIT;
	struct state_time *slot, *prev;
	long long since = -1;

	if (rec->type != TCPSTATE_REC_STATE || !rec->cookie)
		return -1;
	if (st->used >= STATE_TIMES_MAX)
		state_times_free(st);
	if ((st->used + 1) * 2 > st->cap) {
		struct state_times grown = { .cap = st->cap ? 2 * st->cap : 1024 };
		size_t i;

		grown.slots = xcalloc(grown.cap, sizeof(*grown.slots));
		for (i = 0; i < st->cap; i++)
			if (st->slots[i].cookie)
				*state_slot(&grown, st->slots[i].netns,
					    st->slots[i].cookie,
					    st->slots[i].tw) = st->slots[i];
		grown.used = st->used;
		free(st->slots);
		*st = grown;
	}
	slot = state_slot(st, rec->netns, rec->cookie, tw);
	/* A TIME_WAIT socket's birth: since its full socket's last change. */
	prev = slot->cookie || !tw ? slot :
	       state_slot(st, rec->netns, rec->cookie, false);
	if (prev->cookie && rec->ts_ns >= prev->ts)
		since = (long long)(rec->ts_ns - prev->ts);
	if (!slot->cookie)
		st->used++;
	slot->netns = rec->netns;
	slot->cookie = rec->cookie;
	slot->tw = tw;
	slot->ts = rec->ts_ns;
	return since;
}

void format_text_header(FILE *out)
{
	const struct time_fmt t = { .mode = TIME_MONO };

	format_text_header_t(out, &t);
}

const char *time_str(const struct time_fmt *t, unsigned long long ts,
		     char buf[TIME_STR_MAX])
{
	long long utc;
	struct tm tm;
	time_t secs;

	switch (t->mode) {
	case TIME_WALL:
		utc = (long long)ts + t->mono_to_utc;
		secs = (time_t)(utc / (long long)NSEC_PER_SEC);
		if (utc >= 0 && gmtime_r(&secs, &tm))
			snprintf(buf, TIME_STR_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%06lluZ",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec,
				 (unsigned long long)utc % NSEC_PER_SEC / NSEC_PER_USEC);
		else
			snprintf(buf, TIME_STR_MAX, "?");
		return buf;
	case TIME_REL:
		ts = t->has_base && ts >= t->base ? ts - t->base : 0;
		break;
	case TIME_MONO:
		break;
	}
	/* Seconds.microseconds, the way ftrace shows CLOCK_MONOTONIC. */
	usec_str(ts, buf);
	return buf;
}

static void text_time(struct outbuf *b, const struct tcpstate_rec *rec,
		      struct time_fmt *t)
{
	unsigned long long ts = rec->ts_ns, usec;
	char buf[TIME_STR_MAX];
	size_t n, i;

	/* dump's TIME_REL: since the first record shown. */
	if (t->mode == TIME_REL && !t->has_base) {
		t->has_base = true;
		t->base = rec->ts_ns;
	}
	if (t->mode == TIME_WALL) {
		time_str(t, ts, buf);
		ob_right(b, buf, strlen(buf), WALL_W);
		return;
	}
	/* time_str()'s "%llu.%06llu", right-aligned in TIME_W. */
	if (t->mode == TIME_REL)
		ts = t->has_base && ts >= t->base ? ts - t->base : 0;
	n = u64_str(ts / NSEC_PER_SEC, buf);
	buf[n++] = '.';
	usec = ts % NSEC_PER_SEC / NSEC_PER_USEC;
	for (i = 6; i-- > 0; usec /= 10)
		buf[n + i] = (char)('0' + usec % 10);
	ob_right(b, buf, n + 6, TIME_W);
}

void format_text_ob(struct outbuf *ob, const struct tcpstate_rec *rec,
		    struct time_fmt *t)
{
	const struct rec_kind *kind = rec_kind(rec->type);
	struct outbuf b = *ob;	/* a copy the compiler keeps in registers */

	text_time(&b, rec, t);
	ob_char(&b, ' ');
	ob_u64_right(&b, rec->cpu, CPU_W);
	ob_char(&b, ' ');
	if (kind->tuple)
		text_identity(&b, rec);
	if (t->ms && kind->tuple) {
		long long since = state_since(t->ms, rec);

		if (since < 0) {
			ob_right(&b, "-", 1, MS_W);
		} else {
			ob_u64_right(&b, (unsigned long long)since / NSEC_PER_MSEC,
				     MS_W - 4);
			ob_char(&b, '.');
			ob_u64_zero(&b, (unsigned long long)since % NSEC_PER_MSEC /
					NSEC_PER_USEC, 3);
		}
		ob_char(&b, ' ');
	}
	kind->text(&b, rec);
	ob_char(&b, '\n');
	*ob = b;
}

void format_text_t(FILE *out, const struct tcpstate_rec *rec,
		   struct time_fmt *t)
{
	char buf[OUTBUF_MIN];
	struct outbuf b;

	ob_init(&b, out, buf, sizeof(buf));
	format_text_ob(&b, rec, t);
	ob_flush(&b);
}

void format_text(FILE *out, const struct tcpstate_rec *rec)
{
	struct time_fmt t = { .mode = TIME_MONO };

	format_text_t(out, rec, &t);
}

void format_json_clock(FILE *out, unsigned long long mono_ns,
		       unsigned long long utc_ns)
{
	fprintf(out, "{\"ts\":%llu,\"type\":\"clock\",\"utc_ns\":%llu}\n",
		mono_ns, utc_ns);
}

void format_json_ob(struct outbuf *ob, const struct tcpstate_rec *rec)
{
	const struct rec_kind *kind = rec_kind(rec->type);
	struct outbuf b = *ob;

	ob_lit(&b, "{\"ts\":");
	ob_u64(&b, rec->ts_ns);
	ob_lit(&b, ",\"cpu\":");
	ob_u64(&b, rec->cpu);
	ob_lit(&b, ",\"type\":\"");
	ob_str(&b, kind->name);
	ob_char(&b, '"');
	if (kind->tuple)
		json_identity(&b, rec);
	kind->json(&b, rec);
	ob_lit(&b, "}\n");
	*ob = b;
}

void format_json(FILE *out, const struct tcpstate_rec *rec)
{
	char buf[OUTBUF_MIN];
	struct outbuf b;

	ob_init(&b, out, buf, sizeof(buf));
	format_json_ob(&b, rec);
	ob_flush(&b);
}
