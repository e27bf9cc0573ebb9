// SPDX-License-Identifier: GPL-2.0
/*
 * What record version 2 added: segment and request records, the TIME_WAIT
 * socket's state records, and the names of their enumerated fields, in
 * text and JSON, with the values the tables do not know.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>

#include "check.h"
#include "fixture.h"
#include "format_check.h"
#include "names.h"
#include "util.h"

#define ALL_TCP_FLAGS "SYN|FIN|RST|PSH|ACK|URG|ECE|CWR"

/* The JSON tail of the request fixture, after "event". */
#define REQ_JSON_TAIL \
	",\"num_retrans\":2,\"age_ns\":1234567,\"snt_isn\":987654321," \
	"\"rcv_isn\":1234567890}\n"

static void test_names(void)
{
	char buf[NAME_LABEL_MAX], flags[TCP_FLAGS_MAX];

	CHECK_STR("dir_0", name_label(&dir_names, 0, buf));
	CHECK_STR("in", name_label(&dir_names, TCPSTATE_DIR_IN, buf));
	CHECK_STR("out", name_label(&dir_names, TCPSTATE_DIR_OUT, buf));
	CHECK_STR("dir_3", name_label(&dir_names, 3, buf));
	CHECK_STR("dir_4294967295", name_label(&dir_names, UINT_MAX, buf));
	CHECK_STR("none", name_label(&sock_names, TCPSTATE_SOCK_NONE, buf));
	CHECK_STR("timewait", name_label(&sock_names, TCPSTATE_SOCK_TIMEWAIT, buf));
	CHECK_STR("sock_5", name_label(&sock_names, 5, buf));
	CHECK_STR("event_0", name_label(&req_event_names, 0, buf));
	CHECK_STR("created", name_label(&req_event_names, TCPSTATE_REQ_CREATED, buf));
	CHECK_STR("syn_dropped",
		  name_label(&req_event_names, TCPSTATE_REQ_SYN_DROPPED, buf));
	CHECK_STR("event_11", name_label(&req_event_names, 11, buf));
	CHECK_STR("reason_0", name_label(&tw_reason_names, TCPSTATE_TW_NONE, buf));
	CHECK_STR("expired", name_label(&tw_reason_names, TCPSTATE_TW_EXPIRED, buf));
	CHECK_STR("other", name_label(&tw_reason_names, TCPSTATE_TW_OTHER, buf));
	CHECK_STR("reason_7", name_label(&tw_reason_names, 7, buf));

	CHECK_STR("", tcp_flags_string(0, flags));
	CHECK_STR("SYN", tcp_flags_string(TCPSTATE_TH_SYN, flags));
	CHECK_STR("SYN|ACK", tcp_flags_string(0x12, flags));
	CHECK_STR("FIN|ACK", tcp_flags_string(0x11, flags));
	CHECK_STR("RST", tcp_flags_string(0x04, flags));
	CHECK_STR("RST|ACK", tcp_flags_string(0x14, flags));
	CHECK_STR("PSH|ACK", tcp_flags_string(0x18, flags));
	CHECK_STR("SYN|ECE|CWR", tcp_flags_string(0xc2, flags));
	CHECK_STR(ALL_TCP_FLAGS, tcp_flags_string(0xff, flags));
	/* Bits past the 8 of the header field are not flags. */
	CHECK_STR("ACK", tcp_flags_string(0x110, flags));
}

