#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/deps.sh - install the Debian packages tcpstate's build and tests
# need, only those missing. With everything present it makes one dpkg-query
# call and no apt call at all; "apt-get update" runs only when something
# has to be installed. Idempotent; prints what it installs.
set -euo pipefail

PKGS=(
	build-essential gcc make binutils	# module + tool build, readelf
	linux-image-amd64			# the guest kernel + /lib/modules
	linux-headers-amd64			# KDIR for the out-of-tree build
	linux-source-6.1			# scripts/checkpatch.pl (tests/lint.sh)
	sparse perl				# tests/lint.sh
	qemu-system-x86				# tests/vm/vm.sh
	busybox-static cpio kmod xz-utils	# the VM's initramfs
	util-linux coreutils			# flock, setsid, timeout
	python3 tcpdump nftables iproute2 trace-cmd procps	# in-guest tests
	graphviz				# dot: make demo's state diagram, DOT check in unit
	gettext					# msgfmt (the tool's translations), xgettext (unit: po/ current)
	clang libclang-rt-14-dev		# libFuzzer + ASan/UBSan: make fuzz
	flex bison bc libelf-dev libssl-dev	# the debug kernel: tests/kernel/build.sh
	dkms lintian mandoc man-db bash-completion	# packaging: make deb, vmtest-install
	ccache					# vmtest-install: the guest's DKMS builds, filled on the host
	chromium libxml2-utils			# unit: conns --svg/--html rendered headless, xmllint
	prometheus				# exporter: the real server scrapes it; promtool checks
)
# The kernels of the matrix (tests/kernel/matrix.sh --list: 6.1, 6.1-rt,
# 6.12, 6.12-rt): each one's image (the guest) and headers (its build).
while read -r k; do
	[ -n "$k" ] && PKGS+=("linux-image-$k" "linux-headers-$k")
done < <(bash "$(dirname "${BASH_SOURCE[0]}")/kernel/matrix.sh" --list)

# One line per installed package: "name ii".
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PKGS[@]}" 2>/dev/null || true)
missing=()
for p in "${PKGS[@]}"; do
	grep -qx "$p ii *" <<<"$installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing: ${missing[*]}"
	SUDO=
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || {
			echo "deps.sh: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
			exit 1
		}
		SUDO=sudo
	fi
	export DEBIAN_FRONTEND=noninteractive
	# In a container nothing boots the kernel images installed here
	# but the test VM, with its own initramfs (tests/vm/mkinitramfs.sh):
	# their initramfs-tools hook is skipped (INITRD=No, which Debian's
	# /etc/kernel/postinst.d/initramfs-tools honours), about a minute
	# of CPU per kernel, four kernels. On a machine that boots, the
	# images get their initramfs as usual.
	initrd=()
	if [ -e /.dockerenv ] || [ -e /run/.containerenv ] ||
		systemd-detect-virt --container -q 2>/dev/null; then
		echo "deps.sh: in a container: the kernel images get no initramfs (INITRD=No)"
		initrd=(env INITRD=No)
	fi
	$SUDO apt-get update -q
	$SUDO "${initrd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
	echo "deps.sh: installed: ${missing[*]}"
else
	echo "deps.sh: all ${#PKGS[@]} packages present"
fi

# The guest boots the kernel the headers belong to: say so if the default
# headers have no matching kernel image (the Makefile's KVER).
hdr=$(bash "$(dirname "${BASH_SOURCE[0]}")/kdir.sh" 2>/dev/null)
if [ -n "$hdr" ]; then
	# Not include/config/kernel.release: Debian's says "6.1.192".
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$hdr/include/generated/utsrelease.h" 2>/dev/null || true)
	if [ -n "$kver" ] && { [ ! -d "/lib/modules/$kver/kernel" ] || [ ! -e "/boot/vmlinuz-$kver" ]; }; then
		echo "deps.sh: warning: headers for $kver but no kernel image $kver (apt-get install linux-image-$kver)" >&2
	fi
fi
