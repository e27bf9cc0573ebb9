// SPDX-License-Identifier: GPL-2.0
/*
 * jsonl.c: reading back `tcpstate dump --json`. Every line of every
 * recorded fixture must come back as the record that prints it again byte
 * for byte; every malformation must be refused with its column.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "format.h"
#include "format_check.h"
#include "jsonl.h"
#include "run.h"

#define STATE_LINE(pid_comm, extra)					\
	"{\"ts\":6372205428,\"cpu\":1,\"type\":\"state\",\"cookie\":1,"	\
	"\"netns\":4026531840,\"family\":\"ipv6\",\"laddr\":\"::1\","	\
	"\"lport\":36728,\"raddr\":\"::1\",\"rport\":6000," pid_comm	\
	",\"old\":\"SYN_SENT\",\"new\":\"ESTABLISHED\",\"timewait\":false" \
	extra "}"
#define TASK "\"pid\":148,\"comm\":\"python3\""
#define NO_TASK "\"pid\":null,\"comm\":null"

static int parse(const char *line, struct tcpstate_rec *rec, char *err)
{
	return jsonl_parse(line, strlen(line), rec, err, JSONL_ERR_MAX);
}

static void check_bad_at(const char *file, int line, const char *input,
			 const char *message)
{
	struct tcpstate_rec rec;
	char err[JSONL_ERR_MAX] = "";

	check_int_at(file, line, -1, parse(input, &rec, err));
	check_str_at(file, line, message, err);
}

#define CHECK_BAD(input, message) check_bad_at(__FILE__, __LINE__, input, message)

/* input parses, and prints back as expected (input itself if NULL). */
static void check_good_at(const char *file, int line, const char *input,
			  const char *expected)
{
	struct tcpstate_rec rec;
	char err[JSONL_ERR_MAX] = "", *json, *want;

	check_int_at(file, line, 0, parse(input, &rec, err));
	check_str_at(file, line, "", err);
	json = json_of(&rec);
	want = str_printf("%s\n", expected ? expected : input);
	check_str_at(file, line, want, json);
	free(json);
	free(want);
}

#define CHECK_GOOD(input, expected) check_good_at(__FILE__, __LINE__, input, expected)

