/* SPDX-License-Identifier: MIT */
/* Domain lifetime: create, find, shut down, crash, destroy; every frame a domain held goes back to the allocator. */
#include <hv/domain.h>
#include <hv/iomem.h>
#include <hv/event_channel.h>
#include <hv/grant_table.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/priv.h>
#include <pvabi/errno.h>
#include <pvabi/sched.h>

/* Lock order: domlist_lock, then a domain's lock, then the scheduler's. */
static spinlock_t domlist_lock = SPINLOCK_INIT;
static struct domain *domain_list;

void (*domain_shutdown_hook)(struct domain *d);

/* Arch hooks (asm side). */
int arch_vcpu_init(struct vcpu *v);
void arch_dump_vcpu(struct vcpu *v);

static const char *const shutdown_names[] = {
	"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset",
};

const char *shutdown_reason_name(unsigned int reason)
{
	return reason < ARRAY_SIZE(shutdown_names) ? shutdown_names[reason] : "unknown";
}

static void domain_free(struct domain *d);

/* Under domlist_lock, so a domain found cannot be freed before its reference is taken: destroy unlinks it first. */
struct domain *domain_find_next(domid_t from)
{
	unsigned long f = spin_lock_irqsave(&domlist_lock);
	struct domain *best = NULL;

	for (struct domain *d = domain_list; d; d = d->next) {
		if (d->domid >= from && (!best || d->domid < best->domid))
			best = d;
	}
	if (best)
		domain_get(best);
	spin_unlock_irqrestore(&domlist_lock, f);
	return best;
}

static struct domain *find_locked(domid_t domid, bool dying_too)
{
	unsigned long f = spin_lock_irqsave(&domlist_lock);
	struct domain *d = domain_list;

	while (d && d->domid != domid)
		d = d->next;
	if (d && !dying_too && __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOM_DYING)
		d = NULL;
	if (d)
		domain_get(d);
	spin_unlock_irqrestore(&domlist_lock, f);
	return d;
}

struct domain *domain_find(domid_t domid)
{
	return find_locked(domid, false);
}

struct domain *domain_find_any(domid_t domid)
{
	return find_locked(domid, true);
}

void domain_unlink(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&domlist_lock);

	for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	spin_unlock_irqrestore(&domlist_lock, f);
}

void domain_get(struct domain *d)
{
	if (__atomic_fetch_add(&d->refcnt, 1, __ATOMIC_ACQUIRE) == 0)
		panic("domain %u: reference taken after its last was dropped", d->domid);
}

void domain_put(struct domain *d)
{
	uint32_t old = __atomic_fetch_sub(&d->refcnt, 1, __ATOMIC_ACQ_REL);

	if (old == 0)
		panic("domain %u: more references dropped than taken", d->domid);
	if (old == 1)
		domain_free(d);
}

unsigned int domain_count(void)
{
	unsigned long f = spin_lock_irqsave(&domlist_lock);
	unsigned int n = 0;

	for (struct domain *d = domain_list; d; d = d->next)
		n++;
	spin_unlock_irqrestore(&domlist_lock, f);
	return n;
}

static struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
	struct vcpu *v = hv_zalloc(sizeof(*v));

	if (!v)
		return NULL;
	v->domain = d;
	v->vcpu_id = id;
	v->pause_flags = VPF_DOWN;
	sched_unit_init(&v->sched, v);
	v->sched.group = &d->sched_group;
	if (id < XEN_LEGACY_MAX_VCPUS)
		v->vcpu_info = &d->shared_info->vcpu_info[id];
	if (arch_vcpu_init(v) < 0) {
		hv_free(v);
		return NULL;
	}
	return v;
}

