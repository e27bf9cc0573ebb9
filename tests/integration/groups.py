# SPDX-License-Identifier: GPL-2.0
"""Probe groups (the kernels issue): a group whose probe point is missing
is not armed, insmod still succeeds, the states stay exact, and every
interface says which group is missing. A missing point is made with the
blocklist= parameter, which treats the named functions (or tracepoints)
as absent from the kernel, exactly as a kernel without them would look
to the module. Registered by guest.py (build()); run in both hook modes.

  groups_all_armed              the default load arms every group, and
                                /proc, INFO, stats and the log say so
  groups_disarmed_<group>       one point of <group> blocklisted: insmod
                                succeeds, one log line names the group
                                and why, /proc group_<group> 0, INFO and
                                `tcpstate stats` agree, the group records
                                nothing, and a scenario's state changes
                                are still exactly ftrace's
  groups_states_required        the state hook missing: insmod fails
                                (ENOENT), nothing left behind
  groups_require                require=<group> with its point missing:
                                insmod fails (ENOENT), one log line, nothing
                                left; require= and blocklist= values checked
"""
import errno
import os
import re

import hardening
import tcpst
from tcpst import wait_for

MODE = None
SCENARIO = None        # guest.scenario_test("ipv4", "client_closes")

# group -> (a probe point of it to hide, the record type it must not make
# once hidden, or None when its records are labels or module-wide only)
DISARM = {
    "resets": ("tcp_receive_reset", None),
    "segments": ("tcp_v6_send_response", tcpst.REC_SEGMENT),
    "retransmits": ("__tcp_retransmit_skb", None),
    "requests": ("tcp_conn_request", tcpst.REC_REQUEST),
    "timewait": ("inet_twsk_kill", None),
}
STATE_POINT = {"tracepoint": ("inet_sock_set_state", "tracepoint inet_sock_set_state is in blocklist="),
               "kprobe": ("tcp_set_state", "tcp_set_state() is in blocklist=")}


def bit(group):
    return 1 << tcpst.GROUPS.index(group)


def group_lines(kmsg):
    return [l for l in kmsg.read() if "probe group" in l or "not verified" in l]


def check_interfaces(t, live):
    """/proc, INFO and `tcpstate stats` all say exactly @live is armed."""
    p = tcpst.read_proc()
    t.eq({g: p.get("group_" + g) for g in tcpst.GROUPS},
         {g: int(g in live) for g in tcpst.GROUPS}, "/proc group_* lines")
    fd = tcpst.dev_open()
    try:
        info = tcpst.ioctl_info(fd)
    finally:
        os.close(fd)
    t.eq(info["groups"], sum(bit(g) for g in live), "INFO groups")
    r = tcpst.run([tcpst.TOOL, "stats"], timeout=20)
    t.eq(r.returncode, 0, "stats exit status")
    shown = dict(re.findall(r"^  (\w+) +([01])$", r.stdout.split("probe groups", 1)[-1].split("\n\n")[0],
                            re.M))
    t.eq(shown, {g: str(int(g in live)) for g in tcpst.GROUPS}, "`tcpstate stats` probe groups section")


def test_all_armed(t):
    tcpst.ensure_unloaded()
    k = tcpst.Kmsg()
    tcpst.ensure_loaded(MODE)
    btf = os.path.exists("/sys/kernel/btf/vmlinux")
    lines = group_lines(k)
    k.close()
    # Without BTF (the debug kernel) the module says it could not verify.
    want = [] if btf else ["tcpstate: probed functions' arguments not verified:"
                           " cannot read the kernel's BTF: -2"]
    t.eq(lines, want, "kernel log lines about probe groups at load (BTF %s)" %
         ("present" if btf else "absent"))
    check_interfaces(t, tcpst.GROUPS)


