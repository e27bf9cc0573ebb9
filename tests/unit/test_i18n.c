// SPDX-License-Identifier: GPL-2.0
/*
 * conns --explain and the translations, run as a user would: the explained
 * ladders of every recording in English and Chinese against their golden
 * files (tests/fixtures/explain, golden.sh), no English explanation or
 * label left in the Chinese ones, the ladder's bars where they belong
 * with wide characters, po/zh_CN.po complete for po/tcpstate.pot and the
 * .pot current with the sources, and the machine-readable outputs the
 * same byte for byte in every locale; the lesson's recorded cases
 * (tests/fixtures/lessons, make lesson's chapters) explained in both
 * languages as lesson.sh draws them.
 *
 * Chinese is asked for as a user without a zh_CN locale can: LANGUAGE=
 * zh_CN in C.UTF-8 (gettext ignores LANGUAGE in the C locale only), with
 * the catalog make tool built ($TCPSTATE_LOCALEDIR, from the Makefile).
 */
#include <dirent.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "check.h"
#include "explain.h"
#include "run.h"
#include "util.h"

/* Every *.jsonl of the fixtures, in name order, without the suffix. */
static char **recordings(size_t *nr)
{
	struct dirent **list;
	char **names;
	int n, i;
	size_t k = 0;

	n = scandir(fixtures_dir, &list, NULL, alphasort);
	if (n < 0) {
		perror(fixtures_dir);
		exit(2);
	}
	names = calloc((size_t)n + 1, sizeof(*names));
	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name);

		if (len > 6 && !strcmp(list[i]->d_name + len - 6, ".jsonl"))
			names[k++] = strndup(list[i]->d_name, len - 6);
		free(list[i]);
	}
	free(list);
	*nr = k;
	return names;
}

static struct run_opts in_language(const char *language, const char *locale)
{
	struct run_opts o = plain;

	o.language = language;
	o.locale = locale;
	return o;
}

/* tcpstate ARGV in language (NULL: English); the caller frees. */
static char *run_in(const char *const argv[], const char *language)
{
	struct run_opts o = in_language(language, NULL);
	struct run r;
	char *out;

	run_with(&r, argv, &o);
	CHECK_INT(0, r.status);
	CHECK_STR("", r.err);
	out = r.out;
	r.out = NULL;
	run_free(&r);
	return out;
}

/* The output is exactly DIR/GOLDEN (DIR under tests/fixtures). */
static void check_golden(const char *dir, const char *golden, const char *out)
{
	char *path = str_printf("%s/%s/%s", fixtures_dir, dir, golden);
	char *want = read_file(path, NULL);

	if (!want)
		printf("%s: no golden output: make -C tests/unit golden\n", path);
	CHECK(want);
	if (want)
		check_str_at(golden, 0, want, out);
	free(want);
	free(path);
}

/* The output is exactly explain/GOLDEN. */
static void check_explained(const char *golden, const char *out)
{
	check_golden("explain", golden, out);
}

/*
 * English that must not be left in a Chinese ladder: the start of every
 * explanation, and the labels, headings and timings.
 */
static const char *const english[] = {
	"connection ", "first event", "handshake", "close 1/", "close 2/",
	"close 3/", "close 4/", "simultaneous", "sent again", "refused:",
	"reset:", "lifetime", "(first SYN", "round trip", "request ",
	"accept queue", "TIME_WAIT ends", "(not traced)", "the client",
	"the server", " client ", " server ", "lost:",
};

static void check_no_english(const char *name, const char *out)
{
	const char *const *all;
	size_t nr, i;

	all = explain_all(&nr);
	for (i = 0; i < nr; i++) {
		/* The first 24 bytes say which, and stop before any format. */
		char needle[25];

		snprintf(needle, sizeof(needle), "%s", all[i]);
		if (strstr(out, needle))
			printf("%s (zh_CN): untranslated: \"%s...\"\n", name, needle);
		check_true_at(name, 0, "no English explanation", !strstr(out, needle));
	}
	for (i = 0; i < ARRAY_SIZE(english); i++) {
		if (strstr(out, english[i]))
			printf("%s (zh_CN): untranslated: \"%s\"\n", name, english[i]);
		check_true_at(name, 0, "no English label", !strstr(out, english[i]));
	}
}

