# SPDX-License-Identifier: GPL-2.0
"""Real TCP sockets over loopback, in the calling thread's network
namespace (netns.Netns.enter() switches it).

A scenario is built from these: a listener, a connected pair (client and
accepted child), a little data each way, then one of the close patterns;
cookie() and sock_tuple() tell the tests which records are whose. Every
socket has a timeout, so a scenario that goes wrong fails instead of
hanging the VM.
"""
import socket
import struct
import time

SO_COOKIE = 57
# family -> (address family, loopback address, the wildcard address)
ADDRS = {"ipv4": (socket.AF_INET, "127.0.0.1", "0.0.0.0"),
         "ipv6": (socket.AF_INET6, "::1", "::")}
# The kernel's TCP states: TCP_INFO's tcpi_state, /proc/net/tcp's st
# column, the records' old/new state bytes.
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
              5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
              9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV"}
TCP_STATE_NUM = {name: num for num, name in TCP_STATES.items()}


def cookie(s):
    """The socket's SO_COOKIE (the records' cookie field)."""
    return struct.unpack("<Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]


def sock_tuple(s):
    """(laddr, lport, raddr, rport) of a connected socket."""
    la, lp = s.getsockname()[:2]
    ra, rp = s.getpeername()[:2]
    return (la, lp, ra, rp)


def free_port(family="ipv4"):
    """A port nobody listens on (bound then closed: no state change)."""
    af, addr, _ = ADDRS[family]
    s = socket.socket(af, socket.SOCK_STREAM)
    s.bind((addr, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listener(family, backlog=8, port=0, timeout=15):
    """A socket listening on the loopback address (port 0: any free one);
    timeout None: blocking."""
    af, addr, _ = ADDRS[family]
    srv = socket.socket(af, socket.SOCK_STREAM)
    srv.settimeout(timeout)
    srv.bind((addr, port))
    srv.listen(backlog)
    return srv


def connect(family, srv, timeout=15):
    """A client connected to the listener srv, and the child accept()
    returned for it: (cli, conn)."""
    af, addr, _ = ADDRS[family]
    cli = socket.socket(af, socket.SOCK_STREAM)
    cli.settimeout(timeout)
    cli.connect((addr, srv.getsockname()[1]))
    conn, _ = srv.accept()
    conn.settimeout(timeout)
    return cli, conn


def exchange(cli, conn):
    """Some data each way (12 bytes to the server, 13 back)."""
    cli.sendall(b"hello server")
    recv_exact(conn, 12)
    conn.sendall(b"hello client!")
    recv_exact(cli, 13)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        b = s.recv(n - len(buf))
        if not b:
            raise EOFError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += b
    return buf


def wait_eof(s):
    """The peer's FIN (recv() returns b""); anything else is an error."""
    b = s.recv(100)
    if b != b"":
        raise RuntimeError("expected EOF, got %r" % b)


def tcp_state(s):
    """The socket's state number (TCP_INFO), see TCP_STATES."""
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]


def wait_state(s, name, timeout=10.0):
    """Wait until the socket is in state name (e.g. "FIN_WAIT2")."""
    want = TCP_STATE_NUM[name]
    end = time.monotonic() + timeout
    while tcp_state(s) != want:
        if time.monotonic() > end:
            raise RuntimeError("socket did not reach %s (state %d)" % (name, tcp_state(s)))
        time.sleep(0.005)


# -- close patterns ------------------------------------------------------------
def close_first(first, second):
    """first close()s (active close), second closes on its EOF (passive)."""
    first.close()
    wait_eof(second)
    second.close()


def close_simultaneously(a, b, timeout=10.0):
    """Both shutdown(SHUT_WR) before either sees the other's FIN (the
    caller delays loopback, e.g. with netem): FIN_WAIT1 -> CLOSING on both
    sides; returns once both are CLOSE (their FINs ACKed). The sockets
    stay open."""
    a.shutdown(socket.SHUT_WR)
    b.shutdown(socket.SHUT_WR)
    wait_eof(a)
    wait_eof(b)
    wait_state(a, "CLOSE", timeout)
    wait_state(b, "CLOSE", timeout)


def abort(cli, conn):
    """cli close()s with SO_LINGER {1, 0}: an RST, ECONNRESET at conn,
    which is then closed too (both already CLOSE)."""
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    cli.close()
    try:
        b = conn.recv(100)
        raise RuntimeError("expected ECONNRESET on the server side, got %r" % b)
    except ConnectionResetError:
        pass
    conn.close()


def connect_refused(family, port, timeout=15):
    """connect() to a port nobody listens on: the peer's RST, ECONNREFUSED.
    Returns (cookie, local port) of the client socket, closed by then."""
    af, addr, _ = ADDRS[family]
    cli = socket.socket(af, socket.SOCK_STREAM)
    cli.settimeout(timeout)
    c = cookie(cli)
    try:
        cli.connect((addr, port))
        raise RuntimeError("connect to closed port %d succeeded" % port)
    except ConnectionRefusedError:
        pass
    lport = cli.getsockname()[1]
    cli.close()                 # already CLOSE: no state change
    return c, lport
