// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_filter: which events reach the ring (module/filter.c): the
 * parsers of ports=, family= and segments=, the match on a record, and
 * runtime updates through the parameters' own set/get operations (what
 * a write to /sys/module/.../parameters/ does).
 */
#include <kunit/test.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "filter.h"
#include "tcpstate_kunit.h"

#define NO_PORTS	{ 0 }

struct ports_case {
	const char *val;
	int ret;
	u8 nr;
	u16 ports[TCPSTATE_FILTER_MAX_PORTS];
};

static const struct ports_case ports_cases[] = {
	{ .val = "", .ret = 0, .nr = 0 },
	{ .val = "80", .ret = 0, .nr = 1, .ports = { 80 } },
	{ .val = "80,443", .ret = 0, .nr = 2, .ports = { 80, 443 } },
	{ .val = "80 , 443", .ret = 0, .nr = 2, .ports = { 80, 443 } },
	{ .val = "1,65535", .ret = 0, .nr = 2, .ports = { 1, 65535 } },
	{ .val = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", .ret = 0, .nr = 16,
	  .ports = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 } },
	{ .val = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", .ret = -EINVAL },
	{ .val = "0", .ret = -EINVAL },
	{ .val = "65536", .ret = -EINVAL },
	{ .val = "-1", .ret = -EINVAL },
	{ .val = "http", .ret = -EINVAL },
	{ .val = "80,", .ret = -EINVAL },
	{ .val = "80,,443", .ret = -EINVAL },
	{ .val = "0x50", .ret = -EINVAL },
	{ .val = "80 443", .ret = -EINVAL },
	{ .val = "11111,22222,33333,44444,55555,11111,22222,33333,44444,55555,"
		 "11111,22222,33333,44444,55555,11111,22222", .ret = -EINVAL },
};

static void ports_desc(const struct ports_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.40s%s\"", c->val,
		 strlen(c->val) > 40 ? "..." : "");
	strreplace(desc, '\n', '~');
}

/* The parameter's set operation hands the parsers trimmed values. */
KUNIT_ARRAY_PARAM(ports, ports_cases, ports_desc);

static void filter_parse_ports_table(struct kunit *test)
{
	const struct ports_case *c = test->param_value;
	struct tcpstate_params_filter f = { .nr_ports = 99 };
	unsigned int i;

	KUNIT_EXPECT_EQ(test, tcpstate_filter_parse_ports(c->val, &f), c->ret);
	if (c->ret)
		return;
	KUNIT_EXPECT_EQ(test, f.nr_ports, c->nr);
	for (i = 0; i < c->nr && i < f.nr_ports; i++)
		KUNIT_EXPECT_EQ_MSG(test, f.ports[i], c->ports[i], "port %u", i);
}

struct name_case {
	const char *val;
	int ret;
	u8 want;
	bool segments;		/* else family */
};

static const struct name_case name_cases[] = {
	{ "all", 0, TCPSTATE_FAMILY_ALL, false },
	{ "ipv4", 0, TCPSTATE_FAMILY_IPV4, false },
	{ "ipv6\n", 0, TCPSTATE_FAMILY_IPV6, false },
	{ "inet", -EINVAL, 0, false },
	{ "IPv4", -EINVAL, 0, false },
	{ "", -EINVAL, 0, false },
	{ "control", 0, TCPSTATE_SEGMENTS_CONTROL, true },
	{ "all", 0, TCPSTATE_SEGMENTS_ALL, true },
	{ "none\n", 0, TCPSTATE_SEGMENTS_NONE, true },
	{ "syn", -EINVAL, 0, true },
	{ "", -EINVAL, 0, true },
};

static void name_desc(const struct name_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s=\"%s\"",
		 c->segments ? "segments" : "family", c->val);
	strreplace(desc, '\n', '~');
}

KUNIT_ARRAY_PARAM(name, name_cases, name_desc);

