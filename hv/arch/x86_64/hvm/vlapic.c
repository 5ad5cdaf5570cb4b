/* SPDX-License-Identifier: MIT */
/* A local APIC for HVM vCPUs: x2APIC (MSRs) from reset, xAPIC (the MMIO page) once the guest switches; its timer, priorities, injection. */
#include <asm/hvm.h>
#include <asm/svm.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/event_channel.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/time.h>
#include <hv/timer.h>

#include "hvm_local.h"

/*
 * The guest finds its APIC already in x2APIC mode, as firmware may leave
 * it (APIC_BASE has EN and EXTD). Linux without interrupt remapping turns
 * x2APIC off again (disabled, then xAPIC): the same registers are then at
 * 0xfee00000 + 16 * (MSR - 0x800), reached through #NPF exits and
 * exits.c's decoder. The timer counts at 100 MHz, or to a TSC deadline.
 */
#define APIC_BASE_VALUE		0xfee00000ULL
#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_EXTD		(1ULL << 10)
#define APIC_BASE_EN		(1ULL << 11)
#define APIC_NS_PER_COUNT	10

#define X2APIC_ID		0x802
#define X2APIC_VERSION		0x803
#define X2APIC_TPR		0x808
#define X2APIC_PPR		0x80a
#define X2APIC_EOI		0x80b
#define X2APIC_LDR		0x80d
#define X2APIC_SVR		0x80f
#define X2APIC_ISR0		0x810
#define X2APIC_TMR0		0x818
#define X2APIC_IRR0		0x820
#define X2APIC_ESR		0x828
#define X2APIC_LVT_CMCI		0x82f
#define X2APIC_ICR		0x830
#define X2APIC_LVT_TIMER	0x832
#define X2APIC_LVT_ERROR	0x837
#define X2APIC_TMICT		0x838
#define X2APIC_TMCCT		0x839
#define X2APIC_TDCR		0x83e

#define MSR_TSC_DEADLINE	0x6e0
#define LVT_MASKED		(1u << 16)
#define LVT_TIMER_PERIODIC	(1u << 17)
#define LVT_TIMER_TSC_DEADLINE	(2u << 17)
#define LVT_TIMER_MODE		(3u << 17)
#define XAPIC_ID		0x02
#define XAPIC_EOI		0x0b
#define XAPIC_LDR		0x0d
#define XAPIC_DFR		0x0e
#define XAPIC_ICR_LO		0x30
#define XAPIC_ICR_HI		0x31
#define SVR_ENABLED		(1u << 8)
#define RFLAGS_IF		(1ULL << 9)
#define VINTR_V_IRQ		(1ULL << 8)
#define VINTR_PRIO_SHIFT	16
#define VINTR_IGN_TPR		(1ULL << 20)

static void vec_set(volatile uint64_t *bits, unsigned int vec)
{
	__atomic_fetch_or(&bits[vec / 64], 1ULL << (vec % 64), __ATOMIC_SEQ_CST);
}

static void vec_clear(volatile uint64_t *bits, unsigned int vec)
{
	__atomic_fetch_and(&bits[vec / 64], ~(1ULL << (vec % 64)), __ATOMIC_SEQ_CST);
}

/* The highest vector set, or -1. */
static int vec_highest(const volatile uint64_t *bits)
{
	for (int w = 3; w >= 0; w--) {
		uint64_t x = __atomic_load_n(&bits[w], __ATOMIC_SEQ_CST);

		if (x)
			return w * 64 + 63 - __builtin_clzll(x);
	}
	return -1;
}

static unsigned int timer_divide(const struct vlapic *a)
{
	unsigned int v = ((a->tdcr & 8) >> 1) | (a->tdcr & 3);

	return v == 7 ? 1 : 2u << v;
}

/*
 * A guest may ask for a count of 1: a periodic timer re-armed every 10 ns
 * would make its CPU take a host timer interrupt after every timer_run
 * (the run generation keeps timer_run itself from looping). No period is
 * shorter than this, which bounds that rate, as KVM bounds it too.
 */
