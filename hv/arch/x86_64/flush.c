/* SPDX-License-Identifier: MIT */
/* Cross-CPU TLB shootdowns: flush the CPUs in a mask (by IPI) and wait until each flushed after the request. */
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/flush.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>

void flush_tlb_local_all(void);

#define FLUSH_VA_MAX	8	/* single-page requests a CPU keeps before it flushes everything instead */

/*
 * What the requests aimed at one CPU ask: pages to invalidate, or all
 * (FLUSH_ALL, or more pages than are kept). Guests ask for single pages
 * (UVMF_INVLPG with UVMF_ALL or a vCPU mask, MMUEXT_INVLPG_ALL/MULTI); the
 * hypervisor's own shootdowns (a frame changing type or leaving a domain)
 * always take all, so a page the guest forgot to name can only give the
 * guest stale views of its own memory, as on Xen. Lock order: innermost;
 * held only to add or take requests, never while waiting.
 */
struct flush_slot {
	spinlock_t lock;
	bool all;
	unsigned int nr;
	uint64_t va[FLUSH_VA_MAX];
};

static struct flush_slot flush_slots[64];

/*
 * Tickets, not a flag: a requester adds its request and takes ticket t
 * (after it changed the page tables) under the target's slot lock, and
 * waits for flush_done >= t. The target takes the requests and reads the
 * latest ticket under the same lock before it flushes, so its flush covers
 * every request of every ticket up to the one it answers.
 */
void flush_answer(void)
{
	struct percpu *pc = this_cpu();
	struct flush_slot *s = &flush_slots[pc->cpu_id];
	uint64_t req = __atomic_load_n(&pc->flush_req, __ATOMIC_ACQUIRE), va[FLUSH_VA_MAX];
	unsigned long f;
	unsigned int nr;
	bool all;

	if (req == __atomic_load_n(&pc->flush_done, __ATOMIC_RELAXED))
		return;
	f = spin_lock_irqsave(&s->lock);
	req = __atomic_load_n(&pc->flush_req, __ATOMIC_ACQUIRE);
	all = s->all;
	nr = s->nr;
	for (unsigned int i = 0; i < nr && !all; i++)
		va[i] = s->va[i];
	s->all = false;
	s->nr = 0;
	spin_unlock_irqrestore(&s->lock, f);
	if (all) {
		flush_tlb_local_all();
	} else {
		for (unsigned int i = 0; i < nr; i++)
			invlpg((void *)va[i]);
	}
	__atomic_store_n(&pc->flush_done, req, __ATOMIC_RELEASE);
}

/* Adds a request to CPU c's slot and takes its ticket, under the slot's lock (see flush_answer). */
static uint64_t flush_request(struct percpu *pc, uint64_t va)
{
	struct flush_slot *s = &flush_slots[pc->cpu_id];
	unsigned long f = spin_lock_irqsave(&s->lock);
	uint64_t t;

	if (va == FLUSH_ALL || s->nr == FLUSH_VA_MAX)
		s->all = true;
	else if (!s->all)
		s->va[s->nr++] = va;
	t = __atomic_add_fetch(&pc->flush_req, 1, __ATOMIC_SEQ_CST);
	spin_unlock_irqrestore(&s->lock, f);
	return t;
}

/*
 * Interrupts on or off: while it waits, this CPU answers requests aimed at
 * it, so two CPUs flushing each other with interrupts off both finish.
 */
