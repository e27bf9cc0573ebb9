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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "conns.h"
#include "devmap.h"
#include "export.h"
#include "exporter.h"
#include "format.h"
#include "i18n.h"
#include "jsonl.h"
#include "ladder.h"
#include "order.h"
#include "outbuf.h"
#include "recfilter.h"
#include "sessions.h"
#include "states.h"
#include "stats.h"
#include "svg.h"
#include "util.h"
#include "version.h"

#define DEFAULT_DEVICE		"/dev/" TCPSTATE_DEV_NAME
/* Where `ip netns add NAME` puts its names (-N NAME). */
#define NETNS_DIR		"/var/run/netns"
#define DEFAULT_PROCFILE	"/proc/net/" TCPSTATE_PROC_NAME
#define READ_BATCH		1024	/* records per read(): 128 KiB, few syscalls */
#define STDOUT_BUFFER		(128 * 1024)	/* when not a terminal */
#define LINES_BUFFER		(64 * 1024)	/* dump's lines per fwrite() */

/* EXIT_PARTIAL: a saved dump had bad lines; what could be read was shown. */
enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

/* Bad lines of a saved dump named one by one; the rest are counted. */
#define BAD_LINES_SHOWN		10

/*
 * The synopsis, also shown after a usage error: one message, translated
 * at print time (the command lines stay as they are).
 */
static void print_usage(FILE *f)
{
	fputs(_("USAGE\n"
		"  tcpstate dump [--json | -T wall|mono|rel] [--ms] [-n COUNT]\n"
		"                [-d DEVICE [--buffer RECORDS] | -r FILE [--strict]] [FILTER...]\n"
		"  tcpstate conns [-r FILE [--strict] | -d DEVICE [--buffer RECORDS]]\n"
		"                 [--summary | --follow] [--absolute] [--width COLUMNS]\n"
		"                 [-T wall|mono|rel] [--svg | --html] [-E | --explain]\n"
		"                 [--no-color | --color] [-s STATE] [--close-wait SECONDS]\n"
		"                 [FILTER...]\n"
		"  tcpstate stats [--json | --dot | --prometheus] [-p PROCFILE]\n"
		"  tcpstate stats --sessions [-d DEVICE]\n"
		"  tcpstate exporter [--listen ADDR:PORT] [--netns NAME|PATH]... [--port PORT[,PORT...]]\n"
		"                    [-d DEVICE] [-p PROCFILE] [--max-clients N] [--max-conns N]\n"
		"                    [--conn-timeout SECONDS] [--config FILE]\n"
		"  tcpstate -h | --help\n"
		"  tcpstate --version\n"), f);
}

/* Long-only options: values past any char. */
enum {
	OPT_JSON = 0x100, OPT_SESSIONS, OPT_DOT, OPT_PROMETHEUS, OPT_SUMMARY, OPT_ABSOLUTE,
	OPT_NO_COLOR, OPT_COLOR, OPT_CLOSE_WAIT, OPT_STRICT, OPT_WIDTH, OPT_MS,
	OPT_SVG, OPT_HTML, OPT_BUFFER,
};

static const struct option dump_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "time", required_argument, NULL, 'T' },
	{ "ms", no_argument, NULL, OPT_MS },
	{ "port", required_argument, NULL, 'P' },
	{ "addr", required_argument, NULL, 'a' },
	{ "netns", required_argument, NULL, 'N' },
	{ "pid", required_argument, NULL, RECFILTER_OPT_PID },
	{ "comm", required_argument, NULL, RECFILTER_OPT_COMM },
	{ "kinds", required_argument, NULL, RECFILTER_OPT_KINDS },
	{ "buffer", required_argument, NULL, OPT_BUFFER },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option stats_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "dot", no_argument, NULL, OPT_DOT },
	{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
	{ "sessions", no_argument, NULL, OPT_SESSIONS },
	{ "device", required_argument, NULL, 'd' },
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
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "svg", no_argument, NULL, OPT_SVG },
	{ "html", no_argument, NULL, OPT_HTML },
	{ "explain", no_argument, NULL, 'E' },
	{ "port", required_argument, NULL, 'P' },
	{ "addr", required_argument, NULL, 'a' },
	{ "state", required_argument, NULL, 's' },
	{ "netns", required_argument, NULL, 'N' },
	{ "pid", required_argument, NULL, RECFILTER_OPT_PID },
	{ "comm", required_argument, NULL, RECFILTER_OPT_COMM },
	{ "kinds", required_argument, NULL, RECFILTER_OPT_KINDS },
	{ "time", required_argument, NULL, 'T' },
	{ "buffer", required_argument, NULL, OPT_BUFFER },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct dump_opts {
	const char *device;
	const char *file;		/* -r: a saved dump instead */
	unsigned long long count;	/* 0: no limit */
	bool json;
	bool strict;			/* -r: refuse a file with any bad line */
	enum time_mode time;		/* -T */
	bool time_set;
	bool ms;			/* --ms: the MS column */
	unsigned int buffer;		/* --buffer: the session's records; 0: default */
	struct recfilter rf;		/* -P -a -4 -6 -N --pid --comm --kinds */
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
	putc('\n', stderr);
	print_usage(stderr);
	fputs(_("Run 'tcpstate --help' for more.\n"), stderr);
	exit(EXIT_USAGE);
}

/*
 * dump's lines, gathered for one fwrite() per many records (outbuf.h);
 * NULL when nothing gathers. Whatever flushes stdout empties it first.
 */
static struct outbuf *stdout_lines;

static void flush_lines(void)
{
	if (stdout_lines)
		ob_flush(stdout_lines);
}

/*
 * 0, or the runtime error status. A reader that went away (`dump | head`)
 * is a normal end for a tracer: exit 0 at once, without a message.
 */
static int flush_stdout(void)
{
	flush_lines();
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (errno == EPIPE)
		exit(0);
	return fail(_("write error on stdout: %s"), strerror(errno));
}

