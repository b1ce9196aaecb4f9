// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * gpa-width-repro: reproduce the bug that KVM_CAP_MAX_GPA_BITS fixes, or
 * show that it is fixed.
 *
 * When KVM can map fewer GPA bits (T) than MAXPHYADDR (M), e.g. 4-level NPT
 * with MAXPHYADDR 52, a VMM that trusts MAXPHYADDR puts a memslot between
 * 2^T and 2^M.  This program does that at 2^T + 2^(T-1) (its alias below
 * 2^T, 2^(T-1), is never mapped) and has the guest store there.
 *
 *  - A kernel with KVM_CAP_MAX_GPA_BITS must refuse the memslot with EINVAL,
 *    and the guest's store and load must exit as MMIO at that GPA.
 *  - A kernel without it is expected to accept the memslot (the bug), and
 *    the guest access then goes wrong: it hangs, or reaches memory through
 *    an alias.  If it doesn't, the bug did not reproduce and that fails,
 *    unless the store reached the memslot and the alias stayed unmapped:
 *    then KVM maps more than T, which the library only estimated (e.g. from
 *    cpuinfo on a kernel that predates the ept_5level flag: 5-level EPT
 *    with the 4-level answer), and there is no bug to reproduce.
 *
 * Without a gap (T >= M) there is nothing to reproduce; a memslot at 2^T
 * must be refused when T is KVM's own answer (the capability).
 *
 * Two more holes, each in a VM of its own, where there is a gap:
 *  - a store above 2^T whose alias below it is write-protected for dirty
 *    logging must exit as MMIO; the bug lets it land in the alias and escape
 *    the dirty log;
 *  - a load above 2^T whose alias is mapped must exit as MMIO; the bug loops
 *    on CPUs that fault on the ignored bits (a CPU that ignores them never
 *    exits to KVM, and that is reported, not judged).
 * And with shadow paging on a host whose MAXPHYADDR is below 51, a guest with
 * MAXPHYADDR 52 stores to and loads from two MMIO GPAs above the host's width
 * in turn: every exit must report the GPA used; the bug truncates the ones
 * served from an MMIO SPTE.
 *
 * "gpa-width-repro --only present-alias" runs just the present-alias case,
 * in a VM with no memslot above the width at all: on its own in a fresh boot,
 * any kernel report that follows is that case's.
 *
 * Exit status: 0 as expected, 1 not as expected, 2 error, 4 (the kselftest
 * skip) when --only vm-width has nothing to check.
 *
 * "gpa-width-repro --only vm-width" checks a VM whose width W = T - 8 was
 * set below KVM's with kvmgpa_set_vm_bits(): KVM reports W and the ceiling
 * T on its fd, a memslot ending at 2^W is accepted and one at 2^W refused,
 * the guest's store and load above 2^W exit as MMIO at their GPA, its store
 * to the last page below 2^W lands, and the width can't change once there
 * is a vCPU.  A kernel that can't set a VM's width, or a W below 32, is
 * a skip: reported, not judged.
 *
 * "gpa-width-repro --bench N" instead times N guest loads, from KVM_RUN to
 * the MMIO exit, at a GPA above the width and at an unmapped GPA below it,
 * and prints the medians (for make bench).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvmgpa.h"
#include "minivm.h"

#define PATTERN 0x726570726f21ull
#define MMIO_VALUE 0x4d4d494f4d4d494full
/*
 * A guest access that exits does so within milliseconds, nested under an
 * emulator too; a looping one is waited out on every case that loops, so
 * the wait is short.
 */
#define TIMEOUT_MS 2000

static const char *outcome_name(struct minivm *m, enum minivm_outcome o)
{
	switch (o) {
	case MINIVM_HLT: return "completed";
	case MINIVM_MMIO: return "KVM_EXIT_MMIO";
	case MINIVM_TIMEOUT: return "no exit to userspace within 2 s (guest stuck faulting)";
	case MINIVM_ERROR: return "KVM_RUN failed";
	default: return minivm_exit_name(m->run->exit_reason);
	}
}

/* The patched kernel: the access must come back as MMIO at @gpa. */
static int expect_mmio(struct minivm *m, uint64_t gpa)
{
	enum minivm_outcome o;
	uint64_t v = MMIO_VALUE;

	minivm_start(m, minivm_window(m, 0, gpa), PATTERN, true);
	o = minivm_run(m, TIMEOUT_MS);
	printf("guest store to 0x%" PRIx64 ": %s", gpa, outcome_name(m, o));
	if (o != MINIVM_MMIO || m->run->mmio.phys_addr != gpa || !m->run->mmio.is_write) {
		printf(" -- expected an MMIO write exit at that GPA\n");
		return 1;
	}
	printf(" at 0x%llx\n", (unsigned long long)m->run->mmio.phys_addr);
	o = minivm_run(m, TIMEOUT_MS);
	printf("guest load from 0x%" PRIx64 ": %s\n", gpa, outcome_name(m, o));
	if (o != MINIVM_MMIO || m->run->mmio.phys_addr != gpa || m->run->mmio.is_write)
		return 1;
	memcpy(m->run->mmio.data, &v, sizeof(v));
	o = minivm_run(m, TIMEOUT_MS);
	if (o != MINIVM_HLT || minivm_rax(m) != MMIO_VALUE) {
		printf("guest did not finish with the MMIO value: %s\n", outcome_name(m, o));
		return 1;
	}
	printf("result: FIXED: memslot refused, access above the width exits as MMIO\n");
	return 0;
}

/*
 * A kernel without the capability: show what the accepted memslot does to
 * the guest.  T there is the library's inference, never KVM's own answer,
 * and it may be low (cpuinfo on a kernel that predates the ept_5level flag).
 */
static int show_bug(struct minivm *m, uint64_t gpa, uint64_t alias, uint64_t *page)
{
	enum minivm_outcome o;
	bool wrong = false, landed = false;

	minivm_start(m, minivm_window(m, 0, gpa), PATTERN, true);
	o = minivm_run(m, TIMEOUT_MS);
	printf("guest store to 0x%" PRIx64 ": %s\n", gpa, outcome_name(m, o));
	if (o == MINIVM_TIMEOUT) {
		wrong = true;
	} else if (o == MINIVM_HLT) {
		printf("memslot page now holds 0x%" PRIx64 "\n", *page);
		landed = *page == PATTERN;
		/* Nothing is mapped at the alias: a correct KVM exits as MMIO. */
		minivm_start(m, minivm_window(m, 1, alias), 0, false);
		o = minivm_run(m, TIMEOUT_MS);
		printf("guest load from 0x%" PRIx64 " (no memslot): %s", alias, outcome_name(m, o));
		if (o == MINIVM_HLT) {
			printf(", read 0x%" PRIx64 "\n", minivm_rax(m));
			if (minivm_rax(m) == PATTERN) {
				printf("GPA 0x%" PRIx64 " aliases the memslot above the width\n", alias);
				wrong = true;
			}
		} else {
			printf("\n");
			wrong = o == MINIVM_TIMEOUT;
			landed = landed && o == MINIVM_MMIO;
		}
	}
	/*
	 * The store reached the memslot and the alias stayed unmapped: KVM
	 * maps 2^T + 2^(T-1) where it belongs, so it maps more than T: the
	 * estimate was low.
	 */
	if (!wrong && landed) {
		printf("result: NOTHING TO REPRODUCE: the memslot above the estimated width works, so KVM maps more than it\n");
		return 0;
	}
	if (!wrong) {
		printf("result: NOT REPRODUCED: the memslot was accepted but the access behaved\n");
		return 1;
	}
	printf("result: BUG: memslot above the mappable width accepted; the guest access goes wrong\n");
	return 0;
}

/*
 * Whether KVM uses two-dimensional paging: 1, 0, or -1 if the vendor module's
 * parameter can't be read.  GuestPhysAddrSize can't tell: kernels before 6.10
 * report 0 with TDP too.
 */
static int tdp_enabled(void)
{
	static const char *const params[] = {
		"/sys/module/kvm_amd/parameters/npt",
		"/sys/module/kvm_intel/parameters/ept",
	};
	unsigned int i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		FILE *f = fopen(params[i], "r");
		int c;

		if (!f)
			continue;
		c = fgetc(f);
		fclose(f);
		if (c == 'Y' || c == '1')
			return 1;
		if (c == 'N' || c == '0')
			return 0;
	}
	return -1;
}

/* Exit statuses combine to the worst: 2 (error) over 1 (not as expected). */
static int worst(int a, int b)
{
	return a > b ? a : b;
}

#define ALIAS_GPA	0xc0000000ull	/* what 2^T + ALIAS_GPA aliases */
#define PATTERN2	0x616c696173212121ull

/*
 * A VM whose guest has stored PATTERN to one page of memory at ALIAS_GPA
 * (memslot 2, with @flags).  Returns 0, or 2 after saying why not.
 */
static int alias_vm(int kvm, struct minivm *m, uint64_t **page, uint32_t flags,
		    const char *what)
{
	char err[256];

	*page = mmap(NULL, MINIVM_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*page == MAP_FAILED) {
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		return 2;
	}
	if (minivm_create(m, kvm, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", what, err);
	} else if (minivm_set_slot_flags(m, 2, ALIAS_GPA, MINIVM_PAGE, *page, flags)) {
		fprintf(stderr, "%s: memslot at 0x%llx refused\n", what, ALIAS_GPA);
	} else {
		minivm_start(m, minivm_window(m, 0, ALIAS_GPA), PATTERN, true);
		if (minivm_run(m, TIMEOUT_MS) == MINIVM_HLT)
			return 0;
		fprintf(stderr, "%s: the store to 0x%llx itself went wrong\n", what, ALIAS_GPA);
	}
	minivm_destroy(m);
	munmap(*page, MINIVM_PAGE);
	return 2;
}

/*
 * A write above the width whose alias is write-protected by dirty logging.
 * Fixed: an MMIO exit, the alias untouched.  The bug, on a CPU that ignores
 * GPA bits 51:48 (QEMU's NPT): KVM's fast page-fault path found the alias's
 * SPTE and made it writable, so the write landed in the alias and its dirty
 * bit stayed clear (live migration loses it).  A CPU that faults on those
 * bits (EPT) reports the entry not present, which keeps the fault off the
 * fast path: whether the unpatched kernel then exits, loops or lands the
 * write depends on its slow path, so there it is reported, not required.
 * Returns 0 as expected, 1 not, 2 error.
 */
static int dirty_log_alias(int kvm, unsigned int t, bool fixed, bool cpu_ignores)
{
	uint64_t gpa = (1ull << t) + ALIAS_GPA, bitmap = 0, *page;
	enum minivm_outcome o;
	struct minivm m;
	int ret = 1;

	if (alias_vm(kvm, &m, &page, KVM_MEM_LOG_DIRTY_PAGES, "dirty-log alias"))
		return 2;
	if (minivm_dirty_log(&m, 2, &bitmap) || !(bitmap & 1)) {
		printf("dirty-log alias: the store to 0x%llx was not logged\n", ALIAS_GPA);
		ret = 2;
		goto out;
	}
	minivm_start(&m, minivm_window(&m, 1, gpa), PATTERN2, true);
	o = minivm_run(&m, TIMEOUT_MS);
	printf("guest store to 0x%" PRIx64 " (alias 0x%llx write-protected for dirty logging): %s\n",
	       gpa, ALIAS_GPA, outcome_name(&m, o));
	if (o == MINIVM_MMIO && m.run->mmio.phys_addr == gpa && m.run->mmio.is_write) {
		uint64_t v = 0;

		memcpy(m.run->mmio.data, &v, sizeof(v));
		minivm_run(&m, TIMEOUT_MS);
	}
	bitmap = 0;
	if (minivm_dirty_log(&m, 2, &bitmap)) {
		ret = 2;
		goto out;
	}
	printf("alias page holds 0x%" PRIx64 ", its dirty bit is %s\n", *page,
	       bitmap & 1 ? "set" : "clear");
	if (fixed) {
		ret = !(o == MINIVM_MMIO && *page == PATTERN && !(bitmap & 1));
		printf("result: %s\n", ret ? "NOT FIXED: expected an MMIO exit and an untouched alias" :
		       "FIXED: the store exits as MMIO, the alias is untouched");
	} else if (cpu_ignores) {
		ret = !(*page == PATTERN2 && !(bitmap & 1));
		printf("result: %s\n", ret ? "NOT REPRODUCED: the store did not escape the dirty log" :
		       "BUG: the store landed in the alias and escaped the dirty log");
	} else if (o == MINIVM_MMIO && *page == PATTERN) {
		ret = 0;
		printf("result: NOT REPRODUCED HERE: the CPU faults on GPA bits above 2^%u and this kernel exits as MMIO\n",
		       t);
	} else {
		ret = 0;
		printf("result: BUG: %s\n", o == MINIVM_TIMEOUT ? "the guest loops on the fault" :
		       "the store went wrong");
	}
out:
	minivm_destroy(&m);
	munmap(page, MINIVM_PAGE);
	return ret;
}

/*
 * A load above the width whose alias is mapped and writable.  On a CPU that
 * faults on the GPA bits the root ignores (EPT), unpatched 7.2 finds the
 * alias's SPTE where it walks for that gfn, takes the fault for spurious
 * (after a WARN on the pfn mismatch) and the guest loops; fixed, it exits
 * as MMIO.
 * A CPU that ignores those bits (QEMU's NPT) reads the alias without ever
 * exiting to KVM: no kernel can see that, so it is reported and not judged.
 */
static int present_alias(int kvm, unsigned int t, bool fixed, bool *cpu_ignores)
{
	uint64_t gpa = (1ull << t) + ALIAS_GPA, *page;
	enum minivm_outcome o;
	struct minivm m;
	int ret = 1;

	if (alias_vm(kvm, &m, &page, 0, "present alias"))
		return 2;
	minivm_start(&m, minivm_window(&m, 1, gpa), 0, false);
	o = minivm_run(&m, TIMEOUT_MS);
	printf("guest load from 0x%" PRIx64 " (alias 0x%llx mapped): %s", gpa, ALIAS_GPA,
	       outcome_name(&m, o));
	*cpu_ignores = o == MINIVM_HLT && minivm_rax(&m) == PATTERN;
	if (*cpu_ignores) {
		printf(", read the alias's data\n");
		printf("result: NOT JUDGED: the CPU ignores GPA bits above 2^%u and never exits to KVM\n", t);
		ret = 0;
	} else if (fixed) {
		ret = !(o == MINIVM_MMIO && m.run->mmio.phys_addr == gpa && !m.run->mmio.is_write);
		printf("\nresult: %s\n", ret ? "NOT FIXED: expected an MMIO exit at that GPA" :
		       "FIXED: the load exits as MMIO");
	} else if (o == MINIVM_TIMEOUT) {
		ret = 0;
		printf("\nresult: BUG: the guest loops on a fault KVM takes for spurious\n");
	} else {
		/*
		 * Whether the unpatched kernel loops depends on its fault path
		 * (6.12 exits as MMIO here, 7.2 loops): reported, not required.
		 */
		ret = 0;
		printf("\nresult: NOT REPRODUCED HERE: this kernel exits (%s)\n", outcome_name(&m, o));
	}
	minivm_destroy(&m);
	munmap(page, MINIVM_PAGE);
	return ret;
}

/*
 * Shadow paging maps GPAs in software, so a guest may get a MAXPHYADDR above
 * the host's.  An MMIO SPTE keeps only the GPA bits below the host's width,
 * and once the vCPU's one-entry MMIO cache holds another GVA, an access that
 * KVM serves from that SPTE is emulated at the truncated GPA: the bug.  The
 * guest stores to and loads from two such GPAs in turn, so that the cache
 * always misses.  Their truncated GPAs (2 GiB up) have no memslot, so the bug
 * shows as exits at the wrong GPA rather than as stores into guest RAM.
 */
static int mmio_above_host_width(int kvm, unsigned int host_bits, bool fixed)
{
	uint64_t base = (1ull << 50) + (1ull << host_bits) + 0x80000000ull, v = MMIO_VALUE;
	struct minivm m;
	char err[256];
	int i, wrong = 0, checked = 0;

	if (minivm_create(&m, kvm, err, sizeof(err)) || minivm_set_maxphyaddr(&m, 52)) {
		fprintf(stderr, "MMIO above the host's width: %s\n", err);
		return 2;
	}
	for (i = 0; i < 4; i++) {
		uint64_t want = base + 0x1000 * (1 + i % 2);
		int step;

		minivm_start(&m, minivm_window(&m, i % 2, want), PATTERN, true);
		/* The store, then the load, each must exit as MMIO at @want. */
		for (step = 0; step < 2; step++) {
			enum minivm_outcome o = minivm_run(&m, TIMEOUT_MS);

			if (o != MINIVM_MMIO) {
				printf("guest %s %d at 0x%" PRIx64 ": %s, no MMIO exit\n",
				       step ? "load" : "store", i + 1, want, outcome_name(&m, o));
				wrong++;
				break;
			}
			checked++;
			if (m.run->mmio.phys_addr != want || m.run->mmio.is_write != !step) {
				printf("guest %s %d at 0x%" PRIx64 ": MMIO %s exit at 0x%llx\n",
				       step ? "load" : "store", i + 1, want,
				       m.run->mmio.is_write ? "write" : "read",
				       (unsigned long long)m.run->mmio.phys_addr);
				wrong++;
			}
			if (!m.run->mmio.is_write)
				memcpy(m.run->mmio.data, &v, sizeof(v));
		}
		if (!wrong && minivm_run(&m, TIMEOUT_MS) != MINIVM_HLT)
			wrong++;
		if (wrong)
			break;
	}
	minivm_destroy(&m);
	printf("guest MAXPHYADDR 52, host %u: stores and loads at 0x%" PRIx64 " and 0x%" PRIx64
	       " in turn, %d MMIO exits checked\n", host_bits, base + 0x1000, base + 0x2000, checked);
	if (fixed) {
		printf("result: %s\n", wrong ? "NOT FIXED: an access did not exit at its own GPA" :
		       "FIXED: every exit reports the GPA the guest used");
		return !!wrong;
	}
	printf("result: %s\n", wrong ? "BUG: accesses served from an MMIO SPTE go to a truncated GPA" :
	       "NOT REPRODUCED: every exit reported the right GPA");
	return !wrong;
}

/*
 * The guest's store (@write) or load at @gpa must exit as MMIO there, and
 * the guest then finish with the value MMIO gave it.  What happened goes to
 * @seen.
 */
static bool mmio_exit_at(struct minivm *m, uint64_t gpa, bool write, char *seen, size_t len)
{
	enum minivm_outcome o;
	uint64_t v = MMIO_VALUE;
	bool load = !write;
	size_t at = 0;

	minivm_start(m, minivm_window(m, 0, gpa), PATTERN, write);
	for (;;) {
		o = minivm_run(m, TIMEOUT_MS);
		if (o != MINIVM_MMIO)
			break;
		at += snprintf(seen + at, len - at, "%sMMIO %s exit at 0x%llx", at ? ", then " : "",
			       m->run->mmio.is_write ? "write" : "read",
			       (unsigned long long)m->run->mmio.phys_addr);
		if (at >= len || m->run->mmio.phys_addr != gpa || m->run->mmio.is_write != !load)
			return false;
		if (load) {		/* the program's load (after a store) ends it */
			memcpy(m->run->mmio.data, &v, sizeof(v));
			o = minivm_run(m, TIMEOUT_MS);
			if (o == MINIVM_HLT && minivm_rax(m) == MMIO_VALUE)
				return true;
			break;
		}
		load = true;
	}
	if (at < len)
		snprintf(seen + at, len - at, "%s%s%s", at ? ", then " : "", outcome_name(m, o),
			 o == MINIVM_HLT ? " without the MMIO value" : "");
	return false;
}

static int vm_width_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line per check of --only vm-width, "ok" or not; 1 if not. */
static int vm_width_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", ok ? "ok" : "NOT AS EXPECTED");
	return !ok;
}

