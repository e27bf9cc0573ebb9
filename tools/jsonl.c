// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "i18n.h"
#include "jsonl.h"
#include "names.h"
#include "states.h"
#include "util.h"

/* The members a record can have, each at most once. */
enum field {
	F_TS, F_CPU, F_TYPE,
	F_COOKIE, F_NETNS, F_FAMILY, F_LADDR, F_LPORT, F_RADDR, F_RPORT,
	F_PID, F_COMM,
	F_OLD, F_NEW, F_TIMEWAIT, F_REASON, F_DURATION,
	F_DIR, F_FLAGS, F_SEQ, F_ACK, F_WIN, F_LEN, F_RETRANS, F_SOCK, F_STATE,
	F_CONTROL,	/* after state, as written */
	F_EVENT, F_NUM_RETRANS, F_AGE, F_SNT_ISN, F_RCV_ISN,
	F_COUNT,
	F_UTC,
	F_NR
};

static const char *const field_names[F_NR] = {
	[F_TS] = "ts", [F_CPU] = "cpu", [F_TYPE] = "type",
	[F_COOKIE] = "cookie", [F_NETNS] = "netns", [F_FAMILY] = "family",
	[F_LADDR] = "laddr", [F_LPORT] = "lport", [F_RADDR] = "raddr",
	[F_RPORT] = "rport", [F_PID] = "pid", [F_COMM] = "comm",
	[F_OLD] = "old", [F_NEW] = "new", [F_TIMEWAIT] = "timewait",
	[F_REASON] = "reason", [F_DURATION] = "duration_ns",
	[F_DIR] = "dir", [F_FLAGS] = "flags", [F_SEQ] = "seq", [F_ACK] = "ack",
	[F_WIN] = "win", [F_LEN] = "len", [F_RETRANS] = "retrans",
	[F_CONTROL] = "control",
	[F_SOCK] = "sock", [F_STATE] = "state",
	[F_EVENT] = "event", [F_NUM_RETRANS] = "num_retrans",
	[F_AGE] = "age_ns", [F_SNT_ISN] = "snt_isn", [F_RCV_ISN] = "rcv_isn",
	[F_COUNT] = "count", [F_UTC] = "utc_ns",
};

#define BIT(f)		(1ULL << (f))
#define COMMON		(BIT(F_TS) | BIT(F_CPU) | BIT(F_TYPE))
#define IDENTITY	(BIT(F_COOKIE) | BIT(F_NETNS) | BIT(F_FAMILY) | \
			 BIT(F_LADDR) | BIT(F_LPORT) | BIT(F_RADDR) | \
			 BIT(F_RPORT) | BIT(F_PID) | BIT(F_COMM))
#define TW_END		(BIT(F_REASON) | BIT(F_DURATION))

/* The members of each type, as format_json() writes them. */
static const struct {
	const char *name;
	unsigned long long fields;	/* a state's TW_END only at its end */
} types[] = {
	[TCPSTATE_REC_STATE] = { "state", COMMON | IDENTITY | BIT(F_OLD) |
				 BIT(F_NEW) | BIT(F_TIMEWAIT) },
	[TCPSTATE_REC_LOST] = { "lost", COMMON | BIT(F_COUNT) },
	[TCPSTATE_REC_SEGMENT] = { "segment", COMMON | IDENTITY | BIT(F_DIR) |
				   BIT(F_FLAGS) | BIT(F_SEQ) | BIT(F_ACK) |
				   BIT(F_WIN) | BIT(F_LEN) | BIT(F_RETRANS) |
				   BIT(F_SOCK) | BIT(F_STATE) },
	[TCPSTATE_REC_REQUEST] = { "request", COMMON | IDENTITY | BIT(F_EVENT) |
				   BIT(F_NUM_RETRANS) | BIT(F_AGE) |
				   BIT(F_SNT_ISN) | BIT(F_RCV_ISN) },
};

/* Longer than any string a record holds (an IPv6 address: 45). */
#define STR_MAX 64

