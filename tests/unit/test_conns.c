// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate conns`, run as a user would, against the golden outputs in
 * tests/fixtures (made from dumps recorded in the VM: see its README):
 * grouping, relative numbers, step labels, variants, timings, anomalies,
 * filters, --follow; then what only a run can show: colours, the live
 * read loop on the (fake) device, signals, bad input and bad arguments.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"
#include "conns.h"
#include "jsonl.h"
#include "run.h"

#define ARGS_MAX 32

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Every *.jsonl of the fixtures, in name order (as golden.sh does). */
static char **fixture_names(size_t *nr)
{
	struct dirent **list;
	char **names;
	int n, i;
	size_t k = 0;

	n = scandir(fixtures_dir, &list, NULL, alphasort);
	if (n < 0) {
		perror(fixtures_dir);
		exit(2);
	}
	names = calloc((size_t)n + 1, sizeof(*names));
	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name);

		if (len > 6 && !strcmp(list[i]->d_name + len - 6, ".jsonl"))
			names[k++] = strndup(list[i]->d_name, len - 6);
		free(list[i]);
	}
	free(list);
	*nr = k;
	return names;
}

static char *fixture(const char *name)
{
	return str_printf("%s/%s", fixtures_dir, name);
}

/* All fixtures in one file: connections of many namespaces, interleaved ids. */
static char *concatenation(char **names, size_t nr)
{
	char *path = str_printf("%s/all.jsonl", tmp_dir);
	FILE *out = fopen(path, "w");
	size_t i, len;

	for (i = 0; i < nr; i++) {
		char *f = str_printf("%s/%s.jsonl", fixtures_dir, names[i]);
		char *text = read_file(f, &len);

		fwrite(text, 1, len, out);
		free(text);
		free(f);
	}
	fclose(out);
	return path;
}

/* Keeps what the tool printed where a person can diff it, if BUILD is set. */
static void keep_actual(const char *golden, const char *out)
{
	const char *build = getenv("BUILD");
	char *dir, *path;
	FILE *f;

	if (!build || !*build)
		return;
	dir = str_printf("%s/unit/actual", build);
	mkdir(dir, 0777);
	path = str_printf("%s/%s", dir, golden);
	f = fopen(path, "w");
	if (f) {
		fputs(out, f);
		fclose(f);
		printf("  (got: %s; diff -u %s/%s %s; make -C tests/unit golden rewrites them all)\n",
			path, fixtures_dir, golden, path);
	}
	free(path);
	free(dir);
}

/* tcpstate ARGS prints exactly the golden file, and nothing on stderr. */
static void check_golden(const char *golden, char *const args[], size_t nargs,
			 const char *all)
{
	const char *argv[ARGS_MAX + 2] = { "tcpstate" };
	char *path = fixture(golden), *want, *paths[ARGS_MAX];
	unsigned int failed_before;
	struct run r;
	size_t i;

	for (i = 0; i < nargs && i < ARGS_MAX; i++) {
		size_t len = strlen(args[i]);

		paths[i] = NULL;
		if (!strcmp(args[i], "@all"))
			argv[i + 1] = all;
		else if ((len > 6 && !strcmp(args[i] + len - 6, ".jsonl")) ||
			 (len > 5 && !strcmp(args[i] + len - 5, ".proc")))
			argv[i + 1] = paths[i] = fixture(args[i]);
		else
			argv[i + 1] = args[i];
	}
	argv[i + 1] = NULL;
	want = read_file(path, NULL);
	if (!want) {
		printf("%s: no golden output: make -C tests/unit golden\n", path);
		CHECK(want != NULL);
		free(path);
		return;
	}
	run_with(&r, argv, &plain);
	failed_before = check_failures();
	CHECK_INT(0, r.status);
	CHECK_STR("", r.err);
	check_str_at(golden, 0, want, r.out);
	if (check_failures() != failed_before)
		keep_actual(golden, r.out);
	run_free(&r);
	for (i = 0; i < nargs && i < ARGS_MAX; i++)
		free(paths[i]);
	free(want);
	free(path);
}

static void test_golden(void)
{
	size_t nr, i, n;
	char **names = fixture_names(&nr), *all = concatenation(names, nr);
	char *cases = fixture("cases"), *text = read_file(cases, NULL), *line;
	char *save = NULL;

	CHECK(nr >= 15);
	for (i = 0; i < nr; i++) {
		char *ladder = str_printf("%s.ladder", names[i]);
		char *summary = str_printf("%s.summary", names[i]);
		char *file = str_printf("%s.jsonl", names[i]);
		char *a1[] = { "conns", "-r", file };
		char *a2[] = { "conns", "--summary", "-r", file };

		check_golden(ladder, a1, 3, all);
		check_golden(summary, a2, 4, all);
		free(ladder);
		free(summary);
		free(file);
		free(names[i]);
	}
	free(names);
	CHECK(text != NULL);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *args[ARGS_MAX + 1], *golden, *tok, *s2 = NULL;

		if (line[0] == '#' || !line[0])
			continue;
		golden = strtok_r(line, " \t", &s2);
		for (n = 0; n < ARGS_MAX && (tok = strtok_r(NULL, " \t", &s2)); n++)
			args[n] = tok;
		check_golden(golden, args, n, all);
	}
	free(text);
	free(cases);
	unlink(all);
	free(all);
}

