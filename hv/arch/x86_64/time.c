/* TSC calibration against PIT channel 2, and nanoseconds since boot from the TSC. */
#include <asm/x86.h>
#include <hv/log.h>
#include <hv/time.h>

#define PIT_HZ		1193182
#define CALIBRATE_MS	10

static uint64_t tsc_at_boot;
static uint64_t tsc_freq_khz;
/* ns = (tsc delta * mult) >> 32: one multiply, no division on the hot path. */
static uint64_t ns_mult;

uint64_t tsc_khz(void)
{
	return tsc_freq_khz;
}

s_time_t time_now_ns(void)
{
	if (!ns_mult)
		return 0;
	return (s_time_t)(((unsigned __int128)(rdtsc() - tsc_at_boot) * ns_mult) >> 32);
}

/* One gated count-down of PIT channel 2; returns TSC ticks elapsed. */
static uint64_t pit_measure(unsigned int ms)
{
	uint16_t count = (uint16_t)(PIT_HZ * ms / 1000);
	uint64_t t0, t1;
	uint8_t gate = inb(0x61);
	unsigned long spins = 0;

	outb(0x61, (gate & ~0x02) | 0x01);	/* speaker off, gate on */
	outb(0x43, 0xb0);			/* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20)) {
		if (++spins > 100000000)
			return 0;	/* no PIT: caller falls back */
	}
	t1 = rdtsc();
	outb(0x61, gate);
	return t1 - t0;
}

void time_init(void)
{
	uint64_t best = ~0ULL;

	tsc_at_boot = rdtsc();
	/* Shortest of several runs: a run can only be stretched (by an emulator or an SMI), never shortened. */
	for (int i = 0; i < 3; i++) {
		uint64_t t = pit_measure(CALIBRATE_MS);

		if (t && t < best)
			best = t;
	}
	if (best == ~0ULL) {
		log_warn("time: PIT calibration failed; assuming a 1 GHz TSC");
		best = 1000000ULL * CALIBRATE_MS;
	}
	tsc_freq_khz = best / CALIBRATE_MS;
	ns_mult = (1000000ULL << 32) / tsc_freq_khz;
	log_info("time: TSC %lu.%03lu MHz (PIT-calibrated)", tsc_freq_khz / 1000, tsc_freq_khz % 1000);
}

void tsc_delay_ns(uint64_t ns)
{
	uint64_t end = rdtsc() + ns * tsc_freq_khz / 1000000;

	while (rdtsc() < end)
		__asm__ volatile("pause");
}

/* Sleeps with interrupts on, so timer ticks keep arriving while we wait. */
void hv_wait_ns(uint64_t ns)
{
	s_time_t end = time_now_ns() + (s_time_t)ns;

	while (time_now_ns() < end)
		__asm__ volatile("sti; hlt" ::: "memory");
}
