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
 *      KVM_GET_SUPPORTED_CPUID (Linux 6.10 and later, with TDP);
 *   3. /proc/cpuinfo: "ept_5level" in the vmx flags (Intel) or "la57" in the
 *      flags (AMD, whose NPT follows the host's paging mode), with MAXPHYADDR;
 *   4. a conservative guess, min(MAXPHYADDR, 48).
 *
 * A source that is missing, unreadable or malformed is skipped, with the
 * reason recorded; the query itself never fails once it has an fd.
 *
 * N bounds the address space; ranges inside it that the platform reserves
 * still apply, e.g. AMD's 12 GiB HyperTransport hole (below 1 TiB, or at the
 * top of MAXPHYADDR on family 17h and later), which a VMM must keep free of
 * guest memory as it would on bare metal.
 */
#ifndef KVMGPA_H
#define KVMGPA_H

#include <stdbool.h>
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

struct kvmgpa_result {
	unsigned int bits;			/* N: memslots must end at or below 2^N */
	enum kvmgpa_source source;
	char explanation[KVMGPA_TEXT];

	/* Why each more authoritative source was not used, in order. */
	unsigned int nr_skipped;
	char skipped[KVMGPA_MAX_SKIPPED][KVMGPA_TEXT];

	/* What was observed along the way; -1 where it is unknown. */
	int cap_bits;		/* KVM_CAP_MAX_GPA_BITS: 0 = absent */
	int guest_phys_bits;	/* GuestPhysAddrSize from KVM */
	int maxphyaddr;		/* MAXPHYADDR as KVM reports it */
};


/*
 * Find N for the KVM behind @fd, an open /dev/kvm or VM file descriptor.
 * Returns 0, -EINVAL if @fd is negative or @res is NULL, -EBADF if @fd is
 * not open, or -ENOTTY if it is not a KVM file descriptor.
 */
int kvmgpa_query(int fd, struct kvmgpa_result *res);

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
