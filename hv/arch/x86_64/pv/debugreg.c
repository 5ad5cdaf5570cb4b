/* SPDX-License-Identifier: MIT */
/* Guest debug registers: set/get_debugreg and mov %drN, live in hardware while the vCPU runs, #DB's %dr6. */
#include <asm/domain.h>
#include <asm/layout.h>
#include <asm/pv.h>
#include <asm/regs.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <hv/vcpu_context.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>

#define DR6_DEFAULT		0xffff0ff0ULL	/* reset value; bits 0-3 and 13-15 report, 16 is active-low */
#define DR7_DEFAULT		0x400ULL
#define DR7_ENABLES		0xffULL		/* L0 G0 ... L3 G3 */
#define DR7_RW_EXEC		0u

#define DR_ACCESSORS(n)								\
	static inline uint64_t read_dr##n(void)					\
	{ uint64_t v; __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_dr##n(uint64_t v)				\
	{ __asm__ volatile("mov %0, %%dr" #n :: "r"(v)); }
DR_ACCESSORS(0)
DR_ACCESSORS(1)
DR_ACCESSORS(2)
DR_ACCESSORS(3)
DR_ACCESSORS(6)
DR_ACCESSORS(7)

static unsigned int dr7_rw(uint64_t dr7, unsigned int bp)
{
	return (unsigned int)(dr7 >> (16 + 4 * bp)) & 3;
}

void pv_debugreg_init(struct vcpu *v)
{
	v->arch.debugreg[6] = DR6_DEFAULT;
	v->arch.debugreg[7] = DR7_DEFAULT;
}

/* Puts v's breakpoints into this CPU's registers; %dr7 last, so no half-loaded set is ever armed. */
void pv_debugreg_switch_in(const struct vcpu *v)
{
	const uint64_t *dr = v->arch.debugreg;

	if (!(dr[7] & DR7_ENABLES))
		return;
	write_dr0(dr[0]);
	write_dr1(dr[1]);
	write_dr2(dr[2]);
	write_dr3(dr[3]);
	write_dr7(dr[7]);
}

/* Nothing of v's may fire while the hypervisor or another vCPU runs here. */
void pv_debugreg_switch_out(const struct vcpu *v)
{
	if (v->arch.debugreg[7] & DR7_ENABLES)
		write_dr7(0);
}

/*
 * 4 and 5 are 6 and 7 (a PV guest's CR4.DE is clear); the rule itself is
 * shared with the vCPU context's decode. As Xen 4.17's set_debugreg, a
 * %dr6 with its upper half set is -EINVAL here (#GP for mov %dr6).
 */
long pv_debugreg_set(struct vcpu *v, unsigned int reg, uint64_t value)
{
	int rc;

	if (reg == 4 || reg == 5)
		reg += 2;
	if (reg == 6 && (value >> 32))
		return -XEN_EINVAL;
	rc = vcpu_debugreg_check(reg, &value);
	if (rc)
		return rc;
	v->arch.debugreg[reg] = value;
	if (v == current_vcpu() && reg != 6) {
		write_dr7(0);
		pv_debugreg_switch_in(v);
	}
	return 0;
}

long pv_debugreg_get(const struct vcpu *v, unsigned int reg, uint64_t *value)
{
	if (reg == 4 || reg == 5)
		reg += 2;
	if (reg > 7)
		return -XEN_ENODEV;
	*value = v->arch.debugreg[reg];
	return 0;
}

long do_set_debugreg(struct vcpu *v, uint64_t reg, uint64_t value, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return pv_debugreg_set(v, (unsigned int)reg, value);
}

long do_get_debugreg(struct vcpu *v, uint64_t reg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t value;
	long rc = pv_debugreg_get(v, (unsigned int)reg, &value);

	return rc < 0 ? rc : (long)value;
}

/* Reads and clears the hardware's %dr6: its report bits are sticky until software clears them. */
static uint64_t take_dr6(void)
{
	uint64_t dr6 = read_dr6();

	write_dr6(DR6_DEFAULT);
	return dr6;
}

/* #DB from the guest: its %dr6 gains what this one reports, as the CPU would leave it. */
void pv_debug_trap_guest(struct vcpu *v)
{
	uint64_t hw = take_dr6(), *dr6 = &v->arch.debugreg[6];

	*dr6 |= hw & ~DR6_DEFAULT;		/* report bits the CPU set */
	*dr6 &= hw | ~DR6_DEFAULT;		/* active-low bits the CPU cleared */
}

/*
 * #DB in the hypervisor: only a guest's data watchpoint can do this (a
 * hypercall touching the watched guest memory; the guest cannot watch
 * hypervisor addresses, and entry paths clear TF). As Xen 4.17: note it,
 * deliver nothing, leave the guest's %dr6 alone. An instruction breakpoint
 * here would fire forever: disarm, though none can be set.
 */
void pv_debug_trap_hypervisor(const struct cpu_regs *r)
{
	uint64_t dr6 = take_dr6(), dr7 = read_dr7();

	for (unsigned int bp = 0; bp < 4; bp++)
		if ((dr6 & (1ULL << bp)) && (dr7 & (3ULL << (2 * bp))) && dr7_rw(dr7, bp) == DR7_RW_EXEC) {
			log_err("instruction breakpoint hit in the hypervisor at %lx: disarmed", r->rip);
			write_dr7(0);
		}
	log_debug("guest watchpoint hit by the hypervisor at %lx, dr6 %lx", r->rip, dr6);
}
