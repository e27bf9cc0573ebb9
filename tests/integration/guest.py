# SPDX-License-Identifier: GPL-2.0
"""tcpstate integration tests, run as root inside the test VM.

  /usr/bin/python3 tests/integration/guest.py --hook tracepoint|kprobe [--only SUBSTR ...]

Loads ./tcpstate.ko with hook=<mode>, runs every test (see TESTS at the
bottom), unloads it, checks the kernel log, prints "N passed, N failed" and
writes "P F" to $TCPSTATE_OUT/counts. Oracles: ftrace (sock:inet_sock_set_state,
tcp:tcp_receive_reset, a kprobe event on tcp_set_state), /proc/net/snmp,
the sockets' own getsockname/getpeername/SO_COOKIE.

Helpers (sockets, network namespaces, the device, /proc/net/tcpstate, the
tool, the module) live in tests/lib/tcpstate_test, shared with
tests/scenarios; tcpst is their one namespace here, scenarios.py the
integration tests' connections built from them. See tests/scenarios/
README.md for writing a scenario once for both suites.
"""
import argparse
import collections
import errno
import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "scenarios"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "lib"))
import ftrace    # noqa: E402
import groups  # noqa: E402
import sessions  # noqa: E402
import hardening  # noqa: E402
import scenarios  # noqa: E402
import tcpst     # noqa: E402  tests/lib/tcpstate_test's helpers, one namespace
from tcpstate_test import netns as netns_lib  # noqa: E402
from tcpst import wait_for  # noqa: E402
from tsf import Runner      # noqa: E402
import suite as sc_suite    # noqa: E402  tests/scenarios (issue 3)

MODE = None            # "tracepoint" or "kprobe"
# /proc/net/tcpstate lines about the module, not the namespace (same in all)
MODULE_WIDE = {"events_missed", "labels_missed", "time_wait_tracked", "time_wait_untracked",
               "time_wait_table_reclaimed", "time_wait_table_capacity",
               "group_states", "group_resets", "group_segments", "group_retransmits",
               "group_requests", "group_timewait"}
FT = None              # ftrace.Instance
KMSG = None            # tcpst.Kmsg since the start
MY_PID = os.getpid()
MY_COMM = open("/proc/self/comm").read().strip()
NETNS = "t1"
SCENARIOS = True       # --no-scenarios: only the integration tests
README_TEXT = True     # --no-readme-text: the scenarios without sc_readme_text
AF = {"ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}
NCPU = os.cpu_count()
# Transitions the kernel can make without tcp_set_state() (README, "Hook
# modes"): a kprobe-mode module cannot see them. LISTEN->CLOSE only when
# listen() fails; a listener's close() goes through tcp_set_state().
CONTRACT_NOT_TSS = {("CLOSE", "LISTEN"), ("LISTEN", "SYN_RECV"), ("LISTEN", "CLOSE")}


# --------------------------------------------------------------------------
# fixtures
def loaded(t):
    tcpst.ensure_loaded(MODE)
    save_proc_once()
    if tcpst.fd_holders():
        t.fail_now("a previous test left %s open (pids %s)" % (tcpst.DEV, tcpst.fd_holders()))
    tcpst.kill_timewait()           # earlier tests' TIME_WAIT sockets end now, not mid-test


def save_proc_once():
    """$TCPSTATE_OUT/proc-tcpstate.txt: /proc/net/tcpstate right after
    the first load with this mode's parameters (tests/kernel/matrix.sh
    reads its group_* lines)."""
    path = os.path.join(tcpst.OUT, "proc-tcpstate.txt")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write("\n".join(tcpst.read_proc_lines()) + "\n")


def unloaded(t):
    tcpst.ensure_unloaded()


def key(old, new):
    return tcpst.trans_key(old, new)


# What a kprobe-mode module cannot see: the changes the kernel makes without
# tcp_set_state() (contract; LISTEN->CLOSE and SYN_RECV->CLOSE only in rare
# failure paths these tests do not take).
KPROBE_BLIND = {("CLOSE", "LISTEN"), ("LISTEN", "SYN_RECV")}


def visible(changes):
    """The ftrace state changes this hook mode must report. Not decided by
    the tcp_set_state kprobe event (via_tss): a kprobe hit while another
    kprobe's handler runs on the CPU is dropped, so the oracle would miss
    exactly what the module misses."""
    if MODE == "tracepoint":
        return list(changes)
    return [c for c in changes if (c["old"], c["new"]) not in KPROBE_BLIND]


def pairs(evs):
    return [(e["old"], e["new"]) for e in evs]


def tup(e):
    return (e["laddr"], e["lport"], e["raddr"], e["rport"])


def own_records(all_recs, info):
    """Drop TIME_WAIT records of sockets that are not the scenario's: a
    deleted netns' TIME_WAIT sockets end (reason netns) after the netns is
    gone, with its inode number, which the kernel reuses for the next netns
    (the netns tests create one each)."""
    cookies = {s["cookie"] for s in info["sockets"].values()}
    return [r for r in all_recs if not (r.get("type") == "state" and r.get("timewait")
                                        and r["cookie"] not in cookies)]


def tid_owner(tid, known):
    """(tgid, comm) of a thread id seen by ftrace."""
    if tid in known:
        return known[tid]
    try:
        with open("/proc/%d/status" % tid) as f:
            st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        return int(st["Tgid"].strip()), st["Name"].strip()
    except (OSError, KeyError, ValueError):
        return tid, None


def state_groups_by_cookie(recs):
    groups = collections.OrderedDict()
    for r in recs:
        if r.get("type") == "state":
            groups.setdefault(r["cookie"], []).append(r)
    return groups


def role_of(last, info):
    """Which socket of a scenario a (last) event belongs to, by its ports."""
    sp, cp = info["server_port"], info.get("client_port")
    lp, rp = last["lport"], last["rport"]
    if lp == sp and rp == 0:
        return "listener"
    if lp == sp and (rp == cp or cp is None and rp != 0):
        return "child"
    if rp == sp and (lp == cp or lp == 0 or cp is None):
        return "client"
    return None


def transition_counts(recs):
    c = collections.Counter()
    for r in recs:
        if r.get("type") == "state":
            c[(r["old"], r["new"])] += 1
    return c


def check_counters(t, counts, pb, pa, resets_in, snmp_b, snmp_a, what="", all_recs=None):
    """/proc/net/tcpstate and /proc/net/snmp deltas against the transitions
    the tool reported (counts: Counter of (old, new) of the full sockets'
    state records; all_recs: every record the tool printed meanwhile, v2:
    segment, request and TIME_WAIT records too)."""
    d = tcpst.delta(pa, pb)
    n = sum(counts.values()) if all_recs is None else len(all_recs)
    got_trans = {k: v for k, v in d.items() if k.startswith("trans_") and v}
    every = counts if all_recs is None else transition_counts(all_recs)
    want_trans = {key(o, nw): v for (o, nw), v in every.items() if v}
    t.eq(got_trans, want_trans, what + "/proc trans_* deltas vs the tool's transitions")
    for name, trs in tcpst.DERIVED.items():
        t.eq(d.get(name, 0), sum(counts[x] for x in trs),
             what + "/proc %s delta vs tool count of %s" % (name, trs))
    t.eq(d.get("events_recorded", 0), n, what + "/proc events_recorded delta vs tool records")
    t.eq(d.get("events_read", 0), n, what + "/proc events_read delta vs tool records")
    t.eq(d.get("events_dropped", 0), 0, what + "/proc events_dropped delta")
    t.eq(d.get("events_discarded", 0), 0, what + "/proc events_discarded delta")
    t.eq(pa.get("events_buffered"), 0, what + "/proc events_buffered after the tool drained")
    t.eq(d.get("resets_in", 0), resets_in,
         what + "/proc resets_in delta vs ftrace tcp:tcp_receive_reset events")
    sd = tcpst.delta(snmp_a, snmp_b)
    t.eq(d.get("resets_out", 0), sd["OutRsts"], what + "/proc resets_out delta vs snmp Tcp OutRsts delta")
    t.eq(sd["ActiveOpens"], counts[("CLOSE", "SYN_SENT")],
         what + "snmp ActiveOpens delta vs tool count of CLOSE->SYN_SENT")
    t.eq(sd["EstabResets"], counts[("ESTABLISHED", "CLOSE")] + counts[("CLOSE_WAIT", "CLOSE")],
         what + "snmp EstabResets delta vs tool count of ESTABLISHED->CLOSE + CLOSE_WAIT->CLOSE")
    t.eq(sd["AttemptFails"], counts[("SYN_SENT", "CLOSE")] + counts[("SYN_RECV", "CLOSE")],
         what + "snmp AttemptFails delta vs tool count of SYN_SENT->CLOSE + SYN_RECV->CLOSE")


def check_socket_events(t, info, events, recs, pid_of, netns, t0, t1, what=""):
    """The per-socket comparison of a scenario: tool records (JSON) against
    ftrace state changes (already restricted to this scenario)."""
    fam = info["family"]
    ftr_groups = {}
    for g in ftrace.split_sockets(events):
        role = role_of(g[-1], info)
        if role is None or role in ftr_groups:
            t.fail(what + "ftrace: socket %x with events %s is not one of the scenario's"
                   " (server port %s, client port %s)" %
                   (g[0]["sk"], pairs(g), info["server_port"], info.get("client_port")))
            continue
        ftr_groups[role] = g
    tool_groups = {}
    for cookie, g in state_groups_by_cookie(recs).items():
        role = role_of(g[-1], info)
        if role is None or role in tool_groups:
            t.fail(what + "tool: cookie %d with events %s (last tuple %s) is not one of the"
                   " scenario's sockets" % (cookie, pairs(g), tup(g[-1])))
            continue
        tool_groups[role] = g
    for r in recs:
        if r.get("type") != "state":
            t.fail(what + "tool: unexpected record %r" % r)

    for role, sock in info["sockets"].items():
        fg = ftr_groups.get(role)
        if fg is None:
            t.fail(what + "%s: ftrace saw no state change (oracle broken?)" % role)
            continue
        # The oracle itself must show the fixed sequence of this scenario.
        t.list_eq(pairs(fg), [tuple(x) for x in info["expected"][role]],
                  what + "%s: kernel (ftrace) sequence vs the scenario's" % role)
        exp = visible(fg)
        if MODE == "kprobe":
            hidden = [c for c in pairs(fg) if c not in pairs(exp)]
            for h in hidden:
                t.true(h in CONTRACT_NOT_TSS, what + "%s: kernel made %s->%s outside tcp_set_state,"
                       " not in the contract's list" % (role, h[0], h[1]))
            for c in exp:
                if (c["old"], c["new"]) in CONTRACT_NOT_TSS:
                    t.note("%s%s: %s->%s goes through tcp_set_state on this kernel "
                           "(contract says kprobe mode misses it): expected from the tool"
                           % (what, role, c["old"], c["new"]))
        tg = tool_groups.get(role, [])
        if not t.list_eq(pairs(tg), pairs(exp),
                         what + "%s: tool transitions vs ftrace%s" %
                         (role, " (tcp_set_state ones)" if MODE == "kprobe" else "")):
            continue
        if not tg:
            continue
        t.eq(tg[0]["cookie"], sock["cookie"], what + "%s: cookie vs SO_COOKIE" % role)
        real = tuple(sock["tuple"])
        child_real = tuple(info["sockets"]["child"]["tuple"]) if "child" in info["sockets"] else None
        prev_ts = 0
        for r, f in zip(tg, exp):
            tr = "%s %s->%s" % (role, r["old"], r["new"])
            t.eq(r["family"], fam, what + tr + ": family")
            t.eq(r["netns"], netns, what + tr + ": netns inode")
            if (r["old"], r["new"]) == ("LISTEN", "SYN_RECV"):
                # Kernel quirk: ftrace shows the listener's tuple here.
                t.eq((f["rport"], f["raddr"]), (0, "0.0.0.0" if fam == "ipv4" else "::"),
                     what + tr + ": ftrace shows the listener's (empty) remote end")
                t.eq(tup(r), child_real, what + tr + ": tool tuple vs the child's real tuple")
            else:
                t.eq(tup(r), tup(f), what + tr + ": tool tuple vs ftrace tuple")
                if (r["old"], r["new"]) == ("CLOSE", "SYN_SENT"):
                    t.eq(r["lport"], 0, what + tr + ": lport (connect auto-binds after)")
                    t.eq(f["lport"], 0, what + tr + ": ftrace lport")
                    t.eq((r["laddr"], r["raddr"], r["rport"]), (real[0], real[2], real[3]),
                         what + tr + ": tool tuple (but lport) vs the real tuple")
                else:
                    t.eq(tup(r), real, what + tr + ": tool tuple vs the socket's real tuple")
            # pid/comm: from ftrace's context flags and pid
            if f["task"]:
                epid, ecomm = pid_of(f["pid"])
            else:
                epid, ecomm = None, None
            t.eq((r["pid"], r["comm"]), (epid, ecomm),
                 what + tr + ": pid/comm vs ftrace (%s context, ftrace pid %d)" %
                 ("task" if f["task"] else "irq/softirq", f["pid"]))
            if r["pid"] is not None:
                t.eq(r["pid"], info.get("pid", MY_PID), what + tr + ": a non-null pid must be the test's")
            if (r["old"], r["new"]) in [tuple(x) for x in info.get("syscall", {}).get(role, [])]:
                t.eq((r["pid"], r["comm"]), (info.get("pid", MY_PID), info.get("comm", MY_COMM)),
                     what + tr + ": made by our syscall")
            t.true(t0 <= r["ts"] <= t1, what + tr + ": ts %d within the scenario [%d, %d]"
                   % (r["ts"], t0, t1))
            t.true(r["ts"] >= prev_ts, what + tr + ": ts not before the previous event")
            prev_ts = r["ts"]
            if MODE == "tracepoint":
                t.eq(r["cpu"], f["cpu"], what + tr + ": cpu vs ftrace's")
            else:
                t.true(0 <= r["cpu"] < NCPU, what + tr + ": cpu %d < %d" % (r["cpu"], NCPU))


def save(name, **data):
    """Keep what a test compared, for a post-mortem ($TCPSTATE_OUT/data/)."""
    d = os.path.join(tcpst.OUT, "data")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".json"), "w") as f:
        json.dump(data, f, default=str)