static void domain_free(struct domain *d)
{
	arch_domain_free(d);
	for (unsigned int i = 0; d->vcpu && i < d->max_vcpus; i++)
		hv_free(d->vcpu[i]);
	hv_free(d->vcpu);
	/* Here, not in relinquish: a zombie frame's last user releases its grant through this table. */
	gnttab_domain_destroy(d);
	if (d->mem.registered && !frame_owner_unregister(&d->mem))
		log_err("domain %u: %lu frames still charged after teardown", d->domid,
			frame_owner_frames(&d->mem));
	if (d->heap_charged)
		log_err("domain %u: %lu bytes of hypervisor heap still charged after teardown", d->domid,
			d->heap_charged);
	if (d->shared_info_mfn != MFN_INVALID)
		frame_free(d->shared_info_mfn, 0);
	domid_release(d->domid);
	hv_free(d);
}

/* The shared_info page is the hypervisor's (charged to it), shared with the guest: its size never counts against max_pages. */
static int domain_alloc_shared_info(struct domain *d)
{
	d->shared_info_mfn = frame_alloc_zeroed(0, &frame_owner_hv);
	if (d->shared_info_mfn == MFN_INVALID)
		return -XEN_ENOMEM;
	mfn_to_page(d->shared_info_mfn)->count_info |= PGC_SHARED_HV;
	d->shared_info = mfn_to_virt(d->shared_info_mfn);
	/* Events start masked on every vCPU: the guest unmasks when it has a callback. */
	for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
	return 0;
}

struct domain *domain_create(domid_t domid, const char *name, bool privileged,
			     unsigned int max_vcpus, uint64_t max_pages, int *err)
{
	struct domain *d;
	unsigned long f;
	int id;

	*err = -XEN_EINVAL;
	if ((domid >= DOMID_FIRST_RESERVED && domid != DOMID_INVALID) || max_vcpus == 0 || max_vcpus > DOMAIN_MAX_VCPUS)
		return NULL;
	/* The id is held until the domain's memory is freed (domain_free), not just while it is listed. */
	id = domid_claim(domid);
	if (id < 0) {
		*err = id;
		return NULL;
	}
	*err = -XEN_ENOMEM;
	d = hv_zalloc(sizeof(*d));
	if (!d) {
		domid_release((domid_t)id);
		return NULL;
	}
	d->domid = (domid_t)id;
	d->refcnt = 1;		/* the domain list's */
	d->is_privileged = privileged;
	d->state = DOM_CREATED;
	d->shared_info_mfn = MFN_INVALID;
	d->console_mfn = MFN_INVALID;
	d->store_mfn = MFN_INVALID;
	snprintf(d->name, sizeof(d->name), "%s", name);
	/* A handle derived from the id until the toolstack gives real UUIDs. */
	d->handle[14] = (uint8_t)(d->domid >> 8);
	d->handle[15] = (uint8_t)d->domid;
	d->max_vcpus = max_vcpus;
	d->max_evtchn_port = privileged ? DOMAIN_MAX_EVTCHN_PORT_DOM0 : DOMAIN_MAX_EVTCHN_PORT_DOMU;
	d->heap_max = DOMAIN_HEAP_MAX_DEFAULT;
	sched_group_init(&d->sched_group, SCHED_WEIGHT_DEFAULT, 0);
	d->vcpu = hv_zalloc(sizeof(*d->vcpu) * max_vcpus);
	if (!d->vcpu || domain_alloc_shared_info(d) < 0)
		goto fail;
	for (unsigned int i = 0; i < max_vcpus; i++) {
		d->vcpu[i] = vcpu_create(d, i);
		if (!d->vcpu[i])
			goto fail;
	}
	if (evtchn_domain_init(d) < 0 || gnttab_domain_init(d, 0, 0) < 0)
		goto fail;
	domain_timers_init(d);
	frame_owner_register(&d->mem, d->name, max_pages);
	f = spin_lock_irqsave(&domlist_lock);
	d->next = domain_list;
	domain_list = d;
	spin_unlock_irqrestore(&domlist_lock, f);
	*err = 0;
	return d;
fail:
	domain_free(d);
	return NULL;
}

