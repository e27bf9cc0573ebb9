# SPDX-License-Identifier: GPL-2.0
"""A very small test framework.

A test is a function taking a Context `t`. `t.eq(actual, expected, what)`
and friends record a failure (expected vs actual) and carry on; `t.require`
records and stops the test. An unexpected exception fails the test with its
traceback tail. Every test runs whatever happens to the others.

Output: one line per test, "ok NAME" or "FAIL NAME: first reason", followed
for a failure by "#   ..." detail lines (every failed check); "# " notes;
totals at the end as "N passed, N failed".
"""
import sys
import time
import traceback


class Stop(Exception):
    """Raised by t.require / t.fail_now: end this test (already failed)."""


def _short(v, limit=600):
    s = repr(v)
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


class Context:
    def __init__(self, name):
        self.name = name
        self.failures = []
        self.notes = []
        self.cleanups = []

    # -- recording ---------------------------------------------------------
    def fail(self, why):
        self.failures.append(why)
        return False

    def fail_now(self, why):
        self.fail(why)
        raise Stop()

    def note(self, text):
        self.notes.append(text)

    def defer(self, fn, *args, **kw):
        """Run fn(*args) when the test ends (LIFO), even when it fails."""
        self.cleanups.append((fn, args, kw))

    # -- checks (soft: record and continue) --------------------------------
    def eq(self, actual, expected, what):
        if actual == expected:
            return True
        return self.fail("%s: expected %s, actual %s" % (what, _short(expected), _short(actual)))

    def ne(self, actual, unexpected, what):
        if actual != unexpected:
            return True
        return self.fail("%s: expected anything but %s" % (what, _short(unexpected)))

    def true(self, cond, what, detail=None):
        if cond:
            return True
        return self.fail(what if detail is None else "%s (%s)" % (what, detail))

    def contains(self, haystack, needle, what):
        if needle in haystack:
            return True
        return self.fail("%s: expected to contain %s, actual %s" % (what, _short(needle), _short(haystack)))

    def not_contains(self, haystack, needle, what):
        if needle not in haystack:
            return True
        return self.fail("%s: expected not to contain %s, actual %s" % (what, _short(needle), _short(haystack)))

    def list_eq(self, actual, expected, what):
        """Compare two lists one for one; on a mismatch say where."""
        if actual == expected:
            return True
        n = min(len(actual), len(expected))
        i = next((k for k in range(n) if actual[k] != expected[k]), n)
        return self.fail("%s: first difference at index %d (expected %d items, actual %d):"
                         " expected %s, actual %s" % (what, i, len(expected), len(actual),
                                                      _short(expected), _short(actual)))

    # -- checks (hard: record and stop the test) ---------------------------
    def require(self, cond, what, detail=None):
        if not cond:
            self.fail_now(what if detail is None else "%s (%s)" % (what, detail))

    def require_eq(self, actual, expected, what):
        if not self.eq(actual, expected, what):
            raise Stop()


def run_in_context(name, fn, setup=None):
    """Run setup(t) then fn(t) in a fresh Context, whatever they raise,
    then its cleanups; return the Context (failures, notes)."""
    t = Context(name)
    try:
        if setup is not None:
            setup(t)
        fn(t)
    except Stop:
        pass
    except Exception as e:      # an unexpected error fails the test
        tb = traceback.format_exc().strip().splitlines()
        t.fail("unexpected %s: %s" % (type(e).__name__, e))
        for line in tb[-8:]:
            t.note("  " + line)
    for fn_, args, kw in reversed(t.cleanups):
        try:
            fn_(*args, **kw)
        except Exception as e:
            t.note("cleanup %s failed: %s" % (getattr(fn_, "__name__", fn_), e))
    return t


class Runner:
    def __init__(self, out=sys.stdout):
        self.out = out
        self.tests = []
        self.passed = 0
        self.failed = 0
        self.results = []

    def add(self, name, fn, setup=None):
        self.tests.append((name, fn, setup))

    def emit(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def run_one(self, name, fn, setup=None):
        t0 = time.monotonic()
        t = run_in_context(name, fn, setup)
        dt = time.monotonic() - t0
        if t.failures:
            self.failed += 1
            extra = " (+%d more)" % (len(t.failures) - 1) if len(t.failures) > 1 else ""
            self.emit("FAIL %s: %s%s" % (name, t.failures[0], extra))
            for f in t.failures[1:]:
                self.emit("#   %s" % f)
        else:
            self.passed += 1
            self.emit("ok %s" % name)
        for n in t.notes:
            self.emit("#   note: %s" % n)
        self.emit("#   (%.1fs)" % dt)
        self.results.append((name, not t.failures, dt))
        return not t.failures

    def run(self, only=None, label="totals", keep=None):
        """only: name parts, a test runs if its name contains one; keep:
        a test runs only if keep(name) is true."""
        for name, fn, setup in self.tests:
            if only and not any(o in name for o in only):
                continue
            if keep is not None and not keep(name):
                continue
            self.run_one(name, fn, setup)
        self.emit("%s: %d passed, %d failed" % (label, self.passed, self.failed))
        return self.failed == 0
