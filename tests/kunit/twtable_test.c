// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_twtable: the TIME_WAIT table (module/twtable.c).
 *
 * What a timewait socket's end record says about its life comes from
 * here: its birth time (duration_ns), its substate at birth, and a hint
 * at why it ended. So the table must never invent an entry (cookie 0,
 * the mark of a free slot, is never a socket's), must give back exactly
 * what was put in, and must stay within its fixed size however many
 * sockets come, reclaiming only entries older than any timewait socket
 * can be. The counters /proc shows must be exact.
 *
 * Cookies that share a bucket are found by trying cookies in turn
 * with the table's own hash (hash_64() of the cookie, bucket_bits
 * wide).
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/tcp_states.h>

#include "twtable.h"
#include "uapi/tcpstate.h"
#include "tcpstate_kunit.h"

#define WAYS		TCPSTATE_TW_WAYS
#define NEVER_STALE	U64_MAX

/* --- helpers ---------------------------------------------------------------- */

struct twt_args {
	u32 capacity;
	u64 stale_ns;
};

static int twt_res_init(struct kunit_resource *res, void *context)
{
	const struct twt_args *args = context;
	struct tcpstate_twtable *t = kzalloc(sizeof(*t), GFP_KERNEL);
	int ret;

	if (!t)
		return -ENOMEM;
	ret = tcpstate_twtable_init(t, args->capacity, args->stale_ns);
	if (ret) {
		kfree(t);
		return ret;
	}
	res->data = t;
	return 0;
}

static void twt_res_free(struct kunit_resource *res)
{
	tcpstate_twtable_destroy(res->data);
	kfree(res->data);
}

/* A table, destroyed when the case ends. */
static struct tcpstate_twtable *twt_new(struct kunit *test, u32 capacity,
					u64 stale_ns)
{
	struct twt_args args = { .capacity = capacity, .stale_ns = stale_ns };
	struct tcpstate_twtable *t;

	t = kunit_alloc_resource(test, twt_res_init, twt_res_free, GFP_KERNEL,
				 &args);
	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

static void expect_counters(struct kunit *test, struct tcpstate_twtable *t,
			    u64 used, u64 untracked, u64 reclaimed, int line)
{
	KUNIT_EXPECT_EQ_MSG(test, (u64)atomic64_read(&t->used), used,
			    "used, line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, (u64)atomic64_read(&t->untracked), untracked,
			    "untracked, line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, (u64)atomic64_read(&t->reclaimed), reclaimed,
			    "reclaimed, line %d", line);
}

/* The counters, exactly; a failure names the caller's line. */
#define EXPECT_COUNTERS(test, t, used, untracked, reclaimed) \
	expect_counters(test, t, used, untracked, reclaimed, __LINE__)

/* The bucket of @cookie, as twtable.c computes it. */
static u32 bucket(const struct tcpstate_twtable *t, u64 cookie)
{
	return t->bucket_bits ? hash_64(cookie, t->bucket_bits) : 0;
}

/* @n nonzero cookies, from @from up, whose bucket is @cookie's. */
static void same_bucket(const struct tcpstate_twtable *t, u64 cookie,
			u64 from, u64 *cookies, unsigned int n)
{
	u32 b = bucket(t, cookie);
	unsigned int i = 0;
	u64 c;

	for (c = from; i < n; c++)
		if (c && bucket(t, c) == b)
			cookies[i++] = c;
}

/* Tracked now: update() finds it (and leaves its substate as it was). */
static bool tracked(struct tcpstate_twtable *t, u64 cookie, u8 *substate)
{
	u8 was = 0xff, then;

	if (!tcpstate_twtable_update(t, cookie, TCP_TIME_WAIT, &was))
		return false;
	tcpstate_twtable_update(t, cookie, was, &then);
	if (substate)
		*substate = was;
	return true;
}

/* --- init ------------------------------------------------------------------- */

struct init_case {
	u32 capacity;
	int ret;
};

static const struct init_case init_cases[] = {
	/* Not a power of two, or less than one bucket. */
	{ 0, -EINVAL },
	{ 1, -EINVAL },
	{ 2, -EINVAL },
	{ 4, -EINVAL },
	{ 7, -EINVAL },
	{ 12, -EINVAL },
	{ 24, -EINVAL },
	{ 1000, -EINVAL },
	{ 1025, -EINVAL },
	{ 0x80000001, -EINVAL },
	{ U32_MAX, -EINVAL },
	/* One bucket (no hash), a few, many. */
	{ 8, 0 },
	{ 16, 0 },
	{ 1024, 0 },
	{ 65536, 0 },
};

static void init_case_desc(const struct init_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "capacity-%u", c->capacity);
}

