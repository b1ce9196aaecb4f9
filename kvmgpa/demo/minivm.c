// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
/*
 * A minimal x86-64 VM: see minivm.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "kvmgpa.h"
#include "minivm.h"

/* Guest-physical layout of slot 0. */
#define PML4	0x1000
#define PDPT	0x2000
#define PD	0x3000
#define PT_LOW	0x4000		/* identity map of [0, 2 MiB) */
#define PT_WIN	0x5000		/* the windows */
#define CODE	0x8000

#define PTE_P	0x1ull
#define PTE_RW	0x2ull
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* mov %rsi,(%rdi); mov (%rdi),%rax; hlt */
static const uint8_t code_store_load[] = { 0x48, 0x89, 0x37, 0x48, 0x8b, 0x07, 0xf4 };
#define LOAD_OFFSET 3	/* start here to only load */

static struct kvm_run *alarm_run;
static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
	if (alarm_run)
		alarm_run->immediate_exit = 1;
}

static int fail(char *err, size_t len, int e, const char *what)
{
	snprintf(err, len, "%s: %s", what, strerror(e));
	return -e;
}

/* KVM_GET_SUPPORTED_CPUID into a malloc()ed buffer, or NULL with *err = -errno. */
static struct kvm_cpuid2 *supported_cpuid(int kvm, int *err)
{
	struct kvm_cpuid2 *cpuid = NULL, *grown;
	int nent;

	for (nent = 64; nent <= 4096; nent *= 2) {
		grown = realloc(cpuid, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!grown) {
			*err = -ENOMEM;
			break;
		}
		cpuid = grown;
		memset(cpuid, 0, sizeof(*cpuid));
		cpuid->nent = nent;
		if (!ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid)) {
			*err = 0;
			return cpuid;
		}
		*err = -errno;
		if (errno != E2BIG)
			break;
	}
	free(cpuid);
	return NULL;
}

/*
 * Leaf 0x80000008's EAX: @set ? @eax : what KVM_GET_SUPPORTED_CPUID says
 * (remembered in m->supported_80000008).
 */
static int set_cpuid(struct minivm *m, bool set, uint32_t eax)
{
	struct kvm_cpuid2 *cpuid;
	int r = 0, i;

	cpuid = supported_cpuid(m->kvm, &r);
	if (!cpuid)
		return r;
	/*
	 * Without CPUID 0x80000008 the guest's MAXPHYADDR would be 36 and the
	 * windows could not reach high GPAs.
	 */
	m->guest_maxphyaddr = 36;
	for (i = 0; i < (int)cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 0x80000008)
			continue;
		m->supported_80000008 = e->eax;
		if (set)
			e->eax = eax;
		m->guest_maxphyaddr = e->eax & 0xff;
	}
	if (ioctl(m->vcpu, KVM_SET_CPUID2, cpuid))
		r = -errno;
	free(cpuid);
	return r;
}

int minivm_set_maxphyaddr(struct minivm *m, unsigned int bits)
{
	return set_cpuid(m, true, (m->supported_80000008 & ~0xffu) | bits);
}

int minivm_set_cpuid_80000008(struct minivm *m, uint32_t eax)
{
	return set_cpuid(m, true, eax);
}

static void build_page_tables(struct minivm *m)
{
	uint64_t *pml4 = (uint64_t *)(m->low + PML4);
	uint64_t *pdpt = (uint64_t *)(m->low + PDPT);
	uint64_t *pd = (uint64_t *)(m->low + PD);
	uint64_t *pt = (uint64_t *)(m->low + PT_LOW);
	int i;

	pml4[0] = PDPT | PTE_P | PTE_RW;
	pdpt[0] = PD | PTE_P | PTE_RW;
	pd[0] = PT_LOW | PTE_P | PTE_RW;
	pd[1] = PT_WIN | PTE_P | PTE_RW;
	for (i = 0; i < 512; i++)
		pt[i] = ((uint64_t)i << 12) | PTE_P | PTE_RW;
	memcpy(m->low + CODE, code_store_load, sizeof(code_store_load));
}

