// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "run.h"

const struct run_opts plain = { .stdout_fd = -1 };
const struct run_opts fake = { .stdout_fd = -1, .fake_device = true };

char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		perror("vasprintf");
		exit(2);
	}
	return s;
}

static FILE *tmp_stream(void)
{
	FILE *f = tmpfile();

	if (!f) {
		perror("tmpfile");
		exit(2);
	}
	return f;
}

static char *read_all(FILE *f)
{
	struct capture c;
	char chunk[4096];
	size_t n;

	capture_begin(&c);
	rewind(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, c.f);
	fclose(f);
	return capture_end(&c);
}

/* Only as root: a non-root user cannot override file modes anyway. */
static int drop_dac_override(void)
{
	if (geteuid() != 0)
		return 0;
	/* The bounding set limits what root gets back at execve(). */
	return prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) ||
	       prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0);
}

static int set_fake_env(const struct run_opts *o)
{
	if (!o->fake_device)
		return 0;
	if (o->fake_version && setenv("TCPSTATE_FAKE_VERSION", o->fake_version, 1))
		return -1;
	if (o->fake_empty_ready && setenv("TCPSTATE_FAKE_EMPTY_READY", "1", 1))
		return -1;
	return setenv("LD_PRELOAD", fake_ioctl_path, 1);
}

/*
 * English in C.UTF-8 unless asked otherwise: the golden outputs must not
 * depend on the locale of whoever runs the tests.
 */
static int set_locale_env(const struct run_opts *o)
{
	if (unsetenv("LANG") || unsetenv("LC_MESSAGES") || unsetenv("LC_CTYPE") ||
	    setenv("LC_ALL", o->locale ? o->locale : "C.UTF-8", 1))
		return -1;
	return o->language ? setenv("LANGUAGE", o->language, 1) :
			     unsetenv("LANGUAGE");
}

__attribute__((noreturn))
static void exec_child(const char *const argv[], const struct run_opts *o,
		       int out_fd, int err_fd)
{
	int null_fd = open("/dev/null", O_RDONLY);

	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(err_fd, 2) < 0 || set_fake_env(o) || set_locale_env(o) ||
	    (o->no_dac_override && drop_dac_override()))
		_exit(126);
	execv(tool_path, (char *const *)argv);
	_exit(127);
}

void start(struct child *c, const char *const argv[],
		  const struct run_opts *o)
{
	c->out = tmp_stream();
	c->err = tmp_stream();
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0) {
		perror("fork");
		exit(2);
	}
	if (c->pid == 0)
		exec_child(argv, o, o->stdout_fd >= 0 ? o->stdout_fd : fileno(c->out),
			   fileno(c->err));
}

void finish(struct child *c, struct run *r)
{
	int status;

	waitpid(c->pid, &status, 0);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status)
				      : 128 + WTERMSIG(status);
	r->out = read_all(c->out);
	r->err = read_all(c->err);
}

void run_with(struct run *r, const char *const argv[],
		     const struct run_opts *o)
{
	struct child c;

	start(&c, argv, o);
	finish(&c, r);
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

void check_result(const char *file, int line, struct run *r,
			 int status, const char *out, const char *err)
{
	check_int_at(file, line, status, r->status);
	check_str_at(file, line, out, r->out);
	check_str_at(file, line, err, r->err);
	run_free(r);
}

void check_run_with(const char *file, int line, const char *const argv[],
			   const struct run_opts *o, int status,
			   const char *out, const char *err)
{
	struct run r;

	run_with(&r, argv, o);
	check_result(file, line, &r, status, out, err);
}


/* Exit status 2, nothing on stdout, message then the synopsis on stderr. */
void check_usage_error(const char *file, int line,
			      const char *const argv[], const char *message)
{
	struct run r;

	run_with(&r, argv, &plain);
	check_int_at(file, line, 2, r.status);
	check_str_at(file, line, "", r.out);
	check_prefix_at(file, line, message, r.err);
	check_contains_at(file, line,
			  "\n\nUSAGE\n  tcpstate dump [--json | -T wall|mono|rel] [--ms] [-n COUNT]\n",
			  r.err);
	run_free(&r);
}


char *tmp_path(const char *name)
{
	return str_printf("%s/%s", tmp_dir, name);
}

char *tmp_file(const char *name, const void *data, size_t len,
		      mode_t mode)
{
	char *path = tmp_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd)) {
		perror(path);
		exit(2);
	}
	return path;
}

/* Waits until f holds len bytes: the child has printed and flushed them. */
bool wait_for_size(FILE *f, off_t len)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	struct stat st;
	int i;

	for (i = 0; i < 1000; i++) {
		if (fstat(fileno(f), &st) == 0 && st.st_size >= len)
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}


char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct capture c;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	capture_begin(&c);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, c.f);
	fclose(f);
	capture_end(&c);
	if (len)
		*len = c.len;
	return c.buf;
}

bool exits_within(struct child *c, int ms)
{
	siginfo_t info;
	int i;

	for (i = 0; i < ms / 10; i++) {
		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    info.si_pid == c->pid)
			return true;
		usleep(10000);
	}
	kill(c->pid, SIGKILL);
	return false;
}
