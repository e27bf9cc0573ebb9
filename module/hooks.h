/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_HOOKS_H
#define _TCPSTATE_HOOKS_H

#include "ring.h"

int tcpstate_hooks_init(struct tcpstate_ring *ring, unsigned int hook);
void tcpstate_hooks_uninit(void);

#endif /* _TCPSTATE_HOOKS_H */