# --------------------------------------------------------------------------
# a. scenarios
def scenario_test(family, kind):
    def fn(t):
        port = scenarios.free_port(family) if kind == "refused" else None
        # /proc counts every TIME_WAIT end from its first reading here,
        # the tool's session only from its open, a moment later: an
        # earlier test's socket ending in between would be in /proc
        # alone (groups_disarmed_requests, which loads the module without
        # the loaded fixture and its ss -K: 29 such ends on the debug
        # kernel). So they end now, before the window opens.
        tcpst.kill_timewait()
        left = sorted(p for p, sts in tcpst.tcp_table_ports().items() if netns_lib.TIME_WAIT in sts)
        t.require_eq(left, [], "TIME_WAIT sockets of earlier tests as the /proc window opens")
        FT.start()
        pb, sb = tcpst.read_proc(), tcpst.snmp_tcp()
        dump = tcpst.Dump()
        t.defer(dump.kill)
        t0 = time.monotonic_ns()
        if kind == "refused":
            info = scenarios.refused(family, port)
        else:
            info = getattr(scenarios, kind)(family)
        ports = [p for p in (info["server_port"], info.get("client_port")) if p]
        tcpst.wait_quiet(ports)
        tcpst.wait_drained()
        t1 = time.monotonic_ns()
        events = FT.collect()
        rc = dump.stop()
        pa, sa = tcpst.read_proc(), tcpst.snmp_tcp()
        t.eq(rc, 0, "tool exit status after SIGINT (stderr %r)" % dump.stderr()[-300:])
        all_recs = dump.records()
        for p in tcpst.schema_problems(all_recs):
            t.fail("tool JSON: " + p)
        # v2: segment/request records and TIME_WAIT sockets' state records
        # are the scenarios suite's (tests/scenarios); here the full sockets
        recs = tcpst.full_state_records(all_recs)
        changes = ftrace.state_changes(events)
        foreign = [c for c in changes if not ({c["lport"], c["rport"]} & set(ports))]
        t.eq(foreign, [], "ftrace state changes not from this scenario (other TCP traffic?)")
        rst = ftrace.resets(events)
        t.eq(len(rst), info["resets"], "ftrace tcp_receive_reset events (scenario sanity)")
        save("scenario_%s_%s" % (family, kind), info=info, changes=changes, recs=recs,
             t0=t0, t1=t1, mode=MODE, pid=MY_PID)
        check_socket_events(t, info, changes, recs, lambda tid: tid_owner(tid, {MY_PID: (MY_PID, MY_COMM)}),
                            tcpst.netns_inode(), t0, t1)
        check_counters(t, transition_counts(recs), pb, pa, len(rst), sb, sa, all_recs=all_recs)
    return fn


# --------------------------------------------------------------------------
# b. ring buffer flood
FLOOD_CONNS = 200
FLOOD_RING = 64


def ftrace_key(c, tuple_of):
    return (c["family"], tuple_of.get(id(c), tup(c)), c["old"], c["new"])


def child_tuples(changes):
    """For LISTEN->SYN_RECV, the child's tuple (from its later events)."""
    out = {}
    for g in ftrace.split_sockets(changes):
        if pairs(g[:1]) == [("LISTEN", "SYN_RECV")] and len(g) > 1:
            out[id(g[0])] = tup(g[1])
    return out


def check_chains(t, recs):
    """Per cookie, each event's old == the previous one's new, unless a lost
    record came between them."""
    last = {}
    lost_since = set()
    bad = []
    for i, r in enumerate(recs):
        if r["type"] in ("lost", tcpst.REC_LOST):
            lost_since = set(last)       # every chain may have a gap here
            continue
        if r["type"] not in ("state", tcpst.REC_STATE):
            continue
        # v2: a TIME_WAIT socket's records are a chain of their own
        k = (r["cookie"], bool(r.get("timewait")) or bool(r.get("flags", 0) & tcpst.F_TIMEWAIT))
        p = last.get(k)
        if p is not None and p["new"] != r["old"] and k not in lost_since:
            bad.append("record %d cookie %d%s: %s->%s after %s->%s" %
                       (i, r["cookie"], " (timewait)" if k[1] else "", r["old"], r["new"],
                        p["old"], p["new"]))
        lost_since.discard(k)
        last[k] = r
    t.eq(bad[:5], [], "per-socket chains (old == previous new)")


# Transitions a TIME_WAIT socket's records (v2) can have: excluded when
# the /proc trans_* counters are compared with ftrace's full sockets.
TW_TRANS = {("FIN_WAIT2", "FIN_WAIT2"), ("FIN_WAIT2", "TIME_WAIT"), ("CLOSING", "TIME_WAIT"),
            ("FIN_WAIT1", "TIME_WAIT"), ("TIME_WAIT", "CLOSE")}


def check_trans_vs_ftrace(t, d, exp, what=""):
    """/proc trans_* deltas vs ftrace's (visible) changes, for every
    transition a TIME_WAIT record cannot have."""
    want = collections.Counter((c["old"], c["new"]) for c in exp)
    got = {k: v for k, v in d.items() if k.startswith("trans_") and v}
    tw_keys = {key(o, n) for o, n in TW_TRANS}
    t.eq({k: v for k, v in got.items() if k not in tw_keys},
         {key(o, n): v for (o, n), v in want.items() if key(o, n) not in tw_keys},
         what + "/proc trans_* deltas vs ftrace (but TIME_WAIT sockets' transitions)")


def flood_check(t, recs, changes, pb, pa, dump):
    for p in tcpst.schema_problems(recs):
        t.fail("tool JSON: " + p)
    exp = visible(changes)
    d = tcpst.delta(pa, pb)
    state = tcpst.full_state_records(recs)
    kept = [r for r in recs if r["type"] != "lost"]
    lost = [r for r in recs if r["type"] == "lost"]
    t.true(d["events_recorded"] >= len(exp), "events_recorded delta %d >= ftrace's %d state changes"
           % (d["events_recorded"], len(exp)))
    check_trans_vs_ftrace(t, d, exp)
    t.eq(d["events_recorded"], d["events_read"] + d["events_dropped"] + d["events_discarded"]
         + pa["events_buffered"], "recorded = read + dropped + discarded + buffered")
    t.eq(pa["events_buffered"], 0, "events_buffered after the drain")
    t.eq(d["events_read"], len(kept), "events_read delta vs records the tool printed (not lost ones)")
    t.eq(d["events_dropped"], d["events_recorded"] - FLOOD_RING,
         "events_dropped delta (all beyond the ring)")
    t.eq(sum(r["count"] for r in lost), d["events_dropped"] + d["events_missed"],
         "sum of lost counts vs events_dropped + events_missed delta")
    t.eq(["lost" if r["type"] == "lost" else "event" for r in recs], ["event"] * FLOOD_RING + ["lost"],
         "record sequence: the ring's %d records then one lost record" % FLOOD_RING)
    # The full sockets' state records are the first ones ftrace saw.
    ct = child_tuples(changes)
    want = collections.Counter(ftrace_key(c, ct) for c in exp[:len(state)])
    got = collections.Counter((AF[r["family"]], tup(r), r["old"], r["new"]) for r in state)
    t.eq(dict(got - want), {}, "state records the tool got that are not among ftrace's first %d" % len(state))
    t.eq(dict(want - got), {}, "ftrace's first %d events the tool did not get" % len(state))
    check_chains(t, recs)


