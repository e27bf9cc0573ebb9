#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/guest-install.sh - the install suite's first VM boot
# (tests/install/run.sh), on Debian's 6.1 kernel:
#   1. make install: modprobe loads it from updates/; make uninstall
#      leaves no file behind
#   2. dpkg -i both packages, the other kernels' headers hidden: DKMS
#      builds for the running kernel only and names each kernel it skips;
#      modprobe with /etc/modprobe.d options; tcpstate dump traces a
#      connection; --version and its warnings; man; bash completion; the
#      exporter's systemd unit (installed, not enabled, systemd-analyze
#      verify) and its files
#   3. the kernel upgrade: the 6.12 headers appear, the kernel package's
#      hook /etc/kernel/postinst.d/dkms builds the module for 6.12
#   4. the installed state (the packages' files, dpkg's and DKMS's
#      records, both kernels' updates/ and depmod files) is written to
#      $TCPSTATE_OUT/carry.tar for the second boot (guest-upgrade.sh)
# Env: INSTALL_DEB_DIR (the .debs), INSTALL_NEW_KVER (6.12), INSTALL_FAKE_IOCTL
# (tests/unit/fake_ioctl.c built by run.sh). Writes counts and carry.tar.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
. tests/install/lib.sh

OUTDIR=$TCPSTATE_OUT
KV=$(uname -r)
NEW_KV=$INSTALL_NEW_KVER
VERSION=$(cat VERSION)
ABI=$(sed -n 's/^#define TCPSTATE_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' module/uapi/tcpstate.h)
DKMS_DEB=$INSTALL_DEB_DIR/tcpstate-dkms_${VERSION}_all.deb
TOOL_DEB=$INSTALL_DEB_DIR/tcpstate_${VERSION}_amd64.deb


echo "=== guest: kernel $KV, tcpstate $VERSION (ABI $ABI)"
# The man-db trigger would re-index every man page over 9p (minutes under
# TCG); man -w finds the pages without the index.
rm -f /var/lib/man-db/auto-update
if mount_host_root; then
	pass "mount the host's / again, to tell the guest's changes"
else
	fail "mount the host's / again, to tell the guest's changes" "mount failed"
fi
BASE=$(overlay_changes)
echo "guest changes before the tests: [${BASE}]"
# depmod over the kernels' own modules is most of what this suite would
# cost in the VM: hidden (lib.sh).
hide_module_trees

# ccache_said: ", ccache: N hits, M misses" since the last call (nothing
# without the host's cache), for the TIME lines.
ccache_said() {
	[ -n "${INSTALL_CCACHE:-}" ] || return 0
	ccache --print-stats | awk '
		$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { hits += $2 }
		$1 == "cache_miss" { miss = $2 }
		END { printf ", ccache: %d hits, %s misses\n", hits, miss == "" ? "?" : miss }'
	ccache -z >/dev/null
}

# traced_connection TOOL LABEL: a connection to a fresh port while
# "TOOL dump" runs (dump_during); checks what dump printed of it.
traced_connection() {
	local tool=$1 label=$2 port dump line
	dump_during "$tool" python3 -c "$(cat <<'PY'
import socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
port = srv.getsockname()[1]
cli = socket.create_connection(("127.0.0.1", port))
conn, _ = srv.accept()
cli.sendall(b"abc")
conn.recv(3)
cli.close()
conn.close()
srv.close()
print(port)
PY
)"
	port=$CMD_OUT dump=$DUMP
	check_eq "$label: dump exits 0 on SIGINT" 0 "$DUMP_RC"
	line=$(grep -E " 127\.0\.0\.1:[0-9]+ +-> 127\.0\.0\.1:$port +SYN_SENT -> ESTABLISHED$" <<<"$dump")
	echo "    $line"
	if [ -n "$line" ]; then
		pass "$label: dump shows the connect to port $port (SYN_SENT -> ESTABLISHED)"
	else
		fail "$label: dump shows the connect to port $port" "no such line in $(wc -l <<<"$dump") lines"
	fi
	line=$(grep -cE "127\.0\.0\.1:$port .*(out |in  )(SYN|SYN\|ACK|FIN\|ACK) " <<<"$dump")
	check_eq "$label: dump shows SYN, SYN|ACK and both FIN|ACK, each in and out" 8 "$line"
}

