#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest side of `make bench`: runs inside ONE VM boot (tests/vm/vm.sh).

For every round, every configuration in turn (A B C A B C ...): attach the
tracer, run each workload once under it, detach. Each run records the
load generator's wall time, the tracer's events recorded/dropped and the
reader's CPU time (utime+stime from /proc/<pid>/stat, all reader
processes). Results: one JSON object per run in $TCPSTATE_OUT/runs.jsonl,
plus facts.json (memory footprint, exact-drop check, versions).

Environment (all optional):
  BENCH_ROUNDS      rounds (default 5)
  BENCH_CONFIGS     comma-separated subset of CONFIGS, in that order
  BENCH_WORKLOADS   comma-separated subset of churn,synburst,bulk
  BENCH_CHURN_N     connections for churn (default 1500)
  BENCH_SYN_N       connections for synburst (default 1500)
  BENCH_BULK_MB     MiB per connection for bulk (default 200, 2 conns)
  BENCH_MODULE      the tcpstate.ko to load (default ./tcpstate.ko)
  BENCH_PROTOS      prototype module builds to run too, as configs
                    tcpstate-control@NAME and tcpstate-all@NAME
  BENCH_PROTO_DIR   where they are: BENCH_PROTO_DIR/NAME/tcpstate.ko
  BENCH_KMOD        directory of the built tests/bench/kmod modules: run
                    them after the rounds (kmod.txt)
  BENCH_PART        all (default), runs (the rounds only) or kmod (the
                    micro-benchmarks only)
