/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkvmgpa's helpers for its own programs (the demo VMM); not installed,
 * not part of the API.
 */
#ifndef KVMGPA_INTERNAL_H
#define KVMGPA_INTERNAL_H

#include <linux/kvm.h>

/* KVM_GET_SUPPORTED_CPUID into a malloc()ed buffer, or NULL with *err = -errno. */
struct kvm_cpuid2 *kvmgpa__supported_cpuid(int fd, int *err);

#endif /* KVMGPA_INTERNAL_H */
