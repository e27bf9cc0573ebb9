# SPDX-License-Identifier: GPL-2.0
"""Sessions (the sessions issue): each open() of /dev/tcpstate is a
session with its own buffer, read position, loss accounting, filter and
scope. Registered by guest.py (build()); run in both hook modes. Every
figure is checked against ftrace's sock:inet_sock_set_state for the same
window (the kernel's witness), not against another session.

  sessions_filters_exact        2, then 16 sessions with different filters
                                during churn: each gets exactly the state
                                changes its filter selects (ftrace), none
                                twice; per session recorded = read +
                                dropped + buffered (TCPSTATE_IOC_SESSION)
  sessions_stalled_vs_active    a session that does not read overflows and
                                gets LOST records counting exactly its
                                drops; an active one loses nothing
  sessions_netns_and_host       a reader in a netns and one on the host:
                                the host's sees both namespaces, the
                                netns' only its own, the host loses none
  sessions_limit                max_sessions: past it open() fails EBUSY;
                                bad values refused; closing frees a slot
  sessions_bad_input            SET_FILTER's bad values (EINVAL), a netns
                                session asking for another namespace,
                                SET_BUFFER after the first read (EBUSY)
                                or out of range (EINVAL), unknown ioctl
  sessions_filter_change        a filter changed while a thread blocks in
                                read(): the next events follow it
  sessions_close_during_read    one thread closes the fd another thread
                                blocks in read() on: the read still ends
                                normally, then the session goes
  sessions_unload_refused       rmmod fails while any session is open
  sessions_list                 TCPSTATE_IOC_SESSIONS and `tcpstate stats
                                --sessions`: who has the device open
  sessions_tool_buffer          dump --buffer, conns --buffer: the
                                reader's own session's size, mapped
  sessions_mmap_exact           a session read through mmap() gets
                                exactly ftrace's state changes, the same
                                records as a read() session, and its
                                figures; a mapped session that does not
                                hand records back loses the rest, counted
                                in-band as with read()
  sessions_mmap_bad_input       mmap()'s refusals (size, offset, private,
                                executable, mprotect), read() and
                                SET_BUFFER of a mapped session (EBUSY), a
                                consumer position out of range (EPOLLERR,
                                nothing taken back), the session living
                                until its last map goes
  sessions_mmap_tool_wraps      dump --json --buffer 64 reads through a
                                map it goes round several times: the
                                read() session's records, each shown or
                                counted in a LOST record
"""
import collections
import errno
import fcntl
import mmap
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time

import ftrace
import tcpst
from tcpst import wait_for
from tcpstate_test import reader as rd
from tcpstate_test import sockets as socks
from tcpstate_test.netns import Netns

MODE = None
_ft = None      # guest.py's ftrace.Instance, once it exists


class _FT:
    def __getattr__(self, name):
        return getattr(_ft(), name)


FT = _FT()


def pairs(evs):
    return [(e["old"], e["new"]) for e in evs]


def visible(changes):
    """What the kprobe hook can see (as guest.visible)."""
    if MODE == "tracepoint":
        return list(changes)
    return [c for c in changes if (c["old"], c["new"]) not in (("CLOSE", "LISTEN"), ("LISTEN", "SYN_RECV"))]


def session_fd(flags=os.O_RDONLY):
    return tcpst.dev_open(flags | os.O_NONBLOCK)


def state_keys(recs):
    """(lport, rport, old, new) of full sockets' state records."""
    return collections.Counter((r["lport"], r["rport"], r["old"], r["new"]) for r in recs
                               if r["type"] == tcpst.REC_STATE and not r["flags"] & tcpst.F_TIMEWAIT)


def ftrace_keys(changes, ports):
    """The same, from ftrace, for sockets with a port in @ports. A passive
    child's LISTEN->SYN_RECV has the listener's tuple in ftrace, the
    child's in our record: compare by port set without the remote port
    for those."""
    out = collections.Counter()
    for c in visible(changes):
        if c["lport"] in ports or c["rport"] in ports:
            out[(c["lport"], c["rport"], c["old"], c["new"])] += 1
    return out


def norm_child(counter):
    """LISTEN->SYN_RECV: keep only the local port (ftrace's remote port is 0)."""
    out = collections.Counter()
    for (lp, rp, o, n), v in counter.items():
        out[(lp, 0 if (o, n) == ("LISTEN", "SYN_RECV") else rp, o, n)] += v
    return out


def churn_ports(n, conns):
    """n listeners, conns connections to each (client closes first):
    returns the listener ports."""
    ports = []
    for _ in range(n):
        port, _ = socks_many(conns)
        ports.append(port)
    return ports


