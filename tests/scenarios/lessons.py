# SPDX-License-Identifier: GPL-2.0
"""Issue 17's live cases ("teach the why"): the textbook's *why*
questions, each driven for real in a fresh netns and checked against the
kernel's own witnesses like every scenario in suite.py (ftrace, tcpdump
on the netns' lo, /proc/net/snmp and netstat, /proc/net/tcp, nft
counters), plus what the case is about, asserted exactly:

  sc_why_three          a delayed duplicate SYN (an old connection's SYN,
                        replayed byte for byte by a raw socket after that
                        connection is gone) reaches the listener: SYN-ACK,
                        the client's kernel (no socket) answers RST, the
                        request socket is dropped, no connection opens
  sc_why_four           half-close (every segment recorded): the client's FIN, then the server
                        sends data in CLOSE_WAIT, received in FIN_WAIT2,
                        then closes
  sc_why_timewait       the last ACK lost (nft drops it once): the server
                        retransmits its FIN from LAST_ACK, the client's
                        TIME_WAIT socket answers (its timer restarted)
  sc_why_timewait_syn   SYNs on a TIME_WAIT socket's four-tuple: an old
                        one (seq below rcv_nxt, no timestamp) is answered
                        with an ACK and the TIME_WAIT stays; a new one
                        (seq after rcv_nxt, newer timestamp) ends it
                        (reused_syn) and opens a connection
  sc_keepalive          SO_KEEPALIVE 1/1/3: probes (seq = snd_una - 1, no
                        data) and their ACKs, then the peer silenced: 3
                        unanswered probes, RST, ETIMEDOUT (every segment
                        recorded: --kinds all)
  sc_halfopen_crash     the peer forgets the connection (its RST lost),
                        the survivor's data meets an RST

LESSON is the textbook chapter's order of the cases. build(add, S,
setup) adds the tests; suite.build calls it with its add() and the suite
module itself (S: Run, the checks, MODE, FT).

make lesson runs this file in the VM:

  /usr/bin/python3 tests/scenarios/lessons.py [--hook tracepoint|kprobe]

runs LESSON's tests (every check as in make check), each Run's netns'
records saved as $TCPSTATE_OUT/lesson/<tag>.trace (`tcpstate dump
--json`, what `tcpstate conns -r` reads) and the chapters in order as
$TCPSTATE_OUT/lesson/order (chapter TAB tag TAB conns options, a line each).
"""
import argparse
import errno
import os
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import drivers  # noqa: E402
import wire     # noqa: E402
from drivers import (  # noqa: E402
    EST_CHILD, EST_CLIENT, HS_CLIENT, HS_SERVER, LISTENER, PASSIVE_CLOSE, ACTIVE_CLOSE, SHUT_ACTIVE,
    _csum, add_sock, connect_pair, craft_syn, new_info)
from tcpstate_test.common import wait_for  # noqa: E402
from tcpstate_test.sockets import (  # noqa: E402
    ADDRS, TCP_STATES, abort, listener, recv_exact, tcp_state, wait_eof, wait_state)

S = None        # the suite module (build)

# The textbook chapter's order: (chapter, test, the Run's tag = the trace's
# name in build/lesson/, extra `conns` options). The existing scenarios
# stand for the chapters that are not a why: client_closes is open, data
# and close in one; the flood's 60 crafted SYNs are one line each.
LESSON = [
    ("open", "sc_client_closes_ipv4", "cc4", ""),
    ("why three", "sc_why_three", "why3", ""),
    ("data", "sc_client_closes_ipv4", "cc4", ""),
    ("close", "sc_client_closes_ipv4", "cc4", ""),
    ("why four", "sc_why_four", "why4", ""),
    ("TIME_WAIT and why: the last ACK lost", "sc_why_timewait", "why_tw", ""),
    ("TIME_WAIT and why: a new SYN on its four-tuple", "sc_why_timewait_syn", "why_tws", ""),
    ("SYN flood and SYN cookies", "sc_syn_flood", "flood", "--summary"),
    ("keepalive", "sc_keepalive", "keepal", ""),
    ("half-open after a crash", "sc_halfopen_crash", "halfopen", ""),
]


# --------------------------------------------------------------------------
# the capture's raw bytes (wire.parse_pcap keeps the parsed fields only)
def ip_packets(path):
    """The IP packet (bytes from the IP header on) of every TCP frame of
    the pcap, index-aligned with wire.parse_pcap(path)."""
    with open(path, "rb") as f:
        data = f.read()
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    pos, out = 24, []
    while pos + 16 <= len(data):
        incl = struct.unpack_from(e + "I", data, pos + 8)[0]
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if wire.parse_frame(frame) is not None:
            out.append(frame[14:])
    return out


