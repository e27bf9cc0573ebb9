# SPDX-License-Identifier: GPL-2.0
"""A private network namespace per scenario.

Each scenario runs in a fresh netns: its own lo (tcpdump, netem and nftables
touch nothing else), its own /proc/net/{snmp,netstat,tcpstate} counters
(starting from zero), its own sysctls. Sockets are created in it by
switching the calling thread with setns(2) (Python 3.11 has no os.setns);
commands run in it with `ip netns exec`; its /proc/net files are read
through a holder process living in it.
"""
import contextlib
import ctypes
import os
import subprocess
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: %s" % os.strerror(e))


def _run(cmd, timeout=60, check=True, input=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                    (p.stderr or p.stdout).strip()))
    return p


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


class Netns:
    seq = 0

    def __init__(self, tag):
        Netns.seq += 1
        self.name = "sc%d-%s" % (Netns.seq, tag)
        _run(["ip", "netns", "del", self.name], check=False)
        _run(["ip", "netns", "add", self.name])
        self.path = "/var/run/netns/" + self.name
        self.inode = os.stat(self.path).st_ino
        self.exec(["ip", "link", "set", "lo", "up"])
        self.holder = subprocess.Popen(["ip", "netns", "exec", self.name, "sleep", "100000"])
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
        self.deleted = False

    # -- running things in it ------------------------------------------------
    @contextlib.contextmanager
    def enter(self):
        """Switch this thread into the netns (sockets created meanwhile live there)."""
        here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        there = os.open(self.path, os.O_RDONLY)
        try:
            _setns(there)
            try:
                yield self
            finally:
                _setns(here)
        finally:
            os.close(here)
            os.close(there)

    def exec(self, cmd, timeout=60, check=True, input=None):
        return _run(["ip", "netns", "exec", self.name] + list(cmd), timeout, check, input)

    def popen(self, cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.name] + list(cmd), **kw)

    def sysctl(self, **kv):
        args = ["%s=%s" % (k.replace("__", "."), v) for k, v in kv.items()]
        self.exec(["sysctl", "-qw"] + args)

    def netem(self, spec):
        """tc netem on this netns' lo, e.g. "delay 100ms"; None removes it.

        Removing it drops what it still delays (a handshake's last ACKs,
        sent a moment ago): wait until its backlog is empty first.
        """
        if spec is None:
            end = time.monotonic() + 5
            while time.monotonic() < end:
                out = self.exec(["tc", "-s", "qdisc", "show", "dev", "lo"], check=False).stdout
                out = out.decode() if isinstance(out, bytes) else out
                if "netem" not in out or " 0p " in out.split("backlog", 1)[-1] + " ":
                    break
                time.sleep(0.02)
            self.exec(["tc", "qdisc", "del", "dev", "lo", "root"], check=False)
        else:
            self.exec(["tc", "qdisc", "replace", "dev", "lo", "root", "netem"] + spec.split())

    def nft(self, script):
        self.exec(["nft", "-f", "-"], input=script)

    def nft_counters(self):
        """{comment: packets} of every named counter rule (rules carry comments)."""
        import json
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
        with open("/proc/%d/net/%s" % (self.holder.pid, name)) as f:
            return f.read()

    def tcpstate(self):
        out = {}
        for line in self.proc("tcpstate").splitlines():
            k, v = line.split(" ")
            out[k] = int(v)
        return out

    def snmp(self):
        return parse_snmp_like(self.proc("snmp"))

    def netstat(self):
        return parse_snmp_like(self.proc("netstat"))

    def tcp_table(self):
        """[(lport, rport, state)] of /proc/net/tcp + tcp6 in the netns."""
        rows = []
        for name in ("tcp", "tcp6"):
            for row in self.proc(name).splitlines()[1:]:
                c = row.split()
                rows.append((int(c[1].split(":")[1], 16), int(c[2].split(":")[1], 16),
                             int(c[3], 16)))
        return rows

    def wait_settled(self, timeout=20.0, allow=(6, 10)):
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
        _run(["ip", "netns", "del", self.name], check=False)
