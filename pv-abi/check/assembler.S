/* SPDX-License-Identifier: MIT */
/* Assembled in every build: the constant-only view of the ABI headers that entry code and guest stubs use. */
#include <pvabi/xen.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>
#include <pvabi/elfnote.h>
#include <pvabi/features.h>

	.section .rodata
	.globl pvabi_asm_check
pvabi_asm_check:
	.quad __HYPERVISOR_iret, PVABI_NR_HYPERCALLS, FLAT_KERNEL_CS, FLAT_KERNEL_SS
	.quad HYPERVISOR_VIRT_START, HYPERVISOR_VIRT_END, UVMF_ALL, SIF_MOD_START_PFN
	.quad XEN_ENOSYS, XEN_ELFNOTE_ENTRY, XENFEAT_dom0, VGCF_in_syscall
	.section .note.GNU-stack, "", @progbits
