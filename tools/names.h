/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the enumerated fields of a record, for text and JSON alike.
 *
 * A record that passed rec_validate() can still hold a value these tables do
 * not know (a corrupt record, a module newer than its version number says).
 * Such a value is never looked up past a table's end: it is printed as the
 * table's prefix, '_' and the number ("dir_7", "event_42", "STATE_13"), in
 * text and as a JSON string alike, so that nothing is silently dropped and a
 * JSON consumer still gets a string where it expects one.
 */
#ifndef TCPSTATE_TOOL_NAMES_H
#define TCPSTATE_TOOL_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Room for the longest name and for "<prefix>_<any unsigned int>". */
#define NAME_LABEL_MAX 24

/* "SYN|FIN|RST|PSH|ACK|URG|ECE|CWR" and its NUL. */
#define TCP_FLAGS_MAX 32

struct name_table {
	const char *const *names;	/* indexed by value; NULL: no name */
	size_t nr;
	const char *prefix;		/* for values without a name */
};

extern const struct name_table dir_names;	/* "in", "out" */
extern const struct name_table sock_names;	/* "none" .. "timewait" */
extern const struct name_table req_event_names;	/* "created" .. "syn_dropped" */
extern const struct name_table tw_reason_names;	/* "expired" .. "other" */

/* t's name for value, or "<prefix>_<value>" in buf. */
const char *name_label(const struct name_table *t, unsigned int value,
		       char buf[NAME_LABEL_MAX]);

/*
 * The inverse of name_label(): the value s[0..len) names in t, either by
 * name or as "<prefix>_<decimal>" (at most max); true if it names one.
 */
bool name_parse(const struct name_table *t, const char *s, size_t len,
		unsigned int max, unsigned int *value);

/*
 * The inverse of tcp_flags_string(): names joined by '|' in any order,
 * each at most once; "" is no flags. True if s[0..len) is such a list.
 */
bool tcp_flags_parse(const char *s, size_t len, unsigned int *flags);

/*
 * The TCP header flags set in tcp_flags, joined by '|' in the order
 * SYN, FIN, RST, PSH, ACK, URG, ECE, CWR (not the bit order: SYN first reads
 * as people say "SYN-ACK", "FIN-ACK"); "" if none.
 */
const char *tcp_flags_string(unsigned int tcp_flags, char buf[TCP_FLAGS_MAX]);

#endif