/* s without its ANSI colour sequences. */
static char *uncolored(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	while (*s) {
		if (s[0] == '\033' && s[1] == '[') {
			s += 2;
			while (*s && *s != 'm')
				s++;
			if (*s)
				s++;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static void test_color(void)
{
	char *file = fixture("lost-third-ack.jsonl"), *golden = fixture("lost-third-ack.ladder");
	char *want = read_file(golden, NULL), *plain_out;
	struct run r;

	run_with(&r, ARGV("conns", "--color", "-r", file, NULL), &plain);
	CHECK_INT(0, r.status);
	CHECK_CONTAINS("\033[36m", r.out);	/* the client */
	CHECK_CONTAINS("\033[35m", r.out);	/* the server */
	CHECK_CONTAINS("\033[31m", r.out);	/* the lost ACK */
	/* The same layout, only coloured. */
	plain_out = uncolored(r.out);
	CHECK_STR(want, plain_out);
	free(plain_out);
	run_free(&r);
	/* --no-color wins over nothing, the last of the two wins. */
	CHECK_RUN(ARGV("conns", "--color", "--no-color", "-r", file, NULL), 0, want, "");
	free(want);
	free(golden);
	free(file);
}

/* A fixture's text from its name (NAME.jsonl). */
static char *fixture_text(const char *name)
{
	char *path = fixture(name), *text = read_file(path, NULL);

	if (!text) {
		perror(path);
		exit(2);
	}
	free(path);
	return text;
}

/*
 * The number after "key": on the first line of a fixture's text that has
 * mark: values of the recording, read from it rather than copied here.
 */
static unsigned long long fixture_num(const char *text, const char *mark,
				      const char *key)
{
	const char *hit = strstr(text, mark), *line, *end, *p = NULL;
	char *k = str_printf("\"%s\":", key);
	unsigned long long n;

	if (hit) {
		for (line = hit; line > text && line[-1] != '\n'; line--)
			;
		end = strchr(hit, '\n');
		p = strstr(line, k);
		if (p && end && p > end)
			p = NULL;
	}
	if (!p) {
		printf("fixture: no line with %s and %s\n", mark, k);
		exit(2);
	}
	n = strtoull(p + strlen(k), NULL, 10);
	free(k);
	return n;
}

/* ns as the ladder's TIME column prints it: s, 6 decimals, truncated. */
static char *ladder_time(unsigned long long ns)
{
	return str_printf("%llu.%06llu", ns / 1000000000ULL, ns % 1000000000ULL / 1000);
}

/* A recorded connection with its SYN-ACK acknowledging x+6: an anomaly. */
static void test_bad_ack(void)
{
	char *src = fixture("client-closes-ipv4.jsonl"), *text = read_file(src, NULL);
	/* The SYN-ACK as the server sent it: seq y, ack x+1, and when. */
	const char *synack = "\"dir\":\"out\",\"flags\":\"SYN|ACK\"";
	unsigned long long y = fixture_num(text, synack, "seq");
	unsigned long long x1 = fixture_num(text, synack, "ack");
	unsigned long long x6 = (x1 + 5) & 0xffffffffULL;
	unsigned long long at = fixture_num(text, synack, "ts") -
				fixture_num(text, "\"new\":\"SYN_SENT\"", "ts");
	char *from = str_printf("\"ack\":%llu,\"win\":65483", x1);
	char *to = str_printf("\"ack\":%llu", x6), *when = ladder_time(at);
	char *want_row, *want_note;
	char *p, *path;
	struct run r;
	int changed = 0;

	/* The SYN-ACK, as sent and as received: ack x+1 becomes x+6. */
	CHECK_INT((int)strlen(from) - (int)strlen(",\"win\":65483"), (int)strlen(to));
	while ((p = strstr(text, from))) {
		memcpy(p, to, strlen(to));
		changed++;
	}
	CHECK_INT(2, changed);
	path = tmp_file("bad-ack.jsonl", text, strlen(text), 0600);
	run_with(&r, ARGV("conns", "-r", path, NULL), &plain);
	CHECK_INT(0, r.status);
	want_row = str_printf("|<------SYN|ACK seq=y ack=x+6--|              handshake 2/3   seq=%llu ack=%llu  the SYN-ACK acknowledges x+6, not x+1\n",
			      y, x6);
	want_note = str_printf("\n  the server's handshake 2/3 at %s acknowledges x+6, not x+1\n",
			       when);
	CHECK_CONTAINS(want_row, r.out);
	CHECK_CONTAINS(want_note, r.out);
	run_free(&r);
	free(want_row);
	free(want_note);
	free(when);
	free(from);
	free(to);
	free(path);
	free(text);
	free(src);
}

/* Each line of text with from replaced by to, where the line has mark. */
static void replace_in_lines(char *text, const char *mark, const char *from,
			     const char *to, FILE *out)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *hit;

		if (!strstr(line, mark)) {
			fprintf(out, "%s\n", line);
			continue;
		}
		while ((hit = strstr(p, from))) {
			fwrite(p, 1, (size_t)(hit - p), out);
			fputs(to, out);
			p = hit + strlen(from);
		}
		fprintf(out, "%s\n", p);
	}
}

/*
 * An IPv4 client of a dual-stack server: the server's records are IPv6
 * with IPv4-mapped addresses. The same connection, drawn the same.
 */
static void test_dual_stack(void)
{
	char *src = fixture("client-closes-ipv4.jsonl"), *text = read_file(src, NULL);
	char *golden = fixture("client-closes-ipv4.ladder"), *want = read_file(golden, NULL);
	char *step1 = NULL, *step2 = NULL, *mapped;
	/* The server's records: the listener's port is their lport. */
	char *server = str_printf("\"lport\":%llu,",
				  fixture_num(text, "\"new\":\"LISTEN\"", "lport"));
	char *want_line;
	size_t len;
	FILE *f;

	f = open_memstream(&step1, &len);
	replace_in_lines(text, server, "\"127.0.0.1\"", "\"::ffff:127.0.0.1\"", f);
	fclose(f);
	f = open_memstream(&step2, &len);
	replace_in_lines(step1, server, "\"family\":\"ipv4\"", "\"family\":\"ipv6\"", f);
	fclose(f);
	free(step1);
	step1 = NULL;
	f = open_memstream(&step1, &len);
	replace_in_lines(step2, server, "\"0.0.0.0\"", "\"::\"", f);
	fclose(f);
	want_line = str_printf("\"family\":\"ipv6\",\"laddr\":\"::ffff:127.0.0.1\",%s\"raddr\":\"::ffff:127.0.0.1\"",
			       server);
	CHECK_CONTAINS(want_line, step1);
	mapped = tmp_file("dual-stack.jsonl", step1, strlen(step1), 0600);
	CHECK_RUN(ARGV("conns", "-r", mapped, NULL), 0, want, "");
	free(mapped);
	free(want_line);
	free(server);
	free(step1);
	free(step2);
	free(want);
	free(golden);
	free(text);
	free(src);
}

/* Tracing started mid-connection: no SYN, the close is still drawn. */
static void test_midstream(void)
{
	char *src = fixture("client-closes-ipv4.jsonl"), *text = read_file(src, NULL);
	/* The client's close and its FIN: where tracing starts, u and w. */
	const char *close = "\"old\":\"ESTABLISHED\",\"new\":\"FIN_WAIT1\"";
	const char *fin = "\"dir\":\"out\",\"flags\":\"FIN|ACK\"";
	unsigned long long start = fixture_num(text, close, "ts");
	unsigned long long u = fixture_num(text, fin, "seq");
	unsigned long long ack = fixture_num(text, fin, "ack");
	/* Both ends closed or in TIME_WAIT: the later of the two. */
	unsigned long long tw = fixture_num(text, "\"new\":\"TIME_WAIT\"", "ts");
	unsigned long long closed = fixture_num(text, "\"old\":\"LAST_ACK\",\"new\":\"CLOSE\"", "ts");
	unsigned long long life = (tw > closed ? tw : closed) - start;
	char *when = ladder_time(fixture_num(text, fin, "ts") - start);
	char *p = strstr(text, close), *path, *want_close, *want_ack, *want_life;
	struct run r;

	/* From the start of the line of the first FIN_WAIT1 on: no handshake. */
	while (p > text && p[-1] != '\n')
		p--;
	path = tmp_file("midstream.jsonl", p, strlen(p), 0600);
	run_with(&r, ARGV("conns", "-r", path, NULL), &plain);
	CHECK_INT(0, r.status);
	CHECK_STR("", r.err);
	want_close = str_printf("\n                 ESTABLISHED |                                    | ESTABLISHED\n"
				" 0.000000          FIN_WAIT1 |                                    |\n"
				" %s                    |--FIN|ACK seq=u ack=%llu----->|              close 1/4       seq=%llu ack=%llu\n",
				when, ack, u, ack);
	CHECK_CONTAINS(want_close, r.out);
	want_ack = str_printf("|<-------ACK seq=%llu ack=u+1--|              close 2/4", ack);
	CHECK_CONTAINS(want_ack, r.out);
	CHECK_CONTAINS("|--ACK seq=u+1 ack=w+1-------------->|              close 4/4", r.out);
	want_life = str_printf("\n  lifetime               %llu.%03llu ms (first event to both ends closed or in TIME_WAIT)\n",
			       life / 1000000ULL, life % 1000000ULL / 1000);
	CHECK_CONTAINS(want_life, r.out);
	CHECK(strstr(r.out, "handshake") == NULL);
	run_free(&r);
	free(want_close);
	free(want_ack);
	free(want_life);
	free(when);
	free(path);
	free(text);
	free(src);
}

static void test_bad_input(void)
{
	static const char two_good_one_bad[] =
		"{\"ts\":1,\"cpu\":0,\"type\":\"lost\",\"count\":5}\n"
		"{\"ts\":2,\"cpu\":0,\"type\":\"lost\",\"count\":5}\n"
		"{\"ts\":3,\"cpu\":0,\"type\":\"lost\",\"count\":5,}\n";
	char *src = fixture("client-closes-ipv4.jsonl"), *text = read_file(src, NULL);
	char *missing = tmp_path("no-such-dump"), *bad, *cut, *msg, *p, *q;
	struct run r;
	size_t i;

	msg = str_printf("tcpstate: cannot open %s: No such file or directory\n", missing);
	CHECK_RUN(ARGV("conns", "-r", missing, NULL), 1, "", msg);
	free(msg);

	/*
	 * A bad line is named and skipped, the rest is read, exit 3 says so;
	 * --strict draws nothing from a file that is not all good.
	 */
	bad = tmp_file("bad.jsonl", two_good_one_bad, sizeof(two_good_one_bad) - 1, 0600);
	msg = str_printf("tcpstate: %s:3: column 41: expected a member name, found '}'\n", bad);
	CHECK_RUN(ARGV("conns", "--strict", "-r", bad, NULL), 1, "", msg);
	free(msg);
	msg = str_printf("tcpstate: %s:3: column 41: expected a member name, found '}'\n"
			 "tcpstate: %s: 1 bad line skipped, 2 records read (--strict refuses such a file)\n"
			 "tcpstate: %s: 10 events were lost (ring buffer full) while it was recorded: some connections miss steps\n",
			 bad, bad, bad);
	CHECK_RUN(ARGV("conns", "-r", bad, NULL), 3, "", msg);
	free(msg);

	/*
	 * A dump cut in the middle of line 10, as a killed writer leaves it:
	 * inside its laddr string, 3 characters after the opening quote.
	 */
	for (p = text, i = 0; i < 9; i++)
		p = strchr(p, '\n') + 1;
	q = strstr(p, "\"laddr\":\"") + strlen("\"laddr\":");
	CHECK(q < strchr(p, '\n'));
	cut = tmp_file("cut.jsonl", text, (size_t)(q - text) + 4, 0600);
	msg = str_printf("tcpstate: %s:10: column %d: string not terminated (the last line has no newline: is the file truncated?)\n",
			 cut, (int)(q - p) + 1);
	CHECK_RUN(ARGV("conns", "--summary", "--strict", "-r", cut, NULL), 1, "", msg);
	free(msg);
	/* Without --strict: the 9 good lines are drawn, as far as they go. */
	msg = str_printf("tcpstate: %s:10: column %d: string not terminated (the last line has no newline: is the file truncated?)\n"
			 "tcpstate: %s: 1 bad line skipped, 9 records read (--strict refuses such a file)\n",
			 cut, (int)(q - p) + 1, cut);
	run_with(&r, ARGV("conns", "--summary", "-r", cut, NULL), &plain);
	CHECK_INT(3, r.status);
	CHECK_STR(msg, r.err);
	CHECK_CONTAINS(" 3-way        -       still open                  -          -\n", r.out);
	run_free(&r);
	free(msg);
	CHECK_USAGE_ERROR(ARGV("conns", "--strict", NULL),
			  "tcpstate: --strict is about a saved dump: it needs -r FILE\n");

	/* stdin, here /dev/null: nothing to draw. */
	CHECK_RUN(ARGV("conns", "-r", "-", NULL), 0, "", "");
	CHECK_RUN(ARGV("conns", "-r", "-", "--summary", NULL), 0,
		  "START                NETNS     PID COMM            CLIENT                SERVER                OPEN         CLOSED  END                     HS_MS    LIFE_MS\n",
		  "");

	msg = str_printf("tcpstate: %s: read error: Is a directory\n", tmp_dir);
	CHECK_RUN(ARGV("conns", "-r", tmp_dir, NULL), 1, "", msg);
	free(msg);
	free(missing);
	free(bad);
	free(cut);
	free(text);
	free(src);
}

/* The records of a fixture, as the device would return them. */
static struct tcpstate_rec *records(const char *name, size_t *nr)
{
	char *path = fixture(name), err[JSONL_ERR_MAX];
	FILE *f = fopen(path, "r");
	struct tcpstate_rec *recs = NULL;
	struct jsonl_reader r;
	size_t n = 0;

	jsonl_init(&r, f, path);
	for (;;) {
		recs = realloc(recs, (n + 1) * sizeof(*recs));
		if (jsonl_read(&r, &recs[n], err, sizeof(err)) <= 0)
			break;
		n++;
	}
	jsonl_free(&r);
	fclose(f);
	free(path);
	*nr = n;
	return recs;
}

/* The live read loop, on a file the fake ioctl passes as the device. */
static void test_live(void)
{
	size_t nr;
	struct tcpstate_rec *recs = records("client-closes-ipv4.jsonl", &nr);
	char *file = tmp_file("cc.records", recs, nr * sizeof(*recs), 0600);
	char *ladder = fixture("client-closes-ipv4.ladder");
	char *summary = fixture("client-closes-ipv4.summary");
	char *want_l = read_file(ladder, NULL), *want_s = read_file(summary, NULL);
	char *msg = str_printf("tcpstate: %s: unexpected end of file\n", file);

	/* Drawn when complete, before the file's end (which a device has not). */
	CHECK_RUN_WITH(&fake, ARGV("conns", "-d", file, NULL), 1, want_l, msg);
	CHECK_RUN_WITH(&fake, ARGV("conns", "--summary", "-d", file, NULL), 1,
		       want_s, msg);
	free(msg);
	free(want_l);
	free(want_s);
	free(ladder);
	free(summary);
	free(file);
	free(recs);
}

static void count_done(struct conn *c, void *arg)
{
	(void)c;
	++*(size_t *)arg;
}

/*
 * One client's connections to one server, the ports in sequence, as the
 * bench's churn makes them: the index must spread them. Its first hash
 * put 3000 such tuples into 477 slots, and a lookup walked clusters of
 * hundreds (conns --follow spent 53% of its time there).
 */
static void test_index_spread(void)
{
	struct tracker *t;
	struct tcpstate_rec rec;
	size_t i, done = 0, run;

	t = tracker_new(count_done, NULL, &done);
	tracker_set_live_max(t, 100000);
	for (i = 0; i < 30000; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.version = TCPSTATE_ABI_VERSION;
		rec.type = TCPSTATE_REC_STATE;
		rec.size = sizeof(rec);
		rec.family = AF_INET;
		rec.netns = 4026531840U;
		rec.ts_ns = 1000 + i;
		rec.cookie = 4096 + i;
		rec.laddr[0] = 127, rec.laddr[3] = 1;
		rec.raddr[0] = 127, rec.raddr[3] = 1;
		rec.lport = (__u16)(32768 + i);
		rec.rport = 44333;
		rec.state.old_state = TCPSTATE_CLOSE;
		rec.state.new_state = TCPSTATE_SYN_SENT;
		tracker_add(t, &rec);
	}
	CHECK(tracker_live(t) == 30000);
	run = tracker_index_run_max(t);
	/* Random keys at this load: about 30; the first hash: thousands. */
	if (run > 100)
		fprintf(stderr, "  longest run of used slots: %zu\n", run);
	CHECK(run <= 100);
	tracker_flush(t);
	CHECK(done == 30000);
	tracker_free(t);
}

/*
 * The start of a connection's ladder heading, "127.0.0.1:CLIENT ->
 * 127.0.0.1:SERVER", between before and after, the ports from the client's
 * SYN in the fixture name.
 */
static char *connection_line(const char *before, const char *name,
			     const char *after)
{
	char *text = fixture_text(name), *line;
	const char *syn = "\"dir\":\"out\",\"flags\":\"SYN\"";

	line = str_printf("%s127.0.0.1:%llu -> 127.0.0.1:%llu%s", before,
			  fixture_num(text, syn, "lport"),
			  fixture_num(text, syn, "rport"), after);
	free(text);
	return line;
}

/*
 * Ctrl-C draws what is still open: a connection waiting for its TIME_WAIT
 * to end, after a refused one (complete: drawn at once).
 */
static void test_live_signal(void)
{
	size_t n1, n2;
	struct tcpstate_rec *open_recs = records("client-closes-ipv4.jsonl", &n1);
	struct tcpstate_rec *refused = records("refused.jsonl", &n2);
	char *fifo = tmp_path("conns-fifo"), *want_open, *want_refused;
	struct child c;
	struct run r;
	int fd;

	/* Each connection's ports: its client's SYN, lport -> rport. */
	want_open = connection_line("\nconnection 1: ", "client-closes-ipv4.jsonl", "");
	want_refused = connection_line("connection 2: ", "refused.jsonl",
				       "  netns 4026532715");
	n1--;	/* not the TIME_WAIT socket's end */
	if (mkfifo(fifo, 0600) || (fd = open(fifo, O_RDWR)) < 0 ||
	    write(fd, open_recs, n1 * sizeof(*open_recs)) != (ssize_t)(n1 * sizeof(*open_recs)) ||
	    write(fd, refused, n2 * sizeof(*refused)) != (ssize_t)(n2 * sizeof(*refused))) {
		perror(fifo);
		exit(2);
	}
	start(&c, ARGV("conns", "-d", fifo, NULL), &fake);
	CHECK(wait_for_size(c.out, 200));
	kill(c.pid, SIGINT);
	finish(&c, &r);
	CHECK_INT(0, r.status);
	CHECK_STR("", r.err);
	CHECK_PREFIX(want_refused, r.out);
	CHECK_CONTAINS(want_open, r.out);
	CHECK_CONTAINS("\n  TIME_WAIT (client)     entered; its end is not in the capture\n", r.out);
	CHECK_CONTAINS("\n  the capture ended before the connection did (client TIME_WAIT, server CLOSE)\n\n",
		       r.out);
	run_free(&r);
	close(fd);
	unlink(fifo);
	free(fifo);
	free(want_open);
	free(want_refused);
	free(open_recs);
	free(refused);
}

static void test_usage(void)
{
	struct run help;

	static const char *const bad_ports[] = {
		"0", "http", "80,", ",80", "80,,443", "80,70000", "80;443",
		"123456",
	};
	size_t i;

	for (i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		char *msg = str_printf("tcpstate: -P PORT must be a port number (1-65535) or a list of them (80,443), not '%s'\n",
				       bad_ports[i]);

		CHECK_USAGE_ERROR(ARGV("conns", "-P", bad_ports[i], NULL), msg);
		free(msg);
	}
	CHECK_USAGE_ERROR(ARGV("conns", "--port", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", NULL),
			  "tcpstate: -P given more than 16 times ('1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17')\n");
	CHECK_USAGE_ERROR(ARGV("conns", "-a", "localhost", NULL),
			  "tcpstate: -a ADDR must be an IPv4 or IPv6 address, or a prefix of one (10.0.0.0/8, 2001:db8::/32), not 'localhost'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "-s", "SYN_RCVD", NULL),
			  "tcpstate: -s STATE must be a TCP state (LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSE; any case, or as ss writes them: time-wait, fin-wait-1, closed), not 'SYN_RCVD'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "-s", "new-syn-recv", NULL),
			  "tcpstate: -s STATE must be a TCP state (LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSE; any case, or as ss writes them: time-wait, fin-wait-1, closed), not 'new-syn-recv'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "-s", "fin-wait-12", NULL),
			  "tcpstate: -s STATE must be a TCP state (LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSE; any case, or as ss writes them: time-wait, fin-wait-1, closed), not 'fin-wait-12'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "-N", "x", NULL),
			  "tcpstate: -N NETNS must be a network namespace's name (ip netns list) or inode number, not 'x'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "-N", "1", "-N", "2", NULL),
			  "tcpstate: -N NETNS given twice ('2'): a reader follows one network namespace, or all\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--pid", "0", NULL),
			  "tcpstate: --pid PID must be a process id, not '0'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--kinds", "states,acks", NULL),
			  "tcpstate: --kinds must be a list of states, control, segments, requests, timewait, or all, not 'states,acks'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--close-wait", "1.", NULL),
			  "tcpstate: --close-wait SECONDS must be a number of seconds, not '1.'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--close-wait", NULL),
			  "tcpstate: option '--close-wait' needs an argument\n");
	CHECK_USAGE_ERROR(ARGV("conns", "-r", "a", "-d", "b", NULL),
			  "tcpstate: -r FILE and -d DEVICE do not go together\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--summary", "-f", NULL),
			  "tcpstate: --follow draws ladders as they happen; --summary prints one line per connection once it is over\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--json", NULL),
			  "tcpstate: unrecognized option '--json'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "x", NULL),
			  "tcpstate: unexpected argument 'x'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "--summary", NULL),
			  "tcpstate: unrecognized option '--summary'\n");
	CHECK_USAGE_ERROR(ARGV("stats", "--json", "--dot", NULL),
			  "tcpstate: --json and --dot do not go together\n");
	CHECK_USAGE_ERROR(ARGV("stats", "--prometheus", "--follow", NULL),
			  "tcpstate: unrecognized option '--follow'\n");

	run_with(&help, ARGV("conns", "--help", NULL), &plain);
	CHECK_INT(0, help.status);
	CHECK_CONTAINS("\n  tcpstate conns [-r FILE [--strict] | -d DEVICE [--buffer RECORDS]]\n"
		       "                 [--summary | --follow] [--absolute] [--width COLUMNS]\n",
		       help.out);
	CHECK_CONTAINS("\n  tcpstate stats [--json | --dot | --prometheus] [-p PROCFILE]\n",
		       help.out);
	CHECK_CONTAINS("  tcpstate stats --dot | dot -Tsvg > states.svg\n", help.out);
	run_free(&help);

	/* Where the device is missing, conns says what dump says. */
	CHECK_RUN(ARGV("conns", "-d", "/nonexistent/tcpstate", NULL), 1, "",
		  "tcpstate: /nonexistent/tcpstate does not exist: the tcpstate module is not loaded. Load it with: sudo insmod tcpstate.ko\n");
}

