# SPDX-License-Identifier: GPL-2.0
"""The kernel's own witness: ftrace, read in binary.

sock:inet_sock_set_state prints neither skaddr nor the task context in a
usable form on 6.1 (there is no "fields" trace option yet), so we read
the per-CPU ring buffers through trace_pipe_raw and decode every field
from the event's format file. A dedicated instance keeps the top-level
buffer (and anyone else's settings) untouched.

Events decoded into dicts: every format field by name, plus
  _name  "system:event"   _cpu  CPU   _ts  ns (trace_clock mono)
  _task  True when recorded in task context (not hardirq/softirq/NMI)
"""
import errno
import os
import socket
import struct

TRACEFS = "/sys/kernel/tracing"

TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
              5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
              9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV"}

# include/linux/trace_events.h
TRACE_FLAG_HARDIRQ = 0x08
TRACE_FLAG_SOFTIRQ = 0x10
TRACE_FLAG_NMI = 0x40

# kernel/trace/ring_buffer.c
RB_MISSED_EVENTS = 1 << 31
RB_MISSED_STORED = 1 << 30
TYPE_PADDING, TYPE_TIME_EXTEND, TYPE_TIME_STAMP = 29, 30, 31
TS_MSB = 0xf8 << 56

KPROBE_GROUP = "tcpstate_it"
KPROBE_NAME = "tss"


class FtraceError(Exception):
    pass


def _write(path, text, append=False):
    fd = os.open(path, os.O_WRONLY | (os.O_APPEND if append else os.O_TRUNC))
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _read(path):
    with open(path) as f:
        return f.read()


def parse_format(text):
    """events/<sys>/<ev>/format -> (id, [(name, offset, size, signed, is_array)])."""
    ev_id = None
    fields = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("ID:"):
            ev_id = int(line.split()[1])
        elif line.startswith("field:"):
            parts = dict()
            for item in line.split(";"):
                item = item.strip()
                if ":" in item:
                    k, v = item.split(":", 1)
                    parts[k.strip()] = v.strip()
            decl = parts["field"]
            name = decl.split()[-1]
            is_array = "[" in name
            name = name.split("[")[0]
            fields.append((name, int(parts["offset"]), int(parts["size"]),
                           parts.get("signed", "0") == "1", is_array))
    if ev_id is None:
        raise FtraceError("no ID in format")
    return ev_id, fields


def decode_fields(fields, data):
    out = {}
    for name, off, size, signed, is_array in fields:
        raw = data[off:off + size]
        if len(raw) < size:
            raise FtraceError("short event for field %s" % name)
        if is_array or size not in (1, 2, 4, 8):
            out[name] = bytes(raw)
        else:
            out[name] = int.from_bytes(raw, "little", signed=signed)
    return out


def parse_page(page, cpu, formats, out):
    """Decode one ring-buffer page as trace_pipe_raw returns it."""
    ts, commit = struct.unpack_from("<QQ", page, 0)
    if commit & (RB_MISSED_EVENTS | RB_MISSED_STORED):
        raise FtraceError("cpu%d: ring buffer reports missed events" % cpu)
    length = commit & 0xfffff
    pos, end = 16, 16 + length
    if end > len(page):
        raise FtraceError("cpu%d: bad page commit %d" % (cpu, commit))
    while pos + 4 <= end:
        hdr, = struct.unpack_from("<I", page, pos)
        type_len, delta = hdr & 0x1f, hdr >> 5
        if type_len == TYPE_PADDING:
            if delta == 0:          # null event: rest of the page is padding
                break
            ln, = struct.unpack_from("<I", page, pos + 4)
            pos += 4 + ln           # discarded event; no time update
            continue
        if type_len == TYPE_TIME_EXTEND:
            ext, = struct.unpack_from("<I", page, pos + 4)
            ts += (ext << 27) + delta
            pos += 8
            continue
        if type_len == TYPE_TIME_STAMP:
            ext, = struct.unpack_from("<I", page, pos + 4)
            absts = (ext << 27) | delta
            if ts & TS_MSB:
                absts |= ts & TS_MSB
            ts = absts
            pos += 8
            continue
        if type_len == 0:
            ln, = struct.unpack_from("<I", page, pos + 4)
            dstart, dlen = pos + 8, ln - 4
            pos += 4 + ln
        else:
            dstart, dlen = pos + 4, type_len * 4
            pos += 4 + dlen
        ts += delta
        data = page[dstart:dstart + dlen]
        ev_type, = struct.unpack_from("<H", data, 0)
        fmt = formats.get(ev_type)
        if fmt is None:
            continue                # an event we did not ask for
        name, fields = fmt
        ev = decode_fields(fields, data)
        ev["_name"] = name
        ev["_cpu"] = cpu
        ev["_ts"] = ts
        ev["_task"] = not (ev["common_flags"] &
                           (TRACE_FLAG_HARDIRQ | TRACE_FLAG_SOFTIRQ | TRACE_FLAG_NMI))
        out.append(ev)


def addr_text(family, b4, b16):
    if family == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, bytes(b4))
    return socket.inet_ntop(socket.AF_INET6, bytes(b16))


