#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - tcpstate's showcase (make demo; runs as root inside the test VM,
# cwd = the project root, results in $TCPSTATE_OUT = build/vm/demo).
#
# Loads ./tcpstate.ko and records, with `tools/tcpstate dump --json`, the
# textbook cases over loopback: a normal connection (the client closes
# first), the server closing first, a simultaneous close (netem delays lo
# by 100 ms so that both FINs cross), a lost first SYN (nftables drops it)
# and a refused connection. The cases are helper-6's scenario drivers
# (tests/scenarios/drivers.py), run here in the VM's own namespace (Here,
# tests/lib/tcpstate_test/netns.py). First, one connection aborted with
# RST is followed live with `tcpstate conns --follow`. Then
# it waits for TIME_WAIT to end on its own (60 s), draws each connection
# as a ladder with `tcpstate conns`, one summary line each, and the TCP
# state machine with the counts of /proc/net/tcpstate rendered by Graphviz
# (`tcpstate stats --dot | dot`), and the same counters for Prometheus.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OUT=${TCPSTATE_OUT:-$(mktemp -d)}
DUMP=$OUT/demo.jsonl
DUMP_ERR=$OUT/demo-dump.err
CASES=$OUT/demo-cases.txt
PY=/usr/bin/python3
TOOL=tools/tcpstate
dump_pid=

say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$@"; }
die() { echo "demo: $*" >&2; exit 1; }