__attribute__((noreturn))
static void print_help(void)
{
	fputs(_("tcpstate: show what the tcpstate kernel module records: TCP state changes,\n"
		"handshake and teardown segments, request sockets, TIME_WAIT sockets.\n"), stdout);
	putchar('\n');
	print_usage(stdout);
	putchar('\n');
	fputs(_("COMMANDS\n"), stdout);
	fputs(_("  dump    print each event as it happens, until Ctrl-C (or a saved\n"
		"          dump with -r). Records are shown in time order: those of\n"
		"          different CPUs can reach the reader out of order, so each is\n"
		"          held up to 100 ms for a late earlier one.\n"
		"          Needs CAP_NET_ADMIN (root). Each reader of the device is a\n"
		"          session of its own (buffer, filter, losses; up to the module's\n"
		"          max_sessions at once, see stats --sessions). TIME is\n"
		"          CLOCK_MONOTONIC seconds, as in ftrace; PID and COMM are \"-\"\n"
		"          when the event did not happen in a process's context.\n"), stdout);
	fputs(_("  conns   draw each connection as a ladder diagram, the way textbooks\n"
		"          draw the three-way handshake and the four-way close: the end\n"
		"          that sent the first SYN on the left, each side's state where it\n"
		"          changes, each segment an arrow with its flags and its numbers\n"
		"          relative to the ISNs x, y and the FINs u, w (the real numbers\n"
		"          next to them), each step labelled; then timings and anomalies.\n"
		"          Live from the device (a connection is drawn once it is over:\n"
		"          both ends closed, TIME_WAIT ended), or from a saved\n"
		"          `dump --json` with -r. Ctrl-C draws what is still open.\n"), stdout);
	fputs(_("  stats   print the module's counters for this network namespace.\n"), stdout);
	printf(_("  exporter  serve the counters and per-connection histograms (handshake,\n"
		   "          SYN round trip, lifetime, TIME_WAIT, CLOSE_WAIT) to Prometheus\n"
		   "          over HTTP (default %s, /metrics);\n"
		   "          `tcpstate exporter --help` for its options. It reads\n"
		   "          /dev/tcpstate through a session of its own (CAP_NET_ADMIN) and\n"
		   "          keeps serving /proc's counters while no session is free or the\n"
		   "          module is not loaded.\n"), EXPORTER_DEFAULT_LISTEN);
	putchar('\n');
	fputs(_("OPTIONS\n"), stdout);
	fputs(_("  --json        dump: one JSON object per line; stats: one JSON object\n"), stdout);
	fputs(_("  -T, --time wall|mono|rel\n"
		"                dump: the TIME column in UTC, in CLOCK_MONOTONIC seconds\n"
		"                (the default), or in seconds since the first record; a saved\n"
		"                dump shows wall time from its clock line (dump --json writes\n"
		"                {\"ts\":MONO,\"type\":\"clock\",\"utc_ns\":UTC} first). conns: the\n"
		"                same clock for each connection's \"first event at\", the\n"
		"                summary's START and --follow's wide rows (rel: since the\n"
		"                first record read); ladders count from their first event\n"), stdout);
	fputs(_("  --ms          dump: an MS column, as bcc's tcpstates: on a state change,\n"
		"                the milliseconds since the socket's previous one (the time\n"
		"                in the old state; its request, full and TIME_WAIT sockets\n"
		"                count as one); \"-\" for the first one seen\n"), stdout);
	fputs(_("  -n COUNT      dump: exit after COUNT events of any kind (state changes,\n"
		"                segments, request events); lost-event notices don't count\n"), stdout);
	printf(_("  -d DEVICE     dump, conns, stats --sessions: read DEVICE instead of\n"
		   "                %s\n"), DEFAULT_DEVICE);
	fputs(_("  --buffer RECORDS  dump, conns: this reader's own buffer, RECORDS records\n"
		"                (16 to 1048576, rounded up to a power of two; default: the\n"
		"                module's nr_records), for bursts the default cannot hold:\n"
		"                e.g. hundreds of thousands of TIME_WAIT sockets end a\n"
		"                timer-wheel batch (2 s of their births) at a time\n"), stdout);
	fputs(_("  --sessions    stats: who has the device open: each session's process,\n"
		"                scope, buffer, figures and filter (this one included)\n"), stdout);
	fputs(_("FILTER (dump, conns): live, the module applies it to this reader's own\n"
		"session; with -r, the same test runs on each record. Lost-record notices\n"
		"always pass. In conns, --pid and --comm select the connections that\n"
		"process took part in (a record of it), drawn whole: most of a\n"
		"connection's records are made in softirq, by no process.\n"), stdout);
	fputs(_("  -P, --port PORT[,PORT...]   a local or remote port (up to 16)\n"), stdout);
	fputs(_("  -a, --addr ADDR[/PREFIX]    a local or remote address in it (up to 8)\n"), stdout);
	fputs(_("  -4, -6                      IPv4 (IPv4-mapped too) or IPv6 only\n"), stdout);
	fputs(_("  -N, --netns NAME|INODE      one namespace (ip netns list, or its inode)\n"), stdout);
	fputs(_("  --pid PID, --comm COMM      process-context events of it only (softirq\n"
		"                              events belong to no process and do not pass)\n"), stdout);
	fputs(_("  --kinds LIST                states,control,segments,requests,timewait or\n"
		"                              all (default: the module parameters')\n"), stdout);
	printf(_("  -p PROCFILE   stats: read PROCFILE instead of %s\n"), DEFAULT_PROCFILE);
	fputs(_("  --dot         stats: the TCP state diagram as Graphviz DOT, each edge\n"
		"                labelled with its count (render: dot -Tsvg)\n"), stdout);
	fputs(_("  --prometheus  stats: the Prometheus text format (textfile collector)\n"), stdout);
	fputs(_("  -r FILE       dump, conns: read a saved `tcpstate dump --json` (- for\n"
		"                stdin), in time order; a bad line is named and skipped\n"
		"                (exit status 3)\n"), stdout);
	fputs(_("  --strict      dump, conns with -r: a file with any bad line is refused\n"
		"                whole (exit status 1), nothing shown\n"), stdout);
	fputs(_("  --summary     conns: one line per connection: who opened, who closed\n"
		"                first, how it ended, handshake time, lifetime\n"), stdout);
	fputs(_("  -f, --follow  conns: draw each connection's steps as they happen\n"), stdout);
	fputs(_("  --absolute    conns: the real sequence numbers only, no x, y, u, w\n"), stdout);
	fputs(_("  --svg         conns -r: every connection as a picture, one SVG document:\n"
		"                two time lines, slanted arrows from send to receive time,\n"
		"                states, x/y/u/w, TIME_WAIT as a bar, anomalies in red\n"), stdout);
	fputs(_("  --html        conns -r: one self-contained page, each connection's\n"
		"                picture and its text ladder\n"), stdout);
	fputs(_("  -E, --explain conns: under each step, what it does and why TCP needs it\n"
		"                (RFC 9293, and where Linux differs); --svg and --html show\n"
		"                the same as notes. In the language of LANG, LC_MESSAGES\n"
		"                or LANGUAGE (English, Chinese: zh_CN)\n"), stdout);
	fputs(_("  --width COLUMNS\n"
		"                conns: fit ladders in COLUMNS (default: the terminal's\n"
		"                width; none when not on a terminal; 0: no limit): one too\n"
		"                wide is drawn narrow, its real numbers, notes and long step\n"
		"                labels on a line of their own\n"), stdout);
	fputs(_("  --no-color    conns: no colours (the default when not on a terminal)\n"), stdout);
	fputs(_("  --color       conns: colours even when not on a terminal\n"), stdout);
	fputs(_("  -s STATE      conns: only connections where either end reached STATE\n"
		"                (TIME_WAIT, time_wait or ss's time-wait; fin-wait-1, closed);\n"
		"                more than once: any of them\n"), stdout);
	fputs(_("  --close-wait SECONDS\n"
		"                conns: call CLOSE_WAIT longer than this (default 1) an\n"
		"                application that did not close its socket\n"), stdout);
	fputs(_("  -h, --help    show this help\n"), stdout);
	fputs(_("  --version     show the tool's version and record version, and the loaded\n"
		"                module's; warn if they differ\n"), stdout);
	putchar('\n');
	fputs(_("DUMP EVENTS (the EVENT column of the text output)\n"
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
		"  JSON too (as a string): dir_7, sock_9, event_42, reason_0, STATE_13.\n"), stdout);
	putchar('\n');
	fputs(_("EXAMPLES\n"
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
		"                                          for node exporter's textfile collector\n"), stdout);
	putchar('\n');
	fputs(_("EXIT STATUS\n"
		"  0 success (a closed pipe, as in `dump | head`, is one), 1 runtime\n"
		"  error, 2 usage error, 3 a saved dump had bad lines: the rest was shown\n"), stdout);
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
			usage_error(_("option '%s' needs an argument"),
				    argv[optind - 1]);
		usage_error(_("option '-%c' needs an argument"), optopt);
	case '?':
		/* optopt is 0 for an unknown long option, its value for a misused one. */
		if (optopt > 0 && optopt < OPT_JSON)
			usage_error(_("unrecognized option '-%c'"), optopt);
		usage_error(_("unrecognized option '%s'"), argv[optind - 1]);
	}
	return opt;
}

