# SPDX-License-Identifier: GPL-2.0
"""The scenario drivers: real sockets in a private netns (a
tcpstate_test.netns.Netns, or its Here for the namespace we are in), made
with the shared socket helpers (tests/lib/tcpstate_test/sockets.py).

Each driver sets up what it needs in the netns (sysctls, nftables, netem),
drives its sockets to a fixed end and returns an info dict:
  family      "ipv4" / "ipv6"
  sockets     role -> {"tuple": (laddr, lport, raddr, rport), "cookie": SO_COOKIE}
  expected    role -> the kernel's state sequence (what ftrace must show)
  tw          role -> (old, new) of the TIME_WAIT socket's birth
  segs        role -> the control segments that socket's side sends and
              receives, in order: (dir, flags, sock, state) where state may
              be a set of acceptable values (see AMBIGUOUS in suite.py)
  drop        wire packets the test dropped at the receiver's input hook:
              list of (sport, dport, flags, nth) = the nth (0-based) such packet
  raw         wire packets a raw socket sent (no socket's out record), same form
  ports       every port of the scenario
All sockets are closed when a driver returns.
"""
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from tcpstate_test import sockets  # noqa: E402
from tcpstate_test.sockets import (  # noqa: E402
    ADDRS, abort, close_first, close_simultaneously, connect, connect_refused, cookie, free_port,
    listener, recv_exact, sock_tuple, wait_eof, wait_state)


def new_info(family):
    return {"family": family, "sockets": {}, "expected": {}, "tw": {}, "segs": {},
            "drop": [], "ports": set(), "notes": []}


def add_sock(info, role, s, tuple_=None):
    info["sockets"][role] = {"tuple": tuple(tuple_ or sock_tuple(s)), "cookie": cookie(s)}
    for p in info["sockets"][role]["tuple"][1::2]:
        if p:
            info["ports"].add(p)


def connect_pair(info, srv, exchange=True):
    """A client and its child at the listener srv (sockets.connect), all
    three added to info; exchange: some data each way."""
    family = info["family"]
    _, addr, any_ = ADDRS[family]
    port = srv.getsockname()[1]
    add_sock(info, "listener", srv, (addr, port, any_, 0))
    cli, conn = connect(family, srv)
    add_sock(info, "client", cli)
    add_sock(info, "child", conn)
    if exchange:
        sockets.exchange(cli, conn)
    return cli, conn


# -- expected sequences --------------------------------------------------------
EST_CLIENT = [("CLOSE", "SYN_SENT"), ("SYN_SENT", "ESTABLISHED")]
EST_CHILD = [("LISTEN", "SYN_RECV"), ("SYN_RECV", "ESTABLISHED")]
LISTENER = [("CLOSE", "LISTEN"), ("LISTEN", "CLOSE")]
ACTIVE_CLOSE = [("ESTABLISHED", "FIN_WAIT1"), ("FIN_WAIT1", "FIN_WAIT2"), ("FIN_WAIT2", "CLOSE")]
PASSIVE_CLOSE = [("ESTABLISHED", "CLOSE_WAIT"), ("CLOSE_WAIT", "LAST_ACK"), ("LAST_ACK", "CLOSE")]

# control segments (dir, flags, sock, state)
HS_CLIENT = [("out", "SYN", "full", "SYN_SENT"), ("in", "SYN|ACK", "full", "SYN_SENT"),
             ("out", "ACK", "full", "ESTABLISHED")]
HS_SERVER = [("in", "SYN", "listener", "LISTEN"), ("out", "SYN|ACK", "request", "NEW_SYN_RECV"),
             ("in", "ACK", "request", "NEW_SYN_RECV")]
