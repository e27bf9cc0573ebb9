/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sessions.h - `tcpstate stats --sessions`: who has /dev/tcpstate open,
 * with what filter, and each session's figures (TCPSTATE_IOC_SESSIONS).
 */
#ifndef TCPSTATE_SESSIONS_H
#define TCPSTATE_SESSIONS_H

#include <stddef.h>
#include <stdio.h>

#include <tcpstate.h>

/* The filter in words: "kinds=states,control ports=80,443 ..."; "-" for none. */
void sessions_filter_str(const struct tcpstate_filter *f, char *buf, size_t len);

/*
 * The table of @n sessions (@total there are) into @out. The caller's
 * own session (it had to open the device to ask) is marked.
 */
void sessions_print(FILE *out, const struct tcpstate_session_info *s,
		    unsigned int n, unsigned int total);

/*
 * Asks @fd for every session; *out is malloc'ed (the caller frees).
 * Returns the number, or -1 with errno set.
 */
int sessions_fetch(int fd, struct tcpstate_session_info **out,
		   unsigned int *total);

#endif /* TCPSTATE_SESSIONS_H */