static void test_good(void)
{
	struct tcpstate_rec rec;
	char err[JSONL_ERR_MAX];

	CHECK_GOOD(STATE_LINE(TASK, ""), NULL);
	CHECK_GOOD(STATE_LINE(NO_TASK, ""), NULL);
	CHECK_INT(0, parse(STATE_LINE(TASK, ""), &rec, err));
	CHECK_INT(TCPSTATE_ABI_VERSION, rec.version);
	CHECK_INT(sizeof(rec), rec.size);
	CHECK_INT(TCPSTATE_F_TASK, rec.flags);
	CHECK_STR("python3", rec.comm);
	/* Blanks between tokens, members in another order, flags in another. */
	CHECK_GOOD(" { \"ts\" : 1 , \"type\":\"lost\",\t\"count\":5, \"cpu\":0 }\r",
		   "{\"ts\":1,\"cpu\":0,\"type\":\"lost\",\"count\":5}");
	CHECK_GOOD("{\"ts\":1,\"cpu\":2,\"type\":\"segment\",\"cookie\":0,\"netns\":1,"
		   "\"family\":\"ipv4\",\"laddr\":\"10.0.0.1\",\"lport\":80,"
		   "\"raddr\":\"10.0.0.2\",\"rport\":1234,\"pid\":null,\"comm\":null,"
		   "\"dir\":\"dir_7\",\"flags\":\"ACK|SYN\",\"seq\":4294967295,"
		   "\"ack\":0,\"win\":0,\"len\":0,\"retrans\":true,\"sock\":\"sock_9\","
		   "\"state\":\"STATE_13\"}",
		   "{\"ts\":1,\"cpu\":2,\"type\":\"segment\",\"cookie\":0,\"netns\":1,"
		   "\"family\":\"ipv4\",\"laddr\":\"10.0.0.1\",\"lport\":80,"
		   "\"raddr\":\"10.0.0.2\",\"rport\":1234,\"pid\":null,\"comm\":null,"
		   "\"dir\":\"dir_7\",\"flags\":\"SYN|ACK\",\"seq\":4294967295,"
		   "\"ack\":0,\"win\":0,\"len\":0,\"retrans\":true,\"sock\":\"sock_9\","
		   "\"state\":\"STATE_13\"}");
	/* What json_string() writes for bytes that are not UTF-8 reads back. */
	CHECK_GOOD(STATE_LINE("\"pid\":1,\"comm\":\"a\\udcff\\\"\\\\\\u001bz\"", ""),
		   NULL);
	CHECK_INT(0, parse(STATE_LINE("\"pid\":1,\"comm\":\"a\\udcff\\udc80\"", ""),
			   &rec, err));
	CHECK_STR("a\xff\x80", rec.comm);
	/* Standard JSON: \u00e9 is U+00E9, in UTF-8 (RFC 8259), not byte 0xe9. */
	CHECK_INT(0, parse(STATE_LINE("\"pid\":1,\"comm\":\"caf\\u00e9\\ud83d\\ude00\\/\"", ""),
			   &rec, err));
	CHECK_STR("caf\xc3\xa9\xf0\x9f\x98\x80/", rec.comm);
	CHECK_INT(0, parse(STATE_LINE("\"pid\":1,\"comm\":\"\\u0080\\u07ff\\u0800\"", ""),
			   &rec, err));
	CHECK_STR("\xc2\x80\xdf\xbf\xe0\xa0\x80", rec.comm);
	/* A comm of all 16 bytes, no NUL (a corrupt record), is read whole. */
	CHECK_INT(0, parse(STATE_LINE("\"pid\":1,\"comm\":\"0123456789abcdef\"", ""),
			   &rec, err));
	CHECK(memcmp(rec.comm, "0123456789abcdef", 16) == 0);
	/* A TIME_WAIT socket's end has a reason and a duration. */
	CHECK_GOOD("{\"ts\":5,\"cpu\":0,\"type\":\"state\",\"cookie\":3,\"netns\":1,"
		   "\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":1,"
		   "\"raddr\":\"127.0.0.1\",\"rport\":2,\"pid\":null,\"comm\":null,"
		   "\"old\":\"TIME_WAIT\",\"new\":\"CLOSE\",\"timewait\":true,"
		   "\"reason\":\"reason_0\",\"duration_ns\":60000000000}", NULL);
	CHECK_GOOD("{\"ts\":5,\"cpu\":0,\"type\":\"request\",\"cookie\":3,\"netns\":1,"
		   "\"family\":\"ipv6\",\"laddr\":\"::ffff:127.0.0.1\",\"lport\":1,"
		   "\"raddr\":\"fe80::1\",\"rport\":2,\"pid\":null,\"comm\":null,"
		   "\"event\":\"event_42\",\"num_retrans\":255,\"age_ns\":1,"
		   "\"snt_isn\":0,\"rcv_isn\":4294967295}", NULL);
}

