# SPDX-License-Identifier: GPL-2.0
"""What was on the wire: tcpdump on a netns' lo, the pcap parsed here.

On lo every segment is captured once, when it is transmitted (after any
netem delay, before the receiver's nftables input hook). Packets are
returned in capture order as dicts:
  i (index), ts (float, capture clock), family ("ipv4"/"ipv6"),
  src, sport, dst, dport, seq, ack, flags (TCP flag byte), fl ("SYN|ACK"
  in the tool's order), win (raw window field), len (payload bytes)
"""
import os
import select
import signal
import socket
import struct
import subprocess
import time

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
# the tool's order (contract): SYN, FIN, RST, PSH, ACK, URG, ECE, CWR
FLAG_ORDER = [(SYN, "SYN"), (FIN, "FIN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK"),
              (URG, "URG"), (ECE, "ECE"), (CWR, "CWR")]


def flag_text(f):
    return "|".join(n for b, n in FLAG_ORDER if f & b)


def is_control(p):
    return bool(p["flags"] & (SYN | FIN | RST))


def is_pure_ack(p):
    return p["flags"] & (SYN | FIN | RST | ACK) == ACK and p["len"] == 0


class Capture:
    """tcpdump -i lo in a netns, writing a pcap; start() returns once it
    captures, stop() ends it and returns the parsed packets."""

    def __init__(self, ns, path, filt="tcp"):
        self.ns, self.path, self.filt = ns, path, filt
        self.proc = None
        self.err = b""

    def start(self, timeout=15.0):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.proc = self.ns.popen(["tcpdump", "-i", "lo", "-nn", "-U", "--immediate-mode", "-Z", "root", "-s", "200",
                                   "-w", self.path, self.filt],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        fd = self.proc.stderr.fileno()
        end = time.monotonic() + timeout
        while b"listening on" not in self.err:
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.kill()
                raise RuntimeError("tcpdump did not start: %r" % self.err.decode(errors="replace"))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk and self.proc.poll() is not None:
                    continue
                self.err += chunk
        return self

    def stop(self, settle=0.6):
        """Let in-flight packets land, stop tcpdump, parse its file.

        netem delays lo by up to 100 ms in some scenarios, and TCG under
        load is slow: 0.2 s once cut a simultaneous open's last ACKs off.
        """
        time.sleep(settle)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err += self.proc.stderr.read() or b""
        self.proc.stderr.close()
        return parse_pcap(self.path)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc and not self.proc.stderr.closed:
            self.proc.stderr.close()

    def dropped_by_kernel(self):
        """tcpdump's "N packets dropped by kernel" (must be 0)."""
        for line in self.err.decode(errors="replace").splitlines():
            if "dropped by kernel" in line:
                return int(line.split()[0])
        return None


def parse_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: no pcap header" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("%s: not a pcap file (magic %s)" % (path, magic.hex()))
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack_from(e + "I", data, 20)[0]
    if linktype != 1:
        raise ValueError("%s: link type %d, expected 1 (Ethernet)" % (path, linktype))
    pos, out = 24, []
    while pos + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack_from(e + "IIII", data, pos)
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        p = parse_frame(pkt)
        if p is None:
            continue
        p["ts"] = sec + frac / (1e9 if nano else 1e6)
        p["i"] = len(out)
        out.append(p)
    return out


def parse_frame(b):
    if len(b) < 14:
        return None
    etype = struct.unpack_from(">H", b, 12)[0]
    ip = b[14:]
    if etype == 0x0800:
        if len(ip) < 20:
            return None
        ihl = (ip[0] & 0x0f) * 4
        total = struct.unpack_from(">H", ip, 2)[0]
        if ip[9] != 6:
            return None
        fam, src, dst = "ipv4", socket.inet_ntop(socket.AF_INET, ip[12:16]), \
            socket.inet_ntop(socket.AF_INET, ip[16:20])
        tcp, tcplen = ip[ihl:], total - ihl
    elif etype == 0x86DD:
        if len(ip) < 40 or ip[6] != 6:
            return None
        plen = struct.unpack_from(">H", ip, 4)[0]
        fam, src, dst = "ipv6", socket.inet_ntop(socket.AF_INET6, ip[8:24]), \
            socket.inet_ntop(socket.AF_INET6, ip[24:40])
        tcp, tcplen = ip[40:], plen
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport, seq, ack, off, flags, win = struct.unpack_from(">HHIIBBH", tcp, 0)
    hl = (off >> 4) * 4
    return {"family": fam, "src": src, "sport": sport, "dst": dst, "dport": dport,
            "seq": seq, "ack": ack, "flags": flags, "fl": flag_text(flags), "win": win,
            "len": tcplen - hl}


def show(p):
    return "#%d %s:%d > %s:%d [%s] seq %d ack %d win %d len %d" % (
        p["i"], p["src"], p["sport"], p["dst"], p["dport"], p["fl"], p["seq"], p["ack"],
        p["win"], p["len"])
