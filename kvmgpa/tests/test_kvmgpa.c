// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * Unit tests for libkvmgpa: every rung of the ladder and every way a rung can
 * fall through, with fake ioctls and real captured /proc/cpuinfo text
 * (tests/data/README says where each sample came from).  No KVM needed.
 * The ladder is the one of the architecture this is compiled for: x86's
 * tests run natively, arm64's and riscv64's cross-compiled under QEMU's
 * user mode (make check-cross), and the tests of what all share run on each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmgpa.h"
#include "kvmgpa-internal.h"

#include "check.h"

/* --- the fake system ---------------------------------------------------- */

struct fake {
	int cap;		/* KVM_CHECK_EXTENSION result (or -errno) */
	int cpuid_err;		/* -errno from KVM_GET_SUPPORTED_CPUID, or 0 */
	uint32_t cpuid_eax;	/* CPUID 0x80000008 EAX from KVM */
	const char *cpuinfo;	/* NULL: read fails with cpuinfo_err */
	int cpuinfo_err;
	const char *npt, *ept;	/* module parameters, NULL: absent */
	int host_cpuid_err;
	uint32_t host_eax;
	unsigned long cap_asked;
	bool vm_gpa_bits_set;	/* else KVM_CAP_VM_GPA_BITS answers as .cap */
	int vm_gpa_bits;
	bool vm_vgb_set;	/* riscv64: KVM_CAP_VM_GPA_BITS on FD_VM alone, else as above */
	int vm_vgb;
	int cap_fd;
	int vm_gpa_bits_fd;	/* where KVM_CAP_VM_GPA_BITS was last asked, or -1 */
	int vm_gpa_bits_asked;	/* how many times */
	/* the fds the options tests use: 7 = /dev/kvm, 8 = a VM, 9 = not KVM */
	int opens, open_err, closes, file_reads, cpuid_fd;
	int pre_fault, apic_bus;
	/*
	 * KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) as the series has it when
	 * .can_set: 32..cap is set (KVM_CAP_VM_GPA_BITS then answers it),
	 * anything else is EINVAL, and EBUSY once .busy (a vCPU or memslot).
	 * On riscv64 as its kernel has it: the narrowest G-stage mode that
	 * holds args[0], up to .cap, and FD_VM's width (.vm_vgb) is set.
	 * Without .can_set, EINVAL as for an unknown capability.  .enable_err
	 * overrides all of it.
	 */
	bool can_set, busy;
	int enable_err, enable_calls, enable_fd;
	uint32_t enable_cap;
	uint64_t enable_arg;
};

enum { FD_SYS = 7, FD_VM = 8, FD_NOT_KVM = 9, FD_CLOSED = 10, FD_OPENED = 20 };

static int f_fd_kind(void *ctx, int fd)
{
	return fd == FD_SYS || fd == FD_OPENED ? KVMGPA_FD_SYSTEM :
	       fd == FD_VM ? KVMGPA_FD_VM : fd == FD_CLOSED ? -EBADF : -ENOTTY;
}

static int f_enable_cap(void *ctx, int fd, uint32_t cap, uint64_t arg0)
{
	struct fake *f = ctx;

	f->enable_calls++;
	f->enable_fd = fd;
	f->enable_cap = cap;
	f->enable_arg = arg0;
	if (f->enable_err)
		return f->enable_err;
#ifdef KVMGPA__RISCV64
	arg0 = arg0 <= 41 ? 41 : arg0 <= 50 ? 50 : arg0 <= 59 ? 59 : UINT64_MAX;
#endif
	if (cap != KVM_CAP_VM_GPA_BITS || !f->can_set || arg0 < 32 || arg0 > (uint64_t)f->cap)
		return -EINVAL;
	if (f->busy)
		return -EBUSY;
#ifdef KVMGPA__RISCV64
	f->vm_vgb_set = true;
	f->vm_vgb = arg0;
#else
	f->vm_gpa_bits_set = true;
	f->vm_gpa_bits = arg0;
#endif
	return 0;
}

static int f_open_system(void *ctx)
{
	struct fake *f = ctx;

	f->opens++;
	return f->open_err ? f->open_err : FD_OPENED;
}

static void f_close_fd(void *ctx, int fd)
{
	struct fake *f = ctx;

	if (fd == FD_OPENED)
		f->closes++;
}

static int f_check_extension(void *ctx, int fd, unsigned long cap)
{
	struct fake *f = ctx;

	if (cap == KVM_CAP_VM_GPA_BITS) {
		f->vm_gpa_bits_fd = fd;
		f->vm_gpa_bits_asked++;
		if (f->vm_vgb_set && fd == FD_VM)
			return f->vm_vgb;
		if (f->vm_gpa_bits_set)
			return f->vm_gpa_bits;
	}
	if (cap == 236)		/* KVM_CAP_PRE_FAULT_MEMORY: whether TDP is on */
		return f->pre_fault;
	if (cap == 237)		/* KVM_CAP_X86_APIC_BUS_CYCLES_NS: only new kernels */
		return f->apic_bus;
	if (cap != KVM_CAP_VM_GPA_BITS) {
		f->cap_asked = cap;
		f->cap_fd = fd;
	}
	return f->cap;
}

static int f_cpuid(void *ctx, int fd, uint32_t *eax)
{
	struct fake *f = ctx;

	f->cpuid_fd = fd;
	if (f->cpuid_err)
		return f->cpuid_err;
	*eax = f->cpuid_eax;
	return 0;
}

static int f_read_cpuinfo(void *ctx, char **text)
{
	struct fake *f = ctx;

	f->file_reads++;
	if (!f->cpuinfo)
		return f->cpuinfo_err ? f->cpuinfo_err : -ENOENT;
	*text = strdup(f->cpuinfo);
	return *text ? 0 : -ENOMEM;
}

static int f_read_file(void *ctx, const char *path, char **text)
{
	struct fake *f = ctx;
	const char *v = NULL;

	f->file_reads++;
	if (strstr(path, "kvm_amd/parameters/npt"))
		v = f->npt;
	else if (strstr(path, "kvm_intel/parameters/ept"))
		v = f->ept;
	if (!v)
		return -ENOENT;
	*text = strdup(v);
	return 0;
}

static int f_host_cpuid(void *ctx, uint32_t *eax)
{
	struct fake *f = ctx;

	if (f->host_cpuid_err)
		return f->host_cpuid_err;
	*eax = f->host_eax;
	return 0;
}

static struct kvmgpa_result query(struct fake *f)
{
	struct kvmgpa_backend be = {
		.ctx = f,
		.check_extension = f_check_extension,
		.supported_cpuid_80000008 = f_cpuid,
		.read_cpuinfo = f_read_cpuinfo,
		.read_file = f_read_file,
		.host_cpuid_80000008 = f_host_cpuid,
	};
	struct kvmgpa_result r;

	CHECK(kvmgpa__query_backend(7, &be, &r) == 0, "query failed");
	return r;
}

/* The whole backend, fd sorting and opening included. */
static int query_opts(struct fake *f, const struct kvmgpa_options *o, struct kvmgpa_result *r,
		      size_t size)
{
	struct kvmgpa_backend be = {
		.ctx = f,
		.fd_kind = f_fd_kind,
		.open_system = f_open_system,
		.close_fd = f_close_fd,
		.check_extension = f_check_extension,
		.supported_cpuid_80000008 = f_cpuid,
		.read_cpuinfo = f_read_cpuinfo,
		.read_file = f_read_file,
		.host_cpuid_80000008 = f_host_cpuid,
		.enable_cap = f_enable_cap,
	};

	return kvmgpa__query(o, &be, r, size);
}

/* kvmgpa_set_vm_bits() through the whole fake backend. */
static int set_vm_bits(struct fake *f, int fd, unsigned int bits)
{
	struct kvmgpa_backend be = {
		.ctx = f,
		.fd_kind = f_fd_kind,
		.check_extension = f_check_extension,
		.enable_cap = f_enable_cap,
	};

	return kvmgpa__set_vm_bits(fd, bits, &be);
}

#if defined(KVMGPA__X86) || defined(KVMGPA__RISCV64)
/*
 * kvmgpa_set_vm_bits() with backend members missing: no way to ask is no
 * support, and without fd_kind the fd is taken as given.  @f can set @bits.
 */
static void set_vm_bits_missing_members(struct fake *f, unsigned int bits)
{
	struct kvmgpa_backend be = { .ctx = f, .check_extension = f_check_extension };

	CHECK(kvmgpa__set_vm_bits(FD_VM, bits, &be) == -EOPNOTSUPP, "no enable_cap");
	be.check_extension = NULL;
	be.enable_cap = f_enable_cap;
	CHECK(kvmgpa__set_vm_bits(FD_VM, bits, &be) == -EOPNOTSUPP, "no check_extension");
	be.check_extension = f_check_extension;
	CHECK(kvmgpa__set_vm_bits(FD_VM, bits, &be) == 0, "no fd_kind: the fd is taken as given");
	CHECK(kvmgpa__set_vm_bits(FD_VM, bits, NULL) == -EINVAL, "no backend");
}
#endif

static bool skipped_mentions(const struct kvmgpa_result *r, unsigned int i, const char *what)
{
	return i < r->nr_skipped && strstr(r->skipped[i], what);
}