"""
import glob
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from tcpstate_test import reader  # noqa: E402  (the tests' /dev/tcpstate and /proc helpers)

ROOT = os.getcwd()
OUT = os.environ.get("TCPSTATE_OUT", "/tmp")
LOADGEN = os.path.join(ROOT, "build/bench/loadgen")
MAPREAD = os.path.join(ROOT, "build/bench/mapread")
TOOL = os.path.join(ROOT, "tools/tcpstate")
MODULE = os.environ.get("BENCH_MODULE", os.path.join(ROOT, "tcpstate.ko"))
TRACEFS = "/sys/kernel/tracing"
PROTO_DIR = os.environ.get("BENCH_PROTO_DIR", "")
PROTOS = [p for p in os.environ.get("BENCH_PROTOS", "").split(",") if p]
TICK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count()
REC = reader.REC_SIZE


def log(*a):
    print("bench:", *a, flush=True)


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError("%s: exit %d: %s" % (cmd, r.returncode,
                                                 r.stderr.strip()))
    return r.stdout


def write(path, val):
    with open(path, "w") as f:
        f.write(val)


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is state (field 3); utime/stime are fields 14/15.
        return int(fields[11]) + int(fields[12])
    except OSError:
        return 0


def read_calls(pid):
    """read() system calls so far: how often the reader woke up."""
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("syscr:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def perf_fds(pid):
    n = 0
    for fd in glob.glob("/proc/%d/fd/*" % pid):
        try:
            if "perf_event" in os.readlink(fd):
                n += 1
        except OSError:
            pass
    return n


def proc_counters():
    try:
        return reader.read_proc()
    except OSError:
        return {}


def ftrace_counters():
    c = {"recorded": 0, "dropped": 0}
    for st in glob.glob(TRACEFS + "/per_cpu/cpu*/stats"):
        d = {}
        with open(st) as f:
            for line in f:
                k, _, v = line.rpartition(":")
                try:
                    d[k.strip()] = int(v)
                except ValueError:
                    pass
        c["recorded"] += (d.get("read events", 0) + d.get("entries", 0) +
                          d.get("overrun", 0) + d.get("dropped events", 0))
        c["dropped"] += d.get("overrun", 0) + d.get("dropped events", 0)
    return c


class Config:
    """No tracer: the base every ratio is taken against."""
    name = "none"
    kind = "none"

    def __init__(self):
        self.procs = []

    def start(self):
        pass

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    def spawn(self, cmd, **kw):
        p = subprocess.Popen(cmd, shell=isinstance(cmd, str),
                             stdin=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def reader_ticks(self):
        return sum(cpu_ticks(p.pid) for p in self.procs)

    def reader_reads(self):
        return sum(read_calls(p.pid) for p in self.procs)

    def counters(self):
        return {}


class Tcpstate(Config):
    kind = "tcpstate"

    def __init__(self, name, segments="control", ports="", reader="raw",
                 insmod_args="", module=MODULE, sessions=1):
        super().__init__()
        self.module = module
        # Readers at once, each a session of its own (the first is
        # `reader`, the others raw): what each more session costs.
        self.sessions = sessions
        self.name = name
        self.segments = segments
        self.ports = ports
        self.reader = reader
        self.insmod_args = insmod_args

    def start(self):
        sh("insmod %s %s" % (self.module, self.insmod_args))
        p = "/sys/module/tcpstate/parameters/"
        write(p + "segments", self.segments)
        write(p + "ports", self.ports or "\n")
        if self.reader == "raw":
            self.spawn(["dd", "if=/dev/tcpstate", "of=/dev/null", "bs=64k",
                        "status=none"])
        elif self.reader == "mmap":
            self.spawn([MAPREAD], stdout=subprocess.DEVNULL)
        elif self.reader == "json":
            self.spawn([TOOL, "dump", "--json"], stdout=subprocess.DEVNULL)
        elif self.reader == "follow":
            self.spawn([TOOL, "conns", "--follow"], stdout=subprocess.DEVNULL)
        for _ in range(self.sessions - 1):
            self.spawn(["dd", "if=/dev/tcpstate", "of=/dev/null", "bs=64k",
                        "status=none"])
        time.sleep(0.3)

    def stop(self):
        super().stop()
        sh("rmmod tcpstate")

    def counters(self):
        # Events the kprobe core skipped (a probe firing inside another
        # probe's handler) are lost too: the reader is told of both.
        c = proc_counters()
        return {"recorded": c.get("events_recorded", 0),
                "dropped": c.get("events_dropped", 0) +
                c.get("events_missed", 0)}


class NoReader(Tcpstate):
    """The drop path: a session recording, nobody reading it. At the end,
    drain its ring and check the in-band lost records add up to
    events_dropped."""

    def start(self):
        super().start()
        self.sess = reader.Session()

    def stop(self):
        c = proc_counters()
        recs = self.sess.records()
        self.sess.close()
        n = len(recs)
        lost = sum(r["count"] for r in recs if r["type"] == reader.REC_LOST)
        self.drop_check = {
            "events_recorded": c.get("events_recorded"),
            "events_dropped": c.get("events_dropped"),
            "events_missed": c.get("events_missed"),
            "events_buffered": c.get("events_buffered"),
            "records_read_back": n,
            "lost_records_sum": lost,
            "exact": lost == c.get("events_dropped") + c.get("events_missed"),
        }
        super().stop()


class Ftrace(Config):
    kind = "ftrace"
    EVENTS = ["sock/inet_sock_set_state", "tcp"]

    def __init__(self, name, raw=False):
        super().__init__()
        self.name = name
        self.raw = raw

    def start(self):
        write(TRACEFS + "/tracing_on", "0")
        write(TRACEFS + "/trace", "")
        for ev in self.EVENTS:
            write("%s/events/%s/enable" % (TRACEFS, ev), "1")
        write(TRACEFS + "/tracing_on", "1")
        if self.raw:
            for d in sorted(glob.glob(TRACEFS + "/per_cpu/cpu*")):
                self.spawn("exec cat %s/trace_pipe_raw > /dev/null" % d)
        else:
            self.spawn("exec cat %s/trace_pipe > /dev/null" % TRACEFS)
        time.sleep(0.3)

    def stop(self):
        for ev in self.EVENTS:
            write("%s/events/%s/enable" % (TRACEFS, ev), "0")
        super().stop()
        write(TRACEFS + "/trace", "")

    def counters(self):
        return ftrace_counters()


class TraceCmd(Ftrace):
    """trace-cmd record on the same events: per-CPU recorders splice()
    whole pages to files (the ftrace reader built for speed). The file
    is merged after SIGINT, outside the timed runs."""

    OUT = "/tmp/bench-trace.dat"

    def start(self):
        write(TRACEFS + "/trace", "")
        cmd = ["trace-cmd", "record", "-o", self.OUT]
        for ev in self.EVENTS:
            cmd += ["-e", ev.replace("/", ":")]
        self.spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ev = TRACEFS + "/events/sock/inet_sock_set_state/enable"
        t0 = time.monotonic()
        while open(TRACEFS + "/tracing_on").read().strip() != "1" or \
                open(ev).read().strip() != "1":
            if time.monotonic() - t0 > 30 or self.procs[0].poll() is not None:
                raise RuntimeError("trace-cmd record did not start")
            time.sleep(0.1)
        time.sleep(0.5)

    def stop(self):
        Config.stop(self)
        sh("trace-cmd reset", check=False)
        write(TRACEFS + "/tracing_on", "1")
        if os.path.exists(self.OUT):
            os.remove(self.OUT)


BPFTRACE_PROG = r"""
tracepoint:sock:inet_sock_set_state /args->protocol == 6/ {
  printf("%-6d %-16s %-5d %-5d %s %s %d -> %d\n", pid, comm, args->sport,
         args->dport, ntop(args->saddr), ntop(args->daddr),
         args->oldstate, args->newstate);
}
"""


class Bpf(Config):
    """BCC tcpstates or bpftrace, printing to /dev/null. Attached once it
    holds its tracepoint's perf event plus one output buffer per CPU."""
    kind = "bpf"

    def __init__(self, name, cmd, timeout):
        super().__init__()
        self.name = name
        self.cmd = cmd
        self.timeout = timeout

    def start(self):
        self.err = open("/tmp/bench-%s.err" % self.name, "w+")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        p = self.spawn(self.cmd, stdout=subprocess.DEVNULL, stderr=self.err,
                       env=env)
        t0 = time.monotonic()
        while perf_fds(p.pid) < NCPU + 1:
            if p.poll() is not None:
                self.err.seek(0)
                raise RuntimeError("%s exited: %s" % (self.name,
                                                      self.err.read()))
            if time.monotonic() - t0 > self.timeout:
                raise RuntimeError("%s: not attached after %d s" %
                                   (self.name, self.timeout))
            time.sleep(0.2)
        self.attach_secs = time.monotonic() - t0
        time.sleep(1)
        log("%s attached in %.1f s" % (self.name, self.attach_secs))

    def stop(self):
        super().stop()
        self.err.close()

    def counters(self):
        # Lost samples, as the tool reports them on stderr.
        lost = 0
        self.err.flush()
        with open(self.err.name) as f:
            for line in f:
                w = line.split()
                for i, x in enumerate(w):
                    if x.isdigit() and ("lost" in line.lower()):
                        lost += int(x)
                        break
        return {"dropped": lost}


def make_configs():
    # "none" three times a round: anchors for the machine's speed, which
    # drifts (report.py interpolates between them by time).
    return [
        Config(),
        Tcpstate("tcpstate-hook", segments="none", ports="9", reader="raw"),
        Tcpstate("tcpstate-states", segments="none"),
        Tcpstate("tcpstate-control", segments="control"),
        # The same read in place: mmap() and poll(), no copy, no read().
        Tcpstate("tcpstate-control-mmap", segments="control", reader="mmap"),
        # Each reader is a session with its own ring: every event is
        # offered to each (a filter test and a ring write per session).
        Tcpstate("tcpstate-control-2sess", segments="control", sessions=2),
        Tcpstate("tcpstate-control-8sess", segments="control", sessions=8),
        # The same with the reader woken at every record, as before
        # wakeup batching: what batching saves.
        Tcpstate("tcpstate-control-wake0", segments="control",
                 insmod_args="wakeup_ms=0"),
        Tcpstate("tcpstate-all", segments="all"),
        NoReader("tcpstate-noreader", segments="control", reader=None),
        Tcpstate("tcpstate-control-json", segments="control", reader="json"),
        # The ladders drawn as each record comes: the connection model.
        Tcpstate("tcpstate-control-follow", segments="control", reader="follow"),
        Config(),
        Ftrace("ftrace-pipe"),
        Ftrace("ftrace-raw", raw=True),
        TraceCmd("ftrace-trace-cmd"),
        Bpf("bcc-tcpstates", ["/usr/sbin/tcpstates-bpfcc"], 300),
        Config(),
        Bpf("bpftrace", ["bpftrace", "-e", BPFTRACE_PROG], 120),
    ] + [
        # Prototypes of module changes (tests/bench/proto/NAME.patch).
        Tcpstate("tcpstate-%s@%s" % (seg, name), segments=seg,
                 module=os.path.join(PROTO_DIR, name, "tcpstate.ko"))
        for name in PROTOS for seg in ("control", "all")
    ]


def workloads():
    return {
        "churn": [LOADGEN, "churn", os.environ.get("BENCH_CHURN_N", "1500")],
        "synburst": [LOADGEN, "synburst",
                     os.environ.get("BENCH_SYN_N", "1500"), "100"],
        "bulk": [LOADGEN, "bulk", os.environ.get("BENCH_BULK_MB", "200"),
                 "2"],
    }


def run_load(argv):
    t0 = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - t0
    if out.returncode:
        raise RuntimeError("%s: %s" % (argv, out.stderr))
    kv = dict(w.split("=") for w in out.stdout.split()[2:])
    return float(kv["secs"]), wall, int(kv["conns"])


def footprint():
    """The module's own size and every vmalloc area it holds."""
    f = {}
    with open("/proc/modules") as m:
        for line in m:
            w = line.split()
            if w[0] == "tcpstate":
                f["module_bytes"] = int(w[1])
    areas = []
    with open("/proc/vmallocinfo") as v:
        for line in v:
            if "[tcpstate]" in line:
                w = line.split()
                areas.append(w[1])
                f.setdefault("vmalloc_callers", []).append(
                    "%s %s" % (w[1], w[2]))
    f["vmalloc_areas"] = len(areas)
    f["vmalloc_bytes"] = sum(int(a) for a in areas)
    with open("/sys/module/tcpstate/parameters/nr_records") as p:
        f["nr_records"] = int(p.read())
    f["nr_rings"] = reader.cpu_ids()
    f["ring_bytes"] = f["nr_records"] * REC * f["nr_rings"]
    return f


