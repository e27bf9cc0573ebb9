/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records of /dev/tcpstate: validation, and one line of text or JSON per
 * record. Nothing here does I/O other than writing to the FILE it is given,
 * so all of it can be tested without the module.
 */
#ifndef TCPSTATE_TOOL_FORMAT_H
#define TCPSTATE_TOOL_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include <tcpstate.h>

/* Enough for any message of rec_validate() and info_validate(). */
#define FORMAT_ERR_MAX 160

/*
 * 0 if the module described by info writes records this tool can read;
 * else -1 and a "version mismatch: ..." message in err.
 */
int info_validate(const struct tcpstate_info *info, char *err, size_t errlen);

/*
 * 0 if rec has this tool's version and size, a known type and, for every
 * type but lost, a known address family; else -1 and a message in err. The
 * format_*() functions below expect a record that passed. Enumerated fields
 * (states, dir, sock, event, reason) are not checked: names.h says how a
 * value without a name is printed.
 */
int rec_validate(const struct tcpstate_rec *rec, char *err, size_t errlen);

/*
 * Text: TIME CPU NETNS PID COMM LOCAL -> REMOTE EVENT, where EVENT starts
 * with what tells the kinds apart: a state ("SYN_SENT -> ESTABLISHED"), a
 * direction ("in  SYN ...", "out ACK ..."), "request", or "***" for lost
 * events (a line without the socket columns).
 */
void format_text_header(FILE *out);
void format_text(FILE *out, const struct tcpstate_rec *rec);

/*
 * JSON: one object per line, members in the order of the contract: "ts",
 * "cpu", "type", the socket's identity (all types but lost), then the
 * type's own members.
 */
void format_json(FILE *out, const struct tcpstate_rec *rec);

/*
 * s[0..len) as a JSON string literal. Valid UTF-8 passes through; quotes,
 * backslashes, control characters and bytes that are not valid UTF-8 are
 * escaped, so any byte string yields valid JSON.
 */
void json_string(FILE *out, const char *s, size_t len);

#endif
