// SPDX-License-Identifier: GPL-2.0
/*
 * The reader's side of the mapped buffer. Ordering, pairing with the
 * module's ring.c: head is loaded with acquire before the records under
 * it are read, and consumer stored with release after they were (the
 * kernel loads it with acquire before it lets producers reuse a slot).
 */
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devmap.h"

int devmap_open(struct devmap *m, int fd)
{
	struct tcpstate_session_info info;
	const struct tcpstate_mmap_page *p;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data, len;
	void *addr;

	*m = (struct devmap){ 0 };
	/* The session's buffer: after --buffer, which the map fixes. */
	if (ioctl(fd, TCPSTATE_IOC_SESSION, &info) < 0)
		return -1;
	if (!info.nr_records || info.nr_records & (info.nr_records - 1) ||
	    info.nr_records > TCPSTATE_BUFFER_MAX)
		return -1;
	data = (size_t)info.nr_records * sizeof(struct tcpstate_rec);
	data = (data + page - 1) / page * page;
	len = page + data;
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED)
		return -1;
	p = addr;
	if (p->version != TCPSTATE_ABI_VERSION ||
	    p->rec_size != sizeof(struct tcpstate_rec) ||
	    p->nr_records != info.nr_records || p->data_offset != page ||
	    p->data_size != data) {
		munmap(addr, len);
		errno = EPROTO;
		return -1;
	}
	m->page = addr;
	m->slots = (const struct tcpstate_rec *)((const char *)addr + page);
	m->len = len;
	m->mask = info.nr_records - 1;
	m->fd = fd;
	/* Where the kernel stands: nothing consumed yet, its tail. */
	m->pos = __atomic_load_n(&m->page->tail, __ATOMIC_ACQUIRE);
	return 0;
}

size_t devmap_peek(struct devmap *m, const struct tcpstate_rec **recs, size_t max)
{
	uint64_t head = __atomic_load_n(&m->page->head, __ATOMIC_ACQUIRE);
	size_t n = (size_t)(head - m->pos), to_end;

	/* A run that does not wrap: the caller takes the rest next time. */
	to_end = (size_t)m->mask + 1 - (size_t)(m->pos & m->mask);
	if (n > to_end)
		n = to_end;
	if (n > max)
		n = max;
	*recs = &m->slots[m->pos & m->mask];
	return n;
}

void devmap_consume(struct devmap *m, size_t n)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };

	if (!n)
		return;
	m->pos += n;
	__atomic_store_n(&m->page->consumer, m->pos, __ATOMIC_RELEASE);
	/* Its answer is the caller's next ppoll()'s business. */
	poll(&pfd, 1, 0);
}

void devmap_close(struct devmap *m)
{
	if (m->page)
		munmap(m->page, m->len);
	*m = (struct devmap){ 0 };
}