/*
 * ss's and RFC 9293's state names select what the kernel's names select;
 * -P 80,443 what -P 80 -P 443 does. Against @all (every fixture).
 */
static void test_filter_forms(void)
{
	static const char *const same[][2] = {
		{ "TIME_WAIT", "time-wait" }, { "FIN_WAIT1", "fin-wait-1" },
		{ "FIN_WAIT2", "FIN-WAIT-2" }, { "CLOSE", "closed" },
		{ "SYN_RECV", "syn-recv" }, { "SYN_RECV", "SYN-RECEIVED" },
		{ "LISTEN", "listening" }, { "CLOSE_WAIT", "close-wait" },
		{ "LAST_ACK", "last-ack" }, { "SYN_SENT", "syn-sent" },
		{ "CLOSING", "Closing" }, { "ESTABLISHED", "established" },
	};
	size_t nr, i;
	char **names = fixture_names(&nr), *all = concatenation(names, nr);
	struct run a, b;

	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		run_with(&a, ARGV("conns", "--summary", "-s", same[i][0], "-r", all, NULL), &plain);
		run_with(&b, ARGV("conns", "--summary", "-s", same[i][1], "-r", all, NULL), &plain);
		CHECK_INT(0, b.status);
		CHECK_STR(a.out, b.out);
		/* Each selects something, and not everything. */
		CHECK(strchr(a.out, '\n') != strrchr(a.out, '\n') ||
		      !strcmp(same[i][0], "LISTEN") || !strcmp(same[i][0], "CLOSING"));
		run_free(&a);
		run_free(&b);
	}
	run_with(&a, ARGV("conns", "--summary", "-P", "59019", "-P", "59387", "-r", all, NULL), &plain);
	run_with(&b, ARGV("conns", "--summary", "-P", "59019,59387", "-r", all, NULL), &plain);
	CHECK_INT(0, b.status);
	CHECK_STR(a.out, b.out);
	/* Two connections (lost-syn's, close-wait-stuck's) and the header. */
	CHECK_INT(3, count_char(a.out, '\n'));
	run_free(&a);
	run_free(&b);
	unlink(all);
	free(all);
}

