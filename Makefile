# SPDX-License-Identifier: GPL-2.0
#
#   make            build tcpstate.ko and tools/tcpstate
#   make check      install what is missing, build, run every test
#   make demo       boot the test VM, trace a real connection, show it
#   make vm         interactive shell in the test VM, module loaded
#   make lint       checkpatch --strict and sparse on module/
#   make bench      tracing cost next to ftrace, BCC tcpstates, bpftrace
#   make kunit      the KUnit suites on the debug kernel (SUITE=tcpstate_ring
#                   for one suite, SUITE='tcpstate_ring.ring_wrap*' for cases)
#   make vmtest-debug  the VM suite on the debug kernel (KASAN, lockdep, ...)
#   make fuzz-kernel   seeded fuzzing of /dev/tcpstate in the VM, on the stock
#                   kernel and on the debug kernel if built (FUZZ_SEEDS,
#                   FUZZ_OPS: tests/fuzz-kernel/run.sh)
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

.PHONY: all module tool deps check unit fuzz vmtest lint demo vm bench clean \
	fault-module \
	debug-kernel kunit vmtest-debug fuzz-kernel

all: module tool

module:
	@test -n "$(KDIR)" || { echo "make: no kernel headers found; run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool:
	$(MAKE) -C tools

deps:
	bash tests/deps.sh

unit: tool
	$(MAKE) -C tests/unit run

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

# Every suite runs even when an earlier one fails; the summary's last
# line is "N passed, N failed".
SUITES := lint unit fuzz vmtest kunit vmtest-debug fuzz-kernel
# The result file each suite writes: $(BUILD)/results/<name>.count
COUNTS := lint unit fuzz vm kunit vm-debug fuzz-kernel

check: deps
	@rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	$(MAKE) all
	@fail=0; for suite in $(SUITES); do \
		$(MAKE) $$suite || { echo "make check: suite $$suite FAILED" >&2; fail=1; }; \
	done; \
	bash tests/summary.sh $(COUNTS) && exit $$fail

demo: deps
	$(MAKE) all
	bash tests/vm/vm.sh --name demo --timeout 300 -- tests/demo.sh

# Not part of check: ~15-25 min, and its figures need a quiet machine.
bench: deps
	$(MAKE) all
	bash tests/bench/run.sh

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
