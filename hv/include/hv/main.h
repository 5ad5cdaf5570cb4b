/* SPDX-License-Identifier: MIT */
/* Architecture-neutral boot and the objects it reads. */
#ifndef HV_MAIN_H
#define HV_MAIN_H

#include <hv/bootinfo.h>
#include <hv/cmdline.h>

extern struct boot_info bootinfo;
extern struct hv_cmdline hv_cmdline;
extern uint32_t hv_test_switches;

/* Entered on the boot CPU once every CPU is up; never returns. */
void __noreturn hv_main(void);

/* Builds and starts the boot-time domains; returns how many started. */
unsigned int boot_domains_start(void);
/* Boot CPU's idle loop: destroys domUs that shut down, stops the machine once every domain has; true while teardown steps remain. */
bool boot_domains_poll(void);
/* The boot CPU's run-time teardown work (domUs that shut down, zombie frames), bounded per call; also between guest exits. */
bool boot_domains_work(void);
bool boot_domains_work_pending(void);
void scheduler_init(void);
/* Logs the scheduler's switches and migrations and each CPU's idle halts (the end of a boot run). */
void sched_stats_print(void);
/* On each CPU as it comes up, before it takes interrupts: starts its scheduler tick (a timer). */
void sched_cpu_start(void);

/* Arch hooks the common code uses. */
void __noreturn arch_enter_idle(void);
void __noreturn hv_shutdown(bool success);
void hv_wait_ns(uint64_t ns);

#endif
