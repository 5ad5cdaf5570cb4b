/* SPDX-License-Identifier: MIT */
/*
 * evtchn_fifo: the FIFO event-channel ABI of Xen 4.17 (measured).
 * Argument checks: set_priority under the 2-level ABI is -ENOSYS,
 * expand_array before init_control -EOPNOTSUPP; init_control checks the
 * vCPU (-ENOENT) before the offset (8-byte aligned, block inside the
 * page) and the frame (-EINVAL), a second call for a vCPU is -EINVAL;
 * priorities go to 15. Delivery: an event pending before the switch is
 * kept until expand_array gives its word, then linked; events of one
 * priority queue up through their words' LINK fields behind the tail, a
 * new queue's first event is written to the control block's HEAD, READY
 * has a bit per queue and the upcall becomes pending; a masked event is
 * only marked pending, and EVTCHNOP_unmask links it; after the guest has
 * consumed everything (tail no longer LINKED) the next event is a new
 * HEAD. The array takes at most 128 pages (-ENOSPC after). Not
 * Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include "test.h"

static uint8_t cb_page[4096] __attribute__((aligned(4096)));
static volatile event_word_t words[1024] __attribute__((aligned(4096)));
static uint8_t spare_page[4096] __attribute__((aligned(4096)));

#define CB_OFFSET 64
#define CB ((volatile struct evtchn_fifo_control_block *)(cb_page + CB_OFFSET))

static uint64_t mfn_of(const volatile void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[(RT_PTR(va) - RT_VIRT_BASE) >> 12];
}

static long ev(unsigned int cmd, void *arg)
{
	return hyp_event_channel_op(cmd, RT_PTR(arg));
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu, uint8_t *link_bits)
{
	struct evtchn_init_control op = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu, .link_bits = 0x55 };
	long rc = ev(EVTCHNOP_init_control, &op);

	if (link_bits)
		*link_bits = op.link_bits;
	return rc;
}

static long set_priority(uint32_t port, uint32_t prio)
{
	struct evtchn_set_priority op = { .port = port, .priority = prio };

	return ev(EVTCHNOP_set_priority, &op);
}

static long expand(uint64_t gfn)
{
	struct evtchn_expand_array op = { .array_gfn = gfn };

	return ev(EVTCHNOP_expand_array, &op);
}

/* A loopback pair: returns the unbound port a, binds b to it. */
static long loop_pair(uint32_t *a, uint32_t *b)
{
	struct evtchn_alloc_unbound u = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	long rc = ev(EVTCHNOP_alloc_unbound, &u);

	if (rc)
		return rc;
	*a = u.port;
	bi.remote_port = u.port;
	rc = ev(EVTCHNOP_bind_interdomain, &bi);
	*b = bi.local_port;
	return rc;
}

#define W_PENDING	(1u << EVTCHN_FIFO_PENDING)
#define W_MASKED	(1u << EVTCHN_FIFO_MASKED)
#define W_LINKED	(1u << EVTCHN_FIFO_LINKED)

static long send(uint32_t port)
{
	struct evtchn_send s = { .port = port };

	return ev(EVTCHNOP_send, &s);
}

