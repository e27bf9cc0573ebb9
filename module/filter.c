// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-side filters: which events reach the ring. Set at load time or
 * at runtime through /sys/module/tcpstate/parameters/{ports,family,
 * segments}. An event filtered out costs a comparison and is not counted
 * anywhere but in the transition counters, which count everything.
 *
 * Probes read the current filter under RCU (they run with preemption
 * disabled); a write builds a new one and swaps it in, so a probe never
 * sees half of an update.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in6.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <net/ipv6.h>

#include "filter.h"

/* Written under filter_lock, read by probes under RCU. */
static struct tcpstate_filter __rcu *filter;
static DEFINE_MUTEX(filter_lock);

/* What insmod set before init ran: the parameters are parsed first. */
static struct tcpstate_filter initial;

static const char * const family_names[3] = {
	[TCPSTATE_FAMILY_ALL] = "all",
	[TCPSTATE_FAMILY_IPV4] = "ipv4",
	[TCPSTATE_FAMILY_IPV6] = "ipv6",
};

static const char * const segments_names[3] = {
	[TCPSTATE_SEGMENTS_CONTROL] = "control",
	[TCPSTATE_SEGMENTS_ALL] = "all",
	[TCPSTATE_SEGMENTS_NONE] = "none",
};

/* @names has three entries, as both enums do. */
static int parse_name(const char *param, const char *val,
		      const char * const names[3], u8 *out)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (sysfs_streq(val, names[i])) {
			*out = i;
			return 0;
		}
	}
	pr_err("%s=%s: must be %s, %s or %s\n", param, val, names[0],
	       names[1], names[2]);
	return -EINVAL;
}

int tcpstate_filter_parse_family(const char *val, struct tcpstate_filter *f)
{
	return parse_name("family", val, family_names, &f->family);
}

int tcpstate_filter_parse_segments(const char *val, struct tcpstate_filter *f)
{
	return parse_name("segments", val, segments_names, &f->segments);
}

/* "80,443" or "" (every port); at most TCPSTATE_FILTER_MAX_PORTS. */
int tcpstate_filter_parse_ports(const char *val, struct tcpstate_filter *f)
{
	char buf[128], *cur = buf, *tok;
	u16 port;

	/* Shorter than what filter_update() accepts: cannot fail. */
	strscpy(buf, val, sizeof(buf));
	f->nr_ports = 0;
	if (!*buf)
		return 0;
	while ((tok = strsep(&cur, ","))) {
		if (kstrtou16(strim(tok), 10, &port) || !port) {
			pr_err("ports=%s: '%s' is not a port (1-65535)\n", val,
			       tok);
			return -EINVAL;
		}
		if (f->nr_ports == TCPSTATE_FILTER_MAX_PORTS) {
			pr_err("ports=%s: at most %d ports\n", val,
			       TCPSTATE_FILTER_MAX_PORTS);
			return -EINVAL;
		}
		f->ports[f->nr_ports++] = port;
	}
	return 0;
}

static bool port_match(const struct tcpstate_filter *f, u16 lport, u16 rport)
{
	unsigned int i;

	if (!f->nr_ports)
		return true;
	for (i = 0; i < f->nr_ports; i++)
		if (f->ports[i] == lport || f->ports[i] == rport)
			return true;
	return false;
}

static bool family_match(const struct tcpstate_filter *f,
			 const struct tcpstate_rec *rec)
{
	bool v4;

	if (f->family == TCPSTATE_FAMILY_ALL)
		return true;
	/* An IPv4 peer of a dual-stack socket is IPv4 on the wire. */
	v4 = rec->family == AF_INET ||
	     ipv6_addr_v4mapped((const struct in6_addr *)rec->raddr);
	return v4 == (f->family == TCPSTATE_FAMILY_IPV4);
}

/* Lost records are never filtered: a gap must always be reported. */
bool tcpstate_filter_match(const struct tcpstate_rec *rec)
{
	const struct tcpstate_filter *f;
	bool match;

	rcu_read_lock();
	f = rcu_dereference(filter);
	match = !f || (port_match(f, rec->lport, rec->rport) &&
		       family_match(f, rec));
	rcu_read_unlock();
	return match;
}

unsigned int tcpstate_filter_segments(void)
{
	const struct tcpstate_filter *f;
	unsigned int segments;

	rcu_read_lock();
	f = rcu_dereference(filter);
	segments = f ? f->segments : initial.segments;
	rcu_read_unlock();
	return segments;
}

