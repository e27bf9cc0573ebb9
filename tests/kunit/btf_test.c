// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_btf: checking probed functions' argument names against BTF
 * (module/btf.c), on small BTF blobs built here: what arms a group, what
 * disarms it, and that a malformed blob is refused instead of read past
 * its end.
 */
#include <kunit/test.h>
#include <linux/btf.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "btf.h"
#include "tcpstate_kunit.h"

/*
 * Strings: offsets into STRS below. Types: 1 int, 2 int *, 3 the
 * prototype int (int *sk, int *skb, int rst), 4 FUNC "send" of 3, 5 a
 * second prototype int (int *sk, int *skb, int tclass), 6 FUNC "dup"
 * of 3, 7 FUNC "dup" of 5.
 */
#define STRS	"\0int\0sk\0skb\0rst\0send\0tclass\0dup"
enum { S_INT = 1, S_SK = 5, S_SKB = 8, S_RST = 12, S_SEND = 16,
       S_TCLASS = 21, S_DUP = 28 };

struct blob {
	struct btf_header hdr;
	struct btf_type t_int;	u32 int_data;
	struct btf_type t_ptr;
	struct btf_type t_proto; struct btf_param p_args[3];
	struct btf_type t_send;
	struct btf_type t_proto2; struct btf_param p2_args[3];
	struct btf_type t_dup1;
	struct btf_type t_dup2;
	char strs[sizeof(STRS)];
} __packed;

#define INFO(kind, vlen)	(((kind) << 24) | (vlen))

static struct blob *make_blob(struct kunit *test)
{
	struct blob *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->hdr.magic = BTF_MAGIC;
	b->hdr.version = BTF_VERSION;
	b->hdr.hdr_len = sizeof(b->hdr);
	b->hdr.type_off = 0;
	b->hdr.type_len = offsetof(struct blob, strs) - sizeof(b->hdr);
	b->hdr.str_off = b->hdr.type_len;
	b->hdr.str_len = sizeof(STRS);
	b->t_int = (struct btf_type){ .name_off = S_INT,
		.info = INFO(BTF_KIND_INT, 0), .size = 4 };
	b->int_data = 32;
	b->t_ptr = (struct btf_type){ .info = INFO(BTF_KIND_PTR, 0), .type = 1 };
	b->t_proto = (struct btf_type){ .info = INFO(BTF_KIND_FUNC_PROTO, 3),
		.type = 1 };
	b->p_args[0] = (struct btf_param){ .name_off = S_SK, .type = 2 };
	b->p_args[1] = (struct btf_param){ .name_off = S_SKB, .type = 2 };
	b->p_args[2] = (struct btf_param){ .name_off = S_RST, .type = 1 };
	b->t_send = (struct btf_type){ .name_off = S_SEND,
		.info = INFO(BTF_KIND_FUNC, 0), .type = 3 };
	b->t_proto2 = b->t_proto;
	b->p2_args[0] = b->p_args[0];
	b->p2_args[1] = b->p_args[1];
	b->p2_args[2] = (struct btf_param){ .name_off = S_TCLASS, .type = 1 };
	b->t_dup1 = (struct btf_type){ .name_off = S_DUP,
		.info = INFO(BTF_KIND_FUNC, 0), .type = 3 };
	b->t_dup2 = (struct btf_type){ .name_off = S_DUP,
		.info = INFO(BTF_KIND_FUNC, 0), .type = 5 };
	memcpy(b->strs, STRS, sizeof(STRS));
	return b;
}

/*
 * Parse @b, whose memory is the test's: only the index is ours, freed by
 * unparse() (6.1's KUnit has no deferred actions).
 */
static int parse(struct kunit *test, struct tcpstate_btf *btf, void *b,
		 size_t size)
{
	return tcpstate_btf_parse(btf, b, size);
}

static void unparse(struct tcpstate_btf *btf)
{
	kvfree(btf->offs);
	btf->offs = NULL;
}

struct check_case {
	const char *name;
	const char *func;
	const char *args[4];
	unsigned int nr;
	int ret;
	const char *why;	/* expected start of the reason */
};

static const struct check_case check_cases[] = {
	{ "all named", "send", { "sk", "skb", "rst" }, 3, 0, NULL },
	{ "some skipped", "send", { NULL, NULL, "rst" }, 3, 0, NULL },
	{ "first only", "send", { "sk" }, 1, 0, NULL },
	{ "rst moved", "send", { "sk", "skb", NULL, "rst" }, 4, -EBADMSG,
	  "send() has 3 arguments here, not the 4 we read" },
	{ "other name", "send", { "sk", "skb", "tclass" }, 3, -EBADMSG,
	  "send() argument 2 is 'rst' here, not 'tclass'" },
	{ "swapped", "send", { "skb", "sk" }, 2, -EBADMSG,
	  "send() argument 0 is 'sk' here, not 'skb'" },
	{ "absent", "tcp_v6_send_response", { "sk" }, 1, -ENOENT,
	  "tcp_v6_send_response() is not in the kernel's BTF" },
	{ "not a function", "int", { "sk" }, 1, -ENOENT, NULL },
	{ "prefix is not a match", "sen", { "sk" }, 1, -ENOENT, NULL },
	/* Two static functions of one name: both must agree. */
	{ "duplicates agree", "dup", { "sk", "skb" }, 2, 0, NULL },
	{ "duplicates differ", "dup", { "sk", "skb", "rst" }, 3, -EBADMSG,
	  "dup() argument 2 is 'tclass' here, not 'rst'" },
};

