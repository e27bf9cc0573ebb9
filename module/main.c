// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: every TCP state change, recorded into each reader's session
 * (its own ring) and read through /dev/tcpstate, with per-namespace
 * counters in /proc/net/tcpstate.
 *
 * Init builds from the inside out: the counters (and their /proc files),
 * the default filter, the hooks, and last the device, so nothing fires
 * before everything it writes to exists, and no session can be opened
 * while a later step may still fail. Sessions come and go with open()
 * and close() of the device. Exit is init read backwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>

#include "dev.h"
#include "fault.h"
#include "filter.h"
#include "hooks.h"
#include "params.h"
#include "session.h"
#include "stats.h"

static int __init tcpstate_init(void)
{
	int ret;

	ret = tcpstate_fault("init", "sessions") ?: tcpstate_sessions_init();
	if (ret)
		goto err_sessions;
	ret = tcpstate_fault("init", "stats") ?: tcpstate_stats_init();
	if (ret)
		goto err_stats;
	ret = tcpstate_fault("init", "filter") ?: tcpstate_filter_init();
	if (ret)
		goto err_filter;
	ret = tcpstate_hooks_init(tcpstate_param_hook);
	if (ret)
		goto err_hooks;
	ret = tcpstate_fault("init", "dev") ?:
	      tcpstate_dev_init(tcpstate_param_hook);
	if (ret)
		goto err_dev;

	pr_info("hook=%s, sessions of %u records (%zu KiB) each, wakeup_ms=%u\n",
		tcpstate_params_hook_name(tcpstate_param_hook),
		tcpstate_param_nr_records,
		tcpstate_param_nr_records * sizeof(struct tcpstate_rec) / 1024,
		tcpstate_param_wakeup_ms);
	return 0;

err_dev:
	tcpstate_hooks_uninit();
err_hooks:
	tcpstate_filter_uninit();
err_filter:
	tcpstate_stats_uninit();
err_stats:
	tcpstate_sessions_uninit();
err_sessions:
	return ret;
}

/*
 * No session can exist here (its file holds a module reference): the
 * device goes first, then the hooks, waiting for running probes, so
 * nothing writes to the counters while they go.
 */
static void __exit tcpstate_exit(void)
{
	tcpstate_dev_uninit();
	tcpstate_hooks_uninit();
	tcpstate_filter_uninit();
	tcpstate_stats_uninit();
	tcpstate_sessions_uninit();
}

module_init(tcpstate_init);
module_exit(tcpstate_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Records every TCP state change: /dev/tcpstate, /proc/net/tcpstate");
MODULE_AUTHOR("tcpstate developers");
MODULE_VERSION(TCPSTATE_VERSION);