static int set_long_mode(struct minivm *m)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 8, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = 16, .type = 3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_sregs sregs;

	if (ioctl(m->vcpu, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = 0x80050033;		/* PG, AM, WP, NE, ET, MP, PE */
	sregs.cr3 = PML4;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.efer = 0x500;		/* LMA, LME */
	if (ioctl(m->vcpu, KVM_SET_SREGS, &sregs))
		return -errno;
	return 0;
}

int minivm_create(struct minivm *m, int kvm_fd, char *err, size_t errlen)
{
	return minivm_create_ex(m, kvm_fd, 0, err, errlen);
}

int minivm_create_ex(struct minivm *m, int kvm_fd, unsigned int gpa_bits, char *err,
		     size_t errlen)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int mmap_size, r;

	memset(m, 0, sizeof(*m));
	m->kvm = kvm_fd;
	m->vm = m->vcpu = -1;
	m->run = MAP_FAILED;
	m->low = MAP_FAILED;

	m->vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (m->vm < 0)
		return fail(err, errlen, errno, "KVM_CREATE_VM");
	/*
	 * The width first: KVM refuses it once the VM has a memslot, and
	 * KVM_SET_TSS_ADDR adds one of KVM's own where VMX lacks
	 * unrestricted guest.
	 */
	if (gpa_bits) {
		char what[64];

		r = kvmgpa_set_vm_bits(m->vm, gpa_bits);
		snprintf(what, sizeof(what), "setting the VM's width to %u bits", gpa_bits);
		if (r)
			return fail(err, errlen, -r, what);
		m->gpa_bits = gpa_bits;
	}
	/* Intel needs a TSS address before the first run; AMD ignores it. */
	if (ioctl(m->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul))
		return fail(err, errlen, errno, "KVM_SET_TSS_ADDR");

	m->low = mmap(NULL, MINIVM_LOW_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->low == MAP_FAILED)
		return fail(err, errlen, errno, "mmap guest memory");
	build_page_tables(m);
	r = minivm_set_slot(m, 0, 0, MINIVM_LOW_SIZE, m->low);
	if (r)
		return fail(err, errlen, -r, "KVM_SET_USER_MEMORY_REGION (low memory)");

	m->vcpu = ioctl(m->vm, KVM_CREATE_VCPU, 0);
	if (m->vcpu < 0)
		return fail(err, errlen, errno, "KVM_CREATE_VCPU");
	mmap_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < 0)
		return fail(err, errlen, errno, "KVM_GET_VCPU_MMAP_SIZE");
	m->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->vcpu, 0);
	if (m->run == MAP_FAILED)
		return fail(err, errlen, errno, "mmap kvm_run");
	r = set_cpuid(m, false, 0);
	if (r)
		return fail(err, errlen, -r, "KVM_SET_CPUID2");
	r = set_long_mode(m);
	if (r)
		return fail(err, errlen, -r, "KVM_SET_SREGS");
	if (sigaction(SIGALRM, &sa, NULL))
		return fail(err, errlen, errno, "sigaction");
	return 0;
}

void minivm_destroy(struct minivm *m)
{
	if (m->run != MAP_FAILED && m->run)
		munmap(m->run, ioctl(m->kvm, KVM_GET_VCPU_MMAP_SIZE, 0));
	if (m->vcpu >= 0)
		close(m->vcpu);
	if (m->vm >= 0)
		close(m->vm);
	if (m->low != MAP_FAILED && m->low)
		munmap(m->low, MINIVM_LOW_SIZE);
	m->vcpu = m->vm = -1;
	m->run = MAP_FAILED;
	m->low = MAP_FAILED;
}

uint64_t minivm_window(struct minivm *m, unsigned int i, uint64_t gpa)
{
	uint64_t *pt = (uint64_t *)(m->low + PT_WIN);

	pt[i % 512] = (gpa & PTE_ADDR_MASK) | PTE_P | PTE_RW;
	return MINIVM_WINDOW_GVA + (uint64_t)(i % 512) * MINIVM_PAGE;
}

int minivm_set_slot_flags(struct minivm *m, uint32_t slot, uint64_t gpa, uint64_t size,
			  void *hva, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

int minivm_set_slot(struct minivm *m, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	return minivm_set_slot_flags(m, slot, gpa, size, hva, 0);
}

int minivm_dirty_log(struct minivm *m, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(m->vm, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
}

void minivm_start(struct minivm *m, uint64_t gva, uint64_t val, bool write)
{
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE + (write ? 0 : LOAD_OFFSET);
	regs.rflags = 0x2;
	regs.rdi = gva;
	regs.rsi = val;
	/* minivm_run() reports a failure here as MINIVM_ERROR. */
	m->start_err = ioctl(m->vcpu, KVM_SET_REGS, &regs) ? errno : 0;
}

uint64_t minivm_rax(struct minivm *m)
{
	struct kvm_regs regs;

	if (ioctl(m->vcpu, KVM_GET_REGS, &regs))
		return 0;
	return regs.rax;
}

enum minivm_outcome minivm_run(struct minivm *m, unsigned int timeout_ms)
{
	struct itimerval it = { 0 };
	int r, e;

	if (m->start_err) {
		errno = m->start_err;
		return MINIVM_ERROR;
	}
	alarm_fired = 0;
	alarm_run = m->run;
	m->run->immediate_exit = 0;
	it.it_value.tv_sec = timeout_ms / 1000;
	it.it_value.tv_usec = (timeout_ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
	do {
		r = ioctl(m->vcpu, KVM_RUN, 0);
		e = errno;
	} while (r < 0 && e == EINTR && !alarm_fired);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	alarm_run = NULL;

	if (r < 0)
		return (e == EINTR && alarm_fired) ? MINIVM_TIMEOUT : MINIVM_ERROR;
	switch (m->run->exit_reason) {
	case KVM_EXIT_HLT:
		return MINIVM_HLT;
	case KVM_EXIT_MMIO:
		return MINIVM_MMIO;
	default:
		return MINIVM_OTHER;
	}
}

const char *minivm_exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
	case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
	case KVM_EXIT_IO: return "KVM_EXIT_IO";
	case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	default: return "another exit";
	}
}
