// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate --version: the tool's version and record ABI, then the loaded
 * module's: its version from /sys/module/tcpstate/version (MODULE_VERSION,
 * the same VERSION file) and its record ABI from TCPSTATE_IOC_INFO on the
 * device. A different version or ABI is a warning on stderr, not an error:
 * --version still prints what it found and exits 0.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpstate.h"
#include "version.h"

#ifndef TCPSTATE_VERSION
#error "TCPSTATE_VERSION is not defined: build with tools/Makefile (it reads VERSION)"
#endif

#define SYSFS_MODULE	"/sys/module/tcpstate"
#define VERSION_MAX	64

const char tcpstate_tool_version[] = TCPSTATE_VERSION;

/*
 * The module's version into buf: 0, or -1 with why in err. A version is
 * one line of printable characters without blanks.
 */
static int read_module_version(char *buf, size_t len, char *err, size_t errlen)
{
	const char *path = SYSFS_MODULE "/version";
	FILE *f = fopen(path, "re");
	size_t n, i;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, len - 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)buf[i]))
			break;
	if (n == 0 || i < n) {
		snprintf(err, errlen, "%s: not a version", path);
		return -1;
	}
	return 0;
}

/* The module's record ABI: 0 with *abi set, or -1 with why in err. */
static int read_module_abi(const char *device, unsigned int *abi, char *err,
			   size_t errlen)
{
	struct tcpstate_info info;
	int fd, saved;

	fd = open(device, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		if (saved == EPERM || saved == EACCES)
			snprintf(err, errlen, "opening %s needs CAP_NET_ADMIN (root)",
				 device);
		else if (saved == EBUSY)
			snprintf(err, errlen, "%s: every session is taken (max_sessions)",
				 device);
		else
			snprintf(err, errlen, "%s: %s", device, strerror(saved));
		return -1;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, TCPSTATE_IOC_INFO, &info) < 0) {
		snprintf(err, errlen, "%s: TCPSTATE_IOC_INFO: %s", device,
			 strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	*abi = info.version;
	return 0;
}

void print_version(const char *device)
{
	char mod_version[VERSION_MAX], verr[256], aerr[256];
	unsigned int abi = 0;
	struct stat st;
	int have_version, have_abi;

	printf("tcpstate %s (record ABI version %d)\n", tcpstate_tool_version,
	       TCPSTATE_ABI_VERSION);
	if (stat(SYSFS_MODULE, &st) != 0) {
		printf("module not loaded\n");
		return;
	}

	have_version = read_module_version(mod_version, sizeof(mod_version),
					   verr, sizeof(verr)) == 0;
	have_abi = read_module_abi(device, &abi, aerr, sizeof(aerr)) == 0;
	if (have_version)
		printf("module %s", mod_version);
	else
		printf("module version unknown (%s)", verr);
	if (have_abi)
		printf(" (record ABI version %u)\n", abi);
	else
		printf(" (record ABI unknown: %s)\n", aerr);

	if (!have_version)
		fprintf(stderr,
			"tcpstate: warning: cannot tell the loaded module's version: %s\n",
			verr);
	else if (strcmp(mod_version, tcpstate_tool_version) != 0)
		fprintf(stderr,
			"tcpstate: warning: the loaded module is version %s, this tool is %s: install both from one release\n",
			mod_version, tcpstate_tool_version);
	if (have_abi && abi != TCPSTATE_ABI_VERSION)
		fprintf(stderr,
			"tcpstate: warning: the loaded module writes record ABI version %u, this tool reads version %d: dump and conns will refuse its records\n",
			abi, TCPSTATE_ABI_VERSION);
}
