/* SPDX-License-Identifier: MIT */
/* Host checks of the pv-abi headers: all of them compile together on the host and key layouts hold at run time. */
#include <check.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pvabi/xen.h>
#include <pvabi/errno.h>
#include <pvabi/elfnote.h>
#include <pvabi/features.h>
#include <pvabi/version.h>
#include <pvabi/sched.h>
#include <pvabi/memory.h>
#include <pvabi/vcpu.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/callback.h>
#include <pvabi/physdev.h>
#include <pvabi/io/ring.h>
#include <pvabi/io/blkif.h>
#include <pvabi/io/netif.h>
#include <pvabi/io/console.h>
#include <pvabi/io/xenbus.h>
#if __has_include(<pvabi/io/xs_wire.h>)
#include <pvabi/io/xs_wire.h>
#endif

START_TEST(test_core_layouts)
{
	ck_assert_uint_eq(sizeof(struct start_info), 1168);
	ck_assert_uint_eq(offsetof(struct start_info, cmd_line), 128);
	ck_assert_uint_eq(offsetof(struct start_info, console.domU.evtchn), 80);
	ck_assert_uint_eq(offsetof(struct start_info, nr_p2m_frames), 1160);
	ck_assert_uint_eq(sizeof(struct shared_info), 3136);
	ck_assert_uint_eq(offsetof(struct shared_info, evtchn_mask), 2560);
	ck_assert_uint_eq(offsetof(struct shared_info, arch.p2m_generation), 3128);
	ck_assert_uint_eq(sizeof(struct vcpu_info), 64);
	ck_assert_uint_eq(offsetof(struct vcpu_info, arch.cr2), 16);
	ck_assert_uint_eq(offsetof(struct vcpu_info, time.tsc_shift), 60);
	ck_assert_uint_eq(sizeof(struct vcpu_guest_context), 5168);
	ck_assert_uint_eq(sizeof(struct trap_info), 16);
	ck_assert_uint_eq(sizeof(struct mmuext_op), 24);
	ck_assert_uint_eq(sizeof(struct multicall_entry), 64);
}
END_TEST

/* A shared_info page must fit in one 4 KiB frame together with its 2-level bitmaps. */
START_TEST(test_shared_info_fits_page)
{
	ck_assert_uint_le(sizeof(struct shared_info), 4096);
	ck_assert_uint_eq(EVTCHN_2L_NR_CHANNELS, 4096);
	ck_assert_uint_eq(sizeof(((struct shared_info *)0)->evtchn_pending) * 8,
			  EVTCHN_2L_NR_CHANNELS);
}
END_TEST

START_TEST(test_hypercall_numbers)
{
	ck_assert_int_eq(__HYPERVISOR_set_trap_table, 0);
	ck_assert_int_eq(__HYPERVISOR_update_descriptor, 10);
	ck_assert_int_eq(__HYPERVISOR_memory_op, 12);
	ck_assert_int_eq(__HYPERVISOR_xen_version, 17);
	ck_assert_int_eq(__HYPERVISOR_iret, 23);
	ck_assert_int_eq(__HYPERVISOR_sched_op, 29);
	ck_assert_int_eq(__HYPERVISOR_event_channel_op, 32);
	ck_assert_int_eq(__HYPERVISOR_physdev_op, 33);
	ck_assert_int_eq(__HYPERVISOR_xenpmu_op, 40);
	ck_assert_int_eq(__HYPERVISOR_arch_0, 48);
	ck_assert_int_lt(__HYPERVISOR_arch_7, PVABI_NR_HYPERCALLS);
}
END_TEST

