// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * A scripted KVM for the CLI's tests, so that its answers, --check and its
 * JSON can be tested without /dev/kvm.  It replaces src/system.c (the
 * library's backend) and, through the linker's --wrap, the CLI's own open
 * and ioctl of the device "fake-kvm".  The script is the environment
 * variable KVMGPA_FAKE, words "key=value" (numbers in C syntax):
 *
 *   cap=N     KVM_CAP_MAX_GPA_BITS on /dev/kvm          (default 0)
 *   vgb=N     KVM_CAP_VM_GPA_BITS on /dev/kvm           (default 0)
 *   vmcap=N   KVM_CAP_MAX_GPA_BITS on a VM fd           (default cap)
 *   vmvgb=N   KVM_CAP_VM_GPA_BITS on a VM fd            (default vgb)
 *   eax=N     CPUID 0x80000008 EAX from KVM             (default: no leaf)
 *   prefault=N, apicbus=N  KVM_CAP_PRE_FAULT_MEMORY, KVM_CAP_X86_APIC_BUS_CYCLES_NS
 *   setvm=1   KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) on a VM fd sets 32..vmcap,
 *             which vmvgb then answers; else it fails with EINVAL (default 0)
 *   setvmerr=N  KVM_ENABLE_CAP fails with errno N
 *
 * /proc, /sys and the CPUID instruction answer nothing, so a query that
 * gets past KVM ends in the guess (MAXPHYADDR 36 unless eax gave one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
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

static int f_fd_kind(void *ctx, int fd)
{
	if (fd >= 0 && fd == sys_fd)
		return KVMGPA_FD_SYSTEM;
	if (fd >= 0 && fd == vm_fd)
		return KVMGPA_FD_VM;
	return fcntl(fd, F_GETFD) < 0 ? -EBADF : -ENOTTY;
}

static int f_open_system(void *ctx)
{
	return -EACCES;
}

static void f_close_fd(void *ctx, int fd)
{
}

static int f_check_extension(void *ctx, int fd, unsigned long cap)
{
	bool vm = fd == vm_fd;

	if (cap == kvmgpa_cap_number())
		return script(vm ? "vmcap" : "cap", vm ? script("cap", 0) : 0);
	if (cap == KVM_CAP_VM_GPA_BITS && vm && vm_width)
		return vm_width;
	if (cap == KVM_CAP_VM_GPA_BITS)
		return script(vm ? "vmvgb" : "vgb", vm ? script("vgb", 0) : 0);
	if (cap == 236)
		return script("prefault", 0);
	if (cap == 237)
		return script("apicbus", 0);
	return 0;
}

static int f_cpuid(void *ctx, int fd, uint32_t *eax)
{
	long v = script("eax", -1);

	if (v < 0)
		return -ENOENT;
	*eax = v;
	return 0;
}

static int f_read(void *ctx, char **text)
{
	return -ENOENT;
}

static int f_read_file(void *ctx, const char *path, char **text)
{
	return -ENOENT;
}

static int f_host_cpuid(void *ctx, uint32_t *eax)
{
	return -ENOSYS;
}

static int f_enable_cap(void *ctx, int fd, uint32_t cap, uint64_t arg0)
{
	if (script("setvmerr", 0))
		return -script("setvmerr", 0);
	if (fd != vm_fd || cap != KVM_CAP_VM_GPA_BITS || !script("setvm", 0) || arg0 < 32 ||
	    arg0 > (uint64_t)script("vmcap", script("cap", 0)))
		return -EINVAL;
	vm_width = arg0;
	return 0;
}

const struct kvmgpa_backend kvmgpa__system_backend = {
	.fd_kind = f_fd_kind,
	.open_system = f_open_system,
	.close_fd = f_close_fd,
	.check_extension = f_check_extension,
	.supported_cpuid_80000008 = f_cpuid,
	.read_cpuinfo = f_read,
	.read_file = f_read_file,
	.host_cpuid_80000008 = f_host_cpuid,
	.enable_cap = f_enable_cap,
};

struct kvm_cpuid2 *kvmgpa__supported_cpuid(int fd, int *err)
{
	*err = -EOPNOTSUPP;
	return NULL;
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
	if (strcmp(path, FAKE_DEVICE))
		return __real_open(path, flags, mode);
	sys_fd = __real_open("/dev/null", O_RDWR | O_CLOEXEC);
	return sys_fd;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != sys_fd)
		return __real_ioctl(fd, req, arg);
	if (req == KVM_GET_API_VERSION)
		return KVM_API_VERSION;
	if (req == KVM_CREATE_VM) {
		vm_fd = __real_open("/dev/null", O_RDWR | O_CLOEXEC);
		return vm_fd;
	}
	errno = ENOTTY;
	return -1;
}
