# SPDX-License-Identifier: GPL-2.0
"""tcpstate.ko: loading it (with exactly the parameters a test wants),
unloading it, its parameters in sysfs; the kernel log since a point."""
import errno
import os

from .common import KO, run, wait_for
from .reader import DEV

PARAMS = "/sys/module/tcpstate/parameters"
BAD_KMSG = ["WARNING", "BUG", "Oops", "general protection", "Call Trace", "RIP:",
            "KASAN", "UBSAN", "refcount_t", "soft lockup", "hard LOCKUP",
            "rcu_sched self-detected", "INFO: task", "list_add corruption",
            "list_del corruption", "kernel BUG"]


# -- kernel log ------------------------------------------------------------
class Kmsg:
    """Messages logged since construction (read from /dev/kmsg)."""

    def __init__(self):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.lines = []

    def read(self):
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    break
                if e.errno == errno.EPIPE:      # overwritten: carry on
                    continue
                raise
            if not rec:
                break
            text = rec.decode(errors="replace")
            head, _, msg = text.partition(";")
            self.lines.append(msg.split("\n")[0])
        return self.lines

    def text(self):
        return "\n".join(self.read())

    def bad(self):
        return [l for l in self.read() if any(b in l for b in BAD_KMSG)]

    def close(self):
        os.close(self.fd)


# -- module ----------------------------------------------------------------
def loaded():
    return os.path.isdir("/sys/module/tcpstate")


def insmod(*params, timeout=60):
    return run(["insmod", KO] + list(params), timeout=timeout)


def finit_module(params="", path=KO):
    """Load the module (path: another build of it) by syscall: 0 or the
    errno (exact, unlike insmod's text)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        r = libc.syscall(ctypes.c_long(313), ctypes.c_long(fd), ctypes.c_char_p(params.encode()),
                         ctypes.c_long(0))          # SYS_finit_module on x86_64
        return 0 if r == 0 else ctypes.get_errno()
    finally:
        os.close(fd)


def rmmod(timeout=60):
    return run(["rmmod", "tcpstate"], timeout=timeout)


def ensure_loaded(hook, nr_records=None, wakeup_ms=None):
    """Load the module with exactly these parameters (reload if needed)."""
    # require/blocklist: never reuse a module a groups test loaded with
    # some probe group left unarmed.
    want = {"hook": hook, "nr_records": str(nr_records or 8192),
            "wakeup_ms": str(100 if wakeup_ms is None else wakeup_ms),
            "require": "states", "blocklist": ""}
    if loaded():
        if {k: read_param(k) for k in want} == want:
            return
        r = rmmod()
        if r.returncode != 0:
            raise RuntimeError("rmmod failed: %s" % r.stderr.strip())
    params = ["hook=" + hook] + (["nr_records=%d" % nr_records] if nr_records else [])
    params += ["wakeup_ms=%d" % wakeup_ms] if wakeup_ms is not None else []
    r = insmod(*params)
    if r.returncode != 0:
        raise RuntimeError("insmod %s failed: %s" % (" ".join(params), r.stderr.strip()))
    wait_for(lambda: os.path.exists(DEV), 5, what=DEV)


def ensure_unloaded():
    if loaded():
        r = rmmod()
        if r.returncode != 0:
            raise RuntimeError("rmmod failed: %s" % r.stderr.strip())


def read_param(name):
    with open(os.path.join(PARAMS, name)) as f:
        return f.read().strip()