# active close by close() (orphan), the peer closes once we are in FIN_WAIT2:
# the full socket hands over to a TIME_WAIT socket in substate FIN_WAIT2,
# which gets the peer's FIN and sends the last ACK.
TW_SUB = "TWSUB"        # a TIME_WAIT socket's state: its substate (see suite.AMBIGUOUS)
ORPHAN_ACTIVE = [("out", "FIN|ACK", "full", "FIN_WAIT1"), ("in", "ACK", "full", "FIN_WAIT1"),
                 ("in", "FIN|ACK", "timewait", TW_SUB + ":FIN_WAIT2"),
                 ("out", "ACK", "timewait", TW_SUB + ":TIME_WAIT")]
# active close by shutdown(SHUT_WR): the full socket reaches TIME_WAIT itself
SHUT_ACTIVE = [("out", "FIN|ACK", "full", "FIN_WAIT1"), ("in", "ACK", "full", "FIN_WAIT1"),
               ("in", "FIN|ACK", "full", "FIN_WAIT2"), ("out", "ACK", "full", "FIN_WAIT2")]
PASSIVE = [("in", "FIN|ACK", "full", "ESTABLISHED"), ("out", "ACK", "full", "CLOSE_WAIT"),
           ("out", "FIN|ACK", "full", "LAST_ACK"), ("in", "ACK", "full", "LAST_ACK")]


def close_client_first(ns, info, cli, conn, srv, orphan=True):
    """Client closes (close(): orphan; else shutdown(SHUT_WR)), the server
    closes only once the client is in FIN_WAIT2 (its delayed ACK gone), so
    the wire shows FIN, ACK, FIN, ACK."""
    cport, sport = info["sockets"]["client"]["tuple"][1], info["sockets"]["child"]["tuple"][1]
    if orphan:
        cli.close()
    else:
        cli.shutdown(socket.SHUT_WR)
    wait_eof(conn)
    ns.wait_port_state(cport, sport, "FIN_WAIT2")
    conn.close()
    if not orphan:
        wait_eof(cli)
        cli.close()
    srv.close()
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + ACTIVE_CLOSE,
                            child=EST_CHILD + PASSIVE_CLOSE)
    info["tw"]["client"] = ("FIN_WAIT2", "FIN_WAIT2" if orphan else "TIME_WAIT")
    info["segs"]["client"] = HS_CLIENT + (ORPHAN_ACTIVE if orphan else SHUT_ACTIVE)
    info["segs"]["child"] = HS_SERVER + PASSIVE


# -- 1. client closes first / server closes first ------------------------------
def client_closes(ns, family):
    """Client close()s first (an orphan: its FIN_WAIT2 becomes a TIME_WAIT
    socket at once), the server closes after the client's FIN is ACKed."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        cli, conn = connect_pair(info, srv)
        close_client_first(ns, info, cli, conn, srv, orphan=True)
    return info


def orphan_linger2(ns, family):
    """As client_closes, with TCP_LINGER2 90 s on the client: tcp_fin_time()
    is above TCP_TIMEWAIT_LEN, so neither the ACK of its FIN nor close()
    hands the orphan over to a TIME_WAIT socket (the keepalive timer waits
    the 30 s above it); the full socket stays in FIN_WAIT2 and takes the
    server's FIN itself. The expectations are client_closes' on purpose:
    suite.settle_orphans must tell the other path from ftrace."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        cli, conn = connect_pair(info, srv)
        cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_LINGER2, 90)
        close_client_first(ns, info, cli, conn, srv, orphan=True)
    return info


