// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * libkvmgpa: find the number of guest-physical address bits KVM can map.
 * See kvmgpa.h for the order of the sources and why.  Each architecture
 * has a ladder of its own (x86, arm64, riscv64), chosen when this file is
 * compiled (KVMGPA__X86 and the others, kvmgpa-internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "kvmgpa.h"
#include "kvmgpa-internal.h"

/* Architectural limits of x86 physical addresses. */
#define X86_MIN_PHYS_BITS	32
#define X86_MAX_PHYS_BITS	52
/* Bits a 4-level EPT/NPT walk translates. */
#define TDP_4LEVEL_BITS		48

#ifdef KVM_CAP_MAX_GPA_BITS
#define CAP_NUMBER KVM_CAP_MAX_GPA_BITS
#else
#define CAP_NUMBER KVMGPA_CAP_MAX_GPA_BITS_FALLBACK
#endif
#ifndef KVM_CAP_ARM_VM_IPA_SIZE
#define KVM_CAP_ARM_VM_IPA_SIZE 165	/* Linux 4.20 */
#endif

/*
 * Per architecture: the widths the library believes (from KVM, or for a
 * guest), and the capability whose answer res->cap_bits records, the
 * ceiling of a VM's width.
 */
#if defined(KVMGPA__ARM64)
/* An IPA size: 32 (ARM64_MIN_PARANGE_BITS) up to 52 (FEAT_LPA, LPA2). */
#define MIN_BITS	32
#define MAX_BITS	52
#define CEILING_CAP	KVM_CAP_ARM_VM_IPA_SIZE
#elif defined(KVMGPA__RISCV64)
/* Up to the 59 bits that Sv57x4, the widest G-stage mode, translates. */
#define MIN_BITS	32
#define MAX_BITS	59
#define CEILING_CAP	KVM_CAP_VM_GPA_BITS
#else
#define MIN_BITS	X86_MIN_PHYS_BITS
#define MAX_BITS	X86_MAX_PHYS_BITS
#define CEILING_CAP	CAP_NUMBER
#endif

unsigned long kvmgpa_cap_number(void)
{
	return CEILING_CAP;
}

const char *kvmgpa_source_name(enum kvmgpa_source source)
{
	switch (source) {
	case KVMGPA_SOURCE_CAPABILITY:
		return "KVM_CAP_MAX_GPA_BITS";
	case KVMGPA_SOURCE_CPUID:
		return "GuestPhysAddrSize";
	case KVMGPA_SOURCE_CPUINFO:
		return "cpuinfo";
	case KVMGPA_SOURCE_GUESS:
		return "guess";
	case KVMGPA_SOURCE_TDP_OFF:
		return "tdp-off";
	case KVMGPA_SOURCE_VM_CAPABILITY:
		return "KVM_CAP_VM_GPA_BITS";
	case KVMGPA_SOURCE_ARM_IPA_SIZE:
		return "KVM_CAP_ARM_VM_IPA_SIZE";
	case KVMGPA_SOURCE_ARM_LEGACY_IPA:
		return "legacy-ipa-40";
	}
	return "unknown";
}

uint64_t kvmgpa_max_gpa(unsigned int bits)
{
	if (bits == 0)
		return 0;
	if (bits >= 64)
		return UINT64_MAX;
	return (1ull << bits) - 1;
}

bool kvmgpa_region_fits(unsigned int bits, uint64_t gpa, uint64_t size)
{
	uint64_t last;

	if (bits == 0 || bits > 64 || size == 0)
		return false;
	if (gpa > UINT64_MAX - (size - 1))
		return false;		/* wraps past 2^64 */
	last = gpa + (size - 1);
	return last <= kvmgpa_max_gpa(bits);
}

static bool plausible_bits(long bits)
{
	return bits >= MIN_BITS && bits <= MAX_BITS;
}

/*
 * Messages are formatted into the result only: no static buffers, so that
 * queries may run in several threads at once.
 */
static void say(char *buf, const char *fmt, ...) KVMGPA__PRINTF(2, 3);
static void skip(struct kvmgpa_result *res, const char *fmt, ...) KVMGPA__PRINTF(2, 3);

static void say(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, KVMGPA_TEXT, fmt, ap);
	va_end(ap);
}

static void skip(struct kvmgpa_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->nr_skipped >= KVMGPA_MAX_SKIPPED)
		return;
	va_start(ap, fmt);
	vsnprintf(res->skipped[res->nr_skipped++], KVMGPA_TEXT, fmt, ap);
	va_end(ap);
}

/* strerror() is not thread-safe; this is, into the caller's buffer. */
#define ERRBUF 64
static const char *errstr(int err, char *buf)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	return strerror_r(err, buf, ERRBUF);
#else
	if (strerror_r(err, buf, ERRBUF))
		snprintf(buf, ERRBUF, "error %d", err);
	return buf;
#endif
}

/* One query: what an architecture's ladder works from, and fills. */
struct query {
	const struct kvmgpa_options *o;
	const struct kvmgpa_backend *be;
	int sys, vm;		/* the /dev/kvm and VM fds, -1 where there is none */
	int open_err;		/* why the library could not open /dev/kvm, or 0 */
	const char *mpa_from;	/* where res->maxphyaddr came from (x86) */
	struct kvmgpa_result *res;
};

#if defined(KVMGPA__X86)
/* --- x86 ---------------------------------------------------------------- */

/* With only a VM fd, /dev/kvm is opened for KVM_GET_SUPPORTED_CPUID. */
#define OPENS_SYSTEM_FD 1

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

