#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-kver.sh - the VM integration suite (tests/integration/run-all.sh)
# on another installed kernel, with tcpstate.ko built against it, without
# touching the project's own tcpstate.ko or build/fault-module:
#
#   tests/kernel/run-kver.sh KVER [run-all.sh ARGS...]
#
# e.g. tests/kernel/run-kver.sh 6.12.118+deb12-amd64 --hook tracepoint
#
# Builds both modules with kver-module.sh into $BUILD/kver/KVER, then runs
# run-all.sh unchanged from a shadow of the project root
# ($BUILD/kver/KVER/root: copies of tests/vm, tests/integration,
# tests/scenarios and tests/lib, links to everything else, as
# run-integration.sh does for the debug kernel) whose tcpstate.ko and
# build/fault-module/tcpstate.ko are the KVER builds; vm.sh boots KVER.
# Results: $BUILD/kver/KVER/vm/it-<hook>/, the count in
# $BUILD/kver/KVER/results/vm.count. One VM at a time.
# TCPSTATE_TOOL=PATH: the tool to test with instead of tools/tcpstate
# (matrix.sh: the same copy for every kernel).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
KVER=${1:?usage: run-kver.sh KVER [run-all.sh ARGS...]}
shift
BUILD=${BUILD:-$ROOT/build}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd -P)
OUT=$BUILD/kver/$KVER

BUILD=$BUILD bash "$HERE/kver-module.sh" "$KVER" "$OUT" || exit 1
TOOL=${TCPSTATE_TOOL:-}
[ -x "${TOOL:-$ROOT/tools/tcpstate}" ] ||
	{ echo "run-kver.sh: ${TOOL:-tools/tcpstate} missing (make tool)" >&2; exit 1; }

SHADOW=$OUT/root
bash "$HERE/shadow-root.sh" "$SHADOW" "$OUT/module/tcpstate.ko" \
	"$OUT/fault-module/tcpstate.ko" ${TOOL:+"$(realpath "$TOOL")"} || exit 1

echo "=== integration suite on $KVER (tcpstate.ko: $OUT/module/tcpstate.ko)"
KVER=$KVER BUILD=$OUT bash "$SHADOW/tests/integration/run-all.sh" "$@"
