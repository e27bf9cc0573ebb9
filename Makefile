# SPDX-License-Identifier: GPL-2.0
#
#   make            build tcpstate.ko and tools/tcpstate
#   make check      install what is missing, build, run every test
#   make demo       boot the test VM, trace a real connection, show it
#   make lesson     issue 17's live cases (why three, why four, TIME_WAIT,
#                   flood, keepalive, half-open) in the VM, in the
#                   textbook's order, each drawn by `conns` (build/lesson/)
#   make vm         interactive shell in the test VM, module loaded
#   make lint       checkpatch --strict and sparse on module/
#   make readme-images  docs/conns-lost-syn.svg and .png, the README's picture
#   make bench      tracing cost next to ftrace, BCC tcpstates, bpftrace
#   make bench-kmod the in-kernel micro-benchmarks only: the rings at 1/2/4/8
#                   producing CPUs, the TIME_WAIT table's interrupts-off time
#   make bench-tool the tool's ns/record on the host, per output mode
#   make bench-tw   200000 TIME_WAIT sockets alive, every birth and end checked
#   make kunit      the KUnit suites on the debug kernel (SUITE=tcpstate_ring
#                   for one suite, SUITE='tcpstate_ring.ring_wrap*' for cases)
#   make vmtest-debug  the VM suite on the debug kernel (KASAN, lockdep, ...)
#   make fuzz-kernel   seeded fuzzing of /dev/tcpstate in the VM, on the stock
#                   kernel and on the debug kernel if built (FUZZ_SEEDS,
#                   FUZZ_OPS: tests/fuzz-kernel/run.sh)
#   make matrix     the whole VM suite, both hook modes, on each of Debian
#                   12's four kernels (6.1, 6.1-rt, 6.12, 6.12-rt), one table
#                   (tests/kernel/matrix.sh; MATRIX_ARGS=--kernels ...)
#   make vmtest-kernels  what make check runs on the other kernels: the
#                   whole suite on 6.12, the probe/ring subset on both RT
#   make install, dkms-install, deb, vmtest-install: packaging/install.mk
#
# KDIR: the running kernel's build tree, else the headers of Debian's
# default kernel (linux-headers-amd64), never "the newest installed"
# (tests/kdir.sh); make KVER=6.1.0-57-amd64 picks a kernel for the build
# and the VM; make KDIR=... overrides the tree.
ifneq ($(origin KVER), undefined)
KDIR ?= $(shell bash tests/kdir.sh $(KVER))
else
KDIR ?= $(shell bash tests/kdir.sh)
# The kernel release KDIR was configured for: the guest kernel to boot.
KVER := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
endif
BUILD := $(CURDIR)/build
export KDIR KVER BUILD

.PHONY: all module tool deps check unit fuzz vmtest lint demo vm bench bench-tool bench-kmod bench-tw clean vmtest-late \
	fault-module matrix vmtest-kernels vmtest-rt vmtest-rt-6.1 vmtest-rt-6.12 vmtest-install vmtest-rt-install \
	debug-kernel kunit vmtest-debug fuzz-kernel vmtest-exporter lesson

all: module tool

