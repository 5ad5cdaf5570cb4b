/* SPDX-License-Identifier: MIT */
/* AMD SVM: detection and per-CPU set-up, a VMCB per HVM vCPU, the switch in and out, and the VMRUN loop. */
#include <asm/hvm.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/svm.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/main.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/timer.h>
#include <pvabi/errno.h>

#include "hvm_local.h"

void schedule(void);

/* Every CPU brought up so far has usable SVM with nested paging (any CPU without it clears this). */
static bool svm_usable = true;
static bool svm_checked;
static bool svm_nrips;
/* Shared by every VMCB: all bits set, so every port and every MSR access exits. Never written again. */
static paddr_t iopm_pa, msrpm_pa;
/* Per CPU: the VM_HSAVE_PA page (VMRUN's own host state) and the page VMSAVE keeps the rest of the host's in. */
static paddr_t host_save_pa[TIMER_MAX_CPUS];

bool hvm_available(void)
{
	return svm_checked && svm_usable;
}

/* Why this CPU cannot run HVM guests, or NULL if it can. */
static const char *svm_missing(void)
{
	uint32_t a, b, c, d;

	cpuid_count(0x80000000u, 0, &a, &b, &c, &d);
	if (a < 0x8000000au)
		return "no CPUID leaf 0x8000000a";
	cpuid_count(0x80000001u, 0, &a, &b, &c, &d);
	if (!(c & CPUID_80000001_ECX_SVM))
		return "no SVM in CPUID";
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return "SVM disabled by firmware (VM_CR.SVMDIS)";
	cpuid_count(0x8000000au, 0, &a, &b, &c, &d);
	if (!(d & CPUID_SVM_EDX_NPT))
		return "no nested paging";
	svm_nrips = d & CPUID_SVM_EDX_NRIPS;
	return NULL;
}

static paddr_t alloc_hv_pages(unsigned int order, uint8_t fill)
{
	mfn_t m = frame_alloc(order, &frame_owner_hv);

	if (m == MFN_INVALID)
		panic("hvm: no memory for SVM's permanent pages");
	memset(mfn_to_virt(m), fill, PAGE_SIZE << order);
	return m << PAGE_SHIFT;
}

void hvm_cpu_init(struct percpu *pc)
{
	const char *why = svm_missing();
	uint32_t a, b, c, d;

	if (why || pc->cpu_id >= TIMER_MAX_CPUS) {
		if (svm_usable || !svm_checked)
			log_info("hvm: cpu%u: %s: no fully virtual guests on this machine", pc->cpu_id,
				 why ? why : "CPU number too high");
		svm_usable = false;
		svm_checked = true;
		return;
	}
	if (!iopm_pa) {
		iopm_pa = alloc_hv_pages(2, 0xff);	/* 12 KiB used */
		msrpm_pa = alloc_hv_pages(1, 0xff);	/* 8 KiB */
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, alloc_hv_pages(0, 0));
	host_save_pa[pc->cpu_id] = alloc_hv_pages(0, 0);
	if (!svm_checked) {
		cpuid_count(0x8000000au, 0, &a, &b, &c, &d);
		log_info("hvm: AMD SVM revision %u with nested paging, %u ASIDs, next-RIP %s", a & 0xff, b,
			 svm_nrips ? "saved" : "not saved");
	}
	svm_checked = true;
}

/* Real-mode segment: base sel << 4, 64 KiB, present, the given type. */
static void real_seg(struct vmcb_seg *s, uint16_t sel, uint16_t type)
{
	s->sel = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->attrib = type;
}

/* The state of a CPU after INIT, at cs:ip for entry (the builder checked entry < 1 MiB). */
static void vmcb_reset_state(struct vmcb *vm, uint64_t entry)
{
	real_seg(&vm->cs, (uint16_t)((entry >> 4) & 0xf000), 0x9b);	/* code, read, accessed, present */
	real_seg(&vm->ds, 0, 0x93);		/* data, write, accessed, present */
	real_seg(&vm->es, 0, 0x93);
	real_seg(&vm->ss, 0, 0x93);
	real_seg(&vm->fs, 0, 0x93);
	real_seg(&vm->gs, 0, 0x93);
	vm->gdtr.limit = 0xffff;
	vm->idtr.limit = 0xffff;
	vm->ldtr.limit = 0xffff;
	vm->ldtr.attrib = 0x82;			/* LDT, present */
	vm->tr.limit = 0xffff;
	vm->tr.attrib = 0x8b;			/* busy 32-bit TSS, present */
	vm->cpl = 0;
	vm->cr0 = 0x60000010;			/* CD, NW, ET: the reset value */
	vm->cr3 = 0;
	vm->cr4 = 0;
	vm->efer = EFER_SVME;			/* VMRUN requires it; the guest reads EFER as 0 */
	vm->dr6 = 0xffff0ff0;
	vm->dr7 = 0x400;
	vm->rflags = 0x2;
	vm->rip = entry & 0xffff;
	vm->rsp = 0;
	vm->rax = 0;
	vm->g_pat = 0x0007040600070406ULL;	/* the power-on PAT */
}

