/* SPDX-License-Identifier: MIT */
/* vcpu_op hypercall: bring-up, runstate and vcpu_info registration, per-vCPU timers. */
#ifndef PVABI_VCPU_H
#define PVABI_VCPU_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

/*
 * __HYPERVISOR_vcpu_op (24): vcpu_op(int cmd, unsigned int vcpuid, void
 * *arg), on a vCPU of the caller's own domain. Errors common to all:
 * -ENOSYS unknown cmd, -ENOENT no such vCPU, -EFAULT arg unreadable or
 * an output unwritable.
 *
 * VCPUOP_initialise (struct vcpu_guest_context): the first state of a
 *   vCPU that is down and was never initialised (-EEXIST otherwise); the
 *   vCPU needs a vcpu_info (-EINVAL). The whole context is checked before
 *   anything is taken: canonical addresses, callbacks and trap handlers
 *   outside the hypervisor, the GDT frames (typed as descriptor pages),
 *   cr3 and the user L4 (ctrlreg[1]) L4s of this domain, cs/ss valid in
 *   that GDT, debug registers as set_debugreg takes them, no LDT (Skiff:
 *   -EINVAL for ldt_ents). IOPL becomes the virtual IOPL, MXCSR is masked.
 *   A long page-table validation continues through a continuation.
 * VCPUOP_up: a vCPU with a context runs; -EINVAL without one.
 * VCPUOP_down: the vCPU stops until VCPUOP_up; taking down the last vCPU
 *   that is up powers the domain off (as Xen: a guest that panics early
 *   loops on it). Returns 0 (the caller's own vCPU returns when it is up
 *   again).
 * VCPUOP_is_up: returns 1 or 0.
 * VCPUOP_get_runstate_info (struct vcpu_runstate_info): a consistent
 *   snapshot, also of another vCPU.
 * VCPUOP_register_runstate_memory_area: where the hypervisor keeps the
 *   vCPU's runstate up to date (a guest virtual address, written at each
 *   switch; XEN_RUNSTATE_UPDATE marks a rewrite in progress with the
 *   runstate_update_flag assist). -EFAULT if it is not guest memory; a
 *   failed first write leaves no area registered.
 * VCPUOP_set_periodic_timer: VIRQ_TIMER every period_ns (at least 1 ms:
 *   -EINVAL); VCPUOP_stop_periodic_timer.
 * VCPUOP_set_singleshot_timer: VIRQ_TIMER at timeout_abs_ns of system
 *   time (a past deadline fires at once; VCPU_SSHOTTMR_future is ignored
 *   as by Xen 4.17); only for the caller's own vCPU (-EINVAL), as
 *   VCPUOP_stop_singleshot_timer.
 * VCPUOP_register_vcpu_info: move the vCPU's vcpu_info into a page of the
 *   guest (mfn, offset: -ENXIO if it would cross the page, -EINVAL if the
 *   frame is not a writable page of the domain); once per vCPU (-EINVAL
 *   after), for another vCPU only while it is down. Pending events are
 *   marked again so none is lost in the move.
 * VCPUOP_register_vcpu_time_memory_area: a second copy of the vCPU's
 *   time info at a guest virtual address, for the vDSO.
 * VCPUOP_send_nmi, VCPUOP_get_physid: -ENOSYS.
 */
#define VCPUOP_initialise			0	/* struct vcpu_guest_context */
#define VCPUOP_up				1
#define VCPUOP_down				2
#define VCPUOP_is_up				3
#define VCPUOP_get_runstate_info		4
#define VCPUOP_register_runstate_memory_area	5
#define VCPUOP_set_periodic_timer		6
#define VCPUOP_stop_periodic_timer		7
#define VCPUOP_set_singleshot_timer		8
#define VCPUOP_stop_singleshot_timer		9
#define VCPUOP_register_vcpu_info		10
#define VCPUOP_send_nmi				11
#define VCPUOP_get_physid			12
#define VCPUOP_register_vcpu_time_memory_area	13

#define RUNSTATE_running	0
#define RUNSTATE_runnable	1
#define RUNSTATE_blocked	2
#define RUNSTATE_offline	3

/* Set in state_entry_time while the hypervisor rewrites the area (runstate_update_flag assist). */
#define XEN_RUNSTATE_UPDATE	(1ULL << 63)

struct vcpu_runstate_info {
	int32_t state;
	uint32_t pad;
	uint64_t state_entry_time;
	uint64_t time[4];		/* ns spent in each RUNSTATE_* */
};
PVABI_SIZE(struct vcpu_runstate_info, 48);
PVABI_OFF(struct vcpu_runstate_info, state, 0);
PVABI_OFF(struct vcpu_runstate_info, state_entry_time, 8);
PVABI_OFF(struct vcpu_runstate_info, time, 16);
PVABI_OFF(struct vcpu_runstate_info, pad, 4);

/* The guest VA where the hypervisor keeps a copy of the runstate. */
struct vcpu_register_runstate_memory_area {
	uint64_t addr;
};
PVABI_SIZE(struct vcpu_register_runstate_memory_area, 8);
PVABI_OFF(struct vcpu_register_runstate_memory_area, addr, 0);

struct vcpu_set_periodic_timer {
	uint64_t period_ns;
};
PVABI_SIZE(struct vcpu_set_periodic_timer, 8);
PVABI_OFF(struct vcpu_set_periodic_timer, period_ns, 0);

/* Fail with -ETIME if the deadline has passed (Linux does not set it; Xen ignores it now). */
#define VCPU_SSHOTTMR_future	(1U << 0)

struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;
	uint32_t flags;
	uint32_t pad;
};
PVABI_SIZE(struct vcpu_set_singleshot_timer, 16);
PVABI_OFF(struct vcpu_set_singleshot_timer, timeout_abs_ns, 0);
PVABI_OFF(struct vcpu_set_singleshot_timer, flags, 8);
PVABI_OFF(struct vcpu_set_singleshot_timer, pad, 12);

/* Move this vCPU's vcpu_info to (mfn, offset); it must not cross the page. */
struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset;
	uint32_t rsvd;
};
PVABI_SIZE(struct vcpu_register_vcpu_info, 16);
PVABI_OFF(struct vcpu_register_vcpu_info, mfn, 0);
PVABI_OFF(struct vcpu_register_vcpu_info, offset, 8);
PVABI_OFF(struct vcpu_register_vcpu_info, rsvd, 12);

struct vcpu_get_physid {
	uint64_t phys_id;
};
PVABI_SIZE(struct vcpu_get_physid, 8);
PVABI_OFF(struct vcpu_get_physid, phys_id, 0);

/* A second copy of vcpu_time_info at a guest VA (used for the vDSO). */
struct vcpu_register_time_memory_area {
	uint64_t addr;
};
PVABI_SIZE(struct vcpu_register_time_memory_area, 8);
PVABI_OFF(struct vcpu_register_time_memory_area, addr, 0);

#endif
