// SPDX-License-Identifier: GPL-2.0
/*
 * stats --dot and --prometheus: the exporters on the library level, the
 * Prometheus text through a strict checker (itself checked first on what
 * it must refuse), the DOT through Graphviz's own dot when installed.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "export.h"
#include "fixture.h"
#include "prom_check.h"
#include "run.h"

static void parse_text(const char *text, struct stats *st)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	char err[STATS_ERR_MAX];

	CHECK(in != NULL);
	*st = (struct stats){ 0 };
	CHECK_INT(0, stats_parse(in, "proc", st, err, sizeof(err)));
	fclose(in);
}

static char *export(void (*fn)(FILE *, const struct stats *), const char *proc)
{
	struct capture c;
	struct stats st;

	parse_text(proc, &st);
	fn(capture_begin(&c), &st);
	stats_free(&st);
	return capture_end(&c);
}

static void check_prom_bad_at(int line, const char *text, const char *message)
{
	char err[256] = "";

	check_int_at(__FILE__, line, -1, prom_check(text, err, sizeof(err)));
	check_str_at(__FILE__, line, message, err);
}

#define CHECK_PROM_BAD(text, message) check_prom_bad_at(__LINE__, text, message)

static void check_prom_good_at(int line, const char *text)
{
	char err[256] = "";

	check_int_at(__FILE__, line, 0, prom_check(text, err, sizeof(err)));
	check_str_at(__FILE__, line, "", err);
}

#define CHECK_PROM_GOOD(text) check_prom_good_at(__LINE__, text)

/* The checker refuses what Prometheus (or our stricter rules) would. */
static void test_prom_checker(void)
{
	CHECK_PROM_GOOD("# HELP a_total x\n# TYPE a_total counter\na_total 1\n"
			"b{x=\"1\",y=\"a\\\"b\"} 2.5 1700000000000\nc NaN\n# other comment\n");
	CHECK_PROM_BAD("", "line 0: no metrics");
	CHECK_PROM_BAD("a 1", "line 1: no newline at the end");
	CHECK_PROM_BAD("a 1\n\nb 2\n", "line 2: empty line");
	CHECK_PROM_BAD("1a 1\n", "line 1: expected a metric name");
	CHECK_PROM_BAD("a x\n", "line 1: bad value 'x'");
	CHECK_PROM_BAD("a  1\n", "line 1: bad value ' 1'");
	CHECK_PROM_BAD("a 1 1.5\n", "line 1: bad timestamp");
	CHECK_PROM_BAD("# TYPE a counter\n# TYPE a gauge\na 1\n", "line 2: second TYPE for a");
	CHECK_PROM_BAD("# HELP a x\n# HELP a y\na 1\n", "line 2: second HELP for a");
	CHECK_PROM_BAD("# TYPE a summary\na 1\n", "line 1: type 'summary' is not counter, gauge or untyped");
	CHECK_PROM_BAD("a 1\n# TYPE a counter\n", "line 2: TYPE for a after its samples");
	CHECK_PROM_BAD("a 1\nb 1\na{x=\"1\"} 2\n", "line 3: samples of a are not together");
	CHECK_PROM_BAD("a 1\na 2\n", "line 2: series a twice");
	CHECK_PROM_BAD("# TYPE a counter\na -1\n", "line 2: counter a is negative");
	CHECK_PROM_BAD("a{x=\"1\",x=\"2\"} 1\n", "line 1: label x twice");
	CHECK_PROM_BAD("a{__x=\"1\"} 1\n", "line 1: label names starting with __ are reserved");
	CHECK_PROM_BAD("a{x=1} 1\n", "line 1: expected =\" after a label name");
	CHECK_PROM_BAD("a{x=\"\\t\"} 1\n", "line 1: bad escape in a label value");
	CHECK_PROM_BAD("# HELP a x\nb 1\n", "line 2: HELP or TYPE for a, which has no samples");
}

