// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "fixture.h"
#include "format_check.h"
#include "states.h"
#include "util.h"

/* The state fixture moved to IPv6, ports 443 -> 50000. */
static struct tcpstate_rec ipv6_rec(const char *laddr, const char *raddr)
{
	return fixture_ipv6(fixture_state_rec(), laddr, raddr);
}

static char *json_string_of(const char *s, size_t len)
{
	struct capture c;

	json_string(capture_begin(&c), s, len);
	return capture_end(&c);
}

#define CHECK_JSON_STRING(expected, literal) do {		\
	char *s_ = json_string_of(literal, sizeof(literal) - 1);	\
	CHECK_STR(expected, s_);				\
	free(s_);						\
} while (0)

void test_states(void)
{
	char buf[TCP_STATE_LABEL_MAX];

	CHECK_STR(NULL, tcp_state_name(0));
	CHECK_STR("ESTABLISHED", tcp_state_name(TCPSTATE_ESTABLISHED));
	CHECK_STR("CLOSE_WAIT", tcp_state_name(TCPSTATE_CLOSE_WAIT));
	CHECK_STR("NEW_SYN_RECV", tcp_state_name(TCPSTATE_NEW_SYN_RECV));
	CHECK_STR(NULL, tcp_state_name(TCPSTATE_NR_STATES));
	CHECK_STR("LISTEN", tcp_state_label(TCPSTATE_LISTEN, buf));
	CHECK_STR("STATE_0", tcp_state_label(0, buf));
	CHECK_STR("STATE_42", tcp_state_label(42, buf));
	CHECK_STR("STATE_4294967295", tcp_state_label(UINT_MAX, buf));
	CHECK_INT(TCPSTATE_SYN_SENT, tcp_state_lookup("syn_sent", 8));
	CHECK_INT(TCPSTATE_SYN_SENT, tcp_state_lookup("SYN_SENT", 8));
	CHECK_INT(TCPSTATE_NEW_SYN_RECV, tcp_state_lookup("new_syn_recv", 12));
	/* Only len bytes count: a prefix of a longer name is looked up alone. */
	CHECK_INT(TCPSTATE_CLOSE, tcp_state_lookup("close_wait", 5));
	CHECK_INT(0, tcp_state_lookup("clos", 4));
	CHECK_INT(0, tcp_state_lookup("", 0));
	CHECK_INT(0, tcp_state_lookup("established_", 12));
}

/*
 * u64_str() and ip_str() replace printf("%llu") and inet_ntop() on dump's
 * hot path: the same text for edge values and many random ones (IPv6 words
 * mostly zero, so every zero-run rule of RFC 5952 and ::ffff:a.b.c.d is hit).
 */
static void check_fast_formatters(void)
{
	static const unsigned long long edges[] = {
		0, 1, 9, 10, 99, 100, 999, 1000, 65535, 4294967295ULL,
		9999999999ULL, 10000000000ULL, 999999999999999999ULL,
		1000000000000000000ULL, 9999999999999999999ULL,
		10000000000000000000ULL, ULLONG_MAX,
	};
	char want[64], got[IP_STR_MAX + U64_STR_MAX];
	unsigned int seed = 1, i, j, bad = 0;
	unsigned char a[16];
	size_t n;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		snprintf(want, sizeof(want), "%llu", edges[i]);
		n = u64_str(edges[i], got);
		got[n] = '\0';
		CHECK_STR(want, got);
	}
	for (i = 0; i < 200000; i++) {
		unsigned long long v = (unsigned long long)rand_r(&seed) << 33 ^
				       (unsigned long long)rand_r(&seed) << 11 ^
				       (unsigned long long)rand_r(&seed);

		v >>= rand_r(&seed) % 64;
		snprintf(want, sizeof(want), "%llu", v);
		n = u64_str(v, got);
		got[n] = '\0';
		bad += strcmp(want, got) != 0;

		for (j = 0; j < 16; j++)
			a[j] = rand_r(&seed) % 4 ? 0 : (unsigned char)rand_r(&seed);
		if (i % 7 == 0)
			memcpy(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		inet_ntop(AF_INET6, a, want, sizeof(want));
		n = ip_str(AF_INET6, a, got);
		bad += strcmp(want, got) != 0 || n != strlen(got);
		inet_ntop(AF_INET, a + 12, want, sizeof(want));
		n = ip_str(AF_INET, a + 12, got);
		bad += strcmp(want, got) != 0 || n != strlen(got);
	}
	CHECK_INT(0, bad);
	memset(a, 0, sizeof(a));
	ip_str(AF_INET6, a, got);
	CHECK_STR("::", got);
	a[15] = 1;
	ip_str(AF_INET6, a, got);
	CHECK_STR("::1", got);
	a[10] = a[11] = 0xff;
	ip_str(AF_INET6, a, got);
	CHECK_STR("::ffff:0.0.0.1", got);
}

