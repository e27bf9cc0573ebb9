// SPDX-License-Identifier: GPL-2.0
/*
 * The record filter options (recfilter.h): parsed once into the struct
 * the module takes, so live and offline filtering cannot disagree.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <tcpstate_match.h>

#include "i18n.h"
#include "recfilter.h"

static const struct {
	const char *name;
	unsigned int kind;
} kind_names[] = {
	{ "states", TCPSTATE_KIND_STATES },
	{ "control", TCPSTATE_KIND_CONTROL },
	{ "segments", TCPSTATE_KIND_SEGMENTS },
	{ "requests", TCPSTATE_KIND_REQUESTS },
	{ "timewait", TCPSTATE_KIND_TIMEWAIT },
};

#define NR_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end && *out <= max;
}

/* "80", "80,443": each a port. */
static int parse_ports(struct recfilter *rf, const char *arg, char *err,
		       size_t errlen)
{
	const char *p = arg;
	unsigned long long v;
	char buf[8];

	for (;;) {
		size_t n = strcspn(p, ",");

		v = 0;
		if (n && n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (!parse_uint(buf, 65535, &v))
				v = 0;
		}
		if (!v)
			return bad(err, errlen, _("-P PORT must be a port number (1-65535) or a list of them (80,443), not '%s'"),
				   arg);
		if (rf->f.nr_ports == TCPSTATE_FILTER_PORTS)
			return bad(err, errlen, _("-P given more than 16 times ('%s')"), arg);
		rf->f.ports[rf->f.nr_ports++] = (__u16)v;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* "10.0.0.1", "10.0.0.0/8", "2001:db8::/32"; IPv4 as IPv4-mapped. */
static int parse_addr(struct recfilter *rf, const char *arg, char *err,
		      size_t errlen)
{
#define BAD_ADDR "-a ADDR must be an IPv4 or IPv6 address, or a prefix of one (10.0.0.0/8, 2001:db8::/32), not '%s'"
	struct tcpstate_prefix p = { 0 };
	unsigned long long bits;
	const char *slash = strchr(arg, '/');
	char buf[INET6_ADDRSTRLEN + 1];
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
	__u8 v4[4];
	unsigned int max, base, i;

	if (!n || n >= sizeof(buf))
		return bad(err, errlen, BAD_ADDR, arg);
	memcpy(buf, arg, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, v4) == 1) {
		p.addr[10] = 0xff;
		p.addr[11] = 0xff;
		memcpy(p.addr + 12, v4, 4);
		base = 96;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p.addr) == 1) {
		base = 0;
		max = 128;
	} else {
		return bad(err, errlen, BAD_ADDR, arg);
	}
	bits = max;
	if (slash && !parse_uint(slash + 1, max, &bits))
		return bad(err, errlen, BAD_ADDR, arg);
	p.bits = (__u8)(base + bits);
	for (i = p.bits; i < 128; i++)
		if (p.addr[i / 8] & (0x80 >> (i % 8)))
			return bad(err, errlen, _("-a %s: the address has bits set past its prefix length"),
				   arg);
	if (rf->f.nr_addrs == TCPSTATE_FILTER_ADDRS)
		return bad(err, errlen, _("-a given more than 8 times ('%s')"), arg);
	rf->f.addrs[rf->f.nr_addrs++] = p;
	return 0;
}

/* A name under @dir (ip netns add NAME), or an inode number. */
static int parse_netns(struct recfilter *rf, const char *arg,
		       const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	unsigned long long v;
	struct stat st;

	/* The kernel's filter holds one: a second would silently win. */
	if (rf->f.netns)
		return bad(err, errlen, _("-N NETNS given twice ('%s'): a reader follows one network namespace, or all"),
			   arg);
	if (parse_uint(arg, 0xffffffffULL, &v) && v) {
		rf->f.netns = (__u32)v;
		return 0;
	}
	if (!*arg || strchr(arg, '/') ||
	    snprintf(path, sizeof(path), "%s/%s", dir, arg) >= (int)sizeof(path) ||
	    stat(path, &st) < 0)
		return bad(err, errlen, _("-N NETNS must be a network namespace's name (ip netns list) or inode number, not '%s'"),
			   arg);
	rf->f.netns = (__u32)st.st_ino;
	return 0;
}

