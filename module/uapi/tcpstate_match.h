/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpstate_match.h - what a session filter (struct tcpstate_filter)
 * means, in one definition: compiled into the module (module/session.c,
 * for live sessions) and into the tool (offline input, dump -r), so a
 * filter selects the same records on both sides.
 *
 * Pure functions of the structs: no locks, no allocation, no sleeping,
 * so a probe may call them.
 */
#ifndef _UAPI_TCPSTATE_MATCH_H
#define _UAPI_TCPSTATE_MATCH_H

#include "tcpstate.h"

#ifdef __KERNEL__
#include <linux/socket.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#endif

/* The kind a record counts as; 0 for lost records (never filtered). */
static inline __u32 tcpstate_rec_kind(const struct tcpstate_rec *rec)
{
	switch (rec->type) {
	case TCPSTATE_REC_STATE:
		return rec->flags & TCPSTATE_F_TIMEWAIT ?
		       TCPSTATE_KIND_TIMEWAIT : TCPSTATE_KIND_STATES;
	case TCPSTATE_REC_SEGMENT:
		return rec->flags & TCPSTATE_F_CONTROL ?
		       TCPSTATE_KIND_CONTROL : TCPSTATE_KIND_SEGMENTS;
	case TCPSTATE_REC_REQUEST:
		return TCPSTATE_KIND_REQUESTS;
	}
	return 0;
}

/* @addr as 16 bytes: an AF_INET record's 4 bytes become IPv4-mapped. */
static inline void tcpstate_match_addr16(const struct tcpstate_rec *rec,
					 const __u8 *addr, __u8 out[16])
{
	if (rec->family == AF_INET) {
		memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, addr, 4);
	} else {
		memcpy(out, addr, 16);
	}
}

static inline bool tcpstate_prefix_match(const struct tcpstate_prefix *p,
					 const __u8 a[16])
{
	unsigned int whole = p->bits / 8, rest = p->bits % 8;
	__u8 mask;

	if (memcmp(p->addr, a, whole))
		return false;
	if (!rest)
		return true;
	mask = (__u8)(0xff << (8 - rest));
	return (p->addr[whole] & mask) == (a[whole] & mask);
}

static inline bool tcpstate_is_v4(const struct tcpstate_rec *rec)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	/* An IPv4 peer of a dual-stack socket is IPv4 on the wire. */
	return rec->family == AF_INET || !memcmp(rec->raddr, mapped, 12);
}

/* Does @f want @rec? Lost records always pass: a gap must be seen. */
static inline bool tcpstate_filter_match(const struct tcpstate_filter *f,
					 const struct tcpstate_rec *rec)
{
	__u32 kind = tcpstate_rec_kind(rec);
	__u8 l[16], r[16];
	unsigned int i;
	bool hit;

	if (!kind)
		return true;
	if (!(f->kinds & kind))
		return false;
	if (f->family == AF_INET && !tcpstate_is_v4(rec))
		return false;
	if (f->family == AF_INET6 && tcpstate_is_v4(rec))
		return false;
	if (f->netns && f->netns != rec->netns)
		return false;
	if ((f->pid || f->comm[0]) && !(rec->flags & TCPSTATE_F_TASK))
		return false;
	if (f->pid && f->pid != rec->pid)
		return false;
	if (f->comm[0] && strncmp(f->comm, rec->comm, sizeof(f->comm)))
		return false;
	if (f->nr_ports) {
		for (hit = false, i = 0; i < f->nr_ports && !hit; i++)
			hit = f->ports[i] == rec->lport ||
			      f->ports[i] == rec->rport;
		if (!hit)
			return false;
	}
	if (f->nr_addrs) {
		tcpstate_match_addr16(rec, rec->laddr, l);
		tcpstate_match_addr16(rec, rec->raddr, r);
		for (hit = false, i = 0; i < f->nr_addrs && !hit; i++)
			hit = tcpstate_prefix_match(&f->addrs[i], l) ||
			      tcpstate_prefix_match(&f->addrs[i], r);
		if (!hit)
			return false;
	}
	return true;
}

/*
 * NULL if @f is well formed, else why not (for the tool's message; the
 * module answers EINVAL). Checked before a filter is used anywhere.
 */
static inline const char *tcpstate_filter_invalid(const struct tcpstate_filter *f)
{
	unsigned int i, j;

	if (!f->kinds || (f->kinds & ~TCPSTATE_KINDS_ALL))
		return "kinds: some of states, control, segments, requests, timewait, no other";
	if (f->family && f->family != AF_INET && f->family != AF_INET6)
		return "family: 0, AF_INET or AF_INET6";
	if (f->nr_ports > TCPSTATE_FILTER_PORTS)
		return "ports: at most 16";
	for (i = 0; i < f->nr_ports; i++)
		if (!f->ports[i])
			return "ports: 0 is not a port";
	for (i = f->nr_ports; i < TCPSTATE_FILTER_PORTS; i++)
		if (f->ports[i])
			return "ports: entries past nr_ports must be zero";
	if (f->nr_addrs > TCPSTATE_FILTER_ADDRS)
		return "addrs: at most 8 prefixes";
	for (i = 0; i < TCPSTATE_FILTER_ADDRS; i++) {
		const struct tcpstate_prefix *p = &f->addrs[i];

		if (i >= f->nr_addrs) {
			static const struct tcpstate_prefix zero;

			if (memcmp(p, &zero, sizeof(zero)))
				return "addrs: entries past nr_addrs must be zero";
			continue;
		}
		if (p->bits > 128 || p->__pad0[0] || p->__pad0[1] || p->__pad0[2])
			return "addrs: a prefix is 0..128 bits, padding zero";
		for (j = p->bits; j < 128; j++)
			if (p->addr[j / 8] & (0x80 >> (j % 8)))
				return "addrs: address bits past the prefix length must be zero";
	}
	if (!memchr(f->comm, 0, sizeof(f->comm)))
		return "comm: at most 15 characters, NUL-terminated";
	if (f->__reserved[0] || f->__reserved[1])	/* two, checked by the size asserts */
		return "reserved fields must be zero";
	return NULL;
}

#endif /* _UAPI_TCPSTATE_MATCH_H */
