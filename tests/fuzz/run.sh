#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run each fuzz target for FUZZ_SECONDS on its corpus (make -C
# tests/fuzz run; `make fuzz` at the top). The working corpus,
# $OUT/corpus/TARGET, starts from the committed seeds (seeds/TARGET, plus
# fuzz_conns' seeds made from tests/fixtures) and is kept from run to run,
# so every run starts where the last one stopped. A crash, a leak, a hang
# (10 s) or a broken property (the targets abort) fails the run and leaves
# the input in $OUT/crashes: replay it with $OUT/fuzz_TARGET FILE.
# Writes "passed failed" (targets) to $BUILD/results/fuzz.count.
#
#   OUT=build/fuzz FUZZ_SECONDS=20 tests/fuzz/run.sh [--merge-seeds]
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$BUILD/fuzz}
SECS=${FUZZ_SECONDS:-20}
TARGETS=(jsonl conns proc)

# fuzz_conns reads records, not text: its seeds are the recorded fixtures.
conns_seeds() {
	local d=$OUT/seeds/conns f i=0
	rm -rf "$d"
	mkdir -p "$d"
	for f in "$ROOT"/tests/fixtures/*.jsonl; do
		# The first byte: the options fuzz_conns draws with.
		"$OUT/jsonl2bin" $((i++ % 8)) < "$f" > "$d/${f##*/}.bin" || return 1
	done
}

seed_dirs() {
	if [ "$1" = conns ]; then
		echo "$OUT/seeds/conns"
	else
		echo "$HERE/seeds/$1"
	fi
}

if [ "${1:-}" = --merge-seeds ]; then
	# Keep what the working corpus learned, minimized, for committing.
	for t in jsonl proc; do
		mkdir -p "$HERE/seeds/$t"
		"$OUT/fuzz_$t" -merge=1 "$HERE/seeds/$t" "$OUT/corpus/$t" 2>/dev/null
		echo "seeds/$t: $(find "$HERE/seeds/$t" -type f | wc -l) inputs"
	done
	exit 0
fi

conns_seeds || { echo "run.sh: cannot make fuzz_conns' seeds" >&2; exit 1; }
passed=0 failed=0
for t in "${TARGETS[@]}"; do
	corpus=$OUT/corpus/$t crashes=$OUT/crashes
	mkdir -p "$corpus" "$crashes"
	log=$OUT/$t.log
	"$OUT/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/$t-" \
		"$corpus" "$(seed_dirs "$t")" > "$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	size=$(find "$corpus" -type f | wc -l)
	if [ $status -eq 0 ]; then
		printf 'fuzz_%-6s ok      %3ss  %9s runs  coverage %5s  corpus %5s inputs\n' \
			"$t" "$SECS" "${runs:-?}" "${cov:-?}" "$size"
		passed=$((passed + 1))
	else
		printf 'fuzz_%-6s FAILED  (status %d) after %s runs; see %s:\n' "$t" $status "${runs:-?}" "$log"
		grep -E 'ERROR|SUMMARY|Test unit written|abort|^[a-z].*:' "$log" | head -n 12 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
mkdir -p "$BUILD/results"
echo "$passed $failed" > "$BUILD/results/fuzz.count"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
