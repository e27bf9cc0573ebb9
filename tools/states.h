/* SPDX-License-Identifier: GPL-2.0 */
/* TCP state numbers <-> the kernel's names for them (without "TCP_"). */
#ifndef TCPSTATE_TOOL_STATES_H
#define TCPSTATE_TOOL_STATES_H

#include <stdbool.h>
#include <stddef.h>

#include "names.h"

#define TCP_STATE_LABEL_MAX NAME_LABEL_MAX

/* "ESTABLISHED" .. "NEW_SYN_RECV", or NULL if state is not a TCP state. */
const char *tcp_state_name(unsigned int state);

/*
 * Like tcp_state_name() but never NULL: a number the table does not know
 * (a newer kernel, a corrupt record) becomes "STATE_<n>" in buf.
 */
const char *tcp_state_label(unsigned int state, char buf[TCP_STATE_LABEL_MAX]);

/*
 * The inverse of tcp_state_label(): a name (exact case) or "STATE_<n>",
 * n at most 255; true if s[0..len) is one.
 */
bool tcp_state_parse(const char *s, size_t len, unsigned int *state);

/* The state whose name is the first len bytes of s, any case; 0 if none. */
unsigned int tcp_state_lookup(const char *s, size_t len);

/*
 * A state as people type it, any case, '-' or '_' alike: the kernel's
 * names (FIN_WAIT1), ss's and tcpdump's (fin-wait-1, time-wait, syn-recv,
 * closed, listening), RFC 9293's (SYN-RECEIVED, FIN-WAIT-2, CLOSED). 0 if
 * none, and for NEW_SYN_RECV (a request socket's, never a connection's).
 */
unsigned int tcp_state_from_user(const char *s);

#endif