/*
 * In each connection of a wide ladder, the left bar is in one column on
 * every line that has one: padding counted in display columns (a CJK
 * character takes two), not bytes.
 */
static void check_bars(const char *name, const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	int bar = -1;

	setlocale(LC_CTYPE, "C.UTF-8");
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, '|');
		wchar_t wide[512];
		size_t n;
		int col;

		if (!strncmp(line, "连接 ", strlen("连接 "))) {
			bar = -1;	/* the next connection */
			continue;
		}
		if (!p)
			continue;
		*p = '\0';
		n = mbstowcs(wide, line, 511);
		CHECK(n != (size_t)-1);
		if (n == (size_t)-1)
			break;
		col = wcswidth(wide, n);
		if (bar < 0)
			bar = col;
		if (col != bar)
			printf("%s: a bar at column %d, not %d: %s\n", name, col, bar, line);
		check_true_at(name, 0, "bars aligned", col == bar);
	}
	setlocale(LC_CTYPE, "C");
	free(copy);
}

static void test_explained_ladders(void)
{
	size_t nr, i;
	char **names = recordings(&nr);

	CHECK(nr >= 15);
	for (i = 0; i < nr; i++) {
		char *file = str_printf("%s/%s.jsonl", fixtures_dir, names[i]);
		char *en_golden = str_printf("%s.en.ladder", names[i]);
		char *zh_golden = str_printf("%s.zh_CN.ladder", names[i]);
		const char *const argv[] = { "tcpstate", "conns", "--explain", "-r",
					     file, NULL };
		char *en = run_in(argv, NULL), *zh = run_in(argv, "zh_CN");

		check_explained(en_golden, en);
		check_explained(zh_golden, zh);
		check_no_english(zh_golden, zh);
		check_bars(zh_golden, zh);
		/* Each recording has a step or a state to explain. */
		check_true_at(en_golden, 0, "explained", zh && strcmp(en, zh));
		free(en);
		free(zh);
		free(zh_golden);
		free(en_golden);
		free(file);
		free(names[i]);
	}
	free(names);
}

/*
 * The lesson's cases (tests/fixtures/lessons: make lesson's traces, one
 * per chapter of lessons/order, "chapter TAB tag TAB conns options" as
 * lesson.sh reads build/lesson/order): each explained as lesson.sh draws
 * it (--no-color --width 0 --explain and the chapter's options), in
 * English and in Chinese, against TAG.en.ladder and TAG.zh_CN.ladder
 * (golden.sh); no English left in the Chinese ones; and every
 * lessons/TAG.jsonl is a chapter (none recorded and left unchecked).
 */
