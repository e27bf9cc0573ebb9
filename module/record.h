/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_RECORD_H
#define _TCPSTATE_RECORD_H

#include <net/request_sock.h>
#include <net/sock.h>

#include "uapi/tcpstate.h"

void tcpstate_record_state(struct tcpstate_rec *rec, const struct sock *sk,
			   int oldstate, int newstate);
void tcpstate_record_child_tuple(struct tcpstate_rec *rec,
				 const struct sock *child,
				 const struct request_sock *req);

#endif /* _TCPSTATE_RECORD_H */
