// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate exporter (exporter.h): options, the metrics kept from the
 * connection model, the exposition, and the daemon: one thread, one
 * ppoll() loop over the listening socket, at most max_clients clients, and
 * the device; signals only set flags, taken between two ppoll() calls.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devmap.h"
#include "export.h"
#include "exporter.h"
#include "format.h"
#include "http.h"
#include "i18n.h"
#include "model.h"
#include "names.h"
#include "order.h"
#include "states.h"
#include "util.h"

#define PREFIX "tcpstate exporter: "

/* --- options ----------------------------------------------------------------- */

/*
 * The synopsis and the options, translated at print time (the command
 * line and the option names stay as they are); the default address is
 * an argument, so that the message is one string for xgettext.
 */
static void print_usage(FILE *f)
{
	fputs(_("USAGE\n"
		"  tcpstate exporter [--listen ADDR:PORT] [--netns NAME|PATH]... [--port PORT[,PORT...]]\n"
		"                    [-d DEVICE] [-p PROCFILE] [--max-clients N] [--max-conns N]\n"
		"                    [--conn-timeout SECONDS] [--config FILE]\n"), f);
	fprintf(f, _("\n"
		     "Serves /metrics (Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the\n"
		     "Accept header asks for it), / and /healthz on ADDR:PORT (default %s).\n"),
		EXPORTER_DEFAULT_LISTEN);
	fputs(_("  --listen ADDR:PORT   where to listen; [::1]:9757 for IPv6; 0.0.0.0:9757\n"
		"                       for every address (say so explicitly)\n"), f);
	fputs(_("  --netns NAME|PATH    also read /proc/net/tcpstate of this namespace: a\n"
		"                       name of `ip netns` (/run/netns/NAME) or a path such as\n"
		"                       /proc/PID/ns/net (needs CAP_SYS_ADMIN to enter it)\n"), f);
	fputs(_("  --port LIST          per-connection figures by this list of server ports,\n"
		"                       the rest as port=\"other\" (at most 16 ports)\n"), f);
	fputs(_("  -d DEVICE            read DEVICE instead of /dev/tcpstate\n"), f);
	fputs(_("  -p PROCFILE          the own namespace's counters from PROCFILE instead of\n"
		"                       /proc/net/tcpstate\n"), f);
	fputs(_("  --max-clients N      HTTP clients served at once (default 16, 1-1024); more\n"
		"                       wait in the listen backlog\n"), f);
	fputs(_("  --max-conns N        connections kept for their figures at once (default\n"
		"                       16384, 1-1048576); past it the oldest is given up\n"), f);
	fputs(_("  --conn-timeout SECONDS  a connection without an event for this long is aged\n"
		"                       out (default 7200, 1-2592000), unless an end of it is\n"
		"                       ESTABLISHED, CLOSE_WAIT or FIN_WAIT2\n"), f);
	fputs(_("  --config FILE        options from FILE, one \"option value\" per line\n"
		"                       (\"port 80,443\"); re-read with the command line on SIGHUP\n"), f);
	fputs(_("Signals: SIGTERM/SIGINT exit 0; SIGHUP re-reads the options; SIGUSR1 closes\n"
		"its session of /dev/tcpstate until the module is reloaded (an open session\n"
		"keeps the module from being unloaded) or the next SIGUSR1. The exporter\n"
		"reads its own session (CAP_NET_ADMIN), beside any other reader.\n"), f);
}

__attribute__((format(printf, 3, 4)))
static int opt_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int set_str(char *dst, size_t size, const char *opt, const char *v,
		   char *err, size_t errlen)
{
	if (!v[0] || strlen(v) >= size)
		return opt_error(err, errlen, _("%s needs a value of 1 to %zu characters"), opt,
				 size - 1);
	strcpy(dst, v);
	return 0;
}

/* ADDR:PORT or [ADDR6]:PORT into a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss,
			socklen_t *len)
{
	char host[64];
	const char *colon, *h = s;
	unsigned long long port;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host) || !parse_u64(colon + 1, &port) ||
	    port == 0 || port > 65535)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (s[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		*len = sizeof(*sin6);
	}
	return 0;
}

static int add_ports(struct exporter_opts *o, const char *v, char *err,
		     size_t errlen)
{
	const char *p = v;

	for (;;) {
		size_t n = strcspn(p, ","), i;
		unsigned long long port = 0;
		char buf[8];

		if (n > 0 && n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (!parse_u64(buf, &port))
				port = 0;
		}
		if (port == 0 || port > 65535)
			return opt_error(err, errlen, _("--port must be a port (1-65535) or a list of them (80,443), not '%s'"),
					 v);
		for (i = 0; i < o->nr_ports && o->ports[i] != port; i++)
			;
		if (i == o->nr_ports) {
			if (o->nr_ports == EXPORTER_PORTS_MAX)
				return opt_error(err, errlen, _("--port: at most %d ports (each is a label value of every per-connection series)"),
						 EXPORTER_PORTS_MAX);
			o->ports[o->nr_ports++] = (unsigned int)port;
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* Which lists the command line has replaced so far. */
struct list_reset {
	bool netns, port;
};

/* One option and its value (NULL if none was given). */
static int apply_opt(struct exporter_opts *o, const char *opt, const char *v,
		     bool cmdline, struct list_reset *reset, char *err,
		     size_t errlen)
{
	unsigned long long n;

	if (!strcmp(opt, "help")) {
		o->help = true;
		return 0;
	}
	if (!v)
		return opt_error(err, errlen, _("option '%s' needs a value"), opt);
	if (!strcmp(opt, "listen")) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (parse_listen(v, &ss, &len))
			return opt_error(err, errlen, _("--listen must be ADDR:PORT or [ADDR6]:PORT (127.0.0.1:9757, [::1]:9757), not '%s'"),
					 v);
		return set_str(o->listen, sizeof(o->listen), "--listen", v, err, errlen);
	}
	if (!strcmp(opt, "device") || !strcmp(opt, "d"))
		return set_str(o->device, sizeof(o->device), "-d", v, err, errlen);
	if (!strcmp(opt, "proc") || !strcmp(opt, "p"))
		return set_str(o->procfile, sizeof(o->procfile), "-p", v, err, errlen);
	if (!strcmp(opt, "config")) {
		if (!cmdline)
			return opt_error(err, errlen, _("config: a config file cannot name another"));
		return set_str(o->config, sizeof(o->config), "--config", v, err, errlen);
	}
	if (!strcmp(opt, "max-clients")) {
		if (!parse_u64(v, &n) || n < 1 || n > 1024)
			return opt_error(err, errlen, _("--max-clients must be 1 to 1024, not '%s'"), v);
		o->max_clients = (unsigned int)n;
		return 0;
	}
	if (!strcmp(opt, "max-conns")) {
		if (!parse_u64(v, &n) || n < 1 || n > EXPORTER_MAX_CONNS_MAX)
			return opt_error(err, errlen, _("--max-conns must be 1 to %d, not '%s'"),
					 EXPORTER_MAX_CONNS_MAX, v);
		o->max_conns = (unsigned int)n;
		return 0;
	}
	if (!strcmp(opt, "conn-timeout")) {
		if (!parse_u64(v, &n) || n < 1 || n > EXPORTER_CONN_TIMEOUT_MAX)
			return opt_error(err, errlen, _("--conn-timeout must be 1 to %d seconds, not '%s'"),
					 EXPORTER_CONN_TIMEOUT_MAX, v);
		o->conn_timeout = (unsigned int)n;
		return 0;
	}
	if (!strcmp(opt, "port")) {
		if (cmdline && !reset->port) {
			o->nr_ports = 0;
			reset->port = true;
		}
		return add_ports(o, v, err, errlen);
	}
	if (!strcmp(opt, "netns")) {
		if (cmdline && !reset->netns) {
			o->nr_netns = 0;
			reset->netns = true;
		}
		if (o->nr_netns == EXPORTER_NETNS_MAX)
			return opt_error(err, errlen, _("--netns given more than %d times"),
					 EXPORTER_NETNS_MAX);
		if (!strchr(v, '/') && (!strcmp(v, ".") || !strcmp(v, "..")))
			return opt_error(err, errlen, _("--netns: '%s' is not a namespace name"), v);
		return set_str(o->netns[o->nr_netns++], PATH_MAX, "--netns", v, err, errlen);
	}
	return opt_error(err, errlen, _("unrecognized option '%s%s'"),
			 strlen(opt) == 1 ? "-" : "--", opt);
}

