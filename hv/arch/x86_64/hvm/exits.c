/* SPDX-License-Identifier: MIT */
/* #VMEXIT handlers: CPUID, MSRs, port I/O (to ports.c), HLT, nested page faults (APIC, I/O APIC pages), shutdown. */
#include <asm/hvm.h>
#include <asm/svm.h>
#include <asm/time.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/time.h>
#include <pvabi/sched.h>

#include "hvm_cpuid.h"
#include "hvm_firmware.h"
#include "hvm_local.h"
#include "mmio_decode.h"

#define MSR_TSC			0x10
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_TSC_ADJUST		0x3b
/* AMD's interrupt pending message register: Linux reads it (unchecked) on family 0xf CPUs for the E400 C1E erratum. */
#define MSR_K8_INT_PENDING_MSG	0xc0010055
#define EFER_GUEST_BITS		(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define CR4_OSXSAVE		(1ULL << 18)
#define VEC_UD			6
#define VEC_GP			13

/* Instruction lengths for a CPU without next-RIP saving: the intercepted forms have no prefixes that matter. */
static void skip_insn(struct vcpu *v, unsigned int len)
{
	struct vmcb *vm = v->arch.hvm->vmcb;

	vm->rip = hvm_next_rip_saved() ? vm->next_rip : vm->rip + len;
}

static void host_cpuid(uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	cpuid_count(leaf, sub, &r->a, &r->b, &r->c, &r->d);
}

static void exit_cpuid(struct vcpu *v)
{
	struct vmcb *vm = v->arch.hvm->vmcb;
	struct hvm_gprs *g = &v->arch.hvm->gprs;
	struct cpuid_regs r;

	if (!v->domain->arch.hvm->xen || !hvm_cpuid_xen((uint32_t)vm->rax, v->vcpu_id, &r))
		hvm_cpuid((uint32_t)vm->rax, (uint32_t)g->rcx, v->vcpu_id, host_cpuid, &r);
	vm->rax = r.a;
	g->rbx = r.b;
	g->rcx = r.c;
	g->rdx = r.d;
	skip_insn(v, 2);
}

/* Every byte of a PAT must name a memory type: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-. */
static bool pat_valid(uint64_t pat)
{
	for (unsigned int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* The MSRs a guest may hold, all kept in the VMCB: a pointer to the field, and whether it must be canonical. */
static uint64_t *msr_field(struct vmcb *vm, uint32_t msr, bool *canonical)
{
	*canonical = true;
	switch (msr) {
	case MSR_FS_BASE:	return &vm->fs.base;
	case MSR_GS_BASE:	return &vm->gs.base;
	case MSR_KERNEL_GS_BASE: return &vm->kernel_gs_base;
	case MSR_LSTAR:		return &vm->lstar;
	case MSR_CSTAR:		return &vm->cstar;
	case MSR_SYSENTER_ESP:	return &vm->sysenter_esp;
	case MSR_SYSENTER_EIP:	return &vm->sysenter_eip;
	default:
		break;
	}
	*canonical = false;
	switch (msr) {
	case MSR_STAR:		return &vm->star;
	case MSR_FMASK:		return &vm->sfmask;
	case MSR_SYSENTER_CS:	return &vm->sysenter_cs;
	default:
		return NULL;
	}
}

/* true: done; false: the access is refused (#GP). */
static bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vmcb *vm = v->arch.hvm->vmcb;
	bool canonical;
	uint64_t *f = msr_field(vm, msr, &canonical);

	if (f) {
		*val = *f;
		return true;
	}
	if (msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE || (msr >= 0x800 && msr < 0x900))
		return vlapic_msr_read(v, msr, val);
	switch (msr) {
	case MSR_EFER:
		*val = vm->efer & ~EFER_SVME;
		return true;
	case MSR_PAT:
		*val = vm->g_pat;
		return true;
	case MSR_TSC:
		*val = rdtsc() + vm->tsc_offset;
		return true;
	case MSR_TSC_ADJUST:
		*val = v->arch.hvm->tsc_adjust;
		return true;
	case MSR_K8_INT_PENDING_MSG:
		*val = 0;	/* no C1E: there is no such idle state to enter */
		return true;
	default:
		return false;
	}
}

static bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vmcb *vm = v->arch.hvm->vmcb;
	bool canonical;
	uint64_t *f = msr_field(vm, msr, &canonical);

	if (f) {
		if (canonical && !is_canonical(val))
			return false;
		if (msr == MSR_SYSENTER_CS || msr == MSR_STAR)
			val = msr == MSR_SYSENTER_CS ? val & 0xffff : val;
		*f = val;
		return true;
	}
	if (msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE || (msr >= 0x800 && msr < 0x900))
		return vlapic_msr_write(v, msr, val);
	if (msr == HVM_XEN_MSR_HYPERCALL && v->domain->arch.hvm->xen)
		return hvm_xen_msr_write(v, val);
	switch (msr) {
	case MSR_EFER:
		/* LME may change only with paging off; LMA is the CPU's, a write leaves it alone. */
		if (val & ~EFER_GUEST_BITS)
			return false;
		if (((val ^ vm->efer) & EFER_LME) && (vm->cr0 & (1ULL << 31)))
			return false;
		vm->efer = (val & ~EFER_LMA) | (vm->efer & EFER_LMA) | EFER_SVME;
		return true;
	case MSR_PAT:
		if (!pat_valid(val))
			return false;
		vm->g_pat = val;
		return true;
	case MSR_TSC: {
		/* A TSC write moves TSC_ADJUST by as much, as the SDM says. */
		uint64_t old = rdtsc() + vm->tsc_offset;

		vm->tsc_offset = val - rdtsc();
		v->arch.hvm->tsc_adjust += val - old;
		return true;
	}
	case MSR_TSC_ADJUST:
		vm->tsc_offset += val - v->arch.hvm->tsc_adjust;
		v->arch.hvm->tsc_adjust = val;
		return true;
	default:
		return false;
	}
}

