#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The tool's own cost per record, on the host (`make bench-tool`).

    tool.py [--records N | --capture FILE.bin] [--runs R] [--tool BIN]
            [--base BIN | --base-rev REV] [--only MODE] [--no-check]
            [--callgrind]

Times tools/tcpstate over a generated stream (toolgen.py: the fixtures'
scenarios replayed to N records, default 1,000,000) in every mode that
formats or models records, output to /dev/null:

  -r     a saved `dump --json` (JSON lines parsed, sorted, then shown):
         dump, dump --json, conns --summary, conns (ladders), conns --follow
  -d     the live path: the same records as the device returns them, read
         through tests/unit's fake_ioctl.so (the real read loop, reorder
         window and formatting, no kernel): dump, dump --json, conns,
         conns --follow

--capture FILE.bin times the -d modes over records a real load made
instead (capture.sh: the bench's churn or SYN burst in the VM, read with
dd): one client, one server, ports in sequence, a shape the replayed
fixtures do not have. --callgrind also counts each mode's instructions a
record (valgrind --tool=callgrind, one run each): what the VM's -icount
clock charges, and the same on every run whatever the host does. A
capture's control segments carry "control":true, a field newer than the
default base: the identity check of dump --json leaves it out.

Each figure is the least CPU time (user + sys, from wait4) of R runs
(default 3), divided by N: ns/record. With a base tool (--base BIN, or
--base-rev REV built from git; default the commit before the tool was made
fast, if this checkout has it) both are timed, and each mode's stdout,
stderr and exit status of the two must be identical (SHA-256 of the
whole output); any difference fails the run (exit 1).
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import io

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
# The last commit before the tool's formatting and model were made fast.
DEFAULT_BASE_REV = "c7fe022f616898544c3b89681ca90529bd2d6a18"

MODES = [
    ("-r", "dump"),
    ("-r", "dump --json"),
    ("-r", "conns --summary"),
    ("-r", "conns"),
    ("-r", "conns --follow"),
    ("-d", "dump"),
    ("-d", "dump --json"),
    ("-d", "conns"),
    ("-d", "conns --follow"),
]


