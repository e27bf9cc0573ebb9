// SPDX-License-Identifier: GPL-2.0
/*
 * The module's TIME_WAIT table, compiled unchanged into twbench.c's
 * module, and what the benchmark needs to know of its insides: which
 * bucket a cookie goes to, to build cookies that all collide.
 */
#include "module/twtable.c"
#include "bench_tw.h"

u32 twbench_bucket_of(const struct tcpstate_twtable *t, u64 cookie)
{
	return bucket_of(t, cookie);
}

u64 twbench_way_cookie(const struct tcpstate_twtable *t, u32 bucket,
		       unsigned int way)
{
	return t->entries[(size_t)bucket * TCPSTATE_TW_WAYS + way].cookie;
}

/* x with a * x == 1 (mod 2^64), a odd: Newton's iteration, 3 -> 96 bits. */
static u64 inverse64(u64 a)
{
	u64 x = a;
	int i;

	for (i = 0; i < 5; i++)
		x *= 2 - a * x;
	return x;
}

/*
 * Where hash_64() is the multiplication by GOLDEN_RATIO_64 (64-bit
 * generic), the cookie that lands in @bucket is computed: the inverse
 * multiplication of a value whose top bucket_bits are @bucket. Any other
 * hash_64() (a 32-bit or arch one) gets a plain search; bucket_of()
 * decides either way, so a cookie returned always collides.
 */
u64 twbench_cookie_in(const struct tcpstate_twtable *t, u32 bucket, u64 *seq)
{
	u64 inv = inverse64(GOLDEN_RATIO_64), j, c;
	unsigned int shift = 64 - t->bucket_bits;

	for (;;) {
		j = (*seq)++;
		if (!t->bucket_bits)
			c = j;
		else
			c = (((u64)bucket << shift) | (j & (BIT_ULL(shift) - 1))) * inv;
		if (c && bucket_of(t, c) == bucket)
			return c;
		if (j && bucket_of(t, j) == bucket)
			return j;
	}
}
