/* SPDX-License-Identifier: MIT */
/* Multiboot(1) entry: QEMU starts us in 32-bit protected mode; switch to long mode and jump to the higher half. */
#include <asm/layout.h>
#include <asm/x86.h>

#define MB_MAGIC	0x1badb002
/* Page-aligned modules, memory map, and the address fields (QEMU refuses ELF64 without them). */
#define MB_FLAGS	((1 << 0) | (1 << 1) | (1 << 16))
#define PA(sym)		((sym) - HV_IMAGE_BASE)

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header			/* header_addr: this section is linked at its PA */
	.long _start_pa			/* load_addr */
	.long _edata_pa			/* load_end_addr */
	.long _end_pa			/* bss_end_addr */
	.long entry32			/* entry_addr */

	.section .boot.text, "ax"
	.code32
	.globl entry32
entry32:
	cli
	cld
	mov	%eax, %ebp		/* multiboot magic */
	mov	%ebx, %esi		/* multiboot info PA */
	lgdt	boot_gdtr
	ljmp	$BOOT_CS32, $1f
1:	mov	$BOOT_DS32, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs

	/* Zero .bss before anything lives there (QEMU zeroes it too, other loaders may not). */
	mov	$PA(__bss_start), %edi
	mov	$_end_pa, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	/* No long mode: nothing we can do but say so on COM1 and stop. */
	mov	$0x80000001, %eax
	cpuid
	test	$(1 << 29), %edx
	jz	no_long_mode

	/* Four page directories of 2 MiB pages: PA 0-4 GiB. */
	mov	$PA(boot_pd), %edi
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$21, %eax
	or	$(PTE_P | PTE_RW | PTE_PS), %eax
	mov	%eax, (%edi, %ecx, 8)
	mov	%ecx, %eax
	shr	$11, %eax		/* high dword: PA bits 32+ */
	mov	%eax, 4(%edi, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jne	2b

	/* Low PDPT: identity 0-4 GiB; reused for the early direct map. */
	mov	$PA(boot_pdpt_low), %edi
	mov	$PA(boot_pd) + (PTE_P | PTE_RW), %eax
	mov	%eax, 0(%edi)
	add	$4096, %eax
	mov	%eax, 8(%edi)
	add	$4096, %eax
	mov	%eax, 16(%edi)
	add	$4096, %eax
	mov	%eax, 24(%edi)

	/* Image PDPT: HV_IMAGE_BASE maps PA 0-1 GiB. */
	mov	$PA(boot_pdpt_img), %edi
	movl	$PA(boot_pd) + (PTE_P | PTE_RW), HV_IMAGE_L3 * 8(%edi)

	mov	$PA(boot_l4), %edi
	movl	$PA(boot_pdpt_low) + (PTE_P | PTE_RW), 0(%edi)
	movl	$PA(boot_pdpt_low) + (PTE_P | PTE_RW), DIRECTMAP_L4 * 8(%edi)
	movl	$PA(boot_pdpt_img) + (PTE_P | PTE_RW), HV_IMAGE_L4 * 8(%edi)

	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$PA(boot_l4), %eax
	mov	%eax, %cr3
	/* NX only if the CPU has it (the page-table code checks again). cpuid clobbers edx, so ask first. */
	mov	$0x80000001, %eax
	cpuid
	xor	%ebx, %ebx
	test	$(1 << 20), %edx
	jz	3f
	mov	$EFER_NXE, %ebx
3:	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	or	%ebx, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_WP | CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$BOOT_CS64, $entry64_low

no_long_mode:
	mov	$no_lm_msg, %esi
4:	lodsb
	test	%al, %al
	jz	5f
	mov	$0x3f8, %dx
	outb	%al, %dx
	jmp	4b
5:	hlt
	jmp	5b

	.code64
entry64_low:
	movabs	$entry64_high, %rax
	jmp	*%rax

	.section .boot.data, "a"
	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* BOOT_CS32 */
	.quad	0x00cf92000000ffff	/* BOOT_DS32 */
	.quad	0x00af9a000000ffff	/* BOOT_CS64 */
boot_gdt_end:
boot_gdtr:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt
no_lm_msg:
	.asciz	"Skiff: this CPU has no long mode; halting.\r\n"

	.text
	.code64
entry64_high:
	xor	%eax, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	lea	boot_stack(%rip), %rsp
	add	$STACK_PRIMARY_TOP, %rsp
	mov	%ebp, %edi		/* multiboot magic */
	mov	%esi, %esi		/* info PA, zero-extended */
	xor	%ebp, %ebp		/* a zero frame pointer ends backtraces */
	call	arch_boot_bsp
	ud2

	.bss
	.balign 4096
	.globl boot_l4
boot_l4:	.space 4096
boot_pdpt_low:	.space 4096
boot_pdpt_img:	.space 4096
boot_pd:	.space 4 * 4096
	.balign STACK_SIZE
	.globl boot_stack
boot_stack:	.space STACK_SIZE
