/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_KUNIT_H
#define _TCPSTATE_KUNIT_H

#include <kunit/test.h>

/*
 * The suites. They are not registered with kunit_test_suites(): on 6.1
 * that runs them before module parameters are parsed, so kunit_main.c
 * runs them itself, filtered by the filter_glob parameter.
 */
extern struct kunit_suite tcpstate_ring_suite;
extern struct kunit_suite tcpstate_record_suite;
extern struct kunit_suite tcpstate_stats_suite;
extern struct kunit_suite tcpstate_filter_suite;
extern struct kunit_suite tcpstate_params_suite;
extern struct kunit_suite tcpstate_mark_suite;
extern struct kunit_suite tcpstate_twtable_suite;
extern struct kunit_suite tcpstate_hooks_suite;
extern struct kunit_suite tcpstate_btf_suite;
extern struct kunit_suite tcpstate_session_suite;

#endif /* _TCPSTATE_KUNIT_H */
