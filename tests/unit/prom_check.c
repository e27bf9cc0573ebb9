// SPDX-License-Identifier: GPL-2.0
/*
 * The grammar (https://prometheus.io/docs/instrumenting/exposition_formats/):
 *
 *   line     = comment | sample, each ended by '\n'
 *   comment  = "# HELP " name " " docstring | "# TYPE " name " " type
 *            | "#" anything else
 *   sample   = name [ "{" label { "," label } [","] "}" ] " " value
 *              [ " " timestamp ]
 *   name     = [a-zA-Z_:][a-zA-Z0-9_:]*
 *   label    = lname "=" '"' escaped '"', lname = [a-zA-Z_][a-zA-Z0-9_]*
 *   value    = a Go float: decimal, exponent, NaN, +Inf, -Inf
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_check.h"

#define NAME_MAX_LEN 200
#define FAMILIES_MAX 256
#define SERIES_MAX 1024

struct family {
	char name[NAME_MAX_LEN];
	char type[16];		/* "" until TYPE */
	bool help, samples, closed;
};

struct checker {
	struct family fam[FAMILIES_MAX];
	size_t nr;
	struct family *current;	/* the family whose samples come now */
	char *series[SERIES_MAX];	/* "name{labels}" seen */
	size_t nr_series;
	unsigned int line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct checker *c, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "line %u: %s", c->line, msg);
	return -1;
}

static bool name_start(int ch)
{
	return isalpha(ch) || ch == '_' || ch == ':';
}

static bool name_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == ':';
}

/* The length of the metric name at s, 0 if none. */
static size_t metric_name(const char *s)
{
	size_t n = 0;

	if (!name_start((unsigned char)s[0]))
		return 0;
	while (name_char((unsigned char)s[n]))
		n++;
	return n;
}

static struct family *family(struct checker *c, const char *name, size_t len,
			     bool create)
{
	size_t i;

	for (i = 0; i < c->nr; i++)
		if (strlen(c->fam[i].name) == len && !strncmp(c->fam[i].name, name, len))
			return &c->fam[i];
	if (!create || c->nr == FAMILIES_MAX || len >= NAME_MAX_LEN)
		return NULL;
	memcpy(c->fam[c->nr].name, name, len);
	c->fam[c->nr].name[len] = '\0';
	return &c->fam[c->nr++];
}

static int comment(struct checker *c, const char *s)
{
	bool help = !strncmp(s, "# HELP ", 7), type = !strncmp(s, "# TYPE ", 7);
	struct family *f;
	const char *rest;
	size_t n;

	if (!help && !type)
		return 0;	/* any other comment */
	n = metric_name(s + 7);
	if (!n)
		return bad(c, "%s without a metric name", help ? "HELP" : "TYPE");
	rest = s + 7 + n;
	if (*rest != ' ')
		return bad(c, "expected ' ' after the metric name");
	rest++;
	f = family(c, s + 7, n, true);
	if (!f)
		return bad(c, "too many metric families");
	if (f->closed || f->samples)
		return bad(c, "%s for %s after its samples", help ? "HELP" : "TYPE",
			   f->name);
	if (help) {
		if (f->help)
			return bad(c, "second HELP for %s", f->name);
		for (; *rest; rest++)
			if (*rest == '\\' && rest[1] != '\\' && rest[1] != 'n')
				return bad(c, "bad escape in HELP text");
			else if (*rest == '\\')
				rest++;
		f->help = true;
		return 0;
	}
	if (f->type[0])
		return bad(c, "second TYPE for %s", f->name);
	if (strcmp(rest, "counter") && strcmp(rest, "gauge") &&
	    strcmp(rest, "untyped"))
		return bad(c, "type '%s' is not counter, gauge or untyped", rest);
	snprintf(f->type, sizeof(f->type), "%s", rest);
	return 0;
}

/* A Go float, as Prometheus reads it. */
static bool parse_value(const char *s, size_t len, double *v)
{
	char buf[64], *end;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!strcmp(buf, "NaN") || !strcmp(buf, "+Inf") || !strcmp(buf, "-Inf"))
		return *v = 0, true;
	if (!isdigit((unsigned char)buf[0]) && buf[0] != '-' && buf[0] != '+' &&
	    buf[0] != '.')
		return false;
	*v = strtod(buf, &end);
	return *end == '\0';
}

