// SPDX-License-Identifier: GPL-2.0
/* ringbench.c over ring_shared.c. */
#include "ringbench.c"