def server_closes(ns, family):
    """Server shutdown(SHUT_WR)s first (not an orphan: its full socket goes
    FIN_WAIT2 -> TIME_WAIT), the client closes after the server's FIN is ACKed."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        cli, conn = connect_pair(info, srv)
        cport, sport = info["sockets"]["client"]["tuple"][1], info["sockets"]["child"]["tuple"][1]
        conn.shutdown(socket.SHUT_WR)
        wait_eof(cli)
        wait_state(conn, "FIN_WAIT2")
        cli.close()
        wait_eof(conn)
        ns.wait_port_state(sport, cport, "TIME_WAIT")
        conn.close()
        srv.close()
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + PASSIVE_CLOSE,
                            child=EST_CHILD + ACTIVE_CLOSE)
    info["tw"]["child"] = ("FIN_WAIT2", "TIME_WAIT")
    info["segs"]["client"] = HS_CLIENT + PASSIVE
    info["segs"]["child"] = HS_SERVER + SHUT_ACTIVE
    return info


# -- 2. the peer's FIN and ACK together ------------------------------------------
def fin_ack_together(ns, family):
    """Client close()s; the server, blocked in recv(), closes as soon as it
    returns 0: its delayed ACK of the client's FIN (delayed: a FIN puts the
    receiver in pingpong mode) rides on its own FIN. The client goes
    FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT on that one segment."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        cli, conn = connect_pair(info, srv)
        cport, sport = info["sockets"]["client"]["tuple"][1], info["sockets"]["child"]["tuple"][1]
        close_first(cli, conn)
        ns.wait_port_state(cport, sport, "TIME_WAIT")
        srv.close()
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + ACTIVE_CLOSE,
                            child=EST_CHILD + PASSIVE_CLOSE)
    info["tw"]["client"] = ("FIN_WAIT2", "TIME_WAIT")
    info["segs"]["client"] = HS_CLIENT + [
        ("out", "FIN|ACK", "full", "FIN_WAIT1"), ("in", "FIN|ACK", "full", "FIN_WAIT1"),
        ("out", "ACK", "full", "FIN_WAIT2")]
    info["segs"]["child"] = HS_SERVER + [
        ("in", "FIN|ACK", "full", "ESTABLISHED"), ("out", "FIN|ACK", "full", "LAST_ACK"),
        ("in", "ACK", "full", "LAST_ACK")]
    info["precondition"] = "fin_ack_together"
    return info


# -- 3. simultaneous close ---------------------------------------------------------
def simultaneous_close(ns, family, delay_ms=50):
    """Both shutdown(SHUT_WR) at once while netem delays lo: the FINs cross.
    The route's rto_min is raised to 1 s so that a slow VM does not
    retransmit the FINs before the ACKs come back (RTO_MIN is 200 ms)."""
    info = new_info(family)
    if family == "ipv4":
        ns.exec(["ip", "route", "replace", "local", "127.0.0.0/8", "dev", "lo", "table", "local",
                 "proto", "kernel", "scope", "host", "src", "127.0.0.1", "rto_min", "1s"])
    else:
        ns.exec(["ip", "-6", "route", "replace", "local", "::1", "dev", "lo", "table", "local",
                 "proto", "kernel", "metric", "0", "rto_min", "1s"])
    with ns.enter():
        srv = listener(family)
        cli, conn = connect_pair(info, srv)
        ns.netem("delay %dms" % delay_ms)
        try:
            close_simultaneously(cli, conn)
        finally:
            ns.netem(None)
        cli.close()
        conn.close()
        srv.close()
    sim = [("ESTABLISHED", "FIN_WAIT1"), ("FIN_WAIT1", "CLOSING"), ("CLOSING", "CLOSE")]
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + sim, child=EST_CHILD + sim)
    info["tw"].update(client=("CLOSING", "TIME_WAIT"), child=("CLOSING", "TIME_WAIT"))
    simseg = [("out", "FIN|ACK", "full", "FIN_WAIT1"), ("in", "FIN|ACK", "full", "FIN_WAIT1"),
              ("out", "ACK", "full", "FIN_WAIT1"), ("in", "ACK", "full", "CLOSING")]
    info["segs"].update(client=HS_CLIENT + simseg, child=HS_SERVER + simseg)
    return info


