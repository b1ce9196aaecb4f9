// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * Unit tests for src/system.c, the backend that talks to the running system,
 * against a fake syscall layer: system.c is compiled into this file with
 * ioctl, open, fcntl, read and close renamed to the fakes below.  A fake
 * passes a call through to the real syscall unless the test scripted it, so
 * nothing here depends on what the build machine's /dev/kvm is.  Built for
 * each architecture the library knows (arm64 and riscv64 under QEMU's user
 * mode), it checks that architecture's ioctls.
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

static int fake_ioctl(int fd, unsigned long req, ...);
static int fake_open(const char *path, int flags, ...);
static int fake_fcntl(int fd, int cmd, ...);
static ssize_t fake_read(int fd, void *buf, size_t n);
static int fake_close(int fd);

#define ioctl fake_ioctl
#define open fake_open
#define fcntl fake_fcntl
#define read fake_read
#define close fake_close
#include "../src/system.c"
#undef ioctl
#undef open
#undef fcntl
#undef read
#undef close

#include "check.h"

/* --- the fake syscall layer ---------------------------------------------- */

#define FAKE_FD 1000		/* scripted calls use this fd; others pass through */
#define FAKE_VM_FD 1001		/* a VM fd: KVM_GET_API_VERSION fails, caps as FAKE_FD */

static struct {
	/* ioctl on FAKE_FD */
	int check_extension;		/* result, or -errno */
	bool per_cap;			/* the ceiling's capability (kvmgpa_cap_number(): */
					/* KVM_CAP_MAX_GPA_BITS on x86, KVM_CAP_ARM_VM_IPA_SIZE */
					/* on arm64) and KVM_CAP_VM_GPA_BITS answer: */
	int max_gpa_bits[2], vm_gpa_bits[2];	/* [0] on FAKE_FD, [1] on FAKE_VM_FD */
	int asked_max[2], asked_vm[2];	/* how often each was asked on each fd */
	int api_version;		/* result, or -errno */
	int cpuid_e2big;		/* fail this many KVM_GET_SUPPORTED_CPUID calls with E2BIG */
	int cpuid_err;			/* then fail with this errno, or 0 */
	int cpuid_nent;			/* entries KVM "has" */
	bool cpuid_has_80000008;
	uint32_t eax;
	int cpuid_calls;
	/* fcntl on FAKE_FD: 0 open, else errno */
	int fcntl_err;
	/* open of /dev/kvm or FAKE_PATH */
	int open_err;
	int opens, closes;
	/* read on FAKE_FD: a script of results (bytes, or -errno), then EOF */
	int reads[8];
	int nr_reads, next_read;
	/* KVM_ENABLE_CAP: the result (0 or -errno), and what was asked */
	int enable_result, enable_calls, enable_fd;
	struct kvm_enable_cap enable;
} fk;

#define FAKE_PATH "/fake/file"

static int fake_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_FD && fd != FAKE_VM_FD)
		return ioctl(fd, req, arg);
	if (req == KVM_CHECK_EXTENSION && fk.per_cap &&
	    ((unsigned long)arg == kvmgpa_cap_number() ||
	     (unsigned long)arg == KVM_CAP_VM_GPA_BITS)) {
		int vm = fd == FAKE_VM_FD;

		if ((unsigned long)arg == KVM_CAP_VM_GPA_BITS) {
			fk.asked_vm[vm]++;
			return fk.vm_gpa_bits[vm];
		}
		fk.asked_max[vm]++;
		return fk.max_gpa_bits[vm];
	}
	if (req == KVM_ENABLE_CAP) {
		fk.enable_calls++;
		fk.enable_fd = fd;
		memcpy(&fk.enable, arg, sizeof(fk.enable));
		if (fk.enable_result < 0) {
			errno = -fk.enable_result;
			return -1;
		}
		if (fk.enable.cap == KVM_CAP_VM_GPA_BITS)
			fk.vm_gpa_bits[1] = fk.enable.args[0];
		return 0;
	}
	if (req == KVM_GET_API_VERSION && fd == FAKE_VM_FD) {
		errno = ENOTTY;
		return -1;
	}
	if (req == KVM_CHECK_EXTENSION || req == KVM_GET_API_VERSION) {
		int r = req == KVM_CHECK_EXTENSION ? fk.check_extension : fk.api_version;

		if (r < 0) {
			errno = -r;
			return -1;
		}
		return r;
	}