static void no_more_args(int argc, char *argv[])
{
	if (optind < argc)
		usage_error(_("unexpected argument '%s'"), argv[optind]);
}

/* Explains a failed open of path (errno) in terms of the module. */
/* The module's max_sessions, as text ("?" if it cannot be read). */
static const char *max_sessions_now(void)
{
	static char buf[16];
	FILE *f = fopen("/sys/module/tcpstate/parameters/max_sessions", "r");

	if (!f || !fgets(buf, sizeof(buf), f))
		strcpy(buf, "?");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int open_failed(const char *path, bool device)
{
	int err = errno;

	if (err == ENOENT)
		return fail(_("%s does not exist: the tcpstate module is not loaded. Load it with: sudo insmod tcpstate.ko"),
			    path);
	if (device && (err == EACCES || err == EPERM))
		return fail(_("permission denied opening %s: reading needs CAP_NET_ADMIN (run as root)"),
			    path);
	if (device && err == EBUSY)
		return fail(_("%s: every session is taken (max_sessions=%s open already); close one, or raise /sys/module/tcpstate/parameters/max_sessions"),
			    path, max_sessions_now());
	return fail(_("cannot open %s: %s"), path, strerror(err));
}

static int check_device(int fd, const char *path)
{
	struct tcpstate_info info;
	char err[FORMAT_ERR_MAX];

	if (ioctl(fd, TCPSTATE_IOC_INFO, &info) < 0) {
		if (errno == ENOTTY)
			return fail(_("%s is not a tcpstate device (it does not answer TCPSTATE_IOC_INFO)"),
				    path);
		return fail(_("TCPSTATE_IOC_INFO on %s: %s"), path, strerror(errno));
	}
	if (info_validate(&info, err, sizeof(err)))
		return fail("%s", err);
	return 0;
}

/* --buffer N: a positive record count the module takes (16 .. 1048576). */
static unsigned int parse_buffer(const char *arg)
{
	unsigned long long n;

	if (!parse_u64(arg, &n) || n < TCPSTATE_BUFFER_MIN || n > TCPSTATE_BUFFER_MAX)
		usage_error(_("--buffer RECORDS must be %u to %u (rounded up to a power of two), not '%s'"),
			    TCPSTATE_BUFFER_MIN, TCPSTATE_BUFFER_MAX, arg);
	return (unsigned int)n;
}

/*
 * The session's own buffer of nr records (TCPSTATE_IOC_SET_BUFFER), before
 * its first read: for bursts the module's default nr_records cannot hold,
 * such as TIME_WAIT sockets ending a timer-wheel batch at a time.
 */
static int set_buffer(int fd, const char *path, unsigned int nr, int *rc)
{
	__u32 n = nr;

	if (ioctl(fd, TCPSTATE_IOC_SET_BUFFER, &n) == 0)
		return 0;
	if (errno == ENOTTY)
		*rc = fail(_("%s: --buffer: this module has no per-session buffers (TCPSTATE_IOC_SET_BUFFER)"),
			   path);
	else
		*rc = fail(_("%s: --buffer %u: %s"), path, nr, strerror(errno));
	return -1;
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

/* Whether SIGINT or SIGTERM waits, blocked; if so it counts as taken. */
static bool stop_pending(void)
{
	sigset_t pending;

	if (sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGINT) == 1 ||
	     sigismember(&pending, SIGTERM) == 1))
		stop_requested = 1;
	return stop_requested;
}

/* What a reader does with each record; BATCH_DONE stops reading. */
typedef enum batch_result (*rec_fn)(const struct tcpstate_rec *rec, void *arg);

static unsigned long long mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC +
	       (unsigned long long)ts.tv_nsec;
}

