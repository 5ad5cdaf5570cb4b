/* SPDX-License-Identifier: MIT */
/* Xen's interface for PV drivers in an HVM guest (@xen): the hypercall page MSR, VMMCALL hypercalls, HVM params, shared_info in its physical map, the callback vector. */
#include <asm/hvm.h>
#include <asm/svm.h>
#include <hv/domain.h>
#include <hv/event_channel.h>
#include <hv/frame.h>
#include <hv/grant_table.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/skiff_domctl.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include <pvabi/xen.h>

#include "hvm_local.h"

/* HVMOP and its parameters (Xen's public hvm_op.h and params.h). */
#define HVMOP_set_param			0
#define HVMOP_get_param			1
#define HVM_PARAM_CALLBACK_IRQ		0
#define HVM_PARAM_STORE_PFN		1
#define HVM_PARAM_STORE_EVTCHN		2
#define HVM_PARAM_CONSOLE_PFN		17
#define HVM_PARAM_CONSOLE_EVTCHN	18
#define HVM_NR_PARAMS			39
/* CALLBACK_IRQ's value: the delivery type in bits 63:56, for type 2 the vector in bits 7:0. */
#define CALLBACK_TYPE_SHIFT		56
#define CALLBACK_TYPE_VECTOR		2ULL
#define HYPERCALL_STUB_SIZE		32
#define HYPERCALL_IRET			23

struct xen_hvm_param {
	uint16_t domid;
	uint16_t pad;
	uint32_t index;
	uint64_t value;
};
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param is 16 bytes in Xen's ABI");

/*
 * The hypercall page: entry i is "mov $i, %eax; vmmcall; ret", padded with
 * int3; the iret entry is ud2, as an HVM guest has no iret hypercall. The
 * value's low 12 bits select a page of the blob: there is one page. A
 * page outside the guest's RAM is a #GP, as Xen answers a bad frame.
 */
bool hvm_xen_msr_write(struct vcpu *v, uint64_t val)
{
	struct hvm_domain *hd = v->domain->arch.hvm;
	uint64_t gpa = val & PAGE_MASK;
	uint8_t stub[HYPERCALL_STUB_SIZE];

	if ((val & ~PAGE_MASK) || gpa >= hd->nr_pages << PAGE_SHIFT)
		return false;
	for (unsigned int i = 0; i < PAGE_SIZE / HYPERCALL_STUB_SIZE; i++) {
		memset(stub, 0xcc, sizeof(stub));
		if (i == HYPERCALL_IRET) {
			stub[0] = 0x0f;
			stub[1] = 0x0b;
		} else {
			stub[0] = 0xb8;
			memcpy(&stub[1], &i, 4);
			stub[5] = 0x0f;
			stub[6] = 0x01;
			stub[7] = 0xd9;
			stub[8] = 0xc3;
		}
		hvm_copy_to_gpa(hd, gpa + i * HYPERCALL_STUB_SIZE, stub, sizeof(stub));
	}
	hd->hypercall_page_gpa = gpa;
	return true;
}

static bool own_domid(const struct domain *d, uint16_t domid)
{
	return domid == DOMID_SELF || domid == d->domid;
}

/* The guest may set only its callback: type 2 with a vector of 16 or more, or 0 to turn it off. */
static long param_set(struct hvm_domain *hd, uint32_t index, uint64_t value)
{
	uint64_t vec = value & 0xff;

	if (index >= HVM_NR_PARAMS)
		return -XEN_EINVAL;
	if (index != HVM_PARAM_CALLBACK_IRQ)
		return -XEN_EPERM;
	if (value && ((value >> CALLBACK_TYPE_SHIFT) != CALLBACK_TYPE_VECTOR ||
		      (value & ~(0xffULL | (0xffULL << CALLBACK_TYPE_SHIFT))) || vec < 16))
		return -XEN_EINVAL;
	__atomic_store_n(&hd->callback_vector, (uint8_t)vec, __ATOMIC_RELEASE);
	hd->params[index] = value;
	return 0;
}

/* Readable: the callback and where xenstore and the console are (0 until a toolstack sets them). */
static long param_get(const struct hvm_domain *hd, uint32_t index, uint64_t *value)
{
	if (index >= HVM_NR_PARAMS)
		return -XEN_EINVAL;
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_STORE_PFN:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_PFN:
	case HVM_PARAM_CONSOLE_EVTCHN:
		*value = hd->params[index];
		return 0;
	default:
		return -XEN_EPERM;
	}
}

