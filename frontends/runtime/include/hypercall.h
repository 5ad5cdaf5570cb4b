/* SPDX-License-Identifier: MIT */
/* Hypercall wrappers of the guest runtime: a bare SYSCALL from guest-kernel mode, no hypercall page. */
#ifndef RT_HYPERCALL_H
#define RT_HYPERCALL_H

#include <stdint.h>
#include <pvabi/xen.h>

/*
 * rax = number, arguments in rdi rsi rdx r10 r8, result in rax. The
 * hypervisor may change the argument registers, so they are outputs too.
 * SYSCALL/SYSRET destroy rcx and r11; the stub saves them itself, as a
 * kernel stub must when its callers do not list them as clobbered. The
 * pushes are safe because guest code is built with -mno-red-zone.
 */
static inline long rt_hypercall5(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
				 uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile("push %%rcx\n\tpush %%r11\n\tsyscall\n\tpop %%r11\n\tpop %%rcx"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : "0"(nr)
			 : "memory", "cc");
	return ret;
}

static inline long rt_hypercall2(uint64_t nr, uint64_t a1, uint64_t a2)
{
	return rt_hypercall5(nr, a1, a2, 0, 0, 0);
}

static inline long rt_hypercall3(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return rt_hypercall5(nr, a1, a2, a3, 0, 0);
}

/* Pointers travel as plain integers: tests pass deliberately bad ones too. */
#define RT_PTR(p) ((uint64_t)(uintptr_t)(p))

static inline long hyp_xen_version(int cmd, uint64_t arg)
{
	return rt_hypercall2(__HYPERVISOR_xen_version, (uint64_t)cmd, arg);
}

static inline long hyp_console_io(int cmd, uint64_t count, uint64_t buf)
{
	return rt_hypercall3(__HYPERVISOR_console_io, (uint64_t)cmd, count, buf);
}

static inline long hyp_sched_op(int cmd, uint64_t arg)
{
	return rt_hypercall2(__HYPERVISOR_sched_op, (uint64_t)cmd, arg);
}

static inline long hyp_vm_assist(uint64_t cmd, uint64_t type)
{
	return rt_hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

static inline long hyp_update_va_mapping(uint64_t va, uint64_t pte, uint64_t flags)
{
	return rt_hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

static inline long hyp_memory_op(uint64_t cmd, uint64_t arg)
{
	return rt_hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static inline long hyp_vcpu_op(uint64_t cmd, uint64_t vcpu, uint64_t arg)
{
	return rt_hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static inline long hyp_event_channel_op(uint64_t cmd, uint64_t arg)
{
	return rt_hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long hyp_mmu_update(uint64_t reqs, uint64_t count, uint64_t done, uint64_t dom)
{
	return rt_hypercall5(__HYPERVISOR_mmu_update, reqs, count, done, dom, 0);
}

static inline long hyp_mmuext_op(uint64_t ops, uint64_t count, uint64_t done, uint64_t dom)
{
	return rt_hypercall5(__HYPERVISOR_mmuext_op, ops, count, done, dom, 0);
}

static inline long hyp_set_trap_table(uint64_t table)
{
	return rt_hypercall5(__HYPERVISOR_set_trap_table, table, 0, 0, 0, 0);
}

static inline long hyp_callback_op(uint64_t cmd, uint64_t arg)
{
	return rt_hypercall2(__HYPERVISOR_callback_op, cmd, arg);
}

static inline long hyp_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

#endif
