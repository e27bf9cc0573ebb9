#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kver-module.sh - tcpstate.ko (and its fault-injection test build)
# against another installed kernel, from copies of the sources, so the
# project's own tcpstate.ko is never touched:
#
#   tests/kernel/kver-module.sh KVER [DESTDIR]
#
#   KVER     a kernel release with headers installed (tests/kdir.sh KVER),
#            e.g. 6.12.118+deb12-amd64, 6.1.0-57-rt-amd64
#   DESTDIR  default $BUILD/kver/KVER (BUILD defaults to <project>/build)
#
# Leaves DESTDIR/module/tcpstate.ko and DESTDIR/fault-module/tcpstate.ko,
# their build logs beside them. Fails on a failed build and on any
# "warning:" or "error:" line in either log: a warning is a failure, as
# for fault-module.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
KVER=${1:?usage: kver-module.sh KVER [DESTDIR]}
BUILD=${BUILD:-$ROOT/build}
DEST=${2:-$BUILD/kver/$KVER}
KDIR=$(bash "$ROOT/tests/kdir.sh" "$KVER")
mkdir -p "$DEST/module"
DEST=$(cd "$DEST" && pwd -P)
M=$DEST/module

mkdir -p "$M/module/uapi"
# -p keeps mtimes: unchanged sources are not rebuilt.
cp -p "$ROOT"/module/*.c "$ROOT"/module/*.h "$M/module/"
cp -p "$ROOT"/module/uapi/*.h "$M/module/uapi/"
cp -p "$ROOT/Kbuild" "$ROOT/VERSION" "$M/"
for f in "$M"/module/*.c "$M"/module/*.h; do
	[ -e "$ROOT/module/${f##*/}" ] || rm -f -- "$f" "${f%.[ch]}.o"
done
if ! make -C "$KDIR" M="$M" -j"$(nproc)" modules > "$M/build.log" 2>&1; then
	cat "$M/build.log" >&2
	echo "kver-module.sh: tcpstate.ko for $KVER failed to build" >&2
	exit 1
fi
if grep -E 'warning:|error:' "$M/build.log" >&2; then
	echo "kver-module.sh: warnings building tcpstate.ko for $KVER ($M/build.log)" >&2
	exit 1
fi
bash "$HERE/fault-module.sh" "$KDIR" "$DEST/fault-module" >/dev/null
echo "kver-module.sh: built $M/tcpstate.ko and $DEST/fault-module/tcpstate.ko for $KVER"
