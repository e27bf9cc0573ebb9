// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <string.h>

#include <tcpstate.h>

#include "export.h"
#include "states.h"
#include "util.h"

#define TRANS_PREFIX "trans_"

/* trans_<old>_<new> -> the two states; false for any other name. */
static bool transition(const char *name, unsigned int *from, unsigned int *to)
{
	const char *pair, *sep;

	if (strncmp(name, TRANS_PREFIX, strlen(TRANS_PREFIX)) != 0)
		return false;
	pair = name + strlen(TRANS_PREFIX);
	for (sep = strchr(pair, '_'); sep; sep = strchr(sep + 1, '_')) {
		*from = tcp_state_lookup(pair, (size_t)(sep - pair));
		*to = tcp_state_lookup(sep + 1, strlen(sep + 1));
		if (*from && *to)
			return true;
	}
	return false;
}

/* The first value of the transition from -> to in st; 0 if none. */
static unsigned long long trans_count(const struct stats *st, unsigned int from,
				      unsigned int to)
{
	unsigned int f, t;
	size_t i;

	for (i = 0; i < st->nr; i++)
		if (transition(st->counters[i].name, &f, &t) && f == from && t == to)
			return st->counters[i].value;
	return 0;
}

/* --- DOT ------------------------------------------------------------------- */

/*
 * RFC 9293 section 3.3.2, Figure 5: event / action. "CLOSE" is CLOSED;
 * the kernel's SYN_RECV is SYN-RECEIVED.
 */
static const struct rfc_edge {
	unsigned int from, to;
	const char *event;
} rfc_edges[] = {
	{ TCPSTATE_CLOSE, TCPSTATE_LISTEN, "passive OPEN" },
	{ TCPSTATE_CLOSE, TCPSTATE_SYN_SENT, "active OPEN / snd SYN" },
	{ TCPSTATE_LISTEN, TCPSTATE_SYN_RECV, "rcv SYN / snd SYN,ACK" },
	{ TCPSTATE_LISTEN, TCPSTATE_SYN_SENT, "SEND / snd SYN" },
	{ TCPSTATE_LISTEN, TCPSTATE_CLOSE, "CLOSE" },
	{ TCPSTATE_SYN_SENT, TCPSTATE_SYN_RECV, "rcv SYN / snd SYN,ACK" },
	{ TCPSTATE_SYN_SENT, TCPSTATE_ESTABLISHED, "rcv SYN,ACK / snd ACK" },
	{ TCPSTATE_SYN_SENT, TCPSTATE_CLOSE, "CLOSE" },
	{ TCPSTATE_SYN_RECV, TCPSTATE_ESTABLISHED, "rcv ACK of SYN" },
	{ TCPSTATE_SYN_RECV, TCPSTATE_FIN_WAIT1, "CLOSE / snd FIN" },
	{ TCPSTATE_SYN_RECV, TCPSTATE_LISTEN, "rcv RST" },
	{ TCPSTATE_ESTABLISHED, TCPSTATE_FIN_WAIT1, "CLOSE / snd FIN" },
	{ TCPSTATE_ESTABLISHED, TCPSTATE_CLOSE_WAIT, "rcv FIN / snd ACK" },
	{ TCPSTATE_FIN_WAIT1, TCPSTATE_FIN_WAIT2, "rcv ACK of FIN" },
	{ TCPSTATE_FIN_WAIT1, TCPSTATE_CLOSING, "rcv FIN / snd ACK" },
	{ TCPSTATE_FIN_WAIT2, TCPSTATE_TIME_WAIT, "rcv FIN / snd ACK" },
	{ TCPSTATE_CLOSING, TCPSTATE_TIME_WAIT, "rcv ACK of FIN" },
	{ TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE, "Timeout=2MSL" },
	{ TCPSTATE_CLOSE_WAIT, TCPSTATE_LAST_ACK, "CLOSE / snd FIN" },
	{ TCPSTATE_LAST_ACK, TCPSTATE_CLOSE, "rcv ACK of FIN" },
};

