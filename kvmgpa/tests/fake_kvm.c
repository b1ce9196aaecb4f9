// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * A scripted KVM for the CLI's tests, so that its answers, --check and its
 * JSON can be tested without /dev/kvm, on every architecture the library
 * knows (under QEMU's user mode for the others).  It fakes the system
 * calls, not the library: the CLI and the library's own backend
 * (src/system.c) run unchanged, and the linker's --wrap hands their open()
 * and ioctl() to this file.  Opening the device "fake-kvm" gives a fake
 * /dev/kvm, KVM_CREATE_VM on it a fake VM fd; their ioctls answer from the
 * environment variable KVMGPA_FAKE, words "key=value" (numbers in C
 * syntax):
 *
 *   cap=N     KVM_CAP_MAX_GPA_BITS on /dev/kvm          (default 0)
 *   vgb=N     KVM_CAP_VM_GPA_BITS on /dev/kvm           (default 0)
 *   vmcap=N   KVM_CAP_MAX_GPA_BITS on a VM fd           (default cap)
 *   vmvgb=N   KVM_CAP_VM_GPA_BITS on a VM fd            (default vgb)
 *   ipa=N     KVM_CAP_ARM_VM_IPA_SIZE on either         (default 0)
 *   eax=N     CPUID 0x80000008 EAX from KVM_GET_SUPPORTED_CPUID (default: no leaf)
 *   prefault=N, apicbus=N  KVM_CAP_PRE_FAULT_MEMORY, KVM_CAP_X86_APIC_BUS_CYCLES_NS
 *   setvm=1   KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) on a VM fd sets its width,
 *             which KVM_CAP_VM_GPA_BITS on it then answers: on x86 32 up
 *             to vmcap; on riscv64 the narrowest G-stage mode that holds
 *             args[0], up to vgb.  Else it fails with EINVAL (default 0)
 *   setvmerr=N  KVM_ENABLE_CAP fails with errno N
 *
 * /dev/kvm itself cannot be opened (EACCES), and /proc/cpuinfo and /sys
 * are missing (ENOENT), so a query that gets past KVM ends in the guess
 * (on x86 from the eax above, else the host's CPUID instruction).  The
 * fake fds are memfds: real fds for fcntl() and close(), and no device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "kvmgpa.h"
#include "kvmgpa-internal.h"

#define FAKE_DEVICE "fake-kvm"

int __real_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_open(const char *path, int flags, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

static int sys_fd = -1, vm_fd = -1, vm_width;

static long script(const char *key, long dflt)
{
	const char *s = getenv("KVMGPA_FAKE");
	size_t klen = strlen(key);

	while (s && *s) {
		s += strspn(s, " ");
		if (!strncmp(s, key, klen) && s[klen] == '=')
			return strtol(s + klen + 1, NULL, 0);
		s += strcspn(s, " ");
	}
	return dflt;
}

/* KVM_CHECK_EXTENSION, on the fake /dev/kvm or the fake VM. */
static int check_extension(bool vm, unsigned long cap)
{
	if (cap == KVM_CAP_USER_MEMORY)
		return 1;
	if (cap == KVM_CAP_VM_GPA_BITS && vm && vm_width)
		return vm_width;
	if (cap == KVM_CAP_VM_GPA_BITS)
		return script(vm ? "vmvgb" : "vgb", vm ? script("vgb", 0) : 0);
	if (cap == KVM_CAP_ARM_VM_IPA_SIZE)
		return script("ipa", 0);
	if (cap == 236)
		return script("prefault", 0);
	if (cap == 237)
		return script("apicbus", 0);
	/* Last: on riscv64 and arm64 this is one of the two above. */
	if (cap == kvmgpa_cap_number())
		return script(vm ? "vmcap" : "cap", vm ? script("cap", 0) : 0);
	return 0;
}

/* KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) as each architecture's kernel has it. */
static int enable_cap(const struct kvm_enable_cap *ec)
{
	uint64_t want = ec->args[0];

	if (script("setvmerr", 0))
		return -script("setvmerr", 0);
	if (ec->cap != KVM_CAP_VM_GPA_BITS || !script("setvm", 0) || ec->flags)
		return -EINVAL;
#ifdef KVMGPA__RISCV64
	want = want <= 41 ? 41 : want <= 50 ? 50 : want <= 59 ? 59 : UINT64_MAX;
	if (want > (uint64_t)script("vgb", 0))
		return -EINVAL;
#else
	if (want < 32 || want > (uint64_t)script("vmcap", script("cap", 0)))
		return -EINVAL;
#endif
	vm_width = want;
	return 0;
}

#ifdef KVMGPA__X86
/* KVM_GET_SUPPORTED_CPUID: leaf 0x80000008 alone, when the script has one. */
static int supported_cpuid(struct kvm_cpuid2 *c)
{
	long eax = script("eax", -1);

	if (eax < 0) {
		c->nent = 0;
		return 0;
	}
	if (c->nent < 1)
		return -E2BIG;
	c->nent = 1;
	memset(&c->entries[0], 0, sizeof(c->entries[0]));
	c->entries[0].function = 0x80000008;
	c->entries[0].eax = eax;
	return 0;
}
#endif

static int fake_fd(void)
{
	return memfd_create(FAKE_DEVICE, MFD_CLOEXEC);
}

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	int mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if (!strcmp(path, FAKE_DEVICE)) {
		sys_fd = fake_fd();
		return sys_fd;
	}
	if (!strcmp(path, "/dev/kvm") || !strcmp(path, "/proc/cpuinfo") ||
	    !strncmp(path, "/sys/", 5)) {
		errno = !strcmp(path, "/dev/kvm") ? EACCES : ENOENT;
		return -1;
	}
	return __real_open(path, flags, mode);
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	bool vm = fd >= 0 && fd == vm_fd;
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || (fd != sys_fd && !vm))
		return __real_ioctl(fd, req, arg);
	if (req == KVM_CHECK_EXTENSION)
		return check_extension(vm, (unsigned long)arg);
	if (req == KVM_GET_API_VERSION && !vm)
		return KVM_API_VERSION;
	if (req == KVM_CREATE_VM && !vm) {
		vm_fd = fake_fd();
		return vm_fd;
	}
	if (req == KVM_ENABLE_CAP && vm)
		r = enable_cap(arg);
#ifdef KVMGPA__X86
	else if (req == KVM_GET_SUPPORTED_CPUID && !vm)
		r = supported_cpuid(arg);
#endif
	else
		r = -ENOTTY;
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}