static void test_lesson_ladders(void)
{
	char *order = str_printf("%s/lessons/order", fixtures_dir);
	char *text = read_file(order, NULL), *line, *save = NULL;
	char *dir = str_printf("%s/lessons", fixtures_dir);
	struct dirent **list;
	int chapters = 0, recorded = 0, n, i;
	char seen[1024] = " ";

	if (!text)
		printf("%s: missing\n", order);
	CHECK(text);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		const char *argv[24] = { "tcpstate", "conns", "--no-color", "--width", "0",
					 "--explain" };
		char *tag, *opt, *osave = NULL, *file, *en_golden, *zh_golden, *en, *zh;
		size_t k = 6;

		check_true_at(order, chapters + 1, "chapter TAB tag TAB options", !!tab2);
		if (!tab2)
			continue;
		*tab1 = '\0';
		*tab2 = '\0';
		tag = tab1 + 1;
		chapters++;
		for (opt = strtok_r(tab2 + 1, " ", &osave); opt && k < ARRAY_SIZE(argv) - 3;
		     opt = strtok_r(NULL, " ", &osave))
			argv[k++] = opt;
		file = str_printf("%s/lessons/%s.jsonl", fixtures_dir, tag);
		argv[k++] = "-r";
		argv[k++] = file;
		argv[k] = NULL;
		en_golden = str_printf("%s.en.ladder", tag);
		zh_golden = str_printf("%s.zh_CN.ladder", tag);
		en = run_in(argv, NULL);
		zh = run_in(argv, "zh_CN");
		check_golden("lessons", en_golden, en);
		check_golden("lessons", zh_golden, zh);
		check_no_english(zh_golden, zh);
		check_bars(zh_golden, zh);
		check_true_at(en_golden, 0, "explained", zh && strcmp(en, zh));
		if (strlen(seen) + strlen(tag) + 2 < sizeof(seen)) {
			strcat(seen, tag);
			strcat(seen, " ");
		}
		free(zh);
		free(en);
		free(zh_golden);
		free(en_golden);
		free(file);
	}
	CHECK_INT(6, chapters);
	n = scandir(dir, &list, NULL, alphasort);
	CHECK(n > 0);
	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name);

		if (len > 6 && !strcmp(list[i]->d_name + len - 6, ".jsonl")) {
			char *word = str_printf(" %.*s ", (int)(len - 6), list[i]->d_name);
			bool ordered = strstr(seen, word);

			recorded++;
			if (!ordered)
				printf("lessons/%s: not in lessons/order\n", list[i]->d_name);
			check_true_at(list[i]->d_name, 0, "a chapter of lessons/order", ordered);
			free(word);
		}
		free(list[i]);
	}
	if (n > 0)
		free(list);
	CHECK_INT(chapters, recorded);
	free(dir);
	free(text);
	free(order);
}

/* The narrow layout and --follow, in Chinese: widths, wrapping, prefixes. */
static void test_explained_layouts(void)
{
	char *f1 = str_printf("%s/client-closes-ipv4.jsonl", fixtures_dir);
	char *f2 = str_printf("%s/simultaneous-close.jsonl", fixtures_dir);
	const char *const narrow[] = { "tcpstate", "conns", "--explain", "--width",
				       "80", "-r", f1, NULL };
	const char *const follow[] = { "tcpstate", "conns", "--explain", "--follow",
				       "-r", f2, NULL };
	char *out;

	out = run_in(narrow, "zh_CN");
	check_explained("narrow.zh_CN.ladder", out);
	check_no_english("narrow.zh_CN.ladder", out);
	CHECK_CONTAINS("第一次握手", out);
	CHECK_CONTAINS("第四次挥手", out);
	free(out);
	out = run_in(follow, "zh_CN");
	check_explained("follow.zh_CN.ladder", out);
	CHECK_CONTAINS("同时关闭", out);
	free(out);
	free(f2);
	free(f1);
}

/*
 * --svg and --html with --explain: each explained row numbered, its note
 * under the picture; nothing of it without --explain.
 */
static void test_explained_pictures(void)
{
	char *f = str_printf("%s/lost-syn.jsonl", fixtures_dir);
	const char *const plain_svg[] = { "tcpstate", "conns", "--svg", "-r", f, NULL };
	const char *const svg[] = { "tcpstate", "conns", "--svg", "--explain", "-r",
				    f, NULL };
	const char *const html[] = { "tcpstate", "conns", "--html", "-E", "-r", f,
				     NULL };
	char *out;

	out = run_in(plain_svg, NULL);
	CHECK(!strstr(out, "class=\"explain\""));
	CHECK(!strstr(out, "class=\"ref\""));
	free(out);
	out = run_in(svg, NULL);
	CHECK_CONTAINS("class=\"ref\" fill=\"#555\">[1]</text>", out);
	CHECK_CONTAINS("class=\"explain\" fill=\"#555\">[1] Sent, but", out);
	free(out);
	out = run_in(svg, "zh_CN");
	CHECK_CONTAINS("第一次握手", out);
	CHECK_CONTAINS("连接 1：", out);
	check_no_english("lost-syn --svg (zh_CN)", out);
	free(out);
	out = run_in(html, "zh_CN");
	CHECK_CONTAINS("class=\"explain\"", out);
	CHECK_CONTAINS("第三次握手：ack=y+1", out);
	free(out);
	free(f);
}