#define APIC_MIN_PERIOD_NS	100000

static s_time_t timer_period_ns(const struct vlapic *a)
{
	s_time_t ns = (s_time_t)a->tmict * timer_divide(a) * APIC_NS_PER_COUNT;

	return ns < APIC_MIN_PERIOD_NS ? APIC_MIN_PERIOD_NS : ns;
}

/* Runs on the CPU the vCPU last ran on. The IRR bit is set with an atomic: the vCPU may be running elsewhere. */
static void vlapic_timer_fn(void *data)
{
	struct vcpu *v = data;
	struct vlapic *a = &v->arch.hvm->lapic;
	uint32_t lvt = a->lvt_timer;

	if ((lvt & LVT_TIMER_MODE) == LVT_TIMER_TSC_DEADLINE) {
		a->deadline = 0;
		a->tsc_deadline = 0;		/* the MSR reads 0 once it has fired */
	} else if ((lvt & LVT_TIMER_PERIODIC) && a->tmict) {
		s_time_t period = timer_period_ns(a), now = time_now_ns();

		a->deadline += period;
		if (a->deadline <= now)
			a->deadline = now + period;	/* missed ticks are not made up */
		timer_set(&a->timer, a->deadline);
	} else {
		a->deadline = 0;
	}
	if (!(lvt & LVT_MASKED) && (a->svr & SVR_ENABLED) && (lvt & 0xff) >= 16) {
		a->timer_fired++;
		vec_set(a->irr, lvt & 0xff);
		evtchn_kick_vcpu(v);
	}
}

void vlapic_init(struct vcpu *v)
{
	struct vlapic *a = &v->arch.hvm->lapic;

	*a = (struct vlapic){ .lvt_timer = LVT_MASKED, .lvt_error = LVT_MASKED, .svr = 0xff, .dfr = 0xffffffffu };
	timer_init(&a->timer, vlapic_timer_fn, v, 0);
}

void vlapic_kill(struct vcpu *v)
{
	timer_kill(&v->arch.hvm->lapic.timer);
}

void vlapic_switch_in(struct vcpu *v)
{
	timer_migrate(&v->arch.hvm->lapic.timer, smp_processor_id());
}

static uint32_t ppr(const struct vlapic *a)
{
	int isr = vec_highest(a->isr);
	uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr & 0xf0;

	return (a->tpr & 0xf0) > isrv ? a->tpr & 0xff : isrv;
}

/* The vector the APIC would deliver now, or -1. */
static int deliverable(const struct vlapic *a)
{
	int irr = vec_highest(a->irr);

	if (irr < 0 || !(a->svr & SVR_ENABLED) || a->mode == VLAPIC_DISABLED || ((uint32_t)irr & 0xf0) <= (ppr(a) & 0xf0))
		return -1;
	return irr;
}

static uint64_t apic_base(const struct vcpu *v)
{
	uint8_t mode = v->arch.hvm->lapic.mode;

	return APIC_BASE_VALUE | (v->vcpu_id ? 0 : APIC_BASE_BSP) |
	       (mode == VLAPIC_X2APIC ? APIC_BASE_EN | APIC_BASE_EXTD : mode == VLAPIC_XAPIC ? APIC_BASE_EN : 0);
}