static void vmcb_init_controls(struct vmcb *vm, const struct hvm_domain *hd)
{
	vm->intercept_exc = 0;
	vm->intercept1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
			 SVM_INTERCEPT_RDPMC | SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT |
			 SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR |
			 SVM_INTERCEPT_TASKSW | SVM_INTERCEPT_SHUTDOWN;
	vm->intercept2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL | SVM_INTERCEPT2_VMLOAD |
			 SVM_INTERCEPT2_VMSAVE | SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
			 SVM_INTERCEPT2_SKINIT | SVM_INTERCEPT2_RDTSCP | SVM_INTERCEPT2_MONITOR |
			 SVM_INTERCEPT2_MWAIT | SVM_INTERCEPT2_XSETBV;
	vm->iopm_base_pa = iopm_pa;
	vm->msrpm_base_pa = msrpm_pa;
	/*
	 * One ASID for every HVM vCPU and a full flush on every VMRUN: vCPUs of
	 * different domains never share a translation. Per-vCPU ASIDs are the
	 * later optimisation.
	 */
	vm->asid = 1;
	vm->tlb_control = SVM_TLB_FLUSH_ALL;
	vm->vintr = 1ULL << 24;			/* V_INTR_MASKING: the host's IF governs physical interrupts */
	vm->np_enable = 1;
	vm->n_cr3 = hd->npt.root << PAGE_SHIFT;
	vm->clean = 0;
}

int hvm_domain_init(struct domain *d)
{
	struct hvm_domain *hd;

	if (!hvm_available())
		return -XEN_EOPNOTSUPP;
	hd = hv_zalloc(sizeof(*hd));
	if (!hd)
		return -XEN_ENOMEM;
	hd->npt.root = MFN_INVALID;
	uart_reset(&hd->com1);
	vioapic_reset(&hd->ioapic, (uint8_t)d->max_vcpus);	/* the id the MADT gives it */
	d->arch.hvm = hd;
	hvm_console_init(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpu[i];
		struct hvm_vcpu *hv = hv_zalloc(sizeof(*hv));
		mfn_t m;

		if (!hv)
			return -XEN_ENOMEM;
		v->arch.hvm = hv;
		vlapic_init(v);
		m = frame_alloc_zeroed(0, &frame_owner_hv);
		if (m == MFN_INVALID)
			return -XEN_ENOMEM;
		hv->vmcb = mfn_to_virt(m);
		hv->vmcb_pa = m << PAGE_SHIFT;
		/* No PV timer events: an HVM guest has no vcpu_info to take them. */
		v->arch.periodic_period = 0;
	}
	return 0;
}

/* Called once the NPT exists: the controls name its root. */
void hvm_vcpu_reset(struct vcpu *v, uint64_t entry)
{
	struct hvm_vcpu *hv = v->arch.hvm;

	vmcb_init_controls(hv->vmcb, v->domain->arch.hvm);
	vmcb_reset_state(hv->vmcb, entry);
	hv->gprs = (struct hvm_gprs){ 0 };
	hv->gprs.rdx = 0x600;	/* family 6 after reset, as a CPU leaves it in edx */
}

/* Flat 32-bit segment (base 0, 4 GiB, granularity and default size set): type 0x9b code or 0x93 data. */
static void flat_seg(struct vmcb_seg *s, uint16_t sel, uint16_t type)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0xffffffffu;
	s->attrib = type | 0xc00;
}

void hvm_vcpu_enter_protected(struct vcpu *v, uint32_t eip, uint32_t esi, uint32_t gdt, uint16_t cs, uint16_t ds)
{
	struct vmcb *vm = v->arch.hvm->vmcb;

	flat_seg(&vm->cs, cs, 0x9b);
	flat_seg(&vm->ds, ds, 0x93);
	flat_seg(&vm->es, ds, 0x93);
	flat_seg(&vm->ss, ds, 0x93);
	flat_seg(&vm->fs, ds, 0x93);
	flat_seg(&vm->gs, ds, 0x93);
	vm->gdtr.base = gdt;
	vm->gdtr.limit = 4 * 8 - 1;
	vm->cr0 = 0x11;				/* PE, ET; paging and caches as the boot protocol leaves them */
	vm->rip = eip;
	v->arch.hvm->gprs.rsi = esi;
	v->arch.hvm->gprs.rdx = 0;
}

