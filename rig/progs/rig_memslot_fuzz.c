// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memslot fuzzer: a seeded random sequence of KVM_SET_USER_MEMORY_REGION(2)
 * calls, each checked against a model of KVM's rules (alignment, sizes,
 * wrap-around, slot ids, address spaces, overlap, moves, flags, and the
 * KVM_CAP_MAX_GPA_BITS limit), then a vCPU that touches random GPAs around
 * 2^N, each exit checked.  Built against the tree's KVM selftests library;
 * the rig compiles it for every kernel version it has.
 *
 *   rig_memslot_fuzz [-s seed] [-n ops] [-t seconds] [-a accesses]
 *
 * Any mismatch prints the seed and the operation, so that
 * "rig_memslot_fuzz -s SEED" replays it.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"

/*
 * 7.x renamed the library's address types and helpers (gva_t, vm_alloc(),
 * vm_get_pte()); its kvm_util_types.h defines INVALID_GPA with them.
 */
#if defined(SELFTEST_KVM_UTIL_TYPES_H) && defined(INVALID_GPA)
#define RIG_NEW_LIB_NAMES 1
typedef gva_t rig_gva_t;
#define rig_alloc(vm, sz, min)	vm_alloc(vm, sz, min)
#else
typedef vm_vaddr_t rig_gva_t;
#define rig_alloc(vm, sz, min)	vm_vaddr_alloc(vm, sz, min)
#endif

#define NR_IDS		8		/* slot ids the fuzzer mostly uses */
#define MAX_SLOT_SIZE	(1ull << 30)	/* keeps KVM's metadata allocations small */
#define MAX_NR_PAGES	((1ull << 31) - 1)	/* KVM_MEM_MAX_NR_PAGES */
#define HVA_SPAN	(16ull << 30)	/* reserved, never touched outside slots */
#define FLAG_BAD	(1u << 5)
#define VALID_FLAGS	(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

struct mslot {
	bool present;
	uint64_t gpa, size, hva;
	uint32_t flags;
};

struct op {
	uint32_t slot;		/* as_id << 16 | id */
	uint32_t flags;
	uint64_t gpa, size, hva;
	bool v2;
};

static uint64_t rng_state;
static int max_gpa_bits, nr_as, nr_user_slots;
static uint64_t hva_base;
/* Index NR_IDS stands for the highest valid id, nr_user_slots - 1. */
static struct mslot model[3][NR_IDS + 1];
static unsigned long long seed;

