/* SPDX-License-Identifier: MIT */
/* Secondary vCPUs for runtime programs: bring one up on a stack of its own, and the 2-level event helpers they poll with. */
#ifndef RT_SMP_H
#define RT_SMP_H

#include <stdbool.h>
#include <stdint.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/event_channel.h>
#include <pvabi/xen.h>

/* Highest vCPU id probed by rt_smp_count. */
#define RT_SMP_MAX_VCPUS	64
#define RT_SMP_STACK_SIZE	16384

/* How many vCPUs the domain has: VCPUOP_is_up answers for each, -ENOENT past the last. */
unsigned int rt_smp_count(void);

/*
 * A context that starts fn(arg) on vCPU id in guest kernel mode, on the
 * stack [stack, stack + size), with the runtime's page tables and trap
 * table, events masked until fn unmasks them. fn must never return.
 */
void rt_smp_context(struct vcpu_guest_context *c, void (*fn)(void *), void *arg, void *stack, uint64_t size);
/* VCPUOP_initialise with that context, then VCPUOP_up: 0 or the first negative XEN_E* value. */
long rt_smp_start(unsigned int id, void (*fn)(void *), void *arg, void *stack, uint64_t size);
/* The argument given to rt_smp_start, for the vCPU's fn to find again (read with the vCPU's id). */
void *rt_smp_arg(unsigned int id);

/* The shared_info page (mapped on first use) and vCPU id's vcpu_info in it (ids below 32). */
volatile struct shared_info *rt_smp_shared(void);
volatile struct vcpu_info *rt_smp_vcpu_info(unsigned int id);

/* 2-level event bits in shared_info, with atomics (another vCPU or the hypervisor writes them too). */
bool rt_evtchn_pending(evtchn_port_t port);
bool rt_evtchn_test_and_clear(evtchn_port_t port);
void rt_evtchn_mask(evtchn_port_t port);
/* SCHEDOP_poll on one port until it is pending or timeout_ns of system time pass (0: no timeout); the result of the call. */
long rt_evtchn_poll(evtchn_port_t port, uint64_t timeout_ns);
/* Waits until port is pending (polling again on spurious wake-ups) and clears it: true, or false after timeout_ns. */
bool rt_evtchn_wait(evtchn_port_t port, uint64_t timeout_ns);

/* EVTCHNOP_bind_ipi / bind_virq for a given vCPU: the port or a negative XEN_E* value. */
long rt_evtchn_bind_ipi(unsigned int vcpu);
long rt_evtchn_bind_virq_vcpu(uint32_t virq, unsigned int vcpu);
long rt_evtchn_bind_vcpu(evtchn_port_t port, unsigned int vcpu);

#endif
