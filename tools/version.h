/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstate --version: this tool's version (the VERSION file, passed in by
 * tools/Makefile as TCPSTATE_VERSION) and the loaded module's version and
 * record ABI, with a warning on stderr when they differ.
 */
#ifndef TCPSTATE_TOOL_VERSION_H
#define TCPSTATE_TOOL_VERSION_H

/* The tool's version: the top-level VERSION file at build time. */
extern const char tcpstate_tool_version[];

/*
 * Prints "tcpstate VERSION (record ABI version N)" and a "module ..." line
 * (not loaded / its version and ABI, or why the ABI is unknown) to stdout;
 * a mismatch of either is a warning on stderr. DEVICE: where to ask for
 * the ABI (TCPSTATE_IOC_INFO). The caller flushes stdout.
 */
void print_version(const char *device);

#endif /* TCPSTATE_TOOL_VERSION_H */