/*
 * The summary's PID and COMM are the model's, never read back from drawn
 * text: a process named "sshd (pid 1)" is pid 136, comm "sshd (pid 1)".
 */
static void test_summary_comm(void)
{
	char *src = fixture("client-closes-ipv4.jsonl"), *text = read_file(src, NULL);
	char *path, *renamed = NULL;
	struct run r;
	size_t len;
	FILE *f = open_memstream(&renamed, &len);

	replace_in_lines(text, "", "\"comm\":\"python3\"",
			 "\"comm\":\"sshd (pid 1)\"", f);
	fclose(f);
	free(text);
	text = renamed;
	path = tmp_file("sshd.jsonl", text, strlen(text), 0600);
	run_with(&r, ARGV("conns", "--summary", "-r", path, NULL), &plain);
	CHECK_INT(0, r.status);
	CHECK_CONTAINS("     136 sshd (pid 1)    127.0.0.1:", r.out);
	run_free(&r);
	run_with(&r, ARGV("conns", "-r", path, NULL), &plain);
	CHECK_CONTAINS("sshd (pid 1) (pid 136) |", r.out);
	run_free(&r);
	free(path);
	free(text);
	free(src);
}

/* Lines with an arrow: "->|", "|<-", a lost one's "--X" or "X--". */
static size_t arrow_lines(const char *s)
{
	static const char *const marks[] = { "->|", ".>|", "|<", "--X", "X--" };
	size_t n = 0, k;
	const char *nl;

	for (; (nl = strchr(s, '\n')); s = nl + 1) {
		char *line = strndup(s, (size_t)(nl - s));

		for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
			if (strstr(line, marks[k]))
				break;
		n += k < sizeof(marks) / sizeof(marks[0]);
		free(line);
	}
	return n;
}

