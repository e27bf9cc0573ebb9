// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: the command line, signals, and the I/O on /dev/tcpstate and
 * /proc/net/tcpstate. Decoding and printing are in format.c and stats.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "format.h"
#include "stats.h"
#include "util.h"

#define TOOL_VERSION		"2.0"
#define DEFAULT_DEVICE		"/dev/" TCPSTATE_DEV_NAME
#define DEFAULT_PROCFILE	"/proc/net/" TCPSTATE_PROC_NAME
#define READ_BATCH		256	/* records per read() */

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The synopsis, also shown after a usage error. */
static const char usage_text[] =
"USAGE\n"
"  tcpstate dump [--json] [-n COUNT] [-d DEVICE]\n"
"  tcpstate stats [--json] [-p PROCFILE]\n"
"  tcpstate -h | --help\n"
"  tcpstate --version\n";

static const char help_intro[] =
"tcpstate: show what the tcpstate kernel module records: TCP state changes,\n"
"handshake and teardown segments, request sockets, TIME_WAIT sockets.\n"
"\n";

static const char help_details[] =
"\n"
"COMMANDS\n"
"  dump    print each event as it happens, until Ctrl-C.\n"
"          Needs CAP_NET_ADMIN (root); one reader at a time. TIME is\n"
"          CLOCK_MONOTONIC seconds, as in ftrace; PID and COMM are \"-\"\n"
"          when the event did not happen in a process's context.\n"
"  stats   print the module's counters for this network namespace.\n"
"\n"
"OPTIONS\n"
"  --json        dump: one JSON object per line; stats: one JSON object\n"
"  -n COUNT      dump: exit after COUNT events of any kind (state changes,\n"
"                segments, request events); lost-event notices don't count\n"
"  -d DEVICE     dump: read DEVICE instead of " DEFAULT_DEVICE "\n"
"  -p PROCFILE   stats: read PROCFILE instead of " DEFAULT_PROCFILE "\n"
"  -h, --help    show this help\n"
"  --version     show the tool's version and the record version it reads\n"
"\n"
"DUMP EVENTS (the EVENT column of the text output)\n"
"  SYN_SENT -> ESTABLISHED                  a state change\n"
"  FIN_WAIT2 -> TIME_WAIT [timewait]        the TIME_WAIT socket's birth...\n"
"  TIME_WAIT -> CLOSE [timewait] expired after 60.001s\n"
"                                           ...and end: why, after how long\n"
"  in  SYN|ACK seq=N ack=N win=N len=N [full SYN_SENT]\n"
"                                           a segment received (in) or sent\n"
"                                           (out), RETRANS if sent again; the\n"
"                                           socket kind and state it met\n"
"  request created isn=N peer_isn=N         a request socket (half-open\n"
"                                           connection) event\n"
"  *** 5 events lost here (ring buffer full) ***\n"
"  A value this tool has no name for shows as its field and number, in\n"
"  JSON too (as a string): dir_7, sock_9, event_42, reason_0, STATE_13.\n"
"\n"
"EXAMPLES\n"
"  sudo tcpstate dump                      follow every TCP event\n"
"  sudo tcpstate dump --json -n 10         the next 10 events, as JSON lines\n"
"  sudo tcpstate dump | grep ESTABLISHED   lines arrive as they happen\n"
"  tcpstate stats                          the counters, grouped\n"
"  tcpstate stats --json                   the counters as one JSON object\n"
"\n"
"EXIT STATUS\n"
"  0 success, 1 runtime error, 2 usage error\n";

enum { OPT_JSON = 0x100 };	/* past any char: a long-only option */

static const struct option long_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct dump_opts {
	const char *device;
	unsigned long long count;	/* 0: no limit */
	bool json;
};

enum batch_result { BATCH_MORE, BATCH_DONE, BATCH_BAD };

static volatile sig_atomic_t stop_requested;

