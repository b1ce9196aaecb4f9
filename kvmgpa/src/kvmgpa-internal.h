/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause */
/* Copyright (c) 2026 KVM GPA Team */
/*
 * libkvmgpa's internals: the backend seam its tests replace, and helpers for
 * its own programs.  Not installed, not part of the API, and hidden in the
 * shared library (libkvmgpa.map).  Every global name here starts with
 * kvmgpa__, so that the static library, which cannot hide them, puts
 * nothing in a VMM's namespace but the API and that prefix.
 */
#ifndef KVMGPA_INTERNAL_H
#define KVMGPA_INTERNAL_H

#include <linux/kvm.h>

#include "kvmgpa.h"

/*
 * The architecture whose KVM the library asks, chosen when it is compiled:
 * each has its own ladder of sources (kvmgpa.c).  Any other architecture
 * gets -EOPNOTSUPP from the queries.
 */
#if defined(__x86_64__) || defined(__i386__)
#define KVMGPA__X86 1
#define KVMGPA__ARCH_NAME "x86"
#elif defined(__aarch64__)
#define KVMGPA__ARM64 1
#define KVMGPA__ARCH_NAME "arm64"
#elif defined(__riscv) && __riscv_xlen == 64
#define KVMGPA__RISCV64 1
#define KVMGPA__ARCH_NAME "riscv64"
#else
#define KVMGPA__ARCH_NAME "unsupported"
#endif

/* printf-style checking of the library's message helpers. */
#define KVMGPA__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/*
 * The ways the library looks at the system.  Tests replace them; a NULL
 * member means "this source is not available".  Functions return 0 or a
 * value >= 0 on success and -errno on failure.
 */
enum { KVMGPA_FD_SYSTEM = 1, KVMGPA_FD_VM = 2 };

struct kvmgpa_backend {
	void *ctx;
	/* KVMGPA_FD_SYSTEM, KVMGPA_FD_VM, -EBADF (not open) or -ENOTTY (not KVM) */
	int (*fd_kind)(void *ctx, int fd);
	/* open("/dev/kvm"): an fd or -errno */
	int (*open_system)(void *ctx);
	void (*close_fd)(void *ctx, int fd);
	/* ioctl(fd, KVM_CHECK_EXTENSION, cap) */
	int (*check_extension)(void *ctx, int fd, unsigned long cap);
	/* EAX of CPUID 0x80000008 from KVM_GET_SUPPORTED_CPUID on a system fd */
	int (*supported_cpuid_80000008)(void *ctx, int fd, uint32_t *eax);
	/* the whole of /proc/cpuinfo, malloc()ed and NUL-terminated */
	int (*read_cpuinfo)(void *ctx, char **text);
	/* a sysfs file such as /sys/module/kvm_amd/parameters/npt, malloc()ed */
	int (*read_file)(void *ctx, const char *path, char **text);
	/* EAX of the CPUID instruction's leaf 0x80000008 */
	int (*host_cpuid_80000008)(void *ctx, uint32_t *eax);
	/* ioctl(fd, KVM_ENABLE_CAP) of @cap with args[0] = @arg0, the rest 0 */
	int (*enable_cap)(void *ctx, int fd, uint32_t cap, uint64_t arg0);
};

/* The backend that asks the running system. */
extern const struct kvmgpa_backend kvmgpa__system_backend;

int kvmgpa__query(const struct kvmgpa_options *opts, const struct kvmgpa_backend *be,
		  struct kvmgpa_result *res, size_t res_size);

/* kvmgpa__query() with every source allowed and @fd as the system fd. */
int kvmgpa__query_backend(int fd, const struct kvmgpa_backend *be,
			  struct kvmgpa_result *res);

/* kvmgpa_set_vm_bits() through @be. */
int kvmgpa__set_vm_bits(int vm_fd, unsigned int bits, const struct kvmgpa_backend *be);

/* KVM_GET_SUPPORTED_CPUID into a malloc()ed buffer, or NULL with *err = -errno. */
struct kvm_cpuid2 *kvmgpa__supported_cpuid(int fd, int *err);

#endif /* KVMGPA_INTERNAL_H */