def tcp_options(ipb):
    """{kind: bytes} of an IPv4 packet's TCP options."""
    tcp = ipb[(ipb[0] & 0x0f) * 4:]
    opts, i, end = {}, 20, (tcp[12] >> 4) * 4
    while i < end:
        kind = tcp[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        ln = tcp[i + 1]
        opts[kind] = tcp[i + 2:i + ln]
        i += ln
    return opts


def tsval(ipb):
    """The TCP timestamp option's TSval, or None."""
    ts = tcp_options(ipb).get(8)
    return struct.unpack("!I", ts[:4])[0] if ts else None


def with_tcp_csum(ipb):
    """An IPv4 packet with its TCP checksum computed: one captured on lo
    has only the pseudo-header's partial sum there (CHECKSUM_PARTIAL)."""
    ihl = (ipb[0] & 0x0f) * 4
    total = struct.unpack("!H", ipb[2:4])[0]
    tcp = bytearray(ipb[ihl:total])
    tcp[16:18] = b"\0\0"
    pseudo = ipb[12:16] + ipb[16:20] + struct.pack("!BBH", 0, 6, len(tcp))
    tcp[16:18] = struct.pack("!H", _csum(pseudo + bytes(tcp)))
    return bytes(ipb[:ihl]) + bytes(tcp)


def wait_pcap(path, cond, what, timeout=5.0):
    """tcpdump writes each packet as it goes (-U), but a loaded host may
    not have written it yet: the parsed capture once cond(pkts) holds."""
    return wait_for(lambda: cond(wire.parse_pcap(path)) and wire.parse_pcap(path), timeout,
                    interval=0.02, what=what)


def send_raw(ipb):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    try:
        raw.sendto(ipb, (socket.inet_ntoa(ipb[16:20]), 0))
    finally:
        raw.close()


def tw_timer(ns, lport, rport):
    """Seconds left on the TIME_WAIT socket's timer (/proc/net/tcp's
    tm->when, clock ticks of USER_HZ 100), or None."""
    for row in ns.proc("tcp").splitlines()[1:]:
        c = row.split()
        if int(c[1].split(":")[1], 16) == lport and int(c[2].split(":")[1], 16) == rport \
                and int(c[3], 16) == 6:
            return int(c[5].split(":")[1], 16) / 100.0
    return None


def seq_after(a, b):
    """a after b in sequence space (the kernel's after(a, b))."""
    return 0 < (a - b) & 0xffffffff < (1 << 31)


# --------------------------------------------------------------------------
# drivers
def why_three(ns, family, capture):
    """The old connection (port C to the listener's port P) exchanges data
    and is aborted by the client (SO_LINGER 0: RST, so neither side keeps
    a TIME_WAIT socket: a client TIME_WAIT socket on C would take the
    SYN-ACK itself and answer it with an ACK, tcp_timewait_state_process,
    not the RST of a port nobody holds). Then its SYN, taken from the
    capture, is sent again as it was (IP header, seq, options with the
    old TSval; the TCP checksum computed): a delayed duplicate. The
    listener makes a request socket and answers SYN-ACK (ack = the old
    ISN + 1); C has no socket, so the client's kernel answers that with
    an RST (tcp_v4_send_reset without a socket: seq = the SYN-ACK's ack,
    no ACK flag); the RST, in window at the request socket, drops it
    (tcp_check_req: embryonic_reset, TcpExt EmbryonicRsts). IPv4 only
    (the raw socket sends the IPv4 header as captured)."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        port = srv.getsockname()[1]
        cli, conn = connect_pair(info, srv)
        cport = info["sockets"]["client"]["tuple"][1]
        abort(cli, conn)
        ns.wait_settled(allow=(10,))            # only the listener left
        pkts = wait_pcap(capture, lambda ps: any(p["fl"] == "SYN" and p["sport"] == cport for p in ps),
                         "the old SYN in the capture")
        old = [p for p in pkts if p["fl"] == "SYN" and p["sport"] == cport][0]
        ipb = with_tcp_csum(ip_packets(capture)[old["i"]])
        info["why3"] = {"old_isn": old["seq"], "old_tsval": tsval(ipb), "t_replay": time.monotonic_ns()}
        send_raw(ipb)
        # the request socket is gone once the RST reached it
        wait_for(lambda: ns.netstat()["TcpExt"]["EmbryonicRsts"] >= 1, 10, what="TcpExt EmbryonicRsts")
        wait_for(lambda: not [r for r in ns.tcp_table() if r[2] == 3], 10, what="no request socket")
        srv.close()
    info["raw"] = [(cport, port, "SYN", 1)]
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + [("ESTABLISHED", "CLOSE")],
                            child=EST_CHILD + [("ESTABLISHED", "CLOSE")])
    # both ends' records on the old four-tuple, in order; cookies by name
    # ("req": the replay's request socket, one cookie, not the child's)
    info["sides3"] = {
        "client": [("out", "SYN", "full", "SYN_SENT", "client"), ("in", "SYN|ACK", "full", "SYN_SENT", "client"),
                   ("out", "ACK", "full", "ESTABLISHED", "client"), ("out", "RST|ACK", "full", "CLOSE", "client"),
                   ("in", "SYN|ACK", "none", None, 0), ("out", "RST", "none", None, 0)],
        "child": [("in", "SYN", "listener", "LISTEN", "listener"),
                  ("out", "SYN|ACK", "request", "NEW_SYN_RECV", "child"),
                  ("in", "ACK", "request", "NEW_SYN_RECV", "child"),
                  ("in", "RST|ACK", "full", "ESTABLISHED", "child"),
                  ("in", "SYN", "listener", "LISTEN", "listener"),
                  ("out", "SYN|ACK", "request", "NEW_SYN_RECV", "req"),
                  ("in", "RST", "request", "NEW_SYN_RECV", "req")]}
    return info


WHY4_SEGMENTS = 4
WHY4_SIZE = 100


def why_four(ns, family):
    """The client shutdown(SHUT_WR)s (FIN: it can still read), the server
    sees EOF (CLOSE_WAIT) and sends WHY4_SEGMENTS segments of data, one
    at a time (each received before the next is sent, TCP_NODELAY), the
    client receiving each in FIN_WAIT2; then the server closes (its FIN)
    and the client, in TIME_WAIT, closes too. The kernel's own view of
    each side's state at each step (TCP_INFO) goes into info["why4"]."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        cli, conn = connect_pair(info, srv)
        cport, sport = info["sockets"]["client"]["tuple"][1], info["sockets"]["child"]["tuple"][1]
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cli.shutdown(socket.SHUT_WR)
        wait_eof(conn)
        # the ACK of the client's FIN is delayed (a FIN received in
        # ESTABLISHED enters pingpong mode): wait until it came, so the
        # data does not carry it
        wait_state(cli, "FIN_WAIT2")
        steps = []
        for i in range(WHY4_SEGMENTS):
            st_srv = TCP_STATES[tcp_state(conn)]
            conn.sendall(bytes([0x30 + i]) * WHY4_SIZE)
            recv_exact(cli, WHY4_SIZE)
            steps.append((st_srv, TCP_STATES[tcp_state(cli)]))
        conn.close()
        wait_eof(cli)
        ns.wait_port_state(cport, sport, "TIME_WAIT")
        cli.close()
        srv.close()
    info["why4"] = {"steps": steps}
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + ACTIVE_CLOSE,
                            child=EST_CHILD + PASSIVE_CLOSE)
    info["tw"]["client"] = ("FIN_WAIT2", "TIME_WAIT")
    info["segs"]["client"] = HS_CLIENT + SHUT_ACTIVE
    info["segs"]["child"] = HS_SERVER + drivers.PASSIVE
    return info


def rto_min_1s(ns, family):
    """The loopback route's rto_min 1 s (iproute2 locks it, so
    tcp_rto_min() takes it): a retransmission comes at least 1 s after
    the original. IPv4: the local table's 127.0.0.1/32 route, the one
    127.0.0.1 takes (not 127.0.0.0/8, which drivers.simultaneous_close
    changes: that one reaches other 127/8 addresses only)."""
    if family == "ipv4":
        ns.exec(["ip", "route", "replace", "local", "127.0.0.1", "dev", "lo", "table", "local",
                 "proto", "kernel", "scope", "host", "src", "127.0.0.1", "rto_min", "1s"])
    else:
        ns.exec(["ip", "-6", "route", "replace", "local", "::1", "dev", "lo", "table", "local",
                 "proto", "kernel", "metric", "0", "rto_min", "1s"])


