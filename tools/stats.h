/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of /proc/net/tcpstate: parsing its "name value" lines and
 * printing them as a readable table or one JSON object.
 */
#ifndef TCPSTATE_TOOL_STATS_H
#define TCPSTATE_TOOL_STATS_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* Longest counter name accepted, plus its NUL. */
#define STATS_NAME_MAX 64

/* Enough for any message of stats_parse() naming a path of PATH_MAX. */
#define STATS_ERR_MAX (PATH_MAX + 64)

struct stats_counter {
	char name[STATS_NAME_MAX];
	unsigned long long value;
};

/* The counters in file order. Zero-initialize before stats_parse(). */
struct stats {
	struct stats_counter *counters;
	size_t nr, cap;
};

/*
 * Appends every line of in to st. A line that is not "name value" (name of
 * letters, digits and '_'; one space; a decimal u64) fails the whole parse:
 * -1 with "path:line: malformed ..." in err. path only names it in messages.
 */
int stats_parse(FILE *in, const char *path, struct stats *st,
		char *err, size_t errlen);
void stats_free(struct stats *st);

/*
 * Sections "ring buffer", "connections", "handshakes", "TIME_WAIT sockets",
 * "transitions" (trans_<old>_<new> shown as "OLD -> NEW") and "other" for
 * any counter this tool does not know, so a newer module's counters are
 * still shown. Sections without counters are left out; within one, file
 * order.
 */
void stats_print_text(FILE *out, const struct stats *st);

/* One object, every counter in file order: {"events_recorded":N,...} */
void stats_print_json(FILE *out, const struct stats *st);

#endif