KUNIT_ARRAY_PARAM(init, init_cases, init_case_desc);

/*
 * init takes a power-of-two capacity of at least one bucket, and makes
 * an empty table of exactly that size that works.
 */
static void twtable_init_takes_only_power_of_two_capacities(struct kunit *test)
{
	const struct init_case *c = test->param_value;
	struct tcpstate_twtable t = {};
	u64 born = 0;
	u8 hint = 0xff;
	int ret;

	ret = tcpstate_twtable_init(&t, c->capacity, 1000);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_NULL(test, t.entries);
		return;
	}
	KUNIT_EXPECT_EQ(test, tcpstate_twtable_capacity(&t), c->capacity);
	EXPECT_COUNTERS(test, &t, 0, 0, 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(t.entries, 0,
					   c->capacity * sizeof(*t.entries)));
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(&t, 42, 500, TCP_TIME_WAIT));
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(&t, 42, &born, &hint));
	KUNIT_EXPECT_EQ(test, born, 500ULL);
	KUNIT_EXPECT_EQ(test, hint, (u8)TCPSTATE_TW_NONE);
	EXPECT_COUNTERS(test, &t, 0, 0, 0);
	tcpstate_twtable_destroy(&t);
}

/* --- one entry -------------------------------------------------------------- */

/*
 * Cookie 0 marks a free slot. The old table matched it against free
 * slots: a socket without a cookie (born before tcpstate loaded) ended
 * with a birth the table made up. Now cookie 0 is never added, updated,
 * hinted or found, whatever the table holds, and never reclaims.
 */
static void twtable_cookie_zero_is_never_tracked(struct kunit *test)
{
	struct tcpstate_twtable *t = twt_new(test, 64, 1000);
	u64 born = 0xdead, c[WAYS];
	u8 hint = 0xee, was = 0xee;
	unsigned int i;

	/* An empty table: all free slots, all cookie 0. */
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_remove(t, 0, &born, &hint));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_update(t, 0, TCP_TIME_WAIT, &was));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_hint(t, 0, TCPSTATE_TW_RESET));
	KUNIT_EXPECT_EQ(test, born, 0xdeadULL);
	KUNIT_EXPECT_EQ(test, hint, (u8)0xee);
	KUNIT_EXPECT_EQ(test, was, (u8)0xee);

	/* Refused and counted untracked; no slot taken. */
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_add(t, 0, 100, TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, 0, 1, 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(t->entries, 0,
					   tcpstate_twtable_capacity(t) * sizeof(*t->entries)));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_remove(t, 0, &born, &hint));

	/* Its bucket holds real entries and a free slot: still nothing. */
	same_bucket(t, 0, 1, c, ARRAY_SIZE(c));
	for (i = 0; i < WAYS - 1; i++)
		KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, c[i], 200 + i,
							     TCP_TIME_WAIT));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_update(t, 0, TCP_CLOSE, &was));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_hint(t, 0, TCPSTATE_TW_RESET));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_remove(t, 0, &born, &hint));
	KUNIT_EXPECT_EQ(test, born, 0xdeadULL);
	KUNIT_EXPECT_EQ(test, was, (u8)0xee);

	/* Full, and every entry stale: a 0 still takes no one's place. */
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, c[WAYS - 1], 300, TCP_TIME_WAIT));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_add(t, 0, 1000000, TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, WAYS, 2, 0);
	for (i = 0; i < WAYS; i++)
		KUNIT_EXPECT_TRUE(test, tracked(t, c[i], NULL));
}

/*
 * What add(), update() and hint() put in, remove() gives back: the
 * birth time, the hint; update() the substate as last recorded. After
 * remove() the socket is not found; it may be born again.
 */