/*
 * The summary of every recording in Chinese: its values translated and
 * padded by display width, its headings and numbers as in English.
 */
static void test_summary(void)
{
	size_t nr, i, len;
	char **names = recordings(&nr);
	char *all = str_printf("%s/i18n-all.jsonl", tmp_dir), *out;
	const char *const argv[] = { "tcpstate", "conns", "--summary", "-r", all,
				     NULL };
	FILE *f = fopen(all, "w");

	CHECK(f);
	for (i = 0; f && i < nr; i++) {
		char *path = str_printf("%s/%s.jsonl", fixtures_dir, names[i]);
		char *text = read_file(path, &len);

		if (text)
			fwrite(text, 1, len, f);
		free(text);
		free(path);
	}
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	if (f)
		fclose(f);
	out = run_in(argv, "zh_CN");
	check_explained("all.zh_CN.summary", out);
	CHECK_PREFIX("START ", out);
	CHECK_CONTAINS("四次挥手", out);
	free(out);
	unlink(all);
	free(all);
}

/*
 * explain.c on its own: every step kind has its explanation, a lost
 * segment and the states with a why have theirs, and so do records the
 * ring lost (no recording has them); every text a sentence or more.
 */
static void test_explain_table(void)
{
	struct conn c = { 0 };
	struct model m = { .c = &c };
	struct tcpstate_segment seg = { 0 };
	struct model_row r = { .kind = ROW_ARROW, .seg = &seg };
	static const unsigned int states[] = {
		TCPSTATE_SYN_RECV, TCPSTATE_FIN_WAIT2, TCPSTATE_CLOSE_WAIT,
		TCPSTATE_LAST_ACK, TCPSTATE_TIME_WAIT, TCPSTATE_CLOSING,
	};
	const char *const *all;
	size_t nr, i;
	int k;

	all = explain_all(&nr);
	CHECK(nr >= 30);
	for (i = 0; i < nr; i++) {
		CHECK(all[i] && strlen(all[i]) > 40);
		CHECK(all[i] && all[i][strlen(all[i]) - 1] == '.');
	}
	for (k = STEP_NONE + 1; k <= STEP_COOKIE_ACCEPTED; k++) {
		r.step_kind = (enum step)k;
		r.again = false;
		check_true_at("step kind", k, "explained", explain_row(&m, &r));
		r.again = true;
		check_true_at("step kind again", k, "explained", explain_row(&m, &r));
	}
	r.step_kind = STEP_NONE;
	CHECK(!explain_row(&m, &r));
	r.fate = FATE_LOST;
	CHECK(explain_row(&m, &r) && strstr(explain_row(&m, &r), "lost"));
	r.kind = ROW_STATE;
	r.fate = FATE_BOTH;
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		r.state = states[i];
		check_true_at("state", (int)states[i], "explained", explain_row(&m, &r));
	}
	r.state = TCPSTATE_ESTABLISHED;
	CHECK(!explain_row(&m, &r));
	CHECK(!explain_conn(&m));
	c.lost = 3;
	CHECK(explain_conn(&m) && strstr(explain_conn(&m), "ring buffer"));
}

/* --explain asks for ladders: with --summary it is a usage error. */
static void test_explain_usage(void)
{
	char *f = str_printf("%s/lost-syn.jsonl", fixtures_dir);
	const char *const argv[] = { "tcpstate", "conns", "--summary", "-E", "-r",
				     f, NULL };

	check_usage_error(__FILE__, __LINE__, argv,
			  "tcpstate: --explain explains each step of a ladder; --summary draws none");
	free(f);
}