/* The options apply_opt() knows, so an unknown one is named as such. */
static bool known_opt(const char *opt)
{
	static const char *const names[] = {
		"listen", "netns", "port", "device", "d", "proc", "p",
		"max-clients", "max-conns", "conn-timeout", "config", "help",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(opt, names[i]))
			return true;
	return false;
}

static bool takes_value(const char *opt)
{
	return strcmp(opt, "help") != 0 && strcmp(opt, "h") != 0;
}

static int read_config(struct exporter_opts *o, const char *path, char *err,
		       size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct list_reset reset = { 0 };
	char line[PATH_MAX + 64];
	unsigned int lineno = 0;
	int rc = 0;

	if (!f)
		return opt_error(err, errlen, _("cannot open %s: %s"), path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *p = line, *opt, *v, *end;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = opt_error(err, errlen, _("%s:%u: line too long"), path, lineno);
			break;
		}
		p[strcspn(p, "\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		opt = p;
		p += strcspn(p, " \t");
		v = NULL;
		if (*p) {
			*p++ = '\0';
			while (*p == ' ' || *p == '\t')
				p++;
			for (end = p + strlen(p); end > p && (end[-1] == ' ' || end[-1] == '\t');)
				*--end = '\0';
			v = *p ? p : NULL;
		}
		if (!strcmp(opt, "help") || (v && !takes_value(opt))) {
			rc = opt_error(err, errlen, _("%s:%u: '%s' is not an option of a config file"),
				       path, lineno, opt);
			break;
		}
		if (apply_opt(o, opt, v, false, &reset, err, errlen)) {
			char msg[EXPORTER_ERR_MAX];

			snprintf(msg, sizeof(msg), "%s", err);
			rc = opt_error(err, errlen, _("%s:%u: %s"), path, lineno, msg);
		}
	}
	if (rc == 0 && ferror(f))
		rc = opt_error(err, errlen, _("reading %s: %s"), path, strerror(errno));
	fclose(f);
	return rc;
}

/* argv's options, "--opt value", "--opt=value", "-d value". */
static int parse_argv(int argc, char *const argv[], struct exporter_opts *o,
		      bool config_only, char *err, size_t errlen)
{
	struct list_reset reset = { 0 };
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *v = NULL;
		char opt[32];
		size_t n;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			if (!config_only)
				o->help = true;
			continue;
		}
		if (a[0] == '-' && a[1] && a[1] != '-' && !a[2]) {
			opt[0] = a[1];
			opt[1] = '\0';
		} else if (a[0] == '-' && a[1] == '-' && a[2]) {
			eq = strchr(a + 2, '=');
			n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			if (n >= sizeof(opt))
				return opt_error(err, errlen, _("unrecognized option '%s'"), a);
			memcpy(opt, a + 2, n);
			opt[n] = '\0';
			if (eq)
				v = eq + 1;
		} else {
			return opt_error(err, errlen, _("unexpected argument '%s'"), a);
		}
		if (!known_opt(opt))
			return opt_error(err, errlen, _("unrecognized option '%s'"), a);
		if (!v) {
			if (i + 1 >= argc)
				return opt_error(err, errlen, _("option '%s' needs an argument"), a);
			v = argv[++i];
		}
		if (config_only != !strcmp(opt, "config"))
			continue;
		if (apply_opt(o, opt, v, true, &reset, err, errlen))
			return -1;
	}
	return 0;
}

int exporter_parse_args(int argc, char *const argv[], struct exporter_opts *o,
			char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->listen, EXPORTER_DEFAULT_LISTEN);
	strcpy(o->device, "/dev/" TCPSTATE_DEV_NAME);
	strcpy(o->procfile, "/proc/net/" TCPSTATE_PROC_NAME);
	o->max_clients = 16;
	o->max_conns = EXPORTER_MAX_CONNS;
	o->conn_timeout = EXPORTER_CONN_TIMEOUT;
	/* --config first: its file is under the command line. */
	if (parse_argv(argc, argv, o, true, err, errlen))
		return -1;
	if (o->config[0] && read_config(o, o->config, err, errlen))
		return -1;
	return parse_argv(argc, argv, o, false, err, errlen);
}

/* --- metrics from the connection model ------------------------------------ */

/* Bits of struct conn.shown, the caller's field (conns.h). */
#define SEEN		0x1u
#define HS_CLIENT	0x2u
#define HS_SERVER	0x4u
#define RTT_DONE	0x8u

static const struct model_opts exp_model_opts = {
	.absolute = true,
	.close_wait_ns = 1000000000ULL,
};

void exp_metrics_init(struct exp_metrics *m, const unsigned int *ports,
		      size_t nr_ports)
{
	size_t g, r;

	memset(m, 0, sizeof(*m));
	m->nr_ports = nr_ports > EXPORTER_PORTS_MAX ? EXPORTER_PORTS_MAX : nr_ports;
	memcpy(m->ports, ports, m->nr_ports * sizeof(*ports));
	for (g = 0; g <= EXPORTER_PORTS_MAX; g++) {
		struct exp_group *x = &m->groups[g];

		histogram_init(&x->handshake[0], &hist_handshake);
		histogram_init(&x->handshake[1], &hist_handshake);
		histogram_init(&x->syn_rtt, &hist_handshake);
		histogram_init(&x->lifetime, &hist_lifetime);
		for (r = 0; r < EXP_TW_REASONS; r++)
			histogram_init(&x->time_wait[r], &hist_time_wait);
		histogram_init(&x->close_wait, &hist_close_wait);
	}
}

/* The group of a connection: its server's port if listed, else "other". */
static struct exp_group *group_of(struct exp_metrics *m, const struct model *a)
{
	unsigned int port = model_ep(a, 1)->port;
	size_t i;

	for (i = 0; i < m->nr_ports; i++)
		if (m->ports[i] == port)
			return &m->groups[i];
	return &m->groups[m->nr_ports];
}

/* Handshakes and the SYN round trip, each once, as soon as known. */
static void observe_open(struct exp_metrics *m, struct conn *c,
			 const struct model *a)
{
	struct exp_group *g = group_of(m, a);
	unsigned int col;
	__u64 ns;

	for (col = 0; col < 2; col++) {
		unsigned int bit = col ? HS_SERVER : HS_CLIENT;

		if (!(c->shown & bit) && model_side_handshake(a, col, &ns)) {
			histogram_observe(&g->handshake[col], ns);
			c->shown |= bit;
		}
	}
	if (!(c->shown & RTT_DONE) && a->fig.rtt && a->fig.rtt_at_client &&
	    a->t_est[0]) {
		histogram_observe(&g->syn_rtt, a->fig.rtt);
		c->shown |= RTT_DONE;
	}
}

