# SPDX-License-Identifier: GPL-2.0
"""Regression tests for the hardening issue: each is named after what it
proves, and each failed (or crashed the VM) on the module before its fix.
Registered by guest.py (build(runner, ...)); run in both hook modes.

  hard_rst_from_backlog_ipv6        an IPv6 RST answering a segment that
                                    waited in the socket's backlog (no
                                    dst): recorded and counted, no oops
  hard_timewait_born_before_load    TIME_WAIT sockets born before insmod:
                                    no invented birth, ends of duration 0
  hard_one_file_two_readers         two threads reading one file: no record
                                    delivered twice (userfaultfd holds the
                                    first read() inside its copy)
  hard_device_absent_in_failed_init /dev/tcpstate never appears while an
                                    init that will fail is running
  hard_init_failure_unwinds         every init step made to fail in turn
                                    (fail_init=): nothing left behind,
                                    the module then loads and traces
  hard_dccp_not_recorded            DCCP's request and TIME_WAIT sockets
                                    (shared kernel functions) not recorded
  hard_scoped_reader_inum_reuse     a reader scoped to a namespace whose
                                    inode number a dead one had does not
                                    see the dead one's records
  hard_close_then_rmmod_churn       readers opening and closing during
                                    churn; unload right after the last close
"""
import ctypes
import errno
import mmap
import os
import select
import socket
import struct
import sys
import threading
import time

import tcpst
from tcpst import wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from tcpstate_test import netns as netns_lib       # noqa: E402
from tcpstate_test import sockets as socks         # noqa: E402

LIBC = ctypes.CDLL(None, use_errno=True)
MODE = None
FAULT_KO = os.path.join(tcpst.ROOT, "build", "fault-module", "tcpstate.ko")
TCP_CLOSE = 7
SOCK_DCCP, IPPROTO_DCCP = 6, 33


UFFDIO_API = 0xc018aa3f
UFFDIO_REGISTER = 0xc020aa00
UFFDIO_ZEROPAGE = 0xc020aa04
UFFD_API = 0xAA


def userfault_region(pages):
    """An anonymous mapping whose missing pages fault to a userfaultfd:
    (uffd, mapping, address)."""
    uffd = LIBC.syscall(ctypes.c_long(323), ctypes.c_long(os.O_CLOEXEC))   # userfaultfd(2)
    if uffd < 0:
        raise OSError(ctypes.get_errno(), "userfaultfd")
    api = ctypes.create_string_buffer(struct.pack("<QQQ", UFFD_API, 0, 0))
    if LIBC.ioctl(uffd, ctypes.c_ulong(UFFDIO_API), api) != 0:
        raise OSError(ctypes.get_errno(), "UFFDIO_API")
    size = pages * mmap.PAGESIZE
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    reg = ctypes.create_string_buffer(struct.pack("<QQQQ", addr, size, 1, 0))  # MODE_MISSING
    if LIBC.ioctl(uffd, ctypes.c_ulong(UFFDIO_REGISTER), reg) != 0:
        raise OSError(ctypes.get_errno(), "UFFDIO_REGISTER")
    return uffd, m, addr


