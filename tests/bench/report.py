#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one `make bench` VM run into the results table.

  report.py RESULTS_DIR [MARKDOWN_OUT]
  report.py --kmod KMOD_TXT      the micro-benchmarks' tables alone

RESULTS_DIR holds runs.jsonl, facts.json and kmod.txt (tests/bench/guest.py).
Every run's time is divided by the "none" time of the same workload at
that point of the run (see baselines()); the table shows the median of those ratios and their spread
(min..max over rounds), the median added cost per connection, events
recorded and dropped (median per run) and the reader's CPU time.
Prints the table and the target checks; writes them as markdown too.
"""
import json
import os
import statistics
import sys

NOTES = {
    "none": "no tracer",
    "tcpstate-hook": "hooks attached, ports=9: nothing recorded",
    "tcpstate-states": "segments=none, dd reader",
    "tcpstate-control": "segments=control (default), dd reader",
    "tcpstate-control-mmap": "the same read in place: mmap() + poll(), no copy",
    "tcpstate-control-2sess": "the same with 2 sessions (2 dd readers)",
    "tcpstate-control-8sess": "the same with 8 sessions (8 dd readers)",
    "tcpstate-control-wake0": "the same, wakeup_ms=0: reader woken at every record",
    "tcpstate-all": "segments=all, dd reader",
    "tcpstate-noreader": "segments=control, no reader (drop path)",
    "tcpstate-control-json": "segments=control, `tcpstate dump --json`",
    "tcpstate-control-follow": "segments=control, `tcpstate conns --follow`",
    "ftrace-pipe": "sock:inet_sock_set_state + tcp:*, cat trace_pipe",
    "ftrace-raw": "same events, cat per-CPU trace_pipe_raw",
    "ftrace-trace-cmd": "same events, trace-cmd record (splice, to a file)",
    "bcc-tcpstates": "tcpstates-bpfcc > /dev/null",
    "bpftrace": "bpftrace on sock:inet_sock_set_state > /dev/null",
}


def load(d):
    runs = [json.loads(line) for line in open(os.path.join(d, "runs.jsonl"))]
    facts = {}
    if os.path.exists(os.path.join(d, "facts.json")):
        facts = json.load(open(os.path.join(d, "facts.json")))
    kmod = ""
    if os.path.exists(os.path.join(d, "kmod.txt")):
        kmod = open(os.path.join(d, "kmod.txt")).read()
    return runs, facts, kmod


def med(xs):
    return statistics.median(xs) if xs else None


def baselines(runs):
    """The "none" time each run is compared with, interpolated in time
    between the "none" runs just before and just after it (guest.py runs
    "none" several times a round). The machine's speed drifts (other VMs
    share it, TCG): this cancels drift slower than those anchors."""
    anchors = {}
    for r in runs:
        if r["config"] == "none":
            anchors.setdefault(r["workload"], []).append(
                (r.get("t", r["round"]), r["secs"]))
    base = {}
    for r in runs:
        pts = sorted(anchors.get(r["workload"], []))
        if not pts:
            continue
        t = r.get("t", r["round"])
        before = [p for p in pts if p[0] <= t]
        after = [p for p in pts if p[0] >= t]
        if before and after and after[0][0] > before[-1][0]:
            (t0, b0), (t1, b1) = before[-1], after[0]
            base[id(r)] = b0 + (b1 - b0) * (t - t0) / (t1 - t0)
        else:
            base[id(r)] = (before or after)[-1 if before else 0][1]
    return base


def tables(runs):
    """{workload: {config: row dict}} in first-seen order."""
    base = baselines(runs)
    out = {}
    for r in runs:
        b = base.get(id(r))
        if not b:
            continue
        rows = out.setdefault(r["workload"], {})
        row = rows.setdefault(r["config"], {"ratio": [], "added_us": [],
                                            "recorded": [], "dropped": [],
                                            "reader": [], "secs": [],
                                            "reads": []})
        row["ratio"].append(r["secs"] / b)
        row["added_us"].append((r["secs"] - b) / r["conns"] * 1e6)
        row["secs"].append(r["secs"])
        row["reader"].append(r["reader_cpu"])
        row["reads"].append(r.get("reader_reads", 0))
        for k in ("recorded", "dropped"):
            if k in r:
                row[k].append(r[k])
    return out


def fmt_int(xs):
    return "%d" % med(xs) if xs else "-"


def markdown(out, facts):
    lines = []
    for wl, rows in out.items():
        spec = facts.get("workloads", {}).get(wl, "")
        lines.append("### %s (`loadgen %s`)" % (wl, spec))
        lines.append("")
        lines.append("| config | time / none (median) | spread (min..max) | "
                     "added µs/conn | recorded | dropped | reader CPU s | "
                     "reader read()s | rounds | what |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for cfg, row in rows.items():
            rt = row["ratio"]
            lines.append("| %s | %.2f | %.2f..%.2f | %.1f | %s | %s | %.2f | "
                         "%d | %d | %s |" % (
                             cfg, med(rt), min(rt), max(rt),
                             med(row["added_us"]), fmt_int(row["recorded"]),
                             fmt_int(row["dropped"]), med(row["reader"]),
                             med(row["reads"]), len(rt), NOTES.get(cfg, "")))
        base = rows.get("none")
        if base:
            lines.append("")
            lines.append("none: median %.3f s per run." % med(base["secs"]))
        lines.append("")
    return lines


def checks(out, facts):
    res = []
    churn = out.get("churn", {})

    def r(cfg):
        row = churn.get(cfg)
        return med(row["ratio"]) if row else None

    ctl, hook = r("tcpstate-control"), r("tcpstate-hook")
    for mine in ("tcpstate-control", "tcpstate-control-mmap", "tcpstate-control-json"):
        for peer in ("ftrace-pipe", "ftrace-raw", "ftrace-trace-cmd", "bcc-tcpstates",
                     "bpftrace"):
            m, p = r(mine), r(peer)
            if m is not None and p is not None:
                res.append("%s: churn, %s %.2f vs %s %.2f" % (
                    "MET" if m < p else "NOT MET", mine, m, peer, p))
    # The raw readers' added cost within 1.5 times the bare hooks' (the
    # performance issue's target; it was 2 before).
    for mine in ("tcpstate-control", "tcpstate-control-mmap"):
        m = r(mine)
        if m is not None and hook is not None:
            added, bare = m - 1, max(hook - 1, 0)
            res.append("%s: churn, %s adds %.2f, bare hook adds %.2f (%.2fx; "
                       "target: within 1.5x)" % (
                           "MET" if added <= 1.5 * bare or added <= 0.02 else
                           "NOT MET", mine, added, bare,
                           added / bare if bare else 0))
    row = churn.get("tcpstate-control")
    if row and row["dropped"]:
        res.append("%s: churn, drops with the reader on: %d in %d runs" % (
            "MET" if not sum(row["dropped"]) else "NOT MET",
            sum(row["dropped"]), len(row["dropped"])))
    for dc in facts.get("drop_checks", []):
        res.append("%s: no reader, lost records sum %d vs events_dropped %d"
                   " + events_missed %d (recorded %d, buffered %d)" % (
                       "MET" if dc["exact"] else "NOT MET",
                       dc["lost_records_sum"], dc["events_dropped"],
                       dc.get("events_missed", 0),
                       dc["events_recorded"], dc["events_buffered"]))
    fp = facts.get("footprint")
    if fp:
        res.append("%s: %d rings of %d records x 128 B = %d B; module %d B;"
                   " vmalloc %s; unchanged after a churn run: %s" % (
                       "MET" if fp.get("unchanged_after_load") else
                       "NOT MET", fp.get("nr_rings", 1), fp["nr_records"],
                       fp["ring_bytes"],
                       fp["module_bytes"],
                       "; ".join(fp.get("vmalloc_callers", [])),
                       fp.get("unchanged_after_load")))
    return res


KMOD_DESIGN = {
    "tcpstate_ringbench": "module/ring.c: a ring per CPU, raw spinlock each (today's design)",
    "tcpstate_ringbench_shared": "module/ring.c before ABI 3: one shared ring, one raw spinlock",
    "tcpstate_ringbench_pcpu": "prototype: a ring per CPU, no lock",
    "tcpstate_ringbench_krb": "prototype: the kernel's ring_buffer API (per CPU)",
}


def kmod_table(kmod):
    """ns/event per design and producing CPUs, from the modules' lines:
    '<module>: <what>: cpus=N recorded|dropped events=E stored=S ns/event=X ...'."""
    cells, cpus_seen = {}, set()
    for line in kmod.splitlines():
        w = line.split()
        if not w or not w[0].endswith(":") or "cpus=" not in line:
            continue
        kv = dict(x.split("=", 1) for x in w if "=" in x)
        try:
            n, ns = int(kv["cpus"]), int(kv["ns/event"])
        except (KeyError, ValueError):
            continue
        kind = "recorded" if " recorded " in line else "dropped"
        cells[(w[0][:-1], kind, n)] = ns
        cpus_seen.add(n)
    if not cells:
        return []
    cpus = sorted(cpus_seen)
    out = ["| ring | event | " + " | ".join("%d CPU%s" % (c, "s" if c > 1 else "")
                                            for c in cpus) + " |",
           "|---|---|" + "---|" * len(cpus)]
    for mod in KMOD_DESIGN:
        for kind in ("recorded", "dropped"):
            if not any((mod, kind, c) in cells for c in cpus):
                continue
            out.append("| %s | %s | %s |" % (KMOD_DESIGN[mod], kind, " | ".join(
                str(cells.get((mod, kind, c), "-")) for c in cpus)))
    return out


TW_OPS = ("add", "update", "hint", "remove", "remove_miss")
TW_COOKIES = {"seq": "sequential (spread over the table)",
              "same": "all in one full bucket (every way scanned)"}
TW_TARGET_NS = 10000


def twtable_table(kmod):
    """TIME_WAIT table (tcpstate_twbench): ns per call with interrupts off
    around it, mean / p99.9 / max, per cookie pattern and table fill, from
    'tcpstate_twbench: cookies=C fill=F used=U op=O n=N ok=K mean_ns=M
    min_ns=m p99_ns=P p999_ns=Q max_ns=X over10us=V'. Column "empty" is
    the control: the same timing around no call. Under it the ring_write
    lines, the table's counters and the 10 µs check."""
    cells, rows, ring, counters = {}, [], [], None
    for line in kmod.splitlines():
        w = line.split()
        if not w or w[0] != "tcpstate_twbench:":
            continue
        kv = dict(x.split("=", 1) for x in w if "=" in x)
        try:
            if "cookies" in kv:
                row = (kv["cookies"], kv["fill"])
                if row not in rows:
                    rows.append(row)
                cells[row + (kv["op"],)] = kv
                cells.setdefault(row + ("used",), kv["used"])
            elif kv.get("op", "").startswith("ring_"):
                ring.append(kv)
            elif w[1:2] == ["table"]:
                counters = kv
        except KeyError:
            continue
    if not rows:
        return []

    def cell(kv):
        return "%s / %s / %s" % (kv["mean_ns"], kv.get("p999_ns", "?"),
                                 kv["max_ns"])

    ops = TW_OPS + ("empty",)
    out = ["| cookies | fill | used | " + " | ".join(ops) + " |",
           "|---|---|---|" + "---|" * len(ops)]
    worst, over, calls = None, 0, 0
    ctl_max, ctl_over, ctl_calls = 0, 0, 0
    for row in rows:
        out_cells = []
        for op in ops:
            kv = cells.get(row + (op,))
            if not kv or not int(kv["n"]):
                out_cells.append("-")
                continue
            out_cells.append(cell(kv))
            if op == "empty":
                ctl_max = max(ctl_max, int(kv["max_ns"]))
                ctl_over += int(kv.get("over10us", 0))
                ctl_calls += int(kv["n"])
                continue
            over += int(kv.get("over10us", 0))
            calls += int(kv["n"])
            if worst is None or int(kv["max_ns"]) > int(worst[0]):
                worst = (kv["max_ns"], row, op)
        out.append("| %s | %s | %s | %s |" % (
            TW_COOKIES.get(row[0], row[0]), row[1], cells[row + ("used",)],
            " | ".join(out_cells)))
    out.append("")
    out.append("ns per call, mean / p99.9 / max, with interrupts off around "
               "it (the bucket lock's irqsave section and two clock reads); "
               "empty: the two clock reads alone.")
    for kv in ring:
        out.append("tcpstate_ring_write(), %s: %s ns (n=%s, stored %s)." % (
            "room" if kv["op"] == "ring_write" else "ring full",
            cell(kv), kv["n"], kv["ok"]))
    if counters:
        out.append("Table at the end: capacity %s, used %s, untracked %s, "
                   "reclaimed %s." % (counters.get("capacity"),
                                      counters.get("used"),
                                      counters.get("untracked"),
                                      counters.get("reclaimed")))
    if worst:
        out.append("%s: longest table call with interrupts off %s ns "
                   "(cookies=%s fill=%s op=%s), target under %d ns at any "
                   "fill; %d of %d calls over it (empty control: max %d ns, "
                   "%d of %d over)." % (
                       "MET" if int(worst[0]) < TW_TARGET_NS else "NOT MET",
                       worst[0], worst[1][0], worst[1][1], worst[2],
                       TW_TARGET_NS, over, calls, ctl_max, ctl_over,
                       ctl_calls))
    return out