static void exit_msr(struct vcpu *v)
{
	struct vmcb *vm = v->arch.hvm->vmcb;
	struct hvm_gprs *g = &v->arch.hvm->gprs;
	struct hvm_domain *hd = v->domain->arch.hvm;
	uint32_t msr = (uint32_t)g->rcx;
	bool write = vm->exitinfo1 & 1, ok;
	uint64_t val = 0;

	if (write) {
		val = (vm->rax & 0xffffffffULL) | (g->rdx << 32);
		ok = msr_write(v, msr, val);
	} else {
		ok = msr_read(v, msr, &val);
	}
	if (!ok) {
		if (!hd->msr_logged) {
			hd->msr_logged = true;
			log_warn("d%u: HVM guest %s MSR %#x refused with #GP (further refusals not logged)",
				 v->domain->domid, write ? "wrmsr to" : "rdmsr of", msr);
		}
		hvm_inject_exception(v, VEC_GP, true, 0);
		return;
	}
	if (!write) {
		vm->rax = val & 0xffffffffULL;
		g->rdx = val >> 32;
	}
	skip_insn(v, 2);
}

static void exit_io(struct vcpu *v)
{
	struct vmcb *vm = v->arch.hvm->vmcb;
	uint64_t info = vm->exitinfo1;
	uint16_t port = (uint16_t)(info >> SVM_IOIO_PORT_SHIFT);
	unsigned int size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;
	uint32_t mask;

	/* One-hot 1, 2 or 4 bytes; anything else is not something the CPU reports. */
	size = size == 4 ? 4 : size == 2 ? 2 : 1;
	mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (info & SVM_IOIO_STR) {
		domain_crash(v->domain, "string port I/O (ins/outs) is not emulated yet");
		return;
	}
	if (info & SVM_IOIO_IN) {
		uint32_t val = hvm_port_in(v, port, size) & mask;

		/* A 32-bit destination zero-extends into rax; 8 and 16 bits merge. */
		vm->rax = size == 4 ? val : (vm->rax & ~(uint64_t)mask) | val;
	} else {
		hvm_port_out(v, port, size, (uint32_t)vm->rax & mask);
	}
	vm->rip = vm->exitinfo2;	/* the next instruction, always saved for IOIO */
}

/* HLT: the vCPU sleeps until its APIC has an interrupt it can take (with IF clear, until it is destroyed). */
static void exit_hlt(struct vcpu *v)
{
	skip_insn(v, 1);
	v->arch.hvm->halted = true;
	hvm_halt_check(v);
}

/* GPR n of the x86 encoding (0 rax .. 15 r15): rax and rsp live in the VMCB. */
static uint64_t *gpr(struct vcpu *v, int n)
{
	struct hvm_gprs *g = &v->arch.hvm->gprs;
	uint64_t *const regs[16] = { &v->arch.hvm->vmcb->rax, &g->rcx, &g->rdx, &g->rbx, &v->arch.hvm->vmcb->rsp,
				     &g->rbp, &g->rsi, &g->rdi, &g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13,
				     &g->r14, &g->r15 };

	return regs[n & 15];
}