/* Xen's errno numbers are the Linux/i386 ones; a few differ from other hosts' values, so pin them. */
START_TEST(test_errno_values)
{
	static const struct { int got, want; } tab[] = {
		{ XEN_EPERM, 1 }, { XEN_ENOENT, 2 }, { XEN_ESRCH, 3 },
		{ XEN_EINTR, 4 }, { XEN_EIO, 5 }, { XEN_E2BIG, 7 },
		{ XEN_EAGAIN, 11 }, { XEN_ENOMEM, 12 }, { XEN_EACCES, 13 },
		{ XEN_EFAULT, 14 }, { XEN_EBUSY, 16 }, { XEN_EEXIST, 17 },
		{ XEN_ENODEV, 19 }, { XEN_EISDIR, 21 }, { XEN_EINVAL, 22 },
		{ XEN_ENOSPC, 28 }, { XEN_EROFS, 30 }, { XEN_ERANGE, 34 },
		{ XEN_EDEADLK, 35 }, { XEN_ENAMETOOLONG, 36 },
		{ XEN_ENOSYS, 38 }, { XEN_ENOTEMPTY, 39 }, { XEN_ENODATA, 61 },
		{ XEN_ETIME, 62 }, { XEN_EOVERFLOW, 75 }, { XEN_ERESTART, 85 },
		{ XEN_EOPNOTSUPP, 95 }, { XEN_ENOBUFS, 105 },
		{ XEN_EISCONN, 106 }, { XEN_ETIMEDOUT, 110 },
		{ XEN_ECONNREFUSED, 111 },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		ck_assert_int_eq(tab[i].got, tab[i].want);
}
END_TEST

START_TEST(test_version_sched_layouts)
{
	ck_assert_uint_eq(sizeof(struct xen_compile_info), 144);
	ck_assert_uint_eq(offsetof(struct xen_feature_info, submap), 4);
	ck_assert_uint_eq(sizeof(struct sched_poll), 24);
	ck_assert_uint_eq(offsetof(struct sched_poll, timeout), 16);
	ck_assert_uint_eq(offsetof(struct sched_remote_shutdown, reason), 4);
	ck_assert_int_eq(XENFEAT_mmu_pt_update_preserve_ad, 5);
	ck_assert_int_eq(XENFEAT_gnttab_map_avail_bits, 7);
	ck_assert_int_eq(XEN_ELFNOTE_PHYS32_ENTRY, 18);
	ck_assert_int_eq(SHUTDOWN_crash, 3);
}
END_TEST

/* The 2-level bitmap arithmetic hypervisor and guest both rely on: port p is bit p%64 of word p/64. */
START_TEST(test_evtchn_bitmap_addressing)
{
	struct shared_info *si = calloc(1, sizeof(*si));
	ck_assert_ptr_nonnull(si);
	unsigned port = 4095;
	si->evtchn_pending[port / 64] |= 1ULL << (port % 64);
	const uint8_t *raw = (const uint8_t *)si;
	/* Little-endian: the top port is the top bit of the last byte of the pending array. */
	ck_assert_uint_eq(raw[offsetof(struct shared_info, evtchn_mask) - 1], 0x80);
	free(si);
}
END_TEST


START_TEST(test_op_struct_layouts)
{
	ck_assert_uint_eq(sizeof(struct xen_memory_reservation), 32);
	ck_assert_uint_eq(offsetof(struct xen_memory_reservation, domid), 24);
	ck_assert_uint_eq(sizeof(struct e820entry), 20);
	ck_assert_uint_eq(sizeof(struct xen_machphys_mapping), 24);
	ck_assert_uint_eq(sizeof(struct vcpu_runstate_info), 48);
	ck_assert_uint_eq(offsetof(struct vcpu_set_singleshot_timer, flags), 8);
	ck_assert_uint_eq(sizeof(struct evtchn_status), 24);
	ck_assert_uint_eq(offsetof(struct evtchn_bind_interdomain, local_port), 8);
	ck_assert_uint_eq(sizeof(struct gnttab_copy), 40);
	ck_assert_uint_eq(offsetof(struct gnttab_copy, status), 36);
	ck_assert_uint_eq(offsetof(struct gnttab_setup_table, frame_list), 16);
	ck_assert_uint_eq(GNTTAB_V1_ENTRIES_PER_PAGE, 512);
	ck_assert_uint_eq(offsetof(struct callback_register, address), 8);
	ck_assert_uint_eq(sizeof(struct blkif_request), 112);
	ck_assert_uint_eq(sizeof(struct blkif_response), 16);
	ck_assert_uint_eq(offsetof(struct blkif_request_indirect, indirect_grefs), 28);
	ck_assert_uint_eq(sizeof(struct netif_tx_request), 12);
	ck_assert_uint_eq(sizeof(struct netif_extra_info), 8);
	ck_assert_uint_eq(sizeof(struct xencons_interface), 3088);
	ck_assert_int_eq(XenbusStateClosed, 6);
}
END_TEST

/* Slot counts Linux computes for one-page rings: blkif 32, netif tx/rx 256. */
START_TEST(test_ring_nr_ents)
{
	ck_assert_uint_eq(pvabi_ring_nr_ents(4096, sizeof(union blkif_sring_entry)), 32);
	ck_assert_uint_eq(pvabi_ring_nr_ents(8192, sizeof(union blkif_sring_entry)), 64);
	ck_assert_uint_eq(pvabi_ring_nr_ents(4096, sizeof(union netif_tx_sring_entry)), 256);
	ck_assert_uint_eq(pvabi_ring_nr_ents(4096, sizeof(union netif_rx_sring_entry)), 256);
	ck_assert_uint_eq(pvabi_ring_nr_ents(64, 8), 0);
	ck_assert_uint_eq(pvabi_ring_nr_ents(100, 64), 0);
	ck_assert_uint_eq(pvabi_ring_nr_ents(4096, 0), 0);
}
END_TEST

struct ring_pair {
	_Alignas(4096) uint8_t page[4096];
	struct pvabi_ring front, back;
};

static void ring_pair_init(struct ring_pair *p, uint32_t start)
{
	memset(p->page, 0xa5, sizeof(p->page));
	pvabi_sring_init((struct pvabi_sring_hdr *)p->page);
	ck_assert(pvabi_ring_attach(&p->front, p->page, sizeof(p->page),
				    sizeof(union blkif_sring_entry)));
	ck_assert(pvabi_ring_attach(&p->back, p->page, sizeof(p->page),
				    sizeof(union blkif_sring_entry)));
	/* Start both ends at an arbitrary index to exercise u32 wrap-around. */
	struct pvabi_sring_hdr *h = p->front.sring;
	h->req_prod = h->rsp_prod = start;
	h->req_event = h->rsp_event = start + 1;
	p->front.prod_pvt = p->front.pushed = p->front.cons = start;
	p->back.prod_pvt = p->back.pushed = p->back.cons = start;
}

static void front_queue(struct ring_pair *p, uint64_t id)
{
	struct blkif_request *req = pvabi_front_next_request(&p->front);
	ck_assert_ptr_nonnull(req);
	memset(req, 0, sizeof(*req));
	req->operation = BLKIF_OP_READ;
	req->id = id;
	req->sector_number = id * 8;
}

/* Requests travel front->back and responses back, with ids and order preserved across index wrap. */
static void ring_roundtrip(uint32_t start)
{
	static struct ring_pair p;
	ring_pair_init(&p, start);
	uint64_t next_id = 1, next_rsp = 1;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 3; i++)
			front_queue(&p, next_id++);
		pvabi_front_push_requests(&p.front);
		ck_assert_int_eq(pvabi_back_pending_requests(&p.back), 3);
		for (int i = 0; i < 3; i++) {
			struct blkif_request req;
			pvabi_back_take_request(&p.back, &req, sizeof(req));
			ck_assert_uint_eq(req.sector_number, req.id * 8);
			struct blkif_response *rsp = pvabi_back_next_response(&p.back);
			ck_assert_ptr_nonnull(rsp);
			rsp->id = req.id;
			rsp->operation = req.operation;
			rsp->status = BLKIF_RSP_OKAY;
		}
		ck_assert_ptr_null(pvabi_back_next_response(&p.back));
		pvabi_back_push_responses(&p.back);
		ck_assert_int_eq(pvabi_front_pending_responses(&p.front), 3);
		for (int i = 0; i < 3; i++) {
			struct blkif_response rsp;
			pvabi_front_take_response(&p.front, &rsp, sizeof(rsp));
			ck_assert_uint_eq(rsp.id, next_rsp++);
		}
		ck_assert_int_eq(pvabi_front_final_check(&p.front), 0);
		ck_assert_int_eq(pvabi_back_final_check(&p.back), 0);
	}
	ck_assert_uint_eq(p.front.cons, start + 60);
}

START_TEST(test_ring_roundtrip)
{
	ring_roundtrip(0);
	ring_roundtrip(UINT32_MAX - 7);
}
END_TEST

START_TEST(test_ring_full)
{
	static struct ring_pair p;
	ring_pair_init(&p, UINT32_MAX - 3);
	for (uint32_t i = 0; i < p.front.nr_ents; i++)
		front_queue(&p, i + 1);
	ck_assert_uint_eq(pvabi_front_free_requests(&p.front), 0);
	ck_assert_ptr_null(pvabi_front_next_request(&p.front));
	pvabi_front_push_requests(&p.front);
	ck_assert_int_eq(pvabi_back_pending_requests(&p.back), 32);
}
END_TEST

/* Notify only when the peer's event index falls inside the newly published range. */
START_TEST(test_ring_notify_rules)
{
	static struct ring_pair p;
	ring_pair_init(&p, 0);
	front_queue(&p, 1);
	ck_assert(pvabi_front_push_requests(&p.front));	/* req_event = 1 */
	front_queue(&p, 2);
	ck_assert(!pvabi_front_push_requests(&p.front));	/* backend did not re-arm */
	struct blkif_request req;
	pvabi_back_take_request(&p.back, &req, sizeof(req));
	pvabi_back_take_request(&p.back, &req, sizeof(req));
	ck_assert_int_eq(pvabi_back_final_check(&p.back), 0);	/* re-arms at cons + 1 */
	ck_assert_uint_eq(p.back.sring->req_event, 3);
	front_queue(&p, 3);
	front_queue(&p, 4);
	ck_assert(pvabi_front_push_requests(&p.front));
	/* Responses: frontend armed rsp_event = 1 at init. */
	for (int i = 0; i < 2; i++)
		ck_assert_ptr_nonnull(pvabi_back_next_response(&p.back));
	ck_assert(pvabi_back_push_responses(&p.back));
	ck_assert_ptr_null(pvabi_back_next_response(&p.back));
}
END_TEST

