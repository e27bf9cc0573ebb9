# SPDX-License-Identifier: GPL-2.0
"""ftrace as the kernel's witness for the scenarios: the integration
suite's binary decoder (tests/integration/ftrace.py) with the TCP events
issue 3 asks for, in a private instance of its own."""
import os
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


def _tuple(e):
    return (ftrace.addr_text(e["family"], e["saddr"], e["saddr_v6"]), e["sport"],
            ftrace.addr_text(e["family"], e["daddr"], e["daddr_v6"]), e["dport"])


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
