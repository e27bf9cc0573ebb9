/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running the built tools/tcpstate as a user would, for test_cli.c and
 * test_conns.c: exit status, stdout and stderr; with fake_ioctl.so
 * preloaded, "dump -d" and "conns -d" read a file or FIFO of records as
 * if it were the device.
 */
#ifndef TCPSTATE_RUN_H
#define TCPSTATE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* A command line: ARGV("dump", "-x", NULL). */
#define ARGV(...) ((const char *const[]){ "tcpstate", __VA_ARGS__ })

/* How the child differs from a plain run. */
struct run_opts {
	int stdout_fd;		/* stdout goes here instead of being captured */
	bool no_dac_override;	/* root loses its right to ignore file modes */
	bool fake_device;	/* with fake_ioctl.so */
	const char *fake_version; /* the version fake_ioctl.so reports */
	/* fake_ioctl.so: every poll ready, every read of the device empty */
	bool fake_empty_ready;
	/*
	 * The tool's language (gettext's LANGUAGE: "zh_CN"), in C.UTF-8, with
	 * catalogs from $TCPSTATE_LOCALEDIR (the Makefile sets build/locale).
	 * NULL: English, whatever the caller's locale. locale: LC_ALL
	 * instead of C.UTF-8 (which need not exist: the tool must cope).
	 */
	const char *language;
	const char *locale;
};

/* A child started by start(), not yet finish()ed. */
struct child {
	pid_t pid;
	FILE *out, *err;
};

struct run {
	int status;	/* exit status, or 128 + signal */
	char *out, *err;
};

extern const struct run_opts plain, fake;

/* asprintf() that cannot fail quietly; the caller frees. */
__attribute__((format(printf, 1, 2)))
char *str_printf(const char *fmt, ...);
void start(struct child *c, const char *const argv[], const struct run_opts *o);
void finish(struct child *c, struct run *r);
/* Whether c exited within ms; if not, it is killed (SIGKILL). */
bool exits_within(struct child *c, int ms);
void run_with(struct run *r, const char *const argv[], const struct run_opts *o);
void run_free(struct run *r);
void check_result(const char *file, int line, struct run *r, int status,
		  const char *out, const char *err);
void check_run_with(const char *file, int line, const char *const argv[],
		    const struct run_opts *o, int status, const char *out,
		    const char *err);
void check_usage_error(const char *file, int line, const char *const argv[],
		       const char *message);
/* A path in the tests' own directory; the caller frees. */
char *tmp_path(const char *name);
/* That path, created with data; the caller frees. */
char *tmp_file(const char *name, const void *data, size_t len, mode_t mode);
/* Waits until f holds len bytes: the child has printed and flushed them. */
bool wait_for_size(FILE *f, off_t len);
/* The whole file at path, NUL-terminated (NULL if it cannot be read). */
char *read_file(const char *path, size_t *len);

/* Exact exit status, stdout and stderr. */
#define CHECK_RUN(argv, status, out, err) \
	check_run_with(__FILE__, __LINE__, argv, &plain, status, out, err)
#define CHECK_RUN_WITH(opts, argv, status, out, err) \
	check_run_with(__FILE__, __LINE__, argv, opts, status, out, err)
#define CHECK_USAGE_ERROR(argv, message) \
	check_usage_error(__FILE__, __LINE__, argv, message)

#endif
