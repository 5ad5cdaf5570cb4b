/* SPDX-License-Identifier: MIT */
/* Host harness for the event-channel tests: fake domains with real shared_info pages, fake guest memory, counted kicks and allocations. */
#ifndef EVTCHN_HARNESS_H
#define EVTCHN_HARNESS_H

#include <hv/domain.h>
#include <hv/event_channel.h>
#include <hv/types.h>

/*
 * Fake guest memory: EH_PAGES read-write pages from EH_BASE, then one
 * read-only page (EH_VA_RO). Everything else faults. Per thread, so
 * concurrent tests each have their own argument page.
 */
#define EH_BASE		0x0000000000600000ULL
#define EH_PAGES	2
#define EH_VA_RO	(EH_BASE + EH_PAGES * PAGE_SIZE)
#define EH_VA_UNMAPPED	0x0000000020000000ULL
#define EH_VA_HV	0xffff800000002000ULL

/* Host pointer behind a mapped guest VA (NULL if unmapped). */
void *eh_host(uint64_t va);

/* Frees every fake domain (through evtchn_domain_destroy) and clears all counters. */
void eh_reset(void);

/* A domain with nr_vcpus vCPUs, a zeroed shared_info (upcall masks 1, as at boot) and its event-channel table. */
struct domain *eh_domain(domid_t domid, bool privileged, unsigned int nr_vcpus);
/* evtchn_domain_destroy, then unlinks and frees the domain. */
void eh_domain_free(struct domain *d);

/* current_vcpu() of the calling thread. */
void eh_set_current(struct vcpu *v);

/* Runs do_event_channel_op(cmd, va of a copy of *op) and copies the guest's struct back into *op. */
long eh_op(uint32_t cmd, void *op, size_t len);
/* Same with a raw guest pointer. */
long eh_op_raw(uint32_t cmd, uint64_t va);

/* evtchn_kick_vcpu calls for v since its domain was made. */
unsigned int eh_kicks(struct vcpu *v);
/* evtchn_poll_hook calls (the harness installs the hook) and the last port. */
unsigned int eh_poll_calls(void);
unsigned int eh_poll_last_port(void);

/* hv_zalloc fails after n more successes (n < 0: never). Live allocations, for leak checks. */
void eh_fail_alloc_after(int n);
long eh_live_allocs(void);

/* Bitmap helpers over d's shared_info. */
bool eh_pending(struct domain *d, unsigned int port);
bool eh_masked(struct domain *d, unsigned int port);
void eh_set_mask(struct domain *d, unsigned int port, bool on);
void eh_clear_pending(struct domain *d, unsigned int port);
/* Clears upcall_pending and pending_sel of every vCPU of d (what a guest's scan does). */
void eh_ack_upcalls(struct domain *d);

#endif