static void test_validate_v2(void)
{
	struct tcpstate_rec rec;

	rec = fixture_segment_rec();
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));
	rec = fixture_request_rec(TCPSTATE_REQ_CREATED);
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));
	rec = fixture_timewait_rec(TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE,
				   TCPSTATE_TW_EXPIRED, 1);
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));

	/* Every record about a socket needs an address family to print. */
	rec = fixture_segment_rec();
	rec.family = 0;
	CHECK_VALID(-1, "bad record: unknown address family 0",
		    rec_validate(&rec, err_, sizeof(err_)));
	rec = fixture_request_rec(TCPSTATE_REQ_CREATED);
	rec.family = AF_UNIX;
	CHECK_VALID(-1, "bad record: unknown address family 1",
		    rec_validate(&rec, err_, sizeof(err_)));
	/* A lost record is about no socket: its family is not looked at. */
	rec = fixture_lost_rec(1);
	rec.family = 99;
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));

	/* Enumerated fields are printed whatever they hold, so they pass. */
	rec = fixture_segment_rec();
	rec.seg.dir = 7;
	rec.seg.sock = 9;
	rec.seg.state = 200;
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));
	rec = fixture_request_rec(42);
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));

	rec = fixture_segment_rec();
	rec.type = TCPSTATE_REC_REQUEST + 1;
	CHECK_VALID(-1, "bad record: unknown type 5",
		    rec_validate(&rec, err_, sizeof(err_)));
	rec.type = 65535;
	CHECK_VALID(-1, "bad record: unknown type 65535",
		    rec_validate(&rec, err_, sizeof(err_)));
}

static void test_timewait_birth(void)
{
	struct tcpstate_rec rec;

	rec = fixture_timewait_rec(TCPSTATE_FIN_WAIT2, TCPSTATE_TIME_WAIT, 0, 0);
	CHECK_TEXT("   1234.567890   3 4026531840       - -               127.0.0.1:45678       -> 10.1.2.3:80           FIN_WAIT2 -> TIME_WAIT [timewait]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("state") ",\"old\":\"FIN_WAIT2\",\"new\":\"TIME_WAIT\",\"timewait\":true}\n",
		   &rec);

	rec = fixture_timewait_rec(TCPSTATE_CLOSING, TCPSTATE_TIME_WAIT, 0, 0);
	CHECK_TEXT(COLS_NO_TASK "CLOSING -> TIME_WAIT [timewait]\n", &rec);

	/* An orphan waiting for the peer's FIN; a reason only counts at CLOSE. */
	rec = fixture_timewait_rec(TCPSTATE_FIN_WAIT1, TCPSTATE_FIN_WAIT2,
				   TCPSTATE_TW_EXPIRED, 5);
	CHECK_TEXT(COLS_NO_TASK "FIN_WAIT1 -> FIN_WAIT2 [timewait]\n", &rec);
	CHECK_JSON(JSON_HEAD("state") ",\"old\":\"FIN_WAIT1\",\"new\":\"FIN_WAIT2\",\"timewait\":true}\n",
		   &rec);

	/* The full socket's own end right after: not the TIME_WAIT socket. */
	rec = fixture_timewait_rec(TCPSTATE_FIN_WAIT2, TCPSTATE_CLOSE,
				   TCPSTATE_TW_RESET, 5);
	rec.flags = 0;
	CHECK_TEXT(COLS_NO_TASK "FIN_WAIT2 -> CLOSE\n", &rec);
	CHECK_JSON(JSON_HEAD("state") ",\"old\":\"FIN_WAIT2\",\"new\":\"CLOSE\",\"timewait\":false}\n",
		   &rec);
}

static const struct {
	unsigned int reason;
	unsigned long long duration_ns;
	const char *text;	/* after "TIME_WAIT -> CLOSE [timewait] " */
	const char *json;	/* after "timewait":true */
} timewait_ends[] = {
	{ TCPSTATE_TW_EXPIRED, 60001000000ULL, "expired after 60.001s",
	  ",\"reason\":\"expired\",\"duration_ns\":60001000000" },
	{ TCPSTATE_TW_REUSED_SYN, 1500000000, "reused_syn after 1.500s",
	  ",\"reason\":\"reused_syn\",\"duration_ns\":1500000000" },
	{ TCPSTATE_TW_RESET, 12345678, "reset after 12.345ms",
	  ",\"reason\":\"reset\",\"duration_ns\":12345678" },
	{ TCPSTATE_TW_NETNS, 999999, "netns after 999.999us",
	  ",\"reason\":\"netns\",\"duration_ns\":999999" },
	{ TCPSTATE_TW_REUSED_CONNECT, 1000, "reused_connect after 1.000us",
	  ",\"reason\":\"reused_connect\",\"duration_ns\":1000" },
	{ TCPSTATE_TW_OTHER, 999, "other after 999ns",
	  ",\"reason\":\"other\",\"duration_ns\":999" },
	/* The module did not see the birth: no duration in text. */
	{ TCPSTATE_TW_EXPIRED, 0, "expired",
	  ",\"reason\":\"expired\",\"duration_ns\":0" },
	/* Values without a name. */
	{ TCPSTATE_TW_NONE, 1, "reason_0 after 1ns",
	  ",\"reason\":\"reason_0\",\"duration_ns\":1" },
	{ 7, 60000000000ULL, "reason_7 after 60.000s",
	  ",\"reason\":\"reason_7\",\"duration_ns\":60000000000" },
	{ 255, ULLONG_MAX, "reason_255 after 18446744073.709s",
	  ",\"reason\":\"reason_255\",\"duration_ns\":18446744073709551615" },
};

