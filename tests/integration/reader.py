# SPDX-License-Identifier: GPL-2.0
"""A raw /dev/tcpstate reader in its own process (so a test can kill it).

  reader.py [BUFSIZE]

Opens the device (prints {"open": true} or {"open_error": errno}), then
loops: a blocking read(BUFSIZE), one JSON line per read with the number of
bytes, the decoded records and when read() returned (t_ns, CLOCK_MONOTONIC:
the records' clock) and when it was called (t_call_ns). Runs until killed.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from tcpstate_test.reader import DEV, REC_SIZE, decode_records  # noqa: E402


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else REC_SIZE * 64
    try:
        fd = os.open(DEV, os.O_RDONLY)
    except OSError as e:
        print(json.dumps({"open_error": e.errno}), flush=True)
        return 1
    print(json.dumps({"open": True, "pid": os.getpid()}), flush=True)
    while True:
        try:
            t_call_ns = time.monotonic_ns()
            b = os.read(fd, size)
            t_ns = time.monotonic_ns()
        except OSError as e:
            print(json.dumps({"read_error": e.errno}), flush=True)
            return 1
        recs = decode_records(b) if len(b) % REC_SIZE == 0 else []
        for r in recs:
            r.pop("payload", None)
        print(json.dumps({"bytes": len(b), "records": recs, "t_ns": t_ns,
                          "t_call_ns": t_call_ns}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