def instructions(cmd, env):
    """Instructions one run executes (callgrind's Ir total)."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        with open(os.devnull, "wb") as null:
            subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
                           + cmd, stdout=null, stderr=null, env=env)
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    return 0


def argv(tool, src, mode, data):
    path = data["jsonl"] if src == "-r" else data["bin"]
    return [tool] + mode.split() + [src, path]


def env_for(src, fake):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    # Colours and terminal width stay off: stdout is never a terminal here.
    env.pop("TCPSTATE_FAKE_EMPTY_READY", None)
    if src == "-d":
        env["LD_PRELOAD"] = fake
    return env


def cpu_time(cmd, env):
    """User + sys seconds of one run, stdout and stderr to /dev/null."""
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(cmd, stdout=null, stderr=null, env=env)
        _, _, ru = os.wait4(p.pid, 0)
        p.returncode = 0
    return ru.ru_utime + ru.ru_stime


def digest(cmd, env, skip_line, strip=None):
    """SHA-256 of stdout (without strip), stderr and the exit status; bytes of stdout."""
    h, size = hashlib.sha256(), 0
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
        if skip_line:
            # Live dump --json starts with the clock line: now, each run.
            p.stdout.readline()
        for chunk in p.stdout if strip else iter(lambda: p.stdout.read(1 << 20), b""):
            if strip:
                chunk = chunk.replace(strip, b"")
            h.update(chunk)
            size += len(chunk)
        rc = p.wait()
        err.seek(0)
        h.update(b"\0stderr\0" + err.read() + b"\0rc=%d" % rc)
    return h.hexdigest(), size


def build_rev(rev, where):
    """tools/tcpstate as of rev, built in where; its path."""
    tar = subprocess.run(["git", "-C", TOP, "archive", rev, "tools",
                          "module/uapi", "VERSION"], check=True,
                         stdout=subprocess.PIPE).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(where)
    subprocess.run(["make", "-s", "-C", os.path.join(where, "tools"),
                    "BUILD=" + os.path.join(where, "build")], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(where, "tools", "tcpstate")


def have_rev(rev):
    return subprocess.run(["git", "-C", TOP, "cat-file", "-e", rev + "^{commit}"],
                          stderr=subprocess.DEVNULL).returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tool", default=os.path.join(TOP, "tools", "tcpstate"),
                    help="the tcpstate binary to time (default tools/tcpstate)")
    ap.add_argument("--base", help="a tcpstate binary to compare with")
    ap.add_argument("--base-rev", help="git revision to build the base from")
    ap.add_argument("--only", action="append",
                    help="time only this mode ('-r dump --json'); repeatable")
    ap.add_argument("--no-check", action="store_true",
                    help="skip the byte-identity check against the base")
    ap.add_argument("--capture",
                    help="time the -d modes over this capture (capture.sh)")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count instructions a record (valgrind)")
    a = ap.parse_args()

    if a.callgrind and not shutil.which("valgrind"):
        sys.exit("bench-tool: --callgrind needs valgrind (apt-get install valgrind)")
    tool = os.path.abspath(a.tool)
    fake = os.path.join(BUILD, "unit", "fake_ioctl.so")
    for f in (tool, fake):
        if not os.path.exists(f):
            sys.exit("bench-tool: %s is missing (make tool, and make -C tests/unit %s)"
                     % (f, fake))
    out = os.path.join(BUILD, "bench", "tool")
    os.makedirs(out, exist_ok=True)
    data = {"jsonl": os.path.join(out, "stream-%d.jsonl" % a.records),
            "bin": os.path.join(out, "stream-%d.bin" % a.records)}
    if a.capture:
        size = os.path.getsize(a.capture) if os.path.exists(a.capture) else 0
        if not size or size % 128:
            sys.exit("bench-tool: %s is not a capture of 128-byte records "
                     "(tests/bench/capture.sh)" % a.capture)
        a.records = size // 128
        data = {"jsonl": None, "bin": os.path.abspath(a.capture)}
    elif not all(os.path.exists(p) for p in data.values()):
        subprocess.run([sys.executable, os.path.join(HERE, "toolgen.py"),
                        str(a.records), data["jsonl"], data["bin"]], check=True)

    tmp = tempfile.TemporaryDirectory()
    base = a.base
    rev = a.base_rev or (None if a.base else DEFAULT_BASE_REV)
    if not base and rev:
        if have_rev(rev):
            base = build_rev(rev, tmp.name)
        else:
            print("bench-tool: no base (%s is not in this checkout): "
                  "figures of this tool only" % rev)
    modes = MODES
    if a.capture:
        modes = [m for m in MODES if m[0] == "-d"]
    if a.only:
        modes = [m for m in modes if " ".join(m) in a.only]

    print("tool: %d records (%s), least CPU time of %d runs, ns/record"
          % (a.records, os.path.basename(data["bin"] if a.capture else data["jsonl"]),
             a.runs))
    hdr = "%-22s %10s" % ("mode", "ns/rec")
    if base:
        hdr += " %10s %8s  %s" % ("base", "speedup", "output")
    if a.callgrind:
        hdr += "  instructions/rec" + (" (base)" if base else "")
    print(hdr)
    failed = 0
    for src, mode in modes:
        env = env_for(src, fake)
        cmd = argv(tool, src, mode, data)
        new = min(cpu_time(cmd, env) for _ in range(a.runs))
        line = "%-22s %10.0f" % (src + " " + mode, new * 1e9 / a.records)
        if base:
            bcmd = argv(base, src, mode, data)
            old = min(cpu_time(bcmd, env) for _ in range(a.runs))
            same = "not checked"
            if not a.no_check:
                live_clock = src == "-d" and "--json" in mode
                # A capture's control segments say so ("control":true,
                # TCPSTATE_F_CONTROL), a field newer than the base.
                strip = b',"control":true' if a.capture and "--json" in mode else None
                d_new, size = digest(cmd, env, live_clock, strip)
                d_old, _ = digest(bcmd, env, live_clock, strip)
                same = "same (%d bytes)" % size if d_new == d_old else "DIFFERS"
                failed += d_new != d_old
            line += " %10.0f %7.1fx  %s" % (old * 1e9 / a.records,
                                            old / new if new else 0, same)
        if a.callgrind:
            line += "  %d" % (instructions(cmd, env) // a.records)
            if base:
                line += " (%d)" % (instructions(argv(base, src, mode, data), env)
                                   // a.records)
        print(line, flush=True)
    if failed:
        print("bench-tool: %d mode(s) print something else than the base" % failed)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
