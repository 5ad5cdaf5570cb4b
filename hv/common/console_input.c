/* SPDX-License-Identifier: MIT */
/*
 * Serial console input: bytes typed on the UART, polled on the boot CPU,
 * go to dom0 (a ring it reads with CONSOLEIO_read, announced by
 * VIRQ_CONSOLE) once dom0 runs the console backend; until then, or without
 * such a dom0, the hypervisor itself writes them into the console ring of
 * one chosen domain (a fully virtual one's COM1), and Ctrl-A three times
 * chooses the next one (Xen's switch sequence).
 */
#include <asm/hvm.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <pvabi/errno.h>
#include <pvabi/io/console.h>
#include <pvabi/xen.h>

#define CONS_IN_SIZE		4096		/* a power of two */
#define CONS_IN_POLL_NS		10000000LL	/* 10 ms: typing speed, and cheap under TCG */
#define CONS_IN_POLL_MAX	256		/* bytes taken per poll: the UART's FIFO is 16 */
#define CONS_IN_READ_MAX	512		/* bytes one CONSOLEIO_read returns at most */
#define CONS_SWITCH_CHAR	0x01		/* Ctrl-A */
#define CONS_SWITCH_COUNT	3
#define CONS_MAX_DOMID		64		/* domains the hypervisor's own switch cycles through */

/*
 * The ring for dom0. Lock order: cons_in_lock alone; it is never held
 * across a guest copy. prod moves only in the poll (boot CPU); cons only
 * in CONSOLEIO_read, which dom0's vCPUs may race: cons is advanced by no
 * more than what is there, so a racing pair can duplicate bytes for dom0
 * but never move cons past prod.
 */
static spinlock_t cons_in_lock;
static char cons_in_ring[CONS_IN_SIZE];
static uint32_t cons_in_prod, cons_in_cons;
static uint64_t cons_in_dropped;

/* The hypervisor's own switch (no console backend in dom0): boot CPU only, so no lock. */
static unsigned int cons_switch_pending;
static domid_t cons_focus;
static bool cons_focus_set;

static struct timer cons_in_timer;

/* A domain whose console the hypervisor serves: a running domU with a ring, or an HVM one (its COM1). */
static bool cons_ring_domain(const struct domain *d)
{
	return d->domid != 0 && (d->console_mfn != MFN_INVALID || is_hvm_domain(d)) &&
	       __atomic_load_n(&d->state, __ATOMIC_SEQ_CST) == DOM_RUNNING;
}

/* The next domain after 'from' with a ring, wrapping; 0 (dom0, through CONSOLEIO_read) in the cycle too. */
static domid_t cons_next_focus(domid_t from)
{
	for (unsigned int step = 1; step <= CONS_MAX_DOMID; step++) {
		domid_t id = (domid_t)((from + step) % CONS_MAX_DOMID);
		struct domain *d = domain_find(id);
		bool ok = d && (id == 0 ? d->state == DOM_RUNNING : cons_ring_domain(d));

		if (d)
			domain_put(d);
		if (ok)
			return id;
	}
	return 0;
}

static void cons_announce_focus(void)
{
	struct domain *d = domain_find(cons_focus);

	log_notice("console: input goes to d%u (%s); Ctrl-A three times switches", cons_focus,
		   d ? d->name : "?");
	if (d)
		domain_put(d);
}

/* Into dom0's ring; the oldest input is kept, new bytes dropped when it is full. */
static void cons_in_push(const char *s, size_t n)
{
	unsigned long f = spin_lock_irqsave(&cons_in_lock);

	for (size_t i = 0; i < n; i++) {
		if (cons_in_prod - cons_in_cons == CONS_IN_SIZE) {
			cons_in_dropped++;
			continue;
		}
		cons_in_ring[cons_in_prod++ & (CONS_IN_SIZE - 1)] = s[i];
	}
	spin_unlock_irqrestore(&cons_in_lock, f);
}

/*
 * Into a domU's console ring, as a console backend writes it. The page is
 * the guest's: in_cons and in_prod are read once, positions masked, and a
 * ring whose indices make no sense gets nothing. The page holds the
 * writable reference taken at build until domain_destroy.
 */
static void cons_in_to_ring(struct domain *d, const char *s, size_t n)
{
	struct xencons_interface *r = mfn_to_virt(d->console_mfn);
	XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED);
	uint32_t used = prod - cons, i;

	if (used > XENCONS_IN_SIZE)
		return;
	for (i = 0; i < n && used + i < XENCONS_IN_SIZE; i++)
		r->in[xencons_in_pos(prod + i)] = s[i];
	/* The bytes are in place before the guest can see the new producer index. */
	__atomic_store_n(&r->in_prod, prod + i, __ATOMIC_RELEASE);
	if (d->console_evtchn && d->vcpu[0])
		evtchn_set_pending(d->vcpu[0], d->console_evtchn);
}

