/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause */
/* Copyright (c) 2026 KVM GPA Team */
/*
 * libkvmgpa: how much guest-physical address space can KVM map?
 *
 * A VMM must keep guest RAM and 64-bit PCI BARs below 2^N, where N is the
 * number of GPA bits KVM can map.  N can be smaller than the CPU's
 * MAXPHYADDR: with 4-level EPT/NPT only 48 bits are translated.  This library
 * finds N on any kernel, from the most to the least authoritative source:
 *
 *   1. KVM_CHECK_EXTENSION(KVM_CAP_MAX_GPA_BITS), on a VM fd when given one,
 *      believed only where KVM_CAP_VM_GPA_BITS on the same fd agrees (a VM
 *      fd answers with its own width, at most KVM_CAP_MAX_GPA_BITS);
 *   2. GuestPhysAddrSize, CPUID 0x80000008 EAX[23:16] from
 *      KVM_GET_SUPPORTED_CPUID (Linux 6.10 and later, with TDP), or, where
 *      it is 0 on a kernel that also answers KVM_CAP_PRE_FAULT_MEMORY with
 *      0, the inference that TDP is off and shadow paging maps 52 bits;
 *   3. /proc/cpuinfo and the kvm_intel/kvm_amd module parameters: TDP off
 *      or absent (no EPT/NPT in the flags) means 52; MAXPHYADDR at most 48
 *      is exact; above it, "ept_5level" in the vmx flags (Intel) or "la57"
 *      in the flags (AMD, whose NPT follows the host's paging mode); never
 *      above KVM's own MAXPHYADDR under TDP;
 *   4. a conservative guess, min(MAXPHYADDR, 48).
 *
 * A source that is missing, unreadable or malformed is skipped, with the
 * reason recorded.  The library reads procfs and sysfs and opens /dev/kvm
 * only where the caller allows it (kvmgpa_options.flags).
 *
 * That is x86.  The library is built for one architecture, and asks its
 * KVM in its own way (kvmgpa(3) says why each, with the kernel's code):
 *
 *   arm64: KVM_CHECK_EXTENSION(KVM_CAP_ARM_VM_IPA_SIZE), the largest IPA
 *      size a VM may be created with (KVM_VM_TYPE_ARM_IPA_SIZE(n)), on
 *      /dev/kvm; a kernel without it (before 4.20) gives every VM 40 bits.
 *      A VM's own size is fixed by its type at KVM_CREATE_VM and KVM does
 *      not report it: on a VM fd the answer is a guess, 40 (type 0's);
 *   riscv64: KVM_CHECK_EXTENSION(KVM_CAP_VM_GPA_BITS), a VM's width on its
 *      fd and the widest G-stage mode's on /dev/kvm (41, 50 or 59 bits for
 *      Sv39x4, Sv48x4, Sv57x4); without it, a guess of 41, the least any
 *      RISC-V KVM maps.
 *
 * Other architectures get -EOPNOTSUPP.
 *
 * N bounds the address space; ranges inside it that the platform reserves
 * still apply, e.g. AMD's 12 GiB HyperTransport hole (below 1 TiB, or at the
 * top of MAXPHYADDR on family 17h and later), which a VMM must keep free of
 * guest memory as it would on bare metal.
 */
#ifndef KVMGPA_H
#define KVMGPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KVMGPA_VERSION "1.1.0"

/*
 * The capability number of KVM_CAP_MAX_GPA_BITS.  Kernel headers that define
 * it win; otherwise this is the number the kernel series uses.  Whichever it
 * is, a kernel's answer to it is believed only where KVM_CAP_VM_GPA_BITS
 * (207) on the same fd agrees: equal on /dev/kvm, and 0 < VM_GPA_BITS <=
 * MAX_GPA_BITS on a VM fd, whose answer is then the VM's VM_GPA_BITS.
 */
#define KVMGPA_CAP_MAX_GPA_BITS_FALLBACK 250

/*
 * Where N came from: one value for each way of reaching it.  Values are
 * never renumbered; new ones are added at the end (1.1: TDP_OFF and
 * VM_CAPABILITY, which an x86 result of 1.0's size never holds: it gets
 * CPUID and CAPABILITY).  A value a program does not know still has a
 * name: kvmgpa_source_name().
 */
