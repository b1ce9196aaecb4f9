// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * The libkvmgpa backend that asks the running system: KVM ioctls, procfs,
 * sysfs and the CPUID instruction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "kvmgpa.h"
#include "kvmgpa-internal.h"

static int sys_check_extension(void *ctx, int fd, unsigned long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

static int sys_enable_cap(void *ctx, int fd, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap ec;

	memset(&ec, 0, sizeof(ec));
	ec.cap = cap;
	ec.args[0] = arg0;
	return ioctl(fd, KVM_ENABLE_CAP, &ec) < 0 ? -errno : 0;
}

#if defined(__x86_64__) || defined(__i386__)
struct kvm_cpuid2 *kvmgpa__supported_cpuid(int fd, int *err)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int nent = 64;

	for (;;) {
		struct kvm_cpuid2 *grown;

		grown = realloc(cpuid, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!grown) {
			free(cpuid);
			*err = -ENOMEM;
			return NULL;
		}
		cpuid = grown;
		memset(cpuid, 0, sizeof(*cpuid));
		cpuid->nent = nent;
		if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0) {
			*err = 0;
			return cpuid;
		}
		*err = -errno;
		if (*err != -E2BIG || nent >= 4096) {
			free(cpuid);
			return NULL;
		}
		nent *= 2;
	}
}

static int cpuid_on(int fd, uint32_t *eax)
{
	struct kvm_cpuid2 *cpuid;
	int r = -ENOENT, i;

	cpuid = kvmgpa__supported_cpuid(fd, &r);
	if (!cpuid)
		return r;
	r = -ENOENT;
	for (i = 0; i < (int)cpuid->nent; i++) {
		if (cpuid->entries[i].function == 0x80000008) {
			*eax = cpuid->entries[i].eax;
			r = 0;
			break;
		}
	}
	free(cpuid);
	return r;
}

static int sys_supported_cpuid(void *ctx, int fd, uint32_t *eax)
{
	return cpuid_on(fd, eax);
}
#else
/* struct kvm_cpuid2 is x86's; kvmgpa__query() refuses other architectures. */
struct kvm_cpuid2 *kvmgpa__supported_cpuid(int fd, int *err)
{
	*err = -EOPNOTSUPP;
	return NULL;
}

static int sys_supported_cpuid(void *ctx, int fd, uint32_t *eax)
{
	return -EOPNOTSUPP;
}
#endif

static int sys_fd_kind(void *ctx, int fd)
{
	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	/*
	 * Every KVM fd, /dev/kvm's and a VM's, answers this; anything else
	 * would leave nothing but the host's cpuinfo, an answer about no KVM.
	 */
	if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) < 0)
		return -ENOTTY;
	/* A system ioctl, which a VM fd refuses. */
	return ioctl(fd, KVM_GET_API_VERSION, 0) >= 0 ? KVMGPA_FD_SYSTEM : KVMGPA_FD_VM;
}

static int sys_open_system(void *ctx)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static void sys_close_fd(void *ctx, int fd)
{
	close(fd);
}

static int slurp(const char *path, char **text)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		free(buf);
		return r;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 2) {
			char *grown = cap > (64u << 20) ? NULL : realloc(buf, cap * 2);

			if (!grown) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int r = -errno;

			if (r == -EINTR)
				continue;
			free(buf);
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*text = buf;
	return 0;
}

static int sys_read_cpuinfo(void *ctx, char **text)
{
	return slurp("/proc/cpuinfo", text);
}

static int sys_read_file(void *ctx, const char *path, char **text)
{
	return slurp(path, text);
}

static int sys_host_cpuid(void *ctx, uint32_t *eax)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	if (!__get_cpuid(0x80000008, &a, &b, &c, &d))
		return -ENOENT;
	*eax = a;
	return 0;
#else
	return -ENOSYS;
#endif
}

const struct kvmgpa_backend kvmgpa__system_backend = {
	.fd_kind = sys_fd_kind,
	.open_system = sys_open_system,
	.close_fd = sys_close_fd,
	.check_extension = sys_check_extension,
	.supported_cpuid_80000008 = sys_supported_cpuid,
	.read_cpuinfo = sys_read_cpuinfo,
	.read_file = sys_read_file,
	.host_cpuid_80000008 = sys_host_cpuid,
	.enable_cap = sys_enable_cap,
};
