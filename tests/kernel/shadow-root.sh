#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# shadow-root.sh - a copy of the project root whose tcpstate.ko (and the
# init-failure tests' test build) is another build, so the VM suite
# (tests/integration/run-all.sh, unchanged) tests that build:
#
#   tests/kernel/shadow-root.sh SHADOW TCPSTATE_KO FAULT_KO [TOOL]
#
# TOOL: another tools/tcpstate binary (e.g. one copy for every run of
# tests/kernel/matrix.sh); tools/ is then a directory of links to the
# project's tools/ whose tcpstate is TOOL.
# run-all.sh, vm.sh, the guest and the suites' shared helpers
# (tests/lib/tcpstate_test/common.py: ROOT, KO, TOOL) find the project,
# and so tcpstate.ko, relative to their own files: those are copied (with
# tests/scenarios, which guest.py imports), the rest linked.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SHADOW=${1:?usage: shadow-root.sh SHADOW TCPSTATE_KO FAULT_KO}
KO=${2:?usage: shadow-root.sh SHADOW TCPSTATE_KO FAULT_KO}
FAULT_KO=${3:?usage: shadow-root.sh SHADOW TCPSTATE_KO FAULT_KO [TOOL]}
TOOL=${4:-}

COPIED="tests/vm tests/integration tests/scenarios tests/lib"
OWN="tests build tcpstate.ko"
[ -n "$TOOL" ] && OWN+=" tools"
rm -rf -- "$SHADOW"
mkdir -p "$SHADOW/tests"
for f in "$ROOT"/* "$ROOT"/tests/*; do
	rel=${f#"$ROOT"/}
	case " $OWN $COPIED " in
	*" $rel "*) ;;
	*) ln -s "$f" "$SHADOW/$rel" ;;
	esac
done
for d in $COPIED; do
	cp -a "$ROOT/$d" "$SHADOW/tests/"
done
find "$SHADOW/tests" -name __pycache__ -prune -exec rm -rf -- {} +
ln -s "$KO" "$SHADOW/tcpstate.ko"
# The init-failure tests' test build, where the guest looks for it.
mkdir -p "$SHADOW/build/fault-module"
ln -s "$FAULT_KO" "$SHADOW/build/fault-module/tcpstate.ko"
if [ -n "$TOOL" ]; then
	mkdir -p "$SHADOW/tools"
	for f in "$ROOT"/tools/*; do
		[ "${f##*/}" = tcpstate ] || ln -s "$f" "$SHADOW/tools/${f##*/}"
	done
	ln -s "$TOOL" "$SHADOW/tools/tcpstate"
fi