/* What popen(cmd) printed, or NULL if it failed; the caller frees. */
static char *shell(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL, buf[4096];
	size_t len = 0, n;
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

/*
 * po/zh_CN.po translates every message of po/tcpstate.pot, none fuzzy,
 * formats checked (msgfmt --check); the .pot has exactly the messages of
 * the sources now (else: make -C tools pot, then translate).
 */
static void test_catalogs(void)
{
	char *po = str_printf("%s/../../po", fixtures_dir);
	char *cmd, *stats, *now, *pot, *want;
	long msgids = -1;

	cmd = str_printf("grep -c '^msgid ' %s/tcpstate.pot", po);
	pot = shell(cmd);
	CHECK(pot);
	if (pot)
		msgids = strtol(pot, NULL, 10) - 1;	/* less the header */
	free(cmd);
	CHECK(msgids > 100);
	cmd = str_printf("LC_ALL=C msgfmt --check --statistics -o /dev/null %s/zh_CN.po 2>&1",
			 po);
	stats = shell(cmd);
	want = str_printf("%ld translated messages.\n", msgids);
	CHECK(stats);
	if (stats)
		CHECK_STR(want, stats);
	free(want);
	free(stats);
	free(cmd);
	/* With the Makefile's own xgettext options (its keywords). */
	cmd = str_printf("make -s --no-print-directory -C %s/../tools pot-msgids", po);
	now = shell(cmd);
	free(cmd);
	cmd = str_printf("grep '^msgid' %s/tcpstate.pot", po);
	free(pot);
	pot = shell(cmd);
	CHECK(now && pot);
	if (now && pot && strcmp(now, pot))
		printf("po/tcpstate.pot is not the sources' messages: make -C tools pot, then translate\n");
	if (now && pot)
		CHECK(strcmp(now, pot) == 0);
	free(pot);
	free(now);
	free(cmd);
	free(po);
}

/*
 * Machine-readable outputs never change with the language or the locale:
 * dump's lines and --json, stats --json, --prometheus and --dot, the same
 * bytes in English, in Chinese by LANGUAGE, and with LC_ALL naming a zh_CN
 * locale (which may not exist here: then it must still be the same).
 */
static void test_machine_outputs(void)
{
	char *rec = str_printf("%s/lost-third-ack.jsonl", fixtures_dir);
	char *proc = str_printf("%s/scenarios.proc", fixtures_dir);
	const char *const cmds[][8] = {
		{ "tcpstate", "dump", "--json", "-r", rec, NULL },
		{ "tcpstate", "dump", "-r", rec, NULL },
		{ "tcpstate", "dump", "--ms", "-T", "rel", "-r", rec, NULL },
		{ "tcpstate", "stats", "--json", "-p", proc, NULL },
		{ "tcpstate", "stats", "--prometheus", "-p", proc, NULL },
		{ "tcpstate", "stats", "--dot", "-p", proc, NULL },
	};
	const struct run_opts variants[] = {
		in_language("zh_CN", NULL),
		in_language("zh_CN", "zh_CN.UTF-8"),
		in_language(NULL, "zh_CN.UTF-8"),
		in_language("zh_CN", "de_DE.UTF-8"),
		in_language(NULL, "C"),
	};
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		struct run en;

		run_with(&en, cmds[i], &plain);
		CHECK_INT(0, en.status);
		CHECK(en.out[0] != '\0');
		for (k = 0; k < ARRAY_SIZE(variants); k++) {
			struct run r;

			run_with(&r, cmds[i], &variants[k]);
			CHECK_INT(en.status, r.status);
			check_str_at(cmds[i][1], (int)i, en.out, r.out);
			run_free(&r);
		}
		run_free(&en);
	}
	free(proc);
	free(rec);
}

/*
 * English lines of --help that stay the same in Chinese by design: the
 * synopsis (checked apart), option names alone on their line, commands
 * of the examples alone on theirs, and dump's lines (never translated).
 */
static const char *const help_kept[] = {
	"  -T, --time wall|mono|rel",
	"  --width COLUMNS",
	"  --close-wait SECONDS",
	"  TIME_WAIT -> CLOSE [timewait] expired after 60.001s",
	"  in  SYN|ACK seq=N ack=N win=N len=N [full SYN_SENT]",
	"  *** 5 events lost here (ring buffer full) ***",
	"  tcpstate stats --dot | dot -Tsvg > states.svg",
	"  tcpstate stats --prometheus > t && mv t /var/lib/prometheus/node-exporter/tcpstate.prom",
};

static bool help_line_kept(const char *line)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(help_kept); i++)
		if (!strcmp(line, help_kept[i]))
			return true;
	return false;
}

