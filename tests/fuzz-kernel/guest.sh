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
#
# Writes $TCPSTATE_OUT/results.txt, one line per seed:
#   PASS seed=S secs=T   or   FAIL seed=S status=N secs=T
# and exits 0 only if every seed passed and the module unloaded cleanly.
set -u

out=${TCPSTATE_OUT:-.}/results.txt
: > "$out"
status=0

loaded() { [ -d /sys/module/tcpstate ]; }

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
		--module "$FUZZ_MODULE"
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
