/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records of /dev/tcpstate: validation, and one line of text or JSON per
 * record. Nothing here does I/O other than writing to the FILE it is given,
 * so all of it can be tested without the module.
 */
#ifndef TCPSTATE_TOOL_FORMAT_H
#define TCPSTATE_TOOL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <tcpstate.h>

/* Enough for any message of rec_validate() and info_validate(). */
#define FORMAT_ERR_MAX 160

/*
 * 0 if the module described by info writes records this tool can read;
 * else -1 and a "version mismatch: ..." message in err.
 */
int info_validate(const struct tcpstate_info *info, char *err, size_t errlen);

/*
 * 0 if rec has this tool's version and size, a known type and, for every
 * type but lost, a known address family; else -1 and a message in err. The
 * format_*() functions below expect a record that passed. Enumerated fields
 * (states, dir, sock, event, reason) are not checked: names.h says how a
 * value without a name is printed.
 */
int rec_validate(const struct tcpstate_rec *rec, char *err, size_t errlen);

/*
 * Text: TIME CPU NETNS PID COMM LOCAL -> REMOTE EVENT, where EVENT starts
 * with what tells the kinds apart: a state ("SYN_SENT -> ESTABLISHED"), a
 * direction ("in  SYN ...", "out ACK ..."), "request", or "***" for lost
 * events (a line without the socket columns).
 */
void format_text_header(FILE *out);
void format_text(FILE *out, const struct tcpstate_rec *rec);

/*
 * The TIME column (dump -T): TIME_MONO, CLOCK_MONOTONIC seconds as the
 * records carry it (the default); TIME_REL, seconds since the first record
 * shown; TIME_WALL, UTC ("2026-12-03T19:43:40.123456Z") by the offset of a
 * clock line (below) or of the clocks when a live dump started.
 */
enum time_mode { TIME_MONO, TIME_REL, TIME_WALL };

/*
 * The MS column (dump --ms), as bcc's tcpstates has it: on a state change,
 * the milliseconds since the previous state change of the same socket,
 * i.e. the time spent in the old state; "-" for the first one seen and on
 * other records. A socket is its cookie: a request and its child share
 * one, a TIME_WAIT socket has its own times, its birth counted from its
 * full socket's last change. Remembers up to STATE_TIMES_MAX sockets,
 * then starts over.
 */
#define STATE_TIMES_MAX	(1U << 20)

struct state_times {
	struct state_time {
		__u32 netns;
		bool tw;		/* the TIME_WAIT socket's, else the others' */
		__u64 cookie, ts;	/* cookie 0: an empty slot */
	} *slots;
	size_t cap, used;
};

void state_times_free(struct state_times *st);

struct time_fmt {
	struct state_times *ms;		/* the MS column; NULL: none */
	enum time_mode mode;
	bool has_base;			/* TIME_REL: base is set */
	unsigned long long base;	/* TIME_REL: the first record's ts */
	long long mono_to_utc;		/* TIME_WALL: UTC ns - CLOCK_MONOTONIC ns */
};

/* Enough for time_str(): "2026-12-03T19:43:40.123456Z". */
#define TIME_STR_MAX	80

/*
 * ts (CLOCK_MONOTONIC ns) as t->mode shows it, unpadded: "12.297791",
 * "2026-12-03T19:43:40.123456Z" ("?" before the epoch), or TIME_REL's
 * seconds since t->base (0 for an earlier ts; the base is not set here).
 */
const char *time_str(const struct time_fmt *t, unsigned long long ts,
		     char buf[TIME_STR_MAX]);

void format_text_header_t(FILE *out, const struct time_fmt *t);
void format_text_t(FILE *out, const struct tcpstate_rec *rec,
		   struct time_fmt *t);

/*
 * The clock line a JSON dump starts with: at CLOCK_MONOTONIC mono_ns
 * (the records' "ts"), UTC was utc_ns since the epoch:
 * {"ts":MONO,"type":"clock","utc_ns":UTC}
 */
void format_json_clock(FILE *out, unsigned long long mono_ns,
		       unsigned long long utc_ns);

/*
 * JSON: one object per line, members in the order of the contract: "ts",
 * "cpu", "type", the socket's identity (all types but lost), then the
 * type's own members.
 */
void format_json(FILE *out, const struct tcpstate_rec *rec);

/*
 * format_text_t() and format_json() into b (outbuf.h), which gathers the
 * lines of many records for one fwrite(): what dump uses.
 */
struct outbuf;
void format_text_ob(struct outbuf *b, const struct tcpstate_rec *rec,
		    struct time_fmt *t);
void format_json_ob(struct outbuf *b, const struct tcpstate_rec *rec);

/*
 * s[0..len) as a JSON string literal (RFC 8259) in valid UTF-8. Valid
 * UTF-8 passes through; quotes and backslashes are escaped, control
 * characters (and DEL) written \u00XX; a byte that is not part of valid
 * UTF-8, 0xXX, is written \udcXX: the lone low surrogate U+DC80..U+DCFF,
 * as Python's "surrogateescape" error handler does. No UTF-8 text holds a
 * surrogate, so this is lossless: jsonl.c (and Python's
 * s.encode("utf-8", "surrogateescape")) turns \udcXX back into the byte.
 */
void json_string(FILE *out, const char *s, size_t len);

#endif