# -- 4. simultaneous open ------------------------------------------------------------
def simultaneous_open(ns, family, delay_ms=100):
    info = new_info(family)
    af, addr, _ = ADDRS[family]
    with ns.enter():
        a = socket.socket(af, socket.SOCK_STREAM)
        b = socket.socket(af, socket.SOCK_STREAM)
        for s in (a, b):
            s.bind((addr, 0))
        pa, pb = a.getsockname()[1], b.getsockname()[1]
        ns.netem("delay %dms" % delay_ms)
        try:
            for s in (a, b):
                s.setblocking(False)
            ra = a.connect_ex((addr, pb))
            rb = b.connect_ex((addr, pa))
            if {ra, rb} - {0, 115}:           # EINPROGRESS
                raise RuntimeError("connect_ex: %s %s" % (ra, rb))
            end = time.monotonic() + 10
            pending = {a, b}
            while pending:
                _, w, _ = select.select([], list(pending), [], max(end - time.monotonic(), 0))
                if not w:
                    raise RuntimeError("simultaneous open did not complete")
                for s in w:
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise RuntimeError("simultaneous open failed: errno %d" % err)
                    pending.discard(s)
            for s in (a, b):
                s.setblocking(True)
                s.settimeout(15)
            add_sock(info, "a", a)
            add_sock(info, "b", b)
        finally:
            ns.netem(None)
        a.sendall(b"ping")
        recv_exact(b, 4)
        a.close()
        wait_eof(b)
        ns.wait_port_state(pa, pb, "FIN_WAIT2")
        b.close()
        ns.wait_port_state(pa, pb, "TIME_WAIT")
    so = [("CLOSE", "SYN_SENT"), ("SYN_SENT", "SYN_RECV"), ("SYN_RECV", "ESTABLISHED")]
    info["expected"].update(a=so + ACTIVE_CLOSE, b=so + PASSIVE_CLOSE)
    info["tw"]["a"] = ("FIN_WAIT2", "FIN_WAIT2")
    hs = [("out", "SYN", "full", "SYN_SENT"), ("in", "SYN", "full", "SYN_SENT"),
          ("out", "SYN|ACK", "full", "SYN_RECV"), ("in", "SYN|ACK", "full", "SYN_RECV"),
          # each side ACKs the other's SYN-ACK: completes its handshake?
          # (the contract names only the client/server case)
          ("out", "ACK", "full", "ESTABLISHED", "optional"),
          ("in", "ACK", "full", "ESTABLISHED", "optional")]
    info["segs"].update(a=hs + ORPHAN_ACTIVE, b=hs + PASSIVE)
    info["client_server"] = False
    return info


# -- 5. the first SYN is lost ---------------------------------------------------------
def drop_first_rules(port, what):
    """nftables: drop, at input, the first packet per client port that
    matches `what` towards port; later ones pass (a set remembers the port)."""
    return """
table inet sc {
    set seen { type inet_service; flags dynamic; }
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport %(p)d %(w)s tcp sport @seen counter accept comment "passed"
        tcp dport %(p)d %(w)s add @seen { tcp sport } counter drop comment "dropped"
    }
}
""" % {"p": port, "w": what}


def lost_syn(ns, family):
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        port = srv.getsockname()[1]
        ns.nft(drop_first_rules(port, "tcp flags & (syn | ack) == syn"))
        cli, conn = connect_pair(info, srv, exchange=False)
        info["nft"] = ns.nft_counters()
        close_client_first(ns, info, cli, conn, srv, orphan=True)
    cport = info["sockets"]["client"]["tuple"][1]
    info["drop"] = [(cport, port, "SYN", 0)]
    info["segs"]["client"] = [("out", "SYN", "full", "SYN_SENT"), ("out", "SYN", "full", "SYN_SENT")] + \
        HS_CLIENT[1:] + ORPHAN_ACTIVE
    info["retrans"] = {"syn": 1}
    return info


