/* Hypercall dispatch: one decode function per hypercall, all arguments as raw 64-bit values. */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/types.h>

struct vcpu;

/* Up to five arguments (rdi, rsi, rdx, r10, r8); returns >= 0 or -XEN_E*. */
typedef long (*hypercall_fn)(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/* Looks up and runs hypercall nr for the current vCPU; unknown numbers get -XEN_ENOSYS. */
long hypercall_dispatch(struct vcpu *v, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4, uint64_t a5);

/* Handlers (one file each, or grouped by subsystem). */
long do_console_io(uint64_t cmd, uint64_t count, uint64_t buf, uint64_t, uint64_t);
long do_xen_version(uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_vm_assist(uint64_t cmd, uint64_t type, uint64_t, uint64_t, uint64_t);

#endif