TIMER_MIGRATION = "/proc/sys/kernel/timer_migration"


def pin_cpu0(t):
    """Every event of the test on CPU 0, so in its ring of each session:
    this process and its children there (loopback packets are processed
    on the CPU that sends them), and timers expire where they were set
    (6.12's timer migration lets an idle CPU's timers run on another).
    Undone at the test's end, or by calling what it returns."""
    old_aff = os.sched_getaffinity(0)
    with open(TIMER_MIGRATION) as f:
        old_mig = f.read().strip()
    done = []

    def unpin():
        if done:
            return
        done.append(True)
        os.sched_setaffinity(0, old_aff)
        with open(TIMER_MIGRATION, "w") as f:
            f.write(old_mig)
    with open(TIMER_MIGRATION, "w") as f:
        f.write("0")
    os.sched_setaffinity(0, {0})
    t.defer(unpin)
    return unpin


def flood(t, stalled):
    tcpst.ensure_loaded(MODE, FLOOD_RING)
    t.defer(tcpst.ensure_loaded, MODE)
    t.eq(tcpst.read_param("nr_records"), str(FLOOD_RING), "nr_records parameter")
    tcpst.kill_timewait()
    dump = None
    if stalled:
        dump = tcpst.Dump()
        t.defer(dump.kill)
        os.kill(dump.proc.pid, signal.SIGSTOP)
        wait_for(lambda: open("/proc/%d/stat" % dump.proc.pid).read().rsplit(")", 1)[1].split()[0]
                 in ("T", "t"), 5, what="tool stopped")
    unpin = pin_cpu0(t)     # one CPU: ftrace order == ring order, one ring
    FT.start()
    pb = tcpst.read_proc()
    t0 = time.monotonic()
    port, cports = scenarios.many(FLOOD_CONNS)
    tcpst.wait_quiet([port] + cports)
    t.note("%d connections in %.1fs" % (FLOOD_CONNS, time.monotonic() - t0))
    events = FT.collect()
    unpin()
    mid = tcpst.read_proc()
    t.eq(mid["events_buffered"], FLOOD_RING, "events_buffered with the ring full")
    if stalled:
        os.kill(dump.proc.pid, signal.SIGCONT)
    else:
        dump = tcpst.Dump()
        t.defer(dump.kill)
    tcpst.wait_drained()
    # The lost record is stored by the reader's next read() after it has
    # emptied the ring (tcpstate_ring_flush_lost): events_buffered is 0
    # before that. A SIGINT arriving in between ends the tool without
    # that read (seen on 6.1-rt): wait for the record the checks expect.
    try:
        wait_for(lambda: any(r["type"] == "lost" for r in dump.records()), 10,
                 what="the tool to print the lost record")
    except TimeoutError as e:
        t.fail(str(e))
    rc = dump.stop()
    pa = tcpst.read_proc()
    t.eq(rc, 0, "tool exit status")
    recs, changes = dump.records(), ftrace.state_changes(events)
    save("flood_%s" % ("stalled" if stalled else "no_reader"), recs=recs, changes=changes,
         pb=pb, pa=pa, mode=MODE)
    flood_check(t, recs, changes, pb, pa, dump)


def test_lost_then_more(t):
    """Drops pending, the reader frees some room, new events come: the lost
    record goes in before them; what does not fit is counted in a second
    lost record."""
    tcpst.ensure_loaded(MODE, FLOOD_RING)
    t.defer(tcpst.ensure_loaded, MODE)
    tcpst.kill_timewait()
    # The session, opened first, does not read during the flood.
    fd = tcpst.dev_open(os.O_RDONLY | os.O_NONBLOCK)
    t.defer(os.close, fd)
    pin_cpu0(t)
    FT.start()
    pb = tcpst.read_proc()
    port, cports = scenarios.many(20)          # ~200 events, ring of 64
    tcpst.wait_quiet([port] + cports)
    split = time.monotonic_ns()
    psplit = tcpst.read_proc()
    early = tcpst.decode_records(os.read(fd, 128 * 10))
    t.eq(len(early), 10, "first read of 10 records")
    info = scenarios.simple()
    tcpst.wait_quiet([info["server_port"], info["client_port"]])
    buf = b""
    while True:
        try:
            buf += os.read(fd, 128 * 256)
        except BlockingIOError:
            break
    changes = visible(ftrace.state_changes(FT.collect()))
    pa = tcpst.read_proc()
    recs = early + tcpst.decode_records(buf)
    first = [c for c in changes if c["ts"] < split]
    second = [c for c in changes if c["ts"] >= split]
    types = [r["type"] for r in recs]
    lost_at = [i for i, x in enumerate(types) if x == tcpst.REC_LOST]
    t.eq(lost_at[:1], [FLOOD_RING], "the first lost record comes right after the ring's %d records" % FLOOD_RING)
    d = tcpst.delta(pa, pb)
    t.eq(sum(r["count"] for r in recs if r["type"] == tcpst.REC_LOST),
         d["events_dropped"] + d["events_missed"],
         "sum of lost counts vs events_dropped + events_missed delta")
    t.true(d["events_recorded"] >= len(changes), "events_recorded delta >= ftrace's state changes")
    check_trans_vs_ftrace(t, d, changes)
    t.eq(d["events_recorded"], d["events_read"] + d["events_dropped"] + pa["events_buffered"],
         "recorded = read + dropped + buffered")
    if len(lost_at) >= 1:
        n_first = psplit["events_recorded"] - pb["events_recorded"]
        t.eq(recs[lost_at[0]]["count"], n_first - FLOOD_RING, "first lost count: the flood's overflow")
        rest = recs[lost_at[0] + 1:]
        kept = [r for r in rest if r["type"] != tcpst.REC_LOST]
        after = [r for r in kept if r["type"] == tcpst.REC_STATE and not r["flags"] & tcpst.F_TIMEWAIT]
        got = [(r["old"], r["new"], r["lport"], r["rport"]) for r in after]
        exp = [(c["old"], c["new"]) for c in second]
        t.eq([g[:2] for g in got], exp[:len(got)], "state records after the gap: a prefix of the new"
             " connection's")
        t.true(len(kept) >= 9, "at least 9 of the new connection's events fit in the 10 freed slots"
               " (one may hold the lost record)", len(kept))
        missing = (pa["events_recorded"] - psplit["events_recorded"]) - len(kept)
        t.eq(sum(r["count"] for r in rest if r["type"] == tcpst.REC_LOST), missing,
             "lost count after the new events: those that did not fit")
        if missing:
            t.eq(types[-1], tcpst.REC_LOST, "a lost record ends the stream")


def test_small_ring_live_reader(t):
    """nr_records=16 with a reader attached: wraps many times; every event is
    either read or counted as dropped, the ones read are real, in order."""
    tcpst.ensure_loaded(MODE, 16)
    t.defer(tcpst.ensure_loaded, MODE)
    tcpst.kill_timewait()
    FT.start()
    pb = tcpst.read_proc()
    dump = tcpst.Dump()
    t.defer(dump.kill)
    port, cports = scenarios.many(100)
    tcpst.wait_quiet([port] + cports)
    tcpst.wait_drained()
    changes = ftrace.state_changes(FT.collect())
    rc = dump.stop()
    pa = tcpst.read_proc()
    t.eq(rc, 0, "tool exit status")
    recs = dump.records()
    state = tcpst.full_state_records(recs)
    kept = [r for r in recs if r["type"] != "lost"]
    lost = [r for r in recs if r["type"] == "lost"]
    exp = visible(changes)
    d = tcpst.delta(pa, pb)
    t.true(d["events_recorded"] >= len(exp), "events_recorded delta >= ftrace's state changes")
    check_trans_vs_ftrace(t, d, exp)
    t.eq(d["events_read"], len(kept), "events_read delta vs records the tool printed (not lost ones)")
    t.eq(len(kept) + sum(r["count"] for r in lost), d["events_recorded"] + d["events_missed"],
         "records + lost counts vs events_recorded + events_missed delta")
    t.eq(sum(r["count"] for r in lost), d["events_dropped"] + d["events_missed"],
         "lost counts vs events_dropped + events_missed delta")
    ct = child_tuples(changes)
    want = collections.Counter((c["family"], ct.get(id(c), tup(c)), c["old"], c["new"]) for c in exp)
    got = collections.Counter((AF[r["family"]], tup(r), r["old"], r["new"]) for r in state)
    t.eq(dict(got - want), {}, "records not seen by ftrace (or duplicated)")
    check_chains(t, recs)
    t.note("%d read, %d dropped in %d lost records" % (len(state), d["events_dropped"], len(lost)))


def test_flood_stalled_reader(t):
    flood(t, stalled=True)


def test_stream_with_reader(t):
    """100 connections with a reader attached and a big ring: it gets every
    event ftrace saw, nothing lost."""
    tcpst.ensure_loaded(MODE)
    FT.start()
    pb = tcpst.read_proc()
    dump = tcpst.Dump()
    t.defer(dump.kill)
    port, cports = scenarios.many(100)
    tcpst.wait_quiet([port] + cports)
    tcpst.wait_drained()
    events = FT.collect()
    rc = dump.stop()
    pa = tcpst.read_proc()
    t.eq(rc, 0, "tool exit status")
    all_recs = dump.records()
    recs = tcpst.full_state_records(all_recs)
    changes = ftrace.state_changes(events)
    exp = visible(changes)
    d = tcpst.delta(pa, pb)
    t.eq([r for r in all_recs if r["type"] == "lost"], [], "lost records")
    t.eq(d["events_dropped"], 0, "events_dropped delta")
    t.eq(d["events_read"], len(all_recs), "events_read delta vs records the tool printed")
    t.eq(d["events_recorded"], len(all_recs), "events_recorded delta vs records the tool printed")
    check_trans_vs_ftrace(t, d, exp)
    ct = child_tuples(changes)
    want = collections.Counter((c["family"], ct.get(id(c), tup(c)), c["old"], c["new"]) for c in exp)
    got = collections.Counter((AF[r["family"]], tup(r), r["old"], r["new"]) for r in recs)
    t.eq(dict(got - want), {}, "records not seen by ftrace")
    t.eq(dict(want - got), {}, "ftrace events the tool did not get")
    check_chains(t, recs)


