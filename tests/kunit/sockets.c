// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TCP sockets over loopback: listen, connect, accept in init_net,
 * as a userspace program would, so the hooks see real state changes.
 */
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "sockets.h"

#define LO_TIMEOUT	(5 * HZ)

void lo_addr(int family, bool mapped, u8 addr[16])
{
	__be32 v4 = htonl(INADDR_LOOPBACK);

	memset(addr, 0, 16);
	if (family == AF_INET6 && mapped)
		ipv6_addr_set_v4mapped(v4, (struct in6_addr *)addr);
	else if (family == AF_INET6)
		memcpy(addr, &in6addr_loopback, sizeof(in6addr_loopback));
	else
		memcpy(addr, &v4, sizeof(v4));
}

/* Loopback (or any, for a dual-stack listener) of @family, port @port. */
static int lo_sockaddr(struct sockaddr_storage *ss, int family, bool any,
		       u16 port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = any ? in6addr_any : in6addr_loopback;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
	sin->sin_port = htons(port);
	return sizeof(*sin);
}

static int lo_socket(struct socket **sock, int family)
{
	int ret = sock_create_kern(&init_net, family, SOCK_STREAM, IPPROTO_TCP,
				   sock);

	if (ret)
		return ret;
	(*sock)->sk->sk_rcvtimeo = LO_TIMEOUT;
	(*sock)->sk->sk_sndtimeo = LO_TIMEOUT;
	return 0;
}

static u16 lo_port(struct socket *sock)
{
	struct sockaddr_storage ss;

	if (kernel_getsockname(sock, (struct sockaddr *)&ss) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * A listener on loopback port 0 (the kernel picks one); an AF_INET6
 * listener for an AF_INET client binds :: instead, so it is dual-stack.
 */
int lo_listen(struct lo_pair *p, int family)
{
	struct sockaddr_storage ss;
	int len, ret;

	p->lfamily = family;
	ret = lo_socket(&p->listener, family);
	if (ret)
		return ret;
	len = lo_sockaddr(&ss, family, p->family && p->family != family, 0);
	ret = kernel_bind(p->listener, (struct sockaddr *)&ss, len);
	if (!ret)
		ret = kernel_listen(p->listener, 8);
	if (ret) {
		lo_release(&p->listener);
		return ret;
	}
	p->port = lo_port(p->listener);
	return 0;
}

/* A loopback port nobody listens on: bound, then closed (no state change). */
u16 lo_free_port(int family)
{
	struct sockaddr_storage ss;
	struct socket *sock;
	u16 port = 0;
	int len;

	if (lo_socket(&sock, family))
		return 0;
	len = lo_sockaddr(&ss, family, false, 0);
	if (!kernel_bind(sock, (struct sockaddr *)&ss, len))
		port = lo_port(sock);
	sock_release(sock);
	return port;
}

/* Blocking connect to p->port; the handshake completes before it returns. */
int lo_connect(struct lo_pair *p, int family)
{
	struct sockaddr_storage ss;
	int len, ret;

	p->family = family;
	ret = lo_socket(&p->client, family);
	if (ret)
		return ret;
	len = lo_sockaddr(&ss, family, false, p->port);
	ret = kernel_connect(p->client, (struct sockaddr *)&ss, len, 0);
	p->cport = lo_port(p->client);
	return ret;
}

int lo_accept(struct lo_pair *p)
{
	int ret = kernel_accept(p->listener, &p->child, 0);

	if (ret)
		p->child = NULL;
	else
		p->child->sk->sk_rcvtimeo = LO_TIMEOUT;
	return ret;
}

/* A listener of @lfamily, a client of @family connected to it, accepted. */
int lo_pair_open(struct lo_pair *p, int lfamily, int family)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->family = family;
	ret = lo_listen(p, lfamily);
	if (!ret)
		ret = lo_connect(p, family);
	if (!ret)
		ret = lo_accept(p);
	if (ret)
		lo_pair_close(p);
	return ret;
}

void lo_release(struct socket **sock)
{
	if (*sock) {
		sock_release(*sock);
		*sock = NULL;
	}
}

void lo_pair_close(struct lo_pair *p)
{
	lo_release(&p->client);
	lo_release(&p->child);
	lo_release(&p->listener);
}

bool lo_wait_state(struct sock *sk, int state, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (READ_ONCE(sk->sk_state) != state) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(5000, 10000);
	}
	return true;
}
