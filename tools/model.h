/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection model: what happened on one connection, computed once,
 * which every output only shows.
 *
 * conns.c groups records into a struct conn (its events in time order);
 * model_build() turns one into a struct model, in passes: (1) sides: the
 * end that sent the first SYN is column 0 ("client"), the other column 1;
 * (2) one arrow per segment: each "in" matched with the "out" the other
 * end recorded; (3) rows: each side's state where it changes, each arrow,
 * what request and TIME_WAIT sockets did; (4) steps: each arrow's place in
 * the textbook's handshake or close (enum step, and its label); (5)
 * figures and verdicts: every duration (struct model_figures, one
 * definition each, documented there), how the connection opened and
 * ended (enum open_kind, enum end_kind), and the anomalies in words.
 *
 * The views, each a function of a struct model and nothing else:
 *   - ladder.c: the text ladder (wide or narrow), --follow, the summary
 *     line;
 *   - svg.c: the picture (--svg) and the page (--html);
 *   - exporter.c (tcpstate exporter): histograms of each side's handshake
 *     (model_side_handshake()), fig.rtt, fig.lifetime, fig.tw_life[] by
 *     fig.tw_reason[], fig.cw[], and failed opens by model_open_failure();
 *   - explain.c (conns --explain): a note under each row, keyed by
 *     row->step_kind (and row->state, row->fate, row->again), not by
 *     parsing the label.
 * No view computes a figure or re-reads the records for one; a figure a
 * view needs and the model lacks is added here, once.
 *
 * The model never looks at arrival order: conns.c keeps each connection's
 * events sorted by timestamp, and the readers order records by time
 * before grouping (main.c).
 */
#ifndef TCPSTATE_TOOL_MODEL_H
#define TCPSTATE_TOOL_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "conns.h"
#include "names.h"

#define MODEL_STEP_MAX	80
#define MODEL_NOTE_MAX	160
#define MODEL_NOTES_MAX	16
#define MODEL_LABEL_MAX	96

enum row_kind {
	ROW_INIT,	/* each side's state before the first event */
	ROW_STATE,	/* a side's state changed */
	ROW_ARROW,	/* a segment */
	ROW_NOTE,	/* something a side did, in words */
};

/* Who recorded an arrow's segment. */
enum fate {
	FATE_BOTH,	/* the sender (out) and the receiver (in) */
	FATE_UNTRACED,	/* one end; the other end is not traced */
	FATE_LOST,	/* only the sender, and the receiver would have */
	FATE_SENT,	/* only the sender; the receiver records no such segment */
	FATE_RECEIVED,	/* only the receiver */
};

/* A row's place in the textbook's story (its label says it in words). */
enum step {
	STEP_NONE,
	STEP_HS_SYN, STEP_HS_SYNACK, STEP_HS_ACK,	/* handshake 1/3 .. 3/3 */
	STEP_SIM_OPEN_SYN, STEP_SIM_OPEN_SYNACK, STEP_SIM_OPEN_ACK,
	STEP_CLOSE_FIN,		/* close 1/4 (1/3): the first FIN */
	STEP_CLOSE_ACK,		/* close 2/4: its ACK */
	STEP_CLOSE_FIN2,	/* close 3/4: the other FIN */
	STEP_CLOSE_FIN_ACK,	/* close 2/3: the other FIN with the ACK */
	STEP_CLOSE_LAST_ACK,	/* close 4/4 (3/3) */
	STEP_SIM_CLOSE_FIN, STEP_SIM_CLOSE_ACK,
	STEP_REFUSED,		/* RST answering a SYN nothing listened for */
	STEP_RESET,		/* RST */
	STEP_DATA,
	STEP_TW_END,		/* the TIME_WAIT socket's end */
	STEP_REQ_END,		/* a request socket expired, reset, dropped */
	STEP_ACCEPT_QUEUE_FULL, STEP_SYN_DROPPED, STEP_COOKIE_ACCEPTED,
	STEP_TW_SYN,		/* a SYN met this connection's TIME_WAIT socket */
	STEP_TW_ACK,		/* TIME_WAIT's ACK answering one */
	STEP_OLD_SYN,		/* a SYN no socket of the client sent */
	STEP_OLD_SYN_RST,	/* the client kernel's RST to its SYN-ACK */
	STEP_KEEPALIVE,		/* seq = snd_una - 1, no data, window open */
	STEP_WINDOW_PROBE,	/* the same, the peer's window closed */
	STEP_PROBE_ACK,		/* the peer's ACK answering either */
};