static uint64_t rnd(void)
{
	/* xorshift64*: small, seedable, good enough for fuzzing */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t width(void)
{
	return 1ull << max_gpa_bits;
}

static unsigned int host_maxphyaddr(void)
{
#ifdef X86_PROPERTY_MAX_PHY_ADDR
	return kvm_cpu_property(X86_PROPERTY_MAX_PHY_ADDR);
#else
	return kvm_get_supported_cpuid_entry(0x80000008)->eax & 0xff;
#endif
}

/* GPAs cluster where the rules change: 0, 4 GiB, 2^N, 2^(N-1), MAXPHYADDR, 2^64. */
static uint64_t pick_gpa(void)
{
	uint64_t pages = below(4) * PAGE_SIZE, gpa;

	switch (below(10)) {
	case 0:
		gpa = pages;
		break;
	case 1:
		gpa = (4ull << 30) - 2 * PAGE_SIZE + pages;
		break;
	case 2: case 3: case 4:
		gpa = width() - 4 * PAGE_SIZE + below(8) * PAGE_SIZE;
		break;
	case 5:
		gpa = (width() >> 1) - 2 * PAGE_SIZE + pages;
		break;
	case 6:
		gpa = (1ull << host_maxphyaddr()) - 2 * PAGE_SIZE + pages;
		break;
	case 7:
		gpa = -(uint64_t)(below(4) + 1) * PAGE_SIZE;
		break;
	default:
		gpa = below(width() << 1) & ~(PAGE_SIZE - 1);
		break;
	}
	if (!below(20))
		gpa += 1 + below(PAGE_SIZE - 1);	/* unaligned */
	return gpa;
}

static uint64_t pick_size(uint64_t gpa)
{
	uint64_t size;

	switch (below(12)) {
	case 0:
		size = -gpa + PAGE_SIZE * (1 + below(2));	/* wraps past 2^64 */
		break;
	case 1:
		size = (MAX_NR_PAGES + 1 + below(4)) * PAGE_SIZE;	/* too many pages */
		break;
	case 2:
		size = (1ull << (20 + below(11)));	/* 1 MiB .. 1 GiB */
		break;
	case 3:
		size = width() - (gpa & ~(PAGE_SIZE - 1));	/* up to exactly 2^N */
		if (size > MAX_SLOT_SIZE || size == 0)
			size = PAGE_SIZE;
		break;
	default:
		size = (1 + below(4)) * PAGE_SIZE;
		break;
	}
	if (!below(25))
		size += 1 + below(PAGE_SIZE - 1);	/* unaligned */
	return size;
}

static uint32_t pick_flags(void)
{
	static const uint32_t f[] = { 0, 0, 0, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY,
				      KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY, FLAG_BAD };

	return f[below(sizeof(f) / sizeof(f[0]))];
}

static uint32_t pick_slot(void)
{
	uint32_t as = below(8) ? 0 : (below(3) ? 1 : 2), id;

	switch (below(16)) {
	case 0:
		id = nr_user_slots - 1;
		break;
	case 1:
		id = nr_user_slots + below(4);
		break;
	case 2:
		id = 0xffff;
		break;
	default:
		id = below(NR_IDS);
		break;
	}
	return as << 16 | id;
}

static struct mslot *lookup(uint32_t slot)
{
	uint32_t as = slot >> 16, id = slot & 0xffff;

	if (as >= 3)
		return NULL;
	if (id < NR_IDS)
		return &model[as][id];
	if (id == (uint32_t)nr_user_slots - 1)
		return &model[as][NR_IDS];
	return NULL;
}

/* The errno KVM must return for @op, 0 for success; updates the model. */
static int model_apply(const struct op *op)
{
	uint32_t as = op->slot >> 16, id = op->slot & 0xffff;
	uint64_t npages = op->size / PAGE_SIZE;
	struct mslot *old, *s;
	int i;

	if (op->flags & ~VALID_FLAGS)
		return EINVAL;
	if ((op->size & (PAGE_SIZE - 1)) || (op->gpa & (PAGE_SIZE - 1)) ||
	    (op->hva & (PAGE_SIZE - 1)))
		return EINVAL;
	/* Sizes the fuzzer makes are either small or far too large: access_ok()
	 * and KVM_MEM_MAX_NR_PAGES reject the latter alike. */
	if (npages > MAX_NR_PAGES)
		return EINVAL;
	if (as >= (uint32_t)nr_as || id >= (uint32_t)nr_user_slots)
		return EINVAL;
	if (op->gpa + op->size < op->gpa)
		return EINVAL;

	old = lookup(op->slot);
	TEST_ASSERT(old, "slot %u/%u accepted by the model but not tracked", as, id);
	if (!op->size) {
		if (!old->present)
			return EINVAL;
		old->present = false;
		return 0;
	}
	if (old->present) {
		if (op->hva != old->hva || op->size != old->size ||
		    ((op->flags ^ old->flags) & KVM_MEM_READONLY))
			return EINVAL;
		if (op->gpa == old->gpa && op->flags != old->flags)
			goto commit;		/* flags only */
		if (op->gpa == old->gpa)
			return 0;		/* nothing to change */
		/* else a move, checked like a creation */
	}
	for (i = 0; i <= NR_IDS; i++) {
		s = &model[as][i];
		if (s == old || !s->present)
			continue;
		if (op->gpa < s->gpa + s->size && s->gpa < op->gpa + op->size)
			return EEXIST;
	}
	/* The rule under test: nothing may end above 2^N. */
	if (op->gpa + op->size > width())
		return EINVAL;
commit:
	old->present = true;
	old->gpa = op->gpa;
	old->size = op->size;
	old->hva = op->hva;
	old->flags = op->flags;
	return 0;
}

static int do_op(struct kvm_vm *vm, const struct op *op)
{
	int r;

#ifdef KVM_SET_USER_MEMORY_REGION2
	if (op->v2)
		r = __vm_set_user_memory_region2(vm, op->slot, op->flags, op->gpa, op->size,
						 (void *)op->hva, 0, 0);
	else
#endif
		r = __vm_set_user_memory_region(vm, op->slot, op->flags, op->gpa, op->size,
						(void *)op->hva);
	return r ? errno : 0;
}

static void make_op(struct op *op, bool have_v2)
{
	struct mslot *s;

	memset(op, 0, sizeof(*op));
	op->v2 = have_v2 && below(2);
	op->slot = pick_slot();
	s = lookup(op->slot);

	if (s && s->present && below(3)) {
		/* Act on an existing slot: delete, move, flags, or a bad change. */
		op->hva = s->hva;
		op->size = s->size;
		op->flags = s->flags;
		op->gpa = s->gpa;
		switch (below(5)) {
		case 0:
			op->size = 0;
			break;
		case 1: case 2:
			op->gpa = pick_gpa() & ~(PAGE_SIZE - 1);
			break;
		case 3:
			op->flags ^= KVM_MEM_LOG_DIRTY_PAGES;
			break;
		default:
			if (below(2))
				op->size += PAGE_SIZE;
			else
				op->flags ^= KVM_MEM_READONLY;
			break;
		}
		return;
	}
	op->gpa = pick_gpa();
	op->size = below(15) ? pick_size(op->gpa) : 0;
	op->flags = pick_flags();
	op->hva = hva_base + below(HVA_SPAN / MAX_SLOT_SIZE - 1) * MAX_SLOT_SIZE +
		  below(64) * PAGE_SIZE;
	if (!below(40))
		op->hva += 8;	/* unaligned */
}

static void fuzz_memslots(unsigned long nr_ops, int seconds)
{
	bool have_v2 = false;
	struct kvm_vm *vm = vm_create_barebones();
	time_t deadline = time(NULL) + seconds;
	unsigned long i, ok = 0, counts[4] = { 0 };
	struct op op;

#ifdef KVM_SET_USER_MEMORY_REGION2
	have_v2 = kvm_has_cap(KVM_CAP_USER_MEMORY2);
#endif
	for (i = 0; i < nr_ops; i++) {
		int want, got;

		if (!(i & 1023) && time(NULL) > deadline)
			TEST_FAIL("seed %llu: only %lu of %lu operations in %d s", seed, i, nr_ops,
				  seconds);
		make_op(&op, have_v2);
		want = model_apply(&op);
		got = do_op(vm, &op);
		TEST_ASSERT(want == got,
			    "seed %llu, operation %lu: %s slot %u/%u flags 0x%x gpa 0x%lx size 0x%lx hva 0x%lx: KVM says %s, the model %s (N=%d)",
			    seed, i, op.v2 ? "REGION2" : "REGION", op.slot >> 16, op.slot & 0xffff,
			    op.flags, op.gpa, op.size, op.hva, got ? strerror(got) : "success",
			    want ? strerror(want) : "success", max_gpa_bits);
		ok += !got;
		counts[got == 0 ? 0 : got == EINVAL ? 1 : got == EEXIST ? 2 : 3]++;
	}
	kvm_vm_free(vm);
	printf("memslots: %lu operations, %lu succeeded, %lu EINVAL, %lu EEXIST, %lu other\n",
	       nr_ops, counts[0], counts[1], counts[2], counts[3]);
	TEST_ASSERT(counts[0] > nr_ops / 20 && counts[1] > nr_ops / 20 && counts[2] > 0,
		    "seed %llu: the mix of outcomes is too one-sided to mean anything", seed);
}

/* --- a vCPU touching GPAs around 2^N ------------------------------------- */

#define NR_WIN		64
#define MMIO_VAL(gpa)	((uint64_t)((gpa) ^ 0x5a5a5a5a5a5a5a5aull))
#define ALIAS_GPA	0xc0000000ull	/* 2^N + ALIAS_GPA + x aliases it */
#define ALIAS_PAGES	16
#define ALIAS_SLOT	11

enum kind { TOP, ALIAS, ABOVE };

struct access {
	uint64_t gva, gpa, val;
	bool write;
	enum kind kind;
	bool in_slot;		/* TOP inside the memslot, or ALIAS */
	bool exited;		/* ABOVE: it exited as MMIO (else the CPU let it through) */
};

static struct access acc[NR_WIN];
static uint64_t guest_results[NR_WIN];
static int nr_acc;
static sig_atomic_t timed_out;

/* Accesses [0, split) come before a sync, where the host reads the dirty log. */
static void guest_code(uint64_t n, uint64_t split)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint64_t *p = (uint64_t *)READ_ONCE(acc[i].gva);

		if (i == split)
			GUEST_SYNC(i);
		if (READ_ONCE(acc[i].write))
			WRITE_ONCE(*p, READ_ONCE(acc[i].val));
		else
			WRITE_ONCE(guest_results[i], READ_ONCE(*p));
	}
	GUEST_DONE();
}