#ifdef KVMGPA__X86
static char *load(const char *name)
{
	char path[512], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, name);
	f = fopen(path, "r");
	if (!f) {
		printf("FAIL: cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (!buf || fread(buf, 1, n, f) != (size_t)n)
		exit(1);
	fclose(f);
	return buf;
}

static char *derive_intel_vmx(const char *base, int phys, const char *vmx_flags);

/*
 * No Intel host with VMX could be captured here (QEMU's TCG has no VMX), so
 * the Intel-with-EPT samples are derived from the captured Icelake text: its
 * "address sizes" replaced and a "vmx flags" line added.
 */
static char *replace_first(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t len = strlen(text) + strlen(to) + 1;
	char *out = malloc(len);

	if (!at || !out)
		exit(1);
	snprintf(out, len, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

static char *derive_intel(const char *base, int phys, const char *vmx_flags)
{
	char *with_vmx = replace_first(base, " msr ", " msr vmx ");
	char *r;

	if (!vmx_flags)		/* a kernel before 5.8: no "vmx flags" line */
		r = replace_first(with_vmx, "address sizes\t: 46 bits", phys == 52 ?
				  "address sizes\t: 52 bits" : "address sizes\t: 46 bits");
	else
		r = derive_intel_vmx(with_vmx, phys, vmx_flags);
	free(with_vmx);
	return r;
}

static char *derive_intel_vmx(const char *base, int phys, const char *vmx_flags)
{
	const char *as = strstr(base, "address sizes");
	const char *eol = as ? strchr(as, '\n') : NULL;
	size_t len = strlen(base) + 512;
	char *out = malloc(len);

	if (!as || !eol || !out)
		exit(1);
	snprintf(out, len, "%.*svmx flags\t: %s\naddress sizes\t: %d bits physical, 57 bits virtual%s",
		 (int)(as - base), base, vmx_flags, phys, eol);
	return out;
}

/* --- tests -------------------------------------------------------------- */

static void test_capability(void)
{
	struct fake f = { .cap = 48, .cpuid_eax = 0x00303034 /* g=48, v=48, p=52 */ };
	struct kvmgpa_result r = query(&f);

	CHECK(r.bits == 48 && r.source == KVMGPA_SOURCE_CAPABILITY, "bits %u source %d",
	      r.bits, r.source);
	CHECK(f.cap_asked == kvmgpa_cap_number() && f.cap_fd == 7, "asked cap %lu on fd %d",
	      f.cap_asked, f.cap_fd);
	CHECK(r.nr_skipped == 0, "skipped %u", r.nr_skipped);
	CHECK(r.cap_bits == 48 && r.maxphyaddr == 0x34 && r.guest_phys_bits == 0x30,
	      "observed cap %d maxphyaddr %d g %d", r.cap_bits, r.maxphyaddr, r.guest_phys_bits);
	CHECK(f.vm_gpa_bits_asked == 1 && f.vm_gpa_bits_fd == 7,
	      "KVM_CAP_VM_GPA_BITS asked %d times, last on fd %d", f.vm_gpa_bits_asked,
	      f.vm_gpa_bits_fd);
	CHECK(KVMGPA_CAP_MAX_GPA_BITS_FALLBACK == 250, "fallback %d",
	      KVMGPA_CAP_MAX_GPA_BITS_FALLBACK);
#ifdef KVM_CAP_MAX_GPA_BITS
	CHECK(kvmgpa_cap_number() == KVM_CAP_MAX_GPA_BITS, "cap number %lu", kvmgpa_cap_number());
#else
	CHECK(kvmgpa_cap_number() == KVMGPA_CAP_MAX_GPA_BITS_FALLBACK && kvmgpa_cap_number() == 250,
	      "cap number %lu", kvmgpa_cap_number());
#endif
}

static void test_capability_falls_through(void)
{
	struct fake f = { .cpuid_eax = 0x00303034 };
	struct kvmgpa_result r;

	f.cap = 0;		/* unpatched kernel */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && r.bits == 48, "absent: source %d bits %u",
	      r.source, r.bits);
	CHECK(skipped_mentions(&r, 0, "does not have it"), "reason: %s", r.skipped[0]);
	CHECK(r.cap_bits == 0, "cap_bits %d", r.cap_bits);

	f.cap = -ENOTTY;	/* not a KVM fd */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && skipped_mentions(&r, 0, "failed"),
	      "ioctl error: source %d reason %s", r.source, r.skipped[0]);
	CHECK(r.cap_bits == -1, "cap_bits %d", r.cap_bits);

	f.cap = 99;		/* nonsense */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && skipped_mentions(&r, 0, "implausible"),
	      "implausible: source %d reason %s", r.source, r.skipped[0]);

	f.cap = 12;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID, "too small accepted: source %d", r.source);
}

/*
 * The trust rule, whatever the headers define: KVM_CAP_MAX_GPA_BITS counts
 * only where KVM_CAP_VM_GPA_BITS on the same fd answers a positive value
 * that equals it on /dev/kvm, or is at most it on a VM fd (the VM's width,
 * which is then the answer).
 */
static void test_trust_rule(void)
{
	struct fake f = { .cap = 48, .cpuid_eax = 0x00303034, .vm_gpa_bits_set = true };
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result r;

	/* /dev/kvm, the two agree. */
	f.vm_gpa_bits = 48;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CAPABILITY && r.bits == 48 && r.authoritative &&
	      r.nr_skipped == 0 && f.vm_gpa_bits_fd == 7,
	      "agree: %u from %s, 207 asked on fd %d", r.bits, kvmgpa_source_name(r.source),
	      f.vm_gpa_bits_fd);

	/* /dev/kvm, the two disagree: the next rung, both values named. */
	f.vm_gpa_bits = 46;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && r.bits == 48 && r.cap_bits == 48 &&
	      skipped_mentions(&r, 0, "answered 48 but KVM_CAP_VM_GPA_BITS 46") &&
	      skipped_mentions(&r, 0, "another capability"),
	      "disagree: %u from %s, '%s'", r.bits, kvmgpa_source_name(r.source), r.skipped[0]);

	/* /dev/kvm: a lower KVM_CAP_VM_GPA_BITS is a VM's privilege only. */
	f.cap = 52;
	f.vm_gpa_bits = 48;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && skipped_mentions(&r, 0, "want them equal"),
	      "lower 207 on /dev/kvm: from %s, '%s'", kvmgpa_source_name(r.source), r.skipped[0]);

	/* KVM_CAP_VM_GPA_BITS answers 0 (upstream x86 without the series), or fails. */
	f.cap = 48;
	f.vm_gpa_bits = 0;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID &&
	      skipped_mentions(&r, 0, "answered 48 but KVM_CAP_VM_GPA_BITS 0"),
	      "207 answers 0: from %s, '%s'", kvmgpa_source_name(r.source), r.skipped[0]);
	f.vm_gpa_bits = -EINVAL;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && skipped_mentions(&r, 0, "KVM_CAP_VM_GPA_BITS -22"),
	      "207 fails: from %s, '%s'", kvmgpa_source_name(r.source), r.skipped[0]);

	/* A VM fd whose width is below the ceiling: the VM's width is the answer. */
	o.system_fd = FD_SYS;
	o.vm_fd = FD_VM;
	f.cap = 52;
	f.vm_gpa_bits = 46;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0, "vm fd, lower 207");
	CHECK(r.source == KVMGPA_SOURCE_VM_CAPABILITY && r.bits == 46 && r.cap_bits == 52 &&
	      r.vm_gpa_bits == 46 && r.authoritative && f.vm_gpa_bits_fd == FD_VM && f.cap_fd == FD_VM &&
	      strstr(r.explanation, "46") && strstr(r.explanation, "52"),
	      "vm fd, lower 207: %u from %s (%s), cap_bits %d, 207 on fd %d", r.bits,
	      kvmgpa_source_name(r.source), r.explanation, r.cap_bits, f.vm_gpa_bits_fd);
	f.vm_gpa_bits = 52;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_CAPABILITY &&
	      r.bits == 52, "vm fd, equal: %u from %s", r.bits, kvmgpa_source_name(r.source));

	/* A VM fd: above the ceiling, or 0, is not the series. */
	f.cap = 48;
	f.vm_gpa_bits = 52;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_CPUID &&
	      skipped_mentions(&r, 0, "answered 48 but KVM_CAP_VM_GPA_BITS 52 on the VM fd"),
	      "vm fd, higher 207: from %s, '%s'", kvmgpa_source_name(r.source), r.skipped[0]);
	f.vm_gpa_bits = 0;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_CPUID &&
	      skipped_mentions(&r, 0, "KVM_CAP_VM_GPA_BITS 0 on the VM fd"),
	      "vm fd, 207 answers 0: from %s, '%s'", kvmgpa_source_name(r.source), r.skipped[0]);

	/* The same /dev/kvm as both fds is still /dev/kvm: equality wanted. */
	o.vm_fd = FD_SYS;
	f.cap = 52;
	f.vm_gpa_bits = 48;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_CPUID,
	      "/dev/kvm twice, lower 207: from %s", kvmgpa_source_name(r.source));
}

static void test_cpuid_falls_through(void)
{
	char *amd4 = load("cpuinfo-amd-qemu-npt4-pa52.txt");
	struct fake f = { .cap = 0, .cpuinfo = amd4 };
	struct kvmgpa_result r;

	f.cpuid_eax = 0x00003034;	/* GuestPhysAddrSize 0: old kernel or shadow */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && r.bits == 48, "g=0: source %d bits %u",
	      r.source, r.bits);
	CHECK(skipped_mentions(&r, 1, "GuestPhysAddrSize: 0"), "reason %s", r.skipped[1]);
	CHECK(r.maxphyaddr == 52 && r.guest_phys_bits == 0, "observed %d %d", r.maxphyaddr,
	      r.guest_phys_bits);

	f.cpuid_err = -ENOTTY;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && skipped_mentions(&r, 1, "failed"),
	      "ioctl error: source %d reason %s", r.source, r.skipped[1]);

	f.cpuid_err = 0;
	f.cpuid_eax = 0x00343030;	/* GuestPhysAddrSize 52 > MAXPHYADDR 48 */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && skipped_mentions(&r, 1, "implausible"),
	      "g > phys: source %d reason %s", r.source, r.skipped[1]);

	f.cpuid_eax = 0x00103034;	/* GuestPhysAddrSize 16 */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO, "g=16 accepted: source %d", r.source);
	free(amd4);
}

struct cpuinfo_case {
	const char *file;
	const char *npt, *ept;
	unsigned int bits;
	enum kvmgpa_source source;
	const char *why;
};