def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--kmod":
        with open(sys.argv[2]) as f:
            kmod = f.read()
        out = kmod_table(kmod)
        tw = twtable_table(kmod)
        if out and tw:
            out.append("")
        print("\n".join(out + tw))
        return 0
    d = sys.argv[1]
    md_out = sys.argv[2] if len(sys.argv) > 2 else None
    runs, facts, kmod = load(d)
    out = tables(runs)
    clock = {"icount": "guest clock = instructions executed (-icount)",
             "wall": "host clock"}.get(facts.get("clock", "wall"), "?")
    lines = ["## tcpstate benchmark: %s, %s CPUs, %s rounds (TCG, %s)" % (
        facts.get("kernel", "?"), facts.get("ncpu", "?"),
        facts.get("rounds", "?"), clock), ""]
    lines += markdown(out, facts)
    if facts.get("attach_secs"):
        lines.append("Attach times (s): " + ", ".join(
            "%s %s" % (k, v) for k, v in facts["attach_secs"].items()))
        lines.append("")
    lines.append("### Targets")
    lines.append("")
    lines += ["- " + c for c in checks(out, facts)]
    lines.append("")
    if kmod:
        lines.append("### In-kernel micro-benchmark (ns per event)")
        lines.append("")
        lines += kmod_table(kmod)
        lines.append("")
        tw = twtable_table(kmod)
        if tw:
            lines.append("### TIME_WAIT table: ns per call with interrupts "
                         "off (tcpstate_twbench)")
            lines.append("")
            lines += tw
            lines.append("")
        lines.append("```")
        lines += kmod.rstrip().splitlines()
        lines.append("```")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if md_out:
        os.makedirs(os.path.dirname(md_out) or ".", exist_ok=True)
        with open(md_out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
