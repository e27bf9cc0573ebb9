// SPDX-License-Identifier: GPL-2.0
/* ringbench.c over ring_krb.c. */
#include "ringbench.c"
