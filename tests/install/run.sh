#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/run.sh - make vmtest-install: the packaging suite.
#
#   tests/install/run.sh            (after make all deb)
#
# On the host (nothing installed there): the man pages pass mandoc -T lint
# and man --warnings, lintian passes both .debs, their control fields and
# versions, make install/uninstall staged with DESTDIR, make install
# without root and make dkms-install for a kernel without headers refused
# with what they need.
# In the test VM, two boots (tests/vm/vm.sh, one at a time):
#   install-1  Debian's 6.1 kernel: make install; dpkg -i both packages
#              (DKMS builds for 6.1), modprobe, dump, --version, man,
#              completion; the 6.12 headers appear and the kernel's
#              postinst.d hook builds for 6.12 (guest-install.sh)
#   install-2  the 6.12 kernel, the first boot's installed state restored:
#              modprobe loads the DKMS-built module, dump; dpkg -r refused
#              while a reader is attached, then clean; dpkg -P leaves no
#              file behind (guest-upgrade.sh)
# Writes "passed failed" to $BUILD/results/install.count; exit 0 only if
# every check passed and both VM runs ended cleanly.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
TIMEOUT=${VMTEST_INSTALL_TIMEOUT:-1800}
cd "$ROOT" || exit 1
. tests/install/lib.sh

mkdir -p "$BUILD/results"
COUNT=$BUILD/results/install.count
WORK=$BUILD/install
rm -rf "$WORK"
mkdir -p "$WORK"
t_start=$SECONDS

VERSION=$(cat VERSION)
OLD_KV=$(bash tests/kdir.sh --release 2>/dev/null)
NEW_KV=$(for d in /lib/modules/6.12.*-amd64; do
	[ -d "$d" ] && [[ $d != *-rt-* ]] && echo "${d##*/}"
done | sort -V | tail -n 1)
DEB_DIR=$BUILD/deb
DKMS_DEB=$DEB_DIR/tcpstate-dkms_${VERSION}_all.deb
TOOL_DEB=$DEB_DIR/tcpstate_${VERSION}_amd64.deb

missing=
for f in tcpstate.ko tools/tcpstate "$DKMS_DEB" "$TOOL_DEB"; do
	[ -e "$f" ] || missing+=" $f"
done
[ -n "$OLD_KV" ] || missing+=" (Debian's default kernel: tests/kdir.sh --release)"
[ -e tcpstate.ko ] && [ "$(/sbin/modinfo -F vermagic tcpstate.ko | cut -d' ' -f1)" != "$OLD_KV" ] &&
	missing+=" (tcpstate.ko built for $OLD_KV: make KVER=$OLD_KV)"
[ -n "$NEW_KV" ] && [ -e "/lib/modules/$NEW_KV/build/include" ] ||
	missing+=" (a 6.12 kernel with headers: linux-image/headers-6.12.*-amd64)"
for c in dkms lintian mandoc; do
	command -v $c >/dev/null || missing+=" $c"
done
if [ -n "$missing" ]; then
	echo "install: missing:$missing (make all deb; tests/deps.sh)" >&2
	echo "0 1" > "$COUNT"
	echo "0 passed, 1 failed"
	exit 1
fi

# --- on the host -------------------------------------------------------------------------
echo "=== host: man pages, packages, make install (staged), refusals"
for m in man/tcpstate.8 man/tcpstate.4; do
	check_eq "mandoc -T lint $m" "" "$(mandoc -T lint "$m" 2>&1)"
	check_eq "man --warnings $m" "" "$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)"
done
lintian --pedantic --fail-on error,warning,info,pedantic "$DKMS_DEB" "$TOOL_DEB" >"$WORK/lintian.log" 2>&1
rc=$?
out=$(grep -v '^running with root privileges is not recommended!$' "$WORK/lintian.log")
check_eq "lintian --pedantic: both packages clean (overrides explained in packaging/debian)" "0 " "$rc $out"
check_eq "tcpstate-dkms: control" "tcpstate-dkms $VERSION all dkms (>= 2.1.0.0)" \
	"$(dpkg-deb -f "$DKMS_DEB" Package Version Architecture Depends | sed 's/^[^:]*: //' | tr '\n' ' ' | sed 's/ $//')"
