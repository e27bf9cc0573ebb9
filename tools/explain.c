// SPDX-License-Identifier: GPL-2.0
/*
 * The explanations of conns --explain (explain.h). Each is one or two
 * sentences for a student; the numbers are Linux's defaults (6.1), the
 * sysctl named where one sets them.
 */
#include "explain.h"
#include "i18n.h"
#include "util.h"

enum explanation {
	EX_SYN, EX_SYN_AGAIN, EX_SYNACK, EX_SYNACK_AGAIN, EX_SYNACK_COOKIE,
	EX_HS_ACK, EX_HS_ACK_AGAIN,
	EX_SIM_SYN, EX_SIM_SYNACK, EX_SIM_ACK,
	EX_FIN, EX_FIN_AGAIN, EX_CLOSE_ACK, EX_FIN2, EX_FIN_ACK,
	EX_LAST_ACK, EX_LAST_ACK_AGAIN, EX_SIM_FIN, EX_SIM_CLOSE_ACK,
	EX_REFUSED, EX_RESET, EX_DATA, EX_DATA_AGAIN,
	EX_TW_END, EX_REQ_END, EX_ACCEPT_QUEUE_FULL, EX_SYN_DROPPED,
	EX_COOKIE_ACCEPTED, EX_TW_SYN, EX_TW_ACK, EX_OLD_SYN, EX_OLD_SYN_RST,
	EX_FIN_WAIT2, EX_CLOSE_WAIT, EX_LAST_ACK_STATE, EX_TIME_WAIT,
	EX_CLOSING, EX_SYN_RECV,
	EX_LOST, EX_LOST_ACK, EX_LOST_RST, EX_RECEIVED_ONLY, EX_RECORDS_LOST,
	EX_KEEPALIVE, EX_WINDOW_PROBE, EX_PROBE_ACK, EX_PROBE_LOST,
	EX_NR
};

