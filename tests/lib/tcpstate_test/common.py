# SPDX-License-Identifier: GPL-2.0
"""Where things are, running a command, waiting for a condition."""
import os
import subprocess
import time

# tests/lib/tcpstate_test/common.py -> the project root (see __init__)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
KO = os.path.join(ROOT, "tcpstate.ko")
TOOL = os.path.join(ROOT, "tools", "tcpstate")
PY = "/usr/bin/python3"
OUT = os.environ.get("TCPSTATE_OUT") or "/tmp/tcpstate-it"


def run(cmd, timeout=60, check=False, **kw):
    """Run cmd (list) from ROOT, return CompletedProcess with text
    stdout/stderr; check: raise RuntimeError unless it exits 0."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, cwd=kw.pop("cwd", ROOT), **kw)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                   (p.stderr or p.stdout).strip()))
    return p


def wait_for(cond, timeout=10.0, interval=0.005, what="condition"):
    """Poll cond() until truthy; return its value; raise TimeoutError."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise TimeoutError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)
        interval = min(interval * 1.5, 0.1)
