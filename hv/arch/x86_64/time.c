/* SPDX-License-Identifier: MIT */
/* TSC calibration against PIT channel 2, and nanoseconds since boot from the TSC. */
#include <asm/x86.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/time.h>
#include <hv/timer.h>

#define PIT_HZ		1193182
#define CALIBRATE_MS	20

static uint64_t tsc_at_boot;
static uint64_t tsc_freq_khz;
static uint64_t calibrate_ppm;	/* the best window's reading error bound, for the log */
/* ns = (tsc delta * mult) >> 32: one multiply, no division on the hot path. */
static uint64_t ns_mult;

/* pvclock parameters for guests: ns = ((tsc - tsc_at_boot) << shift) * mul >> 32. */
static uint32_t pv_mul;
static int8_t pv_shift;
/*
 * Nanoseconds since the epoch at system time 0. The RTC counts whole
 * seconds: read once at boot, the estimate is placed mid-second (error up
 * to +-0.5 s); the tick then finds a seconds edge (rtc_edge_tick) and the
 * estimate becomes exact to a few microseconds of the RTC's own phase.
 */
static uint64_t wallclock_boot_ns;
static bool rtc_read_at_boot;	/* else the wall clock started at the epoch: nothing to compare at the stop */
static enum { EDGE_COARSE, EDGE_FINE, EDGE_DONE } edge_state = EDGE_DONE;
static unsigned int edge_last_sec;
static s_time_t edge_last_poll, edge_next;
#define NS_PER_SEC	1000000000ULL
#define EDGE_SPIN_MAX	(30 * 1000000LL)	/* the longest the fine wait may hold CPU 0 */

uint64_t tsc_boot_value(void)
{
	return tsc_at_boot;
}

void time_pvclock_params(uint32_t *mul, int8_t *shift)
{
	*mul = pv_mul;
	*shift = pv_shift;
}

uint64_t time_wallclock_boot_ns(void)
{
	return __atomic_load_n(&wallclock_boot_ns, __ATOMIC_RELAXED);
}

static unsigned int cmos_read(unsigned int reg)
{
	outb(0x70, (uint8_t)reg);
	return inb(0x71);
}

static unsigned int bcd(unsigned int v, bool binary)
{
	return binary ? v : (v & 15) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), the usual civil-from-days inverse. */