# Until the reader in the background ($dump_pid) has /dev/tcpstate open.
wait_reader() {
	for _ in $(seq 200); do
		for fd in "/proc/$dump_pid"/fd/*; do
			[ "$(readlink "$fd" 2>/dev/null)" = /dev/tcpstate ] && return 0
		done
		kill -0 "$dump_pid" 2>/dev/null || die "the reader exited early: $(cat "$DUMP_ERR")"
		sleep 0.05
	done
	die "the reader did not open /dev/tcpstate"
}

cleanup() {
	if [ -n "$dump_pid" ] && kill -0 "$dump_pid" 2>/dev/null; then
		kill "$dump_pid" 2>/dev/null || true
		wait "$dump_pid" 2>/dev/null || true
	fi
	tc qdisc del dev lo root 2>/dev/null || true
	nft delete table inet sc 2>/dev/null || true
	if [ -d /sys/module/tcpstate ]; then
		rmmod tcpstate 2>/dev/null || true
	fi
}
trap cleanup EXIT

[ -e tcpstate.ko ] || die "tcpstate.ko is missing: run 'make' first"
[ -x "$TOOL" ] || die "$TOOL is missing: run 'make' first"
[ -d /sys/module/tcpstate ] && rmmod tcpstate

say "1. Load the module"
note "\$ insmod ./tcpstate.ko"
insmod ./tcpstate.ko
note "hook=$(cat /sys/module/tcpstate/parameters/hook), a ring of $(cat /sys/module/tcpstate/parameters/nr_records) records per CPU for each reader:" \
	"/dev/tcpstate (the events) and /proc/net/tcpstate (the counters)."

say "2. Live: each step as it happens"
note "\$ $TOOL conns --follow &" \
	"while a client connects, sends a little, and aborts with RST (SO_LINGER 0):"
"$TOOL" conns --follow >"$OUT/demo-follow.txt" 2>"$DUMP_ERR" &
dump_pid=$!
wait_reader
"$PY" - <<'EOF'
import sys
sys.path[:0] = ["tests/lib", "tests/scenarios"]
from tcpstate_test.netns import Here  # noqa: E402
import drivers                        # noqa: E402
drivers.rst_abort(Here(), "ipv4")
EOF
for _ in $(seq 100); do
	grep -q 'reset: the client sent RST' "$OUT/demo-follow.txt" && break
	sleep 0.1
done
kill -INT "$dump_pid"
wait "$dump_pid" || die "conns --follow failed: $(cat "$DUMP_ERR")"
dump_pid=
echo
sed 's/^/   /' "$OUT/demo-follow.txt"

say "3. Record everything"
note "\$ $TOOL dump --json > $DUMP &"
"$TOOL" dump --json >"$DUMP" 2>"$DUMP_ERR" &
dump_pid=$!
wait_reader

say "4. The textbook cases, over loopback"
"$PY" - "$CASES" <<'EOF'
import sys

sys.path[:0] = ["tests/lib", "tests/scenarios"]
from tcpstate_test.netns import Here  # noqa: E402
import drivers                        # noqa: E402


CASES = [
    ("a normal connection: the client closes first", drivers.client_closes),
    ("the server closes first", drivers.server_closes),
    ("a simultaneous close (netem: 100 ms each way, the FINs cross)",
     drivers.simultaneous_close),
    ("a lost SYN (nftables drops the first one)", drivers.lost_syn),
    ("a refused connection (nothing listens)", drivers.refused),
]
here = Here()
with open(sys.argv[1], "w") as out:
    for title, driver in CASES:
        info = driver(here, "ipv4")
        if driver is drivers.lost_syn:
            here.exec(["nft", "delete", "table", "inet", "sc"], check=False)
        server = info["sockets"].get("listener") or info["sockets"]["nobody"]
        port = server["tuple"][1]
        print("   %-62s port %d" % (title, port), flush=True)
        out.write("%d %s\n" % (port, title))
EOF

say "5. Wait for TIME_WAIT to end on its own (2MSL, 60 s in Linux)"
for i in $(seq 90); do
	# /proc/net/tcp's st column: 06 is TIME_WAIT, 05 FIN_WAIT2.
	left=$(awk 'NR > 1 && ($4 == "06" || $4 == "05")' /proc/net/tcp | wc -l)
	[ "$left" -eq 0 ] && break
	[ $((i % 10)) -eq 1 ] && note "$left socket(s) still in TIME_WAIT ..."
	sleep 1
done
sleep 0.5
kill -INT "$dump_pid"
status=0
wait "$dump_pid" || status=$?
dump_pid=
[ "$status" -eq 0 ] || die "the dump exited with status $status: $(cat "$DUMP_ERR")"
note "$(wc -l < "$DUMP") records in $DUMP"

say "6. Each connection, the way the textbooks draw it"
note "The end that sent the first SYN on the left; x and y are the ISNs," \
	"u and w the first FINs; the real numbers next to them."
while read -r port title; do
	printf '\n-- %s\n   $ %s conns -r demo.jsonl -P %s\n\n' "$title" "$TOOL" "$port"
	"$TOOL" conns --no-color -r "$DUMP" -P "$port"
done < "$CASES"

say "7. One line per connection"
note "\$ $TOOL conns --summary -r demo.jsonl"
echo
"$TOOL" conns --summary -r "$DUMP"

say "8. The state machine, with what really happened"
note "\$ $TOOL stats --dot | dot -Tsvg > $OUT/states.svg"
"$TOOL" stats --dot > "$OUT/states.dot"
if command -v dot >/dev/null; then
	dot -Tsvg "$OUT/states.dot" -o "$OUT/states.svg"
	dot -Tpng "$OUT/states.dot" -o "$OUT/states.png"
	note "The annotated state diagram: $OUT/states.svg (and states.png):" \
		"every edge of RFC 9293's diagram with its count, the ones never" \
		"taken faint, the kernel's own transitions dashed."
else
	note "dot is not installed (Debian's graphviz): the graph is in $OUT/states.dot"
fi
note "" "The same counters for a Prometheus textfile collector:" \
	"\$ $TOOL stats --prometheus | grep -e transitions -e time_wait | head"
"$TOOL" stats --prometheus | grep -e transitions_total -e tcpstate_time_wait | head -n 12 | sed 's/^/   /'

say "9. Unload"
note "\$ rmmod tcpstate"
rmmod tcpstate
note "done. The ladders, the dump and the diagram are in $OUT."
