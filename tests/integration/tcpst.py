# SPDX-License-Identifier: GPL-2.0
"""The integration suite's short name for the shared helpers: every name
here is tests/lib/tcpstate_test's (common, kmod, netns, reader, sockets),
imported, so that guest.py's tcpst.X and older scripts keep working. New
code imports tcpstate_test itself (see tests/lib/tcpstate_test/__init__.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from tcpstate_test.common import KO, OUT, PY, ROOT, TOOL, run, wait_for  # noqa: E402,F401
from tcpstate_test.kmod import (  # noqa: E402,F401
    BAD_KMSG, PARAMS, Kmsg, ensure_loaded, ensure_unloaded, finit_module, insmod, loaded,
    read_param, rmmod)
from tcpstate_test.netns import (  # noqa: E402,F401
    kill_timewait, netns_inode, snmp_tcp, tcp_table_ports, wait_quiet)
from tcpstate_test.reader import (  # noqa: E402,F401
    ABI_VERSION, ALL_GROUPS, DERIVED, DEV, F_CHILD_TUPLE, F_TASK, F_TIMEWAIT, HOOKS, ID_KEYS, INFO_FMT,
    IOC_INFO, LOST_KEYS, F_CONTROL, PROC, PROC_ORDER, REC_LOST, REC_REQUEST, REC_SEGMENT, REC_SIZE,
    REC_STATE, REQ_EVENTS, REQUEST_KEYS, SEG_FLAGS, SEG_SOCKS, SEGMENT_KEYS, STATE_KEYS, STATES,
    TW_END_KEYS, TW_REASONS, GROUPS, Dump, decode_records, delta, dev_open, Session, fd_holders,
    full_state_records, ioctl_info, keys_for, poll_in, read_proc, read_proc_lines,
    schema_problems, state_records, trans_key, wait_drained, session_info, set_filter,
    get_filter, set_buffer, sessions_list, read_all, cpu_ids)
from tcpstate_test.sockets import cookie as cookie_of  # noqa: E402,F401

__all__ = ["KO", "OUT", "PY", "ROOT", "TOOL", "run", "wait_for", "BAD_KMSG", "PARAMS", "Kmsg",
           "ensure_loaded", "ensure_unloaded", "finit_module", "insmod", "loaded", "read_param",
           "rmmod", "kill_timewait", "netns_inode", "snmp_tcp", "tcp_table_ports", "wait_quiet",
           "ABI_VERSION", "ALL_GROUPS", "GROUPS", "DERIVED", "DEV", "F_CHILD_TUPLE", "F_CONTROL", "F_TASK", "F_TIMEWAIT", "HOOKS",
           "ID_KEYS", "INFO_FMT", "IOC_INFO", "LOST_KEYS", "PROC", "PROC_ORDER", "REC_LOST",
           "REC_REQUEST", "REC_SEGMENT", "REC_SIZE", "REC_STATE", "REQ_EVENTS", "REQUEST_KEYS",
           "SEG_FLAGS", "SEG_SOCKS", "SEGMENT_KEYS", "STATE_KEYS", "STATES", "TW_END_KEYS",
           "TW_REASONS", "Dump", "decode_records", "delta", "dev_open", "Session",
           "fd_holders", "full_state_records", "ioctl_info", "keys_for", "poll_in", "read_proc",
           "read_proc_lines", "schema_problems", "state_records", "trans_key", "wait_drained", "session_info", "set_filter", "get_filter",
           "set_buffer", "sessions_list", "read_all", "cpu_ids",
           "cookie_of"]
