// SPDX-License-Identifier: GPL-2.0
/*
 * The built binary, run as a user would: exit status, stdout and stderr.
 * "dump" on a file or FIFO of records runs with fake_ioctl.so preloaded,
 * which stands in for the module's TCPSTATE_IOC_INFO.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "format_check.h"
#include "run.h"
#include "util.h"

#define NOT_LOADED " does not exist: the tcpstate module is not loaded. Load it with: sudo insmod tcpstate.ko\n"
#define NOT_DEVICE " is not a tcpstate device (it does not answer TCPSTATE_IOC_INFO)\n"

/* What dump prints for recs[0..n): the expected output, to free. */
static char *dump_output(bool json, const struct tcpstate_rec *recs, size_t n)
{
	struct capture c;
	size_t i;

	capture_begin(&c);
	if (!json)
		format_text_header(c.f);
	for (i = 0; i < n; i++)
		(json ? format_json : format_text)(c.f, &recs[i]);
	return capture_end(&c);
}

static unsigned long long clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

/*
 * dump --json: exactly status, then a clock line mapping CLOCK_MONOTONIC
 * to UTC as this host's clocks do (to within 5 s), then out; err exact.
 */
static void check_json_dump(const char *file, int line, const char *const argv[],
			    int status, const char *out, const char *err)
{
	unsigned long long mono, utc, want = clock_ns(CLOCK_REALTIME) -
					     clock_ns(CLOCK_MONOTONIC);
	const char *rest;
	struct run r;
	int n = 0;

	run_with(&r, argv, &fake);
	check_int_at(file, line, status, r.status);
	check_str_at(file, line, err, r.err);
	check_true_at(file, line, "a clock line first",
		      sscanf(r.out, "{\"ts\":%llu,\"type\":\"clock\",\"utc_ns\":%llu}\n%n",
			     &mono, &utc, &n) == 2 && n > 0);
	check_true_at(file, line, "the clock line maps the host's clocks",
		      n > 0 && utc - mono + 5000000000ULL - want <= 10000000000ULL);
	rest = n > 0 ? r.out + n : r.out;
	check_str_at(file, line, out, rest);
	run_free(&r);
}

#define CHECK_JSON_DUMP(argv, status, out, err) \
	check_json_dump(__FILE__, __LINE__, argv, status, out, err)

static void test_usage_errors(void)
{
	CHECK_USAGE_ERROR(ARGV(NULL), "tcpstate: no command given\n");
	CHECK_USAGE_ERROR(ARGV("watch", NULL),
			  "tcpstate: unknown command 'watch'\n");
	CHECK_USAGE_ERROR(ARGV("--bogus", NULL),
			  "tcpstate: unrecognized option '--bogus'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "-x", NULL),
			  "tcpstate: unrecognized option '-x'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "--jsn", NULL),
			  "tcpstate: unrecognized option '--jsn'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "--json=yes", NULL),
			  "tcpstate: unrecognized option '--json=yes'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "-n", NULL),
			  "tcpstate: option '-n' needs an argument\n");
	CHECK_USAGE_ERROR(ARGV("dump", "-d", NULL),
			  "tcpstate: option '-d' needs an argument\n");
	CHECK_USAGE_ERROR(ARGV("dump", "-n", "0", NULL),
			  "tcpstate: -n COUNT must be a positive integer, not '0'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "--buffer", "15", NULL),
			  "tcpstate: --buffer RECORDS must be 16 to 1048576 (rounded up to a power of two), not '15'\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--buffer", "1048577", NULL),
			  "tcpstate: --buffer RECORDS must be 16 to 1048576 (rounded up to a power of two), not '1048577'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "--buffer", "4k", NULL),
			  "tcpstate: --buffer RECORDS must be 16 to 1048576 (rounded up to a power of two), not '4k'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "--buffer", "64", "-r", "x.jsonl", NULL),
			  "tcpstate: --buffer sizes the device session's buffer: not with -r FILE\n");
	CHECK_USAGE_ERROR(ARGV("conns", "-r", "x.jsonl", "--buffer", "64", NULL),
			  "tcpstate: --buffer sizes the device session's buffer: not with -r FILE\n");
	CHECK_USAGE_ERROR(ARGV("dump", "-n", "abc", NULL),
			  "tcpstate: -n COUNT must be a positive integer, not 'abc'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "-n", "-3", NULL),
			  "tcpstate: -n COUNT must be a positive integer, not '-3'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "-n", "5x", NULL),
			  "tcpstate: -n COUNT must be a positive integer, not '5x'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "-n", "99999999999999999999", NULL),
			  "tcpstate: -n COUNT must be a positive integer, not '99999999999999999999'\n");
	CHECK_USAGE_ERROR(ARGV("dump", "now", NULL),
			  "tcpstate: unexpected argument 'now'\n");
	CHECK_USAGE_ERROR(ARGV("stats", "-p", NULL),
			  "tcpstate: option '-p' needs an argument\n");
	CHECK_USAGE_ERROR(ARGV("stats", "-d", "/dev/tcpstate", NULL),
			  "tcpstate: -d DEVICE is for --sessions\n");
	CHECK_USAGE_ERROR(ARGV("stats", "-n", "1", NULL),
			  "tcpstate: unrecognized option '-n'\n");
}

