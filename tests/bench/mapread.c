// SPDX-License-Identifier: GPL-2.0
/*
 * mapread - the benchmark's raw reader of a mapped session: what
 * `dd if=/dev/tcpstate of=/dev/null` is for read(), for mmap(). Opens
 * /dev/tcpstate (a session), maps its buffer (uapi/tcpstate.h), and
 * until SIGTERM/SIGINT: poll(), then take every record ready (its type
 * is looked at, as a reader would), hand them back, poll again. Prints
 * "mapread records=N lost=N polls=N" on exit. Exit 0, or 1 with a message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
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

int main(void)
{
	struct tcpstate_session_info info;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long records = 0, lost = 0, polls = 0;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len;
	struct tcpstate_mmap_page *hdr;
	const struct tcpstate_rec *slots;
	uint64_t pos, head, mask;
	struct pollfd pfd;
	int fd;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = open("/dev/tcpstate", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, TCPSTATE_IOC_SESSION, &info) < 0) {
		fprintf(stderr, "mapread: /dev/tcpstate: %s\n", strerror(errno));
		return 1;
	}
	len = page + ((size_t)info.nr_records * sizeof(*slots) + page - 1) / page * page;
	hdr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (hdr == MAP_FAILED) {
		fprintf(stderr, "mapread: mmap: %s\n", strerror(errno));
		return 1;
	}
	slots = (const void *)((const char *)hdr + hdr->data_offset);
	mask = hdr->nr_records - 1;
	pos = __atomic_load_n(&hdr->tail, __ATOMIC_ACQUIRE);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (!stop) {
		polls++;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		if (pfd.revents & POLLERR) {
			fprintf(stderr, "mapread: the module refused the consumer position\n");
			return 1;
		}
		head = __atomic_load_n(&hdr->head, __ATOMIC_ACQUIRE);
		for (; pos != head; pos++) {
			if (slots[pos & mask].type == TCPSTATE_REC_LOST)
				lost++;
			else
				records++;
		}
		__atomic_store_n(&hdr->consumer, pos, __ATOMIC_RELEASE);
	}
	printf("mapread records=%llu lost=%llu polls=%llu\n", records, lost, polls);
	return 0;
}