static void check_case_desc(const struct check_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(check, check_cases, check_case_desc);

static void btf_check_args_table(struct kunit *test)
{
	const struct check_case *c = test->param_value;
	struct blob *b = make_blob(test);
	struct tcpstate_btf btf;
	char why[160] = "";

	KUNIT_ASSERT_EQ(test, parse(test, &btf, b, sizeof(*b)), 0);
	KUNIT_EXPECT_EQ(test, btf.nr_types, 7U);
	KUNIT_EXPECT_EQ(test, tcpstate_btf_check_args(&btf, c->func, c->args,
						      c->nr, why, sizeof(why)),
			c->ret);
	if (c->why)
		KUNIT_EXPECT_STREQ(test, why, c->why);
	unparse(&btf);
}

/* Each malformation, applied to a good blob, must make parsing fail. */
static void btf_parse_rejects(struct kunit *test)
{
	struct tcpstate_btf btf;
	struct blob *b;

	b = make_blob(test);
	b->hdr.magic = 0x9feb;			/* the other byte order */
	KUNIT_EXPECT_EQ(test, parse(test, &btf, b, sizeof(*b)), -EINVAL);

	b = make_blob(test);
	b->hdr.version = 2;
	KUNIT_EXPECT_EQ(test, parse(test, &btf, b, sizeof(*b)), -EINVAL);

	b = make_blob(test);			/* shorter than its header */
	KUNIT_EXPECT_EQ(test, parse(test, &btf, b, 8), -EINVAL);

	b = make_blob(test);			/* strings past the end */
	KUNIT_EXPECT_EQ(test, parse(test, &btf, b, sizeof(*b) - 1), -EINVAL);

	b = make_blob(test);			/* a type's data cut short */
	b->hdr.type_len -= 4;
	b->hdr.str_off -= 4;
	KUNIT_EXPECT_EQ(test, parse(test, &btf, b, sizeof(*b)), -EINVAL);

	b = make_blob(test);			/* vlen past the section */
	b->t_proto.info = INFO(BTF_KIND_FUNC_PROTO, 0xffff);
	KUNIT_EXPECT_EQ(test, parse(test, &btf, b, sizeof(*b)), -EINVAL);

	b = make_blob(test);			/* a kind we do not know */
	b->t_ptr.info = INFO(31, 0);
	KUNIT_EXPECT_EQ(test, parse(test, &btf, b, sizeof(*b)), -EINVAL);

	b = make_blob(test);			/* misaligned types */
	b->hdr.type_off = 2;
	KUNIT_EXPECT_EQ(test, parse(test, &btf, b, sizeof(*b)), -EINVAL);
}

/* References out of range are reported, never followed. */
static void btf_bad_references(struct kunit *test)
{
	const char *const args[] = { "sk" };
	struct tcpstate_btf btf;
	char why[160] = "";
	struct blob *b;

	b = make_blob(test);
	b->t_send.type = 99;			/* no such type */
	KUNIT_ASSERT_EQ(test, parse(test, &btf, b, sizeof(*b)), 0);
	KUNIT_EXPECT_EQ(test, tcpstate_btf_check_args(&btf, "send", args, 1,
						      why, sizeof(why)),
			-EBADMSG);
	KUNIT_EXPECT_STREQ(test, why, "send() has no prototype in the BTF");
	unparse(&btf);

	b = make_blob(test);
	b->p_args[0].name_off = 0x7fff;		/* past the strings */
	KUNIT_ASSERT_EQ(test, parse(test, &btf, b, sizeof(*b)), 0);
	KUNIT_EXPECT_EQ(test, tcpstate_btf_check_args(&btf, "send", args, 1,
						      why, sizeof(why)),
			-EBADMSG);
	KUNIT_EXPECT_STREQ(test, why, "send() argument 0 is '?' here, not 'sk'");
	unparse(&btf);

	b = make_blob(test);			/* a string without its NUL */
	b->hdr.str_len = S_DUP + 2;
	KUNIT_ASSERT_EQ(test, parse(test, &btf, b, sizeof(*b)), 0);
	KUNIT_EXPECT_EQ(test, tcpstate_btf_check_args(&btf, "dup", args, 1,
						      why, sizeof(why)),
			-ENOENT);
	unparse(&btf);
}

static struct kunit_case btf_cases[] = {
	KUNIT_CASE_PARAM(btf_check_args_table, check_gen_params),
	KUNIT_CASE(btf_parse_rejects),
	KUNIT_CASE(btf_bad_references),
	{}
};

struct kunit_suite tcpstate_btf_suite = {
	.name = "tcpstate_btf",
	.test_cases = btf_cases,
};
