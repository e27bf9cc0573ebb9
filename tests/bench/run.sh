#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - `make bench`: what tracing costs, tcpstate next to ftrace, BCC
# tcpstates and bpftrace, measured in one boot of the test VM.
#
#   tests/bench/run.sh            (make bench; tcpstate.ko and tools/tcpstate built)
#
# 1. Installs bpfcc-tools and bpftrace if missing (apt-get; root).
# 2. Builds the load generator (build/bench/loadgen) and the in-kernel
#    micro-benchmarks (build/bench/kmod: tests/bench/kmod plus the
#    kernel's own kernel/trace/ring_buffer_benchmark.c taken from
#    /usr/src/linux-source-6.1.tar.xz), against $KDIR.
# 3. Builds tcpstate.ko from a copy of module/ in build/bench/module (an
#    edit or rebuild during the run changes nothing measured), and any
#    prototypes (BENCH_PROTOS, below); boots the VM (tests/vm/vm.sh):
#    tests/bench/guest.py runs every configuration per round, interleaved;
#    then, in a second boot with 8 vCPUs, the micro-benchmarks.
#
# The clock (BENCH_CLOCK):
#   icount  (default) the rounds run on 1 vCPU under QEMU's -icount
#           shift=0,sleep=off: the guest's clock advances 1 ns per guest
#           instruction executed and skips idle time, so a run's time is
#           the instructions it took, whatever else the host is doing.
#           Repeat runs agree to a fraction of a percent. (-icount does
#           not bring up a second vCPU with this QEMU: the boot hangs at
#           "Booting SMP configuration".)
#   wall    the rounds run on 2 vCPUs on the host's clock (single-threaded
#           TCG): closer to a real 2-CPU machine, but every other process
#           on the host shows up in the figures.
# 4. Prints the table (tests/bench/report.py) and writes it to
#    build/bench/results.md.
#
# Knobs (environment): BENCH_ROUNDS (5), BENCH_CONFIGS, BENCH_WORKLOADS,
# BENCH_CHURN_N (3000), BENCH_SYN_N (3000), BENCH_BULK_MB (150),
# BENCH_TIMEOUT (VM timeout, s; 2400), BENCH_NAME (VM name; bench),
# BENCH_PROTOS (prototype module changes to measure too, see below),
# BENCH_KMOD= (empty: skip the in-kernel micro-benchmarks), BENCH_KMOD_SMP
# (their vCPUs, 8), BENCH_PART=kmod (only them: make bench-kmod),
# BENCH_PART=tw (only TIME_WAIT at scale: make bench-tw; BENCH_TW_N
# connections, 200000, from BENCH_TW_ADDRS client addresses, 32, into
# sessions of BENCH_TW_NR_RECORDS records, 65536), BENCH_CLOCK,
# BENCH_RING_SHARED (the commit whose module/ring.c is the shared ring
# the micro-benchmarks set beside today's; 6c33e34).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
OUT=$BUILD/bench
NAME=${BENCH_NAME:-bench}
KDIR=${KDIR:-$(bash "$ROOT/tests/kdir.sh" 2>/dev/null)}
KVER=${KVER:-$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h")}
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
RB_BENCH=linux-source-6.1/kernel/trace/ring_buffer_benchmark.c

say() { echo "bench: $*"; }

# --- 1. the peers ------------------------------------------------------------
need=()
[[ -x /usr/sbin/tcpstates-bpfcc ]] || need+=(bpfcc-tools)
command -v bpftrace >/dev/null || need+=(bpftrace)
if ((${#need[@]})); then
	say "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" ||
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"; }
fi
# BCC compiles its probe against the guest kernel's headers, which the
# guest sees through the shared root.
[[ -f /lib/modules/$KVER/build/Makefile ]] ||
	{ say "no kernel headers at /lib/modules/$KVER/build (linux-headers-$KVER)" >&2; exit 1; }
[[ -x $ROOT/tools/tcpstate ]] || { say "build first: make tool" >&2; exit 1; }

# --- 2. build ---------------------------------------------------------------
mkdir -p "$OUT"
make -s -C "$HERE" OUT="$OUT"
rm -rf "$OUT/kmod" && mkdir -p "$OUT/kmod"
cp "$HERE"/kmod/{Kbuild,*.c,*.h,guest.sh} "$OUT/kmod/"
cp -r "$ROOT/module" "$OUT/kmod/module"
# The shared ring module/ring.c was before ABI 3, measured beside it
# (kmod/ring_shared.c); left out if git cannot give it (no history).
RING_SHARED=${BENCH_RING_SHARED:-6c33e34}
mkdir -p "$OUT/kmod/shared"
if ! { git -C "$ROOT" show "$RING_SHARED:module/ring.c" > "$OUT/kmod/shared/ring.c" &&
       git -C "$ROOT" show "$RING_SHARED:module/ring.h" > "$OUT/kmod/shared/ring.h"; } 2>/dev/null; then
	say "no module/ring.c at $RING_SHARED in git: the shared ring is left out"
	rm -rf "$OUT/kmod/shared"
fi
if [[ -f $SRC_TAR ]]; then
	tar xJf "$SRC_TAR" -O "$RB_BENCH" > "$OUT/kmod/ring_buffer_benchmark.c"
else
	say "no $SRC_TAR: the kernel's ring_buffer_benchmark is left out"
fi
make -s -C "$KDIR" M="$OUT/kmod" modules 2>&1 | grep -v 'Skipping BTF' || true
ls "$OUT"/kmod/*.ko >/dev/null
# The module measured is built from a copy of module/ (a rebuild or an
# edit during the run changes nothing), and so is every prototype:
# BENCH_PROTOS="a,a+b" applies tests/bench/proto/<each +-joined
# name>.patch to its own copy, as build/bench/proto/NAME/tcpstate.ko; a
# NAME that is no patch but a git revision (BENCH_PROTOS=11f2af7) builds
# module/ as it was there: the "before" of a change. module/ itself is
# never touched.
build_copy() {	# DIR PATCH...|REV
	local d=$1 p
	shift
	rm -rf "$d" && mkdir -p "$d"
	if [[ $# = 1 && ! -f $HERE/proto/$1.patch ]]; then
		git -C "$ROOT" rev-parse -q --verify "$1^{commit}" >/dev/null ||
			{ say "BENCH_PROTOS: $1 is neither tests/bench/proto/$1.patch nor a git revision" >&2; exit 1; }
		# VERSION: from the revision that brought it on.
		git -C "$ROOT" archive "$1" module Kbuild \
			$(git -C "$ROOT" cat-file -e "$1:VERSION" 2>/dev/null && echo VERSION) |
			tar -x -C "$d"
		shift
	else
		cp -r "$ROOT/module" "$ROOT/Kbuild" "$ROOT/VERSION" "$d/"
	fi
	for p in "$@"; do
		patch -s -d "$d" -p1 < "$HERE/proto/$p.patch"
	done
	make -s -C "$KDIR" M="$d" modules 2>&1 | grep -v 'Skipping BTF' || true
	[[ -f $d/tcpstate.ko ]] || { say "$d: did not build" >&2; exit 1; }
}
build_copy "$OUT/module"
cp "$OUT/module/tcpstate.ko" "$OUT/tcpstate.ko"
export BENCH_PROTOS=${BENCH_PROTOS:-} BENCH_PROTO_DIR=$OUT/proto
for name in ${BENCH_PROTOS//,/ }; do
	build_copy "$OUT/proto/$name" ${name//+/ }
done

# --- 3. one VM boot ---------------------------------------------------------
export BENCH_MODULE=$OUT/tcpstate.ko BENCH_KMOD=${BENCH_KMOD-$OUT/kmod}
export BENCH_ROUNDS=${BENCH_ROUNDS:-5}
export BENCH_CHURN_N=${BENCH_CHURN_N:-3000} BENCH_SYN_N=${BENCH_SYN_N:-3000}
export BENCH_BULK_MB=${BENCH_BULK_MB:-150}
export BENCH_CONFIGS=${BENCH_CONFIGS:-} BENCH_WORKLOADS=${BENCH_WORKLOADS:-}
export BENCH_CLOCK=${BENCH_CLOCK:-icount}
export VM_ENV="BENCH_PROTOS BENCH_PROTO_DIR BENCH_MODULE BENCH_KMOD BENCH_ROUNDS BENCH_CHURN_N BENCH_SYN_N BENCH_BULK_MB BENCH_CONFIGS BENCH_WORKLOADS BENCH_PART BENCH_CLOCK"
case $BENCH_CLOCK in
icount) smp=1 qopts="-icount shift=0,sleep=off" ;;
wall) smp=2 qopts= ;;
*) say "BENCH_CLOCK=$BENCH_CLOCK: must be icount or wall" >&2; exit 2 ;;
esac
say "load on this machine before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
# TIME_WAIT at scale (make bench-tw, tests/bench/tw.py): its own boot,
# the -icount clock, room for the sockets and the session's records.
if [[ ${BENCH_PART:-all} = tw ]]; then
	export BENCH_TW_N=${BENCH_TW_N:-200000} BENCH_TW_ADDRS=${BENCH_TW_ADDRS:-32}
	export BENCH_TW_NR_RECORDS=${BENCH_TW_NR_RECORDS:-65536}
	VM_ENV="BENCH_MODULE BENCH_TW_N BENCH_TW_ADDRS BENCH_TW_NR_RECORDS" \
	VM_QEMU_OPTS="-icount shift=0,sleep=off" bash "$ROOT/tests/vm/vm.sh" --name "$NAME-tw" \
		--timeout "${BENCH_TIMEOUT:-2400}" --smp 1 --mem 2048 --kver "$KVER" -- \
		python3 tests/bench/tw.py || status=$?
	cp "$BUILD/vm/$NAME-tw/tw.json" "$OUT/tw.json" 2>/dev/null || true
	exit "$status"
fi
if [[ ${BENCH_PART:-all} != kmod ]]; then
	BENCH_PART=runs VM_QEMU_OPTS=$qopts bash "$ROOT/tests/vm/vm.sh" --name "$NAME" \
		--timeout "${BENCH_TIMEOUT:-2400}" --smp $smp --kver "$KVER" -- \
		python3 tests/bench/guest.py || status=$?
fi
# The micro-benchmarks time 1, 2, 4 and 8 producing CPUs: one boot with
# BENCH_KMOD_SMP vCPUs (default 8), the host's clock. TCG runs every vCPU
# on one host thread, taking turns: the figures show the instructions a
# write costs and how a design behaves when a lock's holder is not
# running (a waiter spins through its turn), not cache-line traffic
# between real cores, which TCG does not model.
mkdir -p "$BUILD/vm/$NAME"
rm -f "$BUILD/vm/$NAME/kmod.txt"
# The TIME_WAIT table's micro-benchmark then runs in a boot of its own,
# one vCPU on the -icount clock (kmod/guest.sh says why).
if [[ -n $BENCH_KMOD ]]; then
	BENCH_PART=kmod BENCH_KMOD_WHICH=rings VM_ENV="$VM_ENV BENCH_KMOD_WHICH" \
	bash "$ROOT/tests/vm/vm.sh" --name "$NAME-kmod" --timeout 900 \
		--smp "${BENCH_KMOD_SMP:-8}" --kver "$KVER" -- python3 tests/bench/guest.py || status=$?
	cat "$BUILD/vm/$NAME-kmod/kmod.txt" > "$BUILD/vm/$NAME/kmod.txt" 2>/dev/null || true
	BENCH_PART=kmod BENCH_KMOD_WHICH=tw VM_ENV="$VM_ENV BENCH_KMOD_WHICH" \
	VM_QEMU_OPTS="-icount shift=0,sleep=off" bash "$ROOT/tests/vm/vm.sh" --name "$NAME-kmod-tw" \
		--timeout 900 --smp 1 --kver "$KVER" -- python3 tests/bench/guest.py || status=$?
	cat "$BUILD/vm/$NAME-kmod-tw/kmod.txt" >> "$BUILD/vm/$NAME/kmod.txt" 2>/dev/null || true
fi
if [[ ${BENCH_PART:-all} = kmod ]]; then
	[[ -s $BUILD/vm/$NAME/kmod.txt ]] || { say "no micro-benchmark results" >&2; exit 1; }
	python3 "$HERE/report.py" --kmod "$BUILD/vm/$NAME/kmod.txt" | tee "$OUT/kmod.md"
	exit "$status"
fi
say "load on this machine after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ -s $BUILD/vm/$NAME/runs.jsonl ]] || { say "no results" >&2; exit 1; }

# --- 4. the table -----------------------------------------------------------
python3 "$HERE/report.py" "$BUILD/vm/$NAME" "$OUT/results.md"
cp "$BUILD/vm/$NAME"/{runs.jsonl,facts.json} "$OUT/" 2>/dev/null || true
say "table written to $OUT/results.md"
exit "$status"