/* Whether the text has line as one of its lines. */
static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || !p[len]))
			return true;
		p++;
	}
	return false;
}

/*
 * A usage error under opts: exit status 2, nothing on stdout, stderr
 * starting with prefix and, if given, containing tail.
 */
static void usage_error_in(const struct run_opts *opts, const char *const argv[],
			   const char *prefix, const char *tail)
{
	struct run r;

	run_with(&r, argv, opts);
	CHECK_INT(2, r.status);
	CHECK_STR("", r.out);
	CHECK_PREFIX(prefix, r.err);
	if (tail)
		CHECK_CONTAINS(tail, r.err);
	run_free(&r);
}

/*
 * Every line of an English help text (en) but its synopsis (the
 * indented lines under USAGE), help_kept and, with skip_words, single
 * words (paths) is gone from the Chinese one (zh); returns how many
 * lines were checked.
 */
static int check_help_translated(const char *what, const char *en, const char *zh,
				 bool skip_words)
{
	char *copy = strdup(en), *line, *save = NULL;
	bool in_usage = false;
	int lines = 0;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "USAGE"))
			in_usage = true;
		else if (in_usage && strncmp(line, "  ", 2))
			in_usage = false;
		/* Nothing to translate: a name alone (a path). */
		if (in_usage || help_line_kept(line) ||
		    (skip_words && !strchr(line + strspn(line, " "), ' ')))
			continue;
		lines++;
		if (has_line(zh, line))
			printf("%s (zh_CN): untranslated: \"%s\"\n", what, line);
		check_true_at(what, lines, "translated", !has_line(zh, line));
	}
	free(copy);
	return lines;
}

/*
 * tcpstate --help: the English one exactly help.en.txt (the text before
 * it was translatable), the Chinese one help.zh_CN.txt, and none of the
 * English lines outside the synopsis and help_kept left in the Chinese
 * one; a usage error in Chinese: its message, the synopsis's heading and
 * the closing hint translated, the same exit status; in English as it was.
 */
static void test_help(void)
{
	const struct run_opts zh_opts = in_language("zh_CN", NULL);
	char *en = run_in(ARGV("--help", NULL), NULL);
	char *zh = run_in(ARGV("--help", NULL), "zh_CN");

	check_golden(".", "help.en.txt", en);
	check_golden(".", "help.zh_CN.txt", zh);
	CHECK_CONTAINS("\n用法\n  tcpstate dump [--json", zh);
	CHECK_CONTAINS("三次握手", zh);
	CHECK(check_help_translated("--help", en, zh, true) > 100);
	free(zh);
	free(en);

	usage_error_in(&plain, ARGV("dump", "-n", "x", NULL),
		       "tcpstate: -n COUNT must be a positive integer, not 'x'\n\nUSAGE\n  tcpstate dump ",
		       "  tcpstate --version\nRun 'tcpstate --help' for more.\n");
	usage_error_in(&zh_opts, ARGV("dump", "-n", "x", NULL),
		       "tcpstate: -n COUNT 必须是正整数，而不是 'x'\n\n用法\n  tcpstate dump ",
		       "  tcpstate --version\n运行 'tcpstate --help' 查看更多信息。\n");
	usage_error_in(&zh_opts, ARGV("dump", "--bogus", NULL),
		       "tcpstate: 无法识别的选项 '--bogus'\n", NULL);
	usage_error_in(&zh_opts, ARGV("frob", NULL), "tcpstate: 未知命令 'frob'\n", NULL);
	usage_error_in(&zh_opts, ARGV("conns", "--svg", "--summary", NULL),
		       "tcpstate: --svg 和 --html 绘制保存的 dump：需要 -r FILE\n", NULL);
}

/*
 * tcpstate exporter --help: the English one exactly exporter-help.en.txt
 * (the text before it was translatable), the Chinese one
 * exporter-help.zh_CN.txt, with every English line but the synopsis's
 * translated; its option errors in Chinese, the same exit status.
 */