def socks_many(n):
    srv = socks.listener("ipv4", backlog=64, timeout=10)
    port = srv.getsockname()[1]
    cports = []
    for _ in range(n):
        cli, conn = socks.connect("ipv4", srv, timeout=10)
        cports.append(cli.getsockname()[1])
        socks.close_first(cli, conn)
    srv.close()
    return port, cports


def check_exact(t, name, fd, want, got_recs):
    info = rd.session_info(fd)
    got = norm_child(state_keys(got_recs))
    t.eq(dict(got - want), {}, "%s: state records ftrace did not show (or twice)" % name)
    t.eq(dict(want - got), {}, "%s: ftrace's state changes the session did not get" % name)
    kept = [r for r in got_recs if r["type"] != tcpst.REC_LOST]
    t.eq([r for r in got_recs if r["type"] == tcpst.REC_LOST], [], "%s: no lost records" % name)
    t.eq((info["read"], info["dropped"], info["buffered"]), (len(kept), 0, 0),
         "%s: session figures (read, dropped, buffered) after the drain" % name)
    t.eq(info["recorded"], info["read"] + info["dropped"] + info["buffered"] + info["discarded"],
         "%s: recorded = read + dropped + buffered + discarded" % name)


def filters_exact(t, n):
    tcpst.kill_timewait()
    # Reserve n listener ports first: each session filters on one.
    lsocks = [socks.listener("ipv4", backlog=64, timeout=10) for _ in range(n)]
    ports = [s.getsockname()[1] for s in lsocks]
    fds = []
    for i, p in enumerate(ports):
        fd = session_fd()
        t.defer(os.close, fd)
        if i == 1 and n == 2:
            # The second of two: states only, no segments, both ports.
            rd.set_filter(fd, kinds=rd.KINDS["states"], ports=ports)
        else:
            rd.set_filter(fd, ports=[p])
        fds.append(fd)
    FT.start()
    for s in lsocks:
        for _ in range(5):
            cli, conn = socks.connect("ipv4", s, timeout=10)
            socks.close_first(cli, conn)
        s.close()
    tcpst.wait_quiet(ports)
    changes = ftrace.state_changes(FT.collect())
    got = []
    for fd in fds:
        recs = []
        wait_for(lambda: recs.extend(rd.read_all(fd)) or rd.session_info(fd)["buffered"] == 0, 10,
                 what="the session drained")
        recs.extend(rd.read_all(fd))
        got.append(recs)
    for i, (fd, recs) in enumerate(zip(fds, got)):
        want_ports = set(ports) if (i == 1 and n == 2) else {ports[i]}
        want = norm_child(ftrace_keys(changes, want_ports))
        t.true(sum(want.values()) >= 5 * 5, "ftrace saw session %d's churn (%d changes)"
               % (i, sum(want.values())))
        check_exact(t, "session %d" % i, fd, want, recs)
        kinds = {r["type"] for r in recs}
        if i == 1 and n == 2:
            t.eq(kinds, {tcpst.REC_STATE}, "session 1 (kinds=states): only state records")
        else:
            t.true(tcpst.REC_SEGMENT in kinds, "session %d (all kinds): segment records too" % i)
            t.eq([r for r in recs if r["type"] != tcpst.REC_LOST and
                  ports[i] not in (r["lport"], r["rport"])], [],
                 "session %d: every record has its port" % i)


def test_filters_two(t):
    filters_exact(t, 2)


def test_filters_sixteen(t):
    t.eq(tcpst.read_param("max_sessions"), "16", "max_sessions default")
    filters_exact(t, 16)


def proc_maps(pid):
    with open("/proc/%d/maps" % pid) as f:
        return f.read()


def maps_device(pid):
    """Whether process pid has /dev/tcpstate mapped."""
    return tcpst.DEV in proc_maps(pid)


def by_cpu(recs):
    """Events (not LOST records) by the CPU that saw them, which is the
    ring they were stored in, each CPU's in stream order."""
    out = collections.defaultdict(list)
    for r in recs:
        if r["type"] != tcpst.REC_LOST:
            out[r["cpu"]].append((r["ts"], r["cookie"], r["type"]))
    return dict(out)


def churn_read_exact(t, name, fd, take):
    """30 connections while a thread reads session @fd with take(last)
    (each time poll() says records wait, then once more, last=True, after
    the churn): the records it got must be exactly ftrace's state changes
    (check_exact()). Returns them."""
    got = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            if rd.poll_in(fd, 100):
                got.extend(take(False))
        got.extend(take(True))
    th = threading.Thread(target=reader)
    th.start()
    FT.start()
    port, cports = socks_many(30)
    tcpst.wait_quiet([port] + cports)
    changes = ftrace.state_changes(FT.collect())
    wait_for(lambda: rd.session_info(fd)["buffered"] == 0, 10, what="the %s session drained" % name)
    stop.set()
    th.join()
    check_exact(t, name, fd, norm_child(ftrace_keys(changes, {port})), got)
    return got