static void test_bad(void)
{
	CHECK_BAD("hello", "column 1: expected '{': not a line of `tcpstate dump --json`");
	CHECK_BAD("{}", "column 2: empty object");
	CHECK_BAD("{\"ts\":1", "column 8: expected ',' or '}' after a member, found the end of the line");
	CHECK_BAD("{\"ts\"", "column 6: expected ':' after the member name, found the end of the line");
	CHECK_BAD("{\"ts\":", "column 7: expected a value, found the end of the line");
	CHECK_BAD("{\"ts\":1,", "column 9: expected a member name, found the end of the line");
	CHECK_BAD("{\"ts\":-1}", "column 7: expected an unsigned integer, found a negative number");
	CHECK_BAD("{\"ts\":01}", "column 7: number with a leading zero");
	CHECK_BAD("{\"ts\":1.5}", "column 7: expected an unsigned integer, found a fraction or exponent");
	CHECK_BAD("{\"ts\":1e3}", "column 7: expected an unsigned integer, found a fraction or exponent");
	CHECK_BAD("{\"ts\":18446744073709551616}", "column 7: number larger than 64 bits");
	CHECK_BAD("{\"ts\":tru}", "column 7: expected a value (an unsigned integer, a string, true, false or null)");
	CHECK_BAD("{\"ts\":{}}", "column 7: nested object: a record's members are flat");
	CHECK_BAD("{\"ts\":[1]}", "column 7: nested array: a record's members are flat");
	CHECK_BAD("{\"bogus\":1}", "column 2: unknown member \"bogus\"");
	CHECK_BAD("{\"ts\":1,\"ts\":2}", "column 9: member \"ts\" appears twice");
	CHECK_BAD("{\"ts\":1,\"cpu\":0}", "column 1: missing member \"type\"");
	CHECK_BAD("{\"type\":\"nope\"}", "column 9: \"type\": \"nope\" is not a record type (state, segment, request, lost)");
	CHECK_BAD("{\"type\":1}", "column 9: \"type\" must be a string, not an integer");
	CHECK_BAD("{\"ts\":1,\"cpu\":0,\"type\":\"lost\"}", "column 31: missing member \"count\" of a lost record");
	CHECK_BAD("{\"ts\":1,\"cpu\":0,\"type\":\"lost\",\"count\":3,\"cookie\":1}",
		  "column 41: member \"cookie\" does not belong in a lost record");
	CHECK_BAD("{\"ts\":1,\"cpu\":4294967296,\"type\":\"lost\",\"count\":3}",
		  "column 15: \"cpu\" is 4294967296, more than 4294967295");
	CHECK_BAD(STATE_LINE(TASK, "") "x", "column 223: text after the object's closing '}'");
	CHECK_BAD(STATE_LINE(TASK, ",\"reason\":\"expired\""),
		  "column 223: member \"reason\" does not belong in a state record (only a TIME_WAIT socket's end has it)");
	CHECK_BAD("{\"ts\":1,\"cpu\":0,\"type\":\"state\",\"cookie\":1,\"netns\":1,"
		  "\"family\":\"ipv4\",\"laddr\":\"1.2.3.4\",\"lport\":1,"
		  "\"raddr\":\"1.2.3.4\",\"rport\":2,\"pid\":null,\"comm\":null,"
		  "\"old\":\"TIME_WAIT\",\"new\":\"CLOSE\",\"timewait\":true,\"reason\":\"expired\"}",
		  "column 215: missing member \"duration_ns\" of a state record");
	CHECK_BAD("{\"ts\":1,\"cpu\":0,\"type\":\"state\",\"cookie\":1,\"netns\":1,"
		  "\"family\":\"ipv9\",\"laddr\":\"1.2.3.4\",\"lport\":1,"
		  "\"raddr\":\"1.2.3.4\",\"rport\":70000,\"pid\":null,\"comm\":null,"
		  "\"old\":\"CLOSE\",\"new\":\"SYN_SENT\",\"timewait\":false}",
		  "column 123: \"rport\" is 70000, more than 65535");
	CHECK_BAD("{\"ts\":1,\"cpu\":0,\"type\":\"state\",\"cookie\":1,\"netns\":1,"
		  "\"family\":\"ipv9\",\"laddr\":\"1.2.3.4\",\"lport\":1,"
		  "\"raddr\":\"1.2.3.4\",\"rport\":7,\"pid\":null,\"comm\":null,"
		  "\"old\":\"CLOSE\",\"new\":\"SYN_SENT\",\"timewait\":false}",
		  "column 62: \"family\": \"ipv9\" is not \"ipv4\" or \"ipv6\"");
}