def why_timewait(ns, family):
    """The client shutdown(SHUT_WR)s, the server closes once the client is
    in FIN_WAIT2; nft drops the client's ACK of the server's FIN once
    (the first pure ACK from the client after the rule is in: the client
    sends nothing else in FIN_WAIT2). The server, in LAST_ACK, retransmits
    its FIN (rto_min 1 s); the client's TIME_WAIT socket takes it (an
    old FIN: out of window, it has an ACK, so tcp_timewait_state_process
    restarts the TIME_WAIT timer, inet_twsk_reschedule, and answers with
    an ACK), which passes: the server goes CLOSE."""
    info = new_info(family)
    rto_min_1s(ns, family)
    with ns.enter():
        srv = listener(family)
        port = srv.getsockname()[1]
        cli, conn = connect_pair(info, srv)
        cport = info["sockets"]["client"]["tuple"][1]
        cli.shutdown(socket.SHUT_WR)
        wait_eof(conn)
        wait_state(cli, "FIN_WAIT2")
        ns.nft(drivers.drop_first_rules(port, "tcp flags & (syn | ack | fin | rst) == ack"))
        conn.close()
        wait_eof(cli)
        ns.wait_port_state(cport, port, "TIME_WAIT")
        t_seen = time.monotonic()
        # the server's FIN retransmitted and acked: its socket is gone
        wait_for(lambda: ns.nft_counters().get("passed") == 1 and
                 not [r for r in ns.tcp_table() if r[0] == port and r[1] == cport], 15,
                 what="the TIME_WAIT socket's ACK to pass and the server to close")
        t_r = time.monotonic()
        left = tw_timer(ns, cport, port)
        info["nft"] = ns.nft_counters()
        cli.close()
        srv.close()
    info["why_tw"] = {"timer_left": left, "t_seen": t_seen, "t_read": t_r}
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + ACTIVE_CLOSE,
                            child=EST_CHILD + PASSIVE_CLOSE)
    info["tw"]["client"] = ("FIN_WAIT2", "TIME_WAIT")
    info["segs"]["client"] = HS_CLIENT + SHUT_ACTIVE + [
        ("in", "FIN|ACK", "timewait", drivers.TW_SUB + ":TIME_WAIT"),
        ("out", "ACK", "timewait", drivers.TW_SUB + ":TIME_WAIT")]
    info["segs"]["child"] = HS_SERVER + [
        ("in", "FIN|ACK", "full", "ESTABLISHED"), ("out", "ACK", "full", "CLOSE_WAIT"),
        ("out", "FIN|ACK", "full", "LAST_ACK"), ("out", "FIN|ACK", "full", "LAST_ACK"),
        ("in", "ACK", "full", "LAST_ACK")]
    return info


def why_timewait_syn(ns, family, capture):
    """The server closes first (its TIME_WAIT socket on the listener's
    port P and the client's port C). Then two SYNs from C:
      1. old: a raw SYN with the client's first ISN (before the TIME_WAIT
         socket's rcv_nxt) and no timestamp option (so no PAWS test):
         not a new connection (tcp_timewait_state_process: not after
         rcv_nxt, no newer timestamp), answered with an ACK (TCP_TW_ACK:
         seq = its snd_nxt, ack = its rcv_nxt). Nobody holds C, so that
         ACK would draw an RST from the client's kernel, which kills the
         TIME_WAIT socket (TIME-WAIT assassination, RFC 1337; Linux does
         it unless net.ipv4.tcp_rfc1337=1): nft drops the ACK at input
         to keep the case to the SYN's decision.
      2. new: a real connect() from C (SO_REUSEADDR): its ISN is after
         rcv_nxt and its TSval newer: TCP_TW_SYN, the TIME_WAIT socket
         is killed (reason reused_syn) and the listener takes the SYN. That
         connection is aborted (RST: no second TIME_WAIT)."""
    info = new_info(family)
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
        conn.shutdown(socket.SHUT_WR)
        wait_eof(cli)
        wait_state(conn, "FIN_WAIT2")
        cli.close()
        wait_eof(conn)
        ns.wait_port_state(port, cport, "TIME_WAIT")
        conn.close()
        pkts = wait_pcap(capture, lambda ps: any(p["sport"] == cport and p["flags"] & wire.FIN for p in ps),
                         "the client's FIN in the capture")
        syn = [p for p in pkts if p["fl"] == "SYN" and p["sport"] == cport][0]
        ns.nft("""
table inet sc {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp sport %d tcp dport %d counter drop comment "tw_answer"
    }
}
""" % (port, cport))
        t_old = time.monotonic_ns()
        send_raw(craft_syn(addr, cport, addr, port, syn["seq"]))
        wait_for(lambda: ns.nft_counters().get("tw_answer") == 1, 10, what="the TIME_WAIT socket's answer")
        info["tw_after_old"] = [r for r in ns.tcp_table() if r[:2] == (port, cport)]
        ns.exec(["nft", "delete", "table", "inet", "sc"])
        again = socket.socket(af, socket.SOCK_STREAM)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.settimeout(15)
        again.bind((addr, cport))
        t_new = time.monotonic_ns()
        again.connect((addr, port))
        c2, _ = srv.accept()
        c2.settimeout(15)
        add_sock(info, "client2", again)
        add_sock(info, "child2", c2)
        abort(again, c2)
        srv.close()
    info["twsyn"] = {"old_isn": syn["seq"], "t_old": t_old, "t_new": t_new, "cport": cport, "port": port}
    info["raw"] = [(cport, port, "SYN", 1)]
    info["tw"]["child"] = ("FIN_WAIT2", "TIME_WAIT")
    return info


KEEPIDLE, KEEPINTVL, KEEPCNT = 1, 1, 3


def keepalive(ns, family, capture):
    """SO_KEEPALIVE on the client (TCP_KEEPIDLE 1, TCP_KEEPINTVL 1,
    TCP_KEEPCNT 3, set before SO_KEEPALIVE arms the timer): after some
    data, the connection idles; the client's probes (tcp_write_wakeup ->
    tcp_xmit_probe_skb: seq = snd_una - 1, no data) draw the server's
    ACKs. Once two were answered, nft drops what the client sends the
    server except RSTs (the peer silenced: the probes never reach it); a
    recv() on the client blocks until the kernel gives up: KEEPCNT probes
    unanswered, then tcp_keepalive_timer sends an RST
    (tcp_send_active_reset) and ends it (tcp_write_err: ETIMEDOUT)."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        port = srv.getsockname()[1]
        cli, conn = connect_pair(info, srv)
        cport = info["sockets"]["client"]["tuple"][1]
        cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPIDLE)
        cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPINTVL)
        cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, KEEPCNT)
        cli.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)

        def answered(ps):
            probes = [p for p in ps if p["sport"] == cport and wire.is_pure_ack(p)
                      and p["seq"] == (p_una(ps, cport) - 1) & 0xffffffff]
            acks = [p for p in ps if p["sport"] == port and p["dport"] == cport and wire.is_pure_ack(p)
                    and probes and p["i"] > probes[0]["i"]]
            return len(acks) >= 2
        wait_pcap(capture, answered, "two keepalive probes answered", timeout=15)
        ns.nft("""