__attribute__((format(printf, 1, 0)))
static void vmessage(const char *fmt, va_list ap)
{
	fputs("tcpstate: ", stderr);
	vfprintf(stderr, fmt, ap);
	putc('\n', stderr);
}

/* Prints "tcpstate: <message>" and returns the runtime error status. */
__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	return EXIT_RUNTIME;
}

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%sRun 'tcpstate --help' for more.\n", usage_text);
	exit(EXIT_USAGE);
}

/* 0, or the runtime error status; a reader that went away needs no message. */
static int flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (errno != EPIPE)
		fail("write error on stdout: %s", strerror(errno));
	return EXIT_RUNTIME;
}

__attribute__((noreturn))
static void print_help(void)
{
	printf("%s%s%s", help_intro, usage_text, help_details);
	exit(flush_stdout());
}

/* getopt_long() for a command, doing what every command does alike. */
static int next_option(int argc, char *argv[], const char *shortopts)
{
	int opt = getopt_long(argc, argv, shortopts, long_options, NULL);

	switch (opt) {
	case 'h':
		print_help();
	case ':':
		usage_error("option '-%c' needs an argument", optopt);
	case '?':
		/* optopt is 0 for an unknown long option, its value for a misused one. */
		if (optopt > 0 && optopt < OPT_JSON)
			usage_error("unrecognized option '-%c'", optopt);
		usage_error("unrecognized option '%s'", argv[optind - 1]);
	}
	return opt;
}

static void no_more_args(int argc, char *argv[])
{
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

/* Explains a failed open of path (errno) in terms of the module. */
static int open_failed(const char *path, bool device)
{
	int err = errno;

	if (err == ENOENT)
		return fail("%s does not exist: the tcpstate module is not loaded. Load it with: sudo insmod tcpstate.ko",
			    path);
	if (device && (err == EACCES || err == EPERM))
		return fail("permission denied opening %s: reading needs CAP_NET_ADMIN (run as root)",
			    path);
	if (device && err == EBUSY)
		return fail("%s is busy: another reader has it open (one reader at a time)",
			    path);
	return fail("cannot open %s: %s", path, strerror(err));
}

static int check_device(int fd, const char *path)
{
	struct tcpstate_info info;
	char err[FORMAT_ERR_MAX];

	if (ioctl(fd, TCPSTATE_IOC_INFO, &info) < 0) {
		if (errno == ENOTTY)
			return fail("%s is not a tcpstate device (it does not answer TCPSTATE_IOC_INFO)",
				    path);
		return fail("TCPSTATE_IOC_INFO on %s: %s", path, strerror(errno));
	}
	if (info_validate(&info, err, sizeof(err)))
		return fail("%s", err);
	return 0;
}

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * SIGINT and SIGTERM only set a flag, so that what was already read still
 * gets printed. They stay blocked except inside ppoll(): one arriving between
 * the flag test and a blocking read() would otherwise be noticed only after
 * the next TCP event. No SA_RESTART, so ppoll() returns EINTR.
 */
static void catch_stop_signals(sigset_t *poll_mask)
{
	struct sigaction sa = { .sa_handler = request_stop };
	sigset_t stop_signals;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, poll_mask);
}

static enum batch_result print_batch(const struct tcpstate_rec *recs, size_t n,
				     const struct dump_opts *o,
				     unsigned long long *printed)
{
	char err[FORMAT_ERR_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		if (rec_validate(&recs[i], err, sizeof(err))) {
			/* The good records before the bad one come out first. */
			fflush(stdout);
			fail("%s", err);
			return BATCH_BAD;
		}
		(o->json ? format_json : format_text)(stdout, &recs[i]);
		/*
		 * A lost record is a notice about events, not one: -n counts
		 * events. With no limit (0) the incremented count never equals it.
		 */
		if (recs[i].type != TCPSTATE_REC_LOST && ++*printed == o->count)
			return BATCH_DONE;
	}
	return BATCH_MORE;
}