static void test_bad_values(void)
{
	char line[512];

	snprintf(line, sizeof(line), "%s", STATE_LINE(TASK, ""));
	memcpy(strstr(line, "\"::1\""), "\"1.2\"", 5);
	CHECK_BAD(line, "column 95: \"laddr\": \"1.2\" is not an IPv6 address");
	CHECK_BAD(STATE_LINE("\"pid\":null,\"comm\":\"x\"", ""),
		  "column 160: \"comm\" must be null when \"pid\" is");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":null", ""),
		  "column 157: \"comm\" is null but \"pid\" is not");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"0123456789abcdefg\"", ""),
		  "column 157: \"comm\" longer than 16 bytes");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"\\u00e90123456789abcde\"", ""),
		  "column 157: \"comm\" longer than 16 bytes");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"a\\u0000\"", ""),
		  "column 159: \\u0000 in a string");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"a\\x\"", ""),
		  "column 159: unknown escape '\\x'");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"a\\u12\"", ""),
		  "column 163: \\u needs four hex digits");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"\\udc00\"", ""),
		  "column 158: lone low surrogate \\udc00 (only \\udc80-\\udcff, a byte that is not UTF-8)");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"\\udd00\"", ""),
		  "column 158: lone low surrogate \\udd00 (only \\udc80-\\udcff, a byte that is not UTF-8)");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"\\ud800x\"", ""),
		  "column 158: high surrogate \\ud800 without its low half");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"a\tb\"", ""),
		  "column 159: control character 0x09 in a string");
	CHECK_BAD(STATE_LINE("\"pid\":1,\"comm\":\"a\xff\"", ""),
		  "column 159: bytes that are not UTF-8 in a string");
	CHECK_BAD("{\"ts\":\"unterminated}", "column 7: string not terminated");
	/* A clock line is no record (jsonl_read() takes it). */
	CHECK_BAD("{\"ts\":1,\"type\":\"clock\",\"utc_ns\":2}",
		  "column 16: a clock line (\"type\":\"clock\"), not a record");
	CHECK_BAD(STATE_LINE(TASK, ",\"utc_ns\":5"),
		  "column 223: member \"utc_ns\" does not belong in a state record");
	snprintf(line, sizeof(line), "%s", STATE_LINE(TASK, ""));
	memcpy(strstr(line, "SYN_SENT"), "SYN_SEND", 8);
	CHECK_BAD(line, "column 175: \"old\": \"SYN_SEND\" is not a TCP state");
	snprintf(line, sizeof(line), "%s", STATE_LINE(TASK, ""));
	memcpy(strstr(line, "false"), "\"no\" ", 5);
	CHECK_BAD(line, "column 217: \"timewait\" must be true or false, not a string");
}

static void test_bad_segment(void)
{
	static const char head[] =
		"{\"ts\":1,\"cpu\":2,\"type\":\"segment\",\"cookie\":0,\"netns\":1,"
		"\"family\":\"ipv4\",\"laddr\":\"10.0.0.1\",\"lport\":80,"
		"\"raddr\":\"10.0.0.2\",\"rport\":1234,\"pid\":null,\"comm\":null,";
	char line[512];

	snprintf(line, sizeof(line), "%s%s", head,
		 "\"dir\":\"in\",\"flags\":\"SYN|SYN\",\"seq\":1,\"ack\":0,\"win\":0,"
		 "\"len\":0,\"retrans\":false,\"sock\":\"full\",\"state\":null}");
	CHECK_BAD(line, "column 175: \"flags\": \"SYN|SYN\" is not TCP flags (SYN, FIN, RST, PSH, ACK, URG, ECE, CWR joined by '|')");
	snprintf(line, sizeof(line), "%s%s", head,
		 "\"dir\":\"in\",\"flags\":\"SYN|\",\"seq\":1,\"ack\":0,\"win\":0,"
		 "\"len\":0,\"retrans\":false,\"sock\":\"full\",\"state\":null}");
	CHECK_BAD(line, "column 175: \"flags\": \"SYN|\" is not TCP flags (SYN, FIN, RST, PSH, ACK, URG, ECE, CWR joined by '|')");
	snprintf(line, sizeof(line), "%s%s", head,
		 "\"dir\":\"in\",\"flags\":\"\",\"seq\":1,\"ack\":0,\"win\":0,"
		 "\"len\":0,\"retrans\":false,\"sock\":\"full\",\"state\":\"STATE_0\"}");
	CHECK_BAD(line, "column 248: \"state\": no state is written null, not STATE_0");
	snprintf(line, sizeof(line), "%s%s", head,
		 "\"dir\":\"in\",\"flags\":\"\",\"seq\":1,\"ack\":0,\"win\":0,"
		 "\"len\":0,\"retrans\":false,\"sock\":\"sock_256\",\"state\":null}");
	CHECK_BAD(line, "column 233: \"sock\": \"sock_256\" is not a name this tool knows");
	snprintf(line, sizeof(line), "%s%s", head,
		 "\"dir\":\"in\",\"flags\":\"\",\"seq\":4294967296,\"ack\":0,\"win\":0,"
		 "\"len\":0,\"retrans\":false,\"sock\":\"full\",\"state\":null}");
	CHECK_BAD(line, "column 184: \"seq\" is 4294967296, more than 4294967295");
}