/*
 * How many records of the recorded dumps (tests/fixtures, each .jsonl) have
 * mark: what scenarios.proc counted. A record in two dumps (remote-peer's
 * are client-closes-ipv4's) counts once.
 */
static unsigned long long recorded(const char *mark)
{
	struct dirent **list;
	char **seen = NULL;
	size_t nr = 0, k;
	int n, i;

	n = scandir(fixtures_dir, &list, NULL, alphasort);
	if (n < 0) {
		perror(fixtures_dir);
		exit(2);
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name);
		char *path, *text, *line, *save = NULL;

		/* remote-peer is derived from client-closes-ipv4: not recorded. */
		if (len > 6 && !strcmp(list[i]->d_name + len - 6, ".jsonl") &&
		    strcmp(list[i]->d_name, "remote-peer.jsonl")) {
			path = str_printf("%s/%s", fixtures_dir, list[i]->d_name);
			text = read_file(path, NULL);
			if (!text) {
				perror(path);
				exit(2);
			}
			for (line = strtok_r(text, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				if (!strstr(line, mark))
					continue;
				for (k = 0; k < nr && strcmp(seen[k], line); k++)
					;
				if (k == nr) {
					seen = realloc(seen, (nr + 1) * sizeof(*seen));
					seen[nr++] = strdup(line);
				}
			}
			free(text);
			free(path);
		}
		free(list[i]);
	}
	free(list);
	for (k = 0; k < nr; k++)
		free(seen[k]);
	free(seen);
	return nr;
}

/* TIME_WAIT sockets born (FIN_WAIT2 or CLOSING -> TIME_WAIT) in the dumps. */
#define TW_BORN "\"new\":\"TIME_WAIT\",\"timewait\":true"
/* TIME_WAIT sockets ended (their 2MSL timer, or killed) in the dumps. */
#define TW_ENDED "\"old\":\"TIME_WAIT\",\"new\":\"CLOSE\",\"timewait\":true"

static void test_prometheus(void)
{
	char *golden = str_printf("%s/scenarios.prom", fixtures_dir);
	char *text = read_file(golden, NULL), *out, *want, err[256] = "";

	/* What the tool printed for the scenarios' counters (the golden file). */
	CHECK(text != NULL);
	CHECK_INT(0, prom_check(text ? text : "", err, sizeof(err)));
	CHECK_STR("", err);
	CHECK_CONTAINS("\n# TYPE tcpstate_transitions_total counter\n"
		       "tcpstate_transitions_total{from=\"ESTABLISHED\",to=\"FIN_WAIT1\"} 21\n",
		       text);
	/* The TIME_WAIT sockets born and not ended in the dumps. */
	want = str_printf("\n# TYPE tcpstate_time_wait_now gauge\ntcpstate_time_wait_now %llu\n",
			  recorded(TW_BORN) - recorded(TW_ENDED));
	CHECK_CONTAINS(want, text);
	free(want);
	free(text);
	free(golden);

	/* Counters this tool does not know, a transition it cannot name. */
	out = export(stats_print_prometheus, PROC_FIXTURE);
	CHECK_INT(0, prom_check(out, err, sizeof(err)));
	CHECK_STR("", err);
	CHECK_CONTAINS("# HELP tcpstate_frobs A counter of /proc/net/tcpstate this tool does not know.\n"
		       "# TYPE tcpstate_frobs untyped\ntcpstate_frobs 12345678901\n", out);
	CHECK_CONTAINS("\ntcpstate_trans_bogus_established 4\n", out);
	CHECK_CONTAINS("tcpstate_transitions_total{from=\"NEW_SYN_RECV\",to=\"NEW_SYN_RECV\"} 1\n", out);
	free(out);

	/* A file that names a counter twice, or a name that would collide. */
	out = export(stats_print_prometheus,
		     "events_read 1\nevents_read 2\nevents_read_total 3\n"
		     "transitions_total 4\ntrans_close_listen 5\ntrans_close_listen 6\n"
		     "x 7\nx 8\n");
	CHECK_INT(0, prom_check(out, err, sizeof(err)));
	CHECK_STR("", err);
	CHECK_STR("# HELP tcpstate_events_read_total Events copied to a reader of /dev/tcpstate.\n"
		  "# TYPE tcpstate_events_read_total counter\n"
		  "tcpstate_events_read_total 1\n"
		  "# HELP tcpstate_transitions_total TCP state transitions, by old and new state (kernel names).\n"
		  "# TYPE tcpstate_transitions_total counter\n"
		  "tcpstate_transitions_total{from=\"CLOSE\",to=\"LISTEN\"} 5\n"
		  "# HELP tcpstate_x A counter of /proc/net/tcpstate this tool does not know.\n"
		  "# TYPE tcpstate_x untyped\n"
		  "tcpstate_x 7\n", out);
	free(out);
	/* Nothing at all: no metrics, which the checker calls an error. */
	out = export(stats_print_prometheus, "");
	CHECK_STR("", out);
	free(out);
}