#ifdef KVMGPA__X86
	if (req == KVM_GET_SUPPORTED_CPUID) {
		struct kvm_cpuid2 *c = arg;
		int i;

		fk.cpuid_calls++;
		if (fk.cpuid_e2big > 0 || (int)c->nent < fk.cpuid_nent) {
			fk.cpuid_e2big--;
			errno = E2BIG;
			return -1;
		}
		if (fk.cpuid_err) {
			errno = fk.cpuid_err;
			return -1;
		}
		c->nent = fk.cpuid_nent;
		for (i = 0; i < fk.cpuid_nent; i++) {
			memset(&c->entries[i], 0, sizeof(c->entries[i]));
			c->entries[i].function = 0x80000000 + i;
		}
		if (fk.cpuid_has_80000008 && fk.cpuid_nent > 8)
			c->entries[8].eax = fk.eax;
		else if (fk.cpuid_nent > 8)
			c->entries[8].function = 0x40000000;
		return 0;
	}
#endif
	errno = ENOTTY;
	return -1;
}

static int fake_open(const char *path, int flags, ...)
{
	if (strcmp(path, "/dev/kvm") && strcmp(path, FAKE_PATH))
		return open(path, flags);
	fk.opens++;
	if (fk.open_err) {
		errno = fk.open_err;
		return -1;
	}
	return FAKE_FD;
}

static int fake_fcntl(int fd, int cmd, ...)
{
	if (fd != FAKE_FD && fd != FAKE_VM_FD)
		return fcntl(fd, cmd);
	if (fk.fcntl_err) {
		errno = fk.fcntl_err;
		return -1;
	}
	return 0;
}

static ssize_t fake_read(int fd, void *buf, size_t n)
{
	int r;

	if (fd != FAKE_FD)
		return read(fd, buf, n);
	if (fk.next_read >= fk.nr_reads)
		return 0;
	r = fk.reads[fk.next_read];
	if (r < 0) {
		fk.next_read++;
		errno = -r;
		return -1;
	}
	if ((size_t)r > n) {	/* a short read: the rest comes next time */
		fk.reads[fk.next_read] -= n;
		r = n;
	} else {
		fk.next_read++;
	}
	memset(buf, 'x', r);
	return r;
}

static int fake_close(int fd)
{
	if (fd != FAKE_FD)
		return close(fd);
	fk.closes++;
	return 0;
}

static void reset(void)
{
	memset(&fk, 0, sizeof(fk));
}

/* --- tests -------------------------------------------------------------- */

static void test_fd_kind(void)
{
	reset();
	fk.api_version = KVM_API_VERSION;
	CHECK(sys_fd_kind(NULL, FAKE_FD) == KVMGPA_FD_SYSTEM, "/dev/kvm");
	fk.api_version = -ENOTTY;
	CHECK(sys_fd_kind(NULL, FAKE_FD) == KVMGPA_FD_VM, "a VM fd");
	fk.check_extension = -ENOTTY;
	CHECK(sys_fd_kind(NULL, FAKE_FD) == -ENOTTY, "not KVM");
	fk.fcntl_err = EBADF;
	CHECK(sys_fd_kind(NULL, FAKE_FD) == -EBADF, "not open");
}

static void test_check_extension(void)
{
	reset();
	fk.check_extension = 48;
	CHECK(sys_check_extension(NULL, FAKE_FD, 250) == 48, "value");
	fk.check_extension = -EINVAL;
	CHECK(sys_check_extension(NULL, FAKE_FD, 250) == -EINVAL, "error");
}