static void twtable_round_trip_returns_birth_substate_and_hint(struct kunit *test)
{
	struct tcpstate_twtable *t = twt_new(test, 64, 1000);
	const u64 c = 0x1234567890abcdefULL, other = 77;
	u64 born = 0;
	u8 hint = 0xff, was = 0xff;

	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, c, 5000, TCP_FIN_WAIT2));
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, other, 5001, TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, 2, 0, 0);

	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_update(t, c, TCP_TIME_WAIT, &was));
	KUNIT_EXPECT_EQ(test, was, (u8)TCP_FIN_WAIT2);
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_update(t, c, TCP_TIME_WAIT, &was));
	KUNIT_EXPECT_EQ(test, was, (u8)TCP_TIME_WAIT);
	/* The last hint counts. */
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_hint(t, c, TCPSTATE_TW_RESET));
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_hint(t, c, TCPSTATE_TW_REUSED_SYN));

	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(t, c, &born, &hint));
	KUNIT_EXPECT_EQ(test, born, 5000ULL);
	KUNIT_EXPECT_EQ(test, hint, (u8)TCPSTATE_TW_REUSED_SYN);
	EXPECT_COUNTERS(test, t, 1, 0, 0);

	/* Gone, and its outputs left alone. */
	born = 1;
	hint = 0xff;
	was = 0xff;
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_remove(t, c, &born, &hint));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_update(t, c, TCP_CLOSE, &was));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_hint(t, c, TCPSTATE_TW_RESET));
	KUNIT_EXPECT_EQ(test, born, 1ULL);
	KUNIT_EXPECT_EQ(test, hint, (u8)0xff);
	KUNIT_EXPECT_EQ(test, was, (u8)0xff);

	/* The other entry did not change. */
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_update(t, other, TCP_TIME_WAIT, &was));
	KUNIT_EXPECT_EQ(test, was, (u8)TCP_TIME_WAIT);

	/*
	 * Born again, and again while still tracked (an end we missed):
	 * the same entry, the new birth, substate and no hint.
	 */
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, c, 6000, TCP_TIME_WAIT));
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_hint(t, c, TCPSTATE_TW_RESET));
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, c, 7000, TCP_FIN_WAIT2));
	EXPECT_COUNTERS(test, t, 2, 0, 0);
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_update(t, c, TCP_TIME_WAIT, &was));
	KUNIT_EXPECT_EQ(test, was, (u8)TCP_FIN_WAIT2);
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(t, c, &born, &hint));
	KUNIT_EXPECT_EQ(test, born, 7000ULL);
	KUNIT_EXPECT_EQ(test, hint, (u8)TCPSTATE_TW_NONE);

	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(t, other, &born, &hint));
	KUNIT_EXPECT_EQ(test, born, 5001ULL);
	EXPECT_COUNTERS(test, t, 0, 0, 0);
}

/* --- one full bucket -------------------------------------------------------- */

#define FULL_STALE_NS	1000
/* Birth times of a full bucket's entries: the oldest is not the first. */
static const u64 full_born[WAYS] = { 500, 300, 100, 800, 200, 700, 400, 600 };
#define FULL_OLDEST	2

struct full_case {
	const char *name;
	u64 now;
	bool stored;	/* in the oldest's place */
};

static const struct full_case full_cases[] = {
	{ "all-fresh", 900, false },
	/* now - born == stale_ns: not older than stale_ns yet. */
	{ "oldest-exactly-stale_ns-old", 100 + FULL_STALE_NS, false },
	{ "oldest-stale", 101 + FULL_STALE_NS, true },
	{ "all-stale", 1000000, true },
};

static void full_case_desc(const struct full_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(full, full_cases, full_case_desc);

/*
 * A ninth socket for a full bucket: untracked while the bucket's
 * entries are fresh; once the oldest is older than stale_ns, it takes
 * that one's place (reclaimed; used unchanged), and only that one's.
 * Other buckets are not affected.
 */
static void twtable_full_bucket_refuses_fresh_and_reclaims_stale(struct kunit *test)
{
	const struct full_case *p = test->param_value;
	struct tcpstate_twtable *t = twt_new(test, 1024, FULL_STALE_NS);
	u64 c[WAYS + 1], elsewhere, born = 0;
	unsigned int i;
	bool stored;
	u8 hint = 0xff;

	same_bucket(t, 1, 1, c, ARRAY_SIZE(c));
	for (elsewhere = 2; bucket(t, elsewhere) == bucket(t, c[0]); elsewhere++)
		;
	for (i = 0; i < WAYS; i++)
		KUNIT_ASSERT_TRUE(test, tcpstate_twtable_add(t, c[i], full_born[i],
							     TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, WAYS, 0, 0);

	stored = tcpstate_twtable_add(t, c[WAYS], p->now, TCP_FIN_WAIT2);
	KUNIT_EXPECT_EQ(test, stored, p->stored);
	EXPECT_COUNTERS(test, t, WAYS, !p->stored, p->stored);
	for (i = 0; i < WAYS; i++) {
		bool kept = !(p->stored && i == FULL_OLDEST);

		KUNIT_EXPECT_EQ_MSG(test, tracked(t, c[i], NULL), kept,
				    "entry %u, born %llu", i, full_born[i]);
	}
	KUNIT_EXPECT_EQ(test, tracked(t, c[WAYS], NULL), p->stored);
	if (p->stored) {
		KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(t, c[WAYS], &born, &hint));
		KUNIT_EXPECT_EQ(test, born, p->now);
		KUNIT_EXPECT_EQ(test, hint, (u8)TCPSTATE_TW_NONE);
	}

	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, elsewhere, p->now, TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, WAYS + 1 - p->stored, !p->stored, p->stored);
}