/* --- /proc/cpuinfo ------------------------------------------------------ */

struct cpuinfo {
	char vendor[16];
	int phys_bits;		/* "address sizes", -1 if absent */
	bool has_flags, la57, svm, npt, vmx;
	bool has_vmx_flags, ept, ept_5level;
};

/* '\r' too: text copied from another system may end its lines with CRLF. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The value of the first "key<spaces/tabs>: value" line, or NULL. */
static const char *field(const char *text, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		const char *p = line + klen;

		if (!end)
			end = line + strlen(line);
		if (!strncmp(line, key, klen) && (*p == ' ' || *p == '\t' || *p == ':')) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p < end && *p == ':') {
				p++;
				while (p < end && (*p == ' ' || *p == '\t'))
					p++;
				while (end > p && is_blank(end[-1]))
					end--;
				*len = end - p;
				return p;
			}
		}
		line = *end ? end + 1 : NULL;
	}
	return NULL;
}

static bool has_word(const char *s, size_t len, const char *word)
{
	size_t wlen = strlen(word);
	size_t i = 0;

	while (i < len) {
		size_t j;

		while (i < len && is_blank(s[i]))
			i++;
		j = i;
		while (j < len && !is_blank(s[j]))
			j++;
		if (j - i == wlen && !strncmp(s + i, word, wlen))
			return true;
		i = j;
	}
	return false;
}

static void parse_cpuinfo(const char *text, struct cpuinfo *ci)
{
	const char *v;
	size_t len;

	memset(ci, 0, sizeof(*ci));
	ci->phys_bits = -1;

	v = field(text, "vendor_id", &len);
	if (v) {
		if (len >= sizeof(ci->vendor))
			len = sizeof(ci->vendor) - 1;
		memcpy(ci->vendor, v, len);
		ci->vendor[len] = '\0';
	}

	v = field(text, "address sizes", &len);
	if (v) {
		char buf[64], *end;
		long bits;

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, v, len);
		buf[len] = '\0';
		/* strtol, not %d: "4294967344 bits" must not wrap to 48. */
		errno = 0;
		bits = strtol(buf, &end, 10);
		if (!errno && end != buf && !strncmp(end, " bits physical", 14) &&
		    bits >= 0 && bits <= 64)
			ci->phys_bits = bits;
	}

	v = field(text, "flags", &len);
	if (v) {
		ci->has_flags = true;
		ci->la57 = has_word(v, len, "la57");
		ci->svm = has_word(v, len, "svm");
		ci->npt = has_word(v, len, "npt");
		ci->vmx = has_word(v, len, "vmx");
	}

	v = field(text, "vmx flags", &len);
	if (v) {
		ci->has_vmx_flags = true;
		ci->ept = has_word(v, len, "ept");
		ci->ept_5level = has_word(v, len, "ept_5level");
	}
}

/* 1 = TDP on, 0 = off, -1 = unknown (module not loaded, or no sysfs). */
static int tdp_param(const struct kvmgpa_backend *be, const char *path)
{
	char *text = NULL;
	int on = -1;

	if (!be->read_file || be->read_file(be->ctx, path, &text) || !text)
		return -1;
	if (text[0] == 'Y' || text[0] == 'y' || text[0] == '1')
		on = 1;
	else if (text[0] == 'N' || text[0] == 'n' || text[0] == '0')
		on = 0;
	free(text);
	return on;
}

static bool from_cpuinfo(const struct kvmgpa_backend *be, struct kvmgpa_result *res,
			 const char **mpa_from)
{
	bool intel, amd;
	struct cpuinfo ci;
	char *text = NULL, eb[ERRBUF];
	int r, tdp, bits, phys;

	if (!be->read_cpuinfo) {
		skip(res, "cpuinfo: not available");
		return false;
	}
	r = be->read_cpuinfo(be->ctx, &text);
	if (r || !text) {
		skip(res, "cpuinfo: cannot read /proc/cpuinfo: %s", errstr(r ? -r : EIO, eb));
		return false;
	}
	parse_cpuinfo(text, &ci);
	free(text);

	if (!plausible_bits(ci.phys_bits)) {
		skip(res, "cpuinfo: no usable \"address sizes\" line");
		return false;
	}
	if (res->maxphyaddr < 0) {
		res->maxphyaddr = ci.phys_bits;
		*mpa_from = "/proc/cpuinfo";
	}

	intel = !strcmp(ci.vendor, "GenuineIntel");
	amd = !strcmp(ci.vendor, "AuthenticAMD") || !strcmp(ci.vendor, "HygonGenuine");
	if (!intel && !amd) {
		skip(res, "cpuinfo: unknown vendor \"%s\"", ci.vendor);
		return false;
	}
	if (!ci.has_flags) {
		skip(res, "cpuinfo: no \"flags\" line");
		return false;
	}

	/*
	 * Shadow paging maps all 52 bits.  It is what KVM uses when its TDP
	 * module parameter is off, and on a CPU whose flags show no EPT or NPT
	 * (or no VMX/SVM at all: a KVM fd then comes from a module such as PVM).
	 * "vmx flags" exists only since Linux 5.8; without it EPT is unknown.
	 */
	tdp = tdp_param(be, intel ? "/sys/module/kvm_intel/parameters/ept"
				  : "/sys/module/kvm_amd/parameters/npt");
	if (tdp == 0) {
		say(res->explanation, "%s is off, so KVM uses shadow paging, which maps all %d bits",
		    intel ? "EPT" : "NPT", X86_MAX_PHYS_BITS);
		res->bits = X86_MAX_PHYS_BITS;
		return true;
	}
	if (tdp < 0 && (intel ? !ci.vmx || (ci.has_vmx_flags && !ci.ept) : !ci.svm || !ci.npt)) {
		say(res->explanation, "the CPU flags show no %s, so KVM uses shadow paging, which maps all %d bits",
		    intel ? (ci.vmx ? "EPT" : "VMX") : (ci.svm ? "NPT" : "SVM"), X86_MAX_PHYS_BITS);
		res->bits = X86_MAX_PHYS_BITS;
		return true;
	}

	/*
	 * TDP (or unknown).  "address sizes" is the kernel's MAXPHYADDR, which
	 * memory encryption may have reduced; KVM's own, when known, can be
	 * smaller still, and TDP never maps beyond it.
	 */
	phys = ci.phys_bits;
	if (res->maxphyaddr > 0 && res->maxphyaddr < phys)
		phys = res->maxphyaddr;
	if (phys <= TDP_4LEVEL_BITS) {
		res->bits = phys;
		if (tdp > 0)
			say(res->explanation,
			    "MAXPHYADDR %d is within the 48 bits even 4-level %s translates, so KVM maps all of it",
			    phys, intel ? "EPT" : "NPT");
		else
			say(res->explanation,
			    "MAXPHYADDR %d is within the 48 bits even 4-level TDP translates (if KVM uses shadow paging instead, it maps 52: this is the lower answer)",
			    phys);
		return true;
	}

	if (intel) {
		if (!ci.has_vmx_flags) {
			skip(res, "cpuinfo: Intel CPU without a \"vmx flags\" line (Linux before 5.8), MAXPHYADDR %d",
			     phys);
			return false;
		}
		if (ci.ept_5level) {
			bits = phys;
			say(res->explanation,
			    "5-level EPT (ept_5level) translates all of MAXPHYADDR, %d bits", bits);
		} else {
			bits = TDP_4LEVEL_BITS;
			say(res->explanation,
			    "no ept_5level in the vmx flags: 4-level EPT translates %d bits of MAXPHYADDR %d (kernels before 6.9 never show ept_5level, so this may be low)",
			    bits, phys);
		}
	} else {
		if (ci.la57) {
			bits = phys;
			say(res->explanation,
			    "the host runs 5-level paging (la57), so NPT has 5 levels and translates all of MAXPHYADDR, %d bits",
			    bits);
		} else {
			bits = TDP_4LEVEL_BITS;
			say(res->explanation,
			    "the host runs 4-level paging (no la57), so NPT has 4 levels and translates %d bits of MAXPHYADDR %d",
			    bits, phys);
		}
	}
	res->bits = bits;
	return true;
}

/* --- the ladder --------------------------------------------------------- */

/*
 * The trust rule.  KVM_CAP_MAX_GPA_BITS's number is the series' own, and a
 * later kernel may give it to another capability that happens to answer
 * 32..52.  The series also answers KVM_CAP_VM_GPA_BITS (207, assigned
 * upstream), so the number is believed only where that agrees: on /dev/kvm
 * the two must be equal; on a VM fd KVM_CAP_VM_GPA_BITS is the VM's own
 * width, which a per-VM KVM_ENABLE_CAP may set below the ceiling, so
 * 0 < VM_GPA_BITS <= MAX_GPA_BITS, and the VM's width is the answer.  This
 * holds whatever number the headers give: they are only as new as the build.
 */
static bool from_capability(int fd, bool is_vm, const struct kvmgpa_backend *be,
			    struct kvmgpa_result *res)
{
	unsigned long nr = kvmgpa_cap_number();
	char eb[ERRBUF];
	int r, v;

	if (!be->check_extension) {
		skip(res, "KVM_CAP_MAX_GPA_BITS: not available");
		return false;
	}
	r = be->check_extension(be->ctx, fd, nr);
	if (r < 0) {
		skip(res, "KVM_CAP_MAX_GPA_BITS: KVM_CHECK_EXTENSION failed: %s", errstr(-r, eb));
		return false;
	}
	res->cap_bits = r;
	if (r == 0) {
		skip(res, "KVM_CAP_MAX_GPA_BITS: this kernel does not have it");
		return false;
	}
	if (!plausible_bits(r)) {
		skip(res, "KVM_CAP_MAX_GPA_BITS: implausible value %d", r);
		return false;
	}
	v = be->check_extension(be->ctx, fd, KVM_CAP_VM_GPA_BITS);
	res->vm_gpa_bits = v < 0 ? -1 : v;
	if (v <= 0 || (is_vm ? v > r : v != r)) {
		skip(res, "KVM_CAP_MAX_GPA_BITS: capability %lu answered %d but KVM_CAP_VM_GPA_BITS %d on the %s (%s); %lu may be another capability on this kernel",
		     nr, r, v, is_vm ? "VM fd" : "/dev/kvm fd",
		     is_vm ? "want 0 < VM_GPA_BITS <= MAX_GPA_BITS" : "want them equal", nr);
		return false;
	}
	res->bits = v;
	if (v < r) {
		res->source = KVMGPA_SOURCE_VM_CAPABILITY;
		say(res->explanation,
		    "KVM reports that this VM maps %d bits (KVM_CAP_VM_GPA_BITS) of at most %d (KVM_CAP_MAX_GPA_BITS) and refuses memslots above 2^%d",
		    v, r, v);
	} else {
		res->source = KVMGPA_SOURCE_CAPABILITY;
		say(res->explanation, "KVM reports that it maps %d bits and refuses memslots above 2^%d",
		    r, r);
	}
	return true;
}

