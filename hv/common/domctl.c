/* SPDX-License-Identifier: MIT */
/* Skiff's privileged domain control (dom0 only): the dispatcher, domain lists and info, announcing dom0's backends. */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/percpu.h>
#include <hv/priv.h>
#include <hv/time.h>
#include <pvabi/errno.h>
#include <pvabi/io/console.h>
#include <pvabi/grant_table.h>
#include <pvabi/skiff_domctl.h>

static bool console_in_dom0;

/* The ABI's numbers are its own; the hypervisor's enum may change. */
_Static_assert(DOM_CREATED == SKIFF_DOMSTATE_created && DOM_RUNNING == SKIFF_DOMSTATE_running &&
	       DOM_PAUSED == SKIFF_DOMSTATE_paused && DOM_SHUTDOWN == SKIFF_DOMSTATE_shutdown &&
	       DOM_DYING == SKIFF_DOMSTATE_dying, "domain states as the ABI numbers them");

bool domctl_console_in_dom0(void)
{
	return __atomic_load_n(&console_in_dom0, __ATOMIC_ACQUIRE);
}

void domctl_notify_dom0(struct domain *d0)
{
	if (d0 && d0->state == DOM_RUNNING && d0->vcpu[0])
		evtchn_send_virq(d0->vcpu[0], VIRQ_DOM_EXC);
}

static void domctl_fill_info(const struct domain *d, struct skiff_dominfo *i)
{
	/* The builder's rule for domains the hypervisor built: both rings granted when the store is. */
	uint32_t rings = d->granted_rings ? d->granted_rings :
			 d->store_mfn != MFN_INVALID ? SKIFF_DOMINFO_console | SKIFF_DOMINFO_store : 0;

	memset(i, 0, sizeof(*i));
	i->domid = d->domid;
	i->state = (uint8_t)d->state;
	i->shutdown_reason = d->state == DOM_SHUTDOWN ? d->shutdown_reason : 0;
	i->flags = (d->is_privileged ? SKIFF_DOMINFO_privileged : 0) | rings;
	i->tot_pages = d->mem.frames;
	i->max_pages = d->mem.max_frames;
	memcpy(i->handle, d->handle, sizeof(i->handle));
	snprintf(i->name, sizeof(i->name), "%s", d->name);
	/* Only rings granted to dom0 are listed: a console the hypervisor merely drains is not. */
	if (rings & SKIFF_DOMINFO_console) {
		i->console_gref = GNTTAB_RESERVED_CONSOLE;
		i->console_port = d->console_evtchn;
		i->console_mfn = d->console_mfn;
	}
	if (rings & SKIFF_DOMINFO_store) {
		i->store_gref = GNTTAB_RESERVED_XENSTORE;
		i->store_port = d->store_evtchn;
		i->store_mfn = d->store_mfn;
	}
	i->shared_info_mfn = d->shared_info_mfn;
	i->max_vcpus = d->max_vcpus;
	i->pause_count = d->pause_count;
	unsigned int blocked = 0;

	for (unsigned int v = 0; v < d->max_vcpus; v++) {
		const struct vcpu *vc = d->vcpu[v];
		uint32_t pf = __atomic_load_n(&vc->pause_flags, __ATOMIC_RELAXED);

		i->cpu_time_ns += arch_vcpu_run_ns(vc);
		i->online_vcpus += !(pf & VPF_DOWN);
		blocked += !(pf & VPF_DOWN) && (pf & VPF_BLOCKED);
		if (vc->on_cpu)
			i->flags |= SKIFF_DOMINFO_running;
	}
	/* xl's b: every online vCPU waits for an event (a snapshot, as xl's is). */
	if (i->online_vcpus && blocked == i->online_vcpus)
		i->flags |= SKIFF_DOMINFO_blocked;
}

/*
 * Entries go out one at a time, so the stack holds one and a bad buffer
 * page stops the list where it is (-EFAULT, nothing promised written).
 * Domains live until the machine stops today, so the pointer stays valid
 * while its fields are read; the fields themselves may change under us,
 * which is what a snapshot of a running system means anyway.
 */