/* A register by its x2APIC MSR number, in either mode. */
static bool reg_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vlapic *a = &v->arch.hvm->lapic;
	s_time_t left;

	if (msr >= X2APIC_ISR0 && msr < X2APIC_ISR0 + 8) {
		*val = (uint32_t)(a->isr[(msr - X2APIC_ISR0) / 2] >> (32 * (msr & 1)));
		return true;
	}
	if (msr >= X2APIC_IRR0 && msr < X2APIC_IRR0 + 8) {
		*val = (uint32_t)(a->irr[(msr - X2APIC_IRR0) / 2] >> (32 * (msr & 1)));
		return true;
	}
	if (msr >= X2APIC_TMR0 && msr < X2APIC_TMR0 + 8) {
		*val = 0;	/* every interrupt so far is edge-triggered */
		return true;
	}
	switch (msr) {
	case X2APIC_ID:		*val = v->vcpu_id; return true;
	case X2APIC_VERSION:	*val = 0x00050014; return true;	/* version 0x14, 6 LVT entries */
	case X2APIC_TPR:	*val = a->tpr; return true;
	case X2APIC_PPR:	*val = ppr(a); return true;
	case X2APIC_LDR:	*val = ((v->vcpu_id >> 4) << 16) | (1u << (v->vcpu_id & 15)); return true;
	case X2APIC_SVR:	*val = a->svr; return true;
	case X2APIC_ESR:	*val = 0; return true;
	case X2APIC_LVT_TIMER:	*val = a->lvt_timer; return true;
	case X2APIC_LVT_ERROR:	*val = a->lvt_error; return true;
	case X2APIC_TMICT:	*val = a->tmict; return true;
	case X2APIC_TDCR:	*val = a->tdcr; return true;
	case X2APIC_TMCCT:
		left = a->deadline ? a->deadline - time_now_ns() : 0;
		*val = left > 0 ? (uint64_t)left / (APIC_NS_PER_COUNT * timer_divide(a)) : 0;
		return true;
	default:
		if (msr >= X2APIC_LVT_CMCI && msr < X2APIC_LVT_ERROR) {
			*val = LVT_MASKED;	/* CMCI, thermal, PMC, LINT0, LINT1: nothing drives them */
			return true;
		}
		return false;
	}
}

#define ICR_MODE_FIXED		0
#define ICR_MODE_INIT		5
#define ICR_MODE_STARTUP	6
#define ICR_LOGICAL		(1ULL << 11)
#define ICR_ASSERT		(1ULL << 14)
#define ICR_LEVEL		(1ULL << 15)
#define ICR_RESERVED		0x00000000fff33000ULL	/* between the used fields, and bit 12 (delivery status) */

static void ipi_one(struct vcpu *from, struct vcpu *to, unsigned int mode, unsigned int vec, uint64_t icr)
{
	switch (mode) {
	case ICR_MODE_FIXED:
		if (vec < 16)
			return;		/* an illegal vector: a real APIC sets an error and sends nothing */
		vec_set(to->arch.hvm->lapic.irr, vec);
		evtchn_kick_vcpu(to);
		return;
	case ICR_MODE_INIT:
		/* The level de-assert form is what old MP start-up code sends after INIT: nothing to do. */
		if ((icr & ICR_LEVEL) && !(icr & ICR_ASSERT))
			return;
		hvm_vcpu_init_ipi(to);
		return;
	case ICR_MODE_STARTUP:
		hvm_vcpu_sipi(to, vec);
		return;
	default:
		return;		/* SMI, NMI, lowest priority: not delivered yet */
	}
}

/*
 * A logical destination as the target's APIC reads it: in xAPIC mode the
 * 8-bit destination against its LDR, flat (a bit mask) or cluster (DFR 0);
 * in x2APIC mode the cluster in bits 31-16 and a mask of 16 vCPUs below.
 */
static bool logical_match(const struct vcpu *to, uint32_t dest)
{
	const struct vlapic *a = &to->arch.hvm->lapic;
	unsigned int id = to->vcpu_id, ldr = a->ldr >> 24, d8 = dest & 0xff;

	if (dest == 0xffffffffu)
		return true;
	if (a->mode == VLAPIC_X2APIC)
		return (dest >> 16) == (id >> 4) && (dest & (1u << (id & 15)));
	if ((a->dfr >> 28) == 0xf)
		return (d8 & ldr) != 0;
	return (d8 >> 4) == (ldr >> 4) && (d8 & ldr & 0xf);
}

/* An IPI: physical destination (the APIC id is the vCPU id), logical, or a shorthand. */
static bool icr_write(struct vcpu *v, uint64_t icr)
{
	struct domain *d = v->domain;
	unsigned int mode = (icr >> 8) & 7, vec = icr & 0xff, shorthand = (icr >> 18) & 3;
	uint32_t dest = (uint32_t)(icr >> 32);

	if (icr & ICR_RESERVED)
		return false;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		bool self = d->vcpu[i] == v;
		bool hit = shorthand == 1 ? self : shorthand == 2 ? true : shorthand == 3 ? !self :
			   (icr & ICR_LOGICAL) ? logical_match(d->vcpu[i], dest) : dest == i || dest == 0xffffffffu;

		if (hit)
			ipi_one(v, d->vcpu[i], mode, vec, icr);
	}
	return true;
}

static void timer_arm(struct vlapic *a)
{
	if (!a->tmict) {
		a->deadline = 0;
		timer_stop(&a->timer);
		return;
	}
	a->deadline = time_now_ns() + timer_period_ns(a);
	timer_set(&a->timer, a->deadline);
}

/* Reserved bits set or a read-only register: false, the caller raises #GP as x2APIC does. */
static bool reg_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vlapic *a = &v->arch.hvm->lapic;
	int isr;

	if (msr == X2APIC_ICR)		/* the one 64-bit register */
		return icr_write(v, val);
	if (val >> 32)
		return false;
	switch (msr) {
	case X2APIC_TPR:
		if (val > 0xff)
			return false;
		a->tpr = (uint32_t)val;
		return true;
	case X2APIC_EOI:
		if (val)
			return false;
		isr = vec_highest(a->isr);
		if (isr >= 0)
			vec_clear(a->isr, (unsigned int)isr);
		return true;
	case X2APIC_SVR:
		a->svr = (uint32_t)val & 0x1ff;
		return true;
	case X2APIC_ESR:
		return val == 0;
	case X2APIC_LVT_TIMER:
		/* Vector, mask, one-shot, periodic or TSC-deadline (mode 3 is reserved). */
		if ((val & ~(uint64_t)(0xff | LVT_MASKED | LVT_TIMER_MODE)) ||
		    (val & LVT_TIMER_MODE) == LVT_TIMER_MODE)
			return false;
		if ((val ^ a->lvt_timer) & LVT_TIMER_MODE) {	/* a mode change disarms the timer */
			a->tmict = 0;
			a->tsc_deadline = 0;
			a->deadline = 0;
			timer_stop(&a->timer);
		}
		a->lvt_timer = (uint32_t)val;
		return true;
	case X2APIC_LVT_ERROR:
		a->lvt_error = (uint32_t)val & (0xff | LVT_MASKED);
		return true;
	case X2APIC_TDCR:
		if (val & ~0xbULL)
			return false;
		a->tdcr = (uint32_t)val;
		return true;
	case X2APIC_TMICT:
		if ((a->lvt_timer & LVT_TIMER_MODE) == LVT_TIMER_TSC_DEADLINE)
			return true;	/* ignored in TSC-deadline mode */
		a->tmict = (uint32_t)val;
		timer_arm(a);
		return true;
	default:
		/* The other LVTs accept the mask bit alone: nothing drives them. */
		if (msr >= X2APIC_LVT_CMCI && msr < X2APIC_LVT_ERROR)
			return true;
		return false;
	}
}

/*
 * IA32_TSC_DEADLINE: the timer fires when the guest's TSC reaches val.
 * The wait is capped at an hour (the guest re-arms a longer one as it
 * likes); a deadline already past fires at once, once.
 */
#define TSC_DEADLINE_MAX_NS	3600000000000LL

static void tsc_deadline_write(struct vcpu *v, uint64_t val)
{
	struct vlapic *a = &v->arch.hvm->lapic;
	uint64_t now = rdtsc() + v->arch.hvm->vmcb->tsc_offset, khz = tsc_khz();
	s_time_t ns = 0;

	if ((a->lvt_timer & LVT_TIMER_MODE) != LVT_TIMER_TSC_DEADLINE)
		return;			/* writes are ignored in the other modes */
	a->tsc_deadline = val;
	if (!val) {
		a->deadline = 0;
		timer_stop(&a->timer);
		return;
	}
	if (val > now && khz) {
		uint64_t cycles = val - now;

		ns = cycles / khz > (uint64_t)TSC_DEADLINE_MAX_NS / 1000000 ? TSC_DEADLINE_MAX_NS :
		     (s_time_t)(cycles / khz * 1000000 + cycles % khz * 1000000 / khz);
	}
	a->deadline = time_now_ns() + ns;
	timer_set(&a->timer, a->deadline);
}

