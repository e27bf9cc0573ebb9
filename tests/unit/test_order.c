// SPDX-License-Identifier: GPL-2.0
/*
 * Time order (order.h): records that arrive out of timestamp order, as
 * records of different CPUs do, are sorted back, offline (conns -r, whole
 * fixtures shuffled) and live (the bounded merge on the fake device); and
 * the reader's fixes: no more records read than -n prints, a read that
 * finds nothing after poll said "ready" does not hang Ctrl-C.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "format.h"
#include "jsonl.h"
#include "order.h"
#include "run.h"

/* check_rng()'s state for this suite: the same shuffles on every run. */
static unsigned long long rng_state = 88172645463325252ULL;

static unsigned long long rng(void)
{
	return check_rng(&rng_state);
}

static struct tcpstate_rec rec_at(unsigned long long ts, unsigned int cpu)
{
	struct tcpstate_rec r = fixture_state_rec();

	r.ts_ns = ts;
	r.cpu = cpu;
	return r;
}

static void test_sort(void)
{
	struct tcpstate_rec recs[6] = {
		rec_at(30, 0), rec_at(10, 1), rec_at(20, 2),
		rec_at(10, 3), rec_at(5, 4), rec_at(20, 5),
	};
	static const unsigned int want_cpu[6] = { 4, 1, 3, 2, 5, 0 };
	size_t i;

	records_sort(recs, 6);
	/* By time; equal times in arrival order (cpu 1 before 3, 2 before 5). */
	for (i = 0; i < 6; i++)
		CHECK_INT(want_cpu[i], recs[i].cpu);
	records_sort(recs, 0);
}

static void test_reorder(void)
{
	struct reorder *q = reorder_new(100, 4);
	struct tcpstate_rec r;

	CHECK_INT(0, reorder_due(q));
	CHECK(!reorder_pop(q, 0, true, &r));
	reorder_push(q, &(struct tcpstate_rec){ 0 });	/* ts 0 */
	CHECK(reorder_pop(q, 0, false, &r) == false || r.ts_ns == 0);
	reorder_free(q);

	q = reorder_new(100, 4);
	r = rec_at(1000, 1);
	reorder_push(q, &r);
	r = rec_at(950, 2);
	reorder_push(q, &r);
	CHECK_INT(1050, reorder_due(q));
	/* The newest is 1000: nothing is 100 older yet. */
	CHECK(!reorder_pop(q, 0, false, &r));
	/* The clock says 1060: 950 is due, 1000 is not. */
	CHECK(reorder_pop(q, 1060, false, &r));
	CHECK_INT(950, r.ts_ns);
	CHECK(!reorder_pop(q, 1060, false, &r));
	/* A record 1100 makes 1000 due by the newest record's time alone. */
	r = rec_at(1100, 3);
	reorder_push(q, &r);
	CHECK(reorder_pop(q, 0, false, &r));
	CHECK_INT(1000, r.ts_ns);
	CHECK_INT(1, reorder_held(q));
	/* Past max held, the oldest goes early. */
	r = rec_at(1101, 0), reorder_push(q, &r);
	r = rec_at(1102, 0), reorder_push(q, &r);
	r = rec_at(1103, 0), reorder_push(q, &r);
	CHECK(!reorder_pop(q, 0, false, &r));
	r = rec_at(1099, 0), reorder_push(q, &r);
	CHECK(reorder_pop(q, 0, false, &r));
	CHECK_INT(1099, r.ts_ns);
	/* all: whatever is left, in order. */
	CHECK(reorder_pop(q, 0, true, &r));
	CHECK_INT(1100, r.ts_ns);
	CHECK(reorder_pop(q, 0, true, &r));
	CHECK_INT(1101, r.ts_ns);
	reorder_free(q);
}

