#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh - the debug test kernel, and tcpstate.ko + tcpstate_kunit.ko
# built against it.
#
#   tests/kernel/build.sh [kernel|modules|all]   (default all)
#   tests/kernel/build.sh --env                  print where things are
#
# The kernel: Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz),
# allnoconfig + vm.config + debug.config, x86_64, no debug info. Cached in
#
#   $BUILD/kernel/src-<pkgver>/linux-source-6.1   the unpacked source
#   $BUILD/kernel/<key>/obj                       the build tree (O=): KDIR
#   $BUILD/kernel/<key>/.done                     written last, on success
#   $BUILD/kernel/current -> <key>
#
# where key = sha256 of the package version, both fragments and the
# kernel recipe below: change any of them and the next run builds a new
# tree (and removes the old ones); otherwise the build is skipped.
#
# The modules, built from copies so the stock-kernel tcpstate.ko in the
# project root is never touched:
#   $BUILD/debug-module/tcpstate.ko         module/ + Kbuild
#   $BUILD/kunit-module/tcpstate_kunit.ko   tests/kunit/ + module/
#
# MODULE_SRC=DIR builds both from another copy of module/.
#
# --env prints shell assignments for the other scripts:
#   DEBUG_KDIR DEBUG_KVER DEBUG_BZIMAGE DEBUG_MODULE KUNIT_MODULE
# Boot DEBUG_BZIMAGE with VM_NO_EXTRACT=1 (see vm.config: no PVH entry).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
mkdir -p "$BUILD/kernel"
BUILD=$(cd "$BUILD" && pwd -P)
TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
PKG=linux-source-6.1
FRAGMENTS=("$HERE/vm.config" "$HERE/debug.config")
JOBS=${JOBS:-$(nproc)}

say() { echo "kernel/build.sh: $*" >&2; }
die() { say "$*"; exit 1; }

pkgver() {
	dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null ||
		die "$PKG is not installed (run tests/deps.sh)"
}

# The recipe is part of the key (the functions that make the tree), not
# the whole script: changing how the modules are built keeps the kernel.
cache_key() {
	{
		echo "$1"
		cat "${FRAGMENTS[@]}"
		declare -f unpack_source check_config build_kernel
		printf '%s\n' "${KFLAGS[@]}"
	} | sha256sum | cut -c1-16
}

DEBUG_MODULE_DIR=$BUILD/debug-module
DEBUG_FAULT_MODULE_DIR=$BUILD/debug-fault-module
KUNIT_MODULE_DIR=$BUILD/kunit-module
# The module's sources (MODULE_SRC=DIR: try a patched copy).
MODULE_SRC=${MODULE_SRC:-$ROOT/module}

print_env() {
	local kver=
	[ -f "$KDIR/include/config/kernel.release" ] &&
		kver=$(cat "$KDIR/include/config/kernel.release")
	printf 'DEBUG_KDIR=%q\nDEBUG_KVER=%q\nDEBUG_BZIMAGE=%q\n' \
		"$KDIR" "$kver" "$KDIR/arch/x86/boot/bzImage"
	printf 'DEBUG_MODULE=%q\nKUNIT_MODULE=%q\nDEBUG_FAULT_MODULE=%q\n' \
		"$DEBUG_MODULE_DIR/tcpstate.ko" "$KUNIT_MODULE_DIR/tcpstate_kunit.ko" \
		"$DEBUG_FAULT_MODULE_DIR/tcpstate.ko"
}

unpack_source() {
	[ -f "$SRCBASE/.done" ] && return
	[ -r "$TARBALL" ] || die "$TARBALL missing (apt-get install $PKG)"
	say "unpacking $TARBALL"
	rm -rf -- "$SRCBASE"
	mkdir -p "$SRCBASE"
	tar -xJf "$TARBALL" -C "$SRCBASE"
	[ -f "$SRC/Makefile" ] || die "$TARBALL has no linux-source-6.1/Makefile"
	: > "$SRCBASE/.done"
}