/* dot -Tsvg accepts path with nothing on stderr; false if no dot. */
static bool dot_accepts(const char *path, bool *ran)
{
	char *cmd, *err = tmp_path("dot.err"), *msg;
	int status;

	*ran = access("/usr/bin/dot", X_OK) == 0;
	if (!*ran) {
		free(err);
		return false;
	}
	cmd = str_printf("/usr/bin/dot -Tsvg -o /dev/null '%s' 2>'%s'", path, err);
	status = system(cmd);
	msg = read_file(err, NULL);
	CHECK_STR("", msg);
	free(msg);
	unlink(err);
	free(err);
	free(cmd);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void check_dot(const char *text)
{
	char *path = tmp_path("graph.dot");
	FILE *f = fopen(path, "w");
	bool ran;

	fputs(text, f);
	fclose(f);
	if (dot_accepts(path, &ran) || !ran)
		CHECK(true);
	else
		CHECK(!"dot refused the graph");
	if (!ran)
		printf("test_export: /usr/bin/dot not installed (Debian's graphviz): DOT syntax not checked\n");
	unlink(path);
	free(path);
}

static void test_dot(void)
{
	char *golden = str_printf("%s/scenarios.dot", fixtures_dir);
	char *text = read_file(golden, NULL), *out, *want;

	CHECK(text != NULL);
	if (text) {
		check_dot(text);
		CHECK_PREFIX("// tcpstate stats --dot", text);
		CHECK_CONTAINS("\tESTABLISHED -> CLOSE_WAIT [label=\"rcv FIN / snd ACK\\n19\", penwidth=3.0];\n", text);
		CHECK_CONTAINS("\tLISTEN -> SYN_SENT [label=\"SEND / snd SYN\\n0\", color=\"#d0d0d0\", fontcolor=\"#b0b0b0\"];\n", text);
		/* Every TIME_WAIT socket's end in the dumps. */
		want = str_printf("\tTIME_WAIT -> CLOSE_end [label=\"Timeout=2MSL\\n%llu\", penwidth=3.0];\n",
				  recorded(TW_ENDED));
		CHECK_CONTAINS(want, text);
		free(want);
		CHECK_CONTAINS("\tESTABLISHED -> CLOSE_end [label=\"RST sent or received\\n2\", style=dashed", text);
	}
	free(text);
	free(golden);
	/* No counters at all: every edge faint, still a graph. */
	out = export(stats_print_dot, "");
	check_dot(out);
	CHECK(strstr(out, "penwidth") == NULL);
	free(out);
	/* A kernel-only state (NEW_SYN_RECV) gets its node. */
	out = export(stats_print_dot, PROC_FIXTURE);
	check_dot(out);
	CHECK_CONTAINS("\tNEW_SYN_RECV [style=\"rounded,dashed\"];\n", out);
	free(out);
}

void test_export(void)
{
	test_prom_checker();
	test_prometheus();
	test_dot();
}
