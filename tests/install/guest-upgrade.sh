#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/guest-upgrade.sh - the install suite's second VM boot
# (tests/install/run.sh), on the new kernel (6.12): the "reboot" after the
# kernel upgrade.
#   1. what the first boot installed comes back (carry.tar: the guest's
#      overlay is a tmpfs, so a reboot is simulated by restoring exactly
#      what dpkg, DKMS and depmod wrote); no DKMS build happens here
#   2. modprobe tcpstate loads the module DKMS built for this kernel while
#      the old one ran; tcpstate dump traces a connection; --version
#   3. dpkg -r tcpstate-dkms refuses while a reader holds /dev/tcpstate
#      (the package stays installed, the module loaded), then unloads the
#      module and removes it once the reader is gone; dpkg -P of both
#      leaves no file behind: the guest's files against the host's /, the
#      same as before the restore
# Env: INSTALL_CARRY (carry.tar).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
. tests/install/lib.sh

OUTDIR=$TCPSTATE_OUT
KV=$(uname -r)
VERSION=$(cat VERSION)
ABI=$(sed -n 's/^#define TCPSTATE_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' module/uapi/tcpstate.h)

echo "=== guest: kernel $KV (the upgrade), tcpstate $VERSION"
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

# --- 1. the installed state, as a reboot keeps it -----------------------------------
run_cmd tar -C / -xpf "$INSTALL_CARRY"
check_eq "restore the installed state" 0 "$RC"
check_eq "dpkg -s tcpstate-dkms" "install ok installed $VERSION" \
	"$(dpkg-query -W -f='${Status} ${Version}' tcpstate-dkms 2>&1)"
check_eq "dkms status: built for $KV by the first boot" "tcpstate/$VERSION, $KV, x86_64: installed" \
	"$(dkms status -m tcpstate -k "$KV" 2>/dev/null)"

# --- 2. the DKMS-built module on the new kernel -------------------------------------
ko=$(modinfo -n tcpstate 2>&1)
check_contains "modprobe finds the DKMS module" "/lib/modules/$KV/updates/dkms/tcpstate.ko" "$ko"
run_cmd modprobe tcpstate
check_eq "modprobe tcpstate on $KV" 0 "$RC"
check_eq "the loaded module is the DKMS build" \
	"$(modinfo -F srcversion "$ko")" "$(cat /sys/module/tcpstate/srcversion 2>&1)"
check_eq "modprobe.d options (carried conffile)" 1024 "$(cat /sys/module/tcpstate/parameters/nr_records 2>&1)"
out=$(/usr/sbin/tcpstate --version 2>&1)
check_eq "tcpstate --version on $KV" \
	"tcpstate $VERSION (record ABI version $ABI)"$'\n'"module $VERSION (record ABI version $ABI)" "$out"
dump_during /usr/sbin/tcpstate python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.close(); a.close(); print(s.getsockname()[1])'
port=$CMD_OUT dump=$DUMP
check_eq "dump exits 0 on SIGINT" 0 "$DUMP_RC"
line=$(grep -E " 127\.0\.0\.1:[0-9]+ +-> 127\.0\.0\.1:$port +SYN_SENT -> ESTABLISHED$" <<<"$dump")
echo "    $line"
if [ -n "$line" ]; then
	pass "dump on $KV shows the connect to port $port"
else
	fail "dump on $KV shows the connect to port $port" "no such line in $(wc -l <<<"$dump") lines"
fi

# --- 3. removal ---------------------------------------------------------------------------
echo "=== dpkg -r while a reader holds /dev/tcpstate"
exec 5</dev/tcpstate
run_cmd dpkg -r tcpstate-dkms 5<&-
check_eq "dpkg -r with a reader: refused" 1 "$RC"
check_contains "dpkg -r with a reader: says why" \
	"tcpstate-dkms: the tcpstate module is in use: a reader has /dev/tcpstate open (fuser -v /dev/tcpstate shows it); stop it, then remove the package again" "$OUT"
check_eq "dpkg -r with a reader: still installed" "install ok installed" \
	"$(dpkg-query -W -f='${Status}' tcpstate-dkms 2>&1 | sed 's/^deinstall /install /')"
check_file "dpkg -r with a reader: the module is still loaded" /sys/module/tcpstate
check_file "dpkg -r with a reader: its file is still there" "$ko"
exec 5<&-

echo "=== dpkg -r, the reader gone"
run_cmd dpkg -r tcpstate-dkms
check_eq "dpkg -r tcpstate-dkms" 0 "$RC"
check_contains "dpkg -r: unloads the module" "tcpstate-dkms: unloaded the tcpstate module" "$OUT"
check_no_file "dpkg -r: the module is unloaded" /sys/module/tcpstate
check_eq "dpkg -r: dkms knows no tcpstate" "" "$(dkms status -m tcpstate 2>/dev/null)"
for k in /lib/modules/*; do
	check_eq "dpkg -r: no tcpstate.ko left for ${k##*/}" "" \
		"$(find "$k/updates" -name 'tcpstate.ko*' 2>/dev/null)"
done
run_cmd modprobe tcpstate
check_contains "dpkg -r: modprobe no longer finds it" \
	"modprobe: FATAL: Module tcpstate not found in directory /lib/modules/$KV" "$OUT"
check_file "dpkg -r: the conffile stays until purge" /etc/modprobe.d/tcpstate.conf
run_cmd dpkg -r tcpstate
check_eq "dpkg -r tcpstate" 0 "$RC"
check_no_file "dpkg -r: the tool is gone" /usr/sbin/tcpstate
check_no_file "dpkg -r: the exporter's unit is gone" /lib/systemd/system/tcpstate-exporter.service
check_file "dpkg -r: the exporter's options (a conffile) stay until purge" /etc/tcpstate/exporter.conf

echo "=== dpkg -P"
run_cmd dpkg -P tcpstate-dkms tcpstate
check_eq "dpkg -P both" 0 "$RC"
check_eq "dpkg -P: dpkg knows neither" "" \
	"$(dpkg-query -W -f='${Package} ${Status}\n' tcpstate tcpstate-dkms 2>/dev/null)"
# Left out of the comparison: DKMS's own module-signing key, made by its
# first build for any module and shared by all (/var/lib/dkms/mok.*).
check_overlay "dpkg -P: no file left behind (the guest's changes against the host's /)" "$BASE" \
	'\+var/lib/dkms/mok\.(key|pub)'

finish "$OUTDIR/counts"