# -- 6. the third ACK is lost -------------------------------------------------------------
def lost_third_ack(ns, family):
    """The client's ACK of the SYN-ACK is dropped; the client (ESTABLISHED)
    sends nothing, so the server's request retransmits its SYN-ACK (1 s),
    the client ACKs that and the server's child is born."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        port = srv.getsockname()[1]
        ns.nft(drop_first_rules(port, "tcp flags & (syn | ack | fin | rst) == ack"))
        cli, conn = connect_pair(info, srv, exchange=False)
        info["nft"] = ns.nft_counters()
        close_client_first(ns, info, cli, conn, srv, orphan=True)
    cport = info["sockets"]["client"]["tuple"][1]
    info["drop"] = [(cport, port, "ACK", 0)]
    info["segs"]["client"] = HS_CLIENT + [("in", "SYN|ACK", "full", "ESTABLISHED"),
                                          ("out", "ACK", "full", "ESTABLISHED", "optional")] + ORPHAN_ACTIVE
    info["segs"]["child"] = HS_SERVER[:2] + [("out", "SYN|ACK", "request", "NEW_SYN_RECV"),
                                             ("in", "ACK", "request", "NEW_SYN_RECV")] + PASSIVE
    info["retrans"] = {"synack": 1}
    info["req"] = {"child": ["created", "synack_retrans", "promoted"]}
    return info


# -- 7. refused; aborted with SO_LINGER 0 ------------------------------------------------
def refused(ns, family):
    info = new_info(family)
    addr = ADDRS[family][1]
    with ns.enter():
        port = free_port(family)
        c, lport = connect_refused(family, port)
    info["sockets"]["client"] = {"tuple": (addr, lport, addr, port), "cookie": c}
    info["ports"].update({port, lport})
    info["expected"]["client"] = [("CLOSE", "SYN_SENT"), ("SYN_SENT", "CLOSE")]
    info["segs"]["client"] = [("out", "SYN", "full", "SYN_SENT"), ("in", "RST|ACK", "full", "SYN_SENT")]
    # nobody: the SYN arrives at no socket, the kernel answers RST
    info["sockets"]["nobody"] = {"tuple": (addr, port, addr, lport), "cookie": 0}
    info["segs"]["nobody"] = [("in", "SYN", "none", None), ("out", "RST|ACK", "none", None)]
    return info


def rst_abort(ns, family):
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        cli, conn = connect_pair(info, srv)
        abort(cli, conn)
        srv.close()
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + [("ESTABLISHED", "CLOSE")],
                            child=EST_CHILD + [("ESTABLISHED", "CLOSE")])
    info["segs"]["client"] = HS_CLIENT + [("out", "RST|ACK", "full", "CLOSE")]
    info["segs"]["child"] = HS_SERVER + [("in", "RST|ACK", "full", "ESTABLISHED")]
    return info


# -- 8. SYN flood ------------------------------------------------------------------------------
def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def craft_syn(src, sport, dst, dport, seq):
    """An IPv4 SYN (with an MSS option) as raw bytes, checksums filled in."""
    opts = struct.pack("!BBH", 2, 4, 1460)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (5 + len(opts) // 4) << 4, 0x02,
                      65535, 0, 0) + opts
    s_ip, d_ip = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = s_ip + d_ip + struct.pack("!BBH", 0, 6, len(tcp))
    c = _csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    total = 20 + len(tcp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, s_ip, d_ip)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return ip + tcp


FLOOD_BACKLOG = 8


def syn_flood(ns, family="ipv4", n_syn=60, n_clients=FLOOD_BACKLOG + 2):
    """A listener with backlog 8; n_syn crafted SYNs from 127.0.0.2-254
    (their SYN-ACKs are dropped at input, so the half-open requests stay):
    the first backlog+1 make request sockets (the kernel's queue is full
    when it holds more than the backlog), the rest get SYN cookies. Then
    n_clients real clients: every SYN finds the request queue full (SYN
    cookies), the first backlog+1 complete into the accept queue, the last
    one's SYN is dropped (accept queue full) and retransmitted until
    accept() made room."""
    info = new_info("ipv4")
    info["flood"] = {"n_syn": n_syn, "backlog": FLOOD_BACKLOG}
    # How long the crafted requests live bounds the whole scenario: once
    # one expires the queue has room, a new request is made and a real
    # client comes without a cookie. synack_retries 4 would keep them
    # 1+2+4+8+16 = 31 s, but with the queue more than half full and none
    # of its requests young (all past their first SYN-ACK timeout),
    # reqsk_timer_handler() lowers the retries to 2: they expire 1+2+4 =
    # 7 s after they were made, whatever the sysctl. So the flood is kept
    # short (60 SYNs: 300 took 6 s on a loaded debug kernel, and its
    # requests expired under the real clients), and the scenario says
    # how long it took from the first crafted SYN to the last accept()
    # (window_s), which the test holds under that bound.
    ns.sysctl(net__ipv4__tcp_syncookies=1, net__ipv4__tcp_max_syn_backlog=16,
              net__ipv4__tcp_synack_retries=4)
    rng = random.Random(4242)
    with ns.enter():
        srv = listener("ipv4", backlog=FLOOD_BACKLOG)
        port = srv.getsockname()[1]
        add_sock(info, "listener", srv, ("127.0.0.1", port, "0.0.0.0", 0))
        ns.nft("""
