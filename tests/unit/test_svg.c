// SPDX-License-Identifier: GPL-2.0
/*
 * conns --svg and --html: well-formed documents with the expected labels
 * for every fixture; then, with Debian's chromium installed, the page and
 * the picture rendered headless to PNG and read back as the browser's DOM
 * (no XML parser error, the labels there).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "run.h"

#define CHROMIUM "/usr/bin/chromium"
#define XMLLINT "/usr/bin/xmllint"

/* Runs a shell command; its stdout, or NULL if it failed. */
static char *shell(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, n;
	char buf[4096];
	FILE *mem;

	if (!p)
		return NULL;
	mem = open_memstream(&out, &len);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(mem);
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void check_svg_fixture(const char *name)
{
	char *path = str_printf("%s/%s.jsonl", fixtures_dir, name);
	char *svg = str_printf("%s/%s.svg", tmp_dir, name), *cmd, *ok;
	struct run r;
	FILE *f;

	run_with(&r, ARGV("conns", "--svg", "-r", path, NULL), &plain);
	CHECK_INT(0, r.status);
	CHECK_STR("", r.err);
	CHECK_PREFIX("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"", r.out);
	CHECK_CONTAINS("</svg>\n", r.out);
	f = fopen(svg, "w");
	fputs(r.out, f);
	fclose(f);
	if (access(XMLLINT, X_OK) == 0) {
		cmd = str_printf(XMLLINT " --noout '%s' 2>&1 && echo ok", svg);
		ok = shell(cmd);
		CHECK_STR("ok\n", ok ? ok : "(xmllint failed)");
		free(ok);
		free(cmd);
	}
	run_free(&r);
	free(svg);
	free(path);
}

static void test_svg_labels(void)
{
	char *path = str_printf("%s/client-closes-ipv4.jsonl", fixtures_dir);
	char *lost = str_printf("%s/lost-third-ack.jsonl", fixtures_dir);
	struct run r;

	run_with(&r, ARGV("conns", "--svg", "-r", path, NULL), &plain);
	CHECK_CONTAINS(">SYN seq=x</text>", r.out);
	CHECK_CONTAINS(">SYN|ACK seq=y ack=x+1</text>", r.out);
	CHECK_CONTAINS(">FIN|ACK seq=u ack=y+14</text>", r.out);
	CHECK_CONTAINS(">handshake 1/3</text>", r.out);
	CHECK_CONTAINS(">close 4/4</text>", r.out);
	CHECK_CONTAINS(">TIME_WAIT 60.301 s</text>", r.out);
	CHECK_CONTAINS(">axis broken: ", r.out);
	CHECK_CONTAINS(">ESTABLISHED</text>", r.out);
	CHECK_CONTAINS(">CLOSE_WAIT (server)    71.257 ms</text>", r.out);
	/* Slanted: the SYN leaves the client above where it reaches the server. */
	CHECK_CONTAINS("<line x1=\"300\" y1=\"162\" x2=\"640\" y2=\"214\"", r.out);
	run_free(&r);
	/* Anomalies in red: the lost ACK and the notes. */
	run_with(&r, ARGV("conns", "--svg", "-r", lost, NULL), &plain);
	CHECK_CONTAINS("stroke=\"#d32f2f\"", r.out);
	CHECK_CONTAINS("class=\"anomaly\" fill=\"#d32f2f\">", r.out);
	CHECK_CONTAINS(">X</text>", r.out);
	run_free(&r);
	CHECK_USAGE_ERROR(ARGV("conns", "--svg", NULL),
			  "tcpstate: --svg and --html draw a saved dump: they need -r FILE\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--svg", "--html", "-r", path, NULL),
			  "tcpstate: --svg, --html, --summary and --follow do not go together\n");
	CHECK_USAGE_ERROR(ARGV("conns", "--html", "--summary", "-r", path, NULL),
			  "tcpstate: --svg, --html, --summary and --follow do not go together\n");
	free(lost);
	free(path);
}

/* The page and a picture in headless Chromium: PNG, DOM, no error. */
static void test_chromium(void)
{
	char *path = str_printf("%s/client-closes-ipv4.jsonl", fixtures_dir);
	char *html = str_printf("%s/conns.html", tmp_dir);
	char *png = str_printf("%s/conns.png", tmp_dir);
	char *svg = str_printf("%s/client-closes-ipv4.svg", tmp_dir);
	char *flags = str_printf("--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir='%s/chromium'",
				 tmp_dir);
	char *cmd, *dom, *sig;
	struct run r;
	FILE *f;

	if (access(CHROMIUM, X_OK) != 0) {
		printf("test_svg: " CHROMIUM " not installed (Debian's chromium): pictures not rendered\n");
		goto out;
	}
	run_with(&r, ARGV("conns", "--html", "-r", path, NULL), &plain);
	CHECK_INT(0, r.status);
	CHECK_PREFIX("<!DOCTYPE html>\n", r.out);
	f = fopen(html, "w");
	fputs(r.out, f);
	fclose(f);
	run_free(&r);
	cmd = str_printf("timeout 60 " CHROMIUM " %s --screenshot='%s' --window-size=900,1600 'file://%s' >/dev/null 2>&1; head -c 8 '%s' | od -An -c | tr -d ' \\n'",
			 flags, png, html, png);
	sig = shell(cmd);
	CHECK_STR("211PNG\\r\\n032\\n", sig ? sig : "(no PNG)");
	free(sig);
	free(cmd);
	/* The browser's DOM: the picture's labels and the text ladder. */
	cmd = str_printf("timeout 60 " CHROMIUM " %s --dump-dom 'file://%s' 2>/dev/null",
			 flags, html);
	dom = shell(cmd);
	CHECK(dom != NULL);
	if (dom) {
		CHECK(strstr(dom, "parsererror") == NULL);
		CHECK_CONTAINS("handshake 1/3</text>", dom);
		CHECK_CONTAINS("TIME_WAIT 60.301 s</text>", dom);
		CHECK_CONTAINS("|--SYN seq=x-----", dom);
		CHECK_CONTAINS("<svg xmlns=\"http://www.w3.org/2000/svg\"", dom);
	}
	free(dom);
	free(cmd);
	/* The SVG on its own: an XML document, so any error would show. */
	cmd = str_printf("timeout 60 " CHROMIUM " %s --dump-dom 'file://%s' 2>/dev/null",
			 flags, svg);
	dom = shell(cmd);
	CHECK(dom != NULL);
	if (dom) {
		CHECK(strstr(dom, "parsererror") == NULL);
		CHECK(strstr(dom, "error on line") == NULL);
		CHECK_CONTAINS("close 1/4", dom);
	}
	free(dom);
	free(cmd);
out:
	free(flags);
	free(svg);
	free(png);
	free(html);
	free(path);
}

void test_svg(void)
{
	struct dirent **list;
	int n, i;

	n = scandir(fixtures_dir, &list, NULL, alphasort);
	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name);

		if (len > 6 && !strcmp(list[i]->d_name + len - 6, ".jsonl")) {
			char *name = strndup(list[i]->d_name, len - 6);

			check_svg_fixture(name);
			free(name);
		}
		free(list[i]);
	}
	free(list);
	test_svg_labels();
	test_chromium();
}
