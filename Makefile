# KVM_CAP_MAX_GPA_BITS: kernel series, selftests, userspace library and the
# QEMU rig that builds and tests all of it.  See README.md.
#
#   make run      build what is missing, boot 7.2 (patched and not)
#                 in every cell and print the GPA-width table
#   make check    everything's tests: rig self-tests, library unit tests, each
#                 patch on its own, and every kernel version (7.2, 6.12, 6.1)
#                 x {unpatched, patched} x every cell, then make regression
#                 (all upstream x86 selftests, unpatched vs patched 7.2,
#                 one cell).
#                 For a quick loop while editing (no patch checks, no
#                 regression): make check VERSIONS=6.12 CELLS=npt4-pa52 QUICK=1
#   make check-debug, make regression, make bench: see README.md
SHELL      := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VERSIONS   := 7.2 6.12 6.1
# Versions Debian 12 doesn't carry: their linux-source .deb comes from Debian
# unstable through a private apt configuration (rig/fetch-source.sh).
UNSTABLE_VERSIONS := 7.2
B          := $(CURDIR)/build
RIG        := $(CURDIR)/rig
PY         := /usr/bin/python3
CELLS      ?=
# Outside the checkout, so a fresh clone on the same machine reuses it.
CCACHE_DIR ?= $(HOME)/.cache/kvm-gpa-rig/ccache
export CCACHE_DIR

# Debian packages the rig needs; installed on first use (as root).
PKGS := qemu-system-x86 seabios linux-source-6.12 linux-source-6.1 debian-archive-keyring busybox-static \
	flex bison bc libelf-dev libssl-dev cpio ccache xz-utils python3 \
	make gcc g++ libc6-dev linux-libc-dev file git pkg-config rsync clang-16 time \
	libc6-dev-arm64-cross libgcc-12-dev-arm64-cross binutils-aarch64-linux-gnu \
	libc6-dev-riscv64-cross libgcc-12-dev-riscv64-cross binutils-riscv64-linux-gnu qemu-user-static

# QEMU built from source (rig/qemu): its build dependencies, the dtc that
# its meson wants for pc-bios/dtb, the 32-bit libgcc that its configure
# links against before it builds the option ROMs with gcc -m32 (not
# gcc-multilib: that conflicts with Debian's gcc cross compilers), and
# bzip2 for rig/qemu/build.sh's edk2 placeholders.
PKGS += libglib2.0-dev libfdt-dev ninja-build device-tree-compiler lib32gcc-12-dev bzip2

.PHONY: all run check deps kernels guests tools vmm unit-tests rig-tests kvmgpa-check kvmgpa-cross-check \
	$(foreach v,$(VERSIONS),tree-$(v) kernel-$(v) guest-$(v) patch-check-$(v) export-$(v) reset-$(v)) \
	boot clean distclean bench patch-check check-debug regression regression-build bochs disk \
	qemu-tree qemu export-qemu qemu-reset qemu-patch-check \
	$(foreach v,$(VERSIONS),debug-kernel-$(v))

all: kernels guests

# make disk: is there room for every version's trees?  make check and make
# run ask that first (their trees unpack side by side), and each tree-<ver>
# checks its own before it unpacks.
disk:
	@$(RIG)/disk-check.sh $(B) $(VERSIONS)

# Where a run's CPU goes: every long build and test step appends a line
# (label, user and system CPU seconds of it and its children, wall seconds)
# to build/logs/cpu.txt, which make check sums up at its end.
CPU_LOG := $(B)/logs/cpu.txt
timed = /usr/bin/time -a -o $(CPU_LOG) -f '$(1)\t%U\t%S\t%e'

deps: $(B)/.deps-ok
$(B)/.deps-ok: Makefile
	@mkdir -p $(B)/logs
	@missing=$$(for p in $(PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq >/dev/null && \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@touch $@

# --- kernel trees, kernels, guests -----------------------------------------
unstable-tarball = $(if $(filter $(1),$(UNSTABLE_VERSIONS)),$(B)/tarballs/linux-source-$(1).tar.xz)

$(B)/tarballs/linux-source-%.tar.xz: | deps
	@$(RIG)/fetch-source.sh $* $(B)/tarballs

define version_rules
tree-$(1): deps $(call unstable-tarball,$(1))
	@$(RIG)/disk-check.sh $(B) $(1)
	@$(if $(call unstable-tarball,$(1)),RIG_TARBALL=$(call unstable-tarball,$(1))) \
		$(call timed,tree-$(1)) $(RIG)/prepare-tree.sh $(1) $(B)/src/$(1) $(CURDIR)/patches/$(1)
	@[ -d $(B)/src/$(1)-base ] || $(RIG)/worktree.sh add $(B)/src/$(1) $(B)/src/$(1)-base rig-base

# The unpatched kernel starts from the patched one's objects (seed-tree.sh),
# so its first build compiles only what the series touches.
kernel-$(1): tree-$(1)
	+@$(call timed,kernel-$(1)) $(RIG)/build-kernel.sh $(B)/src/$(1) $(RIG)/config/common.config $(RIG)/config/$(1).config
	@$(call timed,seed-$(1)-base) $(RIG)/seed-tree.sh $(B)/src/$(1) $(B)/src/$(1)-base
	+@$(call timed,kernel-$(1)-base) $(RIG)/build-kernel.sh $(B)/src/$(1)-base $(RIG)/config/common.config $(RIG)/config/$(1).config

guest-$(1): kernel-$(1) tools vmm
	+@KVMGPA_LIB=$(B)/tools/libkvmgpa.a $(call timed,selftests-$(1)) $(RIG)/build-selftests.sh $(B)/src/$(1) $(B)/guest/$(1)/bin $$$$(grep -v '^\s*#' $(RIG)/plans/$(1).selftests)
	+@if [ -f $(RIG)/plans/$(1).kselftests ]; then $(RIG)/build-kselftest.sh $(B)/src/$(1) \
		$(B)/guest/$(1)/ksft $$$$(grep -v '^\s*#' $(RIG)/plans/$(1).kselftests); fi
	@cp $(B)/tools/bin/* $(RIG)/guest/bin/* $(B)/guest/$(1)/bin/
	@$(RIG)/mkinitramfs.sh $(B)/guest/$(1).cpio $(B)/guest/$(1)/bin/* $(B)/guest/vmm \
		$$$$([ -f $(RIG)/plans/$(1).kselftests ] && echo $(B)/guest/$(1)/ksft)

# The debug kernel: the patched tree's HEAD in its own worktree, built with
# rig/config/debug.config on top.
debug-kernel-$(1): tree-$(1)
	@[ -d $(B)/src/$(1)-debug ] || $(RIG)/worktree.sh add $(B)/src/$(1) $(B)/src/$(1)-debug HEAD
	@git -C $(B)/src/$(1)-debug checkout -q --detach $$$$(git -C $(B)/src/$(1) rev-parse HEAD)
	@$(RIG)/build-kernel.sh $(B)/src/$(1)-debug $(RIG)/config/common.config $(RIG)/config/$(1).config \
		$(RIG)/config/debug.config

# Every patch on its own (rig/patch-check.sh): its lines go to
# build/patch-check/<ver>.txt, and a script that stops without a FAIL line
# gets one, so that make check cannot count a half-checked series as clean.
patch-check-$(1): kernel-$(1)
	@mkdir -p $(B)/patch-check
	+@rc=0; $(call timed,patch-check-$(1)) $(RIG)/patch-check.sh $(1) $(B)/src/$(1) $(CURDIR)/patches/$(1) \
		>$(B)/patch-check/$(1).txt 2>&1 || rc=$$$$?; \
	if [ $$$$rc != 0 ] && ! grep -q '^FAIL' $(B)/patch-check/$(1).txt; then \
		echo "FAIL patch-check.sh stopped (exit $$$$rc)" >>$(B)/patch-check/$(1).txt; fi

export-$(1):
	@$(RIG)/export-patches.sh $(B)/src/$(1) $(CURDIR)/patches/$(1)
	@$(RIG)/cover-tail.sh $(B)/src/$(1) $(CURDIR)/patches/$(1)

reset-$(1):
	@git -C $(B)/src/$(1) reset -q --hard rig-base && rm -f $(B)/src/$(1)/.git/rig-series
	@$(RIG)/prepare-tree.sh $(1) $(B)/src/$(1) $(CURDIR)/patches/$(1)
endef
$(foreach v,$(VERSIONS),$(eval $(call version_rules,$(v))))

kernels: $(foreach v,$(VERSIONS),kernel-$(v))
guests: $(foreach v,$(VERSIONS),guest-$(v))

# Builds nothing waits on for long (Bochs, QEMU) give way to the kernels.
NICE := nice -n 10
# Bochs, for the Intel VMX/EPT cells, built from the team's shared source
# archive beside the checkout.  Without it those cells are skipped, and
# build/bochs/unavailable says why (rig.py prints that one line).
SHARED ?= $(abspath $(CURDIR)/../shared)
BOCHS_TARBALL ?= $(SHARED)/third_party/bochs-2.7.tar.xz
bochs: deps
	+@rm -f $(B)/bochs/unavailable; rc=0; \
	$(NICE) $(call timed,bochs) $(RIG)/build-bochs.sh $(BOCHS_TARBALL) $(B)/bochs 2>$(B)/bochs-build.err || rc=$$?; \
	if [ $$rc = 3 ]; then mkdir -p $(B)/bochs && cp $(B)/bochs-build.err $(B)/bochs/unavailable; \
	elif [ $$rc != 0 ]; then cat $(B)/bochs-build.err >&2; exit $$rc; fi

# QEMU as the VMM inside the guests (rig/vmm): 10.2.2 with patches/qemu
# (make qemu) and bookworm-backports' 10.0.2 (unpacked under build/ by
# rig/vmm/fetch-qemu.sh; the system's apt configuration is not touched),
# each with its firmware, their libraries, and the L2 payload; /rig/vmm in
# the guest.  Not the system's QEMU 7.2: it behaved as 10.0.2 in every
# scenario, cell and kernel (docs/results.md), at about 100 s of boots per
# kernel version.
vmm: $(B)/guest/vmm/vmm-test
$(B)/guest/vmm/vmm-test: $(wildcard $(RIG)/vmm/*) $(B)/qemu-backports/version \
		$(B)/qemu/root/usr/bin/qemu-system-x86_64 | deps
	@$(RIG)/vmm/build-vmm.sh $(B)/guest/vmm $(B)/qemu-backports/root $(B)/qemu/root
$(B)/qemu-backports/version: | deps
	@$(RIG)/vmm/fetch-qemu.sh $(B)/qemu-backports

# QEMU 10.2.2 built from its upstream source (Debian unstable's orig
# tarball, no Debian patches) with patches/qemu applied, to run as a VMM in
# the guests beside Debian's (rig/qemu).  build/qemu/src is a git tree: the
# untouched source tagged rig-base, then one commit per patch; edit and
# commit there, then make export-qemu.  qemu-tree fetches and unpacks only
# what is missing; qemu builds (ninja: only what changed) and stages
# build/qemu/root, whose files change only when their contents do.
QEMU_SRC := $(B)/qemu/src
qemu-tree: deps
	@[ -d $(QEMU_SRC)/.git ] && [ -f $(B)/qemu/py/version ] || \
		$(call timed,qemu-tree) $(RIG)/qemu/fetch-source.sh $(B)/qemu $(CURDIR)/patches/qemu
qemu: $(B)/qemu/root/usr/bin/qemu-system-x86_64
$(B)/qemu/root/usr/bin/qemu-system-x86_64: qemu-tree $(B)/qemu-backports/version
	+@$(NICE) $(call timed,qemu) $(RIG)/qemu/build.sh $(B)/qemu $(B)/qemu-backports/root

# The tree's commits after rig-base into patches/qemu and its series, as
# export-<ver> does for the kernels (unchanged patches stay byte-identical).
# The cover letter, 0000-cover-letter.patch, is written by hand like the
# kernel series' and is never overwritten: git format-patch's template is
# put there only while there is none.
export-qemu:
	@$(RIG)/export-patches.sh $(QEMU_SRC) $(CURDIR)/patches/qemu
	@p=$(CURDIR)/patches/qemu; \
	if [ -s $$p/series ] && [ ! -f $$p/0000-cover-letter.patch ]; then \
		t=$$(mktemp -d); \
		git -C $(QEMU_SRC) -c user.name="KVM GPA Team" -c user.email=kvm-gpa@example.org \
			format-patch -q --cover-letter --zero-commit --no-signature -o $$t rig-base..HEAD && cp $$t/0000-cover-letter.patch $$p/; rm -rf $$t; \
		echo "export-qemu: wrote a template $$p/0000-cover-letter.patch: fill in its subject and blurb"; \
	elif [ -s $$p/series ]; then \
		$(RIG)/cover-tail.sh $(QEMU_SRC) $$p; \
		echo "export-qemu: $$p/0000-cover-letter.patch: its text kept, its shortlog and diffstat brought up to date"; \
	fi

# Each patch of patches/qemu on its own: QEMU's checkpatch.pl and a build
# at that patch, in a worktree and build folder of its own.  Not part of
# make check (six incremental QEMU builds); run it after changing the series.
qemu-patch-check: qemu-tree $(B)/qemu-backports/version
	@$(RIG)/qemu/patch-check.sh $(B)/qemu $(B)/qemu-backports/root $(CURDIR)/patches/qemu

# Drop the tree's commits and edits, back to rig-base plus patches/qemu.
qemu-reset:
	@git -C $(QEMU_SRC) reset -q --hard rig-base && rm -f $(QEMU_SRC)/.git/rig-series
	@$(RIG)/qemu/fetch-source.sh $(B)/qemu $(CURDIR)/patches/qemu

# libkvmgpa's programs, static, for the guests.
tools: deps
	@$(MAKE) -s -C $(CURDIR)/kvmgpa O=$(B)/tools STATIC=1 all

kvmgpa-check: deps
	@$(call timed,kvmgpa-check) $(MAKE) -s -C $(CURDIR)/kvmgpa O=$(B)/kvmgpa-test check

# libkvmgpa's arm64 and riscv64 ladders: its unit and CLI tests cross-built
# with clang-16 and the cross libc, libgcc and binutils in PKGS (Debian 12's
# gcc-*-linux-gnu cross compilers conflict with gcc-multilib), run under
# qemu-user-static.
kvmgpa-cross-check: deps
	@$(call timed,kvmgpa-cross-check) $(MAKE) -s -C $(CURDIR)/kvmgpa O=$(B)/kvmgpa-test check-cross

# --- tests ------------------------------------------------------------------
rig-tests: deps
	@$(PY) -m unittest discover -s $(RIG)/tests -t $(RIG) -q

unit-tests: rig-tests kvmgpa-check kvmgpa-cross-check

# The kernels `rig.py check` boots: "--run KERNEL VARIANT BZIMAGE INITRD PLAN".
src-dir = $(B)/src/$(1)$(if $(filter base,$(2)),-base,$(if $(filter debug,$(2)),-debug))
run-arg = --run $(1) $(2) $(call src-dir,$(1),$(2))/arch/x86/boot/bzImage $(B)/guest/$(1).cpio $(3)
CHECK_RUNS = $(foreach v,$(VERSIONS),$(foreach var,base patched,$(call run-arg,$(v),$(var),$(RIG)/plans/$(v).tests)))
DEBUG_RUNS = $(foreach v,$(VERSIONS),$(call run-arg,$(v),debug,$(RIG)/plans/$(v).debug.tests))

# Every patch on its own: builds, no new W=1 warnings, checkpatch --strict.
patch-check-lines = for v in $(VERSIONS); do sed "s/^/[$$v] /" $(B)/patch-check/$$v.txt; done
patch-check: $(foreach v,$(VERSIONS),patch-check-$(v))
	@$(patch-check-lines) | tee $(B)/patch-check/all.txt; ! grep -q '^\[[^]]*\] FAIL' $(B)/patch-check/all.txt

# make check ends with make regression (the mainline, 7.2), but not with QUICK=1.
REGRESSION_IN_CHECK = $(if $(QUICK),,$(filter $(REGRESSION_VERSION),$(VERSIONS)))
# The independent builds (each kernel version, its patch checks, Bochs,
# QEMU, the unit tests, the regression's selftests) run side by side, with
# single-threaded stretches (unpacking, git, configuring, linking,
# checkpatch) that the others fill.  They share one jobserver of PAR slots
# (rig/jobs.sh): a build holds one while it runs, and its make takes more
# only when they are free, so no more than PAR compilers run at once.
# Each with its own -j$(nproc), five at a time, ran up to ten on two CPUs,
# and that was CPU lost, not only wall time: a 6.1 kernel took 330 CPU-s
# alone and 391 beside a second one (docs/performance.md).  The kernels
# come first, so that the mainline's tree (fetched, so ready last) never
# waits for a slot behind QEMU and Bochs, and those two yield the CPUs to
# the kernels (NICE).
PAR ?= $(shell echo $$(($$(nproc) + 1)))
check: disk
	@mkdir -p $(B)/logs && : > $(CPU_LOG)
	@$(MAKE) --no-print-directory -j$(PAR) $(foreach v,$(VERSIONS),kernel-$(v)) bochs guests \
		$(if $(QUICK),,$(foreach v,$(VERSIONS),patch-check-$(v))) $(if $(REGRESSION_IN_CHECK),regression-build) \
		unit-tests
	@rm -rf $(B)/logs/check && mkdir -p $(B)/logs/check
	@$(if $(QUICK),:,$(patch-check-lines) | tee $(B)/logs/check/patch-check.txt)
	@rc=0; $(call timed,boots) $(PY) $(RIG)/rig.py check $(CHECK_RUNS) --log-dir $(B)/logs/check \
		$(if $(QUICK),,--pre $(B)/logs/check/patch-check.txt) $(if $(CELLS),--cells $(CELLS)) || rc=1; \
	$(if $(REGRESSION_IN_CHECK),$(call timed,regression) $(RIG)/regression.sh $(B) $(REGRESSION_CELL) $(REGRESSION_VERSION) || rc=1;) \
	$(PY) $(RIG)/cpu_summary.py $(CPU_LOG); exit $$rc

# Debug kernels (KASAN, lockdep, UBSAN, DEBUG_VM, kmemleak) in every QEMU
# cell (Bochs would take hours): too slow for CI, so a target of its own.
QEMU_CELLS = $(shell awk '!/^\#/ && $$2 == "qemu" { printf "%s%s", s, $$1; s = "," }' $(RIG)/cells)
check-debug: guests $(foreach v,$(VERSIONS),debug-kernel-$(v))
	@rm -rf $(B)/logs/debug && mkdir -p $(B)/logs/debug
	@$(PY) $(RIG)/rig.py check $(DEBUG_RUNS) --log-dir $(B)/logs/debug \
		--cells $(or $(CELLS),$(QEMU_CELLS))

# Ad-hoc: make boot V=6.12 VARIANT=patched CELL=npt4-pa52 CMD='...' [EXTRA=dir]
V ?= 6.12
VARIANT ?= patched
CELL ?= npt4-pa52
CMD ?= cat /proc/cpuinfo
boot: guest-$(V) bochs
	@$(PY) $(RIG)/rig.py boot --cell $(CELL) --version $(V) --cmd '$(CMD)' $(if $(EXTRA),--extra $(EXTRA)) \
		--kernel $(call src-dir,$(V),$(VARIANT))/arch/x86/boot/bzImage \
		--initrd $(B)/guest/$(V).cpio

# Every upstream x86 KVM selftest, unpatched vs patched, one cell: the
# mainline, 7.2 (in make check), or a backport with REGRESSION_VERSION=6.12/6.1.
# npt4-pa52: the configuration of the bug, where the series takes its new paths.
REGRESSION_CELL ?= npt4-pa52
REGRESSION_VERSION ?= 7.2
regression: guest-$(REGRESSION_VERSION)
	@$(RIG)/regression.sh $(B) $(REGRESSION_CELL) $(REGRESSION_VERSION)
# Only its tests' build; after the guest's, whose selftests come from the
# same tree.
regression-build: guest-$(REGRESSION_VERSION)
	+@$(call timed,regression-build) $(RIG)/regression.sh --build-only $(B) $(REGRESSION_CELL) $(REGRESSION_VERSION)

# Not a pass/fail test: what the series costs, unpatched vs patched, in
# guest instructions counted by QEMU's -icount (rig/bench.py says why).
BENCH_VERSIONS ?= $(VERSIONS)
BENCH_CELLS ?= npt4-pa52 npt5-pa52
BENCH_ROUNDS ?= 11
bench: $(foreach v,$(BENCH_VERSIONS),guest-$(v))
	@$(PY) $(RIG)/bench.py --build $(B) --versions "$(BENCH_VERSIONS)" --cells "$(BENCH_CELLS)" \
		--rounds $(BENCH_ROUNDS)

# The table: the mainline series, patched and not.  RUN_VERSIONS="7.2 6.12
# 6.1" adds the backports, each one kernel build more (about 5 minutes on two
# CPUs from an empty ccache).
RUN_VERSIONS ?= 7.2
# The table's guests need only libkvmgpa's static programs, the same for
# every kernel version: no selftests to build.
$(B)/guest/run.cpio: tools $(RIG)/mkinitramfs.sh $(RIG)/guest/init
	@mkdir -p $(B)/guest
	@$(RIG)/mkinitramfs.sh $@ $(B)/tools/bin/*
run:
	@$(RIG)/disk-check.sh $(B) $(RUN_VERSIONS)
	@$(MAKE) --no-print-directory -j$(PAR) $(foreach v,$(RUN_VERSIONS),kernel-$(v)) \
		$(B)/guest/run.cpio bochs
	@$(PY) $(RIG)/table.py --build $(B) $(foreach v,$(RUN_VERSIONS),--version $(v))

clean:
	rm -rf $(B)/guest $(B)/logs $(B)/tools

distclean:
	rm -rf $(B)