table inet sc {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp sport %d tcp dport %d tcp flags & rst == 0 counter drop comment "silenced"
    }
}
""" % (cport, port))
        t_silenced = time.monotonic()
        cli.settimeout(30)
        try:
            cli.recv(10)
            err = None
        except OSError as e:
            err = e.errno
        t_end = time.monotonic()
        try:
            conn.recv(10)
            srv_err = None
        except OSError as e:
            srv_err = e.errno
        info["nft"] = ns.nft_counters()
        cli.close()
        conn.close()
        srv.close()
    info["ka"] = {"recv_errno": err, "server_errno": srv_err, "wait_s": t_end - t_silenced,
                  "cport": cport, "port": port}
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + [("ESTABLISHED", "CLOSE")],
                            child=EST_CHILD + [("ESTABLISHED", "CLOSE")])
    info["segs"]["client"] = HS_CLIENT + [("out", "RST|ACK", "full", "ESTABLISHED")]
    info["segs"]["child"] = HS_SERVER + [("in", "RST|ACK", "full", "ESTABLISHED")]
    return info


def p_una(ps, cport):
    """The client's snd_una: the last ack the server sent it (acks only
    grow, in sequence space: not max(), which a wrap would fool)."""
    acks = [p["ack"] for p in ps if p["dport"] == cport and p["flags"] & wire.ACK]
    return acks[-1] if acks else 0


def halfopen(ns, family):
    """A crash, as far as the survivor can tell: the server's kernel
    forgets the connection and the survivor (the client) is not told.

    Not by deleting the server's netns: a socket a process holds keeps its
    netns alive (sk_alloc: get_net for a user socket), `ip netns del` only
    drops the name, and the process's end closes the socket the usual way
    (FIN; RST if data was unread: tcp_close). So the server's child is
    aborted (SO_LINGER 0: tcp_disconnect sends an RST) and nft drops that
    RST at the client's input; the listener closes too (the whole server
    is gone), the drop is lifted, the client, still ESTABLISHED, sends
    data: no socket has it, the server's kernel answers RST (seq = the
    data's ack, no ACK flag), ECONNRESET at the client."""
    info = new_info(family)
    with ns.enter():
        srv = listener(family)
        port = srv.getsockname()[1]
        cli, conn = connect_pair(info, srv)
        cport = info["sockets"]["client"]["tuple"][1]
        ns.nft("""
table inet sc {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp sport %d tcp dport %d tcp flags & rst == rst counter drop comment "rst_lost"
    }
}
""" % (port, cport))
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        srv.close()
        wait_for(lambda: ns.nft_counters().get("rst_lost") == 1, 10, what="the lost RST")
        ns.exec(["nft", "delete", "table", "inet", "sc"])
        state_before = TCP_STATES[tcp_state(cli)]
        cli.sendall(b"are you there?")
        try:
            cli.recv(10)
            err = None
        except OSError as e:
            err = e.errno
        cli.close()
    info["ho"] = {"state_before": state_before, "recv_errno": err}
    info["drop"] = [(port, cport, "RST|ACK", 0)]
    info["expected"].update(listener=LISTENER, client=EST_CLIENT + [("ESTABLISHED", "CLOSE")],
                            child=EST_CHILD + [("ESTABLISHED", "CLOSE")])
    info["segs"]["client"] = HS_CLIENT + [("in", "RST", "full", "ESTABLISHED")]
    info["segs"]["child"] = HS_SERVER + [("out", "RST|ACK", "full", "CLOSE"),
                                         ("in", "PSH|ACK", "none", None), ("out", "RST", "none", None)]
    return info


# --------------------------------------------------------------------------
# checks of the cases
def with_capture(tag, drv, family):
    """A Run whose driver gets the capture's path (capture=)."""
    box = {}

    def d(ns, fam):
        return drv(ns, fam, capture=box["run"].cap.path)
    run = S.Run(tag, d, family)
    box["run"] = run
    return run


def seg_recs(run, tp):
    return [r for r in run.recs if r.get("type") == "segment" and S.rtuple(r) == tuple(tp)]


def test_why_three(t):
    run = with_capture("why3", why_three, "ipv4").run(t)
    info, pkts = run.info, run.pkts
    t.eq(run.cap.dropped_by_kernel(), 0, "tcpdump: packets dropped by kernel")
    cport, port = info["sockets"]["client"]["tuple"][1], info["sockets"]["child"]["tuple"][1]
    old_isn = info["why3"]["old_isn"]
    conn = [p for p in pkts if {p["sport"], p["dport"]} == {cport, port}]
    syns = [p for p in conn if p["fl"] == "SYN"]
    sas = [p for p in conn if p["fl"] == "SYN|ACK"]
    t.eq([p["seq"] for p in syns], [old_isn, old_isn], "wire: two SYNs from the client's port, both with the"
         " old ISN (the original and its replay)")
    t.true(info["why3"]["old_tsval"] is not None, "the replayed SYN carries the old connection's TSval")
    if not t.eq(len(sas), 2, "wire: SYN-ACKs (the old connection's, the replay's)"):
        return
    sa = sas[1]
    t.eq(sa["ack"], (old_isn + 1) & 0xffffffff, "wire: the replay's SYN-ACK acks the old ISN + 1")
    t.true(sa["seq"] != sas[0]["seq"], "wire: the replay's SYN-ACK has a new ISN")
    after = [wire.show(p) for p in conn if p["i"] > sa["i"]]
    want_rst = "#%d 127.0.0.1:%d > 127.0.0.1:%d [RST] seq %d ack 0 win 0 len 0" % (
        sa["i"] + 1, cport, port, sa["ack"])
    t.eq(after, [want_rst], "wire after the replay's SYN-ACK: only the client's kernel's RST (seq = the"
         " SYN-ACK's ack, no ACK flag)")
    t.eq([wire.show(p) for p in conn if p["i"] > syns[1]["i"] and p["i"] < sa["i"]], [],
         "wire: nothing between the replayed SYN and its SYN-ACK")
    # no connection opened: ftrace has no state change after the abort
    late = [c for c in run.changes if c["ts"] >= info["why3"]["t_replay"] and
            (c["lport"], c["rport"]) in ((port, cport), (cport, port))]
    t.eq([(c["old"], c["new"]) for c in late], [], "ftrace: state changes on the four-tuple after the replay")
    a, b = run.after, run.before
    nx = {k: a["netstat"][k] - b["netstat"][k] for k in ("EmbryonicRsts", "ListenOverflows", "TW")}
    sn = {k: a["snmp"][k] - b["snmp"][k] for k in ("AttemptFails", "PassiveOpens", "ActiveOpens",
                                                   "OutRsts", "EstabResets")}
    t.eq(nx, {"EmbryonicRsts": 1, "ListenOverflows": 0, "TW": 0},
         "TcpExt: the request reset once (tcp_check_req embryonic_reset), no TIME_WAIT")
    t.eq(sn, {"AttemptFails": 1, "PassiveOpens": 1, "ActiveOpens": 1, "OutRsts": 2, "EstabResets": 2},
         "snmp: one passive open (the old one), the replay's attempt failed, two RSTs sent (the abort,"
         " the no-socket answer)")
    if S.FT.send_reset_without_socket():
        t.eq([(bool(sk), tp) for sk, tp in S.sent_resets(run)],
             [(True, tuple(info["sockets"]["client"]["tuple"]))] * 1 +
             [(False, tuple(info["sockets"]["client"]["tuple"]))],
             "ftrace tcp:tcp_send_reset: the abort, then the no-socket RST (6.10+: skaddr 0, from C)")
    else:
        t.eq([(bool(sk), tp) for sk, tp in S.sent_resets(run)],
             [(True, tuple(info["sockets"]["client"]["tuple"]))],
             "ftrace tcp:tcp_send_reset: only the abort (6.1: no event for the no-socket RST)")
    t.eq(oracle_count(run, "tcp_receive_reset"), 1,
         "ftrace tcp:tcp_receive_reset: the child's (a request socket's RST has no event)")
    # the tool: both ends' records on the four-tuple, in order
    cookies = {"client": info["sockets"]["client"]["cookie"], "child": info["sockets"]["child"]["cookie"],
               "listener": info["sockets"]["listener"]["cookie"], 0: 0}
    reqs = [r for r in run.recs + run.late if r.get("type") == "request"]
    replay = [r for r in reqs if r["cookie"] != cookies["child"]]
    t.eq([(r["event"], r["rcv_isn"], r["snt_isn"]) for r in replay],
         [("created", old_isn, sa["seq"]), ("reset", old_isn, sa["seq"])],
         "the replay's request records (event, rcv_isn = the old ISN, snt_isn = its SYN-ACK's seq)")
    t.eq([r["event"] for r in reqs if r["cookie"] == cookies["child"]], ["created", "promoted"],
         "the old connection's request records")
    if replay:
        cookies["req"] = replay[0]["cookie"]
        t.true(replay[0]["cookie"] not in (0, cookies["child"]), "the replay's request has a cookie of its own")
    check_tuple_records(t, run, info["sides3"], cookies)
    for role in info["sides3"]:
        recs = seg_recs(run, info["sockets"][role]["tuple"])
        t.eq([r["seq"] for r in recs if r["flags"] == "SYN"], [old_isn] * (2 if role == "child" else 1),
             "%s: SYN records' seq (the replay's is the old ISN)" % role)
        if role == "child":
            t.eq([(r["seq"], r["ack"]) for r in recs if r["flags"] == "SYN|ACK"][1:],
                 [(sa["seq"], sa["ack"])], "child: the replay's SYN-ACK record (seq, ack) vs the wire")
            t.eq([(r["seq"], r["ack"]) for r in recs if r["flags"] == "RST"], [(sa["ack"], 0)],
                 "child: the RST reaching the request (seq = the SYN-ACK's ack)")
        else:
            t.eq([(r["seq"], r["ack"]) for r in recs if r["sock"] == "none"],
                 [(sa["seq"], sa["ack"]), (sa["ack"], 0)],
                 "client's port: the SYN-ACK no socket wanted and the RST answering it (seq, ack)")
    S.check_states(t, run)
    S.check_timewait(t, run)
    S.check_segments(t, run)
    S.check_counters(t, run)


def check_tuple_records(t, run, sides, cookies=None):
    """role -> [(dir, flags, sock, state, cookie name)]: every segment
    record on the role's tuple, in order, exactly; a cookie name is a
    role of info["sockets"] (its SO_COOKIE), or cookies[name], or 0."""
    cookies = dict(cookies or {})
    for role, s in run.info["sockets"].items():
        cookies.setdefault(role, s["cookie"])
    cookies.setdefault(0, 0)
    for role, exp in sides.items():
        recs = seg_recs(run, run.info["sockets"][role]["tuple"])
        t.list_eq([(r["dir"], r["flags"], r["sock"], r["state"], r["cookie"]) for r in recs],
                  [e[:4] + (cookies.get(e[4]),) for e in exp],
                  "%s's four-tuple: segment records (dir, flags, sock, state, cookie)" % role)


def oracle_count(run, name):
    return len([e for e in run.tev if e["name"] == name])


def test_why_four(t):
    # Every segment recorded: the data between close 2/4 and 3/4 is the point.
    run = S.scenario("why4", why_four, "ipv4", all_segments=True)(t)
    info, pkts = run.info, run.pkts
    cl, ch = info["sockets"]["client"]["tuple"], info["sockets"]["child"]["tuple"]
    t.eq(info["why4"]["steps"], [("CLOSE_WAIT", "FIN_WAIT2")] * WHY4_SEGMENTS,
         "TCP_INFO at each data segment: (server before sending, client after receiving)")
    cfin = [p for p in pkts if p["sport"] == cl[1] and p["flags"] & wire.FIN]
    sfin = [p for p in pkts if p["sport"] == ch[1] and p["flags"] & wire.FIN]
    if not (t.eq(len(cfin), 1, "wire: client FINs") and t.eq(len(sfin), 1, "wire: server FINs")):
        return
    between = [p for p in pkts if cfin[0]["i"] < p["i"] < sfin[0]["i"]]
    srv_data = [p for p in between if p["sport"] == ch[1] and p["len"]]
    t.eq([p["len"] for p in srv_data], [WHY4_SIZE] * WHY4_SEGMENTS,
         "wire: the server's data segments between the client's FIN and the server's FIN")
    if srv_data:
        t.eq([p["seq"] for p in srv_data],
             [(srv_data[0]["seq"] + i * WHY4_SIZE) & 0xffffffff for i in range(WHY4_SEGMENTS)],
             "wire: the data segments follow each other")
        t.true(all(p["ack"] == (cfin[0]["seq"] + 1) & 0xffffffff for p in srv_data),
               "wire: each data segment acks the client's FIN (seq + 1)")
        t.eq(sfin[0]["seq"], (srv_data[-1]["seq"] + WHY4_SIZE) & 0xffffffff, "wire: the server's FIN"
             " right after its last data")
    acked = [p for p in between if p["sport"] == ch[1] and wire.is_pure_ack(p)]
    t.true(acked and acked[0]["i"] < (srv_data[0]["i"] if srv_data else 1 << 30),
           "wire: the server acked the client's FIN (pure ACK) before its data")
    cli_acks = [p["ack"] for p in between if p["sport"] == cl[1] and wire.is_pure_ack(p)]
    t.true(srv_data and cli_acks and cli_acks[-1] == (srv_data[-1]["seq"] + WHY4_SIZE) & 0xffffffff,
           "wire: the client (FIN_WAIT2) acked all the data", "acks %s" % cli_acks)
    t.eq([p["seq"] for p in between if p["sport"] == cl[1] and p["len"]], [],
         "wire: the client sent no data after its FIN")
    # the tool (--kinds all): each data segment recorded as the server sent
    # it from CLOSE_WAIT and as the client got it in FIN_WAIT2; the ftrace
    # timeline shows the window: client FIN_WAIT2 .. server LAST_ACK
    # (before the client's FIN, the usual exchange, ESTABLISHED at both ends)
    data = [r for r in run.recs if r.get("type") == "segment" and r["len"] and
            r["state"] != "ESTABLISHED"]
    t.eq([(r["state"], r["len"]) for r in data if r["dir"] == "out" and r["lport"] == ch[1]],
         [("CLOSE_WAIT", WHY4_SIZE)] * WHY4_SEGMENTS, "the server's data records after the client's"
         " FIN: sent in CLOSE_WAIT")
    t.eq([(r["state"], r["len"]) for r in data if r["dir"] == "in" and r["lport"] == cl[1]],
         [("FIN_WAIT2", WHY4_SIZE)] * WHY4_SEGMENTS, "the client's data records after its FIN:"
         " received in FIN_WAIT2")
    t.eq([S.short_rec(r) for r in data if (r["dir"], r["lport"]) not in (("out", ch[1]), ("in", cl[1]))],
         [], "no other data records after the client's FIN")
    ts = {(S.norm(c["laddr"]), c["lport"], c["old"], c["new"]): c["ts"] for c in run.changes}
    fw2 = ts.get((cl[0], cl[1], "FIN_WAIT1", "FIN_WAIT2"))
    la = ts.get((ch[0], ch[1], "CLOSE_WAIT", "LAST_ACK"))
    t.true(fw2 and la and fw2 < la, "ftrace: the client's FIN_WAIT2 before the server's LAST_ACK")


