// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rig's L2 guest for the real-VMM test (rig/vmm/vmm-test.sh): QEMU in
 * the rig's guest runs this under KVM after SeaBIOS.  It writes a pattern at
 * one guest-physical address and reports, on COM1, what it read back there
 * and at the address that 4-level two-dimensional paging would alias it to
 * (the address with bits 51:48 cleared).  Where the write really landed is
 * checked outside, in QEMU's backing files.
 *
 * Command line (multiboot): mode=move|stay|dimm [addr=0x...]
 *   move  program the ivshmem BAR (BAR2) at addr, then write through it
 *   stay  write through BAR2 where the firmware put it
 *   dimm  write at addr (memory QEMU mapped there, e.g. a pc-dimm)
 */
#include <stdint.h>

#define COM1		0x3f8
#define DEBUG_EXIT	0xf4
#define EXIT_DONE	0x10	/* QEMU exits with (0x10 << 1) | 1 = 33 */
#define EXIT_ERROR	0x11	/* 35 */
#define WINDOW		0xc0000000u	/* where the 2 MiB page at the target is mapped */
#define OFFSET		0x100
#define ALIAS_MASK	((1ull << 48) - 1)

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void putc_(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void puthex(uint64_t v)
{
	puts_("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 0xf]);
}

static void __attribute__((noreturn)) finish(uint8_t code)
{
	puts_(code == EXIT_DONE ? "L2: done\n" : "L2: error\n");
	outb(DEBUG_EXIT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void __attribute__((noreturn)) fail(const char *why)
{
	puts_("L2: error: ");
	puts_(why);
	putc_('\n');
	finish(EXIT_ERROR);
}

static uint32_t pci_read(uint32_t bdf, uint32_t reg)
{
	outl(0xcf8, 0x80000000u | bdf << 8 | reg);
	return inl(0xcfc);
}

static void pci_write(uint32_t bdf, uint32_t reg, uint32_t v)
{
	outl(0xcf8, 0x80000000u | bdf << 8 | reg);
	outl(0xcfc, v);
}

/* PAE: page-directory-pointer table, identity map of the first GiB, window. */
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd_window[512] __attribute__((aligned(4096)));

static void paging_on(uint64_t target_2m)
{
	for (int i = 0; i < 512; i++)
		pd_low[i] = (uint64_t)i << 21 | 0x83;		/* P, RW, PS */
	/* PCD|PWT: an ivshmem BAR is normally mapped uncached. */
	pd_window[0] = target_2m | 0x9b;
	pdpt[0] = (uint32_t)pd_low | 1;
	pdpt[3] = (uint32_t)pd_window | 1;
	__asm__ volatile("mov %%cr4, %%eax; or $0x20, %%eax; mov %%eax, %%cr4\n\t"
			 "mov %0, %%cr3\n\t"
			 "mov %%cr0, %%eax; or $0x80000000, %%eax; mov %%eax, %%cr0"
			 :: "r"(pdpt) : "eax", "memory");
}

/* Finds "key" at the start of a word of the command line; *val is after it. */
static int word(const char *s, const char *key, const char **val)
{
	for (const char *w = s; *w; w++) {
		const char *p = w, *k = key;

		if (w != s && w[-1] != ' ')
			continue;
		while (*k && *p == *k)
			p++, k++;
		if (!*k) {
			*val = p;
			return 1;
		}
	}
	return 0;
}

static uint64_t parse_hex(const char *s)
{
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++) {
		char c = *s;

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return v;
	}
}

static int has_mode(const char *cmdline, const char *m)
{
	const char *v;

	if (!word(cmdline, "mode=", &v))
		return 0;
	while (*m && *v == *m)
		v++, m++;
	return !*m && (*v == ' ' || *v == '\0');
}

/* The pattern names the address it was written to, so that a copy found
 * anywhere else is recognisably this one. */
static void make_pattern(uint32_t *p, uint64_t addr)
{
	p[0] = 0x50474952;		/* "RIGP" in memory */
	p[1] = 0x4e524554;		/* "TERN" */
	p[2] = (uint32_t)addr;
	p[3] = (uint32_t)(addr >> 32);
	p[4] = 0xa5a5a5a5 ^ p[2];
	p[5] = 0x5a5a5a5a ^ p[3];
	p[6] = 0x00c0ffee;
	p[7] = 0x0badcafe;
}

static int same(const volatile uint32_t *a, const uint32_t *b)
{
	for (int i = 0; i < 8; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static uint32_t find_ivshmem(void)
{
	for (uint32_t dev = 0; dev < 32; dev++) {
		uint32_t bdf = dev << 3;

		if (pci_read(bdf, 0) == 0x11101af4)	/* Red Hat ivshmem */
			return bdf;
	}
	fail("no ivshmem device on bus 0");
}

void l2_main(uint32_t magic, const uint32_t *mbi)
{
	const char *cmdline = "", *v;
	uint32_t pattern[8], sentinel[8];
	uint64_t target, ram_end = 0;
	uint32_t eax, ebx, ecx, edx;

	puts_("L2: start\n");
	if (magic != 0x2badb002)
		fail("not started by a multiboot loader");
	if (mbi[0] & 4)
		cmdline = (const char *)mbi[4];
	if (mbi[0] & 1)
		ram_end = 0x100000 + (uint64_t)mbi[2] * 1024;
	__asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000008));
	/* GuestPhysAddrSize (bits 23:16) is what a VMM that honours KVM's
	 * CPUID passes on as the usable width; 0 means "MAXPHYADDR". */
	puts_("L2: maxphyaddr ");
	puthex(eax & 0xff);
	puts_(" guestphysaddrsize ");
	puthex((eax >> 16) & 0xff);
	putc_('\n');

	if (has_mode(cmdline, "dimm")) {
		if (!word(cmdline, "addr=", &v))
			fail("mode=dimm needs addr=");
		target = parse_hex(v);
	} else {
		uint32_t bdf = find_ivshmem(), cmd = pci_read(bdf, 4);
		uint64_t bar = (pci_read(bdf, 0x18) & ~0xfull) | (uint64_t)pci_read(bdf, 0x1c) << 32;

		puts_("L2: firmware put BAR2 at ");
		puthex(bar);
		puts_(cmd & 2 ? " (memory decoding on)\n" : " (memory decoding off)\n");
		if (has_mode(cmdline, "move")) {
			if (!word(cmdline, "addr=", &v))
				fail("mode=move needs addr=");
			target = parse_hex(v);
			pci_write(bdf, 4, cmd & ~2u);
			pci_write(bdf, 0x18, (uint32_t)target | 0xc);	/* 64-bit, prefetchable */
			pci_write(bdf, 0x1c, (uint32_t)(target >> 32));
			pci_write(bdf, 4, cmd | 2);
			bar = (pci_read(bdf, 0x18) & ~0xfull) | (uint64_t)pci_read(bdf, 0x1c) << 32;
			puts_("L2: moved BAR2 to ");
			puthex(bar);
			putc_('\n');
			if (bar != target)
				fail("BAR2 did not take the address");
		} else if (has_mode(cmdline, "stay")) {
			pci_write(bdf, 4, cmd | 2);
			target = bar;
		} else {
			fail("want mode=move, mode=stay or mode=dimm");
		}
	}
	if (target & 0x1fffff)
		fail("the target must be 2 MiB aligned");
	if ((eax & 0xff) < 64 && target >> (eax & 0xff))
		fail("the target is above this CPU's MAXPHYADDR");
	paging_on(target);

	/* Touch the alias first, so that a 2D-paging entry for it exists (an
	 * emulated 4-level NPT only faults to KVM on a missing entry). */
	uint64_t alias = target & ALIAS_MASK;
	volatile uint32_t *alias_p = 0;

	if (alias != target && alias + OFFSET + 32 <= ram_end && alias < (1u << 30)) {
		alias_p = (volatile uint32_t *)(uint32_t)(alias + OFFSET);
		make_pattern(sentinel, 0);
		sentinel[0] = 0x544e4553;	/* "SENT" */
		for (int i = 0; i < 8; i++)
			alias_p[i] = sentinel[i];
	}

	volatile uint32_t *p = (volatile uint32_t *)(WINDOW + OFFSET);

	make_pattern(pattern, target + OFFSET);
	puts_("L2: writing the pattern at ");
	puthex(target + OFFSET);
	putc_('\n');
	for (int i = 0; i < 8; i++)
		p[i] = pattern[i];
	puts_(same(p, pattern) ? "L2: read back: pattern\n" : "L2: read back: other\n");
	if (alias_p) {
		puts_("L2: at the alias ");
		puthex(alias + OFFSET);
		puts_(same(alias_p, pattern) ? ": pattern\n" :
		      same(alias_p, sentinel) ? ": sentinel\n" : ": other\n");
	} else {
		puts_("L2: no alias in RAM to check\n");
	}
	finish(EXIT_DONE);
}
