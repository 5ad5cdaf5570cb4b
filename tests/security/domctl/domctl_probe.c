/* SPDX-License-Identifier: MIT */
/*
 * domctl_probe (hostile-guest suite, Skiff-specific): Skiff's privileged
 * domain control (pv-abi/include/pvabi/skiff_domctl.h). As a domU it is
 * the attacker: every command, well-formed or not, gets -EPERM before the
 * argument is even read, and its "announcement" of a console backend does
 * not stop the hypervisor from serving its console ring. As dom0 it is the
 * innocent caller: the list shows both domains with the rings granted to
 * dom0, and malformed calls get the documented errors.
 */
#include <pvabi/errno.h>
#include <pvabi/io/console.h>
#include <pvabi/skiff_domctl.h>
#include "test.h"
#include "rt_event.h"
#include "rt_page.h"

static long domctl(struct skiff_domctl *op)
{
	return rt_hypercall2(__HYPERVISOR_domctl, RT_PTR(op), 0);
}

static struct skiff_dominfo list[SKIFF_DOMCTL_LIST_MAX];

static void list_op(struct skiff_domctl *op, uint64_t buffer, uint32_t max)
{
	memset(op, 0, sizeof(*op));
	op->cmd = SKIFF_DOMCTL_list_domains;
	op->interface_version = SKIFF_DOMCTL_INTERFACE_VERSION;
	op->u.list.max_entries = max;
	op->u.list.buffer = buffer;
}

/* Writes a line into our own console ring as hvc_xen would; whoever serves the ring prints it. */
static void ring_line(const char *s)
{
	const struct start_info *si = rt_boot.si;
	volatile struct xencons_interface *r = rt_window_get();

	if (!r || rt_window_map((void *)r, si->console.domU.mfn, true) != 0) {
		tc_error("cannot map our console ring");
		return;
	}
	for (; *s; s++) {
		r->out[xencons_out_pos(r->out_prod)] = *s;
		__atomic_store_n(&r->out_prod, r->out_prod + 1, __ATOMIC_RELEASE);
	}
	rt_event_send(si->console.domU.evtchn);
	/* The hypervisor drains rings on its tick: wait (yielding, about 2 s at most) until it took ours. */
	for (uint64_t end = rt_now_ns() + 2000000000ULL; r->out_cons != r->out_prod && rt_now_ns() < end;)
		hyp_sched_op(0, 0);
	tc_check(r->out_cons == r->out_prod, "the hypervisor still consumes our console ring");
}

static void attacker(void)
{
	struct skiff_domctl op;

	list_op(&op, RT_PTR(list), SKIFF_DOMCTL_LIST_MAX);
	tc_expect_eq(domctl(&op), -XEN_EPERM, "a domU listing domains");
	tc_check(op.u.list.nr_entries == 0 && list[0].domid == 0 && list[0].name[0] == 0,
		 "and nothing was written back");
	list_op(&op, RT_BAD_PTR_HYPERVISOR, SKIFF_DOMCTL_LIST_MAX);
	tc_expect_eq(domctl(&op), -XEN_EPERM, "a domU listing into the hypervisor's memory (refused before any copy)");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_domctl, RT_BAD_PTR_HYPERVISOR, 0), -XEN_EPERM,
		     "a domU passing a hypervisor address as the argument");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_domctl, RT_BAD_PTR_NONCANON, 0), -XEN_EPERM,
		     "a domU passing a non-canonical argument");
	memset(&op, 0, sizeof(op));
	op.cmd = SKIFF_DOMCTL_console_backend;
	op.interface_version = SKIFF_DOMCTL_INTERFACE_VERSION;
	tc_expect_eq(domctl(&op), -XEN_EPERM, "a domU claiming to be the console backend");
	op.cmd = 0xdead;
	op.interface_version = 0x15;
	tc_expect_eq(domctl(&op), -XEN_EPERM, "a domU with an unknown command and Xen's version");
	/* The claim changed nothing: the hypervisor still serves our ring (the log shows the line). */
	ring_line("domctl_probe: attacker ring line still served\n");
}

