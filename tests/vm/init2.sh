#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tcpstate test VM, stage 2: PID 1 on the overlay root (started by stage 1
# with switch_root, run by the host's /bin/bash). Reads the run's settings
# from the control share, runs the command, writes its exit code to
# $RESULTS/status and powers the VM off at once.
#
# The control file (written by vm.sh) sets: NAME RESULTS ROOT KVER
# INTERACTIVE TERM_HOST ROWS COLS CMD=(...) PASSENV=(NAME=VALUE...).
#
# Never "set -e" here: if PID 1 exits the kernel panics, which vm.sh would
# report as a kernel problem.

CTL=/run/tcpstate-vm/ctl
exec </dev/null >/dev/console 2>&1

say() { echo "tcpstate-vm: $*" > /dev/kmsg 2>/dev/null || echo "tcpstate-vm: $*"; }
halt() {
	sync
	echo o > /proc/sysrq-trigger
	while :; do sleep 60; done
}

# shellcheck source=/dev/null
if ! . "$CTL/env"; then
	say "stage2: cannot read $CTL/env, boot failed, powering off"
	halt
fi
umount "$CTL" 2>/dev/null && rmdir "$CTL" 2>/dev/null

# The command's environment: exactly this, plus PASSENV (vm.sh's VM_ENV).
envv=(
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	"HOME=/root"
	"TCPSTATE_OUT=$RESULTS"
	"TCPSTATE_KVER=$KVER"
	"TCPSTATE_VM_NAME=$NAME"
	"${PASSENV[@]}"
)

if [ "$INTERACTIVE" = 1 ]; then
	tty=/dev/ttyS0
	envv+=("TERM=${TERM_HOST:-vt100}")
	stty -F "$tty" sane
	[ -n "$ROWS" ] && [ -n "$COLS" ] && stty -F "$tty" rows "$ROWS" cols "$COLS"
	# Quieten routine kernel messages on the shell's terminal; warnings
	# and worse (level <= 4) still show and still reach console.log.
	echo 5 > /proc/sys/kernel/printk
else
	# Command output goes to the second serial port: vm.sh's stdout and
	# output.log, kept apart from the kernel console that vm.sh scans.
	tty=/dev/ttyS1
	stty -F "$tty" raw -echo
fi

# A kernel with kmemleak (the debug kernel, tests/kernel/): what the run
# leaked is reported after the command, when it has unloaded its modules.
KMEMLEAK=$ROOT/tests/kernel/kmemleak-check.sh
{ [ "$INTERACTIVE" = 0 ] && [ -e /sys/kernel/debug/kmemleak ] && [ -r "$KMEMLEAK" ]; } ||
	KMEMLEAK=
[ -n "$KMEMLEAK" ] && bash "$KMEMLEAK" start

say "running the command"
if [ "$INTERACTIVE" = 1 ]; then
	# setsid -c: a new session with the serial port as its controlling
	# terminal, so job control and ^C work in the shell.
	(cd "$ROOT" && exec env -i "${envv[@]}" setsid -c -w "${CMD[@]}") \
		<"$tty" >"$tty" 2>&1
	rc=$?
else
	# Through a pipe, not straight onto the serial port: the command's
	# stdout must not be a terminal (ls columns, pagers, ...), as in CI.
	fifo=/run/tcpstate-vm/output
	mkfifo "$fifo"
	cat "$fifo" > "$tty" &
	relay=$!
	exec 4>"$fifo"
	(cd "$ROOT" && exec env -i "${envv[@]}" "${CMD[@]}") </dev/null >&4 2>&4
	rc=$?
	exec 4>&-
	# Let the relay drain. A process the command left running may keep
	# the pipe open: stop waiting once the relay has written nothing for
	# 0.5 s.
	last='' idle=0
	while kill -0 "$relay" 2>/dev/null && [ $idle -lt 5 ]; do
		sleep 0.1
		now=$(grep '^wchar' "/proc/$relay/io" 2>/dev/null)
		if [ "$now" = "$last" ]; then idle=$((idle + 1)); else idle=0; fi
		last=$now
	done
	kill "$relay" 2>/dev/null
	# Its report goes to the console too: a leak fails the run there.
	[ -n "$KMEMLEAK" ] && bash "$KMEMLEAK" check >"$tty" 2>&1
fi

if echo "$rc" > "$RESULTS/status"; then
	say "command exited with status $rc"
else
	say "command exited with status $rc; cannot write $RESULTS/status"
fi
halt