# --------------------------------------------------------------------------
# c. parameters, device, tool errors
BAD_PARAMS = [("hook=foo", "hook"), ("hook=", "hook"), ("nr_records=0", "nr_records"),
              ("nr_records=15", "nr_records"), ("nr_records=1048577", "nr_records"),
              ("nr_records=99999999", "nr_records"), ("nr_records=abc", "nr_records"),
              ("nr_records=-1", "nr_records"), ("nr_records=4294967312", "nr_records"),
              ("hook=kprobes", "hook"), ("hook=trace", "hook"), ("hook=tracepointx", "hook"),
              ("hook=Kprobe", "hook"), ("wakeup_ms=1001", "wakeup_ms"), ("wakeup_ms=-1", "wakeup_ms"),
              ("wakeup_ms=abc", "wakeup_ms"), ("wakeup_ms=", "wakeup_ms")]


def test_bad_params(t):
    for param, name in BAD_PARAMS:
        tcpst.ensure_unloaded()
        k = tcpst.Kmsg()
        err = tcpst.finit_module(param)
        log = k.text()
        k.close()
        if err == 0:
            t.fail("finit_module(%s): expected EINVAL, it loaded" % param)
            tcpst.ensure_unloaded()
            continue
        t.eq(errno.errorcode.get(err, err), "EINVAL", "finit_module(%s) errno" % param)
        t.contains(log, name, "%s: kernel log names the parameter" % param)
        t.eq(tcpst.loaded(), False, "%s: module not loaded" % param)
        r = tcpst.insmod(param)
        t.ne(r.returncode, 0, "insmod %s exit status" % param)
        tcpst.ensure_unloaded()


def test_params_rounding(t):
    for n, want in ((100, 128), (16, 16), (1000, 1024), (524289, 1048576), (1048576, 1048576)):
        tcpst.ensure_unloaded()
        k = tcpst.Kmsg()
        r = tcpst.insmod("hook=" + MODE, "nr_records=%d" % n)
        log = k.text()
        k.close()
        if not t.eq(r.returncode, 0, "insmod nr_records=%d status (stderr %r)" % (n, r.stderr.strip())):
            continue
        t.eq(tcpst.read_param("nr_records"), str(want), "nr_records=%d: parameters/nr_records" % n)
        fd = tcpst.dev_open()
        try:
            t.eq(tcpst.ioctl_info(fd)["nr_records"], want, "nr_records=%d: ioctl INFO nr_records" % n)
        finally:
            os.close(fd)
        if n != want:
            t.contains(log, str(want), "nr_records=%d: kernel log tells the rounding" % n)
    tcpst.ensure_unloaded()


def test_params_sysfs(t):
    tcpst.ensure_unloaded()
    r = tcpst.insmod()
    t.require(r.returncode == 0, "insmod without parameters", r.stderr.strip())
    t.eq(tcpst.read_param("hook"), "tracepoint", "default hook")
    t.eq(tcpst.read_param("nr_records"), "8192", "default nr_records")
    t.eq(tcpst.read_param("wakeup_ms"), "100", "default wakeup_ms")
    for p in ("hook", "nr_records", "wakeup_ms"):
        m = stat.S_IMODE(os.stat(os.path.join(tcpst.PARAMS, p)).st_mode)
        t.eq(oct(m), oct(0o444), "mode of parameters/" + p)
    tcpst.ensure_unloaded()
    tcpst.ensure_loaded(MODE)
    t.eq(tcpst.read_param("hook"), MODE, "hook after insmod hook=" + MODE)


def test_device_node(t):
    st = os.stat(tcpst.DEV)
    t.true(stat.S_ISCHR(st.st_mode), "%s is a character device" % tcpst.DEV)
    t.eq(oct(stat.S_IMODE(st.st_mode)), oct(0o600), "mode of " + tcpst.DEV)
    t.eq((st.st_uid, st.st_gid), (0, 0), "owner of " + tcpst.DEV)
    t.eq(os.major(st.st_rdev), 10, "misc major")


def test_ioctl_info(t):
    fd = tcpst.dev_open()
    try:
        info = tcpst.ioctl_info(fd)
    finally:
        os.close(fd)
    t.eq(info, {"version": tcpst.ABI_VERSION, "rec_size": 128, "nr_records": 8192,
                "hook": {"tracepoint": 1, "kprobe": 2}[MODE], "netns": 0,
                "groups": tcpst.ALL_GROUPS, "nr_rings": tcpst.cpu_ids(), "reserved": [0, 0, 0, 0]},
         "TCPSTATE_IOC_INFO in init netns")


def test_proc_format(t):
    lines = tcpst.read_proc_lines()
    names = [l.split(" ")[0] for l in lines]
    t.list_eq(names[:len(tcpst.PROC_ORDER)], tcpst.PROC_ORDER, "first lines of %s" % tcpst.PROC)
    states = {s.lower() for s in ftrace.TCP_STATES.values()}
    for l in lines:
        parts = l.split(" ")
        if not t.true(len(parts) == 2 and parts[1].isdigit() and str(int(parts[1])) == parts[1],
                      "line %r is 'name decimal'" % l):
            continue
        if parts[0] in tcpst.PROC_ORDER:
            continue
        ok = parts[0].startswith("trans_")
        if ok:
            rest = parts[0][len("trans_"):]
            ok = any(rest.startswith(a + "_") and rest[len(a) + 1:] in states for a in states)
        t.true(ok, "line %r is a trans_<old>_<new> line with kernel state names" % l)
    p = tcpst.read_proc()
    t.eq(p["events_recorded"], p["events_read"] + p["events_dropped"] + p["events_discarded"]
         + p["events_buffered"], "invariant recorded = read + dropped + discarded + buffered")
    t.eq(len(set(names)), len(names), "no duplicate names")


def test_second_open_is_a_session(t):
    """Each open() is a session of its own (the sessions issue): a second
    open succeeds, and so does one while the tool reads; each has its id."""
    fd = tcpst.dev_open()
    t.defer(os.close, fd)
    fd2 = tcpst.dev_open()
    t.defer(os.close, fd2)
    a, b = tcpst.session_info(fd), tcpst.session_info(fd2)
    t.true(a["id"] != b["id"], "two sessions, two ids", (a["id"], b["id"]))
    dump = tcpst.Dump()
    t.defer(dump.kill)
    fd3 = tcpst.dev_open()
    os.close(fd3)


def test_read_sizes(t):
    fd = tcpst.dev_open(os.O_RDONLY | os.O_NONBLOCK)
    t.defer(os.close, fd)
    for n in (64, 127):
        try:
            b = os.read(fd, n)
            t.fail("read(%d) on empty ring: expected EINVAL, got %d bytes" % (n, len(b)))
        except OSError as e:
            t.eq(errno.errorcode.get(e.errno), "EINVAL", "read(%d) errno (empty ring)" % n)
    try:
        os.read(fd, 128)
        t.fail("O_NONBLOCK read(128) on empty ring: expected EAGAIN, got data")
    except OSError as e:
        t.eq(errno.errorcode.get(e.errno), "EAGAIN", "O_NONBLOCK read on empty ring errno")
    scenarios.simple()
    for n in (64, 127):
        try:
            os.read(fd, n)
            t.fail("read(%d) with records buffered: expected EINVAL, got data" % n)
        except OSError as e:
            t.eq(errno.errorcode.get(e.errno), "EINVAL", "read(%d) errno (records buffered)" % n)
    b = os.read(fd, 200)            # room for one record only
    t.eq(len(b), 128, "read(200) returns one whole record")
    b += os.read(fd, 128 * 1000)
    t.eq(len(b) % 128, 0, "reads return whole records")
    all_recs = tcpst.decode_records(b)
    recs = [r for r in all_recs if r["type"] == tcpst.REC_STATE and not r["flags"] & tcpst.F_TIMEWAIT]
    exp = 12 if MODE == "tracepoint" else 10
    t.eq(len(recs), exp, "full sockets' state records of one connection (client closes first)")
    t.eq([(r["version"], r["size"]) for r in all_recs], [(tcpst.ABI_VERSION, 128)] * len(all_recs),
         "version/size of every record")
    t.eq(sorted({r["type"] for r in all_recs} - {tcpst.REC_STATE, tcpst.REC_SEGMENT, tcpst.REC_REQUEST}),
         [], "record types (v2: state, segment, request)")
    t.eq([r for r in all_recs if r["pad"] != (0, 0)], [], "header padding is zero")
    t.eq([r for r in recs if any(r["payload"][2:])], [],
         "state records: padding, reason, duration and reserved bytes are zero (not TIME_WAIT)")
    t.eq([r for r in all_recs if r["type"] == tcpst.REC_SEGMENT and any(r["payload"][21:])], [],
         "segment records: padding and reserved bytes are zero")
    t.eq([r for r in all_recs if r["type"] == tcpst.REC_REQUEST and
          (any(r["payload"][2:8]) or any(r["payload"][24:]))], [],
         "request records: padding and reserved bytes are zero")
    t.eq([r["flags"] & ~0xf for r in all_recs if r["flags"] & ~0xf], [], "no unknown flags")
    # segments=control (the default): every segment record is a control one
    t.eq([r for r in all_recs if r["type"] == tcpst.REC_SEGMENT and not r["flags"] & tcpst.F_CONTROL],
         [], "segment records without F_CONTROL (segments=control)")
    t.eq([r for r in all_recs if r["type"] != tcpst.REC_SEGMENT and r["flags"] & tcpst.F_CONTROL],
         [], "F_CONTROL on a record that is not a segment")
    child_first = [r for r in recs if (r["old"], r["new"]) == ("LISTEN", "SYN_RECV")]
    for r in child_first:
        t.true(r["flags"] & tcpst.F_CHILD_TUPLE, "LISTEN->SYN_RECV has TCPSTATE_F_CHILD_TUPLE")
    t.eq([r for r in recs if (r["old"], r["new"]) != ("LISTEN", "SYN_RECV")
          and r["flags"] & tcpst.F_CHILD_TUPLE], [], "only LISTEN->SYN_RECV has F_CHILD_TUPLE")
    t.eq([r for r in all_recs if not r["flags"] & tcpst.F_TASK and r["pid"]],
         [], "pid is 0 without TCPSTATE_F_TASK")
    t.eq({r["netns"] for r in all_recs}, {tcpst.netns_inode()}, "netns of the records")
    try:
        os.read(fd, 128)
        t.fail("after draining: expected EAGAIN")
    except OSError as e:
        t.eq(errno.errorcode.get(e.errno), "EAGAIN", "O_NONBLOCK read after draining errno")


