/* SPDX-License-Identifier: MIT */
/* Domains and vCPUs: identity, state, memory accounting and counters. Arch state lives in asm/domain.h. */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <hv/frame.h>
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <hv/timer.h>
#include <hv/types.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

#include <asm/domain.h>

#define DOMAIN_NAME_MAX		32
#define DOMAIN_MAX_VCPUS	128
#define DOMAIN_CONSOLE_LINE	256

enum domain_state {
	DOM_CREATED,		/* being built: no vCPU may run */
	DOM_RUNNING,
	DOM_PAUSED,		/* by the toolstack; vCPUs keep their own state */
	DOM_SHUTDOWN,		/* the guest asked (or crashed); reason recorded */
	DOM_DYING,		/* being torn down */
};

/* vCPU pause reasons: any set bit keeps the vCPU off the CPUs. */
#define VPF_BLOCKED	(1u << 0)	/* SCHEDOP_block until an event */
#define VPF_DOWN	(1u << 1)	/* not brought up yet, or taken down */
#define VPF_PAUSED	(1u << 2)	/* domain paused or shut down */

struct domain;
struct evtchn_domain;

struct vcpu {
	struct domain *domain;
	unsigned int vcpu_id;
	/* Protected by the scheduler's lock. */
	struct sched_unit sched;
	volatile uint32_t pause_flags;	/* VPF_*, changed with atomics */
	/* A pause-flag change and its sleep or wake in the policy happen under it (common/schedule.c). */
	spinlock_t pause_lock;
	/*
	 * Its registers are on a CPU, not in arch: set when a CPU loads it,
	 * cleared once that CPU has saved it. The policy may requeue a vCPU
	 * before its old CPU has saved it; a CPU that picks it waits for this.
	 */
	volatile bool on_cpu;
	/* SCHEDOP_poll: blocked until a polled port is pending or poll_timer fires (it moves with the vCPU). */
	volatile bool polling;
	uint32_t poll_port;		/* the one port polled (Xen wakes only for it), 0: several */
	struct timer poll_timer;
	struct vcpu_info *vcpu_info;	/* in shared_info for vCPUs below 32 */
	uint64_t hypercalls;		/* total, for the counters dump */
	struct arch_vcpu arch;
};

struct domain {
	domid_t domid;
	uint8_t handle[16];
	char name[DOMAIN_NAME_MAX];
	bool is_privileged;		/* dom0: SIF_PRIVILEGED | SIF_INITDOMAIN */

	/*
	 * References: one for the domain list (dropped by the last relinquish
	 * step), one per domain_find/domain_get, one of its own while frames
	 * it gave up are still used by others (zombies). The memory is freed at
	 * the last put; teardown itself happens in domain_kill and
	 * domain_relinquish, so a holder checks d->state (DOM_DYING) before it
	 * uses anything beyond the fields.
	 */
	uint32_t refcnt;

	/* Fields below under lock. */
	spinlock_t lock;
	enum domain_state state;
	uint8_t shutdown_reason;	/* SHUTDOWN_*, valid in DOM_SHUTDOWN */
	bool shutdown_code_set;
	uint8_t shutdown_code;		/* from SCHEDOP_shutdown_code */
	uint32_t pause_count;		/* the toolstack's pauses (domctl), nested as Xen's */
	/* SCHEDOP_watchdog (common/domain_timers.c): slots in use, each a timer on the CPU that armed it. */
	bool watchdog_used[2];
	struct timer watchdog_timer[2];	/* the timers themselves are under their queue's lock */
	struct timer console_timer;	/* drains the domU console ring (until dom0 serves consoles) */

	struct frame_owner mem;		/* charged for every frame the domain owns */
	struct sched_group sched_group;	/* weight and cap (xl sched-credit), under the scheduler's lock */
	unsigned int max_vcpus;
	struct vcpu **vcpu;		/* max_vcpus entries */

	struct shared_info *shared_info;
	mfn_t shared_info_mfn;
	unsigned long vm_assist;	/* VMASST_TYPE_* bits enabled */

	uint64_t hypercall_count[PVABI_NR_HYPERCALLS];
	uint64_t hypercall_bad;		/* numbers outside the table */
	/* Where the hypervisor spends its time for this domain (printed at teardown): TSC cycles. */
	uint64_t hypercall_cycles[PVABI_NR_HYPERCALLS];
	uint64_t trap_count[32];	/* guest exceptions by vector, emulated or delivered */
	uint64_t ptwr_count, ptwr_cycles;	/* writable page-table stores emulated */
	uint64_t tlb_flushes, type_flushes;	/* full TLB flushes for it; those for a frame's type change */
	uint64_t type_flushes_saved;	/* type changes that needed none: a CR3 load came first */

	/* Console: one line is collected and printed with the domain's prefix. */
	spinlock_t console_lock;
	unsigned int console_len;
	char console_line[DOMAIN_CONSOLE_LINE];

	char cmdline[1024];		/* guest command line (start_info.cmd_line) */
	mfn_t console_mfn;		/* domU console ring page, MFN_INVALID: none */
	uint32_t cons_in_busy;		/* typed input being written into the ring now (domain_kill waits it out) */
	uint32_t console_evtchn;	/* its port (the guest's end), 0: none */
	mfn_t store_mfn;		/* xenstore ring page granted to dom0, MFN_INVALID: none */
	uint32_t store_evtchn;		/* its port, offered to dom0; 0: none */
	uint32_t granted_rings;		/* SKIFF_DOMINFO_console/_store seeded by dom0 (0: the builder's rule) */
	struct evtchn_domain *evtchn;	/* event channels (common/event_channel.c) */
	uint32_t max_evtchn_port;	/* highest port it may allocate (Xen's max_evtchn_port) */
	/*
	 * Hypervisor heap the guest made the hypervisor allocate for it
	 * (event-channel buckets, ...), in bytes, and its cap: changed only
	 * through domain_heap_charge/uncharge; 0 again after teardown.
	 */
	uint64_t heap_charged, heap_max;
	struct grant_table *grant_table;	/* common/grant_table.c */
	/*
	 * Teardown (common/domain_teardown.c): killed is set once domain_kill
	 * has stopped everything; relinquishing is held by the CPU running a
	 * step; the stage only moves forward. zombie_frames counts frames
	 * others still used when the domain gave them up, plus one while its
	 * frames are being given up; the domain holds a reference of its own
	 * until it reaches 0.
	 */
	bool killed;
	bool relinquishing;
	unsigned int relinquish_stage, relinquish_next;
	uint64_t zombie_frames, zombies_total;
	unsigned int relinquish_steps;
	int64_t relinquish_max_ns;	/* the longest step, reported */
	struct domain *next;		/* all-domains list, under domlist_lock */
	struct arch_domain arch;
};

/* Per-domain limits on what a guest can make the hypervisor hold (Xen: xl's max_event_channels 1023; dom0 gets the ABI's 4095). */
#define DOMAIN_MAX_EVTCHN_PORT_DOMU	1023
#define DOMAIN_MAX_EVTCHN_PORT_DOM0	4095
#define DOMAIN_HEAP_MAX_DEFAULT		(128u << 10)

/* Charges bytes of hypervisor heap to d before allocating them: 0, or -XEN_ENOMEM past d's cap (nothing charged). */
static inline int domain_heap_charge(struct domain *d, uint64_t bytes)
{
	uint64_t old = __atomic_load_n(&d->heap_charged, __ATOMIC_RELAXED);

	do {
		if (bytes > d->heap_max || old > d->heap_max - bytes)
			return -XEN_ENOMEM;
	} while (!__atomic_compare_exchange_n(&d->heap_charged, &old, old + bytes, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 0;
}

static inline void domain_heap_uncharge(struct domain *d, uint64_t bytes)
{
	__atomic_fetch_sub(&d->heap_charged, bytes, __ATOMIC_RELAXED);
}

/*
 * Creates an empty domain (no memory, vCPUs down). domid DOMID_INVALID: the
 * lowest free id from 1 (hv/priv.h). NULL with *err = -XEN_E* on failure
 * (-XEN_EEXIST: the id is held by a domain that still exists in any state).
 */
struct domain *domain_create(domid_t domid, const char *name, bool privileged,
			     unsigned int max_vcpus, uint64_t max_pages, int *err);
/*
 * Destroying a domain (common/domain_teardown.c), as Xen's domain_kill and
 * relinquish. domain_kill is immediate: the state becomes DYING, every vCPU
 * is paused and off every CPU, its timers are killed, its event channels
 * closed, and dom0 gets VIRQ_DOM_EXC; 0, or 0 at once if it was already
 * dying (someone else kills it), or -XEN_EINVAL (never happens for a live
 * domain). domain_relinquish then gives its resources back in steps of
 * bounded work: -XEN_ERESTART while there is more (call again, from any
 * CPU, holding a reference), 0 once it left the domain list. Frames other
 * domains still use stay allocated and charged to it (zombies) and the
 * domain's memory lives on until the last of them is released; safe when
 * memory is short. The caller holds a reference throughout.
 */
int domain_kill(struct domain *d);
int domain_relinquish(struct domain *d);
/* Kill and every relinquish step back to back: for boot-time failures and the final teardown. */
void domain_destroy(struct domain *d);
/* A zombie frame of d was freed (or the giving-up pass ended): the last one drops d's own reference. */
void domain_zombie_put(struct domain *d);
/* Arch teardown (pv/teardown.c): timers at kill; then bounded steps; zombies freed after a TLB flush. */
void arch_domain_kill(struct domain *d);
int arch_domain_relinquish(struct domain *d);
/* The arch state that must outlive teardown (read by holders of a reference), freed with the domain itself. */
void arch_domain_free(struct domain *d);
void arch_domain_reap_zombies(void);
/* Takes d off the domain list (its reference stays the caller's to drop). */
void domain_unlink(struct domain *d);
/* The domain with this id, with a reference (domain_put when done), or NULL; a dying one is not found. */
struct domain *domain_find(domid_t domid);
/* As domain_find, dying domains included (a teardown that continues finds its domain again). */
struct domain *domain_find_any(domid_t domid);
/* The domain with the lowest domid >= from, with a reference (domain_put it), or NULL. */
struct domain *domain_find_next(domid_t from);
void domain_get(struct domain *d);
/* Drops a reference; the last one frees the domain's memory (after domain_destroy dropped the list's). */
void domain_put(struct domain *d);
/* Calls fn for every domain with the domain list locked: fn must not create or destroy domains. */
void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg);
unsigned int domain_count(void);

/*
 * State machine (common/domain_state.c): CREATED -> RUNNING | SHUTDOWN |
 * DYING; RUNNING -> PAUSED | SHUTDOWN; PAUSED -> RUNNING | SHUTDOWN;
 * SHUTDOWN -> DYING; nothing leaves DYING. Every state change goes through
 * domain_state_change (takes d->lock) or its _locked form (caller holds it);
 * a refused transition returns -XEN_EINVAL and changes nothing.
 */
bool domain_state_allowed(enum domain_state from, enum domain_state to);
int domain_state_change(struct domain *d, enum domain_state to);
int domain_state_change_locked(struct domain *d, enum domain_state to);

/* Lets a built or paused domain run: 0, or -XEN_EINVAL (it was shut down or is dying; nothing changes). */
int domain_unpause_all_vcpus(struct domain *d);
/* Records the reason and takes every vCPU off the CPUs. The first reason sticks; a dying domain is left alone. */
void domain_shutdown(struct domain *d, uint8_t reason);
/* A guest fault it cannot handle: dump, then shut down with SHUTDOWN_crash. */
void domain_crash(struct domain *d, const char *why);

/* Per-domain and per-vCPU timers of common code (common/domain_timers.c): set up once the vCPUs exist; killed first in teardown. */
void domain_timers_init(struct domain *d);
void domain_timers_kill(struct domain *d);
/* SCHEDOP_watchdog: id 0 creates (returns the id), a known id re-arms, timeout 0 removes. */
long domain_watchdog_op(struct domain *d, uint32_t id, uint32_t timeout);

/*
 * VCPUOP_register_vcpu_info's move, PV and HVM alike: v's event state goes
 * to nv (or starts masked there) and nv is published; the guest looks again
 * for what the move may have hidden. The caller has checked the area.
 */
void vcpu_info_move(struct vcpu *v, struct vcpu_info *nv);

/* Pause reasons (VPF_*): a vCPU runs only while none is set. Safe from any CPU. */
void vcpu_pause_flag_set(struct vcpu *v, uint32_t flag);
void vcpu_pause_flag_clear(struct vcpu *v, uint32_t flag);
/* Arch: under v's pause lock after its flags changed, v's runstate follows them if v is on no CPU (Xen's wake and sleep). */
void arch_vcpu_runstate_sync(struct vcpu *v);

const char *shutdown_reason_name(unsigned int reason);

/* Called whenever a domain reaches DOM_SHUTDOWN; the boot code uses it to stop the machine. */
extern void (*domain_shutdown_hook)(struct domain *d);

/* The vCPU running on this CPU (NULL when idle). */
struct vcpu *current_vcpu(void);

/* Domain console output: buffered to whole lines, printed as "(dN name) text". */
void domain_console_write(struct domain *d, const char *buf, size_t len);
void domain_console_write_locked(struct domain *d, const char *buf, size_t len);
/* Prints a partial last line (at shutdown, so nothing the guest wrote is lost). */
void domain_console_flush(struct domain *d);

/* Domain console ring (start_info's page): copies new output to the hypervisor console. */
struct xencons_interface;
size_t console_ring_drain(struct domain *d, struct xencons_interface *intf);
/* The last drain of a domain going down (its own vCPU, or its killer once its timers are dead). */
void console_ring_drain_last(struct domain *d);

/* Prints per-domain hypercall counters on the console. */
void domain_dump_counters(struct domain *d);
void domain_dump_all(void);

#endif