# Every line of the fragments must have survived olddefconfig: a symbol
# whose dependencies are not met is silently dropped, and a debug kernel
# without, say, KASAN would pass everything.
check_config() {
	local frag line sym want got bad=0
	for frag in "${FRAGMENTS[@]}"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*) sym=${line%%=*}; want=$line ;;
			"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}; want= ;;
			*) continue ;;
			esac
			got=$(grep -E "^$sym=" "$KDIR/.config" || true)
			if [ "$got" != "$want" ]; then
				say "config: ${frag##*/} wants '${want:-# $sym is not set}', got '${got:-# $sym is not set}'"
				bad=1
			fi
		done < "$frag"
	done
	[ $bad = 0 ] || die "the fragments do not apply cleanly to $PKG $VER"
}

build_kernel() {
	local t0 log
	if [ -f "$KTREE/.done" ]; then
		say "debug kernel cached: $KTREE ($(cat "$KDIR/include/config/kernel.release"))"
		ln -sfn "$KEY" "$BUILD/kernel/current"
		return
	fi
	exec 8>"$BUILD/kernel/.lock"
	flock 8
	if [ -f "$KTREE/.done" ]; then flock -u 8; build_kernel; return; fi

	unpack_source
	t0=$(date +%s)
	rm -rf -- "$KTREE"
	mkdir -p "$KDIR"
	log=$KTREE/build.log
	say "building the debug kernel ($PKG $VER, key $KEY, $JOBS jobs); log: $log"
	{
		cat "${FRAGMENTS[@]}" > "$KTREE/fragment.config"
		make -C "$SRC" O="$KDIR" ARCH=x86_64 \
			KCONFIG_ALLCONFIG="$KTREE/fragment.config" allnoconfig
		make -C "$SRC" O="$KDIR" ARCH=x86_64 olddefconfig
	} > "$log" 2>&1 || { tail -n 30 "$log" >&2; die "configuring failed"; }
	check_config
	if ! make -C "$SRC" O="$KDIR" -j"$JOBS" "${KFLAGS[@]}" \
		vmlinux bzImage modules_prepare >> "$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "kernel build failed; log: $log"
	fi
	date +%s > "$KTREE/.done"
	ln -sfn "$KEY" "$BUILD/kernel/current"
	say "debug kernel built in $(( $(date +%s) - t0 )) s: $KDIR/vmlinux ($(cat "$KDIR/include/config/kernel.release"))"

	# Older trees (another source version or fragment) are dead weight.
	local old
	for old in "$BUILD"/kernel/*/.done; do
		old=${old%/.done}
		[ "$old" = "$KTREE" ] || [ "$old" = "$SRCBASE" ] || rm -rf -- "$old"
	done
	for old in "$BUILD"/kernel/src-*; do
		[ "$old" = "$SRCBASE" ] || rm -rf -- "$old"
	done
	flock -u 8
}

# sync_sources SRCDIR DESTDIR [DEPTH]: make DESTDIR's *.c, *.h and Kbuild
# (down to DEPTH levels of subdirectories, default all) those of SRCDIR.
# Unchanged files keep their mtime, so make stays incremental; build
# products are left alone.
sync_sources() {
	local src=$1 dst=$2 depth=${3:-99} f
	mkdir -p "$dst"
	(cd "$src" && find . -maxdepth "$depth" -type f \( -name '*.[ch]' -o -name Kbuild \) -print) |
	while IFS= read -r f; do
		mkdir -p "$dst/${f%/*}"
		cmp -s "$src/$f" "$dst/$f" || cp -p "$src/$f" "$dst/$f"
	done
	(cd "$dst" && find . -maxdepth "$depth" -type f \( -name '*.[ch]' -o -name Kbuild \) \
		! -name '*.mod.c' -print) |
	while IFS= read -r f; do
		[ -e "$src/$f" ] || rm -f -- "$dst/$f"
	done
}

# Module.symvers, which external modules link against, comes from the
# tree's "modules" step (no modules here: it only runs modpost on vmlinux).
ensure_symvers() {
	[ -s "$KDIR/Module.symvers" ] && return
	make -C "$SRC" O="$KDIR" -j"$JOBS" "${KFLAGS[@]}" modules >> "$KTREE/build.log" 2>&1 ||
		{ tail -n 20 "$KTREE/build.log" >&2; die "make modules in $KDIR failed"; }
}

build_modules() {
	[ -f "$KTREE/.done" ] || die "no debug kernel in $KTREE: run $0 kernel first"
	ensure_symvers

	sync_sources "$MODULE_SRC" "$DEBUG_MODULE_DIR/module"
	for f in Kbuild VERSION; do
		cmp -s "$ROOT/$f" "$DEBUG_MODULE_DIR/$f" ||
			cp -p "$ROOT/$f" "$DEBUG_MODULE_DIR/$f"
	done
	make -C "$KDIR" M="$DEBUG_MODULE_DIR" -j"$JOBS" modules > "$DEBUG_MODULE_DIR/build.log" 2>&1 ||
		{ cat "$DEBUG_MODULE_DIR/build.log" >&2; die "tcpstate.ko (debug kernel) failed to build"; }
	grep -E 'warning|error' "$DEBUG_MODULE_DIR/build.log" >&2 || true
	# The test build (fail_init=) for the init-failure tests.
	bash "$HERE/fault-module.sh" "$KDIR" "$DEBUG_FAULT_MODULE_DIR" >/dev/null ||
		die "tcpstate.ko's test build (debug kernel) failed to build"

	# The test module compiles the module's own sources (module/*.c)
	# beside its tests: tests/kunit/Kbuild names them.
	sync_sources "$MODULE_SRC" "$KUNIT_MODULE_DIR/module"
	sync_sources "$ROOT/tests/kunit" "$KUNIT_MODULE_DIR" 1
	make -C "$KDIR" M="$KUNIT_MODULE_DIR" -j"$JOBS" modules > "$KUNIT_MODULE_DIR/build.log" 2>&1 ||
		{ cat "$KUNIT_MODULE_DIR/build.log" >&2; die "tcpstate_kunit.ko failed to build"; }
	grep -E 'warning|error' "$KUNIT_MODULE_DIR/build.log" >&2 || true
	say "built $DEBUG_MODULE_DIR/tcpstate.ko and $KUNIT_MODULE_DIR/tcpstate_kunit.ko"
}

# How the tree is made. No IPA-CP/IPA-SRA in tcp_ipv4.c and tcp_ipv6.c:
# with the sanitizers GCC turns tcp_v4_send_ack() and tcp_v6_send_response()
# into .constprop (or, without IPA-CP, .isra) clones with other names and
# other arguments, which Debian's build does not; tcpstate.ko kprobes them
# by name and reads their arguments, so the debug kernel must keep them
# whole. (-fno-ipa-cp for the whole kernel does not link: some 32-bit-only
# calls are only dropped thanks to it.)
KFLAGS=(ARCH=x86_64
	"CFLAGS_tcp_ipv4.o=-fno-ipa-cp -fno-ipa-sra"
	"CFLAGS_tcp_ipv6.o=-fno-ipa-cp -fno-ipa-sra"
	KBUILD_BUILD_USER=tcpstate KBUILD_BUILD_HOST=tcpstate)

VER=$(pkgver)
KEY=$(cache_key "$VER")
KTREE=$BUILD/kernel/$KEY
KDIR=$KTREE/obj
SRCBASE=$BUILD/kernel/src-$VER
SRC=$SRCBASE/linux-source-6.1

case "${1:-all}" in
--env) print_env ;;
kernel) build_kernel ;;
modules) build_modules ;;
all) build_kernel; build_modules ;;
*) echo "usage: tests/kernel/build.sh [kernel|modules|all|--env]" >&2; exit 2 ;;
esac