static const struct skiff_dominfo *find(uint32_t n, domid_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (list[i].domid == id)
			return &list[i];
	return NULL;
}

static void innocent(void)
{
	struct skiff_domctl op;
	const struct skiff_dominfo *d0, *d1 = NULL;
	long rc = 0;

	/* Domain 1 is built after we start: list until it is there (about 2 s at most). */
	for (unsigned int i = 0; i < 200000 && (!d1 || d1->state == SKIFF_DOMSTATE_created); i++) {
		list_op(&op, RT_PTR(list), SKIFF_DOMCTL_LIST_MAX);
		rc = domctl(&op);
		if (rc)
			break;
		d1 = find(op.u.list.nr_entries, 1);
		hyp_sched_op(0, 0);
	}
	tc_expect_eq(rc, 0, "dom0 lists the domains");
	d0 = find(op.u.list.nr_entries, 0);
	tc_check(op.u.list.nr_entries == 2 && d0 && d1, "two domains listed (%u)", op.u.list.nr_entries);
	if (!d0 || !d1)
		return;
	tc_check((d0->flags & ~(uint32_t)SKIFF_DOMINFO_blocked) == (SKIFF_DOMINFO_privileged | SKIFF_DOMINFO_running) &&
		 d0->console_port == 0 && strcmp(d0->name, "dom0") == 0,
		 "dom0: privileged, named, no rings, on a CPU (it is making this call) (%#x)", d0->flags);
	tc_check(strcmp(d1->name, "attacker") == 0 && !(d1->flags & SKIFF_DOMINFO_privileged),
		 "domain 1 is the attacker, unprivileged");
	tc_check((d1->flags & SKIFF_DOMINFO_console) && (d1->flags & SKIFF_DOMINFO_store) &&
		 d1->console_gref == 0 && d1->store_gref == 1 && d1->console_port && d1->store_port &&
		 d1->console_port != d1->store_port && d1->console_mfn && d1->store_mfn,
		 "its console and store are granted to dom0 at refs 0 and 1 with two ports (%u, %u)",
		 d1->console_port, d1->store_port);
	tc_check(d1->tot_pages >= 16 * 256 && d1->max_pages >= d1->tot_pages, "its memory: %lu of %lu pages",
		 (unsigned long)d1->tot_pages, (unsigned long)d1->max_pages);
	/* From domid 1 on: only the attacker. */
	list_op(&op, RT_PTR(list), SKIFF_DOMCTL_LIST_MAX);
	op.u.list.first_domid = 1;
	tc_check(domctl(&op) == 0 && op.u.list.nr_entries == 1 && list[0].domid == 1,
		 "listing from domid 1 gives domain 1 alone");
	list_op(&op, RT_PTR(list), 1);
	tc_check(domctl(&op) == 0 && op.u.list.nr_entries == 1 && list[0].domid == 0,
		 "max_entries 1 gives one entry, the lowest domid");
	list_op(&op, RT_PTR(list), SKIFF_DOMCTL_LIST_MAX + 1);
	tc_expect_eq(domctl(&op), -XEN_EINVAL, "max_entries above the limit");
	list_op(&op, RT_BAD_PTR_HYPERVISOR, 2);
	tc_expect_eq(domctl(&op), -XEN_EFAULT, "a buffer in the hypervisor's memory");
	list_op(&op, RT_PTR(list), 2);
	op.u.list.pad = 1;
	tc_expect_eq(domctl(&op), -XEN_EINVAL, "a non-zero pad");
	list_op(&op, RT_PTR(list), 2);
	op.interface_version = 0x15;
	tc_expect_eq(domctl(&op), -XEN_EACCES, "Xen 4.17's interface version");
	list_op(&op, RT_PTR(list), 2);
	op.cmd = 77;
	tc_expect_eq(domctl(&op), -XEN_ENOSYS, "an unknown command");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_domctl, RT_BAD_PTR_UNMAPPED, 0), -XEN_EFAULT,
		     "an unmapped argument");
}

void test_main(void)
{
	if (rt_boot.si->flags & SIF_INITDOMAIN) {
		innocent();
	} else {
		attacker();
	}
}