static long domctl_list(struct skiff_domctl_list *l)
{
	struct skiff_dominfo info;
	uint32_t n = 0;
	uint32_t from = l->first_domid;

	if (l->max_entries > SKIFF_DOMCTL_LIST_MAX || l->pad || l->pad2 || l->nr_entries)
		return -XEN_EINVAL;
	if (l->max_entries && !guest_range_ok(l->buffer, (size_t)l->max_entries * sizeof(info)))
		return -XEN_EFAULT;
	while (n < l->max_entries && from < DOMID_FIRST_RESERVED) {
		struct domain *d = domain_find_next((domid_t)from);

		if (!d)
			break;
		if (d->domid >= DOMID_FIRST_RESERVED) {
			domain_put(d);
			break;
		}
		domctl_fill_info(d, &info);
		from = (uint32_t)d->domid + 1;
		domain_put(d);
		if (copy_to_guest(l->buffer + (uint64_t)n * sizeof(info), &info, sizeof(info)))
			return -XEN_EFAULT;
		n++;
	}
	l->nr_entries = n;
	return 0;
}

int domctl_get_target(struct domain *caller, domid_t id, bool self_ok, struct domain **out)
{
	struct domain *d;

	if (id >= DOMID_FIRST_RESERVED || (!self_ok && id == caller->domid))
		return -XEN_EINVAL;
	d = domain_find(id);
	if (!d)
		return -XEN_ESRCH;
	if (!priv_may_control(caller, d)) {
		domain_put(d);
		return -XEN_EPERM;
	}
	*out = d;
	return 0;
}

static bool zero(const uint16_t *pad, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pad[i])
			return false;
	return true;
}

static long domctl_getdomaininfo(struct domain *cur, struct skiff_domctl_info *in)
{
	struct skiff_dominfo info;
	struct domain *d;
	long rc;

	if (!zero(in->pad, ARRAY_SIZE(in->pad)))
		return -XEN_EINVAL;
	if (!guest_range_ok(in->buffer, sizeof(info)))
		return -XEN_EFAULT;
	rc = domctl_get_target(cur, in->domid, true, &d);
	if (rc)
		return rc;
	domctl_fill_info(d, &info);
	domain_put(d);
	return copy_to_guest(in->buffer, &info, sizeof(info)) ? -XEN_EFAULT : 0;
}

/* The commands that name one domain other than the caller (max_mem may name the caller too). */
static long domctl_on_domain(struct domain *cur, struct skiff_domctl *op)
{
	domid_t id = op->u.dom.domid;
	bool self_ok = op->cmd == SKIFF_DOMCTL_max_mem;
	struct domain *d;
	long rc;

	switch (op->cmd) {
	case SKIFF_DOMCTL_pausedomain:
	case SKIFF_DOMCTL_unpausedomain:
		if (!zero(op->u.dom.pad, ARRAY_SIZE(op->u.dom.pad)))
			return -XEN_EINVAL;
		break;
	case SKIFF_DOMCTL_setvcpucontext:
		if (op->u.vcpuctx.pad)
			return -XEN_EINVAL;
		break;
	case SKIFF_DOMCTL_max_mem:
	case SKIFF_DOMCTL_hypercall_init:
		if (!zero(op->u.mem.pad, ARRAY_SIZE(op->u.mem.pad)))
			return -XEN_EINVAL;
		break;
	case SKIFF_DOMCTL_setname:
		if (!zero(op->u.name.pad, ARRAY_SIZE(op->u.name.pad)))
			return -XEN_EINVAL;
		break;
	}
	rc = domctl_get_target(cur, id, self_ok, &d);
	if (rc)
		return rc;
	switch (op->cmd) {
	case SKIFF_DOMCTL_pausedomain:
		rc = domctl_pause(d);
		break;
	case SKIFF_DOMCTL_setname:
		rc = domctl_setname(d, &op->u.name);
		break;
	case SKIFF_DOMCTL_unpausedomain:
		rc = domctl_unpause(d);
		break;
	case SKIFF_DOMCTL_setvcpucontext:
		rc = op->u.vcpuctx.vcpu < d->max_vcpus ?
		     arch_domctl_setvcpucontext(d, d->vcpu[op->u.vcpuctx.vcpu], op->u.vcpuctx.ctxt) : -XEN_EINVAL;
		break;
	case SKIFF_DOMCTL_max_mem:
		/* Below what it has is allowed, as in Xen: it just cannot grow. */
		frame_owner_set_max(&d->mem, op->u.mem.value);
		rc = 0;
		break;
	case SKIFF_DOMCTL_hypercall_init:
		rc = arch_domctl_hypercall_init(d, op->u.mem.value);
		break;
	case SKIFF_DOMCTL_gnttab_seed:
		rc = domctl_gnttab_seed(d, &op->u.seed);
		break;
	default:
		rc = -XEN_ENOSYS;
	}
	if (rc == 0 && (op->cmd == SKIFF_DOMCTL_pausedomain || op->cmd == SKIFF_DOMCTL_unpausedomain))
		domctl_notify_dom0(cur);
	domain_put(d);
	return rc;
}