/* Hands fn the records due (all of them with all); BATCH_MORE if it wants more. */
static enum batch_result release(struct reorder *q, bool all, rec_fn fn,
				 void *arg)
{
	unsigned long long now = all ? 0 : mono_now();
	struct tcpstate_rec rec;
	enum batch_result result = BATCH_MORE;

	while (result == BATCH_MORE && reorder_pop(q, now, all, &rec))
		result = fn(&rec, arg);
	return result;
}

/* ppoll()'s timeout: until the earliest record held is due, or none. */
static const struct timespec *poll_timeout(const struct reorder *q,
					   struct timespec *ts)
{
	unsigned long long due = reorder_due(q), now, wait;

	if (!due)
		return NULL;
	now = mono_now();
	wait = due > now ? due - now : 0;
	if (wait < NSEC_PER_MSEC)
		wait = NSEC_PER_MSEC;
	ts->tv_sec = (time_t)(wait / NSEC_PER_SEC);
	ts->tv_nsec = (long)(wait % NSEC_PER_SEC);
	return ts;
}

/*
 * Reads the device until fn says done, limit events (records other than
 * lost ones; 0: no limit) have been read, a signal asks to stop, or an
 * error; records reach fn in time order (order.h), and every record read
 * reaches fn, the held ones at the end. The device is read non-blocking
 * after ppoll(): poll may say "ready" for records a namespace-scoped
 * reader will not get, and a blocking read() would then sleep with the
 * stop signals blocked. stdout is flushed after every read(). With map
 * mapped (devmap.h), records are taken from the map instead of read(),
 * and the ppoll() before each batch hands the last one back. Returns 0,
 * or the runtime error status after saying why.
 */
/*
 * Up to @want records from the map, run after run (devmap_peek(): each
 * one ring's, merged by time), into @q; each run consumed once pushed.
 * Returns 0, or -3 for a record that does not validate.
 */
static int take_mapped(struct devmap *map, struct reorder *q, size_t want,
		       unsigned long long *taken, char *err, size_t errlen)
{
	const struct tcpstate_rec *recs;
	size_t nrec, i;

	while (want && (nrec = devmap_peek(map, &recs, want))) {
		for (i = 0; i < nrec; i++) {
			if (rec_validate(&recs[i], err, errlen)) {
				devmap_consume(map, i);
				return -3;
			}
			*taken += recs[i].type != TCPSTATE_REC_LOST;
			reorder_push(q, &recs[i]);
		}
		devmap_consume(map, nrec);
		want -= nrec;
	}
	return 0;
}

static int read_device(int fd, struct devmap *map, const char *path,
		       const sigset_t *poll_mask, unsigned long long limit,
		       rec_fn fn, void *arg)
{
	static struct tcpstate_rec buf[READ_BATCH];
	const struct tcpstate_rec *recs = buf;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct reorder *q = reorder_new(ORDER_WINDOW_NS, ORDER_HELD_MAX);
	enum batch_result result = BATCH_MORE;
	unsigned long long taken = 0;
	char err[FORMAT_ERR_MAX];
	struct timespec ts;
	int rc = 0, flags = fcntl(fd, F_GETFL);
	size_t want, nrec, i;
	ssize_t n = 0;

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		reorder_free(q);
		return fail(_("%s: cannot make it non-blocking: %s"), path,
			    strerror(errno));
	}
	while (!stop_requested && (!limit || taken < limit)) {
		result = release(q, false, fn, arg);
		if (result != BATCH_MORE)
			break;
		/* Each batch goes out at once, for a pipe as for a terminal. */
		rc = flush_stdout();
		if (rc)
			break;
		n = ppoll(&pfd, 1, poll_timeout(q, &ts), poll_mask);
		if (n < 0 && errno != EINTR) {
			rc = fail(_("polling %s: %s"), path, strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		/*
		 * A ppoll() that finds records ready at once restores the
		 * mask without delivering a stop signal: under a steady
		 * stream it would never be taken. Look for one.
		 */
		if (stop_pending())
			break;
		/* Read no more events than will be shown (-n). */
		want = READ_BATCH;
		if (limit && limit - taken < want)
			want = (size_t)(limit - taken);
		if (map->page) {
			if (pfd.revents & POLLERR) {
				rc = -4;
				break;
			}
			rc = take_mapped(map, q, want, &taken, err, sizeof(err));
			/* Pushed (copied): the slots are handed back at once. */
			devmap_hand_back(map);
			if (rc)
				break;
			continue;
		} else {
			n = read(fd, buf, want * sizeof(buf[0]));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n < 0) {
				rc = fail(_("reading %s: %s"), path, strerror(errno));
				break;
			}
			if (n == 0) {
				rc = -1;	/* after what was read is out */
				break;
			}
			if ((size_t)n % sizeof(buf[0])) {
				rc = -2;
				break;
			}
			nrec = (size_t)n / sizeof(buf[0]);
		}
		for (i = 0; i < nrec; i++) {
			if (rec_validate(&recs[i], err, sizeof(err))) {
				rc = -3;
				break;
			}
			taken += recs[i].type != TCPSTATE_REC_LOST;
			reorder_push(q, &recs[i]);
		}
		if (rc)
			break;
	}
	/* What was read before a stop or an error comes out first. */
	if (result == BATCH_MORE)
		release(q, true, fn, arg);
	reorder_free(q);
	if (rc < 0) {
		flush_lines();
		fflush(stdout);
	}
	if (rc == -1)
		return fail(_("%s: unexpected end of file"), path);
	if (rc == -2)
		return fail(_("%s: read %zd bytes, not a whole number of %zu-byte records"),
			    path, n, sizeof(recs[0]));
	if (rc == -3)
		return fail("%s", err);
	if (rc == -4)
		return fail(_("%s: the module refused this reader's position in the mapped buffer"),
			    path);
	return rc;
}

/* A saved `dump --json`, whole, in time order. */
struct saved {
	const char *name;		/* for messages: the path or <stdin> */
	struct tcpstate_rec *recs;
	size_t nr, cap;
	unsigned long bad;		/* lines skipped */
	bool unsorted;			/* a record earlier than the one before */
	bool has_clock;			/* its clock line, if any */
	unsigned long long clock_mono, clock_utc;
};

static void saved_add(struct saved *sv, const struct tcpstate_rec *rec)
{
	if (sv->nr == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 1024;
		sv->recs = realloc(sv->recs, sv->cap * sizeof(*sv->recs));
		if (!sv->recs) {
			fail(_("out of memory"));
			exit(EXIT_RUNTIME);
		}
	}
	/* In time order so far? Then records_sort() has nothing to do. */
	if (sv->nr && rec->ts_ns < sv->recs[sv->nr - 1].ts_ns)
		sv->unsorted = true;
	sv->recs[sv->nr++] = *rec;
}

