// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "states.h"
#include "stats.h"
#include "util.h"

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
#define TRANS_PREFIX	"trans_"

enum section {
	SEC_RING, SEC_CONN, SEC_HANDSHAKE, SEC_TIME_WAIT, SEC_GROUPS, SEC_TRANS,
	SEC_OTHER, SEC_NR
};

static const char *const ring_counters[] = {
	"events_recorded", "events_dropped", "events_read",
	"events_discarded", "events_buffered", "events_missed",
	"labels_missed",
};

static const char *const conn_counters[] = {
	"active_opens", "passive_opens", "failed_opens", "active_closes",
	"passive_closes", "simultaneous_closes", "resets_in", "resets_out",
};

static const char *const handshake_counters[] = {
	"syn_in", "synack_out", "syn_retrans", "synack_retrans",
	"syncookies_sent", "syncookies_accepted", "half_open_now",
	"accept_queue_drops",
};

static const char *const time_wait_counters[] = {
	"time_wait_entered", "time_wait_expired", "time_wait_now",
	"time_wait_tracked", "time_wait_untracked", "time_wait_table_reclaimed",
	"time_wait_table_capacity",
};

/* uapi enum tcpstate_group: 1 if the module armed the group, else 0. */
static const char *const group_counters[] = {
	"group_states", "group_resets", "group_segments", "group_retransmits",
	"group_requests", "group_timewait",
};

/* The sections, in the order they are printed. */
static const struct {
	const char *title;
	/* Counters known by name; the others are matched in classify(). */
	const char *const *counters;
	size_t nr;
	/* Left out of the label: the section title already says it. */
	const char *prefix;
} sections[SEC_NR] = {
	[SEC_RING]	= { "ring buffer", ring_counters,
			    ARRAY_SIZE(ring_counters), "events_" },
	[SEC_CONN]	= { "connections", conn_counters,
			    ARRAY_SIZE(conn_counters), "" },
	[SEC_HANDSHAKE]	= { "handshakes", handshake_counters,
			    ARRAY_SIZE(handshake_counters), "" },
	[SEC_TIME_WAIT]	= { "TIME_WAIT sockets", time_wait_counters,
			    ARRAY_SIZE(time_wait_counters), "time_wait_" },
	[SEC_GROUPS]	= { "probe groups (1 armed, 0 not: its records are missing)",
			    group_counters, ARRAY_SIZE(group_counters),
			    "group_" },
	[SEC_TRANS]	= { "transitions", NULL, 0, "" },
	[SEC_OTHER]	= { "other", NULL, 0, "" },
};

/* Strips the newline; false unless the rest is exactly "name value". */
static bool parse_line(char *line, size_t len, struct stats_counter *c)
{
	size_t name_len;

	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (strlen(line) != len)	/* a NUL byte inside the line */
		return false;
	name_len = strspn(line, NAME_CHARS);
	if (name_len == 0 || name_len >= STATS_NAME_MAX || line[name_len] != ' ')
		return false;
	if (!parse_u64(line + name_len + 1, &c->value))
		return false;
	memcpy(c->name, line, name_len);
	c->name[name_len] = '\0';
	return true;
}

static int append(struct stats *st, const struct stats_counter *c)
{
	if (st->nr == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 32;
		struct stats_counter *grown;

		grown = realloc(st->counters, cap * sizeof(*grown));
		if (!grown)
			return -1;
		st->counters = grown;
		st->cap = cap;
	}
	st->counters[st->nr++] = *c;
	return 0;
}

int stats_parse(FILE *in, const char *path, struct stats *st,
		char *err, size_t errlen)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	unsigned int lineno = 0;
	int rc = 0;

	while (rc == 0 && (len = getline(&line, &size, in)) >= 0) {
		struct stats_counter c;

		lineno++;
		if (!parse_line(line, (size_t)len, &c))
			rc = set_error(err, errlen,
				       "%s:%u: malformed line, expected 'name value'",
				       path, lineno);
		else if (append(st, &c))
			rc = set_error(err, errlen, "out of memory");
	}
	if (rc == 0 && ferror(in))
		rc = set_error(err, errlen, "%s: read error: %s", path,
			       strerror(errno));
	free(line);
	return rc;
}