/*
 * Parameter writes. Before init (insmod's arguments) they fill @initial;
 * after, they copy the live filter, change one field and swap.
 */
static int filter_update(const char *raw,
			 int (*parse)(const char *, struct tcpstate_filter *))
{
	struct tcpstate_filter *old, *new;
	char buf[128], *val;
	int ret;

	/* echo adds a newline; error messages should not show it. */
	if (strscpy(buf, raw, sizeof(buf)) < 0) {
		pr_err("parameter value too long: %.32s...\n", raw);
		return -EINVAL;
	}
	val = strim(buf);

	mutex_lock(&filter_lock);
	old = rcu_dereference_protected(filter, lockdep_is_held(&filter_lock));
	if (!old) {
		ret = parse(val, &initial);
		goto out;
	}
	new = kmemdup(old, sizeof(*old), GFP_KERNEL);
	ret = -ENOMEM;
	if (!new)
		goto out;
	ret = parse(val, new);
	if (ret) {
		kfree(new);
		goto out;
	}
	rcu_assign_pointer(filter, new);
	/* Probes that still see the old one are done after this. */
	synchronize_rcu();
	kfree(old);
out:
	mutex_unlock(&filter_lock);
	return ret;
}

static const struct tcpstate_filter *filter_now(void)
{
	return rcu_dereference_protected(filter, lockdep_is_held(&filter_lock)) ?:
	       &initial;
}

static int ports_set(const char *val, const struct kernel_param *kp)
{
	return filter_update(val, tcpstate_filter_parse_ports);
}

static int ports_get(char *buf, const struct kernel_param *kp)
{
	const struct tcpstate_filter *f;
	int len = 0, i;

	mutex_lock(&filter_lock);
	f = filter_now();
	for (i = 0; i < f->nr_ports; i++)
		len += sysfs_emit_at(buf, len, "%s%u", i ? "," : "",
				     f->ports[i]);
	mutex_unlock(&filter_lock);
	return len + sysfs_emit_at(buf, len, "\n");
}

static int family_set(const char *val, const struct kernel_param *kp)
{
	return filter_update(val, tcpstate_filter_parse_family);
}

static int family_get(char *buf, const struct kernel_param *kp)
{
	int len;

	mutex_lock(&filter_lock);
	len = sysfs_emit(buf, "%s\n", family_names[filter_now()->family]);
	mutex_unlock(&filter_lock);
	return len;
}

static int segments_set(const char *val, const struct kernel_param *kp)
{
	return filter_update(val, tcpstate_filter_parse_segments);
}

static int segments_get(char *buf, const struct kernel_param *kp)
{
	int len;

	mutex_lock(&filter_lock);
	len = sysfs_emit(buf, "%s\n", segments_names[filter_now()->segments]);
	mutex_unlock(&filter_lock);
	return len;
}

static const struct kernel_param_ops ports_ops = {
	.set = ports_set,
	.get = ports_get,
};

static const struct kernel_param_ops family_ops = {
	.set = family_set,
	.get = family_get,
};

static const struct kernel_param_ops segments_ops = {
	.set = segments_set,
	.get = segments_get,
};

module_param_cb(ports, &ports_ops, NULL, 0644);
MODULE_PARM_DESC(ports, "record only events with this local or remote port: up to 16, comma-separated; empty: all (runtime-settable)");
module_param_cb(family, &family_ops, NULL, 0644);
MODULE_PARM_DESC(family, "record only this address family: all, ipv4 (IPv4-mapped included) or ipv6 (runtime-settable)");
module_param_cb(segments, &segments_ops, NULL, 0644);
MODULE_PARM_DESC(segments, "which segments to record: control (SYN, FIN, RST, handshake and FIN ACKs; default), all, or none (runtime-settable)");

int tcpstate_filter_init(void)
{
	struct tcpstate_filter *f = kmemdup(&initial, sizeof(initial),
					    GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_lock(&filter_lock);
	rcu_assign_pointer(filter, f);
	mutex_unlock(&filter_lock);
	return 0;
}

/* The probes are gone: nobody reads the filter any more. */
void tcpstate_filter_uninit(void)
{
	mutex_lock(&filter_lock);
	kfree(rcu_dereference_protected(filter, lockdep_is_held(&filter_lock)));
	RCU_INIT_POINTER(filter, NULL);
	mutex_unlock(&filter_lock);
}
