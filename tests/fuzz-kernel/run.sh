#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - fuzz /dev/tcpstate in the test VM (make fuzz-kernel): boots a
# VM with tests/vm/vm.sh, runs fuzz_dev (fuzz_dev.c) there once per seed
# with tcpstate.ko built for that kernel, and checks the VM run.
#
#   tests/fuzz-kernel/run.sh [stock|debug|all]     (default all)
#
# stock: Debian's kernel (KVER, as vm.sh picks it), the project's
# tcpstate.ko. debug: the debug kernel of tests/kernel/build.sh (KASAN,
# lockdep, kmemleak, ...) and $BUILD/debug-module/tcpstate.ko, brought up
# to date with module/ first. all: stock, then debug if the debug kernel
# is built (make debug-kernel); this script never builds a kernel.
#
# Environment:
#   FUZZ_SEEDS          seeds, each one run of fuzz_dev (default "1 2 3")
#   FUZZ_OPS            ops per seed (default 3500: ~30 s on the stock kernel)
#   FUZZ_SECONDS        bound per seed on the stock kernel (default 40)
#   FUZZ_DEBUG_OPS      ops per seed on the debug kernel (default 1000: ~20 s)
#   FUZZ_DEBUG_SECONDS  bound per seed on the debug kernel (default 30)
#   FUZZ_MODULE, FUZZ_DEBUG_MODULE   another tcpstate.ko to test
#   FUZZ_NO_BUILD=1     do not rebuild the debug kernel's tcpstate.ko
#   FUZZ_HANG_SECONDS   a seed running this long past its bound is stuck:
#                       its kernel stacks are logged, it is killed and
#                       fails (default 90; guest.sh)
#
# A seed fails on any result fuzz_dev's model does not allow ("FAIL
# seed=S op#=K: ..."; replay it with fuzz_dev --seed S --ops K --verbose).
# The run fails on that, and on vm.sh's verdict: 125 (Oops, WARNING,
# KASAN, lockdep, UBSAN, ... on the console; a kmemleak leak is copied
# there too), 124 (timeout), 126 (the guest never ran), or the module
# not unloading at the end. Prints the calls made per op kind, the
# kernel reports, the kmemleak verdict; writes "P F" (seeds, plus one
# failure for a bad VM run) to $BUILD/results/fuzz-kernel.count and ends
# with "N passed, N failed".
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
mkdir -p "$BUILD/results"
BUILD=$(cd "$BUILD" && pwd -P)
export BUILD
COUNT=$BUILD/results/fuzz-kernel.count
FUZZ_DEV=$BUILD/fuzz-kernel/fuzz_dev
SEEDS=${FUZZ_SEEDS:-1 2 3}
cd "$ROOT" || exit 1

what=${1:-all}
case $what in
stock|debug|all) ;;
*) echo "usage: $0 [stock|debug|all]" >&2; exit 2 ;;
esac

total_p=0 total_f=0
summary=()

finish() {
	echo "$total_p $total_f" > "$COUNT"
	echo
	echo "=== fuzz-kernel summary"
	printf '%s\n' "${summary[@]}"
	echo "$total_p passed, $total_f failed"
	[ "$total_f" -eq 0 ]
	exit
}

setup_fail() {
	echo "fuzz-kernel: $*" >&2
	summary+=("$*")
	total_f=$((total_f + 1))
}

make -s -C "$HERE" >/dev/null || { setup_fail "building fuzz_dev failed"; finish; }

# Sums "fuzz_dev: seed=S: KIND a=1 b=2" lines over the seeds.
sum_kind() {
	awk -v kind="$2" '
		$1 == "fuzz_dev:" && $2 ~ /^seed=/ && $3 == kind {
			for (i = 4; i <= NF; i++) {
				split($i, kv, "=")
				if (!(kv[1] in n))
					order[++k] = kv[1]
				n[kv[1]] += kv[2]
				all += kv[2]
			}
		}
		END {
			for (i = 1; i <= k; i++)
				printf "%s=%d ", order[i], n[order[i]]
			printf "total=%d\n", all
		}' "$1"
}

