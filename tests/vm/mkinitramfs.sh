#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUTPUT
#
# Builds the test VM's initramfs (an uncompressed newc cpio: the kernel
# unpacks it faster than a compressed one under TCG): static busybox, the
# stage 1 /init and stage 2 /init2.sh from this directory, and the modules
# that mount the root (virtio_pci 9pnet_virtio 9p overlay + dependencies,
# decompressed, in the order "modprobe --show-depends" prints).
#
# mkinitramfs.sh --key KVER prints the cache key instead: it changes when
# the scripts, the module files or busybox change.
#
# --builtin (before KVER, in both forms): a kernel with those built in,
# not installed on the host: no modules in the initramfs.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
MODULES=(virtio_pci 9pnet_virtio 9p overlay)
BUSYBOX=${BUSYBOX:-/bin/busybox}

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

# The module files, deduplicated, in load order.
module_files() {
	local kver=$1 out
	out=$(modprobe -a -S "$kver" --show-depends "${MODULES[@]}" 2>&1) ||
		die "modprobe --show-depends failed for $kver: $out"
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<<"$out"
}

BUILTIN=0
key() {
	local kver=$1
	{
		echo "$kver builtin=$BUILTIN"
		cat "$HERE/init" "$HERE/init2.sh" "$HERE/mkinitramfs.sh"
		[ $BUILTIN = 1 ] || module_files "$kver" | xargs -r stat -L -c '%n %s %Y'
		stat -L -c '%n %s %Y' "$BUSYBOX"
	} | sha256sum | cut -c1-16
}

if [ "${1:-}" = --key ]; then
	shift
	[ "${1:-}" = --builtin ] && { BUILTIN=1; shift; }
	[ $# -eq 1 ] || die "usage: mkinitramfs.sh --key [--builtin] KVER"
	key "$1"
	exit 0
fi
[ "${1:-}" = --builtin ] && { BUILTIN=1; shift; }
[ $# -eq 2 ] || die "usage: mkinitramfs.sh [--builtin] KVER OUTPUT"
KVER=$1
OUT=$2

[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (apt-get install busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked; install busybox-static"
fi
[ $BUILTIN = 1 ] || [ -d "/lib/modules/$KVER" ] || die "/lib/modules/$KVER missing"

tmp=$(mktemp -d "${OUT%/*}/.initramfs.XXXXXX")
trap 'rm -rf "$tmp" "$tmp.cpio"' EXIT
mkdir -p "$tmp/bin" "$tmp/modules" "$tmp/dev"
cp "$BUSYBOX" "$tmp/bin/busybox"
install -m 0755 "$HERE/init" "$tmp/init"
install -m 0644 "$HERE/init2.sh" "$tmp/init2.sh"

: > "$tmp/modules/order"
files=()
if [ $BUILTIN = 0 ]; then
	mapfile -t files < <(module_files "$KVER")
	[ ${#files[@]} -gt 0 ] || die "no modules found for ${MODULES[*]} in $KVER"
fi
for f in "${files[@]}"; do
	base=${f##*/}
	case "$f" in
	*.ko) cp "$f" "$tmp/modules/$base" ;;
	*.ko.xz) base=${base%.xz}; xz -dc "$f" > "$tmp/modules/$base" ;;
	*.ko.zst) base=${base%.zst}; zstd -qdc "$f" > "$tmp/modules/$base" ;;
	*.ko.gz) base=${base%.gz}; gzip -dc "$f" > "$tmp/modules/$base" ;;
	*) die "unknown module file type: $f" ;;
	esac
	echo "$base" >> "$tmp/modules/order"
done

(cd "$tmp" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) > "$tmp.cpio"
mv -f "$tmp.cpio" "$OUT"
echo "mkinitramfs.sh: built $OUT ($(stat -c %s "$OUT") bytes; modules: $(paste -sd' ' "$tmp/modules/order"))" >&2