static void on_alarm(int sig)
{
	timed_out = 1;
}

static void point_pte(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint64_t gva, uint64_t gpa)
{
#if defined(RIG_NEW_LIB_NAMES)
	u64 *pte = vm_get_pte(vm, gva);

	*pte = (*pte & ~PHYSICAL_PAGE_MASK) | (gpa & PHYSICAL_PAGE_MASK);
#elif defined(X86_PROPERTY_MAX_PHY_ADDR)
	uint64_t *pte = vm_get_page_table_entry(vm, gva);

	*pte = (*pte & ~PHYSICAL_PAGE_MASK) | (gpa & PHYSICAL_PAGE_MASK);
#else
	uint64_t pte = vm_get_page_table_entry(vm, vcpu, gva);

	vm_set_page_table_entry(vm, vcpu, gva, (pte & ~PHYSICAL_PAGE_MASK) |
				(gpa & PHYSICAL_PAGE_MASK));
#endif
}

/* Accesses before @upto that made no exit: ABOVE ones went through the CPU. */
static int skip_silent(int next, int upto)
{
	for (; next < upto; next++)
		TEST_ASSERT(acc[next].in_slot || acc[next].kind == ABOVE,
			    "seed %llu: access %d (GPA 0x%lx, no memslot) made no exit", seed, next,
			    acc[next].gpa);
	return next;
}