def main():
    part = os.environ.get("BENCH_PART", "all")
    if part not in ("all", "runs", "kmod"):
        log("BENCH_PART=%s: must be all, runs or kmod" % part)
        return 2
    if part != "kmod":
        rounds_main()
    kmod = os.environ.get("BENCH_KMOD")
    if kmod and part != "runs":
        log("in-kernel micro-benchmarks")
        out = sh("bash %s/tests/bench/kmod/guest.sh %s %s" % (
            ROOT, kmod, os.environ.get("BENCH_KMOD_WHICH", "all")), check=False)
        sys.stdout.write(out)
        with open(os.path.join(OUT, "kmod.txt"), "w") as f:
            f.write(out)
    return 0


def rounds_main():
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    configs = make_configs()
    want = os.environ.get("BENCH_CONFIGS")
    if want:
        names = want.split(",") + ["none"]
        configs = [c for c in configs if c.name in names]
    wls = workloads()
    want = os.environ.get("BENCH_WORKLOADS")
    if want:
        wls = {k: v for k, v in wls.items() if k in want.split(",")}

    if not os.path.exists(TRACEFS + "/trace"):
        sh("mount -t tracefs nodev " + TRACEFS)
    # Every configuration must see the same work: no TIME_WAIT socket
    # may be refused because earlier rounds filled the table.
    write("/proc/sys/net/ipv4/tcp_max_tw_buckets", "1000000")
    kbuild = "/lib/modules/%s/build" % os.uname().release
    facts = {"kernel": os.uname().release, "ncpu": NCPU, "rounds": rounds,
             "clock": os.environ.get("BENCH_CLOCK", "wall"),
             "kernel_headers": os.path.realpath(kbuild)
             if os.path.exists(kbuild + "/Makefile") else None,
             "workloads": {k: " ".join(v[1:]) for k, v in wls.items()}}

    # Footprint: load once, look, run churn, look again (allocated once).
    sh("insmod " + MODULE)
    fp = footprint()
    run_load(wls.get("churn", list(wls.values())[0]))
    fp2 = footprint()
    fp["unchanged_after_load"] = (fp == fp2)
    sh("rmmod tcpstate")
    facts["footprint"] = fp
    log("footprint", fp)

    # Warm-up: page cache, ARP-free loopback, first-run effects.
    for argv in wls.values():
        run_load(argv)

    runs = open(os.path.join(OUT, "runs.jsonl"), "w")
    t_start = time.monotonic()
    for r in range(rounds):
        for c in configs:
            try:
                c.start()
            except Exception as e:   # a peer that cannot attach: skip it
                log("config %s: %s" % (c.name, e))
                c.stop()
                continue
            for wl, argv in wls.items():
                t_run = time.monotonic() - t_start
                c0 = c.counters()
                t0 = c.reader_ticks()
                r0 = c.reader_reads()
                secs, wall, conns = run_load(argv)
                time.sleep(0.2)   # let the reader catch up before counting
                t1 = c.reader_ticks()
                r1 = c.reader_reads()
                c1 = c.counters()
                rec = {"round": r, "config": c.name, "workload": wl,
                       "t": round(t_run, 3),
                       "secs": secs, "wall": wall, "conns": conns,
                       "reader_cpu": (t1 - t0) / TICK,
                       "reader_reads": r1 - r0}
                for k in ("recorded", "dropped"):
                    if k in c1:
                        rec[k] = c1[k] - c0.get(k, 0)
                runs.write(json.dumps(rec) + "\n")
                runs.flush()
                log("round %d %-22s %-8s %7.3f s  rec %-7s drop %-7s "
                    "reader %.2f s" % (r, c.name, wl, secs,
                                       rec.get("recorded", "-"),
                                       rec.get("dropped", "-"),
                                       rec["reader_cpu"]))
            c.stop()
            if hasattr(c, "drop_check"):
                facts.setdefault("drop_checks", []).append(c.drop_check)
                log("drop check", c.drop_check)
            if hasattr(c, "attach_secs"):
                facts.setdefault("attach_secs", {}).setdefault(
                    c.name, []).append(round(c.attach_secs, 1))
        log("round %d done at %.0f s" % (r, time.monotonic() - t_start))
    runs.close()
    with open(os.path.join(OUT, "facts.json"), "w") as f:
        json.dump(facts, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
