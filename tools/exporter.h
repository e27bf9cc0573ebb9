/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstate exporter: the module's counters and per-connection figures for
 * Prometheus, over HTTP (http.h).
 *
 * Two sources: /proc/net/tcpstate of each watched network namespace (read
 * at every scrape: counters and gauges, labelled netns and netns_name),
 * and /dev/tcpstate, whose records go through the same tracker (conns.h)
 * and connection model (model.h) as `tcpstate conns`: each connection's
 * figures (handshake by side, SYN round trip, lifetime, TIME_WAIT by end
 * reason, CLOSE_WAIT, how an open failed) become histograms and counters.
 * Handshakes are counted when each side reaches ESTABLISHED; the rest when
 * the connection is over.
 *
 * The exporter reads the device through a session of its own (each
 * open() is one), beside any other reader, with a kernel-side filter of
 * the record kinds its figures use: data segments and pure ACKs are never
 * recorded for it, whatever the module's segments= default says. When no
 * session can be had (the module not loaded; EBUSY: max_sessions are
 * open), it keeps serving what /proc gives (tcpstate_up 0 without the
 * module; tcpstate_device_attached 0, tcpstate_device_busy 1 on EBUSY)
 * and tries again every second. All reading of the device goes through
 * struct exp_source (exporter.c).
 *
 * Memory over days: connections whose end never comes (lost events, a
 * peer gone silently) are aged out after --conn-timeout without an event,
 * unless an end is in a state an application may hold for days
 * (ESTABLISHED, CLOSE_WAIT, FIN_WAIT2); at most --max-conns are kept at
 * once, the oldest given up past it. Both are counted.
 *
 * The part below is what the unit tests drive without sockets or a device.
 */
#ifndef TCPSTATE_TOOL_EXPORTER_H
#define TCPSTATE_TOOL_EXPORTER_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include <tcpstate.h>

#include "conns.h"
#include "histogram.h"
#include "stats.h"

#define EXPORTER_DEFAULT_LISTEN	"127.0.0.1:9757"
#define EXPORTER_PORTS_MAX	16
#define EXPORTER_NETNS_MAX	16
#define EXPORTER_ERR_MAX	(PATH_MAX + 128)
#define EXPORTER_MAX_CONNS	16384		/* --max-conns default */
#define EXPORTER_MAX_CONNS_MAX	1048576
#define EXPORTER_CONN_TIMEOUT	7200		/* --conn-timeout default, seconds */
#define EXPORTER_CONN_TIMEOUT_MAX	2592000	/* 30 days */
/* The record kinds the figures use (model.h): all but data and pure ACKs. */
#define EXPORTER_KINDS		(TCPSTATE_KINDS_ALL & ~TCPSTATE_KIND_SEGMENTS)

struct exporter_opts {
	char listen[64];		/* ADDR:PORT, [ADDR6]:PORT */
	char device[PATH_MAX];
	char procfile[PATH_MAX];	/* of the exporter's own namespace */
	char config[PATH_MAX];		/* "": none */
	char netns[EXPORTER_NETNS_MAX][PATH_MAX];	/* names or paths */
	size_t nr_netns;
	unsigned int ports[EXPORTER_PORTS_MAX];
	size_t nr_ports;
	unsigned int max_clients;
	unsigned int max_conns;		/* connections tracked at once */
	unsigned int conn_timeout;	/* seconds without an event: aged out */
	bool help;
};

/*
 * The options: those of opts->config's file (one "option value" per line,
 * # comments), then argv's, which win; a list given on the command line
 * replaces the file's. 0, or -1 with the reason in err.
 */
int exporter_parse_args(int argc, char *const argv[], struct exporter_opts *o,
			char *err, size_t errlen);

/* TIME_WAIT end reasons, by enum tcpstate_tw_reason (1..6; [0] unused). */
#define EXP_TW_REASONS	(TCPSTATE_TW_OTHER + 1)