/* What the vCPU cost: exits by kind and the TSC cycles in the guest and in the handlers. */
static void hvm_vcpu_report(struct vcpu *v)
{
	const struct hvm_vcpu *hv = v->arch.hvm;
	const uint64_t *s = hv->stats;

	log_info("d%uv%u HVM: %lu exits: cpuid %lu, hlt %lu, io %lu, msr %lu, npf %lu, intr %lu, other %lu; "
		 "%lu exceptions injected; APIC timer %lu, %lu interrupts injected; "
		 "Mcycles in guest %lu, in handlers %lu (%lu cycles an exit)",
		 v->domain->domid, v->vcpu_id, hv->exits, s[HVM_STAT_CPUID], s[HVM_STAT_HLT], s[HVM_STAT_IO],
		 s[HVM_STAT_MSR], s[HVM_STAT_NPF], s[HVM_STAT_INTR], s[HVM_STAT_OTHER], s[HVM_STAT_INJECT],
		 hv->lapic.timer_fired, hv->lapic.injected,
		 hv->guest_cycles / 1000000, hv->exit_cycles / 1000000,
		 hv->exits ? hv->exit_cycles / hv->exits : 0);
	if (v->domain->arch.hvm->xen)
		log_info("d%uv%u HVM: %lu Xen hypercalls, %lu callback vectors injected", v->domain->domid, v->vcpu_id,
			 hv->hypercalls, hv->callbacks);
}

/*
 * A vCPU still down (never started: VPF_DOWN) runs on no CPU, so the
 * sender's CPU may write its VMCB; the claim keeps two senders apart. A
 * started vCPU ignores INIT and SIPI (re-initialising a running vCPU is
 * not modelled yet).
 */
static bool startup_claim(struct vcpu *v)
{
	bool free = false;

	if (!(__atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE) & VPF_DOWN))
		return false;
	return __atomic_compare_exchange_n(&v->arch.hvm->startup_claim, &free, true, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

void hvm_vcpu_init_ipi(struct vcpu *v)
{
	if (!startup_claim(v))
		return;
	hvm_vcpu_reset(v, 0);
	v->arch.hvm->wait_sipi = true;
	__atomic_store_n(&v->arch.hvm->startup_claim, false, __ATOMIC_RELEASE);
}

void hvm_vcpu_sipi(struct vcpu *v, unsigned int vector)
{
	struct hvm_vcpu *hv = v->arch.hvm;
	bool start;

	if (!startup_claim(v))
		return;
	start = hv->wait_sipi;
	if (start) {
		/* Real mode at vector:0000, the page the vector names. */
		real_seg(&hv->vmcb->cs, (uint16_t)(vector << 8), 0x9b);
		hv->vmcb->rip = 0;
		hv->wait_sipi = false;
	}
	__atomic_store_n(&hv->startup_claim, false, __ATOMIC_RELEASE);
	if (start) {
		log_info("d%uv%u: HVM vCPU started by INIT-SIPI at %05x", v->domain->domid, v->vcpu_id, vector << 12);
		vcpu_pause_flag_clear(v, VPF_DOWN);
	}
}

/* At kill, before anything is freed: the APIC timers may be armed on any CPU. */
void hvm_domain_kill(struct domain *d)
{
	if (!d->arch.hvm)
		return;
	hvm_console_kill(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpu[i]->arch.hvm)
			vlapic_kill(d->vcpu[i]);
}

/*
 * The VMCBs go back at relinquish (no vCPU runs again); the device and
 * vCPU state stays until the domain is freed, since a holder of a domain
 * reference may still reach it after the running check it made (typed
 * console input, an interrupt raised into the dying domain).
 */
void hvm_domain_relinquish(struct domain *d)
{
	if (!d->arch.hvm)
		return;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct hvm_vcpu *hv = d->vcpu[i]->arch.hvm;

		if (!hv || !hv->vmcb)
			continue;
		if (hv->exits)
			hvm_vcpu_report(d->vcpu[i]);
		/* Its RAM is freed next: no event may be marked in a vcpu_info there any more. */
		if (hv->vcpu_info_moved)
			__atomic_store_n(&d->vcpu[i]->vcpu_info, NULL, __ATOMIC_RELEASE);
		frame_free(hv->vmcb_pa >> PAGE_SHIFT, 0);
		hv->vmcb = NULL;
		hv->vmcb_pa = 0;
	}
}

void hvm_domain_free(struct domain *d)
{
	if (!d->arch.hvm)
		return;
	for (unsigned int i = 0; d->vcpu && i < d->max_vcpus; i++) {
		if (!d->vcpu[i])
			continue;
		hv_free(d->vcpu[i]->arch.hvm);
		d->vcpu[i]->arch.hvm = NULL;
	}
	hv_free(d->arch.hvm);
	d->arch.hvm = NULL;
}