# --------------------------------------------------------------------------
# 1. rst_goes_out() read the route of a backlog segment
def test_rst_from_backlog_ipv6(t):
    """An IPv6 client shut down (SHUT_RDWR: FIN_WAIT2, receive side shut)
    gets data from the peer while its own recv() holds its socket lock,
    held still inside the copy to user space by a userfaultfd page: the
    segment waits in the backlog, which drops its route, and is answered
    by tcp_v6_send_reset(sk, skb) from release_sock(). The module read
    skb_dst() there (NULL): an oops. Now: every RST the kernel counts in
    OutRsts is recorded, resets_out moves as OutRsts, TCPAbortOnData
    counts each connection."""
    n = 5
    sess = tcpst.Session()
    t.defer(sess.close)
    pb, sb, xb = tcpst.read_proc(), tcpst.snmp_tcp(), netns_lib.netstat()["TcpExt"]
    tuples = []
    for _ in range(n):
        srv = socks.listener("ipv6")
        cli, conn = socks.connect("ipv6", srv)
        tup = (conn.getsockname()[1], conn.getpeername()[1])
        conn.sendall(b"q" * 100)                 # queued, unread, at the client
        wait_for(lambda: len(cli.recv(100, socket.MSG_PEEK)) == 100, 10, what="data queued")
        cli.shutdown(socket.SHUT_RDWR)
        t.require_eq(conn.recv(1), b"", "the server saw the client's FIN")
        wait_for(lambda: socks.tcp_state(cli) == 5, 10, what="client in FIN_WAIT2")
        uffd, m, addr = userfault_region(1)
        got = {}

        def locked_recv(fd=cli.fileno(), addr=addr, got=got):
            got["n"] = LIBC.recv(fd, ctypes.c_void_p(addr), ctypes.c_size_t(100), 0)

        th = threading.Thread(target=locked_recv)
        th.start()
        try:
            r, _, _ = select.select([uffd], [], [], 10)
            t.require(r, "the client's recv() faulted inside its copy (socket lock held)")
            os.read(uffd, 32)
            conn.send(b"x" * 100)                # to the backlog: the socket is owned
            time.sleep(0.2)
            # Not TCP_INFO: that takes the socket lock, held by recv().
            t.eq([st for lp, rp, st in netns_lib.tcp_table() if (rp, lp) == tup], [5],
                 "client still FIN_WAIT2 (/proc/net/tcp6) while its lock is held")
        finally:
            zp = ctypes.create_string_buffer(struct.pack("<QQQq", addr, mmap.PAGESIZE, 0, 0))
            LIBC.ioctl(uffd, ctypes.c_ulong(UFFDIO_ZEROPAGE), zp)
            th.join(10)
            os.close(uffd)
        t.eq(got.get("n"), 100, "the client's recv() returned the queued data")
        wait_for(lambda: socks.tcp_state(cli) == TCP_CLOSE, 10, what="client reset (CLOSE)")
        # The server, in CLOSE_WAIT, is reset by it (to CLOSE, EPIPE).
        wait_for(lambda: socks.tcp_state(conn) == TCP_CLOSE, 10, what="server reset (CLOSE)")
        tuples.append(tup)
        for s in (cli, conn, srv):
            s.close()
        m.close()
    recs = sess.until(lambda r: False, 1)
    pa, sa, xa = tcpst.read_proc(), tcpst.snmp_tcp(), netns_lib.netstat()["TcpExt"]
    rst = {}
    for r in recs:
        if (r["type"] == tcpst.REC_SEGMENT and r["dir"] == 2 and r["tcp_flags"] & 0x04 and
                r["family"] == socket.AF_INET6):
            k = (r["rport"], r["lport"])            # the client's RST: to the server's port
            rst[k] = rst.get(k, 0) + 1
    # A retransmission of the data, queued behind it in the backlog,
    # meets the closed socket and is answered by a second RST: count
    # against the kernel's own OutRsts, not against one per connection.
    t.eq([rst.get(k, 0) > 0 for k in tuples], [True] * n, "an RST record sent by each client")
    t.eq(sum(rst.values()), sa["OutRsts"] - sb["OutRsts"],
         "RST records sent by the clients vs Tcp OutRsts delta")
    t.eq(xa["TCPAbortOnData"] - xb["TCPAbortOnData"], n, "TcpExt TCPAbortOnData delta")
    t.eq(tcpst.delta(pa, pb)["resets_out"], sa["OutRsts"] - sb["OutRsts"],
         "resets_out delta vs Tcp OutRsts delta")