static long hvm_op(struct vcpu *v, uint64_t op, uint64_t arg)
{
	struct hvm_domain *hd = v->domain->arch.hvm;
	struct xen_hvm_param p;
	long rc;

	if (op != HVMOP_set_param && op != HVMOP_get_param)
		return -XEN_ENOSYS;
	if (copy_from_guest(&p, arg, sizeof(p)))
		return -XEN_EFAULT;
	if (!own_domid(v->domain, p.domid))
		return -XEN_EPERM;
	if (op == HVMOP_set_param)
		return param_set(hd, p.index, p.value);
	rc = param_get(hd, p.index, &p.value);
	if (rc == 0 && copy_to_guest(arg + offsetof(struct xen_hvm_param, value), &p.value, sizeof(p.value)))
		return -XEN_EFAULT;
	return rc;
}

/*
 * shared_info at a page of the guest's RAM. The RAM frame there is set
 * aside (still the domain's, freed with it) and comes back when
 * shared_info moves on, so no frame is freed while another vCPU may still
 * reach it through a stale TLB entry, and the guest's RAM never gets a
 * hole. Only this domain's own shared_info and RAM frames ever enter its
 * NPT; a page outside its RAM (the APIC's, an MMIO hole, beyond) is
 * -EINVAL, so no table frame is ever allocated here.
 */
static long map_shared_info(struct domain *d, uint64_t gpfn)
{
	struct hvm_domain *hd = d->arch.hvm;
	unsigned long f;
	mfn_t old;

	if (gpfn >= hd->nr_pages)
		return -XEN_EINVAL;
	f = spin_lock_irqsave(&hd->xen_lock);
	if (hd->shinfo_mapped && hd->shinfo_gpfn == gpfn) {
		spin_unlock_irqrestore(&hd->xen_lock, f);
		return 0;
	}
	if (hd->shinfo_mapped)
		(void)npt_replace(&hd->npt, hd->shinfo_gpfn << PAGE_SHIFT, hd->shinfo_displaced);
	old = npt_replace(&hd->npt, gpfn << PAGE_SHIFT, d->shared_info_mfn);
	hd->shinfo_mapped = old != MFN_INVALID;
	hd->shinfo_gpfn = gpfn;
	hd->shinfo_displaced = old;
	spin_unlock_irqrestore(&hd->xen_lock, f);
	/* Every page of RAM is mapped from build time on: an unmapped one is the hypervisor's own bug. */
	if (old == MFN_INVALID)
		panic("d%u: HVM RAM page %#lx has no frame", d->domid, gpfn);
	return 0;
}

static long add_to_physmap(struct vcpu *v, uint64_t arg)
{
	struct xen_add_to_physmap x;

	if (copy_from_guest(&x, arg, sizeof(x)))
		return -XEN_EFAULT;
	if (!own_domid(v->domain, x.domid))
		return -XEN_EPERM;
	switch (x.space) {
	case XENMAPSPACE_shared_info:
		return x.idx ? -XEN_EINVAL : map_shared_info(v->domain, x.gpfn);
	case XENMAPSPACE_grant_table:
	case XENMAPSPACE_gmfn:
	case XENMAPSPACE_gmfn_range:
	case XENMAPSPACE_gmfn_foreign:
	case XENMAPSPACE_dev_mmio:
		return -XEN_EOPNOTSUPP;	/* not yet for HVM guests: grant frames need the platform device's BAR */
	default:
		return -XEN_EINVAL;
	}
}

/*
 * VCPUOP_register_vcpu_info, which Linux requires: the area is in a page of
 * the guest's RAM named by its guest frame number. That frame is the
 * domain's until the domain goes (RAM is freed only at relinquish, which
 * points vcpu_info away first), so the pointer needs no other reference.
 * As Xen 4.17: the place first (-ENXIO), once per vCPU, another vCPU only
 * while it is down; a frame outside RAM is -EINVAL. Any vCPU may name any
 * other, so the once-only check and the move are one step under xen_lock:
 * two vCPUs moving the same one race there, and only the first wins.
 */
