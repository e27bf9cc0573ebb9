#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lesson.sh - make lesson: issue 17's live cases in the textbook's order
# (tests/scenarios/lessons.py LESSON), driven for real in one VM
# (tracepoint mode) with every check make check applies, each case's
# records saved as $BUILD/lesson/<tag>.trace (tcpstate dump --json of its
# namespace), then each chapter drawn by `tools/tcpstate conns -r`.
#
#   tests/scenarios/lesson.sh [--hook tracepoint|kprobe]
#
# Exit status: the VM run's (non-zero if a case failed its checks; the
# traces that were written are still shown).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
HOOK=tracepoint
[ "${1:-}" = --hook ] && HOOK=${2:?--hook tracepoint|kprobe}
cd "$ROOT" || exit 1
for f in tcpstate.ko tools/tcpstate; do
	[ -e "$f" ] || { echo "lesson.sh: missing $f (run 'make all' first)" >&2; exit 1; }
done

rm -rf "$BUILD/vm/lesson/lesson" "$BUILD/lesson"
bash tests/vm/vm.sh --name lesson --timeout 600 -- \
	/usr/bin/python3 tests/scenarios/lessons.py --hook "$HOOK"
status=$?
mkdir -p "$BUILD/lesson"
cp "$BUILD"/vm/lesson/lesson/* "$BUILD/lesson/" 2>/dev/null
[ -s "$BUILD/lesson/order" ] || { echo "lesson.sh: no lesson/order from the VM (status $status)" >&2; exit 1; }

# The conns options for every chapter: each step explained (a --summary
# chapter, one line per connection, has no steps to explain).
CONNS_FLAGS=(--no-color --width 0)
# One page for the whole lesson: each chapter's own page (--html
# --explain) in a frame, in the textbook's order.
INDEX=$BUILD/lesson/index.html
printf '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>tcpstate: a TCP lesson from a real kernel</title></head><body>\n<h1>TCP, as the kernel did it</h1>\n' >"$INDEX"
shown=" "
n=0
while IFS=$'\t' read -r chapter tag opts; do
	n=$((n + 1))
	echo
	echo "=== $n. $chapter ($BUILD/lesson/$tag.trace)"
	case "$shown" in
	*" $tag "*) echo "(the same case as above)"; continue ;;
	esac
	shown="$shown$tag "
	if [ ! -s "$BUILD/lesson/$tag.trace" ]; then
		echo "(no trace: the case did not run or failed early)"
		continue
	fi
	explain=(--explain)
	case " $opts " in *" --summary "*) explain=() ;; esac
	# shellcheck disable=SC2086 # opts: words from LESSON
	tools/tcpstate conns "${CONNS_FLAGS[@]}" "${explain[@]}" $opts -r "$BUILD/lesson/$tag.trace"
	if [ ${#explain[@]} -gt 0 ]; then
		tools/tcpstate conns --html --explain -r "$BUILD/lesson/$tag.trace" \
			>"$BUILD/lesson/$tag.html"
		printf '<h2>%d. %s</h2>\n<iframe src="%s.html" style="width:100%%;height:900px;border:0"></iframe>\n' \
			"$n" "$chapter" "$tag" >>"$INDEX"
	fi
done <"$BUILD/lesson/order"
printf '</body></html>\n' >>"$INDEX"
echo
echo "lesson.sh: the whole lesson as one page: $INDEX"
exit $status