bool vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (msr == MSR_APIC_BASE) {
		*val = apic_base(v);
		return true;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = v->arch.hvm->lapic.tsc_deadline;
		return true;
	}
	return v->arch.hvm->lapic.mode == VLAPIC_X2APIC && reg_read(v, msr, val);
}

/*
 * APIC_BASE: the base stays at 0xfee00000. Modes change as the SDM allows:
 * x2APIC or xAPIC to disabled, disabled to xAPIC, xAPIC to x2APIC (never
 * x2APIC straight to xAPIC, and never EXTD without EN).
 */
static bool apic_base_write(struct vcpu *v, uint64_t val)
{
	struct vlapic *a = &v->arch.hvm->lapic;
	uint64_t fixed = APIC_BASE_VALUE | (v->vcpu_id ? 0 : APIC_BASE_BSP);
	uint8_t to;

	if ((val & ~(APIC_BASE_EN | APIC_BASE_EXTD)) != fixed)
		return false;
	if ((val & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EXTD)
		return false;
	to = !(val & APIC_BASE_EN) ? VLAPIC_DISABLED : (val & APIC_BASE_EXTD) ? VLAPIC_X2APIC : VLAPIC_XAPIC;
	if ((a->mode == VLAPIC_X2APIC && to == VLAPIC_XAPIC) || (a->mode == VLAPIC_DISABLED && to == VLAPIC_X2APIC))
		return false;
	a->mode = to;
	return true;
}

bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr == MSR_APIC_BASE)
		return apic_base_write(v, val);
	if (msr == MSR_TSC_DEADLINE) {
		tsc_deadline_write(v, val);
		return true;
	}
	return v->arch.hvm->lapic.mode == VLAPIC_X2APIC && reg_write(v, msr, val);
}

/* xAPIC registers are 16 bytes apart; the x2APIC MSR of the same register is 0x800 + the index. */
bool vlapic_mmio_read(struct vcpu *v, uint32_t off, uint32_t *val)
{
	struct vlapic *a = &v->arch.hvm->lapic;
	uint32_t reg = off >> 4;
	uint64_t x = 0;

	/*
	 * Linux reads the APIC id through the page before it looks at
	 * APIC_BASE, with the APIC still in x2APIC mode as we start it: reads
	 * work in either enabled mode (writes need xAPIC mode).
	 */
	if (a->mode == VLAPIC_DISABLED)
		return false;
	if (off & 0xf) {
		*val = 0;		/* between registers */
		return true;
	}
	switch (reg) {
	case XAPIC_ID:		x = (uint64_t)v->vcpu_id << 24; break;
	case XAPIC_LDR:		x = a->ldr; break;
	case XAPIC_DFR:		x = a->dfr; break;
	case XAPIC_ICR_HI:	x = a->icr_hi; break;
	default:
		/* ICR low reads back its last value, which reg_read has no copy of: 0 (idle) is what Linux polls for. */
		if (reg != XAPIC_ICR_LO && !reg_read(v, 0x800 + reg, &x))
			x = 0;
		break;
	}
	*val = (uint32_t)x;
	return true;
}

/* xAPIC mode never faults: a write the x2APIC model refuses is dropped, as a real xAPIC ignores reserved bits. */
bool vlapic_mmio_write(struct vcpu *v, uint32_t off, uint32_t val)
{
	struct vlapic *a = &v->arch.hvm->lapic;
	uint32_t reg = off >> 4, dest;

	if (a->mode != VLAPIC_XAPIC)
		return false;
	if (off & 0xf)
		return true;
	switch (reg) {
	case XAPIC_ID:
		return true;		/* read-only here: ids stay the vCPU ids ACPI gave */
	case XAPIC_LDR:
		a->ldr = val & 0xff000000u;
		return true;
	case XAPIC_DFR:
		a->dfr = val | 0x0fffffffu;
		return true;
	case XAPIC_ICR_HI:
		a->icr_hi = val & 0xff000000u;
		return true;
	case XAPIC_ICR_LO:
		dest = a->icr_hi >> 24;
		(void)icr_write(v, (uint64_t)(dest == 0xff ? 0xffffffffu : dest) << 32 | (val & ~(1u << 12)));
		return true;
	case XAPIC_EOI:
		(void)reg_write(v, X2APIC_EOI, 0);
		return true;
	default:
		(void)reg_write(v, 0x800 + reg, val);
		return true;
	}
}

