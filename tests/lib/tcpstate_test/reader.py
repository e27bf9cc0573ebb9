# SPDX-License-Identifier: GPL-2.0
"""The module's interface as the tests see it: /dev/tcpstate (the record
ABI, decoding, draining, ioctl, poll), /proc/net/tcpstate (counters and
their rules), and the tool (Dump: `tools/tcpstate dump` in the background)
with its JSON records."""
import fcntl
import heapq
import mmap
import json
import os
import select
import signal
import socket
import struct
import subprocess
import time

from .common import OUT, ROOT, TOOL, wait_for
from .sockets import TCP_STATES

DEV = "/dev/tcpstate"
PROC = "/proc/net/tcpstate"

REC_SIZE = 128
REC_STATE, REC_LOST, REC_SEGMENT, REC_REQUEST = 1, 2, 3, 4
F_TASK, F_CHILD_TUPLE, F_TIMEWAIT, F_CONTROL = 0x1, 0x2, 0x4, 0x8
ABI_VERSION = 3
HOOKS = {1: "tracepoint", 2: "kprobe"}
STATES = TCP_STATES
# _IOR(0xB7, 1, struct tcpstate_info): dir=2 (read), size 56
IOC_INFO = (2 << 30) | (56 << 16) | (0xB7 << 8) | 1
INFO_FMT = "<IIIIIIII3Q"       # struct tcpstate_info: ..., groups, nr_rings, __pad0, __reserved[3]

# Sessions (uapi/tcpstate.h): filters, buffers, figures.
KINDS = {"states": 0x1, "control": 0x2, "segments": 0x4, "requests": 0x8, "timewait": 0x10}
KINDS_ALL = 0x1f
FILTER_FMT = "<IHBBII16s16H" + "16sB3x" * 8 + "2Q"        # struct tcpstate_filter
FILTER_SIZE = struct.calcsize(FILTER_FMT)
SESSION_FMT = "<II16sIIII6Q"                            # struct tcpstate_session_info, less its filter
SESSION_SIZE = struct.calcsize(SESSION_FMT) + FILTER_SIZE
SESSIONS_FMT = "<IIQ"
SESSION_SELF, SESSION_DEFAULT_FILTER = 0x2, 0x1


def _ioc(d, nr, size):
    return (d << 30) | (size << 16) | (0xB7 << 8) | nr


IOC_SET_FILTER = _ioc(1, 2, FILTER_SIZE)
IOC_GET_FILTER = _ioc(2, 3, FILTER_SIZE)
IOC_SET_BUFFER = _ioc(1, 4, 4)
IOC_SESSION = _ioc(2, 5, SESSION_SIZE)
IOC_SESSIONS = _ioc(3, 6, struct.calcsize(SESSIONS_FMT))
assert (FILTER_SIZE, SESSION_SIZE) == (240, 328)


def prefix(text):
    """"10.0.0.0/8" or "2001:db8::/32" -> (16 bytes, bits), IPv4 as mapped."""
    addr, _, bits = text.partition("/")
    try:
        raw = b"\0" * 10 + b"\xff\xff" + socket.inet_pton(socket.AF_INET, addr)
        n = 96 + int(bits or 32)
    except OSError:
        raw = socket.inet_pton(socket.AF_INET6, addr)
        n = int(bits or 128)
    return raw, n


def pack_filter(kinds=KINDS_ALL, family=0, ports=(), addrs=(), netns=0, pid=0, comm=b"",
                nr_ports=None, nr_addrs=None, reserved=(0, 0), raw_addrs=None):
    """struct tcpstate_filter; nr_*, raw_addrs and reserved may be set to bad values."""
    ports = list(ports) + [0] * (16 - len(ports))
    pre = raw_addrs if raw_addrs is not None else [prefix(a) for a in addrs]
    flat = []
    for i in range(8):
        flat += list(pre[i]) if i < len(pre) else [b"", 0]
    return struct.pack(FILTER_FMT, kinds, family,
                       len([p for p in ports if p]) if nr_ports is None else nr_ports,
                       len(pre) if nr_addrs is None else nr_addrs, netns, pid,
                       comm if isinstance(comm, bytes) else comm.encode(), *ports, *flat, *reserved)


