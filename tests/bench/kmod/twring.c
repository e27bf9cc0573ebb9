// SPDX-License-Identifier: GPL-2.0
/*
 * The module's ring, compiled unchanged into twbench.c's module: a probe
 * that records an event takes the ring's lock with interrupts off too.
 * (ring.c is tcpstate_ringbench's: an object is in one module only.)
 */
#include "module/ring.c"