/*
 * A kernel that sets GuestPhysAddrSize leaves it 0 exactly when TDP is off,
 * and one that has KVM_CAP_PRE_FAULT_MEMORY answers it with whether TDP is
 * on; older kernels answer 0 to both.  KVM_CAP_X86_APIC_BUS_CYCLES_NS, which
 * came later than both (6.12 has all three, 6.1 none), tells "old" from "TDP
 * off" without a version number; a kernel it misjudges as old only falls
 * through to /proc/cpuinfo.
 */
#define CAP_PRE_FAULT_MEMORY		236
#define CAP_X86_APIC_BUS_CYCLES_NS	237

static bool tdp_known_off(int fd, const struct kvmgpa_backend *be)
{
	return be->check_extension &&
	       be->check_extension(be->ctx, fd, CAP_X86_APIC_BUS_CYCLES_NS) > 0 &&
	       be->check_extension(be->ctx, fd, CAP_PRE_FAULT_MEMORY) == 0;
}

static bool from_cpuid(int fd, const struct kvmgpa_backend *be, struct kvmgpa_result *res,
		       const char **mpa_from)
{
	char eb[ERRBUF];
	uint32_t eax;
	int r, g, phys;

	if (!be->supported_cpuid_80000008) {
		skip(res, "GuestPhysAddrSize: not available");
		return false;
	}
	r = be->supported_cpuid_80000008(be->ctx, fd, &eax);
	if (r < 0) {
		skip(res, "GuestPhysAddrSize: KVM_GET_SUPPORTED_CPUID failed: %s", errstr(-r, eb));
		return false;
	}
	phys = eax & 0xff;
	g = (eax >> 16) & 0xff;
	if (plausible_bits(phys)) {
		res->maxphyaddr = phys;
		*mpa_from = "KVM";
	}
	res->guest_phys_bits = g;
	if (g == 0 && tdp_known_off(fd, be)) {
		/* An inference from two of KVM's answers: a source of its own. */
		res->source = KVMGPA_SOURCE_TDP_OFF;
		res->bits = X86_MAX_PHYS_BITS;
		say(res->explanation,
		    "KVM advertises GuestPhysAddrSize 0 and answers KVM_CAP_PRE_FAULT_MEMORY with 0 on a kernel new enough to have both: TDP is off, and shadow paging maps all %d bits",
		    X86_MAX_PHYS_BITS);
		return true;
	}
	if (g == 0) {
		skip(res, "GuestPhysAddrSize: 0 (kernel older than 6.10, or no TDP)");
		return false;
	}
	if (!plausible_bits(g) || (plausible_bits(phys) && g > phys)) {
		skip(res, "GuestPhysAddrSize: implausible value %d (MAXPHYADDR %d)", g, phys);
		return false;
	}
	res->source = KVMGPA_SOURCE_CPUID;
	res->bits = g;
	say(res->explanation, "KVM advertises GuestPhysAddrSize %d in CPUID 0x80000008 (MAXPHYADDR %d)",
	    g, phys);
	return true;
}

static void guess(const struct kvmgpa_backend *be, struct kvmgpa_result *res,
		  const char *from)
{
	int phys = res->maxphyaddr;
	uint32_t eax;

	if (!plausible_bits(phys) && be->host_cpuid_80000008 &&
	    !be->host_cpuid_80000008(be->ctx, &eax) && plausible_bits(eax & 0xff)) {
		phys = eax & 0xff;
		from = "the CPUID instruction";
	}
	if (!plausible_bits(phys)) {
		/* What the kernel assumes when CPUID 0x80000008 is missing. */
		phys = 36;
		from = "the architectural default";
	}
	res->bits = min_int(phys, TDP_4LEVEL_BITS);
	say(res->explanation,
	    "guess: MAXPHYADDR %d (from %s), capped at 48 bits in case TDP has only 4 levels",
	    phys, from);
}

/* The capability, else GuestPhysAddrSize (or tdp-off), else cpuinfo. */
static void arch_ladder(struct query *q)
{
	struct kvmgpa_result *res = q->res;
	const struct kvmgpa_backend *be = q->be;
	char eb[ERRBUF];

	if (from_capability(q->vm >= 0 ? q->vm : q->sys, q->vm >= 0, be, res)) {
		/* Still record what CPUID says, for the curious. */
		if (q->sys >= 0 && be->supported_cpuid_80000008) {
			uint32_t eax;

			if (!be->supported_cpuid_80000008(be->ctx, q->sys, &eax)) {
				res->maxphyaddr = eax & 0xff;
				res->guest_phys_bits = (eax >> 16) & 0xff;
			}
		}
		return;
	}
	if (q->sys < 0)
		skip(res, "GuestPhysAddrSize: no /dev/kvm fd to ask (%s)",
		     q->o->flags & KVMGPA_NO_OPEN ? "KVMGPA_NO_OPEN" :
		     q->open_err ? errstr(-q->open_err, eb) : "cannot open it");
	else
		from_cpuid(q->sys, be, res, &q->mpa_from);
	if (!res->bits && (q->o->flags & KVMGPA_NO_FILES))
		skip(res, "cpuinfo: not read (KVMGPA_NO_FILES)");
	else if (!res->bits && from_cpuinfo(be, res, &q->mpa_from))
		res->source = KVMGPA_SOURCE_CPUINFO;
}

static void arch_guess(struct query *q)
{
	guess(q->be, q->res, q->mpa_from);
}

/* kvmgpa_set_vm_bits() takes any width an x86 guest may have. */
static bool settable_bits(unsigned int bits)
{
	return plausible_bits(bits);
}

