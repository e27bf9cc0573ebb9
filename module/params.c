// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. All are validated while the module loads, so a bad
 * value makes insmod fail (EINVAL) with a line in the kernel log naming
 * the parameter, instead of a module running with a value nobody chose.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/ctype.h>
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
unsigned int tcpstate_param_require = BIT(TCPSTATE_GROUP_STATES);
static struct tcpstate_blocklist blocklist;

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

static const char * const group_names[TCPSTATE_NR_GROUPS] = {
	[TCPSTATE_GROUP_STATES] = "states",
	[TCPSTATE_GROUP_RESETS] = "resets",
	[TCPSTATE_GROUP_SEGMENTS] = "segments",
	[TCPSTATE_GROUP_RETRANSMITS] = "retransmits",
	[TCPSTATE_GROUP_REQUESTS] = "requests",
	[TCPSTATE_GROUP_TIMEWAIT] = "timewait",
};

const char *tcpstate_params_group_name(unsigned int group)
{
	return group < TCPSTATE_NR_GROUPS ? group_names[group] : "?";
}

/*
 * require=GROUP[,GROUP...] or all: the groups whose absence fails the
 * load instead of disarming them. States are always required; an empty
 * value requires nothing more.
 */
int tcpstate_params_parse_require(const char *val, unsigned int *groups)
{
	unsigned int g, mask = BIT(TCPSTATE_GROUP_STATES);
	const char *p = val, *end;
	size_t n;

	/* sysfs_streq()'s rule: one trailing newline is not part of it. */
	n = strlen(val);
	if (n && val[n - 1] == '\n')
		n--;
	if (n == 3 && !strncmp(val, "all", 3)) {
		*groups = BIT(TCPSTATE_NR_GROUPS) - 1;
		return 0;
	}
	while (n) {
		end = memchr(p, ',', n) ?: p + n;
		for (g = 0; g < TCPSTATE_NR_GROUPS; g++) {
			if (strlen(group_names[g]) == end - p &&
			    !strncmp(p, group_names[g], end - p))
				break;
		}
		if (g == TCPSTATE_NR_GROUPS) {
			pr_err("require=%s: '%.*s' is not a group (states, resets, segments, retransmits, requests, timewait, or all)\n",
			       val, (int)(end - p), p);
			return -EINVAL;
		}
		mask |= BIT(g);
		if (end == p + n)
			break;
		n -= end - p + 1;
		p = end + 1;
		if (!n) {
			pr_err("require=%s: ends with a comma\n", val);
			return -EINVAL;
		}
	}
	*groups = mask;
	return 0;
}

static bool symbol_char(char c)
{
	return isalnum(c) || c == '_' || c == '.';
}

/*
 * blocklist=SYMBOL[,SYMBOL...]: kernel functions never to probe, as if
 * this kernel did not have them (their groups are not armed). For a
 * function known to misbehave under a probe on some kernel, and for
 * the tests of a missing probe point.
 */
int tcpstate_params_parse_blocklist(const char *val,
				    struct tcpstate_blocklist *bl)
{
	struct tcpstate_blocklist new = { 0 };
	const char *p = val;
	size_t len;

	while (*p && *p != '\n') {
		len = 0;
		while (symbol_char(p[len]))
			len++;
		if (!len || (p[len] && p[len] != ',' && p[len] != '\n')) {
			pr_err("blocklist=%s: not a list of kernel function names\n",
			       val);
			return -EINVAL;
		}
		if (len >= TCPSTATE_BLOCKLIST_NAME_MAX) {
			pr_err("blocklist=%s: names are at most %u characters\n",
			       val, TCPSTATE_BLOCKLIST_NAME_MAX - 1);
			return -EINVAL;
		}
		if (new.nr == TCPSTATE_BLOCKLIST_MAX) {
			pr_err("blocklist=%s: at most %u names\n", val,
			       TCPSTATE_BLOCKLIST_MAX);
			return -EINVAL;
		}
		memcpy(new.names[new.nr++], p, len);
		p += len;
		if (*p == ',' && (!p[1] || p[1] == '\n')) {
			pr_err("blocklist=%s: ends with a comma\n", val);
			return -EINVAL;
		}
		if (*p == ',')
			p++;
	}
	*bl = new;
	return 0;
}

bool tcpstate_params_blocked(const char *symbol)
{
	unsigned int i;

	for (i = 0; i < blocklist.nr; i++)
		if (!strcmp(blocklist.names[i], symbol))
			return true;
	return false;
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
MODULE_PARM_DESC(nr_records, "capacity of each session's ring per CPU, in 128-byte records, 16..1048576, rounded up to a power of two (default 8192)");

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

static int require_set(const char *val, const struct kernel_param *kp)
{
	return tcpstate_params_parse_require(val, kp->arg);
}

static int require_get(char *buf, const struct kernel_param *kp)
{
	unsigned int g, mask = *(unsigned int *)kp->arg;
	int n = 0;

	for (g = 0; g < TCPSTATE_NR_GROUPS; g++)
		if (mask & BIT(g))
			n += sysfs_emit_at(buf, n, "%s%s", n ? "," : "",
					   group_names[g]);
	return n + sysfs_emit_at(buf, n, "\n");
}

static const struct kernel_param_ops require_ops = {
	.set = require_set,
	.get = require_get,
};

module_param_cb(require, &require_ops, &tcpstate_param_require, 0444);
MODULE_PARM_DESC(require, "probe groups whose absence fails the load instead of leaving them unarmed: a comma list of states, resets, segments, retransmits, requests, timewait, or all (default: states only)");

static int blocklist_set(const char *val, const struct kernel_param *kp)
{
	return tcpstate_params_parse_blocklist(val, kp->arg);
}

static int blocklist_get(char *buf, const struct kernel_param *kp)
{
	const struct tcpstate_blocklist *bl = kp->arg;
	unsigned int i;
	int n = 0;

	for (i = 0; i < bl->nr; i++)
		n += sysfs_emit_at(buf, n, "%s%s", i ? "," : "",
				   bl->names[i]);
	return n + sysfs_emit_at(buf, n, "\n");
}

static const struct kernel_param_ops blocklist_ops = {
	.set = blocklist_set,
	.get = blocklist_get,
};

module_param_cb(blocklist, &blocklist_ops, &blocklist, 0444);
MODULE_PARM_DESC(blocklist, "kernel functions never to probe, as if absent (their groups are not armed): a comma list of up to 8 names");