static void test_cpuinfo_samples(void)
{
	static const struct cpuinfo_case cases[] = {
		/* AMD: NPT has as many levels as the host's paging. */
		{ "cpuinfo-amd-qemu-npt5-pa52.txt", "Y", NULL, 52, KVMGPA_SOURCE_CPUINFO, "5-level paging" },
		{ "cpuinfo-amd-qemu-npt4-pa52.txt", "Y", NULL, 48, KVMGPA_SOURCE_CPUINFO, "4-level paging" },
		/* MAXPHYADDR <= 48: exact whatever the depth. */
		{ "cpuinfo-amd-qemu-npt5-pa40.txt", NULL, NULL, 40, KVMGPA_SOURCE_CPUINFO, "within the 48 bits" },
		{ "cpuinfo-amd-qemu-npt5-pa40.txt", "Y", NULL, 40, KVMGPA_SOURCE_CPUINFO, "NPT translates" },
		/* A host with no SVM flag (a VM whose KVM is PVM): shadow paging. */
		{ "cpuinfo-amd-epyc-host-pa48.txt", NULL, NULL, 52, KVMGPA_SOURCE_CPUINFO, "no SVM" },
		/* NPT off: shadow paging maps all 52 bits. */
		{ "cpuinfo-amd-qemu-npt4-pa52.txt", "N", NULL, 52, KVMGPA_SOURCE_CPUINFO, "shadow" },
		{ "cpuinfo-amd-qemu-npt5-pa40.txt", "0", NULL, 52, KVMGPA_SOURCE_CPUINFO, "shadow" },
		/* Intel without VMX: whatever KVM runs there, it is not on EPT. */
		{ "cpuinfo-intel-qemu-icelake-novmx.txt", NULL, NULL, 52, KVMGPA_SOURCE_CPUINFO,
		  "no VMX" },
		/* Intel with VMX (Bochs): EPT's depth from the vmx flags. */
		{ "cpuinfo-intel-bochs-ept5-pa52.txt", NULL, "Y", 52, KVMGPA_SOURCE_CPUINFO,
		  "ept_5level" },
		{ "cpuinfo-intel-bochs-ept4-pa52.txt", NULL, "Y", 48, KVMGPA_SOURCE_CPUINFO,
		  "4-level EPT" },
		{ "cpuinfo-intel-bochs-ept5-pa52.txt", NULL, "N", 52, KVMGPA_SOURCE_CPUINFO, "shadow" },
		/* 5-level EPT under 6.1, which predates the flag: low, and says so. */
		{ "cpuinfo-intel-bochs-ept5-pa52-linux6.1.txt", NULL, "Y", 48, KVMGPA_SOURCE_CPUINFO,
		  "may be low" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cpuinfo_case *c = &cases[i];
		char *text = load(c->file);
		struct fake f = { .cap = 0, .cpuid_eax = 0, .cpuinfo = text, .npt = c->npt,
				  .ept = c->ept, .host_cpuid_err = -ENOSYS };
		struct kvmgpa_result r = query(&f);

		CHECK(r.bits == c->bits && r.source == c->source && strstr(r.explanation, c->why),
		      "%s npt=%s: got %u from %s (%s), want %u from %d mentioning '%s'",
		      c->file, c->npt ?: "-", r.bits, kvmgpa_source_name(r.source),
		      r.explanation, c->bits, c->source, c->why);
		free(text);
	}
}

static void test_cpuinfo_intel_ept(void)
{
	static const char *vmx4 = "vnmi preemption_timer invvpid ept_x_only ept_ad ept_1gb "
				  "flexpriority tsc_offset vtpr mtf vapic ept vpid unrestricted_guest";
	static const char *vmx5 = "vnmi preemption_timer invvpid ept_x_only ept_ad ept_1gb "
				  "flexpriority tsc_offset vtpr mtf vapic ept vpid unrestricted_guest "
				  "ept_5level";
	static const char *noept = "vnmi preemption_timer invvpid flexpriority tsc_offset";
	char *base = load("cpuinfo-intel-qemu-icelake-novmx.txt");
	struct {
		int phys;
		const char *vmx, *ept;
		unsigned int bits;
		enum kvmgpa_source source;
	} cases[] = {
		{ 52, vmx5, "Y", 52, KVMGPA_SOURCE_CPUINFO },	/* 5-level EPT */
		{ 52, vmx4, "Y", 48, KVMGPA_SOURCE_CPUINFO },	/* the bug's CPU */
		{ 46, vmx4, NULL, 46, KVMGPA_SOURCE_CPUINFO },	/* common server */
		{ 39, vmx4, "Y", 39, KVMGPA_SOURCE_CPUINFO },	/* client part */
		{ 52, vmx4, "N", 52, KVMGPA_SOURCE_CPUINFO },	/* ept=0: shadow */
		{ 52, noept, NULL, 52, KVMGPA_SOURCE_CPUINFO },	/* no EPT: shadow */
		{ 52, NULL, NULL, 48, KVMGPA_SOURCE_GUESS },	/* before 5.8: EPT unknown */
		{ 46, NULL, NULL, 46, KVMGPA_SOURCE_CPUINFO },	/* ... but <= 48 is exact */
		/* the ept_5level flag must match as a whole word */
		{ 52, "ept_5levelx ept", "Y", 48, KVMGPA_SOURCE_CPUINFO },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = derive_intel(base, cases[i].phys, cases[i].vmx);
		struct fake f = { .cap = 0, .cpuinfo = text, .ept = cases[i].ept,
				  .host_cpuid_err = -ENOSYS };
		struct kvmgpa_result r = query(&f);

		CHECK(r.bits == cases[i].bits && r.source == cases[i].source,
		      "intel case %u: got %u from %s (%s)", i, r.bits,
		      kvmgpa_source_name(r.source), r.explanation);
		free(text);
	}
	free(base);
}

static void test_cpuinfo_falls_through(void)
{
	static const struct {
		const char *text, *reason;
		unsigned int bits;	/* the guess that follows */
	} broken[] = {
		{ "", "no usable \"address sizes\"", 36 },
		{ "processor\t: 0\nvendor_id\t: AuthenticAMD\n", "no usable \"address sizes\"", 36 },
		{ "vendor_id\t: AuthenticAMD\naddress sizes\t: lots of bits physical\nflags\t: la57\n",
		  "no usable \"address sizes\"", 36 },
		{ "vendor_id\t: AuthenticAMD\naddress sizes\t: 99 bits physical\nflags\t: la57\n",
		  "no usable \"address sizes\"", 36 },
		/* %d would wrap this to 48 */
		{ "vendor_id\t: AuthenticAMD\naddress sizes\t: 4294967344 bits physical\nflags\t: svm npt\n",
		  "no usable \"address sizes\"", 36 },
		{ "vendor_id\t: CentaurHauls\naddress sizes\t: 40 bits physical\nflags\t: la57\n",
		  "unknown vendor \"CentaurHauls\"", 40 },
		{ "vendor_id\t: AuthenticAMD\naddress sizes\t: 40 bits physical\n", "no \"flags\" line", 40 },
		/* an Intel kernel before 5.8 with MAXPHYADDR above 48: EPT's depth unknown */
		{ "vendor_id\t: GenuineIntel\naddress sizes\t: 52 bits physical\nflags\t: vmx la57\n",
		  "without a \"vmx flags\" line", 48 },
		{ "\x01\x02\xff garbage\n:::\n", "no usable \"address sizes\"", 36 },
	};
	struct fake f = { .cap = 0, .host_cpuid_err = -ENOSYS };
	struct kvmgpa_result r;
	unsigned int i;

	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		f.cpuinfo = broken[i].text;
		r = query(&f);
		CHECK(r.source == KVMGPA_SOURCE_GUESS && r.bits == broken[i].bits &&
		      skipped_mentions(&r, 2, broken[i].reason),
		      "broken sample %u: %u from %s, skipped[2] '%s', want %u and '%s'", i, r.bits,
		      kvmgpa_source_name(r.source), r.skipped[2], broken[i].bits, broken[i].reason);
	}

	f.cpuinfo = NULL;
	f.cpuinfo_err = -EACCES;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_GUESS && r.bits == 36 &&
	      skipped_mentions(&r, 2, "cannot read /proc/cpuinfo: Permission denied"),
	      "unreadable: %u from %s, reason '%s'", r.bits, kvmgpa_source_name(r.source),
	      r.skipped[2]);
}

/* Hygon, CRLF text, odd module parameters, an implausible MAXPHYADDR from KVM. */
static void test_more_fall_throughs(void)
{
	char *amd4 = load("cpuinfo-amd-qemu-npt4-pa52.txt");
	char *hygon = replace_first(amd4, "AuthenticAMD", "HygonGenuine");
	char *crlf = malloc(2 * strlen(amd4) + 1), *o = crlf;
	struct fake f = { .cap = 0, .cpuinfo = hygon, .host_cpuid_err = -ENOSYS };
	struct kvmgpa_result r;
	const char *p;

	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && r.bits == 48, "hygon: %u from %s", r.bits,
	      kvmgpa_source_name(r.source));

	for (p = amd4; *p; p++) {	/* the same text with CRLF line ends */
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	*o = '\0';
	f.cpuinfo = crlf;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && r.bits == 48, "crlf: %u from %s (%s)", r.bits,
	      kvmgpa_source_name(r.source), r.explanation);
	f.cpuinfo = replace_first(crlf, " npt ", " npt la57 ");	/* la57 read through CRLF too */
	r = query(&f);
	CHECK(r.bits == 52, "la57 added: %u", r.bits);
	free((char *)f.cpuinfo);

	/* A module parameter that is neither Y nor N says nothing: the flags decide. */
	f.cpuinfo = amd4;
	f.npt = "maybe\n";
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && r.bits == 48, "npt=maybe: %u", r.bits);
	f.npt = "";
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && r.bits == 48, "npt empty: %u", r.bits);
	f.npt = "N\n";
	r = query(&f);
	CHECK(r.bits == 52 && r.guest_bits == 52 && strstr(r.explanation, "shadow"),
	      "npt=N: %u / guest %u", r.bits, r.guest_bits);

	/* GuestPhysAddrSize with an implausible MAXPHYADDR beside it. */
	f.npt = NULL;
	f.cpuid_eax = 0x00300000;	/* g 48, MAXPHYADDR 0 */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && r.bits == 48 && r.maxphyaddr == -1,
	      "g 48 with MAXPHYADDR 0: %u from %s, maxphyaddr %d", r.bits,
	      kvmgpa_source_name(r.source), r.maxphyaddr);
	f.cpuid_eax = 0x00300063;	/* g 48, MAXPHYADDR 99 */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && r.bits == 48, "g 48 with MAXPHYADDR 99: %u",
	      r.bits);

	/* Shadow paging below 52 bits of MAXPHYADDR: N 52, the guest's width 40. */
	f.cap = 52;
	f.cpuid_eax = 0x00003028;
	r = query(&f);
	CHECK(r.bits == 52 && r.guest_maxphyaddr == 40 && r.guest_bits == 40,
	      "shadow pa40: N %u guest %u/%u", r.bits, r.guest_maxphyaddr, r.guest_bits);
	free(crlf);
	free(hygon);
	free(amd4);
}

