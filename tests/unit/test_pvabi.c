/* Host checks of the pv-abi headers: all of them compile together on the host and key layouts hold at run time. */
#include <check.h>
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
	suite_add_tcase(s, tc);
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
