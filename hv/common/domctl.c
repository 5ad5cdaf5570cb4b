/* Skiff's privileged domain control (dom0 only): list domains with their rings and ports, announce dom0's backends. */
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
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
	memset(i, 0, sizeof(*i));
	i->domid = d->domid;
	i->state = (uint8_t)d->state;
	i->shutdown_reason = d->state == DOM_SHUTDOWN ? d->shutdown_reason : 0;
	i->flags = d->is_privileged ? SKIFF_DOMINFO_privileged : 0;
	i->tot_pages = d->mem.frames;
	i->max_pages = d->mem.max_frames;
	memcpy(i->handle, d->handle, sizeof(i->handle));
	snprintf(i->name, sizeof(i->name), "%s", d->name);
	/* Only rings the builder granted to dom0 are listed: a console the hypervisor merely drains is not. */
	if (d->store_mfn != MFN_INVALID) {
		i->flags |= SKIFF_DOMINFO_console | SKIFF_DOMINFO_store;
		i->console_gref = GNTTAB_RESERVED_CONSOLE;
		i->console_port = d->console_evtchn;
		i->console_mfn = d->console_mfn;
		i->store_gref = GNTTAB_RESERVED_XENSTORE;
		i->store_port = d->store_evtchn;
		i->store_mfn = d->store_mfn;
	}
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

/* Marks the re-entries of a destroy (the second argument, which the interface does not use otherwise). */
#define DESTROY_CONTINUES	0x44455354u	/* "DEST" */

/*
 * SKIFF_DOMCTL_destroydomain: the kill at once, then relinquish steps
 * until the CPU is wanted elsewhere, then a continuation (the caller
 * re-enters with the same struct). Each step is bounded work, so no piece
 * holds the CPU long; the call returns 0 once the domain left the list.
 * A re-entry that no longer finds it (someone else finished it) is done.
 */
static long domctl_destroy(uint64_t arg, uint64_t cont, const struct skiff_domctl_dom *op)
{
	struct domain *d;
	long rc;

	if (op->pad[0] || op->pad[1] || op->pad[2] || op->domid >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	if (op->domid == current_vcpu()->domain->domid)
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

long do_skiff_domctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct domain *cur = current_vcpu()->domain;
	struct skiff_domctl op;
	long rc;

	(void)a2, (void)a3, (void)a4, (void)a5;
	/* The one check of this interface: before anything of the argument is looked at. */
	if (!cur->is_privileged)
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
	case SKIFF_DOMCTL_destroydomain:
		return domctl_destroy(arg, a2, &op.u.dom);
	default:
		return -XEN_ENOSYS;
	}
	if (rc == 0 && copy_to_guest(arg, &op, sizeof(op)))
		return -XEN_EFAULT;
	return rc;
}