void exp_conn_event(struct conn *c, void *arg)
{
	struct exp_metrics *m = arg;
	struct model *a;

	if (!(c->shown & SEEN)) {
		c->shown |= SEEN;
		m->tracked++;
	}
	/* A model per event would cost O(events^2) per connection: only at ESTABLISHED. */
	if (!m->est_pending)
		return;
	a = model_build(c, &exp_model_opts, true);
	observe_open(m, c, a);
	model_free(a);
}

void exp_conn_done(struct conn *c, void *arg)
{
	struct exp_metrics *m = arg;
	struct exp_group *g;
	struct model *a;
	unsigned int col;

	if (c->shown & SEEN)
		m->tracked--;
	if (!c->complete) {
		/* Aged out, or given up (--max-conns, or the device let go). */
		if (m->expiring)
			m->expired++;
		else
			m->given_up++;
		return;
	}
	a = model_build(c, &exp_model_opts, false);
	g = group_of(m, a);
	observe_open(m, c, a);
	g->conns++;
	g->failed[model_open_failure(a)]++;
	if (a->fig.has_lifetime)
		histogram_observe(&g->lifetime, a->fig.lifetime);
	for (col = 0; col < 2; col++) {
		unsigned int r = a->fig.tw_reason[col];

		/* A reason this tool has no name for counts as the kernel's "other". */
		if (r < TCPSTATE_TW_EXPIRED || r > TCPSTATE_TW_OTHER)
			r = TCPSTATE_TW_OTHER;
		if (a->fig.tw_ended[col])
			histogram_observe(&g->time_wait[r], a->fig.tw_life[col]);
		if (a->fig.has_cw[col])
			histogram_observe(&g->close_wait, a->fig.cw[col]);
	}
	model_free(a);
}

void exp_add_record(struct exp_metrics *m, struct tracker *t,
		    const struct tcpstate_rec *rec)
{
	if (rec->type == TCPSTATE_REC_LOST) {
		m->lost += rec->lost.count;
	} else {
		m->records++;
		if (m->self_port && rec->netns == m->self_netns &&
		    (rec->lport == m->self_port || rec->rport == m->self_port)) {
			m->own_skipped++;
			return;
		}
	}
	m->est_pending = rec->type == TCPSTATE_REC_STATE &&
			 rec->state.new_state == TCPSTATE_ESTABLISHED;
	tracker_add(t, rec);
	m->est_pending = false;
}

bool exp_conn_keep(const struct conn *c, void *arg)
{
	unsigned int e;

	(void)arg;
	for (e = 0; e < 2; e++) {
		if (!c->end[e].full)
			continue;
		switch (c->end[e].state) {
		case TCPSTATE_ESTABLISHED:
		case TCPSTATE_CLOSE_WAIT:
		case TCPSTATE_FIN_WAIT2:
			return true;
		}
	}
	return false;
}

size_t exp_expire(struct exp_metrics *m, struct tracker *t,
		  unsigned long long now_ns, unsigned long long timeout_ns)
{
	size_t n;

	/* Nothing is that old yet (the clock counts from boot). */
	if (now_ns <= timeout_ns)
		return 0;
	m->expiring = true;
	n = tracker_expire(t, now_ns - timeout_ns, exp_conn_keep, m);
	m->expiring = false;
	return n;
}

/* --- the exposition ----------------------------------------------------------- */

const int exp_http_codes[EXP_HTTP_CODES] = { 200, 400, 404, 405, 408, 414, 431, 505 };

struct expo {
	FILE *out;
	bool om;
};

/*
 * HELP and TYPE. name is the family's: a counter's without "_total" in
 * OpenMetrics, with it in the text format, where the family is named as
 * its sample.
 */
static void family(const struct expo *x, const char *name, const char *type,
		   const char *help)
{
	bool counter = !strcmp(type, "counter");
	const char *suffix = counter && !x->om ? "_total" : "";

	if (x->om && !strcmp(type, "untyped"))
		type = "unknown";
	fprintf(x->out, "# HELP %s%s %s\n", name, suffix, help);
	fprintf(x->out, "# TYPE %s%s %s\n", name, suffix, type);
}

/* A family of one unlabelled sample: its HELP/TYPE lines, then the sample. */
static void single(const struct expo *x, const char *name, const char *type,
		   const char *help, unsigned long long v)
{
	family(x, name, type, help);
	fprintf(x->out, "%s%s %llu\n", name, strcmp(type, "counter") ? "" : "_total", v);
}

/* A label value, escaped as both formats want: \\, \", \n. */
static void label_value(char *buf, size_t size, const char *v)
{
	size_t n = 0;

	for (; *v && n + 3 < size; v++) {
		if (*v == '\\' || *v == '"') {
			buf[n++] = '\\';
			buf[n++] = *v;
		} else if (*v == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *v;
		}
	}
	buf[n] = '\0';
}

static void ns_labels(char *buf, size_t size, const struct exp_netns_sample *ns)
{
	char name[2 * 64 + 1];

	label_value(name, sizeof(name), ns->name);
	snprintf(buf, size, "netns=\"%lu\",netns_name=\"%s\"", ns->inum, name);
}

/* Whether counter i of st is the first with its name. */
static bool first_of_name(const struct stats *st, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(st->counters[j].name, st->counters[i].name))
			return false;
	return true;
}

/* Whether name was met in an earlier namespace's counters or earlier in this one's. */
static bool name_seen_before(const struct exp_netns_sample *ns, size_t k,
			     size_t i)
{
	size_t j, c;

	if (!first_of_name(&ns[k].st, i))
		return true;
	for (j = 0; j < k; j++)
		for (c = 0; c < ns[j].st.nr; c++)
			if (!strcmp(ns[j].st.counters[c].name, ns[k].st.counters[i].name))
				return true;
	return false;
}

/* The value of name in st, if there. */
static bool stat_value(const struct stats *st, const char *name,
		       unsigned long long *v)
{
	size_t i;

	for (i = 0; i < st->nr; i++)
		if (!strcmp(st->counters[i].name, name)) {
			*v = st->counters[i].value;
			return true;
		}
	return false;
}

/*
 * The /proc counters: one family per name, first seen first, a sample per
 * namespace that has it. Counters a newer module has and this tool does
 * not know are passed on untyped (unknown), as stats --prometheus does;
 * one whose family name is taken is left out.
 */
static void render_proc(const struct expo *x, const struct exp_netns_sample *ns,
			size_t nr_ns)
{
	char labels[160], fam[STATS_NAME_MAX + 16];
	unsigned int from, to;
	bool titled = false;
	size_t k, i, j;

	for (k = 0; k < nr_ns; k++) {
		for (i = 0; i < ns[k].st.nr; i++) {
			const char *name = ns[k].st.counters[i].name, *help;
			bool counter;

			if (name_seen_before(ns, k, i) || stats_transition(name, &from, &to))
				continue;
			if (stats_metric_info(name, &counter, &help)) {
				snprintf(fam, sizeof(fam), "tcpstate_%s", name);
				family(x, fam, counter ? "counter" : "gauge", help);
			} else {
				size_t len = strlen(name);

				/* tcpstate_<x>_total of a known counter x, a bucket, ...: not ours to add. */
				if ((len > 6 && !strcmp(name + len - 6, "_total")) ||
				    !strncmp(name, "exporter_", 9) || !strcmp(name, "up"))
					continue;
				counter = false;
				snprintf(fam, sizeof(fam), "tcpstate_%s", name);
				family(x, fam, "untyped",
				       "A counter of /proc/net/tcpstate this tool does not know.");
			}
			for (j = k; j < nr_ns; j++) {
				unsigned long long v;

				if (!ns[j].up || !stat_value(&ns[j].st, name, &v))
					continue;
				ns_labels(labels, sizeof(labels), &ns[j]);
				fprintf(x->out, "%s%s{%s} %llu\n", fam, counter ? "_total" : "",
					labels, v);
			}
		}
	}
	/* Every transition in one family, so that it can be summed over. */
	for (k = 0; k < nr_ns; k++) {
		for (i = 0; i < ns[k].st.nr; i++) {
			const struct stats_counter *c = &ns[k].st.counters[i];
			unsigned int f2, t2;
			bool dup = false;

			if (!ns[k].up || !stats_transition(c->name, &from, &to))
				continue;
			for (j = 0; j < i && !dup; j++)
				dup = stats_transition(ns[k].st.counters[j].name, &f2, &t2) &&
				      f2 == from && t2 == to;
			if (dup)
				continue;
			if (!titled)
				family(x, "tcpstate_transitions", "counter",
				       "TCP state transitions, by old and new state (kernel names).");
			titled = true;
			ns_labels(labels, sizeof(labels), &ns[k]);
			fprintf(x->out, "tcpstate_transitions_total{%s,from=\"%s\",to=\"%s\"} %llu\n",
				labels, tcp_state_name(from), tcp_state_name(to), c->value);
		}
	}
}