module:
	@test -n "$(KDIR)" || { echo "make: no kernel headers found; run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool:
	$(MAKE) -C tools

deps:
	bash tests/deps.sh

# Also vm.sh's console scanner (what fails a VM run on a kernel report)
# on synthetic consoles, no VM (tests/vm/selftest.sh; --vm boots some).
unit: tool
	$(MAKE) -C tests/unit run
	python3 tests/readme-check.py
	bash tests/vm/selftest.sh

# The README's rendered example (docs/): the tool's SVG of a fixture and
# that SVG rendered by headless chromium; make unit fails when it is stale.
.PHONY: readme-images
readme-images: tool
	bash tests/fixtures/readme-images.sh

lint:
	bash tests/lint.sh

# The tool's readers under libFuzzer, 20 s a target; the corpus is kept.
fuzz:
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=20

# The test build of tcpstate.ko (fail_init=, module/fault.h), from a copy:
# the init-failure tests load it; the product tcpstate.ko never has it.
fault-module:
	@test -n "$(KDIR)" || { echo "make: no kernel headers found; run 'make deps' or set KDIR" >&2; exit 1; }
	bash tests/kernel/fault-module.sh $(KDIR) $(BUILD)/fault-module

vmtest: all fault-module
	bash tests/integration/run-all.sh

# The debug kernel (Debian's linux-source-6.1 + tests/kernel/*.config),
# built once and cached in $(BUILD)/kernel/, and both modules against it.
debug-kernel:
	bash tests/kernel/build.sh all

kunit: debug-kernel
	bash tests/kunit/run.sh $(SUITE)

vmtest-debug: all debug-kernel
	bash tests/kernel/run-integration.sh

# fuzz_dev against /dev/tcpstate, its parameters and rmmod/insmod, seeded
# and replayable: 3 seeds on the stock kernel, then on the debug kernel
# if it is built (this never builds it). ~2 + ~2 min.
fuzz-kernel: all
	$(MAKE) -C tests/fuzz-kernel run

# Debian 12's other kernels (tests/deps.sh installs them; matrix.sh --list).
KVER_612 := 6.12.118+deb12-amd64
KVER_61_RT := 6.1.0-57-rt-amd64
KVER_612_RT := 6.12.118+deb12-rt-amd64
# On the RT kernels, what differs there: the probes, their groups, the
# ring under load, the device, the hardening tests (threaded interrupts,
# softirqs in threads); the full suite is make matrix's.
RT_SUBSET := --no-scenarios --only groups_ proc_format ioctl_info scenario_ipv4 \
	scenario_ipv6_refused stream_with_reader flood_ lost_then_more \
	small_ring_live_reader blocked_ wakeup_batching hard_ netns_records \
	no_stray_readers kernel_log_clean sessions_

# Two VMs side by side: the default kernel (as make vmtest, but built
# through run-kver.sh) and 6.12, each the whole suite in the tracepoint
# mode and in the kprobe mode the tests the state hook's kind changes
# (guest.py's HOOK_TESTS; make vmtest and make matrix run all).
vmtest-kernels: all
	bash tests/kernel/check-kernels.sh vm=$(KVER):--kprobe-subset vm-6.12=$(KVER_612):--kprobe-subset

# Both RT kernels' subsets, one after the other (about 4.5 min each);
# make check runs them apart: 6.1-rt beside the install test, 6.12-rt in
# the late lanes.
RT_61 := vm-6.1-rt=$(KVER_61_RT):$(RT_SUBSET)
RT_612 := vm-6.12-rt=$(KVER_612_RT):$(RT_SUBSET)

vmtest-rt: all
	CHECK_KERNELS_PARALLEL=1 bash tests/kernel/check-kernels.sh "$(RT_61)" "$(RT_612)"

vmtest-rt-6.1: all
	bash tests/kernel/check-kernels.sh "$(RT_61)"

vmtest-rt-6.12: all
	bash tests/kernel/check-kernels.sh "$(RT_612)"

# The packages in the test VM (tests/install/run.sh): make install, dpkg -i
# (DKMS builds for 6.1), the kernel upgrade (DKMS builds for 6.12, a second
# boot loads it), dpkg -r/-P. Two DKMS builds in the TCG guest, from a
# ccache the host fills first (tests/install/run.sh): ~6 min.
vmtest-install: all deb
	bash tests/install/run.sh

# make check: the 6.1-rt subset beside the install test (two VMs).
vmtest-rt-install: all deb
	@{ $(MAKE) vmtest-rt-6.1 > $(BUILD)/results/vmtest-rt.out 2>&1; \
		echo $$? > $(BUILD)/results/vmtest-rt.status; } & \
	$(MAKE) vmtest-install; st=$$?; wait; \
	cat $(BUILD)/results/vmtest-rt.out; \
	test $$st = 0 && test "$$(cat $(BUILD)/results/vmtest-rt.status)" = 0

# tcpstate exporter scraped by a real Prometheus server in the VM
# (tests/exporter/run.sh); writes $(BUILD)/results/exporter.count. One
# VM, about 1 min (45-56 s in the VM); part of make check.
vmtest-exporter: all
	bash tests/exporter/run.sh

matrix: all
	bash tests/kernel/matrix.sh $(MATRIX_ARGS)

# After the debug kernel is built: its suites and the last single-VM ones
# in two lanes (tests/lanes.sh), as each VM keeps one core busy.
LATE_LANE_A := vmtest-debug
LATE_LANE_B := kunit fuzz-kernel vmtest-exporter vmtest-rt-6.12
vmtest-late: all debug-kernel
	bash tests/lanes.sh "$(LATE_LANE_A)" "$(LATE_LANE_B)"

# Every suite runs even when an earlier one fails; the summary's last
# line is "N passed, N failed".
SUITES := lint unit fuzz vmtest-kernels vmtest-rt-install debug-kernel vmtest-late
# The result file each suite writes: $(BUILD)/results/<name>.count
COUNTS := lint unit fuzz vm vm-6.12 vm-6.1-rt vm-6.12-rt install kunit vm-debug \
	fuzz-kernel exporter

# The debug kernel's build (about 12 min on two cores when cold) starts at
# once at nice 19: the VMs before it leave a core idle whenever a guest
# waits (timers, TIME_WAIT, DKMS in one vCPU), and at nice 19 it takes
# only what they leave. The debug-kernel suite waits for it, then runs
# build.sh as before (nothing left to build, or the failure again, shown).
check: deps
	@rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	$(MAKE) all
	@nice -n 19 bash tests/kernel/build.sh kernel \
		> $(BUILD)/results/debug-kernel-early.log 2>&1 & early=$$!; \
	fail=0; for suite in $(SUITES); do \
		t0=$$(date +%s); \
		if [ $$suite = debug-kernel ]; then \
			wait $$early; st=$$?; \
			echo "make check: the debug kernel's early build: status $$st, waited $$(( $$(date +%s) - t0 )) s for it"; \
			tail -n 1 $(BUILD)/results/debug-kernel-early.log; \
		fi; \
		$(MAKE) $$suite || { echo "make check: suite $$suite FAILED" >&2; fail=1; }; \
		echo "$$suite $$(( $$(date +%s) - t0 ))" >> $(BUILD)/results/times; \
	done; \
	bash tests/summary.sh $(COUNTS) && exit $$fail

demo: deps
	$(MAKE) all
	bash tests/vm/vm.sh --name demo --timeout 300 -- tests/demo.sh

lesson: deps
	$(MAKE) all
	bash tests/scenarios/lesson.sh

# Not part of check: ~15-25 min, and its figures need a quiet machine.
bench: deps
	$(MAKE) all
	bash tests/bench/run.sh
	$(MAKE) bench-tool

# Only the in-kernel micro-benchmarks: the rings (1, 2, 4, 8 producing
# CPUs in one boot with 8 vCPUs: tcpstate's ring, the per-CPU prototype,
# the kernel's ring_buffer) and the TIME_WAIT table (tcpstate_twbench, ns
# per call with interrupts off at each table fill, in a boot of its own
# with the -icount clock). A few minutes.
bench-kmod: deps
	$(MAKE) all
	BENCH_PART=kmod bash tests/bench/run.sh

# Only TIME_WAIT at scale (tests/bench/tw.py): BENCH_TW_N (200000)
# TIME_WAIT sockets alive at once, each birth and end recorded with its
# duration or "unknown" as time_wait_untracked counts. -icount clock.
bench-tw: deps
	$(MAKE) all
	BENCH_PART=tw BENCH_KMOD= bash tests/bench/run.sh

# The tool's own ns/record on the host (tests/bench/tool.py): every mode
# over a generated stream of BENCH_RECORDS records, against the tool before
# it was made fast, whose output each mode must match byte for byte.
BENCH_RECORDS ?= 1000000
bench-tool: tool
	$(MAKE) -C tests/unit $(BUILD)/unit/fake_ioctl.so
	python3 tests/bench/tool.py --records $(BENCH_RECORDS) $(BENCH_TOOL_ARGS)

vm: deps
	$(MAKE) all
	bash tests/vm/vm.sh --name shell --interactive -- \
		'insmod tcpstate.ko && export PATH=$$PWD/tools:$$PATH && exec bash -i'

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/fuzz clean
	-$(MAKE) -C tests/fuzz-kernel clean
	-$(MAKE) -C tests/bench clean
	rm -rf $(BUILD)

include packaging/install.mk