/* What a guest does once it has handled everything: no event linked, queues empty. */
static void consume_all(void)
{
	for (int i = 0; i < 1024; i++)
		words[i] = 0;
	CB->ready = 0;
	for (int q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
		CB->head[q] = 0;
}

static void argument_checks(uint32_t a)
{
	uint64_t cb = mfn_of(cb_page);

	tc_expect_eq(set_priority(a, 3), -XEN_ENOSYS, "set_priority under the 2-level ABI");
	tc_expect_eq(expand(mfn_of(words)), -XEN_EOPNOTSUPP, "expand_array before init_control");
	tc_expect_eq(init_control(cb, CB_OFFSET, 1, NULL), -XEN_ENOENT, "init_control for a vCPU that does not exist");
	tc_expect_eq(init_control(cb, 4, 1, NULL), -XEN_ENOENT, "the vCPU is checked before the offset");
	tc_expect_eq(init_control(cb, 4, 0, NULL), -XEN_EINVAL, "an offset that is not 8-byte aligned");
	tc_expect_eq(init_control(cb, 4096 - 72 + 8, 0, NULL), -XEN_EINVAL, "a block crossing the page end");
	tc_expect_eq(init_control(0xfffffffffULL, CB_OFFSET, 0, NULL), -XEN_EINVAL, "a frame that is not the guest's");
}

void test_main(void)
{
	volatile struct shared_info *sh;
	uint32_t a, b, c, d;
	uint8_t lb = 0;
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh || loop_pair(&a, &b) != 0) {
		tc_error("no shared_info (%ld) or no loopback pair", rc);
		return;
	}
	/* bind_interdomain leaves b pending (2-level): it must survive the switch to FIFO. */
	argument_checks(a);
	sh->vcpu_info[0].evtchn_upcall_pending = 0;
	tc_expect_eq(init_control(mfn_of(cb_page), CB_OFFSET, 0, &lb), 0, "init_control for vCPU 0");
	tc_expect_eq(lb, EVTCHN_FIFO_LINK_BITS, "link_bits");
	tc_expect_eq(init_control(mfn_of(cb_page), CB_OFFSET, 0, NULL), -XEN_EINVAL, "a second init_control");
	tc_expect_eq(set_priority(a, 16), -XEN_EINVAL, "priority 16");
	tc_expect_eq(set_priority(4000, 3), -XEN_EINVAL, "set_priority of a port that does not exist");
	tc_check(CB->ready == 0 && words[b] == 0, "nothing is delivered before the event array has a page");

	tc_expect_eq(expand(mfn_of(words)), 0, "expand_array with the first page");
	tc_check(words[b] == (W_PENDING | W_LINKED) && CB->head[7] == b && CB->ready == 0x80,
		 "the pending port waited for its word: linked at the head of queue 7, READY 7 (%#x, head %u, ready %#x)",
		 words[b], CB->head[7], CB->ready);
	tc_expect_eq(sh->vcpu_info[0].evtchn_upcall_pending, 1, "the upcall is pending");
	tc_expect_eq(send(b), 0, "send b -> a");
	tc_check(words[a] == (W_PENDING | W_LINKED) && words[b] == (W_PENDING | W_LINKED | a),
		 "a is linked after b, the tail (%#x, %#x)", words[a], words[b]);
	tc_expect_eq(loop_pair(&c, &d), 0, "a second pair c, d (d is pending from the bind)");
	tc_check(words[d] == (W_PENDING | W_LINKED) && (words[a] & EVTCHN_FIFO_LINK_MASK) == d,
		 "d is linked after a (%#x, %#x)", words[d], words[a]);
	tc_expect_eq(set_priority(c, 2), 0, "c at priority 2");
	tc_expect_eq(send(d), 0, "send d -> c");
	tc_check(CB->head[2] == c && CB->ready == 0x84 && words[c] == (W_PENDING | W_LINKED),
		 "c heads queue 2, READY 2 and 7 (head %u, ready %#x)", CB->head[2], CB->ready);
	tc_expect_eq(CB->head[7], b, "queue 7 still starts at b");

	consume_all();
	words[b] = W_MASKED;
	tc_expect_eq(send(a), 0, "send a -> b with b masked");
	tc_check(words[b] == (W_MASKED | W_PENDING) && CB->ready == 0 && CB->head[7] == 0,
		 "a masked event is pending, not linked (%#x)", words[b]);
	words[b] &= ~W_MASKED;
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_unmask, RT_PTR(&(struct evtchn_unmask){ .port = b })), 0,
		     "EVTCHNOP_unmask of b");
	tc_check(words[b] == (W_PENDING | W_LINKED) && CB->head[7] == b && CB->ready == 0x80,
		 "unmask links the pending event at the head of the emptied queue (%#x, head %u)", words[b],
		 CB->head[7]);
	tc_expect_eq(send(b), 0, "send b -> a");
	tc_check(words[b] == (W_PENDING | W_LINKED | a), "a goes after b, still linked (%#x)", words[b]);

	/* The event array holds at most 128 pages (2^17 ports); the same page may be given again. */
	for (unsigned int i = 1; i < EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES; i++) {
		rc = expand(mfn_of(spare_page));
		if (rc) {
			tc_fail("expand_array page %u: %ld", i + 1, rc);
			return;
		}
	}
	tc_pass("expand_array up to 128 pages");
	tc_expect_eq(expand(mfn_of(spare_page)), -XEN_ENOSPC, "a 129th page");
}
