// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <strings.h>

#include <tcpstate.h>

#include "states.h"
#include "util.h"

static const char *const state_names[TCPSTATE_NR_STATES] = {
	[TCPSTATE_ESTABLISHED]	= "ESTABLISHED",
	[TCPSTATE_SYN_SENT]	= "SYN_SENT",
	[TCPSTATE_SYN_RECV]	= "SYN_RECV",
	[TCPSTATE_FIN_WAIT1]	= "FIN_WAIT1",
	[TCPSTATE_FIN_WAIT2]	= "FIN_WAIT2",
	[TCPSTATE_TIME_WAIT]	= "TIME_WAIT",
	[TCPSTATE_CLOSE]	= "CLOSE",
	[TCPSTATE_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCPSTATE_LAST_ACK]	= "LAST_ACK",
	[TCPSTATE_LISTEN]	= "LISTEN",
	[TCPSTATE_CLOSING]	= "CLOSING",
	[TCPSTATE_NEW_SYN_RECV]	= "NEW_SYN_RECV",
};

static const struct name_table tcp_state_names = {
	state_names, ARRAY_SIZE(state_names), "STATE"
};

const char *tcp_state_name(unsigned int state)
{
	return state < TCPSTATE_NR_STATES ? state_names[state] : NULL;
}

const char *tcp_state_label(unsigned int state, char buf[TCP_STATE_LABEL_MAX])
{
	return name_label(&tcp_state_names, state, buf);
}

unsigned int tcp_state_lookup(const char *s, size_t len)
{
	unsigned int state;

	for (state = TCPSTATE_ESTABLISHED; state < TCPSTATE_NR_STATES; state++)
		if (strlen(state_names[state]) == len &&
		    strncasecmp(s, state_names[state], len) == 0)
			return state;
	return 0;
}

bool tcp_state_parse(const char *s, size_t len, unsigned int *state)
{
	return name_parse(&tcp_state_names, s, len, 255, state);
}

unsigned int tcp_state_from_user(const char *s)
{
	static const struct {
		const char *name;
		unsigned int state;
	} aliases[] = {
		{ "closed", TCPSTATE_CLOSE }, { "listening", TCPSTATE_LISTEN },
		{ "syn_received", TCPSTATE_SYN_RECV },
	};
	char buf[32];
	size_t i, n = 0, len = strlen(s);
	unsigned int state;

	if (len >= sizeof(buf))
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i] == '-' ? '_' : s[i];

		/* fin_wait_1 is FIN_WAIT1: no '_' before a final digit. */
		if (c == '_' && i + 2 == len && s[i + 1] >= '0' && s[i + 1] <= '9')
			continue;
		buf[n++] = c;
	}
	buf[n] = '\0';
	for (i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcasecmp(buf, aliases[i].name) == 0)
			return aliases[i].state;
	state = tcp_state_lookup(buf, n);
	return state == TCPSTATE_NEW_SYN_RECV ? 0 : state;
}