def test_stalled_vs_active(t):
    tcpst.kill_timewait()
    stalled, active = session_fd(), session_fd()
    t.defer(os.close, stalled)
    t.defer(os.close, active)
    rd.set_buffer(stalled, 16)
    rd.set_buffer(active, 4096)
    t.eq(rd.session_info(stalled)["nr_records"], 16, "SET_BUFFER 16: the stalled session's buffer")

    def take(last):
        return rd.read_all(active)
    got = churn_read_exact(t, "active", active, take)
    late = rd.read_all(stalled) + rd.read_all(stalled)
    si = rd.session_info(stalled)
    lost = [r for r in late if r["type"] == tcpst.REC_LOST]
    t.true(si["dropped"] > 0, "the stalled session dropped events", si)
    t.eq(sum(r["count"] for r in lost), si["dropped"], "the stalled session's lost counts = its drops")
    # One ring of 16 per CPU: each CPU's ring kept the first 16 of that
    # CPU's events, as the active session got them (read() keeps each
    # ring's order), and dropped the rest of them.
    kept, seen = by_cpu(late), by_cpu(got)
    t.eq({c: v for c, v in kept.items()}, {c: v[:16] for c, v in seen.items()},
         "the stalled session's records: each CPU's first 16 of the active session's")
    t.eq(sum(max(len(v) - 16, 0) for v in seen.values()), si["dropped"],
         "the stalled session's drops: each CPU's events past its ring's 16")
    t.eq(si["recorded"], si["read"] + si["dropped"] + si["buffered"] + si["discarded"],
         "stalled: recorded = read + dropped + buffered + discarded")
    t.eq(rd.session_info(active)["recorded"], si["recorded"],
         "both took the same events (same default filter)")


def test_netns_and_host(t):
    tcpst.kill_timewait()
    ns = Netns.fresh("sess")
    t.defer(ns.delete)
    host = session_fd()
    t.defer(os.close, host)
    with ns.enter():
        nsfd = session_fd()
    t.defer(os.close, nsfd)
    t.eq(rd.ioctl_info(nsfd)["netns"], ns.inode, "INFO: the netns session's scope")
    t.eq(rd.session_info(nsfd)["netns"], ns.inode, "SESSION: the netns session's scope")
    FT.start()
    with ns.enter():
        pin, _ = socks_many(3)
    phost, _ = socks_many(3)
    tcpst.wait_quiet([phost])
    tcpst.wait_quiet([pin], proc_net=ns.proc_net)
    changes = ftrace.state_changes(FT.collect())
    time.sleep(0.3)
    hrecs, nrecs = rd.read_all(host), rd.read_all(nsfd)
    wait_for(lambda: hrecs.extend(rd.read_all(host)) or rd.session_info(host)["buffered"] == 0, 10)
    wait_for(lambda: nrecs.extend(rd.read_all(nsfd)) or rd.session_info(nsfd)["buffered"] == 0, 10)
    t.eq({r["netns"] for r in nrecs if r["type"] != tcpst.REC_LOST}, {ns.inode},
         "the netns session's records: its namespace only")
    t.eq({r["netns"] for r in hrecs if r["type"] != tcpst.REC_LOST} >= {ns.inode, tcpst.netns_inode()},
         True, "the host session's records: both namespaces")
    both = norm_child(ftrace_keys(changes, {pin, phost}))
    got_h = norm_child(state_keys([r for r in hrecs if r["lport"] in (pin, phost) or
                                   r["rport"] in (pin, phost)]))
    t.eq(dict(both - got_h), {}, "host session: ftrace's changes of both namespaces it did not get")
    t.eq(dict(got_h - both), {}, "host session: changes ftrace did not show")
    # Same port numbers may exist in both namespaces: compare the netns'
    # own by records of its namespace.
    got_n = norm_child(state_keys(nrecs))
    want_n = norm_child(ftrace_keys([c for c in changes if c["lport"] == pin or c["rport"] == pin],
                                    {pin}))
    t.true(not (got_n - want_n), "netns session: nothing ftrace did not show", dict(got_n - want_n))
    t.eq(sum(got_n.values()) > 0, True, "netns session got its namespace's changes")
    t.eq(rd.session_info(host)["dropped"], 0, "host session dropped nothing")