#ifdef KVMGPA__X86
static void test_supported_cpuid(void)
{
	uint32_t eax = 0;
	int r;

	/* KVM has more entries than the first buffer: the buffer grows. */
	reset();
	fk.cpuid_nent = 200;
	fk.cpuid_has_80000008 = true;
	fk.eax = 0x00303034;
	r = sys_supported_cpuid(NULL, FAKE_FD, &eax);
	CHECK(r == 0 && eax == 0x00303034 && fk.cpuid_calls == 3,
	      "200 entries: r %d eax %#x after %d calls", r, eax, fk.cpuid_calls);

	/* No leaf 0x80000008 at all. */
	reset();
	fk.cpuid_nent = 20;
	CHECK(sys_supported_cpuid(NULL, FAKE_FD, &eax) == -ENOENT, "no leaf");

	/* Another error ends the loop at once. */
	reset();
	fk.cpuid_nent = 20;
	fk.cpuid_err = EFAULT;
	CHECK(sys_supported_cpuid(NULL, FAKE_FD, &eax) == -EFAULT && fk.cpuid_calls == 1,
	      "EFAULT after %d calls", fk.cpuid_calls);

	/* E2BIG for ever: give up at 4096 entries rather than grow without end. */
	reset();
	fk.cpuid_nent = 100000;
	CHECK(sys_supported_cpuid(NULL, FAKE_FD, &eax) == -E2BIG && fk.cpuid_calls == 7,
	      "endless E2BIG: %d calls", fk.cpuid_calls);
}
#endif

static void test_open_close(void)
{
	reset();
	CHECK(sys_open_system(NULL) == FAKE_FD && fk.opens == 1, "open");
	sys_close_fd(NULL, FAKE_FD);
	CHECK(fk.closes == 1, "close");
	fk.open_err = EACCES;
	CHECK(sys_open_system(NULL) == -EACCES, "open refused");
}

static void test_slurp(void)
{
	char *text = NULL;
	int r;

	/* EINTR is retried; 10000 bytes grow the 4 KiB buffer twice. */
	reset();
	fk.reads[0] = -EINTR;
	fk.reads[1] = 3000;
	fk.reads[2] = 3000;
	fk.reads[3] = 4000;
	fk.nr_reads = 4;
	r = sys_read_file(NULL, FAKE_PATH, &text);
	CHECK(r == 0 && text && strlen(text) == 10000 && fk.closes == 1,
	      "10000 bytes: r %d len %zu closes %d", r, text ? strlen(text) : 0, fk.closes);
	free(text);

	reset();
	fk.reads[0] = 100;
	fk.reads[1] = -EIO;
	fk.nr_reads = 2;
	text = NULL;
	CHECK(sys_read_file(NULL, FAKE_PATH, &text) == -EIO && !text && fk.closes == 1,
	      "EIO, fd closed");

	reset();
	fk.open_err = ENOENT;
	CHECK(sys_read_file(NULL, FAKE_PATH, &text) == -ENOENT, "missing file");

	/* The real /proc/cpuinfo through the pass-through path. */
	text = NULL;
	r = sys_read_cpuinfo(NULL, &text);
	CHECK(r == 0 && text && strstr(text, "processor"), "real /proc/cpuinfo: %d", r);
	free(text);
}

static void test_host_cpuid(void)
{
	uint32_t eax = 0;
	int r = sys_host_cpuid(NULL, &eax);

#ifdef KVMGPA__X86
	/* Every x86-64 CPU has leaf 0x80000008 with MAXPHYADDR 36..52. */
	CHECK(r == 0 && (eax & 0xff) >= 36 && (eax & 0xff) <= 52, "host cpuid: r %d eax %#x",
	      r, eax);
#else
	/* No CPUID, and no KVM_GET_SUPPORTED_CPUID, elsewhere. */
	CHECK(r == -ENOSYS && sys_supported_cpuid(NULL, FAKE_FD, &eax) == -EOPNOTSUPP,
	      "no cpuid: r %d", r);
	CHECK(!kvmgpa__supported_cpuid(FAKE_FD, &r) && r == -EOPNOTSUPP, "no kvm_cpuid2: %d", r);
#endif
}

