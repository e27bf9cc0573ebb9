/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_REQSK_H
#define _TCPSTATE_REQSK_H

#include <net/request_sock.h>

#include "uapi/tcpstate.h"

bool tcpstate_reqsk_rtx(const struct request_sock *req);
void tcpstate_reqsk_cookie_sent(const struct net *net,
				const struct tcpstate_rec *synack);

#endif /* _TCPSTATE_REQSK_H */
