#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# In the VM: the in-kernel micro-benchmarks, figures to stdout.
#   guest.sh KMOD_DIR [rings|tw|all]
# tcpstate_ringbench*.ko (module/ring.c and prototypes, 1 to 8 producing CPUs),
# tcpstate_twbench.ko (module/twtable.c: interrupts-off time per call at
# each table fill), then the kernel's ring_buffer_benchmark.ko (one
# producer, with and without its consumer; it runs 10 s, reports through
# trace_printk).
# rings: the rings only (run.sh boots 8 vCPUs for them); tw: the table
# only (run.sh boots one vCPU on the -icount clock for it: interrupts are
# off in what it times, so the guest clock counts only its instructions,
# never the host's preemption of the emulator).
set -u
dir=$1
which=${2:-all}
T=/sys/kernel/tracing
[[ -e $T/trace ]] || mount -t tracefs nodev $T

kos=()
[[ $which = tw ]] || kos+=("$dir"/tcpstate_ringbench*.ko)
[[ $which = rings ]] || kos+=("$dir"/tcpstate_twbench.ko)
for ko in "${kos[@]}"; do
	[[ -e $ko ]] || { echo "== $(basename "$ko" .ko): not built"; continue; }
	echo "== $(basename "$ko" .ko)"
	dmesg -C
	insmod "$ko" 2>/dev/null   # refuses to stay loaded, by design
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E 'ringbench|twbench' || echo "no output"
done

[[ $which != tw ]] || exit 0
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