/* rec as JSON carries it: no pid or comm without a task, no child flag. */
static void normalize(struct tcpstate_rec *rec)
{
	struct tcpstate_rec lost = { 0 };

	rec->flags &= (__u16)~TCPSTATE_F_CHILD_TUPLE;
	if (!(rec->flags & TCPSTATE_F_TASK)) {
		rec->pid = 0;
		memset(rec->comm, 0, sizeof(rec->comm));
	}
	if (rec->type == TCPSTATE_REC_LOST) {
		lost.version = rec->version;
		lost.type = rec->type;
		lost.size = rec->size;
		lost.cpu = rec->cpu;
		lost.ts_ns = rec->ts_ns;
		lost.lost.count = rec->lost.count;
		*rec = lost;
	}
}

/*
 * Any comm, any bytes, through JSON and back unchanged: 16 bytes without
 * a NUL, bytes that are not UTF-8, control bytes, valid UTF-8. The JSON is
 * valid UTF-8 (ASCII here, as every byte not UTF-8 is escaped).
 */
static void test_round_trip_comm(void)
{
	static const char *const comms[] = {
		"0123456789abcdef",			/* 16 bytes, no NUL */
		"\xff\xfe\x80\xc3(\xe2\x82\x01\x7f\"\\ab\xf0\x9f\x98",
		"caf\xc3\xa9 \xf0\x9f\x98\x80",		/* UTF-8 as it is */
		"sshd (pid 1)",
		/* A surrogate, overlong, past U+10FFFF; then U+0700 as it is. */
		"\xed\xa0\x80\xc0\x80\xf4\x90\x80\x80x\xdc\x80yz",
	};
	char err[JSONL_ERR_MAX];
	struct capture c;
	size_t i, k;

	for (i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		struct tcpstate_rec rec = fixture_state_rec(), back;
		char *json;

		memset(rec.comm, 0, sizeof(rec.comm));
		memcpy(rec.comm, comms[i], strlen(comms[i]));
		format_json(capture_begin(&c), &rec);
		json = capture_end(&c);
		for (k = 0; json[k]; k++)
			if ((unsigned char)json[k] >= 0x80)
				break;
		if (i != 2 && i != 4)
			CHECK_INT(strlen(json), k);
		CHECK_INT(0, jsonl_parse(json, strlen(json) - 1, &back, err,
					 sizeof(err)));
		CHECK(memcmp(rec.comm, back.comm, sizeof(rec.comm)) == 0);
		free(json);
	}
}

/* A segment with these TCP flags and record flags, as the module makes it. */
static struct tcpstate_rec seg_with(unsigned int tcp_flags, unsigned int flags)
{
	struct tcpstate_rec rec = fixture_segment_rec();

	rec.seg.tcp_flags = (__u8)tcp_flags;
	rec.flags = (__u16)flags;
	return rec;
}

/*
 * "control" is written for an ACK the module marked control only; SYN,
 * FIN and RST are control by their flags, so an older dump (no member)
 * reads back as the module marked it, except its control ACKs.
 */
