#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ktap.py - summarise the KTAP that KUnit printed on a kernel console.

    tests/kunit/ktap.py [--count FILE] [--expect SUITE,...] LOG

LOG is a kernel log (the VM's console.log, or dmesg output): KTAP lines
are picked out of it by their shape, whatever else the kernel printed in
between, with or without printk timestamps.

Prints one line per suite and, for every failed case (or parameter of a
case), the diagnostics KUnit printed for it; then "N passed, N failed"
(", N skipped" when some were). Tests are counted as KUnit's own tool
counts them: each parameter of a parameterised case is one test.

A suite that started but never printed its result (the kernel crashed,
or the VM was killed) counts one failure; so does every suite named with
--expect that does not appear at all, and a log with no test in it.
--count FILE receives "PASSED FAILED". Exit status 0 when nothing failed.
"""
import argparse
import re
import sys

# printk prefixes: "<6>" (dmesg -r), "[   12.345678] " (printk.time).
PREFIX = re.compile(r"^(?:<\d+>)?(?:\[\s*\d+\.\d+\]\s?)?")
RESULT = re.compile(r"^(not ok|ok) (\d+)(?: (?:- )?([^#]*?))?\s*(?:#\s*(\S+)\s*(.*))?$")
SUBTEST = re.compile(r"^# Subtest: (.+)$")
PLAN = re.compile(r"^1\.\.(\d+)$")
VERSION = re.compile(r"^K?TAP version \d+$")
# Per-case and per-suite statistics lines: not diagnostics.
STATS = re.compile(r"^# (?:[\w.-]+|Totals): pass:\d+ fail:\d+ skip:\d+ total:\d+$")

MAX_DIAG = 40


class Case:
    def __init__(self, name):
        self.name = name
        self.params = []        # [(desc, status, diag)]
        self.status = None
        self.diag = []


class Suite:
    def __init__(self, name):
        self.name = name
        self.cases = []
        self.status = None      # None: never finished
        self.pending = []       # lines since the last result, at case level


def strip(line):
    line = line.rstrip("\r\n")
    line = PREFIX.sub("", line, count=1)
    return line.expandtabs(8)


def parse(lines):
    """Suites in the order they ran. KUnit's layout (6.1, module):
    a suite's header, cases' results and diagnostics one level in,
    parameters' results two levels in, the suite's own result at none."""
    suites = []
    suite = None        # the suite being printed, if any
    diag = []           # lines since the last result
    params = []         # (desc, status, diag) of the case in progress
    for raw in lines:
        line = strip(raw)
        body = line.lstrip(" ")
        indent = (len(line) - len(body)) // 4
        m = SUBTEST.match(body)
        if m:
            if indent <= 1:
                suite = Suite(m.group(1).strip())
                suites.append(suite)
                diag, params = [], []
            continue
        if VERSION.match(body) or PLAN.match(body) or STATS.match(body):
            continue
        m = RESULT.match(body)
        if m:
            status = "ok" if m.group(1) == "ok" else "not ok"
            name = (m.group(3) or "").strip()
            if (m.group(4) or "").upper() == "SKIP":
                status = "skip"
            if indent == 0:
                if suite is None or suite.name != name:
                    # No header: its suite_init failed before any case.
                    suite = Suite(name)
                    suites.append(suite)
                    suite.pending = diag
                suite.status = status
                suite = None
                diag, params = [], []
            elif suite is None:
                continue
            elif indent == 1:
                case = Case(name)
                case.status = status
                case.params = params
                case.diag = diag
                suite.cases.append(case)
                diag, params = [], []
            else:
                params.append((name, status, diag))
                diag = []
            continue
        if body:
            diag.append(line)
    # A suite cut short: what was printed last is the crash's context.
    if suite is not None:
        suite.pending = diag
    return suites


def leaves(case):
    """(label, status, diag) of each test a case counts as."""
    if case.params:
        out = []
        for desc, status, diag in case.params:
            out.append(("%s [%s]" % (case.name, desc), status, diag))
        # Failures KUnit prints after the last parameter belong to the case.
        if case.status == "not ok" and all(s != "not ok" for _, s, _ in case.params):
            out.append((case.name, "not ok", case.diag))
        return out
    return [(case.name, case.status, case.diag)]


def show_diag(diag, out):
    shown = [l for l in diag if l.strip()]
    base = min((len(l) - len(l.lstrip(" ")) for l in shown), default=0)
    for l in shown[:MAX_DIAG]:
        out.write("        %s\n" % l[base:].rstrip())
    if len(shown) > MAX_DIAG:
        out.write("        ... %d more lines\n" % (len(shown) - MAX_DIAG))


def main():
    ap = argparse.ArgumentParser(description="Summarise KUnit KTAP from a kernel log.")
    ap.add_argument("log")
    ap.add_argument("--count", help='write "PASSED FAILED" here')
    ap.add_argument("--expect", default="", help="comma-separated suites that must appear")
    args = ap.parse_args()

    try:
        with open(args.log, errors="replace") as f:
            suites = parse(f)
    except OSError as e:
        print("ktap.py: %s" % e, file=sys.stderr)
        suites = []

    out = sys.stdout
    passed = failed = skipped = 0
    for s in suites:
        sp = sf = ss = 0
        failures = []
        for case in s.cases:
            for label, status, diag in leaves(case):
                if status == "ok":
                    sp += 1
                elif status == "skip":
                    ss += 1
                else:
                    sf += 1
                    failures.append((label, diag))
        if s.status is None:
            sf += 1
            failures.append(("(suite did not finish: the kernel crashed or the VM "
                             "was stopped after case %d)" % len(s.cases), s.pending[-MAX_DIAG:]))
        elif s.status == "not ok" and not failures:
            sf += 1
            failures.append(("(suite failed: its init or exit failed)", s.pending))
        out.write("%-18s %4d passed, %d failed%s\n" % (
            s.name + ":", sp, sf, (", %d skipped" % ss) if ss else ""))
        for label, diag in failures:
            sep = " " if label.startswith("(") else "."
            out.write("    FAIL %s%s%s\n" % (s.name, sep, label))
            show_diag(diag, out)
        passed, failed, skipped = passed + sp, failed + sf, skipped + ss

    seen = {s.name for s in suites}
    for name in filter(None, (n.strip() for n in args.expect.split(","))):
        if name not in seen:
            out.write("%-18s    0 passed, 1 failed\n    FAIL %s (no output: it never ran)\n"
                      % (name + ":", name))
            failed += 1
    if passed + failed + skipped == 0:
        out.write("ktap.py: no KUnit results in %s\n" % args.log)
        failed = 1

    if args.count:
        with open(args.count, "w") as f:
            f.write("%d %d\n" % (passed, failed))
    out.write("%d passed, %d failed%s\n" % (
        passed, failed, (", %d skipped" % skipped) if skipped else ""))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
