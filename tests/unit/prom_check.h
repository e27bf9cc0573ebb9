/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict checker of the Prometheus text exposition format, version
 * 0.0.4, for what `tcpstate stats --prometheus` writes: stricter than
 * Prometheus itself where the format leaves room (no blank lines, every
 * family's samples together, no HELP or TYPE without samples, counters
 * not negative, no duplicate series).
 */
#ifndef TCPSTATE_PROM_CHECK_H
#define TCPSTATE_PROM_CHECK_H

#include <stddef.h>

/* 0, or -1 with "line N: what is wrong" in err. */
int prom_check(const char *text, char *err, size_t errlen);

#endif
