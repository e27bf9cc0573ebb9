// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_params: hook=, nr_records=, wakeup_ms=, require= and blocklist=
 * parsing (module/params.c).
 * A bad value must fail insmod with EINVAL and leave the parameter as it
 * was; nr_records is rounded up to a power of two.
 */
#include <kunit/test.h>

#include "params.h"
#include "tcpstate_kunit.h"
#include "uapi/tcpstate.h"

#define UNTOUCHED	0xdeadbeefU

struct parse_case {
	const char *val;
	int ret;		/* 0 or -EINVAL */
	unsigned int want;	/* the value stored, when ret == 0 */
};

static const struct parse_case hook_cases[] = {
	{ .val = "tracepoint", .ret = 0, .want = TCPSTATE_HOOK_TRACEPOINT },
	{ .val = "kprobe", .ret = 0, .want = TCPSTATE_HOOK_KPROBE },
	/* sysfs_streq(): a trailing newline, as from echo, is accepted. */
	{ .val = "kprobe\n", .ret = 0, .want = TCPSTATE_HOOK_KPROBE },
	{ .val = "", .ret = -EINVAL },
	{ .val = "Tracepoint", .ret = -EINVAL },
	{ .val = "kprobes", .ret = -EINVAL },
	{ .val = "trace", .ret = -EINVAL },
	{ .val = " kprobe", .ret = -EINVAL },
	{ .val = "1", .ret = -EINVAL },
	{ .val = "?", .ret = -EINVAL },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.100s\"", c->val);
	/* Keep the KTAP line on one line. */
	strreplace(desc, '\n', '~');
}

KUNIT_ARRAY_PARAM(hook, hook_cases, parse_case_desc);

static void params_parse_hook_table(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	unsigned int hook = UNTOUCHED;

	KUNIT_EXPECT_EQ(test, tcpstate_params_parse_hook(c->val, &hook), c->ret);
	KUNIT_EXPECT_EQ(test, hook, c->ret ? UNTOUCHED : c->want);
}

static const struct parse_case nr_records_cases[] = {
	{ .val = "16", .ret = 0, .want = 16 },			/* the minimum */
	{ .val = "1048576", .ret = 0, .want = 1048576 },	/* the maximum */
	{ .val = "8192", .ret = 0, .want = 8192 },
	{ .val = "8192\n", .ret = 0, .want = 8192 },
	{ .val = "17", .ret = 0, .want = 32 },			/* rounded up */
	{ .val = "1000", .ret = 0, .want = 1024 },
	{ .val = "1048575", .ret = 0, .want = 1048576 },
	{ .val = "0x100", .ret = 0, .want = 256 },		/* base 0 */
	{ .val = "15", .ret = -EINVAL },
	{ .val = "0", .ret = -EINVAL },
	{ .val = "1048577", .ret = -EINVAL },
	{ .val = "4294967295", .ret = -EINVAL },
	{ .val = "4294967296", .ret = -EINVAL },		/* overflows u32 */
	{ .val = "-16", .ret = -EINVAL },
	{ .val = "", .ret = -EINVAL },
	{ .val = "many", .ret = -EINVAL },
	{ .val = "64k", .ret = -EINVAL },
	{ .val = "1e3", .ret = -EINVAL },
	{ .val = " 64", .ret = -EINVAL },
};

KUNIT_ARRAY_PARAM(nr_records, nr_records_cases, parse_case_desc);

static void params_parse_nr_records_table(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	unsigned int nr = UNTOUCHED;

	KUNIT_EXPECT_EQ(test, tcpstate_params_parse_nr_records(c->val, &nr),
			c->ret);
	KUNIT_EXPECT_EQ(test, nr, c->ret ? UNTOUCHED : c->want);
}

static const struct parse_case wakeup_ms_cases[] = {
	{ .val = "0", .ret = 0, .want = 0 },		/* every record wakes */
	{ .val = "100", .ret = 0, .want = 100 },
	{ .val = "1000", .ret = 0, .want = 1000 },	/* the maximum */
	{ .val = "1000\n", .ret = 0, .want = 1000 },
	{ .val = "0x10", .ret = 0, .want = 16 },
	{ .val = "1001", .ret = -EINVAL },
	{ .val = "4294967296", .ret = -EINVAL },
	{ .val = "-1", .ret = -EINVAL },
	{ .val = "", .ret = -EINVAL },
	{ .val = "10ms", .ret = -EINVAL },
};

