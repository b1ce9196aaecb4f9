// SPDX-License-Identifier: GPL-2.0-only
/*
 * Does the emulated CPU keep a task's AVX state across context switches?
 *
 * Not a KVM test: a check of the emulator under the rig's results.  Two
 * processes pinned to one CPU fill YMM7-YMM15 (upper halves included) with
 * their own pattern, yield to each other, and compare the registers with
 * what they wrote.  Every switch saves and restores that state with the
 * kernel's XSAVES/XRSTORS (XSAVEC/XSAVEOPT/XSAVE where the CPU lacks them),
 * so a save that puts a component at the wrong offset of the compacted
 * format shows up as changed registers, and as the kernel's "Bad FPU state"
 * WARNING when the misplaced data lands in the XSAVE header.  Bochs 2.7 did
 * both (rig/bochs/0007-xsavec-compacted-offsets.patch).
 *
 *   rig_xstate_check [-n switches]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* sched_setaffinity(); 6.1's Makefile does not define it */
#endif
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"

#define NR_REGS		9	/* YMM7..YMM15 */
#define YMM_QWORDS	4

static void fill(uint64_t *v, unsigned int seed, unsigned long round)
{
	int i;

	for (i = 0; i < NR_REGS * YMM_QWORDS; i++)
		v[i] = ((uint64_t)seed << 48) ^ ((uint64_t)round << 8) ^ (i + 1) ^
		       0x8000000000000000ull;
}

static void set_regs(const uint64_t *v)
{
	asm volatile("vmovdqu 0x00(%0), %%ymm7\n\t"
		     "vmovdqu 0x20(%0), %%ymm8\n\t"
		     "vmovdqu 0x40(%0), %%ymm9\n\t"
		     "vmovdqu 0x60(%0), %%ymm10\n\t"
		     "vmovdqu 0x80(%0), %%ymm11\n\t"
		     "vmovdqu 0xa0(%0), %%ymm12\n\t"
		     "vmovdqu 0xc0(%0), %%ymm13\n\t"
		     "vmovdqu 0xe0(%0), %%ymm14\n\t"
		     "vmovdqu 0x100(%0), %%ymm15\n\t"
		     : : "r"(v) : "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		       "xmm13", "xmm14", "xmm15", "memory");
}

static void get_regs(uint64_t *v)
{
	asm volatile("vmovdqu %%ymm7, 0x00(%0)\n\t"
		     "vmovdqu %%ymm8, 0x20(%0)\n\t"
		     "vmovdqu %%ymm9, 0x40(%0)\n\t"
		     "vmovdqu %%ymm10, 0x60(%0)\n\t"
		     "vmovdqu %%ymm11, 0x80(%0)\n\t"
		     "vmovdqu %%ymm12, 0xa0(%0)\n\t"
		     "vmovdqu %%ymm13, 0xc0(%0)\n\t"
		     "vmovdqu %%ymm14, 0xe0(%0)\n\t"
		     "vmovdqu %%ymm15, 0x100(%0)\n\t"
		     : : "r"(v) : "memory");
}

/* Returns the number of rounds whose registers came back changed. */
static unsigned long run(unsigned int seed, unsigned long rounds)
{
	uint64_t want[NR_REGS * YMM_QWORDS], got[NR_REGS * YMM_QWORDS];
	unsigned long r, bad = 0;
	int i;

	for (r = 0; r < rounds; r++) {
		fill(want, seed, r);
		set_regs(want);
		/*
		 * Nothing between the writes and the read-back may touch the
		 * registers: sched_yield() is a bare syscall, and the kernel
		 * does not use the task's vector registers.
		 */
		sched_yield();
		get_regs(got);
		if (!memcmp(want, got, sizeof(want)))
			continue;
		if (!bad++) {
			for (i = 0; i < NR_REGS * YMM_QWORDS; i++) {
				if (want[i] != got[i])
					printf("seed %u round %lu: ymm%d[%d] = 0x%016llx, wrote 0x%016llx\n",
					       seed, r, 7 + i / YMM_QWORDS, i % YMM_QWORDS,
					       (unsigned long long)got[i],
					       (unsigned long long)want[i]);
			}
		}
	}
	return bad;
}

int main(int argc, char *argv[])
{
	unsigned long rounds = 2000, bad;
	cpu_set_t cpu0;
	int opt, status;
	pid_t child;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			printf("usage: %s [-n switches]\n", argv[0]);
			return KSFT_FAIL;
		}
		rounds = strtoul(optarg, NULL, 0);
	}
	if (!__builtin_cpu_supports("avx"))
		ksft_exit_skip("the CPU (or the kernel) does not offer AVX\n");

	/* One CPU for both: each yield is a switch to the other process. */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		ksft_exit_fail_msg("sched_setaffinity: %s\n", strerror(errno));

	child = fork();
	if (child < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	bad = run(child ? 1 : 2, rounds);
	if (!child)
		_exit(bad ? 1 : 0);
	if (waitpid(child, &status, 0) != child)
		ksft_exit_fail_msg("waitpid: %s\n", strerror(errno));
	printf("%lu rounds per process: %lu changed in the parent, child %s\n", rounds, bad,
	       WIFEXITED(status) && !WEXITSTATUS(status) ? "unchanged" : "changed");
	if (bad || !WIFEXITED(status) || WEXITSTATUS(status))
		ksft_exit_fail_msg("AVX registers changed across context switches\n");
	ksft_exit_pass();
}
