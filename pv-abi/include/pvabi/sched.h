/* SPDX-License-Identifier: MIT */
/* sched_op hypercall: yield, block, shutdown, poll and their argument structs. */
#ifndef PVABI_SCHED_H
#define PVABI_SCHED_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

/*
 * __HYPERVISOR_sched_op (29): sched_op(int cmd, void *arg). cmd is an int
 * (the upper half of its register is ignored). Any domain, on itself,
 * except SCHEDOP_remote_shutdown. Unknown cmd: -ENOSYS. An unreadable arg:
 * -EFAULT, nothing done.
 *
 * SCHEDOP_yield (arg unused): give the CPU to another runnable vCPU if
 *   there is one; returns 0 when this vCPU runs again.
 * SCHEDOP_block (arg unused): unmask event delivery (vcpu_info's
 *   evtchn_upcall_mask = 0) and sleep until an event is pending for this
 *   vCPU. Returns 0 at once if one already is; the upcall is entered
 *   before the hypercall returns, as on any return to the guest.
 * SCHEDOP_poll (struct sched_poll): sleep, without unmasking events, until
 *   one of the nr_ports ports is pending (masked or not) or the system
 *   time reaches timeout (0: no timeout). Returns 0 then, also when a port
 *   already was pending, an upcall was due or the time already passed.
 *   -EINVAL: more than 128 ports (Xen's limit too) or a port not in use;
 *   -EFAULT: ports unreadable. The vCPU counts as blocked from before the
 *   checks, as in Xen, so an event arriving meanwhile is not lost.
 * SCHEDOP_shutdown (struct sched_shutdown): the domain stops (every vCPU)
 *   with the reason given; any value is recorded, as Xen does, those above
 *   SHUTDOWN_MAX as unknown. The toolstack (dom0, through VIRQ_DOM_EXC)
 *   decides what happens next (on_poweroff, on_reboot, on_crash). Does not
 *   return to the caller on success.
 * SCHEDOP_shutdown_code (struct sched_shutdown): record the reason a later
 *   shutdown will carry (Linux sets it before a crash dump); returns 0.
 * SCHEDOP_remote_shutdown (struct sched_remote_shutdown): shut another
 *   domain down. The privileged domain only, as on Xen 4.17 (a domU naming
 *   itself gets -EPERM too); -ESRCH for no such domain, checked first.
 * SCHEDOP_watchdog (struct sched_watchdog): id 0 arms a new watchdog with
 *   timeout seconds and returns its id (1, 2); a later call with that id
 *   and a timeout re-arms it, timeout 0 frees it. A watchdog that expires
 *   shuts the domain down with SHUTDOWN_watchdog. -EBUSY: both in use;
 *   -EINVAL: an id not armed.
 * SCHEDOP_pin_override: -ENOSYS (Xen: dom0 on the boot CPU only).
 */
#define SCHEDOP_yield			0
#define SCHEDOP_block			1
#define SCHEDOP_shutdown		2
#define SCHEDOP_poll			3
#define SCHEDOP_remote_shutdown		4
#define SCHEDOP_shutdown_code		5
#define SCHEDOP_watchdog		6
#define SCHEDOP_pin_override		7

/* sched_shutdown.reason */
#define SHUTDOWN_poweroff	0
#define SHUTDOWN_reboot		1
#define SHUTDOWN_suspend	2
#define SHUTDOWN_crash		3
#define SHUTDOWN_watchdog	4
#define SHUTDOWN_soft_reset	5
#define SHUTDOWN_MAX		5

struct sched_shutdown {
	uint32_t reason;
};
PVABI_SIZE(struct sched_shutdown, 4);
PVABI_OFF(struct sched_shutdown, reason, 0);

/* Block until one of ports is pending or timeout (absolute system time, 0 = none) passes. */
struct sched_poll {
	pvabi_handle_t ports;	/* evtchn_port_t[nr_ports] */
	uint32_t nr_ports;
	uint32_t pad;
	uint64_t timeout;
};
PVABI_SIZE(struct sched_poll, 24);
PVABI_OFF(struct sched_poll, ports, 0);
PVABI_OFF(struct sched_poll, nr_ports, 8);
PVABI_OFF(struct sched_poll, timeout, 16);
PVABI_OFF(struct sched_poll, pad, 12);

struct sched_remote_shutdown {
	domid_t domain_id;
	uint16_t pad;
	uint32_t reason;
};
PVABI_SIZE(struct sched_remote_shutdown, 8);
PVABI_OFF(struct sched_remote_shutdown, domain_id, 0);
PVABI_OFF(struct sched_remote_shutdown, reason, 4);
PVABI_OFF(struct sched_remote_shutdown, pad, 2);

struct sched_watchdog {
	uint32_t id;
	uint32_t timeout;
};
PVABI_SIZE(struct sched_watchdog, 8);
PVABI_OFF(struct sched_watchdog, id, 0);
PVABI_OFF(struct sched_watchdog, timeout, 4);

struct sched_pin_override {
	int32_t pcpu;
};
PVABI_SIZE(struct sched_pin_override, 4);
PVABI_OFF(struct sched_pin_override, pcpu, 0);

#endif