static long register_vcpu_info(struct vcpu *cur, uint64_t vcpuid, uint64_t arg)
{
	struct domain *d = cur->domain;
	struct hvm_domain *hd = d->arch.hvm;
	struct vcpu_register_vcpu_info r;
	struct vcpu_info *nv;
	struct vcpu *v;
	unsigned long f;
	mfn_t mfn;

	if (vcpuid >= d->max_vcpus || !d->vcpu[vcpuid])
		return -XEN_ENOENT;
	v = d->vcpu[vcpuid];
	if (copy_from_guest(&r, arg, sizeof(r)))
		return -XEN_EFAULT;
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (r.offset & 7))
		return -XEN_ENXIO;
	if (r.mfn >= hd->nr_pages || (mfn = npt_lookup(&hd->npt, r.mfn << PAGE_SHIFT)) == MFN_INVALID)
		return -XEN_EINVAL;
	nv = (struct vcpu_info *)((uint8_t *)mfn_to_virt(mfn) + r.offset);
	f = spin_lock_irqsave(&hd->xen_lock);
	if (v->arch.hvm->vcpu_info_moved || (v != cur && !(v->pause_flags & VPF_DOWN))) {
		spin_unlock_irqrestore(&hd->xen_lock, f);
		return -XEN_EINVAL;
	}
	v->arch.hvm->vcpu_info_moved = true;
	vcpu_info_move(v, nv);
	spin_unlock_irqrestore(&hd->xen_lock, f);
	return 0;
}

/*
 * Which hypercalls an HVM guest gets. They run in the exit handler with
 * interrupts off, so only short ones are taken (console_io's 16 KiB write
 * is not: the guest has COM1), and none of them makes a continuation. Everything that names machine frames
 * (mmu_update, grant setup, the FIFO event ABI's control block, physdev) would take the guest's physical frame numbers for
 * machine ones: those are refused (-ENOSYS) until they translate through
 * the NPT; Linux falls back to the 2-level event ABI. vcpu_info placement
 * translates (above).
 */
static bool evtchn_op_allowed(uint32_t cmd)
{
	switch (cmd) {
	case EVTCHNOP_bind_interdomain:
	case EVTCHNOP_bind_virq:
	case EVTCHNOP_close:
	case EVTCHNOP_send:
	case EVTCHNOP_status:
	case EVTCHNOP_alloc_unbound:
	case EVTCHNOP_bind_ipi:
	case EVTCHNOP_bind_vcpu:
	case EVTCHNOP_unmask:
		return true;
	default:
		return false;
	}
}

static long hvm_xen_call(struct vcpu *v, uint64_t nr, const uint64_t a[5])
{
	switch (nr) {
	case __HYPERVISOR_hvm_op:
		return hvm_op(v, a[0], a[1]);
	case __HYPERVISOR_memory_op:
		/* Bits 6 and up of cmd carry a continuation's start extent: add_to_physmap has none. */
		return a[0] == XENMEM_add_to_physmap ? add_to_physmap(v, a[1]) : -XEN_ENOSYS;
	case __HYPERVISOR_vcpu_op:
		if ((uint32_t)a[0] != VCPUOP_register_vcpu_info)
			return -XEN_ENOSYS;
		return register_vcpu_info(v, (uint32_t)a[1], a[2]);
	case __HYPERVISOR_event_channel_op:
		if (!evtchn_op_allowed((uint32_t)a[0]))
			return -XEN_ENOSYS;
		break;
	case __HYPERVISOR_sched_op:
		/* poll: Linux's PV spinlocks wait there (and BUG() on an error); the vCPU blocks as a PV one does. */
		if ((uint32_t)a[0] != SCHEDOP_yield && (uint32_t)a[0] != SCHEDOP_shutdown &&
		    (uint32_t)a[0] != SCHEDOP_poll)
			return -XEN_ENOSYS;
		break;
	case __HYPERVISOR_xen_version:
		break;
	default:
		return -XEN_ENOSYS;
	}
	return hypercall_dispatch(v, nr, a[0], a[1], a[2], a[3], a[4]);
}

/*
 * VMMCALL from a guest that asked for Xen: 64-bit calls only (rax the
 * number, rdi rsi rdx r10 r8 the arguments), from ring 0 only, as Xen
 * refuses user mode (-EPERM). A 32-bit caller gets -ENOSYS.
 */
