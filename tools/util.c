// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <assert.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

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
	/*
	 * Each unit four bytes, its NUL and padding: copied whole, a copy
	 * of a size known when compiled, not strcpy(). buf has room for
	 * the bytes past the NUL (static_assert below).
	 */
	static const struct {
		unsigned long long ns;
		char unit[4];
	} units[] = {
		{ NSEC_PER_SEC, "s" }, { NSEC_PER_MSEC, "ms" },
		{ NSEC_PER_USEC, "us" },
	};
	char *p = buf;
	size_t i;

	static_assert(U64_STR_MAX + sizeof(".123 ") - 1 +
		      sizeof(units[0].unit) <= DURATION_MAX,
		      "room for a unit's four bytes");
	/* By hand, not snprintf(): a ladder's footer has several. */
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		unsigned long long unit = units[i].ns, frac;

		if (style == DURATION_SPACED && unit == NSEC_PER_USEC) {
			p += u64_str(ns / unit, p);
			memcpy(p, " us", sizeof(" us"));
			return buf;
		}
		if (ns >= unit) {
			/* "%llu.%03llu" and the unit, spaced or not. */
			p += u64_str(ns / unit, p);
			frac = ns % unit / (unit / 1000);
			*p++ = '.';
			*p++ = (char)('0' + frac / 100);
			*p++ = (char)('0' + frac / 10 % 10);
			*p++ = (char)('0' + frac % 10);
			if (style == DURATION_SPACED)
				*p++ = ' ';
			memcpy(p, units[i].unit, sizeof(units[i].unit));
			return buf;
		}
	}
	p += u64_str(ns, p);
	memcpy(p, "ns", sizeof("ns"));
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

static const unsigned long long pow10[U64_STR_MAX] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

/* "00" to "99": two digits a step with one division and no others. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t u64_str(unsigned long long v, char buf[U64_STR_MAX])
{
	unsigned int t, r, w;
	size_t n;
	char *p;

	/* CPUs, lengths, flags: one or two digits, straight. */
	if (v < 100) {
		if (v < 10) {
			buf[0] = (char)('0' + v);
			return 1;
		}
		memcpy(buf, &digit_pairs[2 * v], 2);
		return 2;
	}
	/*
	 * The number of digits without a loop: log10 from the bit length
	 * (1233 / 4096 is just above log10(2)), then one comparison.
	 */
	t = (unsigned int)(64 - __builtin_clzll(v)) * 1233 >> 12;
	n = t + 1 - (v < pow10[t]);
	p = buf + n;

	/*
	 * Two digits per division by 100 (a multiply), from a table; the
	 * last 32 bits' worth in 32-bit arithmetic, cheaper still: most
	 * numbers (ports, sequence numbers, PIDs) are no wider.
	 */
	while (v > 0xffffffffULL) {
		unsigned long long q = v / 100;

		r = (unsigned int)(v - q * 100);
		v = q;
		p -= 2;
		memcpy(p, &digit_pairs[2 * r], 2);
	}
	w = (unsigned int)v;
	while (w >= 100) {
		unsigned int q = w / 100;

		r = w - q * 100;
		w = q;
		p -= 2;
		memcpy(p, &digit_pairs[2 * r], 2);
	}
	if (w >= 10) {
		p -= 2;
		memcpy(p, &digit_pairs[2 * w], 2);
	} else {
		*--p = (char)('0' + w);
	}
	return n;
}

size_t usec_str(unsigned long long ns, char *buf)
{
	unsigned long long sec = ns / NSEC_PER_SEC;
	/*
	 * The fraction is below 1e9, its microseconds below 1e6: 32-bit
	 * arithmetic, cheaper than 64-bit's, for each of every ladder's rows.
	 */
	unsigned int usec = (unsigned int)(ns - sec * NSEC_PER_SEC) /
			    (unsigned int)NSEC_PER_USEC;
	size_t n = u64_str(sec, buf);

	buf[n++] = '.';
	/* Six digits, two a step. */
	memcpy(buf + n, &digit_pairs[2 * (usec / 10000)], 2);
	memcpy(buf + n + 2, &digit_pairs[2 * (usec / 100 % 100)], 2);
	memcpy(buf + n + 4, &digit_pairs[2 * (usec % 100)], 2);
	buf[n + 6] = '\0';
	return n + 6;
}

static char *ipv4_str(const unsigned char *a, char *p)
{
	int i;

	/* Each byte by hand, not u64_str(): two addresses a dump line. */
	for (i = 0; i < 4; i++) {
		unsigned int b = a[i];

		if (i)
			*p++ = '.';
		if (b >= 100) {
			*p++ = (char)('0' + b / 100);
			b %= 100;
			memcpy(p, &digit_pairs[2 * b], 2);
			p += 2;
		} else if (b >= 10) {
			memcpy(p, &digit_pairs[2 * b], 2);
			p += 2;
		} else {
			*p++ = (char)('0' + b);
		}
	}
	*p = '\0';
	return p;
}

