#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# In the VM: the in-kernel micro-benchmarks, figures to stdout.
#   guest.sh KMOD_DIR
# tcpstate_ringbench.ko (module/ring.c, 1 and 2 producing CPUs), then the
# kernel's ring_buffer_benchmark.ko (one producer, with and without its
# consumer; it runs 10 s, reports through trace_printk).
set -u
dir=$1
T=/sys/kernel/tracing
[[ -e $T/trace ]] || mount -t tracefs nodev $T

for ko in "$dir"/tcpstate_ringbench*.ko; do
	echo "== $(basename "$ko" .ko)"
	dmesg -C
	insmod "$ko" 2>/dev/null   # refuses to stay loaded, by design
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E 'ringbench' || echo "no output"
done

rb=$dir/ring_buffer_benchmark.ko
[[ -e $rb ]] || { echo "== ring_buffer_benchmark: not built"; exit 0; }
for reader in 0 1; do
	echo "== ring_buffer_benchmark disable_reader=$reader"
	echo > $T/trace
	insmod "$rb" disable_reader=$reader || continue
	for _ in $(seq 60); do
		grep -q 'ns per entry' $T/trace && break
		sleep 1
	done
	rmmod ring_buffer_benchmark
	grep -E 'Time:|Overruns:|Read:|Entries:|Total:|Missed:|Hit:|per millisec|ns per entry' $T/trace |
		sed 's/^.*: //; s/^ *//' | sed -n '1,12p'
done
