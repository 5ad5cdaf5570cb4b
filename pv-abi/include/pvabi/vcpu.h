/* vcpu_op hypercall: bring-up, runstate and vcpu_info registration, per-vCPU timers. */
#ifndef PVABI_VCPU_H
#define PVABI_VCPU_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

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
