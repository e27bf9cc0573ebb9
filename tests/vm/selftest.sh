#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/selftest.sh [--vm] - tests of vm.sh itself.
#
# Always: the console scanner (vm.sh --scan-console) on synthetic consoles,
# no VM needed (< 1 s). With --vm also the real paths, booting VMs (~1 min):
# exit status + results share, env/mounts, timeout (124), kernel panic and
# WARNING (125), VM gone before the command finished and qemu failure
# (126). Uses BUILD like vm.sh (VM names selftest-*).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
VM=$HERE/vm.sh
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
export BUILD
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

npass=0 nfail=0
ok() { echo "ok   $*"; npass=$((npass + 1)); }
bad() { echo "FAIL $*"; nfail=$((nfail + 1)); }
expect() { # expect WANT GOT DESCRIPTION
	if [ "$1" = "$2" ]; then ok "$3"; else bad "$3 (want $1, got $2)"; fi
}

# --- scanner ----------------------------------------------------------------
clean_boot() {
	cat <<'EOF'
SeaBIOS (version 1.16.2-debian-1.16.2-1)
[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)
[    0.000000] Command line: console=ttyS0,115200 panic=-1 oops=panic softlockup_panic=1
[    0.030802] calibrate_delay_direct() failed to get a good estimate for loops_per_jiffy.
[    1.041241] acpi PNP0A03:00: fail to add MMCONFIG information, can't access extended PCI configuration space under this bridge.
[    1.234567] kmemleak: Kernel memory leak detector initialized (mem pool available: 15791)
[    1.234568] kmemleak: Automatic memory scanning thread started
[    2.828711] tcpstate-vm: stage1 done, switching root
[    3.284812] tcpstate-vm: running the command
[    3.500000] tcpstate: loading out-of-tree module taints kernel.
[    3.500001] tcpstate: module verification failed: signature and/or required key missing - tainting kernel
[    3.600000] tcpstate: nr_records=1000 rounded up to 1024
[    4.183123] tcpstate-vm: command exited with status 0
[    4.248527] sysrq: Power Off
[    4.252312] reboot: Power down
EOF
}
clean_boot | sed 's/$/\r/' > "$TMP/clean.log"
"$VM" --scan-console "$TMP/clean.log" > "$TMP/out" 2>&1
expect 0 $? "scanner: clean console with taint messages (CRLF) is clean"

problems=(
	'BUG: kernel NULL pointer dereference, address: 0000000000000000'
	'Oops: 0000 [#1] PREEMPT SMP NOPTI'
	'WARNING: CPU: 1 PID: 123 at net/ipv4/tcp.c:100 tcp_set_state+0x10/0x20 [tcpstate]'
	'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [bash:1]'
	'Watchdog detected hard LOCKUP on cpu 1'
	'INFO: task tcpstate:120 blocked for more than 120 seconds.'
	'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'
	'Kernel panic - not syncing: Fatal exception'
	'BUG: KASAN: use-after-free in tcpstate_read+0x1/0x2'
	'UBSAN: shift-out-of-bounds in module/ring.c:10:5'
	'kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'
	'BUG: sleeping function called from invalid context at mm/slab.h:1'
	'WARNING: possible circular locking dependency detected'
	'WARNING: possible recursive locking detected'
	'WARNING: inconsistent lock state'
	'general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1]'
	'Call Trace:'
	'kernel BUG at net/core/skbuff.c:100!'
	'list_add corruption. prev->next should be next (ffff888), but was 0000.'
	'BUG kmalloc-64 (Tainted: G           O      ): Poison overwritten'
)
for p in "${problems[@]}"; do
	{ clean_boot | head -n 10; echo "[    3.700000] $p"; clean_boot | tail -n 5; } > "$TMP/p.log"
	"$VM" --scan-console "$TMP/p.log" > "$TMP/out" 2>&1
	rc=$?
	if [ $rc = 125 ] && grep -qF "11:[    3.700000] $p" "$TMP/out"; then
		ok "scanner: finds '$p'"
	else
		bad "scanner: '$p' (rc $rc: $(head -c 200 "$TMP/out"))"
	fi
done

# The kernel echoes its command line: a parameter that names a checker
# (kmemleak=off, the debug kernel's tracepoint VM) is not a report of it.
{ clean_boot | sed -e 's/softlockup_panic=1$/softlockup_panic=1 kmemleak=off/' \
	-e 's/detector initialized.*/detector disabled/' -e '/Automatic memory scanning/d'
	echo '[    0.010000] Kernel command line: acpi=noirq console=ttyS0,115200 kmemleak=off'; } > "$TMP/cmdline.log"