static void test_timewait_end(void)
{
	char text[256], json[512];
	struct tcpstate_rec rec;
	size_t i;

	rec = fixture_timewait_rec(TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE,
				   TCPSTATE_TW_EXPIRED, 60001000000ULL);
	CHECK_TEXT("   1234.567890   3 4026531840       - -               127.0.0.1:45678       -> 10.1.2.3:80           TIME_WAIT -> CLOSE [timewait] expired after 60.001s\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"state\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\",\"rport\":80,\"pid\":null,\"comm\":null,\"old\":\"TIME_WAIT\",\"new\":\"CLOSE\",\"timewait\":true,\"reason\":\"expired\",\"duration_ns\":60001000000}\n",
		   &rec);

	for (i = 0; i < ARRAY_SIZE(timewait_ends); i++) {
		rec = fixture_timewait_rec(TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE,
					   timewait_ends[i].reason,
					   timewait_ends[i].duration_ns);
		snprintf(text, sizeof(text), "%sTIME_WAIT -> CLOSE [timewait] %s\n",
			 COLS_NO_TASK, timewait_ends[i].text);
		snprintf(json, sizeof(json), "%s%s%s}\n", JSON_HEAD("state"),
			 ",\"old\":\"TIME_WAIT\",\"new\":\"CLOSE\",\"timewait\":true",
			 timewait_ends[i].json);
		CHECK_TEXT(text, &rec);
		CHECK_JSON(json, &rec);
	}

	/* An orphan FIN_WAIT2 socket's end, by tcp_fin_timeout. */
	rec = fixture_timewait_rec(TCPSTATE_FIN_WAIT2, TCPSTATE_CLOSE,
				   TCPSTATE_TW_EXPIRED, 60000123456ULL);
	CHECK_TEXT(COLS_NO_TASK "FIN_WAIT2 -> CLOSE [timewait] expired after 60.000s\n",
		   &rec);
	/* Whoever's context it ended in, the task columns still work. */
	rec.flags |= TCPSTATE_F_TASK;
	CHECK_TEXT(COLS_TASK "FIN_WAIT2 -> CLOSE [timewait] expired after 60.000s\n",
		   &rec);
}

