// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "stats.h"

/* Parses len bytes of text as the file "fixture"; err gets the message. */
static int parse(const char *text, size_t len, struct stats *st,
		 char err[STATS_ERR_MAX])
{
	FILE *in = fmemopen((void *)text, len, "r");
	int rc;

	if (!in) {
		perror("fmemopen");
		exit(2);
	}
	*err = '\0';
	rc = stats_parse(in, "fixture", st, err, STATS_ERR_MAX);
	fclose(in);
	return rc;
}

/* text must fail to parse, with the complaint about line. */
#define CHECK_MALFORMED(line, text) do {				\
	struct stats st_ = { 0 };					\
	char err_[STATS_ERR_MAX];					\
	CHECK_INT(-1, parse(text, sizeof(text) - 1, &st_, err_));	\
	CHECK_STR("fixture:" #line ": malformed line, expected 'name value'", \
		  err_);						\
	stats_free(&st_);						\
} while (0)

static char *text_of(const struct stats *st)
{
	struct capture c;

	stats_print_text(capture_begin(&c), st);
	return capture_end(&c);
}

static char *json_of(const struct stats *st)
{
	struct capture c;

	stats_print_json(capture_begin(&c), st);
	return capture_end(&c);
}

static void check_output(const char *file, int line, const struct stats *st,
			 const char *text, const char *json)
{
	char *s = text_of(st);

	check_str_at(file, line, text, s);
	free(s);
	s = json_of(st);
	check_str_at(file, line, json, s);
	free(s);
}

#define CHECK_OUTPUT(st, text, json) \
	check_output(__FILE__, __LINE__, st, text, json)

/* The longest name accepted: STATS_NAME_MAX - 1 characters. */
#define NAME63 "n23456789012345678901234567890123456789012345678901234567890123"

static void test_parse_good(void)
{
	static const char edges[] = "a 1\n" NAME63 " 18446744073709551615";
	struct stats st = { 0 };
	char err[STATS_ERR_MAX];

	CHECK_INT(0, parse(PROC_FIXTURE, strlen(PROC_FIXTURE), &st, err));
	CHECK_STR("", err);
	CHECK_INT(30, st.nr);
	CHECK_STR("events_recorded", st.counters[0].name);
	CHECK_INT(20, st.counters[0].value);
	CHECK_STR("accept_queue_drops", st.counters[23].name);
	CHECK_INT(5, st.counters[23].value);
	CHECK_STR("trans_close_wait_last_ack", st.counters[26].name);
	CHECK_STR("frobs", st.counters[29].name);
	CHECK(st.counters[29].value == 12345678901ULL);
	CHECK_OUTPUT(&st, PROC_FIXTURE_TEXT, PROC_FIXTURE_JSON);
	stats_free(&st);
	CHECK_INT(0, st.nr);

	/* No newline at the end of the file; the longest name; u64 max. */
	CHECK_INT(0, parse(edges, sizeof(edges) - 1, &st, err));
	CHECK_INT(2, st.nr);
	CHECK_STR(NAME63, st.counters[1].name);
	CHECK(st.counters[1].value == 18446744073709551615ULL);
	stats_free(&st);
}

static void test_parse_malformed(void)
{
	CHECK_MALFORMED(2, "events_recorded 1\nevents_dropped  2\n");
	CHECK_MALFORMED(3, "a 1\nb 2\nc 3 \n");
	CHECK_MALFORMED(1, " a 1\n");
	CHECK_MALFORMED(1, "a\t1\n");
	CHECK_MALFORMED(1, "a 1\r\n");
	CHECK_MALFORMED(1, "a\n");
	CHECK_MALFORMED(1, "a \n");
	CHECK_MALFORMED(1, "a -1\n");
	CHECK_MALFORMED(1, "a 0x1\n");
	CHECK_MALFORMED(1, "a 18446744073709551616\n");
	CHECK_MALFORMED(1, "a-b 1\n");
	CHECK_MALFORMED(1, "a 1 2\n");
	CHECK_MALFORMED(2, "a 1\n\nb 2\n");
	CHECK_MALFORMED(1, "a\0b 1\n");
	CHECK_MALFORMED(1, NAME63 "4 1\n");
}

