#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the VM side of tests/fuzz-kernel/run.sh: load tcpstate.ko,
# run fuzz_dev once per seed, unload (so that the kmemleak check that
# tests/vm/init2.sh runs after this script sees the module gone).
#
# From run.sh, through vm.sh's VM_ENV:
#   FUZZ_DEV      the fuzz_dev binary (static, host path = guest path)
#   FUZZ_MODULE   the tcpstate.ko built for the booted kernel
#   FUZZ_SEEDS    "1 2 3"
#   FUZZ_OPS      ops per seed
#   FUZZ_SECONDS  bound per seed (fuzz_dev stops starting ops after it)
#   FUZZ_HANG_SECONDS  a seed still running this long after FUZZ_SECONDS
#                 is stuck (default 90: an op on the debug kernel takes a
#                 few seconds at most): its tasks' kernel stacks, and the
#                 kernel's list of blocked tasks (sysrq w), go to the log,
#                 it is killed and fails. Without this a stuck seed was
#                 only vm.sh's timeout, minutes later, with no trace of
#                 where it stood.
#
# Writes $TCPSTATE_OUT/results.txt, one line per seed:
#   PASS seed=S secs=T   or   FAIL seed=S status=N secs=T
# and exits 0 only if every seed passed and the module unloaded cleanly.
set -u

out=${TCPSTATE_OUT:-.}/results.txt
: > "$out"
status=0

loaded() { [ -d /sys/module/tcpstate ]; }

# stuck SEED PID BOUND: where fuzz_dev and its children stand, then kill them.
stuck() {
	local p t
	echo "FAIL seed=$1: still running after $3 s: its tasks' kernel stacks"
	for p in "$2" $(pgrep -P "$2"); do
		for t in /proc/"$p"/task/*; do
			echo "== pid $p task ${t##*/} ($(cat "$t/comm" 2>/dev/null)):" \
				"state $(cut -d' ' -f3 "$t/stat" 2>/dev/null)," \
				"wchan $(cat "$t/wchan" 2>/dev/null)," \
				"syscall $(cat "$t/syscall" 2>/dev/null)"
			cat "$t/stack" 2>/dev/null
		done
	done
	grep -s -e '^events_' -e '^sessions' -e '^group_' /proc/net/tcpstate
	# Blocked (D state) tasks, all of them, to the console.
	echo w > /proc/sysrq-trigger
	pkill -KILL -P "$2"
	kill -KILL "$2"
}

for seed in $FUZZ_SEEDS; do
	# A failed seed may leave the module unloaded; each starts loaded,
	# with the defaults.
	if ! loaded && ! insmod "$FUZZ_MODULE"; then
		echo "FAIL seed=$seed status=insmod secs=0" >> "$out"
		status=1
		continue
	fi
	t0=$(date +%s)
	"$FUZZ_DEV" --seed "$seed" --ops "$FUZZ_OPS" --seconds "$FUZZ_SECONDS" \
		--module "$FUZZ_MODULE" &
	pid=$!
	bound=$((FUZZ_SECONDS + ${FUZZ_HANG_SECONDS:-90}))
	while kill -0 "$pid" 2>/dev/null && [ $(( $(date +%s) - t0 )) -lt "$bound" ]; do
		sleep 1
	done
	if kill -0 "$pid" 2>/dev/null; then
		stuck "$seed" "$pid" "$bound"
		# Not wait: a task stuck in the kernel may not die; vm.sh's
		# timeout is the bound then.
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		echo "FAIL seed=$seed status=stuck secs=$(( $(date +%s) - t0 ))" >> "$out"
		status=1
		continue
	fi
	wait "$pid"
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	if [ $rc -eq 0 ]; then
		echo "PASS seed=$seed secs=$secs" >> "$out"
	else
		echo "FAIL seed=$seed status=$rc secs=$secs" >> "$out"
		status=1
	fi
done

# Every descriptor is closed with its process: the module must go.
if loaded && ! rmmod tcpstate; then
	echo "guest: rmmod tcpstate failed after the last seed"
	status=1
fi
exit $status