static void test_segment_ipv4(void)
{
	struct tcpstate_rec rec;

	rec = fixture_segment_rec();
	CHECK_TEXT("   1234.567890   3 4026531840       - -               127.0.0.1:45678       -> 10.1.2.3:80           in  SYN|ACK seq=1234567890 ack=987654321 win=65483 len=0 [full SYN_SENT]\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"segment\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\",\"rport\":80,\"pid\":null,\"comm\":null,\"dir\":\"in\",\"flags\":\"SYN|ACK\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":0,\"retrans\":false,\"sock\":\"full\",\"state\":\"SYN_SENT\"}\n",
		   &rec);

	/* A SYN sent again: no ACK flag, so no ack in text (JSON has all). */
	rec.seg.dir = TCPSTATE_DIR_OUT;
	rec.seg.tcp_flags = TCPSTATE_TH_SYN;
	rec.seg.retrans = 1;
	rec.seg.ack = 0;
	rec.seg.win = 64240;
	CHECK_TEXT(COLS_NO_TASK "out SYN RETRANS seq=1234567890 win=64240 len=0 [full SYN_SENT]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("segment") ",\"dir\":\"out\",\"flags\":\"SYN\",\"seq\":1234567890,\"ack\":0,\"win\":64240,\"len\":0,\"retrans\":true,\"sock\":\"full\",\"state\":\"SYN_SENT\"}\n",
		   &rec);

	/* Data sent in process context (segments=all). */
	rec = fixture_segment_rec();
	rec.flags = TCPSTATE_F_TASK;
	rec.seg.dir = TCPSTATE_DIR_OUT;
	rec.seg.tcp_flags = TCPSTATE_TH_PSH | TCPSTATE_TH_ACK;
	rec.seg.len = 1448;
	rec.seg.state = TCPSTATE_ESTABLISHED;
	CHECK_TEXT("   1234.567890   3 4026531840    4242 curl            127.0.0.1:45678       -> 10.1.2.3:80           out PSH|ACK seq=1234567890 ack=987654321 win=65483 len=1448 [full ESTABLISHED]\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"segment\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\",\"rport\":80,\"pid\":4242,\"comm\":\"curl\",\"dir\":\"out\",\"flags\":\"PSH|ACK\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":1448,\"retrans\":false,\"sock\":\"full\",\"state\":\"ESTABLISHED\"}\n",
		   &rec);

	/* A FIN sent again; any nonzero retrans is one. */
	rec.flags = 0;
	rec.seg.tcp_flags = TCPSTATE_TH_FIN | TCPSTATE_TH_ACK;
	rec.seg.len = 0;
	rec.seg.retrans = 2;
	rec.seg.state = TCPSTATE_FIN_WAIT1;
	CHECK_TEXT(COLS_NO_TASK "out FIN|ACK RETRANS seq=1234567890 ack=987654321 win=65483 len=0 [full FIN_WAIT1]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("segment") ",\"dir\":\"out\",\"flags\":\"FIN|ACK\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":0,\"retrans\":true,\"sock\":\"full\",\"state\":\"FIN_WAIT1\"}\n",
		   &rec);
}

/* The kinds of socket a segment meets, other than a full one. */
static void test_segment_socks(void)
{
	struct tcpstate_rec rec;

	rec = fixture_segment_rec();
	rec.seg.tcp_flags = TCPSTATE_TH_SYN;
	rec.seg.ack = 0;
	rec.seg.win = 65495;
	rec.seg.sock = TCPSTATE_SOCK_LISTENER;
	rec.seg.state = TCPSTATE_LISTEN;
	CHECK_TEXT(COLS_NO_TASK "in  SYN seq=1234567890 win=65495 len=0 [listener LISTEN]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("segment") ",\"dir\":\"in\",\"flags\":\"SYN\",\"seq\":1234567890,\"ack\":0,\"win\":65495,\"len\":0,\"retrans\":false,\"sock\":\"listener\",\"state\":\"LISTEN\"}\n",
		   &rec);

	/* The RST answering a SYN to a closed port: no socket, no state. */
	rec = fixture_segment_rec();
	rec.cookie = 0;
	rec.seg.dir = TCPSTATE_DIR_OUT;
	rec.seg.tcp_flags = TCPSTATE_TH_RST | TCPSTATE_TH_ACK;
	rec.seg.seq = 0;
	rec.seg.ack = 1234567891;
	rec.seg.win = 0;
	rec.seg.sock = TCPSTATE_SOCK_NONE;
	rec.seg.state = 0;
	CHECK_TEXT(COLS_NO_TASK "out RST|ACK seq=0 ack=1234567891 win=0 len=0 [none]\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"segment\",\"cookie\":0,\"netns\":4026531840,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\",\"rport\":80,\"pid\":null,\"comm\":null,\"dir\":\"out\",\"flags\":\"RST|ACK\",\"seq\":0,\"ack\":1234567891,\"win\":0,\"len\":0,\"retrans\":false,\"sock\":\"none\",\"state\":null}\n",
		   &rec);

	/* The last ACK, sent by the TIME_WAIT socket. */
	rec = fixture_segment_rec();
	rec.seg.dir = TCPSTATE_DIR_OUT;
	rec.seg.tcp_flags = TCPSTATE_TH_ACK;
	rec.seg.sock = TCPSTATE_SOCK_TIMEWAIT;
	rec.seg.state = TCPSTATE_TIME_WAIT;
	CHECK_TEXT(COLS_NO_TASK "out ACK seq=1234567890 ack=987654321 win=65483 len=0 [timewait TIME_WAIT]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("segment") ",\"dir\":\"out\",\"flags\":\"ACK\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":0,\"retrans\":false,\"sock\":\"timewait\",\"state\":\"TIME_WAIT\",\"control\":true}\n",
		   &rec);
}