static void test_control_member(void)
{
	static const struct {
		unsigned int tcp_flags, flags;
		bool member;
	} cases[] = {
		{ TCPSTATE_TH_ACK, TCPSTATE_F_CONTROL, true },
		{ TCPSTATE_TH_ACK, 0, false },
		{ TCPSTATE_TH_ACK | TCPSTATE_TH_PSH, 0, false },
		{ TCPSTATE_TH_FIN | TCPSTATE_TH_ACK, TCPSTATE_F_CONTROL, false },
		{ TCPSTATE_TH_RST, TCPSTATE_F_CONTROL, false },
		{ TCPSTATE_TH_SYN, TCPSTATE_F_CONTROL | TCPSTATE_F_TASK, false },
	};
	char err[JSONL_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tcpstate_rec rec = seg_with(cases[i].tcp_flags, cases[i].flags);
		struct tcpstate_rec back;
		char *json = json_of(&rec);

		CHECK_INT(cases[i].member, strstr(json, ",\"control\":true") != NULL);
		normalize(&rec);
		CHECK_INT(0, jsonl_parse(json, strlen(json) - 1, &back, err, sizeof(err)));
		CHECK(memcmp(&rec, &back, sizeof(back)) == 0);
		free(json);
	}
	/* An older dump's SYN: control by its flags. */
	{
		struct tcpstate_rec rec = seg_with(TCPSTATE_TH_SYN, 0), back;
		char *json = json_of(&rec);

		CHECK_INT(0, jsonl_parse(json, strlen(json) - 1, &back, err, sizeof(err)));
		CHECK_INT(TCPSTATE_F_CONTROL, back.flags & TCPSTATE_F_CONTROL);
		free(json);
	}
}

/* The records fixture.c makes, through JSON and back. */
static void test_round_trip_records(void)
{
	struct tcpstate_rec recs[] = {
		fixture_state_rec(), fixture_segment_rec(),
		fixture_request_rec(TCPSTATE_REQ_PROMOTED), fixture_lost_rec(7),
		fixture_timewait_rec(TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE,
				     TCPSTATE_TW_EXPIRED, 60001000000ULL),
		fixture_ipv6(fixture_segment_rec(), "2001:db8::1", "::ffff:10.1.2.3"),
	};
	char err[JSONL_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct tcpstate_rec back;
		char *json = json_of(&recs[i]);

		normalize(&recs[i]);
		CHECK_INT(0, jsonl_parse(json, strlen(json) - 1, &back, err, sizeof(err)));
		CHECK(memcmp(&recs[i], &back, sizeof(back)) == 0);
		free(json);
	}
}

/*
 * A clock line (dump's first, {"ts":MONO,"type":"clock","utc_ns":UTC}; no
 * record): the reader takes it as one, and format_json_clock() prints its
 * values back exactly.
 */
static bool is_clock_line(const char *line, size_t len)
{
	FILE *in = fmemopen((void *)line, len, "r");
	struct jsonl_reader r;
	struct tcpstate_rec rec;
	char err[JSONL_ERR_MAX], *again;
	struct capture c;
	bool clock;

	/* Not taken as a clock line, it fails jsonl_parse() instead. */
	if (!in)
		return false;
	jsonl_init(&r, in, "clock line");
	clock = jsonl_read(&r, &rec, err, sizeof(err)) == 0 && r.has_clock;
	if (clock) {
		format_json_clock(capture_begin(&c), r.clock_mono, r.clock_utc);
		again = capture_end(&c);
		clock = strlen(again) == len + 1 && !strncmp(again, line, len);
		free(again);
	}
	jsonl_free(&r);
	fclose(in);
	return clock;
}

/*
 * Every line of each DIR/NAME.jsonl reads back as the record that prints it
 * again; adds the files and lines read and the ones that did not.
 */
static void round_trip_dir(const char *dir, unsigned int *files,
			   unsigned int *lines, unsigned int *bad)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name), len;
		char *path, *text, *line, *nl;

		if (n < 7 || strcmp(e->d_name + n - 6, ".jsonl"))
			continue;
		path = str_printf("%s/%s", dir, e->d_name);
		text = read_file(path, &len);
		(*files)++;
		for (line = text; line && *line; line = nl + 1) {
			struct tcpstate_rec rec;
			char err[JSONL_ERR_MAX], *json;

			nl = strchr(line, '\n');
			if (!nl)
				break;
			(*lines)++;
			if (is_clock_line(line, (size_t)(nl - line)))
				continue;
			if (jsonl_parse(line, (size_t)(nl - line), &rec, err, sizeof(err))) {
				printf("%s: %s\n", path, err);
				(*bad)++;
				continue;
			}
			json = json_of(&rec);
			if (strncmp(json, line, (size_t)(nl - line + 1)) != 0)
				(*bad)++;
			free(json);
		}
		free(text);
		free(path);
	}
	if (d)
		closedir(d);
}

/*
 * Every line the module and the tool wrote in the VM reads back exactly:
 * the scenarios' recordings and the lesson's (lessons/).
 */