static void test_help_and_version(void)
{
	struct run help;

	run_with(&help, ARGV("-h", NULL), &plain);
	CHECK_INT(0, help.status);
	CHECK_STR("", help.err);
	CHECK_CONTAINS("\nUSAGE\n  tcpstate dump [--json | -T wall|mono|rel] [--ms] [-n COUNT]\n",
		       help.out);
	CHECK_CONTAINS("\nEXAMPLES\n  sudo tcpstate dump ", help.out);
	CHECK_RUN(ARGV("--help", NULL), 0, help.out, "");
	CHECK_RUN(ARGV("dump", "-h", NULL), 0, help.out, "");
	CHECK_RUN(ARGV("stats", "--help", NULL), 0, help.out, "");
	run_free(&help);

	/* The build host never has the module loaded (README). */
	CHECK_RUN(ARGV("--version", NULL), 0,
		  "tcpstate " TCPSTATE_VERSION " (record ABI version "
		  ABI_VERSION_STR ")\nmodule not loaded\n", "");
}

static void test_open_errors(void)
{
	const struct tcpstate_rec rec = fixture_state_rec();
	const struct run_opts no_dac = { .stdout_fd = -1, .no_dac_override = true };
	char *missing = tmp_path("no-such-device");
	char *file = tmp_file("one-record", &rec, sizeof(rec), 0600);
	char *locked = tmp_file("locked", &rec, sizeof(rec), 0);
	char *msg;

	msg = str_printf("tcpstate: %s" NOT_LOADED, missing);
	CHECK_RUN(ARGV("dump", "-d", missing, NULL), 1, "", msg);
	free(msg);

	/* Records alone do not make a device: the ioctl check refuses them. */
	msg = str_printf("tcpstate: %s" NOT_DEVICE, file);
	CHECK_RUN(ARGV("dump", "-d", file, "--json", NULL), 1, "", msg);
	free(msg);
	CHECK_RUN(ARGV("dump", "-d", "/dev/null", NULL), 1, "",
		  "tcpstate: /dev/null" NOT_DEVICE);

	msg = str_printf("tcpstate: permission denied opening %s: reading needs CAP_NET_ADMIN (run as root)\n",
			 locked);
	CHECK_RUN_WITH(&no_dac, ARGV("dump", "-d", locked, NULL), 1, "", msg);
	free(msg);

	free(missing);
	free(file);
	free(locked);
}