static void vintr_window(struct vmcb *vm, bool open)
{
	if (open) {
		vm->vintr |= VINTR_V_IRQ | VINTR_IGN_TPR | (0xfULL << VINTR_PRIO_SHIFT);
		vm->intercept1 |= SVM_INTERCEPT_VINTR;
	} else {
		vm->vintr &= ~(VINTR_V_IRQ | VINTR_IGN_TPR | (0xfULL << VINTR_PRIO_SHIFT));
		vm->intercept1 &= ~SVM_INTERCEPT_VINTR;
	}
}

/*
 * Before each VMRUN: the APIC's deliverable vector goes in through
 * EVENTINJ when the guest takes interrupts (IF set, no interrupt
 * shadow); otherwise a virtual interrupt request with its intercept makes
 * the CPU exit as soon as the guest opens that window.
 */
void vlapic_inject(struct vcpu *v)
{
	struct vlapic *a = &v->arch.hvm->lapic;
	struct vmcb *vm = v->arch.hvm->vmcb;
	int vec = deliverable(a);
	uint8_t cb = hvm_xen_callback_due(v);

	/*
	 * Xen's callback vector comes first and bypasses the APIC (no IRR, no
	 * ISR, no EOI): it stays due while the guest leaves its upcall flag set.
	 */
	if (cb) {
		if (!(vm->eventinj & SVM_EVTINJ_VALID) && (vm->rflags & RFLAGS_IF) && !(vm->int_state & 1)) {
			vm->eventinj = SVM_EVTINJ_VALID | cb;
			v->arch.hvm->callbacks++;
			vintr_window(vm, vec >= 0);
		} else {
			vintr_window(vm, true);
		}
		return;
	}
	if (vec < 0 || (vm->eventinj & SVM_EVTINJ_VALID)) {
		vintr_window(vm, vec >= 0);
		return;
	}
	if ((vm->rflags & RFLAGS_IF) && !(vm->int_state & 1)) {
		vec_clear(a->irr, (unsigned int)vec);
		vec_set(a->isr, (unsigned int)vec);
		vm->eventinj = SVM_EVTINJ_VALID | (uint32_t)vec;	/* type 0: external interrupt */
		a->injected++;
		vintr_window(vm, false);
		return;
	}
	vintr_window(vm, true);
}

/* HLT ends when an interrupt can be taken; with IF clear nothing but an NMI would end it, and none comes. */
bool vlapic_wakes_hlt(struct vcpu *v)
{
	return (deliverable(&v->arch.hvm->lapic) >= 0 || hvm_xen_callback_due(v)) &&
	       (v->arch.hvm->vmcb->rflags & RFLAGS_IF);
}

/*
 * An interrupt from the I/O APIC: a physical destination names a vCPU (0xff
 * all of them), a logical one goes through each APIC's LDR. Lowest priority
 * goes to the first match (every vCPU is as idle as another to us). A
 * destination no vCPU answers to is dropped, as on a real bus.
 */
void vlapic_deliver_irq(struct domain *d, uint8_t dest, bool logical, bool lowest, uint8_t vec)
{
	if (vec < 16)
		return;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *to = d->vcpu[i];
		bool hit = logical ? logical_match(to, dest) : dest == 0xff || dest == i;

		if (!hit)
			continue;
		vec_set(to->arch.hvm->lapic.irr, vec);
		evtchn_kick_vcpu(to);
		if (lowest)
			return;
	}
}