enum kvmgpa_source {
	KVMGPA_SOURCE_CAPABILITY,	/* KVM_CAP_MAX_GPA_BITS */
	KVMGPA_SOURCE_CPUID,		/* GuestPhysAddrSize */
	KVMGPA_SOURCE_CPUINFO,		/* /proc/cpuinfo and KVM module params */
	KVMGPA_SOURCE_GUESS,		/* x86: min(MAXPHYADDR, 48); arm64: 40; riscv64: 41 */
	/* GuestPhysAddrSize 0 and KVM_CAP_PRE_FAULT_MEMORY 0: TDP off, 52 */
	KVMGPA_SOURCE_TDP_OFF,
	/*
	 * KVM_CAP_VM_GPA_BITS: on x86 a VM fd's, below KVM_CAP_MAX_GPA_BITS;
	 * on riscv64 a VM fd's, or /dev/kvm's (the widest G-stage mode)
	 */
	KVMGPA_SOURCE_VM_CAPABILITY,
	/* arm64: KVM_CAP_ARM_VM_IPA_SIZE on /dev/kvm, the largest IPA size */
	KVMGPA_SOURCE_ARM_IPA_SIZE,
	/* arm64: KVM_CAP_ARM_VM_IPA_SIZE 0 (before 4.20): every VM has 40 bits */
	KVMGPA_SOURCE_ARM_LEGACY_IPA,
};

#define KVMGPA_MAX_SKIPPED 4
#define KVMGPA_TEXT 256

/*
 * The result grows only at its end.  The library fills as many bytes as the
 * caller says its struct has (kvmgpa_query_ex()'s @res_size: pass
 * sizeof(struct kvmgpa_result)) and records how many in @size, so a binary
 * built against a newer header can tell which members an older library
 * filled: KVMGPA_RESULT_HAS(res, member).
 */
struct kvmgpa_result {
	uint32_t size;				/* bytes of this struct filled */
	unsigned int bits;			/* N: memslots must end at or below 2^N */
	enum kvmgpa_source source;
	/*
	 * true only when KVM states N as such: KVMGPA_SOURCE_CAPABILITY,
	 * KVMGPA_SOURCE_VM_CAPABILITY or KVMGPA_SOURCE_ARM_IPA_SIZE.
	 * GuestPhysAddrSize is what KVM tells a guest, not a statement of what
	 * it maps, and the other sources are inferred or guessed.  (1.0 also
	 * counted GuestPhysAddrSize.)
	 */
	bool authoritative;
	char explanation[KVMGPA_TEXT];

	/* Why each more authoritative source was not used, in order. */
	unsigned int nr_skipped;
	char skipped[KVMGPA_MAX_SKIPPED][KVMGPA_TEXT];

	/*
	 * What was observed along the way; -1 where it is unknown.  cap_bits
	 * is the answer of the capability kvmgpa_cap_number() names, the
	 * ceiling: KVM_CAP_MAX_GPA_BITS on x86, KVM_CAP_ARM_VM_IPA_SIZE on
	 * arm64, KVM_CAP_VM_GPA_BITS on /dev/kvm on riscv64.
	 */
	int cap_bits;		/* 0 = absent */
	int guest_phys_bits;	/* GuestPhysAddrSize from KVM (x86) */
	int maxphyaddr;		/* MAXPHYADDR as KVM reports it (x86) */

	/*
	 * The guest's view.  Under shadow paging KVM maps all 52 bits whatever
	 * the CPU's MAXPHYADDR, but a guest cannot address beyond the
	 * MAXPHYADDR its VMM gives it, so guest RAM and BARs must end below
	 * 2^guest_bits = 2^min(N, guest_maxphyaddr).
	 */
	unsigned int guest_maxphyaddr;	/* the options' value, else KVM's MAXPHYADDR */
	unsigned int guest_bits;	/* min(bits, guest_maxphyaddr) */

	/* 1.1: check KVMGPA_RESULT_HAS() before reading these. */
	int vm_gpa_bits;		/* KVM_CAP_VM_GPA_BITS where it was asked (x86, riscv64); -1 unknown */
	/*
	 * The guest's MAXPHYADDR is known: given in the options, or reported
	 * by KVM or /proc/cpuinfo.  When it is not, guest_maxphyaddr is N and
	 * guest_bits is N.
	 */
	bool guest_maxphyaddr_known;
};

