/* SPDX-License-Identifier: MIT */
/* Event callback entry for the event_upcall test: save, call C, return through the iret hypercall. */
#include "rt_entry.h"

	.text
/* No error code in an upcall's bounce frame; every register the interrupted code may hold comes back. */
	.globl ev_upcall_entry
	.type ev_upcall_entry, @function
ev_upcall_entry:
	rt_entry_save
	rt_entry_call ev_upcall_c
	rt_entry_iret 0
	.size ev_upcall_entry, . - ev_upcall_entry

	.section .note.GNU-stack, "", @progbits
