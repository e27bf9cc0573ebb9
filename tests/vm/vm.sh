#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh - run a command as root in a throw-away QEMU VM booting Debian's
# kernel, with the host's / as its root (read-only 9p + tmpfs overlay).
#
#   tests/vm/vm.sh [--name NAME] [--timeout SECONDS] [--kver KVER]
#                  [--kernel VMLINUZ] [--smp N] [--mem MB] [--interactive]
#                  [-- CMD [ARGS...]]
#   tests/vm/vm.sh --scan-console FILE    (only run the console scanner)
#
# Defaults: NAME vm, timeout 300 s, KVER $KVER or the default kernel of
# tests/kdir.sh, kernel $VM_KERNEL or /boot/vmlinuz-KVER, 2 CPUs,
# 1024 MB. A kernel whose KVER has no /lib/modules/KVER on the host (the
# debug kernel of tests/kernel/build.sh) must have everything the VM
# needs built in; the initramfs then loads no module.
# CMD is run with its arguments as given (exec, no shell); a single
# argument that contains blanks or shell syntax is run with "bash -c".
# Without CMD, --interactive runs an interactive bash; otherwise CMD is
# required.
#
# Results: $BUILD/vm/NAME (BUILD defaults to <project>/build), wiped on
# every run:
#   console.log  the kernel's serial console (ttyS0), always saved
#   output.log   the command's stdout+stderr (ttyS1; also copied live to
#                vm.sh's stdout); not in --interactive mode
#   status       the command's exit code, written by the guest
#   ...          whatever the command writes into $TCPSTATE_OUT
#
# In the guest: the host's / read-only with a tmpfs on top (writes work and
# vanish), the results dir writable at the same path as on the host, cwd =
# the project root, root, env TCPSTATE_OUT TCPSTATE_KVER TCPSTATE_VM_NAME
# PATH HOME (+ TERM in --interactive mode, + every variable named in
# $VM_ENV, e.g. VM_ENV="V DEBUG"); /proc /sys /dev /dev/pts /dev/shm /tmp
# /run /sys/kernel/tracing /sys/kernel/debug mounted, lo up, hostname =
# NAME, /lib/modules/KVER = the host's (modprobe works).
#
# Exit status:
#   CMD's status  the command ran, the VM powered off, no kernel problem
#   124           the VM did not finish within the timeout
#   125           the kernel console shows a problem (Oops, WARNING, BUG,
#                 lockup, panic, ...) - also when it then timed out
#   126           the guest never ran the command (boot/mount failure, no
#                 status written, qemu failed)
#   2             usage error
# Extra kernel parameters: VM_APPEND="...". Extra qemu options: VM_QEMU_OPTS.
set -uo pipefail

PROG=vm.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)

# --- console scanner ------------------------------------------------------
# Extended regexps for lines that mean the kernel is unhappy.
PROBLEM_PATTERNS=(
	'Oops'
	'BUG:'
	'kernel BUG at'
	'BUG [^ ]+ \((Not t|T)ainted'
	'WARNING:'
	'soft lockup'
	'hard LOCKUP'
	'blocked for more than'
	'detected stalls? on CPU'
	'rcu_(sched|preempt) self-detected stall'
	'Kernel panic'
	'KASAN'
	'UBSAN'
	'kmemleak'
	'sleeping function called from invalid context'
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'general protection fault'
	'list_(add|del) corruption'
	'Call Trace'
)
# Lines that match a pattern above but are not problems. The kernel's
# echo of its command line (kmemleak=off on the debug kernel's tracepoint
# VM) reports nothing.
PROBLEM_IGNORE=(
	'\] (Kernel c|C)ommand line: '
	'kmemleak: Kernel memory leak detector (initialized|disabled)'
	'kmemleak: Automatic memory scanning thread'
)

# scan_console FILE: prints "LINENO:TEXT" for every problem line, returns 0
# when there is at least one.
scan_console() {
	local file=$1 pat ign
	[ -f "$file" ] || return 1
	pat=$(IFS='|'; echo "${PROBLEM_PATTERNS[*]}")
	ign=$(IFS='|'; echo "${PROBLEM_IGNORE[*]}")
	tr -d '\r' < "$file" | grep -a -n -E -e "$pat" | grep -a -v -E -e "$ign"
}