/*
 * remove() frees its entry: used goes down, the bucket takes a new
 * socket, and the removed one can come back once there is room again.
 */
static void twtable_remove_frees_the_entry_for_reuse(struct kunit *test)
{
	struct tcpstate_twtable *t = twt_new(test, 1024, 1000);
	u64 c[WAYS + 1], born = 0;
	unsigned int i;
	u8 hint = 0xff;

	same_bucket(t, 12345, 1, c, ARRAY_SIZE(c));
	for (i = 0; i < WAYS; i++)
		KUNIT_ASSERT_TRUE(test, tcpstate_twtable_add(t, c[i], 100 + i,
							     TCP_TIME_WAIT));
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_add(t, c[WAYS], 200, TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, WAYS, 1, 0);

	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(t, c[3], &born, &hint));
	KUNIT_EXPECT_EQ(test, born, 103ULL);
	EXPECT_COUNTERS(test, t, WAYS - 1, 1, 0);
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, c[WAYS], 300, TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, WAYS, 1, 0);
	/* Full again, all fresh: the removed one does not fit now. */
	KUNIT_EXPECT_FALSE(test, tcpstate_twtable_add(t, c[3], 400, TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, WAYS, 2, 0);

	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(t, c[WAYS], &born, &hint));
	KUNIT_EXPECT_EQ(test, born, 300ULL);
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, c[3], 500, TCP_FIN_WAIT2));
	KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(t, c[3], &born, &hint));
	KUNIT_EXPECT_EQ(test, born, 500ULL);

	/* Emptied, the bucket takes eight new ones again. */
	for (i = 0; i < WAYS; i++)
		if (i != 3)
			KUNIT_EXPECT_TRUE(test, tcpstate_twtable_remove(t, c[i], &born, &hint));
	EXPECT_COUNTERS(test, t, 0, 2, 0);
	for (i = 1; i <= WAYS; i++)
		KUNIT_EXPECT_TRUE(test, tcpstate_twtable_add(t, c[i], 600 + i,
							     TCP_TIME_WAIT));
	EXPECT_COUNTERS(test, t, WAYS, 2, 0);
}

/* --- many sockets ----------------------------------------------------------- */

#define FILL_CAPACITY	1024U
#define FILL_SOCKETS	(8 * FILL_CAPACITY)

/*
 * 8192 sockets, never stale, into 1024 entries (128 buckets of 8): the
 * table never holds more than its capacity, every socket it took is
 * found again with its birth and substate, every other one is not, and
 * used + untracked add up. (The cookies are random but seeded: with 64
 * sockets per bucket on average, every bucket fills.)
 */