/* The port label of group g (empty without --port). */
static void group_labels(const struct exp_metrics *m, size_t g, char *buf,
			 size_t size)
{
	if (!m->nr_ports)
		buf[0] = '\0';
	else if (g < m->nr_ports)
		snprintf(buf, size, "port=\"%u\"", m->ports[g]);
	else
		snprintf(buf, size, "port=\"other\"");
}

static void join(char *buf, size_t size, const char *a, const char *b)
{
	snprintf(buf, size, "%s%s%s", a, a[0] && b[0] ? "," : "", b);
}

static void render_conns(const struct expo *x, const struct exp_metrics *m)
{
	static const char *const roles[2] = { "client", "server" };
	size_t g, nr_groups = m->nr_ports + 1;
	char pl[32], labels[128];
	unsigned int r, col;

	family(x, "tcpstate_handshake_seconds", "histogram",
	       "Each side's handshake: the client's first SYN sent, the server's first SYN received, to that side's ESTABLISHED.");
	for (g = 0; g < nr_groups; g++) {
		group_labels(m, g, pl, sizeof(pl));
		for (col = 0; col < 2; col++) {
			char role[32];

			snprintf(role, sizeof(role), "role=\"%s\"", roles[col]);
			join(labels, sizeof(labels), pl, role);
			histogram_write(x->out, "tcpstate_handshake_seconds", labels,
					&m->groups[g].handshake[col]);
		}
	}
	family(x, "tcpstate_syn_rtt_seconds", "histogram",
	       "At the client: its last SYN sent to the SYN-ACK's arrival.");
	for (g = 0; g < nr_groups; g++) {
		group_labels(m, g, pl, sizeof(pl));
		histogram_write(x->out, "tcpstate_syn_rtt_seconds", pl, &m->groups[g].syn_rtt);
	}
	family(x, "tcpstate_connection_lifetime_seconds", "histogram",
	       "Connections over: the first SYN (else the first event) to the last traced end's CLOSE or TIME_WAIT.");
	for (g = 0; g < nr_groups; g++) {
		group_labels(m, g, pl, sizeof(pl));
		histogram_write(x->out, "tcpstate_connection_lifetime_seconds", pl,
				&m->groups[g].lifetime);
	}
	family(x, "tcpstate_time_wait_seconds", "histogram",
	       "TIME_WAIT sockets ended: their life as the module measured it, by why they ended.");
	for (g = 0; g < nr_groups; g++) {
		group_labels(m, g, pl, sizeof(pl));
		for (r = TCPSTATE_TW_EXPIRED; r <= TCPSTATE_TW_OTHER; r++) {
			char reason[40], nb[NAME_LABEL_MAX];

			snprintf(reason, sizeof(reason), "reason=\"%s\"",
				 name_label(&tw_reason_names, r, nb));
			join(labels, sizeof(labels), pl, reason);
			histogram_write(x->out, "tcpstate_time_wait_seconds", labels,
					&m->groups[g].time_wait[r]);
		}
	}
	family(x, "tcpstate_close_wait_seconds", "histogram",
	       "Each side's time in CLOSE_WAIT: the peer's FIN arrived, until its application closed.");
	for (g = 0; g < nr_groups; g++) {
		group_labels(m, g, pl, sizeof(pl));
		histogram_write(x->out, "tcpstate_close_wait_seconds", pl,
				&m->groups[g].close_wait);
	}
	family(x, "tcpstate_connections", "counter",
	       "Connections seen from their start or middle to their end through /dev/tcpstate.");
	for (g = 0; g < nr_groups; g++) {
		group_labels(m, g, pl, sizeof(pl));
		fprintf(x->out, "tcpstate_connections_total%s%s%s %llu\n", pl[0] ? "{" : "",
			pl, pl[0] ? "}" : "", m->groups[g].conns);
	}
	family(x, "tcpstate_open_failures", "counter",
	       "Connections that never opened: refused (RST to the SYN), reset before ESTABLISHED, timeout (no answer until given up).");
	for (g = 0; g < nr_groups; g++) {
		enum open_failure f;

		group_labels(m, g, pl, sizeof(pl));
		for (f = OPEN_FAIL_REFUSED; f <= OPEN_FAIL_TIMEOUT; f++) {
			char reason[40];

			snprintf(reason, sizeof(reason), "reason=\"%s\"", open_failure_name(f));
			join(labels, sizeof(labels), pl, reason);
			fprintf(x->out, "tcpstate_open_failures_total{%s} %llu\n", labels,
				m->groups[g].failed[f]);
		}
	}
}

void exp_render(FILE *out, bool openmetrics, const struct exp_metrics *m,
		const struct exp_netns_sample *ns, size_t nr_ns,
		const struct exp_status *s)
{
	const struct expo x = { out, openmetrics };
	char labels[160];
	size_t k;

	family(&x, "tcpstate_build_info", "gauge", "This tool's version, always 1.");
	fprintf(out, "tcpstate_build_info{version=\"%s\"} 1\n", s->version);
	single(&x, "tcpstate_up", "gauge",
	       "1 if the tcpstate module's counters were read (the module is loaded), else 0.",
	       s->up);
	family(&x, "tcpstate_netns_up", "gauge",
	       "1 if this namespace's /proc/net/tcpstate was read, else 0.");
	for (k = 0; k < nr_ns; k++) {
		ns_labels(labels, sizeof(labels), &ns[k]);
		fprintf(out, "tcpstate_netns_up{%s} %d\n", labels, ns[k].up);
	}
	single(&x, "tcpstate_device_attached", "gauge",
	       "1 while this exporter reads /dev/tcpstate (per-connection figures flow), else 0.",
	       s->attached);
	single(&x, "tcpstate_device_busy", "gauge",
	       "1 if this exporter's last open of /dev/tcpstate got EBUSY (the module's max_sessions sessions open), else 0.",
	       !s->attached && s->busy);
	/* Not known without a session to ask through, but 0 without the module. */
	family(&x, "tcpstate_sessions", "gauge",
	       "Sessions of /dev/tcpstate open now, this exporter's included (absent while it has none and the module is loaded).");
	if (s->sessions >= 0)
		fprintf(out, "tcpstate_sessions %lld\n", s->sessions);
	render_proc(&x, ns, nr_ns);
	render_conns(&x, m);
	single(&x, "tcpstate_exporter_records_read", "counter",
	       "Records read from /dev/tcpstate by this exporter (lost-event notices not included).",
	       m->records);
	single(&x, "tcpstate_exporter_events_lost", "counter",
	       "Events lost (ring buffer full) that the module reported to this exporter.",
	       m->lost);
	single(&x, "tcpstate_exporter_own_records", "counter",
	       "Records of this exporter's own HTTP connections, left out of the per-connection figures.",
	       m->own_skipped);
	single(&x, "tcpstate_exporter_connections_tracked", "gauge",
	       "Connections not over yet, kept for their figures.",
	       m->tracked);
	single(&x, "tcpstate_exporter_connections_given_up", "counter",
	       "Connections dropped before their end: more than --max-conns open at once (the oldest goes), or the device let go; their figures are not counted.",
	       m->given_up);
	single(&x, "tcpstate_exporter_connections_expired", "counter",
	       "Connections aged out: no event for --conn-timeout and no end ESTABLISHED, CLOSE_WAIT or FIN_WAIT2; their figures are not counted.",
	       m->expired);
	single(&x, "tcpstate_exporter_session_recorded", "counter",
	       "Events the module recorded for this exporter's sessions of /dev/tcpstate (its filter took them), over every session it opened.",
	       s->session_recorded);
	single(&x, "tcpstate_exporter_session_dropped", "counter",
	       "Of those, events lost because this exporter's session buffer was full.",
	       s->session_dropped);
	single(&x, "tcpstate_exporter_device_attaches", "counter",
	       "Times this exporter attached to /dev/tcpstate.",
	       s->attach_total);
	family(&x, "tcpstate_exporter_http_responses", "counter",
	       "HTTP responses sent, by status code.");
	for (k = 0; k < EXP_HTTP_CODES; k++)
		fprintf(out, "tcpstate_exporter_http_responses_total{code=\"%d\"} %llu\n",
			exp_http_codes[k], s->http[k]);
	if (openmetrics)
		fputs("# EOF\n", out);
}