/* The pause flags change under d->lock with the state, so a racing shutdown cannot be undone by an unpause. */
int domain_unpause_all_vcpus(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&d->lock);
	int rc = domain_state_change_locked(d, DOM_RUNNING);

	for (unsigned int i = 0; rc == 0 && i < d->max_vcpus; i++)
		vcpu_pause_flag_clear(d->vcpu[i], VPF_PAUSED);
	spin_unlock_irqrestore(&d->lock, f);
	return rc;
}

void domain_shutdown(struct domain *d, uint8_t reason)
{
	unsigned long f = spin_lock_irqsave(&d->lock);
	bool first = domain_state_change_locked(d, DOM_SHUTDOWN) == 0;

	if (first) {
		d->shutdown_reason = reason;
		for (unsigned int i = 0; i < d->max_vcpus; i++)
			vcpu_pause_flag_set(d->vcpu[i], VPF_PAUSED);
	}
	spin_unlock_irqrestore(&d->lock, f);
	if (!first)
		return;
	/* Shut down by its own vCPU: what it wrote since the last tick is printed before the shutdown line. */
	if (current_vcpu() && current_vcpu()->domain == d)
		console_ring_drain_last(d);
	domain_console_flush(d);
	log_info("domain %u (%s): shut down, reason %s%s", d->domid, d->name,
		 shutdown_reason_name(reason), d->shutdown_code_set ? " (code set)" : "");
	if (domain_shutdown_hook)
		domain_shutdown_hook(d);
}

void domain_crash(struct domain *d, const char *why)
{
	struct vcpu *v = current_vcpu();

	log_err("domain %u (%s) crashed: %s", d->domid, d->name, why);
	if (v && v->domain == d)
		arch_dump_vcpu(v);
	domain_shutdown(d, SHUTDOWN_crash);
}

void domain_dump_counters(struct domain *d)
{
	char line[160];
	size_t n = 0;

	log_info("domain %u (%s) hypercalls (%lu unknown numbers):", d->domid, d->name,
		 d->hypercall_bad);
	for (unsigned int i = 0; i < PVABI_NR_HYPERCALLS; i++) {
		if (!d->hypercall_count[i])
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %u:%lu", i, d->hypercall_count[i]);
		if (n > sizeof(line) - 24) {
			log_info("  #nr:count%s", line);
			n = 0;
		}
	}
	if (n)
		log_info("  #nr:count%s", line);
	n = 0;
	for (unsigned int i = 0; i < PVABI_NR_HYPERCALLS; i++) {
		if (!d->hypercall_cycles[i])
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %u:%lu", i, d->hypercall_cycles[i] / 1000);
		if (n > sizeof(line) - 24) {
			log_info("  #nr:kcycles%s", line);
			n = 0;
		}
	}
	if (n)
		log_info("  #nr:kcycles%s", line);
	log_info("  traps: #PF %lu (%lu writable page-table stores emulated in %lu kcycles), #GP %lu, #UD %lu, #NM %lu",
		 d->trap_count[14], d->ptwr_count, d->ptwr_cycles / 1000, d->trap_count[13], d->trap_count[6],
		 d->trap_count[7]);
	log_info("  TLB: %lu full flushes, %lu of them for frames changing type; %lu type changes needed none",
		 d->tlb_flushes, d->type_flushes, d->type_flushes_saved);
}

void domain_dump_all(void)
{
	for (struct domain *d = domain_list; d; d = d->next)
		domain_dump_counters(d);
}

void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg)
{
	unsigned long f = spin_lock_irqsave(&domlist_lock);

	for (struct domain *d = domain_list; d; d = d->next)
		fn(d, arg);
	spin_unlock_irqrestore(&domlist_lock, f);
}

void vcpu_info_move(struct vcpu *v, struct vcpu_info *nv)
{
	if (v->vcpu_info) {
		*nv = *v->vcpu_info;
	} else {
		memset(nv, 0, sizeof(*nv));
		nv->evtchn_upcall_mask = 1;
	}
	nv->evtchn_upcall_pending = 1;
	nv->evtchn_pending_sel = ~0ULL;
	__atomic_store_n(&v->vcpu_info, nv, __ATOMIC_RELEASE);
}