def test_read_fault(t):
    """A read() whose buffer faults part way returns the records it copied
    and loses none: the rest come with the next read."""
    import ctypes
    import mmap
    libc = ctypes.CDLL(None, use_errno=True)
    libc.read.restype = ctypes.c_ssize_t
    libc.read.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
    fd = tcpst.dev_open(os.O_RDONLY | os.O_NONBLOCK)
    t.defer(os.close, fd)
    FT.start()
    p0 = tcpst.read_proc()
    info = scenarios.simple()
    tcpst.wait_quiet([info["server_port"], info["client_port"]])
    want = len(visible(ftrace.state_changes(FT.collect())))
    pb = tcpst.read_proc()
    want_all = pb["events_recorded"] - p0["events_recorded"]
    r = libc.read(fd, ctypes.c_void_p(16), 128 * 4)       # unmapped address
    t.eq((r, errno.errorcode.get(ctypes.get_errno())), (-1, "EFAULT"), "read() into an unmapped buffer")
    t.eq(tcpst.read_proc()["events_read"], pb["events_read"], "events_read unchanged by the faulting read")
    m = mmap.mmap(-1, 2 * mmap.PAGESIZE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(m))
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    t.require(libc.mprotect(ctypes.c_void_p(base + mmap.PAGESIZE), mmap.PAGESIZE, 0) == 0, "mprotect")
    # room for one record before the protected page, asking for three
    r = libc.read(fd, ctypes.c_void_p(base + mmap.PAGESIZE - 128), 128 * 3)
    t.eq(r, 128, "read() with only the first record's room mapped returns that record")
    first = tcpst.decode_records(bytes(m[mmap.PAGESIZE - 128:mmap.PAGESIZE])) if r == 128 else []
    libc.mprotect(ctypes.c_void_p(base + mmap.PAGESIZE), mmap.PAGESIZE, 3)
    rest = b""
    while True:
        try:
            rest += os.read(fd, 128 * 100)
        except BlockingIOError:
            break
    all_recs = first + tcpst.decode_records(rest)
    recs = [r for r in all_recs if r["type"] == tcpst.REC_STATE and not r["flags"] & tcpst.F_TIMEWAIT]
    t.eq(len(all_recs), want_all, "records read in all (none lost to the faults) vs events_recorded delta")
    t.eq(len(recs), want, "full sockets' state records read vs ftrace")
    t.eq([r["version"] for r in all_recs], [tcpst.ABI_VERSION] * len(all_recs), "valid records")
    check_chains(t, [dict(r, type="state") for r in recs])


def test_poll(t):
    fd = tcpst.dev_open(os.O_RDONLY | os.O_NONBLOCK)
    t.defer(os.close, fd)
    t0 = time.monotonic()
    ev = tcpst.poll_in(fd, 300)
    t.eq(ev, [], "poll() on an empty ring")
    t.true(time.monotonic() - t0 >= 0.25, "poll() waited for its timeout")
    scenarios.simple()
    ev = tcpst.poll_in(fd, 5000)
    t.eq([(f, m & select.POLLIN) for f, m in ev], [(fd, select.POLLIN)], "poll() after a connection")
    b = os.read(fd, 128 * 100)
    t.true(len(b) >= 128 and len(b) % 128 == 0, "read after POLLIN returns records", len(b))
    while True:
        try:
            os.read(fd, 128 * 100)
        except BlockingIOError:
            break
    t.eq(tcpst.poll_in(fd, 100), [], "poll() after draining")


class Reader:
    """reader.py in a subprocess (so a blocked read can be killed)."""

    def __init__(self, size=128 * 64):
        self.p = subprocess.Popen([tcpst.PY, os.path.join(os.path.dirname(__file__), "reader.py"),
                                   str(size)], stdout=subprocess.PIPE)
        self.fd = self.p.stdout.fileno()
        self.buf = b""
        try:
            self.first = json.loads(self.line(30))
        except Exception:
            self.kill()             # never leave a reader holding the device
            raise

    def line(self, timeout):
        """The next line it printed (own buffering: select() and a buffered
        file object do not mix)."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            r, _, _ = select.select([self.fd], [], [], max(left, 0))
            if not r:
                raise TimeoutError("reader printed nothing within %.0fs" % timeout)
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise EOFError("reader exited (%s)" % self.p.poll())
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode()

    def blocked(self):
        """True once the reader sleeps (in read())."""
        try:
            with open("/proc/%d/stat" % self.p.pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "S"
        except OSError:
            return False

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.p.stdout.close()


def test_blocked_read_wakes(t):
    rd = Reader()
    t.defer(rd.kill)
    t.require_eq(rd.first.get("open"), True, "reader open")
    wait_for(rd.blocked, 5, what="reader to block")
    time.sleep(0.2)
    t.true(rd.blocked(), "reader still blocked in read() with nothing to read")
    scenarios.simple()
    try:
        got = json.loads(rd.line(5))
    except (TimeoutError, EOFError) as e:
        t.fail_now("blocked read() not woken by a connection: %s" % e)
    t.true(got.get("bytes", 0) >= 128 and got["bytes"] % 128 == 0,
           "woken read returns whole records", got.get("bytes"))
    t.eq(got["records"][0]["type"] if got.get("records") else None, 1, "first record is a state record")


def read_batch(rd, timeout):
    """The reader's next read(): (records, seconds from the first record's
    timestamp to read()'s return)."""
    recs, lat, _ = read_batch_times(rd, timeout)
    return recs, lat


def read_batch_times(rd, timeout):
    """read_batch(), and (t_call, t_return) of that read() in seconds."""
    got = json.loads(rd.line(timeout))
    recs = got.get("records", [])
    times = (got.get("t_call_ns", got["t_ns"]) / 1e9, got["t_ns"] / 1e9)
    return recs, (got["t_ns"] - recs[0]["ts"]) / 1e9 if recs else None, times


def reads_until_quiet(rd, quiet=1.5, limit=8.0):
    """Every read() until none came for @quiet seconds: [(records, latency)]."""
    out, end = [], time.monotonic() + limit
    while time.monotonic() < end:
        try:
            out.append(read_batch(rd, quiet))
        except TimeoutError:
            break
    return out


# t_call is taken in the reader just before its read(), and the reader
# may not be asleep yet a few ms later (on the debug kernel, three VMs
# on two cores: a record 7 ms after t_call, read 14 ms after it, the
# read() having found it there as a busy reader does). A record that
# close to the call, read at once, is not judged; one read after the
# timer is (the read() slept, so the record found it asleep).
ENTER_READ_S = 0.1


def test_wakeup_batching(t):
    """wakeup_ms=1000: a reader idle for longer is woken by the first
    record at once; records that come once it sleeps again wait for the
    timer it armed as it went to sleep. wakeup_ms=0 wakes it at every
    record."""
    t.defer(tcpst.ensure_loaded, MODE)
    for ms in (1000, 0):
        tcpst.ensure_loaded(MODE, wakeup_ms=ms)
        rd = Reader()
        t.defer(rd.kill)
        t.require_eq(rd.first.get("open"), True, "reader open")
        reads_until_quiet(rd)
        wait_for(rd.blocked, 5, what="reader to block")
        pb = tcpst.read_proc()
        scenarios.simple()
        first, lat0 = read_batch(rd, 5)
        t.true(lat0 is not None and lat0 < 0.4, "wakeup_ms=%d, idle reader: woken by the first record at once"
               % ms, "%s s after it" % lat0)
        rest = []
        timer_waits = 0
        # Each read() is judged by what the module promises for it: a
        # reader asleep in read() when a record came, idle for less than
        # wakeup_ms, is woken by the timer it armed going to sleep (t_call
        # + wakeup_ms); one idle longer is woken at once; a reader still
        # busy (not yet in read()) just reads. On a loaded machine a round
        # may have no read of the first kind: up to 4 rounds, until one.
        for _ in range(4):
            scenarios.simple()
            batches = []
            # Once the reader has read the first records and sleeps again,
            # a second connection: its records find it asleep with its
            # timer armed (one connection's records alone can all come
            # while it is still reading: 6.12-rt, four rounds of that).
            try:
                batches.append(read_batch_times(rd, 1.5))
                wait_for(rd.blocked, 5, what="reader to block")
            except TimeoutError:
                pass
            scenarios.simple()
            end = time.monotonic() + 8.0
            while time.monotonic() < end:
                try:
                    batches.append(read_batch_times(rd, 1.5))
                except TimeoutError:
                    break
            for recs, lat, (t_call, t_ret) in batches:
                rest.append((recs, lat))
                if not recs or t_call >= recs[0]["ts"] / 1e9:
                    continue                    # busy: not asleep when it came
                idle = recs[0]["ts"] / 1e9 - t_call
                if ms and idle < ENTER_READ_S and t_ret - t_call < 0.9 * ms / 1000:
                    continue                    # came as read() began: found there
                if not ms:
                    t.true(lat < 0.4, "wakeup_ms=0: a sleeping reader woken by its record at once",
                           "%.3f s" % lat)
                elif idle < 0.9 * ms / 1000:
                    timer_waits += 1
                    t.true(t_ret - t_call >= 0.9 * ms / 1000 and lat <= 2.5,
                           "wakeup_ms=%d: a reader asleep %.3f s when a record came waited for its"
                           " timer" % (ms, idle), "read() returned %.3f s after the call, %.3f s after"
                           " the record" % (t_ret - t_call, lat))
                elif idle > 1.1 * ms / 1000:
                    t.true(lat < 0.4, "wakeup_ms=%d: a reader idle %.3f s woken by the record at once"
                           % (ms, idle), "%.3f s" % lat)
            if not ms or timer_waits:
                break
        pa = tcpst.read_proc()
        t.eq(len(first) + sum(len(r) for r, _ in rest) + pa["events_buffered"],
             pa["events_recorded"] - pb["events_recorded"],
             "wakeup_ms=%d: records read + still buffered vs recorded" % ms)
        lats = [lat for _, lat in rest]
        t.note("wakeup_ms=%d: first read %.3f s after its record; then %d reads, %s" % (
            ms, lat0 or -1, len(rest), " ".join("%d@%.3fs" % (len(r), lat) for r, lat in rest)))
        if ms:
            t.true(timer_waits > 0, "wakeup_ms=1000: a read() asleep when its record came, woken by"
                   " the timer, seen", "latencies %s" % lats)
        else:
            t.true(lats and max(lats) < 0.4, "wakeup_ms=0: every read() right after its first record",
                   "latencies %s" % lats)
        rd.kill()