# --------------------------------------------------------------------------
# 2. the TIME_WAIT table matched cookie 0 (free) for sockets born before load
def test_timewait_born_before_load(t):
    """40 TIME_WAIT sockets born in a namespace before insmod (no cookie:
    nothing asked for one), ended by deleting the namespace after: 40
    ends, each of duration 0 (birth not seen), and no TIME_WAIT birth
    invented for any of them."""
    tcpst.ensure_unloaded()
    n = 40
    ns = netns_lib.Netns.fresh("twbefore")
    t.defer(ns.delete)
    ports = []
    with ns.enter():
        srv = socks.listener("ipv4", backlog=64)
        for _ in range(n):
            cli, conn = socks.connect("ipv4", srv)
            ports.append(cli.getsockname()[1])
            cli.close()                                  # client closes first:
            t.require_eq(conn.recv(1), b"", "FIN seen")  # the client gets TIME_WAIT
            conn.close()
        srv.close()
    # /proc/net/tcp (no sock_diag: that would give them cookies)
    wait_for(lambda: sorted(st for _, _, st in netns_lib.tcp_table(ns.proc_net)) == [6] * n, 15,
             what="only the %d TIME_WAIT sockets left in the namespace" % n)
    tcpst.ensure_loaded(MODE)
    wait_for(lambda: os.path.exists(tcpst.DEV), 5, what=tcpst.DEV)
    sess = tcpst.Session()
    t.defer(sess.close)
    ino = ns.inode
    ns.delete()

    def mine(recs):
        return [r for r in recs if r["netns"] == ino and r["type"] == tcpst.REC_STATE]
    recs = mine(sess.until(lambda r: len(mine(r)) >= n, 20))
    ends = [r for r in recs if r["timewait"] and r["new"] == "CLOSE"]
    t.eq(sorted(r["lport"] for r in ends), sorted(ports), "ends recorded: the clients' ports")
    t.eq([r["duration_ns"] for r in ends], [0] * len(ends), "duration_ns of each end (birth unseen)")
    t.eq([(r["old"], r["new"]) for r in recs if r["new"] == "TIME_WAIT"], [],
         "TIME_WAIT births recorded for sockets born before the module")
    t.eq({tcpst.TW_REASONS[r["reason"] - 1] for r in ends}, {"netns"}, "end reasons")


# --------------------------------------------------------------------------
# 3. one file, two readers
def test_one_file_two_readers(t):
    """Thread A's read() stops inside its copy to user space (a
    userfaultfd page); thread B reads the same file meanwhile. B must
    wait for A (one consumer at a time), and no record may reach both:
    before the fix B copied the slots A was copying."""
    fd = tcpst.dev_open()
    t.defer(os.close, fd)
    srv = socks.listener("ipv4")
    t.defer(srv.close)
    cli, conn = socks.connect("ipv4", srv)
    cli.close()
    conn.close()
    time.sleep(0.3)                               # records in the ring, unread
    uffd, m, addr = userfault_region(2)
    t.defer(os.close, uffd)
    got = {}

    def reader_a():
        n = LIBC.read(fd, ctypes.c_void_p(addr), ctypes.c_size_t(2 * mmap.PAGESIZE))
        got["a"] = ctypes.string_at(addr, n) if n > 0 else n

    def reader_b():
        got["b"] = os.read(fd, 64 * tcpst.REC_SIZE)

    ta = threading.Thread(target=reader_a)
    ta.start()
    r, _, _ = select.select([uffd], [], [], 10)
    t.require(r, "reader A faulted on its buffer inside read()")
    msg = os.read(uffd, 32)                       # struct uffd_msg: the fault
    fault_addr = struct.unpack_from("<Q", msg, 16)[0] & ~(mmap.PAGESIZE - 1)
    tb = threading.Thread(target=reader_b)
    tb.start()
    tb.join(1.0)
    b_early = "b" in got
    # Let A finish: map a zero page where it faulted (and the next, if asked).
    for page in (fault_addr, fault_addr + mmap.PAGESIZE):
        if addr <= page < addr + 2 * mmap.PAGESIZE:
            zp = ctypes.create_string_buffer(struct.pack("<QQQq", page, mmap.PAGESIZE, 0, 0))
            LIBC.ioctl(uffd, ctypes.c_ulong(UFFDIO_ZEROPAGE), zp)
    ta.join(10)
    t.require(not ta.is_alive(), "reader A finished once its page was there")
    if not b_early:                               # B waits for new records now
        srv2 = socks.listener("ipv4")
        c2, s2 = socks.connect("ipv4", srv2)
        for s in (c2, s2, srv2):
            s.close()
        tb.join(10)
    t.require(not tb.is_alive(), "reader B returned")
    t.eq(b_early, False, "reader B returned while reader A was inside its copy")
    a, b = got.get("a"), got.get("b")
    t.require(isinstance(a, bytes) and a, "reader A read records (%r)" % (a,))
    ra = [a[i:i + tcpst.REC_SIZE] for i in range(0, len(a), tcpst.REC_SIZE)]
    rb = [b[i:i + tcpst.REC_SIZE] for i in range(0, len(b), tcpst.REC_SIZE)]
    t.eq(len(set(ra) & set(rb)), 0, "records delivered to both readers")


