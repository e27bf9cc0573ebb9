/* SPDX-License-Identifier: GPL-2.0 */
/* Test data shared by the unit tests of the functions and of the binary. */
#ifndef TCPSTATE_FIXTURE_H
#define TCPSTATE_FIXTURE_H

#include "tcpstate.h"

/* curl on CPU 3 connecting 127.0.0.1:45678 -> 10.1.2.3:80 at 1234.567890123. */
struct tcpstate_rec fixture_state_rec(void);

/*
 * The same connection's TIME_WAIT socket (no task): FIN_WAIT2 -> TIME_WAIT
 * is its birth, TIME_WAIT -> CLOSE with a reason its end.
 */
struct tcpstate_rec fixture_timewait_rec(unsigned int old_state,
					 unsigned int new_state,
					 unsigned int reason,
					 unsigned long long duration_ns);

/*
 * The same connection's SYN-ACK arriving (no task): in SYN|ACK
 * seq=1234567890 ack=987654321 win=65483 len=0, to the full socket in
 * SYN_SENT.
 */
struct tcpstate_rec fixture_segment_rec(void);

/*
 * A request socket event on the same tuple (no task): num_retrans 2,
 * age 1.234567 ms, snt_isn 987654321, rcv_isn 1234567890.
 */
struct tcpstate_rec fixture_request_rec(unsigned int event);

/* rec moved to IPv6: laddr port 443, raddr port 50000 (inet_pton text). */
struct tcpstate_rec fixture_ipv6(struct tcpstate_rec rec, const char *laddr,
				 const char *raddr);

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
	"time_wait_entered 2\n" \
	"time_wait_expired 1\n" \
	"time_wait_now 1\n" \
	"syn_in 4\n" \
	"synack_out 6\n" \
	"syn_retrans 1\n" \
	"synack_retrans 2\n" \
	"syncookies_sent 0\n" \
	"syncookies_accepted 0\n" \
	"half_open_now 1\n" \
	"accept_queue_drops 5\n" \
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
	"handshakes\n" \
	"  syn_in                                  4\n" \
	"  synack_out                              6\n" \
	"  syn_retrans                             1\n" \
	"  synack_retrans                          2\n" \
	"  syncookies_sent                         0\n" \
	"  syncookies_accepted                     0\n" \
	"  half_open_now                           1\n" \
	"  accept_queue_drops                      5\n" \
	"\n" \
	"TIME_WAIT sockets\n" \
	"  entered                                 2\n" \
	"  expired                                 1\n" \
	"  now                                     1\n" \
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
	"\"resets_out\":1,\"time_wait_entered\":2,\"time_wait_expired\":1," \
	"\"time_wait_now\":1,\"syn_in\":4,\"synack_out\":6,\"syn_retrans\":1," \
	"\"synack_retrans\":2,\"syncookies_sent\":0,\"syncookies_accepted\":0," \
	"\"half_open_now\":1,\"accept_queue_drops\":5,\"trans_close_syn_sent\":3," \
	"\"trans_syn_sent_established\":3,\"trans_close_wait_last_ack\":2," \
	"\"trans_new_syn_recv_new_syn_recv\":1,\"trans_bogus_established\":4," \
	"\"frobs\":12345678901}\n"

#endif
