// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate exporter on the library level: HTTP request parsing and the
 * Accept negotiation (http.c), histogram buckets and their text
 * (histogram.c), the model's figures the exporter adds (model.c), the
 * metrics kept from recorded connections and the whole exposition
 * (exporter.c) checked line by line and by promtool, the options and the
 * config file; and contrib/'s Prometheus files through promtool.
 * promtool (Debian's prometheus package) when installed, as test_export.c
 * does with dot.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "conns.h"
#include "exporter.h"
#include "histogram.h"
#include "http.h"
#include "jsonl.h"
#include "model.h"
#include "order.h"
#include "run.h"

#define PROMTOOL "/usr/bin/promtool"

/* --- HTTP ------------------------------------------------------------------ */

static int parse(const char *text, struct http_request *req)
{
	return http_parse(text, strlen(text), req);
}

static void check_status_at(int line, const char *text, int want)
{
	struct http_request req;

	check_int_at(__FILE__, line, want, parse(text, &req));
}

#define CHECK_STATUS(text, want) check_status_at(__LINE__, text, want)

static void test_http_parse(void)
{
	struct http_request req;
	char big[HTTP_HEAD_MAX + 64], line[HTTP_LINE_MAX + 64];

	CHECK_INT(0, parse("GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n", &req));
	CHECK_INT(HTTP_GET, req.method);
	CHECK_STR("/metrics", req.path);
	CHECK(!req.openmetrics);
	CHECK_INT(0, parse("HEAD /?x=1 HTTP/1.0\n\n", &req));	/* bare LF; 1.0 needs no Host */
	CHECK_INT(HTTP_HEAD, req.method);
	CHECK_STR("/", req.path);
	CHECK_INT(0, parse("GET /metrics HTTP/1.1\r\nhost:h\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n\r\n",
			   &req));
	CHECK(req.openmetrics);
	CHECK_INT(0, parse("GET /metrics HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", &req));
	/* Not whole yet. */
	CHECK_STATUS("", HTTP_INCOMPLETE);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\n", HTTP_INCOMPLETE);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\nHost: h\r\n", HTTP_INCOMPLETE);
	/* Malformed. */
	CHECK_STATUS("GET /metrics\r\n\r\n", 400);
	CHECK_STATUS("GET  /metrics HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	CHECK_STATUS("GET metrics HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	CHECK_STATUS("GET http://h/metrics HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics#x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics HTTP/1.1 \r\nHost: h\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics http/1.1\r\nHost: h\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\n\r\n", 400);		/* no Host */
	CHECK_STATUS("GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\nHost : h\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 400);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	CHECK_STATUS("GET /metrics HTTP/1.1\r\nno colon\r\n\r\n", 400);
	/* Methods and versions. */
	CHECK_STATUS("POST /metrics HTTP/1.1\r\nHost: h\r\n\r\n", 405);
	CHECK_STATUS("DELETE / HTTP/1.0\r\n\r\n", 405);
	CHECK_STATUS("get /metrics HTTP/1.1\r\nHost: h\r\n\r\n", 405);	/* methods are case-sensitive */
	CHECK_STATUS("GET /metrics HTTP/2.0\r\nHost: h\r\n\r\n", 505);
	CHECK_STATUS("GET /metrics HTTP/1.2\r\nHost: h\r\n\r\n", 505);
	/* Sizes. */
	memset(line, 'a', sizeof(line));
	memcpy(line, "GET /", 5);
	line[sizeof(line) - 1] = '\0';
	CHECK_STATUS(line, 414);	/* no end of line yet, already too long */
	memset(big, 0, sizeof(big));
	strcpy(big, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(big + strlen(big), 'b', HTTP_HEAD_MAX);
	CHECK_STATUS(big, 431);
	strcpy(big + HTTP_HEAD_MAX, "\r\n\r\n");
	CHECK_STATUS(big, 431);
	{
		/* A path too long for the buffer, in a short enough line. */
		char p[HTTP_PATH_MAX + 64];

		snprintf(p, sizeof(p), "GET /%0*d HTTP/1.1\r\nHost: h\r\n\r\n",
			 HTTP_PATH_MAX, 0);
		CHECK_STATUS(p, 414);
	}
}

static bool om(const char *accept)
{
	return http_accept_openmetrics(accept, strlen(accept));
}

static void test_http_accept(void)
{
	/* What Prometheus 2.42 sends. */
	CHECK(om("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	CHECK(om("application/openmetrics-text"));
	CHECK(om("text/plain;q=0.2, application/openmetrics-text; version=0.0.1; q=0.3"));
	CHECK(!om(""));
	CHECK(!om("*/*"));
	CHECK(!om("text/plain"));
	CHECK(!om("text/plain;version=0.0.4"));
	CHECK(!om("application/openmetrics-text;q=0"));
	CHECK(!om("application/openmetrics-text;version=2.0.0"));
	CHECK(!om("application/openmetrics-text;q=0.5,text/plain"));
	CHECK(!om("application/openmetrics-text;q=0.5,*/*;q=0.5"));	/* a tie: text */
	CHECK(!om("application/json"));
	CHECK(!om("application/openmetrics-text;q=x"));
	CHECK_STR("Not Found", http_reason(404));
	CHECK_STR("Request Header Fields Too Large", http_reason(431));
}

/* --- histograms ------------------------------------------------------------- */

static void test_histogram(void)
{
	static const struct hist_bounds b = { 3, { 1000000, 2500000, 1000000000 } };
	struct histogram h;
	struct capture c;
	char buf[32], *text;
	size_t i;

	CHECK_STR("0", hist_seconds(0, buf));
	CHECK_STR("0.000025", hist_seconds(25000, buf));
	CHECK_STR("0.001", hist_seconds(1000000, buf));
	CHECK_STR("2.5", hist_seconds(2500000000ULL, buf));
	CHECK_STR("60", hist_seconds(60000000000ULL, buf));
	CHECK_STR("0.000000001", hist_seconds(1, buf));
	CHECK_STR("3600.000000001", hist_seconds(3600000000001ULL, buf));

	histogram_init(&h, &b);
	histogram_observe(&h, 1000000);		/* exactly on le="0.001": in it */
	histogram_observe(&h, 1000001);		/* just past: the next */
	histogram_observe(&h, 0);
	histogram_observe(&h, 2000000000);	/* past the last bound: +Inf */
	CHECK_INT(2, h.bucket[0]);
	CHECK_INT(1, h.bucket[1]);
	CHECK_INT(0, h.bucket[2]);
	CHECK_INT(1, h.bucket[3]);
	CHECK_INT(4, h.count);
	histogram_write(capture_begin(&c), "x_seconds", "a=\"b\"", &h);
	text = capture_end(&c);
	CHECK_STR("x_seconds_bucket{a=\"b\",le=\"0.001\"} 2\n"
		  "x_seconds_bucket{a=\"b\",le=\"0.0025\"} 3\n"
		  "x_seconds_bucket{a=\"b\",le=\"1\"} 3\n"
		  "x_seconds_bucket{a=\"b\",le=\"+Inf\"} 4\n"
		  "x_seconds_sum{a=\"b\"} 2.002000001\n"
		  "x_seconds_count{a=\"b\"} 4\n", text);
	free(text);
	histogram_init(&h, &b);
	histogram_write(capture_begin(&c), "y", "", &h);
	text = capture_end(&c);
	CHECK_STR("y_bucket{le=\"0.001\"} 0\ny_bucket{le=\"0.0025\"} 0\ny_bucket{le=\"1\"} 0\n"
		  "y_bucket{le=\"+Inf\"} 0\ny_sum 0\ny_count 0\n", text);
	free(text);
	/* Every bucket set strictly increasing, within its room. */
	{
		const struct hist_bounds *sets[] = { &hist_handshake, &hist_lifetime,
						     &hist_time_wait, &hist_close_wait };

		for (i = 0; i < 4; i++) {
			size_t j;

			CHECK(sets[i]->nr > 0 && sets[i]->nr <= HIST_BOUNDS_MAX);
			for (j = 1; j < sets[i]->nr; j++)
				CHECK(sets[i]->le[j] > sets[i]->le[j - 1]);
		}
	}
	/* A TIME_WAIT expiring after its 60 s timer goes past le="60", into le="61". */
	histogram_init(&h, &hist_time_wait);
	histogram_observe(&h, 60322407629ULL);
	for (i = 0; i < hist_time_wait.nr && hist_time_wait.le[i] != 61000000000ULL; i++)
		;
	CHECK_INT(1, h.bucket[i]);
}

/* --- recorded connections -------------------------------------------------------- */

struct recs {
	struct tcpstate_rec *r;
	size_t nr;
};

static void load_recs(const char *name, struct recs *out)
{
	char *path = str_printf("%s/%s", fixtures_dir, name);
	FILE *f = fopen(path, "r");
	char err[JSONL_ERR_MAX];
	struct jsonl_reader r;
	struct tcpstate_rec rec;

	memset(out, 0, sizeof(*out));
	CHECK(f != NULL);
	if (!f) {
		free(path);
		return;
	}
	jsonl_init(&r, f, path);
	while (jsonl_read(&r, &rec, err, sizeof(err)) > 0) {
		out->r = realloc(out->r, (out->nr + 1) * sizeof(rec));
		out->r[out->nr++] = rec;
	}
	jsonl_free(&r);
	fclose(f);
	free(path);
	records_sort(out->r, out->nr);
}

/* The fixture's connections, each given to fn with its model. */
struct model_visit {
	void (*fn)(const struct model *m, void *arg);
	void *arg;
	unsigned int n;
};

static void visit(struct conn *c, void *arg)
{
	static const struct model_opts o = { .close_wait_ns = 1000000000ULL };
	struct model_visit *v = arg;
	struct model *m = model_build(c, &o, false);

	v->fn(m, v->arg);
	v->n++;
	model_free(m);
}

static unsigned int models(const char *name, void (*fn)(const struct model *, void *),
			   void *arg)
{
	struct model_visit v = { fn, arg, 0 };
	struct tracker *t = tracker_new(visit, NULL, &v);
	struct recs rs;
	size_t i;

	load_recs(name, &rs);
	for (i = 0; i < rs.nr; i++)
		tracker_add(t, &rs.r[i]);
	tracker_flush(t);
	tracker_free(t);
	free(rs.r);
	return v.n;
}

struct figs {
	enum open_failure fail;
	bool hs[2];
	unsigned long long hs_ns[2];
};

static void get_figs(const struct model *m, void *arg)
{
	struct figs *f = arg;
	__u64 ns;

	f->fail = model_open_failure(m);
	f->hs[0] = model_side_handshake(m, 0, &ns);
	f->hs_ns[0] = f->hs[0] ? ns : 0;
	f->hs[1] = model_side_handshake(m, 1, &ns);
	f->hs_ns[1] = f->hs[1] ? ns : 0;
}

static void test_model_figures(void)
{
	struct figs f;

	memset(&f, 0, sizeof(f));
	CHECK_INT(1, models("refused.jsonl", get_figs, &f));
	CHECK_INT(OPEN_FAIL_REFUSED, f.fail);
	CHECK(!f.hs[0] && !f.hs[1]);
	CHECK_STR("refused", open_failure_name(OPEN_FAIL_REFUSED));
	CHECK(open_failure_name(OPEN_FAIL_NONE) == NULL);

	memset(&f, 0, sizeof(f));
	CHECK_INT(1, models("client-closes-ipv4.jsonl", get_figs, &f));
	CHECK_INT(OPEN_FAIL_NONE, f.fail);
	CHECK(f.hs[0] && f.hs[1]);
	/* The client's starts earlier (its SYN leaves before the server gets it). */
	CHECK(f.hs_ns[0] > 0 && f.hs_ns[1] > 0 && f.hs_ns[0] < 1000000000ULL);

	/* The first SYN lost: the client waited its 1 s RTO, the server did not. */
	memset(&f, 0, sizeof(f));
	CHECK_INT(1, models("lost-syn.jsonl", get_figs, &f));
	CHECK_INT(OPEN_FAIL_NONE, f.fail);
	CHECK(f.hs[0] && f.hs_ns[0] >= 1000000000ULL);
	CHECK(f.hs[1] && f.hs_ns[1] < 1000000000ULL);

	memset(&f, 0, sizeof(f));
	CHECK_INT(1, models("simultaneous-open.jsonl", get_figs, &f));
	CHECK(!f.hs[0] && !f.hs[1]);		/* no client, no server */
}

/* The exposition of what fixtures' records made, with --port ports. */
static char *exposition(const char *const *files, const unsigned int *ports,
			size_t nr_ports, bool om, struct exp_metrics *m)
{
	struct exp_netns_sample ns = { .inum = 4026531840UL, .name = "blue", .up = true };
	struct exp_status s = { .version = "9.9.9", .up = true, .attached = true, .sessions = 2,
				.session_recorded = 70, .session_dropped = 3 };
	struct tracker *t;
	struct capture c;
	FILE *in;
	char err[STATS_ERR_MAX];
	size_t i;

	exp_metrics_init(m, ports, nr_ports);
	t = tracker_new(exp_conn_done, exp_conn_event, m);
	for (; *files; files++) {
		struct recs rs;

		load_recs(*files, &rs);
		for (i = 0; i < rs.nr; i++)
			exp_add_record(m, t, &rs.r[i]);
		free(rs.r);
	}
	tracker_flush(t);
	tracker_free(t);
	in = fmemopen((void *)"active_opens 3\ntime_wait_now 1\ntrans_syn_sent_established 3\nfrobs 7\n",
		      strlen("active_opens 3\ntime_wait_now 1\ntrans_syn_sent_established 3\nfrobs 7\n"), "r");
	CHECK_INT(0, stats_parse(in, "proc", &ns.st, err, sizeof(err)));
	fclose(in);
	s.http[0] = 5;
	exp_render(capture_begin(&c), om, m, &ns, 1, &s);
	stats_free(&ns.st);
	return capture_end(&c);
}

/* promtool check metrics accepts text, with nothing to say. */
static void check_promtool_metrics(const char *text)
{
	static unsigned int seq;
	char *name = str_printf("exp%u.prom", ++seq);
	char *path = tmp_file(name, text, strlen(text), 0644);
	char *outp = tmp_path("promtool.out"), *cmd, *out;
	int rc;

	free(name);

	if (access(PROMTOOL, X_OK) != 0) {
		printf("test_exporter: %s not installed (Debian's prometheus): exposition not checked by promtool\n",
		       PROMTOOL);
		free(path);
		free(outp);
		return;
	}
	cmd = str_printf("%s check metrics < '%s' > '%s' 2>&1", PROMTOOL, path, outp);
	rc = system(cmd);
	out = read_file(outp, NULL);
	CHECK_INT(0, rc);
	CHECK_STR("", out ? out : "(no output file)");
	free(out);
	free(cmd);
	free(path);
	free(outp);
}

static void test_exposition(void)
{
	static const char *const files[] = {
		"client-closes-ipv4.jsonl", "refused.jsonl", "lost-syn.jsonl",
		"timewait-expires.jsonl", NULL,
	};
	struct exp_metrics m;
	char *text, *om, line[160];

	text = exposition(files, NULL, 0, false, &m);
	/* Three connections opened (client-closes, lost-syn, timewait-expires), one refused. */
	CHECK_CONTAINS("tcpstate_handshake_seconds_count{role=\"client\"} 3\n", text);
	CHECK_CONTAINS("tcpstate_handshake_seconds_count{role=\"server\"} 3\n", text);
	/* lost-syn's client took over 1 s; the others less. */
	CHECK_CONTAINS("tcpstate_handshake_seconds_bucket{role=\"client\",le=\"1\"} 2\n", text);
	CHECK_CONTAINS("tcpstate_handshake_seconds_bucket{role=\"client\",le=\"3.5\"} 3\n", text);
	CHECK_CONTAINS("tcpstate_handshake_seconds_bucket{role=\"server\",le=\"1\"} 3\n", text);
	CHECK_CONTAINS("tcpstate_syn_rtt_seconds_count 3\n", text);
	CHECK_CONTAINS("tcpstate_connections_total 4\n", text);
	CHECK_CONTAINS("tcpstate_connection_lifetime_seconds_count 4\n", text);
	CHECK_CONTAINS("tcpstate_open_failures_total{reason=\"refused\"} 1\n", text);
	CHECK_CONTAINS("tcpstate_open_failures_total{reason=\"reset\"} 0\n", text);
	CHECK_CONTAINS("tcpstate_open_failures_total{reason=\"timeout\"} 0\n", text);
	/* Every TIME_WAIT socket of these expired after its ~60 s. */
	CHECK_CONTAINS("tcpstate_time_wait_seconds_count{reason=\"expired\"} 3\n", text);
	CHECK_CONTAINS("tcpstate_time_wait_seconds_bucket{reason=\"expired\",le=\"59\"} 0\n", text);
	CHECK_CONTAINS("tcpstate_time_wait_seconds_count{reason=\"netns\"} 0\n", text);
	CHECK_CONTAINS("tcpstate_close_wait_seconds_count 3\n", text);
	CHECK_CONTAINS("tcpstate_exporter_connections_given_up_total 0\n", text);
	CHECK_CONTAINS("tcpstate_exporter_connections_tracked 0\n", text);
	snprintf(line, sizeof(line), "tcpstate_exporter_records_read_total %llu\n", m.records);
	CHECK_CONTAINS(line, text);
	CHECK(m.records > 50);
	/* The /proc counters, labelled with their namespace. */
	CHECK_CONTAINS("# TYPE tcpstate_active_opens_total counter\n"
		       "tcpstate_active_opens_total{netns=\"4026531840\",netns_name=\"blue\"} 3\n", text);
	CHECK_CONTAINS("# TYPE tcpstate_time_wait_now gauge\n"
		       "tcpstate_time_wait_now{netns=\"4026531840\",netns_name=\"blue\"} 1\n", text);
	CHECK_CONTAINS("tcpstate_transitions_total{netns=\"4026531840\",netns_name=\"blue\",from=\"SYN_SENT\",to=\"ESTABLISHED\"} 3\n",
		       text);
	CHECK_CONTAINS("# TYPE tcpstate_frobs untyped\ntcpstate_frobs{netns=\"4026531840\",netns_name=\"blue\"} 7\n",
		       text);
	CHECK_CONTAINS("\ntcpstate_build_info{version=\"9.9.9\"} 1\n", text);
	CHECK_CONTAINS("\ntcpstate_up 1\n", text);
	CHECK_CONTAINS("tcpstate_device_attached 1\n", text);
	CHECK_CONTAINS("tcpstate_device_busy 0\n", text);
	CHECK_CONTAINS("# TYPE tcpstate_sessions gauge\ntcpstate_sessions 2\n", text);
	CHECK_CONTAINS("tcpstate_exporter_connections_expired_total 0\n", text);
	CHECK_CONTAINS("tcpstate_exporter_session_recorded_total 70\n", text);
	CHECK_CONTAINS("tcpstate_exporter_session_dropped_total 3\n", text);
	CHECK_CONTAINS("tcpstate_exporter_http_responses_total{code=\"200\"} 5\n", text);
	CHECK(strstr(text, "# EOF") == NULL);
	check_promtool_metrics(text);

	om = exposition(files, NULL, 0, true, &m);
	CHECK_CONTAINS("# TYPE tcpstate_active_opens counter\n"
		       "tcpstate_active_opens_total{netns=\"4026531840\",netns_name=\"blue\"} 3\n", om);
	CHECK_CONTAINS("# TYPE tcpstate_frobs unknown\n", om);
	CHECK_CONTAINS("# TYPE tcpstate_handshake_seconds histogram\n", om);
	CHECK(strlen(om) > 6 && !strcmp(om + strlen(om) - 6, "# EOF\n"));
	free(om);
	free(text);

	/* --port: a bounded label; everything else is "other". */
	{
		static const unsigned int ports[] = { 44173 };

		text = exposition(files, ports, 1, false, &m);
		CHECK_CONTAINS("tcpstate_open_failures_total{port=\"44173\",reason=\"refused\"} 1\n", text);
		CHECK_CONTAINS("tcpstate_open_failures_total{port=\"other\",reason=\"refused\"} 0\n", text);
		CHECK_CONTAINS("tcpstate_connections_total{port=\"44173\"} 1\n", text);
		CHECK_CONTAINS("tcpstate_connections_total{port=\"other\"} 3\n", text);
		CHECK_CONTAINS("tcpstate_handshake_seconds_count{port=\"other\",role=\"client\"} 3\n", text);
		check_promtool_metrics(text);
		free(text);
	}
}

/* Without a session to ask through: tcpstate_sessions has no sample, and promtool agrees. */
static void test_exposition_no_session(void)
{
	struct exp_status s = { .version = "9.9.9", .up = true, .busy = true, .sessions = -1 };
	struct exp_metrics m;
	struct capture c;
	char *text;

	exp_metrics_init(&m, NULL, 0);
	m.expired = 4;
	exp_render(capture_begin(&c), false, &m, NULL, 0, &s);
	text = capture_end(&c);
	CHECK_CONTAINS("\ntcpstate_device_attached 0\n", text);
	CHECK_CONTAINS("\ntcpstate_device_busy 1\n# HELP tcpstate_sessions ", text);
	CHECK_CONTAINS("# TYPE tcpstate_sessions gauge\n# HELP tcpstate_handshake_seconds ", text);
	CHECK(strstr(text, "\ntcpstate_sessions ") == NULL);
	CHECK_CONTAINS("\ntcpstate_exporter_connections_expired_total 4\n", text);
	check_promtool_metrics(text);
	free(text);
}

/* The exporter's own HTTP connections are left out. */
static void test_own_connections(void)
{
	static const char *const files[] = { "client-closes-ipv4.jsonl", NULL };
	struct exp_metrics m;
	struct recs rs;
	struct tracker *t;
	size_t i;

	load_recs(files[0], &rs);
	exp_metrics_init(&m, NULL, 0);
	m.self_netns = rs.nr ? rs.r[0].netns : 0;
	/* The first record is the listener's CLOSE -> LISTEN: the server's port. */
	m.self_port = rs.nr ? rs.r[0].lport : 0;
	t = tracker_new(exp_conn_done, exp_conn_event, &m);
	for (i = 0; i < rs.nr; i++)
		exp_add_record(&m, t, &rs.r[i]);
	tracker_flush(t);
	tracker_free(t);
	CHECK(rs.nr > 0);
	CHECK_INT(rs.nr, m.own_skipped);
	CHECK_INT(0, m.groups[0].conns);
	CHECK_INT(0, m.groups[0].handshake[0].count);
	free(rs.r);
}

/* --- aging and the bound on connections kept ---------------------------------- */

#define SEC	1000000000ULL
#define T0	(100 * SEC)		/* the first record's time */
#define TIMEOUT	(7200 * SEC)		/* --conn-timeout's default */

/* One end's state change on 127.0.0.1:lport -> 127.0.0.1:rport. */
static struct tcpstate_rec state_rec(__u64 ts, __u64 cookie, __u16 lport, __u16 rport,
				     unsigned int old, unsigned int new, bool tw)
{
	struct tcpstate_rec r;

	memset(&r, 0, sizeof(r));
	r.version = TCPSTATE_ABI_VERSION;
	r.type = TCPSTATE_REC_STATE;
	r.size = sizeof(r);
	r.flags = tw ? TCPSTATE_F_TIMEWAIT : 0;
	r.netns = 4026531840U;
	r.ts_ns = ts;
	r.cookie = cookie;
	r.family = AF_INET;
	r.lport = lport;
	r.rport = rport;
	inet_pton(AF_INET, "127.0.0.1", r.laddr);
	inet_pton(AF_INET, "127.0.0.1", r.raddr);
	r.state.old_state = (__u8)old;
	r.state.new_state = (__u8)new;
	return r;
}

#define ST_MAX 6
/* A full socket's change; a TIME_WAIT socket's (TCPSTATE_F_TIMEWAIT). */
#define FULL(e, o, n)	{ e, TCPSTATE_##o, TCPSTATE_##n, false }
#define TWSOCK(e, o, n)	{ e, TCPSTATE_##o, TCPSTATE_##n, true }

/* A change of the client's (end 0) or the server's (end 1) socket. */
struct st_change {
	unsigned int end, old, new;
	bool tw;
};

static const struct {
	const char *name;
	struct st_change ch[ST_MAX];	/* one a second from T0; new 0 ends the list */
	unsigned long long idle;	/* after the last change, when exp_expire() runs */
	unsigned int expired;		/* 0 or 1 */
} aging[] = {
	{ "SYN_SENT, no answer, idle past the timeout",
	  { FULL(0, CLOSE, SYN_SENT) }, TIMEOUT + 1, 1 },
	{ "SYN_SENT, idle exactly the timeout: not yet",
	  { FULL(0, CLOSE, SYN_SENT) }, TIMEOUT, 0 },
	{ "SYN_SENT, idle an hour",
	  { FULL(0, CLOSE, SYN_SENT) }, 3600 * SEC, 0 },
	{ "ESTABLISHED, idle three days: kept",
	  { FULL(0, CLOSE, SYN_SENT), FULL(0, SYN_SENT, ESTABLISHED),
	    FULL(1, LISTEN, SYN_RECV), FULL(1, SYN_RECV, ESTABLISHED) },
	  3 * 86400 * SEC, 0 },
	{ "one end ESTABLISHED, the other's end lost in LAST_ACK: kept",
	  { FULL(0, SYN_SENT, ESTABLISHED), FULL(1, ESTABLISHED, CLOSE_WAIT),
	    FULL(1, CLOSE_WAIT, LAST_ACK) }, 3 * 86400 * SEC, 0 },
	{ "CLOSE_WAIT (the application never closes): kept",
	  { FULL(1, ESTABLISHED, CLOSE_WAIT) }, 3 * 86400 * SEC, 0 },
	{ "FIN_WAIT2 of a full socket (half-closed): kept",
	  { FULL(0, ESTABLISHED, FIN_WAIT1), FULL(0, FIN_WAIT1, FIN_WAIT2) },
	  3 * 86400 * SEC, 0 },
	{ "FIN_WAIT1, its end lost",
	  { FULL(0, ESTABLISHED, FIN_WAIT1) }, TIMEOUT + 1, 1 },
	{ "LAST_ACK, its end lost",
	  { FULL(1, ESTABLISHED, CLOSE_WAIT), FULL(1, CLOSE_WAIT, LAST_ACK) },
	  TIMEOUT + 1, 1 },
	{ "a TIME_WAIT socket whose end was lost (the full socket closed)",
	  { FULL(0, FIN_WAIT1, FIN_WAIT2),
	    TWSOCK(0, FIN_WAIT2, TIME_WAIT), FULL(0, FIN_WAIT2, CLOSE) },
	  TIMEOUT + 1, 1 },
	{ "an orphan's FIN_WAIT2 (a TIME_WAIT socket, not a full one)",
	  { TWSOCK(0, FIN_WAIT1, FIN_WAIT2), FULL(0, FIN_WAIT1, CLOSE) },
	  TIMEOUT + 1, 1 },
};

static void test_aging(void)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(aging); i++) {
		struct exp_metrics m;
		struct tracker *t;
		__u64 ts = T0;
		size_t n;
		char what[160];

		exp_metrics_init(&m, NULL, 0);
		t = tracker_new(exp_conn_done, exp_conn_event, &m);
		for (j = 0; j < ST_MAX && aging[i].ch[j].new; j++) {
			const struct st_change *c = &aging[i].ch[j];
			struct tcpstate_rec r;

			ts = T0 + j * SEC;
			r = c->end ? state_rec(ts, 2, 80, 40000, c->old, c->new, c->tw) :
				     state_rec(ts, 1, 40000, 80, c->old, c->new, c->tw);
			exp_add_record(&m, t, &r);
		}
		n = exp_expire(&m, t, ts + aging[i].idle, TIMEOUT);
		snprintf(what, sizeof(what), "aging[%zu] %s", i, aging[i].name);
		check_int_at(what, __LINE__, aging[i].expired, n);
		check_int_at(what, __LINE__, aging[i].expired, m.expired);
		check_int_at(what, __LINE__, 1 - aging[i].expired, m.tracked);
		check_int_at(what, __LINE__, 1 - aging[i].expired, tracker_live(t));
		check_int_at(what, __LINE__, 0, m.given_up);
		/* Never counted as over. */
		check_int_at(what, __LINE__, 0, m.groups[0].conns);
		/* Expired or not, the rest goes when the device lets go: given up. */
		tracker_flush(t);
		check_int_at(what, __LINE__, 1 - aging[i].expired, m.given_up);
		check_int_at(what, __LINE__, 0, m.tracked);
		tracker_free(t);
	}

	/* Before the clock has run for the timeout, nothing is that old. */
	{
		struct exp_metrics m;
		struct tracker *t;
		struct tcpstate_rec r = state_rec(1, 1, 40000, 80, TCPSTATE_CLOSE,
						  TCPSTATE_SYN_SENT, false);

		exp_metrics_init(&m, NULL, 0);
		t = tracker_new(exp_conn_done, exp_conn_event, &m);
		exp_add_record(&m, t, &r);
		CHECK_INT(0, exp_expire(&m, t, TIMEOUT, TIMEOUT));
		CHECK_INT(1, exp_expire(&m, t, TIMEOUT + 2, TIMEOUT));
		tracker_free(t);
	}
}

/* --max-conns: the oldest is given up past it, and at once when lowered. */
static void test_max_conns(void)
{
	static const struct {
		unsigned int conns, max, lowered;
		unsigned int given_up, tracked;		/* after the connections */
		unsigned int given_up2, tracked2;	/* after lowering the bound */
	} rows[] = {
		{ 3, 16384, 16384, 0, 3, 0, 3 },
		{ 3, 3, 3, 0, 3, 0, 3 },
		{ 3, 2, 2, 1, 2, 1, 2 },
		{ 5, 2, 1, 3, 2, 4, 1 },
		{ 4, 4, 0, 0, 4, 3, 1 },	/* 0 is taken as 1 */
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct exp_metrics m;
		struct tracker *t;
		char what[64];

		snprintf(what, sizeof(what), "max_conns row %zu", i);
		exp_metrics_init(&m, NULL, 0);
		t = tracker_new(exp_conn_done, exp_conn_event, &m);
		tracker_set_live_max(t, rows[i].max);
		for (j = 0; j < rows[i].conns; j++) {
			struct tcpstate_rec r = state_rec(T0 + j, 10 + j, (__u16)(40000 + j), 80,
							  TCPSTATE_CLOSE, TCPSTATE_SYN_SENT, false);

			exp_add_record(&m, t, &r);
		}
		check_int_at(what, __LINE__, rows[i].given_up, m.given_up);
		check_int_at(what, __LINE__, rows[i].tracked, m.tracked);
		tracker_set_live_max(t, rows[i].lowered);
		check_int_at(what, __LINE__, rows[i].given_up2, m.given_up);
		check_int_at(what, __LINE__, rows[i].tracked2, m.tracked);
		check_int_at(what, __LINE__, rows[i].tracked2, tracker_live(t));
		check_int_at(what, __LINE__, 0, m.expired);
		tracker_flush(t);
		tracker_free(t);
	}
}

/* --- options --------------------------------------------------------------------- */

static int opts(const char *const *argv, struct exporter_opts *o, char *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return exporter_parse_args(argc, (char *const *)argv, o, err, EXPORTER_ERR_MAX);
}

static void test_options(void)
{
	struct exporter_opts o;
	char err[EXPORTER_ERR_MAX] = "";
	char *conf;

	CHECK_INT(0, opts((const char *[]){ "exporter", NULL }, &o, err));
	CHECK_STR("127.0.0.1:9757", o.listen);
	CHECK_STR("/dev/tcpstate", o.device);
	CHECK_STR("/proc/net/tcpstate", o.procfile);
	CHECK_INT(16, o.max_clients);
	CHECK_INT(16384, o.max_conns);
	CHECK_INT(7200, o.conn_timeout);
	CHECK_INT(0, opts((const char *[]){ "exporter", "--max-conns", "5", "--conn-timeout=60",
					    NULL }, &o, err));
	CHECK_INT(5, o.max_conns);
	CHECK_INT(60, o.conn_timeout);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--max-conns", "0", NULL }, &o, err));
	CHECK_STR("--max-conns must be 1 to 1048576, not '0'", err);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--max-conns", "1048577", NULL },
			   &o, err));
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--conn-timeout", "0", NULL }, &o, err));
	CHECK_STR("--conn-timeout must be 1 to 2592000 seconds, not '0'", err);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--conn-timeout", "1h", NULL }, &o, err));
	CHECK_INT(0, opts((const char *[]){ "exporter", "--listen", "[::1]:80", "--port=80,443",
					    "--port", "8080", "--netns", "blue", "-d", "/x",
					    "--max-clients", "3", NULL }, &o, err));
	CHECK_STR("[::1]:80", o.listen);
	CHECK_INT(3, o.nr_ports);
	CHECK_INT(8080, o.ports[2]);
	CHECK_INT(1, o.nr_netns);
	CHECK_STR("blue", o.netns[0]);
	CHECK_STR("/x", o.device);
	CHECK_INT(3, o.max_clients);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--listen", "localhost:80", NULL }, &o, err));
	CHECK_STR("--listen must be ADDR:PORT or [ADDR6]:PORT (127.0.0.1:9757, [::1]:9757), not 'localhost:80'",
		  err);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--listen", "1.2.3.4:0", NULL }, &o, err));
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--port", "0", NULL }, &o, err));
	CHECK_STR("--port must be a port (1-65535) or a list of them (80,443), not '0'", err);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--port",
					    "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", NULL }, &o, err));
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--max-clients", "0", NULL }, &o, err));
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--frob", "1", NULL }, &o, err));
	CHECK_STR("unrecognized option '--frob'", err);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "extra", NULL }, &o, err));
	CHECK_STR("unexpected argument 'extra'", err);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--port", NULL }, &o, err));
	CHECK_STR("option '--port' needs an argument", err);
	/* An unknown option last on the line is unknown, not short of a value. */
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--frob", NULL }, &o, err));
	CHECK_STR("unrecognized option '--frob'", err);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "-x", NULL }, &o, err));
	CHECK_STR("unrecognized option '-x'", err);

	/* A config file; the command line wins, its lists replace the file's. */
	{
		static const char text[] = "# comment\n\nlisten 0.0.0.0:9999\nport 80\n  port 443  \n"
					   "netns red\nmax-clients 7\nmax-conns 100\n"
					   "conn-timeout 600\n";

		conf = tmp_file("exporter.conf", text, strlen(text), 0644);
	}
	CHECK_INT(0, opts((const char *[]){ "exporter", "--config", conf, NULL }, &o, err));
	CHECK_STR("0.0.0.0:9999", o.listen);
	CHECK_INT(2, o.nr_ports);
	CHECK_INT(443, o.ports[1]);
	CHECK_STR("red", o.netns[0]);
	CHECK_INT(7, o.max_clients);
	CHECK_INT(100, o.max_conns);
	CHECK_INT(600, o.conn_timeout);
	CHECK_INT(0, opts((const char *[]){ "exporter", "--port", "22", "--config", conf,
					    "--listen", "127.0.0.1:1", NULL }, &o, err));
	CHECK_STR("127.0.0.1:1", o.listen);
	CHECK_INT(1, o.nr_ports);
	CHECK_INT(22, o.ports[0]);
	CHECK_INT(7, o.max_clients);
	free(conf);
	conf = tmp_file("bad.conf", "port 80\nfrob 1\n", strlen("port 80\nfrob 1\n"), 0644);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--config", conf, NULL }, &o, err));
	CHECK_CONTAINS("bad.conf:2: unrecognized option '--frob'", err);
	free(conf);
	CHECK_INT(-1, opts((const char *[]){ "exporter", "--config", "/nonexistent", NULL }, &o, err));
	CHECK_STR("cannot open /nonexistent: No such file or directory", err);
}