def unpack_filter(b):
    v = struct.unpack(FILTER_FMT, bytes(b))
    kinds, family, nr_ports, nr_addrs, netns, pid, comm = v[:7]
    ports = list(v[7:7 + nr_ports])
    pre = v[23:39]
    addrs = [(pre[2 * i], pre[2 * i + 1]) for i in range(nr_addrs)]
    return {"kinds": kinds, "family": family, "ports": ports, "addrs": addrs, "netns": netns,
            "pid": pid, "comm": comm.split(b"\0")[0].decode()}


def set_filter(fd, **kw):
    fcntl.ioctl(fd, IOC_SET_FILTER, pack_filter(**kw))


def get_filter(fd):
    buf = bytearray(FILTER_SIZE)
    fcntl.ioctl(fd, IOC_GET_FILTER, buf, True)
    return unpack_filter(buf)


def set_buffer(fd, nr):
    fcntl.ioctl(fd, IOC_SET_BUFFER, struct.pack("<I", nr))


def _session(b):
    n = struct.calcsize(SESSION_FMT)
    v = struct.unpack(SESSION_FMT, bytes(b[:n]))
    d = dict(zip(("id", "pid", "comm", "netns", "nr_records", "flags", "nr_rings", "recorded",
                  "read", "dropped", "discarded", "buffered", "opened_ns"), v))
    d["comm"] = d["comm"].split(b"\0")[0].decode()
    d["filter"] = unpack_filter(b[n:])
    return d


def session_info(fd):
    buf = bytearray(SESSION_SIZE)
    fcntl.ioctl(fd, IOC_SESSION, buf, True)
    return _session(buf)


def sessions_list(fd, nr=64):
    """(sessions the caller may see, as dicts; the total there is)."""
    arr = bytearray(SESSION_SIZE * max(nr, 1))
    import ctypes
    cbuf = (ctypes.c_char * len(arr)).from_buffer(arr)
    req = bytearray(struct.pack(SESSIONS_FMT, nr, 0, ctypes.addressof(cbuf)))
    fcntl.ioctl(fd, IOC_SESSIONS, req, True)
    got, total, _ = struct.unpack(SESSIONS_FMT, bytes(req))
    out = [_session(arr[i * SESSION_SIZE:(i + 1) * SESSION_SIZE]) for i in range(got)]
    del cbuf
    return out, total


def read_all(fd):
    """Every record a non-blocking fd has now, decoded."""
    buf = b""
    while True:
        try:
            b = os.read(fd, REC_SIZE * 256)
        except BlockingIOError:
            break
        if not b:
            break
        buf += b
    return decode_records(buf)

PROC_ORDER = ["events_recorded", "events_dropped", "events_read", "events_discarded",
              "events_buffered", "events_missed", "active_opens", "passive_opens", "failed_opens",
              "active_closes", "passive_closes", "simultaneous_closes",
              "resets_in", "resets_out",
              # v2 (contract: after resets_out, before trans_*)
              "time_wait_entered", "time_wait_expired", "time_wait_now", "syn_in", "synack_out",
              "syn_retrans", "synack_retrans", "syncookies_sent", "syncookies_accepted",
              "half_open_now", "accept_queue_drops",
              # v3 (appended after accept_queue_drops, before trans_*)
              "labels_missed", "time_wait_tracked", "time_wait_untracked",
              "time_wait_table_reclaimed", "time_wait_table_capacity",
              # v4 (appended after time_wait_table_capacity, before trans_*)
              "group_states", "group_resets", "group_segments", "group_retransmits",
              "group_requests", "group_timewait"]
# uapi enum tcpstate_group, in bit order
GROUPS = ["states", "resets", "segments", "retransmits", "requests", "timewait"]
ALL_GROUPS = (1 << len(GROUPS)) - 1
# summary counter -> transitions it counts (contract)
DERIVED = {
    "active_opens": [("SYN_SENT", "ESTABLISHED")],
    "passive_opens": [("SYN_RECV", "ESTABLISHED")],
    "failed_opens": [("SYN_SENT", "CLOSE"), ("SYN_RECV", "CLOSE")],
    "active_closes": [("ESTABLISHED", "FIN_WAIT1")],
    "passive_closes": [("ESTABLISHED", "CLOSE_WAIT")],
    "simultaneous_closes": [("FIN_WAIT1", "CLOSING")],
}