/* --- the daemon --------------------------------------------------------------- */

#define READ_BATCH		256
#define CLIENT_DEADLINE_NS	(10 * NSEC_PER_SEC)
#define LINGER_NS		(1 * NSEC_PER_SEC)
#define RETRY_NS		(1 * NSEC_PER_SEC)
/* How often idle connections are looked for: a walk of all that are kept. */
#define EXPIRE_EVERY_NS		(10 * NSEC_PER_SEC)
#define LISTEN_BACKLOG		128

static volatile sig_atomic_t got_stop, got_hup, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC +
	       (unsigned long long)ts.tv_nsec;
}

__attribute__((format(printf, 1, 2)))
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs(PREFIX, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	putc('\n', stderr);
	fflush(stderr);
}

/*
 * The device side: a session of /dev/tcpstate of the exporter's own (each
 * open() is one), records in, reorder, tracker. EBUSY: the module's
 * max_sessions sessions are open; retried every second like a module not
 * loaded.
 */
enum dev_state { DEV_DETACHED, DEV_ATTACHED };

struct exp_source {
	char path[PATH_MAX];
	int fd;
	enum dev_state state;
	int last_errno;			/* of the last failed attach, for logging changes */
	bool busy;
	bool filtered;			/* its own filter (EXPORTER_KINDS) is set */
	bool held_off;			/* SIGUSR1: not until the module reloads */
	bool saw_unloaded;		/* ...seen gone since */
	unsigned long long next_try;
	unsigned long long attaches;
	/* recorded, dropped: of the sessions closed, and of the open one when last asked */
	unsigned long long closed_recorded, closed_dropped;
	unsigned long long cur_recorded, cur_dropped;
	struct reorder *q;
	struct tracker *t;
	struct exp_metrics *m;
	struct devmap map;		/* the session's buffer mapped, if it could be */
};

static void source_release(struct exp_source *s, bool all)
{
	unsigned long long now = all ? 0 : now_ns();
	struct tcpstate_rec rec;

	while (reorder_pop(s->q, now, all, &rec))
		exp_add_record(s->m, s->t, &rec);
}

/* The open session's own figures, kept for when it is gone. */
static void source_session_figures(struct exp_source *s)
{
	struct tcpstate_session_info info;

	if (s->state == DEV_ATTACHED && ioctl(s->fd, TCPSTATE_IOC_SESSION, &info) == 0) {
		s->cur_recorded = info.recorded;
		s->cur_dropped = info.dropped;
	}
}

/* Sessions open now, or -1 without one to ask through. */
static long long source_sessions(const struct exp_source *s)
{
	struct tcpstate_sessions req = { 0 };

	/* nr 0: only the total is wanted. */
	if (s->state != DEV_ATTACHED || ioctl(s->fd, TCPSTATE_IOC_SESSIONS, &req) < 0)
		return -1;
	return req.total;
}

static void source_detach(struct exp_source *s, const char *why)
{
	if (s->state != DEV_ATTACHED)
		return;
	source_session_figures(s);
	s->closed_recorded += s->cur_recorded;
	s->closed_dropped += s->cur_dropped;
	s->cur_recorded = 0;
	s->cur_dropped = 0;
	devmap_close(&s->map);
	close(s->fd);
	s->fd = -1;
	s->state = DEV_DETACHED;
	/* What was read goes in; what is open can never be finished now. */
	source_release(s, true);
	tracker_flush(s->t);
	logmsg(_("let go of %s: %s"), s->path, why);
}

static void source_attach(struct exp_source *s, unsigned long long now)
{
	struct tcpstate_filter f = { .kinds = EXPORTER_KINDS };
	struct tcpstate_info info;
	char err[FORMAT_ERR_MAX];
	struct stat st;
	int fd;

	s->next_try = now + RETRY_NS;
	/* For writing too, to be mapped (devmap.h), where that is allowed. */
	fd = -1;
	if (stat(s->path, &st) == 0 && S_ISCHR(st.st_mode))
		fd = open(s->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fd = open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		s->busy = e == EBUSY;
		if (e != s->last_errno)
			logmsg(_("cannot read %s: %s%s"), s->path, strerror(e),
			       e == EBUSY ? " (the module's max_sessions sessions are open; retrying every second)" :
			       e == ENOENT ? " (module not loaded; retrying every second)" :
			       e == EPERM || e == EACCES ? " (needs CAP_NET_ADMIN)" : "");
		s->last_errno = e;
		return;
	}
	s->busy = false;
	if (ioctl(fd, TCPSTATE_IOC_INFO, &info) < 0 ||
	    info_validate(&info, err, sizeof(err))) {
		if (s->last_errno != -1)
			logmsg(_("%s: not a usable tcpstate device"), s->path);
		s->last_errno = -1;
		close(fd);
		return;
	}
	/*
	 * Before the first read: the kinds the figures use, every port and
	 * address, whatever the module parameters' default filter says. Data
	 * segments are most of what segments=all records; the kernel then
	 * neither copies them for this session nor lets them fill its ring.
	 * Without it (an error), the default filter: the figures need no more.
	 */
	s->filtered = ioctl(fd, TCPSTATE_IOC_SET_FILTER, &f) == 0;
	if (!s->filtered)
		logmsg(_("%s: TCPSTATE_IOC_SET_FILTER: %s; reading with the module's default filter"),
		       s->path, strerror(errno));
	devmap_open(&s->map, fd);
	s->fd = fd;
	s->state = DEV_ATTACHED;
	s->last_errno = 0;
	s->attaches++;
	s->cur_recorded = 0;
	s->cur_dropped = 0;
	logmsg(ngettext("reading a session of %s (%u ring of %u records, %s)",
			"reading a session of %s (%u rings of %u records, %s)", info.nr_rings),
	       s->path, info.nr_rings, info.nr_records,
	       info.netns ? "this namespace only" : "every namespace");
}

/*
 * Reads what is ready, or takes it from the map (handed back at the next
 * ppoll()); a device gone bad is let go (and tried again later).
 */