/*
 * The trust rule end to end, through the real backend's ioctls: the library
 * asks KVM_CAP_VM_GPA_BITS on the same fd as KVM_CAP_MAX_GPA_BITS, always.
 */
static struct kvmgpa_result trust_query(int sys, int vm, int *ret)
{
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result r;

	o.system_fd = sys;
	o.vm_fd = vm;
	o.flags = KVMGPA_KVM_ONLY;
	memset(&r, 0, sizeof(r));
	*ret = kvmgpa__query(&o, &kvmgpa__system_backend, &r, sizeof(r));
	return r;
}

/* The fake KVM as the ladders' tests set it up: KVM fds, per-fd answers. */
static void fake_kvm(void)
{
	reset();
	fk.check_extension = 1;		/* KVM_CAP_USER_MEMORY and the rest */
	fk.api_version = KVM_API_VERSION;
	fk.per_cap = true;
}

#ifdef KVMGPA__X86
static void test_trust_rule(void)
{
	struct kvmgpa_result r;
	int ret;

	fake_kvm();
	fk.cpuid_nent = 20;
	fk.cpuid_has_80000008 = true;
	fk.eax = 0x00303034;		/* GuestPhysAddrSize 48, MAXPHYADDR 52 */

	/* Agree on /dev/kvm. */
	fk.max_gpa_bits[0] = fk.vm_gpa_bits[0] = 48;
	r = trust_query(FAKE_FD, -1, &ret);
	CHECK(ret == 0 && r.source == KVMGPA_SOURCE_CAPABILITY && r.bits == 48 &&
	      fk.asked_max[0] == 1 && fk.asked_vm[0] == 1,
	      "agree: r %d, %u from %s, asked %d/%d", ret, r.bits, kvmgpa_source_name(r.source),
	      fk.asked_max[0], fk.asked_vm[0]);

	/* Disagree: GuestPhysAddrSize answers instead, and the skip names both. */
	fk.vm_gpa_bits[0] = 40;
	r = trust_query(FAKE_FD, -1, &ret);
	CHECK(ret == 0 && r.source == KVMGPA_SOURCE_CPUID &&
	      strstr(r.skipped[0], "answered 48 but KVM_CAP_VM_GPA_BITS 40"),
	      "disagree: r %d, from %s, '%s'", ret, kvmgpa_source_name(r.source), r.skipped[0]);

	/* 207 answers 0: a kernel where 250 is someone else's. */
	fk.vm_gpa_bits[0] = 0;
	r = trust_query(FAKE_FD, -1, &ret);
	CHECK(ret == 0 && r.source == KVMGPA_SOURCE_CPUID &&
	      strstr(r.skipped[0], "KVM_CAP_VM_GPA_BITS 0"),
	      "207 answers 0: from %s, '%s'", kvmgpa_source_name(r.source), r.skipped[0]);

	/* A VM fd whose width is below the ceiling: both asked there, its width wins. */
	fk.vm_gpa_bits[0] = 52;
	fk.max_gpa_bits[1] = 52;
	fk.vm_gpa_bits[1] = 44;
	fk.asked_max[0] = fk.asked_vm[0] = 0;
	r = trust_query(FAKE_FD, FAKE_VM_FD, &ret);
	CHECK(ret == 0 && r.source == KVMGPA_SOURCE_VM_CAPABILITY && r.bits == 44 &&
	      r.cap_bits == 52 && fk.asked_max[1] == 1 && fk.asked_vm[1] == 1 &&
	      fk.asked_max[0] == 0 && fk.asked_vm[0] == 0,
	      "vm fd, lower 207: r %d, %u from %s, cap %d", ret, r.bits,
	      kvmgpa_source_name(r.source), r.cap_bits);
}

/*
 * KVM_ENABLE_CAP as the real backend makes it: the capability, args[0], and
 * every other arg and the flags 0, which the kernel insists on.
 */
