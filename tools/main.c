// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: the command line, signals, and the I/O on /dev/tcpstate, saved
 * dumps and /proc/net/tcpstate. Decoding and printing are elsewhere:
 * format.c (records), jsonl.c (reading JSON lines back), conns.c and
 * ladder.c (connections), stats.c and export.c (counters).
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
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "conns.h"
#include "export.h"
#include "format.h"
#include "jsonl.h"
#include "ladder.h"
#include "states.h"
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
"  tcpstate conns [-r FILE | -d DEVICE] [--summary | --follow] [--absolute]\n"
"                 [--no-color | --color] [-P PORT] [-a ADDR] [-s STATE]\n"
"                 [-N NETNS] [--close-wait SECONDS]\n"
"  tcpstate stats [--json | --dot | --prometheus] [-p PROCFILE]\n"
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
"  conns   draw each connection as a ladder diagram, the way textbooks\n"
"          draw the three-way handshake and the four-way close: the end\n"
"          that sent the first SYN on the left, each side's state where it\n"
"          changes, each segment an arrow with its flags and its numbers\n"
"          relative to the ISNs x, y and the FINs u, w (the real numbers\n"
"          next to them), each step labelled; then timings and anomalies.\n"
"          Live from the device (a connection is drawn once it is over:\n"
"          both ends closed, TIME_WAIT ended), or from a saved\n"
"          `dump --json` with -r. Ctrl-C draws what is still open.\n"
"  stats   print the module's counters for this network namespace.\n"
"\n"
"OPTIONS\n"
"  --json        dump: one JSON object per line; stats: one JSON object\n"
"  -n COUNT      dump: exit after COUNT events of any kind (state changes,\n"
"                segments, request events); lost-event notices don't count\n"
"  -d DEVICE     dump, conns: read DEVICE instead of " DEFAULT_DEVICE "\n"
"  -p PROCFILE   stats: read PROCFILE instead of " DEFAULT_PROCFILE "\n"
"  --dot         stats: the TCP state diagram as Graphviz DOT, each edge\n"
"                labelled with its count (render: dot -Tsvg)\n"
"  --prometheus  stats: the Prometheus text format (textfile collector)\n"
"  -r FILE       conns: read a saved `tcpstate dump --json` (- for stdin)\n"
"  --summary     conns: one line per connection: who opened, who closed\n"
"                first, how it ended, handshake time, lifetime\n"
"  -f, --follow  conns: draw each connection's steps as they happen\n"
"  --absolute    conns: the real sequence numbers only, no x, y, u, w\n"
"  --no-color    conns: no colours (the default when not on a terminal)\n"
"  --color       conns: colours even when not on a terminal\n"
"  -P PORT       conns: only connections with this port at either end\n"
"  -a ADDR       conns: only connections with this address at either end\n"
"  -s STATE      conns: only connections where either end reached STATE\n"
"  -N NETNS      conns: only connections of this network namespace (inode)\n"
"                Each filter option may be given more than once: a\n"
"                connection passes if it matches one value of each option.\n"
"  --close-wait SECONDS\n"
"                conns: call CLOSE_WAIT longer than this (default 1) an\n"
"                application that did not close its socket\n"
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
"  sudo tcpstate conns -P 80               each connection to or from port 80,\n"
"                                          drawn once it is over\n"
"  sudo tcpstate conns --follow            each step as it happens\n"
"  sudo tcpstate dump --json > f           save now...\n"
"  tcpstate conns -r f --summary           ...and look later, anywhere\n"
"  tcpstate conns -r f -s CLOSE_WAIT       the connections that sat in CLOSE_WAIT\n"
"  tcpstate stats                          the counters, grouped\n"
"  tcpstate stats --json                   the counters as one JSON object\n"
"  tcpstate stats --dot | dot -Tsvg > states.svg\n"
"                                          the state diagram, with the counts\n"
"  tcpstate stats --prometheus > t && mv t /var/lib/prometheus/node-exporter/tcpstate.prom\n"
"                                          for node exporter's textfile collector\n"
"\n"
"EXIT STATUS\n"
"  0 success, 1 runtime error, 2 usage error\n";

/* Long-only options: values past any char. */
enum {
	OPT_JSON = 0x100, OPT_DOT, OPT_PROMETHEUS, OPT_SUMMARY, OPT_ABSOLUTE,
	OPT_NO_COLOR, OPT_COLOR, OPT_CLOSE_WAIT,
};