# --------------------------------------------------------------------------
# 4./5. init: the device last; every step's failure unwound
class DevWatch:
    """Did /dev/tcpstate appear, or could it be opened, while watching?"""

    def __init__(self):
        self.fd = LIBC.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        LIBC.inotify_add_watch(self.fd, b"/dev", 0x100)      # IN_CREATE
        self.opened = 0
        self.stop = threading.Event()
        self.th = threading.Thread(target=self.spin)
        self.th.start()

    def spin(self):
        while not self.stop.is_set():
            try:
                fd = os.open(tcpst.DEV, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                continue
            self.opened += 1
            try:
                os.read(fd, tcpst.REC_SIZE)                   # touches the ring
            except OSError:
                pass
            os.close(fd)

    def created(self):
        names = []
        while True:
            try:
                buf = os.read(self.fd, 4096)
            except BlockingIOError:
                break
            off = 0
            while off < len(buf):
                _, _, _, ln = struct.unpack_from("<iIII", buf, off)
                names.append(buf[off + 16:off + 16 + ln].split(b"\0")[0].decode())
                off += 16 + ln
        return names

    def close(self):
        self.stop.set()
        self.th.join()
        created = self.created()
        os.close(self.fd)
        return created


def fault_points(t):
    """The fault points the test build passes in this hook mode, in order."""
    k = tcpst.Kmsg()
    rc = tcpst.finit_module(path=FAULT_KO, params="hook=%s fail_init=list" % MODE)
    t.require_eq(rc, 0, "insmod of the test build with fail_init=list")
    wait_for(lambda: os.path.exists(tcpst.DEV), 5, what=tcpst.DEV)
    pts = [l.split("fault point ", 1)[1].strip() for l in k.read() if "fault point " in l]
    k.close()
    tcpst.ensure_unloaded()
    t.require(pts, "fault points listed")
    return pts


def leftovers(base=()):
    """What a failed init may have left: files, the module, kprobes (but
    those in base: the suite's own kprobe events)."""
    left = [p for p in (tcpst.DEV, tcpst.PROC, "/sys/module/tcpstate") if os.path.exists(p)]
    try:
        with open("/sys/kernel/debug/kprobes/list") as f:
            left += [l.strip() for l in f if l.strip() and l.strip() not in base]
    except OSError:
        pass
    return left


def test_device_absent_in_failed_init(t):
    """With the last hook step made to fail, /dev/tcpstate must never
    exist during the init: before the fix it was registered before the
    hooks, a reader could open it, and the failed init freed the ring
    under that reader."""
    t.require(os.path.exists(FAULT_KO), "the test build %s exists (make fault-module)" % FAULT_KO)
    tcpst.ensure_unloaded()
    base = leftovers()
    pts = fault_points(t)
    last_hook = [p for p in pts if not p.startswith("init:")][-1]
    w = DevWatch()
    try:
        rc = tcpst.finit_module(path=FAULT_KO, params="hook=%s fail_init=%s" % (MODE, last_hook))
    finally:
        created = w.close()
    t.eq(rc, errno.ENOMEM, "insmod with fail_init=%s" % last_hook)
    t.eq([c for c in created if c == "tcpstate"], [], "/dev/tcpstate created during the failed init")
    t.eq(w.opened, 0, "opens of /dev/tcpstate that succeeded during the failed init")
    t.eq(leftovers(base), [], "left after the failed init")


def test_init_failure_unwinds(t):
    """Each fault point of init fails in turn (fail_init=POINT): insmod
    says ENOMEM, and nothing is left (device, /proc file, module, kprobes,
    and on the debug kernel kmemleak and KASAN watch). Then the module
    loads and traces a connection, so no registration was left half done."""
    t.require(os.path.exists(FAULT_KO), "the test build %s exists (make fault-module)" % FAULT_KO)
    tcpst.ensure_unloaded()
    k = tcpst.Kmsg()
    base = leftovers()
    t.eq([p for p in base if p.startswith("/")], [], "nothing of tcpstate's before the test")
    pts = fault_points(t)
    bad = []
    for p in pts:
        rc = tcpst.finit_module(path=FAULT_KO, params="hook=%s fail_init=%s" % (MODE, p))
        left = leftovers(base)
        if rc != errno.ENOMEM or left:
            bad.append((p, errno.errorcode.get(rc, rc), left))
            tcpst.ensure_unloaded()
    t.eq(bad, [], "fault points whose failure was not ENOMEM with nothing left")
    t.note("%d fault points failed in turn: %s" % (len(pts), " ".join(pts)))
    injected = [l for l in k.read() if "fault injected at" in l]
    t.eq(len(injected), len(pts), "faults injected (kernel log)")
    t.eq(k.bad(), [], "kernel log problems")
    k.close()
    tcpst.ensure_loaded(MODE)
    sess = tcpst.Session()
    t.defer(sess.close)
    srv = socks.listener("ipv4")
    cli, conn = socks.connect("ipv4", srv)
    ck = socks.cookie(cli)
    for s in (cli, conn, srv):
        s.close()
    recs = sess.until(lambda r: any(x["cookie"] == ck and x.get("new") == "ESTABLISHED"
                                     for x in r), 10)
    t.true(any(x["cookie"] == ck and x.get("old") == "SYN_SENT" and x.get("new") == "ESTABLISHED"
               for x in recs), "after the failed loads, a normal load records SYN_SENT -> ESTABLISHED")


# --------------------------------------------------------------------------
# 6. DCCP shares request and timewait socket functions
def dccp_pair(family):
    af, addr, _ = socks.ADDRS[family]
    srv = socket.socket(af, SOCK_DCCP, IPPROTO_DCCP)
    srv.settimeout(10)
    srv.bind((addr, 0))
    srv.listen(8)
    cli = socket.socket(af, SOCK_DCCP, IPPROTO_DCCP)
    cli.settimeout(10)
    cli.connect((addr, srv.getsockname()[1]))
    conn, _ = srv.accept()
    return srv, cli, conn


def test_dccp_not_recorded(t):
    """Five DCCP connections (IPv4 and IPv6) over loopback, each closed by
    the client first (its timewait socket): no record and no counter of
    tcpstate's may move for them. Before the fix: request records
    (created, promoted) read from a dccp_request_sock as if TCP's."""
    # Built in (the debug kernel) or a module (Debian's): load it first,
    # so that no autoload counts as part of the test.
    tcpst.run(["modprobe", "-q", "dccp_ipv4"], timeout=30)
    tcpst.run(["modprobe", "-q", "dccp_ipv6"], timeout=30)
    sess = tcpst.Session()
    t.defer(sess.close)
    pb = tcpst.read_proc()
    ports = set()
    try:
        for i in range(5):
            srv, cli, conn = dccp_pair("ipv4" if i % 2 == 0 else "ipv6")
            ports.add(srv.getsockname()[1])
            cli.send(b"hello")
            conn.recv(16)
            cli.close()
            conn.close()
            srv.close()
    except OSError as e:
        t.fail_now("DCCP sockets: %s (is DCCP built for this kernel?)" % e)
    time.sleep(1.0)
    recs = sess.records()
    pa = tcpst.read_proc()
    mine = [r for r in recs if r["lport"] in ports or r["rport"] in ports]
    t.eq([(r["type"], r.get("event"), r.get("old"), r.get("new")) for r in mine], [],
         "records for the DCCP connections")
    d = tcpst.delta(pa, pb)
    moved = {k: v for k, v in d.items() if v and k not in ("events_recorded", "events_read",
                                                             "events_buffered", "time_wait_tracked")}
    t.eq(moved, {}, "counters moved by DCCP connections")
    t.eq(d["events_recorded"], len(recs), "events_recorded delta vs records read (nothing else ran)")


# --------------------------------------------------------------------------
# 9. namespace identity: cookie, not inode number
def test_scoped_reader_inum_reuse(t):
    """A namespace dies and a new one gets its inode number; a session
    scoped to the new one must not be given anything of the dead one's
    (the scope is the namespace itself, not its number; the dead one's
    last records, its sockets' ends in cleanup_net, may come late), and
    a host session open all along gets them with the old number."""
    time.sleep(1.5)                       # an earlier netns' late records
    tcpst.ensure_loaded(MODE)
    host = tcpst.Session()
    t.defer(host.close)
    a = netns_lib.Netns.fresh("inum-a")
    t.defer(a.delete)
    with a.enter():
        srv = socks.listener("ipv4")
        cli, conn = socks.connect("ipv4", srv)
        conn.close()                      # server closes first: no TIME_WAIT in a
        cli.close()
        srv.close()
    ino = a.inode
    time.sleep(0.3)
    a.delete()
    time.sleep(1.5)                       # cleanup_net frees the inode number
    b = netns_lib.Netns.fresh("inum-b")
    t.defer(b.delete)
    if b.inode != ino:
        t.fail_now("the new namespace got inode %d, not %d: the kernel did not reuse it, the"
                   " test cannot show what it is for" % (b.inode, ino))
    with b.enter():
        fd = tcpst.dev_open(os.O_RDONLY | os.O_NONBLOCK)   # scoped to b
    try:
        recs = tcpst.read_all(fd)
    finally:
        os.close(fd)
    t.eq([(r["type"], r.get("old"), r.get("new")) for r in recs if r["type"] != tcpst.REC_LOST], [],
         "records the session scoped to the new namespace was given")
    pb = b.read_proc()
    t.eq(pb["events_read"], 0, "events_read of the new namespace")
    t.true([r for r in host.records() if r["netns"] == ino and r["type"] == tcpst.REC_STATE],
           "the host session got the dead namespace's records")


# --------------------------------------------------------------------------
# races by construction
def test_close_then_rmmod_churn(t):
    """Readers open, read and close 50 times during connection churn; the
    module is unloaded right after the last close (the file's module
    reference is gone by then), loaded again, and traces."""
    import scenarios
    stop = threading.Event()
    th = threading.Thread(target=scenarios.churn, args=(stop,))
    th.start()
    try:
        for _ in range(50):
            fd = tcpst.dev_open(os.O_RDONLY | os.O_NONBLOCK)
            try:
                os.read(fd, 16 * tcpst.REC_SIZE)
            except BlockingIOError:
                pass
            os.close(fd)
        r = tcpst.rmmod()
        t.eq(r.returncode, 0, "rmmod right after the last reader closed (%s)" % r.stderr.strip())
    finally:
        stop.set()
        th.join()
    tcpst.ensure_loaded(MODE)
    t.eq(tcpst.fd_holders(), [], "holders of the device")


def build(runner, mode, loaded, unloaded):
    global MODE
    MODE = mode
    add = runner.add
    add("hard_rst_from_backlog_ipv6", test_rst_from_backlog_ipv6, loaded)
    add("hard_timewait_born_before_load", test_timewait_born_before_load, unloaded)
    add("hard_one_file_two_readers", test_one_file_two_readers, loaded)
    add("hard_device_absent_in_failed_init", test_device_absent_in_failed_init, unloaded)
    add("hard_init_failure_unwinds", test_init_failure_unwinds, unloaded)
    add("hard_dccp_not_recorded", test_dccp_not_recorded, loaded)
    add("hard_scoped_reader_inum_reuse", test_scoped_reader_inum_reuse, None)
    add("hard_close_then_rmmod_churn", test_close_then_rmmod_churn, loaded)