/*
 * --width: every ladder of every fixture fits in 80 and in 72 columns,
 * with as many arrows as the wide one; wide enough, or 0, is the wide
 * layout byte for byte.
 */
static void test_width(void)
{
	static const char *const widths[] = { "80", "72" };
	size_t nr, i, k;
	char **names = fixture_names(&nr);

	for (i = 0; i < nr; i++) {
		char *file = str_printf("%s/%s.jsonl", fixtures_dir, names[i]);
		char *gl = str_printf("%s/%s.ladder", fixtures_dir, names[i]);
		char *wide = read_file(gl, NULL);
		struct run r;

		CHECK_RUN(ARGV("conns", "--width", "0", "-r", file, NULL), 0, wide, "");
		CHECK_RUN(ARGV("conns", "--width", "1000", "-r", file, NULL), 0, wide, "");
		for (k = 0; k < 2; k++) {
			size_t longest = 0, len;
			const char *p, *nl;

			run_with(&r, ARGV("conns", "--width", widths[k], "-r", file, NULL), &plain);
			CHECK_INT(0, r.status);
			for (p = r.out; (nl = strchr(p, '\n')); p = nl + 1) {
				len = (size_t)(nl - p);
				if (len > longest)
					longest = len;
			}
			CHECK((long)longest <= atol(widths[k]));
			if ((long)longest > atol(widths[k]))
				printf("  %s at --width %s: a line of %zu columns\n",
				       names[i], widths[k], longest);
			CHECK_INT(arrow_lines(wide), arrow_lines(r.out));
			run_free(&r);
		}
		free(wide);
		free(gl);
		free(file);
		free(names[i]);
	}
	free(names);
	CHECK_USAGE_ERROR(ARGV("conns", "--width", "39", NULL),
			  "tcpstate: --width COLUMNS must be 40 to 1000, or 0 for no limit, not '39'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--width", "wide", NULL),
			  "tcpstate: --width COLUMNS must be 40 to 1000, or 0 for no limit, not 'wide'\n");
}

