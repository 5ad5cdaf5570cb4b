/* SPDX-License-Identifier: MIT */
/* Asks the builder for a hypercall page (XEN_ELFNOTE_HYPERCALL_PAGE = 2) and reserves it, page-aligned, in the text. */
	.section .note.Xen, "a", @note
	.balign 4
	.long	4			/* namesz: "Xen\0" */
	.long	8			/* descsz */
	.long	2			/* XEN_ELFNOTE_HYPERCALL_PAGE */
	.asciz	"Xen"
	.balign 4
	.quad	hypercall_page

	.text
	.balign 4096
	.globl	hypercall_page
hypercall_page:
	.fill	4096, 1, 0
	.section .note.GNU-stack, "", @progbits
