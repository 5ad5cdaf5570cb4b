/* SPDX-License-Identifier: MIT */
/* TSC calibration (hv/arch/x86_64/time.c) on a model machine whose CPU thread stalls, as QEMU's does on a loaded host. */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <hv/percpu.h>
#include <hv/time.h>

void time_init(void);

/*
 * The model: one clock (ns) drives the TSC and the PIT, as QEMU's TCG
 * drives both from the host's. Every port access and TSC read costs a
 * little time. On a loaded host the CPU's thread runs for a while (run_ms,
 * varied) and is then descheduled for stall_ms: the stall lands wherever
 * the guest is, also between programming the PIT and reading the TSC, or
 * inside a reading.
 */
#define PIT_HZ		1193182ULL
static double now_ns;
static double tsc_ghz;
static double run_ns, stall_ns, next_stall;
static unsigned int seed;

static unsigned int rnd(unsigned int n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) % n;
}

static void maybe_stall(void)
{
	now_ns += 300;	/* one emulated port access */
	if (stall_ns > 0 && now_ns >= next_stall) {
		now_ns += stall_ns * (50 + rnd(100)) / 100;
		next_stall = now_ns + run_ns * (20 + rnd(160)) / 100;
	}
}

static double pit_load_ns;
static uint16_t pit_count, pit_latched;
static int pit_write_lo, pit_read_hi, pit_latch_valid;
static uint8_t port61, cmos_index;

/* Mode 0 from the count loaded: counts down once per PIT clock, wraps at 0 with OUT high from then on. */
static uint64_t pit_elapsed(void)
{
	return (uint64_t)((now_ns - pit_load_ns) * PIT_HZ / 1e9);
}

static uint16_t pit_now(void)
{
	return (uint16_t)(pit_count - pit_elapsed());
}

uint64_t harness_rdtsc(void)
{
	now_ns += 20;
	return (uint64_t)(now_ns * tsc_ghz);
}

uint8_t harness_inb(uint16_t port)
{
	maybe_stall();
	switch (port) {
	case 0x42: {
		uint16_t v = pit_latch_valid ? pit_latched : pit_now();
		uint8_t b = pit_read_hi ? (uint8_t)(v >> 8) : (uint8_t)v;

		if (pit_read_hi)
			pit_latch_valid = 0;
		pit_read_hi ^= 1;
		return b;
	}
	case 0x61:
		return (uint8_t)((port61 & 3) | (pit_elapsed() >= pit_count ? 0x20 : 0));
	case 0x71:
		switch (cmos_index) {
		case 0x0a: return 0;		/* no update in progress */
		case 0x0b: return 0x06;		/* binary, 24 hours */
		case 0x00: return 30;
		case 0x02: return 15;
		case 0x04: return 12;
		case 0x07: return 8;
		case 0x08: return 12;
		case 0x09: return 26;
		default: return 0;
		}
	default:
		return 0xff;
	}
}

void harness_outb(uint16_t port, uint8_t v)
{
	maybe_stall();
	switch (port) {
	case 0x43:
		if (v == 0x80) {		/* latch channel 2 */
			pit_latched = pit_now();
			pit_latch_valid = 1;
			pit_read_hi = 0;
		} else if ((v & 0xc0) == 0x80) {	/* program channel 2 */
			pit_write_lo = 1;
		}
		break;
	case 0x42:
		if (pit_write_lo) {
			pit_count = v;
			pit_write_lo = 0;
		} else {
			pit_count = (uint16_t)(pit_count | v << 8);
			pit_load_ns = now_ns;
		}
		break;
	case 0x61:
		port61 = v;
		break;
	case 0x70:
		cmos_index = v;
		break;
	}
}

/* What time.c needs from the rest of the hypervisor. */
static struct percpu cpu0;
static struct percpu *cpus[1] = { &cpu0 };
struct percpu **cpu_table = cpus;

void printk(int level, const char *fmt, ...)
{
	(void)level, (void)fmt;
}

/* The TSC frequency time_init finds, in kHz, on a fresh model. */
static uint64_t calibrate(double ghz, double run_ms, double stall_ms, unsigned int s)
{
	now_ns = 1e9;
	tsc_ghz = ghz;
	run_ns = run_ms * 1e6;
	stall_ns = stall_ms * 1e6;
	seed = s;
	next_stall = now_ns + run_ns * (20 + rnd(160)) / 100;
	pit_latch_valid = pit_read_hi = pit_write_lo = 0;
	time_init();
	return tsc_khz();
}

static void assert_within(uint64_t khz, double ghz, double ppm, unsigned int s)
{
	double want = ghz * 1e6, err = ((double)khz - want) / want * 1e6;

	ck_assert_msg(err < ppm && err > -ppm, "seed %u: %lu kHz for a %.3f GHz TSC (%.0f ppm off)", s,
		      (unsigned long)khz, ghz, err);
}

START_TEST(test_quiet_machine)
{
	assert_within(calibrate(2.596, 1, 0, 1), 2.596, 20, 1);
	assert_within(calibrate(0.9, 1, 0, 1), 0.9, 20, 1);
}
END_TEST

/*
 * A loaded host: the thread runs 0.6-5.4 ms, then waits 1-45 ms (load 14
 * on 2 cores gives each thread about a seventh of a core). Timing a whole
 * PIT count-down with the TSC (the code before) counted those waits and
 * read up to 2.3x the frequency here (5.95 GHz for 2.6). With the readings
 * paired, every seed stays within 0.1%.
 */
START_TEST(test_stalls_do_not_skew)
{
	for (unsigned int s = 1; s <= 200; s++)
		assert_within(calibrate(2.596, 3, 1 + s % 30, s), 2.596, 1000, s);
}
END_TEST

/* Short runs between long stalls (a reading itself is cut now and then): still within 0.1%. */
START_TEST(test_very_loaded)
{
	for (unsigned int s = 1; s <= 100; s++)
		assert_within(calibrate(3.2, 0.2, 10, s), 3.2, 1000, s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("time_calibrate");
	TCase *tc = tcase_create("calibrate");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_quiet_machine);
	tcase_add_test(tc, test_stalls_do_not_skew);
	tcase_add_test(tc, test_very_loaded);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