# check_unit LABEL UNIT SBINDIR: the exporter's unit as installed: it runs
# SBINDIR/tcpstate, it is not enabled, and systemd-analyze verify (when
# there is one) has nothing to say about it (--man=no: the man pages are
# checked on their own below).
check_unit() {
	local label=$1 unit=$2 sbindir=$3
	check_file "$label: the exporter's systemd unit" "$unit"
	check_eq "$label: the unit runs the installed tool" \
		"ExecStart=$sbindir/tcpstate exporter --config /etc/tcpstate/exporter.conf" \
		"$(grep '^ExecStart=' "$unit" 2>&1)"
	check_no_file "$label: the unit is not enabled" \
		/etc/systemd/system/multi-user.target.wants/tcpstate-exporter.service
	check_file "$label: the exporter's options file" /etc/tcpstate/exporter.conf
	if command -v systemd-analyze >/dev/null; then
		run_cmd systemd-analyze verify --man=no "$unit"
		check_eq "$label: systemd-analyze verify the unit" "0 []" "$RC [$OUT]"
	else
		echo "    (no systemd-analyze: the unit is not verified)"
	fi
}

# --- 1. make install / make uninstall ------------------------------------------------
echo "=== make install"

run_cmd "${MK[@]}" install
check_eq "make install: exit status" 0 "$RC"
check_file "make install: the module in /lib/modules/$KV/updates/" "/lib/modules/$KV/updates/tcpstate.ko"
check_file "make install: the tool in /usr/local/sbin" /usr/local/sbin/tcpstate
check_file "make install: the modprobe.d example" /etc/modprobe.d/tcpstate.conf
check_unit "make install" /usr/local/lib/systemd/system/tcpstate-exporter.service /usr/local/sbin
for f in prometheus.yml tcpstate-rules.yml; do
	check_file "make install: the example $f" "/usr/local/share/doc/tcpstate/examples/$f"
done
check_eq "make install: depmod ran (modinfo -n)" "/lib/modules/$KV/updates/tcpstate.ko" "$(modinfo -n tcpstate)"
run_cmd modprobe tcpstate
check_eq "make install: modprobe tcpstate" 0 "$RC"
check_eq "make install: the installed module is loaded" \
	"$(modinfo -F srcversion tcpstate.ko)" "$(cat /sys/module/tcpstate/srcversion 2>&1)"
# Debian's /usr/local/man is a link to share/man: man -w may name either.
check_eq "make install: man -w tcpstate" /usr/local/share/man/man8/tcpstate.8 \
	"$(readlink -f "$(man -w tcpstate 2>&1)")"
