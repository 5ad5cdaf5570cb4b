/* SPDX-License-Identifier: MIT */
/* A secondary vCPU's start for the smp guest: real mode at the page a SIPI names; counts its start and the IPIs it takes. */
	.section .text.ap, "ax"
	.code16
	.globl	ap_start
ap_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0xf000, %sp
	/* Its APIC software-enabled (SVR bit 8), or no fixed interrupt is delivered to it. */
	mov	$0x80f, %ecx
	mov	$0x1ff, %eax
	xor	%edx, %edx
	wrmsr
	lock incl ap_alive
	sti
1:	hlt
	jmp	1b

	/* Real-mode handler of the fixed IPI (its IVT entry is set by vCPU 0): count, x2APIC EOI. */
	.globl	ap_isr
ap_isr:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	lock incl ap_ipis
	mov	$0x80b, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	popl	%edx
	popl	%ecx
	popl	%eax
	iret
