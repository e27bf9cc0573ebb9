#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-kernels.sh - make check's runs of the VM suite on kernels other
# than the default, two at a time (TCG runs one vCPU thread per VM; this
# machine has two cores):
#
#   tests/kernel/check-kernels.sh NAME=KVER[:GUEST_ARGS] ...
#
# e.g.  vm-6.12=6.12.118+deb12-amd64
#       vm-6.1-rt=6.1.0-57-rt-amd64:--no-scenarios --only groups_ flood
#
# Each runs tests/kernel/run-kver.sh KVER (both hook modes, tcpstate.ko
# built against KVER) and leaves its "passed failed" in
# $BUILD/results/NAME.count for tests/summary.sh, its output in
# $BUILD/results/NAME.log (printed when the run ends). Exit 0 only if
# every run passed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
mkdir -p "$BUILD/results"
BUILD=$(cd "$BUILD" && pwd -P)
PARALLEL=${CHECK_KERNELS_PARALLEL:-2}

[ $# -gt 0 ] || { echo "usage: $0 NAME=KVER[:GUEST_ARGS] ..." >&2; exit 2; }

run_one() {
	local name=$1 kver=$2 args=$3 log=$BUILD/results/$1.log start
	local -a guest=()
	[ -n "$args" ] && read -r -a guest <<<"$args"
	start=$(date +%s)
	if [ ${#guest[@]} -gt 0 ]; then
		BUILD=$BUILD bash "$HERE/run-kver.sh" "$kver" -- "${guest[@]}" >"$log" 2>&1
	else
		BUILD=$BUILD bash "$HERE/run-kver.sh" "$kver" >"$log" 2>&1
	fi
	local status=$?
	# run-kver.sh's count; none if it failed before counting.
	if ! cp "$BUILD/kver/$kver/results/vm.count" "$BUILD/results/$name.count" 2>/dev/null; then
		echo "0 1" >"$BUILD/results/$name.count"
	fi
	if [ $status -ne 0 ] && [ "$(cut -d' ' -f2 "$BUILD/results/$name.count")" = 0 ]; then
		echo "0 1" >"$BUILD/results/$name.count"	# a failed run counts
	fi
	echo "=== $name ($kver${args:+, $args}): status $status after $(( $(date +%s) - start )) s"
	cat "$log"
	return $status
}

# A run's results dir is per kernel: one run per kernel at a time.
declare -A seen=()
for spec in "$@"; do
	kv=${spec#*=}
	kv=${kv%%:*}
	[ -z "${seen[$kv]:-}" ] || { echo "check-kernels.sh: $kv given twice" >&2; exit 2; }
	seen[$kv]=1
done

names=()
for spec in "$@"; do
	name=${spec%%=*}
	rest=${spec#*=}
	kver=${rest%%:*}
	args=
	[ "$rest" != "$kver" ] && args=${rest#*:}
	while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do
		wait -n
	done
	rm -f "$BUILD/results/$name.count"
	run_one "$name" "$kver" "$args" &
	names+=("$name")
done
wait
# Decided by the counts run_one left (a failed run counts as a failure).
fail=0
for name in "${names[@]}"; do
	read -r p f <"$BUILD/results/$name.count" 2>/dev/null || { p=0 f=1; }
	[ "$f" = 0 ] && [ "$p" -gt 0 ] || fail=1
done
exit $fail
