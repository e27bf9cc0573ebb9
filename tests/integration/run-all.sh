#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh - the kernel-side test suite (make vmtest): tests/integration/guest.py
# in a fresh VM once per hook mode, results summed. guest.py runs the
# integration tests, then the issue 3 scenarios (tests/scenarios, sc_*).
#
#   tests/integration/run-all.sh [--hook tracepoint|kprobe]... [-- GUEST_ARGS...]
#
# Prints each mode's test lines as they come, a per-mode summary, and ends
# with "N passed, N failed". Writes "P F" to $BUILD/results/vm.count.
# Exit 0 only if every test passed in every mode and every VM run ended
# cleanly (vm.sh status 124 timeout, 125 kernel problem, 126 command never
# ran, or any other non-zero status is a failure whatever the counts say).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
TIMEOUT=${VMTEST_TIMEOUT:-900}
cd "$ROOT" || exit 1
# shellcheck source=tests/vm/counts.sh
. tests/vm/counts.sh

hooks=()
guest_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--hook) hooks+=("$2"); shift 2 ;;
	--) shift; guest_args=("$@"); break ;;
	*) echo "usage: $0 [--hook tracepoint|kprobe]... [-- GUEST_ARGS...]" >&2; exit 2 ;;
	esac
done
[ ${#hooks[@]} -gt 0 ] || hooks=(tracepoint kprobe)

missing=0
for f in tcpstate.ko tools/tcpstate tests/vm/vm.sh; do
	if [ ! -e "$f" ]; then
		echo "run-all: missing $f (run 'make all' first)" >&2
		missing=1
	fi
done
mkdir -p "$BUILD/results"
if [ $missing -ne 0 ]; then
	echo "0 1" >"$BUILD/results/vm.count"
	echo "0 passed, 1 failed"
	exit 1
fi

total_p=0
total_f=0
summary=()
for hook in "${hooks[@]}"; do
	name=it-$hook
	out=$BUILD/vm/$name
	echo "=== hook=$hook: tests/vm/vm.sh --name $name --timeout $TIMEOUT"
	start=$(date +%s)
	bash tests/vm/vm.sh --name "$name" --timeout "$TIMEOUT" -- \
		/usr/bin/python3 tests/integration/guest.py --hook "$hook" "${guest_args[@]}"
	status=$?
	secs=$(( $(date +%s) - start ))
	vm_counts "$out" "$status" "$TIMEOUT"
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	line="hook=$hook: $p passed, $f failed in ${secs}s (vm.sh status $status)"
	[ -n "$note" ] && line="$line  <-- $note"
	summary+=("$line")
	if [ -s "$out/results.txt" ] && grep -q '^FAIL' "$out/results.txt"; then
		summary+=("$(sed -n 's/^FAIL \([^ ]*\).*/    failed: \1/p' "$out/results.txt")")
	fi
done

echo
echo "=== integration summary"
printf '%s\n' "${summary[@]}"
echo "$total_p $total_f" >"$BUILD/results/vm.count"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
