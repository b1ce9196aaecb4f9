// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for src/system.c, the backend that talks to the running system,
 * against a fake syscall layer: system.c is compiled into this file with
 * ioctl, open, fcntl, read and close renamed to the fakes below.  A fake
 * passes a call through to the real syscall unless the test scripted it, so
 * nothing here depends on what the build machine's /dev/kvm is.
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

static struct {
	/* ioctl on FAKE_FD */
	int check_extension;		/* result, or -errno */
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
} fk;

#define FAKE_PATH "/fake/file"

static int fake_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_FD)
		return ioctl(fd, req, arg);
	if (req == KVM_CHECK_EXTENSION || req == KVM_GET_API_VERSION) {
		int r = req == KVM_CHECK_EXTENSION ? fk.check_extension : fk.api_version;

		if (r < 0) {
			errno = -r;
			return -1;
		}
		return r;
	}
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
	if (fd != FAKE_FD)
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
	CHECK(sys_check_extension(NULL, FAKE_FD, 280) == 48, "value");
	fk.check_extension = -EINVAL;
	CHECK(sys_check_extension(NULL, FAKE_FD, 280) == -EINVAL, "error");
}

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

	/* Every x86-64 CPU has leaf 0x80000008 with MAXPHYADDR 36..52. */
	CHECK(r == 0 && (eax & 0xff) >= 36 && (eax & 0xff) <= 52, "host cpuid: r %d eax %#x",
	      r, eax);
}

int main(void)
{
	test_fd_kind();
	test_check_extension();
	test_supported_cpuid();
	test_open_close();
	test_slurp();
	test_host_cpuid();
	printf("test_system: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