/* The longest line of s, in bytes (the tool's output is ASCII here). */
static size_t longest_line(const char *s)
{
	size_t longest = 0;
	const char *nl;

	for (; (nl = strchr(s, '\n')); s = nl + 1)
		if ((size_t)(nl - s) > longest)
			longest = (size_t)(nl - s);
	return longest;
}

/* Whether every line of s starts with "#" (--follow's "#ID "), or is empty. */
static bool all_prefixed(const char *s)
{
	const char *nl;

	for (; (nl = strchr(s, '\n')); s = nl + 1)
		if (nl != s && s[0] != '#')
			return false;
	return true;
}

/*
 * --follow --width: every fixture's live drawing fits in 80, 72 and 60
 * columns (the narrow follow layout) and in 160 (the wide one, notes
 * moved under their row), keeps every arrow of the unlimited one, and
 * every line keeps its "#ID " prefix. Without a limit it is the wide
 * layout, byte for byte (follow.ladder is checked by test_golden).
 */
static void test_follow_width(void)
{
	static const char *const widths[] = { "80", "72", "60", "160" };
	size_t nr, i, k;
	char **names = fixture_names(&nr);

	for (i = 0; i < nr; i++) {
		char *file = str_printf("%s/%s.jsonl", fixtures_dir, names[i]);
		struct run wide, r;

		run_with(&wide, ARGV("conns", "--follow", "-r", file, NULL), &plain);
		CHECK_INT(0, wide.status);
		for (k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
			size_t longest;

			run_with(&r, ARGV("conns", "--follow", "--width", widths[k], "-r",
					  file, NULL), &plain);
			CHECK_INT(0, r.status);
			CHECK_STR("", r.err);
			longest = longest_line(r.out);
			CHECK((long)longest <= atol(widths[k]));
			if ((long)longest > atol(widths[k]))
				printf("  %s --follow at --width %s: a line of %zu columns\n",
				       names[i], widths[k], longest);
			CHECK_INT(arrow_lines(wide.out), arrow_lines(r.out));
			CHECK(all_prefixed(r.out));
			/* The narrow layout names the sides above the ladder. */
			if (atol(widths[k]) < 100)
				CHECK_CONTAINS("\n#1   netns ", r.out);
			else
				CHECK(strstr(r.out, "\n#1   netns ") == NULL);
			run_free(&r);
		}
		/* Wide enough for every note: the unlimited layout itself. */
		CHECK_RUN(ARGV("conns", "--follow", "--width", "1000", "-r", file, NULL),
			  0, wide.out, "");
		run_free(&wide);
		free(file);
		free(names[i]);
	}
	free(names);
}

