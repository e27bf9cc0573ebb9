// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: every TCP state change, recorded in a ring buffer and read
 * through /dev/tcpstate, with per-namespace counters in /proc/net/tcpstate.
 *
 * Init builds from the inside out: the ring, the counters (and their
 * /proc files), the filters, the hooks, and last the device, so nothing
 * fires before everything it writes to exists, and no reader can open
 * the device while a later step may still fail and free the ring under
 * it. Exit is init read backwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>

#include "dev.h"
#include "fault.h"
#include "filter.h"
#include "hooks.h"
#include "params.h"
#include "ring.h"
#include "stats.h"

static struct tcpstate_ring *ring;

static int __init tcpstate_init(void)
{
	int ret;

	ring = ERR_PTR(tcpstate_fault("init", "ring"));
	if (!IS_ERR(ring))
		ring = tcpstate_ring_create(tcpstate_param_nr_records);
	if (IS_ERR(ring)) {
		ret = PTR_ERR(ring);
		goto err_ring;
	}
	tcpstate_ring_set_wakeup(ring, tcpstate_param_wakeup_ms);
	ret = tcpstate_fault("init", "stats") ?: tcpstate_stats_init();
	if (ret)
		goto err_stats;
	ret = tcpstate_fault("init", "filter") ?: tcpstate_filter_init();
	if (ret)
		goto err_filter;
	ret = tcpstate_hooks_init(ring, tcpstate_param_hook);
	if (ret)
		goto err_hooks;
	ret = tcpstate_fault("init", "dev") ?:
	      tcpstate_dev_init(ring, tcpstate_param_hook);
	if (ret)
		goto err_dev;

	pr_info("hook=%s, ring of %u records (%zu KiB), wakeup_ms=%u\n",
		tcpstate_params_hook_name(tcpstate_param_hook),
		tcpstate_ring_capacity(ring),
		tcpstate_ring_capacity(ring) * sizeof(struct tcpstate_rec) / 1024,
		tcpstate_param_wakeup_ms);
	return 0;

err_dev:
	tcpstate_hooks_uninit();
err_hooks:
	tcpstate_filter_uninit();
err_filter:
	tcpstate_stats_uninit();
err_stats:
	tcpstate_ring_destroy(ring);
err_ring:
	return ret;
}

/*
 * No reader can exist here (it would hold a module reference): the
 * device goes first, then the hooks, waiting for running probes, so
 * nothing writes to the ring or the counters while they go.
 */
static void __exit tcpstate_exit(void)
{
	tcpstate_dev_uninit();
	tcpstate_hooks_uninit();
	tcpstate_filter_uninit();
	tcpstate_stats_uninit();
	tcpstate_ring_destroy(ring);
}

module_init(tcpstate_init);
module_exit(tcpstate_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Records every TCP state change: /dev/tcpstate, /proc/net/tcpstate");
MODULE_AUTHOR("tcpstate developers");
MODULE_VERSION(TCPSTATE_VERSION);