static void test_guess(void)
{
	struct fake f = { .cap = 0, .cpuinfo = NULL, .cpuinfo_err = -ENOENT };
	struct kvmgpa_result r;

	/* MAXPHYADDR from KVM's CPUID, GuestPhysAddrSize 0. */
	f.cpuid_eax = 0x00003034;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_GUESS && r.bits == 48 && strstr(r.explanation, "KVM"),
	      "kvm maxphyaddr 52: %u (%s)", r.bits, r.explanation);
	f.cpuid_eax = 0x0000302e;	/* 46 */
	r = query(&f);
	CHECK(r.bits == 46, "kvm maxphyaddr 46: %u", r.bits);

	/* No KVM CPUID: the CPUID instruction. */
	f.cpuid_err = -ENOTTY;
	f.host_eax = 0x3027;		/* 39 */
	r = query(&f);
	CHECK(r.bits == 39 && strstr(r.explanation, "CPUID instruction"), "host 39: %u (%s)",
	      r.bits, r.explanation);
	CHECK(r.nr_skipped == 3, "skipped %u", r.nr_skipped);

	/* Nothing at all: the architectural default. */
	f.host_cpuid_err = -ENOSYS;
	r = query(&f);
	CHECK(r.bits == 36 && strstr(r.explanation, "default"), "nothing: %u (%s)", r.bits,
	      r.explanation);
}
#endif /* KVMGPA__X86 */

static void test_bad_arguments(void)
{
	struct kvmgpa_result r;

	CHECK(kvmgpa_query(-1, &r) == -EINVAL, "negative fd");
	CHECK(kvmgpa_query(0, NULL) == -EINVAL, "NULL result");
	CHECK(kvmgpa__query_backend(0, NULL, &r) == -EINVAL, "NULL backend");
	CHECK(kvmgpa_query_ex(NULL, &r, sizeof(r)) == -EINVAL, "NULL options");
	CHECK(kvmgpa_usable_bits(NULL) == 0 && !kvmgpa_result_region_fits(NULL, 0, 1) &&
	      kvmgpa_guest_cpuid_80000008_eax(NULL, 0x1234) == 0x1234, "NULL result");
	CHECK(!strcmp(kvmgpa_version(), KVMGPA_VERSION), "version %s", kvmgpa_version());
}

static void test_missing_backend_members(void)
{
	struct kvmgpa_backend be = { 0 };
	struct kvmgpa_result r;

#if defined(KVMGPA__X86)
	const unsigned int guess = 36, nr_skipped = 3;
#elif defined(KVMGPA__ARM64)
	const unsigned int guess = 40, nr_skipped = 1;
#else
	const unsigned int guess = 41, nr_skipped = 1;
#endif

	CHECK(kvmgpa__query_backend(3, &be, &r) == 0, "empty backend");
	CHECK(r.source == KVMGPA_SOURCE_GUESS && r.bits == guess && r.nr_skipped == nr_skipped,
	      "empty backend: %u from %d, %u skipped", r.bits, r.source, r.nr_skipped);
}

static void test_region_fits(void)
{
	const uint64_t t48 = 1ull << 48;

	CHECK(kvmgpa_max_gpa(48) == t48 - 1, "max gpa 48");
	CHECK(kvmgpa_max_gpa(64) == UINT64_MAX, "max gpa 64");
	CHECK(kvmgpa_max_gpa(0) == 0, "max gpa 0");
	CHECK(kvmgpa_region_fits(48, t48 - 4096, 4096), "ends exactly at 2^48");
	CHECK(kvmgpa_region_fits(48, 0, t48), "all of it");
	CHECK(!kvmgpa_region_fits(48, 0, t48 + 1), "one byte too many");
	CHECK(!kvmgpa_region_fits(48, t48, 4096), "starts at 2^48");
	CHECK(!kvmgpa_region_fits(48, t48 - 4096, 8192), "straddles 2^48");
	CHECK(!kvmgpa_region_fits(48, 0x1000, 0), "empty region");
	CHECK(!kvmgpa_region_fits(48, t48 - 4096, -(t48 - 4096) + 4096), "wraps past 2^64");
	CHECK(!kvmgpa_region_fits(64, UINT64_MAX, 2), "wraps by one");
	CHECK(kvmgpa_region_fits(64, UINT64_MAX - 4095, 4096), "ends at 2^64");
	CHECK(kvmgpa_region_fits(64, UINT64_MAX, 1), "last byte");
	CHECK(!kvmgpa_region_fits(0, 0, 1), "zero bits");
	CHECK(!kvmgpa_region_fits(65, 0, 1), "65 bits");
}

static void test_names(void)
{
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_CAPABILITY), "KVM_CAP_MAX_GPA_BITS"), "cap");
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_CPUID), "GuestPhysAddrSize"), "cpuid");
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_CPUINFO), "cpuinfo"), "cpuinfo");
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_GUESS), "guess"), "guess");
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_TDP_OFF), "tdp-off"), "tdp-off");
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_VM_CAPABILITY), "KVM_CAP_VM_GPA_BITS"),
	      "vm cap");
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_ARM_IPA_SIZE), "KVM_CAP_ARM_VM_IPA_SIZE"),
	      "arm64 ipa size");
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_ARM_LEGACY_IPA), "legacy-ipa-40"),
	      "arm64 legacy ipa");
	/* 1.0's values never move. */
	CHECK(KVMGPA_SOURCE_CAPABILITY == 0 && KVMGPA_SOURCE_CPUID == 1 && KVMGPA_SOURCE_CPUINFO == 2 &&
	      KVMGPA_SOURCE_GUESS == 3 && KVMGPA_SOURCE_TDP_OFF == 4 &&
	      KVMGPA_SOURCE_VM_CAPABILITY == 5 && KVMGPA_SOURCE_ARM_IPA_SIZE == 6 &&
	      KVMGPA_SOURCE_ARM_LEGACY_IPA == 7, "enum values");
	CHECK(!strcmp(kvmgpa_source_name((enum kvmgpa_source)42), "unknown"), "unknown");
}

/* The system entry point refuses what is not a KVM fd, before any backend. */
static void test_not_kvm(void)
{
	struct kvmgpa_result r;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0, "open /dev/null");
	CHECK(kvmgpa_query(fd, &r) == -ENOTTY, "/dev/null taken for KVM");
	close(fd);
	CHECK(kvmgpa_query(fd, &r) == -EBADF, "a closed fd taken for KVM");
	CHECK(kvmgpa_query(-1, &r) == -EINVAL, "fd -1 accepted");
}

/*
 * Mixed-up fds are refused, or sorted, before any architecture's ladder:
 * kvmgpa_query() hands over any fd as the system fd, and so on.
 */
static void test_fd_mixups(void)
{
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct fake f = { .cap = 48 };
	struct kvmgpa_result r;

	/* A VM fd as the system fd alone: asked as the VM fd it is. */
	o.system_fd = FD_VM;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 &&
	      (f.cap_fd == FD_VM || f.vm_gpa_bits_fd == FD_VM), "VM fd as system_fd");
	o.vm_fd = FD_VM;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "two VM fds");
	/* Swapped fds, as kvmgpa(3) lists them. */
	o.vm_fd = FD_SYS;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "swapped: VM fd as system_fd");
	o.system_fd = -1;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "/dev/kvm as vm_fd alone");
	o.system_fd = FD_OPENED;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "/dev/kvm as vm_fd, another as system_fd");
	o.system_fd = FD_SYS;
	o.vm_fd = FD_SYS;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0, "the same /dev/kvm twice is harmless");
	o.vm_fd = FD_NOT_KVM;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -ENOTTY, "a vm fd that is not KVM");
	o.system_fd = -1;
	o.vm_fd = -1;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "no fd at all");
}

