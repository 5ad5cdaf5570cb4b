/* SPDX-License-Identifier: MIT */
/*
 * heartbeat (security suite, the innocent domain): fills pages of its own
 * memory with a seeded pattern and notes where each one lives (P2M and
 * M2P), then ticks for the number of seconds on its command line
 * ("secs=N"), rechecking one page per tick and measuring the longest gap
 * between ticks on the pvclock. At the end every page and every P2M/M2P
 * entry is checked again. A hostile neighbour that writes our memory,
 * steals or remaps our frames or holds every CPU shows up here as
 * corruption or as a long gap; "maxgap=MS" is the liveness bound asserted.
 */
#include "test.h"
#include "sec_util.h"

#define HB_PAGES	64
#define HB_WORDS	(HB_PAGES * 512)

static uint64_t hb_mem[HB_WORDS] __attribute__((aligned(4096)));
static uint64_t hb_mfn[HB_PAGES];

static uint64_t hb_word(unsigned int i)
{
	uint64_t x = 0x5eed0f1f3a7e5eedULL ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 29;
	return x * 0xbf58476d1ce4e5b9ULL;
}

/* Pattern and placement of one page; returns the number of words or entries that differ. */
static unsigned long hb_check_page(unsigned int p)
{
	const volatile uint64_t *m = hb_mem;
	unsigned long bad = 0;

	for (unsigned int w = p * 512; w < (p + 1) * 512; w++)
		bad += m[w] != hb_word(w);
	bad += sec_mfn_of(&hb_mem[p * 512]) != hb_mfn[p];
	bad += sec_m2p(hb_mfn[p]) != sec_pfn_of(&hb_mem[p * 512]);
	return bad;
}

void test_main(void)
{
	uint64_t secs = sec_cmdline_num("secs=", 5), maxgap_ms = sec_cmdline_num("maxgap=", 30000);
	uint64_t start, last, now, worst = 0, ticks = 0, next_report;
	unsigned long bad = 0, bad_pages = 0;
	unsigned int p = 0;

	if (!sec_clock_init()) {
		tc_error("cannot map shared_info for the clock");
		return;
	}
	for (unsigned int i = 0; i < HB_WORDS; i++)
		hb_mem[i] = hb_word(i);
	for (unsigned int i = 0; i < HB_PAGES; i++)
		hb_mfn[i] = sec_mfn_of(&hb_mem[i * 512]);
	start = last = sec_now_ns();
	next_report = start + 10ULL * SEC_NS;
	rt_printf("heartbeat: %u pages filled, ticking for %llu s\n", HB_PAGES, (unsigned long long)secs);
	while ((now = sec_now_ns()) - start < secs * SEC_NS) {
		unsigned long b;

		if (now - last > worst)
			worst = now - last;
		last = now;
		ticks++;
		b = hb_check_page(p);
		if (b && bad_pages++ < 4)
			rt_printf("heartbeat: page %u corrupted (%lu words/entries differ)\n", p, b);
		bad += b;
		p = (p + 1) % HB_PAGES;
		if (now >= next_report) {
			rt_printf("heartbeat: %llu s, %llu ticks, worst gap %llu us\n",
				  (unsigned long long)((now - start) / SEC_NS), (unsigned long long)ticks,
				  (unsigned long long)(worst / 1000));
			next_report += 10ULL * SEC_NS;
		}
	}
	for (unsigned int i = 0; i < HB_PAGES; i++)
		bad += hb_check_page(i);
	rt_printf("heartbeat: done: %llu ticks in %llu s, worst gap %llu us, corruption: %s\n",
		  (unsigned long long)ticks, (unsigned long long)secs, (unsigned long long)(worst / 1000),
		  bad ? "FOUND" : "none");
	tc_check(bad == 0, "the %u pattern pages and their P2M/M2P entries are intact (%lu differ)", HB_PAGES, bad);
	tc_check(ticks > secs, "the heartbeat ticked (%llu ticks)", (unsigned long long)ticks);
	tc_check(worst <= maxgap_ms * 1000000ULL, "worst gap %llu ms within the liveness bound %llu ms",
		 (unsigned long long)(worst / 1000000), (unsigned long long)maxgap_ms);
}