void stats_free(struct stats *st)
{
	free(st->counters);
	*st = (struct stats){ 0 };
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* trans_syn_sent_established -> "SYN_SENT -> ESTABLISHED" */
static bool transition_label(const char *name, char label[STATS_NAME_MAX])
{
	const char *pair, *sep;

	if (strncmp(name, TRANS_PREFIX, strlen(TRANS_PREFIX)) != 0)
		return false;
	pair = name + strlen(TRANS_PREFIX);
	/* State names contain '_' too: try each '_' as the separator. */
	for (sep = strchr(pair, '_'); sep; sep = strchr(sep + 1, '_')) {
		unsigned int old_state, new_state;

		old_state = tcp_state_lookup(pair, (size_t)(sep - pair));
		new_state = tcp_state_lookup(sep + 1, strlen(sep + 1));
		if (old_state && new_state) {
			snprintf(label, STATS_NAME_MAX, "%s -> %s",
				 tcp_state_name(old_state),
				 tcp_state_name(new_state));
			return true;
		}
	}
	return false;
}

/*
 * The section a counter is shown in, and its label there. A counter this
 * tool does not know goes to "other", so a newer module's are still shown.
 */
static enum section classify(const char *name, char label[STATS_NAME_MAX])
{
	enum section sec;

	for (sec = 0; sec < SEC_NR; sec++) {
		if (in_list(name, sections[sec].counters, sections[sec].nr)) {
			strcpy(label, name + strlen(sections[sec].prefix));
			return sec;
		}
	}
	if (transition_label(name, label))
		return SEC_TRANS;
	strcpy(label, name);
	return SEC_OTHER;
}

struct widths {
	int label, value;
};

/* One width for all sections, so every value lines up. */
static struct widths column_widths(const struct stats *st)
{
	char label[STATS_NAME_MAX];
	struct widths w = { 0, 0 };
	size_t i;

	for (i = 0; i < st->nr; i++) {
		int value_w = snprintf(NULL, 0, "%llu", st->counters[i].value);

		classify(st->counters[i].name, label);
		if ((int)strlen(label) > w.label)
			w.label = (int)strlen(label);
		if (value_w > w.value)
			w.value = value_w;
	}
	return w;
}

/* sec's title and counters, if it has any; returns whether it had. */
static bool print_section(FILE *out, const struct stats *st, enum section sec,
			  struct widths w, bool blank_before)
{
	char label[STATS_NAME_MAX];
	bool titled = false;
	size_t i;

	for (i = 0; i < st->nr; i++) {
		if (classify(st->counters[i].name, label) != sec)
			continue;
		if (!titled)
			fprintf(out, "%s%s\n", blank_before ? "\n" : "",
				sections[sec].title);
		titled = true;
		fprintf(out, "  %-*s  %*llu\n", w.label, label, w.value,
			st->counters[i].value);
	}
	return titled;
}

void stats_print_text(FILE *out, const struct stats *st)
{
	struct widths w = column_widths(st);
	bool printed = false;
	enum section sec;

	for (sec = 0; sec < SEC_NR; sec++)
		printed |= print_section(out, st, sec, w, printed);
}

void stats_print_json(FILE *out, const struct stats *st)
{
	size_t i;

	/* parse_line() admits only NAME_CHARS, none of which needs escaping. */
	putc('{', out);
	for (i = 0; i < st->nr; i++)
		fprintf(out, "%s\"%s\":%llu", i ? "," : "",
			st->counters[i].name, st->counters[i].value);
	fputs("}\n", out);
}
