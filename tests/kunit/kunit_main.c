// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate_kunit.ko: runs the tcpstate_* KUnit suites when loaded.
 *
 *   insmod tcpstate_kunit.ko                       every suite
 *   insmod tcpstate_kunit.ko filter_glob=tcpstate_ring
 *   insmod tcpstate_kunit.ko filter_glob='tcpstate_ring.ring_write_*'
 *
 * filter_glob is SUITE_GLOB[.CASE_GLOB], as kunit.filter_glob is for
 * built-in tests. 6.1 has no filter for suites in modules (it runs a
 * module's .kunit_test_suites before its parameters are even parsed), so
 * this module runs its suites from its init function instead, through
 * the same __kunit_test_suites_init() KUnit would call. The results go
 * to the kernel log as KTAP, and to /sys/kernel/debug/kunit/<suite>/
 * until the module is removed.
 */
#include <linux/glob.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tcpstate_kunit.h"

static char *filter_glob;
module_param(filter_glob, charp, 0444);
MODULE_PARM_DESC(filter_glob, "run only SUITE_GLOB[.CASE_GLOB] (default: everything)");

static struct kunit_suite * const all_suites[] = {
	&tcpstate_params_suite,
	&tcpstate_stats_suite,
	&tcpstate_filter_suite,
	&tcpstate_ring_suite,
	&tcpstate_record_suite,
	&tcpstate_mark_suite,
	&tcpstate_twtable_suite,
	&tcpstate_hooks_suite,
	&tcpstate_btf_suite,
	&tcpstate_session_suite,
};

static struct kunit_suite *suites[ARRAY_SIZE(all_suites)];
static int nr_suites;
/* suites[i] is a filtered copy (kfree'd at exit) when copied[i]. */
static bool copied[ARRAY_SIZE(all_suites)];

static size_t nr_cases(const struct kunit_case *c)
{
	size_t n = 0;

	while (c[n].run_case)
		n++;
	return n;
}

/*
 * The suite as it should run under @case_glob: itself, a copy with only
 * the matching cases, or NULL if none match.
 */
static struct kunit_suite *filter_cases(struct kunit_suite *suite,
					const char *case_glob, bool *copy)
{
	struct kunit_suite *s;
	struct kunit_case *cases;
	size_t i, n = 0;

	*copy = false;
	if (!case_glob)
		return suite;

	cases = kcalloc(nr_cases(suite->test_cases) + 1, sizeof(*cases),
			GFP_KERNEL);
	if (!cases)
		return ERR_PTR(-ENOMEM);
	for (i = 0; suite->test_cases[i].run_case; i++)
		if (glob_match(case_glob, suite->test_cases[i].name))
			cases[n++] = suite->test_cases[i];
	if (!n) {
		kfree(cases);
		return NULL;
	}
	s = kmemdup(suite, sizeof(*suite), GFP_KERNEL);
	if (!s) {
		kfree(cases);
		return ERR_PTR(-ENOMEM);
	}
	s->test_cases = cases;
	*copy = true;
	return s;
}

static void free_suites(void)
{
	int i;

	for (i = 0; i < nr_suites; i++) {
		if (copied[i]) {
			kfree(suites[i]->test_cases);
			kfree(suites[i]);
		}
	}
	nr_suites = 0;
}

static int select_suites(void)
{
	char *suite_glob = NULL, *case_glob = NULL, *dot;
	struct kunit_suite *s;
	unsigned int i;

	if (filter_glob && *filter_glob) {
		suite_glob = kstrdup(filter_glob, GFP_KERNEL);
		if (!suite_glob)
			return -ENOMEM;
		dot = strchr(suite_glob, '.');
		if (dot) {
			*dot = '\0';
			case_glob = dot + 1;
		}
	}

	for (i = 0; i < ARRAY_SIZE(all_suites); i++) {
		if (suite_glob && !glob_match(suite_glob, all_suites[i]->name))
			continue;
		s = filter_cases(all_suites[i], case_glob, &copied[nr_suites]);
		if (IS_ERR(s)) {
			free_suites();
			kfree(suite_glob);
			return PTR_ERR(s);
		}
		if (s)
			suites[nr_suites++] = s;
	}
	kfree(suite_glob);
	return 0;
}

static int __init tcpstate_kunit_init(void)
{
	int ret = select_suites();

	if (ret)
		return ret;
	if (!nr_suites) {
		pr_err("tcpstate_kunit: no suite or case matches filter_glob=%s\n",
		       filter_glob);
		return -ENOENT;
	}
	/* The plan line KUnit prints only for built-in tests. */
	pr_info("KTAP version 1\n");
	pr_info("1..%d\n", nr_suites);
	return __kunit_test_suites_init(suites, nr_suites);
}

static void __exit tcpstate_kunit_exit(void)
{
	__kunit_test_suites_exit(suites, nr_suites);
	free_suites();
}

module_init(tcpstate_kunit_init);
module_exit(tcpstate_kunit_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tcpstate: params, stats, filter, ring, record, mark, twtable, hooks");
MODULE_AUTHOR("tcpstate developers");