static const char *const texts[EX_NR] = {
	[EX_SYN] = N_("The client picks its initial sequence number x (Linux: a hash of the four-tuple, a secret and a clock, RFC 6528, so that it cannot be guessed) and asks to open. A SYN consumes one sequence number: the first data byte will be x+1."),
	[EX_SYN_AGAIN] = N_("The SYN again: no SYN-ACK came back in time. Linux waits 1 s, then doubles the wait each time (1 s, 2 s, 4 s, ...); after tcp_syn_retries (6, about 127 s in all) connect() fails with ETIMEDOUT."),
	[EX_SYNACK] = N_("The server picks its own initial sequence number y and acknowledges the client's: ack=x+1, because the SYN consumed one sequence number. Its own SYN consumes one as well."),
	[EX_SYNACK_AGAIN] = N_("The SYN-ACK again: the server's request socket got no ACK in time (or the SYN came again). Linux resends it after 1 s, 2 s, 4 s, ... up to tcp_synack_retries (5), then drops the request."),
	[EX_SYNACK_COOKIE] = N_("A SYN cookie: the listener's SYN queue was full (a SYN flood?), so Linux kept no request socket and put what it needs into y itself (a hash of the four-tuple and a clock, and the MSS). Only a client that really got this SYN-ACK can answer ack=y+1 (tcp_syncookies)."),
	[EX_HS_ACK] = N_("ack=y+1 acknowledges the server's SYN; both ends are ESTABLISHED. Why three steps and not two: an old duplicate SYN, delayed in the network, may reach the server; the client, which did not ask for that SYN-ACK, then answers RST, and no connection is opened."),
	[EX_HS_ACK_AGAIN] = N_("The handshake's ACK again: the client answers a SYN-ACK the server sent again, because the first ACK was lost or late."),
	[EX_SIM_SYN] = N_("Simultaneous open: each end sent a SYN to the other before receiving one (RFC 9293 allows it; it is rare). Each goes from SYN_SENT to SYN_RECV when the other's SYN arrives."),
	[EX_SIM_SYNACK] = N_("Each end answers the other's SYN with a SYN-ACK (ack = the other's ISN + 1): four segments instead of three, and neither end is the client."),
	[EX_SIM_ACK] = N_("This ACK acknowledges the other end's SYN: with it both ends of the simultaneous open are ESTABLISHED."),
	[EX_FIN] = N_("This side has no more data to send (close() or shutdown(SHUT_WR)) and goes to FIN_WAIT1. The FIN consumes one sequence number, u, so its ACK says u+1."),
	[EX_FIN_AGAIN] = N_("The FIN again: no ACK came back in time (the FIN or its ACK was lost); it is resent when the retransmission timer expires, each time after twice as long."),
	[EX_CLOSE_ACK] = N_("ack=u+1 acknowledges the FIN. Its receiver is now in CLOSE_WAIT, the closer in FIN_WAIT2: a half-close. The side that got the FIN may still send data, the other still receives it."),
	[EX_FIN2] = N_("The other application has closed too: the second FIN (w), from CLOSE_WAIT; its sender goes to LAST_ACK and waits for the ACK of this FIN."),
	[EX_FIN_ACK] = N_("The FIN's receiver had nothing more to send and its application closed at once, so its kernel acknowledged the first FIN and sent its own in one segment: three segments instead of four."),
	[EX_LAST_ACK] = N_("The last ACK: ack=w+1 acknowledges the second FIN. Its sender is in TIME_WAIT; the receiver, in LAST_ACK, closes the connection when it arrives."),
	[EX_LAST_ACK_AGAIN] = N_("The last ACK again: the peer's FIN came again (the first ACK was lost), and TIME_WAIT answered it; Linux restarts the TIME_WAIT timer then."),
	[EX_SIM_FIN] = N_("Simultaneous close: both sides sent a FIN before receiving the other's. Each goes from FIN_WAIT1 to CLOSING when the other's FIN arrives."),
	[EX_SIM_CLOSE_ACK] = N_("Each side acknowledges the other's FIN; in a simultaneous close both go through CLOSING to TIME_WAIT."),
	[EX_REFUSED] = N_("An RST answers the SYN: nothing listens on that port, so the kernel refuses the connection and connect() fails with ECONNREFUSED. No state is kept on either side."),
	[EX_RESET] = N_("An RST aborts the connection at once, without FINs: an application closed with unread data or SO_LINGER 0, or a segment met a socket that no longer exists. No ACK, no TIME_WAIT; the peer's next call fails with ECONNRESET."),
	[EX_DATA] = N_("Data: len bytes starting at seq. The receiver's ACK names the next byte it expects."),
	[EX_DATA_AGAIN] = N_("Data sent again: the sender's retransmission timer expired, or duplicate ACKs told it this segment was lost; the same sequence numbers go out once more."),
	[EX_TW_END] = N_("The TIME_WAIT socket is gone: the four-tuple may be used again. Linux keeps TIME_WAIT a fixed 60 s (TCP_TIMEWAIT_LEN), not RFC 9293's 2 x MSL (2 x 2 min); a new SYN with a higher sequence number, or an RST, ends it earlier."),
	[EX_REQ_END] = N_("The request socket (SYN_RECV: a half-open connection in the listener's SYN queue) is gone: expired after its SYN-ACK retransmissions, reset, or dropped. No connection was opened."),
	[EX_ACCEPT_QUEUE_FULL] = N_("The accept queue (listen()'s backlog) is full: the application does not accept() fast enough. Linux ignores this ACK and keeps the request, so the SYN-ACK will be sent again (tcp_abort_on_overflow 0)."),
	[EX_SYN_DROPPED] = N_("The accept queue is full, so Linux does not answer this SYN at all; the client sends it again after 1 s, 2 s, ..."),
	[EX_COOKIE_ACCEPTED] = N_("The ACK carries a valid SYN cookie (ack-1 decodes to this connection): the listener builds the connection now, although it kept nothing for the SYN."),
	[EX_TW_SYN] = N_("A SYN on the four-tuple of this connection's TIME_WAIT socket: not this connection's handshake. Linux takes it as a new connection only if its sequence number is beyond what this connection received (or its timestamp is newer): TIME_WAIT then ends early and the listener answers. Otherwise it is an old duplicate: TIME_WAIT answers with its last ACK and stays."),
	[EX_TW_ACK] = N_("TIME_WAIT answers a segment it does not accept (here an old SYN) with its last ACK again, and stays: the old duplicate opens nothing."),
	[EX_OLD_SYN] = N_("An old SYN: only the server recorded it, and no socket on the client's side sent it (its kernel answers the SYN-ACK with RST). A duplicate delayed in the network, or a forged one: the server cannot tell it from a new SYN and answers as to any."),
	[EX_OLD_SYN_RST] = N_("The third step at work: the client's kernel has no connection that asked for this SYN-ACK, so it answers RST, and the server drops its request socket. Nothing opens; with a two-way handshake the old SYN alone would have opened a connection."),
	[EX_FIN_WAIT2] = N_("FIN_WAIT2: the FIN is acknowledged; this side waits for the other's FIN. If its application has already closed the socket (an orphan), Linux waits at most tcp_fin_timeout (60 s), not forever."),
	[EX_CLOSE_WAIT] = N_("CLOSE_WAIT: the peer is done sending, this side may still send; it stays here until its application calls close(). That is why the close takes four steps, not three: the ACK of the FIN comes from the kernel at once, this side's FIN only when the application is done."),
	[EX_LAST_ACK_STATE] = N_("LAST_ACK: this side's FIN is sent; it waits for its ACK, and sends the FIN again if none comes."),
	[EX_TIME_WAIT] = N_("TIME_WAIT: the side that closed first waits before forgetting the connection: its last ACK may be lost, and the peer's FIN, sent again, must still get an answer; and old segments of this connection must die out before the same four-tuple is used again."),
	[EX_CLOSING] = N_("CLOSING: the peer's FIN arrived before the ACK of this side's own FIN: both closed at the same time."),
	[EX_SYN_RECV] = N_("SYN_RECV: the server has answered the SYN; until the ACK comes, the half-open connection is a small request socket in the listener's SYN queue, not a full socket."),
	[EX_LOST] = N_("Sent, but the receiver's kernel never saw it: lost on the way (or dropped by a filter). TCP notices by a timeout and sends it again."),
	[EX_LOST_ACK] = N_("Sent, but the receiver's kernel never saw it: lost on the way (or dropped by a filter). An ACK alone is not sent again by a timer: the peer, still waiting for it, sends its own segment again, and that is answered with a new ACK."),
	[EX_LOST_RST] = N_("Sent, but the receiver's kernel never saw it: lost on the way (or dropped by a filter). An RST is never sent again: the other side still believes the connection is open until a segment it sends meets no connection and draws a new RST."),
	[EX_RECEIVED_ONLY] = N_("Only the receiver recorded this segment: its sender is outside what was traced or sent it where the tracing cannot see; or it is data or a bare ACK, which segments=control records only where it meets no connection."),
	[EX_KEEPALIVE] = N_("A keepalive probe (SO_KEEPALIVE): the connection has been idle for TCP_KEEPIDLE (Linux: tcp_keepalive_time, 2 hours by default). The probe carries no data and a sequence number the peer has already acknowledged (seq = snd_una - 1), so a live peer must answer with an ACK. After TCP_KEEPCNT unanswered probes, TCP_KEEPINTVL apart, Linux sends an RST and the socket's next call fails with ETIMEDOUT."),
	[EX_WINDOW_PROBE] = N_("A zero-window probe: the peer's window is 0, so no data may be sent; the probe (seq = snd_una - 1, no data) makes the peer answer with an ACK that says its window now, so that a lost window update cannot stall the connection forever (RFC 9293 3.8.6.1)."),
	[EX_PROBE_ACK] = N_("The answer to the probe: an ACK of everything received so far (ack = the probe's seq + 1), with the current window. It proves the peer is alive; the prober's timer starts again."),
	[EX_PROBE_LOST] = N_("A probe that never reached the peer (lost, or dropped by a filter): no answer comes. A probe is not resent; the next one goes out TCP_KEEPINTVL later (keepalive), and after TCP_KEEPCNT unanswered ones Linux gives up: an RST, and ETIMEDOUT for the application."),
	[EX_RECORDS_LOST] = N_("Records were lost: the module's ring buffer was full and it dropped events, so steps may be missing from this ladder. The gap is the tool's, not TCP's."),
};

