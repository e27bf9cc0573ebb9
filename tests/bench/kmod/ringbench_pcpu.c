// SPDX-License-Identifier: GPL-2.0
/* ringbench.c over ring_pcpu.c. */
#include "ringbench.c"
