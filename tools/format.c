// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
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

/* "[" address "]:" port */
#define ENDPOINT_MAX (INET6_ADDRSTRLEN + sizeof("[]:65535"))

/* What to do about any version mismatch. */
#define SAME_TREE	"; build both from the same tree"

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_USEC	1000ULL

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

int rec_validate(const struct tcpstate_rec *rec, char *err, size_t errlen)
{
	/* The version decides the layout, so it is checked before any field. */
	if (rec->version != TCPSTATE_ABI_VERSION)
		return set_error(err, errlen,
				 "version mismatch: record has version %u, this tool reads version %u" SAME_TREE,
				 rec->version, TCPSTATE_ABI_VERSION);
	if (rec->size != sizeof(*rec))
		return set_error(err, errlen, "bad record: size %u, expected %zu",
				 rec->size, sizeof(*rec));
	if (rec->type != TCPSTATE_REC_STATE && rec->type != TCPSTATE_REC_LOST)
		return set_error(err, errlen, "bad record: unknown type %u",
				 rec->type);
	if (rec->type == TCPSTATE_REC_STATE &&
	    rec->family != AF_INET && rec->family != AF_INET6)
		return set_error(err, errlen,
				 "bad record: unknown address family %u",
				 rec->family);
	return 0;
}

static bool has_task(const struct tcpstate_rec *rec)
{
	return rec->flags & TCPSTATE_F_TASK;
}

static size_t comm_len(const struct tcpstate_rec *rec)
{
	return strnlen(rec->comm, sizeof(rec->comm));
}

static const char *addr_string(const struct tcpstate_rec *rec,
			       const __u8 *addr, char buf[INET6_ADDRSTRLEN])
{
	/* rec_validate() let only AF_INET and AF_INET6 through. */
	return inet_ntop(rec->family, addr, buf, INET6_ADDRSTRLEN);
}

static void endpoint_string(const struct tcpstate_rec *rec, const __u8 *addr,
			    unsigned int port, char buf[ENDPOINT_MAX])
{
	char ip[INET6_ADDRSTRLEN];

	addr_string(rec, addr, ip);
	snprintf(buf, ENDPOINT_MAX,
		 rec->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

void format_text_header(FILE *out)
{
	fprintf(out, "%*s %*s %*s %*s %-*s %-*s    %-*s %s\n",
		TIME_W, "TIME", CPU_W, "CPU", NETNS_W, "NETNS", PID_W, "PID",
		COMM_W, "COMM", ADDR_W, "LOCAL", ADDR_W, "REMOTE", "OLD -> NEW");
}

/*
 * Printable ASCII only: a comm is whatever the process set, and control
 * bytes must not reach the terminal; '?' keeps the column width.
 */
static void text_comm(const struct tcpstate_rec *rec, char *buf)
{
	size_t i, len = comm_len(rec);

	for (i = 0; i < len; i++) {
		unsigned char c = rec->comm[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[len] = '\0';
}

static void text_state(FILE *out, const struct tcpstate_rec *rec)
{
	char local[ENDPOINT_MAX], remote[ENDPOINT_MAX];
	char pid[sizeof("4294967295")] = "-";
	char comm[sizeof(rec->comm) + 1] = "-";
	char old_buf[TCP_STATE_LABEL_MAX], new_buf[TCP_STATE_LABEL_MAX];

	endpoint_string(rec, rec->laddr, rec->lport, local);
	endpoint_string(rec, rec->raddr, rec->rport, remote);
	if (has_task(rec)) {
		snprintf(pid, sizeof(pid), "%u", rec->pid);
		text_comm(rec, comm);
	}
	fprintf(out, "%*u %*s %-*s %-*s -> %-*s %s -> %s\n",
		NETNS_W, rec->netns, PID_W, pid, COMM_W, comm,
		ADDR_W, local, ADDR_W, remote,
		tcp_state_label(rec->state.old_state, old_buf),
		tcp_state_label(rec->state.new_state, new_buf));
}

static void text_lost(FILE *out, const struct tcpstate_rec *rec)
{
	unsigned long long count = rec->lost.count;

	fprintf(out, "*** %llu event%s lost here (ring buffer full) ***\n",
		count, count == 1 ? "" : "s");
}

void format_text(FILE *out, const struct tcpstate_rec *rec)
{
	unsigned long long ts = rec->ts_ns;

	/* Seconds.microseconds of CLOCK_MONOTONIC, the way ftrace shows it. */
	fprintf(out, "%*llu.%06llu %*u ", TIME_W - 7, ts / NSEC_PER_SEC,
		ts % NSEC_PER_SEC / NSEC_PER_USEC, CPU_W, rec->cpu);
	if (rec->type == TCPSTATE_REC_LOST)
		text_lost(out, rec);
	else
		text_state(out, rec);
}

/*
 * Length of the well-formed UTF-8 sequence s starts with (1 to 4), or 0:
 * a stray continuation byte, a sequence cut short (a comm is truncated
 * bytewise at 15), an overlong form, a surrogate or a value past U+10FFFF.
 */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned int cp, min;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > avail)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	putc('"', out);
	while (i < len) {
		size_t n = utf8_len(p + i, len - i);

		/* A byte that is not UTF-8 becomes the code point of that value. */
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(out, "\\u%04x", p[i]);
			n = 1;
		} else if (p[i] == '"' || p[i] == '\\') {
			fprintf(out, "\\%c", p[i]);
		} else {
			fwrite(p + i, 1, n, out);
		}
		i += n;
	}
	putc('"', out);
}

static void json_state(FILE *out, const struct tcpstate_rec *rec)
{
	char laddr[INET6_ADDRSTRLEN], raddr[INET6_ADDRSTRLEN];
	char old_buf[TCP_STATE_LABEL_MAX], new_buf[TCP_STATE_LABEL_MAX];

	fprintf(out, ",\"cookie\":%llu,\"netns\":%u,\"family\":\"%s\","
		"\"laddr\":\"%s\",\"lport\":%u,\"raddr\":\"%s\",\"rport\":%u,",
		(unsigned long long)rec->cookie, rec->netns,
		rec->family == AF_INET6 ? "ipv6" : "ipv4",
		addr_string(rec, rec->laddr, laddr), rec->lport,
		addr_string(rec, rec->raddr, raddr), rec->rport);
	if (has_task(rec)) {
		fprintf(out, "\"pid\":%u,\"comm\":", rec->pid);
		json_string(out, rec->comm, comm_len(rec));
	} else {
		fputs("\"pid\":null,\"comm\":null", out);
	}
	fprintf(out, ",\"old\":\"%s\",\"new\":\"%s\"}\n",
		tcp_state_label(rec->state.old_state, old_buf),
		tcp_state_label(rec->state.new_state, new_buf));
}

void format_json(FILE *out, const struct tcpstate_rec *rec)
{
	bool lost = rec->type == TCPSTATE_REC_LOST;

	fprintf(out, "{\"ts\":%llu,\"cpu\":%u,\"type\":\"%s\"",
		(unsigned long long)rec->ts_ns, rec->cpu,
		lost ? "lost" : "state");
	if (lost)
		fprintf(out, ",\"count\":%llu}\n",
			(unsigned long long)rec->lost.count);
	else
		json_state(out, rec);
}
