// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for libkvmgpa: every rung of the ladder and every way a rung can
 * fall through, with fake ioctls and real captured /proc/cpuinfo text
 * (tests/data/README says where each sample came from).  No KVM needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmgpa.h"
#include "kvmgpa-internal.h"

static int failures, checks;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

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
	int cap_fd;
};

static int f_check_extension(void *ctx, int fd, unsigned long cap)
{
	struct fake *f = ctx;

	if (cap == KVM_CAP_VM_GPA_BITS && f->vm_gpa_bits_set)
		return f->vm_gpa_bits;
	if (cap != KVM_CAP_VM_GPA_BITS) {
		f->cap_asked = cap;
		f->cap_fd = fd;
	}
	return f->cap;
}

static int f_cpuid(void *ctx, int fd, uint32_t *eax)
{
	struct fake *f = ctx;

	if (f->cpuid_err)
		return f->cpuid_err;
	*eax = f->cpuid_eax;
	return 0;
}

static int f_read_cpuinfo(void *ctx, char **text)
{
	struct fake *f = ctx;

	if (!f->cpuinfo)
		return f->cpuinfo_err ? f->cpuinfo_err : -ENOENT;
	*text = strdup(f->cpuinfo);
	return *text ? 0 : -ENOMEM;
}

static int f_read_file(void *ctx, const char *path, char **text)
{
	struct fake *f = ctx;
	const char *v = NULL;

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

	CHECK(kvmgpa_query_backend(7, &be, &r) == 0, "query failed");
	return r;
}

static bool skipped_mentions(const struct kvmgpa_result *r, unsigned int i, const char *what)
{
	return i < r->nr_skipped && strstr(r->skipped[i], what);
}

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

/*
 * No Intel host with VMX could be captured here (QEMU's TCG has no VMX), so
 * the Intel-with-EPT samples are derived from the captured Icelake text: its
 * "address sizes" replaced and a "vmx flags" line added.
 */
static char *derive_intel(const char *base, int phys, const char *vmx_flags)
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
	CHECK(kvmgpa_cap_number() == KVMGPA_CAP_MAX_GPA_BITS_FALLBACK ||
	      kvmgpa_cap_number() > 0, "cap number %lu", kvmgpa_cap_number());
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

#ifndef KVM_CAP_MAX_GPA_BITS
	/* The provisional number answers, KVM_CAP_VM_GPA_BITS disagrees. */
	f.cap = 40;
	f.vm_gpa_bits_set = true;
	f.vm_gpa_bits = 0;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CPUID && skipped_mentions(&r, 0, "another capability"),
	      "disagreement trusted: source %d reason %s", r.source, r.skipped[0]);
	f.vm_gpa_bits = 40;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_CAPABILITY && r.bits == 40, "agreement: source %d bits %u",
	      r.source, r.bits);
#endif
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
		{ "cpuinfo-amd-qemu-npt5-pa40.txt", NULL, NULL, 40, KVMGPA_SOURCE_CPUINFO, "5-level paging" },
		{ "cpuinfo-amd-epyc-host-pa48.txt", NULL, NULL, 48, KVMGPA_SOURCE_CPUINFO, "4-level paging" },
		/* NPT off: shadow paging maps all 52 bits. */
		{ "cpuinfo-amd-qemu-npt4-pa52.txt", "N", NULL, 52, KVMGPA_SOURCE_CPUINFO, "shadow" },
		{ "cpuinfo-amd-qemu-npt5-pa40.txt", "0", NULL, 52, KVMGPA_SOURCE_CPUINFO, "shadow" },
		/* Intel without a vmx flags line: la57 says nothing about EPT. */
		{ "cpuinfo-intel-qemu-icelake-novmx.txt", NULL, NULL, 46, KVMGPA_SOURCE_GUESS,
		  "guess" },
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
		{ 52, noept, NULL, 48, KVMGPA_SOURCE_GUESS },	/* no EPT at all */
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
	static const char *broken[] = {
		"",						/* empty */
		"processor\t: 0\nvendor_id\t: AuthenticAMD\n",	/* no address sizes */
		"vendor_id\t: AuthenticAMD\naddress sizes\t: lots of bits physical\nflags\t: la57\n",
		"vendor_id\t: AuthenticAMD\naddress sizes\t: 99 bits physical\nflags\t: la57\n",
		"vendor_id\t: CentaurHauls\naddress sizes\t: 40 bits physical\nflags\t: la57\n",
		"vendor_id\t: AuthenticAMD\naddress sizes\t: 40 bits physical\n", /* no flags */
		"\x01\x02\xff garbage\n:::\n",
	};
	struct fake f = { .cap = 0, .host_cpuid_err = -ENOSYS };
	struct kvmgpa_result r;
	unsigned int i;

	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		f.cpuinfo = broken[i];
		r = query(&f);
		CHECK(r.source == KVMGPA_SOURCE_GUESS && skipped_mentions(&r, 2, "cpuinfo"),
		      "broken sample %u: source %s, skipped[2] '%s'", i,
		      kvmgpa_source_name(r.source), r.skipped[2]);
	}

	f.cpuinfo = NULL;
	f.cpuinfo_err = -EACCES;
	r = query(&f);
	CHECK(r.source == KVMGPA_SOURCE_GUESS && skipped_mentions(&r, 2, "Permission denied"),
	      "unreadable: source %d, reason '%s'", r.source, r.skipped[2]);
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

static void test_bad_arguments(void)
{
	struct kvmgpa_result r;

	CHECK(kvmgpa_query(-1, &r) == -EINVAL, "negative fd");
	CHECK(kvmgpa_query(0, NULL) == -EINVAL, "NULL result");
	CHECK(kvmgpa_query_backend(0, NULL, &r) == -EINVAL, "NULL backend");
}

static void test_missing_backend_members(void)
{
	struct kvmgpa_backend be = { 0 };
	struct kvmgpa_result r;

	CHECK(kvmgpa_query_backend(3, &be, &r) == 0, "empty backend");
	CHECK(r.source == KVMGPA_SOURCE_GUESS && r.bits == 36 && r.nr_skipped == 3,
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
	CHECK(!strcmp(kvmgpa_source_name(KVMGPA_SOURCE_GUESS), "guess"), "guess");
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

int main(void)
{
	test_not_kvm();
	test_capability();
	test_capability_falls_through();
	test_cpuid_falls_through();
	test_cpuinfo_samples();
	test_cpuinfo_intel_ept();
	test_cpuinfo_falls_through();
	test_guess();
	test_bad_arguments();
	test_missing_backend_members();
	test_region_fits();
	test_names();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
