/* SPDX-License-Identifier: MIT */
/* Secondary vCPUs for runtime programs (VCPUOP_initialise + up) and the 2-level event helpers they wait with. */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt.h"
#include "rt_smp.h"

extern const uint64_t rt_trap_stubs[32];
/* The argument each secondary vCPU was started with (it also arrives in rdi). */
static void *rt_smp_args[RT_SMP_MAX_VCPUS];

unsigned int rt_smp_count(void)
{
	unsigned int n = 0;

	while (n < RT_SMP_MAX_VCPUS && hyp_vcpu_op(VCPUOP_is_up, n, 0) >= 0)
		n++;
	return n;
}

void *rt_smp_arg(unsigned int id)
{
	return id < RT_SMP_MAX_VCPUS ? rt_smp_args[id] : NULL;
}

/* The L4 the boot vCPU runs on, as a cr3 value (machine address, as Xen's xen_pfn_to_cr3 makes it for 64-bit). */
static uint64_t rt_smp_cr3(void)
{
	uint64_t pfn = (rt_boot.si->pt_base - RT_VIRT_BASE) >> 12;

	return ((const uint64_t *)rt_boot.si->mfn_list)[pfn] << 12;
}

void rt_smp_context(struct vcpu_guest_context *c, void (*fn)(void *), void *arg, void *stack, uint64_t size)
{
	uint64_t top = ((uint64_t)(uintptr_t)stack + size) & ~15ULL;

	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel;
	c->user_regs.rip = RT_PTR(fn);
	c->user_regs.rdi = RT_PTR(arg);
	c->user_regs.rsp = top - 8;		/* as if called: the ABI's alignment at entry */
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->user_regs.rflags = 0x200;
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = top;
	c->ctrlreg[3] = rt_smp_cr3();
	for (unsigned int v = 0; v < 32; v++) {
		c->trap_ctxt[v].vector = (uint8_t)v;
		c->trap_ctxt[v].flags = (v == 3 || v == 4) ? 3 : 0;
		c->trap_ctxt[v].cs = FLAT_KERNEL_CS;
		c->trap_ctxt[v].address = rt_trap_stubs[v];
	}
}

long rt_smp_start(unsigned int id, void (*fn)(void *), void *arg, void *stack, uint64_t size)
{
	static struct vcpu_guest_context ctx;
	long rc;

	if (id >= RT_SMP_MAX_VCPUS)
		return -XEN_EINVAL;
	rt_smp_args[id] = arg;
	rt_smp_context(&ctx, fn, arg, stack, size);
	rc = hyp_vcpu_op(VCPUOP_initialise, id, RT_PTR(&ctx));
	if (rc < 0)
		return rc;
	return hyp_vcpu_op(VCPUOP_up, id, 0);
}

volatile struct shared_info *rt_smp_shared(void)
{
	return rt_map_shared_info(NULL);
}

volatile struct vcpu_info *rt_smp_vcpu_info(unsigned int id)
{
	volatile struct shared_info *s = rt_smp_shared();

	return s && id < XEN_LEGACY_MAX_VCPUS ? &s->vcpu_info[id] : NULL;
}

bool rt_evtchn_pending(evtchn_port_t port)
{
	volatile struct shared_info *s = rt_smp_shared();

	return (__atomic_load_n(&s->evtchn_pending[port / 64], __ATOMIC_ACQUIRE) >> (port % 64)) & 1;
}

bool rt_evtchn_test_and_clear(evtchn_port_t port)
{
	volatile struct shared_info *s = rt_smp_shared();
	uint64_t bit = 1ULL << (port % 64);

	return __atomic_fetch_and(&s->evtchn_pending[port / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

void rt_evtchn_mask(evtchn_port_t port)
{
	volatile struct shared_info *s = rt_smp_shared();

	__atomic_fetch_or(&s->evtchn_mask[port / 64], 1ULL << (port % 64), __ATOMIC_SEQ_CST);
}

long rt_evtchn_poll(evtchn_port_t port, uint64_t timeout_ns)
{
	struct sched_poll p = {
		.ports = RT_PTR(&port),
		.nr_ports = 1,
		.timeout = timeout_ns ? rt_now_ns() + timeout_ns : 0,
	};

	return hyp_sched_op(SCHEDOP_poll, RT_PTR(&p));
}

bool rt_evtchn_wait(evtchn_port_t port, uint64_t timeout_ns)
{
	uint64_t end = rt_now_ns() + timeout_ns;

	for (;;) {
		uint64_t now;

		if (rt_evtchn_test_and_clear(port))
			return true;
		now = rt_now_ns();
		if (now >= end)
			return false;
		rt_evtchn_poll(port, end - now);
	}
}

long rt_evtchn_bind_ipi(unsigned int vcpu)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu };
	long rc = hyp_event_channel_op(EVTCHNOP_bind_ipi, RT_PTR(&op));

	return rc < 0 ? rc : (long)op.port;
}

long rt_evtchn_bind_virq_vcpu(uint32_t virq, unsigned int vcpu)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
	long rc = hyp_event_channel_op(EVTCHNOP_bind_virq, RT_PTR(&op));

	return rc < 0 ? rc : (long)op.port;
}

long rt_evtchn_bind_vcpu(evtchn_port_t port, unsigned int vcpu)
{
	struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };

	return hyp_event_channel_op(EVTCHNOP_bind_vcpu, RT_PTR(&op));
}