/*
 * Below 2^N: the last 32 pages the library may map (on AMD it keeps clear of
 * the HyperTransport hole, which can end below 2^N), some in a memslot and
 * some holes, which must exit as MMIO; and 16 pages at ALIAS_GPA, in a memslot
 * that logs dirty pages half the time.  Above 2^N, if the guest can generate
 * such GPAs, 2^N + ALIAS_GPA + x, which a root that ignores the bits from N up
 * translates through ALIAS_GPA + x.  KVM must exit for those as MMIO; a CPU
 * that ignores the bits itself (QEMU's NPT) lets some through to the alias
 * without KVM seeing them, and the model follows that.  Whatever happens,
 * every alias page that changed after the mid-run KVM_GET_DIRTY_LOG must be
 * logged dirty: KVM's fast path once made write-protected aliases writable
 * for such accesses without logging them.
 */
static void fuzz_vcpu(int rounds)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned long exits = 0, in_slot = 0, silent = 0, dirty_checked = 0;
	int round;

	TEST_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction");
	for (round = 0; round < rounds; round++) {
		bool above_ok = host_maxphyaddr() > (unsigned int)max_gpa_bits;
		uint64_t top, slot_lo, slot_pages, *host, *alias_host;
		uint64_t alias_snap[ALIAS_PAGES * PAGE_SIZE / 8];
		bool log_dirty = below(2);
		unsigned long bitmap[1];
		struct kvm_vcpu *vcpu;
		struct kvm_vm *vm;
		rig_gva_t win;
		struct ucall uc;
		int i, next = 0, split;

		vm = vm_create_with_one_vcpu(&vcpu, guest_code);
		top = (vm->max_gfn + 1) << vm->page_shift;
		TEST_ASSERT(top <= width(), "library max GFN 0x%lx is above 2^%d", vm->max_gfn,
			    max_gpa_bits);
		/* One memslot in the last 32 pages, ending at the top half the time. */
		slot_pages = 1 + below(16);
		slot_lo = below(2) ? top - slot_pages * PAGE_SIZE :
			  top - (slot_pages + 1 + below(16)) * PAGE_SIZE;
		vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, slot_lo, 10, slot_pages, 0);
		host = addr_gpa2hva(vm, slot_lo);
		memset(host, 0, slot_pages * PAGE_SIZE);
		vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, ALIAS_GPA, ALIAS_SLOT,
					    ALIAS_PAGES, log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0);
		alias_host = addr_gpa2hva(vm, ALIAS_GPA);
		memset(alias_host, 0, ALIAS_PAGES * PAGE_SIZE);

		win = rig_alloc(vm, NR_WIN * PAGE_SIZE, KVM_UTIL_MIN_VADDR);
		nr_acc = 8 + below(NR_WIN - 8);
		split = below(nr_acc);
		for (i = 0; i < nr_acc; i++) {
			struct access *a = &acc[i];
			uint64_t r = below(6);

			a->kind = r < 2 ? TOP : (r < 4 || !above_ok) ? ALIAS : ABOVE;
			switch (a->kind) {
			case TOP:
				a->gpa = top - (1 + below(32)) * PAGE_SIZE + below(PAGE_SIZE / 8) * 8;
				break;
			case ALIAS:
				a->gpa = ALIAS_GPA + below(ALIAS_PAGES) * PAGE_SIZE +
					 below(PAGE_SIZE / 8) * 8;
				break;
			case ABOVE:
				/* A distinct offset per access keeps exits unambiguous. */
				a->gpa = width() + ALIAS_GPA + below(ALIAS_PAGES) * PAGE_SIZE + i * 8;
				break;
			}
			a->in_slot = a->kind == ALIAS ||
				     (a->kind == TOP && a->gpa >= slot_lo &&
				      a->gpa < slot_lo + slot_pages * PAGE_SIZE);
			a->exited = false;
			a->write = below(2);
			a->val = rnd();
			a->gva = win + i * PAGE_SIZE + (a->gpa & (PAGE_SIZE - 1));
			point_pte(vm, vcpu, win + i * PAGE_SIZE, a->gpa);
		}
		sync_global_to_guest(vm, acc);
		vcpu_args_set(vcpu, 2, nr_acc, split);

		for (;;) {
			struct kvm_run *run = vcpu->run;
			int r;

			timed_out = 0;
			alarm(10);
			r = __vcpu_run(vcpu);
			alarm(0);
			TEST_ASSERT(!timed_out, "seed %llu round %d: vCPU made no exit in 10 s (access %d, GPA 0x%lx)",
				    seed, round, next, next < nr_acc ? acc[next].gpa : 0);
			TEST_ASSERT(!r, "seed %llu: KVM_RUN failed: %s", seed, strerror(errno));
			if (run->exit_reason != KVM_EXIT_MMIO) {
				if (get_ucall(vcpu, &uc) != UCALL_SYNC)
					break;
				next = skip_silent(next, split);
				memcpy(alias_snap, alias_host, sizeof(alias_snap));
				if (log_dirty)
					kvm_vm_get_dirty_log(vm, ALIAS_SLOT, bitmap);
				continue;
			}
			while (next < nr_acc && (acc[next].in_slot ||
						 (acc[next].kind == ABOVE &&
						  acc[next].gpa != run->mmio.phys_addr)))
				next++;
			TEST_ASSERT(next < nr_acc, "seed %llu round %d: MMIO exit at 0x%llx after the last access",
				    seed, round, run->mmio.phys_addr);
			TEST_ASSERT(run->mmio.phys_addr == acc[next].gpa &&
				    run->mmio.is_write == acc[next].write && run->mmio.len == 8,
				    "seed %llu round %d access %d: expected %s of 8 at 0x%lx, got %s of %u at 0x%llx",
				    seed, round, next, acc[next].write ? "write" : "read", acc[next].gpa,
				    run->mmio.is_write ? "write" : "read", run->mmio.len,
				    run->mmio.phys_addr);
			if (acc[next].write)
				TEST_ASSERT(!memcmp(run->mmio.data, &acc[next].val, 8),
					    "seed %llu: MMIO write data differs", seed);
			else
				memcpy(run->mmio.data, &(uint64_t){ MMIO_VAL(acc[next].gpa) }, 8);
			acc[next].exited = true;
			next++;
			exits++;
		}
		TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_DONE,
			    "seed %llu round %d: expected the guest to finish, exit %s", seed, round,
			    exit_reason_str(vcpu->run->exit_reason));
		skip_silent(next, nr_acc);

		/* Replay the accesses against a model of both memslots' memory. */
		sync_global_from_guest(vm, guest_results);
		{
			uint64_t *shadow = calloc(slot_pages, PAGE_SIZE);
			uint64_t *alias_model = calloc(ALIAS_PAGES, PAGE_SIZE);

			TEST_ASSERT(shadow && alias_model, "calloc");
			for (i = 0; i < nr_acc; i++) {
				struct access *a = &acc[i];
				uint64_t *cell = NULL;

				if (a->kind == TOP && a->in_slot)
					cell = &shadow[(a->gpa - slot_lo) / 8];
				else if (a->kind == ALIAS)
					cell = &alias_model[(a->gpa - ALIAS_GPA) / 8];
				else if (a->kind == ABOVE && !a->exited)
					cell = &alias_model[(a->gpa - width() - ALIAS_GPA) / 8];
				silent += a->kind == ABOVE && !a->exited;

				if (a->write) {
					if (cell)
						*cell = a->val;
					continue;
				}
				TEST_ASSERT(guest_results[i] == (cell ? *cell : MMIO_VAL(a->gpa)),
					    "seed %llu round %d access %d: read 0x%lx at GPA 0x%lx, expected 0x%lx",
					    seed, round, i, guest_results[i], a->gpa,
					    cell ? *cell : MMIO_VAL(a->gpa));
				in_slot += !!cell;
			}
			TEST_ASSERT(!memcmp(shadow, host, slot_pages * PAGE_SIZE),
				    "seed %llu round %d: memslot contents differ from the model", seed,
				    round);
			TEST_ASSERT(!memcmp(alias_model, alias_host, ALIAS_PAGES * PAGE_SIZE),
				    "seed %llu round %d: the alias memslot differs from the model", seed,
				    round);
			free(shadow);
			free(alias_model);
		}

		/* Every page written since the mid-run dirty log must be logged now. */
		if (log_dirty) {
			kvm_vm_get_dirty_log(vm, ALIAS_SLOT, bitmap);
			for (i = 0; i < ALIAS_PAGES; i++) {
				bool changed = memcmp(alias_host + i * PAGE_SIZE / 8,
						      alias_snap + i * PAGE_SIZE / 8, PAGE_SIZE);

				TEST_ASSERT(!changed || (bitmap[0] & (1ul << i)),
					    "seed %llu round %d: alias page 0x%llx changed but is not logged dirty",
					    seed, round, ALIAS_GPA + i * PAGE_SIZE);
				dirty_checked++;
			}
		}
		kvm_vm_free(vm);
	}
	printf("vcpu: %d rounds, %lu MMIO exits checked, %lu in-slot reads checked, %lu accesses above 2^N let through by the CPU, %lu dirty bits checked\n",
	       rounds, exits, in_slot, silent, dirty_checked);
}

