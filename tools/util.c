// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

bool parse_u64(const char *s, unsigned long long *value)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned int digit = (unsigned int)(*s - '0');

		if (digit > 9 || v > (ULLONG_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*value = v;
	return true;
}

int set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

size_t utf8_len(const unsigned char *s, size_t avail)
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

const char *duration_str(unsigned long long ns, enum duration_style style,
			 char buf[DURATION_MAX])
{
	static const struct {
		unsigned long long ns;
		const char *unit;
	} units[] = {
		{ NSEC_PER_SEC, "s" }, { NSEC_PER_MSEC, "ms" },
		{ NSEC_PER_USEC, "us" },
	};
	const char *sep = style == DURATION_SPACED ? " " : "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(units); i++) {
		unsigned long long unit = units[i].ns;

		if (style == DURATION_SPACED && unit == NSEC_PER_USEC) {
			snprintf(buf, DURATION_MAX, "%llu us", ns / unit);
			return buf;
		}
		if (ns >= unit) {
			snprintf(buf, DURATION_MAX, "%llu.%03llu%s%s", ns / unit,
				 ns % unit / (unit / 1000), sep, units[i].unit);
			return buf;
		}
	}
	snprintf(buf, DURATION_MAX, "%lluns", ns);
	return buf;
}

void comm_sanitize(const char *comm, size_t max, char *out)
{
	size_t i;

	for (i = 0; i < max && comm[i]; i++) {
		unsigned char c = (unsigned char)comm[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[i] = '\0';
}

const char *addr_port_str(int family, const void *addr, unsigned int port,
			  char buf[ADDR_PORT_MAX])
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, ip, sizeof(ip));
	snprintf(buf, ADDR_PORT_MAX, family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 ip, port);
	return buf;
}

void out_of_memory(void)
{
	fputs("tcpstate: out of memory\n", stderr);
	exit(1);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		out_of_memory();
	p = realloc(p, n * size > 0 ? n * size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void sappend(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}