#ifdef KVMGPA__X86
static void test_options_fds(void)
{
	char *amd4 = load("cpuinfo-amd-qemu-npt4-pa52.txt");
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct fake f = { .cap = 48, .cpuid_eax = 0x00303034, .cpuinfo = amd4 };
	struct kvmgpa_result r;

	/* A VM fd: the capability is asked there, CPUID on a /dev/kvm we open and close. */
	o.vm_fd = FD_VM;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0, "vm fd");
	CHECK(f.cap_fd == FD_VM && f.opens == 1 && f.closes == 1 && f.cpuid_fd == FD_OPENED,
	      "cap on %d, opens %d closes %d, cpuid on %d", f.cap_fd, f.opens, f.closes, f.cpuid_fd);
	CHECK(r.authoritative && r.maxphyaddr == 52, "authoritative %d maxphyaddr %d",
	      r.authoritative, r.maxphyaddr);

	/* The same with both fds: nothing opened. */
	f.opens = f.closes = 0;
	o.system_fd = FD_SYS;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && f.opens == 0 && f.cpuid_fd == FD_SYS &&
	      f.cap_fd == FD_VM, "both fds: opens %d cpuid on %d", f.opens, f.cpuid_fd);

	/* kvmgpa_query() hands over any fd as the system fd; a VM fd finds its place. */
	o.system_fd = FD_VM;
	o.vm_fd = -1;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && f.cap_fd == FD_VM && f.cpuid_fd == FD_OPENED,
	      "vm fd as system fd: cap on %d cpuid on %d", f.cap_fd, f.cpuid_fd);
	/* The mix-ups are test_fd_mixups()'s. */
	o.system_fd = -1;
	o.vm_fd = -1;

	/* KVMGPA_NO_OPEN with only a VM fd on an unpatched kernel: no CPUID. */
	f.cap = 0;
	f.opens = 0;
	o.vm_fd = FD_VM;
	o.flags = KVMGPA_NO_OPEN;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0, "no open");
	CHECK(f.opens == 0 && r.source == KVMGPA_SOURCE_CPUINFO &&
	      skipped_mentions(&r, 1, "KVMGPA_NO_OPEN"), "no open: opens %d source %s '%s'",
	      f.opens, kvmgpa_source_name(r.source), r.skipped[1]);

	/* Opening fails: the reason is kept. */
	o.flags = 0;
	f.open_err = -EACCES;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && skipped_mentions(&r, 1, "Permission denied"),
	      "open fails: '%s'", r.skipped[1]);
	f.open_err = 0;

	/* KVMGPA_NO_FILES: /proc and /sys untouched, the guess instead. */
	f.file_reads = 0;
	f.cpuid_eax = 0x00003034;	/* GuestPhysAddrSize 0 */
	o.system_fd = FD_SYS;
	o.vm_fd = -1;
	o.flags = KVMGPA_NO_FILES;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0, "no files");
	CHECK(f.file_reads == 0 && r.source == KVMGPA_SOURCE_GUESS && !r.authoritative &&
	      r.bits == 48 && skipped_mentions(&r, 2, "KVMGPA_NO_FILES"),
	      "no files: reads %d source %s bits %u", f.file_reads, kvmgpa_source_name(r.source),
	      r.bits);

	/* KVMGPA_KVM_ONLY: no answer from KVM is an error, not a guess. */
	o.flags = KVMGPA_KVM_ONLY;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -ENODATA, "kvm only");
	CHECK(r.bits == 0 && r.nr_skipped == 4 && skipped_mentions(&r, 3, "KVMGPA_NO_GUESS") &&
	      f.file_reads == 0, "kvm only: bits %u skipped %u", r.bits, r.nr_skipped);
	f.cpuid_eax = 0x00303034;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_CPUID &&
	      !r.authoritative, "kvm only with GuestPhysAddrSize: source %s, authoritative %d",
	      kvmgpa_source_name(r.source), r.authoritative);

	o.flags = 1u << 31;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "unknown flag");
	free(amd4);
}
#endif /* KVMGPA__X86 */

static void test_sizes(void)
{
	struct fake f = { .cap = 48, .cpuid_eax = 0x00303034 };
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct {
		struct kvmgpa_options o;
		uint64_t future[2];
	} big;
	struct {
		struct kvmgpa_result r;
		unsigned char future[64];
	} rbig;
	struct kvmgpa_result r;

	o.system_fd = FD_SYS;
	CHECK(query_opts(&f, &o, &r, offsetof(struct kvmgpa_result, guest_bits)) == -EINVAL,
	      "a result smaller than 1.0's");
	memset(&rbig, 0xa5, sizeof(rbig));
	CHECK(query_opts(&f, &o, &rbig.r, sizeof(rbig)) == 0 && rbig.r.size == sizeof(r) &&
	      rbig.future[0] == 0xa5 && rbig.future[63] == 0xa5,
	      "a newer caller's larger result: size %u, tail untouched", rbig.r.size);
	CHECK(KVMGPA_RESULT_HAS(&rbig.r, guest_bits), "guest_bits filled");

	/*
	 * A newer caller's larger options: fine while the unknown part is zero,
	 * the padding before future[] included (which an initializer need not
	 * clear).
	 */
	memset(&big, 0, sizeof(big));
	big.o = (struct kvmgpa_options)KVMGPA_OPTIONS_INIT;
	big.o.size = sizeof(big);
	big.o.system_fd = FD_SYS;
	CHECK(query_opts(&f, &big.o, &r, sizeof(r)) == 0, "larger options, zero tail");
	big.future[1] = 1;
	CHECK(query_opts(&f, &big.o, &r, sizeof(r)) == -E2BIG, "larger options, tail set");
	o.size = 8;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "options smaller than 1.0's");
	CHECK(query_opts(&f, NULL, &r, sizeof(r)) == -EINVAL, "no options");
}

#ifdef KVMGPA__X86
static void test_guest_view(void)
{
	struct fake f = { .cap = 52, .cpuid_eax = 0x0000302e };	/* shadow: N 52, MAXPHYADDR 46 */
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result r;
	uint32_t eax;

	o.system_fd = FD_SYS;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0, "shadow");
	CHECK(r.bits == 52 && r.guest_maxphyaddr == 46 && r.guest_bits == 46,
	      "shadow: N %u, guest MAXPHYADDR %u, guest bits %u", r.bits, r.guest_maxphyaddr,
	      r.guest_bits);

	/* The bug's host: N 48, MAXPHYADDR 52; the VMM gives its guest 52 or 40 bits. */
	f.cap = 48;
	f.cpuid_eax = 0x00303934;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.guest_bits == 48, "4-level: %u",
	      r.guest_bits);
	eax = kvmgpa_guest_cpuid_80000008_eax(&r, 0x00303934 | 0x7f000000);
	CHECK(eax == (0x7f000000 | 0x00303934), "cpuid for MAXPHYADDR 52: %#x", eax);
	o.guest_maxphyaddr = 40;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.guest_bits == 40 &&
	      r.guest_maxphyaddr == 40, "guest 40: %u", r.guest_bits);
	eax = kvmgpa_guest_cpuid_80000008_eax(&r, 0x00303934);
	CHECK(eax == 0x00283928, "cpuid for a 40-bit guest: %#x", eax);
	o.guest_maxphyaddr = 60;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "guest MAXPHYADDR 60");
	CHECK(kvmgpa_guest_cpuid_80000008_eax(NULL, 0x1234) == 0x1234, "NULL result");
}

/* Rung 3 never answers beyond KVM's own MAXPHYADDR, and knows SVM without NPT. */
static void test_cpuinfo_bounds(void)
{
	char *amd4 = load("cpuinfo-amd-qemu-npt4-pa52.txt");
	char *nonpt = replace_first(amd4, " npt ", " ");
	struct fake f = { .cap = 0, .cpuid_eax = 0x00003028 /* KVM: MAXPHYADDR 40 */, .cpuinfo = amd4 };
	struct kvmgpa_result r = query(&f);

	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && r.bits == 40, "KVM says 40: %u (%s)", r.bits,
	      r.explanation);
	f.cpuinfo = nonpt;
	f.cpuid_eax = 0x00003034;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && r.bits == 52 && strstr(r.explanation, "no NPT"),
	      "svm without npt: %u (%s)", r.bits, r.explanation);
	free(nonpt);
	free(amd4);
}

/* GuestPhysAddrSize 0: an old kernel, or TDP off on a new one. */
static void test_cpuid_tdp_off(void)
{
	char *amd4 = load("cpuinfo-amd-qemu-npt4-pa52.txt");
	struct fake f = { .cap = 0, .cpuid_eax = 0x0000302e, .cpuinfo = amd4, .npt = "Y",
			  .apic_bus = 1 };
	struct kvmgpa_result r = query(&f);

	CHECK(r.source == KVMGPA_SOURCE_TDP_OFF && r.bits == 52 && !r.authoritative &&
	      strstr(r.explanation, "TDP is off") && !strcmp(kvmgpa_source_name(r.source), "tdp-off"),
	      "new kernel, TDP off: %u from %s, authoritative %d", r.bits,
	      kvmgpa_source_name(r.source), r.authoritative);
	f.pre_fault = 1;	/* TDP on yet GuestPhysAddrSize 0: do not believe it */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO && r.bits == 46, "TDP on, g=0: %u from %s",
	      r.bits, kvmgpa_source_name(r.source));
	f.pre_fault = 0;
	f.apic_bus = 0;		/* an old kernel: 0 says nothing */
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUINFO, "old kernel: from %s", kvmgpa_source_name(r.source));
	free(amd4);
}

/* Each source, and whether its answer is authoritative: only KVM's statement. */
static void test_sources_authoritative(void)
{
	char *amd4 = load("cpuinfo-amd-qemu-npt4-pa52.txt");
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result r;
	struct {
		const char *what;
		struct fake f;
		int vm_fd;
		enum kvmgpa_source source;
		unsigned int bits;
		bool authoritative;
	} cases[] = {
		{ "capability", { .cap = 48, .cpuid_eax = 0x00303034 }, -1,
		  KVMGPA_SOURCE_CAPABILITY, 48, true },
		{ "VM width", { .cap = 52, .vm_gpa_bits_set = true, .vm_gpa_bits = 40,
				.cpuid_eax = 0x00343034 }, FD_VM,
		  KVMGPA_SOURCE_VM_CAPABILITY, 40, true },
		{ "GuestPhysAddrSize", { .cap = 0, .cpuid_eax = 0x00303034 }, -1,
		  KVMGPA_SOURCE_CPUID, 48, false },
		{ "TDP off", { .cap = 0, .cpuid_eax = 0x00003034, .apic_bus = 1 }, -1,
		  KVMGPA_SOURCE_TDP_OFF, 52, false },
		{ "cpuinfo", { .cap = 0, .cpuid_eax = 0x00003034, .cpuinfo = amd4 }, -1,
		  KVMGPA_SOURCE_CPUINFO, 48, false },
		{ "guess", { .cap = 0, .cpuid_eax = 0x00003034 }, -1,
		  KVMGPA_SOURCE_GUESS, 48, false },
	};
	unsigned int i;

	o.system_fd = FD_SYS;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.vm_fd = cases[i].vm_fd;
		CHECK(query_opts(&cases[i].f, &o, &r, sizeof(r)) == 0, "%s: query", cases[i].what);
		CHECK(r.source == cases[i].source && r.bits == cases[i].bits &&
		      r.authoritative == cases[i].authoritative,
		      "%s: %u from %s, authoritative %d", cases[i].what, r.bits,
		      kvmgpa_source_name(r.source), r.authoritative);
	}
	free(amd4);
}

