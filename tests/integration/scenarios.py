# SPDX-License-Identifier: GPL-2.0
"""Deterministic TCP connections over loopback, in this process.

Each scenario returns what the test needs to know about its sockets: the
real tuple (from getsockname/getpeername), the SO_COOKIE, and the state
sequence the kernel goes through (fixed, because each side waits for the
peer's EOF/RST before acting).
"""
import os
import socket
import struct
import time

SO_COOKIE = 57
ADDRS = {"ipv4": (socket.AF_INET, "127.0.0.1", "0.0.0.0"),
         "ipv6": (socket.AF_INET6, "::1", "::")}


def cookie(s):
    return struct.unpack("<Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]


def _tuple(s):
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


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        b = s.recv(n - len(buf))
        if not b:
            raise EOFError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += b
    return buf


def _connect_pair(family):
    af, addr, any_ = ADDRS[family]
    srv = socket.socket(af, socket.SOCK_STREAM)
    srv.settimeout(10)
    srv.bind((addr, 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    info = {"family": family, "server_port": port,
            "sockets": {"listener": {"tuple": (addr, port, any_, 0), "cookie": cookie(srv)}}}
    cli = socket.socket(af, socket.SOCK_STREAM)
    cli.settimeout(10)
    cli.connect((addr, port))
    conn, _ = srv.accept()
    conn.settimeout(10)
    info["client_port"] = cli.getsockname()[1]
    info["sockets"]["client"] = {"tuple": _tuple(cli), "cookie": cookie(cli)}
    info["sockets"]["child"] = {"tuple": _tuple(conn), "cookie": cookie(conn)}
    # some data each way
    cli.sendall(b"hello server")
    _recv_exact(conn, 12)
    conn.sendall(b"hello client!")
    _recv_exact(cli, 13)
    return info, srv, cli, conn


def _wait_eof(s):
    b = s.recv(100)
    if b != b"":
        raise RuntimeError("expected EOF, got %r" % b)


EST_CLIENT = [("CLOSE", "SYN_SENT"), ("SYN_SENT", "ESTABLISHED")]
EST_CHILD = [("LISTEN", "SYN_RECV"), ("SYN_RECV", "ESTABLISHED")]
LISTENER = [("CLOSE", "LISTEN"), ("LISTEN", "CLOSE")]
ACTIVE_CLOSE = [("ESTABLISHED", "FIN_WAIT1"), ("FIN_WAIT1", "FIN_WAIT2"), ("FIN_WAIT2", "CLOSE")]
PASSIVE_CLOSE = [("ESTABLISHED", "CLOSE_WAIT"), ("CLOSE_WAIT", "LAST_ACK"), ("LAST_ACK", "CLOSE")]


def client_closes(family):
    info, srv, cli, conn = _connect_pair(family)
    cli.close()                 # ESTABLISHED -> FIN_WAIT1 (our syscall)
    _wait_eof(conn)
    conn.close()                # CLOSE_WAIT -> LAST_ACK
    srv.close()                 # LISTEN -> CLOSE
    info["expected"] = {"listener": LISTENER, "client": EST_CLIENT + ACTIVE_CLOSE,
                        "child": EST_CHILD + PASSIVE_CLOSE}
    info["syscall"] = {"client": [("CLOSE", "SYN_SENT"), ("ESTABLISHED", "FIN_WAIT1")],
                       "child": [("CLOSE_WAIT", "LAST_ACK")]}
    info["resets"] = 0
    return info


def server_closes(family):
    info, srv, cli, conn = _connect_pair(family)
    conn.close()                # ESTABLISHED -> FIN_WAIT1 (our syscall)
    _wait_eof(cli)
    cli.close()                 # CLOSE_WAIT -> LAST_ACK
    srv.close()
    info["expected"] = {"listener": LISTENER, "client": EST_CLIENT + PASSIVE_CLOSE,
                        "child": EST_CHILD + ACTIVE_CLOSE}
    info["syscall"] = {"client": [("CLOSE", "SYN_SENT"), ("CLOSE_WAIT", "LAST_ACK")],
                       "child": [("ESTABLISHED", "FIN_WAIT1")]}
    info["resets"] = 0
    return info


def refused(family, port):
    """connect() to a port nobody listens on: RST, ECONNREFUSED."""
    af, addr, _ = ADDRS[family]
    cli = socket.socket(af, socket.SOCK_STREAM)
    cli.settimeout(10)
    c = cookie(cli)
    try:
        cli.connect((addr, port))
    except ConnectionRefusedError:
        pass
    else:
        raise RuntimeError("connect to closed port %d succeeded" % port)
    lport = cli.getsockname()[1]
    cli.close()                 # already CLOSE: no state change
    info = {"family": family, "server_port": port, "client_port": lport or None,
            "sockets": {"client": {"tuple": (addr, lport, addr, port), "cookie": c}},
            "expected": {"client": [("CLOSE", "SYN_SENT"), ("SYN_SENT", "CLOSE")]},
            "syscall": {"client": [("CLOSE", "SYN_SENT")]},
            "resets": 1}
    return info


def rst_abort(family):
    """Established, then the client closes with SO_LINGER {1, 0}: RST."""
    info, srv, cli, conn = _connect_pair(family)
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    cli.close()                 # ESTABLISHED -> CLOSE, RST sent
    try:
        b = conn.recv(100)
        raise RuntimeError("expected ECONNRESET on the server side, got %r" % b)
    except ConnectionResetError:
        pass
    conn.close()                # already CLOSE
    srv.close()
    info["expected"] = {"listener": LISTENER,
                        "client": EST_CLIENT + [("ESTABLISHED", "CLOSE")],
                        "child": EST_CHILD + [("ESTABLISHED", "CLOSE")]}
    info["syscall"] = {"client": [("CLOSE", "SYN_SENT"), ("ESTABLISHED", "CLOSE")]}
    info["resets"] = 1
    return info


def _tcp_state(s):
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]


def simultaneous_close(family, delay_ms=150):
    """Both sides send FIN before seeing the other's: FIN_WAIT1 -> CLOSING.
    Loopback delivers at once, so netem delays lo's packets meanwhile."""
    import subprocess
    info, srv, cli, conn = _connect_pair(family)
    subprocess.run(["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay",
                    "%dms" % delay_ms], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    try:
        cli.shutdown(socket.SHUT_WR)    # ESTABLISHED -> FIN_WAIT1 (our syscall)
        conn.shutdown(socket.SHUT_WR)   # ESTABLISHED -> FIN_WAIT1 (our syscall)
        _wait_eof(cli)                  # the peer's FIN: FIN_WAIT1 -> CLOSING
        _wait_eof(conn)
        end = time.monotonic() + 10     # the ACKs of our FINs: CLOSING -> CLOSE
        while (_tcp_state(cli), _tcp_state(conn)) != (7, 7):
            if time.monotonic() > end:
                raise RuntimeError("simultaneous close: states %s" % ((_tcp_state(cli), _tcp_state(conn)),))
            time.sleep(0.01)
    finally:
        subprocess.run(["tc", "qdisc", "del", "dev", "lo", "root"], stderr=subprocess.DEVNULL)
    cli.close()                         # already CLOSE
    conn.close()
    srv.close()
    sim = [("ESTABLISHED", "FIN_WAIT1"), ("FIN_WAIT1", "CLOSING"), ("CLOSING", "CLOSE")]
    info["expected"] = {"listener": LISTENER, "client": EST_CLIENT + sim, "child": EST_CHILD + sim}
    info["syscall"] = {"client": [("CLOSE", "SYN_SENT"), ("ESTABLISHED", "FIN_WAIT1")],
                       "child": [("ESTABLISHED", "FIN_WAIT1")]}
    info["resets"] = 0
    return info


def simple(family="ipv4"):
    """One plain connection, client closes first (used by many tests)."""
    return client_closes(family)


def churn(stop_event, family="ipv4", counter=None):
    """Make connections in a loop until stop_event is set."""
    af, addr, _ = ADDRS[family]
    srv = socket.socket(af, socket.SOCK_STREAM)
    srv.bind((addr, 0))
    srv.listen(64)
    port = srv.getsockname()[1]
    n = 0
    try:
        while not stop_event.is_set():
            cli = socket.socket(af, socket.SOCK_STREAM)
            cli.settimeout(5)
            cli.connect((addr, port))
            conn, _ = srv.accept()
            cli.close()
            conn.recv(10)
            conn.close()
            n += 1
            if counter is not None:
                counter[0] = n
    finally:
        srv.close()
    return n


def many(n, family="ipv4"):
    """n sequential connections through one listener, client closes first.
    Returns the listener port and the list of client ports."""
    af, addr, _ = ADDRS[family]
    srv = socket.socket(af, socket.SOCK_STREAM)
    srv.settimeout(10)
    srv.bind((addr, 0))
    srv.listen(64)
    port = srv.getsockname()[1]
    cports = []
    for _ in range(n):
        cli = socket.socket(af, socket.SOCK_STREAM)
        cli.settimeout(10)
        cli.connect((addr, port))
        conn, _ = srv.accept()
        conn.settimeout(10)
        cports.append(cli.getsockname()[1])
        cli.close()
        _wait_eof(conn)
        conn.close()
    srv.close()
    return port, cports


if __name__ == "__main__":
    # Used by the netns tests: run one connection here, print what we know.
    import json
    import sys
    t0 = time.monotonic_ns()
    info = client_closes(sys.argv[1] if len(sys.argv) > 1 else "ipv4")
    info["pid"] = os.getpid()
    info["netns"] = os.stat("/proc/self/ns/net").st_ino
    info["t0"], info["t1"] = t0, time.monotonic_ns()
    print(json.dumps(info))
