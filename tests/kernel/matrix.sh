#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# matrix.sh - the VM suite on every Debian kernel tcpstate supports, one
# table of the results (make matrix):
#
#   tests/kernel/matrix.sh [--kernels K1,K2,...] [--hooks tracepoint,kprobe]
#                          [--only SUBSTR,...] [--no-scenarios] [--tool PATH] [-v]
#   tests/kernel/matrix.sh --list       the kernels, one a line (tests/deps.sh)
#
#   --kernels   kernel releases (uname -r); default: the four of KERNELS
#   --hooks     hook modes; default: tracepoint,kprobe
#   --only      only the tests whose name contains one of these (guest.py
#               --only; e.g. sc_refused,proc_format); default: every test
#   --no-scenarios  without tests/scenarios (guest.py --no-scenarios)
#   --tool      the tool binary the suites run; default: tools/tcpstate.
#               Either is copied once at the start ($BUILD/matrix/tcpstate),
#               so every run tests the same one, whatever is rebuilt meanwhile
#   -v          the suite's output on stdout too (always in the logs)
#
# For each kernel: tcpstate.ko built against it (kver-module.sh), then per
# hook mode the whole VM suite (run-all.sh) through run-kver.sh, the
# default kernel too, so the project's own tcpstate.ko and build/vm are
# never touched. One VM at a time (and one matrix.sh at a time). Results:
#   $BUILD/matrix/matrix.txt          the table, also printed at the end
#   $BUILD/matrix/KVER-HOOK.log       each run's output
#   $BUILD/kver/KVER/vm/it-HOOK/      each run's results dir (run-all.sh)
#   $BUILD/results/matrix.count       "passed failed", summed (tests/summary.sh)
# Table columns: the kernel the guest ran (its uname -r, from guest.py's
# first line) and its Debian package version (linux-image-KVER), the
# suite, PASS/FAIL, tests passed/failed (run-all.sh's counts: a VM that
# timed out or logged a kernel problem counts as a failure), the wall time
# of the run (module build included), and the probe groups the module
# reported live ("group_NAME 1" in /proc/net/tcpstate right after the
# first load, $TCPSTATE_OUT/proc-tcpstate.txt; "-" if the module has no
# group lines, "?" if the run saved no copy). Exit 0 only if every run
# passed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
PROG=matrix.sh

# The kernels: Debian 12's default, its PREEMPT_RT flavour, and the 6.12
# kernels bookworm ships (stock and RT). tests/deps.sh installs them.
KERNELS=(
	6.1.0-57-amd64
	6.1.0-57-rt-amd64
	6.12.118+deb12-amd64
	6.12.118+deb12-rt-amd64
)

usage() {
	sed -n '6,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

kernels=()
hooks=()
only=()
guest=()
verbose=0
tool=$ROOT/tools/tcpstate
while [ $# -gt 0 ]; do
	case "$1" in
	--list) printf '%s\n' "${KERNELS[@]}"; exit 0 ;;
	--kernels) [ $# -ge 2 ] || usage; IFS=, read -r -a kernels <<<"$2"; shift 2 ;;
	--hooks) [ $# -ge 2 ] || usage; IFS=, read -r -a hooks <<<"$2"; shift 2 ;;
	--only) [ $# -ge 2 ] || usage; IFS=, read -r -a only <<<"$2"; shift 2 ;;
	--no-scenarios) guest+=(--no-scenarios); shift ;;
	--tool) [ $# -ge 2 ] || usage; tool=$2; shift 2 ;;
	-v) verbose=1; shift ;;
	*) usage ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=("${KERNELS[@]}")
[ ${#hooks[@]} -gt 0 ] || hooks=(tracepoint kprobe)
for h in "${hooks[@]}"; do
	case $h in tracepoint|kprobe) ;; *) echo "$PROG: bad hook '$h'" >&2; usage ;; esac
