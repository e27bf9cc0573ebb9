/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A session's buffer read in place: mmap() of /dev/tcpstate, no copy and
 * no read(). The buffer is a ring per CPU id, each its header page and
 * its slots (uapi/tcpstate.h); one map holds them all. A ring is in time
 * order but the rings are not in step, so the records are handed out
 * merged by timestamp here, as read() merges them in the kernel: the
 * callers see one stream, whichever way the session is read.
 *
 * The kernel takes back what the reader is done with when it polls the
 * device (devmap_hand_back() does, once a batch, so that slots are not
 * kept from the producers while the caller formats). A module (or a file) that
 * cannot be mapped is read with read() instead, as before.
 */
#ifndef TCPSTATE_TOOL_DEVMAP_H
#define TCPSTATE_TOOL_DEVMAP_H

#include <stddef.h>
#include <stdint.h>

#include <tcpstate.h>

/*
 * More rings than this is not a CPU count but a module (or a header)
 * gone wrong: refused before the map's size is computed from it.
 */
#define DEVMAP_MAX_RINGS	65536U

/* One ring: where it is in the map, and the reader's place in it. */
struct devmap_ring {
	struct tcpstate_mmap_page *page;	/* its header page */
	const struct tcpstate_rec *slots;
	uint64_t pos;				/* the next record to take */
};

struct devmap {
	/* Ring 0's header, the map's start; NULL: not mapped, read(). */
	struct tcpstate_mmap_page *page;
	struct devmap_ring *rings;		/* nr_rings, by index (CPU id) */
	size_t len;				/* bytes mapped */
	uint32_t nr_rings;
	uint32_t mask;				/* nr_records - 1, every ring's */
	uint32_t cur;				/* the ring of devmap_peek()'s run */
	size_t run;				/* what of that run is not consumed yet */
	int unhanded;				/* consumed since the last hand-back */
	int fd;					/* the session's, polled to hand back; -1: never */
};

/*
 * Maps fd's session buffer, every ring; 0, or -1 if it cannot be mapped
 * (a module without mmap(), not a tcpstate device, a header that does
 * not match this tool: errno EPROTO): m stays unmapped and the caller
 * reads.
 */
int devmap_open(struct devmap *m, int fd);
/*
 * devmap_open() once the map is made, and the unit tests' way in with a
 * map of their own: checks that addr (len bytes, mapped) holds nr_rings
 * rings of nr_records, each header as this tool reads it, and sets m up
 * to read them, each ring from the kernel's tail. m then owns the map
 * (devmap_close() unmaps it); refused, it is unmapped at once and -1
 * returned (errno EPROTO). fd is polled to hand records back; -1 for
 * none.
 */
int devmap_attach(struct devmap *m, void *addr, size_t len, uint32_t nr_rings,
		  uint32_t nr_records, int fd);
/*
 * The next records in time order, at most max, contiguous at *recs; 0 if
 * none. They are one ring's: the ring whose next record is the earliest
 * (the lowest ts_ns; of equal ones, the lowest ring index), up to the
 * first record another ring's next one comes before, or the end of its
 * slots (the rest comes at the next call). So the records are merged by
 * (ts_ns, ring) with no copy, a run at a time. Each call looks at every
 * ring's head once, then at the records of the run it gives.
 */
size_t devmap_peek(struct devmap *m, const struct tcpstate_rec **recs, size_t max);
/*
 * Done with the first n of the records devmap_peek() gave: stores the
 * ring's new position (consumer). The kernel takes the slots back at the
 * next poll of the device: devmap_hand_back().
 */
void devmap_consume(struct devmap *m, size_t n);
/*
 * Hands back what was consumed since the last call, at once (a poll()
 * that does not wait), so that the kernel can reuse the slots while the
 * caller is still busy with what it took. Once per batch of runs: with
 * several CPUs busy, runs are short, and a poll() each would cost more
 * than the records.
 */
void devmap_hand_back(struct devmap *m);
void devmap_close(struct devmap *m);

#endif /* TCPSTATE_TOOL_DEVMAP_H */
