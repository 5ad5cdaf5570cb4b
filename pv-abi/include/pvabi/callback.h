/* callback_op hypercall: where the hypervisor enters the guest kernel for events, syscalls and failsafe returns. */
#ifndef PVABI_CALLBACK_H
#define PVABI_CALLBACK_H

#include <stdint.h>
#include <pvabi/abi_check.h>

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