/* The typed private copy takes exactly one request; the peer rewriting the slot afterwards changes nothing. */
START_TEST(test_ring_private_copy)
{
	static struct ring_pair p;
	struct blkif_request req, *slot;

	ring_pair_init(&p, 0);
	front_queue(&p, 7);
	pvabi_front_push_requests(&p.front);
	slot = pvabi_ring_slot(&p.back, p.back.cons);
	memset(&req, 0x5a, sizeof(req));
	PVABI_BACK_TAKE(&p.back, &req);
	ck_assert_uint_eq(p.back.cons, 1);
	ck_assert_uint_eq(req.id, 7);
	ck_assert_uint_eq(req.sector_number, 56);
	slot->id = 666;
	slot->sector_number = 1;
	ck_assert_uint_eq(req.id, 7);
	ck_assert_uint_eq(req.sector_number, 56);
}
END_TEST

/* Producer indices that claim impossible amounts are reported, not trusted. */
START_TEST(test_ring_hostile_indices)
{
	static struct ring_pair p;
	ring_pair_init(&p, 100);
	struct pvabi_sring_hdr *h = p.back.sring;
	h->req_prod = 100 + 33;			/* 33 requests in a 32-slot ring */
	ck_assert_int_eq(pvabi_back_pending_requests(&p.back), -1);
	ck_assert_int_eq(pvabi_back_final_check(&p.back), -1);
	h->req_prod = 100 - 1;			/* moved backwards: wraps to a huge count */
	ck_assert_int_eq(pvabi_back_pending_requests(&p.back), -1);
	h->req_prod = 100 + 32;
	ck_assert_int_eq(pvabi_back_pending_requests(&p.back), 32);

	front_queue(&p, 1);
	pvabi_front_push_requests(&p.front);
	h->rsp_prod = 100 + 2;			/* two responses for one request */
	ck_assert_int_eq(pvabi_front_pending_responses(&p.front), -1);
	h->rsp_prod = 100 + 1;
	ck_assert_int_eq(pvabi_front_pending_responses(&p.front), 1);
}
END_TEST

START_TEST(test_console_ring_math)
{
	ck_assert_uint_eq(xencons_out_pos(2048 + 5), 5);
	ck_assert_uint_eq(xencons_in_pos(1023), 1023);
	ck_assert_uint_eq(xencons_in_pos(1024), 0);
	ck_assert_int_eq(xencons_avail(UINT32_MAX, 9, XENCONS_OUT_SIZE), 10);
	ck_assert_int_eq(xencons_avail(0, XENCONS_IN_SIZE + 1, XENCONS_IN_SIZE), -1);
	ck_assert_int_eq(xencons_avail(7, 7, XENCONS_IN_SIZE), 0);
}
END_TEST

