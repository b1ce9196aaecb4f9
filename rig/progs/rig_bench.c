// SPDX-License-Identifier: GPL-2.0-only
/*
 * The workloads of "make bench": the paths the KVM_CAP_MAX_GPA_BITS series
 * touches, each timed over many operations in one process.
 *
 *   memslot        KVM_SET_USER_MEMORY_REGION: create a 2 MiB slot, delete it
 *   check_ext      KVM_CHECK_EXTENSION(KVM_CAP_MAX_GPA_BITS) on the VM fd
 *   fault_in       a guest write to each page of a fresh memslot: one
 *                  NPT/EPT violation per page, mapped by the MMU's fault path
 *   dirty_fault    the same writes with dirty logging on, after each
 *                  KVM_GET_DIRTY_LOG has write-protected the pages again: one
 *                  write-protection fault per page, fixed by the fast path
 *
 *   -w BITS        only fault_in, dirty_fault and mapped_pass, named with
 *                  the suffix _setw, in a VM whose width is set to BITS
 *                  with KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) before it has
 *                  memslots or vCPUs; where the kernel cannot set it (no
 *                  per-VM width on x86 before the series), in a plain VM,
 *                  so that patched over unpatched is what a VMM setting
 *                  the width pays on the fault path
 *
 * The fault costs are per page and net of the same guest loop over pages
 * that are already mapped writable, so that the guest's own instructions
 * do not dilute a change in KVM's.  The rig runs this under QEMU's -icount,
 * where CLOCK_MONOTONIC advances with executed guest instructions: a
 * nanosecond here is an instruction, not host time.
 *
 *   rig_bench [-p pages] [-m memslot-iterations] [-c check-iterations] [-r passes]
 *             [-w bits]
 *
 * Prints "bench: NAME VALUE" lines (ns per operation) and exits 0, or fails
 * with the selftests library's assertion message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvmgpa.h"
#include "kvm_util.h"
#include "processor.h"

/* The series' number, so that an unpatched kernel's header builds this too. */
#ifndef KVM_CAP_MAX_GPA_BITS
#define KVM_CAP_MAX_GPA_BITS 250
#endif

#define TEST_SLOT	1
#define TEST_GPA	0x40000000ull	/* 1 GiB: clear of the library's slot 0 */
#define SCRATCH_SLOT	2
#define SCRATCH_GPA	0x80000000ull
#define SCRATCH_SIZE	0x200000ull
#define PAGE		4096ull

/*
 * -w: the selftests library creates a VM and its memslot 0 in one call, and
 * a VM's width can only be set before its first memslot.  The rig links
 * this program with --wrap=ioctl (rig-progs.mk), so every KVM_CREATE_VM the
 * library issues passes here, and libkvmgpa sets the width on the new VM at
 * once, as a VMM using the library would.
 */
static unsigned int set_width_bits;
static enum { WIDTH_NOT_TRIED, WIDTH_SET, WIDTH_NOT_SETTABLE } set_width_result;

int __real_ioctl(int fd, unsigned long request, void *arg);

int __wrap_ioctl(int fd, unsigned long request, void *arg)
{
	int r = __real_ioctl(fd, request, arg);
	int err;

	if (request != KVM_CREATE_VM || r < 0 || !set_width_bits)
		return r;
	/* libkvmgpa's own ioctls come back here, and pass straight through. */
	err = kvmgpa_set_vm_bits(r, set_width_bits);
	if (!err)
		set_width_result = WIDTH_SET;
	else if (err == -EOPNOTSUPP)
		set_width_result = WIDTH_NOT_SETTABLE;
	else
		TEST_FAIL("kvmgpa_set_vm_bits(%u): %s", set_width_bits, strerror(-err));
	return r;
}

static void guest_code(uint64_t base, uint64_t npages)
{
	uint64_t i;

	for (;;) {
		for (i = 0; i < npages; i++)
			*(volatile uint64_t *)(base + i * PAGE) = i;
		GUEST_SYNC(0);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* One pass of the guest over every page; the time from KVM_RUN to its sync. */
static uint64_t guest_pass(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	uint64_t t0 = now_ns();

	vcpu_run(vcpu);
	t0 = now_ns() - t0;
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("guest pass ended with exit reason %u, ucall %lu",
			  vcpu->run->exit_reason, (unsigned long)uc.cmd);
	}
	return t0;
}

static void set_region(struct kvm_vm *vm, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = SCRATCH_SLOT,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	/* __real_ioctl: the timed loops call KVM as they did before the wrapper. */
	TEST_ASSERT(!__real_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r),
		    "KVM_SET_USER_MEMORY_REGION(size 0x%lx): %s", (unsigned long)size,
		    strerror(errno));
}

