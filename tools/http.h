/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exporter's HTTP/1.x requests: parsing, strictly and with bounds,
 * and the choice of exposition format from an Accept header. Only what a
 * scraper and a browser send is accepted: GET or HEAD of an origin-form
 * target, no body. Every response closes the connection (no keep-alive:
 * one request per connection keeps each client's state to one buffer).
 */
#ifndef TCPSTATE_TOOL_HTTP_H
#define TCPSTATE_TOOL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* A request's head (line and headers) longer than this is refused (431). */
#define HTTP_HEAD_MAX	8192
/* A request line longer than this is refused (414). */
#define HTTP_LINE_MAX	2048
#define HTTP_PATH_MAX	256

enum http_method { HTTP_GET = 1, HTTP_HEAD };

struct http_request {
	enum http_method method;
	char path[HTTP_PATH_MAX];	/* without the query */
	bool openmetrics;		/* Accept prefers OpenMetrics */
};

/*
 * buf[0..len) from the start of a connection. HTTP_INCOMPLETE: the head
 * has not ended yet (read more); 0: *req filled; else the HTTP status to
 * answer with: 400 (malformed: a bad request line, header, obs-fold, a
 * missing Host in HTTP/1.1, a body), 405 (a method other than GET and
 * HEAD; *req's method is then 0), 414 (request line too long), 431 (head
 * longer than HTTP_HEAD_MAX), 505 (not HTTP/1.0 or 1.1).
 */
#define HTTP_INCOMPLETE (-1)
int http_parse(const char *buf, size_t len, struct http_request *req);

/*
 * Whether an Accept header's value asks for OpenMetrics
 * (application/openmetrics-text, version 1.0.0 or 0.0.1 or none) with a
 * higher q than the text format (text/plain, or a wildcard covering it).
 */
bool http_accept_openmetrics(const char *value, size_t len);

/* "OK", "Bad Request", ... for the statuses the exporter sends. */
const char *http_reason(int status);

#endif