/* A frontend and a backend on two threads: every request answered once, in order, nothing torn. */
#define STRESS_REQS 200000

struct stress {
	_Alignas(4096) uint8_t page[4096];
	struct pvabi_ring front, back;
	int back_errors;
	int front_errors;
};

static void *stress_backend(void *arg)
{
	struct stress *st = arg;
	uint64_t handled = 0;
	while (handled < STRESS_REQS) {
		int64_t n = pvabi_back_final_check(&st->back);
		if (n < 0) {
			st->back_errors++;
			return NULL;
		}
		for (int64_t i = 0; i < n; i++) {
			struct blkif_request req;
			pvabi_back_take_request(&st->back, &req, sizeof(req));
			if (req.sector_number != req.id * 8 || req.nr_segments != (req.id & 7))
				st->back_errors++;
			struct blkif_response *rsp = pvabi_back_next_response(&st->back);
			rsp->id = req.id;
			rsp->operation = req.operation;
			rsp->status = (int16_t)(req.id & 0x7fff);
			handled++;
		}
		if (n)
			pvabi_back_push_responses(&st->back);
	}
	return NULL;
}

static void stress_frontend(struct stress *st)
{
	uint64_t next_id = 0, next_rsp = 0;
	while (next_rsp < STRESS_REQS) {
		bool queued = false;
		while (next_id < STRESS_REQS && pvabi_front_free_requests(&st->front) > 0) {
			struct blkif_request *req = pvabi_front_next_request(&st->front);
			req->operation = BLKIF_OP_WRITE;
			req->nr_segments = next_id & 7;
			req->id = next_id;
			req->sector_number = next_id * 8;
			next_id++;
			queued = true;
		}
		if (queued)
			pvabi_front_push_requests(&st->front);
		int64_t n = pvabi_front_final_check(&st->front);
		if (n < 0) {
			st->front_errors++;
			return;
		}
		for (int64_t i = 0; i < n; i++) {
			struct blkif_response rsp;
			pvabi_front_take_response(&st->front, &rsp, sizeof(rsp));
			if (rsp.id != next_rsp || rsp.status != (int16_t)(next_rsp & 0x7fff))
				st->front_errors++;
			next_rsp++;
		}
	}
}

START_TEST(test_ring_two_threads)
{
	static struct stress st;
	memset(&st, 0, sizeof(st));
	pvabi_sring_init((struct pvabi_sring_hdr *)st.page);
	ck_assert(pvabi_ring_attach(&st.front, st.page, 4096, sizeof(union blkif_sring_entry)));
	ck_assert(pvabi_ring_attach(&st.back, st.page, 4096, sizeof(union blkif_sring_entry)));
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, stress_backend, &st), 0);
	stress_frontend(&st);
	pthread_join(t, NULL);
	ck_assert_int_eq(st.back_errors, 0);
	ck_assert_int_eq(st.front_errors, 0);
	ck_assert_uint_eq(st.front.cons, STRESS_REQS);
	ck_assert_uint_eq(st.back.sring->rsp_prod, STRESS_REQS);
}
END_TEST

static Suite *pvabi_suite(void)
{
	Suite *s = suite_create("pvabi");
	TCase *tc = tcase_create("layouts");
	tcase_add_test(tc, test_core_layouts);
	tcase_add_test(tc, test_shared_info_fits_page);
	tcase_add_test(tc, test_hypercall_numbers);
	tcase_add_test(tc, test_errno_values);
	tcase_add_test(tc, test_version_sched_layouts);
	tcase_add_test(tc, test_evtchn_bitmap_addressing);
	tcase_add_test(tc, test_op_struct_layouts);
	suite_add_tcase(s, tc);
	TCase *ring = tcase_create("ring");
	tcase_add_test(ring, test_ring_nr_ents);
	tcase_add_test(ring, test_ring_roundtrip);
	tcase_add_test(ring, test_ring_full);
	tcase_add_test(ring, test_ring_notify_rules);
	tcase_add_test(ring, test_ring_hostile_indices);
	tcase_add_test(ring, test_ring_private_copy);
	tcase_add_test(ring, test_console_ring_math);
	tcase_add_test(ring, test_ring_two_threads);
	suite_add_tcase(s, ring);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pvabi_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