/*
 * Reads file ("-": stdin) into sv, sorted by time. A bad line (malformed,
 * truncated, a record this tool refuses) is named on stderr and skipped:
 * 0 if there were none, else EXIT_PARTIAL; with strict, the first one
 * stops everything (EXIT_RUNTIME, sv empty). EXIT_RUNTIME for a file that
 * cannot be opened or read.
 */
static int load_saved(const char *file, bool strict, struct saved *sv)
{
	bool is_stdin = strcmp(file, "-") == 0;
	char err[JSONL_ERR_MAX], verr[FORMAT_ERR_MAX];
	char lines[64], recs[64], shown[64] = "";
	FILE *in = is_stdin ? stdin : fopen(file, "re");
	struct jsonl_reader r;
	struct tcpstate_rec rec;
	int got, rc = 0;

	sv->name = is_stdin ? "<stdin>" : file;
	if (!in)
		return fail(_("cannot open %s: %s"), file, strerror(errno));
	jsonl_init(&r, in, sv->name);
	while ((got = jsonl_read(&r, &rec, err, sizeof(err))) != 0) {
		if (got > 0 && rec_validate(&rec, verr, sizeof(verr)) == 0) {
			saved_add(sv, &rec);
			continue;
		}
		if (got > 0)
			snprintf(err, sizeof(err), "%s:%lu: %s", sv->name,
				 r.lineno, verr);
		if (strict || ferror(in)) {
			rc = fail("%s", err);
			sv->nr = 0;
			break;
		}
		if (++sv->bad <= BAD_LINES_SHOWN)
			fail("%s", err);
	}
	sv->has_clock = r.has_clock;
	sv->clock_mono = r.clock_mono;
	sv->clock_utc = r.clock_utc;
	jsonl_free(&r);
	if (!is_stdin)
		fclose(in);
	if (rc)
		return rc;
	if (sv->unsorted)
		records_sort(sv->recs, sv->nr);
	if (!sv->bad)
		return 0;
	/* Each count with its noun, as each language makes its plural. */
	snprintf(lines, sizeof(lines), ngettext("%lu bad line skipped", "%lu bad lines skipped",
						sv->bad), sv->bad);
	snprintf(recs, sizeof(recs), ngettext("%zu record read", "%zu records read", sv->nr),
		 sv->nr);
	if (sv->bad > BAD_LINES_SHOWN)
		snprintf(shown, sizeof(shown), _(" (the first %d named above)"),
			 BAD_LINES_SHOWN);
	fail(_("%s: %s%s, %s (--strict refuses such a file)"), sv->name, lines, shown, recs);
	return EXIT_PARTIAL;
}

struct dump_state {
	const struct dump_opts *o;
	unsigned long long printed;
	struct time_fmt time;
};

/* UTC ns and CLOCK_MONOTONIC ns, read back to back. */
static void clocks_now(unsigned long long *mono, unsigned long long *utc)
{
	struct timespec m, u;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &u);
	*mono = (unsigned long long)m.tv_sec * NSEC_PER_SEC + (unsigned long long)m.tv_nsec;
	*utc = (unsigned long long)u.tv_sec * NSEC_PER_SEC + (unsigned long long)u.tv_nsec;
}

static enum batch_result print_record(const struct tcpstate_rec *rec, void *arg)
{
	struct dump_state *d = arg;

	/*
	 * A lost record is a notice about events, not one: -n counts
	 * events. With no limit (0) the incremented count never equals it.
	 * The device reader reads no more than COUNT events; a saved dump
	 * is read whole, so the limit is kept here too.
	 */
	if (d->o->count && d->printed == d->o->count)
		return BATCH_DONE;
	if (d->o->json)
		format_json_ob(stdout_lines, rec);
	else
		format_text_ob(stdout_lines, rec, &d->time);
	if (rec->type != TCPSTATE_REC_LOST)
		d->printed++;
	return BATCH_MORE;
}

static int dump_records(int fd, struct devmap *map, const struct dump_opts *o,
			const sigset_t *poll_mask)
{
	struct dump_state d = { .o = o, .time.mode = o->time };
	struct state_times ms = { 0 };
	unsigned long long mono, utc;
	int rc;

	if (o->ms)
		d.time.ms = &ms;
	/* What maps the records' clock to UTC: first in JSON, for later. */
	clocks_now(&mono, &utc);
	d.time.mono_to_utc = (long long)(utc - mono);
	if (o->json)
		format_json_clock(stdout, mono, utc);
	else
		format_text_header_t(stdout, &d.time);
	rc = read_device(fd, map, o->device, poll_mask, o->count, print_record, &d);
	state_times_free(&ms);
	return rc ? rc : flush_stdout();
}

/*
 * Opens and checks the device; -1 after saying why (status in *rc). To be
 * mapped (devmap.h) a device is opened for writing too, as its reader
 * writes its position in the map; where that is not allowed, or for a
 * file or FIFO of records (a FIFO opened for writing never ends), it is
 * opened read-only and read.
 */