check_eq "make install: the man page's version" "tcpstate $VERSION" \
	"$(sed -n 's/^\.TH TCPSTATE 8 [^ ]* "\([^"]*\)".*/\1/p' /usr/local/share/man/man8/tcpstate.8)"
traced_connection /usr/local/sbin/tcpstate "make install"
run_cmd modprobe -r tcpstate
check_eq "make install: modprobe -r tcpstate" 0 "$RC"
run_cmd "${MK[@]}" uninstall
check_eq "make uninstall: exit status" 0 "$RC"
check_overlay "make uninstall: no file left behind (the guest's changes against the host's /)" "$BASE"
run_cmd modprobe tcpstate
check_contains "make uninstall: modprobe no longer finds it" \
	"modprobe: FATAL: Module tcpstate not found in directory /lib/modules/$KV" "$OUT"

# --- 2. the packages ----------------------------------------------------------------
echo "=== dpkg -i, the other kernels' headers hidden"
hidden=()
for dir in /lib/modules/*; do
	k=${dir##*/}
	[ "$k" = "$KV" ] && continue
	[ -L "$dir/build" ] || continue
	readlink "$dir/build" > "/run/build-link-$k"
	rm "$dir/build"
	hidden+=("$k")
done
echo "hidden: ${hidden[*]}"
# The host's compiler cache for DKMS's builds (run.sh): dpkg, DKMS and the
# kernel's postinst.d hook pass the environment on to make.
if [ -n "${INSTALL_CCACHE:-}" ]; then
	export "${CCACHE_ENV[@]}" CCACHE_DIR="$INSTALL_CCACHE"
	ccache -z >/dev/null
fi
t0=$SECONDS
run_cmd dpkg -i "$DKMS_DEB" "$TOOL_DEB"
echo "TIME dpkg -i (one DKMS build, $KV): $((SECONDS - t0)) s$(ccache_said)"
check_eq "dpkg -i: exit status" 0 "$RC"
for k in "${hidden[@]}"; do
	check_contains "dpkg -i: names $k, which has no headers" \
		"tcpstate-dkms: kernel $k: no headers (/lib/modules/$k/build): not built; apt-get install linux-headers-$k builds it" "$OUT"
done
check_contains "dpkg -i: built and installed for $KV" \
	"tcpstate-dkms: kernel $KV: installed; load it with: modprobe tcpstate" "$OUT"
check_eq "dkms status after dpkg -i" "tcpstate/$VERSION, $KV, x86_64: installed" \
	"$(dkms status -m tcpstate 2>/dev/null)"
check_eq "dpkg -s tcpstate-dkms" "install ok installed $VERSION" \
	"$(dpkg-query -W -f='${Status} ${Version}' tcpstate-dkms 2>&1)"
check_eq "dpkg -s tcpstate" "install ok installed $VERSION" \
	"$(dpkg-query -W -f='${Status} ${Version}' tcpstate 2>&1)"
ko=$(modinfo -n tcpstate 2>&1)
check_eq "the DKMS module is what modprobe finds" "/lib/modules/$KV/updates/dkms/tcpstate.ko" "$ko"
check_eq "modinfo: version" "$VERSION" "$(modinfo -F version tcpstate 2>&1)"
# Every parameter has a description: "name:description[ (type)]" (the
# parameters with their own parsers, module_param_cb, have no type).
parms=$(modinfo -F parm tcpstate | sed -n 's/^\([a-z_]*\):\(.*[^ ].*\)$/\1/p' | LC_ALL=C sort | tr '\n' ' ')
check_eq "modinfo: a description for every parameter" \
	"blocklist family hook max_sessions nr_records ports require segments tw_capacity wakeup_ms " "$parms"

echo "=== modprobe, options from /etc/modprobe.d/tcpstate.conf"
check_eq "the conffile is the commented example" "" \
	"$(diff packaging/modprobe.d/tcpstate.conf /etc/modprobe.d/tcpstate.conf)"
echo "options tcpstate nr_records=1024 segments=all" >> /etc/modprobe.d/tcpstate.conf
run_cmd modprobe tcpstate
check_eq "modprobe tcpstate" 0 "$RC"
check_eq "the loaded module is the DKMS build" \
	"$(modinfo -F srcversion "$ko")" "$(cat /sys/module/tcpstate/srcversion 2>&1)"
check_eq "modprobe.d: nr_records" 1024 "$(cat /sys/module/tcpstate/parameters/nr_records 2>&1)"
check_eq "modprobe.d: segments" all "$(cat /sys/module/tcpstate/parameters/segments 2>&1)"
traced_connection /usr/sbin/tcpstate "package"
check_unit "package" /lib/systemd/system/tcpstate-exporter.service /usr/sbin
check_eq "package: /etc/tcpstate/exporter.conf is a conffile" /etc/tcpstate/exporter.conf \
	"$(grep -x /etc/tcpstate/exporter.conf /var/lib/dpkg/info/tcpstate.conffiles 2>&1)"
for f in prometheus.yml tcpstate-rules.yml; do
	check_file "package: the example $f" "/usr/share/doc/tcpstate/examples/$f"
done

echo "=== tcpstate --version"
out=$(/usr/sbin/tcpstate --version 2>"$OUTDIR/err"); rc=$?
check_eq "--version: status" 0 "$rc"
check_eq "--version: tool and module" \
	"tcpstate $VERSION (record ABI version $ABI)"$'\n'"module $VERSION (record ABI version $ABI)" "$out"
check_eq "--version: no warning" "" "$(cat "$OUTDIR/err")"
echo 0.8.0 > /run/fake-version
mount --bind /run/fake-version /sys/module/tcpstate/version
out=$(/usr/sbin/tcpstate --version 2>"$OUTDIR/err"); rc=$?
umount /sys/module/tcpstate/version
check_eq "--version, other module version: status" 0 "$rc"
check_eq "--version, other module version: output" \
	"tcpstate $VERSION (record ABI version $ABI)"$'\n'"module 0.8.0 (record ABI version $ABI)" "$out"
check_eq "--version, other module version: the warning" \
	"tcpstate: warning: the loaded module is version 0.8.0, this tool is $VERSION: install both from one release" \
	"$(cat "$OUTDIR/err")"
out=$(LD_PRELOAD=$INSTALL_FAKE_IOCTL TCPSTATE_FAKE_VERSION=1 /usr/sbin/tcpstate --version 2>"$OUTDIR/err"); rc=$?
check_eq "--version, other record ABI: status" 0 "$rc"
check_eq "--version, other record ABI: output" \
	"tcpstate $VERSION (record ABI version $ABI)"$'\n'"module $VERSION (record ABI version 1)" "$out"
check_eq "--version, other record ABI: the warning" \
	"tcpstate: warning: the loaded module writes record ABI version 1, this tool reads version $ABI: dump and conns will refuse its records" \
	"$(cat "$OUTDIR/err")"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/sbin/tcpstate --version 2>"$OUTDIR/err"); rc=$?
check_eq "--version, not root: status" 0 "$rc"
check_eq "--version, not root: the ABI needs CAP_NET_ADMIN" \
	"tcpstate $VERSION (record ABI version $ABI)"$'\n'"module $VERSION (record ABI unknown: opening /dev/tcpstate needs CAP_NET_ADMIN (root))" "$out"