static const char *ex(enum explanation e)
{
	return _(texts[e]);
}

static enum explanation explain_state(const struct model *m,
				      const struct model_row *r)
{
	switch (r->state) {
	case TCPSTATE_SYN_RECV:
		/* A simultaneous open's SYN_RECV is a full socket: said there. */
		return m->sim_open ? EX_NR : EX_SYN_RECV;
	case TCPSTATE_FIN_WAIT2:
		return EX_FIN_WAIT2;
	case TCPSTATE_CLOSE_WAIT:
		return EX_CLOSE_WAIT;
	case TCPSTATE_LAST_ACK:
		return EX_LAST_ACK_STATE;
	case TCPSTATE_TIME_WAIT:
		return EX_TIME_WAIT;
	case TCPSTATE_CLOSING:
		return EX_CLOSING;
	default:
		return EX_NR;
	}
}

static enum explanation explain_step(const struct model_row *r)
{
	bool again = r->again;

	switch (r->step_kind) {
	case STEP_HS_SYN:
		return again ? EX_SYN_AGAIN : EX_SYN;
	case STEP_HS_SYNACK:
		if (r->cookie && !again)
			return EX_SYNACK_COOKIE;
		return again ? EX_SYNACK_AGAIN : EX_SYNACK;
	case STEP_HS_ACK:
		return again ? EX_HS_ACK_AGAIN : EX_HS_ACK;
	case STEP_SIM_OPEN_SYN:
		return again ? EX_SYN_AGAIN : EX_SIM_SYN;
	case STEP_SIM_OPEN_SYNACK:
		return EX_SIM_SYNACK;
	case STEP_SIM_OPEN_ACK:
		return EX_SIM_ACK;
	case STEP_CLOSE_FIN:
		return again ? EX_FIN_AGAIN : EX_FIN;
	case STEP_CLOSE_ACK:
		return EX_CLOSE_ACK;
	case STEP_CLOSE_FIN2:
		return again ? EX_FIN_AGAIN : EX_FIN2;
	case STEP_CLOSE_FIN_ACK:
		return again ? EX_FIN_AGAIN : EX_FIN_ACK;
	case STEP_CLOSE_LAST_ACK:
		return again ? EX_LAST_ACK_AGAIN : EX_LAST_ACK;
	case STEP_SIM_CLOSE_FIN:
		return again ? EX_FIN_AGAIN : EX_SIM_FIN;
	case STEP_SIM_CLOSE_ACK:
		return EX_SIM_CLOSE_ACK;
	case STEP_REFUSED:
		return EX_REFUSED;
	case STEP_RESET:
		return EX_RESET;
	case STEP_DATA:
		return r->retrans ? EX_DATA_AGAIN : EX_DATA;
	case STEP_TW_END:
		return EX_TW_END;
	case STEP_REQ_END:
		return EX_REQ_END;
	case STEP_ACCEPT_QUEUE_FULL:
		return EX_ACCEPT_QUEUE_FULL;
	case STEP_SYN_DROPPED:
		return EX_SYN_DROPPED;
	case STEP_COOKIE_ACCEPTED:
		return EX_COOKIE_ACCEPTED;
	case STEP_TW_SYN:
		return EX_TW_SYN;
	case STEP_TW_ACK:
		return EX_TW_ACK;
	case STEP_OLD_SYN:
		return EX_OLD_SYN;
	case STEP_OLD_SYN_RST:
		return EX_OLD_SYN_RST;
	case STEP_KEEPALIVE:
		return EX_KEEPALIVE;
	case STEP_WINDOW_PROBE:
		return EX_WINDOW_PROBE;
	case STEP_PROBE_ACK:
		return EX_PROBE_ACK;
	case STEP_NONE:
		break;
	}
	return EX_NR;
}