struct model_row {
	enum row_kind kind;
	unsigned int col;	/* a side; an arrow's: its sender's */
	__u64 ts;
	unsigned int state;	/* ROW_STATE: the side's new state */
	bool tw_end;		/* ROW_STATE: a TIME_WAIT socket's end */
	/* ROW_ARROW */
	const struct tcpstate_segment *seg;
	size_t ev, seg_ev;	/* the event drawn here; the one seg is of */
	__u64 sent, recvd;	/* 0: not recorded */
	enum fate fate;
	bool retrans;
	bool again;		/* the step's segment sent again (", sent again") */
	bool cookie;		/* a SYN cookie SYN-ACK (the listener's) */
	bool to_tw, from_tw;	/* received by, sent by a TIME_WAIT socket */
	enum step step_kind;
	char step[MODEL_STEP_MAX];
	char note[MODEL_NOTE_MAX];
	bool bad;		/* note is an anomaly */
};

enum close_kind {
	CLOSE_NONE,		/* no FIN */
	CLOSE_UNKNOWN,		/* one FIN, not answered yet (following) */
	CLOSE_4WAY,		/* FIN, ACK, FIN, ACK */
	CLOSE_COMBINED,		/* FIN, FIN+ACK, ACK */
	CLOSE_SIM,		/* both FINs crossed: CLOSING */
	CLOSE_HALF,		/* one FIN, and its ACK at most */
};

/* How the connection opened. */
enum open_kind {
	OPEN_NONE,		/* no SYN seen (traced from its middle) */
	OPEN_3WAY,
	OPEN_SIM,		/* simultaneous open */
	OPEN_REFUSED,		/* RST answered the SYN */
	OPEN_HALF,		/* a SYN, never ESTABLISHED */
};

/* How it ended. */
enum end_kind {
	END_NONE,		/* nothing to say: complete, never opened or closed */
	END_REFUSED,
	END_RESET,		/* model.rst[] says by whom */
	END_4WAY, END_COMBINED, END_SIM,
	END_HALF,		/* one FIN, complete */
	END_CLOSING,		/* one FIN, not complete */
	END_OPEN,		/* not complete, no FIN */
	END_NEVER_OPENED,	/* half-open, complete */
};

/*
 * Every duration any view shows; 0 in a has_ flag's place: not known.
 * Each is defined here once:
 *   rtt        at the client: the SYN's send to the SYN-ACK's arrival;
 *              else (rtt_at_client false) at the server: the SYN's
 *              arrival to the SYN-ACK's send
 *   handshake  the first SYN (sent, else received) to the later of the
 *              traced ends' ESTABLISHED; known when each traced end got
 *              there
 *   lifetime   the first SYN (life_from_syn; else the first event) to the
 *              later of the counted ends' CLOSE or TIME_WAIT; known when
 *              each counted end (below) got there
 *   close      the first FIN (sent, else received) to that same end
 *   tw_state   a side's time in TIME_WAIT: its state change to TIME_WAIT
 *              to its TIME_WAIT socket's end
 *   tw_life    the TIME_WAIT socket's life as the module measured it
 *              (duration_ns: its birth, which for an orphan is in
 *              FIN_WAIT2, to its end); else, if the module did not know,
 *              from the records, as tw_state. What dump prints
 *   cw         a side's CLOSE_WAIT: entering it to leaving it
 */
struct model_figures {
	__u64 rtt;
	bool rtt_at_client;
	bool has_handshake;
	__u64 handshake;
	bool has_lifetime, life_from_syn;
	__u64 lifetime;
	bool has_close;
	__u64 close;
	/*
	 * The ends lifetime and close wait for: each traced end that had a
	 * socket (not one whose records all say "no socket", as a refused
	 * SYN's server). both_traced: both are.
	 */
	bool counted[2];
	bool both_traced;
	bool has_tw[2];		/* a TIME_WAIT socket entered TIME_WAIT */
	bool tw_ended[2];	/* ...and its end was seen */
	__u64 tw_state[2], tw_life[2];
	unsigned int tw_reason[2];
	bool has_cw[2];
	__u64 cw[2];
};

struct model_opts {
	bool absolute;		/* numbers in notes as they are, no x, y, u, w */
	/* CLOSE_WAIT longer than this is "the application never closed". */
	unsigned long long close_wait_ns;
	/*
	 * Only what draws the rows (rows, steps, numbers, sides, processes):
	 * no figures (fig, t_*), verdicts (open, end) or anomalies (notes[]
	 * may hold only the steps' own). --follow builds a model per record
	 * and shows only rows until the connection ends.
	 */
	bool rows_only;
};

struct label_state;

