// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include <tcpstate.h>

#include "names.h"
#include "util.h"

#define NAME_TABLE(table, prefix) { table, ARRAY_SIZE(table), prefix }

/* Value 0 of dir, event and reason is no valid value: it gets a label. */
static const char *const dirs[] = {
	[TCPSTATE_DIR_IN]	= "in",
	[TCPSTATE_DIR_OUT]	= "out",
};

static const char *const socks[] = {
	[TCPSTATE_SOCK_NONE]		= "none",
	[TCPSTATE_SOCK_FULL]		= "full",
	[TCPSTATE_SOCK_LISTENER]	= "listener",
	[TCPSTATE_SOCK_REQUEST]		= "request",
	[TCPSTATE_SOCK_TIMEWAIT]	= "timewait",
};

static const char *const req_events[] = {
	[TCPSTATE_REQ_CREATED]			= "created",
	[TCPSTATE_REQ_SYNACK_RETRANS]		= "synack_retrans",
	[TCPSTATE_REQ_PROMOTED]			= "promoted",
	[TCPSTATE_REQ_EXPIRED]			= "expired",
	[TCPSTATE_REQ_RESET]			= "reset",
	[TCPSTATE_REQ_ACCEPT_QUEUE_FULL]	= "accept_queue_full",
	[TCPSTATE_REQ_DROPPED]			= "dropped",
	[TCPSTATE_REQ_SYNCOOKIE_SENT]		= "syncookie_sent",
	[TCPSTATE_REQ_SYNCOOKIE_ACCEPTED]	= "syncookie_accepted",
	[TCPSTATE_REQ_SYN_DROPPED]		= "syn_dropped",
};

static const char *const tw_reasons[] = {
	[TCPSTATE_TW_EXPIRED]		= "expired",
	[TCPSTATE_TW_REUSED_SYN]	= "reused_syn",
	[TCPSTATE_TW_RESET]		= "reset",
	[TCPSTATE_TW_NETNS]		= "netns",
	[TCPSTATE_TW_REUSED_CONNECT]	= "reused_connect",
	[TCPSTATE_TW_OTHER]		= "other",
};

const struct name_table dir_names = NAME_TABLE(dirs, "dir");
const struct name_table sock_names = NAME_TABLE(socks, "sock");
const struct name_table req_event_names = NAME_TABLE(req_events, "event");
const struct name_table tw_reason_names = NAME_TABLE(tw_reasons, "reason");

/* The order the flags are printed in; see tcp_flags_string(). */
static const struct {
	unsigned int bit;
	const char *name;
} tcp_flags[] = {
	{ TCPSTATE_TH_SYN, "SYN" }, { TCPSTATE_TH_FIN, "FIN" },
	{ TCPSTATE_TH_RST, "RST" }, { TCPSTATE_TH_PSH, "PSH" },
	{ TCPSTATE_TH_ACK, "ACK" }, { TCPSTATE_TH_URG, "URG" },
	{ TCPSTATE_TH_ECE, "ECE" }, { TCPSTATE_TH_CWR, "CWR" },
};

const char *name_label(const struct name_table *t, unsigned int value,
		       char buf[NAME_LABEL_MAX])
{
	if (value < t->nr && t->names[value])
		return t->names[value];
	snprintf(buf, NAME_LABEL_MAX, "%s_%u", t->prefix, value);
	return buf;
}

const char *tcp_flags_string(unsigned int flags, char buf[TCP_FLAGS_MAX])
{
	char *p = buf;
	size_t i;

	/* Every name is three letters: no strcat() scans, one per record. */
	for (i = 0; i < ARRAY_SIZE(tcp_flags); i++) {
		if (!(flags & tcp_flags[i].bit))
			continue;
		if (p != buf)
			*p++ = '|';
		memcpy(p, tcp_flags[i].name, 3);
		p += 3;
	}
	*p = '\0';
	return buf;
}

bool name_parse(const struct name_table *t, const char *s, size_t len,
		unsigned int max, unsigned int *value)
{
	size_t plen = strlen(t->prefix);
	unsigned int v = 0;
	size_t i;

	for (i = 0; i < t->nr; i++) {
		if (t->names[i] && strlen(t->names[i]) == len &&
		    memcmp(t->names[i], s, len) == 0) {
			*value = (unsigned int)i;
			return true;
		}
	}
	if (len <= plen + 1 || memcmp(s, t->prefix, plen) != 0 || s[plen] != '_')
		return false;
	/* Decimal as name_label() prints it: no sign, no leading zero. */
	if (s[plen + 1] == '0' && len > plen + 2)
		return false;
	for (i = plen + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned int)(s[i] - '0');
		if (v > max)
			return false;
	}
	*value = v;
	return true;
}

bool tcp_flags_parse(const char *s, size_t len, unsigned int *flags)
{
	const char *end = s + len;
	unsigned int f = 0;

	while (s < end) {
		const char *bar = memchr(s, '|', (size_t)(end - s));
		size_t n = (size_t)((bar ? bar : end) - s);
		size_t i;

		for (i = 0; i < ARRAY_SIZE(tcp_flags); i++)
			if (strlen(tcp_flags[i].name) == n &&
			    memcmp(tcp_flags[i].name, s, n) == 0)
				break;
		if (i == ARRAY_SIZE(tcp_flags) || f & tcp_flags[i].bit)
			return false;
		f |= tcp_flags[i].bit;
		if (!bar)
			break;
		s = bar + 1;
		if (s == end)		/* a trailing '|' */
			return false;
	}
	*flags = f;
	return true;
}
