// SPDX-License-Identifier: GPL-2.0
/*
 * jsonl2bin: a `tcpstate dump --json` file as fuzz_conns reads it: one
 * options byte, then the records as the device returns them.
 *
 *   jsonl2bin OPTIONS_BYTE < dump.jsonl > seed
 */
#include <stdio.h>
#include <stdlib.h>

#include "jsonl.h"

int main(int argc, char *argv[])
{
	char err[JSONL_ERR_MAX];
	struct jsonl_reader r;
	struct tcpstate_rec rec;
	int rc;

	putchar(argc > 1 ? atoi(argv[1]) : 0);
	jsonl_init(&r, stdin, "<stdin>");
	while ((rc = jsonl_read(&r, &rec, err, sizeof(err))) > 0)
		fwrite(&rec, sizeof(rec), 1, stdout);
	jsonl_free(&r);
	if (rc < 0) {
		fprintf(stderr, "jsonl2bin: %s\n", err);
		return 1;
	}
	return 0;
}