KUNIT_ARRAY_PARAM(wakeup_ms, wakeup_ms_cases, parse_case_desc);

static void params_parse_wakeup_ms_table(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	unsigned int ms = UNTOUCHED;

	KUNIT_EXPECT_EQ(test, tcpstate_params_parse_wakeup_ms(c->val, &ms),
			c->ret);
	KUNIT_EXPECT_EQ(test, ms, c->ret ? UNTOUCHED : c->want);
}

static void params_hook_name_known_and_unknown(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, tcpstate_params_hook_name(TCPSTATE_HOOK_TRACEPOINT),
			   "tracepoint");
	KUNIT_EXPECT_STREQ(test, tcpstate_params_hook_name(TCPSTATE_HOOK_KPROBE),
			   "kprobe");
	KUNIT_EXPECT_STREQ(test, tcpstate_params_hook_name(0), "?");
	KUNIT_EXPECT_STREQ(test, tcpstate_params_hook_name(3), "?");
	KUNIT_EXPECT_STREQ(test, tcpstate_params_hook_name(UINT_MAX), "?");
}

/* Every name the parser accepts is the name the getter prints back. */
static void params_hook_name_round_trips(struct kunit *test)
{
	unsigned int hook, parsed;

	for (hook = TCPSTATE_HOOK_TRACEPOINT; hook <= TCPSTATE_HOOK_KPROBE; hook++) {
		parsed = UNTOUCHED;
		KUNIT_EXPECT_EQ(test,
				tcpstate_params_parse_hook(tcpstate_params_hook_name(hook),
							   &parsed), 0);
		KUNIT_EXPECT_EQ(test, parsed, hook);
	}
}

static void params_defaults(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tcpstate_param_hook, (unsigned int)TCPSTATE_HOOK_TRACEPOINT);
	KUNIT_EXPECT_EQ(test, tcpstate_param_nr_records, TCPSTATE_NR_RECORDS_DEFAULT);
	KUNIT_EXPECT_EQ(test, tcpstate_param_wakeup_ms, TCPSTATE_WAKEUP_MS_DEFAULT);
	KUNIT_EXPECT_TRUE(test, is_power_of_2(TCPSTATE_NR_RECORDS_DEFAULT));
	KUNIT_EXPECT_TRUE(test, is_power_of_2(TCPSTATE_NR_RECORDS_MIN));
	KUNIT_EXPECT_TRUE(test, is_power_of_2(TCPSTATE_NR_RECORDS_MAX));
}

#define G(x)	BIT(TCPSTATE_GROUP_##x)
#define ALL_GROUPS	(BIT(TCPSTATE_NR_GROUPS) - 1)

static const struct parse_case require_cases[] = {
	/* States are always required. */
	{ .val = "", .ret = 0, .want = G(STATES) },
	{ .val = "\n", .ret = 0, .want = G(STATES) },
	{ .val = "states", .ret = 0, .want = G(STATES) },
	{ .val = "segments", .ret = 0, .want = G(STATES) | G(SEGMENTS) },
	{ .val = "segments\n", .ret = 0, .want = G(STATES) | G(SEGMENTS) },
	{ .val = "timewait,requests", .ret = 0,
	  .want = G(STATES) | G(TIMEWAIT) | G(REQUESTS) },
	{ .val = "resets,segments,retransmits,requests,timewait", .ret = 0,
	  .want = ALL_GROUPS },
	{ .val = "segments,segments", .ret = 0, .want = G(STATES) | G(SEGMENTS) },
	{ .val = "all", .ret = 0, .want = ALL_GROUPS },
	{ .val = "all\n", .ret = 0, .want = ALL_GROUPS },
	{ .val = "segment", .ret = -EINVAL },
	{ .val = "Segments", .ret = -EINVAL },
	{ .val = "segments,", .ret = -EINVAL },
	{ .val = ",segments", .ret = -EINVAL },
	{ .val = "segments,,timewait", .ret = -EINVAL },
	{ .val = "segments timewait", .ret = -EINVAL },
	{ .val = "all,segments", .ret = -EINVAL },
	{ .val = "none", .ret = -EINVAL },
	{ .val = "1", .ret = -EINVAL },
};

KUNIT_ARRAY_PARAM(require, require_cases, parse_case_desc);

static void params_parse_require_table(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	unsigned int groups = UNTOUCHED;

	KUNIT_EXPECT_EQ(test, tcpstate_params_parse_require(c->val, &groups),
			c->ret);
	KUNIT_EXPECT_EQ(test, groups, c->ret ? UNTOUCHED : c->want);
}