void test_util(void)
{
	unsigned long long v = 7;

	CHECK(parse_u64("0", &v));
	CHECK_INT(0, v);
	CHECK(parse_u64("0012", &v));
	CHECK_INT(12, v);
	CHECK(parse_u64("18446744073709551615", &v));
	CHECK(v == ULLONG_MAX);
	v = 7;
	CHECK(!parse_u64("18446744073709551616", &v));
	CHECK(!parse_u64("", &v));
	CHECK(!parse_u64("-1", &v));
	CHECK(!parse_u64("+1", &v));
	CHECK(!parse_u64(" 1", &v));
	CHECK(!parse_u64("1 ", &v));
	CHECK(!parse_u64("0x10", &v));
	CHECK(!parse_u64("abc", &v));
	/* A failed parse leaves the value alone. */
	CHECK_INT(7, v);
	check_fast_formatters();
}

static void test_validate(void)
{
	struct tcpstate_info info = {
		.version = TCPSTATE_ABI_VERSION,
		.rec_size = sizeof(struct tcpstate_rec),
		.nr_records = 8192,
		.hook = TCPSTATE_HOOK_TRACEPOINT,
	};
	struct tcpstate_rec rec;

	CHECK_VALID(0, "", info_validate(&info, err_, sizeof(err_)));
	/* A module of the previous version, the likely mismatch. */
	info.version = 1;
	CHECK_VALID(-1, "version mismatch: module speaks record version 1, this tool reads version " ABI_VERSION_STR "; build both from the same tree",
		    info_validate(&info, err_, sizeof(err_)));
	info.version = TCPSTATE_ABI_VERSION;
	info.rec_size = 64;
	CHECK_VALID(-1, "version mismatch: module writes 64-byte records, this tool reads 128-byte records; build both from the same tree",
		    info_validate(&info, err_, sizeof(err_)));

	rec = fixture_state_rec();
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));
	rec = ipv6_rec("::1", "::1");
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));
	rec = fixture_lost_rec(5);
	CHECK_VALID(0, "", rec_validate(&rec, err_, sizeof(err_)));

	rec = fixture_state_rec();
	rec.version = 1;
	CHECK_VALID(-1, "version mismatch: record has version 1, this tool reads version " ABI_VERSION_STR "; build both from the same tree",
		    rec_validate(&rec, err_, sizeof(err_)));
	/* A bad version is reported even when other fields are bad too. */
	rec.size = 0;
	rec.type = 0;
	CHECK_VALID(-1, "version mismatch: record has version 1, this tool reads version " ABI_VERSION_STR "; build both from the same tree",
		    rec_validate(&rec, err_, sizeof(err_)));
	rec = fixture_state_rec();
	rec.size = 64;
	CHECK_VALID(-1, "bad record: size 64, expected 128",
		    rec_validate(&rec, err_, sizeof(err_)));
	rec = fixture_state_rec();
	rec.type = 0;
	CHECK_VALID(-1, "bad record: unknown type 0",
		    rec_validate(&rec, err_, sizeof(err_)));
	rec.type = 99;
	CHECK_VALID(-1, "bad record: unknown type 99",
		    rec_validate(&rec, err_, sizeof(err_)));
	rec = fixture_state_rec();
	rec.family = 0;
	CHECK_VALID(-1, "bad record: unknown address family 0",
		    rec_validate(&rec, err_, sizeof(err_)));
	rec.family = AF_UNIX;
	CHECK_VALID(-1, "bad record: unknown address family 1",
		    rec_validate(&rec, err_, sizeof(err_)));
}