/* Per-connection figures of one port group (--port; or all connections). */
struct exp_group {
	struct histogram handshake[2];	/* client, server */
	struct histogram syn_rtt;
	struct histogram lifetime;
	struct histogram time_wait[EXP_TW_REASONS];
	struct histogram close_wait;
	unsigned long long conns;	/* connections over */
	unsigned long long failed[4];	/* by enum open_failure */
};

struct exp_metrics {
	unsigned int ports[EXPORTER_PORTS_MAX];
	size_t nr_ports;
	/* groups[nr_ports] is "other" (all connections without --port) */
	struct exp_group groups[EXPORTER_PORTS_MAX + 1];
	unsigned long long given_up;	/* dropped unfinished: --max-conns, device let go */
	unsigned long long expired;	/* dropped unfinished: idle past --conn-timeout */
	bool expiring;			/* exp_expire() is giving connections up */
	unsigned long long tracked;	/* connections open in the tracker */
	unsigned long long records, lost;	/* read from the device */
	bool est_pending;		/* the record being added is -> ESTABLISHED */
	/*
	 * The exporter's own HTTP connections (its listening port in its
	 * namespace) are left out: under frequent scrapes they would be most
	 * of what is tracked, each kept 60 s for its TIME_WAIT.
	 */
	__u32 self_netns;
	unsigned int self_port;		/* 0: none left out */
	unsigned long long own_skipped;	/* records left out so */
};

void exp_metrics_init(struct exp_metrics *m, const unsigned int *ports,
		      size_t nr_ports);
/* The tracker's callbacks (conns.h), arg the struct exp_metrics. */
void exp_conn_done(struct conn *c, void *arg);
void exp_conn_event(struct conn *c, void *arg);
/* A validated record, in time order, into t (whose arg is m). */
void exp_add_record(struct exp_metrics *m, struct tracker *t,
		    const struct tcpstate_rec *rec);
/*
 * Whether idle c is kept all the same: an end of it is in ESTABLISHED,
 * CLOSE_WAIT or FIN_WAIT2, where an application may hold it for days.
 */
bool exp_conn_keep(const struct conn *c, void *arg);
/*
 * Ages out of t (whose arg is m) every connection without an event for
 * timeout_ns at now_ns (the records' clock, CLOCK_MONOTONIC) that
 * exp_conn_keep() does not keep; counted in m->expired. The number.
 */
size_t exp_expire(struct exp_metrics *m, struct tracker *t,
		  unsigned long long now_ns, unsigned long long timeout_ns);

/* One watched namespace's counters at a scrape. */
struct exp_netns_sample {
	unsigned long inum;
	const char *name;		/* "" if it has none */
	bool up;			/* its /proc/net/tcpstate was read */
	struct stats st;
};

#define EXP_HTTP_CODES 8
extern const int exp_http_codes[EXP_HTTP_CODES];

/* What the exporter itself knows at a scrape. */
struct exp_status {
	const char *version;
	bool up;			/* the own namespace's /proc read */
	bool attached;			/* this exporter reads the device */
	bool busy;			/* the last open got EBUSY */
	/* Sessions open now (TCPSTATE_IOC_SESSIONS); -1: not known */
	long long sessions;
	/* This exporter's sessions, summed over each it opened (TCPSTATE_IOC_SESSION) */
	unsigned long long session_recorded, session_dropped;
	unsigned long long attach_total;	/* times it attached */
	unsigned long long http[EXP_HTTP_CODES];	/* responses by code */
};

/* The whole exposition: text format 0.0.4, or OpenMetrics 1.0.0. */
void exp_render(FILE *out, bool openmetrics, const struct exp_metrics *m,
		const struct exp_netns_sample *ns, size_t nr_ns,
		const struct exp_status *s);

/* `tcpstate exporter ...` (argv[0] is "exporter"); the exit status. */
int cmd_exporter(int argc, char *argv[], const char *version);

#endif