/*
 * The live loop, --follow --width 80 on the (fake) device: what the
 * same records saved draw (the golden follow-narrow.ladder).
 */
static void test_follow_live_width(void)
{
	size_t nr;
	struct tcpstate_rec *recs = records("client-closes-ipv4.jsonl", &nr);
	char *file = tmp_file("cc-follow.records", recs, nr * sizeof(*recs), 0600);
	char *golden = fixture("follow-narrow.ladder"), *want = read_file(golden, NULL);
	char *msg = str_printf("tcpstate: %s: unexpected end of file\n", file);

	CHECK_RUN_WITH(&fake, ARGV("conns", "--follow", "--width", "80", "-d", file, NULL),
		       1, want, msg);
	free(msg);
	free(want);
	free(golden);
	free(file);
	free(recs);
}

/*
 * Run with stdout on a pseudo-terminal cols wide (raw: no "\r\n"), as a
 * user's terminal: the tool must find the width itself.
 */
static void run_on_terminal(struct run *r, const char *const argv[],
			    unsigned short cols)
{
	struct winsize ws = { .ws_row = 40, .ws_col = cols };
	struct run_opts o = plain;
	struct termios tio;
	struct child c;
	char *out = NULL, buf[4096];
	size_t len = 0;
	ssize_t n;
	FILE *mem;
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave = -1;

	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    (slave = open(ptsname(master), O_RDWR | O_NOCTTY)) < 0 ||
	    tcgetattr(slave, &tio)) {
		perror("pseudo-terminal");
		exit(2);
	}
	cfmakeraw(&tio);
	if (tcsetattr(slave, TCSANOW, &tio) || ioctl(slave, TIOCSWINSZ, &ws)) {
		perror("pseudo-terminal");
		exit(2);
	}
	o.stdout_fd = slave;
	start(&c, argv, &o);
	close(slave);
	/* Read as it comes (a full terminal would stop the tool), to EIO. */
	mem = open_memstream(&out, &len);
	while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			fwrite(buf, 1, (size_t)n, mem);
	fclose(mem);
	close(master);
	finish(&c, r);
	free(r->out);
	r->out = out;
}

/* On an 80-column terminal, --follow draws narrow without being told. */
static void test_follow_terminal(void)
{
	char *file = fixture("client-closes-ipv4.jsonl");
	char *golden = fixture("follow-narrow.ladder"), *want = read_file(golden, NULL);
	char *wide_golden = fixture("client-closes-ipv4.ladder");
	char *wide = read_file(wide_golden, NULL);
	struct run r;

	run_on_terminal(&r, ARGV("conns", "--follow", "--no-color", "-r", file, NULL), 80);
	CHECK_INT(0, r.status);
	CHECK_STR(want, r.out);
	run_free(&r);
	/* --width wins over the terminal's. */
	run_on_terminal(&r, ARGV("conns", "--follow", "--no-color", "--width", "0",
				 "-r", file, NULL), 80);
	CHECK_PREFIX("#1 connection 1: 127.0.0.1:", r.out);
	CHECK((long)longest_line(r.out) > 80);
	run_free(&r);
	/* A terminal wide enough: the wide ladder, as when piped. */
	run_on_terminal(&r, ARGV("conns", "--no-color", "-r", file, NULL), 200);
	CHECK_STR(wide, r.out);
	run_free(&r);
	free(wide);
	free(wide_golden);
	free(want);
	free(golden);
	free(file);
}

/* "2025-11-24T16:00:SS.UUUUUUZ": utc (ns) within that minute. */
static char *utc_in_minute(unsigned long long utc)
{
	const unsigned long long minute = 1764000000ULL;	/* 2025-11-24T16:00:00Z */
	unsigned long long s = utc / 1000000000ULL - minute;

	return str_printf("2025-11-24T16:00:%02llu.%06lluZ", s,
			  utc % 1000000000ULL / 1000);
}

/*
 * -T for conns: the heading's "first event at", the summary's START,
 * --follow's wide rows, the picture's title; by the file's clock line
 * (wall), CLOCK_MONOTONIC (mono, the default: byte for byte as without
 * -T), or since the file's first record (rel). The ladder's rows stay
 * seconds since its first event.
 */