static void test_round_trip_fixtures(void)
{
	unsigned int files = 0, lines = 0, bad = 0, lesson_files = 0;
	char *lessons = str_printf("%s/lessons", fixtures_dir);

	round_trip_dir(fixtures_dir, &files, &lines, &bad);
	CHECK(files >= 10);
	round_trip_dir(lessons, &lesson_files, &lines, &bad);
	CHECK_INT(6, lesson_files);
	CHECK(lines >= 500);
	CHECK_INT(0, bad);
	free(lessons);
}

/* The reader: line numbers, truncation, what is not a line of JSON. */
static void check_read_at(const char *file, int line, const char *content,
			  size_t len, int records, const char *message)
{
	char *path = str_printf("%s/read-%d", tmp_dir, line);
	char err[JSONL_ERR_MAX] = "", *want;
	struct jsonl_reader r;
	struct tcpstate_rec rec;
	FILE *f = fopen(path, "w+");
	int n = 0, rc;

	fwrite(content, 1, len, f);
	rewind(f);
	jsonl_init(&r, f, "dump.jsonl");
	while ((rc = jsonl_read(&r, &rec, err, sizeof(err))) > 0)
		n++;
	check_int_at(file, line, records, n);
	check_int_at(file, line, message ? -1 : 0, rc);
	want = str_printf("%s", message ? message : "");
	check_str_at(file, line, want, err);
	free(want);
	jsonl_free(&r);
	fclose(f);
	free(path);
}

#define CHECK_READ(content, records, message) \
	check_read_at(__FILE__, __LINE__, content, sizeof(content) - 1, records, message)

#define LOST "{\"ts\":1,\"cpu\":0,\"type\":\"lost\",\"count\":5}"

static void test_reader(void)
{
	char *big = malloc(JSONL_LINE_MAX + 10);
	struct jsonl_reader r;
	struct tcpstate_rec rec;
	char err[JSONL_ERR_MAX];
	FILE *f;

	CHECK_READ("", 0, NULL);
	CHECK_READ(LOST "\n" LOST "\n", 2, NULL);
	/* A last line without its newline is a line, if it is whole. */
	CHECK_READ(LOST "\n" LOST, 2, NULL);
	CHECK_READ(LOST "\n" "{\"ts\":1,\"cpu\":0,\"type\":\"lo", 1,
		   "dump.jsonl:2: column 24: string not terminated (the last line has no newline: is the file truncated?)");
	CHECK_READ(LOST "\n\n" LOST "\n", 1, "dump.jsonl:2: empty line");
	CHECK_READ(LOST "\n" LOST "\n{\"ts\":1,\"cpu\":0,\"type\":\"lost\",\"count\":x}\n", 2,
		   "dump.jsonl:3: column 39: expected a value (an unsigned integer, a string, true, false or null)");
	CHECK_READ("{\"ts\":1,\0\"cpu\":0}\n", 0, "dump.jsonl:1: a NUL byte in the line");
	CHECK_READ("          TIME CPU      NETNS     PID COMM\n", 0,
		   "dump.jsonl:1: column 11: expected '{': not a line of `tcpstate dump --json`");

	memset(big, ' ', JSONL_LINE_MAX + 8);
	big[JSONL_LINE_MAX + 8] = '\n';
	f = fmemopen(big, JSONL_LINE_MAX + 9, "r");
	jsonl_init(&r, f, "big");
	CHECK_INT(-1, jsonl_read(&r, &rec, err, sizeof(err)));
	CHECK_STR("big:1: line longer than 4096 bytes", err);
	jsonl_free(&r);
	fclose(f);
	free(big);

	f = fopen(tmp_dir, "r");
	jsonl_init(&r, f, "dir");
	CHECK_INT(-1, jsonl_read(&r, &rec, err, sizeof(err)));
	CHECK_STR("dir: read error: Is a directory", err);
	jsonl_free(&r);
	fclose(f);
}

void test_jsonl(void)
{
	test_good();
	test_bad();
	test_bad_values();
	test_bad_segment();
	test_round_trip_records();
	test_control_member();
	test_round_trip_comm();
	test_round_trip_fixtures();
	test_reader();
}
