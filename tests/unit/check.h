/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test runner: CHECK_*() count a pass or print one line for a
 * failure ("file:line: expected ..., got ..."); main() in check.c runs the
 * suites and ends with "N passed, N failed".
 */
#ifndef TCPSTATE_CHECK_H
#define TCPSTATE_CHECK_H

#include <stdbool.h>
#include <stdio.h>

/* The built tools/tcpstate, from the command line. */
extern const char *tool_path;
/* fake_ioctl.so, from the command line, for test_cli.c. */
extern const char *fake_ioctl_path;
/* A directory of our own for files the tests write, removed at the end. */
extern const char *tmp_dir;
/* tests/fixtures: recorded dumps and the golden outputs made from them. */
extern const char *fixtures_dir;

/*
 * A small deterministic generator (xorshift64): the same cases on every
 * run. Each suite keeps its own *state, seeded as it likes, so one
 * suite's draws never shift another's.
 */
static inline unsigned long long check_rng(unsigned long long *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* How many checks failed so far. */
unsigned int check_failures(void);

void check_true_at(const char *file, int line, const char *expr, bool ok);
void check_int_at(const char *file, int line, long long expected,
		  long long actual);
void check_str_at(const char *file, int line, const char *expected,
		  const char *actual);
void check_contains_at(const char *file, int line, const char *needle,
		       const char *haystack);
void check_prefix_at(const char *file, int line, const char *prefix,
		     const char *actual);

#define CHECK(cond) check_true_at(__FILE__, __LINE__, #cond, (cond))
#define CHECK_INT(expected, actual) \
	check_int_at(__FILE__, __LINE__, (long long)(expected), \
		     (long long)(actual))
#define CHECK_STR(expected, actual) \
	check_str_at(__FILE__, __LINE__, (expected), (actual))
#define CHECK_CONTAINS(needle, haystack) \
	check_contains_at(__FILE__, __LINE__, (needle), (haystack))
#define CHECK_PREFIX(prefix, actual) \
	check_prefix_at(__FILE__, __LINE__, (prefix), (actual))

/* What a formatter writes to a FILE, as a string the caller frees. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

FILE *capture_begin(struct capture *c);
char *capture_end(struct capture *c);

void test_states(void);
void test_util(void);
void test_format(void);
void test_records(void);
void test_stats(void);
void test_cli(void);
void test_jsonl(void);
void test_conns(void);
void test_export(void);
void test_order(void);
void test_model(void);
void test_svg(void);
void test_match(void);
void test_exporter(void);
void test_i18n(void);
void test_devmap(void);

#endif