/*
 * --only vm-width: a VM whose width W = T - 8 is set below KVM's, T, where
 * the guest's MAXPHYADDR is @mpa.  Returns 0 as expected, 1 not, 2 error,
 * 4 when there is nothing to check (the kernel can't set a width, or W
 * would be below 32).
 */
static int vm_width(int kvm, unsigned int t, unsigned int mpa)
{
	unsigned int w = t - 8;
	uint64_t top = (1ull << w) - MINIVM_PAGE, above = (1ull << w) + 0x10000, *page;
	int r, r2, scratch, bad = 0, n = 0;
	struct kvm_enable_cap cap;
	enum minivm_outcome o;
	struct minivm m;
	char err[256], seen[192];

	/* Whether the kernel can: the library says, on a scratch VM set to T. */
	scratch = ioctl(kvm, KVM_CREATE_VM, 0);
	if (scratch < 0) {
		perror("KVM_CREATE_VM");
		return 2;
	}
	r = kvmgpa_set_vm_bits(scratch, t);
	close(scratch);
	if (r == -EOPNOTSUPP) {
		printf("this kernel can't set a VM's GPA width (kvmgpa_set_vm_bits: %s)\n",
		       strerror(-r));
		printf("result: SKIP: nothing to check\n");
		return 4;
	}
	if (r) {
		printf("kvmgpa_set_vm_bits(%u) on a scratch VM: %s\n", t, strerror(-r));
		printf("result: ERROR\n");
		return 2;
	}
	if (w < 32) {
		printf("W = T-8 = %u is below 32, the least width a VM may have\n", w);
		printf("result: SKIP: T=%u leaves no width to set 8 bits below it\n", t);
		return 4;
	}

	page = mmap(NULL, MINIVM_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	if (minivm_create_ex(&m, kvm, w, err, sizeof(err))) {
		printf("a VM of width W=%u: %s\nresult: ERROR\n", w, err);
		minivm_destroy(&m);
		munmap(page, MINIVM_PAGE);
		return 2;
	}
	printf("a VM of width W=%u, set right after KVM_CREATE_VM; T=%u, guest MAXPHYADDR %u\n",
	       w, t, mpa);

	n++;
	r = ioctl(m.vm, KVM_CHECK_EXTENSION, KVM_CAP_VM_GPA_BITS);
	bad += vm_width_check(r == (int)w, "KVM_CAP_VM_GPA_BITS on the VM fd: %d, want W=%u", r, w);
	n++;
	r = ioctl(m.vm, KVM_CHECK_EXTENSION, kvmgpa_cap_number());
	bad += vm_width_check(r == (int)t, "KVM_CAP_MAX_GPA_BITS on the VM fd: %d, want T=%u", r, t);
	n++;
	r = ioctl(kvm, KVM_CHECK_EXTENSION, kvmgpa_cap_number());
	r2 = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_GPA_BITS);
	bad += vm_width_check(r == (int)t && r2 == (int)t,
			      "KVM_CAP_MAX_GPA_BITS and KVM_CAP_VM_GPA_BITS on /dev/kvm: %d and %d, want T=%u",
			      r, r2, t);
	n++;
	r = minivm_set_slot(&m, 1, top, MINIVM_PAGE, page);
	bad += vm_width_check(!r, "memslot at 0x%" PRIx64 ", ending at 2^%u: %s, want accepted",
			      top, w, r ? strerror(-r) : "accepted");
	n++;
	r = minivm_set_slot(&m, 2, 1ull << w, MINIVM_PAGE, page);
	bad += vm_width_check(r == -EINVAL, "memslot at 2^%u = 0x%llx: %s, want EINVAL", w,
			      1ull << w, r ? strerror(-r) : "accepted");
	if (w < mpa) {
		n++;
		bad += vm_width_check(mmio_exit_at(&m, above, true, seen, sizeof(seen)),
				      "guest store to 0x%" PRIx64 " (2^%u + 64 KiB): %s, want an MMIO write exit there (and the load's read)",
				      above, w, seen);
		n++;
		bad += vm_width_check(mmio_exit_at(&m, above, false, seen, sizeof(seen)),
				      "guest load from 0x%" PRIx64 ": %s, want an MMIO read exit there",
				      above, seen);
	} else {
		printf("the guest can't address above 2^%u (MAXPHYADDR %u): no access above W checked\n",
		       w, mpa);
	}
	if (w <= mpa) {
		n++;
		minivm_start(&m, minivm_window(&m, 1, top), PATTERN, true);
		o = minivm_run(&m, TIMEOUT_MS);
		bad += vm_width_check(o == MINIVM_HLT && minivm_rax(&m) == PATTERN && *page == PATTERN,
				      "guest store to 0x%" PRIx64 ", the last page below 2^%u: %s, the memslot's page holds 0x%" PRIx64 ", want 0x%llx",
				      top, w, outcome_name(&m, o), *page, PATTERN);
	}
	n++;
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_VM_GPA_BITS;
	cap.args[0] = w;
	r = ioctl(m.vm, KVM_ENABLE_CAP, &cap) ? errno : 0;
	bad += vm_width_check(r == EBUSY,
			      "KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS, %u) again, the vCPU created: %s, want EBUSY",
			      w, r ? strerror(r) : "accepted");
	printf("result: %s: %d of %d checks as expected\n",
	       bad ? "NOT AS EXPECTED" : "VM WIDTH ENFORCED", n - bad, n);
	minivm_destroy(&m);
	munmap(page, MINIVM_PAGE);
	return !!bad;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median nanoseconds from KVM_RUN to the MMIO exit of a load from @gpa. */
static int time_exits(struct minivm *m, uint64_t gpa, int n, uint64_t *median)
{
	uint64_t *ns = calloc(n, sizeof(*ns)), v = MMIO_VALUE;
	int i;

	if (!ns)
		return -1;
	for (i = 0; i < n; i++) {
		struct timespec a, b;
		enum minivm_outcome o;

		minivm_start(m, minivm_window(m, 2, gpa), 0, false);
		clock_gettime(CLOCK_MONOTONIC, &a);
		o = minivm_run(m, TIMEOUT_MS);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (o != MINIVM_MMIO || m->run->mmio.phys_addr != gpa) {
			printf("bench: load from 0x%" PRIx64 ": %s, not an MMIO exit there\n", gpa,
			       outcome_name(m, o));
			free(ns);
			return -1;
		}
		ns[i] = (b.tv_sec - a.tv_sec) * 1000000000ull + b.tv_nsec - a.tv_nsec;
		memcpy(m->run->mmio.data, &v, sizeof(v));
		if (minivm_run(m, TIMEOUT_MS) != MINIVM_HLT) {
			free(ns);
			return -1;
		}
	}
	qsort(ns, n, sizeof(*ns), cmp_u64);
	*median = ns[n / 2];
	free(ns);
	return 0;
}

static int bench(struct minivm *m, unsigned int t, unsigned int mpa, int n)
{
	uint64_t above = (1ull << t) + (1ull << (t - 1)) + 0x10000, below = (1ull << (t - 1)) + 0x20000;
	uint64_t ns_above, ns_below;

	if (time_exits(m, below, n, &ns_below))
		return 1;
	printf("bench: exit_ns_below_width %" PRIu64 "\n", ns_below);
	if (t >= mpa) {
		printf("bench: exit_ns_above_width none (the guest cannot address above 2^%u)\n", t);
		return 0;
	}
	if (time_exits(m, above, n, &ns_above))
		return 1;
	printf("bench: exit_ns_above_width %" PRIu64 "\n", ns_above);
	return 0;
}

int main(int argc, char **argv)
{
	int nbench = argc > 2 && !strcmp(argv[1], "--bench") ? atoi(argv[2]) : 0;
	bool only_alias = argc > 2 && !strcmp(argv[1], "--only") && !strcmp(argv[2], "present-alias");
	bool only_vm_width = argc > 2 && !strcmp(argv[1], "--only") && !strcmp(argv[2], "vm-width");
	struct kvmgpa_result res;
	uint64_t gpa, alias, *page;
	unsigned int t, mpa;
	struct minivm m;
	char err[256];
	bool ignores = false, has_cap;
	int kvm, r, ret;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		perror("/dev/kvm");
		return 2;
	}
	kvmgpa_query(kvm, &res);
	if (minivm_create(&m, kvm, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	t = res.bits;
	mpa = m.guest_maxphyaddr;
	/*
	 * The kernel has the capability when the library believed it: an
	 * answer to the number that KVM_CAP_VM_GPA_BITS does not back is
	 * another capability's.
	 */
	has_cap = res.source == KVMGPA_SOURCE_CAPABILITY ||
		  res.source == KVMGPA_SOURCE_VM_CAPABILITY;
	printf("KVM_CAP_MAX_GPA_BITS: %s; mappable width T=%u (%s); MAXPHYADDR M=%u\n",
	       has_cap ? "present" : "absent", t, kvmgpa_source_name(res.source), mpa);
	if (nbench > 0) {
		ret = bench(&m, t, mpa, nbench);
		goto out;
	}
	if (argc > 1 && !nbench && !only_alias && !only_vm_width) {
		fprintf(stderr, "usage: %s [--bench N | --only present-alias | --only vm-width]\n",
			argv[0]);
		ret = 2;
		goto out;
	}
	if (only_vm_width) {
		printf("-- a VM whose width is set below 2^%u\n", t);
		ret = vm_width(kvm, t, mpa);
		goto out;
	}
	if (only_alias) {
		if (t >= mpa) {
			printf("no gap between T and M: the guest can't address above 2^%u\n", t);
			ret = 0;
		} else {
			printf("-- a load above 2^%u whose alias is mapped, no memslot above 2^%u\n",
			       t, t);
			ret = present_alias(kvm, t, res.cap_bits > 0, &ignores);
		}
		goto out;
	}
	page = mmap(NULL, MINIVM_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("mmap");
		return 2;
	}

	if (t >= mpa) {
		/* e.g. shadow paging: KVM maps more than the guest can address */
		r = minivm_set_slot(&m, 1, 1ull << t, MINIVM_PAGE, page);
		printf("no gap between T and M; memslot at 2^T: %s\n", r ? strerror(-r) : "accepted");
		/*
		 * Only KVM's own T must be refused.  Without the capability T
		 * may come from a source that understates what KVM maps
		 * (cpuinfo, a guess), and KVM then rightly accepts 2^T.
		 */
		ret = has_cap && r != -EINVAL;
		printf("result: %s\n", ret ? "UNEXPECTED: memslot above the width T accepted" :
		       r || has_cap ? "nothing to reproduce" :
		       "nothing to reproduce (T is not KVM's own answer here, so 2^T may be mapped)");
		if (mpa < 51 && tdp_enabled() == 0) {
			printf("-- shadow paging, host MAXPHYADDR %u: MMIO above it\n", mpa);
			ret = worst(ret, mmio_above_host_width(kvm, mpa, has_cap));
		}
		goto out;
	}

	gpa = (1ull << t) + (1ull << (t - 1));
	alias = 1ull << (t - 1);
	r = minivm_set_slot(&m, 1, gpa, MINIVM_PAGE, page);
	printf("memslot at 0x%" PRIx64 " (above 2^%u, below 2^%u): %s\n", gpa, t, mpa,
	       r ? strerror(-r) : "accepted");
	if (has_cap) {
		if (r != -EINVAL) {
			printf("result: NOT FIXED: expected EINVAL\n");
			ret = 1;
		} else {
			ret = expect_mmio(&m, gpa);
		}
	} else if (r) {
		printf("result: NOT REPRODUCED: the kernel without the capability refused it\n");
		ret = 1;
	} else {
		ret = show_bug(&m, gpa, alias, page);
	}
	printf("-- a load above 2^%u whose alias is mapped\n", t);
	ret = worst(ret, present_alias(kvm, t, has_cap, &ignores));
	printf("-- a store above 2^%u whose alias is write-protected for dirty logging\n", t);
	ret = worst(ret, dirty_log_alias(kvm, t, has_cap, ignores));
out:
	minivm_destroy(&m);
	close(kvm);
	return ret;
}
