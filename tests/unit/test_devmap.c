// SPDX-License-Identifier: GPL-2.0
/*
 * The mapped buffer's reader (devmap.h) without the module: maps laid out
 * in memory as uapi/tcpstate.h lays out a session's rings, and the merge
 * checked against the obvious one (record by record, the ring whose next
 * record has the lowest (ts_ns, index)): one case worked out by hand, to
 * the boundaries of each run, then many random ones with producers adding
 * records between the reads. Also what devmap_consume() stores in each
 * ring's consumer, and the headers devmap_attach() refuses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "devmap.h"
#include "run.h"
#include "util.h"

/* A map as the module makes it: nr_rings rings of nr_records. */
struct fake {
	void *addr;
	size_t len, page, ring_size;
	__u32 nr_rings, nr_records;
};

static struct tcpstate_mmap_page *hdr(const struct fake *f, __u32 ring)
{
	return (struct tcpstate_mmap_page *)((char *)f->addr + ring * f->ring_size);
}

static struct tcpstate_rec *slot(const struct fake *f, __u32 ring, __u64 pos)
{
	struct tcpstate_rec *slots = (void *)((char *)hdr(f, ring) + f->page);

	return &slots[pos & (f->nr_records - 1)];
}

static void fake_map(struct fake *f, __u32 nr_rings, __u32 nr_records)
{
	size_t data;
	__u32 i;

	f->page = (size_t)sysconf(_SC_PAGESIZE);
	data = (nr_records * sizeof(struct tcpstate_rec) + f->page - 1) / f->page * f->page;
	f->ring_size = f->page + data;
	f->len = nr_rings * f->ring_size;
	f->nr_rings = nr_rings;
	f->nr_records = nr_records;
	f->addr = mmap(NULL, f->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->addr == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	for (i = 0; i < nr_rings; i++) {
		struct tcpstate_mmap_page *h = hdr(f, i);

		h->version = TCPSTATE_ABI_VERSION;
		h->rec_size = sizeof(struct tcpstate_rec);
		h->nr_records = nr_records;
		h->ring = i;
		h->data_offset = f->page;
		h->data_size = data;
		h->nr_rings = nr_rings;
		h->ring_size = f->ring_size;
	}
}

/* Ring @ring empty at position @pos: the kernel's tail, and the reader's. */
static void start_at(struct fake *f, __u32 ring, __u64 pos)
{
	hdr(f, ring)->head = pos;
	hdr(f, ring)->tail = pos;
	hdr(f, ring)->consumer = pos;
}

/* A producer: the next record of @ring, at @ts; it says its ring and position. */
static void produce(struct fake *f, __u32 ring, __u64 ts)
{
	struct tcpstate_mmap_page *h = hdr(f, ring);
	struct tcpstate_rec *r = slot(f, ring, h->head);

	memset(r, 0, sizeof(*r));
	r->version = TCPSTATE_ABI_VERSION;
	r->type = TCPSTATE_REC_STATE;
	r->size = sizeof(*r);
	r->cpu = ring;
	r->cookie = h->head;
	r->ts_ns = ts;
	h->head++;
}

/* Unmapped: what devmap_attach() does with a map it refuses. */
static bool unmapped(const struct fake *f)
{
	return msync(f->addr, f->page, MS_ASYNC) < 0 && errno == ENOMEM;
}

/*
 * Everything in the map, peeked and consumed max at a time: *runs_out
 * "ring:ts,ts ring:ts" a run each, *merged_out "ring:ts ring:ts" a record
 * each (both malloc'ed); false if a ring's consumer was wrong after a
 * consume().
 */
static bool drain(struct devmap *m, size_t max, char **runs_out, char **merged_out)
{
	const struct tcpstate_rec *recs;
	struct capture runs, merged;
	FILE *r = capture_begin(&runs), *f = capture_begin(&merged);
	bool consumers_ok = true;
	size_t n, k;

	while ((n = devmap_peek(m, &recs, max)) > 0) {
		__u32 ring = recs[0].cpu;

		fprintf(r, "%s%u:", ftell(r) ? " " : "", ring);
		for (k = 0; k < n; k++) {
			fprintf(r, "%s%llu", k ? "," : "", (unsigned long long)recs[k].ts_ns);
			fprintf(f, "%s%u:%llu", ftell(f) ? " " : "", recs[k].cpu,
				(unsigned long long)recs[k].ts_ns);
		}
		devmap_consume(m, n);
		if (m->rings[ring].page->consumer != recs[n - 1].cookie + 1)
			consumers_ok = false;
	}
	*runs_out = capture_end(&runs);
	*merged_out = capture_end(&merged);
	return consumers_ok;
}

/*
 * Four rings of 16: ring 0 wraps after four records, ring 1 is empty,
 * ring 2's positions wrap round 2^64 (and its slots after three), ring 3
 * starts at 0 and ends with an earlier record after a later one. Times
 * are equal within rings and across them.
 */
static void hand_map(struct fake *f)
{
	static const __u64 ts0[] = { 10, 20, 20, 30, 45, 50, 58 };
	static const __u64 ts2[] = { 5, 10, 20, 25, 25, 40 };
	static const __u64 ts3[] = { 20, 30, 30, 60, 55 };
	size_t i;

	fake_map(f, 4, 16);
	start_at(f, 0, 12);
	start_at(f, 1, 7);
	start_at(f, 2, UINT64_MAX - 2);
	start_at(f, 3, 0);
	for (i = 0; i < ARRAY_SIZE(ts0); i++)
		produce(f, 0, ts0[i]);
	for (i = 0; i < ARRAY_SIZE(ts2); i++)
		produce(f, 2, ts2[i]);
	for (i = 0; i < ARRAY_SIZE(ts3); i++)
		produce(f, 3, ts3[i]);
}

#define HAND_RUNS \
	"2:5 0:10 2:10 0:20,20 2:20 3:20 2:25,25 0:30 3:30,30 2:40 0:45,50,58 3:60,55"
#define HAND_MERGED \
	"2:5 0:10 2:10 0:20 0:20 2:20 3:20 2:25 2:25 0:30 3:30 3:30 2:40 0:45 0:50 0:58 3:60 3:55"

static void test_hand(void)
{
	const struct tcpstate_rec *recs;
	char *runs, *merged;
	struct devmap m;
	struct fake f;
	size_t max;

	hand_map(&f);
	CHECK_INT(0, devmap_attach(&m, f.addr, f.len, 4, 16, -1));
	CHECK(m.page == f.addr);
	CHECK_INT(4, m.nr_rings);
	/* Each run as long as it may be: up to another ring's turn, or a wrap. */
	CHECK(drain(&m, 1000, &runs, &merged));
	CHECK_STR(HAND_RUNS, runs);
	CHECK_STR(HAND_MERGED, merged);
	free(runs);
	free(merged);
	CHECK_INT(12 + 7, hdr(&f, 0)->consumer);
	CHECK_INT(7, hdr(&f, 1)->consumer);
	CHECK_INT(3, hdr(&f, 2)->consumer);
	CHECK_INT(5, hdr(&f, 3)->consumer);
	CHECK_INT(0, devmap_peek(&m, &recs, 1000));

	/* The empty ring fills; an earlier record on another comes first. */
	produce(&f, 1, 95);
	produce(&f, 1, 100);
	produce(&f, 3, 90);
	CHECK_INT(1, devmap_peek(&m, &recs, 1000));
	CHECK_INT(90, recs[0].ts_ns);
	devmap_consume(&m, 1);
	CHECK_INT(6, hdr(&f, 3)->consumer);
	CHECK_INT(2, devmap_peek(&m, &recs, 1000));
	CHECK_INT(95, recs[0].ts_ns);
	/* Part of a run, then more than is left of it: only what it gave. */
	devmap_consume(&m, 1);
	CHECK_INT(8, hdr(&f, 1)->consumer);
	devmap_consume(&m, 5);
	CHECK_INT(9, hdr(&f, 1)->consumer);
	CHECK_INT(0, devmap_peek(&m, &recs, 1000));
	devmap_consume(&m, 1);
	CHECK_INT(9, hdr(&f, 1)->consumer);
	CHECK_INT(6, hdr(&f, 3)->consumer);
	devmap_close(&m);
	CHECK(!m.page);
	CHECK(unmapped(&f));

	/* Shorter peeks cut the runs, never the order. */
	for (max = 1; max <= 3; max++) {
		hand_map(&f);
		CHECK_INT(0, devmap_attach(&m, f.addr, f.len, 4, 16, -1));
		CHECK(drain(&m, max, &runs, &merged));
		CHECK_STR(HAND_MERGED, merged);
		free(runs);
		free(merged);
		devmap_close(&m);
	}
}

/* check_rng()'s state for this suite: the same cases on every run. */
static unsigned long long rng_state = 0x2545f4914f6cdd1dULL;

static unsigned long long rng(void)
{
	return check_rng(&rng_state);
}

#define MAX_RINGS 6

/*
 * The obvious merge: of the rings with records left after mpos, the one
 * whose next record has the lowest (ts_ns, index); NO: none.
 */
#define NO 99U

static __u32 model_next(const struct fake *f, const __u64 *mpos)
{
	__u32 i, best = NO;

	for (i = 0; i < f->nr_rings; i++) {
		if (mpos[i] == hdr(f, i)->head)
			continue;
		if (best == NO || slot(f, i, mpos[i])->ts_ns < slot(f, best, mpos[best])->ts_ns)
			best = i;
	}
	return best;
}

/* A producer's next record: mostly later than the ring's last, often the same time. */
static void produce_random(struct fake *f, __u32 ring, __u64 *last)
{
	static const __u64 step[] = { 0, 0, 1, 1, 2, 3, 5, 8 };
	__u64 ts = last[ring] + step[rng() % 8];

	/* Now and then an interrupt's earlier event after a later one. */
	if (rng() % 16 == 0 && ts >= 4)
		ts -= 4;
	else
		last[ring] = ts;
	produce(f, ring, ts);
}

/* Whether the producer may fill one more slot: the reader gave it back. */
static bool room(const struct fake *f, __u32 ring)
{
	return hdr(f, ring)->head - hdr(f, ring)->consumer < f->nr_records;
}

/*
 * One random case: its maps, starting positions, times and peek sizes
 * from the generator. "" if every peek gave the model's records, as many
 * as it could, and every consume stored the right consumers; else the
 * first thing that was wrong. *taken counts the records taken.
 */
static char *random_case(unsigned int id, unsigned long long *taken)
{
	static const size_t maxes[] = { 1, 2, 3, 5, 16, 1000 };
	__u64 mpos[MAX_RINGS], tmp[MAX_RINGS], last[MAX_RINGS];
	const struct tcpstate_rec *recs;
	__u32 i, nr_rings = 1 + (__u32)(rng() % MAX_RINGS), ring;
	size_t max = maxes[rng() % 6], n, k, c;
	unsigned int more = (unsigned int)(rng() % 40);
	char *why = NULL;
	struct devmap m;
	struct fake f;

	fake_map(&f, nr_rings, 16);
	for (i = 0; i < nr_rings; i++) {
		/* Near 0, near a wrap of the slots, near 2^64. */
		__u64 pos = rng() % 3 == 0 ? rng() : rng() % 3 == 0 ? -(rng() % 20) : rng() % 40;

		start_at(&f, i, pos);
		mpos[i] = pos;
		last[i] = rng() % 8;
		for (k = rng() % 17; k > 0; k--)
			produce_random(&f, i, last);
	}
	if (devmap_attach(&m, f.addr, f.len, nr_rings, 16, -1))
		return str_printf("case %u: attach refused", id);
	for (;;) {
		n = devmap_peek(&m, &recs, max);
		if (!n) {
			if (model_next(&f, mpos) != NO)
				why = str_printf("case %u: nothing, with records left", id);
			break;
		}
		memcpy(tmp, mpos, sizeof(tmp));
		ring = recs[0].cpu;
		/* The model's next records, in place: the ring's slots, no copy. */
		for (k = 0; k < n; k++) {
			i = model_next(&f, tmp);
			if (i != ring || &recs[k] != slot(&f, i, tmp[i]) ||
			    recs[k].cookie != tmp[i])
				break;
			tmp[i]++;
		}
		if (k < n)
			why = str_printf("case %u: run of %zu (ring %u): record %zu is wrong",
					 id, n, ring, k);
		/* As long as it may be: max, the end of the slots, or another ring's turn. */
		if (!why && n < max && tmp[ring] & (f.nr_records - 1) &&
		    model_next(&f, tmp) == ring)
			why = str_printf("case %u: a run of %zu (ring %u) stops short",
					 id, n, ring);
		if (why)
			break;
		/* Now and then only part of the run. */
		c = n > 1 && rng() % 4 == 0 ? n - 1 : n;
		devmap_consume(&m, c);
		mpos[ring] += c;
		*taken += c;
		for (i = 0; i < nr_rings; i++)
			if (hdr(&f, i)->consumer != mpos[i])
				why = str_printf("case %u: ring %u's consumer %llu, not %llu",
						 id, i, (unsigned long long)hdr(&f, i)->consumer,
						 (unsigned long long)mpos[i]);
		if (why)
			break;
		/* The producers go on meanwhile, where the reader gave slots back. */
		while (more && rng() % 2) {
			i = (__u32)(rng() % nr_rings);
			if (room(&f, i))
				produce_random(&f, i, last);
			more--;
		}
	}
	devmap_close(&m);
	return why ? why : strdup("");
}

static void test_random(void)
{
	unsigned long long taken = 0;
	char *why = NULL, *s;
	unsigned int id;

	for (id = 0; id < 2000; id++) {
		s = random_case(id, &taken);
		if (!why && *s)
			why = s;
		else
			free(s);
	}
	CHECK_STR("", why ? why : "");
	/* The cases took enough to mean something. */
	CHECK(taken > 20000);
	free(why);
}

/* What a map that is not this tool's looks like to devmap_attach(). */
static void bad_version(struct fake *f)
{
	hdr(f, 1)->version = TCPSTATE_ABI_VERSION - 1;
}

static void bad_rec_size(struct fake *f)
{
	hdr(f, 2)->rec_size = 64;
}

static void bad_nr_records(struct fake *f)
{
	hdr(f, 1)->nr_records = 32;
}

static void bad_ring(struct fake *f)
{
	hdr(f, 2)->ring = 1;
}

static void bad_nr_rings(struct fake *f)
{
	hdr(f, 0)->nr_rings = 4;
}

static void bad_data_offset(struct fake *f)
{
	hdr(f, 1)->data_offset = 128;
}

static void bad_data_size(struct fake *f)
{
	hdr(f, 2)->data_size = 16 * 128;
	if (hdr(f, 2)->data_size == f->ring_size - f->page)
		hdr(f, 2)->data_size += f->page;
}

static void bad_ring_size(struct fake *f)
{
	hdr(f, 1)->ring_size += f->page;
}

static void test_refused(void)
{
	static const struct {
		const char *what;
		void (*spoil)(struct fake *f);
	} spoilt[] = {
		{ "version", bad_version },
		{ "rec_size", bad_rec_size },
		{ "nr_records", bad_nr_records },
		{ "ring", bad_ring },
		{ "nr_rings", bad_nr_rings },
		{ "data_offset", bad_data_offset },
		{ "data_size", bad_data_size },
		{ "ring_size", bad_ring_size },
	};
	static const struct {
		const char *what;
		__u32 nr_rings, nr_records;
	} args[] = {
		{ "no ring", 0, 16 },
		{ "fewer rings than mapped", 2, 16 },
		{ "more rings than mapped", 4, 16 },
		{ "too many rings", DEVMAP_MAX_RINGS + 1, 16 },
		{ "records not a power of two", 3, 24 },
		{ "no records", 3, 0 },
		{ "more records than a buffer holds", 3, TCPSTATE_BUFFER_MAX * 2 },
	};
	struct devmap m;
	struct fake f;
	int rc, err;
	bool gone;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(spoilt); i++) {
		fake_map(&f, 3, 16);
		spoilt[i].spoil(&f);
		errno = 0;
		rc = devmap_attach(&m, f.addr, f.len, 3, 16, -1);
		err = errno;
		gone = unmapped(&f);
		CHECK_STR(spoilt[i].what, rc == -1 && err == EPROTO && !m.page && gone ?
			  spoilt[i].what : "accepted, or not unmapped");
	}
	for (i = 0; i < ARRAY_SIZE(args); i++) {
		fake_map(&f, 3, 16);
		errno = 0;
		rc = devmap_attach(&m, f.addr, f.len, args[i].nr_rings, args[i].nr_records, -1);
		err = errno;
		gone = unmapped(&f);
		CHECK_STR(args[i].what, rc == -1 && err == EPROTO && !m.page && gone ?
			  args[i].what : "accepted, or not unmapped");
	}
	/* The same map unspoilt is taken. */
	fake_map(&f, 3, 16);
	CHECK_INT(0, devmap_attach(&m, f.addr, f.len, 3, 16, -1));
	devmap_close(&m);
}

void test_devmap(void)
{
	test_hand();
	test_random();
	test_refused();
}