void hvm_xen_hypercall(struct vcpu *v)
{
	struct vmcb *vm = v->arch.hvm->vmcb;
	struct hvm_gprs *g = &v->arch.hvm->gprs;
	uint64_t a[5] = { g->rdi, g->rsi, g->rdx, g->r10, g->r8 };
	long rc;

	vm->rip = hvm_next_rip_saved() ? vm->next_rip : vm->rip + 3;
	v->arch.hvm->hypercalls++;
	if (vm->cpl != 0)
		rc = -XEN_EPERM;
	else if (!hvm_code_is_64bit(v))
		rc = -XEN_ENOSYS;
	else
		rc = hvm_xen_call(v, vm->rax, a);
	vm->rax = (uint64_t)rc;
}

/*
 * The xenstore ring of a @xen guest whose dom0 serves xenstore: a frame of
 * the domain, granted to dom0 as GNTTAB_RESERVED_XENSTORE with an unbound
 * port for dom0 (as the PV builder does; the console ring took grant frame
 * 0 already), and mapped in the guest's NPT at HVM_XEN_STORE_GPFN, outside
 * its RAM, where HVM_PARAM_STORE_PFN tells Linux to look. The NPT tables
 * that page needs are the domain's frames like the others (its limit grew
 * by them at build). The frame stays the domain's until relinquish.
 */
int hvm_xen_store_init(struct domain *d)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct grant_entry_v1 *e;
	mfn_t m = frame_alloc_zeroed(0, &d->mem);
	int port, rc;

	if (m == MFN_INVALID)
		return -XEN_ENOMEM;
	rc = npt_map(&hd->npt, (uint64_t)HVM_XEN_STORE_GPFN << PAGE_SHIFT, m);
	if (rc)
		return rc;
	port = evtchn_alloc_unbound_port(d, 0);
	if (port <= 0)
		return port < 0 ? port : -XEN_ENOSPC;
	d->store_mfn = m;
	d->store_evtchn = (uint32_t)port;
	e = mfn_to_virt(gnttab_shared_mfn(d, 0));
	e[GNTTAB_RESERVED_XENSTORE].domid = 0;
	e[GNTTAB_RESERVED_XENSTORE].frame = (uint32_t)m;
	__atomic_store_n(&e[GNTTAB_RESERVED_XENSTORE].flags, (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
	d->granted_rings |= SKIFF_DOMINFO_store;
	hd->params[HVM_PARAM_STORE_PFN] = HVM_XEN_STORE_GPFN;
	hd->params[HVM_PARAM_STORE_EVTCHN] = (uint64_t)port;
	return 0;
}

/*
 * The Xen platform device's fixed ports, which Linux probes before it runs
 * PV drivers (its "unplug" protocol): the magic 0x49d2 at 0x10, protocol 1
 * at 0x12; its product and driver numbers are taken and ignored. An unplug
 * request finds nothing to unplug: no emulated disks or NICs exist here.
 */
#define XEN_PORT_MAGIC		0x10
#define XEN_PORT_PROTOVER	0x12
#define XEN_MAGIC		0x49d2
#define XEN_UNPLUG_PROTOCOL	1

bool hvm_xen_port_in(struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	if (!v->domain->arch.hvm->xen)
		return false;
	if (port == XEN_PORT_MAGIC && size == 2)
		*val = XEN_MAGIC;
	else if (port == XEN_PORT_PROTOVER && size == 1)
		*val = XEN_UNPLUG_PROTOCOL;
	else
		return false;
	return true;
}

bool hvm_xen_port_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	struct hvm_domain *hd = v->domain->arch.hvm;

	if (!hd->xen || (port != XEN_PORT_MAGIC && port != XEN_PORT_PROTOVER))
		return false;
	if (port == XEN_PORT_MAGIC && size == 2 && !hd->unplug_logged) {
		hd->unplug_logged = true;
		log_info("d%u: HVM guest asks to unplug emulated devices %#x: there are none", v->domain->domid, val);
	}
	return true;
}

uint8_t hvm_xen_callback_due(struct vcpu *v)
{
	const struct hvm_domain *hd = v->domain->arch.hvm;
	uint8_t vec = __atomic_load_n(&hd->callback_vector, __ATOMIC_ACQUIRE);
	/* Moved by register_vcpu_info, cleared at relinquish: read once. */
	const struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

	if (!vec || !vi || !__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
		return 0;
	return vec;
}