table ip sc {
    chain input {
        type filter hook input priority 0; policy accept;
        ip saddr 127.0.0.1 tcp sport %d ip daddr != 127.0.0.1 counter drop comment "to_fake"
    }
}
""" % port)
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        fakes = []
        # One CPU: loopback SYNs are processed where they are sent (or by
        # that CPU's ksoftirqd). A sender moved to the other CPU meanwhile
        # has both process SYNs at once, and the listener's unlocked
        # "queue full?" test then lets more than backlog+1 requests in
        # (12 seen on a loaded debug kernel): kernel behaviour, not the
        # model this scenario checks.
        cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cpus)})
        t0 = time.monotonic()
        for i in range(n_syn):
            src = "127.0.0.%d" % (2 + i % 253)
            sp = rng.randrange(20000, 60000)
            seq = rng.randrange(1 << 32)
            fakes.append((src, sp, seq))
            raw.sendto(craft_syn(src, sp, "127.0.0.1", port, seq), ("127.0.0.1", 0))
        raw.close()
        info["flood"]["send_s"] = time.monotonic() - t0
        os.sched_setaffinity(0, cpus)
        info["flood"]["fakes"] = fakes
        # the VM must still answer: a listener elsewhere, one connection
        t1 = time.monotonic()
        other = listener("ipv4")
        c = socket.create_connection(("127.0.0.1", other.getsockname()[1]), timeout=5)
        o, _ = other.accept()
        info["flood"]["responsive_s"] = time.monotonic() - t1
        info["flood"]["other_port"] = other.getsockname()[1]
        info["ports"].add(other.getsockname()[1])
        info["ports"].add(c.getsockname()[1])
        c.close()
        o.close()
        other.close()
        # real clients: non-blocking, one after the other
        clients = []
        for i in range(n_clients):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            clients.append(s)
            if i < n_clients - 1:
                # wait until this one is established (a cookie SYN-ACK came back)
                end = time.monotonic() + 10
                while True:
                    _, w, _ = select.select([], [s], [], 0.05)
                    if w:
                        break
                    if time.monotonic() > end:
                        raise RuntimeError("client %d not connected" % i)
        info["flood"]["client_ports"] = [s.getsockname()[1] for s in clients]
        info["ports"].update(info["flood"]["client_ports"])
        time.sleep(0.3)
        # accept everything (room for the last one's retransmitted SYN)
        conns = []
        srv.settimeout(15)
        while len(conns) < n_clients:
            c, _ = srv.accept()
            conns.append(c)
        info["flood"]["window_s"] = time.monotonic() - t0
        # abort the real clients (RST): a FIN exchange here can end with a
        # stale ACK that reaches the listener after the child is gone and
        # passes as a valid SYN cookie (the FIN moved seq and ack by one
        # each), making a phantom connection: kernel behaviour, not ours
        for s in clients:
            s.setblocking(True)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        for c in conns:
            c.settimeout(15)
            try:
                c.recv(10)
            except ConnectionResetError:
                pass
            c.close()
        info["flood"]["nft"] = ns.nft_counters()
        srv.close()
        # the kernel drops the half-open requests on their next timer
        # (the listener is gone; 16 s apart at most): wait until
        # /proc/net/tcp shows none
        t2 = time.monotonic()
        end = t2 + 30
        while any(r[2] == 3 for r in ns.tcp_table()):
            if time.monotonic() > end:
                raise RuntimeError("half-open requests still there: %s" % ns.tcp_table())
            time.sleep(0.05)
        info["flood"]["requests_gone_s"] = time.monotonic() - t2
    return info


# -- 8b. accept queue full at the third ACK ------------------------------------------------------
def accept_queue_full(ns, family="ipv4", backlog=2, delay_ms=50):
    """backlog 2: two children wait in the accept queue (it takes
    backlog + 1), then two clients whose SYNs travel together through netem:
    both make request sockets; the first ACK fills the queue, the second is
    ignored (ACCEPT_QUEUE_FULL, ListenOverflows); once accept() made room,
    that request's SYN-ACK retransmission is ACKed and it is promoted."""
    info = new_info(family)
    af, addr, _ = ADDRS[family]
    with ns.enter():
        srv = listener(family, backlog=backlog)
        port = srv.getsockname()[1]
        add_sock(info, "listener", srv, (addr, port, ADDRS[family][2], 0))
        first = []
        for i in range(backlog):
            s = socket.create_connection((addr, port), timeout=5)
            first.append(s)
        ns.netem("delay %dms" % delay_ms)
        late = []
        try:
            for i in range(2):
                s = socket.socket(af, socket.SOCK_STREAM)
                s.setblocking(False)
                s.connect_ex((addr, port))
                late.append(s)
            for s in late:
                _, w, _ = select.select([], [s], [], 10)
                if not w:
                    raise RuntimeError("late client not connected")
            time.sleep(4 * delay_ms / 1000.0)
        finally:
            ns.netem(None)
        info["aq"] = {"late_ports": [s.getsockname()[1] for s in late],
                      "first_ports": [s.getsockname()[1] for s in first]}
        info["aq"]["overflows_before_accept"] = ns.netstat()["TcpExt"]["ListenOverflows"]
        conns = []
        while len(conns) < backlog + 2:
            c, _ = srv.accept()
            conns.append(c)
        for s in first + late:
            s.setblocking(True)
            s.settimeout(15)
            s.close()
        for c in conns:
            c.settimeout(15)
            wait_eof(c)
            c.close()
        srv.close()
        info["ports"].update(info["aq"]["late_ports"] + info["aq"]["first_ports"])
    return info