def test_blocked_reader_every_event(t):
    """A reader blocked in read() gets every event promptly, connection
    after connection (a lost wakeup leaves records sitting in the ring)."""
    rd = Reader(128 * 3 + 5)           # at most 3 records per read
    t.defer(rd.kill)
    t.require_eq(rd.first.get("open"), True, "reader open")
    FT.start()
    total = 0
    st_total = 0
    for i in range(30):
        wait_for(rd.blocked, 5, what="reader to block")
        pb = tcpst.read_proc()
        scenarios.simple()
        want = tcpst.read_proc()["events_recorded"] - pb["events_recorded"]
        n = 0
        try:
            while n < want:
                got = json.loads(rd.line(3))
                if got.get("bytes", 0) % 128 or not 128 <= got.get("bytes", 0) <= 3 * 128:
                    t.fail("read(389) returned %s bytes" % got.get("bytes"))
                n += len(got.get("records", []))
                st_total += len([r for r in got.get("records", []) if r["type"] == tcpst.REC_STATE
                                 and not r["flags"] & tcpst.F_TIMEWAIT])
        except (TimeoutError, EOFError) as e:
            p = tcpst.read_proc()
            try:
                wchan = open("/proc/%d/wchan" % rd.p.pid).read()
            except OSError:
                wchan = "?"
            t.fail_now("connection %d: the reader got %d of %d records, then %s; /proc: "
                       "events_buffered %d events_read %d; reader state %s wchan %s" %
                       (i, n, want, e, p["events_buffered"], p["events_read"] - pb["events_read"],
                        "blocked" if rd.blocked() else "running", wchan))
        t.eq(n, want, "connection %d: records read vs recorded" % i)
        total += n
    exp = visible(ftrace.state_changes(FT.collect()))
    t.eq(st_total, len(exp), "full sockets' state records the reader got vs ftrace's events")


def test_rmmod_busy(t):
    rd = Reader()
    t.defer(rd.kill)
    t.require_eq(rd.first.get("open"), True, "reader open")
    wait_for(rd.blocked, 5, what="reader to block")
    r = tcpst.rmmod()
    t.ne(r.returncode, 0, "rmmod with a reader blocked in read(): status")
    t.contains(r.stderr, "in use", "rmmod error")
    t.true(tcpst.loaded(), "module still loaded")
    scenarios.simple()
    n = 0
    try:
        while n < (12 if MODE == "tracepoint" else 10):
            got = json.loads(rd.line(5))
            n += len([r for r in got.get("records", []) if r["type"] == tcpst.REC_STATE and
                      not r["flags"] & tcpst.F_TIMEWAIT])
    except (TimeoutError, EOFError) as e:
        t.fail("reader got %d records after the failed rmmod, then: %s" % (n, e))
    t.eq(n, 12 if MODE == "tracepoint" else 10, "full sockets' state records the reader got after the failed rmmod")
    rd.kill()
    r = tcpst.rmmod()
    t.eq(r.returncode, 0, "rmmod after the reader exited (stderr %r)" % r.stderr.strip())
    t.eq(os.path.exists(tcpst.DEV), False, "%s gone after rmmod" % tcpst.DEV)


def test_rmmod_insmod_during_churn(t):
    tcpst.ensure_loaded(MODE)
    k = tcpst.Kmsg()
    t.defer(k.close)
    stop = threading.Event()
    counter = [0]
    errs = []

    # In a netns of its own: its thousands of TIME_WAIT sockets would
    # otherwise end 60 s later in the middle of other tests' counts; they
    # end when the netns is deleted, within this test.
    ns = Netns("churn")
    t.defer(ns.close)

    def churn():
        try:
            with ns.enter():        # this thread only
                scenarios.churn(stop, "ipv4", counter)
        except Exception as e:      # reported below
            errs.append(e)
    th = threading.Thread(target=churn, daemon=True)
    th.start()
    t.defer(stop.set)
    for phase in range(2):
        n0 = counter[0]
        wait_for(lambda: counter[0] >= n0 + 20 or errs, 60, what="20 connections")
        r = tcpst.rmmod()
        t.eq(r.returncode, 0, "rmmod during churn #%d (stderr %r)" % (phase, r.stderr.strip()))
        n0 = counter[0]
        wait_for(lambda: counter[0] >= n0 + 20 or errs, 60, what="20 connections")
        r = tcpst.insmod("hook=" + MODE)
        t.eq(r.returncode, 0, "insmod during churn #%d (stderr %r)" % (phase, r.stderr.strip()))
    n0 = counter[0]
    wait_for(lambda: counter[0] >= n0 + 20 or errs, 60, what="20 connections")
    stop.set()
    th.join(30)
    t.eq(errs, [], "churn thread errors")
    t.note("%d connections made" % counter[0])
    t.eq(k.bad(), [], "kernel log problems during rmmod/insmod under churn")
    ns.close()
    time.sleep(1.5)                 # its TIME_WAIT sockets end (cleanup_net)


def test_tool_not_loaded(t):
    r = tcpst.run([tcpst.TOOL, "dump"], timeout=20)
    t.eq(r.returncode, 1, "exit status")
    t.contains(r.stderr, "not loaded", "message")
    t.contains(r.stderr, "insmod", "message tells how to load it")
    t.eq(r.stdout, "", "stdout")


def test_tool_busy(t):
    """No session left (max_sessions reached): the tool says so and how."""
    p = "/sys/module/tcpstate/parameters/max_sessions"
    with open(p, "w") as f:
        f.write("1")
    t.defer(lambda: open(p, "w").write("16"))
    fd = tcpst.dev_open()
    t.defer(os.close, fd)
    r = tcpst.run([tcpst.TOOL, "dump"], timeout=20)
    t.eq(r.returncode, 1, "exit status")
    t.true("max_sessions" in r.stderr and "1" in r.stderr,
           "message names the limit and its value", r.stderr.strip())


SETPRIV_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
SETPRIV_NOCAP = ["setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin"]
OPEN_PY = ("import os,sys\n"
           "try:\n os.open('/dev/tcpstate', os.O_RDONLY); print('opened')\n"
           "except OSError as e: print(e.errno)\n"
           "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0])")


def test_tool_not_root(t):
    r = tcpst.run(SETPRIV_NOBODY + [tcpst.TOOL, "dump"], timeout=20)
    t.eq(r.returncode, 1, "exit status as uid 65534")
    t.contains(r.stderr, "CAP_NET_ADMIN", "message as uid 65534")
    r = tcpst.run(SETPRIV_NOBODY + [tcpst.PY, "-c", OPEN_PY], timeout=20)
    t.eq(r.stdout.split()[:1], [str(errno.EACCES)], "open() errno as uid 65534 (mode 0600)")


def test_tool_no_cap_net_admin(t):
    r = tcpst.run(SETPRIV_NOCAP + [tcpst.PY, "-c", OPEN_PY], timeout=20)
    out = r.stdout.split()
    t.require(len(out) == 2, "python under setpriv", r.stdout + r.stderr)
    t.eq(int(out[1], 16) & (1 << 12), 0, "CAP_NET_ADMIN dropped from the effective set (CapEff %s)" % out[1])
    t.eq(out[0], str(errno.EPERM), "open() errno as root without CAP_NET_ADMIN")
    r = tcpst.run(SETPRIV_NOCAP + [tcpst.TOOL, "dump"], timeout=20)
    t.eq(r.returncode, 1, "tool exit status without CAP_NET_ADMIN")
    t.contains(r.stderr, "CAP_NET_ADMIN", "tool message without CAP_NET_ADMIN")


def test_tool_dump_count(t):
    dump = tcpst.Dump(("--json", "-n", "3"))
    t.defer(dump.kill)
    scenarios.simple()
    try:
        rc = dump.proc.wait(10)
    except subprocess.TimeoutExpired:
        t.fail_now("dump -n 3 did not exit after a 12-event connection")
    dump.stop()
    t.eq(rc, 0, "dump -n 3 exit status")
    recs = dump.records()
    # README (v2): -n counts events of every type; lost-event notices don't
    # count. (The contract's v1 text said state records.)
    t.eq(len([r for r in recs if r["type"] != "lost"]), 3, "dump -n 3 prints exactly 3 events")


def test_tool_text_dump(t):
    import re
    FT.start()
    dump = tcpst.Dump(())
    t.defer(dump.kill)
    info = scenarios.simple()
    tcpst.wait_quiet([info["server_port"], info["client_port"]])
    tcpst.wait_drained()
    exp = visible(ftrace.state_changes(FT.collect()))
    rc = dump.stop()
    t.eq(rc, 0, "text dump exit status after SIGINT")
    out = dump.stdout()
    names = set(ftrace.TCP_STATES.values())
    got = []
    for line in out.splitlines():
        m = re.search(r"(\S+) -> (\S+)\s*$", line)
        if m and m.group(1) in names and m.group(2) in names:
            got.append((m.group(1), m.group(2)))
            t.true(str(info["server_port"]) in line, "line names the server port", line)
    t.eq(sorted(got), sorted(pairs(exp)), "transitions in the text dump vs ftrace")
    t.contains(out, "127.0.0.1:%d" % info["client_port"], "text dump shows the client's address:port")


def test_tool_stats(t):
    p = tcpst.read_proc()
    r = tcpst.run([tcpst.TOOL, "stats", "--json"], timeout=20)
    t.eq(r.returncode, 0, "stats --json exit status")
    try:
        t.eq(json.loads(r.stdout), p, "stats --json vs %s" % tcpst.PROC)
    except ValueError:
        t.fail("stats --json output is not JSON: %r" % r.stdout[:300])
    r = tcpst.run([tcpst.TOOL, "stats"], timeout=20)
    t.eq(r.returncode, 0, "stats exit status")
    t.contains(r.stdout, str(p["events_recorded"]), "stats shows events_recorded's value")
    r = tcpst.run([tcpst.TOOL, "stats", "-p", "/nonexistent/tcpstate"], timeout=20)
    t.eq(r.returncode, 1, "stats -p /nonexistent exit status")
    r = tcpst.run([tcpst.TOOL, "frobnicate"], timeout=20)
    t.eq(r.returncode, 2, "unknown command exit status")
    t.ne(r.stderr.strip(), "", "unknown command prints usage to stderr")
    r = tcpst.run([tcpst.TOOL, "dump", "-n", "x"], timeout=20)
    t.eq(r.returncode, 2, "dump -n x exit status")


