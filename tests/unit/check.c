// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

const char *tool_path;
const char *fake_ioctl_path;
const char *tmp_dir;
const char *fixtures_dir;

static unsigned int passed, failed;

/* s on one line, as a C string literal, so a failure report stays one line. */
static void print_quoted(const char *s)
{
	if (!s) {
		fputs("NULL", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

unsigned int check_failures(void)
{
	return failed;
}

static bool record(const char *file, int line, bool ok)
{
	if (ok) {
		passed++;
		return true;
	}
	failed++;
	printf("%s:%d: ", file, line);
	return false;
}

void check_true_at(const char *file, int line, const char *expr, bool ok)
{
	if (!record(file, line, ok))
		printf("expected true: %s\n", expr);
}

void check_int_at(const char *file, int line, long long expected,
		  long long actual)
{
	if (!record(file, line, expected == actual))
		printf("expected %lld, got %lld\n", expected, actual);
}

static bool same_str(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static void report_strs(const char *what, const char *expected,
			const char *actual)
{
	printf("%s ", what);
	print_quoted(expected);
	fputs(", got ", stdout);
	print_quoted(actual);
	putchar('\n');
}

void check_str_at(const char *file, int line, const char *expected,
		  const char *actual)
{
	if (!record(file, line, same_str(expected, actual)))
		report_strs("expected", expected, actual);
}

void check_contains_at(const char *file, int line, const char *needle,
		       const char *haystack)
{
	if (!record(file, line, haystack && strstr(haystack, needle)))
		report_strs("expected a string containing", needle, haystack);
}

void check_prefix_at(const char *file, int line, const char *prefix,
		     const char *actual)
{
	if (!record(file, line, actual &&
		    strncmp(actual, prefix, strlen(prefix)) == 0))
		report_strs("expected a string starting with", prefix, actual);
}

FILE *capture_begin(struct capture *c)
{
	c->f = open_memstream(&c->buf, &c->len);
	if (!c->f) {
		perror("open_memstream");
		exit(2);
	}
	return c->f;
}

char *capture_end(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static char *make_tmp_dir(void)
{
	const char *base = getenv("TMPDIR");
	static char path[4096];

	snprintf(path, sizeof(path), "%s/tcpstate-unit.XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(path)) {
		perror(path);
		exit(2);
	}
	return path;
}

static int mkdir_p(char *path)
{
	char *slash;

	for (slash = strchr(path + 1, '/'); ; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(path, 0777) && errno != EEXIST)
			return -1;
		if (!slash)
			return 0;
		*slash = '/';
	}
}

/* For the top-level test summary: $BUILD/results/unit.count is "P F". */
static int write_count_file(void)
{
	const char *build = getenv("BUILD");
	char path[4096];
	bool ok = false;
	FILE *f;

	if (!build || !*build)
		return 0;
	snprintf(path, sizeof(path), "%s/results", build);
	if (mkdir_p(path) == 0) {
		strcat(path, "/unit.count");
		f = fopen(path, "w");
		if (f) {
			ok = fprintf(f, "%u %u\n", passed, failed) > 0;
			ok = fclose(f) == 0 && ok;
		}
	}
	if (ok)
		return 0;
	perror(path);
	return -1;
}

int main(int argc, char *argv[])
{
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: %s TCPSTATE FAKE_IOCTL_SO FIXTURES_DIR\n",
			argv[0]);
		return 2;
	}
	tool_path = argv[1];
	fake_ioctl_path = argv[2];
	fixtures_dir = argv[3];
	tmp_dir = make_tmp_dir();

	test_states();
	test_util();
	test_format();
	test_records();
	test_stats();
	test_cli();
	test_jsonl();
	test_conns();
	test_export();
	test_order();
	test_model();
	test_svg();
	test_match();
	test_exporter();
	test_i18n();
	test_devmap();

	nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	printf("%u passed, %u failed\n", passed, failed);
	rc = write_count_file();
	return failed || rc ? 1 : 0;
}