#define NPF_EXEC		(1ULL << 4)
#define NPF_IN_WALK		(1ULL << 33)	/* the guest's own page tables are at the address */

enum mmio_dev { MMIO_LAPIC, MMIO_IOAPIC };

static const char *const mmio_name[] = { "APIC", "I/O APIC" };

/* The emulated register, once the access is decoded: 32-bit, aligned, inside the page. */
static void mmio_access(struct vcpu *v, enum mmio_dev dev, uint32_t off, bool write, uint32_t *val)
{
	if (dev == MMIO_LAPIC) {
		/* Dropped in x2APIC mode, where the page is not the APIC's. */
		if (write)
			(void)vlapic_mmio_write(v, off, *val);
		else
			(void)vlapic_mmio_read(v, off, val);
	} else if (write) {
		hvm_ioapic_write(v->domain, off, *val);
	} else {
		*val = hvm_ioapic_read(v->domain, off);
	}
}

/*
 * A load or store on the xAPIC or I/O APIC page: the instruction is fetched
 * through the guest's page tables (QEMU's SVM gives no decode assists) and
 * decoded. Anything the decoder does not take, a fetch it cannot finish, an
 * access that is not 32-bit aligned, an event being delivered through the
 * page or the guest's page tables on it crash the guest, which alone asked
 * for it.
 */
static void mmio_emulate(struct vcpu *v, enum mmio_dev dev, uint64_t gpa, uint64_t err)
{
	struct vmcb *vm = v->arch.hvm->vmcb;
	uint8_t insn[MMIO_INSN_MAX] = { 0 };
	unsigned int n = 0, off = (unsigned int)(gpa & ~PAGE_MASK);
	const char *name = mmio_name[dev];
	struct mmio_insn mi;
	uint32_t val = 0;

	if ((err & (NPF_EXEC | NPF_IN_WALK)) || (vm->exitintinfo & SVM_EVTINJ_VALID)) {
		log_err("d%u: HVM guest %s the %s page at rip %#lx (NPF error %#lx)", v->domain->domid,
			err & NPF_EXEC ? "executes on" : "walks page tables or delivers an event through", name,
			vm->rip, err);
		domain_crash(v->domain, dev == MMIO_LAPIC ? "APIC page used as code, page table or event frame" :
			     "I/O APIC page used as code, page table or event frame");
		return;
	}
	n = hvm_fetch_insn(v, insn, MMIO_INSN_MAX);
	/* 16-bit code (CS.D clear outside long mode) has other operand and address sizes: not decoded. */
	if (hvm_code_is_16bit(v))
		n = 0;
	if (!mmio_decode(insn, n, hvm_code_is_64bit(v), &mi) || (off & 3)) {
		log_err("d%u: HVM guest's access to %s offset %#x at rip %#lx cannot be emulated (%u bytes: "
			"%02x %02x %02x %02x %02x %02x %02x %02x)", v->domain->domid, name, off, vm->rip, n, insn[0],
			insn[1], insn[2], insn[3], insn[4], insn[5], insn[6], insn[7]);
		/* A misaligned access may also cross the page's end: the registers are 32-bit aligned. */
		if (dev == MMIO_LAPIC)
			domain_crash(v->domain, off & 3 ? "APIC access not 32-bit aligned" :
				     "APIC access the MMIO decoder does not take");
		else
			domain_crash(v->domain, off & 3 ? "I/O APIC access not 32-bit aligned" :
				     "I/O APIC access the MMIO decoder does not take");
		return;
	}
	if (mi.write)
		val = mi.reg == MMIO_REG_IMM ? mi.imm : (uint32_t)*gpr(v, mi.reg);
	mmio_access(v, dev, off, mi.write, &val);
	if (!mi.write)
		*gpr(v, mi.reg) = val;	/* a 32-bit load zero-extends */
	vm->rip += mi.len;
	if (!hvm_code_is_64bit(v))
		vm->rip &= 0xffffffffULL;
}