/* Through the real read loop, on a file the fake ioctl passes as a device. */
static void test_dump(void)
{
	struct tcpstate_rec recs[4] = {
		fixture_state_rec(), fixture_lost_rec(5),
		fixture_state_rec(), fixture_state_rec(),
	};
	struct tcpstate_rec bad[2] = { fixture_state_rec(), fixture_state_rec() };
	/* A module of the previous version, the likely mismatch. */
	const struct run_opts fake_v1 = {
		.stdout_fd = -1, .fake_device = true, .fake_version = "1",
	};
	char *file, *bad_file, *short_file, *msg, *out;

	recs[2].flags = 0;
	recs[3].state.old_state = TCPSTATE_ESTABLISHED;
	recs[3].state.new_state = TCPSTATE_FIN_WAIT1;
	bad[1].version = 1;
	file = tmp_file("records", recs, sizeof(recs), 0600);
	bad_file = tmp_file("bad-records", bad, sizeof(bad), 0600);
	short_file = tmp_file("short-records", recs, 200, 0600);

	/* A device never reports end of file; a file at its end is one. */
	out = dump_output(false, recs, 4);
	msg = str_printf("tcpstate: %s: unexpected end of file\n", file);
	CHECK_RUN_WITH(&fake, ARGV("dump", "-d", file, NULL), 1, out, msg);
	free(msg);
	/* Lost records are printed but not counted. */
	CHECK_RUN_WITH(&fake, ARGV("dump", "-n", "3", "-d", file, NULL), 0,
		       out, "");
	/* --buffer: a module (here a file) without SET_BUFFER says so, before any read. */
	msg = str_printf("tcpstate: %s: --buffer: this module has no per-session buffers (TCPSTATE_IOC_SET_BUFFER)\n",
			 file);
	CHECK_RUN_WITH(&fake, ARGV("dump", "-d", file, "--buffer", "65536", NULL), 1, "", msg);
	CHECK_RUN_WITH(&fake, ARGV("conns", "-d", file, "--buffer", "64", NULL), 1, "", msg);
	free(msg);
	free(out);
	out = dump_output(true, recs, 3);
	CHECK_JSON_DUMP(ARGV("dump", "-d", file, "--json", "-n", "2", NULL),
			0, out, "");
	free(out);
	out = dump_output(false, recs, 1);
	CHECK_RUN_WITH(&fake, ARGV("dump", "-d", file, "-n", "1", NULL), 0,
		       out, "");
	free(out);

	/* The records before a bad one are printed, then the error. */
	out = dump_output(false, bad, 1);
	CHECK_RUN_WITH(&fake, ARGV("dump", "-d", bad_file, NULL), 1, out,
		       "tcpstate: version mismatch: record has version 1, this tool reads version " ABI_VERSION_STR "; build both from the same tree\n");
	free(out);

	out = dump_output(false, recs, 0);
	msg = str_printf("tcpstate: %s: read 200 bytes, not a whole number of 128-byte records\n",
			 short_file);
	CHECK_RUN_WITH(&fake, ARGV("dump", "-d", short_file, NULL), 1, out, msg);
	free(msg);
	free(out);

	CHECK_RUN_WITH(&fake_v1, ARGV("dump", "-d", file, NULL), 1, "",
		       "tcpstate: version mismatch: module speaks record version 1, this tool reads version " ABI_VERSION_STR "; build both from the same tree\n");

	free(file);
	free(bad_file);
	free(short_file);
}

/*
 * -n counts events of every kind; a lost record is a notice about events,
 * printed but not counted, so the limit stops right after an event.
 */
static void test_dump_count_mixed(void)
{
	struct tcpstate_rec recs[7] = {
		fixture_lost_rec(2),
		fixture_state_rec(),
		fixture_segment_rec(),
		fixture_lost_rec(1),
		fixture_request_rec(TCPSTATE_REQ_CREATED),
		fixture_timewait_rec(TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE,
				     TCPSTATE_TW_EXPIRED, 60001000000ULL),
		fixture_lost_rec(3),
	};
	static const struct {
		const char *count;
		size_t printed;		/* records of recs printed */
	} cases[] = {
		{ "1", 2 }, { "2", 3 }, { "3", 5 }, { "4", 6 },
	};
	char *file = tmp_file("mixed-records", recs, sizeof(recs), 0600);
	char *out, *msg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		out = dump_output(false, recs, cases[i].printed);
		CHECK_RUN_WITH(&fake, ARGV("dump", "-n", cases[i].count, "-d",
					   file, NULL), 0, out, "");
		free(out);
		out = dump_output(true, recs, cases[i].printed);
		CHECK_JSON_DUMP(ARGV("dump", "--json", "-n", cases[i].count,
				     "-d", file, NULL), 0, out, "");
		free(out);
	}
	/* Fewer events than asked for: all of them, then the file's end. */
	out = dump_output(false, recs, 7);
	msg = str_printf("tcpstate: %s: unexpected end of file\n", file);
	CHECK_RUN_WITH(&fake, ARGV("dump", "-n", "5", "-d", file, NULL), 1,
		       out, msg);
	free(msg);
	free(out);
	free(file);
}

/* The binary's own lines for the v2 kinds, not only the library's. */
static void test_dump_v2_lines(void)
{
	struct tcpstate_rec recs[3] = {
		fixture_segment_rec(),
		fixture_request_rec(TCPSTATE_REQ_SYNACK_RETRANS),
		fixture_segment_rec(),
	};
	char *file, *msg;

	recs[1].req.num_retrans = 1;
	recs[2].type = 99;
	file = tmp_file("v2-records", recs, sizeof(recs), 0600);
	msg = str_printf("tcpstate: bad record: unknown type 99\n");
	CHECK_RUN_WITH(&fake, ARGV("dump", "-d", file, NULL), 1,
		       "          TIME CPU      NETNS     PID COMM            LOCAL                    REMOTE                EVENT\n"
		       COLS_NO_TASK "in  SYN|ACK seq=1234567890 ack=987654321 win=65483 len=0 [full SYN_SENT]\n"
		       COLS_NO_TASK "request synack_retrans #1 age=1.234ms\n",
		       msg);
	CHECK_JSON_DUMP(ARGV("dump", "--json", "-d", file, NULL), 1,
		       JSON_HEAD("segment") ",\"dir\":\"in\",\"flags\":\"SYN|ACK\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":0,\"retrans\":false,\"sock\":\"full\",\"state\":\"SYN_SENT\"}\n"
		       JSON_HEAD("request") ",\"event\":\"synack_retrans\",\"num_retrans\":1,\"age_ns\":1234567,\"snt_isn\":987654321,\"rcv_isn\":1234567890}\n",
		       msg);
	free(msg);
	free(file);
}