static void cons_in_deliver(const char *s, size_t n)
{
	struct domain *d;

	if (!n)
		return;
	if (!cons_focus_set) {
		cons_focus = cons_next_focus(0);
		cons_focus_set = true;
	}
	d = domain_find(cons_focus);
	if (d)
		__atomic_add_fetch(&d->cons_in_busy, 1, __ATOMIC_SEQ_CST);
	/*
	 * Announced, then checked: domain_kill marks the domain dying, then
	 * waits for cons_in_busy to drain before anything of it is released,
	 * so the ring, vcpu_info and HVM state written below stay its own.
	 */
	if (cons_focus == 0 || !d || !cons_ring_domain(d))
		cons_in_push(s, n);
	else if (is_hvm_domain(d))
		(void)hvm_console_input(d, s, n);
	else
		cons_in_to_ring(d, s, n);
	if (d) {
		__atomic_sub_fetch(&d->cons_in_busy, 1, __ATOMIC_RELEASE);
		domain_put(d);
	}
}

/* Bytes for the current focus, gathered over one poll so the guest gets one notification. */
static char cons_run[CONS_IN_POLL_MAX + CONS_SWITCH_COUNT];
static size_t cons_run_len;

static void cons_run_flush(void)
{
	cons_in_deliver(cons_run, cons_run_len);
	cons_run_len = 0;
}

/* The hypervisor's switch: Ctrl-As are held back until the third (switch) or another byte (replayed). */
static void cons_in_byte_local(char c)
{
	if (c == CONS_SWITCH_CHAR) {
		if (++cons_switch_pending < CONS_SWITCH_COUNT)
			return;
		cons_switch_pending = 0;
		cons_run_flush();
		cons_focus = cons_next_focus(cons_focus_set ? cons_focus : 0);
		cons_focus_set = true;
		cons_announce_focus();
		return;
	}
	for (; cons_switch_pending; cons_switch_pending--)
		cons_run[cons_run_len++] = CONS_SWITCH_CHAR;
	cons_run[cons_run_len++] = c;
}

static void cons_notify_dom0(void)
{
	struct domain *d0 = domain_find(0);

	if (d0 && d0->state == DOM_RUNNING && d0->vcpu[0])
		evtchn_send_virq(d0->vcpu[0], VIRQ_CONSOLE);
	if (d0)
		domain_put(d0);
}

/* Boot CPU, timer context (interrupts off). */
static void cons_in_poll(void *data)
{
	char buf[CONS_IN_POLL_MAX];
	size_t n = 0;
	int c;

	(void)data;
	while (n < sizeof(buf) && (c = serial_getc()) >= 0)
		buf[n++] = (char)c;
	if (n && domctl_console_in_dom0()) {
		/* dom0's backend switches; held Ctrl-As of ours would be lost to it. */
		cons_in_push(buf, n);
		cons_notify_dom0();
	} else if (n) {
		for (size_t i = 0; i < n; i++)
			cons_in_byte_local(buf[i]);
		cons_run_flush();
		if (cons_in_prod != cons_in_cons)
			cons_notify_dom0();
	}
	timer_set(&cons_in_timer, time_now_ns() + CONS_IN_POLL_NS);
}

void console_input_start(void)
{
	if (!serial_enabled())
		return;
	timer_init(&cons_in_timer, cons_in_poll, NULL, 0);
	timer_set(&cons_in_timer, time_now_ns() + CONS_IN_POLL_NS);
}

/*
 * CONSOLEIO_read for dom0: up to count bytes (at most CONS_IN_READ_MAX)
 * into buf; returns how many. The bytes are copied out before cons moves,
 * so a faulting buffer loses nothing.
 */
long console_input_read(uint64_t buf, uint32_t count)
{
	char chunk[CONS_IN_READ_MAX];
	uint32_t n;
	unsigned long f;

	f = spin_lock_irqsave(&cons_in_lock);
	n = MIN(MIN(count, (uint32_t)sizeof(chunk)), cons_in_prod - cons_in_cons);
	for (uint32_t i = 0; i < n; i++)
		chunk[i] = cons_in_ring[(cons_in_cons + i) & (CONS_IN_SIZE - 1)];
	spin_unlock_irqrestore(&cons_in_lock, f);
	if (n == 0)
		return 0;
	if (copy_to_guest(buf, chunk, n))
		return -XEN_EFAULT;
	f = spin_lock_irqsave(&cons_in_lock);
	cons_in_cons += MIN(n, cons_in_prod - cons_in_cons);
	spin_unlock_irqrestore(&cons_in_lock, f);
	return n;
}