enum kind { V_UINT, V_STRING, V_TRUE, V_FALSE, V_NULL };

static const char *const kind_names[] = {
	[V_UINT] = N_("an integer"), [V_STRING] = N_("a string"), [V_TRUE] = "true",
	[V_FALSE] = "false", [V_NULL] = "null",
};

struct value {
	enum kind kind;
	size_t col;			/* 1-based, where the value starts */
	unsigned long long u;		/* V_UINT */
	char s[STR_MAX + 1];		/* V_STRING, NUL-terminated */
	size_t len;			/* V_STRING: bytes in s (no NUL inside) */
};

/* A clock line's values (format_json_clock()). */
struct clock_line {
	bool seen;
	unsigned long long mono, utc;
};

struct parser {
	const char *p, *end, *start;
	struct clock_line *clock;	/* NULL: a clock line is an error */
	struct value v[F_NR];
	size_t key_col[F_NR];		/* where each member's name starts */
	unsigned long long seen;	/* BIT(field) of each member read */
	enum field last;		/* the member read last (-1: none) */
	char *err;
	size_t errlen;
};

static size_t col(const struct parser *ps, const char *at)
{
	return (size_t)(at - ps->start) + 1;
}

__attribute__((format(printf, 3, 4)))
static int fail_at(struct parser *ps, size_t column, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	/* fmt: a literal (xgettext's keyword fail_at:3), translated here. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), _(fmt), ap);
	va_end(ap);
	return set_error(ps->err, ps->errlen, _("column %zu: %s"), column, msg);
}

/* What is at p, for "expected X, found Y" messages. */
static const char *found(const struct parser *ps)
{
	if (ps->p == ps->end)
		return _("the end of the line");
	switch (*ps->p) {
	case '"': return _("a string");
	case '{': return "'{'";
	case '}': return "'}'";
	case '[': return _("an array");
	case ':': return "':'";
	case ',': return "','";
	case '-': return _("a negative number");
	default: return _("something else");
	}
}

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
}

static int expect(struct parser *ps, char c, const char *what)
{
	skip_blanks(ps);
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return 0;
	}
	/* what: a literal (xgettext's keyword expect:3). */
	return fail_at(ps, col(ps, ps->p), "expected %s, found %s", _(what),
		       found(ps));
}

static int hex4(struct parser *ps, unsigned int *cp)
{
	unsigned int v = 0;
	int i;

	if (ps->end - ps->p < 4)
		return fail_at(ps, col(ps, ps->p), "\\u needs four hex digits");
	for (i = 0; i < 4; i++) {
		char c = ps->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else
			return fail_at(ps, col(ps, ps->p + i),
				       "\\u needs four hex digits");
	}
	ps->p += 4;
	*cp = v;
	return 0;
}

static int put_bytes(struct parser *ps, struct value *v, const void *b,
		     size_t n, const char *at)
{
	if (v->len + n > STR_MAX)
		return fail_at(ps, col(ps, at), "string longer than %d bytes",
			       STR_MAX);
	memcpy(v->s + v->len, b, n);
	v->len += n;
	return 0;
}

/*
 * A code point as UTF-8 (standard JSON: "caf\u00e9" is "café"). The one
 * exception is json_string()'s escape of a byte that is not UTF-8: a lone
 * low surrogate U+DC80..U+DCFF is that byte (format.h).
 */
static int put_code_point(struct parser *ps, struct value *v, unsigned int cp,
			  const char *at)
{
	unsigned char b[4];
	size_t n;

	if (cp == 0)
		return fail_at(ps, col(ps, at), "\\u0000 in a string");
	if (cp >= 0xdc80 && cp <= 0xdcff) {
		b[0] = (unsigned char)(cp & 0xff), n = 1;
	} else if (cp < 0x80) {
		b[0] = (unsigned char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f)), n = 4;
	}
	return put_bytes(ps, v, b, n, at);
}

