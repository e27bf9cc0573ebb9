// SPDX-License-Identifier: GPL-2.0
/*
 * The connection model (model.h) through its API, as a Prometheus
 * exporter or an --explain mode would use it: verdicts, step kinds and
 * figures of recorded connections, the figures checked against the
 * records themselves.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conns.h"
#include "jsonl.h"
#include "model.h"
#include "run.h"

#define MAX_CONNS 32

struct got {
	struct model *m[MAX_CONNS];
	size_t nr;
};

static const struct model_opts opts = { .close_wait_ns = 1000000000ULL };

static void keep(struct conn *c, void *arg)
{
	struct got *g = arg;
	struct conn *copy;

	if (g->nr == MAX_CONNS)
		return;
	/* The model points into the connection, which is freed after this. */
	copy = malloc(sizeof(*copy));
	*copy = *c;
	copy->ev = malloc(c->nr * sizeof(*c->ev));
	memcpy(copy->ev, c->ev, c->nr * sizeof(*c->ev));
	g->m[g->nr++] = model_build(copy, &opts, false);
}

static void load(const char *name, struct got *g)
{
	char *path = str_printf("%s/%s", fixtures_dir, name);
	char err[JSONL_ERR_MAX];
	FILE *f = fopen(path, "r");
	struct tracker *t = tracker_new(keep, NULL, g);
	struct tcpstate_rec rec;
	struct jsonl_reader r;

	memset(g, 0, sizeof(*g));
	jsonl_init(&r, f, path);
	while (jsonl_read(&r, &rec, err, sizeof(err)) > 0)
		tracker_add(t, &rec);
	jsonl_free(&r);
	fclose(f);
	tracker_flush(t);
	tracker_free(t);
	free(path);
}

static void release(struct got *g)
{
	size_t i;

	for (i = 0; i < g->nr; i++) {
		struct conn *c = (struct conn *)g->m[i]->c;

		model_free(g->m[i]);
		free(c->ev);
		free(c);
	}
}

/* The arrows' step kinds, in order. */
static size_t steps(const struct model *m, enum step *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < m->nr && n < max; i++)
		if (m->rows[i].kind == ROW_ARROW)
			out[n++] = m->rows[i].step_kind;
	return n;
}

/* A record's ts from the fixture: the first line with mark. */
static unsigned long long ts_of(const char *name, const char *mark)
{
	char *path = str_printf("%s/%s", fixtures_dir, name);
	char *text = read_file(path, NULL), *hit = strstr(text, mark), *line;
	unsigned long long ts;

	for (line = hit; line > text && line[-1] != '\n'; line--)
		;
	ts = strtoull(line + strlen("{\"ts\":"), NULL, 10);
	free(text);
	free(path);
	return ts;
}

static void test_client_closes(void)
{
	static const enum step want[] = {
		STEP_HS_SYN, STEP_HS_SYNACK, STEP_HS_ACK, STEP_CLOSE_FIN,
		STEP_CLOSE_ACK, STEP_CLOSE_FIN2, STEP_CLOSE_LAST_ACK,
	};
	const char *f = "client-closes-ipv4.jsonl";
	unsigned long long tw_in = ts_of(f, "\"new\":\"TIME_WAIT\",\"timewait\":true");
	unsigned long long tw_end = ts_of(f, "\"new\":\"CLOSE\",\"timewait\":true");
	unsigned long long cw_in = ts_of(f, "\"new\":\"CLOSE_WAIT\"");
	unsigned long long cw_out = ts_of(f, "\"old\":\"CLOSE_WAIT\"");
	enum step got[16];
	struct got g;
	const struct model *m;
	size_t n, i;

	load(f, &g);
	CHECK_INT(1, g.nr);
	if (g.nr != 1)
		return;
	m = g.m[0];
	CHECK_INT(OPEN_3WAY, m->open);
	CHECK_INT(END_4WAY, m->end);
	CHECK_INT(0, m->closer);
	n = steps(m, got, 16);
	CHECK_INT(sizeof(want) / sizeof(want[0]), n);
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_INT(want[i], got[i]);
	CHECK(m->fig.has_handshake && m->fig.has_lifetime && m->fig.has_close);
	CHECK(m->fig.rtt_at_client && m->fig.rtt > 0);
	CHECK(m->fig.has_tw[0] && m->fig.tw_ended[0] && !m->fig.has_tw[1]);
	CHECK_INT(tw_end - tw_in, m->fig.tw_state[0]);
	CHECK_INT(60322407629LL, m->fig.tw_life[0]);	/* the module's */
	CHECK(m->fig.has_cw[1]);
	CHECK_INT(cw_out - cw_in, m->fig.cw[1]);
	CHECK(m->has_task[0] && !strcmp(m->comm[0], "python3") && m->pid[0] == 136);
	CHECK_INT(0, m->nr_notes);
	release(&g);
}

static void test_verdicts(void)
{
	static const struct {
		const char *file;
		enum open_kind open;
		enum end_kind end;
		enum step first;
	} cases[] = {
		{ "refused.jsonl", OPEN_REFUSED, END_REFUSED, STEP_HS_SYN },
		{ "rst-abort.jsonl", OPEN_3WAY, END_RESET, STEP_HS_SYN },
		{ "simultaneous-close.jsonl", OPEN_3WAY, END_SIM, STEP_HS_SYN },
		{ "simultaneous-open.jsonl", OPEN_SIM, END_4WAY, STEP_SIM_OPEN_SYN },
		{ "fin-ack-combined.jsonl", OPEN_3WAY, END_COMBINED, STEP_HS_SYN },
	};
	enum step got[64];
	struct got g;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load(cases[i].file, &g);
		CHECK_INT(1, g.nr);
		if (g.nr == 1) {
			CHECK_INT(cases[i].open, g.m[0]->open);
			CHECK_INT(cases[i].end, g.m[0]->end);
			CHECK(steps(g.m[0], got, 64) > 0 && got[0] == cases[i].first);
		}
		release(&g);
	}
	/* The refused SYN's RST: its own step; the server had no socket. */
	load("refused.jsonl", &g);
	if (g.nr == 1) {
		CHECK(steps(g.m[0], got, 64) == 2 && got[1] == STEP_REFUSED);
		CHECK(g.m[0]->fig.counted[0] && !g.m[0]->fig.counted[1]);
		CHECK(g.m[0]->fig.has_lifetime && !g.m[0]->fig.has_handshake);
	}
	release(&g);
}

void test_model(void)
{
	test_client_closes();
	test_verdicts();
}