static int dump_records(int fd, const struct dump_opts *o,
			const sigset_t *poll_mask)
{
	static struct tcpstate_rec recs[READ_BATCH];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	enum batch_result result = BATCH_MORE;
	unsigned long long printed = 0;
	ssize_t n;

	if (!o->json)
		format_text_header(stdout);
	while (result == BATCH_MORE && !stop_requested) {
		/* Each batch goes out at once, for a pipe as for a terminal. */
		if (flush_stdout())
			return EXIT_RUNTIME;
		if (ppoll(&pfd, 1, NULL, poll_mask) < 0) {
			if (errno == EINTR)
				continue;
			return fail("polling %s: %s", o->device, strerror(errno));
		}
		n = read(fd, recs, sizeof(recs));
		if (n < 0)
			return fail("reading %s: %s", o->device, strerror(errno));
		if (n == 0)
			return fail("%s: unexpected end of file", o->device);
		if ((size_t)n % sizeof(recs[0]))
			return fail("%s: read %zd bytes, not a whole number of %zu-byte records",
				    o->device, n, sizeof(recs[0]));
		result = print_batch(recs, (size_t)n / sizeof(recs[0]), o,
				     &printed);
	}
	return result == BATCH_BAD ? EXIT_RUNTIME : flush_stdout();
}

static void parse_dump_args(int argc, char *argv[], struct dump_opts *o)
{
	int opt;

	while ((opt = next_option(argc, argv, ":n:d:h")) != -1) {
		switch (opt) {
		case OPT_JSON:
			o->json = true;
			break;
		case 'n':
			if (!parse_u64(optarg, &o->count) || o->count == 0)
				usage_error("-n COUNT must be a positive integer, not '%s'",
					    optarg);
			break;
		case 'd':
			o->device = optarg;
			break;
		}
	}
	no_more_args(argc, argv);
}

static int cmd_dump(int argc, char *argv[])
{
	struct dump_opts o = { .device = DEFAULT_DEVICE };
	sigset_t poll_mask;
	int fd, rc;

	parse_dump_args(argc, argv, &o);
	fd = open(o.device, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return open_failed(o.device, true);
	rc = check_device(fd, o.device);
	if (rc == 0) {
		catch_stop_signals(&poll_mask);
		rc = dump_records(fd, &o, &poll_mask);
	}
	close(fd);
	return rc;
}

static int cmd_stats(int argc, char *argv[])
{
	const char *path = DEFAULT_PROCFILE;
	struct stats st = { 0 };
	char err[STATS_ERR_MAX];
	bool json = false;
	FILE *in;
	int opt, rc;

	while ((opt = next_option(argc, argv, ":p:h")) != -1) {
		switch (opt) {
		case OPT_JSON:
			json = true;
			break;
		case 'p':
			path = optarg;
			break;
		}
	}
	no_more_args(argc, argv);

	in = fopen(path, "re");
	if (!in)
		return open_failed(path, false);
	rc = stats_parse(in, path, &st, err, sizeof(err));
	fclose(in);
	if (rc == 0) {
		(json ? stats_print_json : stats_print_text)(stdout, &st);
		rc = flush_stdout();
	} else {
		rc = fail("%s", err);
	}
	stats_free(&st);
	return rc;
}

int main(int argc, char *argv[])
{
	const char *cmd = argv[1];
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	/* A closed pipe then shows as EPIPE from flush_stdout(): exit 1, quietly. */
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, NULL);

	if (!cmd)
		usage_error("no command given");
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		print_help();
	if (strcmp(cmd, "--version") == 0) {
		printf("tcpstate %s (record ABI version %d)\n", TOOL_VERSION,
		       TCPSTATE_ABI_VERSION);
		return flush_stdout();
	}
	if (strcmp(cmd, "dump") == 0)
		return cmd_dump(argc - 1, argv + 1);
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(argc - 1, argv + 1);
	if (cmd[0] == '-')
		usage_error("unrecognized option '%s'", cmd);
	usage_error("unknown command '%s'", cmd);
}