/* text's lines in a new order: perm[i] is the line put at i. */
static char *permuted(const char *text, size_t nr, const size_t *perm)
{
	const char **line = calloc(nr, sizeof(*line));
	size_t i, k = 0, len = strlen(text);
	char *out = malloc(len + 1), *o = out;
	const char *p;

	for (p = text; *p && k < nr; p = strchr(p, '\n') + 1)
		line[k++] = p;
	for (i = 0; i < nr; i++) {
		size_t n = (size_t)(strchr(line[perm[i]], '\n') - line[perm[i]]) + 1;

		memcpy(o, line[perm[i]], n);
		o += n;
	}
	*o = '\0';
	free(line);
	return out;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* conns -r and --summary of text print exactly NAME's golden outputs. */
static void check_same_drawing(const char *name, const char *text,
			       const char *what)
{
	char *file = str_printf("%s-%s.jsonl", name, what);
	char *path = tmp_file(file, text, strlen(text), 0600);
	char *gl = str_printf("%s/%s.ladder", fixtures_dir, name);
	char *gs = str_printf("%s/%s.summary", fixtures_dir, name);
	char *want_l = read_file(gl, NULL), *want_s = read_file(gs, NULL);

	CHECK_RUN(ARGV("conns", "-r", path, NULL), 0, want_l, "");
	CHECK_RUN(ARGV("conns", "--summary", "-r", path, NULL), 0, want_s, "");
	unlink(path);
	free(want_l);
	free(want_s);
	free(gl);
	free(gs);
	free(path);
	free(file);
}

/*
 * Every fixture, its first two lines swapped (the example: the
 * SYN arrow came before SYN_SENT, both at 0.000000), then each fully
 * shuffled: the same ladders and summaries.
 */
static void test_shuffled_fixtures(void)
{
	struct dirent **list;
	int n, i;

	n = scandir(fixtures_dir, &list, NULL, alphasort);
	CHECK(n > 0);
	for (i = 0; i < n; i++) {
		const char *d = list[i]->d_name;
		size_t len = strlen(d), nr, k;
		char *path, *text, *name, *shuffled;
		size_t *perm;

		if (len <= 6 || strcmp(d + len - 6, ".jsonl")) {
			free(list[i]);
			continue;
		}
		name = strndup(d, len - 6);
		path = str_printf("%s/%s", fixtures_dir, d);
		text = read_file(path, NULL);
		nr = count_lines(text);
		perm = calloc(nr, sizeof(*perm));
		for (k = 0; k < nr; k++)
			perm[k] = k;
		perm[0] = 1, perm[1] = 0;
		shuffled = permuted(text, nr, perm);
		check_same_drawing(name, shuffled, "swapped");
		free(shuffled);
		for (k = nr; k > 1; k--) {
			size_t j = (size_t)(rng() % k), t = perm[k - 1];

			perm[k - 1] = perm[j];
			perm[j] = t;
		}
		shuffled = permuted(text, nr, perm);
		check_same_drawing(name, shuffled, "shuffled");
		free(shuffled);
		free(perm);
		free(text);
		free(path);
		free(name);
		free(list[i]);
	}
	free(list);
}

static char *text_of(const struct tcpstate_rec *recs, const size_t *order,
		     size_t n)
{
	struct capture c;
	size_t i;

	capture_begin(&c);
	format_text_header(c.f);
	for (i = 0; i < n; i++)
		format_text(c.f, &recs[order[i]]);
	return capture_end(&c);
}

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

/*
 * Live: records of two CPUs arriving out of order come out in time order,
 * each once its window has passed. The records are an hour in the future,
 * so only the newest record's time (and the end of input) release them.
 */
static void test_live_order(void)
{
	unsigned long long t = mono_ns() + 3600ULL * 1000000000ULL;
	struct tcpstate_rec recs[5] = {
		rec_at(t + 3000, 1), rec_at(t + 1000, 0), rec_at(t + 2000, 0),
		rec_at(t + 200000000ULL, 1),	/* 200 ms later */
		rec_at(t + 150000000ULL, 0),
	};
	static const size_t sorted[5] = { 1, 2, 0, 4, 3 };
	char *file = tmp_file("unordered", recs, sizeof(recs), 0600);
	char *fifo = tmp_path("order-fifo"), *want, *msg;
	struct child c;
	struct run r;
	int fd;

	want = text_of(recs, sorted, 5);
	msg = str_printf("tcpstate: %s: unexpected end of file\n", file);
	CHECK_RUN_WITH(&fake, ARGV("dump", "-d", file, NULL), 1, want, msg);
	free(msg);
	free(want);

	/*
	 * From a FIFO that stays open: the first three are due once the
	 * 200 ms record arrives (100 ms window), the last two only at the
	 * stop, in order too.
	 */
	if (mkfifo(fifo, 0600) || (fd = open(fifo, O_RDWR)) < 0 ||
	    write(fd, recs, sizeof(recs)) != (ssize_t)sizeof(recs)) {
		perror(fifo);
		exit(2);
	}
	want = text_of(recs, sorted, 3);
	start(&c, ARGV("dump", "-d", fifo, NULL), &fake);
	CHECK(wait_for_size(c.out, (off_t)strlen(want)));
	kill(c.pid, SIGINT);
	finish(&c, &r);
	free(want);
	want = text_of(recs, sorted, 5);
	CHECK_INT(0, r.status);
	CHECK_STR(want, r.out);
	CHECK_STR("", r.err);
	run_free(&r);
	free(want);
	close(fd);
	unlink(fifo);
	free(fifo);
	free(file);
}

/* dump -n COUNT reads no more than COUNT events: the rest stay for later. */
static void test_count_reads_no_more(void)
{
	struct tcpstate_rec recs[10], rest[10];
	char *fifo = tmp_path("count-fifo"), *want;
	size_t i, order[10];
	struct run r;
	ssize_t n;
	int fd;

	for (i = 0; i < 10; i++) {
		recs[i] = rec_at(1000000000ULL * (i + 1), (unsigned int)i);
		order[i] = i;
	}
	recs[1] = fixture_lost_rec(4);
	recs[1].ts_ns = 2000000000ULL;
	if (mkfifo(fifo, 0600) || (fd = open(fifo, O_RDWR)) < 0 ||
	    write(fd, recs, sizeof(recs)) != (ssize_t)sizeof(recs)) {
		perror(fifo);
		exit(2);
	}
	/* 3 events and the lost record among them: 4 records. */
	want = text_of(recs, order, 4);
	run_with(&r, ARGV("dump", "-n", "3", "-d", fifo, NULL), &fake);
	CHECK_INT(0, r.status);
	CHECK_STR(want, r.out);
	CHECK_STR("", r.err);
	run_free(&r);
	free(want);
	/* The 6 records after them are still there, for the next reader. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	n = read(fd, rest, sizeof(rest));
	CHECK_INT(6 * (ssize_t)sizeof(recs[0]), n);
	if (n == 6 * (ssize_t)sizeof(recs[0]))
		CHECK(memcmp(rest, &recs[4], (size_t)n) == 0);
	close(fd);
	unlink(fifo);
	free(fifo);
}

/*
 * A namespace-scoped reader: poll() says "ready" while the ring holds only
 * other namespaces' records, and a read() finds nothing. fake_ioctl.so
 * (TCPSTATE_FAKE_EMPTY_READY) makes every poll ready and every read find
 * nothing: EAGAIN if non-blocking, else sleep, as the kernel would, with
 * the stop signals blocked. Ctrl-C must still stop the tool.
 */
static void test_ctrl_c_when_nothing_to_read(void)
{
	const struct tcpstate_rec rec = fixture_state_rec();
	char *file = tmp_file("empty-ready", &rec, sizeof(rec), 0600);
	struct run_opts o = fake;
	struct child c;
	struct run r;
	char *header;
	struct capture cap;

	capture_begin(&cap);
	format_text_header(cap.f);
	header = capture_end(&cap);
	o.fake_empty_ready = true;
	start(&c, ARGV("dump", "-d", file, NULL), &o);
	CHECK(wait_for_size(c.out, (off_t)strlen(header)));
	usleep(100000);
	kill(c.pid, SIGINT);
	CHECK(exits_within(&c, 3000));
	finish(&c, &r);
	CHECK_INT(0, r.status);
	CHECK_STR(header, r.out);
	CHECK_STR("", r.err);
	run_free(&r);
	free(header);
	free(file);
}

/* dump -r: a saved dump printed as dump prints the device, in time order. */
static void test_dump_saved(void)
{
	char *path = str_printf("%s/client-closes-ipv4.jsonl", fixtures_dir);
	char *text = read_file(path, NULL), *shuffled, *spath, *bin, *msg;
	char err[JSONL_ERR_MAX];
	struct tcpstate_rec recs[64];
	struct jsonl_reader jr;
	size_t nr = count_lines(text), k, perm[64], n = 0;
	struct run dev, r;
	FILE *f;

	CHECK(nr <= 64);
	for (k = 0; k < nr; k++)
		perm[k] = nr - 1 - k;
	shuffled = permuted(text, nr, perm);
	spath = tmp_file("reversed.jsonl", shuffled, strlen(shuffled), 0600);
	/* JSON back out: the recorded file, byte for byte, whatever its order. */
	CHECK_RUN(ARGV("dump", "--json", "-r", path, NULL), 0, text, "");
	CHECK_RUN(ARGV("dump", "-r", spath, "--json", NULL), 0, text, "");
	/* Text: what dump prints reading the same records from the device. */
	f = fopen(path, "r");
	jsonl_init(&jr, f, path);
	while (n < 64 && jsonl_read(&jr, &recs[n], err, sizeof(err)) > 0)
		n++;
	jsonl_free(&jr);
	fclose(f);
	CHECK_INT(nr, n);
	bin = tmp_file("cc.bin", recs, n * sizeof(recs[0]), 0600);
	run_with(&dev, ARGV("dump", "-d", bin, NULL), &fake);
	CHECK_RUN(ARGV("dump", "-r", spath, NULL), 0, dev.out, "");
	run_free(&dev);
	run_with(&dev, ARGV("dump", "-d", bin, "-n", "3", NULL), &fake);
	CHECK_INT(0, dev.status);
	CHECK_RUN(ARGV("dump", "-r", spath, "-n", "3", NULL), 0, dev.out, "");
	run_free(&dev);
	/* A bad line: named, skipped, exit 3; --strict: nothing, exit 1. */
	memcpy(strstr(shuffled, "\"type\":\"state\""), "\"type\":\"stat?\"", 14);
	free(spath);
	spath = tmp_file("bad-line.jsonl", shuffled, strlen(shuffled), 0600);
	run_with(&r, ARGV("dump", "-r", spath, "--json", NULL), &plain);
	CHECK_INT(3, r.status);
	CHECK_INT(nr - 1, count_lines(r.out));
	msg = str_printf("%s: %zu records read (--strict refuses such a file)\n",
			 spath, nr - 1);
	CHECK_CONTAINS("\"type\": \"stat?\" is not a record type", r.err);
	CHECK_CONTAINS(" 1 bad line skipped, ", r.err);
	run_free(&r);
	free(msg);
	run_with(&r, ARGV("dump", "--strict", "-r", spath, NULL), &plain);
	CHECK_INT(1, r.status);
	CHECK_STR("", r.out);
	CHECK_CONTAINS("is not a record type", r.err);
	run_free(&r);
	{
		/* Past 10 bad lines, they are counted, not named. */
		char *many = str_printf("%s", ""), *tmp, *mpath, *want_err;
		int j;

		for (j = 0; j < 12; j++) {
			tmp = str_printf("%s{\"ts\":%d}\n", many, j);
			free(many);
			many = tmp;
		}
		tmp = str_printf("%s{\"ts\":1,\"cpu\":0,\"type\":\"lost\",\"count\":2}\n", many);
		free(many);
		mpath = tmp_file("many-bad.jsonl", tmp, strlen(tmp), 0600);
		run_with(&r, ARGV("dump", "-r", mpath, NULL), &plain);
		CHECK_INT(3, r.status);
		CHECK_INT(11, count_lines(r.err));
		want_err = str_printf("tcpstate: %s:10: column 1: missing member \"type\"\n"
				      "tcpstate: %s: 12 bad lines skipped (the first 10 named above), 1 record read (--strict refuses such a file)\n",
				      mpath, mpath);
		CHECK_CONTAINS(want_err, r.err);
		CHECK_CONTAINS("*** 2 events lost here (ring buffer full) ***\n", r.out);
		run_free(&r);
		free(want_err);
		free(mpath);
		free(tmp);
	}
	CHECK_USAGE_ERROR(ARGV("dump", "-r", spath, "-d", bin, NULL),
			  "tcpstate: -r FILE and -d DEVICE do not go together\n");
	CHECK_USAGE_ERROR(ARGV("dump", "--strict", NULL),
			  "tcpstate: --strict is about a saved dump: it needs -r FILE\n");
	free(bin);
	free(spath);
	free(shuffled);
	free(text);
	free(path);
}

/* dump -T: the TIME column in UTC, monotonic or relative seconds. */
static void test_dump_time(void)
{
	char *path = str_printf("%s/client-closes-ipv4.jsonl", fixtures_dir);
	char *text = read_file(path, NULL), *with_clock, *cpath, *want, *bin;
	/* At CLOCK_MONOTONIC 10 s, UTC was 2023-11-14T22:13:20Z. */
	const char *clock = "{\"ts\":10000000000,\"type\":\"clock\",\"utc_ns\":1700000000000000000}\n";
	unsigned long long first = strtoull(text + strlen("{\"ts\":"), NULL, 10);
	unsigned long long utc = first - 10000000000ULL + 1700000000000000000ULL;
	char stamp[64], today[16];
	time_t secs = (time_t)(utc / 1000000000ULL), now = time(NULL);
	struct tcpstate_rec rec = fixture_state_rec();
	struct tm tm;
	struct run r;
	char *gl = str_printf("%s/client-closes-ipv4.ladder", fixtures_dir);
	char *golden = read_file(gl, NULL);

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	with_clock = str_printf("%s%s", clock, text);
	cpath = tmp_file("with-clock.jsonl", with_clock, strlen(with_clock), 0600);

	/* Wall: the clock line's offset; the header says UTC. */
	run_with(&r, ARGV("dump", "-r", cpath, "-T", "wall", NULL), &plain);
	CHECK_INT(0, r.status);
	want = str_printf("                 TIME (UTC) CPU      NETNS     PID COMM            LOCAL                    REMOTE                EVENT\n%s.%06lluZ   ",
			  stamp, utc % 1000000000ULL / 1000);
	CHECK_PREFIX(want, r.out);
	free(want);
	run_free(&r);
	/* Rel: from the first record; mono: as the records say. */
	run_with(&r, ARGV("dump", "--time", "rel", "-r", cpath, NULL), &plain);
	CHECK_CONTAINS("EVENT\n      0.000000   ", r.out);
	run_free(&r);
	run_with(&r, ARGV("dump", "-T", "mono", "-r", cpath, NULL), &plain);
	want = str_printf("EVENT\n%7llu.%06llu   ", first / 1000000000ULL,
			  first % 1000000000ULL / 1000);
	CHECK_CONTAINS(want, r.out);
	free(want);
	run_free(&r);
	/* JSON keeps the clock line, first; conns does not mind it. */
	CHECK_RUN(ARGV("dump", "--json", "-r", cpath, NULL), 0, with_clock, "");
	CHECK_RUN(ARGV("conns", "-r", cpath, NULL), 0, golden, "");
	/* No clock line: wall time cannot be told. */
	want = str_printf("tcpstate: %s has no clock line ({\"type\":\"clock\"}, which dump --json now writes first; older dumps lack it): -T wall cannot tell the time; use -T mono or -T rel\n",
			  path);
	CHECK_RUN(ARGV("dump", "-T", "wall", "-r", path, NULL), 1, "", want);
	free(want);
	CHECK_USAGE_ERROR(ARGV("dump", "-T", "utc", NULL),
			  "tcpstate: -T must be wall (UTC), mono (CLOCK_MONOTONIC seconds) or rel (seconds since the first record), not 'utc'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "--json", "-T", "wall", NULL),
			  "tcpstate: -T is for text: JSON has \"ts\" (CLOCK_MONOTONIC ns) and starts with a clock line mapping it to UTC\n");
	/* Live: the host's clocks; a record stamped now is today, in UTC. */
	rec.ts_ns = mono_ns();
	bin = tmp_file("now.bin", &rec, sizeof(rec), 0600);
	run_with(&r, ARGV("dump", "-T", "wall", "-d", bin, "-n", "1", NULL), &fake);
	CHECK_INT(0, r.status);
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "\n%Y-%m-%dT", &tm);
	CHECK_CONTAINS(today, r.out);
	CHECK_CONTAINS("Z   3 4026531840    4242 curl ", r.out);
	run_free(&r);
	free(bin);
	free(golden);
	free(gl);
	free(cpath);
	free(with_clock);
	free(text);
	free(path);
}

/*
 * dump --ms: the time in the old state, per socket; it agrees with the
 * ladder's figures of the same connection (CLOSE_WAIT 71.257 ms, TIME_WAIT
 * 60.301 s in client-closes-ipv4.ladder).
 */
static void test_dump_ms(void)
{
	char *path = str_printf("%s/client-closes-ipv4.jsonl", fixtures_dir);
	struct run r;

	run_with(&r, ARGV("dump", "--ms", "-r", path, NULL), &plain);
	CHECK_INT(0, r.status);
	CHECK_CONTAINS(" REMOTE                        MS EVENT\n", r.out);
	CHECK_CONTAINS("         - CLOSE -> SYN_SENT\n", r.out);
	CHECK_CONTAINS("     0.616 SYN_SENT -> ESTABLISHED\n", r.out);
	CHECK_CONTAINS("     0.131 FIN_WAIT2 -> FIN_WAIT2 [timewait]\n", r.out);
	CHECK_CONTAINS("     0.181 FIN_WAIT2 -> CLOSE\n", r.out);
	CHECK_CONTAINS("    71.257 CLOSE_WAIT -> LAST_ACK\n", r.out);
	CHECK_CONTAINS("    21.251 FIN_WAIT2 -> TIME_WAIT [timewait]\n", r.out);
	CHECK_CONTAINS(" 60301.156 TIME_WAIT -> CLOSE [timewait] expired after 60.322s\n",
		       r.out);
	CHECK_CONTAINS("         - out SYN seq=", r.out);
	run_free(&r);
	CHECK_USAGE_ERROR(ARGV("dump", "--ms", "--json", NULL),
			  "tcpstate: --ms is a column of the text: JSON has every \"ts\" to compute it\n");
	free(path);
}

void test_order(void)
{
	test_dump_ms();
	test_dump_time();
	test_dump_saved();
	test_sort();
	test_reorder();
	test_shuffled_fixtures();
	test_live_order();
	test_count_reads_no_more();
	test_ctrl_c_when_nothing_to_read();
}