#define KVMGPA_RESULT_HAS(res, member)						\
	((res)->size >= offsetof(struct kvmgpa_result, member) + sizeof((res)->member))

/* kvmgpa_options.flags: what the library may do besides asking the fds. */
#define KVMGPA_NO_FILES	(1u << 0)	/* never read /proc or /sys */
#define KVMGPA_NO_OPEN	(1u << 1)	/* never open /dev/kvm itself */
#define KVMGPA_NO_GUESS	(1u << 2)	/* fail with -ENODATA rather than guess */
/* Only KVM's own answers: from the fds given, and nothing else. */
#define KVMGPA_KVM_ONLY	(KVMGPA_NO_FILES | KVMGPA_NO_OPEN | KVMGPA_NO_GUESS)

/*
 * What to ask.  Start from KVMGPA_OPTIONS_INIT: fd 0 is a valid fd, so "no
 * fd" is -1, and @size lets the struct grow like the result.
 */
struct kvmgpa_options {
	uint32_t size;			/* sizeof(struct kvmgpa_options) */
	uint32_t flags;			/* KVMGPA_NO_* */
	int system_fd;			/* an open /dev/kvm, or -1 */
	int vm_fd;			/* a VM fd, or -1: the capability is asked there */
	unsigned int guest_maxphyaddr;	/* the guest's MAXPHYADDR (32..52; 32..59 on riscv64), 0: KVM's */
};

#define KVMGPA_OPTIONS_INIT							\
	{ sizeof(struct kvmgpa_options), 0, -1, -1, 0 }

/*
 * Find N.  At least one of @opts->system_fd and @opts->vm_fd must be given.
 * The capability is asked on the VM fd when there is one (a VM type may map
 * less than the system, e.g. a TDX guest's GPAW), KVM_GET_SUPPORTED_CPUID on
 * the system fd; with only a VM fd, the library opens /dev/kvm for the
 * latter unless KVMGPA_NO_OPEN (on riscv64 for the ceiling; never on arm64).
 *
 * Returns 0 with @res filled; -EINVAL for bad arguments (no fd, unknown
 * flags, a guest MAXPHYADDR outside 32..52 (32..59 on riscv64), @res_size
 * smaller than 1.0's result, a VM fd as system_fd while vm_fd is also
 * given, a /dev/kvm fd as vm_fd that is not also system_fd); -E2BIG if
 * @opts is larger than this library knows and its unknown part is not
 * zero; -EBADF if an fd is not open; -ENOTTY if it is not a KVM /dev/kvm
 * or VM fd; -ENODATA with KVMGPA_NO_GUESS when no source answered (@res
 * then says why each was skipped); -EOPNOTSUPP on architectures other than
 * x86, arm64 and riscv64, the ones this library knows.  On other errors
 * @res is not written.  errno is not part of the answer.  Thread-safe: no
 * global state.  kvmgpa(3) lists the system calls made, for seccomp
 * filters.
 */
int kvmgpa_query_ex(const struct kvmgpa_options *opts, struct kvmgpa_result *res,
		    size_t res_size);

/*
 * Find N for the KVM behind @fd, an open /dev/kvm or VM file descriptor,
 * with every source allowed.  Returns 0, -EINVAL if @fd is negative or @res
 * is NULL, -EBADF if @fd is not open, or -ENOTTY if it is not a KVM file
 * descriptor.  It fills the members of 1.0's result (everything above, up to
 * and including guest_bits) and never more, whatever later versions add, so
 * bindings that cannot pass a size (FFI) may call it.
 */
int kvmgpa_query(int fd, struct kvmgpa_result *res);

/*
 * EAX of CPUID leaf 0x80000008 for the guest: @eax (e.g. from
 * KVM_GET_SUPPORTED_CPUID) with MAXPHYADDR (bits 7:0) set to
 * @res->guest_maxphyaddr and GuestPhysAddrSize (bits 23:16) to
 * @res->guest_bits, as QEMU 9.1 and later tell their guests, so that
 * firmware (OVMF) and a guest hypervisor keep their memory below 2^N.  The
 * linear-address size (bits 15:8) and the other bits are kept.
 */
uint32_t kvmgpa_guest_cpuid_80000008_eax(const struct kvmgpa_result *res, uint32_t eax);

