#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - show tcpstate at work on one real TCP connection (make demo;
# runs as root inside the test VM, cwd = the project root).
#
# Loads ./tcpstate.ko, starts `tools/tcpstate dump` in the background, makes
# one connection over 127.0.0.1 (a few bytes each way, the client closes
# first), stops the dump with SIGINT, prints what it saw and
# `tools/tcpstate stats`, with a few words on what to look at.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OUT=${TCPSTATE_OUT:-$(mktemp -d)}
DUMP_OUT=$OUT/demo-dump.txt
DUMP_ERR=$OUT/demo-dump.err
PY=/usr/bin/python3
dump_pid=

say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$@"; }
die() { echo "demo: $*" >&2; exit 1; }

cleanup() {
	if [ -n "$dump_pid" ] && kill -0 "$dump_pid" 2>/dev/null; then
		kill "$dump_pid" 2>/dev/null || true
		wait "$dump_pid" 2>/dev/null || true
	fi
	if [ -d /sys/module/tcpstate ]; then
		rmmod tcpstate 2>/dev/null || true
	fi
}
trap cleanup EXIT

[ -e tcpstate.ko ] || die "tcpstate.ko is missing: run 'make' first"
[ -x tools/tcpstate ] || die "tools/tcpstate is missing: run 'make' first"
[ -d /sys/module/tcpstate ] && rmmod tcpstate

say "1. Load the module"
note "\$ insmod ./tcpstate.ko"
insmod ./tcpstate.ko
note "loaded with hook=$(cat /sys/module/tcpstate/parameters/hook), a ring of $(cat /sys/module/tcpstate/parameters/nr_records) records;" \
	"it created /dev/tcpstate (the event stream) and /proc/net/tcpstate (counters)."

say "2. Start the reader"
note "\$ tools/tcpstate dump > $DUMP_OUT &"
tools/tcpstate dump >"$DUMP_OUT" 2>"$DUMP_ERR" &
dump_pid=$!
for _ in $(seq 200); do
	if ls -l "/proc/$dump_pid/fd" 2>/dev/null | grep -q /dev/tcpstate; then
		break
	fi
	kill -0 "$dump_pid" 2>/dev/null || die "the dump exited early: $(cat "$DUMP_ERR")"
	sleep 0.05
done
ls -l "/proc/$dump_pid/fd" 2>/dev/null | grep -q /dev/tcpstate ||
	die "the dump did not open /dev/tcpstate"
note "pid $dump_pid is now blocked in read() on /dev/tcpstate."

say "3. One TCP connection over 127.0.0.1"
"$PY" - <<'EOF'
import socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)                               # CLOSE -> LISTEN
port = srv.getsockname()[1]
cli = socket.create_connection(("127.0.0.1", port), timeout=10)
conn, _ = srv.accept()
print("   server listens on 127.0.0.1:%d, client connected from port %d"
      % (port, cli.getsockname()[1]))
cli.sendall(b"ping")
print("   client -> server: %r" % conn.recv(4))
conn.sendall(b"pong")
print("   server -> client: %r" % cli.recv(4))
cli.close()                                 # the client closes first
assert conn.recv(1) == b""                  # the server sees EOF...
conn.close()                                # ...and closes its side
srv.close()
print("   both sides closed")
EOF

# Wait until the module's ring is empty: the dump has read everything.
for _ in $(seq 200); do
	if grep -qx 'events_buffered 0' /proc/net/tcpstate; then
		break
	fi
	sleep 0.05
done

say "4. Stop the dump (SIGINT) and look at what it saw"
kill -INT "$dump_pid"
status=0
wait "$dump_pid" || status=$?
dump_pid=
[ "$status" -eq 0 ] || die "the dump exited with status $status: $(cat "$DUMP_ERR")"
cat "$DUMP_OUT"
lines=$(grep -c ' -> ' "$DUMP_OUT" || true)
[ "$lines" -gt 0 ] || die "the dump saw no state change"
cat <<'EOF'

   What to look at:
   - Three sockets: the listener (remote 0.0.0.0:0), the client, and the
     server's child socket created by accept(). Each line is one
     sock:inet_sock_set_state event, oldest first.
   - CLOSE -> SYN_SENT shows local port 0: connect() picks the port just
     after that change. The next line of that socket shows the real port.
   - LISTEN -> SYN_RECV is the child being born; it already carries the
     client's address and port.
   - PID/COMM name the process when the change happened in its system call
     (connect, close); "-" means it happened in softirq context (a packet
     arriving), where no process is to blame. SYN_SENT -> ESTABLISHED often
     has the pid too: the SYN-ACK was queued while connect() held the socket
     and processed when connect() released it.
   - The client closed first: ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2 -> CLOSE
     on its side (the kernel then keeps a small TIME_WAIT stand-in that
     /proc/net/tcp shows, not the socket itself), and ESTABLISHED ->
     CLOSE_WAIT -> LAST_ACK -> CLOSE on the server's.
EOF

say "5. The counters: tools/tcpstate stats"
tools/tcpstate stats
cat <<'EOF'

   What to look at: one active open (SYN_SENT -> ESTABLISHED), one passive
   open (SYN_RECV -> ESTABLISHED), one active and one passive close; the
   ring counters say how many events were recorded, read by the dump,
   dropped (ring full) or still buffered. These counters are per network
   namespace; "tcpstate stats --json" gives the same as one JSON object.
EOF

say "6. Unload"
note "\$ rmmod tcpstate"
rmmod tcpstate
note "done."
