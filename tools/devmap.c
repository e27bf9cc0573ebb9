// SPDX-License-Identifier: GPL-2.0
/*
 * The reader's side of the mapped buffer. Ordering, pairing with the
 * module's ring.c, for each ring: head is loaded with acquire before the
 * records under it are read, and consumer stored with release after they
 * were (the kernel loads it with acquire before it lets producers reuse a
 * slot).
 *
 * The merge: records go out in (ts_ns, ring index) order, the index
 * settling equal times the same way on every run. A ring is taken as a
 * run for as long as its records come before the next record of the
 * second oldest ring; the caller takes the run in place, so nothing is
 * copied to merge. A ring's records are in time order but for an
 * interrupt's event now and then: an earlier one after a later is taken
 * where it stands, and put in its place by the callers' reordering
 * (order.h), as records that reach a ring late are.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devmap.h"

#define NO_RING UINT32_MAX

/*
 * Bytes from one ring's header page to the next (the header page, then
 * the slots in whole pages), into *ring_size; and of the whole map, or 0
 * if the numbers are not a session's or the map could not be addressed.
 */
static size_t map_size(uint32_t nr_rings, uint32_t nr_records, size_t page,
		       size_t *ring_size)
{
	size_t data;

	if (!nr_rings || nr_rings > DEVMAP_MAX_RINGS || !nr_records ||
	    nr_records & (nr_records - 1) || nr_records > TCPSTATE_BUFFER_MAX)
		return 0;
	/* At most 128 MiB: no overflow, even with a 32-bit size_t. */
	data = (size_t)nr_records * sizeof(struct tcpstate_rec);
	data = (data + page - 1) / page * page;
	*ring_size = page + data;
	if (*ring_size > SIZE_MAX / nr_rings)
		return 0;
	return *ring_size * nr_rings;
}

int devmap_open(struct devmap *m, int fd)
{
	struct tcpstate_session_info info;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len, ring_size;
	void *addr;

	*m = (struct devmap){ .fd = -1 };
	/* The session's buffer: after --buffer, which the map fixes. */
	if (ioctl(fd, TCPSTATE_IOC_SESSION, &info) < 0)
		return -1;
	len = map_size(info.nr_rings, info.nr_records, page, &ring_size);
	if (!len) {
		errno = EPROTO;
		return -1;
	}
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED)
		return -1;
	return devmap_attach(m, addr, len, info.nr_rings, info.nr_records, fd);
}

/* A ring's header as the kernel writes it for this map, and this tool reads it. */
static int ring_ok(const struct tcpstate_mmap_page *p, uint32_t i,
		   uint32_t nr_rings, uint32_t nr_records, size_t page,
		   size_t ring_size)
{
	return p->version == TCPSTATE_ABI_VERSION &&
	       p->rec_size == sizeof(struct tcpstate_rec) &&
	       p->nr_records == nr_records && p->ring == i &&
	       p->nr_rings == nr_rings && p->data_offset == page &&
	       p->data_size == ring_size - page && p->ring_size == ring_size;
}

int devmap_attach(struct devmap *m, void *addr, size_t len, uint32_t nr_rings,
		  uint32_t nr_records, int fd)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), ring_size = 0;
	struct devmap_ring *rings = NULL;
	int err = EPROTO;
	uint32_t i;

	*m = (struct devmap){ .fd = -1 };
	if (map_size(nr_rings, nr_records, page, &ring_size) != len)
		goto refuse;
	rings = calloc(nr_rings, sizeof(*rings));
	if (!rings) {
		err = ENOMEM;
		goto refuse;
	}
	for (i = 0; i < nr_rings; i++) {
		struct devmap_ring *r = &rings[i];

		r->page = (struct tcpstate_mmap_page *)((char *)addr + i * ring_size);
		if (!ring_ok(r->page, i, nr_rings, nr_records, page, ring_size))
			goto refuse;
		r->slots = (const struct tcpstate_rec *)((const char *)r->page + page);
		/* Where the kernel stands: nothing consumed yet, its tail. */
		r->pos = __atomic_load_n(&r->page->tail, __ATOMIC_ACQUIRE);
	}
	m->page = addr;
	m->rings = rings;
	m->len = len;
	m->nr_rings = nr_rings;
	m->mask = nr_records - 1;
	m->fd = fd;
	return 0;
refuse:
	free(rings);
	munmap(addr, len);
	errno = err;
	return -1;
}

size_t devmap_peek(struct devmap *m, const struct tcpstate_rec **recs, size_t max)
{
	uint32_t i, best = NO_RING, second = NO_RING;
	uint64_t best_ts = 0, second_ts = 0, best_head = 0;
	const struct tcpstate_rec *run;
	struct devmap_ring *r;
	size_t n, k, to_end;

	m->run = 0;
	*recs = NULL;
	/* The two rings whose next records come first: one look at each. */
	for (i = 0; i < m->nr_rings; i++) {
		uint64_t head, ts;

		r = &m->rings[i];
		head = __atomic_load_n(&r->page->head, __ATOMIC_ACQUIRE);
		if (head == r->pos)
			continue;
		ts = r->slots[r->pos & m->mask].ts_ns;
		/* Strictly earlier: of equal times, the lower index stays first. */
		if (best == NO_RING || ts < best_ts) {
			second = best;
			second_ts = best_ts;
			best = i;
			best_ts = ts;
			best_head = head;
		} else if (second == NO_RING || ts < second_ts) {
			second = i;
			second_ts = ts;
		}
	}
	if (best == NO_RING || !max)
		return 0;
	r = &m->rings[best];
	n = (size_t)(best_head - r->pos);
	/* A run that does not wrap: the caller takes the rest next time. */
	to_end = (size_t)m->mask + 1 - (size_t)(r->pos & m->mask);
	if (n > to_end)
		n = to_end;
	if (n > max)
		n = max;
	run = &r->slots[r->pos & m->mask];
	/*
	 * Up to the first record the second ring's next one comes before:
	 * an earlier time, or the same from a lower index. Its first record
	 * is the best's, so the run is never empty.
	 */
	if (second != NO_RING) {
		for (k = 1; k < n; k++) {
			if (run[k].ts_ns > second_ts ||
			    (run[k].ts_ns == second_ts && second < best))
				break;
		}
		n = k;
	}
	m->cur = best;
	m->run = n;
	*recs = run;
	return n;
}

void devmap_consume(struct devmap *m, size_t n)
{
	struct devmap_ring *r;

	if (n > m->run)
		n = m->run;
	if (!n)
		return;
	r = &m->rings[m->cur];
	r->pos += n;
	m->run -= n;
	__atomic_store_n(&r->page->consumer, r->pos, __ATOMIC_RELEASE);
	m->unhanded = 1;
}

void devmap_hand_back(struct devmap *m)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };

	if (!m->unhanded)
		return;
	m->unhanded = 0;
	/* Its answer is the caller's next ppoll()'s business. */
	if (m->fd >= 0)
		poll(&pfd, 1, 0);
}

void devmap_close(struct devmap *m)
{
	if (m->page)
		munmap(m->page, m->len);
	free(m->rings);
	*m = (struct devmap){ .fd = -1 };
}