/*
 * Whether the kernel can set the width of the VM behind @vm_fd: it reports
 * the ceiling and the VM's width there under the trust rule (from_capability()
 * on a VM fd).  The ceiling goes to *@ceiling.
 */
static bool vm_width_settable(int vm_fd, const struct kvmgpa_backend *be, int *ceiling)
{
	int max, cur;

	if (!be->check_extension || !be->enable_cap)
		return false;
	cur = be->check_extension(be->ctx, vm_fd, KVM_CAP_VM_GPA_BITS);
	if (cur <= 0)
		return false;
	max = be->check_extension(be->ctx, vm_fd, kvmgpa_cap_number());
	if (!plausible_bits(max) || cur > max)
		return false;
	*ceiling = max;
	return true;
}

/* kvmgpa_set_vm_bits() on a fd known to be a VM's (or taken as one). */
static int arch_set_vm_bits(int vm_fd, unsigned int bits, const struct kvmgpa_backend *be)
{
	int r, ceiling;

	if (!vm_width_settable(vm_fd, be, &ceiling))
		return -EOPNOTSUPP;
	if (bits > (unsigned int)ceiling)
		return -EINVAL;
	r = be->enable_cap(be->ctx, vm_fd, KVM_CAP_VM_GPA_BITS, bits);
	/*
	 * @bits is within 32..ceiling, the args and flags are 0: KVM's EINVAL
	 * is not about them but about the VM (TDX) or a kernel that reports
	 * the widths but has no KVM_ENABLE_CAP for them.
	 */
	if (r == -EINVAL)
		return -EOPNOTSUPP;
	return r < 0 ? r : 0;
}

#elif defined(KVMGPA__ARM64)
/* --- arm64 -------------------------------------------------------------- */

/*
 * arm64 fixes a VM's IPA size when KVM_CREATE_VM makes it, from the type:
 * KVM_VM_TYPE_ARM_IPA_SIZE(n) gives n bits, 32 up to the host's limit, and
 * type 0 the legacy 40 (arch/arm64/kvm/mmu.c, kvm_init_ipa_range(); under
 * pKVM every VM gets the limit).  A memslot that ends above 2^size is
 * refused with EFAULT (kvm_arch_prepare_memory_region()).  Since Linux
 * 4.20, KVM_CHECK_EXTENSION(KVM_CAP_ARM_VM_IPA_SIZE) answers the limit, on
 * /dev/kvm and on any VM fd alike (arch/arm64/kvm/arm.c,
 * kvm_vm_ioctl_check_extension()); before, every VM had 40 bits and the
 * capability answers 0.  Nothing reports a VM's own size: on a VM fd the
 * limit is only its ceiling, and the answer is a guess.
 */
#define ARM64_LEGACY_IPA_BITS	40

/* The limit answers on any fd: /dev/kvm is never opened for it. */
#define OPENS_SYSTEM_FD 0

static void arch_ladder(struct query *q)
{
	struct kvmgpa_result *res = q->res;
	const struct kvmgpa_backend *be = q->be;
	char eb[ERRBUF];
	int r;

	if (!be->check_extension) {
		skip(res, "KVM_CAP_ARM_VM_IPA_SIZE: not available");
		return;
	}
	r = be->check_extension(be->ctx, q->vm >= 0 ? q->vm : q->sys, KVM_CAP_ARM_VM_IPA_SIZE);
	if (r < 0) {
		skip(res, "KVM_CAP_ARM_VM_IPA_SIZE: KVM_CHECK_EXTENSION failed: %s", errstr(-r, eb));
		return;
	}
	res->cap_bits = r;
	if (r == 0) {
		/* An inference from KVM's answer: a source of its own. */
		res->source = KVMGPA_SOURCE_ARM_LEGACY_IPA;
		res->bits = ARM64_LEGACY_IPA_BITS;
		say(res->explanation,
		    "KVM does not have KVM_CAP_ARM_VM_IPA_SIZE (a kernel before 4.20), so every VM has the fixed %d-bit IPA space",
		    ARM64_LEGACY_IPA_BITS);
		return;
	}
	if (!plausible_bits(r)) {
		skip(res, "KVM_CAP_ARM_VM_IPA_SIZE: implausible value %d", r);
		return;
	}
	if (q->vm >= 0) {
		skip(res, "KVM_CAP_ARM_VM_IPA_SIZE: %d bits is the host's limit, not this VM's IPA size, which its type fixed at KVM_CREATE_VM and KVM does not report",
		     r);
		return;
	}
	res->source = KVMGPA_SOURCE_ARM_IPA_SIZE;
	res->bits = r;
	if (r >= ARM64_LEGACY_IPA_BITS)
		say(res->explanation,
		    "KVM reports an IPA size limit of %d bits: a VM created with KVM_VM_TYPE_ARM_IPA_SIZE(%d) maps them and refuses memslots above 2^%d (type 0 gives %d)",
		    r, r, r, ARM64_LEGACY_IPA_BITS);
	else
		say(res->explanation,
		    "KVM reports an IPA size limit of %d bits: a VM created with KVM_VM_TYPE_ARM_IPA_SIZE(%d) maps them and refuses memslots above 2^%d (type 0, %d bits, cannot be created here)",
		    r, r, r, ARM64_LEGACY_IPA_BITS);
}

/*
 * A VM fd (or no answer at all): the size of a VM created with type 0, or
 * the host's limit where that is smaller and type 0 cannot be created.  A
 * VM created with KVM_VM_TYPE_ARM_IPA_SIZE(n) has n bits, which only its
 * VMM knows.
 */