# run_kernel LABEL NAME MODULE OPS SECONDS BOOT_MARGIN [vm.sh args...]
run_kernel() {
	local label=$1 name=$2 module=$3 ops=$4 secs=$5 margin=$6
	shift 6
	local dir=$BUILD/vm/$name nseeds status t0 elapsed p=0 f=0 note=""
	local reports leak seed line vmargs="$*"

	nseeds=$(wc -w <<<"$SEEDS")
	echo "=== fuzz-kernel on the $label kernel: seeds $SEEDS, $ops ops (at most ${secs} s) each; tcpstate.ko: $module"
	t0=$(date +%s)
	FUZZ_DEV=$FUZZ_DEV FUZZ_MODULE=$module FUZZ_SEEDS=$SEEDS FUZZ_OPS=$ops \
	FUZZ_SECONDS=$secs VM_ENV="FUZZ_DEV FUZZ_MODULE FUZZ_SEEDS FUZZ_OPS FUZZ_SECONDS FUZZ_HANG_SECONDS" \
		bash tests/vm/vm.sh --name "$name" \
		--timeout $((nseeds * (secs + 30) + margin)) "$@" -- \
		bash tests/fuzz-kernel/guest.sh
	status=$?
	elapsed=$(( $(date +%s) - t0 ))

	for seed in $SEEDS; do
		line=$(grep -s "^[A-Z]* seed=$seed " "$dir/results.txt" | head -n 1)
		case $line in
		PASS*) p=$((p + 1)) ;;
		FAIL*) f=$((f + 1)); note="${note:+$note; }seed $seed failed" ;;
		*) f=$((f + 1)); note="${note:+$note; }seed $seed did not run" ;;
		esac
	done
	reports=$(bash tests/vm/vm.sh --scan-console "$dir/console.log" 2>/dev/null | wc -l)
	leak=$(grep -a -s -o 'kmemleak-check: [a-zA-Z]*.*' "$dir/output.log" | head -n 1)
	case $status in
	0) ;;
	124) note="${note:+$note; }VM TIMED OUT" ;;
	125) note="${note:+$note; }KERNEL PROBLEM on the console: $dir/console.log" ;;
	126) note="${note:+$note; }the guest never ran the command" ;;
	*) note="${note:+$note; }guest exit status $status" ;;
	esac
	case $leak in *FAILED*) note="${note:+$note; }kmemleak: LEAKS" ;; esac
	# A bad VM run is a failure even if every seed passed.
	if [ "$status" -ne 0 ] && [ $f -eq 0 ]; then
		f=1
	fi

	echo "--- $label kernel: calls per op kind, all seeds:"
	echo "    $(sum_kind "$dir/output.log" calls)"
	echo "--- $label kernel: ops run:"
	echo "    $(sum_kind "$dir/output.log" ops)"
	grep -a '^fuzz_dev: seed=[0-9]*: [0-9]* of' "$dir/output.log" | sed 's/^/    /'
	grep -a '^FAIL seed=' "$dir/output.log" | sed 's/^/    /'
	# The ops depend on the seed only: the same seed and op count replay
	# a failure (results that depend on timing may differ).
	grep -a -o '^FAIL seed=[0-9]* op#=[0-9]*' "$dir/output.log" | sort -u |
	while read -r _ s k; do
		echo "    replay: ${vmargs:+VM_NO_EXTRACT=1 }tests/vm/vm.sh ${vmargs:+$vmargs }-- 'insmod $module; $FUZZ_DEV --${s/=/ } --ops ${k#op#=} --verbose --module $module'"
	done
	echo "--- $label kernel: kernel reports: $reports; ${leak:-kmemleak-check: not run (no kmemleak)}; VM ${elapsed} s, vm.sh status $status"
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	line="$label kernel: $p passed, $f failed (seeds $SEEDS) in ${elapsed} s, kernel reports: $reports"
	[ -n "$note" ] && line="$line  <-- $note"
	summary+=("$line")
}

if [ "$what" != debug ]; then
	module=${FUZZ_MODULE:-$ROOT/tcpstate.ko}
	if [ ! -f "$module" ]; then
		setup_fail "$module missing (run 'make all' first)"
	else
		run_kernel stock fuzz-kernel "$module" "${FUZZ_OPS:-3500}" \
			"${FUZZ_SECONDS:-40}" 120
	fi
fi

if [ "$what" != stock ]; then
	eval "$(bash tests/kernel/build.sh --env)"
	if [ ! -f "$DEBUG_KDIR/../.done" ] || [ ! -f "$DEBUG_BZIMAGE" ]; then
		if [ "$what" = debug ]; then
			setup_fail "no debug kernel: run 'make debug-kernel' first"
		else
			echo "=== fuzz-kernel: the debug kernel is not built (make debug-kernel): skipped"
			summary+=("debug kernel: not built, skipped")
		fi
	else
		module=${FUZZ_DEBUG_MODULE:-$DEBUG_MODULE}
		if [ -z "${FUZZ_DEBUG_MODULE:-}" ] && [ -z "${FUZZ_NO_BUILD:-}" ] &&
			! bash tests/kernel/build.sh modules; then
			setup_fail "building tcpstate.ko for the debug kernel failed"
		elif [ ! -f "$module" ]; then
			setup_fail "$module missing"
		else
			VM_NO_EXTRACT=1 run_kernel debug fuzz-kernel-debug "$module" \
				"${FUZZ_DEBUG_OPS:-1000}" "${FUZZ_DEBUG_SECONDS:-30}" 400 \
				--kernel "$DEBUG_BZIMAGE" --kver "$DEBUG_KVER"
		fi
	fi
fi
finish