/* What the kernel's own transitions mean, where it is known. */
static const struct rfc_edge kernel_edges[] = {
	{ TCPSTATE_SYN_SENT, TCPSTATE_CLOSE, "refused, timed out or aborted" },
	{ TCPSTATE_SYN_RECV, TCPSTATE_CLOSE, "reset, or lost the race to be hashed" },
	{ TCPSTATE_ESTABLISHED, TCPSTATE_CLOSE, "RST sent or received" },
	{ TCPSTATE_CLOSE_WAIT, TCPSTATE_CLOSE, "RST sent or received" },
	{ TCPSTATE_FIN_WAIT1, TCPSTATE_CLOSE, "reset, or orphan timed out" },
	{ TCPSTATE_FIN_WAIT1, TCPSTATE_TIME_WAIT, "rcv FIN,ACK (TIME_WAIT socket)" },
	{ TCPSTATE_FIN_WAIT2, TCPSTATE_CLOSE, "full socket freed: a TIME_WAIT socket goes on" },
	{ TCPSTATE_FIN_WAIT2, TCPSTATE_FIN_WAIT2, "orphan handed to a TIME_WAIT socket" },
	{ TCPSTATE_CLOSING, TCPSTATE_CLOSE, "full socket freed: a TIME_WAIT socket goes on" },
	{ TCPSTATE_LAST_ACK, TCPSTATE_CLOSE, "rcv ACK of FIN" },
};

static const unsigned int rfc_states[] = {
	TCPSTATE_CLOSE, TCPSTATE_LISTEN, TCPSTATE_SYN_SENT, TCPSTATE_SYN_RECV,
	TCPSTATE_ESTABLISHED, TCPSTATE_FIN_WAIT1, TCPSTATE_FIN_WAIT2,
	TCPSTATE_CLOSING, TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE_WAIT,
	TCPSTATE_LAST_ACK,
};

static bool is_rfc_edge(unsigned int from, unsigned int to)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rfc_edges); i++)
		if (rfc_edges[i].from == from && rfc_edges[i].to == to)
			return true;
	return false;
}

static const char *kernel_words(unsigned int from, unsigned int to)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kernel_edges); i++)
		if (kernel_edges[i].from == from && kernel_edges[i].to == to)
			return kernel_edges[i].event;
	return "kernel";
}

/*
 * The node an edge ends at: CLOSE is drawn twice, as the RFC does, at the
 * top where connections start and at the bottom where they end.
 */
static const char *node(unsigned int state, bool as_target, unsigned int from)
{
	if (state == TCPSTATE_CLOSE && as_target && from != TCPSTATE_LISTEN &&
	    from != TCPSTATE_SYN_SENT && from != TCPSTATE_SYN_RECV)
		return "CLOSE_end";
	return tcp_state_name(state);
}

/* Thicker for more: 1 + log2(count), at most 6. */
static double pen(unsigned long long n)
{
	double w = 1.0;

	while (n > 1 && w < 6.0) {
		n >>= 1;
		w += 0.5;
	}
	return w;
}

static void dot_edge(FILE *out, unsigned int from, unsigned int to,
		     const char *event, unsigned long long n, bool rfc)
{
	fprintf(out, "\t%s -> %s [label=\"%s\\n%llu\"", node(from, false, 0),
		node(to, true, from), event, n);
	if (!rfc)
		fputs(", style=dashed, color=\"#b35806\", fontcolor=\"#b35806\"", out);
	else if (!n)
		fputs(", color=\"#d0d0d0\", fontcolor=\"#b0b0b0\"", out);
	else
		fprintf(out, ", penwidth=%.1f", pen(n));
	/* Edges back up the diagram do not pull its ranks around. */
	if (to == TCPSTATE_LISTEN || (to == TCPSTATE_CLOSE &&
	    !strcmp(node(to, true, from), "CLOSE")))
		fputs(", constraint=false", out);
	fputs("];\n", out);
}

void stats_print_dot(FILE *out, const struct stats *st)
{
	unsigned int from, to;
	bool new_syn_recv = false;
	size_t i;

	fputs("// tcpstate stats --dot: TCP's state diagram (RFC 9293, figure 5) in the\n"
	      "// kernel's state names, each edge labelled with how often it was taken\n"
	      "// (/proc/net/tcpstate). Faint: never taken. Dashed: the kernel's own.\n"
	      "// Render: tcpstate stats --dot | dot -Tsvg > states.svg\n"
	      "digraph tcpstate {\n"
	      "\tgraph [fontname=\"Helvetica\", labelloc=t, nodesep=0.6, ranksep=0.5,\n"
	      "\t       label=\"TCP state transitions counted by tcpstate\"];\n"
	      "\tnode [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3f8\", fontname=\"Helvetica\"];\n"
	      "\tedge [fontname=\"Helvetica\", fontsize=10];\n", out);
	for (i = 0; i < ARRAY_SIZE(rfc_states); i++)
		fprintf(out, "\t%s;\n", tcp_state_name(rfc_states[i]));
	fputs("\tCLOSE_end [label=\"CLOSE\"];\n"
	      "\t{ rank=same; SYN_SENT; SYN_RECV; }\n"
	      "\t{ rank=same; FIN_WAIT1; CLOSE_WAIT; }\n"
	      "\t{ rank=same; FIN_WAIT2; CLOSING; LAST_ACK; }\n", out);
	for (i = 0; i < ARRAY_SIZE(rfc_edges); i++)
		dot_edge(out, rfc_edges[i].from, rfc_edges[i].to, rfc_edges[i].event,
			 trans_count(st, rfc_edges[i].from, rfc_edges[i].to), true);
	for (from = 1; from < TCPSTATE_NR_STATES; from++) {
		for (to = 1; to < TCPSTATE_NR_STATES; to++) {
			unsigned long long n = trans_count(st, from, to);

			if (!n || is_rfc_edge(from, to))
				continue;
			if (from == TCPSTATE_NEW_SYN_RECV || to == TCPSTATE_NEW_SYN_RECV) {
				if (!new_syn_recv)
					fputs("\tNEW_SYN_RECV [style=\"rounded,dashed\"];\n", out);
				new_syn_recv = true;
			}
			dot_edge(out, from, to, kernel_words(from, to), n, false);
		}
	}
	fputs("}\n", out);
}

