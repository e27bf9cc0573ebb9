/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the parsers and validators. */
#ifndef TCPSTATE_TOOL_UTIL_H
#define TCPSTATE_TOOL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_USEC	1000ULL

/* Room for any duration_str() and for "[IPv6 address]:65535". */
#define DURATION_MAX	32
#define ADDR_PORT_MAX	56

/*
 * A whole string of decimal digits that fits in 64 bits: no sign, no
 * blanks, no base prefix, nothing after, unlike strtoull().
 */
bool parse_u64(const char *s, unsigned long long *value);

/* "tcpstate: out of memory" on stderr, exit status 1. */
__attribute__((noreturn))
void out_of_memory(void);
/*
 * The heap from here on in 2 MiB pages where the kernel makes them on
 * request (transparent huge pages), for a reader that keeps many records;
 * called again as it goes, it advises what the heap grew by. Cheap when
 * nothing grew.
 */
void heap_huge(void);

/* calloc() and realloc() of n * size bytes (overflow checked) or exit. */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size);

/* snprintf(buf, size, "%s", s) without parsing a format: s, cut to fit. */
void copy_str(char *buf, size_t size, const char *s);

/* Appends to the string in buf[size], cut to fit. */
__attribute__((format(printf, 3, 4)))
void sappend(char *buf, size_t size, const char *fmt, ...);

/*
 * snprintf() (the same text, the same return) for plain formats: %s, %d,
 * %u, %lu, %llu and %%, translated or not, without printf()'s machinery
 * (about 1 us a call, and the ladders' sentences are several a
 * connection). Any other conversion (a width, a positional %1$s) goes to
 * vsnprintf().
 */
__attribute__((format(printf, 3, 4)))
int sfmt(char *buf, size_t size, const char *fmt, ...);
__attribute__((format(printf, 3, 0)))
int vsfmt(char *buf, size_t size, const char *fmt, va_list ap);

/* Formats a message into err and returns -1, for "return set_error(...)". */
__attribute__((format(printf, 3, 4)))
int set_error(char *err, size_t errlen, const char *fmt, ...);

/*
 * Length of the well-formed UTF-8 sequence s starts with (1 to 4), or 0:
 * a stray continuation byte, a sequence cut short (a comm is truncated
 * bytewise at 15), an overlong form, a surrogate or a value past U+10FFFF.
 * avail > 0 bytes are readable at s.
 */
size_t utf8_len(const unsigned char *s, size_t avail);

/*
 * A duration, three digits, truncated. DURATION_COMPACT is dump's
 * "60.001s", "1.234ms", "12.500us", "500ns"; DURATION_SPACED is the
 * ladder's "61.613 s", "1.234 ms", "157 us" (whole us below 1 ms).
 */
enum duration_style { DURATION_COMPACT, DURATION_SPACED };
const char *duration_str(unsigned long long ns, enum duration_style style,
			 char buf[DURATION_MAX]);

/*
 * A comm for a terminal: its first max bytes up to a NUL, printable ASCII
 * kept and anything else '?' (one per byte, so widths hold); out has room
 * for max + 1 bytes.
 */
void comm_sanitize(const char *comm, size_t max, char *out);

/* The decimal digits of v at buf, no NUL; how many (1..20). */
#define U64_STR_MAX	20
size_t u64_str(unsigned long long v, char buf[U64_STR_MAX]);

/*
 * printf's "%llu.%06llu" of ns / 1e9 and its microseconds ("12.000345"),
 * NUL-terminated; its length. At most U64_STR_MAX + 8 bytes.
 */
#define USEC_STR_MAX	(U64_STR_MAX + 8)
size_t usec_str(unsigned long long ns, char *buf);

/*
 * sappend(buf, size, "%s", s) without parsing a format: s appended to
 * the string in buf[size], cut to fit.
 */
void append_str(char *buf, size_t size, const char *s);

/*
 * inet_ntop()'s text for an AF_INET or AF_INET6 address, the same bytes
 * (RFC 5952's zero compression as glibc does it, ::ffff:1.2.3.4), without
 * its cost; NUL-terminated, and its length returned.
 */
#define IP_STR_MAX	46	/* INET6_ADDRSTRLEN */
size_t ip_str(int family, const void *addr, char buf[IP_STR_MAX]);

/* "127.0.0.1:80", "[::1]:80" (family AF_INET or AF_INET6). */
const char *addr_port_str(int family, const void *addr, unsigned int port,
			  char buf[ADDR_PORT_MAX]);

#endif
