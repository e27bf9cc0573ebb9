#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fault-module.sh - the test build of tcpstate.ko: the module's sources
# with TCPSTATE_FAULT_INJECT=y (module/fault.h: the fail_init= parameter
# makes any init step fail), built from a copy so the product
# tcpstate.ko is never the test build.
#
#   tests/kernel/fault-module.sh KDIR DESTDIR
#
# Leaves DESTDIR/tcpstate.ko; -Werror as the product build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
KDIR=${1:?usage: fault-module.sh KDIR DESTDIR}
DEST=${2:?usage: fault-module.sh KDIR DESTDIR}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd -P)

mkdir -p "$DEST/module/uapi"
# -p keeps mtimes: unchanged sources are not rebuilt.
cp -p "$ROOT"/module/*.c "$ROOT"/module/*.h "$DEST/module/"
cp -p "$ROOT"/module/uapi/*.h "$DEST/module/uapi/"
cp -p "$ROOT/Kbuild" "$ROOT/VERSION" "$DEST/"
# Sources removed from module/ must not linger in the copy.
for f in "$DEST"/module/*.c; do
	[ -e "$ROOT/module/${f##*/}" ] || rm -f -- "$f" "${f%.c}.o"
done
if ! make -C "$KDIR" M="$DEST" TCPSTATE_FAULT_INJECT=y modules \
	> "$DEST/build.log" 2>&1; then
	cat "$DEST/build.log" >&2
	echo "fault-module.sh: the test build of tcpstate.ko failed" >&2
	exit 1
fi
if grep -E 'warning:|error:' "$DEST/build.log" >&2; then
	echo "fault-module.sh: warnings in the test build" >&2
	exit 1
fi
echo "fault-module.sh: built $DEST/tcpstate.ko (fail_init=)"
