# SPDX-License-Identifier: GPL-2.0
"""The helpers every VM test suite shares: one implementation of each.

  common   where things are (ROOT, KO, TOOL, PY, OUT), run(), wait_for()
  sockets  real sockets over loopback: listener/connect/exchange, the
           close patterns, SO_COOKIE, tuples, TCP_INFO state, free ports
  netns    a network namespace: this one (module functions on /proc/net)
           or a private one (Netns: setns(2) for sockets, `ip netns exec`,
           its /proc/net through a holder process; Here: the same
           interface for the namespace we are in)
  reader   the module's interface: /dev/tcpstate (record ABI, decoding,
           drain, ioctl), /proc/net/tcpstate, the tool (Dump) and its JSON
  kmod     loading and unloading tcpstate.ko, its parameters, the kernel log

Used by tests/integration (guest.py; tcpst.py there is the same names
under the integration suite's old short name), tests/scenarios,
tests/fixtures/record.py, tests/demo.sh and tests/bench/guest.py. A script
in tests/<dir>/ finds it with

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "lib"))
    from tcpstate_test import netns, reader, sockets

(abspath, not realpath: tests/kernel/run-integration.sh runs the suites
from a copy of the tree whose tcpstate.ko is another one; common.ROOT is
the tree this package sits in).
"""