def test_why_timewait(t):
    run = S.scenario("why_tw", why_timewait, "ipv4", checks=("states", "timewait", "sides", "requests",
                                                              "numbers", "counters"))(t)
    info, pkts = run.info, run.pkts
    cl, ch = info["sockets"]["client"]["tuple"], info["sockets"]["child"]["tuple"]
    sfin = [p for p in pkts if p["sport"] == ch[1] and p["flags"] & wire.FIN]
    end = (sfin[0]["seq"] + 1) & 0xffffffff if sfin else None
    last_acks = [p for p in pkts if p["sport"] == cl[1] and wire.is_pure_ack(p) and p["ack"] == end]
    # the drop, for check_segments: the first of the client's pure ACKs of the server's FIN
    same = [p for p in pkts if p["sport"] == cl[1] and p["dport"] == ch[1] and p["fl"] == "ACK"]
    if last_acks:
        info["drop"] = [(cl[1], ch[1], "ACK", same.index(last_acks[0]))]
    S.check_segments(t, run)
    t.eq(info["nft"], {"passed": 1, "dropped": 1}, "nft: the first last ACK dropped, the second passed")
    t.eq([(p["seq"], p["fl"]) for p in sfin], [(sfin[0]["seq"], "FIN|ACK")] * 2,
         "wire: the server's FIN and its retransmission (same seq)")
    t.eq(len(last_acks), 2, "wire: the client's ACKs of the server's FIN (dropped, then from TIME_WAIT)")
    if len(sfin) == 2 and len(last_acks) == 2:
        t.true(sfin[0]["i"] < last_acks[0]["i"] < sfin[1]["i"] < last_acks[1]["i"],
               "wire: FIN, ACK (lost), FIN again, ACK")
        gap = sfin[1]["ts"] - sfin[0]["ts"]
        t.true(1.0 <= gap < 4.0, "wire: the FIN retransmitted after the RTO (rto_min 1 s): %.3fs" % gap)
        t.note("the FIN retransmitted %.3fs after the first (RTO, rto_min 1 s)" % gap)
    rtx = [e for e in run.tev if e["name"] == "tcp_retransmit_skb"]
    t.eq([(e["state"], e["tuple"]) for e in rtx], [("LAST_ACK", tuple(ch))],
         "ftrace tcp:tcp_retransmit_skb: one, the server in LAST_ACK")
    tw = [r for r in run.recs if r.get("type") == "segment" and r["sock"] == "timewait"]
    t.eq([(r["dir"], r["flags"], bool(r["retrans"])) for r in tw], [("in", "FIN|ACK", True), ("out", "ACK", False)],
         "the TIME_WAIT socket's records: the FIN again (retrans: it had acked it), its ACK")
    w = info["why_tw"]
    left = w["timer_left"]
    # not restarted: left <= 60 - (t_read - birth) <= 60 - (t_read - t_seen);
    # restarted by the FIN that came >= 1 s after the birth: ~1 s more
    if t.true(left is not None, "the TIME_WAIT socket's timer in /proc/net/tcp"):
        no_restart = 60 - (w["t_read"] - w["t_seen"])
        t.true(left > no_restart + 0.5, "the TIME_WAIT timer restarted by the retransmitted FIN:"
               " %.2fs left, at most %.2fs without a restart" % (left, no_restart))
    nx = {k: run.after["netstat"][k] - run.before["netstat"][k] for k in ("TW", "TCPACKSkippedTimeWait")}
    t.eq(nx, {"TW": 1, "TCPACKSkippedTimeWait": 0}, "TcpExt: one TIME_WAIT socket, its ACK not rate-limited")