static uint64_t days_since_epoch(unsigned int y, unsigned int m, unsigned int d)
{
	uint64_t yy = y - (m <= 2), era = yy / 400, yoe = yy - era * 400;
	uint64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void rtc_wait_not_updating(void)
{
	for (int tries = 0; tries < 1000000 && (cmos_read(0x0a) & 0x80); tries++)
		;	/* update in progress */
}

/* Seconds since the epoch from the RTC, or 0 if it makes no sense. */
static uint64_t rtc_seconds(void)
{
	unsigned int sec, min, hour, day, mon, year, b;

	rtc_wait_not_updating();
	b = cmos_read(0x0b);
	sec = bcd(cmos_read(0x00), b & 4);
	min = bcd(cmos_read(0x02), b & 4);
	hour = bcd(cmos_read(0x04) & 0x7f, b & 4);
	day = bcd(cmos_read(0x07), b & 4);
	mon = bcd(cmos_read(0x08), b & 4);
	year = bcd(cmos_read(0x09), b & 4) + 2000;
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return 0;
	return days_since_epoch(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

/* The RTC, read at boot: guests get it as shared_info's wall clock. */
static void read_rtc(void)
{
	uint64_t sec = rtc_seconds();

	if (!sec) {
		log_warn("time: RTC unreadable; wall clock starts at the epoch");
		return;
	}
	wallclock_boot_ns = sec * NS_PER_SEC + NS_PER_SEC / 2 - (uint64_t)time_now_ns();
	rtc_read_at_boot = true;
	edge_last_sec = cmos_read(0x00);
	edge_last_poll = time_now_ns();
	edge_state = EDGE_COARSE;
}

/*
 * From CPU 0's tick until done: first the tick that sees the seconds
 * register change (an edge within the last tick period), then, one second
 * later, a busy wait from just before that window to the change itself.
 * It holds CPU 0 once, for at most about two tick periods. Returns true
 * when the wall clock has just become exact: the caller republishes it.
 */
bool rtc_edge_tick(void)
{
	s_time_t now = time_now_ns(), t;
	unsigned int sec;

	if (edge_state == EDGE_DONE || (cmos_read(0x0a) & 0x80))
		return false;
	if (edge_state == EDGE_COARSE) {
		sec = cmos_read(0x00);
		if (sec != edge_last_sec)
			edge_next = edge_last_poll + (s_time_t)NS_PER_SEC;
		edge_state = sec != edge_last_sec ? EDGE_FINE : EDGE_COARSE;
		edge_last_sec = sec;
		edge_last_poll = now;
		return false;
	}
	/* Wait for the tick just before the window in which the next edge must fall. */
	if (now + (s_time_t)this_cpu()->timer_period_ns < edge_next)
		return false;
	sec = cmos_read(0x00);
	do {
		t = time_now_ns();
		if (t - now > EDGE_SPIN_MAX) {
			edge_state = EDGE_COARSE;	/* missed it (a long stall): start over */
			edge_last_sec = cmos_read(0x00);
			edge_last_poll = t;
			return false;
		}
	} while (cmos_read(0x00) == sec);
	edge_state = EDGE_DONE;
	/* The second that began at t, read whole (date included) now that the update is over. */
	{
		uint64_t whole = rtc_seconds() * NS_PER_SEC;

		if (!whole)
			return false;
		log_info("time: RTC second %lu began %ld us after boot: wall clock moved by %ld ms",
			 (unsigned long)(whole / NS_PER_SEC), t / 1000, (int64_t)(whole - (uint64_t)t - wallclock_boot_ns) / 1000000);
		__atomic_store_n(&wallclock_boot_ns, whole - (uint64_t)t, __ATOMIC_RELAXED);
	}
	return true;
}

/*
 * At the machine's stop: the wall clock the TSC kept against the RTC's
 * whole second (QEMU's follows the host's clock). A TSC calibrated wrong
 * shows here as seconds gained or lost; a right one stays within the RTC's
 * second and the boot estimate's half second.
 */
void time_check_rtc(void)
{
	uint64_t rtc = rtc_seconds(), again;
	int64_t off_ms;

	/* Two readings that agree: a stall across an update could mix two seconds (or minutes) in one. */
	for (int i = 0; i < 4 && rtc && (again = rtc_seconds()) != rtc; i++)
		rtc = again;
	if (!rtc || !ns_mult || !rtc_read_at_boot)
		return;
	off_ms = ((int64_t)(time_wallclock_boot_ns() + (uint64_t)time_now_ns()) - (int64_t)(rtc * NS_PER_SEC) -
		  (int64_t)(NS_PER_SEC / 2)) / 1000000;
	if (off_ms > 1500 || off_ms < -1500)
		log_err("time: the clock is %ld ms off the RTC after %ld s: the TSC calibration (%lu kHz) is wrong",
			off_ms, time_now_ns() / (s_time_t)NS_PER_SEC, tsc_freq_khz);
}

uint64_t tsc_khz(void)
{
	return tsc_freq_khz;
}

static s_time_t ticks_to_ns(uint64_t ticks)
{
	return (s_time_t)(((unsigned __int128)ticks * ns_mult) >> 32);
}

/* A TSC value at which time_now_ns() reads at least ns (never 0, which would disarm a TSC deadline). */
uint64_t time_ns_to_tsc(s_time_t ns)
{
	uint64_t ticks;
	s_time_t short_by;

	if (ns <= 0 || !ns_mult)
		return tsc_at_boot ? tsc_at_boot : 1;
	/* No 128-bit division here: estimate from the kHz figure, then close the gap ns_mult's rounding leaves. */
	ticks = (uint64_t)ns / 1000000 * tsc_freq_khz + (uint64_t)ns % 1000000 * tsc_freq_khz / 1000000;
	short_by = ns - ticks_to_ns(ticks);
	if (short_by > 0)
		ticks += (uint64_t)short_by * tsc_freq_khz / 1000000 + 1;
	while (ticks_to_ns(ticks) < ns)
		ticks++;
	return tsc_at_boot + ticks;
}

s_time_t timer_arch_now(void)
{
	return time_now_ns();
}

s_time_t time_now_ns(void)
{
	if (!ns_mult)
		return 0;
	return (s_time_t)(((unsigned __int128)(rdtsc() - tsc_at_boot) * ns_mult) >> 32);
}

/*
 * One reading of PIT channel 2's count with the TSC around it: the count
 * belongs to the TSC midpoint, to within half the gap, which is returned.
 * The best of a few tries: an emulator's thread can be descheduled inside
 * any one of them.
 */
static uint64_t pit_read_pair(uint16_t *count, uint64_t *tsc)
{
	uint64_t best = ~0ULL;

	for (int i = 0; i < 4; i++) {
		uint64_t a = rdtsc(), b;
		uint8_t lo, hi;

		outb(0x43, 0x80);		/* latch channel 2's count */
		lo = inb(0x42);
		hi = inb(0x42);
		b = rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*count = (uint16_t)(lo | hi << 8);
		}
	}
	return best;
}

/*
 * The TSC's kHz, from the PIT count and the TSC read together at both
 * ends of a window of about CALIBRATE_MS; 0 when the PIT does not count or
 * ran out.
 * *ppm: how far the two readings' own gaps may put it off, in parts per
 * million. Both clocks keep running while the CPU (or, under QEMU, its
 * thread) is away, so a stall inside the window costs nothing; only a
 * stall inside one of the two short readings does, and *ppm shows it.
 * (Timing a whole count-down instead, as this code did before, counts
 * every stall: at load 14 under TCG it read 5.95 GHz for a 2.6 GHz TSC,
 * and every clock of the machine ran at 0.44 of real time.)
 */
static uint64_t pit_measure(uint64_t *ppm)
{
	uint16_t want = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000), first, c0, c1;
	uint64_t t0, t1, g0, g1, khz = 0;
	uint8_t gate = inb(0x61);
	unsigned long spins = 0;

	outb(0x61, (gate & ~0x02) | 0x01);	/* speaker off, gate on */
	outb(0x43, 0xb0);			/* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	/* The count is loaded on the PIT's next clock: start from a reading that moved. */
	pit_read_pair(&first, &t0);
	do
		g0 = pit_read_pair(&c0, &t0);
	while (c0 == first && ++spins < 1000000);
	do
		g1 = pit_read_pair(&c1, &t1);
	while ((uint16_t)(c0 - c1) < want && c1 < c0 && !(inb(0x61) & 0x20) && ++spins < 10000000);
	/* OUT high: the count ran out (and wrapped) during a stall, so c0 - c1 would lie. */
	if (!(inb(0x61) & 0x20) && c1 < c0 && t1 > t0) {
		/* Over the counts that passed, not the window asked for (no rounding bias). */
		khz = (t1 - t0) * PIT_HZ / ((uint64_t)(uint16_t)(c0 - c1) * 1000);
		*ppm = (g0 + g1) * 1000000 / (t1 - t0);
	}
	outb(0x61, gate);
	return khz;
}

void time_init(void)
{
	uint64_t got[8], q[8], n = 0, good = 0;

	tsc_at_boot = rdtsc();
	/* Until three windows are good to 0.1%; a stall in a reading spoils only its own window. */
	for (int i = 0; i < 8 && good < 3; i++) {
		uint64_t ppm = 0, t = pit_measure(&ppm);

		if (!t)
			continue;
		got[n] = t;
		q[n++] = ppm;
		good += ppm <= 1000;
	}
	if (!n) {
		log_warn("time: PIT calibration failed; assuming a 1 GHz TSC");
		got[n] = 1000000ULL;
		q[n++] = 0;
	}
	/* Best readings first; then the median of the (at most) three best. */
	for (uint64_t i = 1; i < n; i++)
		for (uint64_t j = i; j > 0 && q[j - 1] > q[j]; j--) {
			uint64_t x = got[j], y = q[j];

			got[j] = got[j - 1], q[j] = q[j - 1];
			got[j - 1] = x, q[j - 1] = y;
		}
	n = n < 3 ? n : 3;
	for (uint64_t i = 1; i < n; i++)
		for (uint64_t j = i; j > 0 && got[j - 1] > got[j]; j--) {
			uint64_t x = got[j];

			got[j] = got[j - 1];
			got[j - 1] = x;
		}
	tsc_freq_khz = got[n / 2];
	calibrate_ppm = q[0];
	ns_mult = (1000000ULL << 32) / tsc_freq_khz;
	{
		uint64_t m = ns_mult;

		/* The guest's multiplier is 32 bits: slow TSCs shift the delta left instead. */
		while (m >> 32) {
			m >>= 1;
			pv_shift++;
		}
		pv_mul = (uint32_t)m;
	}
	read_rtc();
	log_info("time: TSC %lu.%03lu MHz (PIT-calibrated, readings within %lu ppm)", tsc_freq_khz / 1000,
		 tsc_freq_khz % 1000, calibrate_ppm);
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
