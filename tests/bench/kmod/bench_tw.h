/* SPDX-License-Identifier: GPL-2.0 */
/* What twbench.c needs of module/twtable.c's insides (twtab.c here). */
#ifndef _TCPSTATE_BENCH_TW_H
#define _TCPSTATE_BENCH_TW_H

#include "twtable.h"

u32 twbench_bucket_of(const struct tcpstate_twtable *t, u64 cookie);
/* The cookie in @way of @bucket, 0 if that way is free. */
u64 twbench_way_cookie(const struct tcpstate_twtable *t, u32 bucket,
		       unsigned int way);
/* The next cookie, from *@seq on, that the table puts in @bucket. */
u64 twbench_cookie_in(const struct tcpstate_twtable *t, u32 bucket, u64 *seq);

#endif
