/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_BTF_H
#define _TCPSTATE_BTF_H

#include <linux/types.h>

/*
 * The running kernel's BTF (/sys/kernel/btf/vmlinux), read once while
 * the module loads, to check that the functions we probe take their
 * arguments where our handlers read them. Loaded, checked and freed in
 * tcpstate_hooks_init(): never touched by a probe.
 */
struct tcpstate_btf {
	void *data;			/* the whole file, vmalloc'ed */
	const char *strs;		/* string section */
	u32 str_len;
	const u8 *types;		/* type section */
	u32 *offs;			/* offs[id - 1]: type id's offset in types */
	u32 nr_types;
};

int tcpstate_btf_load(struct tcpstate_btf *btf);
void tcpstate_btf_free(struct tcpstate_btf *btf);

/*
 * Does every function named @func in @btf name its argument @i (from 0)
 * @names[i], for each non-NULL @names[i], i < @nr? 0 if so; -ENOENT if
 * the BTF has no function of that name; -EBADMSG if an argument is
 * missing or named otherwise, described in @why (@len bytes).
 */
int tcpstate_btf_check_args(const struct tcpstate_btf *btf, const char *func,
			    const char *const *names, unsigned int nr,
			    char *why, size_t len);

/* The same, on a BTF blob in memory (@size bytes): for KUnit. */
int tcpstate_btf_parse(struct tcpstate_btf *btf, void *data, size_t size);

#endif /* _TCPSTATE_BTF_H */