static void test_enable_cap(void)
{
	struct kvmgpa_result r;
	int ret;

	reset();
	memset(&fk.enable, 0xa5, sizeof(fk.enable));
	CHECK(sys_enable_cap(NULL, FAKE_VM_FD, KVM_CAP_VM_GPA_BITS, 40) == 0 &&
	      fk.enable_calls == 1 && fk.enable.cap == KVM_CAP_VM_GPA_BITS &&
	      fk.enable.args[0] == 40 && !fk.enable.args[1] && !fk.enable.args[2] &&
	      !fk.enable.args[3] && !fk.enable.flags,
	      "enable: cap %u args %llu %llu %llu %llu flags %u", fk.enable.cap,
	      (unsigned long long)fk.enable.args[0], (unsigned long long)fk.enable.args[1],
	      (unsigned long long)fk.enable.args[2], (unsigned long long)fk.enable.args[3],
	      fk.enable.flags);
	fk.enable_result = -EBUSY;
	CHECK(sys_enable_cap(NULL, FAKE_VM_FD, KVM_CAP_VM_GPA_BITS, 40) == -EBUSY, "EBUSY");

	/* kvmgpa_set_vm_bits()'s path through the real backend, and reading back. */
	fake_kvm();
	fk.max_gpa_bits[0] = fk.vm_gpa_bits[0] = 52;
	fk.max_gpa_bits[1] = fk.vm_gpa_bits[1] = 52;
	ret = kvmgpa__set_vm_bits(FAKE_VM_FD, 44, &kvmgpa__system_backend);
	CHECK(ret == 0 && fk.enable_calls == 1 && fk.enable_fd == FAKE_VM_FD &&
	      fk.enable.args[0] == 44 && fk.asked_vm[1] == 1 && fk.asked_max[1] == 1,
	      "set 44: r %d, %d calls on fd %d", ret, fk.enable_calls, fk.enable_fd);
	r = trust_query(FAKE_FD, FAKE_VM_FD, &ret);
	CHECK(ret == 0 && r.vm_gpa_bits == 44 && r.cap_bits == 52 &&
	      r.source == KVMGPA_SOURCE_VM_CAPABILITY, "read back: r %d, width %d ceiling %d",
	      ret, r.vm_gpa_bits, r.cap_bits);
	CHECK(kvmgpa__set_vm_bits(FAKE_FD, 44, &kvmgpa__system_backend) == -EINVAL &&
	      fk.enable_calls == 1, "/dev/kvm as the VM fd");
	fk.enable_result = -EINVAL;	/* a kernel without KVM_ENABLE_CAP for 207 */
	CHECK(kvmgpa__set_vm_bits(FAKE_VM_FD, 44, &kvmgpa__system_backend) == -EOPNOTSUPP,
	      "ENABLE_CAP's EINVAL for an in-range width");
	fk.enable_result = -EBUSY;
	CHECK(kvmgpa__set_vm_bits(FAKE_VM_FD, 44, &kvmgpa__system_backend) == -EBUSY, "EBUSY");
}
#endif /* KVMGPA__X86 */

#ifdef KVMGPA__ARM64
/*
 * arm64 through the real backend: KVM_CHECK_EXTENSION(KVM_CAP_ARM_VM_IPA_SIZE)
 * on the fd the answer is about, nothing else; never KVM_ENABLE_CAP.
 */
static void test_arm64_ioctls(void)
{
	struct kvmgpa_result r;
	int ret;

	fake_kvm();
	fk.max_gpa_bits[0] = fk.max_gpa_bits[1] = 48;
	r = trust_query(FAKE_FD, -1, &ret);
	CHECK(ret == 0 && r.source == KVMGPA_SOURCE_ARM_IPA_SIZE && r.bits == 48 &&
	      r.authoritative && fk.asked_max[0] == 1 && fk.asked_vm[0] == 0 &&
	      fk.cpuid_calls == 0 && fk.opens == 0,
	      "/dev/kvm: r %d, %u from %s, asked %d/%d", ret, r.bits,
	      kvmgpa_source_name(r.source), fk.asked_max[0], fk.asked_vm[0]);
	/* A VM fd: asked there, and KVM does not say the VM's own size. */
	r = trust_query(FAKE_FD, FAKE_VM_FD, &ret);
	CHECK(ret == -ENODATA && r.cap_bits == 48 && fk.asked_max[1] == 1,
	      "VM fd, KVM only: r %d, limit %d", ret, r.cap_bits);
	/* A kernel before 4.20. */
	fk.max_gpa_bits[1] = 0;
	r = trust_query(FAKE_FD, FAKE_VM_FD, &ret);
	CHECK(ret == 0 && r.source == KVMGPA_SOURCE_ARM_LEGACY_IPA && r.bits == 40,
	      "legacy: r %d, %u from %s", ret, r.bits, kvmgpa_source_name(r.source));
	CHECK(kvmgpa__set_vm_bits(FAKE_VM_FD, 40, &kvmgpa__system_backend) == -EOPNOTSUPP &&
	      fk.enable_calls == 0, "set: %d KVM_ENABLE_CAP", fk.enable_calls);
}
#endif

