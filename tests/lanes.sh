#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lanes.sh - run make targets in two lanes side by side, each lane's
# targets one after the other, every target even when one before it
# failed:
#
#   tests/lanes.sh "TARGET..." "TARGET..."
#
# Why: each test VM is one TCG thread (-accel tcg,thread=single), so a
# suite that boots one VM at a time leaves the second core idle. make
# check puts the single-VM suites in two lanes instead of a row.
#
# Each target's output goes to $BUILD/results/<target>.out and is printed
# whole once both lanes are done (not interleaved); its wall time is
# appended to $BUILD/results/times as "lane:<target>". Exit 0 only
# if every target succeeded.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
RESULTS=${BUILD:-$ROOT/build}/results
MAKE=${MAKE:-make}

[ $# -eq 2 ] || { echo "usage: $0 \"TARGET...\" \"TARGET...\"" >&2; exit 2; }
mkdir -p "$RESULTS"

# One lane: its targets in order; the number of failures is its status.
lane() {
	local t fails=0 t0

	for t in $1; do
		t0=$(date +%s)
		if ! $MAKE -C "$ROOT" "$t" > "$RESULTS/$t.out" 2>&1; then
			echo "make check: suite $t FAILED" >> "$RESULTS/$t.out"
			fails=$((fails + 1))
		fi
		# "lane:": inside the make check target that ran the lanes,
		# which counts the wall time (summary.sh leaves these out of
		# the total).
		echo "lane:$t $(( $(date +%s) - t0 ))" >> "$RESULTS/times"
	done
	return "$fails"
}

lane "$1" & a=$!
lane "$2" & b=$!
wait "$a"; sa=$?
wait "$b"; sb=$?
for t in $1 $2; do
	echo "=== $t"
	cat "$RESULTS/$t.out"
done
[ "$sa" -eq 0 ] && [ "$sb" -eq 0 ]