done
[ ${#only[@]} -gt 0 ] && guest+=(--only "${only[@]}")

BUILD=${BUILD:-$ROOT/build}
mkdir -p "$BUILD/matrix" || exit 1
BUILD=$(cd "$BUILD" && pwd -P)
MX=$BUILD/matrix

exec 8>"$MX/.lock"
if ! flock -n 8; then
	echo "$PROG: waiting for another matrix.sh ($MX/.lock)" >&2
	flock 8
fi

[ -x "$tool" ] || { echo "$PROG: $tool missing (make tool)" >&2; exit 1; }
cp -f -- "$tool" "$MX/tcpstate.new" && mv -f -- "$MX/tcpstate.new" "$MX/tcpstate" || exit 1
export TCPSTATE_TOOL=$MX/tcpstate
tool_id="$(sha256sum < "$MX/tcpstate" | cut -c1-12) (copy of $tool)"

# groups FILE: the live probe groups in a copy of /proc/net/tcpstate
groups() {
	local f=$1 g
	[ -r "$f" ] || { echo "?"; return; }
	if ! grep -q '^group_' "$f"; then
		echo "-"
		return
	fi
	g=$(sed -n 's/^group_\([A-Za-z0-9_]*\) 1$/\1/p' "$f" | paste -sd, -)
	echo "${g:-none}"
}

rows=()
all_ok=1
sum_p=0 sum_f=0
t_all=$(date +%s)
for k in "${kernels[@]}"; do
	out=$BUILD/kver/$k
	pkg=$(dpkg-query -W -f='${Version}' "linux-image-$k" 2>/dev/null)
	pkg=${pkg:-"(no linux-image-$k)"}
	for h in "${hooks[@]}"; do
		log=$MX/$k-$h.log
		res=$out/vm/it-$h
		echo "=== $PROG: $k hook=$h (log: $log)"
		rm -f -- "$out/results/vm.count"
		start=$(date +%s)
		if [ $verbose = 1 ]; then
			bash "$HERE/run-kver.sh" "$k" --hook "$h" ${guest[@]+-- "${guest[@]}"} 2>&1 | tee "$log"
			rc=${PIPESTATUS[0]}
		else
			bash "$HERE/run-kver.sh" "$k" --hook "$h" ${guest[@]+-- "${guest[@]}"} > "$log" 2>&1
			rc=$?
		fi
		secs=$(( $(date +%s) - start ))
		p=0 f=0
		if [ -r "$out/results/vm.count" ]; then
			read -r p f < "$out/results/vm.count"
		fi
		# The kernel the guest ran, as it says (guest.py's first line).
		uname=$(sed -n 's/^# tcpstate integration tests: .* kernel=\([^ ]*\) .*/\1/p' \
			"$res/output.log" 2>/dev/null | head -n 1)
		note=
		if [ -z "$uname" ]; then
			uname=$k
			note="guest never ran"
		elif [ "$uname" != "$k" ]; then
			note="guest ran $uname"
		fi
		if ! grep -q '^=== integration suite on' "$log"; then
			note="module build failed"
		fi
		verdict=PASS
		if [ $rc -ne 0 ] || [ "$f" != 0 ] || [ -n "$note" ]; then
			verdict=FAIL
			all_ok=0
		fi
		[[ $p =~ ^[0-9]+$ && $f =~ ^[0-9]+$ ]] || p=0 f=0
		sum_p=$((sum_p + p))
		sum_f=$((sum_f + f))
		[ $verdict = FAIL ] && [ "$f" = 0 ] && sum_f=$((sum_f + 1))
		grp=$(groups "$res/proc-tcpstate.txt")
		rows+=("$uname|$pkg|vmtest $h|$verdict|$p|$f|$(printf '%d:%02d' $((secs / 60)) $((secs % 60)))|$grp${note:+|$note}")
		echo "=== $PROG: $k hook=$h: $verdict, $p passed, $f failed in ${secs}s${note:+ ($note)}"
		if [ -s "$res/results.txt" ]; then
			sed -n 's/^FAIL \([^ ]*\).*/    failed: \1/p' "$res/results.txt"
		fi
	done
done
t_all=$(( $(date +%s) - t_all ))

{
	printf '%s\n' "kernel|debian version|suite|result|passed|failed|time|groups live|note" "${rows[@]}" |
		column -t -s '|' -o '  '
	echo
	printf 'tcpstate %s, %s; tool %s; tests: %s; total %d:%02d\n' "$(cat "$ROOT/VERSION" 2>/dev/null)" \
		"$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')" "$tool_id" \
		"${only[*]:-all}" $((t_all / 60)) $((t_all % 60))
} > "$MX/matrix.txt.new"
mv -f "$MX/matrix.txt.new" "$MX/matrix.txt"
mkdir -p "$BUILD/results"
echo "$sum_p $sum_f" > "$BUILD/results/matrix.count"
echo
cat "$MX/matrix.txt"
[ $all_ok = 1 ]