# --------------------------------------------------------------------------
# d. network namespaces
class Netns(netns_lib.Netns):
    """A private netns (tests/lib/tcpstate_test/netns.py: read_proc, snmp,
    wait_quiet, wait_drained, close, ...), named t1 unless told, that runs
    one of scenarios.py's connections."""

    def __init__(self, name=NETNS):
        super().__init__(name)

    def connection(self):
        r = tcpst.run(["ip", "netns", "exec", self.name, tcpst.PY,
                       os.path.join(os.path.dirname(__file__), "scenarios.py"), "ipv4"],
                      timeout=60, check=True)
        info = json.loads(r.stdout)
        info["comm"] = "python3"
        return info


def netns_fixture(t):
    # A netns deleted by the previous test ends its TIME_WAIT sockets a bit
    # later (cleanup_net), with its inode number, which the kernel gives to
    # the next netns: let those records come and drain them first.
    time.sleep(1.5)
    loaded(t)
    ns = Netns()
    t.defer(ns.close)
    return ns


def test_netns_records(t):
    ns = netns_fixture(t)
    FT.start()
    ib, nb, sb = tcpst.read_proc(), ns.read_proc(), ns.snmp()["Tcp"]
    dump = tcpst.Dump()
    t.defer(dump.kill)
    t0 = time.monotonic_ns()
    info = ns.connection()
    ns.wait_quiet([info["server_port"], info["client_port"]])
    ns.wait_drained()
    t1 = time.monotonic_ns()
    events = FT.collect()
    rc = dump.stop()
    ia, na, sa = tcpst.read_proc(), ns.read_proc(), ns.snmp()["Tcp"]
    t.eq(rc, 0, "tool exit status")
    t.eq(info["netns"], ns.inode, "the connection ran in the netns")
    all_recs = dump.records()
    # Earlier tests' TIME_WAIT sockets in the init netns may expire meanwhile
    init = tcpst.netns_inode()
    init_recs = [r for r in all_recs if r.get("netns") == init]
    t.eq([r for r in init_recs if not (r["type"] == "state" and r.get("timewait") and
                                       r["new"] == "CLOSE" and r.get("reason") == "expired")][:3], [],
         "init netns records other than earlier TIME_WAIT sockets' expiry")
    all_recs = [r for r in all_recs if r.get("netns") != init]
    t.eq(sorted({r.get("netns") for r in all_recs}), [ns.inode], "netns of every other record")
    all_recs = own_records(all_recs, info)
    recs = tcpst.full_state_records(all_recs)
    changes = ftrace.state_changes(events)
    rst = ftrace.resets(events)
    check_socket_events(t, info, changes, recs,
                        lambda tid: (info["pid"], "python3") if tid == info["pid"] else tid_owner(tid, {}),
                        ns.inode, t0, t1, what="netns: ")
    check_counters(t, transition_counts(recs), nb, na, len(rst), sb, sa, what="netns: ",
                   all_recs=all_recs)
    d = tcpst.delta(ia, ib)
    n = len(init_recs)
    want = {"events_recorded": n, "events_read": n, "trans_time_wait_close": n,
            "time_wait_expired": n}
    # (time_wait_now is clamped at 0 for sockets born before the last insmod;
    # the TIME_WAIT table's lines are module-wide: the netns' sockets too)
    t.eq({k: v for k, v in d.items() if v and k != "time_wait_now" and k not in MODULE_WIDE},
         {k: v for k, v in want.items() if v},
         "init netns /proc/net/tcpstate deltas (only the %d TIME_WAIT expiries the tool printed)" % n)


def test_netns_scoped_reader(t):
    ns = netns_fixture(t)
    r = tcpst.run(["ip", "netns", "exec", ns.name, tcpst.PY, "-c",
                   "import sys; sys.path.insert(0, 'tests/lib'); import json;"
                   "from tcpstate_test.reader import dev_open, ioctl_info;"
                   "print(json.dumps(ioctl_info(dev_open())))"], timeout=30)
    try:
        t.eq(json.loads(r.stdout)["netns"], ns.inode, "ioctl INFO netns of a reader in the netns")
    except ValueError:
        t.fail("ioctl INFO in the netns failed: %s" % r.stderr.strip()[-300:])
    FT.start()
    ib, nb, sb = tcpst.read_proc(), ns.read_proc(), ns.snmp()["Tcp"]
    dump = tcpst.Dump(prefix=["ip", "netns", "exec", ns.name])
    t.defer(dump.kill)
    ib = tcpst.read_proc()      # init netns: from when the scoped reader is attached
    init_info = scenarios.simple()           # init netns, while the reader in t1 is attached
    tcpst.wait_quiet([init_info["server_port"], init_info["client_port"]])
    split = time.monotonic_ns()
    info = ns.connection()
    ns.wait_quiet([info["server_port"], info["client_port"]])
    ns.wait_drained()
    t1 = time.monotonic_ns()
    events = FT.collect()
    ia = tcpst.read_proc()      # init netns: while it is still attached
    rc = dump.stop()
    na, sa = ns.read_proc(), ns.snmp()["Tcp"]
    t.eq(rc, 0, "tool exit status")
    all_recs = dump.records()
    t.eq([r for r in all_recs if r.get("netns") != ns.inode][:5], [],
         "records not of the reader's netns (any type)")
    all_recs = own_records([r for r in all_recs if r.get("netns") == ns.inode], info)
    recs = tcpst.full_state_records(all_recs)
    changes = ftrace.state_changes(events)
    init_changes = [c for c in changes if c["ts"] < split]
    t.eq(len(init_changes), sum(len(v) for v in init_info["expected"].values()),
         "ftrace saw the init connection")
    ns_changes = [c for c in changes if c["ts"] >= split]
    rst = [r for r in ftrace.resets(events) if r["ts"] >= split]
    check_socket_events(t, info, ns_changes, recs,
                        lambda tid: (info["pid"], "python3") if tid == info["pid"] else tid_owner(tid, {}),
                        ns.inode, split, t1, what="scoped: ")
    check_counters(t, transition_counts(recs), nb, na, len(rst), sb, sa, what="scoped: ",
                   all_recs=all_recs)
    di = tcpst.delta(ia, ib)
    t.eq((di["events_recorded"], di["events_read"], di["events_discarded"]), (0, 0, 0),
         "init netns events_recorded/read/discarded deltas (not recorded while a netns-scoped"
         " reader is attached)")
    t.note("init netns trans_* deltas while the scoped reader was attached: %s" %
           {k: v for k, v in di.items() if k.startswith("trans_") and v})


def test_netns_discard(t):
    """What a session holds unread when it is closed is discarded, and
    counted per namespace: a host session takes a connection of the
    initial namespace and one of another, is closed unread, and each
    namespace's events_discarded grows by exactly its events_recorded."""
    ns = netns_fixture(t)
    ib, nb = tcpst.read_proc(), ns.read_proc()
    host = tcpst.Session()
    t.defer(host.close)
    init_info = scenarios.simple()
    tcpst.wait_quiet([init_info["server_port"], init_info["client_port"]])
    info = ns.connection()
    ns.wait_quiet([info["server_port"], info["client_port"]])
    hi = host.info()
    host.close()
    ia, na = tcpst.read_proc(), ns.read_proc()
    di, dn = tcpst.delta(ia, ib), tcpst.delta(na, nb)
    t.true(di["events_recorded"] > 0 and dn["events_recorded"] > 0,
           "both namespaces' connections were recorded", (di["events_recorded"], dn["events_recorded"]))
    t.eq((di["events_discarded"], di["events_read"], ia["events_buffered"]),
         (di["events_recorded"], 0, 0), "init netns: discarded = recorded, read 0, buffered 0")
    t.eq((dn["events_discarded"], dn["events_read"], na["events_buffered"]),
         (dn["events_recorded"], 0, 0), "netns: discarded = recorded, read 0, buffered 0")
    t.eq(di["events_recorded"] + dn["events_recorded"], hi["recorded"],
         "the two namespaces' recorded deltas = the session's recorded")


def test_netns_inode_reuse(t):
    """Records a deleted netns left in the ring (its connection, and its
    TIME_WAIT sockets' ends, recorded after it is gone) are read after a new
    netns got the same inode number: they must not count as the new one's."""
    time.sleep(1.5)
    loaded(t)
    host = tcpst.Session()                   # an init-netns session, not read until b exists
    t.defer(host.close)
    a = Netns()
    t.defer(a.close)
    info = a.connection()                    # client closes first: TIME_WAIT in a
    a.wait_quiet([info["server_port"], info["client_port"]])
    ino = a.inode
    a.close()
    time.sleep(1.5)                          # cleanup_net ends a's TIME_WAIT socket
    b = Netns()
    t.defer(b.close)
    if b.inode != ino:
        t.note("the new netns got inode %d, not %d: nothing to check" % (b.inode, ino))
        return
    pb = b.read_proc()
    recs = host.until(lambda r: any(x["netns"] == ino and x["type"] == tcpst.REC_STATE and
                                    x["flags"] & tcpst.F_TIMEWAIT and x["new"] == "CLOSE"
                                    for x in r), 5)
    pa = b.read_proc()
    late = [r for r in recs if r["netns"] == ino]
    t.true(late, "the deleted netns' records were still in the session's ring")
    t.true(any(r["type"] == tcpst.REC_STATE and r["flags"] & tcpst.F_TIMEWAIT and r["new"] == "CLOSE"
               for r in late), "its TIME_WAIT socket's end (reason netns) among them")
    d = tcpst.delta(pa, pb)
    t.eq((d["events_read"], pa["events_recorded"], pa["events_read"]), (0, 0, 0),
         "the new netns' events_read delta, events_recorded, events_read after reading %d records"
         " of the deleted netns with the same inode" % len(late))
    t.eq(pa["events_recorded"], pa["events_read"] + pa["events_dropped"] + pa["events_discarded"]
         + pa["events_buffered"], "the new netns' invariant recorded = read + dropped + discarded"
         " + buffered")