static void test_segment_ipv6(void)
{
	struct tcpstate_rec rec;

	/* The server's SYN-ACK from its request socket, sent again. */
	rec = fixture_ipv6(fixture_segment_rec(), "2001:db8::1", "2001:db8::2");
	rec.seg.dir = TCPSTATE_DIR_OUT;
	rec.seg.retrans = 1;
	rec.seg.sock = TCPSTATE_SOCK_REQUEST;
	rec.seg.state = TCPSTATE_NEW_SYN_RECV;
	CHECK_TEXT("   1234.567890   3 4026531840       - -               [2001:db8::1]:443     -> [2001:db8::2]:50000   out SYN|ACK RETRANS seq=1234567890 ack=987654321 win=65483 len=0 [request NEW_SYN_RECV]\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"segment\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv6\",\"laddr\":\"2001:db8::1\",\"lport\":443,\"raddr\":\"2001:db8::2\",\"rport\":50000,\"pid\":null,\"comm\":null,\"dir\":\"out\",\"flags\":\"SYN|ACK\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":0,\"retrans\":true,\"sock\":\"request\",\"state\":\"NEW_SYN_RECV\"}\n",
		   &rec);

	/*
	 * An IPv4 client of a dual-stack listener: the third ACK arriving,
	 * control (it completes the handshake), as the module marks it.
	 */
	rec = fixture_ipv6(fixture_segment_rec(), "::ffff:192.0.2.1",
			   "::ffff:198.51.100.7");
	rec.seg.tcp_flags = TCPSTATE_TH_ACK;
	rec.seg.seq = 1234567891;
	rec.seg.ack = 987654322;
	rec.seg.win = 512;
	rec.seg.sock = TCPSTATE_SOCK_REQUEST;
	rec.seg.state = TCPSTATE_NEW_SYN_RECV;
	CHECK_TEXT("   1234.567890   3 4026531840       - -               [::ffff:192.0.2.1]:443 -> [::ffff:198.51.100.7]:50000 in  ACK seq=1234567891 ack=987654322 win=512 len=0 [request NEW_SYN_RECV]\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"segment\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv6\",\"laddr\":\"::ffff:192.0.2.1\",\"lport\":443,\"raddr\":\"::ffff:198.51.100.7\",\"rport\":50000,\"pid\":null,\"comm\":null,\"dir\":\"in\",\"flags\":\"ACK\",\"seq\":1234567891,\"ack\":987654322,\"win\":512,\"len\":0,\"retrans\":false,\"sock\":\"request\",\"state\":\"NEW_SYN_RECV\",\"control\":true}\n",
		   &rec);
}

