#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A large, realistic record stream for timing the tool on the host.

    toolgen.py RECORDS OUT.jsonl [OUT.bin]

Replays every recorded scenario of tests/fixtures/*.jsonl over and over
until RECORDS records: replica k starts k * 1 ms after the first, so
thousands of connections are open at once, as on a busy server. Each
replica is its own set of connections: cookies are moved by k * 10^6,
ports of 1024 and up by k * 13 (mod 64512, the same map for both ends, so
a connection's two halves still match), the namespace by k % 8.

OUT.jsonl is what `tcpstate dump --json` writes (the -r input, a clock line
first); OUT.bin the same records as the device returns them (128 bytes
each, struct tcpstate_rec), for `dump -d` through tests/unit's
fake_ioctl.so. Deterministic: the same RECORDS gives the same files.
"""
import glob
import json
import os
import socket
import struct
import sys

ABI_VERSION = 3
REC_SIZE = 128
STRIDE_NS = 1000000
BASE_NS = 1000 * 10**9

TYPES = {"state": 1, "lost": 2, "segment": 3, "request": 4}
STATES = ["", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
          "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
          "NEW_SYN_RECV"]
TW_REASONS = ["", "expired", "reused_syn", "reset", "netns", "reused_connect",
              "other"]
DIRS = {"in": 1, "out": 2}
SOCKS = {"none": 0, "full": 1, "listener": 2, "request": 3, "timewait": 4}
REQ_EVENTS = ["", "created", "synack_retrans", "promoted", "expired", "reset",
              "accept_queue_full", "dropped", "syncookie_sent",
              "syncookie_accepted", "syn_dropped"]
FLAGS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10,
         "URG": 0x20, "ECE": 0x40, "CWR": 0x80}


def load(fixtures):
    """Each scenario's records, its times from 0."""
    scenarios = []
    for path in sorted(glob.glob(os.path.join(fixtures, "*.jsonl"))):
        recs = []
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                if r["type"] != "clock":
                    recs.append(r)
        if recs:
            t0 = min(r["ts"] for r in recs)
            for r in recs:
                r["ts"] -= t0
            scenarios.append(recs)
    return scenarios


def port(p, k):
    return p if p < 1024 else 1024 + (p - 1024 + 13 * k) % 64512


def replica(recs, k):
    out = []
    for r in recs:
        r = dict(r)
        r["ts"] += BASE_NS + k * STRIDE_NS
        if "cookie" in r:
            if r["cookie"]:
                r["cookie"] += k * 10**6
            r["netns"] += k % 8
            r["lport"] = port(r["lport"], k)
            r["rport"] = port(r["rport"], k)
        out.append(r)
    return out


def state_no(name):
    return STATES.index(name) if name else 0


def binary(r):
    """struct tcpstate_rec (module/uapi/tcpstate.h), little-endian."""
    t = TYPES[r["type"]]
    flags = 0
    head = b""
    if t == 2:
        payload = struct.pack("<Q24x", r["count"])
        head = struct.pack("<QIHHHHI16s16s16s", 0, 0, 0, 0, 0, 0, 0,
                           b"", b"", b"")
    else:
        fam = socket.AF_INET6 if r["family"] == "ipv6" else socket.AF_INET
        la = socket.inet_pton(fam, r["laddr"])
        ra = socket.inet_pton(fam, r["raddr"])
        comm = b""
        if r["pid"] is not None:
            flags |= 0x1
            comm = r["comm"].encode("utf-8", "surrogateescape")
        if t == 1:
            if r["timewait"]:
                flags |= 0x4
            end = r["timewait"] and r["new"] == "CLOSE"
            payload = struct.pack(
                "<BBB5xQ16x", state_no(r["old"]), state_no(r["new"]),
                TW_REASONS.index(r["reason"]) if end else 0,
                r["duration_ns"] if end else 0)
        elif t == 3:
            f = 0
            for name in r["flags"].split("|") if r["flags"] else []:
                f |= FLAGS[name]
            payload = struct.pack(
                "<IIIIBBBBB3x8x", r["seq"], r["ack"], r["win"], r["len"],
                DIRS[r["dir"]], f, 1 if r["retrans"] else 0,
                SOCKS[r["sock"]], state_no(r["state"]) if r["state"] else 0)
        else:
            payload = struct.pack(
                "<BB6xQII8x", REQ_EVENTS.index(r["event"]), r["num_retrans"],
                r["age_ns"], r["snt_isn"], r["rcv_isn"])
        head = struct.pack("<QIHHHHI16s16s16s", r["cookie"], r["pid"] or 0,
                           fam, r["lport"], r["rport"], 0, 0, la, ra, comm)
    rec = struct.pack("<HHHHII", ABI_VERSION, t, REC_SIZE, flags, r["cpu"],
                      r.get("netns", 0))
    rec += struct.pack("<Q", r["ts"]) + head + payload
    assert len(rec) == REC_SIZE, len(rec)
    return rec


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    want = int(sys.argv[1])
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    scenarios = load(os.path.join(top, "tests", "fixtures"))
    per_round = sum(len(s) for s in scenarios)
    recs = []
    k = 0
    while len(recs) < want:
        for s in scenarios:
            recs.extend(replica(s, k))
            k += 1
    del recs[want:]
    recs.sort(key=lambda r: r["ts"])
    with open(sys.argv[2], "w") as f:
        # What dump --json writes first: the clock line.
        f.write('{"ts":%d,"type":"clock","utc_ns":%d}\n'
                % (BASE_NS, 1764800000 * 10**9))
        for r in recs:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    if len(sys.argv) == 4:
        with open(sys.argv[3], "wb") as f:
            for r in recs:
                f.write(binary(r))
    print("toolgen: %d records (%d scenarios, %d records a round)"
          % (len(recs), len(scenarios), per_round), file=sys.stderr)


if __name__ == "__main__":
    main()
