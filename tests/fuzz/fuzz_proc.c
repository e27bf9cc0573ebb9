// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the /proc/net/tcpstate reader (stats.c) and every way
 * of printing its counters (text, JSON, DOT, Prometheus). Whatever it
 * accepts must export as Prometheus text the strict checker of the unit
 * tests accepts; whatever it refuses must say which line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "prom_check.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct stats st = { 0 };
	char err[STATS_ERR_MAX], perr[256], *prom = NULL;
	size_t len = 0;
	FILE *in, *f;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	if (stats_parse(in, "fuzz", &st, err, sizeof(err)) == 0) {
		stats_print_text(sink, &st);
		stats_print_json(sink, &st);
		stats_print_dot(sink, &st);
		f = open_memstream(&prom, &len);
		stats_print_prometheus(f, &st);
		fclose(f);
		if (len && prom_check(prom, perr, sizeof(perr))) {
			fprintf(stderr, "bad Prometheus text (%s):\n%s", perr, prom);
			abort();
		}
		free(prom);
	} else if (strncmp(err, "fuzz:", 5) != 0) {
		fprintf(stderr, "an error without its line: %s\n", err);
		abort();
	}
	stats_free(&st);
	fclose(in);
	return 0;
}