def test_why_timewait_syn(t):
    run = with_capture("why_tws", why_timewait_syn, "ipv4").run(t)
    info, pkts = run.info, run.pkts
    w = info["twsyn"]
    cport, port = w["cport"], w["port"]
    t.eq(run.cap.dropped_by_kernel(), 0, "tcpdump: packets dropped by kernel")
    conn = [p for p in pkts if {p["sport"], p["dport"]} == {cport, port}]
    cfin = [p for p in conn if p["sport"] == cport and p["flags"] & wire.FIN]
    sfin = [p for p in conn if p["sport"] == port and p["flags"] & wire.FIN]
    syns = [p for p in conn if p["fl"] == "SYN"]
    if not (t.eq(len(syns), 3, "wire: SYNs from C (the first connection's, the old one, the new one)")
            and t.eq((len(cfin), len(sfin)), (1, 1), "wire: FINs")):
        return
    rcv_nxt = (cfin[0]["seq"] + 1) & 0xffffffff
    snd_nxt = (sfin[0]["seq"] + 1) & 0xffffffff
    old, new = syns[1], syns[2]
    t.eq(old["seq"], w["old_isn"], "the old SYN's seq is the first connection's ISN")
    t.true(not seq_after(old["seq"], rcv_nxt), "the old SYN's seq is not after the TIME_WAIT's rcv_nxt")
    ans = [p for p in conn if old["i"] < p["i"] < new["i"]]
    t.eq([(p["sport"], p["fl"], p["seq"], p["ack"]) for p in ans], [(port, "ACK", snd_nxt, rcv_nxt)],
         "wire: the TIME_WAIT socket answers the old SYN with an ACK (seq its snd_nxt, ack its rcv_nxt),"
         " no SYN-ACK")
    t.eq([r[2] for r in info["tw_after_old"]], [6], "/proc/net/tcp: the TIME_WAIT socket still there after"
         " the old SYN")
    t.true(seq_after(new["seq"], rcv_nxt), "the new SYN's seq %d is after rcv_nxt %d" % (new["seq"], rcv_nxt))
    ipbs = ip_packets(run.cap.path)
    last_ts = [tsval(ipbs[p["i"]]) for p in conn if p["sport"] == cport and p["i"] < old["i"]]
    new_ts = tsval(ipbs[new["i"]])
    t.true(last_ts[-1] is not None and new_ts is not None and seq_after(new_ts, last_ts[-1]),
           "the new SYN's TSval %s is newer than the last one the TIME_WAIT socket saw %s" % (new_ts, last_ts[-1]))
    after_new = [p for p in conn if p["i"] > new["i"]]
    t.eq([p["fl"] for p in after_new][:2], ["SYN|ACK", "ACK"], "wire: the new SYN opens a connection")
    if not t.eq(after_new[0]["ack"] if after_new else None, (new["seq"] + 1) & 0xffffffff,
                "wire: its SYN-ACK acks it"):
        return
    # tcp_timewait_state_process picks the new connection's ISN,
    # tw_snd_nxt + 65535 + 2, in TCP_SKB_CB(skb)->tcp_tw_isn; before
    # Linux 6.10 (41eecbd712b7, "tcp: replace TCP_SKB_CB(skb)->tcp_tw_isn
    # with a per-cpu field") tcp_v4_rcv's tcp_v4_fill_cb() cleared it on
    # the way to the listener, and tcp_conn_request chose a fresh ISN.
    tw_isn = (snd_nxt + 65535 + 2) & 0xffffffff
    kv = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
    if kv >= (6, 10):
        t.eq(after_new[0]["seq"], tw_isn, "wire: the SYN-ACK's ISN is the TIME_WAIT's snd_nxt + 65537 (6.10+)")
    else:
        t.true(after_new[0]["seq"] != tw_isn, "wire: the SYN-ACK's ISN is a fresh one, not the TIME_WAIT's"
               " snd_nxt + 65537 (before 6.10 tcp_v4_fill_cb clears tcp_tw_isn)")
    t.note("the new connection's ISN %d; the TIME_WAIT socket's choice was %d" % (after_new[0]["seq"], tw_isn))
    # the tool
    child = info["sockets"]["child"]
    tw = [r for r in S.tw_records(run.recs + run.late) if r["cookie"] == child["cookie"]]
    t.eq([(r["old"], r["new"], r.get("reason")) for r in tw],
         [("FIN_WAIT2", "TIME_WAIT", None), ("TIME_WAIT", "CLOSE", "reused_syn")],
         "the server's TIME_WAIT records: birth, end by the new SYN (reused_syn)")
    if len(tw) == 2:
        t.true(tw[1]["ts"] >= w["t_new"], "the TIME_WAIT end comes after the new connect()")
    segs = [r for r in run.recs if r.get("type") == "segment" and r["sock"] == "timewait"]
    t.eq([(r["dir"], r["flags"], r["seq"], r["ack"]) for r in segs],
         [("in", "SYN", old["seq"], 0), ("out", "ACK", snd_nxt, rcv_nxt), ("in", "SYN", new["seq"], 0)],
         "the TIME_WAIT socket's records: the old SYN, its ACK, the new SYN (it ended on that one)")
    reqs = [r for r in run.recs + run.late if r.get("type") == "request"]
    c2 = info["sockets"]["child2"]["cookie"]
    t.eq([(r["event"], r["rcv_isn"]) for r in reqs if r["cookie"] == c2],
         [("created", new["seq"]), ("promoted", new["seq"])], "the new connection's request records")
    t.eq(len(reqs), 4, "request records: the first connection's two, the new one's two (none for the old SYN)")
    nx = {k: run.after["netstat"][k] - run.before["netstat"][k] for k in ("TW", "TWRecycled", "PAWSEstab")}
    t.eq(nx, {"TW": 1, "TWRecycled": 0, "PAWSEstab": 0}, "TcpExt TW, TWRecycled, PAWSEstab")
    t.eq(run.after["tcpstate"]["time_wait_now"], 0, "time_wait_now after the end")
    # Not check_segments: the new SYN has two in records, the TIME_WAIT
    # socket's and then the listener's (tcp_v4_rcv: TCP_TW_SYN goes on
    # to the listener with the same segment); its model is one per side.
    # Both ends' records on the four-tuple instead, exactly.
    check_tuple_records(t, run, {
        "client": [("out", "SYN", "full", "SYN_SENT", "client"), ("in", "SYN|ACK", "full", "SYN_SENT", "client"),
                   ("out", "ACK", "full", "ESTABLISHED", "client"),
                   ("in", "FIN|ACK", "full", "ESTABLISHED", "client"), ("out", "ACK", "full", "CLOSE_WAIT", "client"),
                   ("out", "FIN|ACK", "full", "LAST_ACK", "client"), ("in", "ACK", "full", "LAST_ACK", "client"),
                   # (the old SYN: a raw socket's, no record; the ACK answering it: dropped at input)
                   ("out", "SYN", "full", "SYN_SENT", "client2"), ("in", "SYN|ACK", "full", "SYN_SENT", "client2"),
                   ("out", "ACK", "full", "ESTABLISHED", "client2"), ("out", "RST|ACK", "full", "CLOSE", "client2")],
        "child": [("in", "SYN", "listener", "LISTEN", "listener"),
                  ("out", "SYN|ACK", "request", "NEW_SYN_RECV", "child"),
                  ("in", "ACK", "request", "NEW_SYN_RECV", "child"),
                  ("out", "FIN|ACK", "full", "FIN_WAIT1", "child"), ("in", "ACK", "full", "FIN_WAIT1", "child"),
                  ("in", "FIN|ACK", "full", "FIN_WAIT2", "child"), ("out", "ACK", "full", "FIN_WAIT2", "child"),
                  ("in", "SYN", "timewait", "TIME_WAIT", "child"), ("out", "ACK", "timewait", "TIME_WAIT", "child"),
                  ("in", "SYN", "timewait", "TIME_WAIT", "child"), ("in", "SYN", "listener", "LISTEN", "listener"),
                  ("out", "SYN|ACK", "request", "NEW_SYN_RECV", "child2"),
                  ("in", "ACK", "request", "NEW_SYN_RECV", "child2"),
                  ("in", "RST|ACK", "full", "ESTABLISHED", "child2")]})
    S.check_states(t, run)
    S.check_counters(t, run)


