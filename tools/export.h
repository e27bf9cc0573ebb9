/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of /proc/net/tcpstate for other programs: the TCP state
 * diagram as Graphviz DOT with every edge labelled by how often it was
 * taken, and the Prometheus text exposition format (version 0.0.4) for a
 * node exporter's textfile collector.
 */
#ifndef TCPSTATE_TOOL_EXPORT_H
#define TCPSTATE_TOOL_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "stats.h"

/*
 * RFC 9293's eleven states (the kernel's names) and its diagram's edges,
 * each labelled with its event and count; an edge never taken is faint.
 * Transitions the kernel makes that the RFC's diagram does not have
 * (ESTABLISHED -> CLOSE on a reset, ...) are dashed, only when taken.
 */
void stats_print_dot(FILE *out, const struct stats *st);

/*
 * One metric family per counter (tcpstate_<name>_total, or a gauge for
 * events_buffered, time_wait_now and half_open_now), the transitions as
 * tcpstate_transitions_total{from="SYN_SENT",to="ESTABLISHED"}, and any
 * counter this tool does not know as an untyped tcpstate_<name>. A name
 * that appears twice in the file is exported once (its first value).
 */
void stats_print_prometheus(FILE *out, const struct stats *st);

/*
 * For tcpstate exporter, which writes the same families with a netns
 * label per namespace: whether name is a counter this tool knows (true,
 * with whether it is a counter rather than a gauge, and its HELP text),
 * and whether it is a trans_<old>_<new> counter (true, with the states).
 */
bool stats_metric_info(const char *name, bool *counter, const char **help);
bool stats_transition(const char *name, unsigned int *from, unsigned int *to);

#endif