/* Marks the re-entries of a destroy (the second argument, which the interface does not use otherwise). */
#define DESTROY_CONTINUES	0x44455354u	/* "DEST" */

/*
 * SKIFF_DOMCTL_destroydomain: the kill at once, then relinquish steps
 * until the CPU is wanted elsewhere, then a continuation (the caller
 * re-enters with the same struct). Each step is bounded work, so no piece
 * holds the CPU long; the call returns 0 once the domain left the list.
 * A re-entry that no longer finds it (someone else finished it) is done.
 */
static long domctl_destroy(const struct domain *cur, uint64_t arg, uint64_t cont,
			   const struct skiff_domctl_dom *op)
{
	struct domain *d;
	long rc;

	if (op->pad[0] || op->pad[1] || op->pad[2] || op->domid >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	if (op->domid == cur->domid)
		return -XEN_EBUSY;
	d = domain_find_any(op->domid);
	if (!d)
		return cont == DESTROY_CONTINUES ? 0 : -XEN_ESRCH;
	if (d->is_privileged) {
		domain_put(d);
		return -XEN_EBUSY;
	}
	rc = domain_kill(d);
	if (rc == 0)
		while ((rc = domain_relinquish(d)) == -XEN_ERESTART && !hypercall_preempt_check())
			;
	domain_put(d);
	if (rc == -XEN_ERESTART)
		return hypercall_create_continuation(__HYPERVISOR_domctl, arg, DESTROY_CONTINUES, 0, 0, 0);
	return rc;
}

static void domctl_physinfo(struct skiff_physinfo *pi)
{
	struct frame_stats st;

	frame_stats_get(&st);
	memset(pi, 0, sizeof(*pi));
	pi->nr_cpus = __atomic_load_n(&nr_cpus_online, __ATOMIC_RELAXED);
	pi->cpu_khz = (uint32_t)tsc_khz();
	pi->total_pages = st.total;
	pi->free_pages = st.free;
	pi->hv_pages = st.hv;
}

long do_skiff_domctl(struct vcpu *v, uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct domain *cur = v->domain;
	struct skiff_domctl op;
	long rc;

	(void)a2, (void)a3, (void)a4, (void)a5;
	/* The one check of this interface: before anything of the argument is looked at. */
	if (!priv_is_control(cur))
		return -XEN_EPERM;
	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (op.interface_version != SKIFF_DOMCTL_INTERFACE_VERSION)
		return -XEN_EACCES;
	switch (op.cmd) {
	case SKIFF_DOMCTL_list_domains:
		rc = domctl_list(&op.u.list);
		break;
	case SKIFF_DOMCTL_console_backend:
		__atomic_store_n(&console_in_dom0, true, __ATOMIC_RELEASE);
		return 0;
	case SKIFF_DOMCTL_createdomain:
		rc = domctl_createdomain(cur, &op.u.create);
		break;
	case SKIFF_DOMCTL_destroydomain:
		return domctl_destroy(cur, arg, a2, &op.u.dom);
	case SKIFF_DOMCTL_pausedomain:
	case SKIFF_DOMCTL_unpausedomain:
	case SKIFF_DOMCTL_setvcpucontext:
	case SKIFF_DOMCTL_max_mem:
	case SKIFF_DOMCTL_hypercall_init:
	case SKIFF_DOMCTL_gnttab_seed:
	case SKIFF_DOMCTL_setname:
		return domctl_on_domain(cur, &op);	/* nothing to write back */
	case SKIFF_DOMCTL_getdomaininfo:
		return domctl_getdomaininfo(cur, &op.u.info);
	case SKIFF_DOMCTL_boot_module:
		rc = boot_module_read(&op.u.module);
		break;
	case SKIFF_DOMCTL_release_modules:
		return boot_modules_release();
	case SKIFF_DOMCTL_physinfo:
		domctl_physinfo(&op.u.physinfo);
		rc = 0;
		break;
	case SKIFF_DOMCTL_readconsole:
		rc = console_readconsole(&op.u.console);
		break;
	default:
		return -XEN_ENOSYS;
	}
	if (rc == 0 && copy_to_guest(arg, &op, sizeof(op)))
		return -XEN_EFAULT;
	return rc;
}
