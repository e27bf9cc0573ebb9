#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kdir.sh - the kernel build tree to build tcpstate.ko against, chosen the
# same way every time (never "the newest headers installed"):
#
#   tests/kdir.sh [KVER]
#
#   KVER given     /lib/modules/KVER/build, else /usr/src/linux-headers-KVER
#   no KVER        the running kernel's /lib/modules/$(uname -r)/build, else
#                  the headers Debian's linux-headers-amd64 depends on (the
#                  default kernel), else the only linux-headers-*-amd64
#   --release [KVER]  print the kernel release the tree was built for
#                  (the guest kernel to boot) instead of the directory
# Prints the directory; exits 1 with a message naming what is missing.
set -uo pipefail

if [ "${1:-}" = --release ]; then
	dir=$(bash "${BASH_SOURCE[0]}" "${@:2}") || exit 1
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$dir/include/generated/utsrelease.h"
	exit 0
fi
kver=${1:-}
if [ -n "$kver" ]; then
	for d in "/lib/modules/$kver/build" "/usr/src/linux-headers-$kver"; do
		[ -d "$d" ] && { echo "$d"; exit 0; }
	done
	echo "kdir.sh: no build tree for kernel $kver (apt-get install linux-headers-$kver)" >&2
	exit 1
fi

if [ -d "/lib/modules/$(uname -r)/build" ]; then
	echo "/lib/modules/$(uname -r)/build"
	exit 0
fi
dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	grep -o 'linux-headers-[^ ,]*' | head -n 1)
if [ -n "$dep" ] && [ -d "/usr/src/$dep" ]; then
	echo "/usr/src/$dep"
	exit 0
fi
mapfile -t all < <(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null)
if [ ${#all[@]} -eq 1 ]; then
	echo "${all[0]}"
	exit 0
fi
echo "kdir.sh: cannot choose a kernel build tree (${#all[@]} candidates, no linux-headers-amd64): run 'make deps' or say KVER=" >&2
exit 1
