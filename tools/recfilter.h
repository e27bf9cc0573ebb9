/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recfilter.h - the record filter options dump and conns share:
 *
 *   -P/--port PORT[,PORT]  -a/--addr ADDR[/PREFIX]  -4  -6
 *   -N/--netns NAME|INODE  --pid PID  --comm COMM  --kinds LIST
 *
 * They build one struct tcpstate_filter. Live, the module applies it to
 * the reader's own session (TCPSTATE_IOC_SET_FILTER), so what is not
 * wanted is never copied; offline (-r FILE) the same filter is applied
 * to each record by the same code the module runs
 * (uapi/tcpstate_match.h).
 */
#ifndef TCPSTATE_RECFILTER_H
#define TCPSTATE_RECFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <tcpstate.h>

#define RECFILTER_ERR_MAX 256

struct recfilter {
	struct tcpstate_filter f;
	bool any;		/* some option was given */
	bool kinds_set;		/* --kinds was given */
};

/* Long options' values for getopt_long (beyond any command's own). */
enum {
	RECFILTER_OPT_PID = 0x1000,
	RECFILTER_OPT_COMM,
	RECFILTER_OPT_KINDS,
};

/*
 * One option (its getopt value @opt, its argument @arg) into @rf.
 * Returns 1 if @opt is one of ours, 0 if not; -1 with @err set if its
 * argument is bad. @netns_dir: where namespace names live (/var/run/netns).
 */
int recfilter_option(struct recfilter *rf, int opt, const char *arg,
		     const char *netns_dir, char *err, size_t errlen);

/*
 * Live: set the session's filter on @fd. Without --kinds, the kinds are
 * the session's current ones (the module parameters'). Returns 0, or -1
 * with @err set.
 */
int recfilter_apply(const struct recfilter *rf, int fd, char *err,
		    size_t errlen);

/* Offline: does @rf want @rec (always true with no option given). */
bool recfilter_match(const struct recfilter *rf,
		     const struct tcpstate_rec *rec);

/* The kinds as the user writes them: "states,control", into @buf. */
void recfilter_kinds_str(unsigned int kinds, char *buf, size_t len);

#endif /* TCPSTATE_RECFILTER_H */