static void filter_parse_family_and_segments_table(struct kunit *test)
{
	const struct name_case *c = test->param_value;
	struct tcpstate_params_filter f = { .family = 77, .segments = 77 };
	int ret;

	if (c->segments)
		ret = tcpstate_filter_parse_segments(c->val, &f);
	else
		ret = tcpstate_filter_parse_family(c->val, &f);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (c->segments) {
		KUNIT_EXPECT_EQ(test, f.segments, c->ret ? 77 : c->want);
		KUNIT_EXPECT_EQ(test, f.family, 77);
	} else {
		KUNIT_EXPECT_EQ(test, f.family, c->ret ? 77 : c->want);
		KUNIT_EXPECT_EQ(test, f.segments, 77);
	}
}

/* --- the live filter, set through the module's own parameters ------------- */

static const struct kernel_param *find_param(const char *name)
{
	unsigned int i;

	for (i = 0; i < THIS_MODULE->num_kp; i++)
		if (!strcmp(THIS_MODULE->kp[i].name, name))
			return &THIS_MODULE->kp[i];
	return NULL;
}

/* What writing @val to the parameter's sysfs file does. */
static int set_param(struct kunit *test, const char *name, const char *val)
{
	const struct kernel_param *kp = find_param(name);

	KUNIT_ASSERT_NOT_NULL_MSG(test, kp, "no parameter %s", name);
	return kp->ops->set(val, kp);
}

static void get_param(struct kunit *test, const char *name, char *buf)
{
	const struct kernel_param *kp = find_param(name);

	KUNIT_ASSERT_NOT_NULL_MSG(test, kp, "no parameter %s", name);
	memset(buf, 0, PAGE_SIZE);
	KUNIT_EXPECT_GT(test, kp->ops->get(buf, kp), 0);
}

static void reset_filter(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, set_param(test, "ports", ""), 0);
	KUNIT_EXPECT_EQ(test, set_param(test, "family", "all"), 0);
	KUNIT_EXPECT_EQ(test, set_param(test, "segments", "control"), 0);
}

static void rec_with(struct tcpstate_rec *rec, u16 family, u16 lport,
		     u16 rport, bool mapped)
{
	memset(rec, 0, sizeof(*rec));
	rec->type = TCPSTATE_REC_STATE;
	rec->family = family;
	rec->lport = lport;
	rec->rport = rport;
	if (family == AF_INET6 && mapped)
		ipv6_addr_set_v4mapped(htonl(0x7f000001), (struct in6_addr *)rec->raddr);
	else if (family == AF_INET6)
		memcpy(rec->raddr, &in6addr_loopback, 16);
	else
		*(__be32 *)rec->raddr = htonl(0x7f000001);
}

struct match_case {
	const char *name;
	const char *ports, *family;
	u16 rec_family, lport, rport;
	bool mapped, match;
};

static const struct match_case match_cases[] = {
	{ "no filter", "", "all", AF_INET, 1234, 80, false, true },
	{ "port = rport", "80", "all", AF_INET, 1234, 80, false, true },
	{ "port = lport", "80", "all", AF_INET6, 80, 1234, false, true },
	{ "port neither", "80", "all", AF_INET, 1234, 8080, false, false },
	{ "second of two ports", "22,443", "all", AF_INET, 443, 5555, false, true },
	{ "none of two ports", "22,443", "all", AF_INET, 444, 5555, false, false },
	{ "ipv4 wants ipv4", "", "ipv4", AF_INET, 1, 2, false, true },
	{ "ipv4 wants mapped", "", "ipv4", AF_INET6, 1, 2, true, true },
	{ "ipv4 refuses ipv6", "", "ipv4", AF_INET6, 1, 2, false, false },
	{ "ipv6 wants ipv6", "", "ipv6", AF_INET6, 1, 2, false, true },
	{ "ipv6 refuses mapped", "", "ipv6", AF_INET6, 1, 2, true, false },
	{ "ipv6 refuses ipv4", "", "ipv6", AF_INET, 1, 2, false, false },
	{ "port and family", "80", "ipv6", AF_INET6, 80, 2, false, true },
	{ "port, not family", "80", "ipv6", AF_INET, 80, 2, false, false },
	{ "family, not port", "80", "ipv6", AF_INET6, 81, 2, false, false },
};

