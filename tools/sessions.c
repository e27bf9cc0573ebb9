// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate stats --sessions` (sessions.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "recfilter.h"
#include "sessions.h"
#include "util.h"

static size_t put(char *buf, size_t len, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t len, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (off >= len)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	return n < 0 ? off : off + (size_t)n;
}

static void prefix_str(const struct tcpstate_prefix *p, char *buf, size_t len)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	char a[INET6_ADDRSTRLEN];

	if (p->bits >= 96 && !memcmp(p->addr, mapped, sizeof(mapped))) {
		inet_ntop(AF_INET, p->addr + 12, a, sizeof(a));
		snprintf(buf, len, "%s/%u", a, p->bits - 96);
	} else {
		inet_ntop(AF_INET6, p->addr, a, sizeof(a));
		snprintf(buf, len, "%s/%u", a, p->bits);
	}
}

void sessions_filter_str(const struct tcpstate_filter *f, char *buf, size_t len)
{
	char kinds[80], pre[INET6_ADDRSTRLEN + 8];
	size_t off = 0;
	unsigned int i;

	recfilter_kinds_str(f->kinds, kinds, sizeof(kinds));
	off = put(buf, len, off, "kinds=%s", kinds);
	if (f->family)
		off = put(buf, len, off, " family=%s",
			  f->family == AF_INET ? "ipv4" : "ipv6");
	for (i = 0; i < f->nr_ports && i < TCPSTATE_FILTER_PORTS; i++)
		off = put(buf, len, off, "%s%u", i ? "," : " ports=", f->ports[i]);
	for (i = 0; i < f->nr_addrs && i < TCPSTATE_FILTER_ADDRS; i++) {
		prefix_str(&f->addrs[i], pre, sizeof(pre));
		off = put(buf, len, off, "%s%s", i ? "," : " addrs=", pre);
	}
	if (f->netns)
		off = put(buf, len, off, " netns=%u", f->netns);
	if (f->pid)
		off = put(buf, len, off, " pid=%u", f->pid);
	if (f->comm[0])
		put(buf, len, off, " comm=%.*s", (int)sizeof(f->comm), f->comm);
}

void sessions_print(FILE *out, const struct tcpstate_session_info *s,
		    unsigned int n, unsigned int total)
{
	char comm[sizeof(s->comm) * 4 + 1], filt[512], scope[16];
	unsigned int i;

	fprintf(out, "sessions: %u (this one included)%s\n", total,
		n < total ? ", the first shown" : "");
	/* BUFFER is each ring's records: a session has RINGS of them. */
	fprintf(out, "%4s %7s %-16s %-10s %8s %5s %10s %10s %10s %10s  %s\n", "ID",
		"PID", "COMM", "SCOPE", "BUFFER", "RINGS", "RECORDED", "READ",
		"DROPPED", "BUFFERED", "FILTER");
	for (i = 0; i < n; i++) {
		comm_sanitize(s[i].comm, sizeof(s[i].comm), comm);
		if (s[i].netns)
			snprintf(scope, sizeof(scope), "%u", s[i].netns);
		else
			strcpy(scope, "all");
		sessions_filter_str(&s[i].filter, filt, sizeof(filt));
		fprintf(out, "%4u %7u %-16s %-10s %8u %5u %10llu %10llu %10llu %10llu  %s%s%s\n",
			s[i].id, s[i].pid, comm, scope, s[i].nr_records, s[i].nr_rings,
			(unsigned long long)s[i].recorded,
			(unsigned long long)s[i].read,
			(unsigned long long)s[i].dropped,
			(unsigned long long)s[i].buffered, filt,
			s[i].flags & TCPSTATE_SESSION_DEFAULT_FILTER ? " (module parameters)" : "",
			s[i].flags & TCPSTATE_SESSION_SELF ? " (this one)" : "");
	}
}

int sessions_fetch(int fd, struct tcpstate_session_info **out,
		   unsigned int *total)
{
	struct tcpstate_sessions req = { 0 };
	struct tcpstate_session_info *s = NULL;
	unsigned int want = 16;

	for (;;) {
		free(s);
		s = calloc(want, sizeof(*s));
		if (!s)
			return -1;
		req.nr = want;
		req.ptr = (uintptr_t)s;
		if (ioctl(fd, TCPSTATE_IOC_SESSIONS, &req) < 0) {
			int e = errno;

			free(s);
			errno = e;
			return -1;
		}
		/* Sessions opened meanwhile: ask again with room for them. */
		if (req.total <= want || want >= 4096)
			break;
		want = req.total + 4;
	}
	*out = s;
	*total = req.total;
	return (int)req.nr;
}
