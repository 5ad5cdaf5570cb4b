/* SPDX-License-Identifier: MIT */
/* The runtime's event callback entry: save what C may clobber, dispatch, return through the iret hypercall. */
#include "rt_entry.h"

	.text
/* Entered with events masked; the iret restores the interrupted code's mask. */
	.globl rt_upcall_entry
	.type rt_upcall_entry, @function
rt_upcall_entry:
	rt_entry_save
	rt_entry_call rt_event_upcall
	rt_entry_iret 0
	.size rt_upcall_entry, . - rt_upcall_entry

	.section .note.GNU-stack, "", @progbits
