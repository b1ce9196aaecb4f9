// SPDX-License-Identifier: LGPL-2.1-or-later
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
 *    an alias.  If it doesn't, the bug did not reproduce and that fails.
 *
 * Without a gap (T >= M) there is nothing to reproduce; a memslot at 2^T
 * must be refused, as it always has been.
 *
 * Exit status: 0 as expected, 1 not as expected, 2 error.
 *
 * "gpa-width-repro --bench N" instead times N guest loads, from KVM_RUN to
 * the MMIO exit, at a GPA above the width and at an unmapped GPA below it,
 * and prints the medians (for make bench).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvmgpa.h"
#include "minivm.h"

#define PATTERN 0x726570726f21ull
#define MMIO_VALUE 0x4d4d494f4d4d494full
#define TIMEOUT_MS 5000

static const char *outcome_name(struct minivm *m, enum minivm_outcome o)
{
	switch (o) {
	case MINIVM_HLT: return "completed";
	case MINIVM_MMIO: return "KVM_EXIT_MMIO";
	case MINIVM_TIMEOUT: return "no exit to userspace within 5 s (guest stuck faulting)";
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

/* The unpatched kernel: show what the accepted memslot does to the guest. */
static int show_bug(struct minivm *m, uint64_t gpa, uint64_t alias, uint64_t *page)
{
	enum minivm_outcome o;
	bool wrong = false;

	minivm_start(m, minivm_window(m, 0, gpa), PATTERN, true);
	o = minivm_run(m, TIMEOUT_MS);
	printf("guest store to 0x%" PRIx64 ": %s\n", gpa, outcome_name(m, o));
	if (o == MINIVM_TIMEOUT) {
		wrong = true;
	} else if (o == MINIVM_HLT) {
		printf("memslot page now holds 0x%" PRIx64 "\n", *page);
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
		}
	}
	if (!wrong) {
		printf("result: NOT REPRODUCED: the memslot was accepted but the access behaved\n");
		return 1;
	}
	printf("result: BUG: memslot above the mappable width accepted; the guest access goes wrong\n");
	return 0;
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
	struct kvmgpa_result res;
	uint64_t gpa, alias, *page;
	unsigned int t, mpa;
	struct minivm m;
	char err[256];
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
	printf("KVM_CAP_MAX_GPA_BITS: %s; mappable width T=%u (%s); MAXPHYADDR M=%u\n",
	       res.cap_bits > 0 ? "present" : "absent", t, kvmgpa_source_name(res.source), mpa);
	if (nbench > 0) {
		ret = bench(&m, t, mpa, nbench);
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
		ret = r == -EINVAL ? 0 : 1;
		printf("result: %s\n", ret ? "UNEXPECTED: memslot above the width T accepted" :
		       "nothing to reproduce");
		goto out;
	}

	gpa = (1ull << t) + (1ull << (t - 1));
	alias = 1ull << (t - 1);
	r = minivm_set_slot(&m, 1, gpa, MINIVM_PAGE, page);
	printf("memslot at 0x%" PRIx64 " (above 2^%u, below 2^%u): %s\n", gpa, t, mpa,
	       r ? strerror(-r) : "accepted");
	if (res.cap_bits > 0) {
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
out:
	minivm_destroy(&m);
	close(kvm);
	return ret;
}
