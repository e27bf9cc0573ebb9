// SPDX-License-Identifier: GPL-2.0
/*
 * mapread - the benchmark's raw reader of a mapped session: what
 * `dd if=/dev/tcpstate of=/dev/null` is for read(), for mmap(). Opens
 * /dev/tcpstate (a session), maps its buffer, every CPU's ring
 * (uapi/tcpstate.h), and until SIGTERM/SIGINT: poll(), then take every
 * record ready in each ring (its type is looked at, as a reader would),
 * hand them back, poll again. It only counts: the rings are read one
 * after the other, not merged by time as the tool merges them. Prints
 * "mapread records=N lost=N polls=N" on exit. Exit 0, or 1 with a message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcpstate.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One ring of the map: its header, its slots, the reader's place. */
struct ring {
	struct tcpstate_mmap_page *hdr;
	const struct tcpstate_rec *slots;
	__u64 pos;
};

int main(void)
{
	struct tcpstate_session_info info;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long records = 0, lost = 0, polls = 0;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), ring_size, len;
	const struct tcpstate_rec *slots;
	struct ring *rings;
	__u64 pos, head, mask;
	struct pollfd pfd;
	__u32 i;
	char *map;
	int fd;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = open("/dev/tcpstate", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, TCPSTATE_IOC_SESSION, &info) < 0) {
		fprintf(stderr, "mapread: /dev/tcpstate: %s\n", strerror(errno));
		return 1;
	}
	/* A bad count would make a bad size: the module is trusted no further. */
	if (!info.nr_rings || info.nr_rings > 65536 || !info.nr_records ||
	    info.nr_records > TCPSTATE_BUFFER_MAX) {
		fprintf(stderr, "mapread: a session of %u rings of %u records?\n",
			info.nr_rings, info.nr_records);
		return 1;
	}
	ring_size = page + ((size_t)info.nr_records * sizeof(*slots) + page - 1) / page * page;
	if (ring_size > SIZE_MAX / info.nr_rings) {
		fprintf(stderr, "mapread: %u rings do not fit in memory\n", info.nr_rings);
		return 1;
	}
	len = ring_size * info.nr_rings;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "mapread: mmap: %s\n", strerror(errno));
		return 1;
	}
	rings = calloc(info.nr_rings, sizeof(*rings));
	if (!rings) {
		fprintf(stderr, "mapread: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < info.nr_rings; i++) {
		struct tcpstate_mmap_page *hdr = (void *)(map + i * ring_size);

		if (hdr->version != TCPSTATE_ABI_VERSION || hdr->ring != i ||
		    hdr->nr_rings != info.nr_rings || hdr->ring_size != ring_size ||
		    hdr->nr_records != info.nr_records || hdr->data_offset != page) {
			fprintf(stderr, "mapread: ring %u's header is not this reader's\n", i);
			return 1;
		}
		rings[i].hdr = hdr;
		rings[i].slots = (const void *)((const char *)hdr + hdr->data_offset);
		rings[i].pos = __atomic_load_n(&hdr->tail, __ATOMIC_ACQUIRE);
	}
	mask = info.nr_records - 1;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (!stop) {
		polls++;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		if (pfd.revents & POLLERR) {
			fprintf(stderr, "mapread: the module refused the consumer position\n");
			return 1;
		}
		for (i = 0; i < info.nr_rings; i++) {
			struct ring *r = &rings[i];

			head = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE);
			if (head == r->pos)
				continue;
			slots = r->slots;
			for (pos = r->pos; pos != head; pos++) {
				if (slots[pos & mask].type == TCPSTATE_REC_LOST)
					lost++;
				else
					records++;
			}
			r->pos = pos;
			__atomic_store_n(&r->hdr->consumer, pos, __ATOMIC_RELEASE);
		}
	}
	printf("mapread records=%llu lost=%llu polls=%llu\n", records, lost, polls);
	return 0;
}
