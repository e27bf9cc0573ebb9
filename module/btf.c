// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the running kernel's BTF to verify the argument layout of the
 * functions we probe.
 *
 * A handler reads a probed function's n-th argument from a register
 * (TCPSTATE_ARG()). For exported functions the compiler checks the
 * prototype (static_assert in the .c files); static ones have no
 * declaration to check, and any function may have been rebuilt with
 * another layout by a stable update the version numbers in compat.h do
 * not know. The kernel's BTF names every function's parameters as
 * compiled: if argument n is not called what our handler expects, the
 * handler would read something else, and its group is not armed.
 *
 * The kernel keeps its parsed BTF to itself (btf_vmlinux is not
 * exported), so the module reads the raw blob from sysfs at load time,
 * walks it once to index the types, and frees it before init returns.
 * The format is Documentation/bpf/btf.rst: a header, a type section (a
 * sequence of struct btf_type, each followed by data whose size its
 * kind and vlen decide) and a string section. The blob comes from the
 * kernel itself, but every offset is still bounds-checked: a malformed
 * blob makes the arguments "unverified", never an oops.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/btf.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "btf.h"

#define BTF_PATH	"/sys/kernel/btf/vmlinux"
/* Debian's 6.1 and 6.12 vmlinux BTF are about 5 MiB. */
#define BTF_MAX_SIZE	(64U << 20)

/* Bytes of kind-specific data after a struct btf_type, or -1 if unknown. */
static long btf_extra(const struct btf_type *t)
{
	u32 vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	}
	return -1;
}

/* The string at @off, or NULL if it does not end inside the section. */
static const char *btf_str(const struct tcpstate_btf *btf, u32 off)
{
	if (off >= btf->str_len || !memchr(btf->strs + off, 0,
					   btf->str_len - off))
		return NULL;
	return btf->strs + off;
}

static const struct btf_type *btf_type(const struct tcpstate_btf *btf,
				       u32 id)
{
	if (!id || id > btf->nr_types)
		return NULL;
	return (const struct btf_type *)(btf->types + btf->offs[id - 1]);
}

int tcpstate_btf_parse(struct tcpstate_btf *btf, void *data, size_t size)
{
	const struct btf_header *hdr = data;
	u32 off, n, cap;
	u64 types_end, strs_end;
	long extra;

	memset(btf, 0, sizeof(*btf));
	if (size < sizeof(*hdr) || hdr->magic != BTF_MAGIC ||
	    hdr->version != BTF_VERSION || hdr->hdr_len < sizeof(*hdr) ||
	    hdr->hdr_len > size)
		return -EINVAL;
	types_end = (u64)hdr->hdr_len + hdr->type_off + hdr->type_len;
	strs_end = (u64)hdr->hdr_len + hdr->str_off + hdr->str_len;
	if (types_end > size || strs_end > size || !hdr->str_len ||
	    hdr->type_off % 4)
		return -EINVAL;
	btf->types = (const u8 *)data + hdr->hdr_len + hdr->type_off;
	btf->strs = (const char *)data + hdr->hdr_len + hdr->str_off;
	btf->str_len = hdr->str_len;

	/* Each type is at least 12 bytes: an upper bound for the index. */
	cap = hdr->type_len / sizeof(struct btf_type);
	btf->offs = kvmalloc_array(max(cap, 1U), sizeof(u32), GFP_KERNEL);
	if (!btf->offs)
		return -ENOMEM;
	for (off = 0, n = 0; off < hdr->type_len; n++) {
		const struct btf_type *t;

		if (hdr->type_len - off < sizeof(*t) || n >= cap)
			goto bad;
		t = (const struct btf_type *)(btf->types + off);
		extra = btf_extra(t);
		if (extra < 0 || hdr->type_len - off - sizeof(*t) < extra)
			goto bad;
		btf->offs[n] = off;
		off += sizeof(*t) + extra;
	}
	btf->nr_types = n;
	btf->data = data;
	return 0;

bad:
	kvfree(btf->offs);
	btf->offs = NULL;
	return -EINVAL;
}

/*
 * Read with filp_open() and kernel_read(), not kernel_read_file(): that
 * one asks the LSMs about a READING_* purpose, and none fits (6.12's IPE
 * WARNs on READING_UNKNOWN). The path is resolved from insmod's root;
 * in a container whose /sys is not the host's the file is absent and
 * the arguments are left unverified, as without BTF.
 */
int tcpstate_btf_load(struct tcpstate_btf *btf)
{
	struct file *file;
	loff_t size, pos = 0;
	void *data;
	ssize_t n;
	int ret;

	file = filp_open(BTF_PATH, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	size = i_size_read(file_inode(file));
	if (size <= 0 || size > BTF_MAX_SIZE) {
		ret = -EFBIG;
		goto err_size;
	}
	data = vmalloc(size);
	if (!data) {
		ret = -ENOMEM;
		goto err_size;
	}
	while (pos < size) {
		n = kernel_read(file, data + pos, size - pos, &pos);
		if (n <= 0) {
			ret = n ? n : -EIO;	/* shorter than its size */
			goto err_read;
		}
	}
	filp_close(file, NULL);
	ret = tcpstate_btf_parse(btf, data, size);
	if (ret)
		vfree(data);
	return ret;

err_read:
	vfree(data);
err_size:
	filp_close(file, NULL);
	return ret;
}

void tcpstate_btf_free(struct tcpstate_btf *btf)
{
	kvfree(btf->offs);
	vfree(btf->data);
	memset(btf, 0, sizeof(*btf));
}

/* Does the FUNC_PROTO @proto name its arguments @names? */
static int check_proto(const struct tcpstate_btf *btf, const char *func,
		       const struct btf_type *proto,
		       const char *const *names, unsigned int nr,
		       char *why, size_t len)
{
	const struct btf_param *args = (const struct btf_param *)(proto + 1);
	u32 vlen = BTF_INFO_VLEN(proto->info);
	const char *name;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (!names[i])
			continue;
		if (i >= vlen) {
			snprintf(why, len, "%s() has %u arguments here, not the %u we read",
				 func, vlen, i + 1);
			return -EBADMSG;
		}
		name = btf_str(btf, args[i].name_off);
		if (!name || strcmp(name, names[i])) {
			snprintf(why, len, "%s() argument %u is '%s' here, not '%s'",
				 func, i, name ?: "?", names[i]);
			return -EBADMSG;
		}
	}
	return 0;
}

int tcpstate_btf_check_args(const struct tcpstate_btf *btf, const char *func,
			    const char *const *names, unsigned int nr,
			    char *why, size_t len)
{
	const struct btf_type *t, *proto;
	bool found = false;
	const char *name;
	u32 id;
	int ret;

	/*
	 * Every function of that name: kallsyms may hold several static
	 * ones, and the kprobe takes the first. Each must agree.
	 */
	for (id = 1; id <= btf->nr_types; id++) {
		t = btf_type(btf, id);
		if (BTF_INFO_KIND(t->info) != BTF_KIND_FUNC)
			continue;
		name = btf_str(btf, t->name_off);
		if (!name || strcmp(name, func))
			continue;
		proto = btf_type(btf, t->type);
		if (!proto || BTF_INFO_KIND(proto->info) != BTF_KIND_FUNC_PROTO) {
			snprintf(why, len, "%s() has no prototype in the BTF",
				 func);
			return -EBADMSG;
		}
		ret = check_proto(btf, func, proto, names, nr, why, len);
		if (ret)
			return ret;
		found = true;
	}
	if (!found) {
		snprintf(why, len, "%s() is not in the kernel's BTF", func);
		return -ENOENT;
	}
	return 0;
}
