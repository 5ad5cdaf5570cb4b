/* SPDX-License-Identifier: MIT */
/* One guest run: host state saved with VMSAVE, guest loaded with VMLOAD, VMRUN, and everything back on #VMEXIT. */

/* struct hvm_gprs (hvm_local.h). */
#define G_RBX	0
#define G_RCX	8
#define G_RDX	16
#define G_RSI	24
#define G_RDI	32
#define G_RBP	40
#define G_R8	48
#define G_R9	56
#define G_R10	64
#define G_R11	72
#define G_R12	80
#define G_R13	88
#define G_R14	96
#define G_R15	104

	.text
/*
 * svm_vmrun(gprs %rdi, vmcb_pa %rsi, host_pa %rdx), interrupts off.
 * CLGI then STI: interrupts stay held until VMRUN sets GIF; in the guest a
 * physical interrupt is an INTR exit; after the exit GIF is 0 again with
 * IF 1, and the STGI at the end lets the host take what is pending. VMSAVE
 * and VMLOAD switch what VMRUN leaves alone (FS, GS and KernelGSBase, TR,
 * LDTR, STAR/LSTAR/CSTAR/SFMASK, SYSENTER): the PV syscall path needs the
 * host's LSTAR back before anything else runs.
 */
	.globl	svm_vmrun
svm_vmrun:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi
	push	%rsi
	push	%rdx
	clgi
	sti
	mov	%rdx, %rax
	vmsave	%rax
	mov	%rsi, %rax
	vmload	%rax
	mov	G_RBX(%rdi), %rbx
	mov	G_RCX(%rdi), %rcx
	mov	G_RDX(%rdi), %rdx
	mov	G_RSI(%rdi), %rsi
	mov	G_RBP(%rdi), %rbp
	mov	G_R8(%rdi), %r8
	mov	G_R9(%rdi), %r9
	mov	G_R10(%rdi), %r10
	mov	G_R11(%rdi), %r11
	mov	G_R12(%rdi), %r12
	mov	G_R13(%rdi), %r13
	mov	G_R14(%rdi), %r14
	mov	G_R15(%rdi), %r15
	mov	G_RDI(%rdi), %rdi
	vmrun	%rax
	/* #VMEXIT: host rax, rsp and rip are back; the stack holds host_pa, vmcb_pa, gprs. */
	push	%rdi
	mov	24(%rsp), %rdi
	mov	%rbx, G_RBX(%rdi)
	mov	%rcx, G_RCX(%rdi)
	mov	%rdx, G_RDX(%rdi)
	mov	%rsi, G_RSI(%rdi)
	mov	%rbp, G_RBP(%rdi)
	mov	%r8, G_R8(%rdi)
	mov	%r9, G_R9(%rdi)
	mov	%r10, G_R10(%rdi)
	mov	%r11, G_R11(%rdi)
	mov	%r12, G_R12(%rdi)
	mov	%r13, G_R13(%rdi)
	mov	%r14, G_R14(%rdi)
	mov	%r15, G_R15(%rdi)
	pop	%rax
	mov	%rax, G_RDI(%rdi)
	mov	8(%rsp), %rax
	vmsave	%rax
	mov	(%rsp), %rax
	vmload	%rax
	stgi
	cli
	add	$24, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