static void twtable_fill_stays_within_capacity_and_finds_every_entry(struct kunit *test)
{
	struct tcpstate_twtable *t = twt_new(test, FILL_CAPACITY, NEVER_STALE);
	unsigned long *in;
	unsigned int i, n = 0, over = 0, lost = 0, ghosts = 0, wrong = 0;
	struct rnd_state rnd;
	u64 *c, born;
	u8 sub, hint;

	c = kunit_kcalloc(test, FILL_SOCKETS, sizeof(*c), GFP_KERNEL);
	in = kunit_kcalloc(test, BITS_TO_LONGS(FILL_SOCKETS), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, in);
	prandom_seed_state(&rnd, 0x7463707374617465ULL);

	for (i = 0; i < FILL_SOCKETS; i++) {
		/* Random, but distinct and nonzero: the low half is i + 1. */
		c[i] = (u64)prandom_u32_state(&rnd) << 32 | (i + 1);
		if (tcpstate_twtable_add(t, c[i], 1000 + i,
					 i & 1 ? TCP_FIN_WAIT2 : TCP_TIME_WAIT)) {
			__set_bit(i, in);
			n++;
		}
		if (atomic64_read(&t->used) != n || n > FILL_CAPACITY)
			over++;
	}
	KUNIT_EXPECT_EQ(test, over, 0U);
	KUNIT_EXPECT_EQ(test, n, FILL_CAPACITY);
	EXPECT_COUNTERS(test, t, n, FILL_SOCKETS - n, 0);

	for (i = 0; i < FILL_SOCKETS; i++) {
		bool found = tracked(t, c[i], &sub);

		if (!test_bit(i, in)) {
			ghosts += found;
			continue;
		}
		if (!found) {
			lost++;
			continue;
		}
		if (sub != (i & 1 ? TCP_FIN_WAIT2 : TCP_TIME_WAIT) ||
		    !tcpstate_twtable_remove(t, c[i], &born, &hint) ||
		    born != 1000 + i || hint != TCPSTATE_TW_NONE)
			wrong++;
	}
	KUNIT_EXPECT_EQ(test, lost, 0U);
	KUNIT_EXPECT_EQ(test, ghosts, 0U);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	EXPECT_COUNTERS(test, t, 0, FILL_SOCKETS - n, 0);
}

/*
 * A model of the table as twtable.h describes it: per bucket, up to
 * WAYS sockets; a new one takes a free way, else the oldest's if that
 * one is older than stale_ns, else is untracked.
 */
struct model_entry {
	u64 cookie, born;
	u8 substate, hint;
};

struct model {
	struct model_entry *e;
	u64 used, untracked, reclaimed;
};

static struct model_entry *model_find(struct model *m,
				      const struct tcpstate_twtable *t, u64 c)
{
	struct model_entry *b = &m->e[bucket(t, c) * WAYS];
	unsigned int i;

	for (i = 0; c && i < WAYS; i++)
		if (b[i].cookie == c)
			return &b[i];
	return NULL;
}

static bool model_add(struct model *m, const struct tcpstate_twtable *t,
		      u64 c, u64 now, u8 substate)
{
	struct model_entry *b = &m->e[bucket(t, c) * WAYS], *e, *oldest = NULL;
	unsigned int i;

	e = model_find(m, t, c);
	for (i = 0; c && !e && i < WAYS; i++) {
		if (!b[i].cookie) {
			e = &b[i];
			m->used++;
		} else if (!oldest || b[i].born < oldest->born) {
			oldest = &b[i];
		}
	}
	if (c && !e && now - oldest->born > t->stale_ns) {
		e = oldest;
		m->reclaimed++;
	}
	if (!e) {
		m->untracked++;
		return false;
	}
	*e = (struct model_entry){ .cookie = c, .born = now, .substate = substate };
	return true;
}

/* One operation on table and model, what each returned and gave back. */
struct model_op {
	unsigned int kind;		/* 0-3 add, 4 update, 5 hint, 6-7 remove */
	u64 cookie, now;
	bool got, want;
	u8 was, mwas;			/* update */
	u64 born, mborn;		/* remove */
	u8 hint, mhint;			/* remove */
};

static void model_step(struct model *m, struct tcpstate_twtable *t,
		       struct model_op *op, unsigned int kind, u64 c, u64 now,
		       u8 sub, u8 hint)
{
	struct model_entry *e = model_find(m, t, c);

	*op = (struct model_op){ .kind = kind, .cookie = c, .now = now,
				 .was = 0xff, .mwas = 0xff,
				 .hint = 0xff, .mhint = 0xff };
	switch (kind) {
	case 0 ... 3:
		op->got = tcpstate_twtable_add(t, c, now, sub);
		op->want = model_add(m, t, c, now, sub);
		break;
	case 4:
		op->got = tcpstate_twtable_update(t, c, sub, &op->was);
		op->want = e;
		if (e) {
			op->mwas = e->substate;
			e->substate = sub;
		}
		break;
	case 5:
		op->got = tcpstate_twtable_hint(t, c, hint);
		op->want = e;
		if (e)
			e->hint = hint;
		break;
	default:
		op->got = tcpstate_twtable_remove(t, c, &op->born, &op->hint);
		op->want = e;
		if (e) {
			op->mborn = e->born;
			op->mhint = e->hint;
			e->cookie = 0;
			m->used--;
		}
		break;
	}
}