/* --- Prometheus ----------------------------------------------------------- */

enum metric_type { COUNTER, GAUGE };

static const struct {
	const char *name;
	enum metric_type type;
	const char *help;
} metrics[] = {
	{ "events_recorded", COUNTER, "Events offered to the ring buffer." },
	{ "events_dropped", COUNTER, "Events dropped because the ring buffer was full." },
	{ "events_read", COUNTER, "Events copied to a reader of /dev/tcpstate." },
	{ "events_discarded", COUNTER, "Events skipped by a reader scoped to another network namespace." },
	{ "events_buffered", GAUGE, "Events in the ring buffer now." },
	{ "events_missed", COUNTER, "Probe hits the kernel's kprobe core skipped (module-wide)." },
	{ "active_opens", COUNTER, "SYN_SENT -> ESTABLISHED transitions." },
	{ "passive_opens", COUNTER, "SYN_RECV -> ESTABLISHED transitions." },
	{ "failed_opens", COUNTER, "SYN_SENT -> CLOSE and SYN_RECV -> CLOSE transitions." },
	{ "active_closes", COUNTER, "ESTABLISHED -> FIN_WAIT1 transitions." },
	{ "passive_closes", COUNTER, "ESTABLISHED -> CLOSE_WAIT transitions." },
	{ "simultaneous_closes", COUNTER, "FIN_WAIT1 -> CLOSING transitions." },
	{ "resets_in", COUNTER, "RSTs received that reset a socket." },
	{ "resets_out", COUNTER, "RSTs sent." },
	{ "time_wait_entered", COUNTER, "TIME_WAIT sockets created." },
	{ "time_wait_expired", COUNTER, "TIME_WAIT sockets ended by their timer." },
	{ "time_wait_now", GAUGE, "TIME_WAIT sockets now (entered - ended since the module loaded)." },
	{ "syn_in", COUNTER, "SYNs received by listeners." },
	{ "synack_out", COUNTER, "SYN-ACKs sent, retransmissions and SYN cookies included." },
	{ "syn_retrans", COUNTER, "SYNs sent again." },
	{ "synack_retrans", COUNTER, "SYN-ACKs sent again." },
	{ "syncookies_sent", COUNTER, "SYN cookies sent." },
	{ "syncookies_accepted", COUNTER, "ACKs accepted with a valid SYN cookie." },
	{ "half_open_now", GAUGE, "Request sockets (half-open connections) now." },
	{ "accept_queue_drops", COUNTER, "SYNs dropped and handshake ACKs ignored because an accept queue was full." },
	{ "labels_missed", COUNTER, "Calls of marking kretprobes the kprobe core skipped: a record less precisely labelled, no event lost (module-wide)." },
	{ "time_wait_tracked", GAUGE, "TIME_WAIT sockets whose birth time the module keeps now (module-wide)." },
	{ "time_wait_untracked", COUNTER, "TIME_WAIT sockets born while the module's table had no room: their duration is reported as 0 (module-wide)." },
	{ "time_wait_table_reclaimed", COUNTER, "TIME_WAIT table entries whose end was never seen, reused when their bucket was full (module-wide)." },
	{ "time_wait_table_capacity", GAUGE, "TIME_WAIT sockets the module's table can hold (tw_capacity, module-wide)." },
	{ "group_states", GAUGE, "1 if the state changes probe group is armed (always)." },
	{ "group_resets", GAUGE, "1 if the received resets probe group is armed, 0 if this kernel lacks its probe point." },
	{ "group_segments", GAUGE, "1 if the segments probe group is armed, 0 if this kernel lacks one of its probe points." },
	{ "group_retransmits", GAUGE, "1 if the retransmissions probe group is armed, 0 if this kernel lacks one of its probe points." },
	{ "group_requests", GAUGE, "1 if the request sockets probe group is armed, 0 if this kernel lacks one of its probe points." },
	{ "group_timewait", GAUGE, "1 if the TIME_WAIT sockets probe group is armed, 0 if this kernel lacks one of its probe points." },
};