check_eq "tcpstate: control" "tcpstate $VERSION amd64 tcpstate-dkms (= $VERSION)" \
	"$(dpkg-deb -f "$TOOL_DEB" Package Version Architecture Recommends | sed 's/^[^:]*: //' | tr '\n' ' ' | sed 's/ $//')"
check_eq "tcpstate-dkms: the DKMS tree" \
	"./usr/src/tcpstate-$VERSION/Kbuild ./usr/src/tcpstate-$VERSION/VERSION ./usr/src/tcpstate-$VERSION/dkms.conf" \
	"$(dpkg-deb -c "$DKMS_DEB" | awk '{print $6}' | grep -E "^\./usr/src/tcpstate-$VERSION/[^/]+$" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "dkms.conf: the version from VERSION" "tcpstate $VERSION" \
	"$(bash -c '. ./dkms.conf; echo "$PACKAGE_NAME $PACKAGE_VERSION"')"
check_eq "tcpstate.ko: MODULE_VERSION" "$VERSION" "$(/sbin/modinfo -F version tcpstate.ko)"
check_eq "tools/tcpstate --version" "tcpstate $VERSION" "$(tools/tcpstate --version | head -n 1 | cut -d' ' -f1-2)"
x=$WORK/pkg-tool
dpkg-deb -x "$TOOL_DEB" "$x"
check_eq "the packaged tool's --version" "tcpstate $VERSION" "$("$x/usr/sbin/tcpstate" --version | head -n 1 | cut -d' ' -f1-2)"
check_eq "the packaged tcpstate(8) says $VERSION" "tcpstate $VERSION" \
	"$(zcat "$x/usr/share/man/man8/tcpstate.8.gz" | sed -n 's/^\.TH TCPSTATE 8 [^ ]* "\([^"]*\)".*/\1/p')"

# make install, staged
d=$WORK/destdir
run_cmd "${MK[@]}" install DESTDIR="$d" PREFIX=/usr
check_eq "make install DESTDIR= PREFIX=/usr: status" 0 "$RC"
kv=$(/sbin/modinfo -F vermagic tcpstate.ko | cut -d' ' -f1)
check_eq "make install DESTDIR=: the files" \
	"/etc/modprobe.d/tcpstate.conf
/etc/tcpstate/exporter.conf
/lib/modules/$kv/updates/tcpstate.ko
/usr/lib/systemd/system/tcpstate-exporter.service
/usr/sbin/tcpstate
/usr/share/bash-completion/completions/tcpstate
/usr/share/doc/tcpstate/examples/prometheus.yml
/usr/share/doc/tcpstate/examples/tcpstate-rules.yml
/usr/share/doc/tcpstate/modprobe.d-tcpstate.conf
/usr/share/locale/zh_CN/LC_MESSAGES/tcpstate.mo
/usr/share/man/man4/tcpstate.4
/usr/share/man/man8/tcpstate.8" \
	"$(cd "$d" && find . -type f | sed 's|^\.||' | LC_ALL=C sort)"
check_contains "make install DESTDIR=: no depmod, says so" "DESTDIR set: run 'depmod -a $kv' on the target" "$OUT"
run_cmd "${MK[@]}" uninstall DESTDIR="$d" PREFIX=/usr
check_eq "make uninstall DESTDIR=: status" 0 "$RC"
check_eq "make uninstall DESTDIR=: no file left" "" "$(find "$d" -type f)"

# refusals
run_cmd setpriv --reuid=65534 --regid=65534 --clear-groups "${MK[@]}" install
check_eq "make install, not root: fails" 2 "$RC"
check_contains "make install, not root: says what it needs" \
	"make install: needs root: it writes /lib/modules/$kv/updates, /usr/local, /etc/modprobe.d and /etc/tcpstate and runs depmod; run 'sudo make install', or stage it with DESTDIR=/some/dir" "$OUT"
run_cmd setpriv --reuid=65534 --regid=65534 --clear-groups "${MK[@]}" dkms-install
check_eq "make dkms-install, not root: fails" 2 "$RC"
check_contains "make dkms-install, not root: says what it needs" \
	"make dkms-install: needs root: it writes /usr/src, /var/lib/dkms and /lib/modules; run 'sudo make dkms-install'" "$OUT"
run_cmd "${MK[@]}" dkms-install KVER=0.0.0-noheaders
check_eq "make dkms-install KVER=<no headers>: fails" 2 "$RC"
check_contains "make dkms-install KVER=<no headers>: says so" \
	"make dkms-install: no headers for kernel 0.0.0-noheaders (/lib/modules/0.0.0-noheaders/build): apt-get install linux-headers-0.0.0-noheaders" "$OUT"
check_no_file "make dkms-install KVER=<no headers>: nothing written" "/usr/src/tcpstate-$VERSION"

# --tcpstate --version's ABI-mismatch check in the guest: the unit tests'
# LD_PRELOAD stand-in for the module's TCPSTATE_IOC_INFO.
FAKE=$WORK/fake_ioctl.so
if cc -std=c11 -D_GNU_SOURCE -Wall -Werror -Imodule/uapi -fPIC -shared -o "$FAKE" tests/unit/fake_ioctl.c; then
	pass "build the TCPSTATE_IOC_INFO stand-in"
else
	fail "build the TCPSTATE_IOC_INFO stand-in" "cc failed"
fi
host_p=$PASSED host_f=$FAILED

# --- the DKMS builds' compiler cache ---------------------------------------------------------
# DKMS compiles the module in the guest, where TCG makes gcc some 30
# times slower: 375 s and 505 s for the two builds, 880 of the suite's
# 1290 s. So the host first compiles what the guest will: the DKMS tree
# of the package, copied where DKMS puts it (/var/lib/dkms, a tmpfs in a
# mount namespace of its own: nothing of the host's changes), with
# DKMS's own make command, the same headers and compiler (the guest's /
# is the host's), into a ccache. The guest's DKMS builds then use it
# through Debian's switch for the kernel headers, DEBIAN_KERNEL_USE_CCACHE
# (CC = ccache gcc-12): DKMS, make, Kbuild, modpost and the link all run
# in the guest as they would on a user's machine, and ccache hands over
# objects identical to what gcc would write there. The guest counts its
# hits and misses and prints them; a miss only costs time.
CCACHE_ENV+=(CCACHE_DIR="$WORK/ccache")
dkms_cache_fill() {
	local kv=$1 src=$WORK/pkg-dkms/usr/src/tcpstate-$VERSION
	[ -d "$src" ] || dpkg-deb -x "$DKMS_DEB" "$WORK/pkg-dkms" || return 1
	env "${CCACHE_ENV[@]}" unshare -m --propagation private bash -c '
		set -e
		mount -t tmpfs tcpstate-dkms /var/lib/dkms
		b=/var/lib/dkms/tcpstate/$2/build
		mkdir -p "$b"
		cp -r "$1"/. "$b"
		make -j"$(nproc)" KERNELRELEASE="$3" -C "/lib/modules/$3/build" M="$b"
	' fill "$src" "$VERSION" "$kv" > "$WORK/ccache-fill-$kv.log" 2>&1
}
INSTALL_CCACHE=
if command -v ccache >/dev/null; then
	t0=$SECONDS
	if dkms_cache_fill "$OLD_KV" && dkms_cache_fill "$NEW_KV"; then
		INSTALL_CCACHE=$WORK/ccache
		echo "the DKMS builds' ccache filled on the host in $((SECONDS - t0)) s:" \
			"$(env "${CCACHE_ENV[@]}" ccache --print-stats | awk '$1 == "cache_miss" { print $2 }') compilations"
		env "${CCACHE_ENV[@]}" ccache -z >/dev/null
	else
		echo "note: the DKMS builds' ccache could not be filled (see $WORK/ccache-fill-*.log): the guest compiles everything itself"
	fi
else
	echo "note: no ccache (tests/deps.sh installs it): the guest compiles everything itself"
fi

# --- in the VM -----------------------------------------------------------------------------
# vm_run NAME KVER SCRIPT: one boot; sets VP VF (its counts, a bad run
# counted as a failure) and NOTE
vm_run() {
	local name=$1 kver=$2 script=$3 out=$BUILD/vm/$1 status t0=$SECONDS
	echo
	echo "=== $name: kernel $kver: tests/vm/vm.sh --name $name --kver $kver -- bash $script"
	VM_ENV="INSTALL_DEB_DIR INSTALL_NEW_KVER INSTALL_FAKE_IOCTL INSTALL_CARRY INSTALL_CCACHE" \
	INSTALL_CCACHE=$INSTALL_CCACHE INSTALL_DEB_DIR=$DEB_DIR INSTALL_NEW_KVER=$NEW_KV INSTALL_FAKE_IOCTL=$FAKE \
	INSTALL_CARRY=$WORK/carry.tar \
	VM_QEMU_OPTS="-virtfs local,path=/,mount_tag=tcpstate-host,security_model=none,readonly=on,multidevs=remap" \
		bash tests/vm/vm.sh --name "$name" --kver "$kver" --timeout "$TIMEOUT" -- bash "$script"
	status=$?
	VP=0 VF=0 NOTE=
	if ! { [ -r "$out/counts" ] && read -r VP VF <"$out/counts" &&
		[[ $VP =~ ^[0-9]+$ && $VF =~ ^[0-9]+$ ]]; }; then
		VP=0 VF=0 NOTE="no counts written"
	fi
	case $status in
	0) ;;
	124) NOTE="${NOTE:+$NOTE; }VM TIMED OUT after ${TIMEOUT}s" ;;
	125) NOTE="${NOTE:+$NOTE; }KERNEL PROBLEM on the VM console (see $out/console.log)" ;;
	126) NOTE="${NOTE:+$NOTE; }the test command never ran in the VM" ;;
	*) NOTE="${NOTE:+$NOTE; }guest exit status $status" ;;
	esac
	if [ -n "$NOTE" ] && [ "$VF" -eq 0 ]; then VF=1; fi
	SUMMARY+=("$name ($kver): $VP passed, $VF failed in $((SECONDS - t0)) s (vm.sh status $status)${NOTE:+  <-- $NOTE}")
	if [ -s "$out/output.log" ]; then
		SUMMARY+=("$(tr -d '\r' <"$out/output.log" | sed -n 's/^\(TIME .*\)/    \1/p; s/^\(FAIL .*\)/    \1/p')")
	fi
}

SUMMARY=("host: $host_p passed, $host_f failed")
total_p=$host_p total_f=$host_f
if [ -n "${INSTALL_HOST_ONLY:-}" ]; then # development: the host checks only
	printf '%s\n' "${SUMMARY[@]}"
	[ "$total_f" -eq 0 ]
	exit
fi
vm_run install-1 "$OLD_KV" tests/install/guest-install.sh
total_p=$((total_p + VP)) total_f=$((total_f + VF))
if [ -s "$BUILD/vm/install-1/carry.tar" ]; then
	cp "$BUILD/vm/install-1/carry.tar" "$WORK/"
	vm_run install-2 "$NEW_KV" tests/install/guest-upgrade.sh
	total_p=$((total_p + VP)) total_f=$((total_f + VF))
else
	SUMMARY+=("install-2 ($NEW_KV): not run: the first boot wrote no carry.tar  <-- 1 failed")
	total_f=$((total_f + 1))
fi

echo
echo "=== install summary ($((SECONDS - t_start)) s)"
printf '%s\n' "${SUMMARY[@]}"
echo "$total_p $total_f" >"$COUNT"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