def test_limit(t):
    t.defer(lambda: tcpst.run(["sh", "-c", "echo 16 > /sys/module/tcpstate/parameters/max_sessions"]))
    p = "/sys/module/tcpstate/parameters/max_sessions"
    for bad in ("0", "1025", "x", "-1"):
        try:
            with open(p, "w") as f:
                f.write(bad)
            t.fail("max_sessions=%s accepted" % bad)
        except OSError as e:
            t.eq(errno.errorcode.get(e.errno), "EINVAL", "max_sessions=%s refused" % bad)
    with open(p, "w") as f:
        f.write("3")
    fds = [session_fd() for _ in range(3)]
    try:
        try:
            os.close(session_fd())
            t.fail("a 4th session with max_sessions=3: expected EBUSY")
        except OSError as e:
            t.eq(errno.errorcode.get(e.errno), "EBUSY", "4th open: errno")
        r = tcpst.run([tcpst.TOOL, "dump"], timeout=20)
        t.eq(r.returncode, 1, "tcpstate dump with no session left: exit status")
        t.true("max_sessions" in r.stderr, "the tool's message names max_sessions", r.stderr)
        os.close(fds.pop())
        fds.append(session_fd())     # the freed slot
    finally:
        for fd in fds:
            os.close(fd)


def expect_errno(t, name, fn, err):
    try:
        fn()
        t.fail("%s: expected %s, it succeeded" % (name, err))
    except OSError as e:
        t.eq(errno.errorcode.get(e.errno), err, name)


def test_bad_input(t):
    fd = session_fd()
    t.defer(os.close, fd)
    before = rd.get_filter(fd)
    bad = {
        "kinds 0": dict(kinds=0),
        "unknown kind": dict(kinds=0x20 | 1),
        "family 3": dict(family=3),
        "17 ports": dict(ports=list(range(1, 17)), nr_ports=17),
        "port 0": dict(ports=[80], nr_ports=2),
        "9 prefixes": dict(addrs=["10.0.0.0/8"], nr_addrs=9),
        "host bits set": dict(addrs=["10.0.0.1/8"]),
        "prefix 129": dict(raw_addrs=[(b"\0" * 16, 129)]),
        "comm without NUL": dict(comm=b"x" * 16),
        "reserved set": dict(reserved=(0, 1)),
    }
    for name, kw in bad.items():
        expect_errno(t, "SET_FILTER %s" % name, lambda kw=kw: rd.set_filter(fd, **kw), "EINVAL")
    t.eq(rd.get_filter(fd), before, "a refused filter changes nothing")
    t.eq(before["kinds"], rd.KINDS_ALL & ~rd.KINDS["segments"],
         "the default filter: segments=control's kinds")
    rd.set_filter(fd, ports=[80, 443], addrs=["10.0.0.0/8", "2001:db8::/32"], comm="curl")
    f = rd.get_filter(fd)
    t.eq((f["ports"], len(f["addrs"]), f["comm"]), ([80, 443], 2, "curl"), "GET_FILTER after SET_FILTER")
    t.eq(rd.session_info(fd)["flags"] & rd.SESSION_DEFAULT_FILTER, 0, "own filter: not the default")
    expect_errno(t, "SET_BUFFER 15", lambda: rd.set_buffer(fd, 15), "EINVAL")
    expect_errno(t, "SET_BUFFER 2^20+1", lambda: rd.set_buffer(fd, (1 << 20) + 1), "EINVAL")
    rd.set_buffer(fd, 100)
    t.eq(rd.session_info(fd)["nr_records"], 128, "SET_BUFFER 100: rounded up to 128")
    rd.read_all(fd)
    expect_errno(t, "SET_BUFFER after the first read", lambda: rd.set_buffer(fd, 64), "EBUSY")
    expect_errno(t, "an unknown ioctl", lambda: fcntl.ioctl(fd, rd._ioc(0, 99, 0)), "ENOTTY")
    ns = Netns.fresh("sbad")
    t.defer(ns.delete)
    with ns.enter():
        nfd = session_fd()
    t.defer(os.close, nfd)
    expect_errno(t, "a netns session asking for another namespace",
                 lambda: rd.set_filter(nfd, netns=tcpst.netns_inode()), "EINVAL")
    rd.set_filter(nfd, netns=ns.inode)