static int metric_index(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(metrics); i++)
		if (strcmp(name, metrics[i].name) == 0)
			return (int)i;
	return -1;
}

/* Whether counter i is the first with its name (later ones are skipped). */
static bool first_of_name(const struct stats *st, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(st->counters[j].name, st->counters[i].name) == 0)
			return false;
	return true;
}

/* Whether counter i is the first of its transition pair. */
static bool first_of_pair(const struct stats *st, size_t i, unsigned int from,
			  unsigned int to)
{
	unsigned int f, t;
	size_t j;

	for (j = 0; j < i; j++)
		if (transition(st->counters[j].name, &f, &t) && f == from && t == to)
			return false;
	return true;
}

/*
 * Whether tcpstate_<name> is already the name of a family printed above
 * ("events_read_total", "transitions_total"): such a counter is left out
 * rather than printed as a second family of the same name.
 */
static bool taken(const struct stats *st, const char *name)
{
	size_t i, len = strlen(name);
	unsigned int from, to;

	if (strcmp(name, "transitions_total") == 0) {
		for (i = 0; i < st->nr; i++)
			if (transition(st->counters[i].name, &from, &to))
				return true;
		return false;
	}
	if (len <= 6 || strcmp(name + len - 6, "_total") != 0)
		return false;
	for (i = 0; i < st->nr; i++) {
		int m = metric_index(st->counters[i].name);

		if (m >= 0 && metrics[m].type == COUNTER &&
		    strlen(metrics[m].name) == len - 6 &&
		    strncmp(metrics[m].name, name, len - 6) == 0)
			return true;
	}
	return false;
}

void stats_print_prometheus(FILE *out, const struct stats *st)
{
	unsigned int from, to;
	bool titled = false;
	size_t i;
	int m;

	/* Known counters, in file order. */
	for (i = 0; i < st->nr; i++) {
		const struct stats_counter *c = &st->counters[i];
		const char *suffix;

		m = metric_index(c->name);
		if (m < 0 || !first_of_name(st, i))
			continue;
		suffix = metrics[m].type == COUNTER ? "_total" : "";
		fprintf(out, "# HELP tcpstate_%s%s %s\n", c->name, suffix,
			metrics[m].help);
		fprintf(out, "# TYPE tcpstate_%s%s %s\n", c->name, suffix,
			metrics[m].type == COUNTER ? "counter" : "gauge");
		fprintf(out, "tcpstate_%s%s %llu\n", c->name, suffix, c->value);
	}
	/* One family for every transition, so that it can be summed over. */
	for (i = 0; i < st->nr; i++) {
		const struct stats_counter *c = &st->counters[i];

		if (!transition(c->name, &from, &to) || !first_of_pair(st, i, from, to))
			continue;
		if (!titled)
			fputs("# HELP tcpstate_transitions_total TCP state transitions, by old and new state (kernel names).\n"
			      "# TYPE tcpstate_transitions_total counter\n", out);
		titled = true;
		fprintf(out, "tcpstate_transitions_total{from=\"%s\",to=\"%s\"} %llu\n",
			tcp_state_name(from), tcp_state_name(to), c->value);
	}
	/* What this tool does not know: exported, untyped. */
	for (i = 0; i < st->nr; i++) {
		const struct stats_counter *c = &st->counters[i];

		if (metric_index(c->name) >= 0 || transition(c->name, &from, &to) ||
		    !first_of_name(st, i) || taken(st, c->name))
			continue;
		fprintf(out, "# HELP tcpstate_%s A counter of /proc/net/tcpstate this tool does not know.\n",
			c->name);
		fprintf(out, "# TYPE tcpstate_%s untyped\n", c->name);
		fprintf(out, "tcpstate_%s %llu\n", c->name, c->value);
	}
}

bool stats_metric_info(const char *name, bool *counter, const char **help)
{
	int m = metric_index(name);

	if (m < 0)
		return false;
	*counter = metrics[m].type == COUNTER;
	*help = metrics[m].help;
	return true;
}

bool stats_transition(const char *name, unsigned int *from, unsigned int *to)
{
	return transition(name, from, to);
}
