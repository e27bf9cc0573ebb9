# SPDX-License-Identifier: GPL-2.0
"""Deterministic TCP connections over loopback, in this process.

Each scenario returns what the test needs to know about its sockets: the
real tuple (from getsockname/getpeername), the SO_COOKIE, and the state
sequence the kernel goes through (fixed, because each side waits for the
peer's EOF/RST before acting).
"""
import os
import socket
import sys
import time

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
if LIB not in sys.path:
    sys.path.insert(0, LIB)    # run as a script (the netns tests do)
from tcpstate_test.sockets import (  # noqa: E402,F401  (free_port: for guest.py)
    ADDRS, abort, close_first, close_simultaneously, connect, connect_refused, cookie, exchange,
    free_port, listener, sock_tuple)


def _connect_pair(family):
    af, addr, any_ = ADDRS[family]
    srv = listener(family, timeout=10)
    port = srv.getsockname()[1]
    info = {"family": family, "server_port": port,
            "sockets": {"listener": {"tuple": (addr, port, any_, 0), "cookie": cookie(srv)}}}
    cli, conn = connect(family, srv, timeout=10)
    info["client_port"] = cli.getsockname()[1]
    info["sockets"]["client"] = {"tuple": sock_tuple(cli), "cookie": cookie(cli)}
    info["sockets"]["child"] = {"tuple": sock_tuple(conn), "cookie": cookie(conn)}
    exchange(cli, conn)         # some data each way
    return info, srv, cli, conn


EST_CLIENT = [("CLOSE", "SYN_SENT"), ("SYN_SENT", "ESTABLISHED")]
EST_CHILD = [("LISTEN", "SYN_RECV"), ("SYN_RECV", "ESTABLISHED")]
LISTENER = [("CLOSE", "LISTEN"), ("LISTEN", "CLOSE")]
ACTIVE_CLOSE = [("ESTABLISHED", "FIN_WAIT1"), ("FIN_WAIT1", "FIN_WAIT2"), ("FIN_WAIT2", "CLOSE")]
PASSIVE_CLOSE = [("ESTABLISHED", "CLOSE_WAIT"), ("CLOSE_WAIT", "LAST_ACK"), ("LAST_ACK", "CLOSE")]


def client_closes(family):
    info, srv, cli, conn = _connect_pair(family)
    # cli: ESTABLISHED -> FIN_WAIT1 (our syscall); conn: CLOSE_WAIT -> LAST_ACK
    close_first(cli, conn)
    srv.close()                 # LISTEN -> CLOSE
    info["expected"] = {"listener": LISTENER, "client": EST_CLIENT + ACTIVE_CLOSE,
                        "child": EST_CHILD + PASSIVE_CLOSE}
    info["syscall"] = {"client": [("CLOSE", "SYN_SENT"), ("ESTABLISHED", "FIN_WAIT1")],
                       "child": [("CLOSE_WAIT", "LAST_ACK")]}
    info["resets"] = 0
    return info


def server_closes(family):
    info, srv, cli, conn = _connect_pair(family)
    # conn: ESTABLISHED -> FIN_WAIT1 (our syscall); cli: CLOSE_WAIT -> LAST_ACK
    close_first(conn, cli)
    srv.close()
    info["expected"] = {"listener": LISTENER, "client": EST_CLIENT + PASSIVE_CLOSE,
                        "child": EST_CHILD + ACTIVE_CLOSE}
    info["syscall"] = {"client": [("CLOSE", "SYN_SENT"), ("CLOSE_WAIT", "LAST_ACK")],
                       "child": [("ESTABLISHED", "FIN_WAIT1")]}
    info["resets"] = 0
    return info


def refused(family, port):
    """connect() to a port nobody listens on: RST, ECONNREFUSED."""
    addr = ADDRS[family][1]
    c, lport = connect_refused(family, port, timeout=10)
    info = {"family": family, "server_port": port, "client_port": lport or None,
            "sockets": {"client": {"tuple": (addr, lport, addr, port), "cookie": c}},
            "expected": {"client": [("CLOSE", "SYN_SENT"), ("SYN_SENT", "CLOSE")]},
            "syscall": {"client": [("CLOSE", "SYN_SENT")]},
            "resets": 1}
    return info


def rst_abort(family):
    """Established, then the client closes with SO_LINGER {1, 0}: RST."""
    info, srv, cli, conn = _connect_pair(family)
    abort(cli, conn)            # cli: ESTABLISHED -> CLOSE, RST sent; conn: reset
    srv.close()
    info["expected"] = {"listener": LISTENER,
                        "client": EST_CLIENT + [("ESTABLISHED", "CLOSE")],
                        "child": EST_CHILD + [("ESTABLISHED", "CLOSE")]}
    info["syscall"] = {"client": [("CLOSE", "SYN_SENT"), ("ESTABLISHED", "CLOSE")]}
    info["resets"] = 1
    return info


def simultaneous_close(family, delay_ms=150):
    """Both sides send FIN before seeing the other's: FIN_WAIT1 -> CLOSING.
    Loopback delivers at once, so netem delays lo's packets meanwhile."""
    import subprocess
    info, srv, cli, conn = _connect_pair(family)
    subprocess.run(["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay",
                    "%dms" % delay_ms], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    try:
        # ESTABLISHED -> FIN_WAIT1 (our syscalls); the peer's FIN: FIN_WAIT1
        # -> CLOSING; the ACKs of our FINs: CLOSING -> CLOSE
        close_simultaneously(cli, conn)
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
    srv = listener(family, backlog=64, timeout=None)
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
    srv = listener(family, backlog=64, timeout=10)
    port = srv.getsockname()[1]
    cports = []
    for _ in range(n):
        cli, conn = connect(family, srv, timeout=10)
        cports.append(cli.getsockname()[1])
        close_first(cli, conn)
    srv.close()
    return port, cports


if __name__ == "__main__":
    # Used by the netns tests: run one connection here, print what we know.
    import json
    t0 = time.monotonic_ns()
    info = client_closes(sys.argv[1] if len(sys.argv) > 1 else "ipv4")
    info["pid"] = os.getpid()
    info["netns"] = os.stat("/proc/self/ns/net").st_ino
    info["t0"], info["t1"] = t0, time.monotonic_ns()
    print(json.dumps(info))