static void test_exporter_help(void)
{
	const struct run_opts zh_opts = in_language("zh_CN", NULL);
	char *en = run_in(ARGV("exporter", "--help", NULL), NULL);
	char *zh = run_in(ARGV("exporter", "--help", NULL), "zh_CN");

	check_golden(".", "exporter-help.en.txt", en);
	check_golden(".", "exporter-help.zh_CN.txt", zh);
	CHECK_CONTAINS("用法\n  tcpstate exporter [--listen", zh);
	CHECK(!has_line(zh, "USAGE"));
	CHECK(check_help_translated("exporter --help", en, zh, false) > 20);
	free(zh);
	free(en);

	usage_error_in(&plain, ARGV("exporter", "--max-clients", "0", NULL),
		       "tcpstate: --max-clients must be 1 to 1024, not '0'\n\nUSAGE\n  tcpstate exporter ",
		       "reads its own session (CAP_NET_ADMIN), beside any other reader.\n");
	usage_error_in(&zh_opts, ARGV("exporter", "--max-clients", "0", NULL),
		       "tcpstate: --max-clients 必须是 1 到 1024，而不是 '0'\n\n用法\n  tcpstate exporter ",
		       "与其他读取者并存。\n");
	usage_error_in(&zh_opts, ARGV("exporter", "--bogus", NULL),
		       "tcpstate: 无法识别的选项 '--bogus'\n", NULL);
	usage_error_in(&zh_opts, ARGV("exporter", "--port", "0", NULL),
		       "tcpstate: --port 必须是端口（1-65535）或端口列表（80,443），而不是 '0'\n", NULL);
}

/*
 * Errors at run time in Chinese, exit statuses as in English: a device
 * that is not there, a saved dump with bad lines (each count with its
 * noun), a filter option refused; and the English ones as they were.
 */
static void test_runtime_errors(void)
{
	const struct run_opts zh_opts = in_language("zh_CN", NULL);
	static const char bad[] = "{\"bad\n";
	char *file = tmp_file("i18n-bad.jsonl", bad, sizeof(bad) - 1, 0644);
	char *want;

	CHECK_RUN_WITH(&zh_opts, ARGV("dump", "-d", "/nonexistent/tcpstate", NULL), 1, "",
		       "tcpstate: /nonexistent/tcpstate 不存在：tcpstate 模块没有加载。"
		       "加载它：sudo insmod tcpstate.ko\n");
	CHECK_RUN(ARGV("dump", "-d", "/nonexistent/tcpstate", NULL), 1, "",
		  "tcpstate: /nonexistent/tcpstate does not exist: the tcpstate module is not "
		  "loaded. Load it with: sudo insmod tcpstate.ko\n");

	want = str_printf("tcpstate: %s:1: 第 2 列：字符串没有结束\n"
			  "tcpstate: %s：跳过了 1 行错误，读取了 0 条记录（--strict 拒绝这样的文件）\n",
			  file, file);
	CHECK_RUN_WITH(&zh_opts, ARGV("dump", "--json", "-r", file, NULL), 3, "", want);
	free(want);
	want = str_printf("tcpstate: %s:1: column 2: string not terminated\n"
			  "tcpstate: %s: 1 bad line skipped, 0 records read (--strict refuses such a file)\n",
			  file, file);
	CHECK_RUN(ARGV("dump", "--json", "-r", file, NULL), 3, "", want);
	free(want);

	usage_error_in(&zh_opts, ARGV("dump", "-P", "0", NULL),
		       "tcpstate: -P PORT 必须是端口号（1-65535）或端口列表（80,443），而不是 '0'\n\n用法\n",
		       NULL);
	usage_error_in(&zh_opts, ARGV("dump", "-4", "-6", NULL),
		       "tcpstate: -4 和 -6 不能同时使用\n", NULL);
	unlink(file);
	free(file);
}

void test_i18n(void)
{
	test_explain_table();
	test_explained_ladders();
	test_lesson_ladders();
	test_explained_layouts();
	test_explained_pictures();
	test_summary();
	test_explain_usage();
	test_catalogs();
	test_help();
	test_exporter_help();
	test_runtime_errors();
	test_machine_outputs();
}