static void exit_npf(struct vcpu *v)
{
	struct vmcb *vm = v->arch.hvm->vmcb;
	struct domain *d = v->domain;
	uint64_t gpa = vm->exitinfo2, err = vm->exitinfo1;
	uint64_t mem = d->arch.hvm->nr_pages << PAGE_SHIFT;

	if ((gpa & PAGE_MASK) == HVM_LAPIC_BASE && v->arch.hvm->lapic.mode != VLAPIC_DISABLED) {
		mmio_emulate(v, MMIO_LAPIC, gpa, err);
		return;
	}
	if ((gpa & PAGE_MASK) == HVM_IOAPIC_BASE) {
		mmio_emulate(v, MMIO_IOAPIC, gpa, err);
		return;
	}
	log_err("d%u: HVM guest %s guest-physical %#lx, outside its memory [0, %#lx), at rip %#lx (NPF error %#lx)",
		d->domid, err & 16 ? "executes at" : err & 2 ? "writes" : "reads", gpa, mem, vm->rip, err);
	domain_crash(d, gpa < mem ? "nested page fault inside its memory" : "access outside its memory");
}

static void exit_invalid(struct vcpu *v, uint64_t code)
{
	if (code == SVM_EXIT_INVALID)
		domain_crash(v->domain, "VMRUN refused the vCPU's state (invalid VMCB)");
	else if (code == SVM_EXIT_SHUTDOWN)
		domain_crash(v->domain, "triple fault (shutdown intercept)");
	else if (code == SVM_EXIT_TASKSW)
		domain_crash(v->domain, "hardware task switch is not emulated");
	else {
		log_err("d%u: unexpected #VMEXIT code %#lx", v->domain->domid, code);
		domain_crash(v->domain, "unexpected #VMEXIT");
	}
}

void hvm_handle_exit(struct vcpu *v)
{
	struct hvm_vcpu *hv = v->arch.hvm;
	struct vmcb *vm = hv->vmcb;
	uint64_t code = vm->exitcode;

	/*
	 * An event whose delivery the exit cut short (an interrupt arriving,
	 * the guest's IDT or stack under a nested fault) goes in again, or a
	 * vector the APIC already moved to in-service would be lost for good.
	 */
	vm->eventinj = (vm->exitintinfo & SVM_EVTINJ_VALID) ? vm->exitintinfo : 0;
	switch (code) {
	case SVM_EXIT_VINTR:
		return;		/* the guest opened its interrupt window: vlapic_inject delivers before the next run */
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		hv->stats[HVM_STAT_INTR]++;	/* taken by the host at STGI, after the exit */
		return;
	case SVM_EXIT_CPUID:
		hv->stats[HVM_STAT_CPUID]++;
		exit_cpuid(v);
		return;
	case SVM_EXIT_IOIO:
		hv->stats[HVM_STAT_IO]++;
		exit_io(v);
		return;
	case SVM_EXIT_MSR:
		hv->stats[HVM_STAT_MSR]++;
		exit_msr(v);
		return;
	case SVM_EXIT_HLT:
		hv->stats[HVM_STAT_HLT]++;
		exit_hlt(v);
		return;
	case SVM_EXIT_NPF:
		hv->stats[HVM_STAT_NPF]++;
		exit_npf(v);
		return;
	case SVM_EXIT_INVD:
		hv->stats[HVM_STAT_OTHER]++;
		skip_insn(v, 2);	/* the guest's caches are the host's: nothing to throw away */
		return;
	case SVM_EXIT_XSETBV:
		hv->stats[HVM_STAT_OTHER]++;
		/* XCR0 is not switched: with CR4.OSXSAVE the instruction exists and refuses (#GP), without it #UD. */
		if (vm->cr4 & CR4_OSXSAVE)
			hvm_inject_exception(v, VEC_GP, true, 0);
		else
			hvm_inject_exception(v, VEC_UD, false, 0);
		return;
	case SVM_EXIT_RDPMC:
		hv->stats[HVM_STAT_OTHER]++;
		hvm_inject_exception(v, VEC_GP, true, 0);	/* no performance counters are offered */
		return;
	case SVM_EXIT_VMMCALL:
		hv->stats[HVM_STAT_OTHER]++;
		if (v->domain->arch.hvm->xen)
			hvm_xen_hypercall(v);
		else
			hvm_inject_exception(v, VEC_UD, false, 0);
		return;
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_RDTSCP:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		/* CPUID does not offer them: the guest gets what such a CPU gives. */
		hv->stats[HVM_STAT_OTHER]++;
		hvm_inject_exception(v, VEC_UD, false, 0);
		return;
	default:
		hv->stats[HVM_STAT_OTHER]++;
		exit_invalid(v, code);
		return;
	}
}