static void arch_guess(struct query *q)
{
	struct kvmgpa_result *res = q->res;
	int limit = res->cap_bits;

	if (plausible_bits(limit) && limit < ARM64_LEGACY_IPA_BITS) {
		res->bits = limit;
		say(res->explanation,
		    "guess: the host's limit of %d bits, the most a VM may have here (KVM does not report a VM's own IPA size: one created with KVM_VM_TYPE_ARM_IPA_SIZE(n) has n bits)",
		    limit);
	} else {
		res->bits = ARM64_LEGACY_IPA_BITS;
		say(res->explanation,
		    "guess: %d bits, the IPA size of a VM created with type 0 (KVM does not report a VM's own: one created with KVM_VM_TYPE_ARM_IPA_SIZE(n) has n bits)",
		    ARM64_LEGACY_IPA_BITS);
	}
}

static bool settable_bits(unsigned int bits)
{
	return plausible_bits(bits);
}

#elif defined(KVMGPA__RISCV64)
/* --- riscv64 ------------------------------------------------------------ */

/*
 * RISC-V KVM maps what its G-stage paging mode translates: 41, 50 or 59
 * bits with Sv39x4, Sv48x4 or Sv57x4 (kvm_riscv_gstage_gpa_bits(),
 * arch/riscv/include/asm/kvm_gstage.h).  At module load it takes the widest
 * mode the hart has (arch/riscv/kvm/gstage.c,
 * kvm_riscv_gstage_mode_detect(); kernels before that always had at least
 * Sv39x4), and every new VM starts with it (kvm_riscv_mmu_alloc_pgd()).
 * KVM_CHECK_EXTENSION(KVM_CAP_VM_GPA_BITS) answers that width on /dev/kvm
 * and a VM's own width on its fd (arch/riscv/kvm/vm.c); kernels that have
 * it per VM also let KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) choose a narrower
 * mode before the VM has a vCPU or memslot.  Memslots that end at or above
 * 2^width are refused with EFAULT (its check is ">=": the last page below
 * 2^width is refused too).  A kernel without the capability tells its mode
 * only in its log, which is no source for a library.
 */
#define RISCV64_MIN_GSTAGE_BITS	41	/* Sv39x4 */

/* With only a VM fd, /dev/kvm is opened for the ceiling. */
#define OPENS_SYSTEM_FD 1

/* The G-stage mode that translates @bits, or NULL if none translates exactly that. */
static const char *gstage_mode(long bits)
{
	switch (bits) {
	case 41:
		return "Sv39x4";
	case 50:
		return "Sv48x4";
	case 59:
		return "Sv57x4";
	}
	return NULL;
}

static void arch_ladder(struct query *q)
{
	struct kvmgpa_result *res = q->res;
	const struct kvmgpa_backend *be = q->be;
	const char *where = q->vm >= 0 ? "VM fd" : "/dev/kvm fd";
	char eb[ERRBUF];
	int ceiling = -1, v;

	if (!be->check_extension) {
		skip(res, "KVM_CAP_VM_GPA_BITS: not available");
		return;
	}
	if (q->sys >= 0) {
		ceiling = be->check_extension(be->ctx, q->sys, KVM_CAP_VM_GPA_BITS);
		res->cap_bits = ceiling < 0 ? -1 : ceiling;
	}
	v = q->vm >= 0 ? be->check_extension(be->ctx, q->vm, KVM_CAP_VM_GPA_BITS) : ceiling;
	res->vm_gpa_bits = v < 0 ? -1 : v;
	if (v < 0) {
		skip(res, "KVM_CAP_VM_GPA_BITS: KVM_CHECK_EXTENSION on the %s failed: %s", where,
		     errstr(-v, eb));
		return;
	}
	if (v == 0) {
		skip(res, "KVM_CAP_VM_GPA_BITS: this kernel does not have it, and tells its G-stage mode only in its log");
		return;
	}
	if (!gstage_mode(v)) {
		skip(res, "KVM_CAP_VM_GPA_BITS: implausible value %d on the %s (no G-stage mode translates it)",
		     v, where);
		return;
	}
	if (q->vm >= 0 && ceiling > 0 && v > ceiling) {
		skip(res, "KVM_CAP_VM_GPA_BITS: %d on the VM fd, above the %d on /dev/kvm", v, ceiling);
		return;
	}
	res->source = KVMGPA_SOURCE_VM_CAPABILITY;
	res->bits = v;
	if (q->vm < 0)
		say(res->explanation,
		    "KVM reports that a new VM maps %d bits (KVM_CAP_VM_GPA_BITS on /dev/kvm: its widest G-stage mode, %s) and refuses memslots that end at or above 2^%d",
		    v, gstage_mode(v), v);
	else if (ceiling > 0)
		say(res->explanation,
		    "KVM reports that this VM maps %d bits (KVM_CAP_VM_GPA_BITS: G-stage mode %s) of at most %d, and refuses memslots that end at or above 2^%d",
		    v, gstage_mode(v), ceiling, v);
	else
		say(res->explanation,
		    "KVM reports that this VM maps %d bits (KVM_CAP_VM_GPA_BITS: G-stage mode %s) and refuses memslots that end at or above 2^%d",
		    v, gstage_mode(v), v);
}

/* The narrowest mode, which every RISC-V KVM has. */
static void arch_guess(struct query *q)
{
	q->res->bits = RISCV64_MIN_GSTAGE_BITS;
	say(q->res->explanation,
	    "guess: %d bits, what %s translates, the least any RISC-V KVM maps (KVM does not say which G-stage mode it uses)",
	    RISCV64_MIN_GSTAGE_BITS, gstage_mode(RISCV64_MIN_GSTAGE_BITS));
}

/* A width KVM can give a VM exactly: one a G-stage mode translates. */
static bool settable_bits(unsigned int bits)
{
	return gstage_mode(bits) != NULL;
}

/*
 * KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) picks the narrowest mode that holds
 * args[0], up to the widest the host has, before the VM has a vCPU or a
 * memslot (EBUSY after).  There is no ceiling to ask on the VM fd alone:
 * its KVM_CAP_VM_GPA_BITS is its current width, which is the ceiling until
 * it is narrowed.  KVM's EINVAL therefore means a @bits above the ceiling
 * when @bits is above the current width (a kernel that cannot change the
 * width has its one width as the ceiling), and a kernel that cannot set the
 * width otherwise.
 */
static int arch_set_vm_bits(int vm_fd, unsigned int bits, const struct kvmgpa_backend *be)
{
	int r, cur;

	if (!be->check_extension || !be->enable_cap)
		return -EOPNOTSUPP;
	cur = be->check_extension(be->ctx, vm_fd, KVM_CAP_VM_GPA_BITS);
	if (!gstage_mode(cur))
		return -EOPNOTSUPP;
	r = be->enable_cap(be->ctx, vm_fd, KVM_CAP_VM_GPA_BITS, bits);
	if (r == -EINVAL)
		return bits > (unsigned int)cur ? -EINVAL : -EOPNOTSUPP;
	return r < 0 ? r : 0;
}

#else
/* Any other architecture: kvmgpa__query() refuses it before the ladder. */
#define OPENS_SYSTEM_FD 0

static void arch_ladder(struct query *q)
{
}

static void arch_guess(struct query *q)
{
}

static bool settable_bits(unsigned int bits)
{
	return plausible_bits(bits);
}
#endif

/* --- what every architecture shares ------------------------------------- */

#define KVMGPA_ALL_FLAGS	(KVMGPA_NO_FILES | KVMGPA_NO_OPEN | KVMGPA_NO_GUESS)
/* The sizes 1.0 defined; callers may not pass less. */
#define OPTIONS_SIZE_1_0	(offsetof(struct kvmgpa_options, guest_maxphyaddr) + \
				 sizeof(unsigned int))
#define RESULT_SIZE_1_0		(offsetof(struct kvmgpa_result, guest_bits) + \
				 sizeof(unsigned int))
#define RESULT_SIZE_1_1		(offsetof(struct kvmgpa_result, guest_maxphyaddr_known) + \
				 sizeof(bool))
_Static_assert(RESULT_SIZE_1_0 <= offsetof(struct kvmgpa_result, vm_gpa_bits),
	       "1.1's members follow 1.0's");

/* A larger struct from a newer caller is fine if we would ignore nothing. */
static int copy_options(const struct kvmgpa_options *in, struct kvmgpa_options *o)
{
	const unsigned char *tail;
	size_t i;

	if (!in || in->size < OPTIONS_SIZE_1_0)
		return -EINVAL;
	tail = (const unsigned char *)in + sizeof(*o);
	for (i = 0; in->size > sizeof(*o) && i < in->size - sizeof(*o); i++)
		if (tail[i])
			return -E2BIG;
	memset(o, 0, sizeof(*o));
	memcpy(o, in, in->size < sizeof(*o) ? in->size : sizeof(*o));
	if (o->flags & ~KVMGPA_ALL_FLAGS)
		return -EINVAL;
	if (o->guest_maxphyaddr && !plausible_bits(o->guest_maxphyaddr))
		return -EINVAL;
	return 0;
}

/*
 * Sort the caller's fds: kvmgpa_query() passes whatever it was given as the
 * system fd, and a VM fd there moves to its place.
 */
static int sort_fds(const struct kvmgpa_backend *be, int *sys, int *vm)
{
	int k;

	if (*sys < 0 && *vm < 0)
		return -EINVAL;
	if (!be->fd_kind)
		return 0;
	if (*sys >= 0) {
		k = be->fd_kind(be->ctx, *sys);
		if (k < 0)
			return k;
		if (k == KVMGPA_FD_VM) {
			if (*vm >= 0)
				return -EINVAL;
			*vm = *sys;
			*sys = -1;
		}
	}
	if (*vm >= 0 && *vm == *sys) {
		*vm = -1;		/* the same /dev/kvm twice: a system fd */
	} else if (*vm >= 0) {
		k = be->fd_kind(be->ctx, *vm);
		if (k < 0)
			return k;
		if (k == KVMGPA_FD_SYSTEM)
			return -EINVAL;
	}
	return 0;
}

static void guest_view(const struct kvmgpa_options *o, struct kvmgpa_result *res)
{
	unsigned int g = o->guest_maxphyaddr;

	res->guest_maxphyaddr_known = g || plausible_bits(res->maxphyaddr);
	if (!g)
		g = plausible_bits(res->maxphyaddr) ? (unsigned int)res->maxphyaddr : res->bits;
	res->guest_maxphyaddr = g;
	res->guest_bits = res->bits < g ? res->bits : g;
}

int kvmgpa__query(const struct kvmgpa_options *opts, const struct kvmgpa_backend *be,
		  struct kvmgpa_result *out, size_t out_size)
{
	struct kvmgpa_options o;
	struct kvmgpa_result res;
	struct query q;
	int r, opened = -1;

	if (!be || !out || out_size < RESULT_SIZE_1_0)
		return -EINVAL;
	r = copy_options(opts, &o);
	if (r)
		return r;
#if !defined(KVMGPA__X86) && !defined(KVMGPA__ARM64) && !defined(KVMGPA__RISCV64)
	return -EOPNOTSUPP;
#endif
	memset(&q, 0, sizeof(q));
	q.o = &o;
	q.be = be;
	q.res = &res;
	q.sys = o.system_fd;
	q.vm = o.vm_fd;
	r = sort_fds(be, &q.sys, &q.vm);
	if (r)
		return r;

	memset(&res, 0, sizeof(res));
	res.cap_bits = -1;
	res.guest_phys_bits = -1;
	res.maxphyaddr = -1;
	res.vm_gpa_bits = -1;

	if (OPENS_SYSTEM_FD && q.sys < 0 && !(o.flags & KVMGPA_NO_OPEN) && be->open_system) {
		opened = be->open_system(be->ctx);
		if (opened >= 0)
			q.sys = opened;
		else
			q.open_err = opened;
	}

	arch_ladder(&q);
	if (res.bits == 0) {
		if (o.flags & KVMGPA_NO_GUESS) {
			skip(&res, "guess: not made (KVMGPA_NO_GUESS)");
			r = -ENODATA;
		} else {
			arch_guess(&q);
			res.source = KVMGPA_SOURCE_GUESS;
		}
	}
	/* Only what KVM states as the width it maps. */
	res.authoritative = res.bits && (res.source == KVMGPA_SOURCE_CAPABILITY ||
					 res.source == KVMGPA_SOURCE_VM_CAPABILITY ||
					 res.source == KVMGPA_SOURCE_ARM_IPA_SIZE);
	if (res.bits)
		guest_view(&o, &res);
	if (opened >= 0 && be->close_fd)
		be->close_fd(be->ctx, opened);

#ifdef KVMGPA__X86
	/*
	 * A caller whose result ends before 1.1's members was built against
	 * 1.0's header and knows only 1.0's sources: it gets the 1.0 value of
	 * each way 1.1 tells apart, never a value it cannot name.  (No
	 * version before this one answered on the other architectures, whose
	 * results hold their own sources whatever their size.)
	 */
	if (out_size < RESULT_SIZE_1_1) {
		if (res.source == KVMGPA_SOURCE_TDP_OFF)
			res.source = KVMGPA_SOURCE_CPUID;
		else if (res.source == KVMGPA_SOURCE_VM_CAPABILITY)
			res.source = KVMGPA_SOURCE_CAPABILITY;
	}
#endif
	if (out_size > sizeof(res))
		out_size = sizeof(res);
	res.size = out_size;
	memcpy(out, &res, out_size);
	return r;
}

int kvmgpa__query_backend(int fd, const struct kvmgpa_backend *be,
			  struct kvmgpa_result *res)
{
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;

	if (fd < 0)
		return -EINVAL;
	o.system_fd = fd;
	return kvmgpa__query(&o, be, res, sizeof(*res));
}

/* --- setting a VM's width --------------------------------------------- */

int kvmgpa__set_vm_bits(int vm_fd, unsigned int bits, const struct kvmgpa_backend *be)
{
	if (!be || vm_fd < 0 || !settable_bits(bits))
		return -EINVAL;
#if defined(KVMGPA__X86) || defined(KVMGPA__RISCV64)
	if (be->fd_kind) {
		int r = be->fd_kind(be->ctx, vm_fd);

		if (r < 0)
			return r;
		if (r == KVMGPA_FD_SYSTEM)
			return -EINVAL;		/* /dev/kvm has no width to set */
	}
	return arch_set_vm_bits(vm_fd, bits, be);
#else
	/* arm64 fixes a VM's IPA size at KVM_CREATE_VM; others are unknown. */
	return -EOPNOTSUPP;
#endif
}

int kvmgpa_set_vm_bits(int vm_fd, unsigned int bits)
{
	return kvmgpa__set_vm_bits(vm_fd, bits, &kvmgpa__system_backend);
}

const char *kvmgpa_version(void)
{
	return KVMGPA_VERSION;
}

int kvmgpa_query_ex(const struct kvmgpa_options *opts, struct kvmgpa_result *res,
		    size_t res_size)
{
	return kvmgpa__query(opts, &kvmgpa__system_backend, res, res_size);
}

int kvmgpa_query(int fd, struct kvmgpa_result *res)
{
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;

	if (fd < 0 || !res)
		return -EINVAL;
	o.system_fd = fd;
	return kvmgpa__query(&o, &kvmgpa__system_backend, res, RESULT_SIZE_1_0);
}

uint32_t kvmgpa_guest_cpuid_80000008_eax(const struct kvmgpa_result *res, uint32_t eax)
{
	if (!res || !KVMGPA_RESULT_HAS(res, guest_bits) || !res->guest_maxphyaddr)
		return eax;
	return (eax & ~0x00ff00ffu) | (res->guest_maxphyaddr & 0xff) |
	       ((res->guest_bits & 0xff) << 16);
}

unsigned int kvmgpa_usable_bits(const struct kvmgpa_result *res)
{
	if (!res || !KVMGPA_RESULT_HAS(res, bits))
		return 0;
	if (KVMGPA_RESULT_HAS(res, guest_bits) && res->guest_bits)
		return res->guest_bits;
	return res->bits;
}

bool kvmgpa_result_region_fits(const struct kvmgpa_result *res, uint64_t gpa, uint64_t size)
{
	return kvmgpa_region_fits(kvmgpa_usable_bits(res), gpa, size);
}
