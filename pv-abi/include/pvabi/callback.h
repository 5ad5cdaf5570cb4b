/* SPDX-License-Identifier: MIT */
/* callback_op hypercall: where the hypervisor enters the guest kernel for events, syscalls and failsafe returns. */
#ifndef PVABI_CALLBACK_H
#define PVABI_CALLBACK_H

#include <stdint.h>
#include <pvabi/abi_check.h>

/*
 * __HYPERVISOR_callback_op (30): callback_op(int cmd, void *arg), for the
 * calling vCPU. Unknown cmd: -ENOSYS; arg unreadable: -EFAULT.
 *
 * CALLBACKOP_register (struct callback_register): the address where the
 *   hypervisor enters the guest kernel for that type; CALLBACKF_mask_events
 *   sets the upcall mask on entry. 0 leaves the type without a callback.
 *   -EINVAL: an address in the hypervisor's range or non-canonical;
 *   -ENOSYS: an unknown type. The entry frame on the guest kernel stack
 *   is the bounce frame (xen.h: rcx, r11, [error,] rip, cs, rflags, rsp,
 *   ss); on entry rcx and r11 hold rip and rflags.
 *     event      entered when an event is pending and not masked
 *     failsafe   entered when a return to the guest with its segment
 *                registers fails
 *     syscall    SYSCALL from 64-bit guest user mode
 *     syscall32  SYSCALL from 32-bit user code (FLAT_USER_CS32); without
 *                one, #UD at the instruction
 *     sysenter   recorded, never entered (a guest SYSENTER gets #GP(0);
 *                docs/XEN_DEVIATIONS.md)
 *     nmi        recorded for the NMI a privileged guest may be sent
 * CALLBACKOP_unregister (struct callback_unregister): only the NMI
 *   callback can be removed (0); the others -EINVAL, as Xen; unknown
 *   types -ENOSYS.
 *
 * __HYPERVISOR_set_callbacks (4), the older form: event, failsafe and
 * syscall addresses at once, all entered with events masked; -EINVAL if
 * any address is bad (then none changes).
 */
#define CALLBACKTYPE_event		0
#define CALLBACKTYPE_failsafe		1
#define CALLBACKTYPE_syscall		2
#define CALLBACKTYPE_sysenter_deprecated 3
#define CALLBACKTYPE_nmi		4
#define CALLBACKTYPE_sysenter		5
#define CALLBACKTYPE_syscall32		7

/* Deliver with the vCPU's upcall mask set (events disabled). */
#define _CALLBACKF_mask_events		0
#define CALLBACKF_mask_events		(1U << _CALLBACKF_mask_events)

#define CALLBACKOP_register		0
#define CALLBACKOP_unregister		1

struct callback_register {
	uint16_t type;
	uint16_t flags;
	uint32_t pad;
	uint64_t address;
};
PVABI_SIZE(struct callback_register, 16);
PVABI_OFF(struct callback_register, type, 0);
PVABI_OFF(struct callback_register, flags, 2);
PVABI_OFF(struct callback_register, address, 8);
PVABI_OFF(struct callback_register, pad, 4);

struct callback_unregister {
	uint16_t type;
	uint16_t pad;
};
PVABI_SIZE(struct callback_unregister, 4);
PVABI_OFF(struct callback_unregister, type, 0);
PVABI_OFF(struct callback_unregister, pad, 2);

#endif
