// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. All are validated while the module loads, so a bad
 * value makes insmod fail (EINVAL) with a line in the kernel log naming
 * the parameter, instead of a module running with a value nobody chose.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "params.h"
#include "uapi/tcpstate.h"

unsigned int tcpstate_param_hook = TCPSTATE_HOOK_TRACEPOINT;
unsigned int tcpstate_param_nr_records = TCPSTATE_NR_RECORDS_DEFAULT;
unsigned int tcpstate_param_wakeup_ms = TCPSTATE_WAKEUP_MS_DEFAULT;
unsigned int tcpstate_param_tw_capacity = TCPSTATE_TW_CAPACITY_DEFAULT;

static const char * const hook_names[] = {
	[TCPSTATE_HOOK_TRACEPOINT] = "tracepoint",
	[TCPSTATE_HOOK_KPROBE] = "kprobe",
};

const char *tcpstate_params_hook_name(unsigned int hook)
{
	if (hook >= ARRAY_SIZE(hook_names) || !hook_names[hook])
		return "?";
	return hook_names[hook];
}

int tcpstate_params_parse_hook(const char *val, unsigned int *hook)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hook_names); i++) {
		if (hook_names[i] && sysfs_streq(val, hook_names[i])) {
			*hook = i;
			return 0;
		}
	}
	pr_err("hook=%s: must be 'tracepoint' or 'kprobe'\n", val);
	return -EINVAL;
}

int tcpstate_params_parse_nr_records(const char *val, unsigned int *nr)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n)) {
		pr_err("nr_records=%s: not a number\n", val);
		return -EINVAL;
	}
	if (n < TCPSTATE_NR_RECORDS_MIN || n > TCPSTATE_NR_RECORDS_MAX) {
		pr_err("nr_records=%u: must be between %u and %u\n", n,
		       TCPSTATE_NR_RECORDS_MIN, TCPSTATE_NR_RECORDS_MAX);
		return -EINVAL;
	}
	/* Positions are masked, not divided: the ring needs a power of two. */
	if (!is_power_of_2(n)) {
		pr_info("nr_records=%u: rounded up to %lu\n", n,
			roundup_pow_of_two(n));
		n = roundup_pow_of_two(n);
	}
	*nr = n;
	return 0;
}

int tcpstate_params_parse_tw_capacity(const char *val, unsigned int *nr)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n)) {
		pr_err("tw_capacity=%s: not a number\n", val);
		return -EINVAL;
	}
	if (n < TCPSTATE_TW_CAPACITY_MIN || n > TCPSTATE_TW_CAPACITY_MAX) {
		pr_err("tw_capacity=%u: must be between %u and %u\n", n,
		       TCPSTATE_TW_CAPACITY_MIN, TCPSTATE_TW_CAPACITY_MAX);
		return -EINVAL;
	}
	/* Buckets are found by hash bits: a power of two. */
	if (!is_power_of_2(n)) {
		pr_info("tw_capacity=%u: rounded up to %lu\n", n,
			roundup_pow_of_two(n));
		n = roundup_pow_of_two(n);
	}
	*nr = n;
	return 0;
}

int tcpstate_params_parse_wakeup_ms(const char *val, unsigned int *ms)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n)) {
		pr_err("wakeup_ms=%s: not a number\n", val);
		return -EINVAL;
	}
	if (n > TCPSTATE_WAKEUP_MS_MAX) {
		pr_err("wakeup_ms=%u: must be between 0 and %u\n", n,
		       TCPSTATE_WAKEUP_MS_MAX);
		return -EINVAL;
	}
	*ms = n;
	return 0;
}

static int hook_set(const char *val, const struct kernel_param *kp)
{
	return tcpstate_params_parse_hook(val, kp->arg);
}

static int hook_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  tcpstate_params_hook_name(*(unsigned int *)kp->arg));
}

static int nr_records_set(const char *val, const struct kernel_param *kp)
{
	return tcpstate_params_parse_nr_records(val, kp->arg);
}

static int wakeup_ms_set(const char *val, const struct kernel_param *kp)
{
	return tcpstate_params_parse_wakeup_ms(val, kp->arg);
}

static const struct kernel_param_ops hook_ops = {
	.set = hook_set,
	.get = hook_get,
};

static const struct kernel_param_ops nr_records_ops = {
	.set = nr_records_set,
	.get = param_get_uint,
};

module_param_cb(hook, &hook_ops, &tcpstate_param_hook, 0444);
MODULE_PARM_DESC(hook, "how state changes are hooked: tracepoint (sock:inet_sock_set_state, default) or kprobe (tcp_set_state)");

module_param_cb(nr_records, &nr_records_ops, &tcpstate_param_nr_records, 0444);
MODULE_PARM_DESC(nr_records, "ring buffer capacity in 128-byte records, 16..1048576, rounded up to a power of two (default 8192)");

static int tw_capacity_set(const char *val, const struct kernel_param *kp)
{
	return tcpstate_params_parse_tw_capacity(val, kp->arg);
}

static const struct kernel_param_ops tw_capacity_ops = {
	.set = tw_capacity_set,
	.get = param_get_uint,
};

module_param_cb(tw_capacity, &tw_capacity_ops, &tcpstate_param_tw_capacity,
		0444);
MODULE_PARM_DESC(tw_capacity, "TIME_WAIT sockets whose birth time is kept at once (24 bytes each), 1024..4194304, rounded up to a power of two (default 262144); past it a socket's TIME_WAIT duration is reported as 0 (unknown)");

static const struct kernel_param_ops wakeup_ms_ops = {
	.set = wakeup_ms_set,
	.get = param_get_uint,
};

module_param_cb(wakeup_ms, &wakeup_ms_ops, &tcpstate_param_wakeup_ms, 0444);
MODULE_PARM_DESC(wakeup_ms, "longest a record waits before a sleeping reader is woken, 0..1000 ms; a quarter of the ring full wakes it at once; 0: every record wakes it (default 100)");
