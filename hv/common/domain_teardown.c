/* SPDX-License-Identifier: MIT */
/* Domain destruction in two parts, as Xen's: kill (at once) and relinquish (resumable steps of bounded work), and zombie domains. */
#include <hv/domain.h>
#include <hv/iomem.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/grant_table.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/pv_mm.h>
#include <hv/time.h>
#include <pvabi/errno.h>

#define RELEASE_PER_STEP	256

enum relinquish_stage {
	RQ_MAPPINGS,		/* the grants it maps of others go while its page tables exist */
	RQ_ARCH,		/* its page tables, kept frames and memory (zombies stay) */
	RQ_UNLIST,		/* off the list: its domid is free, its last reference frees it */
	RQ_DONE,
};

/* Raises VIRQ_DOM_EXC in dom0 (unless dom0 itself is the one going). */
static void notify_dom0(void)
{
	struct domain *d0 = domain_find(0);

	if (d0) {
		domctl_notify_dom0(d0);
		domain_put(d0);
	}
}

/*
 * The vCPUs were paused under d->lock with the state change, so each is
 * off every run queue; one still on a CPU leaves it at its next exit to
 * the guest (a paused vCPU never goes back), which its CPU reaches within
 * one preemptible piece of hypercall work. Waiting answers TLB shootdowns,
 * since that CPU may want one from us first.
 */
static void wait_off_cpus(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		while (__atomic_load_n(&d->vcpu[i]->on_cpu, __ATOMIC_ACQUIRE))
			pv_mm_spin_wait();
}

int domain_kill(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&d->lock);
	int rc = domain_state_change_locked(d, DOM_DYING);

	for (unsigned int i = 0; rc == 0 && i < d->max_vcpus; i++)
		vcpu_pause_flag_set(d->vcpu[i], VPF_PAUSED);
	spin_unlock_irqrestore(&d->lock, f);
	if (rc)
		return d->state == DOM_DYING ? 0 : rc;
	wait_off_cpus(d);
	/*
	 * Typed input that saw the domain running before it was marked dying
	 * finishes before anything goes. The fence orders the dying state
	 * (stored under d->lock) before the read, against the input side's
	 * locked increment before its read of the state.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while (__atomic_load_n(&d->cons_in_busy, __ATOMIC_SEQ_CST))
		pv_mm_spin_wait();
	/* No callback of d's may run once its pieces start to go: timers first. */
	domain_timers_kill(d);
	/* Shut down from outside (dom0, the watchdog): nothing drained the ring since the last tick. */
	console_ring_drain_last(d);
	arch_domain_kill(d);
	/* Its device interrupts stop before the event channels they raise go. */
	pirq_domain_destroy(d);
	/* Peers see their ports go unbound before anything of this domain is freed. */
	evtchn_domain_destroy(d);
	domain_console_flush(d);
	log_info("domain %u (%s): killed; its resources are being returned", d->domid, d->name);
	__atomic_store_n(&d->killed, true, __ATOMIC_RELEASE);
	notify_dom0();
	return 0;
}

static void unlist(struct domain *d)
{
	uint64_t kept = __atomic_load_n(&d->zombies_total, __ATOMIC_ACQUIRE);

	domain_unlink(d);
	if (kept)
		log_info("domain %u (%s): destroyed; %lu frames other domains still use stay allocated until released",
			 d->domid, d->name, kept);
	else
		log_info("domain %u (%s): destroyed; every frame returned", d->domid, d->name);
	log_info("domain %u: teardown in %u steps, the longest %lu us", d->domid, d->relinquish_steps,
		 (unsigned long)(d->relinquish_max_ns / 1000));
	notify_dom0();
	domain_put(d);		/* the list's reference */
}

/* One step; the caller holds d->relinquishing. */
static int relinquish_step(struct domain *d)
{
	int rc;

	switch (d->relinquish_stage) {
	case RQ_MAPPINGS:
		/* Each mapping costs a PTE removal and a grant release: a few hundred per step. */
		d->relinquish_next = gnttab_release_mappings_from(d, d->relinquish_next, RELEASE_PER_STEP);
		if (d->relinquish_next)
			return -XEN_ERESTART;
		/* From here the domain keeps itself alive while any of its frames is a zombie (the bias of one). */
		d->zombie_frames = 1;
		domain_get(d);
		d->relinquish_stage = RQ_ARCH;
		return -XEN_ERESTART;
	case RQ_ARCH:
		rc = arch_domain_relinquish(d);
		if (rc)
			return rc;
		d->relinquish_stage = RQ_UNLIST;
		domain_zombie_put(d);	/* the bias: with no zombie this drops the domain's own reference */
		return -XEN_ERESTART;
	case RQ_UNLIST:
		d->relinquish_stage = RQ_DONE;
		unlist(d);
		return 0;
	default:
		return 0;
	}
}

int domain_relinquish(struct domain *d)
{
	s_time_t t0;
	int rc;

	/* A zombie's last frame may have been released by someone else's unmap meanwhile. */
	arch_domain_reap_zombies();
	if (!__atomic_load_n(&d->killed, __ATOMIC_ACQUIRE))
		return -XEN_ERESTART;		/* its killer is still stopping it */
	if (__atomic_exchange_n(&d->relinquishing, true, __ATOMIC_ACQUIRE))
		return -XEN_ERESTART;		/* another CPU runs a step of it */
	t0 = time_now_ns();
	rc = relinquish_step(d);
	/* The longest step is what a destroy costs the CPU's other work at worst: it is reported. */
	d->relinquish_steps++;
	if (time_now_ns() - t0 > d->relinquish_max_ns)
		d->relinquish_max_ns = time_now_ns() - t0;
	__atomic_store_n(&d->relinquishing, false, __ATOMIC_RELEASE);
	return rc;
}

void domain_destroy(struct domain *d)
{
	/* Ours for the steps: the caller's may be the list's own, which the last step drops. */
	domain_get(d);
	if (domain_kill(d) < 0)
		panic("domain %u destroyed in state %u", d->domid, d->state);
	while (domain_relinquish(d) == -XEN_ERESTART)
		;
	domain_put(d);
	arch_domain_reap_zombies();
}

void domain_zombie_put(struct domain *d)
{
	if (__atomic_sub_fetch(&d->zombie_frames, 1, __ATOMIC_ACQ_REL))
		return;
	if (__atomic_load_n(&d->zombies_total, __ATOMIC_ACQUIRE))
		log_info("domain %u: the last of its frames others used is released; the domain is gone", d->domid);
	domain_put(d);
}
