// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "histogram.h"
#include "util.h"

#define US	1000ULL
#define MS	1000000ULL
#define S	1000000000ULL

/*
 * Handshakes and SYN round trips: loopback takes 20-200 us, a LAN well
 * under 1 ms, a WAN 10-300 ms; a lost SYN adds Linux's 1 s initial RTO,
 * then 3 s, 7 s in total.
 */
const struct hist_bounds hist_handshake = { 17, {
	25 * US, 50 * US, 100 * US, 250 * US, 500 * US, 1 * MS, 2500 * US,
	5 * MS, 10 * MS, 25 * MS, 50 * MS, 100 * MS, 250 * MS, 500 * MS,
	1 * S, 3500 * MS, 10 * S,
} };

/* Connections: from a refused SYN's microseconds to a day. */
const struct hist_bounds hist_lifetime = { 14, {
	100 * US, 1 * MS, 10 * MS, 100 * MS, 1 * S, 10 * S, 60 * S, 300 * S,
	900 * S, 3600 * S, 4 * 3600 * S, 12 * 3600 * S, 24 * 3600 * S,
	7 * 24 * 3600 * S,
} };

/*
 * TIME_WAIT sockets: 60 s when their timer runs out (TCP_TIMEWAIT_LEN;
 * tcp_fin_timeout for an orphan's FIN_WAIT2 part), so that second is
 * resolved finely; much less when reused, reset or their namespace goes.
 */
const struct hist_bounds hist_time_wait = { 13, {
	1 * MS, 10 * MS, 100 * MS, 1 * S, 5 * S, 15 * S, 30 * S, 59 * S,
	60 * S, 61 * S, 65 * S, 90 * S, 120 * S,
} };

/*
 * CLOSE_WAIT: an application closing at once takes microseconds; one that
 * leaks sockets keeps them for hours.
 */
const struct hist_bounds hist_close_wait = { 12, {
	100 * US, 1 * MS, 10 * MS, 100 * MS, 1 * S, 10 * S, 60 * S, 300 * S,
	900 * S, 3600 * S, 4 * 3600 * S, 24 * 3600 * S,
} };

void histogram_init(struct histogram *h, const struct hist_bounds *b)
{
	memset(h, 0, sizeof(*h));
	h->b = b;
}

void histogram_observe(struct histogram *h, unsigned long long ns)
{
	size_t i;

	for (i = 0; i < h->b->nr && ns > h->b->le[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum_ns += ns;
}

const char *hist_seconds(unsigned long long ns, char buf[32])
{
	unsigned long long frac = ns % S;
	int digits = 9;

	if (!frac) {
		snprintf(buf, 32, "%llu", ns / S);
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, 32, "%llu.%0*llu", ns / S, digits, frac);
	return buf;
}

void histogram_write(FILE *out, const char *name, const char *labels,
		     const struct histogram *h)
{
	const char *sep = labels[0] ? "," : "";
	unsigned long long cum = 0;
	char le[32];
	size_t i;

	for (i = 0; i < h->b->nr; i++) {
		cum += h->bucket[i];
		fprintf(out, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep,
			hist_seconds(h->b->le[i], le), cum);
	}
	cum += h->bucket[h->b->nr];
	fprintf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, cum);
	if (labels[0]) {
		fprintf(out, "%s_sum{%s} %s\n", name, labels, hist_seconds(h->sum_ns, le));
		fprintf(out, "%s_count{%s} %llu\n", name, labels, h->count);
	} else {
		fprintf(out, "%s_sum %s\n", name, hist_seconds(h->sum_ns, le));
		fprintf(out, "%s_count %llu\n", name, h->count);
	}
}
