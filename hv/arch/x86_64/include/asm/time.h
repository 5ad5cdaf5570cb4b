/* Arch time setup: TSC calibration and busy waits. */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <hv/types.h>

void time_init(void);
void tsc_delay_ns(uint64_t ns);

#endif
