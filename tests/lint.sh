#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/lint.sh [ROOT] - kernel style checks on the module's sources.
#
#   checkpatch  scripts/checkpatch.pl --strict over module/*.[ch] and
#               module/uapi/*.h (extracted once from Debian's
#               linux-source-6.1 tarball into $BUILD/checkpatch)
#   sparse      make -C $KDIR M=ROOT C=2 modules; any "warning:" or
#               "error:" line about a file of ours fails (that includes the
#               compiler's, when make recompiles something), and so does
#               a failed build
#
# ROOT defaults to the project root (a tree with Kbuild and module/); BUILD
# (default ROOT/build) and KDIR (default: as the Makefile computes it) come
# from the environment. Writes "PASSED FAILED" to $BUILD/results/lint.count
# and the tools' full output to $BUILD/results/lint.*.log. Exit status 0
# only when every check passed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "${1:-$HERE/..}" && pwd -P) || exit 2
BUILD=${BUILD:-$ROOT/build}
RESULTS=$BUILD/results
mkdir -p "$RESULTS" || exit 2
KSRC_TAR=${KSRC_TAR:-/usr/src/linux-source-6.1.tar.xz}

# checkpatch types that make no sense for an out-of-tree module, each with
# the reason. Everything else counts, CHECKs included (--strict).
IGNORE_TYPES=(
	# Only for patches that add/move files ("does MAINTAINERS need
	# updating?"); there is no MAINTAINERS file here.
	FILE_PATH_CHANGES
	# Patch/commit-message checks; harmless with -f, listed for clarity.
	MISSING_SIGN_OFF
	COMMIT_MESSAGE
)

passed=0 failed=0
pass() { echo "lint: $1: PASS${2:+ ($2)}"; passed=$((passed + 1)); }
fail() { echo "lint: $1: FAIL${2:+ ($2)}"; failed=$((failed + 1)); }

