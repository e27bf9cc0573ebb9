# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the scripts that run a guest test in one vm.sh call
# (tests/integration/run-all.sh, tests/exporter/run.sh).
#
#   vm_counts OUT STATUS TIMEOUT
#
# What one VM run gave: sets p and f from OUT/counts (the guest writes
# "passed failed" there) and note to what went wrong besides the tests,
# from vm.sh's STATUS. A bad run counts as a failure even if the counts
# look fine: no counts, a timeout, a kernel problem, a guest that never
# ran or exited non-zero.
vm_counts() {
	local out=$1 status=$2 timeout=$3
	p=0 f=0 note=""
	if [ -r "$out/counts" ] && read -r p f <"$out/counts" &&
	   [[ "$p" =~ ^[0-9]+$ && "$f" =~ ^[0-9]+$ ]]; then
		:
	else
		p=0 f=0
		note="no counts written"
	fi
	case $status in
	0) ;;
	124) note="${note:+$note; }VM TIMED OUT after ${timeout}s" ;;
	125) note="${note:+$note; }KERNEL PROBLEM on the VM console (see $out/console.log)" ;;
	126) note="${note:+$note; }the test command never ran in the VM" ;;
	*) note="${note:+$note; }guest exit status $status" ;;
	esac
	if [ -n "$note" ] && [ "$f" -eq 0 ]; then
		f=1
	fi
}