if [ "${1:-}" = --scan-console ]; then
	[ $# -eq 2 ] || { echo "usage: $PROG --scan-console FILE" >&2; exit 2; }
	[ -f "$2" ] || { echo "$PROG: $2: no such file" >&2; exit 2; }
	if scan_console "$2"; then exit 125; fi
	exit 0
fi

# --- arguments ---------------------------------------------------------------
usage() {
	sed -n '4,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}
die_usage() { echo "$PROG: $*" >&2; usage; }

NAME=vm
TIMEOUT=300
VKVER=${KVER:-}
KERNEL=${VM_KERNEL:-}
SMP=2
MEM=1024
INTERACTIVE=0
CMD=()
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die_usage "$1 needs an argument"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--name) need_arg "$@"; NAME=$2; shift 2 ;;
	--timeout) need_arg "$@"; TIMEOUT=$2; shift 2 ;;
	--kver) need_arg "$@"; VKVER=$2; shift 2 ;;
	--kernel) need_arg "$@"; KERNEL=$2; shift 2 ;;
	--smp) need_arg "$@"; SMP=$2; shift 2 ;;
	--mem) need_arg "$@"; MEM=$2; shift 2 ;;
	--interactive) INTERACTIVE=1; shift ;;
	-h|--help) usage ;;
	--) shift; CMD=("$@"); break ;;
	-*) die_usage "unknown option $1" ;;
	*) CMD=("$@"); break ;;
	esac