/* BIND's inet_ntop6(), which glibc's is: the same text, byte for byte. */
static char *ipv6_str(const unsigned char *a, char *p)
{
	static const char hex[] = "0123456789abcdef";
	int best = -1, best_len = 0, cur = -1, cur_len = 0, i;
	unsigned int w[8];

	for (i = 0; i < 8; i++)
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	/* The longest run of zero words (the first of equals), if 2 or more. */
	for (i = 0; i < 8; i++) {
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			if (++cur_len > best_len)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		int shift;

		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		/* IPv4-compatible (::1.2.3.4) or -mapped (::ffff:1.2.3.4). */
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return ipv4_str(a + 12, p);
		for (shift = 12; shift > 0 && !(w[i] >> shift); shift -= 4)
			;
		for (; shift >= 0; shift -= 4)
			*p++ = hex[w[i] >> shift & 0xf];
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	*p = '\0';
	return p;
}

size_t ip_str(int family, const void *addr, char buf[IP_STR_MAX])
{
	char *end = family == AF_INET6 ? ipv6_str(addr, buf) :
					 ipv4_str(addr, buf);

	return (size_t)(end - buf);
}

const char *addr_port_str(int family, const void *addr, unsigned int port,
			  char buf[ADDR_PORT_MAX])
{
	char *p = buf;

	if (family == AF_INET6)
		*p++ = '[';
	p += ip_str(family, addr, p);
	if (family == AF_INET6)
		*p++ = ']';
	*p++ = ':';
	p += u64_str(port, p);
	*p = '\0';
	return buf;
}

void out_of_memory(void)
{
	fputs("tcpstate: out of memory\n", stderr);
	exit(1);
}

#define HUGE_PAGE	((uintptr_t)2 << 20)

/*
 * conns keeps every record of each open connection, a capture's worth at
 * once, in many small blocks of the heap: each 4 KiB page of them first
 * touched was a page fault, 10 to 25 us in a VM (its page tables kept by
 * the host), most of conns' time; a 2 MiB page is one fault for 512 of
 * them. The heap grows (brk) by 32 MiB at a time, so that there is room
 * advised before malloc() touches it. With transparent huge pages off,
 * the advice changes nothing.
 */
void heap_huge(void)
{
	static uintptr_t advised;
	uintptr_t end = (uintptr_t)sbrk(0) & ~(HUGE_PAGE - 1);

	if (!advised) {
#ifdef M_TOP_PAD	/* glibc's */
		mallopt(M_TOP_PAD, 32 << 20);
#endif
		advised = end;
		return;
	}
	if (end <= advised)
		return;
	madvise((void *)advised, end - advised, MADV_HUGEPAGE);
	advised = end;
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

void copy_str(char *buf, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	memcpy(buf, s, n);
	buf[n] = '\0';
}

void sappend(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsfmt(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* s[0, k) at buf + *n, cut to size (its NUL's place kept); *n moves on. */
static void put_run(char *buf, size_t size, size_t *n, const char *s, size_t k)
{
	size_t room = *n + 1 < size ? size - 1 - *n : 0;

	if (room)
		memcpy(buf + *n, s, k < room ? k : room);
	*n += k;
}

/*
 * One pass over fmt. A conversion vsfmt() does not know (a width, a
 * positional %1$s) is found where it comes: then vsnprintf() writes the
 * whole text from the start, over what was written, with the arguments
 * from the start (a copy of ap), as if it had been called first. fmt is
 * not scanned for that first any more: a strchr() a conversion, twice.
 */
int vsfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	char num[U64_STR_MAX + 1];
	const char *f = fmt, *s, *pct;
	size_t n = 0, k;
	va_list first;
	int ret;

	va_copy(first, ap);
	for (;;) {
		/* The text up to the next conversion, in one copy. */
		pct = strchrnul(f, '%');
		put_run(buf, size, &n, f, (size_t)(pct - f));
		if (!*pct)
			break;
		f = pct + 1;
		s = num;
		k = 0;
		switch (*f) {
		case '%':
			num[0] = '%';
			k = 1;
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			k = strlen(s);
			break;
		case 'd': {
			int v = va_arg(ap, int);

			if (v < 0) {
				num[0] = '-';
				k = 1 + u64_str(-(unsigned long long)(long long)v, num + 1);
			} else {
				k = u64_str((unsigned int)v, num);
			}
			break;
		}
		case 'u':
			k = u64_str(va_arg(ap, unsigned int), num);
			break;
		case 'l':
			if (f[1] == 'u') {
				k = u64_str(va_arg(ap, unsigned long), num);
				f++;
				break;
			}
			if (f[1] == 'l' && f[2] == 'u') {
				k = u64_str(va_arg(ap, unsigned long long), num);
				f += 2;
				break;
			}
			goto other;
		default:
			goto other;
		}
		put_run(buf, size, &n, s, k);
		f++;
	}
	va_end(first);
	if (size)
		buf[n < size ? n : size - 1] = '\0';
	return n > INT_MAX ? INT_MAX : (int)n;
other:
	ret = vsnprintf(buf, size, fmt, first);
	va_end(first);
	return ret;
}

int sfmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsfmt(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void append_str(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf);

	if (len + 1 >= size)
		return;
	copy_str(buf + len, size - len, s);
}