/*
 * A lost segment: what happens next depends on what it was. SYN, FIN
 * and data are resent by their sender's timer; a bare ACK is not (the
 * peer resends what it wanted acknowledged); an RST never is.
 */
static enum explanation explain_lost(const struct model_row *r)
{
	switch (r->step_kind) {
	case STEP_REFUSED:
	case STEP_RESET:
		return EX_LOST_RST;
	case STEP_KEEPALIVE:
	case STEP_WINDOW_PROBE:
		return EX_PROBE_LOST;
	case STEP_HS_ACK:
	case STEP_SIM_OPEN_ACK:
	case STEP_CLOSE_ACK:
	case STEP_CLOSE_LAST_ACK:
	case STEP_SIM_CLOSE_ACK:
		return EX_LOST_ACK;
	default:
		return EX_LOST;
	}
}

/* Which explanation row r has; EX_NR: none. */
static enum explanation explain_any(const struct model *m,
				    const struct model_row *r)
{
	switch (r->kind) {
	case ROW_ARROW:
		/*
		 * What happened to it says more than what it is, except
		 * at TIME_WAIT, whose own story is the point.
		 */
		if (r->step_kind == STEP_TW_SYN || r->step_kind == STEP_TW_ACK ||
		    r->step_kind == STEP_OLD_SYN)
			return explain_step(r);
		if (r->fate == FATE_LOST)
			return explain_lost(r);
		if (r->fate == FATE_RECEIVED)
			return EX_RECEIVED_ONLY;
		return explain_step(r);
	case ROW_NOTE:
		return explain_step(r);
	case ROW_STATE:
		/* A row that ends a socket has its own step. */
		if (r->step_kind != STEP_NONE)
			return explain_step(r);
		return explain_state(m, r);
	case ROW_INIT:
		break;
	}
	return EX_NR;
}

const char *explain_row(const struct model *m, const struct model_row *r)
{
	enum explanation e = explain_any(m, r);
	size_t i;

	if (e == EX_NR)
		return NULL;
	/* Said once: a second SYN of a simultaneous open, a second TIME_WAIT. */
	for (i = 0; i < m->nr && &m->rows[i] != r; i++)
		if (explain_any(m, &m->rows[i]) == e)
			return NULL;
	return ex(e);
}

const char *explain_conn(const struct model *m)
{
	return m->c->lost ? ex(EX_RECORDS_LOST) : NULL;
}

const char *const *explain_all(size_t *nr)
{
	*nr = ARRAY_SIZE(texts);
	return texts;
}
