/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A session's buffer read in place: mmap() of /dev/tcpstate (the header
 * page and the slots, uapi/tcpstate.h), no copy and no read(). The
 * kernel takes back what the reader is done with when it polls the device
 * (devmap_consume() does, once, so that slots are not kept from the
 * producers while the caller formats). A module (or a file) that cannot
 * be mapped is read with read() instead, as before.
 */
#ifndef TCPSTATE_TOOL_DEVMAP_H
#define TCPSTATE_TOOL_DEVMAP_H

#include <stddef.h>
#include <stdint.h>

#include <tcpstate.h>

struct devmap {
	struct tcpstate_mmap_page *page;	/* NULL: not mapped, read() */
	const struct tcpstate_rec *slots;
	size_t len;				/* bytes mapped */
	uint64_t pos;				/* the next record to take */
	uint32_t mask;				/* nr_records - 1 */
	int fd;					/* the session's, polled to hand back */
};

/*
 * Maps fd's session buffer; 0, or -1 if it cannot be mapped (a module
 * without mmap(), not a tcpstate device, a header that does not match
 * this tool): m stays unmapped and the caller reads.
 */
int devmap_open(struct devmap *m, int fd);
/* The records ready, at most max, contiguous at *recs; 0 if none. */
size_t devmap_peek(struct devmap *m, const struct tcpstate_rec **recs, size_t max);
/*
 * Done with the n records devmap_peek() gave: hands them back at once (a
 * poll() that does not wait), so that the kernel can reuse their slots
 * while the caller is still busy with what it took.
 */
void devmap_consume(struct devmap *m, size_t n);
void devmap_close(struct devmap *m);

#endif /* TCPSTATE_TOOL_DEVMAP_H */