def test_keepalive(t):
    # Every segment recorded: probes and their ACKs are no control segments.
    run = with_capture("keepal", keepalive, "ipv4")
    run.dump_args = ("--kinds", "all")
    run = run.run(t)
    info, pkts = run.info, run.pkts
    info["all_segments"] = True
    ka = info["ka"]
    cport, port = ka["cport"], ka["port"]
    t.eq(run.cap.dropped_by_kernel(), 0, "tcpdump: packets dropped by kernel")
    t.eq(ka["recv_errno"], errno.ETIMEDOUT, "recv() on the client: ETIMEDOUT (%s)" % ka["recv_errno"])
    t.eq(ka["server_errno"], errno.ECONNRESET, "recv() on the server: ECONNRESET (the client's RST)")
    conn = [p for p in pkts if {p["sport"], p["dport"]} == {cport, port}]
    data = [p for p in conn if p["len"]]
    una = p_una(conn, cport)
    rst = [p for p in conn if p["flags"] & wire.RST]
    probes = [p for p in conn if p["sport"] == cport and wire.is_pure_ack(p) and p["seq"] == (una - 1) & 0xffffffff]
    if not t.true(data and probes and all(p["i"] < probes[0]["i"] for p in data),
                  "wire: probes, after the last data"):
        return
    answered = [pr for k, pr in enumerate(probes)
                if any(q["sport"] == port and wire.is_pure_ack(q) and q["ack"] == una and
                       pr["i"] < q["i"] < (probes[k + 1]["i"] if k + 1 < len(probes) else 1 << 30)
                       for q in conn)]
    n_ans = len(answered)
    t.true(n_ans >= 2, "wire: at least two probes answered before the silence (%d)" % n_ans)
    t.eq(probes[:n_ans], answered, "wire: the answered probes come first")
    t.eq(len(probes) - n_ans, KEEPCNT, "wire: unanswered probes = TCP_KEEPCNT")
    t.eq(info["nft"], {"silenced": KEEPCNT}, "nft: the silenced probes dropped at the server's input")
    t.true(all(p["ack"] == probes[0]["ack"] for p in probes), "wire: every probe acks the same (no data)")
    if not t.eq([(p["sport"], p["fl"]) for p in rst], [(cport, "RST|ACK")], "wire: one RST, from the client"):
        return
    t.eq(rst[0]["seq"], una, "wire: the RST's seq is snd_nxt (= snd_una, the probe's seq + 1)")
    t.eq([p for p in conn if p["i"] > rst[0]["i"]], [], "wire: nothing after the RST")
    t.true(probes and probes[-1]["i"] < rst[0]["i"], "wire: the RST after the last probe")
    # times: the first probe TCP_KEEPIDLE after the last segment received,
    # each later one TCP_KEEPIDLE after an answer or TCP_KEEPINTVL after an
    # unanswered probe, the RST TCP_KEEPINTVL after the last probe. Timers
    # never fire early (jiffies: one tick, 4 ms at HZ 250); late loosely.
    times = []
    prev = max(p["ts"] for p in conn if p["dport"] == cport and p["i"] < probes[0]["i"])
    for k, pr in enumerate(probes + rst):
        gap = pr["ts"] - prev
        want = KEEPIDLE if k <= n_ans else KEEPINTVL
        times.append("%s +%.3fs" % ("probe %d" % (k + 1) if k < len(probes) else "RST", gap))
        t.true(want - 0.01 <= gap <= want + 1.5, "%s: %.3fs after the previous event (want %d s)"
               % (times[-1], gap, want))
        answer = [q for q in conn if q["sport"] == port and q["i"] > pr["i"] and wire.is_pure_ack(q)]
        prev = answer[0]["ts"] if k < n_ans and answer else pr["ts"]
    t.note("keepalive: " + ", ".join(times))
    nx = {k: run.after["netstat"][k] - run.before["netstat"][k] for k in ("TCPKeepAlive", "TCPAbortOnTimeout")}
    t.eq(nx, {"TCPKeepAlive": len(probes), "TCPAbortOnTimeout": 1},
         "TcpExt TCPKeepAlive (probes sent), TCPAbortOnTimeout (tcp_write_err)")
    t.eq([(bool(sk), tp) for sk, tp in S.sent_resets(run)],
         [(True, tuple(info["sockets"]["client"]["tuple"]))],
         "ftrace tcp:tcp_send_reset: the client's full socket (tcp_send_active_reset)")
    t.eq(oracle_count(run, "tcp_receive_reset"), 1, "ftrace tcp:tcp_receive_reset: the server's")
    # the tool (--kinds all): each probe recorded as sent, the answered
    # ones as received too, and each answer both ways (check_segments:
    # every segment; here the probes by name)
    sent = [r for r in run.recs if r.get("type") == "segment" and r["dir"] == "out" and
            r["lport"] == cport and r["seq"] == (una - 1) & 0xffffffff and not r["len"]]
    t.eq(len(sent), len(probes), "the client's probes recorded as sent (seq = snd_una - 1, len 0)")
    got = [r for r in run.recs if r.get("type") == "segment" and r["dir"] == "in" and
           r["lport"] == port and r["seq"] == (una - 1) & 0xffffffff]
    t.eq(len(got), n_ans, "the server's records of the probes that reached it")
    # the drop, for check_segments: the unanswered probes
    same = [p for p in conn if p["sport"] == cport and p["dport"] == port and p["fl"] == "ACK"]
    info["drop"] = [(cport, port, "ACK", same.index(p)) for p in probes[n_ans:]]
    S.check_states(t, run)
    S.check_segments(t, run)
    S.check_sides(t, run)
    S.check_numbers(t, run)
    S.check_counters(t, run)
    S.check_timewait(t, run)


def test_halfopen(t):
    run = S.scenario("halfopen", halfopen, "ipv4")(t)
    info, pkts = run.info, run.pkts
    cl, ch = info["sockets"]["client"]["tuple"], info["sockets"]["child"]["tuple"]
    t.eq(info["ho"], {"state_before": "ESTABLISHED", "recv_errno": errno.ECONNRESET},
         "the client: ESTABLISHED after the server forgot it (half-open), ECONNRESET after its data")
    conn = [p for p in pkts if {p["sport"], p["dport"]} == {cl[1], ch[1]}]
    rst = [p for p in conn if p["flags"] & wire.RST]
    data = [p for p in conn if p["sport"] == cl[1] and p["len"]]
    t.eq([(p["sport"], p["fl"]) for p in rst], [(ch[1], "RST|ACK"), (ch[1], "RST")],
         "wire: the lost RST (abort), the no-socket RST")
    if len(rst) == 2 and data:
        last = data[-1]
        t.true(rst[0]["i"] < last["i"] < rst[1]["i"], "wire: the lost RST, the survivor's data, the RST")
        t.eq(rst[1]["seq"], last["ack"], "wire: the RST's seq is the data's ack (tcp_v4_send_reset)")
    sn = {k: run.after["snmp"][k] - run.before["snmp"][k] for k in ("OutRsts", "EstabResets")}
    t.eq(sn, {"OutRsts": 2, "EstabResets": 2}, "snmp OutRsts (abort, no-socket RST), EstabResets")
    t.eq([tp for sk, tp in S.sent_resets(run) if sk], [tuple(ch)],
         "ftrace tcp:tcp_send_reset with a socket: the server's abort only")
    t.eq([e["tuple"] for e in run.tev if e["name"] == "tcp_receive_reset"], [tuple(cl)],
         "ftrace tcp:tcp_receive_reset: the client's (the no-socket RST); the first was dropped")


def build(add, suite_module, setup):
    """Add the lesson scenarios (suite.build's add, the suite module)."""
    global S
    S = suite_module
    add("sc_why_three", test_why_three, setup)
    add("sc_why_four", test_why_four, setup)
    add("sc_why_timewait", test_why_timewait, setup)
    add("sc_why_timewait_syn", test_why_timewait_syn, setup)
    add("sc_keepalive", test_keepalive, setup)
    add("sc_halfopen_crash", test_halfopen, setup)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hook", choices=("tracepoint", "kprobe"), default="tracepoint")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))   # tsf, ftrace
    import suite
    from tcpstate_test import kmod
    from tcpstate_test.common import OUT, ROOT
    from tsf import Runner
    os.chdir(ROOT)
    out = os.path.join(OUT, "lesson")
    os.makedirs(out, exist_ok=True)
    suite.LESSON_DIR = out
    runner = Runner()
    try:
        kmod.ensure_unloaded()
    except RuntimeError as e:
        print("# warning: %s" % e)
    suite.build(runner, args.hook)
    names = []
    for _, name, _, _ in LESSON:
        if name not in names:
            names.append(name)
    # runner.run selects by substring: exactly these names
    runner.tests = [x for x in runner.tests if x[0] in names]
    runner.run(None, label="hook=%s lesson" % args.hook)
    try:
        kmod.ensure_unloaded()
    except RuntimeError as e:
        print("# rmmod failed: %s" % e)
        runner.failed += 1
    suite.teardown()
    with open(os.path.join(out, "order"), "w") as f:
        for chapter, _, tag, conns in LESSON:
            f.write("%s\t%s\t%s\n" % (chapter, tag, conns))
    with open(os.path.join(OUT, "counts"), "w") as f:
        f.write("%d %d\n" % (runner.passed, runner.failed))
    return 0 if runner.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
