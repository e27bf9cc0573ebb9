#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the KUnit suites, on the debug kernel, in the test VM.
#
#   tests/kunit/run.sh                          every suite
#   tests/kunit/run.sh tcpstate_ring            one suite
#   tests/kunit/run.sh 'tcpstate_ring.ring_write_*'   some cases of it
#
# Builds what is missing (tests/kernel/build.sh: the debug kernel, cached,
# and tcpstate_kunit.ko), boots the debug kernel with tests/vm/vm.sh,
# loads tcpstate_kunit.ko there (KUnit runs the suites while it loads),
# then summarises the KTAP from the console with ktap.py: one line per
# suite, the messages of every failed case, "N passed, N failed". Writes
# "P F" to $BUILD/results/kunit.count.
#
# Fails if a test failed, if the VM run failed (a KASAN, lockdep, UBSAN
# report, WARNING... on the console, a kmemleak leak after rmmod, a
# timeout), or if a suite did not run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
export BUILD
SUITES=tcpstate_params,tcpstate_stats,tcpstate_filter,tcpstate_ring,tcpstate_record,tcpstate_mark,tcpstate_twtable,tcpstate_hooks,tcpstate_btf,tcpstate_session
FILTER=${1:-}
cd "$ROOT" || exit 1
mkdir -p "$BUILD/results"
COUNT=$BUILD/results/kunit.count

fail() {
	echo "kunit: $*" >&2
	echo "0 1" > "$COUNT"
	echo "0 passed, 1 failed"
	exit 1
}

if [ -z "${KUNIT_NO_BUILD:-}" ]; then
	bash tests/kernel/build.sh all || fail "building the debug kernel or the test module failed"
fi
eval "$(bash tests/kernel/build.sh --env)"
[ -f "$KUNIT_MODULE" ] || fail "$KUNIT_MODULE missing (tests/kernel/build.sh)"

t0=$(date +%s)
echo "=== KUnit on $DEBUG_KVER${FILTER:+ (filter_glob=$FILTER)}"
KUNIT_FILTER=$FILTER VM_ENV="KUNIT_MODULE KUNIT_FILTER" KUNIT_MODULE=$KUNIT_MODULE \
	VM_NO_EXTRACT=1 bash tests/vm/vm.sh --name kunit --timeout "${KUNIT_TIMEOUT:-600}" \
	--kernel "$DEBUG_BZIMAGE" --kver "$DEBUG_KVER" -- bash tests/kunit/guest.sh
status=$?
echo "=== KUnit results ($(( $(date +%s) - t0 )) s, vm.sh status $status)"

expect=$SUITES
[ -n "$FILTER" ] && expect=
python3 tests/kunit/ktap.py --count "$COUNT" ${expect:+--expect "$expect"} \
	"$BUILD/vm/kunit/console.log"
ktap=$?

if [ $status -ne 0 ]; then
	case $status in
	124) why="the VM timed out" ;;
	125) why="kernel problem on the console (KASAN/lockdep/UBSAN/WARNING/...), shown above" ;;
	126) why="the VM never ran the test" ;;
	*) why="the guest failed (status $status; a kmemleak leak?)" ;;
	esac
	echo "kunit: FAILED: $why; console: $BUILD/vm/kunit/console.log" >&2
	# The run failed even if every case passed: count it.
	read -r p f < "$COUNT"
	if [ "${f:-0}" -eq 0 ]; then
		echo "${p:-0} 1" > "$COUNT"
		echo "${p:-0} passed, 1 failed"
	fi
	exit 1
fi
exit $ktap