/* --- contrib/ ----------------------------------------------------------------------- */

static void check_promtool(const char *what, const char *file, const char *want)
{
	char *path = str_printf("%s/../../contrib/%s", fixtures_dir, file);
	char *outp = tmp_path("promtool-contrib.out");
	char *cmd = str_printf("%s check %s '%s' > '%s' 2>&1", PROMTOOL, what, path, outp);
	char *out;

	CHECK_INT(0, system(cmd));
	out = read_file(outp, NULL);
	CHECK_CONTAINS(want, out ? out : "");
	free(out);
	free(cmd);
	free(outp);
	free(path);
}

#define SYSTEMD_ANALYZE "/usr/bin/systemd-analyze"

/*
 * systemd-analyze verify on contrib's unit, as installed: it checks the
 * ExecStart binary exists, so this tree's tool stands in for
 * /usr/sbin/tcpstate; --man=no, as the man page is not installed here.
 */
static void check_unit(void)
{
	char *src = str_printf("%s/../../contrib/tcpstate-exporter.service", fixtures_dir);
	char *text = read_file(src, NULL), *unit, *path, *outp, *cmd, *out, *at;
	size_t n;

	if (access(SYSTEMD_ANALYZE, X_OK) != 0) {
		printf("test_exporter: %s not installed: the unit not verified\n", SYSTEMD_ANALYZE);
		free(text);
		free(src);
		return;
	}
	CHECK(text);
	at = text ? strstr(text, "ExecStart=/usr/sbin/tcpstate ") : NULL;
	CHECK(at);
	if (!at) {
		free(text);
		free(src);
		return;
	}
	n = (size_t)(at - text) + strlen("ExecStart=");
	unit = str_printf("%.*s%s%s", (int)n, text, tool_path,
			  at + strlen("ExecStart=/usr/sbin/tcpstate"));
	path = tmp_file("tcpstate-exporter.service", unit, strlen(unit), 0644);
	outp = tmp_path("systemd-analyze.out");
	cmd = str_printf("%s verify --man=no '%s' > '%s' 2>&1", SYSTEMD_ANALYZE, path, outp);
	CHECK_INT(0, system(cmd));
	out = read_file(outp, NULL);
	CHECK_STR("", out ? out : "(no output file)");
	free(out);
	free(cmd);
	free(outp);
	free(path);
	free(unit);
	free(text);
	free(src);
}

static void test_contrib(void)
{
	check_unit();
	if (access(PROMTOOL, X_OK) != 0) {
		printf("test_exporter: %s not installed (Debian's prometheus): contrib/ not checked\n",
		       PROMTOOL);
		return;
	}
	check_promtool("config", "prometheus.yml", "is valid prometheus config file syntax");
	check_promtool("rules", "tcpstate-rules.yml", "SUCCESS: 5 rules found");
}

void test_exporter(void)
{
	test_http_parse();
	test_http_accept();
	test_histogram();
	test_model_figures();
	test_exposition();
	test_own_connections();
	test_aging();
	test_max_conns();
	test_exposition_no_session();
	test_options();
	test_contrib();
}