static int labels(struct checker *c, const char **sp)
{
	char names[16][NAME_MAX_LEN];
	const char *s = *sp + 1;
	size_t nr = 0, i;

	while (*s != '}') {
		size_t n = 0;

		if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
			return bad(c, "expected a label name");
		while (isalnum((unsigned char)s[n]) || s[n] == '_')
			n++;
		if (n >= NAME_MAX_LEN || nr == 16)
			return bad(c, "label name too long, or too many labels");
		if (n >= 2 && s[0] == '_' && s[1] == '_')
			return bad(c, "label names starting with __ are reserved");
		for (i = 0; i < nr; i++)
			if (strlen(names[i]) == n && !strncmp(names[i], s, n))
				return bad(c, "label %.*s twice", (int)n, s);
		memcpy(names[nr], s, n);
		names[nr++][n] = '\0';
		s += n;
		if (s[0] != '=' || s[1] != '"')
			return bad(c, "expected =\" after a label name");
		for (s += 2; *s != '"'; s++) {
			if (!*s)
				return bad(c, "label value not terminated");
			if (*s == '\\') {
				if (s[1] != '\\' && s[1] != '"' && s[1] != 'n')
					return bad(c, "bad escape in a label value");
				s++;
			}
		}
		s++;
		if (*s == ',')
			s++;
		else if (*s != '}')
			return bad(c, "expected ',' or '}' after a label");
	}
	*sp = s + 1;
	return 0;
}

static int sample(struct checker *c, const char *s)
{
	size_t n = metric_name(s), i;
	const char *p = s + n, *value, *sp;
	struct family *f;
	char *series;
	double v;

	if (!n)
		return bad(c, "expected a metric name");
	f = family(c, s, n, true);
	if (!f)
		return bad(c, "too many metric families");
	if (f->closed)
		return bad(c, "samples of %s are not together", f->name);
	if (c->current && c->current != f)
		c->current->closed = true;
	c->current = f;
	f->samples = true;
	if (*p == '{' && labels(c, &p))
		return -1;
	if (*p != ' ')
		return bad(c, "expected ' ' before the value");
	series = strndup(s, (size_t)(p - s));
	for (i = 0; i < c->nr_series; i++)
		if (!strcmp(c->series[i], series)) {
			free(series);
			return bad(c, "series %.*s twice", (int)(p - s), s);
		}
	if (c->nr_series < SERIES_MAX)
		c->series[c->nr_series++] = series;
	else
		free(series);
	value = p + 1;
	sp = strchr(value, ' ');
	if (!parse_value(value, sp ? (size_t)(sp - value) : strlen(value), &v))
		return bad(c, "bad value '%s'", value);
	if (!strcmp(f->type, "counter") && v < 0)
		return bad(c, "counter %s is negative", f->name);
	if (sp) {
		const char *t = sp + 1;

		if (*t == '-')
			t++;
		if (!*t || strspn(t, "0123456789") != strlen(t))
			return bad(c, "bad timestamp");
	}
	return 0;
}

int prom_check(const char *text, char *err, size_t errlen)
{
	struct checker *c = calloc(1, sizeof(*c));
	const char *s = text;
	int rc = 0;
	size_t i;

	if (!c)
		return -1;
	c->err = err;
	c->errlen = errlen;
	while (rc == 0 && *s) {
		const char *nl = strchr(s, '\n');
		char *line;

		c->line++;
		if (!nl) {
			rc = bad(c, "no newline at the end");
			break;
		}
		line = strndup(s, (size_t)(nl - s));
		if (!*line)
			rc = bad(c, "empty line");
		else if (line[0] == '#')
			rc = comment(c, line);
		else
			rc = sample(c, line);
		free(line);
		s = nl + 1;
	}
	for (i = 0; rc == 0 && i < c->nr; i++)
		if (!c->fam[i].samples)
			rc = bad(c, "HELP or TYPE for %s, which has no samples",
				 c->fam[i].name);
	if (rc == 0 && c->line == 0)
		rc = bad(c, "no metrics");
	for (i = 0; i < c->nr_series; i++)
		free(c->series[i]);
	free(c);
	return rc;
}