def test_filter_change(t):
    tcpst.kill_timewait()
    # The listeners first: their CLOSE -> LISTEN come before the session.
    a = socks.listener("ipv4", backlog=8, timeout=10)
    b = socks.listener("ipv4", backlog=8, timeout=10)
    pa, pb = a.getsockname()[1], b.getsockname()[1]
    fd = tcpst.dev_open(os.O_RDONLY)
    t.defer(os.close, fd)
    rd.set_filter(fd, kinds=rd.KINDS["states"], ports=[pa])
    got = []

    def reader():
        while True:
            buf = os.read(fd, rd.REC_SIZE * 64)
            recs = rd.decode_records(buf)
            got.extend(recs)
            if any(r["lport"] == pb and r["new"] == "CLOSE" for r in recs if r["type"] == tcpst.REC_STATE):
                return
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    time.sleep(0.3)     # the reader blocks in read()
    cli, conn = socks.connect("ipv4", b, timeout=10)
    first = cli.getsockname()[1]
    socks.close_first(cli, conn)
    tcpst.wait_quiet([first])
    rd.set_filter(fd, kinds=rd.KINDS["states"], ports=[pb])
    cli, conn = socks.connect("ipv4", a, timeout=10)
    socks.close_first(cli, conn)
    cli, conn = socks.connect("ipv4", b, timeout=10)
    socks.close_first(cli, conn)
    b.close()
    a.close()
    th.join(15)
    t.true(not th.is_alive(), "the blocked reader got the new filter's events")
    t.eq([r for r in got if pa in (r["lport"], r["rport"])], [],
         "no record of port A: before the change nothing happened on it, after it is filtered out")
    t.true([r for r in got if pb in (r["lport"], r["rport"])], "records of port B after the change")
    first_b = [r for r in got if pb in (r["lport"], r["rport"])]
    t.eq(len(first_b), len(set((r["cookie"], r["old"], r["new"]) for r in first_b)),
         "no record twice")


def test_close_during_read(t):
    # Only the test's own port: a record of other traffic (a TIME_WAIT
    # socket of an earlier test ending, seen on the debug kernel) would
    # end the read before the close() it is there to outlive.
    srv = socks.listener("ipv4", backlog=4, timeout=10)
    t.defer(srv.close)
    port = srv.getsockname()[1]
    fd = tcpst.dev_open(os.O_RDONLY)
    rd.set_filter(fd, ports=[port])
    res = {}

    def reader():
        try:
            res["buf"] = os.read(fd, rd.REC_SIZE * 16)
        except OSError as e:
            res["err"] = e.errno
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    time.sleep(0.3)
    os.close(fd)        # the read holds the file: the session stays until it returns
    t.true(th.is_alive(), "the read still blocks after close()")
    cli, conn = socks.connect("ipv4", srv, timeout=10)
    socks.close_first(cli, conn)
    th.join(10)
    t.true(not th.is_alive(), "the read returned with the next events")
    t.true(res.get("buf"), "the read returned records", res)
    wait_for(lambda: not rd.fd_holders(), 5, what="the session to go")


def test_unload_refused(t):
    fd = session_fd()
    try:
        r = tcpst.rmmod()
        t.true(r.returncode != 0, "rmmod with a session open fails")
        t.true(tcpst.loaded(), "still loaded")
    finally:
        os.close(fd)
    r = tcpst.rmmod()
    t.eq(r.returncode, 0, "rmmod once every session is closed")
    tcpst.ensure_loaded(MODE)


def test_list(t):
    a = session_fd()
    t.defer(os.close, a)
    _, base = rd.sessions_list(a)           # any left by others, and a
    b = session_fd()
    t.defer(os.close, b)
    rd.set_filter(b, ports=[8080], kinds=rd.KINDS["states"])
    ns = Netns.fresh("slist")
    t.defer(ns.delete)
    with ns.enter():
        c = session_fd()
    t.defer(os.close, c)
    seen, total = rd.sessions_list(a)
    t.eq(total, base + 2, "the host sees every session (%d before b and c)" % base)
    me = [s for s in seen if s["flags"] & rd.SESSION_SELF]
    t.eq(len(me), 1, "one session marked as the caller's")
    seen = seen[-3:]                          # a, b, c: the newest, in order
    t.eq([s["pid"] for s in seen], [os.getpid()] * 3, "pid of each")
    t.eq([s["comm"] for s in seen], [open("/proc/self/comm").read().strip()] * 3, "comm of each")
    t.eq([s["filter"]["ports"] for s in seen], [[], [8080], []], "filters of each")
    t.eq([s["netns"] for s in seen], [0, 0, ns.inode], "scopes")
    few, total = rd.sessions_list(a, nr=1)
    t.eq((len(few), total), (1, base + 2), "nr=1: one entry, the total")
    inside, total = rd.sessions_list(c)
    t.eq((total, [s["netns"] for s in inside]), (1, [ns.inode]), "the netns session sees only its own")
    r = tcpst.run([tcpst.TOOL, "stats", "--sessions"], timeout=20)
    t.eq(r.returncode, 0, "stats --sessions exit status (stderr: %s)" % r.stderr)
    rows = [l for l in r.stdout.splitlines() if re.match(r"^\s*\d+\s", l)]
    t.eq(len(rows), base + 3, "stats --sessions: a row per session (its own too):\n" + r.stdout)
    t.eq(len([l for l in rows if l.endswith("(this one)")]), 1, "stats --sessions marks its own")
    t.true(any("8080" in l for l in rows), "stats --sessions shows the port filter", r.stdout)


