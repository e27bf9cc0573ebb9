#!/usr/bin/env bash
# Sums what every suite of `make check` wrote to $BUILD/results/<suite>.count
# ("passed failed") and prints the closing line CI reads. A suite that ran
# but wrote no count (it crashed before counting) is a failure of its own.
set -euo pipefail
results=${BUILD:-$(dirname "$0")/../build}/results
passed=0 failed=0
printf '%-10s %8s %8s\n' suite passed failed
for suite in "$@"; do
	f=$results/$suite.count
	if [[ -r $f ]] && read -r p fl < "$f"; then
		printf '%-10s %8d %8d\n' "$suite" "$p" "$fl"
	else
		printf '%-10s %8s %8s  (no result: the suite did not finish)\n' "$suite" - 1
		p=0 fl=1
	fi
	passed=$((passed + p)) failed=$((failed + fl))
done
# Wall time per make target (the check loop appends "target seconds").
if [[ -r $results/times ]]; then
	echo "time per target (s):" $(awk '{ printf "%s=%d ", $1, $2; if ($1 !~ /^lane:/) t += $2 } END { printf "total=%d", t }' "$results/times")
fi
# What failed, from the outputs kept in $results (the lanes' <target>.out,
# the kernels' <name>.log): failed tests, vm.sh's verdicts, the suites'
# summary notes. CI shows the end of the log, where the suites' own lines
# may be far above. At most 40 lines.
if ((failed > 0)); then
	echo "failures seen in $results (first 40 lines):"
	grep -a -H -E '^[[:space:]]*(not ok|FAIL)([[:space:]]|$)|: FAILED|<-- ' \
		"$results"/*.out "$results"/*.log 2>/dev/null |
		sed "s|^$results/||" | cut -c1-300 | head -n 40 || true
fi
echo "$passed passed, $failed failed"
((failed == 0))
