/* sched_op hypercall: yield, block, shutdown, poll and their argument structs. */
#ifndef PVABI_SCHED_H
#define PVABI_SCHED_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

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