shopt -s nullglob
SRCS=("$ROOT"/module/*.c "$ROOT"/module/*.h "$ROOT"/module/uapi/*.h)
shopt -u nullglob
REL=("${SRCS[@]#"$ROOT"/}")

# --- checkpatch ---------------------------------------------------------------
CPDIR=$BUILD/checkpatch
CP=$CPDIR/checkpatch.pl
checkpatch_get() {
	local want tmp
	[ -r "$KSRC_TAR" ] || { echo "lint: $KSRC_TAR missing: run tests/deps.sh (linux-source-6.1)"; return 1; }
	want=$(stat -L -c '%n %s %Y' "$KSRC_TAR")
	if [ -x "$CP" ] && [ "$(cat "$CPDIR/.source" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	echo "lint: extracting checkpatch.pl from $KSRC_TAR (once)"
	mkdir -p "$BUILD"
	tmp=$(mktemp -d "$BUILD/.checkpatch.XXXXXX")
	# spelling.txt and const_structs.checkpatch are read from the
	# script's own directory.
	if ! tar -xJf "$KSRC_TAR" -C "$tmp" --strip-components=2 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' || [ ! -f "$tmp/checkpatch.pl" ]; then
		rm -rf "$tmp"
		echo "lint: cannot extract scripts/checkpatch.pl from $KSRC_TAR"
		return 1
	fi
	chmod +x "$tmp/checkpatch.pl"
	echo "$want" > "$tmp/.source"
	rm -rf "$CPDIR"
	mv "$tmp" "$CPDIR"
}

CPLOG=$RESULTS/lint.checkpatch.log
if [ ${#SRCS[@]} -eq 0 ]; then
	fail checkpatch "no sources in $ROOT/module"
elif ! checkpatch_get; then
	fail checkpatch "no checkpatch.pl"
else
	ignore=$(IFS=,; echo "${IGNORE_TYPES[*]}")
	# Relative names, so findings read module/x.c:12. checkpatch's exit
	# status is not used: the findings are counted.
	(cd "$ROOT" && perl "$CP" --strict --no-tree --terse --show-types \
		--no-summary --color=never --ignore "$ignore" -f "${REL[@]}") > "$CPLOG" 2>&1
	findings=$(grep -cE ': (ERROR|WARNING|CHECK):' "$CPLOG")
	if [ "$findings" -eq 0 ] && ! grep -qE '^(Undefined|Can.t|Use of|.* at .*checkpatch\.pl line)' "$CPLOG"; then
		pass checkpatch "${#SRCS[@]} files"
	else
		sed 's/^/  /' "$CPLOG"
		fail checkpatch "$findings findings in ${#SRCS[@]} files; log: $CPLOG"
	fi
fi

# --- sparse ------------------------------------------------------------------
if [ -z "${KDIR:-}" ]; then
	if [ -d "/lib/modules/$(uname -r)/build" ]; then
		KDIR=/lib/modules/$(uname -r)/build
	else
		KDIR=$(bash "$ROOT/tests/kdir.sh" 2>/dev/null)
	fi
fi
SPLOG=$RESULTS/lint.sparse.log
if [ ${#SRCS[@]} -eq 0 ] || [ ! -f "$ROOT/Kbuild" ]; then
	fail sparse "no Kbuild/module sources in $ROOT"
elif [ -z "$KDIR" ] || [ ! -d "$KDIR" ]; then
	fail sparse "no kernel headers (KDIR); run tests/deps.sh"
elif ! command -v sparse >/dev/null; then
	fail sparse "sparse not installed; run tests/deps.sh"
else
	make -C "$KDIR" M="$ROOT" C=2 modules > "$SPLOG" 2>&1
	mrc=$?
	# Diagnostics about our files: absolute paths under ROOT (kbuild's
	# external-module paths) or relative ones that exist under ROOT.
	ours=$(grep -E ': (warning|error):' "$SPLOG" | while IFS= read -r l; do
		f=${l%%:*}
		case "$f" in
		"$ROOT"/*) echo "$l" ;;
		/*) ;;
		*) [ -e "$ROOT/$f" ] && [ ! -e "$KDIR/$f" ] && echo "$l" ;;
		esac
	done)
	n=0
	[ -n "$ours" ] && n=$(wc -l <<<"$ours")
	if [ $mrc -ne 0 ]; then
		tail -n 40 "$SPLOG" | sed 's/^/  /'
		fail sparse "make failed (exit $mrc); log: $SPLOG"
	elif [ "$n" -ne 0 ]; then
		sed "s|$ROOT/||; s/^/  /" <<<"$ours"
		fail sparse "$n warnings/errors in our sources; log: $SPLOG"
	else
		pass sparse "$(grep -c ' CHECK ' "$SPLOG") files checked"
	fi
fi

# --- ring publication order -----------------------------------------------
# Each CPU's ring's head is published once per batch by smp_store_release()
# in ring_publish() (module/ring.c, ordering (A)); a plain store or ++ of
# it anywhere would race with the reader's smp_load_acquire() (KCSAN) and
# make the release order nothing. The old ring_put() did ring->head++.
RING=$ROOT/module/ring.c
if [ ! -f "$RING" ]; then
	fail ring-publish "no $RING"
else
	plain=$(grep -nE '(ring|cr)->head *(\+\+|--|[-+*/|&]?=[^=])|(\+\+|--) *(ring|cr)->head' "$RING")
	releases=$(grep -c 'smp_store_release(&cr->head,' "$RING")
	if [ -z "$plain" ] && [ "$releases" -eq 1 ]; then
		pass ring-publish "head written only by ring_publish()'s release"
	else
		[ -n "$plain" ] && sed 's/^/  module\/ring.c:/' <<<"$plain"
		fail ring-publish "a ring's head written outside ring_publish() ($releases release stores)"
	fi
fi

echo "$passed $failed" > "$RESULTS/lint.count"
echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