static int open_device(const char *path, bool to_map, int *rc)
{
	struct stat st;
	int fd = -1;

	if (to_map && stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
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

/*
 * A reader's session: the device opened and checked, the filter set in
 * the kernel, its own buffer if asked (0: the module's nr_records), all
 * before the first read; then its buffer mapped, if the module can (else
 * map stays unmapped and the session is read()). -1 after saying why
 * (status in *rc).
 */
static int open_session(const char *path, const struct recfilter *rf,
			unsigned int buffer, struct devmap *map, int *rc)
{
	char err[RECFILTER_ERR_MAX];
	int fd = open_device(path, true, rc);

	if (fd < 0)
		return -1;
	if (recfilter_apply(rf, fd, err, sizeof(err)) < 0) {
		close(fd);
		*rc = fail(_("%s: %s"), path, err);
		return -1;
	}
	if (buffer && set_buffer(fd, path, buffer, rc) < 0) {
		close(fd);
		return -1;
	}
	devmap_open(map, fd);
	return fd;
}

/* -T, for dump and conns. */
static enum time_mode parse_time(const char *arg)
{
	if (!strcmp(arg, "mono"))
		return TIME_MONO;
	if (!strcmp(arg, "rel"))
		return TIME_REL;
	if (strcmp(arg, "wall"))
		usage_error(_("-T must be wall (UTC), mono (CLOCK_MONOTONIC seconds) or rel (seconds since the first record), not '%s'"),
			    arg);
	return TIME_WALL;
}

static void parse_dump_args(int argc, char *argv[], struct dump_opts *o)
{
	int opt;

	char err[RECFILTER_ERR_MAX];

	while ((opt = next_option(argc, argv, ":n:d:r:T:P:a:N:46h", dump_options)) != -1) {
		if (recfilter_option(&o->rf, opt, optarg, NETNS_DIR, err, sizeof(err)) < 0)
			usage_error("%s", err);
		switch (opt) {
		case OPT_MS:
			o->ms = true;
			break;
		case 'T':
			o->time = parse_time(optarg);
			o->time_set = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_BUFFER:
			o->buffer = parse_buffer(optarg);
			break;
		case 'r':
			o->file = optarg;
			break;
		case 'n':
			if (!parse_u64(optarg, &o->count) || o->count == 0)
				usage_error(_("-n COUNT must be a positive integer, not '%s'"),
					    optarg);
			break;
		case 'd':
			o->device = optarg;
			break;
		}
	}
	no_more_args(argc, argv);
	if (o->file && o->device)
		usage_error(_("-r FILE and -d DEVICE do not go together"));
	if (o->strict && !o->file)
		usage_error(_("--strict is about a saved dump: it needs -r FILE"));
	if (o->buffer && o->file)
		usage_error(_("--buffer sizes the device session's buffer: not with -r FILE"));
	if (o->ms && o->json)
		usage_error(_("--ms is a column of the text: JSON has every \"ts\" to compute it"));
	if (o->time_set && o->json)
		usage_error(_("-T is for text: JSON has \"ts\" (CLOCK_MONOTONIC ns) and starts with a clock line mapping it to UTC"));
}

/* dump -r: a saved dump as dump prints the device, in time order. */
static int dump_saved(const struct dump_opts *o)
{
	struct dump_state d = { .o = o, .time.mode = o->time };
	struct state_times ms = { 0 };
	struct saved sv = { 0 };
	int rc = load_saved(o->file, o->strict, &sv), frc;
	size_t i;

	if (o->ms)
		d.time.ms = &ms;
	if (rc != 0 && rc != EXIT_PARTIAL) {
		free(sv.recs);
		return rc;
	}
	if (o->time == TIME_WALL && !sv.has_clock) {
		free(sv.recs);
		return fail(_("%s has no clock line ({\"type\":\"clock\"}, which dump --json now writes first; older dumps lack it): -T wall cannot tell the time; use -T mono or -T rel"),
			    sv.name);
	}
	d.time.mono_to_utc = (long long)(sv.clock_utc - sv.clock_mono);
	if (o->json && sv.has_clock)
		format_json_clock(stdout, sv.clock_mono, sv.clock_utc);
	else if (!o->json)
		format_text_header_t(stdout, &d.time);
	for (i = 0; i < sv.nr; i++)
		if (recfilter_match(&o->rf, &sv.recs[i]) &&
		    print_record(&sv.recs[i], &d) != BATCH_MORE)
			break;
	state_times_free(&ms);
	free(sv.recs);
	frc = flush_stdout();
	return frc ? frc : rc;
}

static int cmd_dump(int argc, char *argv[])
{
	struct dump_opts o = { 0 };
	static char lines_buf[LINES_BUFFER];
	static struct outbuf lines;
	struct devmap map;
	sigset_t poll_mask;
	int fd, rc;

	parse_dump_args(argc, argv, &o);
	ob_init(&lines, stdout, lines_buf, sizeof(lines_buf));
	lines.direct = true;
	stdout_lines = &lines;
	if (o.file)
		return dump_saved(&o);
	if (!o.device)
		o.device = DEFAULT_DEVICE;
	fd = open_session(o.device, &o.rf, o.buffer, &map, &rc);
	if (fd < 0)
		return rc;
	catch_stop_signals(&poll_mask);
	rc = dump_records(fd, &map, &o, &poll_mask);
	devmap_close(&map);
	close(fd);
	return rc;
}

/* stats --sessions: every session the caller may see (this one too). */
static int stats_sessions(const char *device)
{
	struct tcpstate_session_info *s;
	unsigned int total;
	int fd, rc, n;

	fd = open_device(device, false, &rc);
	if (fd < 0)
		return rc;
	n = sessions_fetch(fd, &s, &total);
	close(fd);
	if (n < 0)
		return fail(_("TCPSTATE_IOC_SESSIONS on %s: %s"), device, strerror(errno));
	sessions_print(stdout, s, (unsigned int)n, total);
	free(s);
	return flush_stdout();
}

static int cmd_stats(int argc, char *argv[])
{
	void (*print)(FILE *out, const struct stats *st) = stats_print_text;
	const char *path = DEFAULT_PROCFILE, *format = NULL, *device = NULL;
	struct stats st = { 0 };
	bool sessions = false;
	char err[STATS_ERR_MAX];
	FILE *in;
	int opt, rc;

	while ((opt = next_option(argc, argv, ":p:d:h", stats_options)) != -1) {
		const char *name = argv[optind - 1];

		switch (opt) {
		case OPT_SESSIONS:
			sessions = true;
			break;
		case 'd':
			device = optarg;
			break;
		case OPT_JSON:
		case OPT_DOT:
		case OPT_PROMETHEUS:
			if (format && strcmp(format, name) != 0)
				usage_error(_("%s and %s do not go together"), format, name);
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
	if (sessions) {
		if (format)
			usage_error(_("--sessions is a table of its own: not with %s"), format);
		return stats_sessions(device ? device : DEFAULT_DEVICE);
	}
	if (device)
		usage_error(_("-d DEVICE is for --sessions"));

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
	unsigned int buffer;		/* --buffer: the session's records; 0: default */
	bool summary, follow;
	bool svg, html;			/* pictures (svg.h); -r only */
	bool strict;			/* -r: refuse a file with any bad line */
	int color;			/* -1: on a terminal */
	bool width_set;			/* --width; else the terminal's */
	struct time_fmt time;		/* -T; lo.time points here */
	struct ladder_opts lo;
	struct recfilter rf;		/* -P -a -4 -6 -N --kinds, as dump's */
	/* --pid, --comm: connections that process took part in */
	__u32 pid;
	char comm[sizeof(((struct tcpstate_rec *)0)->comm)];
	unsigned int states[FILTER_MAX];
	size_t nr_states;
};

/* A connection drawn from a file, waiting to be printed in start order. */
struct drawn {
	unsigned long id;
	char *text;
	size_t len;
	int height;		/* --svg: the picture's */
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
		usage_error(_("%s given more than %d times ('%s')"), opt, FILTER_MAX,
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

static void parse_conns_args(int argc, char *argv[], struct conns_opts *o)
{
	char err[RECFILTER_ERR_MAX];
	unsigned long long v;
	int opt;

	while ((opt = next_option(argc, argv, ":r:d:fEP:a:s:N:T:h46",
				  conns_options)) != -1) {
		/* The record filter, as dump's (--pid, --comm: see below). */
		int ours = recfilter_option(&o->rf, opt, optarg, NETNS_DIR,
					    err, sizeof(err));

		if (ours < 0)
			usage_error("%s", err);
		if (ours)
			continue;
		switch (opt) {
		case 'T':
			o->time.mode = parse_time(optarg);
			break;
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
		case OPT_BUFFER:
			o->buffer = parse_buffer(optarg);
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_SVG:
			o->svg = true;
			break;
		case 'E':
			o->lo.explain = true;
			break;
		case OPT_HTML:
			o->html = true;
			break;
		case OPT_WIDTH:
			if (!parse_u64(optarg, &v) || (v != 0 && v < 40) || v > 1000)
				usage_error(_("--width COLUMNS must be 40 to 1000, or 0 for no limit, not '%s'"),
					    optarg);
			o->lo.width = (unsigned int)v;
			o->width_set = true;
			break;
		case OPT_CLOSE_WAIT:
			if (!parse_seconds(optarg, &o->lo.close_wait_ns))
				usage_error(_("--close-wait SECONDS must be a number of seconds, not '%s'"),
					    optarg);
			break;
		case 's':
			v = tcp_state_from_user(optarg);
			if (!v)
				usage_error(_("-s STATE must be a TCP state (LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSE; any case, or as ss writes them: time-wait, fin-wait-1, closed), not '%s'"),
					    optarg);
			o->states[count_filter(&o->nr_states, "-s", optarg)] =
				(unsigned int)v;
			break;
		}
	}
	no_more_args(argc, argv);
	/*
	 * --pid and --comm select connections, not records: a ladder needs
	 * every record of its connection, and most are made in softirq, by
	 * no process. So they stay out of the session's filter.
	 */
	o->pid = o->rf.f.pid;
	memcpy(o->comm, o->rf.f.comm, sizeof(o->comm));
	o->rf.f.pid = 0;
	memset(o->rf.f.comm, 0, sizeof(o->rf.f.comm));
	o->rf.any = o->rf.kinds_set || o->rf.f.family || o->rf.f.netns ||
		    o->rf.f.nr_ports || o->rf.f.nr_addrs;
	if (o->file && o->device)
		usage_error(_("-r FILE and -d DEVICE do not go together"));
	if (o->strict && !o->file)
		usage_error(_("--strict is about a saved dump: it needs -r FILE"));
	if (o->buffer && o->file)
		usage_error(_("--buffer sizes the device session's buffer: not with -r FILE"));
	if ((o->svg || o->html) && !o->file)
		usage_error(_("--svg and --html draw a saved dump: they need -r FILE"));
	if ((o->svg || o->html) && (o->summary || o->follow || o->svg == o->html))
		usage_error(_("--svg, --html, --summary and --follow do not go together"));
	if (o->summary && o->lo.explain)
		usage_error(_("--explain explains each step of a ladder; --summary draws none"));
	if (o->summary && o->follow)
		usage_error(_("--follow draws ladders as they happen; --summary prints one line per connection once it is over"));
}

/* --pid, --comm: some record of c was made by that process. */
static bool process_match(const struct conns_opts *o, const struct conn *c)
{
	const struct conn_task *t;
	size_t i;

	if (!o->pid && !o->comm[0])
		return true;
	/* Each process of c's records once (conns.h). */
	for (i = 0; i < c->nr_task; i++) {
		t = &c->task[i];
		if ((!o->pid || t->pid == o->pid) &&
		    (!o->comm[0] || !strncmp(t->comm, o->comm, sizeof(t->comm))))
			return true;
	}
	return false;
}

static bool state_match(const struct conns_opts *o, const struct conn *c)
{
	size_t i;

	for (i = 0; i < o->nr_states; i++)
		if (conn_reached(c, o->states[i]))
			return true;
	return !o->nr_states;
}

static int draw(FILE *out, const struct conns_opts *o, const struct conn *c)
{
	if (o->svg)
		return svg_conn(out, c, &o->lo);
	if (o->html) {
		html_conn(out, c, &o->lo);
		return 0;
	}
	if (o->summary)
		summary_print(out, c, &o->lo);
	else
		ladder_print(out, c, &o->lo);
	return 0;
}

static void conn_done(struct conn *c, void *arg)
{
	struct conns_run *run = arg;
	const struct conns_opts *o = run->o;
	struct drawn *d;
	FILE *mem;

	ladder_follow_forget(&c->follow);
	if (!state_match(o, c) || !process_match(o, c))
		return;
	if (o->follow) {
		ladder_follow(stdout, c, &o->lo, &c->shown, &c->follow, true);
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
			fail(_("out of memory"));
			exit(EXIT_RUNTIME);
		}
	}
	d = &run->drawn[run->nr_drawn++];
	d->id = c->id;
	mem = open_memstream(&d->text, &d->len);
	if (!mem) {
		fail(_("out of memory"));
		exit(EXIT_RUNTIME);
	}
	d->height = draw(mem, o, c);
	fclose(mem);
}

/* --follow: each step as soon as its label is final. */
static void conn_event(struct conn *c, void *arg)
{
	const struct conns_run *run = arg;
	const struct conns_opts *o = run->o;

	if (!c->shown && (!state_match(o, c) || !process_match(o, c)))
		return;
	ladder_follow(stdout, c, &o->lo, &c->shown, &c->follow, false);
}

static int by_id(const void *x, const void *y)
{
	const struct drawn *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

/* Live: what the records go to, and -T's clock to start. */
struct live_feed {
	struct tracker *t;
	struct time_fmt *time;
};

static enum batch_result track_record(const struct tcpstate_rec *rec, void *arg)
{
	struct live_feed *feed = arg;

	/* -T rel counts from the first record read. */
	if (!feed->time->has_base) {
		feed->time->has_base = true;
		feed->time->base = rec->ts_ns;
	}
	tracker_add(feed->t, rec);
	heap_huge();
	return BATCH_MORE;
}

static int conns_from_device(struct conns_opts *o, struct tracker *t)
{
	struct live_feed feed = { .t = t, .time = &o->time };
	unsigned long long mono, utc;
	struct devmap map;
	sigset_t poll_mask;
	int fd, rc;

	fd = open_session(o->device, &o->rf, o->buffer, &map, &rc);
	if (fd < 0)
		return rc;
	clocks_now(&mono, &utc);
	o->time.mono_to_utc = (long long)(utc - mono);
	catch_stop_signals(&poll_mask);
	heap_huge();
	rc = read_device(fd, &map, o->device, &poll_mask, 0, track_record, &feed);
	devmap_close(&map);
	close(fd);
	/* Stopped or failed: what is still open is drawn as far as it got. */
	tracker_flush(t);
	return rc;
}

static int conns_from_file(struct conns_opts *o, struct tracker *t)
{
	struct saved sv = { 0 };
	int rc = load_saved(o->file, o->strict, &sv);
	size_t i;

	if (rc != 0 && rc != EXIT_PARTIAL) {
		free(sv.recs);
		return rc;
	}
	if (o->time.mode == TIME_WALL && !sv.has_clock) {
		free(sv.recs);
		return fail(_("%s has no clock line ({\"type\":\"clock\"}, which dump --json now writes first; older dumps lack it): -T wall cannot tell the time; use -T mono or -T rel"),
			    sv.name);
	}
	o->time.mono_to_utc = (long long)(sv.clock_utc - sv.clock_mono);
	/* -T rel: since the first record of the file, sorted. */
	o->time.has_base = sv.nr > 0;
	o->time.base = sv.nr ? sv.recs[0].ts_ns : 0;
	heap_huge();
	for (i = 0; i < sv.nr; i++) {
		if (!recfilter_match(&o->rf, &sv.recs[i]))
			continue;
		tracker_add(t, &sv.recs[i]);
		heap_huge();
	}
	tracker_flush(t);
	if (tracker_lost(t))
		fprintf(stderr, "tcpstate: %s: %llu events were lost (ring buffer full) while it was recorded: some connections miss steps\n",
			sv.name, tracker_lost(t));
	free(sv.recs);
	return rc;
}

/* The terminal's columns if stdout is one; 0 (no limit) otherwise. */
static unsigned int terminal_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) ||
	    ws.ws_col < 40)
		return 0;
	return ws.ws_col;
}

/* Offline: what conn_done() drew, in start order, in its document. */
static void print_drawn(const struct conns_opts *o, const struct conns_run *run)
{
	int height = 0;
	size_t i;

	if (o->svg) {
		for (i = 0; i < run->nr_drawn; i++)
			height += run->drawn[i].height;
		svg_begin(stdout, height ? height : 40);
		if (!run->nr_drawn)
			fputs("<text x=\"10\" y=\"20\">no connections</text>\n", stdout);
	} else if (o->html) {
		html_begin(stdout);
		if (!run->nr_drawn)
			fputs("<p>No connections.</p>\n", stdout);
	}
	for (i = 0, height = 0; i < run->nr_drawn; i++) {
		if (o->svg)
			printf("<g transform=\"translate(0,%d)\">\n", height);
		fwrite(run->drawn[i].text, 1, run->drawn[i].len, stdout);
		if (o->svg)
			fputs("</g>\n", stdout);
		height += run->drawn[i].height;
	}
	if (o->svg)
		svg_end(stdout);
	else if (o->html)
		html_end(stdout);
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
	o.lo.time = &o.time;
	o.lo.color = o.color < 0 ? color_wanted() : o.color;
	if (!o.width_set)
		o.lo.width = terminal_width();
	run.offline = o.file != NULL;
	if (!o.file && !o.device)
		o.device = DEFAULT_DEVICE;
	t = tracker_new(conn_done, o.follow ? conn_event : NULL, &run);
	if (o.summary && !run.offline)
		summary_header(stdout, &o.lo);
	rc = run.offline ? conns_from_file(&o, t) : conns_from_device(&o, t);
	tracker_free(t);
	if (run.offline && (rc == 0 || rc == EXIT_PARTIAL)) {
		if (run.nr_drawn)
			qsort(run.drawn, run.nr_drawn, sizeof(*run.drawn), by_id);
		if (o.summary)
			summary_header(stdout, &o.lo);
		print_drawn(&o, &run);
	}
	for (i = 0; i < run.nr_drawn; i++)
		free(run.drawn[i].text);
	free(run.drawn);
	if (flush_stdout())
		return EXIT_RUNTIME;
	return rc;
}

static char stdout_buf[STDOUT_BUFFER];

int main(int argc, char *argv[])
{
	const char *cmd = argv[1];
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	/* A closed pipe then shows as EPIPE from flush_stdout(): exit 1, quietly. */
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, NULL);
	/*
	 * Not a terminal: stdout is fully buffered anyway; a larger buffer
	 * makes a write() per 128 KiB rather than per 4 KiB, for a dump of
	 * thousands of records a second. The live readers still flush after
	 * every batch read (read_device()), so lines arrive as they happen.
	 * A terminal keeps its line buffering. The buffer is given: glibc
	 * ignores the size without one and takes st_blksize (4 KiB for a
	 * pipe or /dev/null), a write() per 4 KiB of ladders.
	 */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	i18n_init();

	if (!cmd)
		usage_error(_("no command given"));
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		print_help();
	if (strcmp(cmd, "--version") == 0) {
		print_version(DEFAULT_DEVICE);
		return flush_stdout();
	}
	if (strcmp(cmd, "dump") == 0)
		return cmd_dump(argc - 1, argv + 1);
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(argc - 1, argv + 1);
	if (strcmp(cmd, "conns") == 0)
		return cmd_conns(argc - 1, argv + 1);
	if (strcmp(cmd, "exporter") == 0)
		return cmd_exporter(argc - 1, argv + 1, tcpstate_tool_version);
	if (cmd[0] == '-')
		usage_error(_("unrecognized option '%s'"), cmd);
	usage_error(_("unknown command '%s'"), cmd);
}