static void bench_memslot(struct kvm_vm *vm, int iters)
{
	void *hva = mmap(NULL, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t;
	int i;

	TEST_ASSERT(hva != MAP_FAILED, "mmap: %s", strerror(errno));
	t = now_ns();
	for (i = 0; i < iters; i++) {
		set_region(vm, SCRATCH_GPA, SCRATCH_SIZE, hva);
		set_region(vm, SCRATCH_GPA, 0, hva);
	}
	t = now_ns() - t;
	printf("bench: memslot %.1f\n", (double)t / iters);
	munmap(hva, SCRATCH_SIZE);
}

static void bench_check_extension(struct kvm_vm *vm, int iters)
{
	uint64_t t;
	int i, r = 0;

	t = now_ns();
	for (i = 0; i < iters; i++)
		r = __real_ioctl(vm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_MAX_GPA_BITS);
	t = now_ns() - t;
	TEST_ASSERT(r >= 0, "KVM_CHECK_EXTENSION: %s", strerror(errno));
	printf("bench: check_ext %.1f\n", (double)t / iters);
	printf("# KVM_CAP_MAX_GPA_BITS on the VM fd: %d\n", r);
}

static void bench_faults(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint64_t npages, int passes,
			 const char *suffix)
{
	uint64_t *bitmap = calloc(npages / 64 + 1, sizeof(*bitmap));
	uint64_t fault_in, mapped = UINT64_MAX, dirty = 0, t;
	int i;

	TEST_ASSERT(bitmap, "calloc");
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, TEST_GPA, TEST_SLOT, npages, 0);
	virt_map(vm, TEST_GPA, TEST_GPA, npages);
	/* Fault the host pages in now: the guest's faults then time KVM's MMU, not mm's. */
	memset(addr_gpa2hva(vm, TEST_GPA), 0, npages * PAGE);
	vcpu_args_set(vcpu, 2, TEST_GPA, npages);

	/* The first pass also faults in the guest's code and page tables: run one before. */
	fault_in = guest_pass(vcpu);
	for (i = 0; i < passes; i++) {
		t = guest_pass(vcpu);
		mapped = t < mapped ? t : mapped;
	}
	vm_mem_region_set_flags(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES);
	for (i = 0; i < passes; i++) {
		kvm_vm_get_dirty_log(vm, TEST_SLOT, bitmap);
		dirty += guest_pass(vcpu);
	}
	kvm_vm_get_dirty_log(vm, TEST_SLOT, bitmap);
	for (i = 0; i < (int)npages; i++)
		TEST_ASSERT(bitmap[i / 64] & (1ull << (i % 64)),
			    "page %d written by the guest but not in the dirty log", i);

	/* About 7 ns a page: one decimal would make 6.7 against 6.8 a 1.5% change. */
	printf("bench: mapped_pass%s %.3f\n", suffix, (double)mapped / npages);
	printf("bench: fault_in%s %.1f\n", suffix, ((double)fault_in - mapped) / npages);
	printf("bench: dirty_fault%s %.1f\n", suffix, ((double)dirty / passes - mapped) / npages);
	free(bitmap);
}

int main(int argc, char *argv[])
{
	int memslot_iters = 2000, check_iters = 200000, passes = 4, opt;
	uint64_t npages = 4096;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	while ((opt = getopt(argc, argv, "p:m:c:r:w:")) != -1) {
		switch (opt) {
		case 'p': npages = strtoull(optarg, NULL, 0); break;
		case 'm': memslot_iters = atoi(optarg); break;
		case 'c': check_iters = atoi(optarg); break;
		case 'r': passes = atoi(optarg); break;
		case 'w': set_width_bits = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-p pages] [-m memslot-iterations] "
				"[-c check-iterations] [-r passes] [-w bits]\n", argv[0]);
			return 2;
		}
	}
	TEST_ASSERT(npages && memslot_iters > 0 && check_iters > 0 && passes > 0,
		    "every count must be positive");
	/* The test memory, at 1 GiB, must lie below the width. */
	TEST_ASSERT(!set_width_bits || (set_width_bits >= 32 && set_width_bits <= 52),
		    "-w takes 32 to 52 bits");

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	if (set_width_bits) {
		TEST_ASSERT(set_width_result != WIDTH_NOT_TRIED,
			    "KVM_CREATE_VM did not pass through the ioctl wrapper");
		printf("# the VM's width, %u bits: %s\n", set_width_bits,
		       set_width_result == WIDTH_SET ? "set" :
		       "not settable on this kernel: a plain VM");
		bench_faults(vm, vcpu, npages, passes, "_setw");
	} else {
		bench_memslot(vm, memslot_iters);
		bench_check_extension(vm, check_iters);
		bench_faults(vm, vcpu, npages, passes, "");
	}
	kvm_vm_free(vm);
	return 0;
}
