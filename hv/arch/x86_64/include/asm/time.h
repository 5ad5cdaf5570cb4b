/* SPDX-License-Identifier: MIT */
/* Arch time setup: TSC calibration and busy waits. */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <hv/time.h>
#include <hv/types.h>

void time_init(void);
void tsc_delay_ns(uint64_t ns);
uint64_t tsc_boot_value(void);
uint64_t time_ns_to_tsc(s_time_t ns);
void time_pvclock_params(uint32_t *mul, int8_t *shift);
/* Wall-clock ns since the epoch at system time 0 (from the RTC). */
uint64_t time_wallclock_boot_ns(void);
/* Logs an error when the TSC-kept wall clock has drifted from the RTC (called at the machine's stop). */
void time_check_rtc(void);
/* CPU 0's tick while the RTC's seconds edge is sought: true once the wall clock has just become exact. */
bool rtc_edge_tick(void);

#endif