static void test_segment_odd(void)
{
	struct tcpstate_rec rec;

	/* No flags at all; every flag; the largest values. */
	rec = fixture_segment_rec();
	rec.flags = 0;		/* not control, as the module would see it */
	rec.seg.tcp_flags = 0;
	rec.seg.state = TCPSTATE_ESTABLISHED;
	CHECK_TEXT(COLS_NO_TASK "in  - seq=1234567890 win=65483 len=0 [full ESTABLISHED]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("segment") ",\"dir\":\"in\",\"flags\":\"\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":0,\"retrans\":false,\"sock\":\"full\",\"state\":\"ESTABLISHED\"}\n",
		   &rec);
	rec.seg.tcp_flags = 0xff;
	rec.seg.seq = rec.seg.ack = rec.seg.win = rec.seg.len = UINT_MAX;
	CHECK_TEXT(COLS_NO_TASK "in  " ALL_TCP_FLAGS " seq=4294967295 ack=4294967295 win=4294967295 len=4294967295 [full ESTABLISHED]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("segment") ",\"dir\":\"in\",\"flags\":\"" ALL_TCP_FLAGS "\",\"seq\":4294967295,\"ack\":4294967295,\"win\":4294967295,\"len\":4294967295,\"retrans\":false,\"sock\":\"full\",\"state\":\"ESTABLISHED\"}\n",
		   &rec);

	/* Values without a name: labelled, never looked up past a table. */
	rec = fixture_segment_rec();
	rec.seg.dir = 7;
	rec.seg.sock = 9;
	rec.seg.state = TCPSTATE_NR_STATES;
	CHECK_TEXT(COLS_NO_TASK "dir_7 SYN|ACK seq=1234567890 ack=987654321 win=65483 len=0 [sock_9 STATE_13]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("segment") ",\"dir\":\"dir_7\",\"flags\":\"SYN|ACK\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":0,\"retrans\":false,\"sock\":\"sock_9\",\"state\":\"STATE_13\"}\n",
		   &rec);
	rec.seg.dir = 0;
	rec.seg.sock = 255;
	rec.seg.state = 255;
	CHECK_TEXT(COLS_NO_TASK "dir_0 SYN|ACK seq=1234567890 ack=987654321 win=65483 len=0 [sock_255 STATE_255]\n",
		   &rec);
	CHECK_JSON(JSON_HEAD("segment") ",\"dir\":\"dir_0\",\"flags\":\"SYN|ACK\",\"seq\":1234567890,\"ack\":987654321,\"win\":65483,\"len\":0,\"retrans\":false,\"sock\":\"sock_255\",\"state\":\"STATE_255\"}\n",
		   &rec);
}

static const struct {
	unsigned int event;
	const char *text;	/* after the columns */
	const char *json;	/* "event" */
} request_events[] = {
	{ TCPSTATE_REQ_CREATED,
	  "request created isn=987654321 peer_isn=1234567890", "created" },
	{ TCPSTATE_REQ_SYNACK_RETRANS,
	  "request synack_retrans #2 age=1.234ms", "synack_retrans" },
	{ TCPSTATE_REQ_PROMOTED,
	  "request promoted retrans=2 age=1.234ms", "promoted" },
	{ TCPSTATE_REQ_EXPIRED,
	  "request expired retrans=2 age=1.234ms", "expired" },
	{ TCPSTATE_REQ_RESET,
	  "request reset retrans=2 age=1.234ms", "reset" },
	{ TCPSTATE_REQ_ACCEPT_QUEUE_FULL,
	  "request accept_queue_full retrans=2 age=1.234ms", "accept_queue_full" },
	{ TCPSTATE_REQ_DROPPED,
	  "request dropped retrans=2 age=1.234ms", "dropped" },
	{ TCPSTATE_REQ_SYNCOOKIE_SENT,
	  "request syncookie_sent isn=987654321 peer_isn=1234567890",
	  "syncookie_sent" },
	{ TCPSTATE_REQ_SYNCOOKIE_ACCEPTED,
	  "request syncookie_accepted isn=987654321 peer_isn=1234567890",
	  "syncookie_accepted" },
	{ TCPSTATE_REQ_SYN_DROPPED,
	  "request syn_dropped peer_isn=1234567890", "syn_dropped" },
	/* Events without a name: every field, since which matter is unknown. */
	{ 0, "request event_0 isn=987654321 peer_isn=1234567890 retrans=2 age=1.234ms",
	  "event_0" },
	{ TCPSTATE_REQ_SYN_DROPPED + 1,
	  "request event_11 isn=987654321 peer_isn=1234567890 retrans=2 age=1.234ms",
	  "event_11" },
	{ 255, "request event_255 isn=987654321 peer_isn=1234567890 retrans=2 age=1.234ms",
	  "event_255" },
};

static void test_request_events(void)
{
	char text[256], json[512];
	struct tcpstate_rec rec;
	size_t i;

	rec = fixture_request_rec(TCPSTATE_REQ_CREATED);
	CHECK_TEXT("   1234.567890   3 4026531840       - -               127.0.0.1:45678       -> 10.1.2.3:80           request created isn=987654321 peer_isn=1234567890\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"request\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\",\"rport\":80,\"pid\":null,\"comm\":null,\"event\":\"created\",\"num_retrans\":2,\"age_ns\":1234567,\"snt_isn\":987654321,\"rcv_isn\":1234567890}\n",
		   &rec);

	for (i = 0; i < ARRAY_SIZE(request_events); i++) {
		rec = fixture_request_rec(request_events[i].event);
		snprintf(text, sizeof(text), "%s%s\n", COLS_NO_TASK,
			 request_events[i].text);
		snprintf(json, sizeof(json), "%s,\"event\":\"%s\"%s",
			 JSON_HEAD("request"), request_events[i].json,
			 REQ_JSON_TAIL);
		CHECK_TEXT(text, &rec);
		CHECK_JSON(json, &rec);
	}
}

static void test_request_fields(void)
{
	struct tcpstate_rec rec;

	/* No retransmission, age unknown: nothing to say but the event. */
	rec = fixture_request_rec(TCPSTATE_REQ_PROMOTED);
	rec.req.num_retrans = 0;
	rec.req.age_ns = 0;
	CHECK_TEXT(COLS_NO_TASK "request promoted\n", &rec);
	CHECK_JSON(JSON_HEAD("request") ",\"event\":\"promoted\",\"num_retrans\":0,\"age_ns\":0,\"snt_isn\":987654321,\"rcv_isn\":1234567890}\n",
		   &rec);

	/* The count is the point of a retransmission event, even the first. */
	rec = fixture_request_rec(TCPSTATE_REQ_SYNACK_RETRANS);
	rec.req.num_retrans = 1;
	rec.req.age_ns = 1000000000;
	CHECK_TEXT(COLS_NO_TASK "request synack_retrans #1 age=1.000s\n", &rec);
	rec.req.num_retrans = 255;
	rec.req.age_ns = 999;
	CHECK_TEXT(COLS_NO_TASK "request synack_retrans #255 age=999ns\n", &rec);
	CHECK_JSON(JSON_HEAD("request") ",\"event\":\"synack_retrans\",\"num_retrans\":255,\"age_ns\":999,\"snt_isn\":987654321,\"rcv_isn\":1234567890}\n",
		   &rec);

	rec = fixture_ipv6(fixture_request_rec(TCPSTATE_REQ_EXPIRED),
			   "2001:db8::1", "2001:db8::2");
	rec.req.num_retrans = 5;
	rec.req.age_ns = 63012000000ULL;
	CHECK_TEXT("   1234.567890   3 4026531840       - -               [2001:db8::1]:443     -> [2001:db8::2]:50000   request expired retrans=5 age=63.012s\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"request\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv6\",\"laddr\":\"2001:db8::1\",\"lport\":443,\"raddr\":\"2001:db8::2\",\"rport\":50000,\"pid\":null,\"comm\":null,\"event\":\"expired\",\"num_retrans\":5,\"age_ns\":63012000000,\"snt_isn\":987654321,\"rcv_isn\":1234567890}\n",
		   &rec);

	/* A cookie accepted for an IPv4 client of a dual-stack listener. */
	rec = fixture_ipv6(fixture_request_rec(TCPSTATE_REQ_SYNCOOKIE_ACCEPTED),
			   "::ffff:192.0.2.1", "::ffff:198.51.100.7");
	rec.flags = TCPSTATE_F_TASK;
	CHECK_TEXT("   1234.567890   3 4026531840    4242 curl            [::ffff:192.0.2.1]:443 -> [::ffff:198.51.100.7]:50000 request syncookie_accepted isn=987654321 peer_isn=1234567890\n",
		   &rec);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"request\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv6\",\"laddr\":\"::ffff:192.0.2.1\",\"lport\":443,\"raddr\":\"::ffff:198.51.100.7\",\"rport\":50000,\"pid\":4242,\"comm\":\"curl\",\"event\":\"syncookie_accepted\",\"num_retrans\":2,\"age_ns\":1234567,\"snt_isn\":987654321,\"rcv_isn\":1234567890}\n",
		   &rec);
}

void test_records(void)
{
	test_names();
	test_validate_v2();
	test_timewait_birth();
	test_timewait_end();
	test_segment_ipv4();
	test_segment_socks();
	test_segment_ipv6();
	test_segment_odd();
	test_request_events();
	test_request_fields();
}
