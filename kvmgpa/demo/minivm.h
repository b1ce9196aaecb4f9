/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause */
/* Copyright (c) 2026 KVM GPA Team */
/*
 * A minimal x86-64 VM for the demo VMM and the reproducer: one vCPU in
 * 64-bit mode, low memory identity-mapped, and "windows": guest-virtual pages
 * that can point at any guest-physical address.
 */
#ifndef MINIVM_H
#define MINIVM_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#define MINIVM_LOW_SIZE		0x200000ull	/* slot 0: [0, 2 MiB) */
#define MINIVM_WINDOW_GVA	0x200000ull	/* window i is at +i * 4 KiB */
#define MINIVM_PAGE		0x1000ull

struct minivm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	uint8_t *low;			/* host view of slot 0 */
	unsigned int guest_maxphyaddr;
	uint32_t supported_80000008;	/* KVM_GET_SUPPORTED_CPUID's leaf 0x80000008 EAX */
	unsigned int gpa_bits;		/* the VM's width as set by minivm_create_ex(), 0: KVM's */
	int start_err;			/* errno of minivm_start()'s KVM_SET_REGS */
};

enum minivm_outcome {
	MINIVM_HLT,		/* the guest program finished */
	MINIVM_MMIO,		/* an MMIO exit, recorded in the run struct */
	MINIVM_TIMEOUT,		/* no exit to userspace within the time limit */
	MINIVM_OTHER,		/* any other exit; see run->exit_reason */
	MINIVM_ERROR,		/* KVM_RUN failed */
};

/* Returns 0, or -errno with a message in @err. */
int minivm_create(struct minivm *m, int kvm_fd, char *err, size_t errlen);
/*
 * minivm_create() with the VM's GPA width set to @gpa_bits (0: leave KVM's)
 * right after KVM_CREATE_VM, before any memslot or vCPU, with
 * kvmgpa_set_vm_bits().  Its errors come back as they are: -EOPNOTSUPP when
 * the kernel can't set a VM's width, -EINVAL for one above KVM's ceiling.
 */
int minivm_create_ex(struct minivm *m, int kvm_fd, unsigned int gpa_bits, char *err,
		     size_t errlen);
void minivm_destroy(struct minivm *m);

/* Point window @i at @gpa. */
uint64_t minivm_window(struct minivm *m, unsigned int i, uint64_t gpa);

/* Set a memslot; returns 0 or -errno (the kernel's answer). */
int minivm_set_slot(struct minivm *m, uint32_t slot, uint64_t gpa, uint64_t size, void *hva);
int minivm_set_slot_flags(struct minivm *m, uint32_t slot, uint64_t gpa, uint64_t size,
			  void *hva, uint32_t flags);

/* KVM_GET_DIRTY_LOG into @bitmap (one bit per page); 0 or -errno. */
int minivm_dirty_log(struct minivm *m, uint32_t slot, uint64_t *bitmap);

/* Give the guest another MAXPHYADDR than KVM suggests; 0 or -errno. */
int minivm_set_maxphyaddr(struct minivm *m, unsigned int bits);
/* Set the guest's CPUID leaf 0x80000008 EAX; 0 or -errno. */
int minivm_set_cpuid_80000008(struct minivm *m, uint32_t eax);

/*
 * Run "store @val to @gva (if @write), load it back into RAX, HLT" from the
 * start.  The result of the load is left in *@loaded on MINIVM_HLT.
 */
void minivm_start(struct minivm *m, uint64_t gva, uint64_t val, bool write);
enum minivm_outcome minivm_run(struct minivm *m, unsigned int timeout_ms);
uint64_t minivm_rax(struct minivm *m);

const char *minivm_exit_name(uint32_t reason);

#endif /* MINIVM_H */