struct blocklist_case {
	const char *val;
	int ret;
	unsigned int nr;
	const char *first, *last;
};

static const struct blocklist_case blocklist_cases[] = {
	{ .val = "", .ret = 0, .nr = 0 },
	{ .val = "tcp_v6_send_response", .ret = 0, .nr = 1,
	  .first = "tcp_v6_send_response", .last = "tcp_v6_send_response" },
	{ .val = "tcp_v4_send_ack,__tcp_retransmit_skb.part.0\n", .ret = 0,
	  .nr = 2, .first = "tcp_v4_send_ack",
	  .last = "__tcp_retransmit_skb.part.0" },
	{ .val = "a,b,c,d,e,f,g,h", .ret = 0, .nr = 8, .first = "a",
	  .last = "h" },
	/* 63 characters: the longest name. */
	{ .val = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk",
	  .ret = 0, .nr = 1,
	  .first = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk",
	  .last = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk" },
	{ .val = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl",
	  .ret = -EINVAL },
	{ .val = "a,b,c,d,e,f,g,h,i", .ret = -EINVAL },
	{ .val = "tcp_v4_send_ack,", .ret = -EINVAL },
	{ .val = ",tcp_v4_send_ack", .ret = -EINVAL },
	{ .val = "a,,b", .ret = -EINVAL },
	{ .val = "tcp v4", .ret = -EINVAL },
	{ .val = "tcp_v4_send_ack+0x10", .ret = -EINVAL },
	{ .val = "../x", .ret = -EINVAL },
};

static void blocklist_case_desc(const struct blocklist_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.100s\"", c->val);
	strreplace(desc, '\n', '~');
}

KUNIT_ARRAY_PARAM(blocklist, blocklist_cases, blocklist_case_desc);

static void params_parse_blocklist_table(struct kunit *test)
{
	const struct blocklist_case *c = test->param_value;
	struct tcpstate_blocklist *bl;

	bl = kunit_kzalloc(test, sizeof(*bl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bl);
	bl->nr = UNTOUCHED;
	KUNIT_EXPECT_EQ(test, tcpstate_params_parse_blocklist(c->val, bl),
			c->ret);
	if (c->ret) {
		KUNIT_EXPECT_EQ(test, bl->nr, UNTOUCHED);
		return;
	}
	KUNIT_ASSERT_EQ(test, bl->nr, c->nr);
	if (c->nr) {
		KUNIT_EXPECT_STREQ(test, bl->names[0], c->first);
		KUNIT_EXPECT_STREQ(test, bl->names[c->nr - 1], c->last);
	}
}

static void params_group_names(struct kunit *test)
{
	unsigned int g, groups;
	char name[32];

	/* Every group's name parses back to it, and nothing else does. */
	for (g = 0; g < TCPSTATE_NR_GROUPS; g++) {
		strscpy(name, tcpstate_params_group_name(g), sizeof(name));
		KUNIT_EXPECT_STRNEQ(test, name, "?");
		KUNIT_EXPECT_EQ(test, tcpstate_params_parse_require(name, &groups), 0);
		KUNIT_EXPECT_EQ(test, groups, G(STATES) | BIT(g));
	}
	KUNIT_EXPECT_STREQ(test, tcpstate_params_group_name(TCPSTATE_NR_GROUPS), "?");
	KUNIT_EXPECT_EQ(test, tcpstate_param_require, G(STATES));
}

static struct kunit_case params_cases[] = {
	KUNIT_CASE_PARAM(params_parse_require_table, require_gen_params),
	KUNIT_CASE_PARAM(params_parse_blocklist_table, blocklist_gen_params),
	KUNIT_CASE(params_group_names),
	KUNIT_CASE_PARAM(params_parse_hook_table, hook_gen_params),
	KUNIT_CASE_PARAM(params_parse_nr_records_table, nr_records_gen_params),
	KUNIT_CASE_PARAM(params_parse_wakeup_ms_table, wakeup_ms_gen_params),
	KUNIT_CASE(params_hook_name_known_and_unknown),
	KUNIT_CASE(params_hook_name_round_trips),
	KUNIT_CASE(params_defaults),
	{}
};

struct kunit_suite tcpstate_params_suite = {
	.name = "tcpstate_params",
	.test_cases = params_cases,
};