# -- /proc/net/tcpstate ----------------------------------------------------
def read_proc_lines(path=PROC):
    with open(path) as f:
        return f.read().splitlines()


def read_proc(path=PROC):
    """{name: value} of a /proc/net/tcpstate (this netns' unless told:
    netns.Netns.read_proc() reads a private one's)."""
    out = {}
    for line in read_proc_lines(path):
        k, v = line.split(" ")
        out[k] = int(v)
    return out


def delta(after, before):
    keys = set(after) | set(before)
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys}


def trans_key(old, new):
    return "trans_%s_%s" % (old.lower(), new.lower())


def wait_drained(timeout=15.0, path=PROC):
    """Wait until the module's ring is empty (a reader has read everything)."""
    wait_for(lambda: read_proc(path).get("events_buffered") == 0, timeout,
             what="events_buffered == 0" + ("" if path == PROC else " in " + path))


# -- the device ------------------------------------------------------------
def dev_open(flags=os.O_RDONLY):
    return os.open(DEV, flags)


def cpu_ids():
    """The kernel's nr_cpu_ids, the rings a session has: one more than
    the highest possible CPU (/sys/devices/system/cpu/possible, "0-1")."""
    with open("/sys/devices/system/cpu/possible") as f:
        last = f.read().strip().replace("-", ",").split(",")[-1]
    return int(last) + 1


def ioctl_info(fd):
    buf = bytearray(56)
    fcntl.ioctl(fd, IOC_INFO, buf, True)
    v = struct.unpack(INFO_FMT, bytes(buf))
    # "reserved": the words that must be zero, __pad0 then __reserved[3].
    return {"version": v[0], "rec_size": v[1], "nr_records": v[2], "hook": v[3],
            "netns": v[4], "groups": v[5], "nr_rings": v[6], "reserved": list(v[7:11])}


def decode_records(buf):
    recs = []
    for off in range(0, len(buf), REC_SIZE):
        r = buf[off:off + REC_SIZE]
        (version, rtype, size, flags, cpu, netns, ts, cookie, pid, family, lport,
         rport, pad0, pad1) = struct.unpack_from("<HHHHIIQQIHHHHI", r, 0)
        laddr, raddr, comm = r[48:64], r[64:80], r[80:96]
        rec = {"version": version, "type": rtype, "size": size, "flags": flags, "cpu": cpu,
               "netns": netns, "ts": ts, "cookie": cookie, "pid": pid, "family": family,
               "lport": lport, "rport": rport, "pad": (pad0, pad1), "payload": r[96:128]}
        if family == socket.AF_INET:
            rec["laddr"] = socket.inet_ntop(socket.AF_INET, laddr[:4])
            rec["raddr"] = socket.inet_ntop(socket.AF_INET, raddr[:4])
        elif family == socket.AF_INET6:
            rec["laddr"] = socket.inet_ntop(socket.AF_INET6, laddr)
            rec["raddr"] = socket.inet_ntop(socket.AF_INET6, raddr)
        rec["comm"] = comm.split(b"\0")[0].decode(errors="replace") if flags & F_TASK else None
        if rtype == REC_STATE:
            rec["old"] = STATES.get(r[96], str(r[96]))
            rec["new"] = STATES.get(r[97], str(r[97]))
            rec["timewait"] = bool(flags & F_TIMEWAIT)
            rec["reason"] = r[98]
            rec["duration_ns"] = struct.unpack_from("<Q", r, 104)[0]
        elif rtype == REC_LOST:
            rec["count"] = struct.unpack_from("<Q", r, 96)[0]
        elif rtype == REC_SEGMENT:
            (rec["seq"], rec["ack"], rec["win"], rec["len"], rec["dir"], rec["tcp_flags"],
             rec["retrans"], rec["sock"], rec["state"]) = struct.unpack_from("<IIIIBBBBB", r, 96)
        elif rtype == REC_REQUEST:
            rec["event"], rec["num_retrans"] = r[96], r[97]
            rec["age_ns"], rec["snt_isn"], rec["rcv_isn"] = struct.unpack_from("<QII", r, 104)
        recs.append(rec)
    return recs


