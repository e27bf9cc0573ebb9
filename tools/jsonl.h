/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading back what `tcpstate dump --json` wrote: one flat JSON object per
 * line, each becoming the struct tcpstate_rec it was printed from, so that
 * everything the tool does with the device can be done with a saved file.
 *
 * The parser is strict, and small on purpose (libc only): an object of
 * unique members whose values are unsigned integers, strings, true, false
 * or null; exactly the members format_json() writes for the record's type,
 * in any order; every value in its field's range. Anything else is an
 * error naming the line and column, never a guess.
 */
#ifndef TCPSTATE_TOOL_JSONL_H
#define TCPSTATE_TOOL_JSONL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <tcpstate.h>

/* Longest line accepted; any record format_json() writes is far shorter. */
#define JSONL_LINE_MAX 4096

/* Enough for any message of jsonl_read() naming a path of PATH_MAX. */
#define JSONL_ERR_MAX (PATH_MAX + 160)

/*
 * Parses line[0..len) (no newline) into rec: 0, or -1 and "column N: what
 * is wrong" in err. rec is zeroed first; members format_json() does not
 * write (padding, TCPSTATE_F_CHILD_TUPLE) stay zero. An enumerated value
 * may be a name or the label format_json() prints for a value without one
 * ("dir_7", "STATE_13"); flags may come in any order. A clock line is
 * not a record: an error here (jsonl_read() takes it).
 */
int jsonl_parse(const char *line, size_t len, struct tcpstate_rec *rec,
		char *err, size_t errlen);

struct jsonl_reader {
	FILE *in;
	const char *path;	/* for messages only */
	unsigned long lineno;	/* of the line last read */
	char *line;
	size_t size;
	/*
	 * A clock line ({"ts":MONO,"type":"clock","utc_ns":UTC}, which dump
	 * --json writes first) is no record: jsonl_read() keeps the first
	 * one's values here and goes on to the next line.
	 */
	bool has_clock;
	unsigned long long clock_mono, clock_utc;
};

/* path only names the input in messages. */
void jsonl_init(struct jsonl_reader *r, FILE *in, const char *path);
void jsonl_free(struct jsonl_reader *r);

/*
 * The next record: 1, or 0 at the end of the input, or -1 with
 * "PATH:LINE: ..." in err (a malformed or truncated line, a read error).
 * A last line without its newline is read like any other; if it does not
 * parse, the message says the input may be truncated.
 */
int jsonl_read(struct jsonl_reader *r, struct tcpstate_rec *rec,
	       char *err, size_t errlen);

#endif
