/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact-output checks of format.c, shared by test_format.c (v1 record
 * kinds) and test_records.c (what record version 2 added).
 */
#ifndef TCPSTATE_FORMAT_CHECK_H
#define TCPSTATE_FORMAT_CHECK_H

#include <stdlib.h>

#include "check.h"
#include "format.h"

static inline char *text_of(const struct tcpstate_rec *rec)
{
	struct capture c;

	format_text(capture_begin(&c), rec);
	return capture_end(&c);
}

static inline char *json_of(const struct tcpstate_rec *rec)
{
	struct capture c;

	format_json(capture_begin(&c), rec);
	return capture_end(&c);
}

#define CHECK_TEXT(expected, rec) do {		\
	char *s_ = text_of(rec);		\
	CHECK_STR(expected, s_);		\
	free(s_);				\
} while (0)

#define CHECK_JSON(expected, rec) do {		\
	char *s_ = json_of(rec);		\
	CHECK_STR(expected, s_);		\
	free(s_);				\
} while (0)

/* The result of call, which writes its message to err_, and the message. */
#define CHECK_VALID(expected_rc, expected_err, call) do {	\
	char err_[FORMAT_ERR_MAX] = "";				\
	CHECK_INT(expected_rc, call);				\
	CHECK_STR(expected_err, err_);				\
} while (0)

/* The tool's record version as a string literal, for expected messages. */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define ABI_VERSION_STR STRINGIFY(TCPSTATE_ABI_VERSION)

/* The text columns TIME to REMOTE of the fixtures, with and without task. */
#define COLS_TASK "   1234.567890   3 4026531840    4242 curl            127.0.0.1:45678       -> 10.1.2.3:80           "
#define COLS_NO_TASK "   1234.567890   3 4026531840       - -               127.0.0.1:45678       -> 10.1.2.3:80           "

/* The JSON members "ts" to "comm" of the fixtures: with type, without task. */
#define JSON_HEAD(type) \
	"{\"ts\":1234567890123,\"cpu\":3,\"type\":\"" type "\"," \
	"\"cookie\":8193,\"netns\":4026531840,\"family\":\"ipv4\"," \
	"\"laddr\":\"127.0.0.1\",\"lport\":45678,\"raddr\":\"10.1.2.3\"," \
	"\"rport\":80,\"pid\":null,\"comm\":null"

#endif
