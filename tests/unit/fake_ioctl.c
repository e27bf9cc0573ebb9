// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD'ed into tools/tcpstate by test_cli.c: answers TCPSTATE_IOC_INFO
 * for any file, so that "dump -d" on a file or FIFO of records runs the real
 * read loop without the module. The tool itself has no test hook.
 * TCPSTATE_FAKE_VERSION, if set, is the version the "module" reports.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpstate.h"

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
	info = arg;
	memset(info, 0, sizeof(*info));
	info->version = version ? (__u32)atoi(version) : TCPSTATE_ABI_VERSION;
	info->rec_size = sizeof(struct tcpstate_rec);
	info->nr_records = 1024;
	info->hook = TCPSTATE_HOOK_TRACEPOINT;
	return 0;
}
