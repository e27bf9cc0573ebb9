#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# capture.sh - the records a bench workload really makes, for timing the
# tool on the host (tool.py --capture).
#
#   tests/bench/capture.sh [WORKLOAD ARGS...]   (default: churn 3000)
#
# Boots the test VM (one vCPU), loads tcpstate.ko with segments=control
# (as the bench's tcpstate-control configurations), reads /dev/tcpstate
# with dd while build/bench/loadgen runs WORKLOAD, and writes what dd read
# to build/bench/capture/WORKLOAD.bin: 128-byte records as the device
# returns them. toolgen.py's stream replays the fixtures with every
# replica's ports and namespace moved; a capture has the shape of a real
# load instead (one client, one server, ports in sequence), which is how
# the connection index's clustering was found.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
(($#)) || set -- churn 3000
case $1 in
churn | synburst) ;;
*) echo "capture.sh: unknown workload '$1' (churn or synburst)" >&2; exit 2 ;;
esac
[[ -e $ROOT/tcpstate.ko ]] ||
	{ echo "capture.sh: $ROOT/tcpstate.ko is missing (make all)" >&2; exit 1; }
make -s -C "$HERE" OUT="$BUILD/bench"
mkdir -p "$BUILD/bench/capture"
guest=$BUILD/bench/capture/guest.sh
cat > "$guest" <<GUEST
#!/bin/bash
set -e
insmod "$ROOT/tcpstate.ko"
echo control > /sys/module/tcpstate/parameters/segments
dd if=/dev/tcpstate of=/tmp/cap.bin bs=64k status=none &
sleep 0.5
"$BUILD/bench/loadgen" $* > /dev/null
sleep 1
kill %1
wait || true
cp /tmp/cap.bin "\$TCPSTATE_OUT/cap.bin"
GUEST
bash "$ROOT/tests/vm/vm.sh" --name capture --smp 1 -- bash "$guest"
out=$BUILD/bench/capture/$1.bin
mv "$BUILD/vm/capture/cap.bin" "$out"
echo "capture.sh: $out: $(($(stat -c %s "$out") / 128)) records"