# Each open is a session: busy means max_sessions of them are open.
echo 1 > /sys/module/tcpstate/parameters/max_sessions
exec 5</dev/tcpstate
out=$(/usr/sbin/tcpstate --version 2>"$OUTDIR/err" 5<&-); rc=$?
exec 5<&-
echo 16 > /sys/module/tcpstate/parameters/max_sessions
check_eq "--version, every session taken: output" \
	"tcpstate $VERSION (record ABI version $ABI)"$'\n'"module $VERSION (record ABI unknown: /dev/tcpstate: every session is taken (max_sessions))" "$out"

echo "=== man pages"
check_eq "man -w tcpstate" /usr/share/man/man8/tcpstate.8.gz "$(man -w tcpstate 2>&1)"
check_eq "man -w 4 tcpstate" /usr/share/man/man4/tcpstate.4.gz "$(man -w 4 tcpstate 2>&1)"
for p in /usr/share/man/man8/tcpstate.8.gz /usr/share/man/man4/tcpstate.4.gz; do
	w=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
	check_eq "man --warnings $p" "" "$w"
done
check_contains "man tcpstate: the version" "tcpstate $VERSION" "$(MANWIDTH=80 man -P cat tcpstate 2>/dev/null | tail -n 1)"

echo "=== bash completion (a user's shell: /etc/skel/.bashrc)"
H=/run/home
mkdir -p "$H"
cp /etc/skel/.bashrc "$H/.bashrc"
out=$(HOME=$H bash -ic 'complete -p tcpstate' 2>/dev/null)
check_eq "bash -ic 'complete -p tcpstate'" "complete -F _tcpstate tcpstate" "$out"
out=$(HOME=$H bash -ic '. tests/install/complete-check.sh' 2>/dev/null)
check_eq "completion: subcommands, options, states, parameter values" \
	"$(cat tests/install/complete.expected)" "$out"
# modprobe's own completion still works under the wrapper.
out=$(HOME=$H bash -ic '
	COMP_LINE="modprobe tcp_bb"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(modprobe tcp_bb); COMP_CWORD=1
	_tcpstate_wrap_modprobe modprobe tcp_bb modprobe 2>/dev/null; echo "${COMPREPLY[*]}"' 2>/dev/null)
check_eq "completion: modprobe's own (module names) still works" tcp_bbr "$out"

# --- 3. the kernel upgrade: headers for 6.12 appear -----------------------------------
echo "=== kernel upgrade: $NEW_KV's headers appear, its postinst.d hook runs"
ln -s "$(cat "/run/build-link-$NEW_KV")" "/lib/modules/$NEW_KV/build"
t0=$SECONDS
run_cmd /etc/kernel/postinst.d/dkms "$NEW_KV"
echo "TIME /etc/kernel/postinst.d/dkms $NEW_KV (one DKMS build): $((SECONDS - t0)) s$(ccache_said)"
check_eq "postinst.d/dkms $NEW_KV: exit status" 0 "$RC"
check_eq "dkms status after the upgrade" \
	"tcpstate/$VERSION, $KV, x86_64: installed"$'\n'"tcpstate/$VERSION, $NEW_KV, x86_64: installed" \
	"$(dkms status -m tcpstate 2>/dev/null | LC_ALL=C sort)"
newko=$(modinfo -k "$NEW_KV" -n tcpstate 2>&1)
check_contains "modinfo -k $NEW_KV: the DKMS module" "/lib/modules/$NEW_KV/updates/dkms/tcpstate.ko" "$newko"
check_eq "the $NEW_KV module's vermagic" "$NEW_KV" "$(modinfo -F vermagic "$newko" 2>&1 | cut -d' ' -f1)"
check_eq "the $NEW_KV module's version" "$VERSION" "$(modinfo -F version "$newko" 2>&1)"

# --- 4. what a reboot keeps ------------------------------------------------------------
modprobe -r tcpstate
carry=(var/lib/dpkg/status var/lib/dkms etc/modprobe.d/tcpstate.conf)
for f in $(dpkg -L tcpstate tcpstate-dkms); do
	[ -f "$f" ] || [ -L "$f" ] && carry+=("${f#/}")
done
for f in /var/lib/dpkg/info/tcpstate*; do carry+=("${f#/}"); done
for k in "$KV" "$NEW_KV"; do
	carry+=("lib/modules/$k/updates")
	for f in /lib/modules/"$k"/modules.*; do carry+=("${f#/}"); done
done
if tar -C / -cf "$OUTDIR/carry.tar" "${carry[@]}"; then
	pass "the installed state written for the second boot ($(du -k "$OUTDIR/carry.tar" | cut -f1) KiB)"
else
	fail "the installed state written for the second boot" "tar failed"
fi

finish "$OUTDIR/counts"
