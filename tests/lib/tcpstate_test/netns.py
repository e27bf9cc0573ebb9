# SPDX-License-Identifier: GPL-2.0
"""Network namespaces and their /proc/net.

The module functions read the namespace of the calling process
(proc_net="/proc/net") or any other /proc/net directory given. A Netns
is a private namespace: its own lo (tcpdump, netem and nftables touch
nothing else), its own /proc/net/{snmp,netstat,tcpstate} counters
(starting from zero), its own sysctls. Sockets are created in it by
switching the calling thread with setns(2) (Python 3.11 has no os.setns);
commands run in it with `ip netns exec`; its /proc/net files are read
through a holder process living in it. Here is the same interface for
the namespace we are in (tests/demo.sh runs the scenario drivers there).
"""
import contextlib
import ctypes
import json
import os
import subprocess
import time

from . import reader
from .common import run, wait_for
from .sockets import TCP_STATE_NUM

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
TIME_WAIT, LISTEN = TCP_STATE_NUM["TIME_WAIT"], TCP_STATE_NUM["LISTEN"]


def setns(fd):
    """Move the calling thread into the network namespace of fd."""
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: %s" % os.strerror(e))


def netns_inode(path="/proc/self/ns/net"):
    return os.stat(path).st_ino


# -- /proc/net -----------------------------------------------------------------
def parse_snmp_like(text, prefixes=None):
    """/proc/net/snmp or /proc/net/netstat: {"Tcp": {"ActiveOpens": N, ...}, ...}."""
    out = {}
    lines = text.splitlines()
    for i in range(0, len(lines) - 1, 2):
        h, v = lines[i].split(), lines[i + 1].split()
        if not h or h[0] != v[0]:
            continue
        name = h[0].rstrip(":")
        if prefixes and name not in prefixes:
            continue
        out[name] = dict(zip(h[1:], (int(x) for x in v[1:])))
    return out


def _read(proc_net, name):
    with open(os.path.join(proc_net, name)) as f:
        return f.read()


def snmp(proc_net="/proc/net"):
    return parse_snmp_like(_read(proc_net, "snmp"))


def snmp_tcp(proc_net="/proc/net"):
    """The Tcp: table of /proc/net/snmp."""
    return snmp(proc_net)["Tcp"]


def netstat(proc_net="/proc/net"):
    return parse_snmp_like(_read(proc_net, "netstat"))


def tcp_table(proc_net="/proc/net"):
    """[(lport, rport, state)] of every socket in /proc/net/tcp and tcp6
    (request sockets show as SYN_RECV, timewait sockets as TIME_WAIT or
    their substate)."""
    rows = []
    for name in ("tcp", "tcp6"):
        try:
            text = _read(proc_net, name)
        except FileNotFoundError:
            continue
        for row in text.splitlines()[1:]:
            c = row.split()
            rows.append((int(c[1].split(":")[1], 16), int(c[2].split(":")[1], 16),
                         int(c[3], 16)))
    return rows


def tcp_table_ports(proc_net="/proc/net"):
    """{(local_port, remote_port): [state, ...]} of tcp_table()."""
    out = {}
    for lp, rp, st in tcp_table(proc_net):
        out.setdefault((lp, rp), []).append(st)
    return out


def wait_quiet(ports, timeout=15.0, proc_net="/proc/net"):
    """Wait until no socket on these ports is in a state other than TIME_WAIT
    (i.e. every state change of a scenario has happened)."""
    ports = set(ports)

    def quiet():
        return not any((lp in ports or rp in ports) and st != TIME_WAIT
                       for lp, rp, st in tcp_table(proc_net))
    wait_for(quiet, timeout, what="sockets on ports %s to settle" % sorted(ports))


def kill_timewait():
    """End this netns' TIME_WAIT sockets now (ss -K, sock_diag destroy):
    their 60 s timers would otherwise fire in the middle of a later test's
    counts (v2 records every TIME_WAIT socket's end)."""
    run(["ss", "-K", "-t", "state", "time-wait"], timeout=30)


