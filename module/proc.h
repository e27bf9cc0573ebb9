/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_PROC_H
#define _TCPSTATE_PROC_H

#include <net/net_namespace.h>

int tcpstate_proc_net_init(struct net *net);
void tcpstate_proc_net_exit(struct net *net);

#endif /* _TCPSTATE_PROC_H */