/* The guest-usable width, and judging a region against it. */
static void test_usable_width(void)
{
	struct fake f = { .cap = 48, .cpuid_eax = 0x00303034 };
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	const uint64_t t40 = 1ull << 40;
	struct kvmgpa_result r;
	struct kvmgpa_backend be = { 0 };

	/* Given: min(48, 40) = 40; 2^40 is inside N but not the guest's. */
	o.system_fd = FD_SYS;
	o.guest_maxphyaddr = 40;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.guest_maxphyaddr_known &&
	      kvmgpa_usable_bits(&r) == 40, "given 40: usable %u", kvmgpa_usable_bits(&r));
	CHECK(kvmgpa_region_fits(r.bits, t40, 1) && !kvmgpa_result_region_fits(&r, t40, 1) &&
	      kvmgpa_result_region_fits(&r, t40 - 1, 1), "2^40 against the guest's 40 bits");

	/* Known from KVM (MAXPHYADDR 52): min(48, 52). */
	o.guest_maxphyaddr = 0;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.guest_maxphyaddr_known &&
	      kvmgpa_usable_bits(&r) == 48 && kvmgpa_result_region_fits(&r, t40, 1) &&
	      !kvmgpa_result_region_fits(&r, 1ull << 48, 1), "KVM's 52: usable %u",
	      kvmgpa_usable_bits(&r));
	/* Shadow paging, KVM's MAXPHYADDR 40: N 52, the guest 40. */
	f.cap = 52;
	f.cpuid_eax = 0x00003028;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.bits == 52 &&
	      kvmgpa_usable_bits(&r) == 40 && !kvmgpa_result_region_fits(&r, t40, 1),
	      "shadow pa40: usable %u", kvmgpa_usable_bits(&r));

	/* Not known at all: N itself. */
	CHECK(kvmgpa__query_backend(3, &be, &r) == 0 && !r.guest_maxphyaddr_known &&
	      kvmgpa_usable_bits(&r) == r.bits && r.bits == 36, "unknown: usable %u of %u",
	      kvmgpa_usable_bits(&r), r.bits);

	/* A result without guest_bits (or nothing): N, or 0 and never fits. */
	r.guest_bits = 20;
	r.size = offsetof(struct kvmgpa_result, guest_bits);
	CHECK(kvmgpa_usable_bits(&r) == 36, "no guest_bits: %u", kvmgpa_usable_bits(&r));
	r.size = 0;
	CHECK(kvmgpa_usable_bits(&r) == 0 && !kvmgpa_result_region_fits(&r, 0, 1), "empty result");
	CHECK(kvmgpa_usable_bits(NULL) == 0 && !kvmgpa_result_region_fits(NULL, 0, 1), "NULL");
}

/* 1.1's members: filled by kvmgpa_query_ex(), never by 1.0's kvmgpa_query(). */
static void test_result_1_1(void)
{
	struct fake f = { .cap = 48, .cpuid_eax = 0x00303034 };
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result r;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	o.system_fd = FD_SYS;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && KVMGPA_RESULT_HAS(&r, vm_gpa_bits) &&
	      KVMGPA_RESULT_HAS(&r, guest_maxphyaddr_known) && r.vm_gpa_bits == 48,
	      "1.1 result: size %u vm_gpa_bits %d", r.size, r.vm_gpa_bits);
	f.cap = 0;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.vm_gpa_bits == -1,
	      "no capability: vm_gpa_bits %d", r.vm_gpa_bits);
	CHECK(query_opts(&f, &o, &r, offsetof(struct kvmgpa_result, vm_gpa_bits)) == 0 &&
	      !KVMGPA_RESULT_HAS(&r, vm_gpa_bits) && KVMGPA_RESULT_HAS(&r, guest_bits),
	      "1.0-sized result: size %u", r.size);
	/*
	 * A 1.0 caller never sees a source 1.0 did not have: 1.1's TDP-off and
	 * VM-width answers come as 1.0 named them.
	 */
	f = (struct fake){ .cap = 0, .cpuid_eax = 0x00003034, .apic_bus = 1 };
	CHECK(query_opts(&f, &o, &r, offsetof(struct kvmgpa_result, vm_gpa_bits)) == 0 &&
	      r.source == KVMGPA_SOURCE_CPUID && r.bits == 52 && strstr(r.explanation, "TDP is off"),
	      "1.0 caller, TDP off: source %d", r.source);
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_TDP_OFF,
	      "1.1 caller, TDP off: source %d", r.source);
	f = (struct fake){ .cap = 52, .vm_gpa_bits_set = true, .vm_gpa_bits = 44 };
	o.vm_fd = FD_VM;
	CHECK(query_opts(&f, &o, &r, offsetof(struct kvmgpa_result, vm_gpa_bits)) == 0 &&
	      r.source == KVMGPA_SOURCE_CAPABILITY && r.bits == 44 && r.authoritative,
	      "1.0 caller, VM width: source %d bits %u", r.source, r.bits);
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_VM_CAPABILITY,
	      "1.1 caller, VM width: source %d", r.source);
	o.vm_fd = -1;

	/* kvmgpa_query() refuses /dev/null before filling anything. */
	memset(&r, 0xa5, sizeof(r));
	CHECK(kvmgpa_query(fd, &r) == -ENOTTY && r.size == 0xa5a5a5a5, "1.0 entry point");
	close(fd);
}

/* Setting a VM's width: each answer, and what KVM is asked. */
static void test_set_vm_bits(void)
{
	struct fake f = { .cap = 48, .cpuid_eax = 0x00343034, .can_set = true };
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result r;
	int fd, ret;

	/* Success: KVM_ENABLE_CAP(207, args[0] = bits) on the VM fd. */
	CHECK(set_vm_bits(&f, FD_VM, 40) == 0 && f.enable_calls == 1 && f.enable_fd == FD_VM &&
	      f.enable_cap == KVM_CAP_VM_GPA_BITS && f.enable_arg == 40,
	      "set 40: %d calls, cap %u arg %llu on fd %d", f.enable_calls, f.enable_cap,
	      (unsigned long long)f.enable_arg, f.enable_fd);
	/* Read back: the VM's width 40, the ceiling 48 unchanged. */
	o.system_fd = FD_SYS;
	o.vm_fd = FD_VM;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.vm_gpa_bits == 40 && r.cap_bits == 48 &&
	      r.bits == 40 && r.source == KVMGPA_SOURCE_VM_CAPABILITY && r.authoritative,
	      "read back: width %d ceiling %d, N %u from %s", r.vm_gpa_bits, r.cap_bits, r.bits,
	      kvmgpa_source_name(r.source));
	/* Both ends of the range: 32 and the ceiling itself. */
	CHECK(set_vm_bits(&f, FD_VM, 32) == 0 && f.vm_gpa_bits == 32, "set 32: %d", f.vm_gpa_bits);
	CHECK(set_vm_bits(&f, FD_VM, 48) == 0 && f.vm_gpa_bits == 48, "set 48: %d", f.vm_gpa_bits);
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.vm_gpa_bits == 48 && r.cap_bits == 48 &&
	      r.source == KVMGPA_SOURCE_CAPABILITY, "read back at the ceiling: %d of %d from %s",
	      r.vm_gpa_bits, r.cap_bits, kvmgpa_source_name(r.source));

	/* Out of range, both ends: EINVAL and no KVM_ENABLE_CAP. */
	f.enable_calls = 0;
	f.vm_gpa_bits_asked = 0;
	CHECK(set_vm_bits(&f, FD_VM, 31) == -EINVAL && f.vm_gpa_bits_asked == 0, "31 bits");
	CHECK(set_vm_bits(&f, FD_VM, 0) == -EINVAL, "0 bits");
	CHECK(set_vm_bits(&f, FD_VM, 53) == -EINVAL && f.vm_gpa_bits_asked == 0, "53 bits");
	CHECK(set_vm_bits(&f, FD_VM, 49) == -EINVAL, "49 bits, above the ceiling 48");
	CHECK(f.enable_calls == 0, "KVM_ENABLE_CAP made %d times for bad bits", f.enable_calls);
	f.cap = 52;
	CHECK(set_vm_bits(&f, FD_VM, 52) == 0 && f.enable_calls == 1, "52 under a ceiling of 52");
	f.cap = 48;
	f.vm_gpa_bits = 48;

	/* Too late: a vCPU or a memslot.  The width is unchanged. */
	f.busy = true;
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EBUSY && f.vm_gpa_bits == 48, "busy: %d",
	      f.vm_gpa_bits);
	f.busy = false;

	/* The wrong fds. */
	f.enable_calls = 0;
	CHECK(set_vm_bits(&f, FD_SYS, 40) == -EINVAL, "/dev/kvm as the VM fd");
	CHECK(set_vm_bits(&f, FD_OPENED, 40) == -EINVAL, "another /dev/kvm as the VM fd");
	CHECK(set_vm_bits(&f, FD_NOT_KVM, 40) == -ENOTTY, "not KVM");
	CHECK(set_vm_bits(&f, FD_CLOSED, 40) == -EBADF, "not open");
	CHECK(set_vm_bits(&f, -1, 40) == -EINVAL, "fd -1");
	CHECK(f.enable_calls == 0, "KVM_ENABLE_CAP made %d times for a wrong fd", f.enable_calls);

	/* Kernels that cannot set it: EOPNOTSUPP, KVM_ENABLE_CAP not made. */
	f.cap = 0;			/* neither capability */
	f.vm_gpa_bits = 0;
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EOPNOTSUPP, "no capability");
	f.vm_gpa_bits = 40;		/* 207 alone (RISC-V's meaning), 250 absent */
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EOPNOTSUPP, "207 without 250");
	f.cap = 48;
	f.vm_gpa_bits = 0;		/* 250 is another capability's here */
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EOPNOTSUPP, "207 answers 0");
	f.vm_gpa_bits = -EINVAL;
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EOPNOTSUPP, "207 fails");
	f.vm_gpa_bits = 52;		/* the trust rule: the width above the ceiling */
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EOPNOTSUPP, "207 above 250");
	f.cap = 99;			/* an implausible ceiling */
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EOPNOTSUPP, "250 answers 99");
	CHECK(f.enable_calls == 0, "KVM_ENABLE_CAP made %d times without the capability",
	      f.enable_calls);
	/*
	 * Reports both widths but refuses to set an in-range one with EINVAL:
	 * the series before KVM_ENABLE_CAP, or a TDX VM.
	 */
	f.cap = 48;
	f.vm_gpa_bits = 48;
	f.can_set = false;
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EOPNOTSUPP && f.enable_calls == 1,
	      "ENABLE_CAP's EINVAL for 40 of 48: %d calls", f.enable_calls);
	/* Other errors come as the kernel gave them. */
	f.enable_err = -EFAULT;
	CHECK(set_vm_bits(&f, FD_VM, 40) == -EFAULT, "EFAULT passed through");
	f.enable_err = 0;

	f.can_set = true;
	set_vm_bits_missing_members(&f, 40);

	/* The real backend: bad arguments and fds that are not a VM's. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open /dev/null");
	CHECK(kvmgpa_set_vm_bits(fd, 31) == -EINVAL, "real: 31 bits");
	CHECK(kvmgpa_set_vm_bits(-1, 40) == -EINVAL, "real: fd -1");
	ret = kvmgpa_set_vm_bits(fd, 40);
	CHECK(ret == -ENOTTY, "real: /dev/null: %d", ret);
	close(fd);
	ret = kvmgpa_set_vm_bits(fd, 40);
	CHECK(ret == -EBADF, "real: a closed fd: %d", ret);
}
#endif /* KVMGPA__X86 */

