/*
 * Multiboot entry of the rig's L2 payload: a guest small enough that the
 * only things it does to the VMM are port I/O (serial, PCI config space,
 * isa-debug-exit) and plain memory accesses.  QEMU's multiboot loader wants
 * a 32-bit ELF, and 32-bit PAE paging reaches every physical address below
 * 2^MAXPHYADDR, so the payload never enters long mode.
 */
	.section .multiboot, "a"
	.align 4
	.long 0x1badb002
	.long 0
	.long -0x1badb002

	.text
	.globl _start
_start:
	mov	$stack_top, %esp
	push	%ebx			/* multiboot information */
	push	%eax			/* multiboot magic */
	call	l2_main
1:	hlt
	jmp	1b

	.bss
	.align 16
	.skip 16384
stack_top:
	.section .note.GNU-stack, "", @progbits
