/* SPDX-License-Identifier: MIT */
/* Common boot: checks the machine works (IPIs, timer ticks), prints the summary banner, then runs domains. */
#include <hv/frame.h>
#include <hv/heap.h>
#include <hv/log.h>
#include <hv/main.h>
#include <hv/percpu.h>
#include <hv/time.h>

unsigned int smp_ping_all(void);
unsigned int flush_selftest(void);

static void check_timer(void)
{
	struct percpu *pc = cpu_table[0];
	uint64_t before = pc->timer_ticks;
	s_time_t t0 = time_now_ns();

	hv_wait_ns(50000000);
	log_info("timer: %lu ticks in %lu ms on cpu0 (period %lu us)", pc->timer_ticks - before,
		 (uint64_t)(time_now_ns() - t0) / 1000000, pc->timer_period_ns / 1000);
	if (pc->timer_ticks == before)
		log_err("timer: no LAPIC timer interrupt arrived");
}

void hv_main(void)
{
	unsigned int answered = smp_ping_all();
	struct frame_stats st;

	log_info("smp: %u CPUs online, %u of %u answered an IPI", nr_cpus_online, answered,
		 nr_cpus_online - 1);
	answered = flush_selftest();
	log_info("smp: %u of %u CPUs answered a TLB shootdown", answered, nr_cpus_online - 1);
	check_timer();
	frame_stats_print();
	hv_heap_stats_print();
	frame_stats_get(&st);
	log_notice("Skiff ready: cpus=%u ram=%luMiB free=%luMiB hv=%luKiB modules=%u",
		 nr_cpus_online, (st.total << 12) >> 20, (st.free << 12) >> 20, (st.hv << 12) >> 10,
		 bootinfo.nr_modules);
	if (!bootinfo.nr_modules) {
		log_notice("no modules: no domains to run, stopping the machine");
		hv_shutdown(true);
	}
	if (!boot_domains_start()) {
		log_err("no domain could be started");
		hv_shutdown(false);
	}
	arch_enter_idle();
}