#ifdef KVMGPA__ARM64
/*
 * arm64: KVM_CAP_ARM_VM_IPA_SIZE on /dev/kvm is the host's limit, the size a
 * VM created with KVM_VM_TYPE_ARM_IPA_SIZE(limit) has; 0 (before 4.20) means
 * every VM has 40 bits; a VM fd's own size is not reported: a guess.
 */
static void test_arm64_ladder(void)
{
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct fake f = { .cap = 48 };
	struct kvmgpa_result r;
	unsigned int i;
	static const struct {
		int limit;
		unsigned int bits;
		const char *why;
	} limits[] = {
		{ 48, 48, "type 0 gives 40" },
		{ 52, 52, "KVM_VM_TYPE_ARM_IPA_SIZE(52)" },
		{ 40, 40, "type 0 gives 40" },
		{ 36, 36, "cannot be created here" },
		{ 32, 32, "refuses memslots above 2^32" },
	};

	CHECK(kvmgpa_cap_number() == KVM_CAP_ARM_VM_IPA_SIZE && kvmgpa_cap_number() == 165,
	      "cap number %lu", kvmgpa_cap_number());

	/* /dev/kvm: the limit, from KVM: authoritative, and nothing else asked. */
	o.system_fd = FD_SYS;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		f = (struct fake){ .cap = limits[i].limit };
		CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 &&
		      r.source == KVMGPA_SOURCE_ARM_IPA_SIZE && r.bits == limits[i].bits &&
		      r.authoritative && r.cap_bits == limits[i].limit && r.nr_skipped == 0 &&
		      f.cap_asked == KVM_CAP_ARM_VM_IPA_SIZE && f.cap_fd == FD_SYS &&
		      f.vm_gpa_bits_asked == 0 && f.opens == 0 && f.file_reads == 0 &&
		      r.vm_gpa_bits == -1 && r.maxphyaddr == -1 && r.guest_phys_bits == -1 &&
		      strstr(r.explanation, limits[i].why),
		      "limit %d: %u from %s (%s)", limits[i].limit, r.bits,
		      kvmgpa_source_name(r.source), r.explanation);
	}
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_ARM_IPA_SIZE && r.bits == 32, "kvmgpa_query: %u", r.bits);

	/* A kernel before 4.20: every VM 40 bits, on either fd; inferred. */
	f = (struct fake){ .cap = 0 };
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_ARM_LEGACY_IPA &&
	      r.bits == 40 && !r.authoritative && r.cap_bits == 0 &&
	      !strcmp(kvmgpa_source_name(r.source), "legacy-ipa-40") &&
	      strstr(r.explanation, "before 4.20"),
	      "legacy: %u from %s (%s)", r.bits, kvmgpa_source_name(r.source), r.explanation);
	o.vm_fd = FD_VM;
	o.flags = KVMGPA_KVM_ONLY;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_ARM_LEGACY_IPA &&
	      r.bits == 40 && f.cap_fd == FD_VM, "legacy, VM fd, KVM only: %u from %s", r.bits,
	      kvmgpa_source_name(r.source));

	/*
	 * A VM fd of a kernel with the capability: its answer is the host's
	 * limit, not the VM's size, which only the VM's type says.  The guess
	 * is type 0's 40 bits, or the limit where that is below 40.  The
	 * capability is asked on the VM fd, and /dev/kvm is never opened.
	 */
	o.flags = 0;
	f = (struct fake){ .cap = 48 };
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      r.bits == 40 && !r.authoritative && r.cap_bits == 48 && f.cap_fd == FD_VM &&
	      skipped_mentions(&r, 0, "48 bits is the host's limit, not this VM's IPA size") &&
	      strstr(r.explanation, "type 0"),
	      "VM fd: %u from %s (%s), '%s'", r.bits, kvmgpa_source_name(r.source), r.explanation,
	      r.skipped[0]);
	o.system_fd = -1;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.bits == 40 && f.opens == 0,
	      "VM fd alone: %u, %d opens", r.bits, f.opens);
	f.cap = 36;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      r.bits == 36 && strstr(r.explanation, "limit of 36"),
	      "VM fd, limit 36: %u (%s)", r.bits, r.explanation);
	o.flags = KVMGPA_KVM_ONLY;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -ENODATA && r.bits == 0 && r.nr_skipped == 2 &&
	      skipped_mentions(&r, 1, "KVMGPA_NO_GUESS"), "VM fd, KVM only: %u skipped",
	      r.nr_skipped);

	/* No answer: the capability fails, is implausible, or cannot be asked. */
	o.flags = 0;
	o.system_fd = FD_SYS;
	o.vm_fd = -1;
	f = (struct fake){ .cap = -ENOTTY };
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      r.bits == 40 && r.cap_bits == -1 && skipped_mentions(&r, 0, "failed"),
	      "fails: %u, cap_bits %d, '%s'", r.bits, r.cap_bits, r.skipped[0]);
	f.cap = 53;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      r.bits == 40 && r.cap_bits == 53 && skipped_mentions(&r, 0, "implausible value 53"),
	      "53: %u, '%s'", r.bits, r.skipped[0]);
	f.cap = 31;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      skipped_mentions(&r, 0, "implausible value 31"), "31: '%s'", r.skipped[0]);

	/* The guest's width: given, or unknown (N). */
	f.cap = 48;
	o.guest_maxphyaddr = 44;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.guest_bits == 44 &&
	      r.guest_maxphyaddr_known && kvmgpa_usable_bits(&r) == 44, "guest 44: %u",
	      r.guest_bits);
	o.guest_maxphyaddr = 53;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "guest MAXPHYADDR 53");
	o.guest_maxphyaddr = 0;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.guest_bits == 48 &&
	      !r.guest_maxphyaddr_known, "guest unknown: %u", r.guest_bits);
	/* A 1.0-sized result holds arm64's source too: no version before answered here. */
	CHECK(query_opts(&f, &o, &r, offsetof(struct kvmgpa_result, vm_gpa_bits)) == 0 &&
	      r.source == KVMGPA_SOURCE_ARM_IPA_SIZE, "1.0-sized: %d", r.source);
}

/* arm64 fixes a VM's IPA size at KVM_CREATE_VM: nothing to set, nothing asked. */
static void test_arm64_set_vm_bits(void)
{
	struct fake f = { .cap = 48, .can_set = true };

	CHECK(set_vm_bits(&f, FD_VM, 40) == -EOPNOTSUPP && f.enable_calls == 0 &&
	      f.vm_gpa_bits_asked == 0 && f.cap_asked == 0, "40: %d calls", f.enable_calls);
	CHECK(set_vm_bits(&f, FD_CLOSED, 48) == -EOPNOTSUPP, "no fd is even looked at");
	CHECK(set_vm_bits(&f, FD_VM, 31) == -EINVAL && set_vm_bits(&f, FD_VM, 53) == -EINVAL,
	      "out of range first");
	CHECK(set_vm_bits(&f, -1, 40) == -EINVAL, "fd -1");
	CHECK(kvmgpa_set_vm_bits(0, 40) == -EOPNOTSUPP && kvmgpa_set_vm_bits(-1, 40) == -EINVAL,
	      "the real backend");
}
#endif /* KVMGPA__ARM64 */

#ifdef KVMGPA__RISCV64
/*
 * riscv64: KVM_CAP_VM_GPA_BITS, the width of the G-stage mode: on /dev/kvm
 * the widest (a new VM's), on a VM fd the VM's own; without it, a guess of
 * 41 (Sv39x4), the least any RISC-V KVM maps.
 */
