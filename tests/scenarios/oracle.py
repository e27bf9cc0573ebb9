# SPDX-License-Identifier: GPL-2.0
"""ftrace as the kernel's witness for the scenarios: the integration
suite's binary decoder (tests/integration/ftrace.py) with the TCP events
issue 3 asks for, in a private instance of its own."""
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))
import ftrace  # noqa: E402


# Witness kprobes on functions the module probes too: a kprobe that hits
# while another kprobe's handler runs on the same CPU is dropped and
# counted in kprobe_profile's "misses"; when these miss, the module's own
# kprobes on the same paths can miss as well (evidence for a report).
WITNESS = {"sc_qx": "ip_queue_xmit", "sc_rx4": "tcp_v4_do_rcv", "sc_rx6": "tcp_v6_do_rcv"}
WITNESS_GROUP = "tcpstate_sc"


class Tracer(ftrace.Instance):
    EVENTS = ["sock/inet_sock_set_state", "tcp/tcp_retransmit_skb",
              "tcp/tcp_retransmit_synack", "tcp/tcp_send_reset", "tcp/tcp_receive_reset",
              ftrace.KPROBE_GROUP + "/" + ftrace.KPROBE_NAME]

    def __init__(self):
        super().__init__(name="tcpstate_sc", buffer_kb=8192)

    def fields(self, event):
        """{field name: size} of an event this instance records
        ("tcp:tcp_send_reset"), from the kernel's format file."""
        for name, fields in self.formats.values():
            if name == event:
                return {f[0]: f[2] for f in fields}
        raise KeyError(event)

    def send_reset_without_socket(self):
        """Whether tcp:tcp_send_reset also fires for resets sent without
        a full socket (no socket, a request or TIME_WAIT socket), told
        from the event's format. Linux 6.10 (19822a980e19, "trace: tcp:
        fully support trace_tcp_send_reset") made it fire there and, in
        the same change, replaced its family/sport/dport/saddr_v6/...
        fields by saddr/daddr holding a struct sockaddr_in6 each, filled
        from the skb when there is no full socket. Before (6.1), it fired
        only with a full socket (tcp_v4_send_reset: sk_fullsock(sk);
        tcp_send_active_reset)."""
        f = self.fields("tcp:tcp_send_reset")
        if "family" in f and f.get("saddr_v6") == 16:
            return False
        if "family" not in f and f.get("saddr") == 28 and f.get("daddr") == 28:
            return True
        raise ftrace.FtraceError("tcp:tcp_send_reset: unknown format %s" % sorted(f.items()))

    def setup(self):
        super().setup()
        for name, fn in WITNESS.items():
            if not os.path.isdir(os.path.join(ftrace.TRACEFS, "events", WITNESS_GROUP, name)):
                try:
                    ftrace._write(os.path.join(ftrace.TRACEFS, "kprobe_events"),
                                  "p:%s/%s %s\n" % (WITNESS_GROUP, name, fn), append=True)
                except OSError:
                    continue
            try:
                ftrace._write(os.path.join(self.dir, "events", WITNESS_GROUP, name, "enable"), "1")
            except OSError:
                pass

    def teardown(self):
        for name in WITNESS:
            try:
                ftrace._write(os.path.join(self.dir, "events", WITNESS_GROUP, name, "enable"), "0")
            except OSError:
                pass
        super().teardown()
        for name in WITNESS:
            try:
                ftrace._write(os.path.join(ftrace.TRACEFS, "kprobe_events"),
                              "-:%s/%s\n" % (WITNESS_GROUP, name), append=True)
            except OSError:
                pass


def _sockaddr(b):
    """A struct sockaddr_in/sockaddr_in6 as a tracepoint stores it
    (TP_STORE_ADDR_PORTS*): (address text, port); ("", 0) if unset."""
    family = int.from_bytes(b[0:2], "little")
    port = int.from_bytes(b[2:4], "big")
    if family == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, bytes(b[4:8])), port
    if family == socket.AF_INET6:
        return socket.inet_ntop(socket.AF_INET6, bytes(b[8:24])), port
    return "", 0


def _tuple(e):
    """(local addr, local port, remote addr, remote port) of a tcp:* event.
    Two layouts: family/sport/dport/saddr/daddr/saddr_v6/daddr_v6 fields
    (every event here on 6.1), or saddr/daddr holding a whole struct
    sockaddr_in6 (tcp_send_reset since Linux 6.10; saddr is the end that
    sends the RST in both)."""
    if "family" in e:
        return (ftrace.addr_text(e["family"], e["saddr"], e["saddr_v6"]), e["sport"],
                ftrace.addr_text(e["family"], e["daddr"], e["daddr_v6"]), e["dport"])
    return _sockaddr(e["saddr"]) + _sockaddr(e["daddr"])


def tcp_events(events):
    """Every tcp:* event of interest as {name, sk, tuple, state, ts, task}."""
    out = []
    for e in events:
        n = e["_name"]
        if not n.startswith("tcp:"):
            continue
        d = {"name": n[4:], "sk": e.get("skaddr"), "tuple": _tuple(e), "ts": e["_ts"],
             "task": e["_task"], "cpu": e["_cpu"]}
        if "state" in e:
            d["state"] = ftrace.TCP_STATES.get(e["state"], e["state"])
        if "sock_cookie" in e:
            d["cookie"] = e["sock_cookie"]
        out.append(d)
    return out


def count(tev, name, ports=None):
    return len([e for e in tev if e["name"] == name and
                (ports is None or e["tuple"][1] in ports or e["tuple"][3] in ports)])


def kprobe_missed():
    """Misses of the oracle's kprobe events (kprobe_profile), summed."""
    names = {ftrace.KPROBE_NAME} | set(WITNESS)
    total = 0
    try:
        with open(os.path.join(ftrace.TRACEFS, "kprobe_profile")) as f:
            for line in f:
                c = line.split()
                if len(c) >= 3 and c[0].split("/")[-1] in names:
                    total += int(c[2])
    except (OSError, ValueError):
        pass
    return total