class Session:
    """A raw session of the device, opened now (non-blocking): it is
    offered every event from now on, as the module's filters say, until
    close(). What the old single ring kept for a later reader, a session
    opened before the traffic keeps for its owner."""

    def __init__(self, **filt):
        self.fd = dev_open(os.O_RDONLY | os.O_NONBLOCK)
        if filt:
            set_filter(self.fd, **filt)
        self.seen = []

    def records(self):
        """What arrived since the last call."""
        recs = read_all(self.fd)
        self.seen += recs
        return recs

    def until(self, cond, timeout=20.0):
        """Read until cond(every record read so far) or the timeout; return them all."""
        end = time.monotonic() + timeout
        while True:
            self.records()
            if cond(self.seen) or time.monotonic() > end:
                return self.seen
            time.sleep(0.1)

    def info(self):
        return session_info(self.fd)

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# -- the tool --------------------------------------------------------------
def fd_holders(path=DEV):
    """pids that have path open."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                try:
                    if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == path:
                        pids.append(int(pid))
                        break
                except OSError:
                    pass
        except OSError:
            pass
    return pids


class Dump:
    """tools/tcpstate dump [args] running in the background, output to files."""

    seq = 0

    def __init__(self, args=("--json",), prefix=(), wait_open=True, tag="dump"):
        Dump.seq += 1
        self.clock = None       # the --json stream's clock line
        os.makedirs(os.path.join(OUT, "tmp"), exist_ok=True)
        base = os.path.join(OUT, "tmp", "%s-%d" % (tag, Dump.seq))
        self.out_path, self.err_path = base + ".out", base + ".err"
        self.outf = open(self.out_path, "w")
        self.errf = open(self.err_path, "w")
        self.cmd = list(prefix) + [TOOL, "dump"] + list(args)
        self.proc = subprocess.Popen(self.cmd, stdout=self.outf, stderr=self.errf,
                                     cwd=ROOT, start_new_session=True)
        self.rc = None
        if wait_open:
            self.wait_open()

    def wait_open(self, timeout=10.0):
        def is_open():
            if self.proc.poll() is not None:
                raise RuntimeError("tool exited early (%d): %s" %
                                   (self.proc.returncode, self.stderr().strip()))
            try:
                for fd in os.listdir("/proc/%d/fd" % self.proc.pid):
                    if os.readlink("/proc/%d/fd/%s" % (self.proc.pid, fd)) == DEV:
                        return True
            except OSError:
                pass
            return False
        wait_for(is_open, timeout, what="tool to open %s" % DEV)
        # Also wait until it has done its ioctl and sits in read()/poll().
        def sleeping():
            try:
                with open("/proc/%d/stat" % self.proc.pid) as f:
                    return f.read().rsplit(")", 1)[1].split()[0] == "S"
            except OSError:
                return False
        try:
            wait_for(sleeping, 2.0, what="tool to block")
        except TimeoutError:
            pass

    def stop(self, sig=signal.SIGINT, timeout=15.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()
            raise RuntimeError("tool did not exit within %.0fs of signal %d" % (timeout, sig))
        self.outf.close()
        self.errf.close()
        return self.rc

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
                self.proc.kill()
            except OSError:
                pass
            self.proc.wait()
        for f in (self.outf, self.errf):
            if not f.closed:
                f.close()

    def stdout(self):
        with open(self.out_path) as f:
            return f.read()

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def records(self):
        """Parsed JSON lines; raises ValueError naming a bad line. While the
        tool runs, its last line may be half written (stdio flushes a full
        buffer wherever it ends): only whole lines count then."""
        recs = []
        running = self.proc.poll() is None     # before reading: see above
        text = self.stdout()
        if running and not text.endswith("\n"):
            text = text[:text.rfind("\n") + 1]
        for i, line in enumerate(text.splitlines()):
            try:
                rec = json.loads(line)
            except ValueError as e:
                raise ValueError("tool output line %d is not JSON (%s): %r" % (i + 1, e, line))
            # The stream's first line maps its clock to UTC: not a record.
            if i == 0 and rec.get("type") == "clock":
                self.clock = rec
                continue
            recs.append(rec)
        return recs


# -- the tool's JSON records (the contract's keys per type) ----------------
ID_KEYS = ["ts", "cpu", "type", "cookie", "netns", "family", "laddr", "lport",
           "raddr", "rport", "pid", "comm"]
STATE_KEYS = ID_KEYS + ["old", "new", "timewait"]
TW_END_KEYS = STATE_KEYS + ["reason", "duration_ns"]
SEGMENT_KEYS = ID_KEYS + ["dir", "flags", "seq", "ack", "win", "len", "retrans", "sock", "state"]
REQUEST_KEYS = ID_KEYS + ["event", "num_retrans", "age_ns", "snt_isn", "rcv_isn"]
LOST_KEYS = ["ts", "cpu", "type", "count"]
SEG_FLAGS = ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
SEG_SOCKS = ["none", "full", "listener", "request", "timewait"]
REQ_EVENTS = ["created", "synack_retrans", "promoted", "expired", "reset", "accept_queue_full",
              "dropped", "syncookie_sent", "syncookie_accepted", "syn_dropped"]
TW_REASONS = ["expired", "reused_syn", "reset", "netns", "reused_connect", "other"]


def keys_for(r):
    t = r.get("type")
    if t == "state":
        return TW_END_KEYS if r.get("timewait") and r.get("new") == "CLOSE" else STATE_KEYS
    if t == "segment" and "control" in r:
        # Only on an ACK the module counted as control (handshake, FIN).
        return SEGMENT_KEYS + ["control"]
    return {"lost": LOST_KEYS, "segment": SEGMENT_KEYS, "request": REQUEST_KEYS}.get(t)


def state_records(recs):
    """Only the state records (v2 also has segment and request records)."""
    return [r for r in recs if r.get("type") == "state"]


def full_state_records(recs):
    """State records of full sockets (not about a TIME_WAIT socket)."""
    return [r for r in recs if r.get("type") == "state" and not r.get("timewait")]


def schema_problems(recs):
    """Contract JSON schema check (v2); returns list of problems (first 5)."""
    probs = []
    for r in recs:
        t = r.get("type")
        keys = keys_for(r)
        if keys is None:
            probs.append("unknown type in %r" % r)
        elif sorted(r) != sorted(keys):
            probs.append("keys %s != contract %s in %r" % (sorted(r), sorted(keys), r))
        elif t == "segment":
            fl = r["flags"].split("|") if r["flags"] else []
            if [f for f in SEG_FLAGS if f in fl] != fl:
                probs.append("flags %r not in the contract's order/names" % r["flags"])
            if r["dir"] not in ("in", "out") or r["sock"] not in SEG_SOCKS:
                probs.append("dir/sock in %r" % r)
            if not isinstance(r["retrans"], bool):
                probs.append("retrans not a boolean in %r" % r)
            if "control" in r and (r["control"] is not True or
                                   set(fl) & {"SYN", "FIN", "RST"}):
                probs.append("control is written true, on ACKs only: %r" % r)
            for k in ("seq", "ack", "win", "len"):
                if not isinstance(r[k], int) or r[k] < 0:
                    probs.append("%s not a non-negative integer in %r" % (k, r))
        elif t == "request":
            if r["event"] not in REQ_EVENTS:
                probs.append("request event %r" % r["event"])
        elif t == "state" and r.get("timewait") and r.get("new") == "CLOSE" and \
                r.get("reason") not in TW_REASONS:
            probs.append("TIME_WAIT end reason %r" % r.get("reason"))
        if t in ("segment", "request"):
            if r["family"] not in ("ipv4", "ipv6"):
                probs.append("family %r" % r["family"])
        elif t == "state":
            if r["family"] not in ("ipv4", "ipv6"):
                probs.append("family %r" % r["family"])
            if not (r["pid"] is None) == (r["comm"] is None):
                probs.append("pid/comm not both null or both set: %r" % r)
            for k in ("ts", "cpu", "cookie", "netns", "lport", "rport"):
                if not isinstance(r[k], int):
                    probs.append("%s not an integer in %r" % (k, r))
        if len(probs) >= 5:
            break
    return probs


MMAP_PAGE_FMT = "<IIIIQQQQIIQQ"      # struct tcpstate_mmap_page up to consumer
MMAP_PAGE_KEYS = ("version", "rec_size", "nr_records", "ring", "data_offset", "data_size",
                  "head", "tail", "nr_rings", "pad", "ring_size", "consumer")
MMAP_CONSUMER = 64                   # offsetof(struct tcpstate_mmap_page, consumer)
POS_MOD = 1 << 64                    # positions are __u64
assert struct.calcsize(MMAP_PAGE_FMT) == MMAP_CONSUMER + 8


def ring_size(nr_records):
    """One ring of a session's map: its header page, then its slots
    rounded up to pages (uapi/tcpstate.h); ring i starts at i times it."""
    page = mmap.PAGESIZE
    return page + (nr_records * REC_SIZE + page - 1) // page * page


def map_size(nr_records, nr_rings):
    """What mmap() of a session of nr_rings rings of nr_records must map."""
    return nr_rings * ring_size(nr_records)


class Map:
    """A session's buffer read through mmap(), every ring of it: take()
    decodes the records from each ring's reader position up to its head,
    merged by ts (of equal ones, the lower ring first, each ring's in its
    own order), and stores each ring's new position in its consumer; the
    kernel takes them back at the next poll(). pos[i] is ring i's
    position; the methods that take ring= default to ring 0."""

    def __init__(self, fd, size=None, flags=None, prot=None, offset=0):
        self.fd = fd
        si = session_info(fd)
        self.nr, self.nr_rings = si["nr_records"], si["nr_rings"]
        self.ring_size = ring_size(self.nr)
        self.m = mmap.mmap(fd, size if size is not None else map_size(self.nr, self.nr_rings),
                           flags if flags is not None else mmap.MAP_SHARED,
                           prot if prot is not None else mmap.PROT_READ | mmap.PROT_WRITE,
                           offset=offset)
        self.pos = [self.header(i)["tail"] for i in range(self.nr_rings)]

    def header(self, ring=0):
        """Ring @ring's header page: every field up to consumer ("pad": __pad0)."""
        v = struct.unpack_from(MMAP_PAGE_FMT, self.m, ring * self.ring_size)
        return dict(zip(MMAP_PAGE_KEYS, v))

    def headers(self):
        return [self.header(i) for i in range(self.nr_rings)]

    def heads(self):
        return [h["head"] for h in self.headers()]

    def consumer(self, ring=0):
        return self.header(ring)["consumer"]

    def set_consumer(self, pos, ring=0):
        struct.pack_into("<Q", self.m, ring * self.ring_size + MMAP_CONSUMER, pos)

    def _ring_records(self, ring, head):
        """(ts, ring, raw record) of ring @ring from its position up to
        head (free-running 64-bit counts: they may wrap)."""
        base = ring * self.ring_size + mmap.PAGESIZE
        out = []
        for k in range((head - self.pos[ring]) % POS_MOD):
            a = base + ((self.pos[ring] + k) & (self.nr - 1)) * REC_SIZE
            raw = self.m[a:a + REC_SIZE]
            out.append((struct.unpack_from("<Q", raw, 16)[0], ring, raw))
        return out

    def take(self, max_records=None):
        """The records ready now in every ring, at most max_records, merged
        by ts as read() merges them, decoded; each ring's consumer is
        stored (every ring's, moved or not)."""
        runs = [self._ring_records(i, h) for i, h in enumerate(self.heads())]
        # heapq.merge keeps each ring's order and, of equal keys, takes the
        # lower ring first (the tie breaks on the input's index).
        merged = list(heapq.merge(*runs, key=lambda x: x[0]))
        if max_records is not None:
            merged = merged[:max_records]
        for _, ring, _ in merged:
            self.pos[ring] = (self.pos[ring] + 1) % POS_MOD
        for i in range(self.nr_rings):
            self.set_consumer(self.pos[i], i)
        return decode_records(b"".join(raw for _, _, raw in merged))

    def close(self):
        self.m.close()


def poll_in(fd, timeout_ms):
    p = select.poll()
    p.register(fd, select.POLLIN)
    return p.poll(timeout_ms)
