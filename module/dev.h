/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_DEV_H
#define _TCPSTATE_DEV_H

#include <linux/types.h>

int tcpstate_dev_init(unsigned int hook);
void tcpstate_dev_uninit(void);

#endif /* _TCPSTATE_DEV_H */
