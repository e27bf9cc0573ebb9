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
#define RING_PREFIX	"events_"
#define TRANS_PREFIX	"trans_"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum section { SEC_RING, SEC_CONN, SEC_TRANS, SEC_OTHER, SEC_NR };

static const char *const section_titles[SEC_NR] = {
	[SEC_RING]	= "ring buffer",
	[SEC_CONN]	= "connections",
	[SEC_TRANS]	= "transitions",
	[SEC_OTHER]	= "other",
};

static const char *const ring_counters[] = {
	"events_recorded", "events_dropped", "events_read",
	"events_discarded", "events_buffered",
};

static const char *const conn_counters[] = {
	"active_opens", "passive_opens", "failed_opens", "active_closes",
	"passive_closes", "simultaneous_closes", "resets_in", "resets_out",
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

/* The section a counter is shown in, and its label there. */
static enum section classify(const char *name, char label[STATS_NAME_MAX])
{
	if (in_list(name, ring_counters, ARRAY_SIZE(ring_counters))) {
		strcpy(label, name + strlen(RING_PREFIX));
		return SEC_RING;
	}
	if (transition_label(name, label))
		return SEC_TRANS;
	strcpy(label, name);
	if (in_list(name, conn_counters, ARRAY_SIZE(conn_counters)))
		return SEC_CONN;
	return SEC_OTHER;
}

void stats_print_text(FILE *out, const struct stats *st)
{
	char label[STATS_NAME_MAX];
	int label_w = 0, value_w = 0;
	bool first_section = true;
	enum section sec;
	size_t i;

	/* One width for all sections, so every value lines up. */
	for (i = 0; i < st->nr; i++) {
		int w = snprintf(NULL, 0, "%llu", st->counters[i].value);

		classify(st->counters[i].name, label);
		if ((int)strlen(label) > label_w)
			label_w = (int)strlen(label);
		if (w > value_w)
			value_w = w;
	}
	for (sec = 0; sec < SEC_NR; sec++) {
		bool titled = false;

		for (i = 0; i < st->nr; i++) {
			if (classify(st->counters[i].name, label) != sec)
				continue;
			if (!titled) {
				fprintf(out, "%s%s\n", first_section ? "" : "\n",
					section_titles[sec]);
				titled = true;
				first_section = false;
			}
			fprintf(out, "  %-*s  %*llu\n", label_w, label, value_w,
				st->counters[i].value);
		}
	}
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
