/* SPDX-License-Identifier: MIT */
/*
 * guest_runtime: the PV guest runtime's own services work against the
 * hypervisor (Xen-ABI generic): events delivered through the upcall
 * dispatcher to the right handler, one-shot timers firing in deadline
 * order and not early, free frames that really belong to the guest (they
 * map), padding pages, and a heap that gives memory back.
 */
#include <pvabi/errno.h>
#include "test.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"

static volatile unsigned int hits_a, hits_b;
static volatile evtchn_port_t last_port;

static void on_a(evtchn_port_t port, void *arg)
{
	hits_a++;
	last_port = port;
	*(volatile unsigned int *)arg += 1;
}

static void on_b(evtchn_port_t port, void *arg)
{
	(void)arg;
	hits_b++;
	last_port = port;
}

static void check_events(void)
{
	unsigned int cookie = 0;
	long a, b, rc;
	uint64_t upcalls;

	a = rt_event_alloc_unbound(DOMID_SELF, on_b, NULL);
	tc_check(a > 0, "alloc_unbound to self gives a port (%ld)", a);
	b = rt_event_bind_interdomain(DOMID_SELF, (evtchn_port_t)a, on_a, &cookie);
	tc_check(b > 0 && b != a, "bind_interdomain to our own unbound port (%ld)", b);
	if (a <= 0 || b <= 0)
		return;
	upcalls = rt_event_stats.upcalls;
	rc = rt_event_send((evtchn_port_t)a);
	tc_expect_eq(rc, 0, "send on the first end");
	/* Events stay masked outside rt_event_block: nothing ran yet. */
	tc_check(hits_a == 0 && hits_b == 0, "no handler runs while the program has events masked");
	for (unsigned int i = 0; i < 100 && hits_a == 0; i++)
		rt_event_block();
	tc_check(hits_a == 1 && hits_b == 0 && last_port == (evtchn_port_t)b && cookie == 1,
		 "the other end's handler ran once with its argument (a %u, b %u)", hits_a, hits_b);
	tc_check(rt_event_stats.upcalls > upcalls, "delivery came through the upcall");
	rt_event_send((evtchn_port_t)b);
	for (unsigned int i = 0; i < 100 && hits_b == 0; i++)
		rt_event_block();
	tc_check(hits_b == 1 && last_port == (evtchn_port_t)a, "and back the other way");
	tc_expect_eq(rt_event_close((evtchn_port_t)b), 0, "close one end");
	tc_expect_eq(rt_event_close((evtchn_port_t)a), 0, "close the other");
}

struct fired {
	unsigned int order[3];
	unsigned int n;
	uint64_t at[3];
};

static void on_timer(struct rt_timer *t, void *arg)
{
	struct fired *f = arg;
	(void)t;

	if (f->n < 3) {
		f->at[f->n] = rt_now_ns();
		f->order[f->n++] = (unsigned int)(t->deadline_ns & 3);
	}
}

static void check_timers(void)
{
	static struct rt_timer t[4];
	struct fired f = { .n = 0 };
	uint64_t now = rt_now_ns(), base;

	tc_expect_eq(rt_timer_init(), 0, "bind VIRQ_TIMER");
	/* The low two bits of each deadline name the timer, so the handler can tell them apart. */
	base = (now + 20000000ULL) & ~3ULL;
	rt_timer_arm(&t[0], base + 30000000ULL + 1, on_timer, &f);
	rt_timer_arm(&t[1], base + 10000000ULL + 2, on_timer, &f);
	rt_timer_arm(&t[2], base + 20000000ULL + 3, on_timer, &f);
	rt_timer_arm(&t[3], base + 15000000ULL, on_timer, &f);
	rt_timer_cancel(&t[3]);
	while (f.n < 3 && rt_now_ns() < now + 2000000000ULL)
		rt_event_block();
	tc_check(f.n == 3 && f.order[0] == 2 && f.order[1] == 3 && f.order[2] == 1,
		 "three timers fired in deadline order, the cancelled one never (%u: %u %u %u)", f.n,
		 f.order[0], f.order[1], f.order[2]);
	tc_check(f.n == 3 && f.at[0] >= base + 10000000ULL && f.at[2] >= base + 30000000ULL,
		 "no timer ran before its deadline");
	tc_check(rt_timer_virqs >= 1, "VIRQ_TIMER was delivered (%lu)", (unsigned long)rt_timer_virqs);
}

static void check_memory(void)
{
	uint64_t frames, pages;
	uint8_t *p, *q;
	int64_t pfn;
	void *win, *h1, *h2, *h3;
	size_t used;

	tc_expect_eq(rt_page_init(), 0, "page allocator found the free frames");
	frames = rt_frames_free();
	pages = rt_pages_free();
	tc_check(frames > 0 && pages > 0, "free frames %lu, mapped padding pages %lu",
		 (unsigned long)frames, (unsigned long)pages);
	p = rt_page_alloc();
	q = rt_page_alloc();
	tc_check(p && q && p != q && p[0] == 0 && q[4095] == 0, "two distinct zeroed padding pages");
	if (p && q) {
		p[0] = 0x5a;
		q[0] = 0xa5;
		tc_check(p[0] == 0x5a && q[0] == 0xa5, "padding pages are writable and independent");
		rt_page_free(p);
		tc_check(rt_page_alloc() == p, "a freed page is handed out again");
	}
	pfn = rt_frame_alloc();
	tc_check(pfn > 0 && rt_frames_free() == frames - 1, "a free frame (pfn %ld)", (long)pfn);
	win = rt_window_get();
	if (pfn > 0 && win) {
		long rc = rt_window_map(win, rt_pfn_to_mfn((uint64_t)pfn), true);

		tc_expect_eq(rc, 0, "the free frame is ours: it maps writable through the window");
		if (rc == 0) {
			((volatile uint8_t *)win)[123] = 0x77;
			tc_check(((volatile uint8_t *)win)[123] == 0x77, "and holds what we wrote");
			tc_expect_eq(rt_window_unmap(win), 0, "unmap the window slot");
		}
		rt_frame_free((uint64_t)pfn);
		tc_check(rt_frames_free() == frames, "the frame went back");
	}
	used = rt_heap_in_use();
	h1 = malloc(100);
	h2 = malloc(5000);
	h3 = calloc(10, 10);
	tc_check(h1 && h2 && h3 && ((uintptr_t)h2 & 15) == 0, "heap blocks, 16-byte aligned");
	free(h2);
	free(h1);
	free(h3);
	tc_check(rt_heap_in_use() == used, "freeing every block returns the heap to where it was");
	h1 = malloc(400 * 1024);
	tc_check(h1 != NULL, "coalesced free space serves a large block");
	free(h1);
	tc_check(malloc(4 * 1024 * 1024) == NULL, "a block larger than the heap is refused");
}

void test_main(void)
{
	long rc = rt_event_init();

	tc_expect_eq(rc, 0, "map shared info and register the event callback");
	if (rc)
		return;
	check_events();
	check_timers();
	check_memory();
}