void hvm_switch_in(struct vcpu *next)
{
	/* The hypervisor's own tables: no PV guest's stay loaded under an HVM guest. */
	pv_write_cr3(idle_pg_table_pa);
	__asm__ volatile("clts; fxrstorq %0" :: "m"(*(const uint8_t (*)[512])next->arch.fpu));
	/* DR0-3 are not in the VMCB: each HVM vCPU has its own, and never sees another guest's. */
	__asm__ volatile("mov %0, %%db0; mov %1, %%db1; mov %2, %%db2; mov %3, %%db3"
			 :: "r"(next->arch.hvm->dr[0]), "r"(next->arch.hvm->dr[1]), "r"(next->arch.hvm->dr[2]),
			    "r"(next->arch.hvm->dr[3]));
	/* RDPID is not intercepted (SVM has no intercept for it): it must not show a PV vCPU's TSC_AUX. */
	pv_tsc_aux_switch_in(next);
	vlapic_switch_in(next);
}

void hvm_switch_out(struct vcpu *prev)
{
	uint64_t *dr = prev->arch.hvm->dr;

	__asm__ volatile("clts; fxsaveq %0" : "=m"(*(uint8_t (*)[512])prev->arch.fpu));
	__asm__ volatile("mov %%db0, %0; mov %%db1, %1; mov %%db2, %2; mov %%db3, %3"
			 : "=r"(dr[0]), "=r"(dr[1]), "=r"(dr[2]), "=r"(dr[3]));
}

void hvm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error)
{
	struct vmcb *vm = v->arch.hvm->vmcb;

	v->arch.hvm->stats[HVM_STAT_INJECT]++;
	vm->eventinj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXC | (vector & 0xff) |
		       (has_error ? SVM_EVTINJ_EV | ((uint64_t)error << 32) : 0);
}

/*
 * A vCPU in HLT sleeps until its APIC has an interrupt it can take. A
 * wake-up that is not one (an event channel's kick, or IF clear) puts it
 * back to sleep; the check after the flag closes the race with the timer.
 */
void hvm_halt_check(struct vcpu *v)
{
	if (vlapic_wakes_hlt(v)) {
		v->arch.hvm->halted = false;
		return;
	}
	vcpu_pause_flag_set(v, VPF_BLOCKED);
	if (vlapic_wakes_hlt(v))
		vcpu_pause_flag_clear(v, VPF_BLOCKED);
}

/* Entered on a fresh stack by context_switch; each pass: pick again if asked, run, handle the exit. */
void __noreturn hvm_vcpu_loop(void)
{
	for (;;) {
		struct percpu *pc = this_cpu();
		struct vcpu *v;
		uint64_t t0, t1;

		local_irq_disable();
		v = pc->curr;
		if (v->arch.hvm->halted)
			hvm_halt_check(v);
		if (pc->need_resched || v->pause_flags)
			schedule();	/* returns only if the same vCPU keeps running */
		/* Run-time teardown must not wait for the boot CPU to idle (as PV's exit work). */
		if (pc->cpu_id == 0 && boot_domains_work_pending())
			boot_domains_work();
		vlapic_inject(v);
		t0 = rdtsc();
		svm_vmrun(&v->arch.hvm->gprs, v->arch.hvm->vmcb_pa, host_save_pa[pc->cpu_id]);
		t1 = rdtsc();
		v->arch.hvm->exits++;
		hvm_handle_exit(v);
		v->arch.hvm->guest_cycles += t1 - t0;
		v->arch.hvm->exit_cycles += rdtsc() - t1;
	}
}

bool hvm_next_rip_saved(void)
{
	return svm_nrips;
}

void hvm_dump_vcpu(struct vcpu *v)
{
	const struct vmcb *vm = v->arch.hvm->vmcb;
	const struct hvm_gprs *g = &v->arch.hvm->gprs;

	if (!vm) {
		log_err("d%uv%u HVM: torn down (its VMCB is gone)", v->domain->domid, v->vcpu_id);
		return;
	}
	log_err("d%uv%u HVM: rip %04x:%016lx rsp %016lx rflags %08lx cr0 %lx cr3 %lx cr4 %lx efer %lx",
		v->domain->domid, v->vcpu_id, vm->cs.sel, vm->rip, vm->rsp, vm->rflags, vm->cr0, vm->cr3,
		vm->cr4, vm->efer & ~EFER_SVME);
	log_err("  rax %016lx rbx %016lx rcx %016lx rdx %016lx", vm->rax, g->rbx, g->rcx, g->rdx);
	log_err("  exit %#lx info1 %#lx info2 %#lx after %lu exits", vm->exitcode, vm->exitinfo1, vm->exitinfo2,
		v->arch.hvm->exits);
}
