/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-bucket histograms of durations for the exporter, kept in integer
 * nanoseconds so that a bucket's boundary and the sum are exact (a float
 * would put an observation of exactly 1 ms on either side of le="0.001"
 * depending on rounding), and written in the Prometheus text format.
 */
#ifndef TCPSTATE_TOOL_HISTOGRAM_H
#define TCPSTATE_TOOL_HISTOGRAM_H

#include <stddef.h>
#include <stdio.h>

#define HIST_BOUNDS_MAX 20

/* Upper bounds, strictly increasing, in ns; +Inf is implied after them. */
struct hist_bounds {
	size_t nr;
	unsigned long long le[HIST_BOUNDS_MAX];
};

/*
 * The bucket sets, from a loopback handshake (tens of us) to a WAN one
 * and retransmitted SYNs (1 s, 3 s, 7 s...): see histogram.c.
 */
extern const struct hist_bounds hist_handshake, hist_lifetime,
	hist_time_wait, hist_close_wait;

struct histogram {
	const struct hist_bounds *b;
	unsigned long long bucket[HIST_BOUNDS_MAX + 1];	/* not cumulative */
	unsigned long long count;
	unsigned long long sum_ns;
};

void histogram_init(struct histogram *h, const struct hist_bounds *b);
/* ns falls in the first bucket whose bound is >= ns (le: less or equal). */
void histogram_observe(struct histogram *h, unsigned long long ns);

/* Seconds from ns, exactly, shortest: "0.00005", "2.5", "60". */
const char *hist_seconds(unsigned long long ns, char buf[32]);

/*
 * name_bucket{labels,le="..."} (cumulative), name_sum, name_count; labels
 * is "" or 'a="b",c="d"' (already escaped).
 */
void histogram_write(FILE *out, const char *name, const char *labels,
		     const struct histogram *h);

#endif
