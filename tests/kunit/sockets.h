/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel TCP sockets over loopback, for the suites that need real ones.
 * Every call blocks at most a few seconds (socket timeouts are set), so a
 * broken hook fails a test instead of hanging the VM.
 */
#ifndef _TCPSTATE_KUNIT_SOCKETS_H
#define _TCPSTATE_KUNIT_SOCKETS_H

#include <linux/net.h>
#include <linux/types.h>

struct lo_pair {
	int family;		/* the client's: AF_INET or AF_INET6 */
	int lfamily;		/* the listener's (AF_INET6 for a v4-mapped pair) */
	struct socket *listener, *client, *child;
	u16 port;		/* the listener's */
	u16 cport;		/* the client's local port */
};

/* Loopback address of @family in record layout (v4: 4 bytes, rest 0). */
void lo_addr(int family, bool mapped, u8 addr[16]);

int lo_listen(struct lo_pair *p, int family);
u16 lo_free_port(int family);
int lo_connect(struct lo_pair *p, int family);
int lo_accept(struct lo_pair *p);
int lo_pair_open(struct lo_pair *p, int lfamily, int family);
void lo_release(struct socket **sock);
void lo_pair_close(struct lo_pair *p);

/* Wait until @sk is in @state; false after @ms milliseconds. */
bool lo_wait_state(struct sock *sk, int state, unsigned int ms);

#endif /* _TCPSTATE_KUNIT_SOCKETS_H */