static void source_read(struct exp_source *s, short revents)
{
	static struct tcpstate_rec recs[READ_BATCH];
	const struct tcpstate_rec *mapped;
	char err[FORMAT_ERR_MAX];
	size_t i, k, left;
	ssize_t n;

	if (s->map.page) {
		if (revents & POLLERR) {
			source_detach(s, "the module refused this reader's position in the mapped buffer");
			return;
		}
		/* A batch, run after run (each one ring's, merged by time). */
		for (left = READ_BATCH;
		     left && (k = devmap_peek(&s->map, &mapped, left));
		     left -= k) {
			for (i = 0; i < k; i++) {
				if (rec_validate(&mapped[i], err, sizeof(err))) {
					source_detach(s, err);
					return;
				}
				reorder_push(s->q, &mapped[i]);
			}
			devmap_consume(&s->map, k);
		}
		devmap_hand_back(&s->map);
		return;
	}
	n = read(s->fd, recs, sizeof(recs));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		source_detach(s, n == 0 ? "end of file" : strerror(errno));
		return;
	}
	if ((size_t)n % sizeof(recs[0])) {
		source_detach(s, "a read that is not whole records");
		return;
	}
	for (i = 0; i < (size_t)n / sizeof(recs[0]); i++) {
		if (rec_validate(&recs[i], err, sizeof(err))) {
			source_detach(s, err);
			return;
		}
		reorder_push(s->q, &recs[i]);
	}
}

/* A watched namespace. */
struct exp_ns {
	char spec[PATH_MAX];	/* "" for the own one */
	char name[64];
	char path[PATH_MAX];	/* its ns file */
	unsigned long inum;
	int procfd;		/* its /proc/net/tcpstate while being read */
	bool warned;
};

/* The name `ip netns` gives inum, if any. */
static void netns_name_of(unsigned long inum, char *name, size_t size)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;

	name[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/run/netns/%s", e->d_name);
		if (stat(p, &st) == 0 && st.st_ino == inum && strlen(e->d_name) < size) {
			strcpy(name, e->d_name);
			break;
		}
	}
	closedir(d);
}

/*
 * Opens another namespace's /proc/net/tcpstate, afresh at every scrape:
 * an open /proc/net file holds its namespace, so keeping one would keep a
 * deleted namespace (and its TIME_WAIT sockets) alive. *inum: the
 * namespace found there now (a name may be given to a new one).
 */
static int open_netns_proc(const struct exp_ns *n, int self_fd,
			   unsigned long *inum)
{
	int nsfd = open(n->path, O_RDONLY | O_CLOEXEC), fd = -1, e;
	struct stat st;

	if (nsfd < 0)
		return -1;
	if (fstat(nsfd, &st) == 0)
		*inum = (unsigned long)st.st_ino;
	if (setns(nsfd, CLONE_NEWNET) == 0) {
		fd = open("/proc/thread-self/net/" TCPSTATE_PROC_NAME, O_RDONLY | O_CLOEXEC);
		e = errno;
		if (setns(self_fd, CLONE_NEWNET) != 0) {
			/* Staying in the wrong namespace would mislabel everything. */
			logmsg(_("cannot return to the own network namespace: %s"), strerror(errno));
			exit(1);
		}
		errno = e;
	}
	e = errno;
	close(nsfd);
	errno = e;
	return fd;
}

/* The whole file at fd from its start, into st. */
static bool read_proc_fd(int fd, const char *name, struct stats *st)
{
	char buf[65536], err[STATS_ERR_MAX];
	size_t len = 0;
	ssize_t n;
	FILE *in;
	bool ok;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return false;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	if (len == 0 || len == sizeof(buf) - 1)
		return false;
	in = fmemopen(buf, len, "r");
	if (!in)
		return false;
	ok = stats_parse(in, name, st, err, sizeof(err)) == 0;
	fclose(in);
	return ok;
}

struct client {
	int fd;
	char in[HTTP_HEAD_MAX + 1];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	bool lingering;		/* response out, reading what is left */
	unsigned long long deadline;
};

struct exporter {
	struct exporter_opts o;
	int argc;
	char **argv;
	const char *version;
	int listen_fd;
	int self_ns;		/* the own network namespace, to return to */
	struct exp_source src;
	struct exp_metrics m;
	struct exp_ns ns[EXPORTER_NETNS_MAX + 1];
	size_t nr_ns;
	struct client *clients;
	size_t nr_clients;
	unsigned long long http[EXP_HTTP_CODES];
	unsigned long long next_expire;
};