"$VM" --scan-console "$TMP/cmdline.log" > "$TMP/out" 2>&1
expect 0 $? "scanner: the kernel's command line naming kmemleak=off is clean"

# --- real VMs ------------------------------------------------------------------
if [ "${1:-}" = --vm ]; then
	# Exit status, output, results share, environment, mounts, modules.
	out=$("$VM" --name selftest-run -- bash -c '
		set -e
		[ "$PWD" = "'"$ROOT"'" ]
		[ "$(id -u)" = 0 ]
		[ "$HOME" = /root ] && [ -n "$TCPSTATE_KVER" ] && [ "$(uname -r)" = "$TCPSTATE_KVER" ]
		[ "$PATH" = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]
		for m in /proc /sys /dev /dev/pts /dev/shm /tmp /run /sys/kernel/tracing /sys/kernel/debug "$TCPSTATE_OUT"; do
			mountpoint -q "$m"
		done
		touch /usr/selftest-overlay && rm /usr/selftest-overlay
		ip -br link show lo | grep -q UP
		[ "$(hostname)" = selftest-run ]
		modprobe sch_netem
		python3 -c "print(\"py-ok\")"
		cat <(echo procsubst-ok)
		[ ! -t 1 ]
		touch "$TCPSTATE_OUT/x"
		exit 3' 2>"$TMP/err")
	rc=$?
	expect 3 $rc "vm: exit status of the command"
	[ -f "$BUILD/vm/selftest-run/x" ] && ok "vm: file written to TCPSTATE_OUT appears on the host" ||
		bad "vm: no $BUILD/vm/selftest-run/x"
	grep -q py-ok <<<"$out" && grep -q procsubst-ok <<<"$out" &&
		ok "vm: command output on vm.sh's stdout" || bad "vm: output: $out $(tail -5 "$TMP/err")"
	expect 3 "$(cat "$BUILD/vm/selftest-run/status" 2>/dev/null)" "vm: status file"
	[ -s "$BUILD/vm/selftest-run/console.log" ] && ok "vm: console.log saved" || bad "vm: no console.log"

	"$VM" --name selftest-args -- printf '<%s>' 'a b' '"q"' '$x' "it's" > "$TMP/out" 2>/dev/null
	expect "<a b><\"q\"><\$x><it's>" "$(cat "$TMP/out")" "vm: arguments preserved"

	start=$(date +%s)
	"$VM" --name selftest-timeout --timeout 20 -- sleep 1000 > /dev/null 2>"$TMP/err"
	rc=$?
	expect 124 $rc "vm: timeout"
	grep -q 'guest did not finish within 20 s' "$TMP/err" && ok "vm: timeout message" ||
		bad "vm: timeout message: $(grep vm.sh: "$TMP/err" | tail -3)"
	[ $(($(date +%s) - start)) -lt 40 ] && ok "vm: timeout enforced" || bad "vm: timeout took too long"
	[ -s "$BUILD/vm/selftest-timeout/console.log" ] && ok "vm: console.log kept on timeout" ||
		bad "vm: no console.log after timeout"

	"$VM" --name selftest-panic -- bash -c 'echo c > /proc/sysrq-trigger; sleep 30' > /dev/null 2>"$TMP/err"
	rc=$?
	expect 125 $rc "vm: sysrq-c panic is a kernel problem"
	grep -q 'Kernel panic - not syncing: sysrq triggered crash' "$TMP/err" &&
		grep -q 'console: .*selftest-panic/console.log' "$TMP/err" &&
		ok "vm: panic message names the line and the console" || bad "vm: panic message"

	"$VM" --name selftest-warn -- bash -c 'echo "<4>WARNING: CPU: 0 PID: 1 at selftest.c:1 selftest+0x0/0x1" > /dev/kmsg' \
		> /dev/null 2>"$TMP/err"
	expect 125 $? "vm: a WARNING on the console fails the run even though the command succeeded"

	"$VM" --name selftest-gone -- bash -c 'echo o > /proc/sysrq-trigger; sleep 30' > /dev/null 2>"$TMP/err"
	rc=$?
	expect 126 $rc "vm: VM powered off before the command finished"
	grep -q 'stopped before the command finished' "$TMP/err" && ok "vm: 126 message" || bad "vm: 126 message"

	echo junk > "$TMP/kernel"
	"$VM" --name selftest-nokernel --kernel "$TMP/kernel" -- true > /dev/null 2>"$TMP/err"
	expect 126 $? "vm: qemu failure is 126"
fi

echo "vm selftest: $npass passed, $nfail failed"
[ $nfail -eq 0 ]