# -- 9. TIME_WAIT to its natural end -------------------------------------------------------------
def timewait(ns, family="ipv4"):
    """Client shutdown(SHUT_WR)s, the server closes at once: the client's
    TIME_WAIT socket, left alone for 60 s."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        cli, conn = connect_pair(info, srv)
        cport, sport = info["sockets"]["client"]["tuple"][1], info["sockets"]["child"]["tuple"][1]
        cli.shutdown(socket.SHUT_WR)
        wait_eof(conn)
        conn.close()
        wait_eof(cli)
        ns.wait_port_state(cport, sport, "TIME_WAIT")
        cli.close()
        srv.close()
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + ACTIVE_CLOSE,
                            child=EST_CHILD + PASSIVE_CLOSE)
    info["tw"]["client"] = ("FIN_WAIT2", "TIME_WAIT")
    return info


# -- 9b. how else a TIME_WAIT socket ends -------------------------------------------------------
def raw_rst4(src, sport, dst, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x04, 0, 0, 0)
    s_ip, d_ip = socket.inet_aton(src), socket.inet_aton(dst)
    c = _csum(s_ip + d_ip + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s_ip, d_ip)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return ip + tcp


def timewait_end(ns, family, how, capture=None):
    """A TIME_WAIT socket ended otherwise than by its timer:
      reused_syn      the client connects again from the same port: its SYN
                      reaches the server's TIME_WAIT socket, which yields
      reused_connect  a new connect() from the client's TIME_WAIT port
                      (tcp_tw_reuse, 1 s after the last timestamp)
      reset           an RST in window (crafted, raw socket)
      killed          ss -K (sock_diag destroy)"""
    info = new_info(family)
    info["how"] = how
    af, addr, _ = ADDRS[family]
    with ns.enter():
        srv = listener(family)
        port = srv.getsockname()[1]
        add_sock(info, "listener", srv, (addr, port, ADDRS[family][2], 0))
        cli = socket.socket(af, socket.SOCK_STREAM)
        cli.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        cli.settimeout(15)
        cli.bind((addr, 0))
        cport = cli.getsockname()[1]
        cli.connect((addr, port))
        conn, _ = srv.accept()
        conn.settimeout(15)
        add_sock(info, "client", cli)
        add_sock(info, "child", conn)
        if how == "reused_syn":          # the server's side goes TIME_WAIT
            conn.shutdown(socket.SHUT_WR)
            wait_eof(cli)
            wait_state(conn, "FIN_WAIT2")
            cli.close()
            wait_eof(conn)
            ns.wait_port_state(port, cport, "TIME_WAIT")
            conn.close()
            tw_role = "child"
        else:                            # the client's side goes TIME_WAIT
            cli.shutdown(socket.SHUT_WR)
            wait_eof(conn)
            wait_state(cli, "FIN_WAIT2")
            conn.close()
            wait_eof(cli)
            ns.wait_port_state(cport, port, "TIME_WAIT")
            cli.close()
            tw_role = "client"
        info["tw_role"] = tw_role
        info["t_action"] = time.monotonic_ns()
        if how in ("reused_syn", "reused_connect"):
            if how == "reused_connect":
                time.sleep(1.2)          # tcp_tw_reuse: the last timestamp must be > 1 s old
            again = socket.socket(af, socket.SOCK_STREAM)
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.settimeout(15)
            again.bind((addr, cport))
            info["t_action"] = time.monotonic_ns()
            again.connect((addr, port))
            c2, _ = srv.accept()
            add_sock(info, "client2", again)
            add_sock(info, "child2", c2)
            again.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            again.close()
            try:
                c2.recv(10)
            except ConnectionResetError:
                pass
            c2.close()
        elif how == "reset":
            # the server's FIN seq from the capture: the RST must be at rcv_nxt
            from wire import parse_pcap
            # tcpdump writes each packet as it goes (-U), but on a loaded
            # host it may not have written the FIN yet: wait for it.
            end = time.monotonic() + 5
            while True:
                fins = [p for p in parse_pcap(capture) if p["sport"] == port and p["dport"] == cport
                        and p["flags"] & 0x01]
                if fins or time.monotonic() > end:
                    break
                time.sleep(0.05)
            if not fins:
                raise RuntimeError("no server FIN in the capture after 5 s")
            seq = (fins[-1]["seq"] + fins[-1]["len"] + 1) & 0xffffffff
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            info["t_action"] = time.monotonic_ns()
            raw.sendto(raw_rst4(addr, port, addr, cport, seq), (addr, 0))
            raw.close()
        elif how == "killed":
            info["t_action"] = time.monotonic_ns()
            ns.exec(["ss", "-K", "-t", "state", "time-wait"])
        srv.close()
        # the TIME_WAIT socket is gone at once
        end = time.monotonic() + 10
        while any(r[2] == 6 and {r[0], r[1]} == {port, cport} for r in ns.tcp_table()):
            if time.monotonic() > end:
                raise RuntimeError("TIME_WAIT socket %d/%d still there after %s" % (port, cport, how))
            time.sleep(0.02)
    return info