#ifdef KVMGPA__RISCV64
/*
 * riscv64 through the real backend: KVM_CHECK_EXTENSION(KVM_CAP_VM_GPA_BITS)
 * on each fd, and KVM_ENABLE_CAP of it with args[0] the width, the rest 0.
 */
static void test_riscv64_ioctls(void)
{
	struct kvmgpa_result r;
	int ret;

	fake_kvm();
	fk.vm_gpa_bits[0] = fk.vm_gpa_bits[1] = 59;
	r = trust_query(FAKE_FD, FAKE_VM_FD, &ret);
	CHECK(ret == 0 && r.source == KVMGPA_SOURCE_VM_CAPABILITY && r.bits == 59 &&
	      r.cap_bits == 59 && fk.asked_vm[0] == 1 && fk.asked_vm[1] == 1 && fk.cpuid_calls == 0,
	      "59: r %d, %u from %s, asked %d/%d", ret, r.bits, kvmgpa_source_name(r.source),
	      fk.asked_vm[0], fk.asked_vm[1]);
	memset(&fk.enable, 0xa5, sizeof(fk.enable));
	ret = kvmgpa__set_vm_bits(FAKE_VM_FD, 41, &kvmgpa__system_backend);
	CHECK(ret == 0 && fk.enable_calls == 1 && fk.enable_fd == FAKE_VM_FD &&
	      fk.enable.cap == KVM_CAP_VM_GPA_BITS && fk.enable.args[0] == 41 &&
	      !fk.enable.args[1] && !fk.enable.args[2] && !fk.enable.args[3] && !fk.enable.flags,
	      "set 41: r %d, cap %u args %llu flags %u", ret, fk.enable.cap,
	      (unsigned long long)fk.enable.args[0], fk.enable.flags);
	r = trust_query(FAKE_FD, FAKE_VM_FD, &ret);
	CHECK(ret == 0 && r.bits == 41 && r.vm_gpa_bits == 41 && r.cap_bits == 59,
	      "read back: %u, ceiling %d", r.bits, r.cap_bits);
	fk.enable_result = -EINVAL;	/* a kernel that cannot set it */
	CHECK(kvmgpa__set_vm_bits(FAKE_VM_FD, 41, &kvmgpa__system_backend) == -EOPNOTSUPP &&
	      kvmgpa__set_vm_bits(FAKE_VM_FD, 50, &kvmgpa__system_backend) == -EINVAL,
	      "EINVAL at and above the VM's width");
	CHECK(kvmgpa__set_vm_bits(FAKE_FD, 41, &kvmgpa__system_backend) == -EINVAL,
	      "/dev/kvm as the VM fd");
}
#endif

int main(void)
{
	test_fd_kind();
	test_check_extension();
	test_open_close();
	test_slurp();
	test_host_cpuid();
#if defined(KVMGPA__X86)
	test_supported_cpuid();
	test_trust_rule();
	test_enable_cap();
#elif defined(KVMGPA__ARM64)
	test_arm64_ioctls();
#elif defined(KVMGPA__RISCV64)
	test_riscv64_ioctls();
#endif
	printf("test_system (%s): %d checks, %d failed\n", KVMGPA__ARCH_NAME, checks, failures);
	return failures ? 1 : 0;
}
