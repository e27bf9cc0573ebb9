// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the JSON-lines reader (jsonl.c) on any bytes. Besides
 * not crashing (ASan, UBSan), every record it accepts must pass
 * rec_validate() and come back unchanged through format_json() and the
 * parser again; every refusal must say where (a line number).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct tcpstate_rec *rec)
{
	char err[JSONL_ERR_MAX], *json = NULL;
	struct tcpstate_rec back;
	size_t len = 0;
	FILE *f;

	if (rec_validate(rec, err, sizeof(err))) {
		fprintf(stderr, "accepted a record rec_validate() refuses: %s\n", err);
		abort();
	}
	f = open_memstream(&json, &len);
	format_json(f, rec);
	fclose(f);
	if (jsonl_parse(json, len - 1, &back, err, sizeof(err))) {
		fprintf(stderr, "cannot read back %s: %s\n", json, err);
		abort();
	}
	if (memcmp(rec, &back, sizeof(back)) != 0) {
		fprintf(stderr, "read back differently: %s", json);
		abort();
	}
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[JSONL_ERR_MAX];
	struct jsonl_reader r;
	struct tcpstate_rec rec;
	FILE *in;
	int rc;

	if (size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	jsonl_init(&r, in, "fuzz");
	while ((rc = jsonl_read(&r, &rec, err, sizeof(err))) > 0)
		round_trip(&rec);
	if (rc < 0 && strncmp(err, "fuzz:", 5) != 0) {
		fprintf(stderr, "an error without its line: %s\n", err);
		abort();
	}
	jsonl_free(&r);
	fclose(in);
	return 0;
}
