/* SPDX-License-Identifier: MIT */
/* Asks the builder for the P2M list at 512 GiB (XEN_ELFNOTE_INIT_P2M = 15) and an unmapped initrd (MOD_START_PFN = 16), as Linux does. */
	.section .note.Xen, "a", @note
	.balign 4
	.long	4, 8, 15
	.asciz	"Xen"
	.balign 4
	.quad	0x0000008000000000
	.balign 4
	.long	4, 8, 16
	.asciz	"Xen"
	.balign 4
	.quad	1
	.section .note.GNU-stack, "", @progbits