static void test_text(void)
{
	struct capture c;
	struct tcpstate_rec rec;
	char *s;

	format_text_header(capture_begin(&c));
	s = capture_end(&c);
	CHECK_STR("          TIME CPU      NETNS     PID COMM            LOCAL                    REMOTE                EVENT\n",
		  s);
	free(s);

	rec = fixture_state_rec();
	CHECK_TEXT("   1234.567890   3 4026531840    4242 curl            127.0.0.1:45678       -> 10.1.2.3:80           SYN_SENT -> ESTABLISHED\n",
		   &rec);

	/* Outside process context: no pid or comm, whatever the fields hold. */
	rec.flags = TCPSTATE_F_CHILD_TUPLE;
	rec.state.old_state = TCPSTATE_SYN_RECV;
	CHECK_TEXT("   1234.567890   3 4026531840       - -               127.0.0.1:45678       -> 10.1.2.3:80           SYN_RECV -> ESTABLISHED\n",
		   &rec);

	/* ts below a second; widest IPv4 endpoints still keep the columns. */
	rec = fixture_state_rec();
	rec.ts_ns = 999;
	rec.cpu = 127;
	rec.netns = 0;
	rec.pid = 4194304;
	rec.lport = 65535;
	rec.rport = 0;
	inet_pton(AF_INET, "255.255.255.255", rec.laddr);
	inet_pton(AF_INET, "0.0.0.0", rec.raddr);
	CHECK_TEXT("      0.000000 127          0 4194304 curl            255.255.255.255:65535 -> 0.0.0.0:0             SYN_SENT -> ESTABLISHED\n",
		   &rec);

	rec = ipv6_rec("2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0002");
	CHECK_TEXT("   1234.567890   3 4026531840    4242 curl            [2001:db8::1]:443     -> [2001:db8::2]:50000   SYN_SENT -> ESTABLISHED\n",
		   &rec);

	/* Too long for the column: pushes the rest, one space still between. */
	rec = ipv6_rec("2001:db8:1234:5678:9abc:def0:1234:5678", "fe80::1");
	CHECK_TEXT("   1234.567890   3 4026531840    4242 curl            [2001:db8:1234:5678:9abc:def0:1234:5678]:443 -> [fe80::1]:50000       SYN_SENT -> ESTABLISHED\n",
		   &rec);

	rec = ipv6_rec("::ffff:192.0.2.1", "::ffff:198.51.100.7");
	CHECK_TEXT("   1234.567890   3 4026531840    4242 curl            [::ffff:192.0.2.1]:443 -> [::ffff:198.51.100.7]:50000 SYN_SENT -> ESTABLISHED\n",
		   &rec);

	rec = fixture_state_rec();
	rec.state.old_state = 42;
	rec.state.new_state = 0;
	CHECK_TEXT("   1234.567890   3 4026531840    4242 curl            127.0.0.1:45678       -> 10.1.2.3:80           STATE_42 -> STATE_0\n",
		   &rec);
	rec.state.old_state = TCPSTATE_NR_STATES;
	rec.state.new_state = 255;
	CHECK_TEXT("   1234.567890   3 4026531840    4242 curl            127.0.0.1:45678       -> 10.1.2.3:80           STATE_13 -> STATE_255\n",
		   &rec);

	/* Control and non-ASCII bytes must not reach the terminal. */
	rec = fixture_state_rec();
	memcpy(rec.comm, "a\tb\033[c\303\251", sizeof("a\tb\033[c\303\251"));
	CHECK_TEXT("   1234.567890   3 4026531840    4242 a?b?[c??        127.0.0.1:45678       -> 10.1.2.3:80           SYN_SENT -> ESTABLISHED\n",
		   &rec);
	/* A comm filling all 16 bytes without a NUL stops at the field. */
	memset(rec.comm, 'x', sizeof(rec.comm));
	CHECK_TEXT("   1234.567890   3 4026531840    4242 xxxxxxxxxxxxxxxx 127.0.0.1:45678       -> 10.1.2.3:80           SYN_SENT -> ESTABLISHED\n",
		   &rec);

	rec = fixture_lost_rec(123);
	CHECK_TEXT("   1234.567890   3 *** 123 events lost here (ring buffer full) ***\n",
		   &rec);
	rec = fixture_lost_rec(1);
	CHECK_TEXT("   1234.567890   3 *** 1 event lost here (ring buffer full) ***\n",
		   &rec);
}

static void test_json(void)
{
	struct tcpstate_rec rec;

	rec = fixture_state_rec();
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"state\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\",\"rport\":80,\"pid\":4242,\"comm\":\"curl\",\"old\":\"SYN_SENT\",\"new\":\"ESTABLISHED\",\"timewait\":false}\n",
		   &rec);

	rec.flags = 0;
	rec.cookie = 18446744073709551615ULL;
	rec.ts_ns = 18446744073709551615ULL;
	CHECK_JSON("{\"ts\":18446744073709551615,\"cpu\":3,\"type\":\"state\",\"cookie\":18446744073709551615,\"netns\":4026531840,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\",\"rport\":80,\"pid\":null,\"comm\":null,\"old\":\"SYN_SENT\",\"new\":\"ESTABLISHED\",\"timewait\":false}\n",
		   &rec);

	rec = ipv6_rec("2001:db8::1", "::ffff:192.0.2.1");
	rec.state.old_state = TCPSTATE_LISTEN;
	rec.state.new_state = 42;
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"state\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv6\",\"laddr\":\"2001:db8::1\",\"lport\":443,\"raddr\":\"::ffff:192.0.2.1\",\"rport\":50000,\"pid\":4242,\"comm\":\"curl\",\"old\":\"LISTEN\",\"new\":\"STATE_42\",\"timewait\":false}\n",
		   &rec);

	rec = fixture_state_rec();
	memcpy(rec.comm, "a\"b\\c\n\001\177\377", sizeof("a\"b\\c\n\001\177\377"));
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"state\",\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\",\"rport\":80,\"pid\":4242,\"comm\":\"a\\\"b\\\\c\\u000a\\u0001\\u007f\\udcff\",\"old\":\"SYN_SENT\",\"new\":\"ESTABLISHED\",\"timewait\":false}\n",
		   &rec);

	rec = fixture_lost_rec(123);
	CHECK_JSON("{\"ts\":1234567890123,\"cpu\":3,\"type\":\"lost\",\"count\":123}\n",
		   &rec);
}

static void test_json_string(void)
{
	CHECK_JSON_STRING("\"\"", "");
	CHECK_JSON_STRING("\"nginx: worker\"", "nginx: worker");
	CHECK_JSON_STRING("\"a\\u0000b\"", "a\0b");
	CHECK_JSON_STRING("\"\\u001f \\u007f/\"", "\037 \177/");
	/* Well-formed UTF-8 of 2, 3 and 4 bytes passes through. */
	CHECK_JSON_STRING("\"\303\251\342\202\254\360\237\230\200\"",
			  "\303\251\342\202\254\360\237\230\200");
	/* A sequence cut at the end, as by the 15-byte comm limit. */
	CHECK_JSON_STRING("\"ab\\udce2\\udc82\"", "ab\342\202");
	CHECK_JSON_STRING("\"\\udc80x\"", "\200x");
	/* Overlong forms, a surrogate, a code point past U+10FFFF. */
	CHECK_JSON_STRING("\"\\udcc0\\udc80\"", "\300\200");
	CHECK_JSON_STRING("\"\\udce0\\udc80\\udc80\"", "\340\200\200");
	CHECK_JSON_STRING("\"\\udced\\udca0\\udc80\"", "\355\240\200");
	CHECK_JSON_STRING("\"\\udcf4\\udc90\\udc80\\udc80\"", "\364\220\200\200");
	CHECK_JSON_STRING("\"\\udcf8\\udcfe\\udcff\"", "\370\376\377");
	/* A lead byte followed by ASCII: the ASCII survives. */
	CHECK_JSON_STRING("\"\\udcc3(\"", "\303(");
}

void test_format(void)
{
	test_validate();
	test_text();
	test_json();
	test_json_string();
}