#define MODEL_CAPACITY	256U
#define MODEL_POOL	1024U
#define MODEL_OPS	30000U
#define MODEL_STALE_NS	4000U

/*
 * 30000 random operations (add, update, hint, remove) on a pool of
 * 1024 cookies, cookie 0 among them, into 256 entries, time moving on
 * so that entries go stale: every result and output, and the counters
 * at the end, are the model's.
 */
static void twtable_random_operations_match_the_model(struct kunit *test)
{
	struct tcpstate_twtable *t = twt_new(test, MODEL_CAPACITY, MODEL_STALE_NS);
	struct model_op op, first = {};
	unsigned int i, mismatches = 0, over = 0;
	struct model m = {};
	struct rnd_state rnd;
	u64 *pool, now = 0;

	pool = kunit_kcalloc(test, MODEL_POOL, sizeof(*pool), GFP_KERNEL);
	m.e = kunit_kcalloc(test, MODEL_CAPACITY, sizeof(*m.e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_NOT_NULL(test, m.e);
	prandom_seed_state(&rnd, 0x74777461626c65ULL);
	for (i = 1; i < MODEL_POOL; i++)
		pool[i] = (u64)prandom_u32_state(&rnd) << 32 | i;

	for (i = 0; i < MODEL_OPS; i++) {
		u32 r = prandom_u32_state(&rnd);

		now += 1 + (r >> 4) % 4;
		model_step(&m, t, &op, r & 7, pool[(r >> 8) % MODEL_POOL], now,
			   r & 0x10 ? TCP_TIME_WAIT : TCP_FIN_WAIT2,
			   1 + (r >> 24) % 6);
		if (op.got != op.want || op.was != op.mwas ||
		    op.born != op.mborn || op.hint != op.mhint) {
			if (!mismatches)
				first = op;
			mismatches++;
		}
		if (atomic64_read(&t->used) > MODEL_CAPACITY)
			over++;
	}
	KUNIT_EXPECT_EQ_MSG(test, mismatches, 0U,
			    "first: op %u on %llx at %llu: %d, want %d",
			    first.kind, first.cookie, first.now, first.got, first.want);
	KUNIT_EXPECT_EQ_MSG(test, mismatches, 0U,
			    "first: was %u/%u, born %llu/%llu, hint %u/%u",
			    first.was, first.mwas, first.born, first.mborn,
			    first.hint, first.mhint);
	KUNIT_EXPECT_EQ(test, over, 0U);
	EXPECT_COUNTERS(test, t, m.used, m.untracked, m.reclaimed);
	/* Every path was taken. */
	KUNIT_EXPECT_GT(test, m.untracked, 0ULL);
	KUNIT_EXPECT_GT(test, m.reclaimed, 0ULL);
	kunit_info(test, "%u ops: used %llu, untracked %llu, reclaimed %llu\n",
		   MODEL_OPS, m.used, m.untracked, m.reclaimed);
}

/* --- concurrency ------------------------------------------------------------ */

#define CONC_ROUNDS	200U
#define CONC_BATCH	16U

struct conc_user {
	struct tcpstate_twtable *t;
	u64 id;
	u64 untracked;
	u64 errors;
	u32 round;
};

/*
 * One round: CONC_BATCH sockets of this user born, turned TIME_WAIT,
 * hinted, ended. Each must come back as put in.
 */
static void conc_round(struct conc_user *u)
{
	bool in[CONC_BATCH];
	unsigned int i;
	u64 c, born;
	u8 was, hint;

	for (i = 0; i < CONC_BATCH; i++) {
		c = u->id << 40 | (u64)u->round << 8 | i;
		in[i] = tcpstate_twtable_add(u->t, c, c, TCP_FIN_WAIT2);
		u->untracked += !in[i];
	}
	for (i = 0; i < CONC_BATCH; i++) {
		c = u->id << 40 | (u64)u->round << 8 | i;
		if (!in[i])
			continue;
		was = 0;
		hint = 0;
		if (!tcpstate_twtable_update(u->t, c, TCP_TIME_WAIT, &was) ||
		    was != TCP_FIN_WAIT2 ||
		    !tcpstate_twtable_hint(u->t, c, TCPSTATE_TW_RESET) ||
		    !tcpstate_twtable_remove(u->t, c, &born, &hint) ||
		    born != c || hint != TCPSTATE_TW_RESET)
			u->errors++;
	}
	u->round++;
}

struct conc_thread {
	struct conc_user u;
	struct task_struct *task;
	struct completion done;
};

static int conc_thread_fn(void *data)
{
	struct conc_thread *ct = data;

	while (ct->u.round < CONC_ROUNDS) {
		conc_round(&ct->u);
		cond_resched();
	}
	complete(&ct->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

struct conc_irq {
	struct conc_user u;
	struct hrtimer timer;
	bool stop;
	bool wrong_context;
};

static enum hrtimer_restart conc_irq_fn(struct hrtimer *timer)
{
	struct conc_irq *ci = container_of(timer, struct conc_irq, timer);

	if (!in_hardirq())
		ci->wrong_context = true;
	conc_round(&ci->u);
	if (READ_ONCE(ci->stop) || ci->u.round >= CONC_ROUNDS)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(NSEC_PER_MSEC));
	return HRTIMER_RESTART;
}

/*
 * Probes use the table from every CPU and from hardirq: a thread on
 * each CPU and a hardirq timer run rounds of add, update, hint and
 * remove on sockets of their own. Every socket comes back as it was
 * put in, and the counters add up (lockdep watches the bucket locks).
 */
static void twtable_concurrent_users_keep_entries_and_counters(struct kunit *test)
{
	struct tcpstate_twtable *t = twt_new(test, 4096, NEVER_STALE);
	unsigned int nr = num_online_cpus(), i = 0, cpu;
	u64 untracked = 0, errors = 0;
	struct conc_thread *ct;
	struct conc_irq *ci;

	ct = kunit_kcalloc(test, nr, sizeof(*ct), GFP_KERNEL);
	ci = kunit_kzalloc(test, sizeof(*ci), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, ci);

	for_each_online_cpu(cpu) {
		if (i == nr)
			break;
		ct[i].u.t = t;
		ct[i].u.id = i + 1;
		init_completion(&ct[i].done);
		ct[i].task = kthread_create_on_cpu(conc_thread_fn, &ct[i], cpu,
						   "tcpstate_tw/%u");
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ct[i].task);
		i++;
	}
	nr = i;
	ci->u.t = t;
	ci->u.id = nr + 1;
	hrtimer_init(&ci->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	ci->timer.function = conc_irq_fn;

	hrtimer_start(&ci->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
	for (i = 0; i < nr; i++)
		wake_up_process(ct[i].task);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&ct[i].done, 60 * HZ), 0UL);
		kthread_stop(ct[i].task);
		untracked += ct[i].u.untracked;
		errors += ct[i].u.errors;
	}
	WRITE_ONCE(ci->stop, true);
	hrtimer_cancel(&ci->timer);

	KUNIT_EXPECT_FALSE(test, ci->wrong_context);
	KUNIT_EXPECT_GT(test, ci->u.round, 0U);
	untracked += ci->u.untracked;
	errors += ci->u.errors;
	KUNIT_EXPECT_EQ(test, errors, 0ULL);
	EXPECT_COUNTERS(test, t, 0, untracked, 0);
	kunit_info(test, "%u threads x %u rounds, hardirq %u rounds, %u sockets each; untracked %llu\n",
		   nr, CONC_ROUNDS, ci->u.round, CONC_BATCH, untracked);
}

static struct kunit_case twtable_cases[] = {
	KUNIT_CASE_PARAM(twtable_init_takes_only_power_of_two_capacities, init_gen_params),
	KUNIT_CASE(twtable_cookie_zero_is_never_tracked),
	KUNIT_CASE(twtable_round_trip_returns_birth_substate_and_hint),
	KUNIT_CASE_PARAM(twtable_full_bucket_refuses_fresh_and_reclaims_stale, full_gen_params),
	KUNIT_CASE(twtable_remove_frees_the_entry_for_reuse),
	KUNIT_CASE(twtable_fill_stays_within_capacity_and_finds_every_entry),
	KUNIT_CASE(twtable_random_operations_match_the_model),
	KUNIT_CASE(twtable_concurrent_users_keep_entries_and_counters),
	{}
};

struct kunit_suite tcpstate_twtable_suite = {
	.name = "tcpstate_twtable",
	.test_cases = twtable_cases,
};