static int open_listen(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (parse_listen(spec, &ss, &len))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, LISTEN_BACKLOG)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Which connections are the exporter's own (struct exp_metrics). */
static void set_self(struct exporter *x)
{
	struct sockaddr_storage ss;
	socklen_t len;

	x->m.self_netns = (__u32)x->ns[0].inum;
	x->m.self_port = 0;
	if (parse_listen(x->o.listen, &ss, &len) == 0)
		x->m.self_port = ntohs(ss.ss_family == AF_INET ?
				       ((struct sockaddr_in *)&ss)->sin_port :
				       ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void setup_namespaces(struct exporter *x)
{
	struct stat st;
	size_t i;

	for (i = 0; i < x->nr_ns; i++)
		if (x->ns[i].procfd >= 0)
			close(x->ns[i].procfd);
	memset(x->ns, 0, sizeof(x->ns));
	x->nr_ns = 0;
	/* The own namespace first: its counters are tcpstate_up's. */
	x->ns[0].procfd = -1;
	if (fstat(x->self_ns, &st) == 0)
		x->ns[0].inum = (unsigned long)st.st_ino;
	netns_name_of(x->ns[0].inum, x->ns[0].name, sizeof(x->ns[0].name));
	x->nr_ns = 1;
	for (i = 0; i < x->o.nr_netns; i++) {
		struct exp_ns *n = &x->ns[x->nr_ns];
		const char *spec = x->o.netns[i];

		n->procfd = -1;
		snprintf(n->spec, sizeof(n->spec), "%s", spec);
		if (strchr(spec, '/'))
			snprintf(n->path, sizeof(n->path), "%s", spec);
		else
			snprintf(n->path, sizeof(n->path), "/run/netns/%s", spec);
		if (strchr(spec, '/'))
			n->name[0] = '\0';
		else
			snprintf(n->name, sizeof(n->name), "%.63s", spec);
		/* Not there yet: watched anyway (tcpstate_netns_up 0 until it is). */
		if (stat(n->path, &st) != 0) {
			logmsg(_("--netns %s: %s: %s"), spec, n->path, strerror(errno));
		} else {
			n->inum = (unsigned long)st.st_ino;
			if (strchr(spec, '/'))
				netns_name_of(n->inum, n->name, sizeof(n->name));
			if (n->inum == x->ns[0].inum)
				continue;	/* the own one, already there */
		}
		x->nr_ns++;
	}
}

/* Reads every watched namespace's counters into samples. */
static void sample_namespaces(struct exporter *x, struct exp_netns_sample *s)
{
	size_t i;

	for (i = 0; i < x->nr_ns; i++) {
		struct exp_ns *n = &x->ns[i];

		memset(&s[i], 0, sizeof(s[i]));
		s[i].inum = n->inum;
		s[i].name = n->name;
		if (i == 0) {
			/* Opened anew each time: a reloaded module's file is a new file. */
			int fd = open(x->o.procfile, O_RDONLY | O_CLOEXEC);

			if (fd >= 0) {
				s[i].up = read_proc_fd(fd, x->o.procfile, &s[i].st);
				close(fd);
			}
			continue;
		}
		n->procfd = open_netns_proc(n, x->self_ns, &n->inum);
		s[i].inum = n->inum;
		if (n->procfd < 0) {
			if (!n->warned && errno != ENOENT)
				logmsg(_("--netns %s: cannot open its /proc/net/tcpstate: %s"),
				       n->spec, strerror(errno));
			n->warned = true;
			continue;
		}
		n->warned = false;
		s[i].up = read_proc_fd(n->procfd, n->path, &s[i].st);
		close(n->procfd);
		n->procfd = -1;
	}
}

static void count_code(struct exporter *x, int code)
{
	size_t i;

	for (i = 0; i < EXP_HTTP_CODES; i++)
		if (exp_http_codes[i] == code)
			x->http[i]++;
}

static void respond(struct exporter *x, struct client *c, int code,
		    const char *type, const char *body, size_t body_len,
		    bool head, const char *extra)
{
	FILE *f;

	count_code(x, code);
	free(c->out);
	c->out = NULL;
	c->out_len = 0;
	f = open_memstream(&c->out, &c->out_len);
	if (!f)
		out_of_memory();
	fprintf(f, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Connection: close\r\nCache-Control: no-store\r\n%s\r\n",
		code, http_reason(code), type, body_len, extra ? extra : "");
	if (!head)
		fwrite(body, 1, body_len, f);
	if (fclose(f))
		out_of_memory();
	c->out_off = 0;
}

static void error_response(struct exporter *x, struct client *c, int code)
{
	char body[96];

	snprintf(body, sizeof(body), "%d %s\n", code, http_reason(code));
	respond(x, c, code, "text/plain; charset=utf-8", body, strlen(body), false,
		code == 405 ? "Allow: GET, HEAD\r\n" : NULL);
}

static void serve_metrics(struct exporter *x, struct client *c, bool om,
			  bool head)
{
	struct exp_netns_sample s[EXPORTER_NETNS_MAX + 1];
	struct exp_status st = { 0 };
	char *body = NULL;
	size_t len = 0, i;
	FILE *f;

	/* What was read but is still held for ordering goes in if due. */
	if (x->src.state == DEV_ATTACHED)
		source_release(&x->src, false);
	sample_namespaces(x, s);
	st.version = x->version;
	st.up = s[0].up;
	st.attached = x->src.state == DEV_ATTACHED;
	st.busy = x->src.busy;
	st.sessions = source_sessions(&x->src);
	if (st.sessions < 0 && !st.up && !st.busy)
		st.sessions = 0;	/* no module, no session */
	source_session_figures(&x->src);
	st.session_recorded = x->src.closed_recorded + x->src.cur_recorded;
	st.session_dropped = x->src.closed_dropped + x->src.cur_dropped;
	st.attach_total = x->src.attaches;
	/* This response is counted in the next scrape: a count is never ahead of itself. */
	memcpy(st.http, x->http, sizeof(st.http));
	f = open_memstream(&body, &len);
	if (!f)
		out_of_memory();
	exp_render(f, om, &x->m, s, x->nr_ns, &st);
	if (fclose(f))
		out_of_memory();
	for (i = 0; i < x->nr_ns; i++)
		stats_free(&s[i].st);
	respond(x, c, 200, om ? "application/openmetrics-text; version=1.0.0; charset=utf-8" :
		"text/plain; version=0.0.4; charset=utf-8", body, len, head, NULL);
	free(body);
}

static void serve(struct exporter *x, struct client *c, const struct http_request *r)
{
	bool head = r->method == HTTP_HEAD;
	char body[2048];

	if (!strcmp(r->path, "/metrics")) {
		serve_metrics(x, c, r->openmetrics, head);
	} else if (!strcmp(r->path, "/healthz")) {
		snprintf(body, sizeof(body), "ok\n");
		respond(x, c, 200, "text/plain; charset=utf-8", body, strlen(body), head, NULL);
	} else if (!strcmp(r->path, "/")) {
		snprintf(body, sizeof(body),
			 "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tcpstate exporter</title></head>\n"
			 "<body><h1>tcpstate exporter %s</h1>\n"
			 "<p>TCP handshakes and closes as the kernel makes them, for Prometheus.</p>\n"
			 "<ul><li><a href=\"/metrics\">/metrics</a></li><li><a href=\"/healthz\">/healthz</a></li></ul>\n"
			 "<p>/dev/tcpstate: %s</p>\n</body></html>\n",
			 x->version, x->src.state == DEV_ATTACHED ? "read through a session of this exporter" :
			 x->src.busy ? "busy (max_sessions sessions open)" : "not read (module not loaded?)");
		respond(x, c, 200, "text/html; charset=utf-8", body, strlen(body), head, NULL);
	} else {
		error_response(x, c, 404);
	}
}

static void drop_client(struct exporter *x, size_t i)
{
	close(x->clients[i].fd);
	free(x->clients[i].out);
	x->clients[i] = x->clients[--x->nr_clients];
}

/* Reads the request; builds the response once the head is in. */
static bool client_read(struct exporter *x, struct client *c)
{
	struct http_request req;
	ssize_t n;
	int rc;

	if (c->lingering) {
		char sink[4096];

		n = read(c->fd, sink, sizeof(sink));
		return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
	}
	if (c->out)
		return true;	/* answered already: what else it sends waits for the linger */
	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;	/* gone before asking anything whole */
	c->in_len += (size_t)n;
	rc = http_parse(c->in, c->in_len, &req);
	if (rc == HTTP_INCOMPLETE && c->in_len >= sizeof(c->in) - 1)
		rc = 431;
	if (rc == HTTP_INCOMPLETE)
		return true;
	if (rc)
		error_response(x, c, rc);
	else
		serve(x, c, &req);
	return true;
}

static bool client_write(struct client *c, unsigned long long now)
{
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	c->out_off += (size_t)n;
	if (c->out_off == c->out_len) {
		/* Closing with unread input would send an RST that can cut the response. */
		shutdown(c->fd, SHUT_WR);
		c->lingering = true;
		c->deadline = now + LINGER_NS;
	}
	return true;
}

static void accept_clients(struct exporter *x, unsigned long long now)
{
	while (x->nr_clients < x->o.max_clients) {
		int fd = accept4(x->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c;

		if (fd < 0)
			return;
		c = &x->clients[x->nr_clients++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->deadline = now + CLIENT_DEADLINE_NS;
	}
}

/* New options (SIGHUP): what changed is redone; an error keeps the old. */
static void reload(struct exporter *x)
{
	struct exporter_opts o;
	char err[EXPORTER_ERR_MAX];
	bool same_ports;

	if (exporter_parse_args(x->argc, x->argv, &o, err, sizeof(err))) {
		logmsg(_("SIGHUP: %s; keeping the options in use"), err);
		return;
	}
	if (strcmp(o.listen, x->o.listen)) {
		int fd = open_listen(o.listen);

		if (fd < 0) {
			logmsg(_("SIGHUP: cannot listen on %s: %s; keeping %s"), o.listen,
			       strerror(errno), x->o.listen);
			strcpy(o.listen, x->o.listen);
		} else {
			close(x->listen_fd);
			x->listen_fd = fd;
			logmsg(_("listening on %s"), o.listen);
		}
	}
	if (o.max_clients < x->nr_clients)
		o.max_clients = (unsigned int)x->nr_clients;	/* the new bound applies as they leave */
	x->clients = xrealloc(x->clients, o.max_clients > x->o.max_clients ?
			      o.max_clients : x->o.max_clients, sizeof(*x->clients));
	same_ports = o.nr_ports == x->o.nr_ports &&
		     !memcmp(o.ports, x->o.ports, o.nr_ports * sizeof(o.ports[0]));
	if (strcmp(o.device, x->o.device)) {
		source_detach(&x->src, "SIGHUP: another device");
		snprintf(x->src.path, sizeof(x->src.path), "%s", o.device);
		x->src.next_try = 0;
	}
	x->o = o;
	if (!same_ports) {
		/* Other label values: the series start again (Prometheus sees a reset). */
		source_release(&x->src, true);
		exp_metrics_init(&x->m, o.ports, o.nr_ports);
		tracker_free(x->src.t);
		x->src.t = tracker_new(exp_conn_done, exp_conn_event, &x->m);
	}
	tracker_set_live_max(x->src.t, o.max_conns);
	setup_namespaces(x);
	set_self(x);
	logmsg(_("SIGHUP: options read again"));
}

/* The next time something is due: a held record, a client, a retry. */
static int poll_timeout_ms(const struct exporter *x, unsigned long long now)
{
	unsigned long long due = now + RETRY_NS, d;
	size_t i;

	d = reorder_due(x->src.q);
	if (d && d < due)
		due = d;
	for (i = 0; i < x->nr_clients; i++)
		if (x->clients[i].deadline < due)
			due = x->clients[i].deadline;
	return due <= now ? 0 : (int)((due - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
}

static int run(struct exporter *x, const sigset_t *wait_mask)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0;

	while (!got_stop) {
		unsigned long long now = now_ns();
		size_t i, n = 0, first_client;
		struct timespec ts;
		int ms, rc;

		if (got_hup) {
			got_hup = 0;
			reload(x);
		}
		if (got_usr1) {
			got_usr1 = 0;
			if (x->src.held_off) {
				x->src.held_off = false;
				x->src.next_try = 0;
				logmsg(_("SIGUSR1: reading the device again"));
			} else {
				x->src.held_off = true;
				x->src.saw_unloaded = false;
				source_detach(&x->src, "SIGUSR1 (until the module is reloaded, or the next SIGUSR1)");
			}
		}
		if (x->src.held_off) {
			/* A reload is the module gone, then back. */
			if (access(x->src.path, F_OK) != 0)
				x->src.saw_unloaded = true;
			else if (x->src.saw_unloaded) {
				x->src.held_off = false;
				x->src.next_try = 0;
				logmsg(_("the module was reloaded: reading the device again"));
			}
		}
		if (x->src.state == DEV_DETACHED && !x->src.held_off && now >= x->src.next_try)
			source_attach(&x->src, now);
		if (x->src.state == DEV_ATTACHED)
			source_release(&x->src, false);
		if (now >= x->next_expire) {
			/* The records' clock is CLOCK_MONOTONIC too. */
			exp_expire(&x->m, x->src.t, now,
				   (unsigned long long)x->o.conn_timeout * NSEC_PER_SEC);
			x->next_expire = now + EXPIRE_EVERY_NS;
		}
		if (cap < x->nr_clients + 2) {
			cap = x->o.max_clients + 2 > x->nr_clients + 2 ? x->o.max_clients + 2 :
			      x->nr_clients + 2;
			pfd = xrealloc(pfd, cap, sizeof(*pfd));
		}
		if (x->nr_clients < x->o.max_clients)
			pfd[n++] = (struct pollfd){ .fd = x->listen_fd, .events = POLLIN };
		if (x->src.state == DEV_ATTACHED)
			pfd[n++] = (struct pollfd){ .fd = x->src.fd, .events = POLLIN };
		first_client = n;
		for (i = 0; i < x->nr_clients; i++) {
			struct client *c = &x->clients[i];

			pfd[n++] = (struct pollfd){ .fd = c->fd,
				.events = c->out && !c->lingering ? POLLOUT : POLLIN };
		}
		ms = poll_timeout_ms(x, now);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		rc = ppoll(pfd, n, &ts, wait_mask);
		if (rc < 0 && errno != EINTR) {
			logmsg(_("ppoll: %s"), strerror(errno));
			free(pfd);
			return 1;
		}
		if (rc <= 0 && x->nr_clients == 0)
			continue;
		now = now_ns();
		for (i = 0; i < first_client; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			if (pfd[i].fd == x->listen_fd)
				accept_clients(x, now);
			else if (x->src.state == DEV_ATTACHED && pfd[i].fd == x->src.fd)
				source_read(&x->src, pfd[i].revents);
		}
		/* Backwards: drop_client() moves the last client into the hole. */
		for (i = n - first_client; i-- > 0;) {
			struct client *c = &x->clients[i];
			short ev = rc > 0 ? pfd[first_client + i].revents : 0;
			bool keep = true;

			if (pfd[first_client + i].fd != c->fd)
				continue;	/* a new client, not polled yet */
			if (ev & POLLOUT)
				keep = client_write(c, now);
			else if (ev & (POLLIN | POLLHUP | POLLERR))
				keep = client_read(x, c);
			if (keep && c->out && !c->lingering && !(ev & POLLOUT))
				keep = client_write(c, now);
			if (keep && now >= c->deadline) {
				if (!c->out && !c->lingering) {
					/* Too slow to ask: say so, once, without waiting to be read. */
					error_response(x, c, 408);
					client_write(c, now);
				}
				keep = false;
			}
			if (!keep || (c->lingering && c->deadline <= now))
				drop_client(x, i);
		}
	}
	free(pfd);
	return 0;
}

int cmd_exporter(int argc, char *argv[], const char *version)
{
	struct exporter *x = xcalloc(1, sizeof(*x));
	char err[EXPORTER_ERR_MAX];
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, wait_mask;
	size_t i;
	int rc;

	if (exporter_parse_args(argc, argv, &x->o, err, sizeof(err))) {
		fprintf(stderr, "tcpstate: %s\n\n", err);
		print_usage(stderr);
		free(x);
		return 2;
	}
	if (x->o.help) {
		print_usage(stdout);
		free(x);
		return fflush(stdout) ? 1 : 0;
	}
	x->argc = argc;
	x->argv = argv;
	x->version = version;
	x->self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (x->self_ns < 0) {
		fprintf(stderr, _("tcpstate: cannot open /proc/thread-self/ns/net: %s\n"),
			strerror(errno));
		free(x);
		return 1;
	}
	x->listen_fd = open_listen(x->o.listen);
	if (x->listen_fd < 0) {
		fprintf(stderr, _("tcpstate: cannot listen on %s: %s\n"), x->o.listen,
			strerror(errno));
		close(x->self_ns);
		free(x);
		return 1;
	}
	x->clients = xcalloc(x->o.max_clients, sizeof(*x->clients));
	exp_metrics_init(&x->m, x->o.ports, x->o.nr_ports);
	x->src.fd = -1;
	x->src.m = &x->m;
	snprintf(x->src.path, sizeof(x->src.path), "%s", x->o.device);
	x->src.q = reorder_new(ORDER_WINDOW_NS, ORDER_HELD_MAX);
	x->src.t = tracker_new(exp_conn_done, exp_conn_event, &x->m);
	tracker_set_live_max(x->src.t, x->o.max_conns);
	setup_namespaces(x);
	set_self(x);

	/* Blocked but while in ppoll(): a flag is never set unseen. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGHUP);
	sigdelset(&wait_mask, SIGUSR1);
	logmsg(_("listening on %s"), x->o.listen);

	rc = run(x, &wait_mask);

	logmsg(_("exiting"));
	for (i = x->nr_clients; i-- > 0;)
		drop_client(x, i);
	if (x->src.state == DEV_ATTACHED)
		close(x->src.fd);
	tracker_free(x->src.t);
	reorder_free(x->src.q);
	for (i = 0; i < x->nr_ns; i++)
		if (x->ns[i].procfd >= 0)
			close(x->ns[i].procfd);
	close(x->listen_fd);
	close(x->self_ns);
	free(x->clients);
	free(x);
	return rc;
}