/*
 * 1.1.  The width a guest's memory must fit below: @res->guest_bits, which is
 * min(N, guest MAXPHYADDR), when the result has it, else @res->bits (N).
 * 0 for a NULL or unfilled result.
 */
unsigned int kvmgpa_usable_bits(const struct kvmgpa_result *res);

/*
 * 1.1.  Does [gpa, gpa + size) lie below 2^kvmgpa_usable_bits(@res), i.e.
 * both below what KVM maps and within what the guest can address?  False
 * where kvmgpa_region_fits() is, and for a NULL or unfilled result.
 */
bool kvmgpa_result_region_fits(const struct kvmgpa_result *res, uint64_t gpa, uint64_t size);

/*
 * 1.1.  Set the GPA width W of the VM behind @vm_fd to @bits, with
 * KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS, args[0] = @bits): KVM then refuses
 * memslots reaching above 2^W, and guest accesses above it exit as MMIO.
 * Call it right after KVM_CREATE_VM, before the VM has a memslot or vCPU.
 *
 * Returns 0, or a negative errno; the checks are made in this order:
 *   -EINVAL      @vm_fd negative, or @bits outside 32..52 (on riscv64: not
 *                41, 50 or 59, the widths of its G-stage modes) (no system
 *                call);
 *   -EOPNOTSUPP  an architecture other than x86 and riscv64 (arm64 fixes a
 *                VM's IPA size at KVM_CREATE_VM, from its type);
 *   -EBADF       @vm_fd is not open; -ENOTTY: it is not a KVM fd;
 *   -EINVAL      @vm_fd is /dev/kvm, not a VM;
 *   -EOPNOTSUPP  the kernel cannot set a VM's width: on @vm_fd,
 *                KVM_CAP_VM_GPA_BITS answers <= 0 or fails, or the trust
 *                rule fails (KVM_CAP_MAX_GPA_BITS not 32..52, or below
 *                KVM_CAP_VM_GPA_BITS); on riscv64, KVM_CAP_VM_GPA_BITS is
 *                not 41, 50 or 59;
 *   -EINVAL      @bits above the ceiling, KVM_CAP_MAX_GPA_BITS on @vm_fd
 *                (KVM_ENABLE_CAP is not made; x86);
 *   then KVM_ENABLE_CAP's own answer:
 *   -EBUSY       the VM already has a vCPU or a memslot;
 *   -EOPNOTSUPP  EINVAL, for a @bits this check found within 32..ceiling:
 *                a kernel that reports the widths but cannot set them, or
 *                a VM type whose width is fixed (TDX); on riscv64, EINVAL
 *                for a @bits at most the VM's current width;
 *   -EINVAL      on riscv64, EINVAL for a @bits above the VM's current
 *                width: above the widest mode the host has;
 *   -errno       any other error, as the kernel gave it.
 * Afterwards kvmgpa_query_ex() with this @vm_fd as vm_fd reports W in
 * vm_gpa_bits (and bits) and the ceiling, unchanged, in cap_bits.  errno
 * is not part of the answer.  Thread-safe.  kvmgpa(3) lists the system
 * calls made.
 */
int kvmgpa_set_vm_bits(int vm_fd, unsigned int bits);

/* The library's version at run time, e.g. "1.1.0" (KVMGPA_VERSION at build time). */
const char *kvmgpa_version(void);

/*
 * The number of the capability whose answer cap_bits records: on x86 the
 * one used for KVM_CAP_MAX_GPA_BITS (see above), on arm64
 * KVM_CAP_ARM_VM_IPA_SIZE (165), on riscv64 KVM_CAP_VM_GPA_BITS (207).
 */
unsigned long kvmgpa_cap_number(void);

/* The highest usable GPA, 2^bits - 1. */
uint64_t kvmgpa_max_gpa(unsigned int bits);

/*
 * Does [gpa, gpa + size) lie below 2^bits?  An empty region, a size that
 * wraps past 2^64, or bits outside 1..64 answer false.
 */
bool kvmgpa_region_fits(unsigned int bits, uint64_t gpa, uint64_t size);

const char *kvmgpa_source_name(enum kvmgpa_source source);

#ifdef __cplusplus
}
#endif

#endif /* KVMGPA_H */