def test_tool_buffer(t):
    """tcpstate dump --buffer and conns --buffer: the reader's own session
    gets that many records (rounded up to a power of two), the others keep
    the module's nr_records."""
    a = session_fd()
    t.defer(os.close, a)
    default = rd.session_info(a)["nr_records"]
    children = []
    for cmd, want, asked in ((["dump", "-P", "9"], 65536, 40000),
                             (["conns", "--summary", "-P", "9"], 2048, 2048)):
        p = subprocess.Popen([tcpst.TOOL] + cmd + ["--buffer", str(asked)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t.defer(p.kill)
        children.append((cmd[0], p, want))

    def theirs():
        seen, _ = rd.sessions_list(a)
        by_pid = {s["pid"]: s["nr_records"] for s in seen}
        return {name: by_pid.get(p.pid) for name, p, _ in children}
    # A reader's session shows at its open(), with the default buffer,
    # until the tool's SET_BUFFER replaces it: wait for that (or 20 s).
    want_all = {name: want for name, _, want in children}
    try:
        wait_for(lambda: theirs() == want_all, timeout=20, what="both readers' buffers")
    except TimeoutError:
        pass
    got = theirs()
    for name, p, want in children:
        t.eq(got[name], want, "%s --buffer: its session's records" % name)

        # It maps the buffer right after SET_BUFFER: wait for that (or 20 s).
        try:
            wait_for(lambda: maps_device(p.pid), timeout=20, what="%s's map" % name)
        except TimeoutError:
            pass
        t.true(maps_device(p.pid), "%s: reads its session through a map of %s" % (name, tcpst.DEV),
               proc_maps(p.pid))
        # (Its exit status on a stop signal is the stop tests' business:
        # here the signal may come before the reader installed its handler.)
        p.kill()
        p.wait(timeout=20)
        t.eq(p.stderr.read().decode(), "", "%s --buffer: nothing on stderr" % name)
    t.eq(rd.session_info(a)["nr_records"], default, "a session without --buffer: nr_records")


def rec_key(r):
    return repr(sorted(r.items()))


def test_mmap_exact(t):
    tcpst.kill_timewait()
    # Open for writing: the reader writes consumer in the map.
    mapped, stalled, plain = session_fd(os.O_RDWR), session_fd(os.O_RDWR), session_fd()
    for fd in (mapped, stalled, plain):
        t.defer(os.close, fd)
    rd.set_buffer(mapped, 4096)
    rd.set_buffer(stalled, 16)
    m, st = rd.Map(mapped), rd.Map(stalled)
    t.defer(m.close)
    t.defer(st.close)
    nr_rings = rd.ioctl_info(mapped)["nr_rings"]
    t.eq(nr_rings, tcpst.cpu_ids(), "INFO nr_rings: one ring per CPU id")
    want_hdr = [dict(version=tcpst.ABI_VERSION, rec_size=tcpst.REC_SIZE, nr_records=4096, ring=i,
                     data_offset=mmap.PAGESIZE, data_size=4096 * tcpst.REC_SIZE, head=0, tail=0,
                     nr_rings=nr_rings, pad=0, ring_size=rd.ring_size(4096), consumer=0)
                for i in range(nr_rings)]
    t.eq(m.headers(), want_hdr, "the header pages of a new session's map, one per CPU id")

    def take(last):
        if last:
            rd.poll_in(mapped, 0)
        recs = m.take()
        if last:
            rd.poll_in(mapped, 0)       # hands the last ones back
        return recs
    got = churn_read_exact(t, "mapped", mapped, take)
    t.eq([(h["head"], h["tail"]) for h in m.headers()], [(p, p) for p in m.pos],
         "headers: each ring's head and tail where the reader is")
    plain_recs = rd.read_all(plain) + rd.read_all(plain)
    t.eq(sorted(map(rec_key, got)), sorted(map(rec_key, plain_recs)),
         "the mapped session got the same records as a read() session")
    t.eq(rd.session_info(stalled)["read"], 0, "the stalled map: nothing handed back, nothing read")
    late = st.take()
    rd.poll_in(stalled, 0)      # takes them back; a drained ring's LOST record follows
    late += st.take()
    rd.poll_in(stalled, 0)
    si = rd.session_info(stalled)
    lost = [r for r in late if r["type"] == tcpst.REC_LOST]
    t.true(si["dropped"] > 0, "the stalled map dropped events", si)
    t.eq(sum(r["count"] for r in lost), si["dropped"], "the stalled map's lost counts = its drops")
    # A ring of 16 per CPU: each kept its CPU's first 16 events (as the
    # mapped session got them), and its LOST record counts the rest.
    kept, seen = by_cpu(late), by_cpu(got)
    t.eq(kept, {c: v[:16] for c, v in seen.items()},
         "the stalled map: each CPU's ring, that CPU's first 16 events")
    t.eq({r["cpu"]: r["count"] for r in lost}, {c: len(v) - 16 for c, v in seen.items() if len(v) > 16},
         "the stalled map: one LOST record for each ring that overflowed, its CPU's events past 16")
    t.eq((si["read"], si["buffered"]), (sum(map(len, kept.values())), 0),
         "the stalled map: its rings' records, read once handed back")
    t.eq(si["recorded"], si["read"] + si["dropped"] + si["buffered"] + si["discarded"],
         "stalled map: recorded = read + dropped + buffered + discarded")


def test_mmap_bad_input(t):
    import ctypes
    fd = session_fd(os.O_RDWR)
    closed = []
    t.defer(lambda: closed or os.close(fd))
    si = rd.session_info(fd)
    size = rd.map_size(si["nr_records"], si["nr_rings"])
    page = mmap.PAGESIZE

    def mapit(**kw):
        rd.Map(fd, **kw).close()
    expect_errno(t, "mmap: a page short", lambda: mapit(size=size - page), "EINVAL")
    expect_errno(t, "mmap: a page more", lambda: mapit(size=size + page), "EINVAL")
    expect_errno(t, "mmap: offset one page", lambda: mapit(size=size - page, offset=page), "EINVAL")
    expect_errno(t, "mmap: MAP_PRIVATE", lambda: mapit(flags=mmap.MAP_PRIVATE), "EINVAL")
    expect_errno(t, "mmap: PROT_EXEC", lambda: mapit(prot=mmap.PROT_READ | mmap.PROT_EXEC), "EPERM")
    # Refused maps fix nothing: the buffer can still change.
    rd.set_buffer(fd, 64)
    m = rd.Map(fd)
    t.defer(m.close)
    t.eq(m.header()["nr_records"], 64, "the map is of the buffer SET_BUFFER made")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    cbuf = ctypes.c_char.from_buffer(m.m)
    rc = libc.mprotect(ctypes.addressof(cbuf), rd.map_size(64, m.nr_rings), mmap.PROT_READ | mmap.PROT_EXEC)
    err = ctypes.get_errno()
    del cbuf
    t.eq((rc, errno.errorcode.get(err)), (-1, "EACCES"), "mprotect(PROT_EXEC) of the map")
    expect_errno(t, "read() of a mapped session", lambda: os.read(fd, tcpst.REC_SIZE * 4), "EBUSY")
    expect_errno(t, "SET_BUFFER of a mapped session", lambda: rd.set_buffer(fd, 128), "EBUSY")
    # Records to hand back: a connection on loopback from each CPU (its
    # packets are processed where they are sent), so two rings hold some.
    old_aff = os.sched_getaffinity(0)
    t.defer(os.sched_setaffinity, 0, old_aff)
    cpus = sorted(old_aff)[:2]
    for c in cpus:
        os.sched_setaffinity(0, {c})
        port, cports = socks_many(1)
        tcpst.wait_quiet([port] + cports)
    os.sched_setaffinity(0, old_aff)
    wait_for(lambda: all(m.heads()[c] > 0 for c in cpus), 10, what="records in the rings of CPUs %s" % cpus)
    heads = m.heads()
    before = rd.session_info(fd)
    p = select.poll()
    p.register(fd, select.POLLIN)
    bad_ring = cpus[-1]
    for bad, name in ((heads[bad_ring] + 1, "past head"), ((1 << 64) - 1, "behind tail")):
        # Every other ring's consumer valid, at its head: still nothing.
        for c in cpus[:-1]:
            m.set_consumer(heads[c], c)
        m.set_consumer(bad, bad_ring)
        t.eq([ev & select.POLLERR for _, ev in p.poll(0)], [select.POLLERR],
             "poll(): EPOLLERR for a consumer %s in ring %d" % (name, bad_ring))
        t.eq(rd.session_info(fd)["read"], before["read"], "a consumer %s: nothing taken back" % name)
        t.eq([h["tail"] for h in m.headers()], [0] * m.nr_rings,
             "a consumer %s in one ring: no ring's tail moves" % name)
    recs = m.take()
    t.eq(len(recs), sum(heads), "the records are still there after the refusals")
    t.eq([ev & select.POLLERR for _, ev in p.poll(0)], [], "poll() after a valid consumer: no error")
    t.eq([h["tail"] for h in m.headers()], heads, "each ring's tail: at its consumer")
    t.eq(rd.session_info(fd)["read"], len([r for r in recs if r["type"] != tcpst.REC_LOST]),
         "read: the events handed back")
    # The file closed, the map keeps the session; it goes with the map.
    other = session_fd()
    t.defer(os.close, other)
    mine = rd.session_info(fd)["id"]
    os.close(fd)
    closed.append(True)
    ids = [s["id"] for s in rd.sessions_list(other)[0]]
    t.true(mine in ids, "closed but mapped: the session is still there", ids)
    m.close()
    ids = [s["id"] for s in rd.sessions_list(other)[0]]
    t.true(mine not in ids, "its map gone: the session is gone", ids)


def test_mmap_tool_wraps(t):
    """tcpstate dump --json --buffer 64 maps a buffer of 64 records; 20
    connections, one at a time, go round it several times: every event a
    read() session of the same filter got is in the tool's output or
    counted in its LOST records, exactly (a slow kernel, the debug one,
    can outrun a reader of 64 records: the count must then be right)."""
    tcpst.kill_timewait()
    srv = socks.listener("ipv4", backlog=8, timeout=10)
    port = srv.getsockname()[1]
    plain = session_fd()
    t.defer(os.close, plain)
    rd.set_filter(plain, ports=[port])
    d = rd.Dump(args=("--json", "--buffer", "64", "-P", str(port)))
    t.defer(d.kill)

    # Its map is the last of its set-up (filter, buffer, map): before it,
    # an event could land in the buffer SET_BUFFER then throws away.
    wait_for(lambda: maps_device(d.proc.pid), 20, what="the tool's map")
    cports = []
    for _ in range(20):
        cli, conn = socks.connect("ipv4", srv, timeout=10)
        cports.append(cli.getsockname()[1])
        socks.close_first(cli, conn)
        time.sleep(0.05)
    srv.close()
    tcpst.wait_quiet([port] + cports)
    want = [r for r in rd.read_all(plain) + rd.read_all(plain) if r["type"] != tcpst.REC_LOST]

    def tool_session():
        mine = [x for x in rd.sessions_list(plain)[0] if x["pid"] == d.proc.pid]
        return mine[0] if mine else None

    def drained():
        x = tool_session()
        return x is not None and x["recorded"] == len(want) and x["buffered"] == 0
    try:
        wait_for(drained, 20, what="the tool's session drained")
    except TimeoutError:
        pass
    fig = tool_session()
    t.true(drained(), "the tool took or dropped every event (%d)" % len(want), fig)
    t.eq(d.stop(), 0, "dump exits 0 on SIGINT")
    got = d.records()
    lost = sum(r["count"] for r in got if r["type"] == "lost")
    shown = [r for r in got if r["type"] != "lost"]
    key = collections.Counter
    t.eq(dict(key((r["ts"], r["cookie"]) for r in shown) -
              key((r["ts"], r["cookie"]) for r in want)), {},
         "every record the tool shows is one the read() session got")
    t.eq((len(shown), lost), (len(want) - fig["dropped"], fig["dropped"]) if fig else None,
         "shown = the events less its drops; its LOST records count the drops")
    per_cpu = collections.Counter(r["cpu"] for r in got if r["type"] != "lost")
    t.true(max(per_cpu.values()) > 3 * 64, "a 64-record ring of the map went round at least three times",
           per_cpu)


def build(runner, mode, ft):
    global MODE, _ft
    MODE = mode
    _ft = ft
    add = runner.add

    def loaded(t):
        tcpst.ensure_loaded(MODE)
    add("sessions_filters_two", test_filters_two, loaded)
    add("sessions_filters_sixteen", test_filters_sixteen, loaded)
    add("sessions_stalled_vs_active", test_stalled_vs_active, loaded)
    add("sessions_netns_and_host", test_netns_and_host, loaded)
    add("sessions_limit", test_limit, loaded)
    add("sessions_bad_input", test_bad_input, loaded)
    add("sessions_filter_change", test_filter_change, loaded)
    add("sessions_close_during_read", test_close_during_read, loaded)
    add("sessions_unload_refused", test_unload_refused, loaded)
    add("sessions_list", test_list, loaded)
    add("sessions_tool_buffer", test_tool_buffer, loaded)
    add("sessions_mmap_exact", test_mmap_exact, loaded)
    add("sessions_mmap_bad_input", test_mmap_bad_input, loaded)
    add("sessions_mmap_tool_wraps", test_mmap_tool_wraps, loaded)
