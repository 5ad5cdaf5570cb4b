/* SPDX-License-Identifier: MIT */
/* Benchmark guest: TSC cycles per xen_version(XENVER_version) round trip, median over 64 batches of 1000. */
#include <pvabi/version.h>
#include "test.h"

#define BATCHES	64
#define CALLS	1000

static void sort_u64(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

void test_main(void)
{
	static uint64_t per_call[BATCHES];
	long expected = hyp_xen_version(XENVER_version, 0);
	unsigned long wrong = 0;

	/* Warm up caches and whatever the hypervisor sets up lazily. */
	for (int i = 0; i < CALLS; i++)
		wrong += hyp_xen_version(XENVER_version, 0) != expected;
	for (unsigned int b = 0; b < BATCHES; b++) {
		uint64_t t0 = rt_rdtsc();

		for (int i = 0; i < CALLS; i++)
			wrong += hyp_xen_version(XENVER_version, 0) != expected;
		per_call[b] = (rt_rdtsc() - t0) / CALLS;
	}
	sort_u64(per_call, BATCHES);
	tc_check(wrong == 0 && expected > 0, "every xen_version(0) returned %#lx", expected);
	rt_printf("bench hypercall: xen_version(0) round trip median %llu cycles "
		  "(min %llu, max %llu; %u batches of %u)\n",
		  (unsigned long long)per_call[BATCHES / 2], (unsigned long long)per_call[0],
		  (unsigned long long)per_call[BATCHES - 1], BATCHES, CALLS);
}