static void test_time(void)
{
	char *ls = fixture_text("lost-syn.jsonl"), *ref = fixture_text("refused.jsonl");
	/* The clock line: at CLOCK_MONOTONIC 22 s it was 16:00:00 UTC. */
	const unsigned long long mono = 22000000000ULL;
	const unsigned long long utc = 1764000000000000000ULL;
	unsigned long long t0 = fixture_num(ls, "\"new\":\"SYN_SENT\"", "ts");
	unsigned long long t1 = fixture_num(ref, "\"new\":\"SYN_SENT\"", "ts");
	unsigned long long first = fixture_num(ls, "\"new\":\"LISTEN\"", "ts");
	char *text = str_printf("{\"ts\":%llu,\"type\":\"clock\",\"utc_ns\":%llu}\n%s%s",
				mono, utc, ls, ref);
	char *path = tmp_file("clock.jsonl", text, strlen(text), 0600);
	char *plain_path = fixture("lost-syn.jsonl");
	char *w0 = utc_in_minute(utc + t0 - mono), *w1 = utc_in_minute(utc + t1 - mono);
	char *want, *rel0, *rel1;
	const char *modes[] = { "--summary", "--follow", "--svg", NULL };
	struct run a, b;
	size_t i;

	/* The default is mono: -T mono changes nothing. */
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		run_with(&a, ARGV("conns", "-r", path, modes[i], NULL), &plain);
		run_with(&b, ARGV("conns", "-T", "mono", "-r", path, modes[i], NULL), &plain);
		CHECK_INT(0, b.status);
		CHECK_STR(a.out, b.out);
		run_free(&a);
		run_free(&b);
	}
	run_with(&a, ARGV("conns", "--time=wall", "-r", path, NULL), &plain);
	CHECK_INT(0, a.status);
	CHECK_STR("", a.err);
	want = str_printf("netns 4026532607, first event at %s\n", w0);
	CHECK_CONTAINS(want, a.out);
	free(want);
	want = str_printf("netns 4026532715, first event at %s\n", w1);
	CHECK_CONTAINS(want, a.out);
	free(want);
	/* The rows are still since the connection's first event. */
	CHECK_CONTAINS("\n 0.000000           SYN_SENT |", a.out);
	run_free(&a);

	run_with(&a, ARGV("conns", "-T", "wall", "--summary", "-r", path, NULL), &plain);
	CHECK_PREFIX("START                            NETNS     PID COMM ", a.out);
	want = str_printf("\n%s 4026532607     136 python3 ", w0);
	CHECK_CONTAINS(want, a.out);
	free(want);
	run_free(&a);

	run_with(&a, ARGV("conns", "-T", "wall", "--follow", "-r", path, NULL), &plain);
	CHECK_CONTAINS("\n#1                  TIME (UTC)             client |", a.out);
	want = str_printf("\n#1 %s           SYN_SENT |", w0);
	CHECK_CONTAINS(want, a.out);
	free(want);
	run_free(&a);

	/* Narrow, following: the heading by -T, the rows since the first event. */
	run_with(&a, ARGV("conns", "-T", "wall", "--follow", "--width", "80", "-r", path, NULL),
		 &plain);
	want = str_printf("#1 connection 1: 127.0.0.1:52990 -> 127.0.0.1:59019\n"
			  "#1   netns 4026532607, first event at %s\n", w0);
	CHECK_PREFIX(want, a.out);
	free(want);
	CHECK_CONTAINS("\n#1   0.000000     SYN_SENT |", a.out);
	CHECK((long)longest_line(a.out) <= 80);
	run_free(&a);

	run_with(&a, ARGV("conns", "-T", "wall", "--width", "80", "-r", path, NULL), &plain);
	want = str_printf("\n  netns 4026532607, first event at %s\n", w0);
	CHECK_CONTAINS(want, a.out);
	free(want);
	run_free(&a);

	run_with(&a, ARGV("conns", "-T", "wall", "--svg", "-r", path, NULL), &plain);
	want = str_printf("  netns 4026532607, first event at %s</text>\n", w0);
	CHECK_CONTAINS(want, a.out);
	free(want);
	run_free(&a);

	/* rel: since the file's first record (lost-syn's listener). */
	rel0 = ladder_time(t0 - first);
	rel1 = ladder_time(t1 - first);
	run_with(&a, ARGV("conns", "-T", "rel", "-r", path, NULL), &plain);
	want = str_printf("netns 4026532607, first event %s s into the capture\n", rel0);
	CHECK_CONTAINS(want, a.out);
	free(want);
	want = str_printf("netns 4026532715, first event %s s into the capture\n", rel1);
	CHECK_CONTAINS(want, a.out);
	free(want);
	run_free(&a);
	run_with(&a, ARGV("conns", "-T", "rel", "--summary", "-r", path, NULL), &plain);
	want = str_printf("\n%-15s 4026532607     136 python3 ", rel0);
	CHECK_CONTAINS(want, a.out);
	free(want);
	run_free(&a);
	run_with(&a, ARGV("conns", "-T", "rel", "--follow", "-r", path, NULL), &plain);
	want = str_printf("\n#1 %14s           SYN_SENT |", rel0);
	CHECK_CONTAINS(want, a.out);
	free(want);
	run_free(&a);

	/* No clock line: wall time cannot be told, nothing is drawn. */
	want = str_printf("tcpstate: %s has no clock line ({\"type\":\"clock\"}, which dump --json now writes first; older dumps lack it): -T wall cannot tell the time; use -T mono or -T rel\n",
			  plain_path);
	CHECK_RUN(ARGV("conns", "-T", "wall", "-r", plain_path, NULL), 1, "", want);
	free(want);
	CHECK_USAGE_ERROR(ARGV("conns", "-T", "utc", NULL),
			  "tcpstate: -T must be wall (UTC), mono (CLOCK_MONOTONIC seconds) or rel (seconds since the first record), not 'utc'\n");
	free(rel0);
	free(rel1);
	free(w0);
	free(w1);
	free(plain_path);
	free(path);
	free(text);
	free(ls);
	free(ref);
}

/* -T rel live: since the first record read from the device. */
static void test_time_live(void)
{
	size_t nr;
	struct tcpstate_rec *recs = records("client-closes-ipv4.jsonl", &nr);
	char *file = tmp_file("cc-time.records", recs, nr * sizeof(*recs), 0600);
	char *text = fixture_text("client-closes-ipv4.jsonl");
	char *rel = ladder_time(fixture_num(text, "\"new\":\"SYN_SENT\"", "ts") - recs[0].ts_ns);
	char *want = str_printf("netns 4026532229, first event %s s into the capture\n", rel);
	struct run r;

	run_with(&r, ARGV("conns", "-T", "rel", "-d", file, NULL), &fake);
	CHECK_INT(1, r.status);
	CHECK_CONTAINS(want, r.out);
	run_free(&r);
	free(want);
	free(rel);
	free(text);
	free(file);
	free(recs);
}

void test_conns(void)
{
	test_width();
	test_follow_width();
	test_follow_live_width();
	test_follow_terminal();
	test_time();
	test_time_live();
	test_filter_forms();
	test_summary_comm();
	test_golden();
	test_color();
	test_bad_ack();
	test_dual_stack();
	test_midstream();
	test_bad_input();
	test_live();
	test_live_signal();
	test_usage();
	test_index_spread();
}
