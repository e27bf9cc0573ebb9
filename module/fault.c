// SPDX-License-Identifier: GPL-2.0
/* Fault injection at init, for tests only: see fault.h. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "fault.h"

static char fail_init[96];
module_param_string(fail_init, fail_init, sizeof(fail_init), 0444);
MODULE_PARM_DESC(fail_init, "test build only: fail init at this point (KIND:NAME), or 'list' the points");

/* Called only from init: no locking, fail_init does not change. */
int tcpstate_fault(const char *kind, const char *name)
{
	size_t k = strlen(kind);

	if (!strcmp(fail_init, "list")) {
		pr_info("fault point %s:%s\n", kind, name);
		return 0;
	}
	if (strncmp(fail_init, kind, k) || fail_init[k] != ':' ||
	    strcmp(fail_init + k + 1, name))
		return 0;
	pr_info("fault injected at %s:%s\n", kind, name);
	return -ENOMEM;
}