def test_netns_teardown(t):
    """Records of a namespace deleted before they are read are still
    delivered; a scoped reader whose namespace is deleted under it keeps
    working and exits cleanly; the kernel stays quiet."""
    time.sleep(1.5)                          # see netns_fixture
    loaded(t)
    k = tcpst.Kmsg()
    t.defer(k.close)
    ns = Netns()
    t.defer(ns.close)
    FT.start()
    dump = tcpst.Dump()
    t.defer(dump.kill)
    os.kill(dump.proc.pid, signal.SIGSTOP)   # its session buffers, unread
    info = ns.connection()
    ns.wait_quiet([info["server_port"], info["client_port"]])
    n = len(visible(ftrace.state_changes(FT.collect())))
    inode = ns.inode
    ns.close()                               # the namespace goes away
    time.sleep(0.5)                          # let cleanup_net run
    scenarios.simple()                       # init netns, after the deletion
    os.kill(dump.proc.pid, signal.SIGCONT)
    tcpst.wait_drained()

    def tw_ended():
        tw = [r for r in dump.records() if r.get("netns") == inode and r.get("timewait")]
        return {r["cookie"] for r in tw if r["new"] != "CLOSE"} <= \
            {r["cookie"] for r in tw if r["new"] == "CLOSE"}
    try:
        wait_for(tw_ended, 10, what="the deleted namespace's TIME_WAIT sockets to end")
    except TimeoutError as e:
        t.fail(str(e))
    rc = dump.stop()
    t.eq(rc, 0, "tool exit status")
    recs = dump.records()
    t.eq(len(tcpst.full_state_records([r for r in recs if r.get("netns") == inode])), n,
         "full sockets' state records of the deleted namespace still delivered")
    gone = [r for r in recs if r.get("netns") == inode and r.get("timewait")]
    born = {r["cookie"] for r in gone if r["new"] != "CLOSE"}
    ended = {r["cookie"]: r.get("reason") for r in gone if r["new"] == "CLOSE"}
    t.eq({c: ended.get(c) for c in born}, {c: "netns" for c in born},
         "the deleted namespace's TIME_WAIT sockets end with reason netns")
    t.eq({r.get("netns") for r in recs} - {inode}, {tcpst.netns_inode()}, "other records: init netns")
    # a scoped reader whose namespace is deleted under it
    ns2 = Netns()
    t.defer(ns2.close)
    dump2 = tcpst.Dump(prefix=["ip", "netns", "exec", ns2.name])
    t.defer(dump2.kill)
    info = ns2.connection()
    ns2.wait_quiet([info["server_port"], info["client_port"]])
    ns2.wait_drained()
    ns2.close()                              # only the reader keeps it alive now
    scenarios.simple()                       # not its namespace: not for it
    rc = dump2.stop()
    t.eq(rc, 0, "scoped tool exit status after its namespace was deleted")
    recs = dump2.records()
    t.eq({r.get("netns") for r in recs}, {ns2.inode}, "scoped reader's records")
    time.sleep(0.5)
    dump3 = tcpst.Dump()                     # the device is free and unscoped again
    t.defer(dump3.kill)
    info = scenarios.simple()
    tcpst.wait_quiet([info["server_port"], info["client_port"]])
    tcpst.wait_drained()
    t.eq(dump3.stop(), 0, "tool exit status after")
    t.eq(len(tcpst.full_state_records(dump3.records())), 12 if MODE == "tracepoint" else 10,
         "an init-netns reader afterwards gets an init connection's (full sockets') state records")
    t.eq(k.bad(), [], "kernel log problems")


# --------------------------------------------------------------------------
def test_kernel_log_clean(t):
    tcpst.ensure_unloaded()
    bad = KMSG.bad()
    t.eq(bad, [], "kernel log lines with WARNING/BUG/Oops/... since the start")


def test_no_stray_readers(t):
    t.eq(tcpst.fd_holders(), [], "processes holding %s" % tcpst.DEV)


def build(runner):
    add = runner.add
    # c. parameters (module unloaded)
    add("tool_not_loaded", test_tool_not_loaded, unloaded)
    add("bad_params", test_bad_params, unloaded)
    add("params_rounding", test_params_rounding, unloaded)
    add("params_sysfs", test_params_sysfs, unloaded)
    # basics
    add("device_node", test_device_node, loaded)
    add("ioctl_info", test_ioctl_info, loaded)
    add("proc_format", test_proc_format, loaded)
    # a. scenarios
    for fam in ("ipv4", "ipv6"):
        for kind in ("client_closes", "server_closes", "refused", "rst_abort",
                     "simultaneous_close"):
            add("scenario_%s_%s" % (fam, kind), scenario_test(fam, kind), loaded)
    # c. device semantics and tool errors
    add("second_open_is_a_session", test_second_open_is_a_session, loaded)
    add("read_sizes", test_read_sizes, loaded)
    add("read_fault", test_read_fault, loaded)
    add("poll", test_poll, loaded)
    add("blocked_read_wakes", test_blocked_read_wakes, loaded)
    add("blocked_reader_every_event", test_blocked_reader_every_event, loaded)
    add("wakeup_batching", test_wakeup_batching, loaded)
    add("rmmod_busy", test_rmmod_busy, loaded)
    add("rmmod_insmod_during_churn", test_rmmod_insmod_during_churn, loaded)
    add("tool_busy", test_tool_busy, loaded)
    add("tool_not_root", test_tool_not_root, loaded)
    add("tool_no_cap_net_admin", test_tool_no_cap_net_admin, loaded)
    add("tool_dump_count", test_tool_dump_count, loaded)
    add("tool_text_dump", test_tool_text_dump, loaded)
    add("tool_stats", test_tool_stats, loaded)
    # d. netns
    add("netns_records", test_netns_records, None)
    add("netns_scoped_reader", test_netns_scoped_reader, None)
    add("netns_discard", test_netns_discard, None)
    add("netns_inode_reuse", test_netns_inode_reuse, None)
    add("netns_teardown", test_netns_teardown, None)
    # b. flood
    add("stream_with_reader", test_stream_with_reader, loaded)
    add("lost_then_more", test_lost_then_more, loaded)
    add("small_ring_live_reader", test_small_ring_live_reader, loaded)
    add("flood_stalled_reader", test_flood_stalled_reader, loaded)
    # e. issue 3 scenarios (tests/scenarios/suite.py)
    if SCENARIOS:
        sc_suite.build(runner, MODE, readme_text=README_TEXT)
    # f. the hardening issue's regression tests (hardening.py)
    hardening.build(runner, MODE, loaded, unloaded)
    # g. the kernels issue's probe groups (groups.py)
    groups.build(runner, MODE, scenario_test("ipv4", "client_closes"))
    # h. the sessions issue (sessions.py)
    sessions.build(runner, MODE, lambda: FT)
    add("no_stray_readers", test_no_stray_readers, None)
    add("kernel_log_clean", test_kernel_log_clean, None)


# --kprobe-subset: in the kprobe mode, only the tests whose code the state
# hook's kind changes: traffic of every kind through the hook (scenario_,
# the scenarios' sc_, stream_, flood_, netns_, hard_), its registration
# and removal under traffic (groups_, rmmod_insmod_during_churn, the init
# failures), readers woken from it (blocked_, wakeup_batching), and the
# run's final checks.
# The device's, sessions', parameters' and tool's own tests take the same
# paths in both modes: the tracepoint mode runs them, and make check runs
# everything in both modes on Debian's default kernel.
HOOK_TESTS = ["scenario_", "sc_", "stream_with_reader", "flood_", "netns_", "hard_", "groups_",
              "rmmod_insmod_during_churn", "blocked_", "wakeup_batching", "no_stray_readers",
              "kernel_log_clean"]


def main():
    global MODE, FT, KMSG
    ap = argparse.ArgumentParser()
    ap.add_argument("--hook", choices=("tracepoint", "kprobe"), required=True)
    ap.add_argument("--only", nargs="*", help="run tests whose name contains one of these")
    ap.add_argument("--no-scenarios", action="store_true", help="skip tests/scenarios")
    ap.add_argument("--kprobe-subset", action="store_true",
                    help="with --hook kprobe, only the tests the state hook's kind changes"
                    " (HOOK_TESTS); no effect with --hook tracepoint")
    ap.add_argument("--no-readme-text", action="store_true",
                    help="skip sc_readme_text (the README's text, from Debian's kernels)")
    args = ap.parse_args()
    MODE = args.hook
    global SCENARIOS, README_TEXT
    SCENARIOS = not args.no_scenarios
    README_TEXT = not args.no_readme_text
    os.chdir(tcpst.ROOT)
    os.makedirs(tcpst.OUT, exist_ok=True)
    runner = Runner()
    print("# tcpstate integration tests: hook=%s kernel=%s cpus=%d pid=%d" %
          (MODE, os.uname().release, NCPU, MY_PID), flush=True)
    t_start = time.monotonic()
    KMSG = tcpst.Kmsg()
    problems = []
    if os.geteuid() != 0:
        problems.append("not root")
    for p in (tcpst.KO, tcpst.TOOL):
        if not os.path.exists(p):
            problems.append("missing %s (make all)" % p)
    busy = [k for k, v in tcpst.tcp_table_ports().items()]
    if busy:
        print("# note: TCP sockets present before the tests: %s" % busy, flush=True)
    FT = ftrace.Instance()
    try:
        FT.setup()
    except (OSError, ftrace.FtraceError) as e:
        problems.append("ftrace setup: %s" % e)
    if problems:
        runner.emit("FAIL preflight: %s" % "; ".join(problems))
        runner.failed += 1
        runner.emit("hook=%s totals: %d passed, %d failed" % (MODE, runner.passed, runner.failed))
    else:
        try:
            tcpst.ensure_unloaded()
        except RuntimeError as e:
            print("# warning: %s" % e)
        build(runner)
        keep = None
        if args.kprobe_subset and MODE == "kprobe":
            print("# --kprobe-subset: only tests named %s" % " ".join(HOOK_TESTS), flush=True)

            def keep(name):
                return any(o in name for o in HOOK_TESTS)
        runner.run(args.only, label="hook=%s totals" % MODE, keep=keep)
        try:
            tcpst.ensure_unloaded()
        except RuntimeError as e:
            print("# rmmod at the end failed: %s" % e)
            runner.failed += 1
        FT.teardown()
        sc_suite.teardown()
    with open(os.path.join(tcpst.OUT, "counts"), "w") as f:
        f.write("%d %d\n" % (runner.passed, runner.failed))
    with open(os.path.join(tcpst.OUT, "results.txt"), "w") as f:
        for name, ok, dt in runner.results:
            f.write("%s %s %.1f\n" % ("ok" if ok else "FAIL", name, dt))
    print("# hook=%s: %.0fs" % (MODE, time.monotonic() - t_start), flush=True)
    return 0 if runner.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