static const struct option dump_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option stats_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "dot", no_argument, NULL, OPT_DOT },
	{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option conns_options[] = {
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "follow", no_argument, NULL, 'f' },
	{ "absolute", no_argument, NULL, OPT_ABSOLUTE },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "color", no_argument, NULL, OPT_COLOR },
	{ "close-wait", required_argument, NULL, OPT_CLOSE_WAIT },
	{ "port", required_argument, NULL, 'P' },
	{ "addr", required_argument, NULL, 'a' },
	{ "state", required_argument, NULL, 's' },
	{ "netns", required_argument, NULL, 'N' },
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
static int next_option(int argc, char *argv[], const char *shortopts,
		       const struct option *longopts)
{
	int opt = getopt_long(argc, argv, shortopts, longopts, NULL);

	switch (opt) {
	case 'h':
		print_help();
	case ':':
		if (optopt >= OPT_JSON)
			usage_error("option '%s' needs an argument",
				    argv[optind - 1]);
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

/* What a reader does with each record; BATCH_DONE stops reading. */
typedef enum batch_result (*rec_fn)(const struct tcpstate_rec *rec, void *arg);

static enum batch_result handle_batch(const struct tcpstate_rec *recs, size_t n,
				      rec_fn fn, void *arg)
{
	char err[FORMAT_ERR_MAX];
	enum batch_result result;
	size_t i;

	for (i = 0; i < n; i++) {
		if (rec_validate(&recs[i], err, sizeof(err))) {
			/* What the good records before the bad one made comes out first. */
			fflush(stdout);
			fail("%s", err);
			return BATCH_BAD;
		}
		result = fn(&recs[i], arg);
		if (result != BATCH_MORE)
			return result;
	}
	return BATCH_MORE;
}

/*
 * Reads the device until fn says done, a signal asks to stop, or an error;
 * stdout is flushed after every read(). Returns 0, or the runtime error
 * status after saying why.
 */
static int read_device(int fd, const char *path, const sigset_t *poll_mask,
		       rec_fn fn, void *arg)
{
	static struct tcpstate_rec recs[READ_BATCH];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	enum batch_result result = BATCH_MORE;
	ssize_t n;

	while (result == BATCH_MORE && !stop_requested) {
		/* Each batch goes out at once, for a pipe as for a terminal. */
		if (flush_stdout())
			return EXIT_RUNTIME;
		if (ppoll(&pfd, 1, NULL, poll_mask) < 0) {
			if (errno == EINTR)
				continue;
			return fail("polling %s: %s", path, strerror(errno));
		}
		n = read(fd, recs, sizeof(recs));
		if (n < 0)
			return fail("reading %s: %s", path, strerror(errno));
		if (n == 0)
			return fail("%s: unexpected end of file", path);
		if ((size_t)n % sizeof(recs[0]))
			return fail("%s: read %zd bytes, not a whole number of %zu-byte records",
				    path, n, sizeof(recs[0]));
		result = handle_batch(recs, (size_t)n / sizeof(recs[0]), fn, arg);
	}
	return result == BATCH_BAD ? EXIT_RUNTIME : 0;
}

struct dump_state {
	const struct dump_opts *o;
	unsigned long long printed;
};

static enum batch_result print_record(const struct tcpstate_rec *rec, void *arg)
{
	struct dump_state *d = arg;

	(d->o->json ? format_json : format_text)(stdout, rec);
	/*
	 * A lost record is a notice about events, not one: -n counts
	 * events. With no limit (0) the incremented count never equals it.
	 */
	if (rec->type != TCPSTATE_REC_LOST && ++d->printed == d->o->count)
		return BATCH_DONE;
	return BATCH_MORE;
}

static int dump_records(int fd, const struct dump_opts *o,
			const sigset_t *poll_mask)
{
	struct dump_state d = { .o = o };
	int rc;

	if (!o->json)
		format_text_header(stdout);
	rc = read_device(fd, o->device, poll_mask, print_record, &d);
	return rc ? rc : flush_stdout();
}

/* Opens and checks the device; -1 after saying why (status in *rc). */
static int open_device(const char *path, int *rc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*rc = open_failed(path, true);
		return -1;
	}
	*rc = check_device(fd, path);
	if (*rc) {
		close(fd);
		return -1;
	}
	return fd;
}

static void parse_dump_args(int argc, char *argv[], struct dump_opts *o)
{
	int opt;

	while ((opt = next_option(argc, argv, ":n:d:h", dump_options)) != -1) {
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
	fd = open_device(o.device, &rc);
	if (fd < 0)
		return rc;
	catch_stop_signals(&poll_mask);
	rc = dump_records(fd, &o, &poll_mask);
	close(fd);
	return rc;
}

static int cmd_stats(int argc, char *argv[])
{
	void (*print)(FILE *out, const struct stats *st) = stats_print_text;
	const char *path = DEFAULT_PROCFILE, *format = NULL;
	struct stats st = { 0 };
	char err[STATS_ERR_MAX];
	FILE *in;
	int opt, rc;

	while ((opt = next_option(argc, argv, ":p:h", stats_options)) != -1) {
		const char *name = argv[optind - 1];

		switch (opt) {
		case OPT_JSON:
		case OPT_DOT:
		case OPT_PROMETHEUS:
			if (format && strcmp(format, name) != 0)
				usage_error("%s and %s do not go together", format, name);
			format = name;
			print = opt == OPT_JSON ? stats_print_json :
				opt == OPT_DOT ? stats_print_dot : stats_print_prometheus;
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
		print(stdout, &st);
		rc = flush_stdout();
	} else {
		rc = fail("%s", err);
	}
	stats_free(&st);
	return rc;
}

/* --- conns ----------------------------------------------------------------- */

#define FILTER_MAX 16

struct conns_opts {
	const char *file;		/* -r; NULL: the device */
	const char *device;
	bool summary, follow;
	int color;			/* -1: on a terminal */
	struct ladder_opts lo;
	unsigned int ports[FILTER_MAX], states[FILTER_MAX];
	struct endpoint addrs[FILTER_MAX];	/* ports unused */
	__u32 netns[FILTER_MAX];
	size_t nr_ports, nr_states, nr_addrs, nr_netns;
};

/* A connection drawn from a file, waiting to be printed in start order. */
struct drawn {
	unsigned long id;
	char *text;
	size_t len;
};

struct conns_run {
	const struct conns_opts *o;
	bool offline;
	struct drawn *drawn;
	size_t nr_drawn, cap_drawn;
};

static size_t count_filter(size_t *nr, const char *opt, const char *arg)
{
	if (*nr == FILTER_MAX)
		usage_error("%s given more than %d times ('%s')", opt, FILTER_MAX,
			    arg);
	return (*nr)++;
}

/* "1", "0.5", "2.25": seconds, up to nanoseconds. */
static bool parse_seconds(const char *s, unsigned long long *ns)
{
	unsigned long long whole, frac = 0, scale = 1000000000ULL;
	const char *dot = strchr(s, '.');
	char buf[24];
	size_t n = dot ? (size_t)(dot - s) : strlen(s);

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!parse_u64(buf, &whole) || whole > 1000000000ULL)
		return false;
	if (dot) {
		const char *p = dot + 1;

		if (!*p || strlen(p) > 9)
			return false;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return false;
			scale /= 10;
			frac += (unsigned long long)(*p - '0') * scale;
		}
	}
	*ns = whole * 1000000000ULL + frac;
	return true;
}

static void parse_addr(const char *arg, struct endpoint *ep)
{
	struct tcpstate_rec rec = { 0 };

	if (inet_pton(AF_INET, arg, rec.laddr) == 1)
		rec.family = AF_INET;
	else if (inet_pton(AF_INET6, arg, rec.laddr) == 1)
		rec.family = AF_INET6;
	else
		usage_error("-a ADDR must be an IPv4 or IPv6 address, not '%s'", arg);
	/* The same form as the connections': IPv4-mapped is IPv4. */
	endpoint_of(&rec, true, ep);
}

static void parse_conns_args(int argc, char *argv[], struct conns_opts *o)
{
	unsigned long long v;
	int opt;

	while ((opt = next_option(argc, argv, ":r:d:fP:a:s:N:h",
				  conns_options)) != -1) {
		switch (opt) {
		case 'r':
			o->file = optarg;
			break;
		case 'd':
			o->device = optarg;
			break;
		case OPT_SUMMARY:
			o->summary = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case OPT_ABSOLUTE:
			o->lo.absolute = true;
			break;
		case OPT_NO_COLOR:
			o->color = 0;
			break;
		case OPT_COLOR:
			o->color = 1;
			break;
		case OPT_CLOSE_WAIT:
			if (!parse_seconds(optarg, &o->lo.close_wait_ns))
				usage_error("--close-wait SECONDS must be a number of seconds, not '%s'",
					    optarg);
			break;
		case 'P':
			if (!parse_u64(optarg, &v) || v == 0 || v > 65535)
				usage_error("-P PORT must be a port number (1-65535), not '%s'",
					    optarg);
			o->ports[count_filter(&o->nr_ports, "-P", optarg)] =
				(unsigned int)v;
			break;
		case 'a':
			parse_addr(optarg, &o->addrs[count_filter(&o->nr_addrs,
								  "-a", optarg)]);
			break;
		case 's':
			v = tcp_state_lookup(optarg, strlen(optarg));
			if (!v || v == TCPSTATE_NEW_SYN_RECV)
				usage_error("-s STATE must be a TCP state (LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSE), not '%s'",
					    optarg);
			o->states[count_filter(&o->nr_states, "-s", optarg)] =
				(unsigned int)v;
			break;
		case 'N':
			if (!parse_u64(optarg, &v) || v == 0 || v > 0xffffffffULL)
				usage_error("-N NETNS must be a network namespace's inode number, not '%s'",
					    optarg);
			o->netns[count_filter(&o->nr_netns, "-N", optarg)] =
				(__u32)v;
			break;
		}
	}
	no_more_args(argc, argv);
	if (o->file && o->device)
		usage_error("-r FILE and -d DEVICE do not go together");
	if (o->summary && o->follow)
		usage_error("--follow draws ladders as they happen; --summary prints one line per connection once it is over");
}

/* The filters that do not depend on what happened (port, address, netns). */
static bool static_match(const struct conns_opts *o, const struct conn *c)
{
	bool ok = !o->nr_ports && !o->nr_addrs && !o->nr_netns;
	size_t i;

	if (ok)
		return true;
	if (o->nr_ports) {
		for (i = 0, ok = false; i < o->nr_ports && !ok; i++)
			ok = c->ep[0].port == o->ports[i] ||
			     c->ep[1].port == o->ports[i];
		if (!ok)
			return false;
	}
	if (o->nr_addrs) {
		for (i = 0, ok = false; i < o->nr_addrs && !ok; i++)
			ok = (c->ep[0].family == o->addrs[i].family &&
			      !memcmp(c->ep[0].addr, o->addrs[i].addr, 16)) ||
			     (c->ep[1].family == o->addrs[i].family &&
			      !memcmp(c->ep[1].addr, o->addrs[i].addr, 16));
		if (!ok)
			return false;
	}
	for (i = 0, ok = !o->nr_netns; i < o->nr_netns && !ok; i++)
		ok = c->netns == o->netns[i];
	return ok;
}

static bool state_match(const struct conns_opts *o, const struct conn *c)
{
	size_t i;

	for (i = 0; i < o->nr_states; i++)
		if (conn_reached(c, o->states[i]))
			return true;
	return !o->nr_states;
}

static void draw(FILE *out, const struct conns_opts *o, const struct conn *c)
{
	if (o->summary)
		summary_print(out, c, &o->lo);
	else
		ladder_print(out, c, &o->lo);
}

static void conn_done(struct conn *c, void *arg)
{
	struct conns_run *run = arg;
	const struct conns_opts *o = run->o;
	struct drawn *d;
	FILE *mem;

	if (!static_match(o, c) || !state_match(o, c))
		return;
	if (o->follow) {
		ladder_follow(stdout, c, &o->lo, &c->shown, true);
		putchar('\n');
		return;
	}
	if (!run->offline) {
		draw(stdout, o, c);
		return;
	}
	if (run->nr_drawn == run->cap_drawn) {
		run->cap_drawn = run->cap_drawn ? 2 * run->cap_drawn : 64;
		run->drawn = realloc(run->drawn, run->cap_drawn * sizeof(*d));
		if (!run->drawn) {
			fail("out of memory");
			exit(EXIT_RUNTIME);
		}
	}
	d = &run->drawn[run->nr_drawn++];
	d->id = c->id;
	mem = open_memstream(&d->text, &d->len);
	if (!mem) {
		fail("out of memory");
		exit(EXIT_RUNTIME);
	}
	draw(mem, o, c);
	fclose(mem);
}

/* --follow: each step as soon as its label is final. */
static void conn_event(struct conn *c, void *arg)
{
	const struct conns_run *run = arg;
	const struct conns_opts *o = run->o;

	if (!static_match(o, c))
		return;
	if (!c->shown && !state_match(o, c))
		return;
	ladder_follow(stdout, c, &o->lo, &c->shown, false);
}

static int by_id(const void *x, const void *y)
{
	const struct drawn *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

static enum batch_result track_record(const struct tcpstate_rec *rec, void *arg)
{
	tracker_add(arg, rec);
	return BATCH_MORE;
}

static int conns_from_device(const struct conns_opts *o, struct tracker *t)
{
	sigset_t poll_mask;
	int fd, rc;

	fd = open_device(o->device, &rc);
	if (fd < 0)
		return rc;
	catch_stop_signals(&poll_mask);
	rc = read_device(fd, o->device, &poll_mask, track_record, t);
	close(fd);
	/* Stopped or failed: what is still open is drawn as far as it got. */
	tracker_flush(t);
	return rc;
}

static int conns_from_file(const struct conns_opts *o, struct tracker *t)
{
	bool is_stdin = strcmp(o->file, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : o->file;
	struct jsonl_reader r;
	struct tcpstate_rec rec;
	char err[JSONL_ERR_MAX], verr[FORMAT_ERR_MAX];
	FILE *in = is_stdin ? stdin : fopen(o->file, "re");
	int got, rc = 0;

	if (!in)
		return fail("cannot open %s: %s", o->file, strerror(errno));
	jsonl_init(&r, in, name);
	while ((got = jsonl_read(&r, &rec, err, sizeof(err))) > 0) {
		if (rec_validate(&rec, verr, sizeof(verr))) {
			rc = fail("%s:%lu: %s", name, r.lineno, verr);
			break;
		}
		tracker_add(t, &rec);
	}
	if (got < 0)
		rc = fail("%s", err);
	jsonl_free(&r);
	if (!is_stdin)
		fclose(in);
	if (rc == 0)
		tracker_flush(t);
	if (rc == 0 && tracker_lost(t))
		fprintf(stderr, "tcpstate: %s: %llu events were lost (ring buffer full) while it was recorded: some connections miss steps\n",
			name, tracker_lost(t));
	return rc;
}

static bool color_wanted(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
	       !(term && strcmp(term, "dumb") == 0);
}

static int cmd_conns(int argc, char *argv[])
{
	struct conns_opts o = {
		.color = -1,
		.lo.close_wait_ns = 1000000000ULL,
	};
	struct conns_run run = { .o = &o };
	struct tracker *t;
	size_t i;
	int rc;

	parse_conns_args(argc, argv, &o);
	o.lo.color = o.color < 0 ? color_wanted() : o.color;
	run.offline = o.file != NULL;
	if (!o.file && !o.device)
		o.device = DEFAULT_DEVICE;
	t = tracker_new(conn_done, o.follow ? conn_event : NULL, &run);
	if (o.summary && !run.offline)
		summary_header(stdout);
	rc = run.offline ? conns_from_file(&o, t) : conns_from_device(&o, t);
	tracker_free(t);
	if (run.offline && rc == 0) {
		if (run.nr_drawn)
			qsort(run.drawn, run.nr_drawn, sizeof(*run.drawn), by_id);
		if (o.summary)
			summary_header(stdout);
		for (i = 0; i < run.nr_drawn; i++)
			fwrite(run.drawn[i].text, 1, run.drawn[i].len, stdout);
	}
	for (i = 0; i < run.nr_drawn; i++)
		free(run.drawn[i].text);
	free(run.drawn);
	return rc ? rc : flush_stdout();
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
	if (strcmp(cmd, "conns") == 0)
		return cmd_conns(argc - 1, argv + 1);
	if (cmd[0] == '-')
		usage_error("unrecognized option '%s'", cmd);
	usage_error("unknown command '%s'", cmd);
}