done
[[ $NAME =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
	die_usage "bad --name '$NAME' (letters, digits, . _ - only)"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die_usage "bad --timeout '$TIMEOUT'"
[[ $SMP =~ ^[1-9][0-9]*$ ]] || die_usage "bad --smp '$SMP'"
[[ $MEM =~ ^[1-9][0-9]*$ ]] || die_usage "bad --mem '$MEM'"
if [ ${#CMD[@]} -eq 0 ]; then
	[ $INTERACTIVE = 1 ] || die_usage "no command given (-- CMD, or --interactive)"
	CMD=(bash -i)
elif [ ${#CMD[@]} -eq 1 ] && [[ ${CMD[0]} =~ [[:space:]\;\&\|\<\>\(\)\$\`\'\"] ]]; then
	CMD=(bash -c "${CMD[0]}")
fi

BUILD=${BUILD:-$ROOT/build}
mkdir -p "$BUILD/vm" || exit 126
BUILD=$(cd "$BUILD" && pwd -P)
VMDIR=$BUILD/vm
RESULTS=$VMDIR/$NAME
CTL=$VMDIR/.$NAME.ctl

CONSOLE=$RESULTS/console.log
fail() { # fail CODE MESSAGE...: before the VM started
	local code=$1; shift
	echo "$PROG: $NAME: $*" >&2
	echo "$PROG: $NAME: FAILED before the VM started; console: $CONSOLE (empty)" >&2
	exit "$code"
}

# One run per NAME at a time; then a fresh results dir.
exec 9>"$VMDIR/.$NAME.lock"
if ! flock -n 9; then
	echo "$PROG: $NAME: waiting for another vm.sh --name $NAME" >&2
	flock 9
fi
rm -rf -- "$RESULTS" "$CTL"
mkdir -p "$RESULTS" "$CTL" || fail 126 "cannot create $RESULTS"
: > "$CONSOLE"

if [ -z "$VKVER" ]; then
	# The default kernel's (tests/kdir.sh), not the newest installed.
	VKVER=$(bash "$ROOT/tests/kdir.sh" --release 2>/dev/null)
	[ -n "$VKVER" ] || fail 126 "no /lib/modules/*-amd64: run tests/deps.sh (linux-image-amd64)"
fi
# A kernel not installed on the host (--kernel with its --kver, e.g. the
# debug kernel of tests/kernel/build.sh) has no /lib/modules/KVER: it must
# have virtio-pci, 9p and overlayfs built in, and the initramfs loads none.
BUILTIN=
if [ ! -d "/lib/modules/$VKVER/kernel" ] && [ -n "$KERNEL" ]; then
	BUILTIN=--builtin
elif [ ! -d "/lib/modules/$VKVER/kernel" ]; then
	hint=
	if [ -n "${KDIR:-}" ] && [ -r "$KDIR/include/generated/utsrelease.h" ]; then
		hint=" (the release of KDIR=$KDIR is $(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h"); Debian's include/config/kernel.release is not it)"
	fi
	fail 126 "/lib/modules/$VKVER missing: install linux-image-$VKVER or pass --kver$hint"
fi
KERNEL=${KERNEL:-/boot/vmlinuz-$VKVER}
[ -r "$KERNEL" ] || fail 126 "cannot read kernel $KERNEL"
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || fail 126 "$QEMU not found: run tests/deps.sh"

# --- initramfs (cached per KVER + scripts) -----------------------------------
key=$(bash "$HERE/mkinitramfs.sh" --key $BUILTIN "$VKVER") || fail 126 "initramfs key failed"
INITRD=$VMDIR/initramfs-$VKVER-$key.cpio
if [ ! -s "$INITRD" ]; then
	bash "$HERE/mkinitramfs.sh" $BUILTIN "$VKVER" "$INITRD" || fail 126 "initramfs build failed"
	for old in "$VMDIR/initramfs-$VKVER-"*.cpio; do
		[ "$old" = "$INITRD" ] || rm -f -- "$old"
	done
fi

# --- kernel image ------------------------------------------------------------
# Debian's bzImage is xz-compressed, and decompressing it under TCG costs
# ~3 s per boot. Its payload is an ELF vmlinux with a PVH entry note, which
# qemu boots directly: extract it once (cached per kernel file) and boot
# that. VM_NO_EXTRACT=1, or any failure here, boots the bzImage as is.
boot_image() {
	local k=$1 sum out tmp magic off
	if [ -n "${VM_NO_EXTRACT:-}" ]; then echo "$k"; return; fi
	if [ "$(head -c 4 "$k" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		echo "$k"; return # already an ELF vmlinux
	fi
	sum=$(stat -L -c '%n %s %Y' "$k" | sha256sum | cut -c1-12)
	out=$VMDIR/vmlinux-$VKVER-$sum
	if [ -s "$out" ]; then echo "$out"; return; fi
	tmp=$(mktemp "$VMDIR/.vmlinux.XXXXXX")
	for magic in '\xfd7zXZ\x00:xz -dcq' '\x28\xb5\x2f\xfd:zstd -dcq' '\x1f\x8b\x08\x00:gzip -dcq'; do
		off=$(LC_ALL=C grep -obUaP "${magic%%:*}" "$k" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -n "$off" ] || continue
		# Trailing data after the stream makes the decompressor complain;
		# the output is checked instead of its exit status.
		tail -c +"$((off + 1))" "$k" | ${magic#*:} > "$tmp" 2>/dev/null
		if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
			LC_ALL=C readelf -n "$tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
			mv -f "$tmp" "$out"
			for old in "$VMDIR/vmlinux-$VKVER-"*; do
				[ "$old" = "$out" ] || rm -f -- "$old"
			done
			echo "$out"
			return
		fi
	done
	rm -f -- "$tmp"
	echo "$PROG: $NAME: no PVH vmlinux inside $k; booting it as is (slower)" >&2
	echo "$k"
}
BOOT=$(boot_image "$KERNEL")

# --- control share -------------------------------------------------------------
printf '%s\n' "$RESULTS" > "$CTL/results"
printf '%s\n' "$NAME" > "$CTL/hostname"
printf '%s\n' "$ROOT" > "$CTL/root"
ROWS='' COLS=''
if [ $INTERACTIVE = 1 ] && [ -t 0 ]; then
	read -r ROWS COLS < <(stty size 2>/dev/null) || true
fi
{
	printf 'NAME=%q\nRESULTS=%q\nROOT=%q\nKVER=%q\nINTERACTIVE=%q\n' \
		"$NAME" "$RESULTS" "$ROOT" "$VKVER" "$INTERACTIVE"
	printf 'TERM_HOST=%q\nROWS=%q\nCOLS=%q\n' "${TERM:-}" "$ROWS" "$COLS"
	printf 'CMD=('; printf '%q ' "${CMD[@]}"; printf ')\n'
	printf 'PASSENV=('
	for v in ${VM_ENV:-}; do
		[[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && [ -n "${!v+x}" ] &&
			printf '%q ' "$v=${!v}"
	done
	printf ')\n'
} > "$CTL/env"

# --- qemu -----------------------------------------------------------------------
q() { printf '%s' "${1//,/,,}"; } # escape a value for qemu's option syntax

APPEND="console=ttyS0,115200 panic=-1 oops=panic softlockup_panic=1 printk.time=1"
# The rest only trims boot time: two UARTs, no PS/2 probing, no EDD probe,
# trust the TSC (no clocksource watchdog noise under TCG).
APPEND+=" 8250.nr_uarts=2 i8042.noaux i8042.nokbd edd=off tsc=reliable no_timer_check"
[ -n "${VM_APPEND:-}" ] && APPEND+=" $VM_APPEND"

# shellcheck disable=SC2054 # the commas belong to qemu's option values
QARGS=(
	"$QEMU" -nodefaults -no-user-config -nographic
	-machine pc -accel tcg,thread=single -cpu max
	-smp "$SMP" -m "$MEM" -no-reboot
	-kernel "$BOOT" -initrd "$INITRD" -append "$APPEND"
	-virtfs "local,path=/,mount_tag=tcpstate-root,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$(q "$CTL"),mount_tag=tcpstate-ctl,security_model=none,readonly=on"
	-virtfs "local,path=$(q "$RESULTS"),mount_tag=tcpstate-out,security_model=none"
)
# shellcheck disable=SC2054
if [ $INTERACTIVE = 1 ]; then
	QARGS+=(
		-chardev "stdio,id=con,mux=on,signal=off,logfile=$(q "$CONSOLE")"
		-serial chardev:con -mon chardev=con,mode=readline
	)
else
	QARGS+=(
		-chardev "file,id=con,path=$(q "$CONSOLE")"
		-serial chardev:con
		-chardev "stdio,id=out,signal=off,logfile=$(q "$RESULTS/output.log")"
		-serial chardev:out
	)
fi
# shellcheck disable=SC2206
QARGS+=(${VM_QEMU_OPTS:-})

# shquote ARGS...: one line a shell can run again
shquote() {
	local a out=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then
			out+="$a "
		else
			out+="'${a//\'/\'\\\'\'}' "
		fi
	done
	printf '%s' "${out% }"
}

t0=$(date +%s.%N)
qpid=
on_signal() {
	[ -n "$qpid" ] && kill -TERM "$qpid" 2>/dev/null && wait "$qpid"
	echo "$PROG: $NAME: interrupted; console: $CONSOLE" >&2
	exit 130
}
if [ $INTERACTIVE = 1 ]; then
	echo "$PROG: $NAME: interactive VM; exit the shell to power off (Ctrl-A x kills qemu)" >&2
	"${QARGS[@]}"
	qrc=$?
else
	echo "$PROG: $NAME: $(shquote "${QARGS[@]}")" >&2
	trap on_signal INT TERM HUP
	timeout -k 5 "$TIMEOUT" "${QARGS[@]}" </dev/null &
	qpid=$!
	wait "$qpid"
	qrc=$?
	trap - INT TERM HUP
fi
elapsed=$(echo "$(date +%s.%N) $t0" | awk '{ printf "%.1f", $1 - $2 }')
# $CTL stays until the next run, so the echoed qemu command can be rerun.

# --- verdict ---------------------------------------------------------------------
show() { # show FROM COUNT: console lines, \r stripped
	tr -d '\r' < "$CONSOLE" | tail -n +"$1" | head -n "$2" | sed 's/^/  | /' >&2
}
show_tail() {
	echo "--- last 60 lines of $CONSOLE ---" >&2
	tr -d '\r' < "$CONSOLE" | tail -n 60 | sed 's/^/  | /' >&2
}

timed_out=0
case $qrc in 124|137) timed_out=1 ;; esac

if problems=$(scan_console "$CONSOLE"); then
	first=${problems%%$'\n'*}
	lineno=${first%%:*}
	total=$(tr -d '\r' < "$CONSOLE" | wc -l)
	{
		echo "$PROG: $NAME: kernel problem on the console (line $lineno): ${first#*:}"
		[ $timed_out = 1 ] && echo "$PROG: $NAME: (and the guest did not finish within $TIMEOUT s)"
		echo "--- first problem lines ---"
		head -n 10 <<<"$problems" | sed 's/^/  /'
		start=$(( lineno > 10 ? lineno - 10 : 1 ))
		echo "--- $CONSOLE from line $start ---"
	} >&2
	show "$start" 60
	if [ $((start + 60)) -le "$total" ]; then
		echo "--- ... last 20 lines ---" >&2
		tr -d '\r' < "$CONSOLE" | tail -n 20 | sed 's/^/  | /' >&2
	fi
	echo "$PROG: $NAME: FAILED (kernel problem), console: $CONSOLE" >&2
	exit 125
fi

if [ $timed_out = 1 ]; then
	echo "$PROG: $NAME: guest did not finish within $TIMEOUT s" >&2
	show_tail
	echo "$PROG: $NAME: FAILED (timeout), console: $CONSOLE" >&2
	exit 124
fi

status=
[ -f "$RESULTS/status" ] && read -r status < "$RESULTS/status"
if ! [[ $status =~ ^[0-9]+$ ]] || [ "$qrc" != 0 ]; then
	if [ "$qrc" != 0 ]; then
		echo "$PROG: $NAME: qemu exited with status $qrc" >&2
	fi
	if grep -aq 'tcpstate-vm: running the command' "$CONSOLE"; then
		echo "$PROG: $NAME: the VM stopped before the command finished (no status written)" >&2
	else
		echo "$PROG: $NAME: the guest never ran the command (boot or mount failure)" >&2
	fi
	show_tail
	echo "$PROG: $NAME: FAILED (no command status), console: $CONSOLE" >&2
	exit 126
fi

if [ $INTERACTIVE = 0 ]; then
	echo "$PROG: $NAME: command exited with status $status after ${elapsed} s; results: $RESULTS" >&2
fi
exit "$status"
