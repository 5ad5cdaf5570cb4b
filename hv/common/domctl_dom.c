/* SPDX-License-Identifier: MIT */
/* The domctl commands that build and run a domain: create, pause and unpause, the grant seed, and when a vCPU context may change. */
#include <asm/hvm.h>
#include <hv/cmdline.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/grant_table.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/main.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/pv_mm.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/skiff_domctl.h>

#define PAUSE_COUNT_MAX		255	/* as Xen's controller pause count */
#define PAUSE_WAIT_NS		1000000000LL

/* Outermost: the name check and the creation are one step, so two names never collide. */
static spinlock_t create_lock = SPINLOCK_INIT;

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-';
}

static bool name_ok(const char *n, size_t max)
{
	size_t len = strnlen(n, max);

	if (len == 0 || len == max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(n[i]))
			return false;
	return true;
}

struct name_search {
	const char *name;
	bool found;
};

static void name_match(struct domain *d, void *arg)
{
	struct name_search *s = arg;

	if (d->state != DOM_DYING && strcmp(d->name, s->name) == 0)
		s->found = true;
}

static uint64_t online_cpus(void)
{
	uint64_t online = 0;

	for (unsigned int c = 0; c < nr_cpus_possible && c < 64; c++)
		if (cpu_table[c] && cpu_table[c]->online)
			online |= 1ULL << c;
	return online;
}

static int create_check(const struct skiff_domctl_create *c)
{
	uint64_t online = online_cpus();

	if (c->pad || c->pad2 || c->max_vcpus == 0 || c->max_vcpus > SKIFF_MAX_VCPUS)
		return -XEN_EINVAL;
	if (c->domid >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	if (c->max_pages > frame_table_frames || !name_ok(c->name, sizeof(c->name)))
		return -XEN_EINVAL;
	if (c->gnttab_frames > 4096 || c->maptrack_frames > 65536)
		return -XEN_EINVAL;
	if (c->cap > 100 * nr_cpus_online || (c->cpumask && !(c->cpumask & online)))
		return -XEN_EINVAL;
	return 0;
}

/* Before any vCPU was ever queued: the scheduler's lock is not needed yet. */
static void create_sched(struct domain *d, const struct skiff_domctl_create *c)
{
	uint64_t online = online_cpus();

	d->sched_group.weight = c->weight ? c->weight : SCHED_WEIGHT_DEFAULT;
	d->sched_group.cap = c->cap;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		d->vcpu[i]->sched.affinity = c->cpumask ? c->cpumask & online : ~0ULL;
}

long domctl_createdomain(struct domain *caller, struct skiff_domctl_create *c)
{
	struct name_search s = { c->name, false };
	struct domain *d;
	unsigned long f;
	int err = create_check(c);

	if (err)
		return err;
	/* The boot code gives its domains the ids after dom0's: none is handed out before it is done. */
	if (!boot_domains_all_built())
		return -XEN_EBUSY;
	f = spin_lock_irqsave(&create_lock);
	domain_for_each(name_match, &s);
	if (s.found) {
		spin_unlock_irqrestore(&create_lock, f);
		return -XEN_EEXIST;
	}
	/* As Xen's: 0 picks the id, another is taken as asked (a toolstack's restart gives a new one, as xl's). */
	d = domain_create(c->domid ? c->domid : DOMID_INVALID, c->name, false, c->max_vcpus, c->max_pages, &err);
	spin_unlock_irqrestore(&create_lock, f);
	if (!d)
		return err;
	/* Nothing runs yet (every vCPU is down), so these need no lock; the pause is the toolstack's first. */
	err = gnttab_set_limits(d, c->gnttab_frames ? c->gnttab_frames : hv_cmdline.gnttab_max_frames,
			       c->maptrack_frames ? c->maptrack_frames : hv_cmdline.gnttab_max_maptrack_frames);
	if (err) {
		domain_destroy(d);
		return err;
	}
	memcpy(d->handle, c->handle, sizeof(d->handle));
	create_sched(d, c);
	d->pause_count = 1;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		vcpu_pause_flag_set(d->vcpu[i], VPF_PAUSED);
	arch_domctl_domain_init(d);
	c->domid = d->domid;
	log_info("domctl: d%u created by d%u: '%s', %u vCPUs, max %lu pages, weight %u, cap %u%%, cpus 0x%lx",
		 d->domid, caller->domid, d->name, d->max_vcpus, c->max_pages, d->sched_group.weight,
		 d->sched_group.cap, d->vcpu[0]->sched.affinity & online_cpus());
	domctl_notify_dom0(caller);
	return 0;
}

/* As Xen's domain_pause: returns once no vCPU of d is on a CPU (bounded: a CPU that never reschedules is our bug). */
static void wait_off_cpu(struct domain *d)
{
	s_time_t end = time_now_ns() + PAUSE_WAIT_NS;

	for (unsigned int i = 0; i < d->max_vcpus; i++)
		while (__atomic_load_n(&d->vcpu[i]->on_cpu, __ATOMIC_ACQUIRE) && time_now_ns() < end)
			cpu_relax();
}

long domctl_pause(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&d->lock);
	long rc = 0;

	if (d->state != DOM_CREATED && d->state != DOM_RUNNING && d->state != DOM_PAUSED)
		rc = -XEN_EINVAL;
	else if (d->pause_count == PAUSE_COUNT_MAX)
		rc = -XEN_EOVERFLOW;
	else if (d->pause_count++ == 0 && d->state == DOM_RUNNING) {
		rc = domain_state_change_locked(d, DOM_PAUSED);
		for (unsigned int i = 0; rc == 0 && i < d->max_vcpus; i++)
			vcpu_pause_flag_set(d->vcpu[i], VPF_PAUSED);
	}
	spin_unlock_irqrestore(&d->lock, f);
	if (rc == 0)
		wait_off_cpu(d);
	return rc;
}

