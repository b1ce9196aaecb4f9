// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * kvm-gpa-demo: a tiny VMM that trusts libkvmgpa.  It puts a memslot on the
 * very last page below 2^N, runs guest code that stores a pattern there and
 * loads it back, then asks KVM for a memslot just above 2^N and reports the
 * answer.  On a kernel that enforces the width, that memslot is refused.
 *
 * "--vm-bits W" sets the VM's width to W first (kvmgpa_set_vm_bits(), right
 * after KVM_CREATE_VM), so that N is the VM's W: a kernel that cannot set
 * it, or a W above its ceiling, is an error.
 *
 * Exit status: 0 if the top page worked and the memslot above 2^N was
 * refused, 1 if the top page failed or the memslot above was accepted (KVM
 * let the VMM place memory it cannot map), 2 on errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmgpa.h"
#include "minivm.h"

#define PATTERN 0x6b766d2d67706121ull
#define RUN_TIMEOUT_MS 5000

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--json] [--vm-bits BITS]\n", argv0);
	return 2;
}

int main(int argc, char **argv)
{
	const char *top_result, *above_result;
	unsigned int vm_bits = 0;
	bool json = false;
	char err[256], above_errno[64] = "";
	struct kvmgpa_options opts = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result res;
	uint64_t top, above, *page;
	struct minivm m;
	int kvm, r, i, status = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && !json) {
			json = true;
		} else if (!strcmp(argv[i], "--vm-bits") && i + 1 < argc && !vm_bits) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || end == argv[i] || v < 32 || v > 52) {
				fprintf(stderr, "%s: --vm-bits wants a number of bits, 32 to 52\n",
					argv[0]);
				return 2;
			}
			vm_bits = v;
		} else {
			return usage(argv[0]);
		}
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "%s: /dev/kvm: %s\n", argv[0], strerror(errno));
		return 2;
	}
	if (minivm_create_ex(&m, kvm, vm_bits, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 2;
	}
	/*
	 * What a VMM should do: ask with its VM fd (a VM type may map less
	 * than the system), and tell the guest the width in CPUID.
	 */
	opts.system_fd = kvm;
	opts.vm_fd = m.vm;
	r = kvmgpa_query_ex(&opts, &res, sizeof(res));
	if (r) {
		fprintf(stderr, "%s: kvmgpa_query_ex: %s\n", argv[0], strerror(-r));
		return 2;
	}
	r = minivm_set_cpuid_80000008(&m, kvmgpa_guest_cpuid_80000008_eax(&res,
							m.supported_80000008));
	if (r) {
		fprintf(stderr, "%s: KVM_SET_CPUID2: %s\n", argv[0], strerror(-r));
		return 2;
	}
	top = (1ull << res.bits) - MINIVM_PAGE;
	above = 1ull << res.bits;

	page = mmap(NULL, MINIVM_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", argv[0], strerror(errno));
		return 2;
	}

	r = minivm_set_slot(&m, 1, top, MINIVM_PAGE, page);
	if (r) {
		top_result = "memslot refused";
		status = 1;
	} else if (res.bits > m.guest_maxphyaddr) {
		/* The guest can't generate the address, e.g. shadow paging. */
		top_result = "memslot accepted; beyond guest MAXPHYADDR, not run";
	} else {
		minivm_start(&m, minivm_window(&m, 0, top), PATTERN, true);
		switch (minivm_run(&m, RUN_TIMEOUT_MS)) {
		case MINIVM_HLT:
			if (minivm_rax(&m) == PATTERN && *page == PATTERN) {
				top_result = "ok";
			} else {
				top_result = "wrong data";
				status = 1;
			}
			break;
		case MINIVM_TIMEOUT:
			top_result = "guest stuck (no exit in 5 s)";
			status = 1;
			break;
		default:
			top_result = minivm_exit_name(m.run->exit_reason);
			status = 1;
			break;
		}
	}

	r = minivm_set_slot(&m, 2, above, MINIVM_PAGE, page);
	if (r) {
		above_result = "refused";
		snprintf(above_errno, sizeof(above_errno), "%s", strerrorname_np(-r) ?: "?");
	} else {
		above_result = "ACCEPTED";
		status = 1;
	}

	if (json) {
		printf("{\"bits\": %u, \"source\": \"%s\", \"top_gpa\": \"0x%" PRIx64
		       "\", \"top\": \"%s\", \"above_gpa\": \"0x%" PRIx64
		       "\", \"above\": \"%s\", \"above_errno\": \"%s\", \"guest_maxphyaddr\": %u"
		       ", \"guest_bits\": %u",
		       res.bits, kvmgpa_source_name(res.source), top, top_result, above,
		       above_result, above_errno, m.guest_maxphyaddr, res.guest_bits);
		if (vm_bits)
			printf(", \"set_vm_bits\": %u, \"capability\": %d, \"vm_gpa_bits\": %d",
			       vm_bits, res.cap_bits, res.vm_gpa_bits);
		printf("}\n");
	} else {
		if (vm_bits)
			printf("VM width set to %u bits: KVM reports %d, ceiling %d\n", vm_bits,
			       res.vm_gpa_bits, res.cap_bits);
		printf("library: N=%u from %s (%s)\n", res.bits, kvmgpa_source_name(res.source),
		       res.explanation);
		printf("top page at 0x%" PRIx64 ": %s\n", top, top_result);
		printf("memslot at 2^%u = 0x%" PRIx64 ": %s%s%s\n", res.bits, above, above_result,
		       *above_errno ? " with " : "", above_errno);
		if (!r && res.authoritative)
			printf("KVM accepted a memslot above the width it reports itself!\n");
		else if (!r)
			printf("KVM accepted a memslot above 2^%u (from %s): unless that source\n"
			       "understates what KVM maps, the guest can never use it\n",
			       res.bits, kvmgpa_source_name(res.source));
	}
	minivm_destroy(&m);
	close(kvm);
	return status;
}
