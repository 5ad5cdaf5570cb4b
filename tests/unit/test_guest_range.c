/* SPDX-License-Identifier: MIT */
/* guest_range_ok (arch/x86_64/pv/guest_access.c): its short-cut order against the plain rule at every edge. */
#include <check.h>
#include <string.h>

#include <hv/domain.h>
#include <hv/guest_access.h>
#include <pvabi/arch_x86_64.h>

/* The copy itself is assembly (entry.S); here it only has to exist. */
size_t raw_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

/* No vCPU runs here: copies take the PV path. */
struct vcpu *current_vcpu(void)
{
	return NULL;
}

static bool canonical(uint64_t va)
{
	return va < 0x0000800000000000ULL || va >= 0xffff800000000000ULL;
}

/* The rule as guest_access.h states it, each clause on its own. */
static bool reference(uint64_t va, size_t len)
{
	uint64_t last = va + len - 1;

	if (len == 0)
		return true;
	if (last < va || !canonical(va) || !canonical(last))
		return false;
	if (va < HYPERVISOR_VIRT_END && last >= HYPERVISOR_VIRT_START)
		return false;
	return (va >> 63) == (last >> 63);
}

static const uint64_t edges[] = {
	0, 1, 0xfff, 0x1000, 0x00007fffffffefffULL, 0x00007ffffffff000ULL, 0x00007fffffffffffULL,
	0x0000800000000000ULL, 0x0000800000000001ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	0xffff7fffffffffffULL, HYPERVISOR_VIRT_START, HYPERVISOR_VIRT_START + 1, HYPERVISOR_VIRT_END - 1,
	HYPERVISOR_VIRT_END, HYPERVISOR_VIRT_END + 1, 0xffffffff80000000ULL, 0xfffffffffffff000ULL,
	0xffffffffffffffffULL,
};

START_TEST(test_matches_the_definition_at_every_edge)
{
	unsigned int checked = 0;

	/* Start and end each at an edge or one step from it, plus the lengths that wrap or are huge. */
	for (unsigned int i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		for (int dv = -1; dv <= 1; dv++) {
			uint64_t va = edges[i] + (uint64_t)(int64_t)dv;

			for (unsigned int j = 0; j < sizeof(edges) / sizeof(edges[0]); j++) {
				for (int dl = -1; dl <= 1; dl++) {
					uint64_t end = edges[j] + (uint64_t)(int64_t)dl;
					size_t lens[] = { end - va + 1, end - va, 1, 8, 4096, ~(size_t)0 };

					for (unsigned int k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
						ck_assert_msg(guest_range_ok(va, lens[k]) == reference(va, lens[k]),
							      "va %#lx len %#lx", (unsigned long)va, (unsigned long)lens[k]);
						checked++;
					}
				}
			}
		}
	}
	ck_assert_uint_gt(checked, 10000);
}
END_TEST

START_TEST(test_plain_cases)
{
	ck_assert(guest_range_ok(0x400000, 4096));
	ck_assert(guest_range_ok(0x00007ffffffff000ULL, 4096));		/* the last lower-half page */
	ck_assert(!guest_range_ok(0x00007ffffffff000ULL, 4097));	/* one byte into the hole */
	ck_assert(!guest_range_ok(HYPERVISOR_VIRT_START, 1));
	ck_assert(!guest_range_ok(HYPERVISOR_VIRT_END - 1, 2));		/* the hypervisor's last byte */
	ck_assert(guest_range_ok(HYPERVISOR_VIRT_END, 8));
	ck_assert(guest_range_ok(0xfffffffffffff000ULL, 4096));		/* ends at the top, no wrap */
	ck_assert(!guest_range_ok(0xfffffffffffff000ULL, 4097));	/* wraps to 0 */
	ck_assert(!guest_range_ok(0x1000, ~(size_t)0));
	ck_assert(guest_range_ok(0x1234, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_range");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_matches_the_definition_at_every_edge);
	tcase_add_test(tc, test_plain_cases);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
