// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen - the TCP work the benchmark times, over loopback, with the
 * server in a thread of the same process.
 *
 *   loadgen churn N          N short connections, one after the other:
 *                            connect, 16 bytes each way, the server
 *                            closes first (it keeps the TIME_WAIT)
 *   loadgen synburst N [B]   N connections in bursts of B (default 128)
 *                            non-blocking connect()s at a listener; wait
 *                            until all are established, then abort them
 *                            (SO_LINGER 0: RST, no TIME_WAIT)
 *   loadgen bulk MB [C]      C connections (default 2) each send MB MiB,
 *                            64 KiB per write, the server discards
 *   loadgen timewait N [A]   N connections, one after the other, from A
 *                            client addresses (127.0.1.1 .. 127.0.1.A,
 *                            default 4) in turn; the client closes first
 *                            and keeps the TIME_WAIT, so N of them are
 *                            alive at once if N fit in the 4-tuples and
 *                            the 60 s TIME_WAIT (tcp_tw_reuse=0 and a
 *                            wide ip_local_port_range: the caller's job)
 *
 * Prints one line: "loadgen MODE conns=N bytes=N secs=S" (wall time of
 * the work itself, not of the set-up). Exit 0, or 1 with a message.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN		16
#define BULK_CHUNK	(64 * 1024)

static int lfd;
static struct sockaddr_in addr;
static long bulk_conns;

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void listener(void)
{
	socklen_t len = sizeof(addr);
	int one = 1;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)))
		die("bind");
	if (listen(lfd, 4096))
		die("listen");
	if (getsockname(lfd, (struct sockaddr *)&addr, &len))
		die("getsockname");
}

static int connect_to(int flags)
{
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) &&
	    errno != EINPROGRESS)
		die("connect");
	return fd;
}

static ssize_t read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? r : (ssize_t)got;
		got += r;
	}
	return got;
}

/* churn: echo MSG_LEN bytes, then close first. */
static void *churn_server(void *arg)
{
	char buf[MSG_LEN];
	int fd;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			die("accept");
		if (read_full(fd, buf, sizeof(buf)) == sizeof(buf) &&
		    write(fd, buf, sizeof(buf)) != sizeof(buf))
			die("write");
		close(fd);
	}
	return arg;
}

static long churn(long n)
{
	char buf[MSG_LEN] = "loadgen churn..";
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = connect_to(0);
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			die("write");
		if (read_full(fd, buf, sizeof(buf)) != sizeof(buf))
			die("read");
		/* Wait for the server's FIN: it closes first. */
		if (read(fd, buf, 1) != 0)
			die("read eof");
		close(fd);
	}
	return n;
}

/*
 * timewait: connect from the next client address, accept, the client
 * closes, the server reads the end and closes. All in this thread, in
 * that order: no backlog to overflow, nothing left open behind.
 */
static long timewait(long n, long addrs)
{
	struct sockaddr_in from = { .sin_family = AF_INET };
	int one = 1, c, s;
	char byte;
	long i;

	for (i = 0; i < n; i++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0)
			die("socket");
		/* The port is chosen at connect(), for the whole 4-tuple. */
		if (setsockopt(c, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			       sizeof(one)))
			die("IP_BIND_ADDRESS_NO_PORT");
		from.sin_addr.s_addr = htonl(0x7f000101 + i % addrs);
		if (bind(c, (struct sockaddr *)&from, sizeof(from)))
			die("bind");
		if (connect(c, (struct sockaddr *)&addr, sizeof(addr)))
			die("connect");
		s = accept(lfd, NULL, NULL);
		if (s < 0)
			die("accept");
		close(c);
		if (read(s, &byte, 1) != 0)
			die("read eof");
		close(s);
	}
	return n;
}

/* synburst: accept and close at once. */
static void *accept_server(void *arg)
{
	int fd;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			die("accept");
		close(fd);
	}
	return arg;
}