static void match_desc(const struct match_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(match, match_cases, match_desc);

static void filter_match_table(struct kunit *test)
{
	const struct match_case *c = test->param_value;
	struct tcpstate_rec rec;

	KUNIT_ASSERT_EQ(test, set_param(test, "ports", c->ports), 0);
	KUNIT_ASSERT_EQ(test, set_param(test, "family", c->family), 0);
	rec_with(&rec, c->rec_family, c->lport, c->rport, c->mapped);
	KUNIT_EXPECT_EQ(test, tcpstate_filter_default_match(&rec), c->match);
	reset_filter(test);
}

/* A refused write changes nothing; a good one replaces the whole value. */
static void filter_param_write_is_all_or_nothing(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct tcpstate_rec rec;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* As echo writes it: surrounding blanks and the newline are ignored. */
	KUNIT_EXPECT_EQ(test, set_param(test, "ports", " 80,443 \n"), 0);
	get_param(test, "ports", buf);
	KUNIT_EXPECT_STREQ(test, buf, "80,443\n");

	/* Longer than any list of 16 ports: refused, nothing changes. */
	memset(buf, '1', 200);
	buf[200] = '\0';
	KUNIT_EXPECT_EQ(test, set_param(test, "ports", buf), -EINVAL);
	get_param(test, "ports", buf);
	KUNIT_EXPECT_STREQ(test, buf, "80,443\n");

	KUNIT_EXPECT_EQ(test, set_param(test, "ports", "22,bad"), -EINVAL);
	get_param(test, "ports", buf);
	KUNIT_EXPECT_STREQ(test, buf, "80,443\n");
	rec_with(&rec, AF_INET, 443, 1, false);
	KUNIT_EXPECT_TRUE(test, tcpstate_filter_default_match(&rec));
	rec_with(&rec, AF_INET, 22, 1, false);
	KUNIT_EXPECT_FALSE(test, tcpstate_filter_default_match(&rec));

	KUNIT_EXPECT_EQ(test, set_param(test, "family", "ipv7"), -EINVAL);
	get_param(test, "family", buf);
	KUNIT_EXPECT_STREQ(test, buf, "all\n");
	KUNIT_EXPECT_EQ(test, set_param(test, "segments", "all"), 0);
	get_param(test, "segments", buf);
	KUNIT_EXPECT_STREQ(test, buf, "all\n");
	KUNIT_EXPECT_EQ(test, tcpstate_filter_segments(), (unsigned int)TCPSTATE_SEGMENTS_ALL);

	/* echo > ports: every port again. */
	KUNIT_EXPECT_EQ(test, set_param(test, "ports", "\n"), 0);
	get_param(test, "ports", buf);
	KUNIT_EXPECT_STREQ(test, buf, "\n");
	reset_filter(test);
	KUNIT_EXPECT_EQ(test, tcpstate_filter_segments(), (unsigned int)TCPSTATE_SEGMENTS_CONTROL);
	rec_with(&rec, AF_INET, 22, 1, false);
	KUNIT_EXPECT_TRUE(test, tcpstate_filter_default_match(&rec));
}

static int filter_suite_init(struct kunit_suite *suite)
{
	return tcpstate_filter_init();
}

static void filter_suite_exit(struct kunit_suite *suite)
{
	tcpstate_filter_uninit();
}

static struct kunit_case filter_cases[] = {
	KUNIT_CASE_PARAM(filter_parse_ports_table, ports_gen_params),
	KUNIT_CASE_PARAM(filter_parse_family_and_segments_table, name_gen_params),
	KUNIT_CASE_PARAM(filter_match_table, match_gen_params),
	KUNIT_CASE(filter_param_write_is_all_or_nothing),
	{}
};

struct kunit_suite tcpstate_filter_suite = {
	.name = "tcpstate_filter",
	.suite_init = filter_suite_init,
	.suite_exit = filter_suite_exit,
	.test_cases = filter_cases,
};
