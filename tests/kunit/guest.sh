#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - inside the VM (started by tests/kunit/run.sh): load the KUnit
# module, which runs its suites while it loads (KTAP goes to the kernel
# console, where run.sh reads it), and remove it again. The VM's stage 2
# (tests/vm/init2.sh) then has kmemleak check what it left behind.
#
# Env: KUNIT_MODULE (the .ko), KUNIT_FILTER (SUITE_GLOB[.CASE_GLOB], may
# be empty).
set -u
ko=${KUNIT_MODULE:?KUNIT_MODULE not set}
args=()
[ -n "${KUNIT_FILTER:-}" ] && args+=("filter_glob=$KUNIT_FILTER")

echo "+ insmod ${ko##*/} ${args[*]}"
if ! insmod "$ko" "${args[@]}"; then
	echo "guest.sh: insmod failed" >&2
	exit 1
fi
echo "+ rmmod tcpstate_kunit"
rmmod tcpstate_kunit