def disarmed_test(group):
    point, rec_type = DISARM[group]

    def fn(t):
        tcpst.ensure_unloaded()
        t.defer(tcpst.ensure_loaded, MODE)
        k = tcpst.Kmsg()
        rc = tcpst.finit_module(params="hook=%s blocklist=%s" % (MODE, point))
        t.require_eq(rc, 0, "insmod with blocklist=%s" % point)
        wait_for(lambda: os.path.exists(tcpst.DEV), 5, what=tcpst.DEV)
        why = "%s is in blocklist=" % (point + "()" if group != "resets" else
                                       "tracepoint " + point)
        lines = [l for l in group_lines(k) if "not verified" not in l]
        k.close()
        t.eq(lines, ["tcpstate: probe group %s not armed, its records will be missing: %s"
                     % (group, why)], "kernel log: one line naming the group and why")
        check_interfaces(t, [g for g in tcpst.GROUPS if g != group])
        # The states are exactly the kernel's (ftrace), as with every group.
        SCENARIO(t)
        if rec_type is None:
            return
        # ... and the group recorded nothing: a connection with every kind
        # of segment and request record, read from the device.
        from tcpstate_test import sockets as socks
        sess = tcpst.Session()
        t.defer(sess.close)
        srv = socks.listener("ipv4")
        cli, conn = socks.connect("ipv4", srv)
        for s in (cli, conn, srv):
            s.close()
        recs = sess.until(lambda r: any(x.get("new") == "CLOSE" for x in r), 10)
        t.true(any(r["type"] == tcpst.REC_STATE for r in recs), "state records of the connection")
        t.eq([r for r in recs if r["type"] == rec_type], [],
             "records of the unarmed group %s" % group)
    return fn


def test_states_required(t):
    tcpst.ensure_unloaded()
    t.defer(tcpst.ensure_loaded, MODE)
    base = hardening.leftovers()
    point, why = STATE_POINT[MODE]
    k = tcpst.Kmsg()
    rc = tcpst.finit_module(params="hook=%s blocklist=%s" % (MODE, point))
    t.eq(rc, errno.ENOENT, "insmod with the state hook (%s) missing" % point)
    t.eq([l for l in group_lines(k) if "not verified" not in l],
         ["tcpstate: probe group states is required (require=) and cannot be armed: " + why],
         "kernel log")
    k.close()
    t.eq(hardening.leftovers(base), [], "left after the failed load")


def test_require(t):
    tcpst.ensure_unloaded()
    t.defer(tcpst.ensure_loaded, MODE)
    base = hardening.leftovers()
    k = tcpst.Kmsg()
    rc = tcpst.finit_module(params="hook=%s require=timewait,segments blocklist=tcp_v6_send_response"
                            % MODE)
    t.eq(rc, errno.ENOENT, "insmod with require=segments and a segments point missing")
    t.eq([l for l in group_lines(k) if "not verified" not in l],
         ["tcpstate: probe group segments is required (require=) and cannot be armed:"
          " tcp_v6_send_response() is in blocklist="], "kernel log")
    t.eq(hardening.leftovers(base), [], "left after the failed load")
    # Another group's point missing does not matter to require=segments.
    rc = tcpst.finit_module(params="hook=%s require=segments blocklist=tcp_conn_request" % MODE)
    t.eq(rc, 0, "insmod with require=segments and a requests point missing")
    t.eq(tcpst.read_param("require"), "states,segments", "require as read back")
    t.eq(tcpst.read_param("blocklist"), "tcp_conn_request", "blocklist as read back")
    check_interfaces(t, [g for g in tcpst.GROUPS if g != "requests"])
    tcpst.ensure_unloaded()
    rc = tcpst.finit_module(params="hook=%s require=all" % MODE)
    t.eq(rc, 0, "insmod with require=all on this kernel")
    check_interfaces(t, tcpst.GROUPS)
    tcpst.ensure_unloaded()
    for bad in ("require=segment", "require=segments,", "require=all,segments",
                "blocklist=a,,b", "blocklist=tcp_v4_send_ack+0x10", "blocklist=a,b,c,d,e,f,g,h,i"):
        k.read()
        n = len(k.lines)
        rc = tcpst.finit_module(params="hook=%s %s" % (MODE, bad))
        t.eq(rc, errno.EINVAL, "insmod %s" % bad)
        name = bad.split("=")[0]
        t.true(any(l.startswith("tcpstate: %s=" % name) for l in k.read()[n:]),
               "a kernel log line names %s= for %s" % (name, bad), k.lines[n:])
        t.eq(hardening.leftovers(base), [], "left after insmod %s" % bad)
    k.close()


def build(runner, mode, scenario):
    global MODE, SCENARIO
    MODE = mode
    SCENARIO = scenario
    add = runner.add
    add("groups_all_armed", test_all_armed, None)
    for g in DISARM:
        add("groups_disarmed_" + g, disarmed_test(g), None)
    add("groups_states_required", test_states_required, None)
    add("groups_require", test_require, None)
