// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_params: hook=, nr_records= and wakeup_ms= parsing (module/params.c).
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

static struct kunit_case params_cases[] = {
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