/* Under d->lock: the last unpause lets it run; a created domain starts at vCPU 0, which needs its context. */
static long unpause_locked(struct domain *d)
{
	long rc;

	if (d->state != DOM_CREATED && d->state != DOM_RUNNING && d->state != DOM_PAUSED)
		return -XEN_EINVAL;
	if (d->pause_count == 0)
		return -XEN_EINVAL;
	if (d->pause_count > 1) {
		d->pause_count--;
		return 0;
	}
	if (d->state == DOM_CREATED && !arch_vcpu_has_context(d->vcpu[0]))
		return -XEN_EINVAL;
	rc = domain_state_change_locked(d, DOM_RUNNING);
	if (rc)
		return rc;
	d->pause_count = 0;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		vcpu_pause_flag_clear(d->vcpu[i], VPF_PAUSED);
	if (d->vcpu[0]->pause_flags & VPF_DOWN)
		vcpu_pause_flag_clear(d->vcpu[0], VPF_DOWN);
	return 0;
}

long domctl_unpause(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&d->lock);
	bool started = d->state == DOM_CREATED;
	long rc = unpause_locked(d);

	started = started && d->state == DOM_RUNNING;
	spin_unlock_irqrestore(&d->lock, f);
	if (started)
		log_info("domctl: d%u (%s) started", d->domid, d->name);
	return rc;
}

int domctl_vcpu_context_settable(const struct vcpu *v)
{
	switch (v->domain->state) {
	case DOM_CREATED:
		return 0;	/* no vCPU of it has ever run */
	case DOM_PAUSED:
		/* Nothing of it runs, so nothing can bring v up meanwhile (VCPUOP_up). */
		return (v->pause_flags & VPF_DOWN) && !__atomic_load_n(&v->on_cpu, __ATOMIC_ACQUIRE) ? 0 : -XEN_EBUSY;
	case DOM_RUNNING:
		return -XEN_EBUSY;
	default:
		return -XEN_EINVAL;
	}
}

/* A frame of d for a ring: d's, and a page table or descriptor page of d's is refused (it must be mappable RW). */
static int ring_frame_ok(struct domain *d, uint64_t mfn)
{
	struct page_info *pg;

	if (!mfn)
		return 0;
	if (!mfn_valid(mfn) || frame_owner_of(mfn) != &d->mem)
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (get_page_and_type(pg, d, PAGE_TYPE_WRITABLE) < 0)
		return -XEN_EINVAL;
	put_page_and_type(pg);
	return 0;
}