static int escape(struct parser *ps, struct value *v)
{
	const char *at = ps->p - 1;	/* the backslash */
	unsigned int cp, lo;
	char c;

	if (ps->p == ps->end)
		return fail_at(ps, col(ps, at), "string not terminated");
	c = *ps->p++;
	switch (c) {
	case '"': case '\\': case '/':
		return put_bytes(ps, v, &c, 1, at);
	case 'b': return put_bytes(ps, v, "\b", 1, at);
	case 'f': return put_bytes(ps, v, "\f", 1, at);
	case 'n': return put_bytes(ps, v, "\n", 1, at);
	case 'r': return put_bytes(ps, v, "\r", 1, at);
	case 't': return put_bytes(ps, v, "\t", 1, at);
	case 'u':
		break;
	default:
		return fail_at(ps, col(ps, at), "unknown escape '\\%c'",
			       c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (hex4(ps, &cp))
		return -1;
	if ((cp >= 0xdc00 && cp < 0xdc80) || (cp > 0xdcff && cp <= 0xdfff))
		return fail_at(ps, col(ps, at),
			       "lone low surrogate \\u%04x (only \\udc80-\\udcff, a byte that is not UTF-8)",
			       cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return fail_at(ps, col(ps, at),
				       "high surrogate \\u%04x without its low half",
				       cp);
		ps->p += 2;
		if (hex4(ps, &lo))
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail_at(ps, col(ps, at),
				       "high surrogate \\u%04x without its low half",
				       cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return put_code_point(ps, v, cp, at);
}

/* A string starting at the '"' at p. */
static int string(struct parser *ps, struct value *v)
{
	const char *open = ps->p++, *q;

	v->kind = V_STRING;
	v->len = 0;
	/*
	 * What every string of a dump is: printable ASCII, no escape, short.
	 * Copied at once; anything else (and every error) takes the careful
	 * way below from the start, so its messages are the same.
	 */
	for (q = ps->p; q < ps->end && q - ps->p <= STR_MAX; q++) {
		unsigned char c = (unsigned char)*q;

		if (c == '"') {
			v->len = (size_t)(q - ps->p);
			memcpy(v->s, ps->p, v->len);
			v->s[v->len] = '\0';
			ps->p = q + 1;
			return 0;
		}
		if (c == '\\' || c < 0x20 || c >= 0x80)
			break;
	}
	for (;;) {
		unsigned char c;
		size_t n;

		if (ps->p == ps->end)
			return fail_at(ps, col(ps, open), "string not terminated");
		c = (unsigned char)*ps->p;
		if (c == '"')
			break;
		if (c == '\\') {
			ps->p++;
			if (escape(ps, v))
				return -1;
			continue;
		}
		if (c < 0x20)
			return fail_at(ps, col(ps, ps->p),
				       "control character 0x%02x in a string", c);
		n = utf8_len((const unsigned char *)ps->p,
			     (size_t)(ps->end - ps->p));
		if (n == 0)
			return fail_at(ps, col(ps, ps->p),
				       "bytes that are not UTF-8 in a string");
		if (put_bytes(ps, v, ps->p, n, ps->p))
			return -1;
		ps->p += n;
	}
	ps->p++;
	v->s[v->len] = '\0';
	return 0;
}

static int number(struct parser *ps, struct value *v)
{
	const char *start = ps->p;
	unsigned long long u = 0;

	if (*ps->p == '0' && ps->p + 1 < ps->end && ps->p[1] >= '0' &&
	    ps->p[1] <= '9')
		return fail_at(ps, col(ps, start), "number with a leading zero");
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		unsigned int d = (unsigned int)(*ps->p - '0');

		if (u > (ULLONG_MAX - d) / 10)
			return fail_at(ps, col(ps, start),
				       "number larger than 64 bits");
		u = u * 10 + d;
		ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
		return fail_at(ps, col(ps, start),
			       "expected an unsigned integer, found a fraction or exponent");
	v->kind = V_UINT;
	v->u = u;
	return 0;
}

static int word(struct parser *ps, struct value *v, const char *w,
		enum kind kind)
{
	size_t n = strlen(w);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return fail_at(ps, col(ps, ps->p),
			       "expected a value (an unsigned integer, a string, true, false or null)");
	ps->p += n;
	v->kind = kind;
	return 0;
}

static int value(struct parser *ps, struct value *v)
{
	skip_blanks(ps);
	v->col = col(ps, ps->p);
	if (ps->p == ps->end)
		return fail_at(ps, v->col, "expected a value, found %s",
			       found(ps));
	switch (*ps->p) {
	case '"': return string(ps, v);
	case 't': return word(ps, v, "true", V_TRUE);
	case 'f': return word(ps, v, "false", V_FALSE);
	case 'n': return word(ps, v, "null", V_NULL);
	case '{': case '[':
		return fail_at(ps, v->col,
			       "nested %s: a record's members are flat",
			       *ps->p == '{' ? _("object") : _("array"));
	}
	if (*ps->p >= '0' && *ps->p <= '9')
		return number(ps, v);
	if (*ps->p == '-')
		return fail_at(ps, v->col,
			       "expected an unsigned integer, found a negative number");
	return fail_at(ps, v->col,
		       "expected a value (an unsigned integer, a string, true, false or null)");
}

/* One "name":value; the name must be a member some record has. */
static int member(struct parser *ps)
{
	struct value key;
	enum field f;

	skip_blanks(ps);
	key.col = col(ps, ps->p);
	if (ps->p == ps->end || *ps->p != '"')
		return fail_at(ps, key.col, "expected a member name, found %s",
			       found(ps));
	if (string(ps, &key))
		return -1;
	/* format_json() writes them in enum order: try the next one first. */
	f = ps->last + 1 < F_NR ? ps->last + 1 : 0;
	if (strcmp(key.s, field_names[f]) != 0)
		for (f = 0; f < F_NR; f++)
			if (key.s[0] == field_names[f][0] &&
			    strcmp(key.s, field_names[f]) == 0)
				break;
	if (f == F_NR)
		return fail_at(ps, key.col, "unknown member \"%.*s\"",
			       (int)strcspn(key.s, "\"\\"), key.s);
	if (ps->seen & BIT(f))
		return fail_at(ps, key.col, "member \"%s\" appears twice",
			       field_names[f]);
	ps->key_col[f] = key.col;
	ps->last = f;
	if (expect(ps, ':', "':' after the member name"))
		return -1;
	if (value(ps, &ps->v[f]))
		return -1;
	ps->seen |= BIT(f);
	return 0;
}

static int object(struct parser *ps)
{
	skip_blanks(ps);
	if (ps->p == ps->end || *ps->p != '{')
		return fail_at(ps, col(ps, ps->p),
			       "expected '{': not a line of `tcpstate dump --json`");
	ps->p++;
	skip_blanks(ps);
	if (ps->p < ps->end && *ps->p == '}')
		return fail_at(ps, col(ps, ps->p), "empty object");
	for (;;) {
		if (member(ps))
			return -1;
		skip_blanks(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (expect(ps, '}', "',' or '}' after a member"))
			return -1;
		break;
	}
	skip_blanks(ps);
	if (ps->p != ps->end)
		return fail_at(ps, col(ps, ps->p),
			       "text after the object's closing '}'");
	return 0;
}

/* --- members -> record ---------------------------------------------------- */

static int wrong_kind(struct parser *ps, enum field f, const char *want)
{
	/* want: a literal (xgettext's keyword wrong_kind:3). */
	return fail_at(ps, ps->v[f].col, "\"%s\" must be %s, not %s",
		       field_names[f], _(want), _(kind_names[ps->v[f].kind]));
}

static int get_uint(struct parser *ps, enum field f, unsigned long long max,
		    unsigned long long *out)
{
	const struct value *v = &ps->v[f];

	if (v->kind != V_UINT)
		return wrong_kind(ps, f, "an unsigned integer");
	if (v->u > max)
		return fail_at(ps, v->col, "\"%s\" is %llu, more than %llu",
			       field_names[f], v->u, max);
	*out = v->u;
	return 0;
}

#define GET_UINT(ps, f, dst) ({						\
	unsigned long long _u = 0;					\
	int _rc = get_uint(ps, f, (__typeof__(dst))~0ULL, &_u);		\
	(dst) = (__typeof__(dst))_u;					\
	_rc; })

static int get_bool(struct parser *ps, enum field f, bool *out)
{
	if (ps->v[f].kind != V_TRUE && ps->v[f].kind != V_FALSE)
		return wrong_kind(ps, f, "true or false");
	*out = ps->v[f].kind == V_TRUE;
	return 0;
}

static const struct value *get_string(struct parser *ps, enum field f)
{
	if (ps->v[f].kind != V_STRING) {
		wrong_kind(ps, f, "a string");
		return NULL;
	}
	return &ps->v[f];
}

static int bad_name(struct parser *ps, enum field f, const char *what)
{
	/* what: a literal (xgettext's keyword bad_name:3). */
	return fail_at(ps, ps->v[f].col, "\"%s\": \"%.*s\" is not %s",
		       field_names[f], (int)strcspn(ps->v[f].s, "\"\\"),
		       ps->v[f].s, _(what));
}

static int get_name(struct parser *ps, enum field f,
		    const struct name_table *t, __u8 *out)
{
	const struct value *v = get_string(ps, f);
	unsigned int n;

	if (!v)
		return -1;
	if (!name_parse(t, v->s, v->len, 255, &n))
		return bad_name(ps, f, "a name this tool knows");
	*out = (__u8)n;
	return 0;
}

static int get_state(struct parser *ps, enum field f, __u8 *out)
{
	const struct value *v = get_string(ps, f);
	unsigned int n;

	if (!v)
		return -1;
	if (!tcp_state_parse(v->s, v->len, &n))
		return bad_name(ps, f, "a TCP state");
	*out = (__u8)n;
	return 0;
}

/* glibc's inet_pton(AF_INET, ...), the same answers, without the call. */
static bool ipv4_parse(const char *s, __u8 out[4])
{
	unsigned int octet = 0, octets = 0;
	bool digit = false;
	__u8 tmp[4] = { 0 };

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			unsigned int n = octet * 10 + (unsigned int)(*s - '0');

			if ((digit && octet == 0) || n > 255)
				return false;	/* a leading zero; too large */
			octet = n;
			if (!digit) {
				if (++octets > 4)
					return false;
				digit = true;
			}
			tmp[octets - 1] = (__u8)octet;
		} else if (*s == '.' && digit) {
			if (octets == 4)
				return false;
			octet = 0;
			digit = false;
		} else {
			return false;
		}
	}
	if (octets < 4)
		return false;
	memcpy(out, tmp, 4);
	return true;
}

static int get_addr(struct parser *ps, enum field f, int family, __u8 *out)
{
	const struct value *v = get_string(ps, f);

	if (!v)
		return -1;
	if (family == AF_INET ? !ipv4_parse(v->s, out) :
	    inet_pton(family, v->s, out) != 1)
		return bad_name(ps, f, family == AF_INET ? N_("an IPv4 address")
							 : N_("an IPv6 address"));
	return 0;
}

static int identity(struct parser *ps, struct tcpstate_rec *rec)
{
	const struct value *family, *comm;
	int af;

	if (GET_UINT(ps, F_COOKIE, rec->cookie) ||
	    GET_UINT(ps, F_NETNS, rec->netns) ||
	    GET_UINT(ps, F_LPORT, rec->lport) ||
	    GET_UINT(ps, F_RPORT, rec->rport))
		return -1;
	family = get_string(ps, F_FAMILY);
	if (!family)
		return -1;
	if (strcmp(family->s, "ipv4") == 0)
		af = AF_INET;
	else if (strcmp(family->s, "ipv6") == 0)
		af = AF_INET6;
	else
		return bad_name(ps, F_FAMILY, "\"ipv4\" or \"ipv6\"");
	rec->family = (__u16)af;
	if (get_addr(ps, F_LADDR, af, rec->laddr) ||
	    get_addr(ps, F_RADDR, af, rec->raddr))
		return -1;

	/* Both null (no process context), or both given. */
	if (ps->v[F_PID].kind == V_NULL) {
		if (ps->v[F_COMM].kind != V_NULL)
			return fail_at(ps, ps->v[F_COMM].col,
				       "\"comm\" must be null when \"pid\" is");
		return 0;
	}
	if (GET_UINT(ps, F_PID, rec->pid))
		return -1;
	if (ps->v[F_COMM].kind == V_NULL)
		return fail_at(ps, ps->v[F_COMM].col,
			       "\"comm\" is null but \"pid\" is not");
	comm = get_string(ps, F_COMM);
	if (!comm)
		return -1;
	/* 16 bytes without a NUL is what a corrupt record may hold. */
	if (comm->len > sizeof(rec->comm))
		return fail_at(ps, comm->col, "\"comm\" longer than %zu bytes",
			       sizeof(rec->comm));
	memcpy(rec->comm, comm->s, comm->len);
	rec->flags |= TCPSTATE_F_TASK;
	return 0;
}

static int state_members(struct parser *ps, struct tcpstate_rec *rec)
{
	struct tcpstate_state *st = &rec->state;
	bool timewait = false;

	if (get_state(ps, F_OLD, &st->old_state) ||
	    get_state(ps, F_NEW, &st->new_state) ||
	    get_bool(ps, F_TIMEWAIT, &timewait))
		return -1;
	if (timewait)
		rec->flags |= TCPSTATE_F_TIMEWAIT;
	/* format_json() writes these for a TIME_WAIT socket's end only. */
	if (!(timewait && st->new_state == TCPSTATE_CLOSE))
		return 0;
	return get_name(ps, F_REASON, &tw_reason_names, &st->reason) ||
	       GET_UINT(ps, F_DURATION, st->duration_ns);
}

static int segment_members(struct parser *ps, struct tcpstate_rec *rec)
{
	struct tcpstate_segment *seg = &rec->seg;
	const struct value *flags;
	unsigned int f;
	bool retrans = false, control = false;

	if ((ps->seen & BIT(F_CONTROL) && get_bool(ps, F_CONTROL, &control)) ||
	    get_name(ps, F_DIR, &dir_names, &seg->dir) ||
	    GET_UINT(ps, F_SEQ, seg->seq) || GET_UINT(ps, F_ACK, seg->ack) ||
	    GET_UINT(ps, F_WIN, seg->win) || GET_UINT(ps, F_LEN, seg->len) ||
	    get_bool(ps, F_RETRANS, &retrans) ||
	    get_name(ps, F_SOCK, &sock_names, &seg->sock))
		return -1;
	seg->retrans = retrans;
	flags = get_string(ps, F_FLAGS);
	if (!flags)
		return -1;
	if (!tcp_flags_parse(flags->s, flags->len, &f))
		return bad_name(ps, F_FLAGS,
				"TCP flags (SYN, FIN, RST, PSH, ACK, URG, ECE, CWR joined by '|')");
	seg->tcp_flags = (__u8)f;
	/*
	 * The module marks SYN, FIN and RST segments control, and the ACKs
	 * that complete a handshake or acknowledge a FIN; only those ACKs
	 * carry "control" (format_json()). A dump older than the member has
	 * none: its ACKs read as other segments.
	 */
	if (control || (f & (TCPSTATE_TH_SYN | TCPSTATE_TH_FIN | TCPSTATE_TH_RST)))
		rec->flags |= TCPSTATE_F_CONTROL;
	/* null: no socket, or one without a state (format_json()'s 0). */
	if (ps->v[F_STATE].kind == V_NULL)
		return 0;
	if (get_state(ps, F_STATE, &seg->state))
		return -1;
	if (seg->state == 0)
		return fail_at(ps, ps->v[F_STATE].col,
			       "\"state\": no state is written null, not STATE_0");
	return 0;
}

static int request_members(struct parser *ps, struct tcpstate_rec *rec)
{
	struct tcpstate_request *req = &rec->req;

	return get_name(ps, F_EVENT, &req_event_names, &req->event) ||
	       GET_UINT(ps, F_NUM_RETRANS, req->num_retrans) ||
	       GET_UINT(ps, F_AGE, req->age_ns) ||
	       GET_UINT(ps, F_SNT_ISN, req->snt_isn) ||
	       GET_UINT(ps, F_RCV_ISN, req->rcv_isn);
}

/* The members type needs, given what was read (a state's end has more). */
static unsigned long long wanted(const struct parser *ps, unsigned int type)
{
	unsigned long long want = types[type].fields;
	unsigned int new_state;

	/* Written only for an ACK the module counted as control. */
	if (type == TCPSTATE_REC_SEGMENT)
		want |= ps->seen & BIT(F_CONTROL);
	if (type == TCPSTATE_REC_STATE && ps->seen & BIT(F_TIMEWAIT) &&
	    ps->v[F_TIMEWAIT].kind == V_TRUE && ps->seen & BIT(F_NEW) &&
	    ps->v[F_NEW].kind == V_STRING &&
	    tcp_state_parse(ps->v[F_NEW].s, ps->v[F_NEW].len, &new_state) &&
	    new_state == TCPSTATE_CLOSE)
		want |= TW_END;
	return want;
}

/* {"ts":MONO,"type":"clock","utc_ns":UTC}: exactly these members. */
static int clock_members(struct parser *ps)
{
	const unsigned long long want = BIT(F_TS) | BIT(F_TYPE) | BIT(F_UTC);
	enum field f;

	if (!ps->clock)
		return fail_at(ps, ps->v[F_TYPE].col,
			       "a clock line (\"type\":\"clock\"), not a record");
	for (f = 0; f < F_NR; f++) {
		if (ps->seen & ~want & BIT(f))
			return fail_at(ps, ps->key_col[f],
				       "member \"%s\" does not belong in a clock line",
				       field_names[f]);
		if (want & ~ps->seen & BIT(f))
			return fail_at(ps, col(ps, ps->end),
				       "missing member \"%s\" of a clock line",
				       field_names[f]);
	}
	if (get_uint(ps, F_TS, ULLONG_MAX, &ps->clock->mono) ||
	    get_uint(ps, F_UTC, ULLONG_MAX, &ps->clock->utc))
		return -1;
	ps->clock->seen = true;
	return 0;
}

static int record(struct parser *ps, struct tcpstate_rec *rec)
{
	unsigned long long want, extra, missing;
	const struct value *type;
	unsigned int t;
	enum field f;

	if (!(ps->seen & BIT(F_TYPE)))
		return fail_at(ps, 1, "missing member \"type\"");
	type = get_string(ps, F_TYPE);
	if (!type)
		return -1;
	if (strcmp(type->s, "clock") == 0)
		return clock_members(ps);
	for (t = 1; t < ARRAY_SIZE(types); t++)
		if (strcmp(type->s, types[t].name) == 0)
			break;
	if (t == ARRAY_SIZE(types))
		return bad_name(ps, F_TYPE,
				"a record type (state, segment, request, lost)");
	want = wanted(ps, t);
	extra = ps->seen & ~want;
	missing = want & ~ps->seen;
	for (f = 0; f < F_NR; f++) {
		if (extra & BIT(f))
			return fail_at(ps, ps->key_col[f],
				       "member \"%s\" does not belong in a %s record%s",
				       field_names[f], types[t].name,
				       f == F_REASON || f == F_DURATION ?
				       _(" (only a TIME_WAIT socket's end has it)") : "");
		if (missing & BIT(f))
			return fail_at(ps, col(ps, ps->end),
				       "missing member \"%s\" of a %s record",
				       field_names[f], types[t].name);
	}

	rec->version = TCPSTATE_ABI_VERSION;
	rec->size = sizeof(*rec);
	rec->type = (__u16)t;
	if (GET_UINT(ps, F_TS, rec->ts_ns) || GET_UINT(ps, F_CPU, rec->cpu))
		return -1;
	switch (t) {
	case TCPSTATE_REC_LOST:
		return GET_UINT(ps, F_COUNT, rec->lost.count);
	case TCPSTATE_REC_STATE:
		return identity(ps, rec) || state_members(ps, rec);
	case TCPSTATE_REC_SEGMENT:
		return identity(ps, rec) || segment_members(ps, rec);
	default:
		return identity(ps, rec) || request_members(ps, rec);
	}
}

static int parse_line(const char *line, size_t len, struct tcpstate_rec *rec,
		      struct clock_line *clock, char *err, size_t errlen)
{
	/*
	 * Not zeroed whole: v[] is 3 KB, and a member's value is read only
	 * once its seen bit says it was written.
	 */
	struct parser ps;

	ps.p = line;
	ps.end = line + len;
	ps.start = line;
	ps.err = err;
	ps.errlen = errlen;
	ps.clock = clock;
	ps.seen = 0;
	ps.last = (enum field)-1;

	memset(rec, 0, sizeof(*rec));
	if (object(&ps) || record(&ps, rec)) {
		memset(rec, 0, sizeof(*rec));
		return -1;
	}
	return 0;
}

int jsonl_parse(const char *line, size_t len, struct tcpstate_rec *rec,
		char *err, size_t errlen)
{
	return parse_line(line, len, rec, NULL, err, errlen);
}

void jsonl_init(struct jsonl_reader *r, FILE *in, const char *path)
{
	*r = (struct jsonl_reader){ .in = in, .path = path };
}

void jsonl_free(struct jsonl_reader *r)
{
	free(r->line);
	r->line = NULL;
	r->size = 0;
}

int jsonl_read(struct jsonl_reader *r, struct tcpstate_rec *rec,
	       char *err, size_t errlen)
{
	char msg[JSONL_ERR_MAX];
	struct clock_line clock;
	bool last;
	ssize_t n;
	size_t len;

again:
	errno = 0;
	n = getline(&r->line, &r->size, r->in);
	if (n < 0) {
		if (ferror(r->in))
			return set_error(err, errlen, _("%s: read error: %s"),
					 r->path, strerror(errno ? errno : EIO));
		return 0;
	}
	r->lineno++;
	len = (size_t)n;
	last = len == 0 || r->line[len - 1] != '\n';
	if (!last)
		len--;
	if (memchr(r->line, '\0', len))
		return set_error(err, errlen, _("%s:%lu: a NUL byte in the line"),
				 r->path, r->lineno);
	if (len > JSONL_LINE_MAX)
		return set_error(err, errlen,
				 _("%s:%lu: line longer than %d bytes"), r->path,
				 r->lineno, JSONL_LINE_MAX);
	if (len == 0 || (len == 1 && r->line[0] == '\r'))
		return set_error(err, errlen, _("%s:%lu: empty line"), r->path,
				 r->lineno);
	clock.seen = false;
	if (parse_line(r->line, len, rec, &clock, msg, sizeof(msg)))
		return set_error(err, errlen, "%s:%lu: %s%s", r->path,
				 r->lineno, msg,
				 last ? _(" (the last line has no newline: is the file truncated?)")
				      : "");
	if (clock.seen) {
		/* The first clock line maps the whole dump. */
		if (!r->has_clock) {
			r->has_clock = true;
			r->clock_mono = clock.mono;
			r->clock_utc = clock.utc;
		}
		goto again;
	}
	return 1;
}