int main(int argc, char *argv[])
{
	unsigned long nr_ops = 100000;
	int opt, seconds = 600, rounds = 20;
	void *mem;

	seed = time(NULL) ^ getpid();
	while ((opt = getopt(argc, argv, "s:n:t:a:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			nr_ops = strtoul(optarg, NULL, 0);
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'a':
			rounds = atoi(optarg);
			break;
		default:
			printf("usage: %s [-s seed] [-n ops] [-t seconds] [-a vcpu-rounds]\n", argv[0]);
			exit(KSFT_FAIL);
		}
	}
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_MAX_GPA_BITS));
	max_gpa_bits = kvm_check_cap(KVM_CAP_MAX_GPA_BITS);
	nr_as = kvm_check_cap(KVM_CAP_MULTI_ADDRESS_SPACE) ?: 1;
	nr_user_slots = kvm_check_cap(KVM_CAP_NR_MEMSLOTS);
	rng_state = seed ?: 1;
	printf("seed %llu (replay with -s %llu); N=%d, %d address space(s), %d memslots\n",
	       seed, seed, max_gpa_bits, nr_as, nr_user_slots);
	fflush(stdout);

	mem = mmap(NULL, HVA_SPAN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "reserving %llu bytes of address space", HVA_SPAN);
	hva_base = (uint64_t)mem;

	fuzz_memslots(nr_ops, seconds);
	fuzz_vcpu(rounds);
	return 0;
}