static void test_sections(void)
{
	static const char text[] =
		"trans_listen_syn_recv 7\n"
		"zz_new 1\n"
		"resets_out 2\n"
		"events_read 3\n"
		"trans_established_fin_wait1 5\n"
		"events_later 4\n";
	struct stats st = { 0 };
	char err[STATS_ERR_MAX];

	/* Grouped by section, file order within one; unknown names kept. */
	CHECK_INT(0, parse(text, sizeof(text) - 1, &st, err));
	CHECK_OUTPUT(&st,
		     "ring buffer\n"
		     "  read                      3\n"
		     "\n"
		     "connections\n"
		     "  resets_out                2\n"
		     "\n"
		     "transitions\n"
		     "  LISTEN -> SYN_RECV        7\n"
		     "  ESTABLISHED -> FIN_WAIT1  5\n"
		     "\n"
		     "other\n"
		     "  zz_new                    1\n"
		     "  events_later              4\n",
		     "{\"trans_listen_syn_recv\":7,\"zz_new\":1,\"resets_out\":2,"
		     "\"events_read\":3,\"trans_established_fin_wait1\":5,"
		     "\"events_later\":4}\n");
	stats_free(&st);

	/* A section without counters is left out altogether. */
	CHECK_INT(0, parse("trans_close_listen 1\n", 21, &st, err));
	CHECK_OUTPUT(&st, "transitions\n  CLOSE -> LISTEN  1\n",
		     "{\"trans_close_listen\":1}\n");
	stats_free(&st);

	CHECK_INT(0, parse("", 0, &st, err));
	CHECK_OUTPUT(&st, "", "{}\n");
	stats_free(&st);
}

/* The v2 counters: their own sections, whatever order they come in. */
static void test_v2_sections(void)
{
	static const char text[] =
		"time_wait_now 2\n"
		"accept_queue_drops 9\n"
		"syn_in 12\n"
		"time_wait_entered 7\n"
		"half_open_now 1\n"
		"time_wait_later 3\n"
		"syncookies_accepted 4\n"
		"time_wait_expired 5\n";
	struct stats st = { 0 };
	char err[STATS_ERR_MAX];

	CHECK_INT(0, parse(text, sizeof(text) - 1, &st, err));
	CHECK_OUTPUT(&st,
		     "handshakes\n"
		     "  accept_queue_drops    9\n"
		     "  syn_in               12\n"
		     "  half_open_now         1\n"
		     "  syncookies_accepted   4\n"
		     "\n"
		     "TIME_WAIT sockets\n"
		     "  now                   2\n"
		     "  entered               7\n"
		     "  expired               5\n"
		     "\n"
		     "other\n"
		     "  time_wait_later       3\n",
		     "{\"time_wait_now\":2,\"accept_queue_drops\":9,\"syn_in\":12,"
		     "\"time_wait_entered\":7,\"half_open_now\":1,"
		     "\"time_wait_later\":3,\"syncookies_accepted\":4,"
		     "\"time_wait_expired\":5}\n");
	stats_free(&st);

	/* Alone, each section stands without a blank line before it. */
	CHECK_INT(0, parse("synack_retrans 3\n", 17, &st, err));
	CHECK_OUTPUT(&st, "handshakes\n  synack_retrans  3\n",
		     "{\"synack_retrans\":3}\n");
	stats_free(&st);
	CHECK_INT(0, parse("time_wait_expired 3\n", 20, &st, err));
	CHECK_OUTPUT(&st, "TIME_WAIT sockets\n  expired  3\n",
		     "{\"time_wait_expired\":3}\n");
	stats_free(&st);
}

void test_stats(void)
{
	test_parse_good();
	test_parse_malformed();
	test_sections();
	test_v2_sections();
}