struct model {
	const struct conn *c;
	struct model_opts o;
	bool live;		/* following: more events may come */
	unsigned int left;	/* the end (index of c->ep) in column 0 */
	bool traced[2];		/* by column */
	unsigned int init[2];	/* states before the first event; 0: unknown */
	struct model_row *rows;
	size_t nr, cap;
	/* x, y (the ISNs) and u, w (the FINs), by sender's column */
	bool has_isn[2], has_fin[2];
	__u32 isn[2], fin[2], fin_len[2];
	int closer;		/* column of the first FIN, -1 if none */
	size_t fin_row[2];	/* the row of each column's first FIN */
	enum close_kind close;
	bool sim_open;
	bool all_segments;	/* segments=all: every segment is recorded */
	size_t hold;		/* following: rows from here may still change */
	/* what happened */
	unsigned int syn_n[2], synack_n[2];
	bool rst[2], refused;
	bool cookie_sent;
	enum open_kind open;
	enum end_kind end;
	/* each side's process: the first record in process context */
	bool has_task[2];
	__u32 pid[2];
	char comm[2][sizeof(((struct tcpstate_rec *)0)->comm) + 1];
	/* timestamps; 0: not seen */
	__u64 t0, t_last;
	struct model_figures fig;
	char notes[MODEL_NOTES_MAX][MODEL_NOTE_MAX];
	size_t nr_notes;
	/* model.c's own */
	size_t *match, match_cap;
	bool req_alive[2];
	const struct conn_rec *req_end[2];
	size_t req_end_ev[2];
	/*
	 * model_follow()'s: what the passes knew after the last event, so
	 * that the next one is added, not the connection built again.
	 */
	bool follow;
	size_t nev;			/* events modelled */
	const struct conn_event *ev;	/* c->ev then: rows point into it */
	bool left_syn, left_other;	/* client_end() decided, and how */
	bool listener, init_found[2];	/* sides(): init[] decided, by end */
	unsigned int disp[2];		/* build_rows(): each side's state */
	bool in_tw[2];			/* ...and its TIME_WAIT socket alive */
	__u64 fin_ts[2];		/* numbers(): each side's first FIN */
	size_t closer_fin, ofin, oack;	/* close_kind()'s rows */
	bool old_syn_done;		/* old_syn() relabelled two rows */
	struct label_state *snap;	/* label_rows()' state before each row */
	size_t snap_cap;
	size_t kept_slot;		/* ladder.c's: where it keeps it */
	__u64 t_syn, t_est[2], t_fin, t_final[2];
	__u64 tw_born[2], tw_in[2], tw_out[2];
	__u64 cw_in[2], cw_out[2];
};

/* c's model; live: more events may come (--follow). Never NULL. */
struct model *model_build(const struct conn *c, const struct model_opts *o,
			  bool live);
void model_free(struct model *m);

/*
 * --follow: kept (NULL at first) as c's live model after its newest
 * event, the same as model_build(c, o, true) with o->rows_only; kept is
 * updated from the previous one when the event was added at the end, and
 * freed by model_free().
 */
struct model *model_follow(struct model *kept, const struct conn *c,
			   const struct model_opts *o);

/* "client", "server" ("peer A", "peer B" for a simultaneous open). */
const char *model_side_name(const struct model *m, unsigned int col);
/* The side in a sentence: "the client", "peer A". */
const char *model_who(const struct model *m, unsigned int col);
/* The endpoint drawn in column col. */
const struct endpoint *model_ep(const struct model *m, unsigned int col);

/*
 * v in column col's sequence space as row r shows it: "x", "u+1", or the
 * number (always the number with o.absolute).
 */
const char *model_rel(const struct model *m, const struct model_row *r,
		      unsigned int col, __u32 v, char buf[32]);

/* What an arrow says: "SYN|ACK seq=y ack=x+1 len=5". */
const char *model_arrow_label(const struct model *m, const struct model_row *r,
			      char buf[MODEL_LABEL_MAX]);

/* Seconds since the connection's first event, 6 decimals: "0.000205". */
const char *model_reltime(const struct model *m, __u64 ts, char buf[32]);

/* Whether either end of c was seen in state (a TCPSTATE_* value). */
bool conn_reached(const struct conn *c, unsigned int state);

/*
 * For the exporter, which counts what the views describe.
 *
 * How an attempt to open failed: REFUSED, an RST answered the SYN;
 * RESET, it was reset before ESTABLISHED (the SYN-ACK answered by an RST,
 * a request socket reset); TIMEOUT, no end ever got to ESTABLISHED and
 * nothing reset it: SYNs or SYN-ACKs unanswered until the kernel (or the
 * application) gave up, a request socket expired or was dropped. NONE:
 * it opened, or was traced from its middle, or is not over (the verdict
 * waits for a complete connection).
 */
enum open_failure {
	OPEN_FAIL_NONE,
	OPEN_FAIL_REFUSED,
	OPEN_FAIL_RESET,
	OPEN_FAIL_TIMEOUT,
};
enum open_failure model_open_failure(const struct model *m);
/* "refused", "reset", "timeout"; NULL for OPEN_FAIL_NONE. */
const char *open_failure_name(enum open_failure f);

/*
 * One side's own handshake (fig.handshake spans both): the client from
 * its first SYN sent, the server from the first SYN it received, each to
 * its own ESTABLISHED. False if that side was not traced, never got
 * there, the SYN was not recorded at it, or the open was simultaneous
 * (no client and server).
 */
bool model_side_handshake(const struct model *m, unsigned int col, __u64 *ns);

#endif