class Instance:
    """A private ftrace instance recording TCP state changes.

    Events: sock:inet_sock_set_state (protocol == 6), tcp:tcp_receive_reset,
    and a kprobe event on tcp_set_state() (to know which state changes went
    through tcp_set_state: exactly those a kprobe-mode module can see).
    """

    EVENTS = ["sock/inet_sock_set_state", "tcp/tcp_receive_reset",
              KPROBE_GROUP + "/" + KPROBE_NAME]

    def __init__(self, name="tcpstate_it", buffer_kb=4096):
        self.name = name
        self.dir = os.path.join(TRACEFS, "instances", name)
        self.buffer_kb = buffer_kb
        self.formats = {}
        self.ncpu = 0

    def setup(self):
        if not os.path.isdir(os.path.join(TRACEFS, "events")):
            raise FtraceError("tracefs not mounted at %s" % TRACEFS)
        if os.path.isdir(self.dir):
            self.teardown()
        os.mkdir(self.dir)
        # kprobe event on tcp_set_state(sk, state), shared definition,
        # enabled only in our instance.
        kp = "%s/%s" % (KPROBE_GROUP, KPROBE_NAME)
        if not os.path.isdir(os.path.join(TRACEFS, "events", kp)):
            _write(os.path.join(TRACEFS, "kprobe_events"),
                   "p:%s tcp_set_state sk=%%di:u64 state=%%si:s32\n" % kp,
                   append=True)
        _write(os.path.join(self.dir, "tracing_on"), "0")
        _write(os.path.join(self.dir, "trace_clock"), "mono")
        _write(os.path.join(self.dir, "buffer_size_kb"), str(self.buffer_kb))
        _write(os.path.join(self.dir, "events/sock/inet_sock_set_state/filter"),
               "protocol == 6")
        for ev in self.EVENTS:
            sysname, evname = ev.split("/")
            ev_id, fields = parse_format(_read(os.path.join(self.dir, "events", ev, "format")))
            self.formats[ev_id] = ("%s:%s" % (sysname, evname), fields)
            _write(os.path.join(self.dir, "events", ev, "enable"), "1")
        self.ncpu = len([d for d in os.listdir(os.path.join(self.dir, "per_cpu"))
                         if d.startswith("cpu")])

    def start(self):
        _write(os.path.join(self.dir, "trace"), "")     # clear
        _write(os.path.join(self.dir, "tracing_on"), "1")

    def stop(self):
        _write(os.path.join(self.dir, "tracing_on"), "0")

    def overruns(self):
        total = 0
        for cpu in range(self.ncpu):
            for line in _read(os.path.join(self.dir, "per_cpu/cpu%d/stats" % cpu)).splitlines():
                k, _, v = line.partition(":")
                if k.strip() in ("overrun", "dropped events"):
                    total += int(v.split()[0])
        return total

    def collect(self):
        """Stop tracing, drain every CPU's buffer, return events in time order."""
        self.stop()
        events = []
        for cpu in range(self.ncpu):
            path = os.path.join(self.dir, "per_cpu/cpu%d/trace_pipe_raw" % cpu)
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while True:
                    try:
                        page = os.read(fd, 4096)
                    except OSError as e:
                        if e.errno == errno.EAGAIN:
                            break
                        raise
                    if not page:
                        break
                    parse_page(page, cpu, self.formats, events)
            finally:
                os.close(fd)
        ov = self.overruns()
        if ov:
            raise FtraceError("ftrace overran (%d events lost): oracle incomplete" % ov)
        events.sort(key=lambda e: (e["_ts"], e["_cpu"]))
        return events

    def teardown(self):
        try:
            _write(os.path.join(self.dir, "tracing_on"), "0")
            for ev in self.EVENTS:
                p = os.path.join(self.dir, "events", ev, "enable")
                if os.path.exists(p):
                    _write(p, "0")
            os.rmdir(self.dir)
        except OSError:
            pass
        try:
            _write(os.path.join(TRACEFS, "kprobe_events"),
                   "-:%s/%s\n" % (KPROBE_GROUP, KPROBE_NAME), append=True)
        except OSError:
            pass


def state_changes(events):
    """inet_sock_set_state events as normalized dicts, in time order.

    Each gets 'via_tss': True when the change was made inside tcp_set_state()
    (a tcp_set_state kprobe hit on the same sk with the same new state came
    first, with no other change of that sk in between).
    """
    pending = {}
    out = []
    for e in events:
        if e["_name"].endswith(":" + KPROBE_NAME):
            pending[e["sk"]] = e["state"]
            continue
        if e["_name"] != "sock:inet_sock_set_state":
            continue
        sk = e["skaddr"]
        via = pending.pop(sk, None) == e["newstate"]
        out.append({
            "sk": sk, "family": e["family"],
            "old": TCP_STATES.get(e["oldstate"], str(e["oldstate"])),
            "new": TCP_STATES.get(e["newstate"], str(e["newstate"])),
            "laddr": addr_text(e["family"], e["saddr"], e["saddr_v6"]),
            "lport": e["sport"],
            "raddr": addr_text(e["family"], e["daddr"], e["daddr_v6"]),
            "rport": e["dport"],
            "pid": e["common_pid"], "task": e["_task"], "cpu": e["_cpu"],
            "ts": e["_ts"], "via_tss": via,
        })
    return out


def resets(events):
    out = []
    for e in events:
        if e["_name"] == "tcp:tcp_receive_reset":
            out.append({"sk": e["skaddr"], "lport": e["sport"], "rport": e["dport"],
                        "cookie": e["sock_cookie"], "ts": e["_ts"]})
    return out


def split_sockets(changes):
    """Group state changes by socket: by skaddr, a new socket starting where
    an address is reused (a change out of CLOSE, or a LISTEN->SYN_RECV child
    clone). Returns a list of lists, in order of first appearance."""
    groups = []
    current = {}
    for c in changes:
        g = current.get(c["sk"])
        clone = c["old"] == "LISTEN" and c["new"] == "SYN_RECV"
        reborn = (g is not None and g[-1]["new"] == "CLOSE" and
                  c["old"] == "CLOSE" and c["new"] != "CLOSE")
        if g is None or clone or reborn:
            g = []
            groups.append(g)
            current[c["sk"]] = g
        g.append(c)
    return groups
