/* SPDX-License-Identifier: MIT */
/* HVM test guest start: real mode -> protected mode -> long mode on its own page tables, a line on COM1 in each. */
#define COM1		0x3f8
#define EFER		0xc0000080

	.section .text.start, "ax"
	.code16
	.globl	_start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x8000, %sp
	mov	$msg_real, %si
1:	lodsb
	test	%al, %al
	jz	2f
	mov	$COM1, %dx
	outb	%al, %dx
	jmp	1b
2:	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $pm32

	.code32
pm32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x8000, %esp
	mov	$msg_prot, %esi
1:	lodsb
	test	%al, %al
	jz	2f
	mov	$COM1, %dx
	outb	%al, %dx
	jmp	1b
	/* Identity map of the first GiB in 2 MiB pages: the guest's tables, translated once more by the NPT. */
2:	mov	$pd, %edi
	xor	%ecx, %ecx
3:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax		/* present, writable, 2 MiB */
	mov	%eax, (%edi, %ecx, 8)
	movl	$0, 4(%edi, %ecx, 8)
	inc	%ecx
	cmp	$512, %ecx
	jne	3b
	mov	$pd, %eax
	or	$3, %eax
	mov	%eax, pdpt
	mov	$pdpt, %eax
	or	$3, %eax
	mov	%eax, pml4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	$EFER, %ecx
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80000000, %eax	/* PG: long mode becomes active */
	mov	%eax, %cr0
	ljmp	$0x18, $lm64

	.code64
lm64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	lea	stack_top(%rip), %rsp
	call	guest_main
	/* guest_main never returns: if it did, report a failure on the exit port. */
	mov	$0x501, %dx
	mov	$0xee, %eax
	outl	%eax, %dx
	ud2

	.section .rodata
msg_real:	.asciz	"hvm: real mode\n"
msg_prot:	.asciz	"hvm: protected mode\n"
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
	.quad	0x00af9a000000ffff	/* 0x18: 64-bit code */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.section .bss.pt, "aw", @nobits
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
	.balign	16
	.skip	8192
stack_top:
