/* SPDX-License-Identifier: MIT */
/* vcpu_op and the vCPU's view of time: pvclock, runstate, one-shot and periodic timers (on the vCPU's CPU), vcpu_info placement. */
#include <asm/domain.h>
#include <asm/pv.h>
#include <asm/time.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/guest_access.h>
#include <hv/heap.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/pv_mm.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/vcpu_context.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include <pvabi/xen.h>

#define MIN_PERIOD_NS	1000000ULL	/* Xen refuses periodic timers under 1 ms */
#define MAX_PERIOD_NS	((1ULL << 62) - 1)	/* and over its STIME_DELTA_MAX, so now + period cannot overflow */
#define VCPU_INFO_ALIGN	8u		/* alignof(struct vcpu_info): Xen refuses a misaligned one */
#define VIRQ_TIMER_NR	0

/* From the event-channel code: raises VIRQ_TIMER if the guest bound it. This default (no events yet) drops it. */
__attribute__((weak)) void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
}

/*
 * The secondary copy of the time (VCPUOP_register_vcpu_time_memory_area),
 * which Linux maps into user space for the vDSO's clock_gettime. Like the
 * runstate area it is a guest kernel VA written through the vCPU's own
 * page tables, so only while the vCPU runs in kernel mode here (otherwise
 * on its next kernel entry); version odd while the fields change, for
 * readers on other vCPUs. With a stable TSC a copy that lags is still
 * correct: it only extrapolates from an older (tsc, system time) pair.
 */
static void time_area_publish(struct vcpu *v)
{
	struct vcpu_time_info t;
	uint64_t va = v->arch.time_area;
	uint32_t odd;

	if (!va || !v->vcpu_info)
		return;
	t = v->vcpu_info->time;
	odd = t.version | 1;
	if (v != current_vcpu() || !v->arch.kernel_mode) {
		v->arch.time_pending = true;
		return;
	}
	v->arch.time_pending = false;
	/* A fault (the guest unmapped the page) loses this update only: the registration stays, as in Xen. */
	if (copy_to_guest(va, &odd, sizeof(odd)) < 0)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t.version = odd;
	copy_to_guest(va, &t, sizeof(t));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	odd++;
	copy_to_guest(va, &odd, sizeof(odd));
}

/* Publishes system time for the guest's pvclock: version odd while the fields change. */
void pv_update_time(struct vcpu *v)
{
	struct vcpu_time_info *t;
	uint32_t mul;
	int8_t shift;

	if (!v->vcpu_info)
		return;
	t = &v->vcpu_info->time;
	time_pvclock_params(&mul, &shift);
	__atomic_store_n(&t->version, t->version + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t->tsc_timestamp = rdtsc();
	t->system_time = (uint64_t)time_now_ns();
	t->tsc_to_system_mul = mul;
	t->tsc_shift = shift;
	t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&t->version, t->version + 1, __ATOMIC_RELEASE);
	time_area_publish(v);
}

void pv_domain_time_init(struct domain *d)
{
	struct shared_info *s = d->shared_info;
	uint64_t ns = time_wallclock_boot_ns(), sec = ns / 1000000000ULL;

	/* Odd while it changes: a guest reading it meanwhile retries. */
	__atomic_store_n(&s->wc_version, s->wc_version + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->wc_sec = (uint32_t)sec;
	s->wc_sec_hi = (uint32_t)(sec >> 32);
	s->wc_nsec = (uint32_t)(ns % 1000000000ULL);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->wc_version, s->wc_version + 1, __ATOMIC_RELEASE);
}

/*
 * The area is a guest kernel address written through the page tables
 * loaded now, which are the vCPU's own: in guest user mode those are the
 * user tables, which do not map the kernel, so the write waits for the next
 * entry to kernel mode (as Xen does). A copy that faults changes nothing
 * and the registration stays, as in Xen: the guest may map the address later.
 */
static void runstate_publish(struct vcpu *v)
{
	struct vcpu_runstate_info info;

	if (!v->arch.runstate_area)
		return;
	if (!v->arch.kernel_mode) {
		v->arch.runstate_pending = true;
		return;
	}
	v->arch.runstate_pending = false;
	info.state = v->arch.runstate.state;
	info.state_entry_time = v->arch.runstate.state_entry_time;
	memcpy(info.time, v->arch.runstate.time, sizeof(info.time));
	copy_to_guest(v->arch.runstate_area, &info, sizeof(info));
}

void pv_runstate_publish_pending(struct vcpu *v)
{
	if (v->arch.runstate_pending)
		runstate_publish(v);
	if (v->arch.time_pending)
		time_area_publish(v);
}

/* Xen checks only that the area lies in guest space (-EFAULT); an unmapped address is accepted. */
static long register_time_area(struct vcpu *v, uint64_t arg)
{
	struct vcpu_register_time_memory_area area;

	if (copy_from_guest(&area, arg, sizeof(area)) < 0)
		return -XEN_EFAULT;
	if (area.addr && !guest_range_ok(area.addr, sizeof(struct vcpu_time_info)))
		return -XEN_EFAULT;
	v->arch.time_area = area.addr;
	v->arch.time_pending = false;
	time_area_publish(v);
	return 0;
}

/*
 * Two kinds of writer change v's runstate: v's own CPU when it switches v in
 * or out, and a CPU changing v's pause flags while v is on no CPU
 * (arch_vcpu_runstate_sync). They exclude each other by taking the
 * sequence count from even to odd; readers (runstate_read) only retry.
 * Leaf lock: taken with interrupts off, under v's pause lock or in a switch.
 */
static void runstate_write_begin(struct vcpu *v)
{
	uint32_t seq;

	for (;;) {
		seq = __atomic_load_n(&v->arch.runstate_seq, __ATOMIC_RELAXED);
		if (!(seq & 1) && __atomic_compare_exchange_n(&v->arch.runstate_seq, &seq, seq + 1, false,
							      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			return;
		cpu_relax();
	}
}

static void runstate_write_end(struct vcpu *v)
{
	__atomic_fetch_add(&v->arch.runstate_seq, 1, __ATOMIC_SEQ_CST);
}

static void runstate_set(struct vcpu *v, int state)
{
	uint64_t now = (uint64_t)time_now_ns();

	if (!v->arch.runstate.state_entry_time)
		v->arch.runstate.state_entry_time = now;
	if (now > v->arch.runstate.state_entry_time)
		v->arch.runstate.time[v->arch.runstate.state & 3] += now - v->arch.runstate.state_entry_time;
	v->arch.runstate.state = state;
	v->arch.runstate.state_entry_time = now;
}

/* Called when the vCPU goes on a CPU (running). */
void pv_runstate_change(struct vcpu *v, int state, bool publish)
{
	runstate_write_begin(v);
	runstate_set(v, state);
	runstate_write_end(v);
	if (publish)
		runstate_publish(v);
}

/*
 * v leaves this CPU: runnable, blocked or offline by its pause flags, read
 * under the write lock. A flag change that came before saw v running and
 * left it to us, so it must be in what we read (arch_vcpu_runstate_sync).
 */
void pv_runstate_switch_out(struct vcpu *v)
{
	uint32_t flags;

	runstate_write_begin(v);
	flags = __atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE);
	runstate_set(v, flags & VPF_BLOCKED ? RUNSTATE_blocked : flags ? RUNSTATE_offline : RUNSTATE_runnable);
	runstate_write_end(v);
	runstate_publish(v);
}

/*
 * As Xen's vcpu_wake and vcpu_sleep: a vCPU that is not running whose last
 * pause flag went is runnable at once (blocked or offline before), one that
 * gained a flag while queued is offline, and one blocked that is no longer
 * blocked but still paused is offline. A running vCPU is left to its CPU's
 * switch out, which reads the flags after they changed (both under the
 * write lock). The guest's runstate area is written at v's next switch in:
 * it is a VA in v's page tables, not in the ones loaded here.
 */
void arch_vcpu_runstate_sync(struct vcpu *v)
{
	uint32_t flags;
	int state, want;

	runstate_write_begin(v);
	flags = __atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE);
	state = want = v->arch.runstate.state;
	if (!flags && (state == RUNSTATE_blocked || state == RUNSTATE_offline))
		want = RUNSTATE_runnable;
	else if (flags && state == RUNSTATE_runnable)
		want = RUNSTATE_offline;
	else if (flags && state == RUNSTATE_blocked && !(flags & VPF_BLOCKED))
		want = RUNSTATE_offline;
	/* Never from running: want stays state, as no rule above starts from it. */
	if (want != state)
		runstate_set(v, want);
	runstate_write_end(v);
}

/*
 * v's runstate as of now, read without changing it: v's own CPU changes it
 * at every context switch, so another vCPU only reads, under the sequence
 * count, and adds the current stretch itself.
 */
static void runstate_read(struct vcpu *v, struct vcpu_runstate_info *info)
{
	uint32_t seq;

	do {
		while ((seq = __atomic_load_n(&v->arch.runstate_seq, __ATOMIC_ACQUIRE)) & 1)
			cpu_relax();
		info->state = v->arch.runstate.state;
		info->state_entry_time = v->arch.runstate.state_entry_time;
		memcpy(info->time, v->arch.runstate.time, sizeof(info->time));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	} while (__atomic_load_n(&v->arch.runstate_seq, __ATOMIC_ACQUIRE) != seq);
	if (info->state_entry_time) {
		uint64_t now = (uint64_t)time_now_ns();

		if (now > info->state_entry_time)
			info->time[info->state & 3] += now - info->state_entry_time;
		info->state_entry_time = now > info->state_entry_time ? now : info->state_entry_time;
	}
}

static void fire_timer(struct vcpu *v)
{
	evtchn_send_virq(v, VIRQ_TIMER_NR);
}

static void singleshot_fn(void *data)
{
	fire_timer(data);
}

/* Armed only while v runs (as Xen): a blocked vCPU is not woken by its periodic timer. */
static void periodic_fn(void *data)
{
	struct vcpu *v = data;
	struct arch_vcpu *a = &v->arch;
	s_time_t now = time_now_ns(), period = a->periodic_period;

	if (!period)
		return;
	a->periodic_next += period;
	if (a->periodic_next <= now)
		a->periodic_next = now + period;	/* missed periods are not made up */
	fire_timer(v);
	timer_set(&a->periodic_timer, a->periodic_next);
}

void pv_vcpu_timers_init(struct vcpu *v)
{
	timer_init(&v->arch.singleshot_timer, singleshot_fn, v, 0);
	timer_init(&v->arch.periodic_timer, periodic_fn, v, 0);
}

void pv_vcpu_timers_kill(struct vcpu *v)
{
	timer_kill(&v->arch.singleshot_timer);
	timer_kill(&v->arch.periodic_timer);
}

/* prev leaves this CPU: its periodic timer stops until it runs again. */
void pv_timers_switch_out(struct vcpu *prev)
{
	timer_stop(&prev->arch.periodic_timer);
}

/* next runs here now: its timers live on this CPU's queue; a period that passed while it was off fires now. */
void pv_timers_switch_in(struct vcpu *next)
{
	struct arch_vcpu *a = &next->arch;
	unsigned int cpu = smp_processor_id();
	s_time_t now, period = a->periodic_period;

	timer_migrate(&a->singleshot_timer, cpu);
	timer_migrate(&a->periodic_timer, cpu);
	timer_migrate(&next->poll_timer, cpu);
	if (!period)
		return;
	now = time_now_ns();
	if (now >= a->periodic_next) {
		a->periodic_next = now + period;
		fire_timer(next);
	}
	timer_set(&a->periodic_timer, a->periodic_next);
}

/*
 * As Xen 4.17: once per vCPU, and for another vCPU only while it is down
 * (it must not be delivering into the old area meanwhile: -EINVAL). A vCPU
 * beyond the 32 in shared_info starts from an empty area, events masked.
 */
static long register_vcpu_info(const struct vcpu *cur, struct vcpu *v, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	struct vcpu_info *nv;

	if (copy_from_guest(&r, arg, sizeof(r)) < 0)
		return -XEN_EFAULT;
	/* Xen 4.17's order: where the area lies first (in the page, 8-byte aligned: -ENXIO), then who may move it. */
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (r.offset & (VCPU_INFO_ALIGN - 1)))
		return -XEN_ENXIO;
	if (v->arch.vcpu_info_mfn != MFN_INVALID)
		return -XEN_EINVAL;	/* once only, as Xen */
	if (v != cur && !(v->pause_flags & VPF_DOWN))
		return -XEN_EINVAL;
	if (!mfn_valid(r.mfn) || get_page_and_type(mfn_to_page(r.mfn), v->domain, PAGE_TYPE_WRITABLE) < 0)
		return -XEN_EINVAL;
	nv = (struct vcpu_info *)((char *)mfn_to_virt(r.mfn) + r.offset);
	vcpu_info_move(v, nv);
	v->arch.vcpu_info_mfn = r.mfn;
	pv_update_time(v);
	return 0;
}

/* VCPUOP_initialise: Xen reads the context first (-EFAULT), then refuses a vCPU with no vcpu_info to deliver into. */
static long vcpu_initialise(struct vcpu *v, uint64_t cmd, uint64_t vcpuid, uint64_t arg)
{
	struct vcpu_ctx_plan *p;
	long rc;

	if (!v->vcpu_info)
		return -XEN_EINVAL;
	p = hv_zalloc(sizeof(*p));
	if (!p)
		return -XEN_ENOMEM;
	rc = copy_from_guest(&p->c, arg, sizeof(p->c)) < 0 ? -XEN_EFAULT : pv_vcpu_initialise(v, p);
	hv_free(p);
	if (rc == -XEN_ERESTART)
		return hypercall_create_continuation(__HYPERVISOR_vcpu_op, cmd, vcpuid, arg, 0, 0);
	return rc;
}

/* Only a vCPU with a context (page tables) can run: vCPU 0 from the builder, the others from VCPUOP_initialise. */
static long vcpu_up(struct vcpu *v)
{
	if (__atomic_load_n(&v->arch.guest_table, __ATOMIC_ACQUIRE) == MFN_INVALID)
		return -XEN_EINVAL;
	vcpu_pause_flag_clear(v, VPF_DOWN);
	return 0;
}

/*
 * As Xen 4.17: v goes offline until VCPUOP_up; taking down the domain's last
 * vCPU that is up powers the domain off instead (Linux does this in a loop
 * after an early panic: the domain must stop, not spin). When v is the
 * caller, it stops on its way out and resumes after this call, rax 0.
 * Two vCPUs going down at once may both see the other up: the domain then
 * sits with every vCPU down, idle, as on Xen.
 */
static long vcpu_down(struct domain *d, struct vcpu *v)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpu[i] && d->vcpu[i] != v && !(d->vcpu[i]->pause_flags & VPF_DOWN)) {
			vcpu_pause_flag_set(v, VPF_DOWN);
			return 0;
		}
	domain_shutdown(d, SHUTDOWN_poweroff);
	return 0;
}

static void singleshot_arm(struct vcpu *v, s_time_t deadline)
{
	if (deadline <= time_now_ns()) {
		timer_stop(&v->arch.singleshot_timer);
		fire_timer(v);
	} else {
		timer_set(&v->arch.singleshot_timer, deadline);
	}
}

#define HUGE_TIMEOUT_NS		(1LL << 50)	/* about 13 days ahead */
#define HUGE_TIMEOUT_FIRE_NS	100000000LL	/* what Xen does with one: fire in 100 ms */

/*
 * The old one-shot timer call (hypercall 15), the same timer as
 * VCPUOP_set_singleshot_timer: 0 stops it. As Xen 4.17, a deadline that
 * is negative or more than 2^50 ns ahead (a wrapped jiffies value of an
 * old Linux) fires in 100 ms instead of never or at once; always 0.
 */
long do_set_timer_op(struct vcpu *v, uint64_t timeout, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	s_time_t deadline = (s_time_t)timeout, now = time_now_ns();

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!deadline) {
		timer_stop(&v->arch.singleshot_timer);
		return 0;
	}
	if (deadline < 0 || (deadline > now && deadline - now >= HUGE_TIMEOUT_NS))
		deadline = now + HUGE_TIMEOUT_FIRE_NS;
	singleshot_arm(v, deadline);
	return 0;
}

long do_vcpu_op(struct vcpu *cur, uint64_t cmd, uint64_t vcpuid, uint64_t arg, uint64_t a4, uint64_t a5)
{
	struct vcpu *v;
	struct domain *d = cur->domain;
	struct vcpu_set_periodic_timer per;
	struct vcpu_set_singleshot_timer one;
	struct vcpu_register_runstate_memory_area area;
	struct vcpu_runstate_info info;

	if ((uint32_t)cmd > VCPUOP_register_vcpu_time_memory_area)
		return -XEN_ENOSYS;
	if (vcpuid >= d->max_vcpus || !d->vcpu[vcpuid])
		return -XEN_ENOENT;
	v = d->vcpu[vcpuid];
	switch ((uint32_t)cmd) {
	case VCPUOP_is_up:
		return !(v->pause_flags & VPF_DOWN);
	case VCPUOP_register_runstate_memory_area:
		/*
		 * As Xen 4.17: only the area's start is checked (a guest address,
		 * not the hypervisor's range); the first copy may fault and the
		 * area stays registered, rc 0. Every later update is a checked
		 * copy that may fault too, so an area the guest cannot reach
		 * only loses its own updates.
		 */
		if (copy_from_guest(&area, arg, sizeof(area)) < 0)
			return -XEN_EFAULT;
		if (!guest_range_ok(area.addr, 1))
			return -XEN_EFAULT;
		v->arch.runstate_area = area.addr;
		runstate_read(v, &info);
		if (area.addr)	/* for another vCPU too, through the caller's tables, as Xen */
			(void)copy_to_guest(area.addr, &info, sizeof(info));
		return 0;
	case VCPUOP_get_runstate_info:
		runstate_read(v, &info);
		return copy_to_guest(arg, &info, sizeof(info)) < 0 ? -XEN_EFAULT : 0;
	case VCPUOP_set_periodic_timer:
		if (copy_from_guest(&per, arg, sizeof(per)) < 0)
			return -XEN_EFAULT;
		if (per.period_ns < MIN_PERIOD_NS || per.period_ns > MAX_PERIOD_NS)
			return -XEN_EINVAL;
		v->arch.periodic_period = (int64_t)per.period_ns;
		v->arch.periodic_next = time_now_ns() + v->arch.periodic_period;
		/* Another vCPU's timer is armed only if it runs (then its old deadline is replaced), else at its switch-in. */
		if (v == cur || timer_is_active(&v->arch.periodic_timer))
			timer_set(&v->arch.periodic_timer, v->arch.periodic_next);
		return 0;
	case VCPUOP_stop_periodic_timer:
		v->arch.periodic_period = 0;
		timer_stop(&v->arch.periodic_timer);
		return 0;
	case VCPUOP_set_singleshot_timer:
		if (v != cur)
			return -XEN_EINVAL;	/* as Xen: only a vCPU's own */
		if (copy_from_guest(&one, arg, sizeof(one)) < 0)
			return -XEN_EFAULT;
		/* VCPU_SSHOTTMR_future is ignored, as Xen 4.17 does: a past deadline fires at once. */
		singleshot_arm(v, (s_time_t)one.timeout_abs_ns);
		return 0;
	case VCPUOP_stop_singleshot_timer:
		if (v != cur)
			return -XEN_EINVAL;
		timer_stop(&v->arch.singleshot_timer);
		return 0;
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(cur, v, arg);
	case VCPUOP_register_vcpu_time_memory_area:
		return register_time_area(v, arg);
	case VCPUOP_up:
		return vcpu_up(v);
	case VCPUOP_down:
		return vcpu_down(d, v);
	case VCPUOP_initialise:
		return vcpu_initialise(v, cmd, vcpuid, arg);
	default:
		return -XEN_ENOSYS;
	}
}

/* The RTC edge made the wall clock exact: guests that boot from now on read the better value. */
static void republish_wallclock(struct domain *d, void *arg)
{
	(void)arg;
	pv_domain_time_init(d);
}

/* Each CPU's scheduler tick; CPU 0 seeks the RTC's seconds edge (vCPU timers are timers of their own). */
void pv_timer_tick(void)
{
	if (this_cpu()->cpu_id == 0 && rtc_edge_tick())
		domain_for_each(republish_wallclock, NULL);
}
