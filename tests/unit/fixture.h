/* SPDX-License-Identifier: GPL-2.0 */
/* Test data shared by the unit tests of the functions and of the binary. */
#ifndef TCPSTATE_FIXTURE_H
#define TCPSTATE_FIXTURE_H

#include "tcpstate.h"

/* curl on CPU 3 connecting 127.0.0.1:45678 -> 10.1.2.3:80 at 1234.567890123. */
struct tcpstate_rec fixture_state_rec(void);

/* count events lost on CPU 3 at 1234.567890123. */
struct tcpstate_rec fixture_lost_rec(unsigned long long count);

/*
 * A /proc/net/tcpstate as the module writes it, plus what the tool does not
 * know: an unrecognized trans_ name and a counter of a newer module.
 */

#define PROC_FIXTURE \
	"events_recorded 20\n" \
	"events_dropped 2\n" \
	"events_read 15\n" \
	"events_discarded 0\n" \
	"events_buffered 3\n" \
	"active_opens 3\n" \
	"passive_opens 3\n" \
	"failed_opens 1\n" \
	"active_closes 2\n" \
	"passive_closes 2\n" \
	"simultaneous_closes 0\n" \
	"resets_in 1\n" \
	"resets_out 1\n" \
	"trans_close_syn_sent 3\n" \
	"trans_syn_sent_established 3\n" \
	"trans_close_wait_last_ack 2\n" \
	"trans_new_syn_recv_new_syn_recv 1\n" \
	"trans_bogus_established 4\n" \
	"frobs 12345678901\n"

#define PROC_FIXTURE_TEXT \
	"ring buffer\n" \
	"  recorded                               20\n" \
	"  dropped                                 2\n" \
	"  read                                   15\n" \
	"  discarded                               0\n" \
	"  buffered                                3\n" \
	"\n" \
	"connections\n" \
	"  active_opens                            3\n" \
	"  passive_opens                           3\n" \
	"  failed_opens                            1\n" \
	"  active_closes                           2\n" \
	"  passive_closes                          2\n" \
	"  simultaneous_closes                     0\n" \
	"  resets_in                               1\n" \
	"  resets_out                              1\n" \
	"\n" \
	"transitions\n" \
	"  CLOSE -> SYN_SENT                       3\n" \
	"  SYN_SENT -> ESTABLISHED                 3\n" \
	"  CLOSE_WAIT -> LAST_ACK                  2\n" \
	"  NEW_SYN_RECV -> NEW_SYN_RECV            1\n" \
	"\n" \
	"other\n" \
	"  trans_bogus_established                 4\n" \
	"  frobs                         12345678901\n"

#define PROC_FIXTURE_JSON \
	"{\"events_recorded\":20,\"events_dropped\":2,\"events_read\":15," \
	"\"events_discarded\":0,\"events_buffered\":3,\"active_opens\":3," \
	"\"passive_opens\":3,\"failed_opens\":1,\"active_closes\":2," \
	"\"passive_closes\":2,\"simultaneous_closes\":0,\"resets_in\":1," \
	"\"resets_out\":1,\"trans_close_syn_sent\":3," \
	"\"trans_syn_sent_established\":3,\"trans_close_wait_last_ack\":2," \
	"\"trans_new_syn_recv_new_syn_recv\":1,\"trans_bogus_established\":4," \
	"\"frobs\":12345678901}\n"

#endif
