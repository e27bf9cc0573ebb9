// SPDX-License-Identifier: GPL-2.0
/*
 * The default session filter: the module parameters ports=, family=,
 * segments=, set at load time or at runtime through /sys/module/
 * tcpstate/parameters/. A session (session.c) that never set its own
 * filter follows this one, live; one that did is not affected by it.
 *
 * Probes read the current default under RCU (they run with preemption
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

/* The parameters and the session filter they make, swapped as one. */
struct defaults {
	struct tcpstate_params_filter p;
	struct tcpstate_filter f;
	struct rcu_head rcu;
};

/* Written under filter_lock, read by probes under RCU. */
static struct defaults __rcu *filter;
static DEFINE_MUTEX(filter_lock);

/* What insmod set before init ran: the parameters are parsed first. */
static struct tcpstate_params_filter initial;

static const u32 segments_kinds[3] = {
	[TCPSTATE_SEGMENTS_CONTROL] = TCPSTATE_KINDS_ALL & ~TCPSTATE_KIND_SEGMENTS,
	[TCPSTATE_SEGMENTS_ALL] = TCPSTATE_KINDS_ALL,
	[TCPSTATE_SEGMENTS_NONE] = TCPSTATE_KINDS_ALL &
		~(TCPSTATE_KIND_SEGMENTS | TCPSTATE_KIND_CONTROL),
};

static void compile(struct defaults *d)
{
	struct tcpstate_filter *f = &d->f;
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->kinds = segments_kinds[d->p.segments];
	f->family = d->p.family == TCPSTATE_FAMILY_IPV4 ? AF_INET :
		    d->p.family == TCPSTATE_FAMILY_IPV6 ? AF_INET6 : 0;
	f->nr_ports = d->p.nr_ports;
	for (i = 0; i < d->p.nr_ports; i++)
		f->ports[i] = d->p.ports[i];
}

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

int tcpstate_filter_parse_family(const char *val, struct tcpstate_params_filter *f)
{
	return parse_name("family", val, family_names, &f->family);
}

int tcpstate_filter_parse_segments(const char *val, struct tcpstate_params_filter *f)
{
	return parse_name("segments", val, segments_names, &f->segments);
}

/* "80,443" or "" (every port); at most TCPSTATE_FILTER_MAX_PORTS. */
int tcpstate_filter_parse_ports(const char *val, struct tcpstate_params_filter *f)
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

const struct tcpstate_filter *tcpstate_filter_default(void)
{
	return &rcu_dereference(filter)->f;
}

void tcpstate_filter_default_copy(struct tcpstate_filter *out)
{
	rcu_read_lock();
	*out = rcu_dereference(filter)->f;
	rcu_read_unlock();
}

bool tcpstate_filter_default_match(const struct tcpstate_rec *rec)
{
	bool match;

	rcu_read_lock();
	match = tcpstate_filter_match(tcpstate_filter_default(), rec);
	rcu_read_unlock();
	return match;
}

unsigned int tcpstate_filter_segments(void)
{
	const struct defaults *d;
	unsigned int segments;

	rcu_read_lock();
	d = rcu_dereference(filter);
	segments = d ? d->p.segments : initial.segments;
	rcu_read_unlock();
	return segments;
}

/*
 * Parameter writes. Before init (insmod's arguments) they fill @initial;
 * after, they copy the live filter, change one field and swap.
 */
static int filter_update(const char *raw,
			 int (*parse)(const char *, struct tcpstate_params_filter *))
{
	struct defaults *old, *new;
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
	ret = parse(val, &new->p);
	if (ret) {
		kfree(new);
		goto out;
	}
	compile(new);
	rcu_assign_pointer(filter, new);
	/* Probes that still see the old one are done a grace period on. */
	kfree_rcu(old, rcu);
out:
	mutex_unlock(&filter_lock);
	return ret;
}

static const struct tcpstate_params_filter *filter_now(void)
{
	const struct defaults *d;

	d = rcu_dereference_protected(filter, lockdep_is_held(&filter_lock));
	return d ? &d->p : &initial;
}

static int ports_set(const char *val, const struct kernel_param *kp)
{
	return filter_update(val, tcpstate_filter_parse_ports);
}

static int ports_get(char *buf, const struct kernel_param *kp)
{
	const struct tcpstate_params_filter *f;
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
	struct defaults *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return -ENOMEM;
	d->p = initial;
	compile(d);
	mutex_lock(&filter_lock);
	rcu_assign_pointer(filter, d);
	mutex_unlock(&filter_lock);
	return 0;
}

/*
 * The probes and sessions are gone: nobody reads the filter any more.
 * Defaults replaced earlier may still wait for their grace period.
 */
void tcpstate_filter_uninit(void)
{
	mutex_lock(&filter_lock);
	kfree(rcu_dereference_protected(filter, lockdep_is_held(&filter_lock)));
	rcu_barrier();
	RCU_INIT_POINTER(filter, NULL);
	mutex_unlock(&filter_lock);
}