static void seed_entry(struct grant_entry_v1 *e, domid_t backend, uint64_t mfn)
{
	/* Flags first off and last on: an entry is valid only with its domid and frame in place. */
	__atomic_store_n(&e->flags, (uint16_t)0, __ATOMIC_RELEASE);
	if (!mfn)
		return;
	e->domid = backend;
	e->frame = (uint32_t)mfn;
	__atomic_store_n(&e->flags, (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
}

long domctl_gnttab_seed(struct domain *d, const struct skiff_domctl_seed *s)
{
	mfn_t console = s->console_mfn ? s->console_mfn : MFN_INVALID, old = MFN_INVALID;
	struct grant_entry_v1 *e;
	unsigned long f;
	long rc;

	if (s->pad || s->backend >= DOMID_FIRST_RESERVED || s->backend == d->domid || s->console_mfn >> 32 ||
	    s->store_mfn >> 32)
		return -XEN_EINVAL;	/* a v1 entry holds a 32-bit frame */
	/* A fully virtual domain's console ring is the hypervisor's to front (hvm/console.c): not re-pointed. */
	if (is_hvm_domain(d))
		return -XEN_EINVAL;
	if (ring_frame_ok(d, s->console_mfn) || ring_frame_ok(d, s->store_mfn))
		return -XEN_EINVAL;
	if ((s->console_port && !evtchn_port_unbound_for(d, s->console_port, s->backend)) ||
	    (s->store_port && !evtchn_port_unbound_for(d, s->store_port, s->backend)))
		return -XEN_EINVAL;
	/* The hypervisor reads and writes the console ring while it drains it: a writable reference, as the builder takes. */
	if (console != MFN_INVALID && get_page_and_type(mfn_to_page(console), d, PAGE_TYPE_WRITABLE) < 0)
		return -XEN_EINVAL;
	f = spin_lock_irqsave(&d->lock);
	rc = d->state == DOM_CREATED ? 0 : d->state == DOM_DYING ? -XEN_EINVAL : -XEN_EBUSY;
	if (rc == 0) {
		e = mfn_to_virt(gnttab_shared_mfn(d, 0));
		seed_entry(&e[GNTTAB_RESERVED_CONSOLE], s->backend, s->console_mfn);
		seed_entry(&e[GNTTAB_RESERVED_XENSTORE], s->backend, s->store_mfn);
		old = d->console_mfn;
		d->console_mfn = console;
		d->console_evtchn = s->console_port;
		d->store_mfn = s->store_mfn ? s->store_mfn : MFN_INVALID;
		d->store_evtchn = s->store_port;
		d->granted_rings = (s->console_mfn ? SKIFF_DOMINFO_console : 0) | (s->store_mfn ? SKIFF_DOMINFO_store : 0);
		console = MFN_INVALID;
	}
	spin_unlock_irqrestore(&d->lock, f);
	if (console != MFN_INVALID)
		put_page_and_type(mfn_to_page(console));
	if (old != MFN_INVALID)
		put_page_and_type(mfn_to_page(old));
	return rc;
}

/* Under the create lock, so a rename and a create cannot both take one free name. */
long domctl_setname(struct domain *d, const struct skiff_domctl_name *n)
{
	struct name_search s = { n->name, false };
	unsigned long f, g;
	long rc = 0;

	if (!name_ok(n->name, sizeof(n->name)))
		return -XEN_EINVAL;
	f = spin_lock_irqsave(&create_lock);
	domain_for_each(name_match, &s);
	if (s.found && strcmp(d->name, n->name) != 0) {
		rc = -XEN_EEXIST;
	} else {
		g = spin_lock_irqsave(&d->lock);
		if (d->state == DOM_DYING)
			rc = -XEN_EINVAL;
		else
			snprintf(d->name, sizeof(d->name), "%s", n->name);
		spin_unlock_irqrestore(&d->lock, g);
	}
	spin_unlock_irqrestore(&create_lock, f);
	if (rc == 0)
		log_info("domctl: d%u renamed '%s'", d->domid, n->name);
	return rc;
}
