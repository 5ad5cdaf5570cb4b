/* SPDX-License-Identifier: MIT */
/* AP start-up code, copied to TRAMPOLINE_PA: real mode -> protected mode -> long mode -> the C entry. */
#include <asm/layout.h>
#include <asm/x86.h>

#define TRAMPOLINE_PA	0x8000
#define T(sym)		(TRAMPOLINE_PA + ((sym) - ap_trampoline))

	.section .trampoline, "a"
	.code16
	.globl ap_trampoline
ap_trampoline:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	(tramp_gdtr - ap_trampoline)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$BOOT_CS32, $T(tramp32)

	.code32
tramp32:
	mov	$BOOT_DS32, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%cr4, %eax
	or	$(CR4_PAE | CR4_PGE), %eax
	mov	%eax, %cr4
	mov	T(ap_tramp_cr3), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	T(ap_tramp_efer), %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_WP | CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$BOOT_CS64, $T(tramp64)

	.code64
tramp64:
	xor	%eax, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	T(ap_tramp_stack), %rsp
	mov	T(ap_tramp_entry), %rax
	xor	%ebp, %ebp
	jmp	*%rax

	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* BOOT_CS32 */
	.quad	0x00cf92000000ffff	/* BOOT_DS32 */
	.quad	0x00af9a000000ffff	/* BOOT_CS64 */
tramp_gdt_end:
tramp_gdtr:
	.word	tramp_gdt_end - tramp_gdt - 1
	.long	T(tramp_gdt)

	/* Filled in by the boot CPU before each start-up IPI. */
	.balign 8
	.globl ap_tramp_cr3, ap_tramp_efer, ap_tramp_stack, ap_tramp_entry
ap_tramp_cr3:	.long 0
ap_tramp_efer:	.long 0
ap_tramp_stack:	.quad 0
ap_tramp_entry:	.quad 0
	.globl ap_trampoline_end
ap_trampoline_end:
