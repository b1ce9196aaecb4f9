/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkvmgpa: how much guest-physical address space can KVM map?
 *
 * A VMM must keep guest RAM and 64-bit PCI BARs below 2^N, where N is the
 * number of GPA bits KVM can map.  N can be smaller than the CPU's
 * MAXPHYADDR: with 4-level EPT/NPT only 48 bits are translated.  This library
 * finds N on any kernel, from the most to the least authoritative source:
 *
 *   1. KVM_CHECK_EXTENSION(KVM_CAP_MAX_GPA_BITS), on a VM fd when given one;
 *   2. GuestPhysAddrSize, CPUID 0x80000008 EAX[23:16] from
 *      KVM_GET_SUPPORTED_CPUID (Linux 6.10 and later, with TDP; a 0 there
 *      from a kernel that also answers KVM_CAP_PRE_FAULT_MEMORY with 0 means
 *      TDP is off, and shadow paging maps 52 bits);
 *   3. /proc/cpuinfo and the kvm_intel/kvm_amd module parameters: TDP off
 *      or absent (no EPT/NPT in the flags) means 52; MAXPHYADDR at most 48
 *      is exact; above it, "ept_5level" in the vmx flags (Intel) or "la57"
 *      in the flags (AMD, whose NPT follows the host's paging mode); never
 *      above KVM's own MAXPHYADDR under TDP;
 *   4. a conservative guess, min(MAXPHYADDR, 48).
 *
 * A source that is missing, unreadable or malformed is skipped, with the
 * reason recorded.  The library reads procfs and sysfs and opens /dev/kvm
 * only where the caller allows it (kvmgpa_options.flags).  x86 only.
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

#define KVMGPA_VERSION "1.0.0"

/*
 * The capability number of KVM_CAP_MAX_GPA_BITS.  Kernel headers that define
 * it win; otherwise this is the number the kernel series uses.
 */
#define KVMGPA_CAP_MAX_GPA_BITS_FALLBACK 280

enum kvmgpa_source {
	KVMGPA_SOURCE_CAPABILITY,	/* KVM_CAP_MAX_GPA_BITS */
	KVMGPA_SOURCE_CPUID,		/* GuestPhysAddrSize */
	KVMGPA_SOURCE_CPUINFO,		/* /proc/cpuinfo and KVM module params */
	KVMGPA_SOURCE_GUESS,		/* min(MAXPHYADDR, 48) */
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
	 * true when N comes from KVM itself (the capability or
	 * GuestPhysAddrSize), false when it is inferred from /proc/cpuinfo or
	 * guessed.
	 */
	bool authoritative;
	char explanation[KVMGPA_TEXT];

	/* Why each more authoritative source was not used, in order. */
	unsigned int nr_skipped;
	char skipped[KVMGPA_MAX_SKIPPED][KVMGPA_TEXT];

	/* What was observed along the way; -1 where it is unknown. */
	int cap_bits;		/* KVM_CAP_MAX_GPA_BITS: 0 = absent */
	int guest_phys_bits;	/* GuestPhysAddrSize from KVM */
	int maxphyaddr;		/* MAXPHYADDR as KVM reports it */

	/*
	 * The guest's view.  Under shadow paging KVM maps all 52 bits whatever
	 * the CPU's MAXPHYADDR, but a guest cannot address beyond the
	 * MAXPHYADDR its VMM gives it, so guest RAM and BARs must end below
	 * 2^guest_bits = 2^min(N, guest_maxphyaddr).
	 */
	unsigned int guest_maxphyaddr;	/* the options' value, else KVM's MAXPHYADDR */
	unsigned int guest_bits;	/* min(bits, guest_maxphyaddr) */
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
	unsigned int guest_maxphyaddr;	/* the guest's MAXPHYADDR (32..52), 0: KVM's */
};

#define KVMGPA_OPTIONS_INIT							\
	{ sizeof(struct kvmgpa_options), 0, -1, -1, 0 }

/*
 * Find N.  At least one of @opts->system_fd and @opts->vm_fd must be given.
 * The capability is asked on the VM fd when there is one (a VM type may map
 * less than the system, e.g. a TDX guest's GPAW), KVM_GET_SUPPORTED_CPUID on
 * the system fd; with only a VM fd, the library opens /dev/kvm for the
 * latter unless KVMGPA_NO_OPEN.
 *
 * Returns 0 with @res filled; -EINVAL for bad arguments (no fd, unknown
 * flags, a guest MAXPHYADDR outside 32..52, @res_size smaller than 1.0's
 * result); -E2BIG if @opts is larger than this library knows and its unknown
 * part is not zero; -EBADF if an fd is not open; -ENOTTY if it is not a KVM
 * /dev/kvm or VM fd; -ENODATA with KVMGPA_NO_GUESS when no source answered
 * (@res then says why each was skipped); -EOPNOTSUPP on architectures other
 * than x86, the only one this library knows.
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

/* The library's version at run time, e.g. "1.0.0" (KVMGPA_VERSION at build time). */
const char *kvmgpa_version(void);

/* The capability number used for KVM_CAP_MAX_GPA_BITS. */
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