static long synburst(long n, long burst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd *pfd = calloc(burst, sizeof(*pfd));
	long done = 0, b, i, left;

	if (!pfd)
		die("calloc");
	while (done < n) {
		b = n - done < burst ? n - done : burst;
		for (i = 0; i < b; i++) {
			pfd[i].fd = connect_to(SOCK_NONBLOCK);
			pfd[i].events = POLLOUT;
		}
		for (left = b; left > 0;) {
			if (poll(pfd, b, 5000) <= 0)
				die("poll");
			for (i = 0; i < b; i++) {
				if (pfd[i].fd >= 0 && pfd[i].revents) {
					setsockopt(pfd[i].fd, SOL_SOCKET,
						   SO_LINGER, &lg, sizeof(lg));
					close(pfd[i].fd);
					pfd[i].fd = -1;
					left--;
				}
			}
		}
		done += b;
	}
	free(pfd);
	return done;
}

/* bulk: read and discard until EOF. */
static void *bulk_reader(void *arg)
{
	static char buf[BULK_CHUNK];
	int fd = (int)(long)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return NULL;
}

static void *bulk_server(void *arg)
{
	pthread_t t;
	long i;
	int fd;

	for (i = 0; i < bulk_conns; i++) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			die("accept");
		if (pthread_create(&t, NULL, bulk_reader, (void *)(long)fd))
			die("pthread_create");
		pthread_detach(t);
	}
	return arg;
}

static void *bulk_writer(void *arg)
{
	static const char buf[BULK_CHUNK];
	long left = (long)arg;
	char tail[64];
	ssize_t w;
	int fd = connect_to(0);

	while (left > 0) {
		w = write(fd, buf, left < BULK_CHUNK ? left : BULK_CHUNK);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		left -= w;
	}
	/* Orderly close, and wait for the reader's close. */
	shutdown(fd, SHUT_WR);
	while (read(fd, tail, sizeof(tail)) > 0)
		;
	close(fd);
	return NULL;
}

static long bulk(long mb)
{
	pthread_t t[64];
	long i;

	for (i = 0; i < bulk_conns; i++)
		if (pthread_create(&t[i], NULL, bulk_writer,
				   (void *)(mb * 1024 * 1024)))
			die("pthread_create");
	for (i = 0; i < bulk_conns; i++)
		pthread_join(t[i], NULL);
	return bulk_conns;
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen churn N | synburst N [BURST] | bulk MB [CONNS] |\n"
		"               timewait N [ADDRS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	void *(*server)(void *) = NULL;
	long n, arg2, conns = 0, bytes = 0;
	bool tw = false;
	pthread_t srv;
	double t0, t1;

	if (argc < 3 || argc > 4)
		usage();
	n = strtol(argv[2], NULL, 10);
	arg2 = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
	if (n <= 0 || arg2 < 0)
		usage();

	if (!strcmp(argv[1], "churn"))
		server = churn_server;
	else if (!strcmp(argv[1], "synburst"))
		server = accept_server;
	else if (!strcmp(argv[1], "bulk"))
		server = bulk_server;
	else if (!strcmp(argv[1], "timewait"))
		tw = true;	/* its own server, in line */
	else
		usage();
	if (tw && argc == 3)
		arg2 = 4;
	if (tw && (arg2 < 1 || arg2 > 254))
		usage();
	bulk_conns = arg2 ? arg2 : 2;
	if (server == bulk_server && bulk_conns > 64)
		usage();

	listener();
	if (server && pthread_create(&srv, NULL, server, NULL))
		die("pthread_create");

	t0 = now();
	if (tw) {
		conns = timewait(n, arg2);
	} else if (server == churn_server) {
		conns = churn(n);
		bytes = 2 * MSG_LEN * conns;
	} else if (server == accept_server) {
		conns = synburst(n, arg2 ? arg2 : 128);
	} else {
		conns = bulk(n);
		bytes = n * 1024 * 1024 * conns;
	}
	t1 = now();
	printf("loadgen %s conns=%ld bytes=%ld secs=%.6f\n", argv[1], conns,
	       bytes, t1 - t0);
	return 0;
}