# -- a private namespace -------------------------------------------------------
class Netns:
    """`ip netns add NAME`, lo up, a holder process in it; delete() (or
    close()) removes it. Netns.fresh(tag): a new name per call."""
    seq = 0

    def __init__(self, name):
        self.name = name
        run(["ip", "netns", "del", name], check=False)
        run(["ip", "netns", "add", name], check=True)
        self.path = "/var/run/netns/" + name
        self.inode = os.stat(self.path).st_ino
        self.exec(["ip", "link", "set", "lo", "up"])
        # A process living in the netns: /proc/PID/net/* are its files.
        self.holder = subprocess.Popen(["ip", "netns", "exec", name, "sleep", "100000"])
        end = time.monotonic() + 10
        while True:
            try:
                if os.stat("/proc/%d/ns/net" % self.holder.pid).st_ino == self.inode:
                    break
            except OSError:
                pass
            if time.monotonic() > end:
                raise RuntimeError("netns holder did not start")
            time.sleep(0.01)
        self.proc_net = "/proc/%d/net" % self.holder.pid
        self.deleted = False

    @classmethod
    def fresh(cls, tag):
        """A new namespace named sc<N>-<tag> (N counts up in this process)."""
        Netns.seq += 1
        return cls("sc%d-%s" % (Netns.seq, tag))

    # -- running things in it ------------------------------------------------
    @contextlib.contextmanager
    def enter(self):
        """Switch this thread into the netns (sockets created meanwhile live there)."""
        here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        there = os.open(self.path, os.O_RDONLY)
        try:
            setns(there)
            try:
                yield self
            finally:
                setns(here)
        finally:
            os.close(here)
            os.close(there)

    def exec(self, cmd, timeout=60, check=True, input=None):
        return run(["ip", "netns", "exec", self.name] + list(cmd), timeout, check, input=input)

    def popen(self, cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.name] + list(cmd), **kw)

    def sysctl(self, **kv):
        args = ["%s=%s" % (k.replace("__", "."), v) for k, v in kv.items()]
        self.exec(["sysctl", "-qw"] + args)

    def netem(self, spec):
        """tc netem on this netns' lo, e.g. "delay 100ms"; None removes it.

        Removing it would drop what it still holds, and a segment that
        arrives as it goes (seen on the debug kernel: a SYN-ACK
        retransmission recorded by tcpstate, never on the wire). So None
        makes the delay 0, which lets segments through at once, waits for
        its backlog to empty, and leaves the qdisc in place.
        """
        if spec is None:
            # Not deleted: a segment that reaches the qdisc as it is
            # deleted (a SYN-ACK retransmission's timer, on the slow
            # debug kernel) is dropped after tcpstate recorded it, and no
            # wait closes that window. netem with no delay passes every
            # segment on at once; the namespace's deletion removes it.
            self.exec(["tc", "qdisc", "change", "dev", "lo", "root", "netem", "delay", "0ms"],
                      check=False)
            end = time.monotonic() + 5
            while time.monotonic() < end:
                out = self.exec(["tc", "-s", "qdisc", "show", "dev", "lo"], check=False).stdout
                if "netem" not in out or " 0p " in out.split("backlog", 1)[-1] + " ":
                    break
                time.sleep(0.02)
        else:
            self.exec(["tc", "qdisc", "replace", "dev", "lo", "root", "netem"] + spec.split())

    def nft(self, script):
        self.exec(["nft", "-f", "-"], input=script)

    def nft_counters(self):
        """{comment: packets} of every named counter rule (rules carry comments)."""
        out = {}
        p = self.exec(["nft", "-j", "list", "ruleset"])
        for item in json.loads(p.stdout).get("nftables", []):
            rule = item.get("rule")
            if not rule:
                continue
            pk = None
            for e in rule.get("expr", []):
                if "counter" in e:
                    pk = e["counter"].get("packets")
            if rule.get("comment") is not None and pk is not None:
                out[rule["comment"]] = pk
        return out

    # -- its /proc/net -------------------------------------------------------
    def proc(self, name):
        return _read(self.proc_net, name)

    def read_proc(self):
        """Its /proc/net/tcpstate as {name: value}."""
        return reader.read_proc(os.path.join(self.proc_net, "tcpstate"))

    def snmp(self):
        return snmp(self.proc_net)

    def netstat(self):
        return netstat(self.proc_net)

    def tcp_table(self):
        return tcp_table(self.proc_net)

    def wait_quiet(self, ports, timeout=15.0):
        wait_quiet(ports, timeout, self.proc_net)

    def wait_drained(self, timeout=15.0):
        reader.wait_drained(timeout, os.path.join(self.proc_net, "tcpstate"))

    def wait_port_state(self, lport, rport, name, timeout=10.0):
        """Wait until its /proc/net/tcp* shows (lport, rport) in state name
        (works for orphans and TIME_WAIT sockets: their substate)."""
        want = TCP_STATE_NUM[name]
        end = time.monotonic() + timeout
        while True:
            rows = [r for r in self.tcp_table() if r[0] == lport and r[1] == rport]
            if any(r[2] == want for r in rows):
                return
            if time.monotonic() > end:
                raise RuntimeError("%d->%d did not reach %s: %s" % (lport, rport, name, rows))
            time.sleep(0.005)

    def wait_settled(self, timeout=20.0, allow=(TIME_WAIT, LISTEN)):
        """Wait until every socket is in TIME_WAIT or LISTEN (or gone)."""
        end = time.monotonic() + timeout
        while True:
            rows = [r for r in self.tcp_table() if r[2] not in allow]
            if not rows:
                return
            if time.monotonic() > end:
                raise TimeoutError("netns %s: sockets not settled: %s" % (self.name, rows))
            time.sleep(0.02)

    def delete(self):
        if self.deleted:
            return
        self.deleted = True
        if self.holder.poll() is None:
            self.holder.kill()
        self.holder.wait()
        run(["ip", "netns", "del", self.name], check=False)

    close = delete


class Here(Netns):
    """Netns's interface for the namespace we are in: enter() stays here,
    exec() runs the command as it is, its /proc/net is /proc/net; it is
    never deleted."""

    def __init__(self):   # not Netns.__init__: that makes a namespace
        self.name = "here"
        self.proc_net = "/proc/net"
        self.inode = netns_inode()
        self.deleted = True

    @contextlib.contextmanager
    def enter(self):
        yield self

    def exec(self, cmd, timeout=60, check=True, input=None):
        return run(list(cmd), timeout, check, input=input)

    def popen(self, cmd, **kw):
        return subprocess.Popen(list(cmd), **kw)