/*
 * dump blocked on a FIFO that has no more records: the records it got are
 * out before the signal (flushed per read), and the signal ends it with 0.
 */
static void check_stop_signal(const char *file, int line, int sig)
{
	const struct tcpstate_rec recs[2] = {
		fixture_state_rec(), fixture_lost_rec(1),
	};
	char *fifo = tmp_path("fifo");
	char *out = dump_output(false, recs, 2);
	struct child c;
	struct run r;
	int fd;

	/* O_RDWR: a writer that never blocks and never goes away. */
	if (mkfifo(fifo, 0600) || (fd = open(fifo, O_RDWR)) < 0 ||
	    write(fd, recs, sizeof(recs)) != (ssize_t)sizeof(recs)) {
		perror(fifo);
		exit(2);
	}
	start(&c, ARGV("dump", "-d", fifo, NULL), &fake);
	check_true_at(file, line, "output before the signal",
		      wait_for_size(c.out, (off_t)strlen(out)));
	kill(c.pid, sig);
	finish(&c, &r);
	check_result(file, line, &r, 0, out, "");
	close(fd);
	unlink(fifo);
	free(fifo);
	free(out);
}

static void test_signals(void)
{
	check_stop_signal(__FILE__, __LINE__, SIGINT);
	check_stop_signal(__FILE__, __LINE__, SIGTERM);
}

/* A reader that went away (`dump | head`) is a normal end: 0, no message. */
static void test_closed_pipe(void)
{
	const struct tcpstate_rec rec = fixture_state_rec();
	char *file = tmp_file("closed-pipe", &rec, sizeof(rec), 0600);
	struct run_opts o = { .fake_device = true };
	int fds[2];

	if (pipe(fds)) {
		perror("pipe");
		exit(2);
	}
	close(fds[0]);
	o.stdout_fd = fds[1];
	CHECK_RUN_WITH(&o, ARGV("--help", NULL), 0, "", "");
	CHECK_RUN_WITH(&o, ARGV("dump", "-d", file, NULL), 0, "", "");
	close(fds[1]);
	free(file);
}

static void test_stats_command(void)
{
	static const char malformed[] = "events_recorded 1\nevents_dropped x\n";
	char *fixture = tmp_file("proc-good", PROC_FIXTURE,
				 sizeof(PROC_FIXTURE) - 1, 0644);
	char *bad = tmp_file("proc-bad", malformed, sizeof(malformed) - 1, 0644);
	char *missing = tmp_path("no-such-proc");
	char *msg;

	CHECK_RUN(ARGV("stats", "-p", fixture, NULL), 0, PROC_FIXTURE_TEXT, "");
	CHECK_RUN(ARGV("stats", "--json", "-p", fixture, NULL), 0,
		  PROC_FIXTURE_JSON, "");
	CHECK_RUN(ARGV("stats", "-p", fixture, "--json", NULL), 0,
		  PROC_FIXTURE_JSON, "");

	msg = str_printf("tcpstate: %s:2: malformed line, expected 'name value'\n",
			 bad);
	CHECK_RUN(ARGV("stats", "-p", bad, NULL), 1, "", msg);
	free(msg);

	msg = str_printf("tcpstate: %s" NOT_LOADED, missing);
	CHECK_RUN(ARGV("stats", "-p", missing, NULL), 1, "", msg);
	free(msg);

	msg = str_printf("tcpstate: %s: read error: Is a directory\n", tmp_dir);
	CHECK_RUN(ARGV("stats", "-p", tmp_dir, NULL), 1, "", msg);
	free(msg);

	free(fixture);
	free(bad);
	free(missing);
}

void test_cli(void)
{
	test_usage_errors();
	test_help_and_version();
	test_open_errors();
	test_dump();
	test_dump_count_mixed();
	test_dump_v2_lines();
	test_signals();
	test_closed_pipe();
	test_stats_command();
}
