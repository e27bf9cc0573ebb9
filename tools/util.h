/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the parsers and validators. */
#ifndef TCPSTATE_TOOL_UTIL_H
#define TCPSTATE_TOOL_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * A whole string of decimal digits that fits in 64 bits: no sign, no
 * blanks, no base prefix, nothing after, unlike strtoull().
 */
bool parse_u64(const char *s, unsigned long long *value);

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

#endif
