// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD'ed into tools/tcpstate by test_cli.c: answers TCPSTATE_IOC_INFO
 * for any file, so that "dump -d" on a file or FIFO of records runs the real
 * read loop without the module. The tool itself has no test hook.
 * TCPSTATE_FAKE_VERSION, if set, is the version the "module" reports.
 * TCPSTATE_FAKE_EMPTY_READY, if set, plays a namespace-scoped reader
 * whose ring holds only other namespaces' records: poll is always ready,
 * and a read() of the device finds nothing (EAGAIN if non-blocking; else
 * it sleeps as the kernel would, until a signal it can take arrives).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpstate.h"

static int device_fd = -1;

static int empty_ready(void)
{
	return getenv("TCPSTATE_FAKE_EMPTY_READY") != NULL;
}

int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
	  const sigset_t *sigmask);
ssize_t read(int fd, void *buf, size_t count);

int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
	  const sigset_t *sigmask)
{
	struct timespec zero = { 0, 1000000 };	/* 1 ms: no busy loop */
	long n;
	nfds_t i;

	if (!empty_ready())
		return (int)syscall(SYS_ppoll, fds, nfds, timeout, sigmask,
				    _NSIG / 8);
	/* Signals the mask lets through are taken here, as in the real one. */
	n = syscall(SYS_ppoll, fds, nfds, &zero, sigmask, _NSIG / 8);
	if (n != 0)
		return (int)n;
	for (i = 0; i < nfds; i++)
		fds[i].revents = fds[i].fd == device_fd ? POLLIN : 0;
	return 1;
}

ssize_t read(int fd, void *buf, size_t count)
{
	int flags;

	if (!empty_ready() || fd != device_fd)
		return syscall(SYS_read, fd, buf, count);
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && flags & O_NONBLOCK) {
		errno = EAGAIN;
		return -1;
	}
	for (;;)
		pause();
}

int ioctl(int fd, unsigned long request, ...)
{
	const char *version = getenv("TCPSTATE_FAKE_VERSION");
	struct tcpstate_info *info;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request != TCPSTATE_IOC_INFO)
		return (int)syscall(SYS_ioctl, fd, request, arg);
	device_fd = fd;
	info = arg;
	memset(info, 0, sizeof(*info));
	info->version = version ? (__u32)atoi(version) : TCPSTATE_ABI_VERSION;
	info->rec_size = sizeof(struct tcpstate_rec);
	info->nr_records = 1024;
	info->nr_rings = 1;
	info->hook = TCPSTATE_HOOK_TRACEPOINT;
	return 0;
}