static void test_riscv64_ladder(void)
{
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct fake f;
	struct kvmgpa_result r;
	unsigned int i;
	static const struct {
		int bits;
		const char *mode;
	} modes[] = { { 41, "Sv39x4" }, { 50, "Sv48x4" }, { 59, "Sv57x4" } };

	CHECK(kvmgpa_cap_number() == KVM_CAP_VM_GPA_BITS, "cap number %lu", kvmgpa_cap_number());

	/* /dev/kvm: its widest mode, authoritative; asked once, nothing opened. */
	o.system_fd = FD_SYS;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		f = (struct fake){ .cap = modes[i].bits };
		CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 &&
		      r.source == KVMGPA_SOURCE_VM_CAPABILITY && r.bits == (unsigned int)modes[i].bits &&
		      r.authoritative && r.cap_bits == modes[i].bits &&
		      r.vm_gpa_bits == modes[i].bits && r.nr_skipped == 0 &&
		      f.vm_gpa_bits_asked == 1 && f.vm_gpa_bits_fd == FD_SYS && f.cap_asked == 0 &&
		      f.opens == 0 && f.file_reads == 0 && r.maxphyaddr == -1 &&
		      strstr(r.explanation, modes[i].mode) && strstr(r.explanation, "a new VM"),
		      "%d bits: %u from %s (%s)", modes[i].bits, r.bits,
		      kvmgpa_source_name(r.source), r.explanation);
	}
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_VM_CAPABILITY && r.bits == 59, "kvmgpa_query: %u", r.bits);
	/* A 1.0-sized result keeps it: no version before answered here. */
	CHECK(query_opts(&f, &o, &r, offsetof(struct kvmgpa_result, vm_gpa_bits)) == 0 &&
	      r.source == KVMGPA_SOURCE_VM_CAPABILITY, "1.0-sized: %d", r.source);

	/* A VM fd: its own width, below the ceiling on /dev/kvm. */
	o.vm_fd = FD_VM;
	f = (struct fake){ .cap = 59, .vm_vgb_set = true, .vm_vgb = 41 };
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_VM_CAPABILITY &&
	      r.bits == 41 && r.authoritative && r.cap_bits == 59 && r.vm_gpa_bits == 41 &&
	      f.vm_gpa_bits_asked == 2 && f.vm_gpa_bits_fd == FD_VM &&
	      strstr(r.explanation, "this VM maps 41 bits") && strstr(r.explanation, "Sv39x4") &&
	      strstr(r.explanation, "of at most 59"),
	      "VM 41 of 59: %u (%s)", r.bits, r.explanation);
	/* Only a VM fd: /dev/kvm is opened for the ceiling, and closed. */
	o.system_fd = -1;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.bits == 41 && r.cap_bits == 59 &&
	      f.opens == 1 && f.closes == 1, "VM fd alone: ceiling %d, %d opens %d closes",
	      r.cap_bits, f.opens, f.closes);
	/* ... unless KVMGPA_NO_OPEN: no ceiling, the VM's width all the same. */
	o.flags = KVMGPA_KVM_ONLY;
	f.opens = 0;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.bits == 41 && r.authoritative &&
	      r.cap_bits == -1 && f.opens == 0 && !strstr(r.explanation, "at most"),
	      "no open: %u, ceiling %d (%s)", r.bits, r.cap_bits, r.explanation);
	/* ... or it cannot be opened. */
	o.flags = 0;
	f.open_err = -EACCES;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.bits == 41 && r.cap_bits == -1,
	      "open fails: %u, ceiling %d", r.bits, r.cap_bits);
	f.open_err = 0;
	o.system_fd = FD_SYS;

	/* A VM wider than /dev/kvm's widest mode is not believed. */
	f = (struct fake){ .cap = 50, .vm_vgb_set = true, .vm_vgb = 59 };
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      r.bits == 41 && skipped_mentions(&r, 0, "59 on the VM fd, above the 50 on /dev/kvm"),
	      "VM above the ceiling: %u from %s, '%s'", r.bits, kvmgpa_source_name(r.source),
	      r.skipped[0]);

	/* A kernel without the capability, or an answer that is no mode's. */
	o.vm_fd = -1;
	f = (struct fake){ .cap = 0 };
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      r.bits == 41 && !r.authoritative && r.cap_bits == 0 && r.vm_gpa_bits == 0 &&
	      skipped_mentions(&r, 0, "does not have it") && strstr(r.explanation, "Sv39x4"),
	      "no capability: %u from %s (%s)", r.bits, kvmgpa_source_name(r.source),
	      r.explanation);
	o.flags = KVMGPA_KVM_ONLY;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -ENODATA && r.nr_skipped == 2,
	      "no capability, KVM only: %u skipped", r.nr_skipped);
	o.flags = 0;
	f.cap = 48;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      skipped_mentions(&r, 0, "implausible value 48 on the /dev/kvm fd"),
	      "48: '%s'", r.skipped[0]);
	f.cap = -EIO;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      r.cap_bits == -1 && r.vm_gpa_bits == -1 &&
	      skipped_mentions(&r, 0, "KVM_CHECK_EXTENSION on the /dev/kvm fd failed"),
	      "EIO: '%s'", r.skipped[0]);
	o.vm_fd = FD_VM;
	f = (struct fake){ .cap = 59, .vm_vgb_set = true, .vm_vgb = -EIO };
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.source == KVMGPA_SOURCE_GUESS &&
	      r.cap_bits == 59 && skipped_mentions(&r, 0, "on the VM fd failed"),
	      "EIO on the VM fd: '%s'", r.skipped[0]);
	o.vm_fd = -1;

	/* The guest's width: up to 59 here. */
	f = (struct fake){ .cap = 59 };
	o.guest_maxphyaddr = 59;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.guest_bits == 59, "guest 59: %u",
	      r.guest_bits);
	o.guest_maxphyaddr = 44;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.guest_bits == 44 &&
	      kvmgpa_usable_bits(&r) == 44, "guest 44: %u", r.guest_bits);
	o.guest_maxphyaddr = 60;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == -EINVAL, "guest 60");
}

/* KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) with a G-stage mode's width. */
static void test_riscv64_set_vm_bits(void)
{
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct fake f = { .cap = 59, .vm_vgb_set = true, .vm_vgb = 59, .can_set = true };
	struct kvmgpa_result r;
	static const unsigned int bad[] = { 0, 31, 32, 40, 42, 48, 52, 58, 60, 64 };
	unsigned int i;

	/* Narrow it to Sv39x4, then read back the VM's width and the ceiling. */
	CHECK(set_vm_bits(&f, FD_VM, 41) == 0 && f.enable_calls == 1 && f.enable_fd == FD_VM &&
	      f.enable_cap == KVM_CAP_VM_GPA_BITS && f.enable_arg == 41 && f.vm_vgb == 41,
	      "set 41: %d calls, arg %llu, width %d", f.enable_calls,
	      (unsigned long long)f.enable_arg, f.vm_vgb);
	o.system_fd = FD_SYS;
	o.vm_fd = FD_VM;
	CHECK(query_opts(&f, &o, &r, sizeof(r)) == 0 && r.bits == 41 && r.vm_gpa_bits == 41 &&
	      r.cap_bits == 59 && r.authoritative, "read back: %u of %d", r.bits, r.cap_bits);
	/* Widen it again, up to the ceiling: KVM allows it until a vCPU or memslot. */
	CHECK(set_vm_bits(&f, FD_VM, 50) == 0 && f.vm_vgb == 50, "set 50: %d", f.vm_vgb);
	CHECK(set_vm_bits(&f, FD_VM, 59) == 0 && f.vm_vgb == 59, "set 59: %d", f.vm_vgb);

	/* Only a mode's width: anything else is EINVAL, with no system call. */
	f.enable_calls = f.vm_gpa_bits_asked = 0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(set_vm_bits(&f, FD_VM, bad[i]) == -EINVAL, "%u bits", bad[i]);
	CHECK(f.enable_calls == 0 && f.vm_gpa_bits_asked == 0, "%d calls, %d asks",
	      f.enable_calls, f.vm_gpa_bits_asked);

	/* Above the host's widest mode: KVM's EINVAL, for a width above the VM's. */
	f = (struct fake){ .cap = 50, .vm_vgb_set = true, .vm_vgb = 50, .can_set = true };
	CHECK(set_vm_bits(&f, FD_VM, 59) == -EINVAL && f.enable_calls == 1, "59 above 50");
	/* A kernel that answers the width but cannot set it (before 7.x). */
	f.can_set = false;
	CHECK(set_vm_bits(&f, FD_VM, 41) == -EOPNOTSUPP, "cannot set 41 of 50");
	CHECK(set_vm_bits(&f, FD_VM, 50) == -EOPNOTSUPP, "cannot set 50 of 50");
	CHECK(set_vm_bits(&f, FD_VM, 59) == -EINVAL, "cannot set 59 of 50: above it anyway");
	/* A kernel without the capability, or a width no mode has: no KVM_ENABLE_CAP. */
	f = (struct fake){ .cap = 59, .vm_vgb_set = true, .vm_vgb = 0, .can_set = true };
	CHECK(set_vm_bits(&f, FD_VM, 41) == -EOPNOTSUPP && f.enable_calls == 0, "no capability");
	f.vm_vgb = 48;
	CHECK(set_vm_bits(&f, FD_VM, 41) == -EOPNOTSUPP && f.enable_calls == 0, "48 is no mode");
	f.vm_vgb = -ENOTTY;
	CHECK(set_vm_bits(&f, FD_VM, 41) == -EOPNOTSUPP && f.enable_calls == 0, "fails");
	/* Too late, and the kernel's other errors. */
	f.vm_vgb = 59;
	f.busy = true;
	CHECK(set_vm_bits(&f, FD_VM, 41) == -EBUSY, "busy");
	f.enable_err = -EFAULT;
	CHECK(set_vm_bits(&f, FD_VM, 41) == -EFAULT, "EFAULT passed through");
	/* Fds that are not a VM's. */
	f.enable_calls = 0;
	CHECK(set_vm_bits(&f, FD_SYS, 41) == -EINVAL, "/dev/kvm");
	CHECK(set_vm_bits(&f, FD_NOT_KVM, 41) == -ENOTTY, "not KVM");
	CHECK(set_vm_bits(&f, FD_CLOSED, 41) == -EBADF, "closed");
	CHECK(f.enable_calls == 0, "%d calls on fds that are not a VM's", f.enable_calls);
	f.busy = false;
	f.enable_err = 0;
	set_vm_bits_missing_members(&f, 41);
	CHECK(kvmgpa_set_vm_bits(-1, 41) == -EINVAL && kvmgpa_set_vm_bits(0, 40) == -EINVAL,
	      "the real backend, bad arguments");
}
#endif /* KVMGPA__RISCV64 */

int main(void)
{
	/* What every architecture shares. */
	test_sizes();
	test_fd_mixups();
	test_not_kvm();
	test_bad_arguments();
	test_missing_backend_members();
	test_region_fits();
	test_names();
#if defined(KVMGPA__X86)
	test_options_fds();
	test_guest_view();
	test_cpuinfo_bounds();
	test_cpuid_tdp_off();
	test_more_fall_throughs();
	test_capability();
	test_capability_falls_through();
	test_trust_rule();
	test_cpuid_falls_through();
	test_cpuinfo_samples();
	test_cpuinfo_intel_ept();
	test_cpuinfo_falls_through();
	test_guess();
	test_sources_authoritative();
	test_usable_width();
	test_result_1_1();
	test_set_vm_bits();
#elif defined(KVMGPA__ARM64)
	test_arm64_ladder();
	test_arm64_set_vm_bits();
#elif defined(KVMGPA__RISCV64)
	test_riscv64_ladder();
	test_riscv64_set_vm_bits();
#endif
	printf("%s: %d checks, %d failed\n", KVMGPA__ARCH_NAME, checks, failures);
	return failures ? 1 : 0;
}
