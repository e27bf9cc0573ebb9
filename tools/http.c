// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* RFC 9110's tchar: what a method and a header name are made of. */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A target's characters: visible ASCII (RFC 3986's, loosely). */
static bool is_target_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* A header value's: visible ASCII, obs-text, blanks; no controls. */
static bool is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* The end of the line starting at p (its CR LF, or a bare LF), or NULL. */
static const char *line_end(const char *p, const char *end, size_t *eol_len)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	if (!lf)
		return NULL;
	if (lf > p && lf[-1] == '\r') {
		*eol_len = 2;
		return lf - 1;
	}
	*eol_len = 1;
	return lf;
}

static int parse_request_line(const char *p, const char *e,
			      struct http_request *req, int *minor)
{
	const char *sp1, *sp2, *q;
	size_t n;

	for (sp1 = p; sp1 < e && is_tchar((unsigned char)*sp1); sp1++)
		;
	if (sp1 == p || sp1 == e || *sp1 != ' ')
		return 400;
	for (sp2 = sp1 + 1; sp2 < e && is_target_char((unsigned char)*sp2); sp2++)
		;
	if (sp2 == sp1 + 1 || sp2 == e || *sp2 != ' ')
		return 400;
	n = (size_t)(e - sp2 - 1);
	if (n != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0 || sp2[6] < '0' ||
	    sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9')
		return 400;
	if (sp2[6] != '1' || (sp2[8] != '0' && sp2[8] != '1'))
		return 505;
	*minor = sp2[8] - '0';
	/* Origin form only: a path, then perhaps a query, which is ignored. */
	if (sp1[1] != '/')
		return 400;
	for (q = sp1 + 1; q < sp2 && *q != '?' && *q != '#'; q++)
		;
	if (q < sp2 && *q == '#')
		return 400;
	n = (size_t)(q - sp1 - 1);
	if (n >= HTTP_PATH_MAX)
		return 414;
	memcpy(req->path, sp1 + 1, n);
	req->path[n] = '\0';
	if ((size_t)(sp1 - p) == 3 && !memcmp(p, "GET", 3))
		req->method = HTTP_GET;
	else if ((size_t)(sp1 - p) == 4 && !memcmp(p, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = 0;
	return 0;
}

static bool name_is(const char *p, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(p, name, n) == 0;
}

int http_parse(const char *buf, size_t len, struct http_request *req)
{
	const char *p = buf, *end = buf + len, *e;
	bool host = false;
	int minor = 0, rc;
	size_t eol;

	memset(req, 0, sizeof(*req));
	/* The head is judged whole: its size first, so that nothing waits forever. */
	e = line_end(p, end, &eol);
	if (!e)
		return len > HTTP_LINE_MAX ? 414 : len > HTTP_HEAD_MAX ? 431 : HTTP_INCOMPLETE;
	if ((size_t)(e - p) > HTTP_LINE_MAX)
		return 414;
	{
		/* Find the blank line that ends the head before judging anything. */
		const char *q = e + eol, *qe;
		size_t qeol;

		for (;;) {
			qe = line_end(q, end, &qeol);
			if (!qe)
				return len > HTTP_HEAD_MAX ? 431 : HTTP_INCOMPLETE;
			if ((size_t)(qe + qeol - buf) > HTTP_HEAD_MAX)
				return 431;
			if (qe == q)
				break;
			q = qe + qeol;
		}
	}
	rc = parse_request_line(p, e, req, &minor);
	if (rc)
		return rc;
	for (p = e + eol;; p = e + eol) {
		const char *colon, *v, *ve;

		e = line_end(p, end, &eol);
		if (e == p)
			break;
		/* obs-fold (a line starting with a blank) is refused (RFC 9112 5.2). */
		for (colon = p; colon < e && is_tchar((unsigned char)*colon); colon++)
			;
		if (colon == p || colon == e || *colon != ':')
			return 400;
		for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = e; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		for (const char *c = v; c < ve; c++)
			if (!is_value_char((unsigned char)*c))
				return 400;
		if (name_is(p, (size_t)(colon - p), "Host")) {
			if (host)
				return 400;
			host = true;
		} else if (name_is(p, (size_t)(colon - p), "Transfer-Encoding")) {
			return 400;
		} else if (name_is(p, (size_t)(colon - p), "Content-Length")) {
			/* A body is not read: only an empty one is accepted. */
			if (ve - v != 1 || *v != '0')
				return 400;
		} else if (name_is(p, (size_t)(colon - p), "Accept")) {
			if (http_accept_openmetrics(v, (size_t)(ve - v)))
				req->openmetrics = true;
		}
	}
	if (minor == 1 && !host)
		return 400;
	if (!req->method)
		return 405;
	return 0;
}

/* q of one media range's parameters ";a=b;q=0.5"; 1000 = 1.0. */
static int range_q(const char *p, const char *e, bool *bad_version)
{
	int q = 1000;

	*bad_version = false;
	while (p < e) {
		const char *semi = memchr(p, ';', (size_t)(e - p)), *pe, *eq;
		size_t n;

		pe = semi ? semi : e;
		while (p < pe && (*p == ' ' || *p == '\t'))
			p++;
		eq = memchr(p, '=', (size_t)(pe - p));
		if (eq) {
			const char *v = eq + 1, *ve = pe;

			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			n = (size_t)(eq - p);
			if (n == 1 && (*p == 'q' || *p == 'Q')) {
				/* 0, 0.x, 1, 1.0: thousandths. */
				int whole, frac = 0, scale = 100;

				if (v == ve || *v < '0' || *v > '1')
					return 0;
				whole = *v++ - '0';
				if (v < ve && *v == '.')
					for (v++; v < ve && *v >= '0' && *v <= '9' && scale; v++, scale /= 10)
						frac += (*v - '0') * scale;
				if (v != ve)
					return 0;
				q = whole * 1000 + frac;
				if (q > 1000)
					q = 1000;
			} else if (n == 7 && strncasecmp(p, "version", 7) == 0) {
				*bad_version = !((ve - v == 5 && !memcmp(v, "1.0.0", 5)) ||
						 (ve - v == 5 && !memcmp(v, "0.0.1", 5)));
			}
		}
		p = semi ? semi + 1 : e;
	}
	return q;
}

bool http_accept_openmetrics(const char *value, size_t len)
{
	const char *p = value, *end = value + len;
	int om = 0, text = 0;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p)), *re, *te;
		bool bad_version;
		int q;

		re = comma ? comma : end;
		while (p < re && (*p == ' ' || *p == '\t'))
			p++;
		te = memchr(p, ';', (size_t)(re - p));
		if (!te)
			te = re;
		while (te > p && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		q = range_q(te < re ? te + 1 : re, re, &bad_version);
#define IS(s) ((size_t)(te - p) == strlen(s) && strncasecmp(p, s, strlen(s)) == 0)
		if (IS("application/openmetrics-text") && !bad_version) {
			if (q > om)
				om = q;
		} else if (IS("text/plain") || IS("text/*") || IS("*/*")) {
			if (q > text)
				text = q;
		}
#undef IS
		p = comma ? comma + 1 : end;
	}
	return om > 0 && om > text;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}
