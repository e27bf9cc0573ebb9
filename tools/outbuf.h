/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A line of output built in memory and handed to stdio with one fwrite().
 *
 * dump formats every record the kernel sends; a busy machine sends tens of
 * thousands a second, and the reader must keep up on one CPU. printf()'s
 * parsing of a format string for each fixed field cost more than all the
 * rest of the record's path (several hundred ns a record), so the hot
 * formatters (format.c) write fields here directly. The output is exactly
 * what the printf() formats they replace wrote (tests/unit compare it, and
 * `make bench-tool` diffs it against the old tool on a million records).
 *
 * Anything may be appended: when the buffer fills, what it holds goes to
 * the stream first, so a line longer than the buffer is still whole.
 */
#ifndef TCPSTATE_TOOL_OUTBUF_H
#define TCPSTATE_TOOL_OUTBUF_H

#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/*
 * Room for any record's line: one buffer per line, or (dump) one that
 * gathers many lines for one fwrite(). At least OUTBUF_MIN bytes.
 */
#define OUTBUF_MIN	1024

struct outbuf {
	FILE *out;
	char *buf;
	size_t len, size;
	bool direct;	/* write() when stdio holds nothing (ob_flush()) */
};

static inline void ob_init(struct outbuf *b, FILE *out, char *buf,
			   size_t size)
{
	b->out = out;
	b->buf = buf;
	b->size = size;
	b->len = 0;
	b->direct = false;
}

/*
 * direct: what fwrite() would copy into the stream's buffer, written
 * with write() when that buffer is empty, so that nothing is out of
 * order; dump's tens of MB were copied once more for nothing. What
 * write() does not take (an error, a signal) goes by fwrite(), which
 * then fails or goes on as it always did.
 */
static inline void ob_flush(struct outbuf *b)
{
	size_t done = 0;

	if (!b->len)
		return;
	if (b->direct && !__fpending(b->out)) {
		while (done < b->len) {
			ssize_t n = write(fileno(b->out), b->buf + done, b->len - done);

			if (n <= 0)
				break;
			done += (size_t)n;
		}
	}
	if (done < b->len)
		fwrite(b->buf + done, 1, b->len - done, b->out);
	b->len = 0;
}

static inline void ob_mem(struct outbuf *b, const void *s, size_t n)
{
	if (n > b->size - b->len) {
		ob_flush(b);
		if (n > b->size) {
			fwrite(s, 1, n, b->out);
			return;
		}
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

static inline void ob_str(struct outbuf *b, const char *s)
{
	ob_mem(b, s, strlen(s));
}

/* A string literal: its length is known when compiled. */
#define ob_lit(b, s)	ob_mem(b, s, sizeof(s) - 1)

static inline void ob_char(struct outbuf *b, char c)
{
	if (b->len == b->size)
		ob_flush(b);
	b->buf[b->len++] = c;
}

/* Makes room for n bytes, n at most OUTBUF_MIN. */
static inline char *ob_room(struct outbuf *b, size_t n)
{
	if (n > b->size - b->len)
		ob_flush(b);
	return b->buf + b->len;
}

/* Column padding: one memset, not a byte at a time. */
static inline void ob_spaces(struct outbuf *b, size_t n)
{
	while (n) {
		size_t k = n < 64 ? n : 64;

		memset(ob_room(b, k), ' ', k);
		b->len += k;
		n -= k;
	}
}

/* printf's "%*s" (right-aligned in width) of the n bytes at s. */
static inline void ob_right(struct outbuf *b, const char *s, size_t n,
			    size_t width)
{
	if (n < width)
		ob_spaces(b, width - n);
	ob_mem(b, s, n);
}

/* printf's "%-*s" (left-aligned in width). */
static inline void ob_left(struct outbuf *b, const char *s, size_t n,
			   size_t width)
{
	ob_mem(b, s, n);
	if (n < width)
		ob_spaces(b, width - n);
}

/* "%llu", written in place. */
static inline void ob_u64(struct outbuf *b, unsigned long long v)
{
	b->len += u64_str(v, ob_room(b, U64_STR_MAX));
}

/* "%*llu" */
static inline void ob_u64_right(struct outbuf *b, unsigned long long v,
				size_t width)
{
	char d[U64_STR_MAX];

	ob_right(b, d, u64_str(v, d), width);
}

/* "%0*llu": zero-padded to width digits (at most U64_STR_MAX). */
static inline void ob_u64_zero(struct outbuf *b, unsigned long long v,
			       size_t width)
{
	char d[U64_STR_MAX];
	size_t n = u64_str(v, d);

	while (n < width--)
		ob_char(b, '0');
	ob_mem(b, d, n);
}

#endif