void flush_tlb_mask_va(uint64_t mask, uint64_t va)
{
	struct percpu *me = this_cpu();
	uint64_t ticket[64], sent = 0;

	/*
	 * Only the CPUs in the mask are visited, and only the tickets taken are
	 * kept: every grant unmap batch comes here, mostly for this CPU alone.
	 */
	if (nr_cpus_possible < 64)
		mask &= (1ULL << nr_cpus_possible) - 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the page-table change before the tickets */
	for (uint64_t m = mask & ~(1ULL << me->cpu_id); m; m &= m - 1) {
		unsigned int c = (unsigned int)__builtin_ctzll(m);
		struct percpu *pc = cpu_table[c];

		if (!pc || !pc->online)
			continue;
		ticket[c] = flush_request(pc, va);
		sent |= 1ULL << c;
		apic_send_ipi(pc->apic_id, VEC_IPI);
	}
	if (mask & (1ULL << me->cpu_id)) {
		if (va == FLUSH_ALL)
			flush_tlb_local_all();
		else
			invlpg((void *)va);
	}
	for (; sent; sent &= sent - 1) {
		unsigned int c = (unsigned int)__builtin_ctzll(sent);
		struct percpu *pc = cpu_table[c];

		/*
		 * Under QEMU TCG a pause only every 64 turns: each pause leaves
		 * the vCPU's translated code and takes QEMU's global lock, which
		 * the answering CPU needs to take the IPI and write its EOI; a
		 * pause per turn made those steps 2.5-3.5 times as slow. On
		 * hardware every turn, so an SMT sibling that must answer is not
		 * starved by the spin.
		 */
		unsigned int every = host_under_qemu_tcg ? 64 : 1;

		for (unsigned int spins = 1; __atomic_load_n(&pc->flush_done, __ATOMIC_ACQUIRE) < ticket[c]; spins++) {
			flush_answer();
			if (!(spins % every))
				cpu_relax();
		}
	}
}

void flush_tlb_mask(uint64_t mask)
{
	flush_tlb_mask_va(mask, FLUSH_ALL);
}

void flush_tlb_domain_va(struct domain *d, uint64_t va)
{
	flush_tlb_mask_va(__atomic_load_n(&d->arch.dirty_cpus, __ATOMIC_SEQ_CST), va);
}

void flush_tlb_domain(struct domain *d)
{
	flush_tlb_domain_va(d, FLUSH_ALL);
}

/*
 * A guest's MULTI flush names vCPUs: a vCPU's translations are only on the
 * CPU running it (every context switch loads CR3, and no guest entry is
 * global), so those CPUs are enough. A CPU that switches away meanwhile
 * drops them with its CR3 load anyway.
 */
void flush_tlb_vcpus_va(struct domain *d, const uint64_t *bits, unsigned int nr_bits, uint64_t va)
{
	uint64_t mask = 0;

	for (unsigned int c = 0; c < nr_cpus_possible && c < 64; c++) {
		struct percpu *pc = cpu_table[c];
		struct vcpu *v = pc ? __atomic_load_n(&pc->curr, __ATOMIC_ACQUIRE) : NULL;

		if (v && v->domain == d && v->vcpu_id < nr_bits && ((bits[v->vcpu_id / 64] >> (v->vcpu_id % 64)) & 1))
			mask |= 1ULL << c;
	}
	flush_tlb_mask_va(mask, va);
}

/* Before this CPU loads d's page tables: a flusher that changed them after this sees the bit. */
void flush_domain_enter(struct domain *d)
{
	__atomic_fetch_or(&d->arch.dirty_cpus, 1ULL << this_cpu()->cpu_id, __ATOMIC_SEQ_CST);
}

/* After this CPU flushed everything it had of d (it left d's tables): it needs no more shootdowns for d. */
void flush_domain_leave(struct domain *d)
{
	__atomic_fetch_and(&d->arch.dirty_cpus, ~(1ULL << this_cpu()->cpu_id), __ATOMIC_SEQ_CST);
}

/* Boot check: every other CPU answers a shootdown. Returns how many did within a second each. */
unsigned int flush_selftest(void)
{
	uint64_t mask = 0;
	unsigned int answered = 0;

	for (unsigned int c = 0; c < nr_cpus_possible && c < 64; c++)
		if (cpu_table[c] && cpu_table[c]->online)
			mask |= 1ULL << c;
	flush_tlb_mask(mask);
	for (unsigned int c = 0; c < nr_cpus_possible && c < 64; c++) {
		struct percpu *pc = cpu_table[c];

		if (pc && pc->online && pc != this_cpu() && pc->flush_done == pc->flush_req && pc->flush_req)
			answered++;
	}
	return answered;
}
