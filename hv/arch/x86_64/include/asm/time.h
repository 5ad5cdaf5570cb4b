/* Arch time setup: TSC calibration and busy waits. */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <hv/types.h>

void time_init(void);
void tsc_delay_ns(uint64_t ns);
uint64_t tsc_boot_value(void);
void time_pvclock_params(uint32_t *mul, int8_t *shift);
uint64_t time_wallclock_boot(void);

#endif
