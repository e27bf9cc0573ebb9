#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak-check.sh start|check - the leak check of a test run in the VM
# (tests/vm/init2.sh runs it around the command on a kmemleak kernel).
#
#   start   note the time: objects allocated before it (boot) are not
#           the run's leaks
#   check   at the end of the run (its modules removed): scan, and fail if
#           an object allocated since "start" is unreferenced, or any
#           unreferenced object was allocated by tcpstate code. The report
#           (allocation backtraces) is printed, and copied to the kernel
#           log where vm.sh's console scanner fails the run on it.
#
# Kernels without kmemleak (Debian's): prints a note, exits 0.
set -u

KML=/sys/kernel/debug/kmemleak
STAMP=/run/kmemleak-check.start
# kmemleak does not report objects younger than 5 s (MSECS_MIN_AGE).
MIN_AGE=5

say() { echo "kmemleak-check: $*"; }
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

if [ ! -w "$KML" ]; then
	say "no $KML (a kernel without kmemleak): skipped"
	exit 0
fi

case "${1:-}" in
start)
	uptime_ms > "$STAMP"
	;;
check)
	start=0
	[ -r "$STAMP" ] && read -r start < "$STAMP"
	sleep "$MIN_AGE"
	t0=$(uptime_ms)
	# An object is reported once it stayed unreferenced, unchanged,
	# through two scans.
	if ! echo scan > "$KML" 2>/dev/null; then
		say "kmemleak is disabled (see the boot log): skipped"
		exit 0
	fi
	sleep 1
	echo scan > "$KML"
	now=$(uptime_ms)
	report=$(cat "$KML")
	# Blocks start with "unreferenced object"; "(age S.mmms)" dates them.
	ours=$(awk -v now="$now" -v start="$start" '
		function flush() {
			if (blk != "" && (born >= start || blk ~ /tcpstate/))
				printf "%s", blk
			blk = ""
		}
		/^unreferenced object/ { flush() }
		/\(age [0-9]+\.[0-9]+s\)/ {
			match($0, /\(age [0-9]+\.[0-9]+s\)/)
			age = substr($0, RSTART + 5, RLENGTH - 7)
			born = now - age * 1000
		}
		{ blk = blk $0 "\n" }
		END { flush() }' <<<"$report")
	if [ -z "$ours" ]; then
		n=$(grep -c '^unreferenced object' <<<"$report")
		say "no leaks (scans took $(( (now - t0) / 1000 )) s)${report:+; ignored $n objects allocated before the run}"
		exit 0
	fi
	n=$(grep -c '^unreferenced object' <<<"$ours")
	say "FAILED: $n unreferenced objects allocated during the run:"
	printf '%s\n' "$ours"
	# Into the kernel log too: the console scanner shows it with the run.
	while IFS= read -r line; do
		echo "kmemleak-check: $line" > /dev/kmsg
	done <<<"$ours"
	exit 1
	;;
*)
	echo "usage: kmemleak-check.sh start|check" >&2
	exit 2
	;;
esac
