#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - make vmtest-exporter: tcpstate exporter scraped by a real
# Prometheus server in the test VM (tests/exporter/guest.py says what is
# checked). Writes "P F" to $BUILD/results/exporter.count and ends with
# "N passed, N failed". Exit 0 only if every test passed and the VM run
# ended cleanly (vm.sh's 124 timeout, 125 kernel problem, 126 command
# never ran, or any other status is a failure whatever the counts say).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
TIMEOUT=${VMTEST_EXPORTER_TIMEOUT:-420}
NAME=exporter
cd "$ROOT" || exit 1
# shellcheck source=tests/vm/counts.sh
. tests/vm/counts.sh
mkdir -p "$BUILD/results"

fail_setup() {
	echo "vmtest-exporter: $*" >&2
	echo "0 1" >"$BUILD/results/exporter.count"
	echo "0 passed, 1 failed"
	exit 1
}
for f in tcpstate.ko tools/tcpstate tests/vm/vm.sh; do
	[ -e "$f" ] || fail_setup "missing $f (run 'make all' first)"
done
# The guest is the host's root: what it runs must be installed here.
for cmd in prometheus promtool nft; do
	command -v "$cmd" >/dev/null ||
		fail_setup "$cmd is not installed (Debian: apt-get install prometheus nftables)"
done

out=$BUILD/vm/$NAME
start=$(date +%s)
bash tests/vm/vm.sh --name "$NAME" --timeout "$TIMEOUT" -- \
	/usr/bin/python3 tests/exporter/guest.py
status=$?
secs=$(( $(date +%s) - start ))
vm_counts "$out" "$status" "$TIMEOUT"
line="exporter: $p passed, $f failed in ${secs}s (vm.sh status $status)"
[ -n "$note" ] && line="$line  <-- $note"
echo "$line"
[ -r "$out/rss.txt" ] && echo "exporter RSS: $(cat "$out/rss.txt")"
echo "$p $f" >"$BUILD/results/exporter.count"
echo "$p passed, $f failed"
[ "$f" -eq 0 ] && [ "$status" -eq 0 ]
