# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# tests/install/lib.sh: the checks the install suite's scripts share
# (sourced). Every check prints "PASS name" or "FAIL name: why" and counts;
# finish writes "passed failed" to $COUNTS.

PASSED=0
FAILED=0

pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1: $2"; FAILED=$((FAILED + 1)); }

# The DKMS builds' compiler cache (run.sh fills it on the host, the guest
# reads it): what ccache must see alike on both sides, less CCACHE_DIR.
# The locale is part of ccache's hash; the sloppiness lets the guest use
# direct-mode hits although DKMS copies the sources just before it builds.
# shellcheck disable=SC2034 # used by the scripts that source this file
CCACHE_ENV=("CCACHE_SLOPPINESS=include_file_mtime,include_file_ctime" CCACHE_NOCOMPRESS=1
	DEBIAN_KERNEL_USE_CCACHE=1 LC_ALL=C LANG=C)

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected [$2], got [$3]"
	fi
}

# check_contains NAME NEEDLE HAYSTACK
check_contains() {
	if [[ $3 == *"$2"* ]]; then
		pass "$1"
	else
		fail "$1" "[$2] not in [$3]"
	fi
}

# check_not_contains NAME NEEDLE HAYSTACK
check_not_contains() {
	if [[ $3 != *"$2"* ]]; then
		pass "$1"
	else
		fail "$1" "[$2] unexpectedly in [$3]"
	fi
}

# check_file NAME PATH: exists;  check_no_file NAME PATH: does not
check_file() { if [ -e "$2" ]; then pass "$1"; else fail "$1" "$2 missing"; fi; }
check_no_file() { if [ ! -e "$2" ] && [ ! -L "$2" ]; then pass "$1"; else fail "$1" "$2 exists"; fi; }

# run_cmd CMD...: runs it, output (stdout+stderr) in $OUT, status in $RC,
# and both shown, indented.
run_cmd() {
	local t0=$SECONDS
	echo "+ $*"
	OUT=$("$@" 2>&1)
	RC=$?
	[ -n "$OUT" ] && sed 's/^/    /' <<<"$OUT"
	echo "  (status $RC, $((SECONDS - t0)) s)"
}

# finish COUNTS_FILE: writes "passed failed", prints the total
finish() {
	echo "$PASSED $FAILED" > "$1"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

# file_list [ROOT]: the files and links under ROOT (default /) of every
# directory a tcpstate install (make install, the packages, DKMS) may
# write, relative to ROOT, sorted. The big trees (/usr/src's kernel
# headers, /lib/modules/*/kernel) are listed only at the depth where
# something of ours could appear.
file_list() {
	(
		cd "${1:-/}" || exit 1
		{
			find usr/sbin usr/local etc var/lib/dkms var/lib/dpkg/info \
				usr/share/man/man4 usr/share/man/man8 lib/systemd/system \
				usr/share/bash-completion usr/share/lintian/overrides \
				\( -type f -o -type l \) -print
			find usr/share/doc usr/src lib/modules -maxdepth 2 -print
			find lib/modules/*/updates -print
			find usr/src -maxdepth 1 -name 'tcpstate*' -exec find {} -print \;
		} 2>/dev/null | LC_ALL=C sort -u
	)
}

# The guest's root is the host's / (read-only, 9p) under a tmpfs overlay,
# and the host may install or remove its own packages meanwhile: "what the
# guest changed" is the guest's view against the host's at the same
# moment. run.sh exports the host's / a second time (9p tag tcpstate-host:
# a virtio-9p tag can be mounted only once, and tcpstate-root is the
# overlay's); mount_host_root mounts it read-only at $HOST_ROOT;
# dump_during TOOL CMD...: "TOOL dump" while CMD runs. Each open of
# /dev/tcpstate is a session that records from its open() on (nothing is
# kept for a reader to come), so dump starts first, and CMD once its session
# is listed. Sets DUMP (what dump printed), DUMP_RC (its status after
# SIGINT: 0 expected) and CMD_OUT (CMD's stdout).
dump_during() {
	local tool=$1 f pid i
	shift
	f=$(mktemp)
	"$tool" dump >"$f" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		"$tool" stats --sessions 2>/dev/null | awk -v p="$pid" '$2 == p { f = 1 } END { exit !f }' &&
			break
		sleep 0.1
	done
	CMD_OUT=$("$@")
	# dump holds each record up to 100 ms for ordering: give it time to print.
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	DUMP_RC=$?
	DUMP=$(cat "$f")
	rm -f "$f"
}

# overlay_changes lists "+path" (only in the guest) and "-path" (gone in
# the guest), of file_list's directories.
HOST_ROOT=/run/host-root
mount_host_root() {
	mkdir -p "$HOST_ROOT"
	mountpoint -q "$HOST_ROOT" ||
		mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro tcpstate-host "$HOST_ROOT"
}
# check_overlay NAME BASE [EXCLUDE_ERE]: the guest's changes now (less the
# lines matching EXCLUDE_ERE) are BASE, those from before the test.
check_overlay() {
	local now
	if ! mountpoint -q "$HOST_ROOT"; then
		fail "$1" "the host's / is not mounted at $HOST_ROOT: nothing to compare with"
		return
	fi
	now=$(overlay_changes)
	[ -n "${3:-}" ] && now=$(grep -v -x -E "$3" <<<"$now")
	check_eq "$1" "$2" "$now"
}

overlay_changes() {
	LC_ALL=C comm -3 <(file_list /) <(file_list "$HOST_ROOT") |
		sed -e 's/^\t/-/' -e 't' -e 's/^/+/'
}

# hide_module_trees: every kernel's own modules (/lib/modules/*/kernel)
# under an empty tmpfs, but the running kernel's tcp_bbr (the modprobe
# completion check's). depmod reads every module of a kernel each time it
# runs: make install and uninstall, and DKMS's install and removal for
# each kernel. Over 9p under TCG that was about 5 minutes of this suite
# (6.12's 4230 .ko.xz: about 100 s a run, 7 s on the host). tcpstate
# depends on none of them, so what is tested stays the same: make install
# and DKMS write updates/, depmod indexes it, modprobe finds it there.
# Mounts do not reach the overlay's upper layer: overlay_changes is
# unchanged. Reported as a check of its own.
hide_module_trees() {
	local what="the kernels' own modules hidden from depmod, but tcp_bbr"

	if mount_module_tmpfs; then
		pass "$what"
	else
		fail "$what" "mount or copy failed"
	fi
}

mount_module_tmpfs() {
	local dir keep keepdir
	keep=$(find "/lib/modules/$(uname -r)/kernel/net/ipv4" -name 'tcp_bbr.ko*' -print -quit)
	[ -n "$keep" ] && cp "$keep" /run/ || return 1
	for dir in /lib/modules/*/kernel; do
		mount -t tmpfs -o size=16m,mode=0755 tcpstate-hidden "$dir" || return 1
	done
	keepdir=${keep%/*}
	mkdir -p "$keepdir" && mv "/run/${keep##*/}" "$keepdir/"
}

# The make command for packaging/install.mk's targets: the top Makefile
# once it includes the file, else both files named.
# shellcheck disable=SC2034 # used by the scripts that source this file
if grep -q '^include packaging/install.mk' Makefile 2>/dev/null; then
	MK=(make -s)
else
	MK=(make -s -f Makefile -f packaging/install.mk)
fi