static int parse_kinds(struct recfilter *rf, const char *arg, char *err,
		       size_t errlen)
{
	const char *p = arg;
	unsigned int kinds = 0;
	size_t i;

	if (!strcmp(arg, "all")) {
		rf->f.kinds = TCPSTATE_KINDS_ALL;
		rf->kinds_set = true;
		return 0;
	}
	for (;;) {
		size_t n = strcspn(p, ",");

		for (i = 0; i < NR_KINDS; i++)
			if (strlen(kind_names[i].name) == n &&
			    !strncmp(p, kind_names[i].name, n))
				break;
		if (i == NR_KINDS)
			return bad(err, errlen, _("--kinds must be a list of states, control, segments, requests, timewait, or all, not '%s'"),
				   arg);
		kinds |= kind_names[i].kind;
		if (!p[n])
			break;
		p += n + 1;
	}
	rf->f.kinds = kinds;
	rf->kinds_set = true;
	return 0;
}

int recfilter_option(struct recfilter *rf, int opt, const char *arg,
		     const char *netns_dir, char *err, size_t errlen)
{
	unsigned long long v;
	int ret = 0;

	switch (opt) {
	case 'P':
		ret = parse_ports(rf, arg, err, errlen);
		break;
	case 'a':
		ret = parse_addr(rf, arg, err, errlen);
		break;
	case '4':
	case '6':
		if (rf->f.family)
			return bad(err, errlen, _("-4 and -6 do not go together"));
		rf->f.family = opt == '4' ? AF_INET : AF_INET6;
		break;
	case 'N':
		ret = parse_netns(rf, arg, netns_dir, err, errlen);
		break;
	case RECFILTER_OPT_PID:
		if (!parse_uint(arg, 0x7fffffffULL, &v) || !v)
			return bad(err, errlen, _("--pid PID must be a process id, not '%s'"), arg);
		rf->f.pid = (__u32)v;
		break;
	case RECFILTER_OPT_COMM:
		if (!*arg || strlen(arg) >= sizeof(rf->f.comm))
			return bad(err, errlen, _("--comm COMM must be 1 to 15 characters (as /proc/PID/comm), not '%s'"),
				   arg);
		memset(rf->f.comm, 0, sizeof(rf->f.comm));
		memcpy(rf->f.comm, arg, strlen(arg));
		break;
	case RECFILTER_OPT_KINDS:
		ret = parse_kinds(rf, arg, err, errlen);
		break;
	default:
		return 0;
	}
	if (ret)
		return ret;
	rf->any = true;
	return 1;
}

int recfilter_apply(const struct recfilter *rf, int fd, char *err,
		    size_t errlen)
{
	struct tcpstate_filter f = rf->f;
	struct tcpstate_filter now;
	const char *why;

	if (!rf->any)
		return 0;
	if (!rf->kinds_set) {
		if (ioctl(fd, TCPSTATE_IOC_GET_FILTER, &now) < 0) {
			snprintf(err, errlen, _("TCPSTATE_IOC_GET_FILTER: %s (a module older than sessions cannot filter per reader)"),
				 strerror(errno));
			return -1;
		}
		f.kinds = now.kinds;
	}
	why = tcpstate_filter_invalid(&f);
	if (why) {
		snprintf(err, errlen, _("the filter is not valid: %s"), why);
		return -1;
	}
	if (ioctl(fd, TCPSTATE_IOC_SET_FILTER, &f) < 0) {
		if (errno == EINVAL && f.netns)
			snprintf(err, errlen, _("-N: a reader inside a network namespace sees only its own (inode %u asked)"),
				 f.netns);
		else
			snprintf(err, errlen, _("TCPSTATE_IOC_SET_FILTER: %s"),
				 strerror(errno));
		return -1;
	}
	return 0;
}

bool recfilter_match(const struct recfilter *rf, const struct tcpstate_rec *rec)
{
	struct tcpstate_filter f = rf->f;

	if (!rf->any)
		return true;
	if (!rf->kinds_set)
		f.kinds = TCPSTATE_KINDS_ALL;
	return tcpstate_filter_match(&f, rec);
}

void recfilter_kinds_str(unsigned int kinds, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < NR_KINDS && off < len; i++)
		if (kinds & kind_names[i].kind)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? "," : "",
						kind_names[i].name);
}
